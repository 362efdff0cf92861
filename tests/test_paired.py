"""Paired comparisons (`analysis.paired`, `airace compare`): effects seed by seed with intervals, on the
dates both results cover, and never an effect from results that do not share their seeds."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.load import ResultsError, load_results
from analysis.paired import COLUMNS, MIN_SEEDS, interval_note, paired_effects, readable
from analysis.report import build_report
from simulation import load_scenario, run_replicates
from simulation.apps.cli import main

ONE_YEAR = {"time.end": "2023-12-31", "investors.count": 200}
SEEDS = 6


def save(folder: Path, overrides: dict, first_seed: int = 1) -> Path:
    spec = load_scenario("baseline", overrides)
    for results in run_replicates(spec, first_seed, SEEDS):
        results.save(folder / f"seed_{results.seed}")
    return folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("paired")
    return {
        "reference": save(root / "reference", ONE_YEAR),
        # Labs get more out of each chip: every lab's runs are larger, in every seed.
        "efficient": save(root / "efficient", ONE_YEAR | {"tech.utilisation": 0.55}),
        "half_year": save(root / "half_year", ONE_YEAR | {"time.end": "2023-06-30"}),
        "other_seeds": save(root / "other_seeds", ONE_YEAR, first_seed=101),
    }


def test_a_scenario_against_itself_has_no_effect_and_no_interval_excludes_zero(folders):
    table, pair = paired_effects(load_results(folders["reference"]), load_results(folders["reference"]))
    assert pair.seeds == list(range(1, SEEDS + 1)) and pair.notes == []
    assert (table.iloc[:, 0].fillna(0) == 0).all() and (table[["low", "high"]].fillna(0) == 0).all().all()
    assert not table["interval excludes 0"].any()


def test_an_effect_every_seed_shows_is_marked_with_its_sign(folders):
    reference, efficient = load_results(folders["reference"]), load_results(folders["efficient"])
    table, _ = paired_effects(reference, efficient)
    row = table.loc["frontier capability US at end (log10 FLOP)"]
    by_seed = [
        b.model["frontier_capability_US"].iloc[-1] - a.model["frontier_capability_US"].iloc[-1]
        for a, b in zip(reference.runs, efficient.runs, strict=True)
    ]
    assert min(by_seed) > 0  # the mechanism: more FLOP from the same chips, in every seed
    assert row.iloc[0] == pytest.approx(np.median(by_seed))
    assert 0 < row["low"] <= row.iloc[0] <= row["high"] and row["interval excludes 0"]
    assert row["seeds"] == SEEDS


def test_outcomes_are_valued_on_the_dates_both_results_cover(folders):
    """The same scenario run half a year and a year: cut at the shorter one's end, the runs are the same,
    so the gap at the end differs by nothing, and the note says which dates were compared."""
    table, pair = paired_effects(load_results(folders["half_year"]), load_results(folders["reference"]))
    assert pair.end == pd.Timestamp(load_results(folders["half_year"]).models[0]["date"].iloc[-1])
    assert table.loc["gap at end (months)"].iloc[0] == 0 and table.loc["gap at end (months)", "high"] == 0
    assert "gap at end of 2023 (months)" not in table.index  # not inside both runs
    (note,) = pair.notes
    assert "cover different dates" in note and str(pair.end.date()) in note


def test_results_without_common_seeds_are_refused_with_the_way_to_pair_them(folders, tmp_path, capsys):
    with pytest.raises(ResultsError, match=f"at least {MIN_SEEDS} common seeds"):
        paired_effects(load_results(folders["reference"]), load_results(folders["other_seeds"]))
    assert main(["compare", str(folders["reference"]), str(folders["other_seeds"]), "--out", str(tmp_path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: {folders['other_seeds']}: shares 0 seeds") and "--seeds N" in line
    assert not (tmp_path / "effects.csv").exists()
    page = build_report([folders["reference"], folders["other_seeds"]])
    assert "No effects are shown" in page and "effect (median paired difference)" not in page


def test_compare_writes_the_paired_effects_and_their_forest_plot(folders, tmp_path, capsys):
    assert main(["compare", str(folders["reference"]), str(folders["efficient"]), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    # each is named by its scenario and the overrides it was made with
    reference, efficient = (load_results(folders[name]).label for name in ("reference", "efficient"))
    assert efficient.endswith("tech.utilisation=0.55") and "utilisation" not in reference
    assert f"{efficient} against {reference}: paired effects, {interval_note(6)}" in out
    table = pd.read_csv(tmp_path / "effects.csv", index_col=["scenario", "outcome"])
    expected, _ = paired_effects(load_results(folders["reference"]), load_results(folders["efficient"]))
    assert (table["interval"] == "90% interval over 6 seeds: seed noise only, not parameter uncertainty").all()
    table = table.drop(columns="interval")
    pd.testing.assert_frame_equal(table.loc[efficient], expected, check_dtype=False, check_names=False)
    assert (tmp_path / "paired_effects.png").read_bytes().startswith(b"\x89PNG")
    page = build_report([folders["reference"], folders["efficient"]])
    assert f"{escape(efficient)} against {escape(reference)} (6 seeds)" in page and 'id="fig-paired_effects"' in page


def test_compare_runs_the_scenarios_itself_on_the_same_seeds(tmp_path, capsys):
    args = ["compare", "baseline", "no_export_controls", "--seeds", "5", "--seed", "3", "--out", str(tmp_path)]
    assert main([*args, "--set", "time.end=2023-09-30", "--set", "investors.count=100"]) == 0
    for name in ("baseline", "no_export_controls"):
        assert load_results(tmp_path / "runs" / name).seeds == [3, 4, 5, 6, 7]
    table = pd.read_csv(tmp_path / "effects.csv", index_col=["scenario", "outcome"])
    made = "with time.end=2023-09-30, investors.count=100"  # both are labelled with the overrides
    assert table.loc[(f"no_export_controls {made}", "gap at start (months)"), "seeds"] == 5
    assert f"no_export_controls {made} against baseline {made}" in capsys.readouterr().out


def test_compare_on_two_workers_gives_the_effects_of_one(tmp_path):
    base = ["compare", "baseline", "strict_controls", "--seeds", "5", "--set", "time.end=2023-09-30"]
    base += ["--set", "investors.count=100"]
    assert main([*base, "--out", str(tmp_path / "one")]) == 0
    assert main([*base, "--workers", "2", "--out", str(tmp_path / "two")]) == 0
    one, two = ((tmp_path / d / "effects.csv").read_text() for d in ("one", "two"))
    assert one == two and "gap at end" in one


def test_compare_prints_a_table_a_brief_can_print(folders, tmp_path, capsys):
    """Effect, interval, reference and relative change, rounded and in units; no True/False, no raw floats."""
    assert main(["compare", str(folders["reference"]), str(folders["efficient"]), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    header = r"\s*effect\s+90% interval\s+reference \(median\)\s+relative change"
    assert any(re.fullmatch(header, line) for line in out.splitlines())
    assert "True" not in out and "False" not in out
    assert "* the interval excludes 0: an effect the seeds' noise does not explain" in out
    table, _ = paired_effects(load_results(folders["reference"]), load_results(folders["efficient"]))
    row = table.loc["frontier capability US at end (log10 FLOP)"]
    assert row["interval excludes 0"]
    printed = next(line for line in out.splitlines() if line.startswith("frontier capability US at end"))
    assert f"+{row.iloc[0]:.2g} *" in printed and f"+{row['low']:.2g} to +{row['high']:.2g}" in printed
    gap = table.loc["gap at end (months)"]
    assert gap["relative change (%)"] == pytest.approx(100 * gap.iloc[0] / abs(gap["reference (median)"]))
    assert np.isnan(row["relative change (%)"])  # a relative change of a logarithm means nothing


def test_a_brief_reads_one_point_once_and_references_to_three_figures():
    """An interval that is one point (0 to 0, or never recovered in any seed) is written once; ends that only
    round alike keep both; a reference is rounded as the effects are, not printed to the unit."""
    rows = {
        "gap at start (months)": [0.0, 0.0, 0.0, 10, False, 9.72, 0.0],
        "NVDA days to win back all the drawdown": [np.nan, np.nan, np.nan, 10, False, np.nan, np.nan],
        "capex of CN's owners in 2023, AI and base (USD)": [2.8e8, 2.78e8, 2.83e8, 10, True, 2.6e10, 1.1],
        "chips delivered to CN in 2023 (chips)": [-7.1e4, -7.12e4, -7.0e4, 10, True, 463067.0, -15.0],
    }
    frame = pd.DataFrame(rows.values(), index=pd.Index(list(rows), name="outcome"), columns=COLUMNS)
    printed = readable(frame)["90% interval"]
    assert printed["gap at start (months)"] == "0"
    assert printed["NVDA days to win back all the drawdown"] == "not recovered"
    assert printed["capex of CN's owners in 2023, AI and base (USD)"] == "+$280M to +$280M"
    assert readable(frame)["reference (median)"]["chips delivered to CN in 2023 (chips)"] == "463,000"


def test_comparisons_value_chip_demand_by_bloc_and_calendar_year(folders):
    """'Does it raise or lower chip demand?' without pandas: chips delivered to each bloc, chip spend and
    capex in each calendar year, as the sums of the model table's flows."""
    reference, efficient = load_results(folders["reference"]), load_results(folders["efficient"])
    table, _ = paired_effects(reference, efficient)
    spec = reference.scenario
    for bloc in ("US", "CN", "ROW"):
        delivered = [
            sum(m[f"chips_{channel}_{bloc}"].sum() for channel in ("legal", "leaked", "rented"))
            for m in reference.models
        ]
        row = table.loc[f"chips delivered to {bloc} in 2023 (chips)"]
        assert row["reference (median)"] == pytest.approx(np.median(delivered))
        capex = [
            sum(m[f"capex_usd_{o.ticker or o.id}"].sum() for o in spec.owners if o.bloc == bloc)
            for m in reference.models
        ]
        assert table.loc[f"capex of {bloc}'s owners in 2023, AI and base (USD)", "reference (median)"] == pytest.approx(
            np.median(capex)
        )
    spend = table.loc["chip spend of all owners in 2023 (USD)", "reference (median)"]
    assert spend == pytest.approx(np.median([m["chip_spend_usd"].sum() for m in reference.models]))
    assert not any("in 2024" in outcome for outcome in table.index)  # only years inside the run
