"""Paired effects across an assumption: the same comparison at each value of a parameter (`airace compare
A B --seeds N --across KEY=V1,V2`), so a reader sees whether an effect's sign or its distance from 0 rests
on that assumption. Each interval is over seeds at one value: it says nothing of the values between.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.load import ResultSet
from analysis.outcomes import CHIP_DEMAND
from analysis.paired import COLUMNS, EFFECT, LEVEL, effects_against_first, signed

INDEX = ["scenario", "outcome", "assumption", "value"]


def effects_across(groups: Mapping[tuple[str, Any], Sequence[ResultSet]], level: float = LEVEL) -> pd.DataFrame:
    """Each result's paired effects against the first at each (assumption, value) of `groups` (rows: scenario,
    outcome, assumption, value, in the order of the outcomes and of the values given)."""
    frames = []
    for (assumption, value), results in groups.items():
        for label, (table, _) in effects_against_first(results, level).items():
            frames.append(table.reset_index().assign(scenario=label, assumption=assumption, value=value))
    frame = pd.concat(frames, ignore_index=True)
    for name in ("scenario", "outcome"):  # in the order met, not alphabetical
        frame[name] = pd.Categorical(frame[name], categories=pd.unique(frame[name]))
    frame = frame.sort_values(["scenario", "outcome"], kind="stable").astype({"scenario": str, "outcome": str})
    return frame.set_index(INDEX)[COLUMNS]


def headline(table: pd.DataFrame) -> list[str]:
    """The outcomes an across figure shows: the gap at the end and the chip demand of each year, less those
    with no effect at any value (a year before the scenarios part)."""
    moved = table[EFFECT].ne(0).groupby(level="outcome", sort=False).any()
    return [o for o, m in moved.items() if m and (o == "gap at end (months)" or o.startswith(CHIP_DEMAND))]


def across_note(table: pd.DataFrame, level: float = LEVEL) -> str:
    """What the intervals of an across table cover."""
    seeds = int(table["seeds"].max())
    return (
        f"{level:.0%} interval over {seeds} seeds at one value of the assumption each: seed noise only, "
        "not parameter uncertainty"
    )


def dependence_lines(table: pd.DataFrame) -> list[str]:
    """A plain sentence for each effect whose sign, or whether its interval excludes 0, changes with an
    assumption, naming the effect and its interval at each value. A sign counts where its interval excludes 0:
    medians of both signs whose intervals all cover 0 say the effect is not told from noise at any value,
    which the assumption does not change."""
    lines = []
    for (scenario, outcome, assumption), rows in table.groupby(level=[0, 1, 2], sort=False):
        excluding = rows["interval excludes 0"].astype(bool)
        signs = set(np.sign(rows.loc[excluding, EFFECT].dropna()))
        excludes = set(excluding)
        if signs == {-1.0, 1.0}:
            how = f"changes sign with {assumption}"
        elif len(excludes) > 1:
            how = f"has an interval that excludes 0 at some values of {assumption}, not all"
        else:
            continue
        values = rows.index.get_level_values("value")
        at = ", ".join(
            f"{signed(e, outcome)} ({signed(lo, outcome)} to {signed(hi, outcome)}) at {v}"
            for e, lo, hi, v in zip(rows[EFFECT], rows["low"], rows["high"], values, strict=True)
        )
        lines.append(f"The effect of {scenario} on {outcome} {how}: {at}.")
    return lines
