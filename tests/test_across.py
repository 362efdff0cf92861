"""`airace compare A B --seeds N --across KEY=V1,V2`: the paired effect at each value of an assumption, in
one table, one figure and a line for each effect whose sign or distance from 0 rests on the assumption."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.across import dependence_lines, headline
from analysis.load import load_results
from analysis.paired import COLUMNS
from simulation.apps.cli import main

SHORT = ["--set", "time.end=2023-12-31", "--set", "investors.count=100"]  # one calendar year, weekly steps
KEY = "services.price_elasticity"
NOISE = "seed noise only, not parameter uncertainty"


def test_compare_across_runs_both_scenarios_at_each_value_on_the_same_seeds(tmp_path, capsys):
    args = ["compare", "baseline", "efficiency_race", "--seeds", "5", *SHORT, "--out", str(tmp_path)]
    assert main([*args, "--across", f"{KEY}=0.6,1.5"]) == 0
    out = capsys.readouterr().out
    for value in ("0.6", "1.5"):
        for name in ("baseline", "efficiency_race"):
            folder = tmp_path / "runs" / f"{KEY}={value}" / name
            assert load_results(folder).seeds == [1, 2, 3, 4, 5]
            assert (folder / "seed_1" / "model.parquet").read_bytes().startswith(b"PAR1")
    table = pd.read_csv(tmp_path / "across.csv", index_col=["scenario", "outcome", "assumption", "value"])
    chips = table.xs("chips delivered to CN in 2023 (chips)", level="outcome")
    assert list(chips.index.get_level_values("value")) == [0.6, 1.5]
    assert set(chips.index.get_level_values("assumption")) == {KEY} and (chips["seeds"] == 5).all()
    assert (table["interval"] == f"90% interval over 5 seeds at one value of the assumption each: {NOISE}").all()
    header = "efficiency_race with time.end=2023-12-31, investors.count=100 against baseline with"
    assert header in out and f"across {KEY}: paired effects, 90% interval over 5 seeds at one value" in out
    assert (tmp_path / f"across_{KEY}.png").read_bytes().startswith(b"\x89PNG")
    page = (tmp_path / "report.html").read_text()
    assert f'id="fig-across_{KEY}"' in page and "chips delivered to CN in 2023 (chips)" in page
    assert "seed noise only, not parameter uncertainty" in page


def hand_made(effects: dict[float, tuple[float, float, float]], outcome: str = "chips delivered to CN in 2025 (chips)"):
    """An across table of one outcome: (effect, low, high) at each value of chip_market.leak_delay_days."""
    rows = []
    for value, (effect, low, high) in effects.items():
        excludes = low > 0 or high < 0
        rows.append(["s", outcome, "chip_market.leak_delay_days", value, effect, low, high, 5, excludes, 1e6, 0.0])
    frame = pd.DataFrame(rows, columns=["scenario", "outcome", "assumption", "value", *COLUMNS])
    return frame.set_index(["scenario", "outcome", "assumption", "value"])


def test_a_line_says_when_an_effect_changes_sign_with_the_assumption():
    table = hand_made({0.6: (120_400.0, 90_000.0, 150_000.0), 1.5: (-48_300.0, -60_000.0, -20_000.0)})
    (line,) = dependence_lines(table)
    assert line == (
        "The effect of s on chips delivered to CN in 2025 (chips) changes sign with chip_market.leak_delay_days: "
        "+120,000 (+90,000 to +150,000) at 0.6, -48,000 (-60,000 to -20,000) at 1.5."
    )


def test_a_line_says_when_an_interval_excludes_0_at_some_values_only():
    table = hand_made({0.6: (5.0, 1.0, 9.0), 1.5: (4.0, -1.0, 8.0)}, outcome="gap at end (months)")
    (line,) = dependence_lines(table)
    assert "has an interval that excludes 0 at some values of chip_market.leak_delay_days, not all" in line
    assert line.endswith("+5 (+1 to +9) at 0.6, +4 (-1 to +8) at 1.5.")


def test_no_line_for_an_effect_the_assumption_does_not_change():
    assert dependence_lines(hand_made({0.6: (5.0, 1.0, 9.0), 1.5: (7.0, 2.0, 9.0)})) == []
    # medians of both signs, every interval over 0: noise at each value, not a sign the assumption sets
    assert dependence_lines(hand_made({0.6: (2.0, -1.0, 5.0), 1.5: (-1.0, -4.0, 3.0)})) == []


def test_the_figure_leaves_out_outcomes_no_value_moves():
    rows = [hand_made({0.6: (0.0, 0.0, 0.0), 1.5: (0.0, 0.0, 0.0)}, outcome="chips delivered to CN in 2023 (chips)")]
    rows.append(hand_made({0.6: (5.0, 1.0, 9.0), 1.5: (0.0, 0.0, 0.0)}))
    assert headline(pd.concat(rows)) == ["chips delivered to CN in 2025 (chips)"]


@pytest.mark.parametrize(
    ("across", "message"),
    [
        (f"{KEY[:-2]}=0.6,1.5", "did you mean 'price_elasticity'?"),
        (f"{KEY}=0.6,cheap", "Input should be a valid number"),
        (f"{KEY}=0.6", "two values or more"),
        (KEY, "two values or more"),
    ],
)
def test_a_bad_across_exits_2_with_one_line_before_any_run(tmp_path, capsys, across, message):
    assert main(["compare", "baseline", "jevons", "--seeds", "5", "--across", across, "--out", str(tmp_path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: --across: ") and message in line
    assert not (tmp_path / "runs").exists()


def test_across_without_seeds_exits_2_with_one_line(tmp_path, capsys):
    assert main(["compare", "baseline", "jevons", "--across", f"{KEY}=0.6,1.5", "--out", str(tmp_path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line == "error: --across: needs --seeds N: the scenarios are run at each value"
