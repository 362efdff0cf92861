"""Every target of CALIBRATION.md that the model covers, as the median over 10 seeds, within tolerance.

The runs are shared by all targets (one set per scenario, and with other tests through the
`replicates` fixture), so the whole file costs twenty runs. Ten seeds rather than CALIBRATION.md's
least of five: a median of five moves by a tenth of the band on some targets (US frontier compute
growth: 3.49 on five seeds, 3.54 on ten, against a band from 3.5).
"""

from __future__ import annotations

import pytest

from analysis import calibration

SEEDS = 10
KNOWN_MISSES = {
    "AMD's data-centre GPU revenue, 2024": "about $12.5B against 'over $5B': AMD's capacity growth (1.0 a year) "
    "was set with this figure in view when AMD had a capacity of its own (about $15.7B for the pinned seed before "
    "the packaging: missed then too, unchecked); it now books TSMC's packaging at that growth; not refitted",
    "HBM bought for AI accelerators, 2024": "about $6.7B: TSMC's packaging (36.9k wafers a month at the end of 2024, "
    "met) caps the accelerators made in 2024, and only the model's carry HBM; Google's TPUs carry little (two "
    "stacks on v5e and v6e), and Amazon's and other custom chips are in the packaging's outside share and buy none",
    "NVIDIA's market value, end 2024": "about $1.49T against $2.15-4.46T: investors price the revenue, and "
    "NVIDIA's FY2025 revenue is about $82B (a miss too)",
    "NVIDIA data-centre revenue FY2025": "about $82.5B against $86-144B: NVIDIA's buyers' money, not the packaging, "
    "bounds its 2024 sales in the model (its markup falls below 1 while Google's TPUs take 70% of Alphabet's chip "
    "budget: about $87B before them); its filed data-centre revenue also holds its networking (~$13B in FY2025), "
    "which the model pays to the networking segment",
    "NVIDIA's volatility 2023-2024": "0.339 against 0.35-0.70, over the exchange's sessions and annualised with 252 "
    "(0.348 over calendar days before the calendar, after Google's TPUs moved part of Alphabet's spending off "
    "NVIDIA; 0.35-0.39 before them): the investors' parameters, fitted with it in view in calendar-day units, are for "
    "the estimation issue to refit",
    "Ascend chips made in 2025": "with SMIC's wafers, TSMC's die bank and the HBM stockpiled before the December "
    "2024 rule (SemiAnalysis' inputs), Huawei can make ~0.5M chips in 2025, HBM-bound, and the buy-domestic mandate "
    "of September 2025 buys them: the model sides with SemiAnalysis' ~0.8M of dies against BIS's at most 0.2M",
    "US frontier compute growth": "a frontier run takes 70% of the largest cluster its lab can use, and the "
    "largest clusters grow with the power a site can get (doubling a year) and chips' FLOP per watt, about 2.5x a "
    "year in FLOP; the end-2023 run (about 8e25, on clusters ready in mid-2023) is already large, so 2023-2025 "
    "grows about 2.4x a year, not 4-5x",
    "largest training run, end 2024": "the first runs on the 100k-GPU clusters of 2024 are released in 2024 (about "
    "1.6e26, counted at release 60 days after their end) where the public record shows them in 2025 (Grok 3, about "
    "3-6e26): US labs' runs take 70% of clusters that grow with site power, while the 2024 releases ran on 16-25k",
    "largest US run against China's, end 2024": "China's largest run at the end of 2024 is met (about 1.1e25), but "
    "the US's is about 3x too large, so the ratio is about 14x, not 2x",
    "frontier training cost growth": "a run's cost is the wear of its share of the cluster over 90 days; clusters' "
    "value grows with the power a site can get, about 1.7x a year, not the 2.4x of Cottier et al.",
    "largest training run cost by end 2027": "the same: about $0.4B by the end of 2027 against over $1B",
    "fall in the price of a fixed capability": "serving the start's best level costs its FLOP per token at a lab's "
    "efficiency and the price of compute, which fall about 5x and 1.35x a year: about 6.3x a year, against 9-900x; "
    "the smaller (often distilled) models that reach an old level at a fraction of the cost are not in the prices",
    "AMD's market value, end 2023": "investors read revenue, not guidance: the market priced AMD's MI300 ramp "
    "in 2023 before its revenue came",
    "TSMC's AI-accelerator revenue, 2024": "the foundry is paid its share of the unit cost of the accelerators the "
    "model sells (about $5.3B in 2024, Google's TPUs included): unit costs of $3-6k a chip at 30-34% for the "
    "foundry give about $1-2k a chip, where TSMC's AI revenue of ~$12B over its ~5M AI chips of 2024 is over $2k; "
    "Amazon's and other custom chips are not in the model",
    "ASML's sales to China, 2024": "ASML's China sales are 18% of its 2022 base business (its 20-F) grown with "
    "the whole company, plus the tools of China's subsidised AI capacity, less what the tool controls deny: "
    "about $3.8B in 2024 against ~$11B; China's buying ahead of the controls (EUR2.9B in 2022, EUR7.3B in 2023, "
    "EUR10.2B in 2024) is not in the model, whose China fabs buy tools only for the AI capacity it grows",
    "efficiency breakthroughs before 2025 followed by a 5% fall of NVIDIA": "at the mean Jevons belief that "
    "gives the 27 January 2025 fall, half the breakthroughs of 2023-2024 knock NVIDIA down 5% or more on their "
    "day or the next: the market tells a DeepSeek from a Mistral release only by the gain's size and reach",
}


@pytest.fixture(scope="module")
def table(replicates):
    runs = {name: replicates(name, SEEDS) for name in calibration.scenarios()}
    return calibration.evaluate(runs).set_index("target")


@pytest.mark.slow
@pytest.mark.parametrize("target", [t.name for t in calibration.TARGETS])
def test_target_is_met_by_the_median_of_ten_seeds(table, target):
    row = table.loc[target]
    assert row["seeds"] == SEEDS
    met = row["lo"] <= row["median"] <= row["hi"]
    if target in KNOWN_MISSES:
        assert not met, f"{target} is now met: take it out of KNOWN_MISSES"
        pytest.xfail(KNOWN_MISSES[target])
    assert met, (
        f"{target}: model median {row['median']:.4g} outside {row['lo']:.4g} to {row['hi']:.4g} ({row['source']})"
    )


def test_the_table_names_each_target_its_basis_source_and_verdict():
    import pandas as pd

    frame = pd.DataFrame(
        [
            {
                "target": "t",
                "basis": "predicted",
                "source": "s",
                "figure": "~3x",
                "unit": "x/year",
                "lo": 2.0,
                "hi": 4.5,
                "median": 5.0,
                "p10": 4.0,
                "p90": 6.0,
                "seeds": 5,
                "passed": False,
            },
        ]
    )
    text = calibration.table(frame, markdown=True)
    assert text.splitlines()[2] == "| t | predicted | s | ~3x | 2.00 to 4.50 | 5.00 | 4.00 to 6.00 | FAIL |"


@pytest.mark.parametrize("target", [t for t in calibration.TARGETS if t.fitted_by], ids=lambda t: t.name)
def test_a_fitted_target_names_parameters_of_its_scenario(target):
    from simulation.scenario import load_scenario
    from simulation.scenario.registry import parameters

    known = {p.name for p in parameters(load_scenario(target.scenario))}
    assert set(target.fitted_by) <= known, sorted(set(target.fitted_by) - known)
    assert target.basis == "fitted"
