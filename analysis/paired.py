"""Paired comparisons: the effect of a scenario against a reference, seed by seed.

Two scenarios run with the same seed draw the same random numbers for every agent and mechanism the
scenario does not touch (each has its own stream, `AIRaceModel.stream`; docs/model.md,
"Stochasticity"), so the difference of an outcome between them, run by run, is the scenario's effect
with most of the seed-to-seed noise taken out. An effect is the median of those
paired differences with a bootstrap confidence interval (`scipy.stats.bootstrap`, percentile method,
a fixed generator so the same results give the same interval); an interval that excludes zero is
marked. Results that share too few seeds are refused: two medians side by side are not an effect.

Outcomes are valued on the dates both results cover: a run that ends later is cut at the other's end
and one that starts earlier at the other's start, so "at end" means the same date on both sides; when
the step lengths differ, the table says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.load import ResultsError, ResultSet
from analysis.outcomes import chip_demand, for_people, run_outcomes

LEVEL = 0.9  # the confidence level of the intervals
MIN_SEEDS = 5  # common seeds needed for an interval worth reading
RESAMPLES = 9999
EFFECT = "effect (median paired difference)"
COLUMNS = [EFFECT, "low", "high", "seeds", "interval excludes 0", "reference (median)", "relative change (%)"]
EXCLUDES_0 = "* the interval excludes 0: an effect the seeds' noise does not explain"


@dataclass(frozen=True)
class Pairing:
    """What two results have in common: their seeds and the window of dates they both cover."""

    seeds: list[int]
    start: pd.Timestamp
    end: pd.Timestamp
    notes: list[str]  # plain-words differences a reader must know (horizons, step lengths)


def pairing(reference: ResultSet, other: ResultSet) -> Pairing:
    """The seeds and dates two results share; ResultsError if they share fewer than MIN_SEEDS seeds."""
    seeds = sorted(set(reference.seeds) & set(other.seeds))
    if len(seeds) < MIN_SEEDS:
        where = other.path or other.label
        message = (
            f"shares {len(seeds)} seeds with {reference.label} (seeds {_seeds(reference.seeds)} and "
            f"{_seeds(other.seeds)}); a paired comparison needs at least {MIN_SEEDS} common seeds: run both with "
            f"the same --seed and --replicates, or let `airace compare A B --seeds N` run them"
        )
        raise ResultsError(where, message)
    ref, oth = reference.models[0]["date"], other.models[0]["date"]
    start, end = max(ref.iloc[0], oth.iloc[0]), min(ref.iloc[-1], oth.iloc[-1])
    notes = []
    if (ref.iloc[0], ref.iloc[-1]) != (oth.iloc[0], oth.iloc[-1]):
        notes.append(
            f"the runs cover different dates ({reference.label}: {_span(ref)}; {other.label}: {_span(oth)}): "
            f"outcomes are valued on the dates both cover, {start.date()} to {end.date()}"
        )
    steps = (reference.scenario.time.step_days, other.scenario.time.step_days)
    if steps[0] != steps[1]:
        notes.append(
            f"steps differ in length ({reference.label} {steps[0]} days, {other.label} {steps[1]} days): part of "
            "each difference is the step length's, and a one-step fall over a week is not one over a day"
        )
    return Pairing(seeds, start, end, notes)


def paired_effects(reference: ResultSet, other: ResultSet, level: float = LEVEL) -> tuple[pd.DataFrame, Pairing]:
    """Each headline outcome's paired effect of `other` against `reference` (rows: outcomes)."""
    pair = pairing(reference, other)
    ref = _outcomes(reference, pair)
    oth = _outcomes(other, pair)
    rows = {}
    for outcome in [c for c in ref.columns if c in oth.columns]:
        diffs = (oth[outcome] - ref[outcome]).dropna().to_numpy(dtype=float)
        reference_median = float(ref[outcome].median())
        effect = _effect(diffs, level)
        rows[outcome] = [*effect, reference_median, _relative(effect[0], reference_median, outcome)]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS)
    table.index.name = "outcome"
    return table, pair


def effects_against_first(
    results: Sequence[ResultSet], level: float = LEVEL
) -> dict[str, tuple[pd.DataFrame, Pairing]]:
    """Each result's paired effects against the first, by label."""
    return {r.label: paired_effects(results[0], r, level) for r in results[1:]}


def interval_note(seeds: int, level: float = LEVEL) -> str:
    """What an interval of a paired effect covers, in the words a table's header or a figure's caption uses."""
    return f"{level:.0%} interval over {seeds} seeds: seed noise only, not parameter uncertainty"


def readable(table: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """A table of paired effects as a brief prints it: the effect (with * when its interval excludes 0, the
    footnote EXCLUDES_0), its interval, the reference's median and the relative change, each number in its
    outcome's unit (`for_people`) to two or three significant figures."""
    rows = []
    for outcome, row in zip(table.index.get_level_values("outcome"), table.itertuples(index=False), strict=True):
        effect, low, high, _, excludes, reference, relative = row
        ends = signed(low, outcome), signed(high, outcome)
        rows.append(
            {
                "effect": signed(effect, outcome) + (" *" if excludes else ""),
                f"{level:.0%} interval": ends[0] if _one_point(low, high, ends) else f"{ends[0]} to {ends[1]}",
                "reference (median)": for_people(float(f"{reference:.3g}"), outcome)
                if np.isfinite(reference)
                else for_people(reference, outcome),
                "relative change": "—"
                if np.isnan(relative)
                else f"{relative:+.2g}%"
                if abs(relative) < 10
                else f"{relative:+.0f}%",
            }
        )
    return pd.DataFrame(rows, index=table.index)


def _one_point(low: float, high: float, ends: tuple[str, str]) -> bool:
    """Whether an interval is one point (0 to 0; "not recovered" in every seed), written once; ends that only
    round alike keep both."""
    return bool(low == high or (not np.isfinite(low) and not np.isfinite(high) and ends[0] == ends[1]))


def signed(value: float, outcome: str) -> str:
    """An effect or an interval's end, signed, to two significant figures (-120,933 chips as "-120,000")."""
    if not np.isfinite(value):
        return for_people(value, outcome)
    return ("+" if value > 0 else "") + for_people(float(f"{value:.2g}"), outcome, digits=2)


def _relative(effect: float, reference: float, outcome: str) -> float:
    """The effect in % of the reference's median; NaN on a log scale (a relative change of a logarithm
    means nothing) or when the reference is 0."""
    if "log10" in outcome or reference == 0 or np.isnan(reference):
        return np.nan
    return 100 * effect / abs(reference)


def _outcomes(result: ResultSet, pair: Pairing) -> pd.DataFrame:
    rows = {}
    for run in result.runs:
        if run.seed in pair.seeds:
            model = run.model[(run.model["date"] >= pair.start) & (run.model["date"] <= pair.end)]
            model = model.reset_index(drop=True)
            rows[run.seed] = run_outcomes(model, run.scenario) | chip_demand(model, run.scenario)
    return pd.DataFrame.from_dict(rows, orient="index").loc[pair.seeds]


def _effect(diffs: np.ndarray, level: float) -> list:
    """[median, low, high, seeds, excludes 0] of paired differences."""
    n = len(diffs)
    if n == 0:
        return [np.nan, np.nan, np.nan, 0, False]
    median = float(np.median(diffs))
    if n < 2 or np.ptp(diffs) == 0:
        low = high = median  # every seed gives the same difference
    else:
        rng = np.random.default_rng(20250127)
        ci = stats.bootstrap(
            (diffs,), np.median, confidence_level=level, n_resamples=RESAMPLES, method="percentile", rng=rng
        ).confidence_interval
        low, high = float(ci.low), float(ci.high)
    return [median, low, high, n, bool(low > 0 or high < 0)]


def _seeds(seeds: Sequence[int]) -> str:
    seeds = sorted(seeds)
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}–{seeds[-1]}"
    return ", ".join(map(str, seeds))


def _span(dates: pd.Series) -> str:
    return f"{dates.iloc[0].date()} to {dates.iloc[-1].date()}"
