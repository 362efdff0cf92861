"""Metrics of the race, as pure functions over arrays and result tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

# The measures of one run's model table live in the core, where the runner's summary takes them too (the
# gap it records, the fall, compute shares, training runs, drawdowns): one implementation, which analysis,
# the report and the figures name as `metrics.<name>`.
from simulation.measures import (
    blocs_with,
    chip_flows,
    compute_share,
    end_of_year_gaps,
    event_window_returns,
    frontier_training,
    growth_per_year,
    largest_one_step_fall,
    leaked_share,
    max_drawdown,
    months_at_parity,
    recovery_days,
    shock_outcomes,
    step_returns,
    tickers,
)

__all__ = [
    "QUANTILES",
    "blocs_with",
    "chip_flows",
    "compute_share",
    "end_of_year_gaps",
    "event_window_returns",
    "frontier_training",
    "gap_at",
    "gap_over_time",
    "growth_per_year",
    "largest_falls",
    "largest_one_step_fall",
    "leaked_share",
    "max_drawdown",
    "months_at_parity",
    "parity_date",
    "recovery_days",
    "replicate_bands",
    "replicate_table",
    "shock_outcomes",
    "step_returns",
    "summarise_replicates",
    "tickers",
]

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


# ---------------------------------------------------------------- the gap


def gap_over_time(model: pd.DataFrame) -> pd.Series:
    """The laggard's lag behind the leader in months, by date (positive: the laggard trails)."""
    return model.set_index("date")["gap_months"].rename("gap_months")


def gap_at(model: pd.DataFrame, dates: list) -> pd.Series:
    """The gap on the first row dated on or after each date (after it took effect); NaN past the last row."""
    gap = gap_over_time(model)
    when = pd.DatetimeIndex([pd.Timestamp(d) for d in dates])
    rows = gap.index.searchsorted(when, side="left")
    values = [float(gap.iloc[r]) if r < len(gap) else np.nan for r in rows]
    return pd.Series(values, index=when, name="gap_months")


def parity_date(model: pd.DataFrame) -> pd.Timestamp | None:
    """First date the laggard's frontier reaches the leader's (gap_capability <= 0), or None if it never does."""
    reached = model.loc[model["gap_capability"] <= 0, "date"]
    return None if reached.empty else pd.Timestamp(reached.iloc[0])


# ---------------------------------------------------------------- across replicates


def replicate_table(models: list[pd.DataFrame], column: str) -> pd.DataFrame:
    """One column of several replicates side by side: a row per date, a column per replicate."""
    return pd.concat([m.set_index("date")[column] for m in models], axis=1, keys=range(len(models)))


def replicate_bands(table: pd.DataFrame, quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
    """Percentiles across replicates (columns) on each row: columns `q10`, `q25`, `q50` (median), `q75`, `q90`."""
    bands = table.quantile(list(quantiles), axis=1).T
    bands.columns = [f"q{round(q * 100):02d}" for q in quantiles]
    return bands


def summarise_replicates(values: pd.DataFrame, quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
    """Median and percentile bands of each outcome (column) over replicates (rows): a row per outcome."""
    return replicate_bands(values.apply(pd.to_numeric, errors="coerce").T, quantiles)


def largest_falls(models: list[pd.DataFrame]) -> pd.DataFrame:
    """The largest one-step fall of each listed firm (columns) in each replicate (rows), as fractions."""
    return pd.DataFrame(
        [{t: largest_one_step_fall(m[f"price_{t}"])[0] for t in tickers(m)} for m in models],
        index=pd.RangeIndex(len(models), name="replicate"),
    )
