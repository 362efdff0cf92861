"""Measures of the race that the model records and summarises: the gap in months and the largest fall.

They are part of the core (the model and runner compute them); `analysis.metrics` re-uses them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.tech import DAYS_PER_YEAR

DAYS_PER_MONTH = DAYS_PER_YEAR / 12


def months_since_reached(days: np.ndarray, frontier: np.ndarray, level: float, prestart_per_year: float) -> float:
    """How many months before the last day the frontier first stood at `level` (Epoch's definition of a lag).

    `frontier` is the leader's best capability on each of `days` (running maximum taken here).
    A level below the first recorded value is dated by extrapolating back at `prestart_per_year`
    capability units a year; a level the frontier never reached gives 0.
    """
    best = np.maximum.accumulate(np.asarray(frontier, dtype=float))
    if level > best[-1]:
        return 0.0
    if level <= best[0]:
        first_day = days[0] - (best[0] - level) / prestart_per_year * DAYS_PER_YEAR
    else:
        first_day = days[int(np.searchsorted(best, level, side="left"))]
    return float((days[-1] - first_day) / DAYS_PER_MONTH)


def gap_months(days: np.ndarray, leader: np.ndarray, laggard: np.ndarray, prestart_per_year: float) -> float:
    """The laggard's lag behind the leader on the last day, in months; negative when the laggard leads."""
    if laggard[-1] <= np.max(leader):
        return months_since_reached(days, leader, float(laggard[-1]), prestart_per_year)
    return -months_since_reached(days, laggard, float(np.max(leader)), prestart_per_year)


def largest_one_step_fall(prices: pd.Series) -> tuple[float, int]:
    """The largest fall from one step to the next, as a positive fraction, and the row where it ends."""
    returns = prices.pct_change().iloc[1:]
    if returns.empty or returns.min() >= 0:
        return 0.0, 0
    row = int(np.argmin(returns.to_numpy())) + 1
    return float(-returns.iloc[row - 1]), row
