"""The baseline's outputs for a fixed seed, pinned: speed-ups must not change what the model computes.

Every number of the model and agents tables is covered, to a relative 1e-9: sampled rows of the
model table value by value, and each column of the model table and each agent's series of each
variable by its sum (against the sum of absolute values), sum of squares, least and greatest
value. Any change in what the model computes moves some of these by far more than that, while
rounding that differs between platforms, or a sum taken in another order, does not; digests of
rounded values did, whenever a value sat on a rounding boundary. Events are compared exactly.
To re-pin after a deliberate change of behaviour (never for a speed-up):
`.venv/bin/python -m tests.test_pinned`.

History of the pin in tests/data/baseline_pinned.json:
- taken from the model before any optimisation, and held by every bit-identical speed-up after it;
- re-taken once when equity clearing became exact: brentq had stopped within its tolerance (1e-10
  relative on the log price), the exact solution does not. Against the code before that change,
  six runs (baseline and deepseek_shock, three seeds) differed by at most 2.3e-9 relative (prices
  and market caps), records of agents by at most 3e-12, and events not at all; the old pin's sampled
  rows and summary still matched. Only the digests of the rounded tables moved;
- re-taken in this form, from the same code, when the digests of rounded tables gave way to the
  tolerances above;
- its `events_sha256` re-taken when the event log gained typed columns (the old columns' hash was
  unchanged), and its `summary` when summary.json gained the report's headline outcomes (every
  existing value unchanged);
- re-taken whole when random numbers moved from one generator to streams per agent and mechanism
  (`AIRaceModel.stream`, common random numbers): every draw is a different number, so every output
  moves within its seed-to-seed spread (the 2030 gap 9.9 -> 10.8 months for this seed); the
  calibration targets and the library's stories still pass;
- its `events_sha256` re-taken when a rule's start event began to carry the rule's enforcement in
  `value` (NaN before; every text unchanged, everything else of the pin identical);
- re-taken when model.parquet gained `chips_domestic_<BLOC>` (the legal chips made at home): the only
  change is the new columns' entries, every existing number identical;
- re-taken whole when every process became independent of the step length (issue 17): a training
  run ends on its own day (120 days, no longer rounded up to 126 in weekly steps) and the rest of
  the step starts the next; the first run's phase is in days, not whole steps; breakthroughs are a
  Poisson process in hazard (exponential draws instead of one uniform a step); distillations fall
  due on their day. Every output moves; the calibration targets (ten seeds), the library's stories
  and the new daily-against-weekly test pass;
- re-taken whole when distillation got diminishing returns (at most `tech.distillation_max_lift`
  over the student's pretrained model) and a choice among every reachable teacher, and the gap in
  months began to date a level between two of the leader's records by interpolation (it had moved
  in whole intervals between US releases). Every gap and capability moves (mean gap 2023-2025 over
  ten seeds 5.0 -> 7.8 months); chips, prices and revenue barely;
- re-taken whole when labs got owners (issue 15: Microsoft, Alphabet, Amazon, Meta, Alibaba, Baidu,
  ByteDance, High-Flyer and European backers, whose AI capex pays part of their labs' chips and who
  book their labs' revenue), the blocs' capital became outside capital (US $55B -> $45B, CN $6B ->
  $4.5B a year at the start, US growth refitted to NVIDIA's revenue, 1.15 -> 2.0) and distillation's
  compute share was set from the R1-Distill figures (1% -> 0.1% of the teacher's run). Every output
  moves: for this seed the 2030 gap 13.0 -> 16.3 months; over ten seeds the calibration meets 15 of
  17 targets (the two known misses as before) and the library's stories hold;
- re-taken when model.parquet gained compute by use (`compute_training_flops_<BLOC>`,
  `compute_inference_flops_<BLOC>`): the only change is the new columns' entries;
- re-taken when model.parquet gained `value_lost_usd` and `value_lost_usd_<TICKER>`: the same;
- re-taken whole when part of the demand that controls stop began to rent the chips in clouds abroad
  (`chip_market.rental_reach` 0.2, `rental_premium` 0.5; no rule of the baseline covers rentals): every
  output moves (closing the channel would lower China's 2027 compute by about 14%; the 2030 gap of this
  seed 16.3 -> 13.6 months); over ten seeds the calibration still meets
  15 of its targets (of 18 with the new fixed-capability price, a known miss) and the library's
  stories hold, reactive_regulators' 2027 effect now small;
- its `summary` re-taken when `chips_leaked_share` began to count rented chips among all a bloc got
  (its only change; every table identical);
- re-taken when the market was rebuilt (issue 16): values from discounted expected cash flows, daily
  trading whatever the step length, clearing within symmetric position limits, sentiment as the noise,
  revenue read as a trailing quarter on news days, news weighted by its reach. Only the market's
  outputs move (prices, market caps, value lost, the AI index, the investors' records); the real side
  does not read prices, and the investors draw from their own streams, so every other number is
  identical. Over ten seeds of deepseek_shock the stylized facts of 2023-2024 and NVIDIA's values
  are met, and the 27 January 2025 fall is about 16% (jevons_belief_mean -0.35 -> -0.2);
- re-taken when the clearing loop was compiled (numba, no fastmath: sums in a fixed order, so numbers
  differ from NumPy's pairwise sums in the last bits), revenue news came on random days instead of every
  seventh, investors read a trailing half-year instead of a quarter, and the market's parameters were
  refitted to the stylized facts (reversion 4 -> 1 a year, sentiment spread 0.3 -> 0.2, trend strength
  0.01 -> 0.003). Again only the market's outputs move;
- re-taken whole when market values began to feed back into the listed chipmakers' capacity
  investment (`chipmaking.q_elasticity` 0.5, Tobin's q against the past year's price): the real
  side now reads prices, so every output moves (NVIDIA's FY2025 revenue over ten seeds $104B -> $112B,
  the 2024 gap change +3.3 -> +2.9 months); the calibration meets the same targets;
- re-taken after a review: within a step investors now read revenue as it accrues day by day (they had
  seen a weekly step's whole revenue from its first day, which made the weekly baseline's growth
  belief twice as noisy as the daily one), over a trailing four months instead of a half-year; the
  demand belief fades day by day; a news day comes with chance 1/n; fitness weighs returns by the day
  before's market values; q starts from the start price; a non-AI value is at least 1% of the start
  price. Only the market's outputs and, through capacity, the real side move;
- re-taken when the fade of news-driven beliefs, still day by day, began to be applied on the days values
  are revised (news and revenue days) rather than every day, which cost a revision of every value a day
  (the 10,000-investor run 0.365 -> 0.30 s); values between revisions carry beliefs a few days unfaded.
- re-taken whole when compute moved to where it sits (issue 35): owners hold the installed base in
  clusters (starting stocks from Epoch AI's back-cast, 2.4M A100 equivalents worldwide), buy every chip
  (labs commission theirs), plan AI capex from their bloc's users' demand for compute in FLOP at the
  price of compute, and a frontier run takes 70% of the largest cluster its lab can use (clusters capped
  by a site's power); the blocs' outside capital gave way to named funding rounds and to owners with no
  lab; users answer the price of service against the path they expected. Every output moves: for this
  seed the 2030 gap 13.5 -> 12.3 months and China's share of the world's compute at the end 2.2% ->
  10.4%; over ten seeds NVIDIA's FY2024 and FY2025 revenue are now predicted and met.
- re-taken when a review found that `fixed_capability_price_usd_per_mtok` priced a lab that started small
  at its small start model's cost once it had trained up to the level: the column now records the cost
  of serving the level at each lab's efficiency and price of compute. It is the only change; every
  other number is identical.
- re-taken whole when capability got its parts (issue 36): a model is a pretrained base (moved toward
  the best published open-weights base by imitation) plus post-training (reasoning RL from
  September 2024, distillation, breakthroughs since the base); bases wait `tech.release_lag_days` in
  post-training and runs count at release; the world of January 2023 is the start (GPT-4, PaLM 2,
  Claude 2 and LLaMA-65B released on their days; the first run credited from day 0 only; first
  distillations staggered); Chinese labs' runs take 10-30% of their clusters (ByteDance 30% and a
  smaller 2023 fleet). Every capability and gap moves, chips and prices a little: for this seed the
  gap at the end of 2023 3.0 -> 9.5 months and of 2024 6.2 -> 5.4 (it shrinks during 2024), the 2030
  gap 12.3 -> 16.6 months. Re-taken a second time within issue 36, for its supply half: smuggling and
  rentals abroad became supplies whose premium and seizures rise with their load against the routes
  enforcement leaves open, rationed to them (`chip_market.smuggling_*`, `rental_*`; `leak_price_premium`
  and `rental_reach` removed); Huawei's output comes from SMIC's wafers, TSMC's die bank and the HBM it
  can get (`chipmakers.huawei.supply`); orders a maker cannot fill get a second round on the legal offers
  left. Chips, compute, prices and gaps move: for this seed China's leaked chips over the run 1.38M ->
  1.09M, its compute share at the end 10.0% -> 7.3%, the 2030 gap 16.6 -> 18.1 months; over ten seeds
  the calibration meets 26 of 39 targets (the misses in KNOWN_MISSES) and the library's stories hold.
- re-taken when the supply chain's firms came in (issue 39: TSMC, SK hynix, Micron, Broadcom, Dell, Super
  Micro, Vistra, Constellation, paid from flows that went to `outside:suppliers`): the only change is the
  new entries (56 model columns: firms' AI and total revenue, suppliers' capex, `electricity_usd_<BLOC>`;
  the suppliers' 48 agent series; summary's `ai_revenue_usd_by_year`); every number pinned before, the
  sampled rows and the events' digest were checked identical first. Re-taken a second time within issue
  39 when Oracle took its share of the rental channel abroad (`owners.oracle.rentals_abroad_share` 0.2:
  it buys chips and leases them to controlled blocs' buyers, the rent and the chips through its books):
  only Oracle's columns and series move (capex 74.2B -> 79.2B over the run, AI revenue 5.4B -> 14.5B,
  cash), every other number identical; a new column `rentals_abroad_usd_ORCL`. Re-taken a third time
  when a chip's parts became shares of its unit cost (`foundry_cost_share`, `hbm_cost_share`, so a swept
  unit cost never falls below its parts): only the foundry's and memory makers' revenue and cash move
  (TSMC's AI revenue over the run -2.6%, from rounding the shares), every other number identical.
  Re-taken a fourth time when suppliers sell only to the blocs they name (`sells_to`: Dell and Super Micro
  not to China, whose AI servers are its own makers'; the power companies to the US): only the server
  makers' numbers move (their AI revenue over the run -21%), every other number identical. Re-taken a
  fifth time when the toolmaker ASML came in (segment `equipment`, paid from TSMC's capex and China's
  subsidised capacity, its China sales cut by the tool controls; TSMC's capex only changes payees: only
  ASML's new entries move) and owners began to pay their accelerators' electricity in full, beside the
  running costs that hold it up to their size (it had been capped by them): only the bills and the power
  companies' revenue move until 2026 (over the run `electricity_usd_` US +13%, CN +60%, ROW +24%, Vistra's
  and Constellation's AI revenue +13%; 2023-2025 within 0.2%), the owners' cash and borrowing after it, and
  from April 2030 China's chips (legal chips in 2030 -3.9%, Huawei's revenue +1.7%, NVIDIA's -0.02%, its
  price at most 2.8%) as Baidu's plan meets its cash; no capability, gap or event moves. Re-taken a
  sixth time when matrix products stopped going through BLAS (`simulation.sums.dot`): OpenBLAS picks its
  kernel for the CPU, and the pin taken on an Intel machine (SkylakeX kernel) failed on an AMD one (Zen
  kernel) from step 52, the last bits of a few sums grown by the market's feedback. The products now add in
  NumPy's order, the same under every kernel (`tests/test_reproducible.py`); every output moves by such
  bits grown alike (for this seed, over the run: AI index -0.009%, NVIDIA's AI revenue +0.02%, China's
  legal chips -0.03%, the 2030 gap 18.07 -> 18.09 months). Re-taken a seventh time when TSMC's CoWoS
  packaging came in as the cap on the leading chips (`suppliers.tsmc.packaging`: NVIDIA's and AMD's capacity
  is what they book of it, TSMC grows it towards the bookings with its capex and splits it when short) and
  build windows began to follow each other whatever the step length (a new cluster begins when the last
  window closed, not at the next delivery). Every output moves; over the run for this seed NVIDIA's AI
  revenue +13.7% (its markup higher while short), AMD's -37.9%, US legal chips -11.5%, China's -7.3%,
  TSMC's capex +12.9% (the packaging's), ASML's AI revenue +48% (its tools), the 2025 gap 11.8 -> 13.6
  months and the 2030 gap 18.09 -> 18.67; new columns `packaging_wafers_per_month_TSM`,
  `packaging_used_wafers_per_month_TSM` and the chipmakers' `booked_chips_per_year` series. Over ten seeds
  the calibration meets 31 of 46 targets (the two CoWoS rows fitted); the library's stories hold, two
  retold (reactive_regulators loosens from 2027; fewer H20s before the April 2025 ban). Re-taken an eighth
  time when the projected generations' prices were refitted to hardware price-performance (1.43x a year with
  the packaging, against 1.3-1.4x): R200 $38,000 -> $46,000, N2028 $41,000 -> $49,000. Nothing moves before the
  R200's launch in September 2026 (the sampled rows to step 105 are identical); over the run for this seed US
  compute -20%, NVIDIA's AI revenue -8.9%, price-performance -13%, the 2030 gap 18.67 -> 18.27 months; over ten
  seeds 32 of 46 targets met, the library's stories, the notebook and the mechanism tests hold.
- re-taken when Google's TPUs came in (issue 39: custom accelerators made for one owner, designed by
  Broadcom's division `broadcom_xpu`, booking TSMC's packaging; Alphabet spends 0.7 of its chip budget on
  them; the packaging's outside share 0.29 -> 0.19). Over the run for this seed NVIDIA's AI revenue -8.8%,
  Broadcom's +91% (its TPUs), TSMC's +6.8%, the memory makers' +4.7%, Alphabet's installed compute +39%, US
  compute +6.2%, the AI index -7.3%, the 2030 gap 18.27 -> 19.54 months; new column
  `revenue_ai_usd_broadcom_xpu`. Over ten seeds 31 of 47 targets met (Broadcom's fiscal 2024 AI revenue now
  met, NVIDIA's FY2025 revenue and its 2023-2024 volatility now just missed).
- re-taken when the market began to trade on the New York exchange's sessions (issue 40: `exchange-calendars`'
  XNYS; no trading on weekends and holidays, the daily processes moving once a session, rates annualised with
  252): in this weekly baseline a week's five sessions replace its seven days, so NVIDIA's price path moves a
  little (its sum over the run +1.0%, the AI index's +1.1%, the value lost summed over steps +10%), the real
  side hardly (NVIDIA's AI revenue +0.1%, AMD's +1.5% through Tobin's q, the gap +0.1%); new column `sessions`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulation import Results, run

PINNED = Path(__file__).parent / "data" / "baseline_pinned.json"
SEED = 20230101
SAMPLE_STEPS = (0, 1, 52, 104, 105, 208, 313, 417)  # a year apart, plus the first and last steps
RELATIVE = 1e-9


def _statistics(values: np.ndarray) -> dict[str, float]:
    values = np.asarray(values, dtype=float)
    return {
        "sum": float(values.sum()),
        "sum_abs": float(np.abs(values).sum()),
        "sum_sq": float((values**2).sum()),
        "min": float(values.min()),
        "max": float(values.max()),
    }


def fingerprint(results: Results) -> dict[str, Any]:
    """What the pin compares: sampled model rows, statistics of every model column and of every agent's
    series of each variable, a digest of the events, the summary."""
    model = results.model
    numeric = [c for c in model.columns if c not in ("step", "date")]
    agents = results.agents.groupby(["agent_id", "variable"], sort=True)["value"]
    events = hashlib.sha256(results.events.to_csv(index=False).encode()).hexdigest()
    return {
        "seed": results.seed,
        "rows": len(model),
        "model_sample": {str(s): {c: float(model.loc[s, c]) for c in numeric} for s in SAMPLE_STEPS},
        "model_columns": {c: _statistics(model[c].to_numpy()) for c in numeric},
        "agents": {f"{agent}.{variable}": _statistics(series.to_numpy()) for (agent, variable), series in agents},
        "events_sha256": events,
        "summary": {k: v for k, v in results.summary.items() if k != "airace_version"},
    }


def _assert_statistics_match(now: dict[str, float], pinned: dict[str, float], what: str) -> None:
    scale = pinned["sum_abs"]
    assert now["sum"] == pytest.approx(pinned["sum"], rel=0, abs=RELATIVE * scale + 1e-300), f"{what}: sum"
    for key in ("sum_abs", "sum_sq", "min", "max"):
        assert now[key] == pytest.approx(pinned[key], rel=RELATIVE, abs=1e-300), f"{what}: {key}"


@pytest.fixture(scope="module")
def pinned() -> dict[str, Any]:
    return json.loads(PINNED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def now() -> dict[str, Any]:
    return fingerprint(run("baseline", seed=SEED))


@pytest.mark.slow
def test_sampled_model_rows_match_the_pin(pinned, now):
    """Readable first: which column at which step moved (if any)."""
    for step, row in pinned["model_sample"].items():
        for column, value in row.items():
            got = now["model_sample"][step][column]
            assert got == pytest.approx(value, rel=RELATIVE, abs=1e-300), f"step {step}, {column}"


@pytest.mark.slow
def test_summary_matches_the_pin(pinned, now):
    assert now["summary"] == pinned["summary"]


@pytest.mark.slow
def test_every_model_column_and_agent_series_matches_the_pin(pinned, now):
    assert now["rows"] == pinned["rows"]
    assert now["model_columns"].keys() == pinned["model_columns"].keys()
    for column, stats in pinned["model_columns"].items():
        _assert_statistics_match(now["model_columns"][column], stats, column)
    assert now["agents"].keys() == pinned["agents"].keys()
    for series, stats in pinned["agents"].items():
        _assert_statistics_match(now["agents"][series], stats, series)


@pytest.mark.slow
def test_events_match_the_pin(pinned, now):
    assert now["events_sha256"] == pinned["events_sha256"]


def test_the_pin_sees_a_change_in_one_value_at_one_step():
    """The statistics let rounding through but catch a change of ten parts in a million in one typical
    record (the median one) of one step of 418."""
    values = np.random.default_rng(1).lognormal(0.0, 1.0, 418) * 1e9
    pinned = _statistics(values)
    _assert_statistics_match(_statistics(values * (1 + 1e-13)), pinned, "rounding")
    values[np.argsort(values)[209]] *= 1 + 1e-5
    with pytest.raises(AssertionError):
        _assert_statistics_match(_statistics(values), pinned, "one value")


if __name__ == "__main__":
    PINNED.write_text(json.dumps(fingerprint(run("baseline", seed=SEED)), indent=1, sort_keys=True) + "\n")
    print(f"wrote {PINNED}")
