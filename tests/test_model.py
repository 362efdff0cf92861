"""The model's promises: reproducible runs, controls that hold, accounting that balances, finite outputs."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation import AIRaceModel, Results, load_scenario, run
from simulation.runner import FILES, collect, resolved_toml

from .conftest import SHORT


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES}


def test_same_scenario_and_seed_give_identical_results_and_files(short_baseline, tmp_path):
    again = run("baseline", seed=7, overrides=SHORT)
    for name in ("model", "agents", "events"):
        pd.testing.assert_frame_equal(getattr(short_baseline, name), getattr(again, name))
    assert short_baseline.summary == again.summary
    assert _files(short_baseline.save(tmp_path / "a")) == _files(again.save(tmp_path / "b"))


def test_another_seed_gives_another_run(short_baseline):
    other = run("baseline", seed=8, overrides=SHORT)
    assert not other.model["price_NVDA"].equals(short_baseline.model["price_NVDA"])
    assert not other.events["value"].equals(short_baseline.events["value"])


def test_saved_scenario_reproduces_the_run(short_baseline, tmp_path):
    folder = short_baseline.save(tmp_path / "first")
    text = (folder / "scenario.toml").read_text()
    assert "seed = 7" in text and "airace_version" in text and "extends" not in text
    rerun = run(folder / "scenario.toml")  # no seed given: the file's own
    assert _files(rerun.save(tmp_path / "second")) == _files(folder)
    loaded = Results.load(folder)
    pd.testing.assert_frame_equal(loaded.model, short_baseline.model)
    pd.testing.assert_frame_equal(loaded.agents, short_baseline.agents)


def test_a_saved_scenario_keeps_its_story_and_one_saved_without_a_story_has_none(short_baseline, tmp_path):
    folder = short_baseline.save(tmp_path / "run")
    assert load_scenario(folder / "scenario.toml").story == load_scenario("baseline").story
    # the header of a resolved file is airace's note, never the story: one stored without a story has none
    old = tmp_path / "old.toml"
    old.write_text(resolved_toml(short_baseline.scenario.model_copy(update={"story": None}), 7))
    assert load_scenario(old).story is None


def test_results_have_the_documented_columns(short_baseline):
    model = short_baseline.model
    for column in (
        "step",
        "date",
        "gap_months",
        "ai_index",
        "frontier_capability_US",
        "frontier_capability_CN",
        "compute_flops_US",
        "compute_flops_CN",
        "price_NVDA",
        "market_cap_usd_NVDA",
        "price_AMD",
        "market_cap_usd_AMD",
        "chips_legal_CN",
        "chips_leaked_CN",
        "capex_usd_MSFT",
        "capex_usd_bytedance_ltd",
    ):
        assert column in model.columns, column
    assert model["date"].iloc[0] == pd.Timestamp("2023-01-01")
    assert (model["date"].diff().dropna() == pd.Timedelta(days=7)).all()
    assert model["ai_index"].iloc[0] == 100.0
    for bloc in ("US", "CN", "ROW"):  # compute by use adds up to the bloc's compute, and every use is in use
        uses = sum(model[f"compute_{use}_flops_{bloc}"] for use in ("training", "inference", "other"))
        np.testing.assert_allclose(uses, model[f"compute_flops_{bloc}"], rtol=1e-12)
        for use in ("training", "inference", "other"):
            assert (model[f"compute_{use}_flops_{bloc}"] > 0).all()
        assert (model[f"tokens_per_year_{bloc}"] > 0).all()
    assert (model["fixed_capability_price_usd_per_mtok"].diff().dropna() <= 1e-9).mean() > 0.9  # it mostly falls
    assert list(short_baseline.agents.columns) == ["step", "date", "agent_id", "agent_type", "variable", "value"]
    assert set(short_baseline.agents["agent_type"]) == {
        "Lab",
        "Owner",
        "Chipmaker",
        "Regulator",
        "InvestorPopulation",
        "Supplier",
    }
    assert set(short_baseline.events["kind"]) >= {"rule", "release", "funding"}


def test_gap_in_months_follows_the_epoch_definition(short_baseline):
    """Recompute the gap from the recorded frontiers: how long ago the US stood where China stands, a
    level between two US records dated in proportion between them."""
    m = short_baseline.model
    us, cn = m["frontier_capability_US"].to_numpy(), m["frontier_capability_CN"].to_numpy()
    days = (m["date"] - m["date"].iloc[0]).dt.days.to_numpy()
    for t in (0, 50, 100, len(m) - 1):
        if cn[t] <= us[: t + 1].max():
            if cn[t] <= us[0]:
                first = -(us[0] - cn[t]) * 365.25  # 1 capability unit a year before the start
            else:  # between the record it reached and the one before, in proportion to the level
                best = np.maximum.accumulate(us[: t + 1])
                k = int(np.argmax(best >= cn[t]))  # the first row at the level: a record
                j = int(np.argmax(best >= best[k - 1]))  # the row of the record before it
                first = days[j] + (cn[t] - best[j]) / (best[k] - best[j]) * (days[k] - days[j])
            assert m["gap_months"].iloc[t] == pytest.approx((days[t] - first) / (365.25 / 12))


def test_a_run_stops_by_itself_at_the_scenario_end():
    """`running`, Mesa's flag, holds until the scenario's last step has run; Mesa's loop stops there."""
    model = AIRaceModel(load_scenario("baseline", {"time.end": "2023-01-29"}), 3)  # four weekly steps
    for _ in range(4):
        assert model.running
        model.step()
    assert not model.running and model.steps == model.n_steps == 4
    model.run_model()  # a finished run has nothing left to do
    assert model.steps == 4 and len(model.records.model_frame()) == 5
    counted = []
    fresh = AIRaceModel(load_scenario("baseline", {"time.end": "2023-01-29"}), 3)
    fresh.run_model(counted.append)
    assert counted == [1, 1, 1, 1] and fresh.records.model_frame().equals(model.records.model_frame())
    assert not AIRaceModel(load_scenario("baseline", {"time.end": "2023-01-04"}), 3).running  # shorter than a step


def _step_through(spec, seed, check):
    model = AIRaceModel(spec, seed)
    for _ in range(model.n_steps):
        model.step()
        check(model)
    return model


def _held(model, bloc):
    """Units of each chip the bloc's owners hold, their labs' pools included."""
    return sum(model.clusters.units_of(p) for p in model.observation.pools_of[bloc])


FULL = {f"regulators.bis.rules.{r}.enforcement": 1.0 for r in ("oct2022", "oct2023")}
COVERS_RENTALS = {f"regulators.bis.rules.{r}.covers_rentals": True for r in ("oct2022", "oct2023")}


def test_full_enforcement_of_rules_that_cover_rentals_keeps_banned_chips_out():
    spec = load_scenario("baseline", {**SHORT, **FULL, **COVERS_RENTALS})
    cn_labs = [lab.id for lab in spec.labs if lab.bloc == "CN"]
    previous = {}

    def check(model):
        banned = model.regulation.controls[:, model.bloc_index["CN"]] >= 1.0
        market = model.chip_market
        for row, buyer in enumerate(market.buyers):  # no money at all ordered on a banned chip
            ordered = banned & (market.orders[row] != 0)
            assert not (buyer.bloc == "CN" and ordered.any()), [model.chips[i].id for i in np.flatnonzero(ordered)]
        held = _held(model, "CN")
        before = previous.get("CN", held)
        grew = held > np.pad(before, (0, len(held) - len(before))) + 1e-9  # new chips get new entries
        assert not (grew & banned).any(), np.flatnonzero(grew & banned)
        previous["CN"] = held.copy()
        assert model.chip_market.flows.leaked_units[model.bloc_index["CN"]] == 0
        assert model.chip_market.flows.rented_units[model.bloc_index["CN"]] == 0
        assert not model.chip_market.rentals.any()

    model = _step_through(spec, 3, check)
    # Not vacuous: Chinese labs did buy chips, only the compliant variants NVIDIA designed (an H800-like
    # H100 with NVLink cut until Oct 2023, then an H20-like H100 with throughput cut), and Ascend.
    h800, h20 = model.chip_index["H100_CN"], model.chip_index["H100_CN2"]
    held = _held(model, "CN")
    assert held[h800] > 0 and held[h20] > 0
    assert held[model.chip_index["H100"]] == 0
    assert sum(model.labs[i].fleet[h800] for i in cn_labs) > 0  # the labs' pools got some


def test_with_rentals_open_fully_enforced_rules_let_banned_chips_reach_china_only_as_rentals():
    spec = load_scenario("baseline", {**SHORT, **FULL})
    rented = []

    def check(model):
        flows = model.chip_market.flows
        assert flows.leaked_units[model.bloc_index["CN"]] == 0  # no smuggling at full enforcement
        rented.append(flows.rented_units[model.bloc_index["CN"]])
        assert flows.rented_units[model.bloc_index["US"]] == 0  # nothing is controlled for the US

    model = _step_through(spec, 3, check)
    assert sum(rented) > 0
    assert _held(model, "CN")[model.chip_index["H100"]] > 0


def test_leaky_enforcement_lets_some_banned_chips_through():
    model = _step_through(load_scenario("baseline", SHORT), 3, lambda m: None)
    assert _held(model, "CN")[model.chip_index["H100"]] > 0


@pytest.mark.parametrize(
    "overrides",
    [{}, {"regulators.bis.rules.oct2022.enforcement": 1.0, "regulators.bis.rules.oct2023.enforcement": 1.0}],
)
def test_accounting_holds_every_step(overrides):
    """Money paid by buyers reaches chipmakers (and smugglers), chips shipped arrive or are seized on the way,
    delivered chips are installed, shares are all held."""
    spec = load_scenario("baseline", {**SHORT, **overrides})

    def check(model):
        owners, makers = model.owners.values(), model.chipmakers.values()
        paid = sum(owner.chips_paid_total_usd for owner in owners)
        market = model.chip_market
        received = sum(m.revenue_total_usd for m in makers) + market.fees_total_usd
        received += market.smuggler_margin_total_usd + market.rental_margin_total_usd
        assert paid == pytest.approx(received, rel=1e-12)
        if overrides:
            assert market.smuggler_margin_total_usd == 0
        else:  # the baseline's rules leave rentals abroad open
            assert model.steps < 60 or market.rental_margin_total_usd > 0
        in_transit = sum(s.units.sum() for s in market.in_transit)
        delivered = sum(owner.chips_received_total for owner in owners)
        sold = sum(m.units_sold_total for m in makers)
        assert delivered + in_transit + market.seized_total == pytest.approx(sold, rel=1e-12)
        if overrides:
            assert market.seized_total == 0  # nothing is smuggled at full enforcement
        assert model.clusters.installed_total == pytest.approx(delivered, rel=1e-12, abs=1e-6)
        held = model.investors.holdings.sum(axis=0)
        outstanding = model.equity.shares_outstanding
        np.testing.assert_allclose(held, outstanding, rtol=1e-12)
        assert (model.investors.holdings >= 0).all()

    model = _step_through(spec, 5, check)
    assert sum(o.chips_paid_total_usd for o in model.owners.values()) > 1e10  # money did move


def _assert_finite(results: Results) -> None:
    for name in ("model", "agents"):
        numbers = getattr(results, name).select_dtypes("number")
        assert np.isfinite(numbers.to_numpy()).all(), name
    assert not results.model.isna().any().any()
    assert not results.agents.isna().any().any()
    assert not results.events.drop(columns="value").isna().any().any()  # value is NaN where a kind has none
    assert not np.isinf(results.events["value"]).any()


def test_baseline_outputs_are_finite():
    _assert_finite(run("baseline", seed=11))


@pytest.mark.slow
def test_deepseek_shock_outputs_are_finite_and_the_event_is_logged():
    results = run("deepseek_shock", seed=11)
    _assert_finite(results)
    events = results.events
    on = events[events["date"] == pd.Timestamp("2025-01-20")]
    assert (on["kind"] == "breakthrough").any()
    assert (events[events["date"] == pd.Timestamp("2025-01-27")]["kind"] == "attention").any()
    assert (results.model["date"].diff().dropna() == pd.Timedelta(days=1)).all()


def test_a_scheduled_rule_change_takes_effect_on_its_date(write_scenario):
    path = write_scenario(
        """
extends = "baseline"
name = "crackdown"

[time]
end = 2024-12-31

[[events]]
kind = "rule_change"
id = "crackdown"
regulator = "bis"
rule = "oct2023"
date = 2024-06-01
enforcement = 1.0
description = "smuggling networks shut down"
"""
    )
    results = run(path, seed=2)
    m = results.model
    assert m.loc[m["date"] < "2024-06-01", "chips_leaked_CN"].sum() > 0
    # Chips smuggled before the crackdown still arrive for the smuggling delay, then nothing does.
    delay = pd.Timedelta(days=results.scenario.chip_market.leak_delay_days)
    assert m.loc[m["date"] >= pd.Timestamp("2024-06-02") + delay, "chips_leaked_CN"].sum() == 0
    assert m.loc[m["date"] >= "2024-06-02", "chips_leaked_CN"].sum() > 0
    [logged] = results.events.query("actor == 'bis' and channel == 'enforcement' and value == 1.0").itertuples()
    assert logged.date == pd.Timestamp("2024-06-01")
    assert m.loc[logged.step, "date"] >= pd.Timestamp("2024-06-01") > m.loc[logged.step - 1, "date"]


# ---------------------------------------------------------------- common random numbers

CRN_SHORT = {"time.end": "2024-06-30", "investors.count": 300}


def _finished(overrides: dict) -> AIRaceModel:
    model = AIRaceModel(load_scenario("baseline", CRN_SHORT | overrides), 11)
    model.run_model()
    return model


def test_a_value_set_to_itself_gives_bit_identical_outputs():
    base = collect(_finished({}))
    same = collect(_finished({"labs.deepseek.research_share": base.scenario.labs[4].research_share}))
    assert base.scenario.labs[4].id == "deepseek"
    pd.testing.assert_frame_equal(base.model, same.model)
    pd.testing.assert_frame_equal(base.agents, same.agents)
    pd.testing.assert_frame_equal(base.events, same.events)


def test_changing_one_lab_leaves_every_other_agents_draws_as_they_were():
    """Each agent's mechanisms draw from streams of their own (`AIRaceModel.stream`), so DeepSeek's
    extra research changes its own breakthroughs, and the market and other labs answer it, but every
    other lab's and the investors' random numbers stay the ones they were: the streams that draw a
    fixed count each step end in the same state."""
    base, changed = _finished({}), _finished({"labs.deepseek.research_share": 0.45})
    assert (
        collect(base).model["frontier_capability_CN"].iloc[-1]
        != collect(changed).model["frontier_capability_CN"].iloc[-1]
    )  # the change does act
    fixed = ("start", "breakthrough", "population", "whims", "switching")
    keys = [key for key in base.streams if key[0] != "deepseek" and key[1] in fixed]
    assert {k[0] for k in keys} >= {"openai", "alibaba", "investors"} and set(keys) <= set(changed.streams)
    for key in keys:
        assert base.streams[key].bit_generator.state == changed.streams[key].bit_generator.state, key
    assert (
        base.streams[("deepseek", "breakthrough")].bit_generator.state
        == changed.streams[("deepseek", "breakthrough")].bit_generator.state
    )  # one draw a step whatever the chance: DeepSeek's own arrivals are compared on common numbers too


def test_the_gap_after_a_scripted_event_is_null_when_the_run_ends_before_it():
    """DeepSeek-R1 (20 Jan 2025) never happens in a run that ends in 2024: no gap after it, not the end's."""
    summary = run("deepseek_shock", seed=2, overrides={"time.end": "2024-12-31", "time.step_days": 7}).summary
    at = summary["gap_months"]["at_events"]
    assert at["deepseek_r1"] == {"date": "2025-01-20", "gap_months": None}
    inside = run("deepseek_shock", seed=2, overrides={"time.end": "2025-03-31", "time.step_days": 7})
    rows = inside.model[inside.model["date"] >= pd.Timestamp("2025-01-20")]
    after = inside.summary["gap_months"]["at_events"]["deepseek_r1"]["gap_months"]
    assert after == pytest.approx(rows["gap_months"].iloc[0])


def test_value_lost_is_each_step_s_fall_in_market_value_per_firm_and_in_all(short_baseline):
    model = short_baseline.model
    tickers = ("NVDA", "AMD")
    total = sum(model[f"value_lost_usd_{t}"] for t in tickers)
    np.testing.assert_allclose(model["value_lost_usd"], total, rtol=1e-12, atol=1e-3)
    for t in tickers:
        caps = model[f"market_cap_usd_{t}"]
        np.testing.assert_allclose(model[f"value_lost_usd_{t}"].iloc[1:], -caps.diff().iloc[1:], rtol=1e-9, atol=1.0)
    assert model["value_lost_usd"].iloc[0] == 0.0
    worst = model["value_lost_usd"].idxmax()  # the step of the largest loss lost money: not a sign slip
    assert model["market_cap_usd_NVDA"].iloc[worst] + model["market_cap_usd_AMD"].iloc[worst] < (
        model["market_cap_usd_NVDA"].iloc[worst - 1] + model["market_cap_usd_AMD"].iloc[worst - 1]
    )


def test_every_kind_of_scenario_event_has_one_handler():
    """A kind added to the scenario's events without a handler would be silently ignored by no model: the table
    from kind to handler covers every kind a file may hold, and nothing else."""
    from simulation import scripted
    from simulation.scenario.schema import EVENT_KINDS

    assert set(scripted.HANDLERS) == set(EVENT_KINDS.values())
