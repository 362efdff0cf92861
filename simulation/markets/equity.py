"""The equity market: the price at which investors' demand for a firm's shares equals the shares outstanding.

Two kinds of demand meet here. Chartists and noise traders put an amount of money on the firm that does
not depend on its price. Each value investor puts wealth * max(base weight + sensitivity * ln(value / price), 0)
on it: linear in log price while positive. So in x = ln p the money on the firm is piecewise linear and
falls as x rises, with a knot where each value investor stops buying, and the market clears where that
money buys exactly the shares outstanding: money(x) = shares * e^x. Between two knots the difference of
the two sides is concave and falling, and the equation is solved there to machine precision, not searched for.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

MAX_LOG_MOVE = 6.0
"""A price moves at most this far in log terms in one clearing (a factor e^6, about 400, either way)."""


def value_investors_money(
    log_price: float, log_value: np.ndarray, wealth: np.ndarray, sensitivity: np.ndarray, base_weight: float
) -> np.ndarray:
    """Money each value investor puts on the firm at price e^log_price: its wealth times its mean-variance
    weight, `base_weight + sensitivity * (ln value - ln price)`, floored at zero (no short selling) and
    not capped (value investors may borrow to buy below value)."""
    return np.maximum(base_weight + sensitivity * (log_value - log_price), 0.0) * wealth


def clearing_price(
    supply: float,
    previous_price: float,
    fixed_money: float,
    log_value: np.ndarray,
    wealth: np.ndarray,
    sensitivity: np.ndarray,
    base_weight: float,
) -> float:
    """The price at which investors want `supply` shares: `fixed_money` (put on the firm whatever its price)
    plus the value investors' money (`value_investors_money`, arrays with one entry per value investor,
    their values given as logarithms), divided by the price.

    The price moves at most MAX_LOG_MOVE in log terms from `previous_price`: if investors want more shares
    than `supply` even at the highest price allowed, the price is that; if fewer even at the lowest
    (nobody wants the shares at any price, say), the price is the lowest.
    """
    centre = math.log(previous_price)
    lo, hi = centre - MAX_LOG_MOVE, centre + MAX_LOG_MOVE
    # Value investor i puts slopes[i] * (knots[i] - x) on the firm below its knot and nothing above it.
    # Sorted from the highest knot: at any x the ones buying are the first few.
    knots = log_value + base_weight / sensitivity
    order = np.argsort(knots)[::-1]
    knots = knots[order]
    slopes = (wealth * sensitivity)[order]
    # With the first i buying, the money on the firm at x is intercept[i] - slope[i] * x.
    slope = np.add.accumulate(np.concatenate(([0.0], slopes)))
    intercept = np.add.accumulate(np.concatenate(([fixed_money], slopes * knots)))
    falling = -knots  # ascending, for searchsorted

    def buying(x: float) -> int:
        """How many value investors buy at log price x: those whose knot is above it."""
        return int(falling.searchsorted(-x))

    def excess(i: int, x: float) -> float:
        """Money on the firm at log price x, the first i value investors buying, less what the shares cost."""
        return float(intercept[i] - slope[i] * x) - supply * math.exp(x)

    if excess(buying(lo), lo) <= 0:
        return math.exp(lo)
    if excess(buying(hi), hi) >= 0:
        return math.exp(hi)
    # The root lies between lo and hi, where the excess falls from above zero to below. At the knots in
    # between, from the highest, the excess rises (at knots[m] the first m value investors buy): a binary
    # search finds the first where it is above zero, the segment's left end; the knot before is its right end.
    first, end = int(falling.searchsorted(-hi, side="right")), buying(lo)
    i = first + bisect_right(range(first, end), 0.0, key=lambda m: excess(m, float(knots[m])))
    left = knots[i] if i < end else lo
    right = knots[i - 1] if i > first else hi
    return math.exp(_solve_segment(float(intercept[i]), float(slope[i]), supply, float(left), float(right)))


def _solve_segment(intercept: float, slope: float, supply: float, left: float, right: float) -> float:
    """The x in [left, right] where intercept - slope * x = supply * e^x (there is one: the difference falls).

    With no slope it is a logarithm. Otherwise Newton steps from the right of the root: the difference
    is concave and falling, so each step lands between the root and the point before, and the steps stop
    when they no longer move left. They start at the lesser of `right` and the x at which the shares cost
    the money on offer at `left`, both at or to the right of the root.
    """
    if slope == 0:
        return math.log(intercept / supply)
    x = min(right, math.log((intercept - slope * left) / supply))
    for _ in range(100):  # three to five steps in practice; the bound only guards against creeping by rounding
        cost = supply * math.exp(x)
        after = x + (intercept - slope * x - cost) / (slope + cost)
        if not after < x:
            break
        x = after
    return x
