"""Identifiability read off an estimation's own evaluations: which pairs of parameters trade off.

A pair trades off when, among the points the data cannot tell apart (distance within the interval's
chi-square cut of the best), raising one is made up for by lowering (or raising) the other: their rank
(Spearman) correlation over those points is near -1 or 1. Ranks, not values, so a curved ridge (a
product a*b held fixed) counts as fully as a straight one; log-uniform priors change nothing under ranks.
Each parameter's own width against its prior's is estimate.csv's `width_ratio`, repeated here by pair.
"""

from __future__ import annotations

import itertools

import pandas as pd
from scipy import stats

from analysis.estimation.search import LEVEL, within_cut

TRADE_OFF = 0.7  # |rank correlation| from which a pair is said to trade off...
SIGNIFICANCE = 0.05  # ...when a correlation that large is also unlikely by chance among so few points
FEWEST = 5  # points within the cut needed to read a correlation at all
COLUMNS = ["parameter", "other", "width_ratio", "width_ratio_other", "correlation", "p_value", "points", "trades_off"]


def trade_offs(evaluations: pd.DataFrame, intervals: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """A row a pair of parameters: each one's width ratio, their rank correlation over the points within
    the cut (NaN with fewer than FEWEST points, or when one does not vary there) with its p-value, and whether
    they trade off: a correlation of at least TRADE_OFF in size that chance among so few points would rarely give."""
    near = within_cut(evaluations, level)
    ratio = dict(zip(intervals["parameter"], intervals["width_ratio"], strict=True))
    rows = []
    for a, b in itertools.combinations(intervals["parameter"], 2):
        rho = p = float("nan")
        if len(near) >= FEWEST and near[a].nunique() > 1 and near[b].nunique() > 1:
            found = stats.spearmanr(near[a], near[b])
            rho, p = float(found.statistic), float(found.pvalue)
        trades = bool(abs(rho) >= TRADE_OFF and p < SIGNIFICANCE)
        rows.append([a, b, ratio[a], ratio[b], rho, p, len(near), trades])
    return pd.DataFrame(rows, columns=COLUMNS)


__all__ = ["FEWEST", "SIGNIFICANCE", "TRADE_OFF", "trade_offs", "within_cut"]
