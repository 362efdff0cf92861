"""The equity market: the price at which investors' demand for a firm's shares equals the shares outstanding.

Two kinds of demand meet here. Chartists and noise traders put an amount of money on the firm that does
not depend on its price. Each value investor puts wealth * max(base weight + sensitivity * ln(value / price), 0)
on it: linear in log price while positive. So in x = ln p the money on the firm is piecewise linear, convex
and falling, with a knot where each value investor stops buying, and the market clears where that money
buys exactly the shares outstanding: money(x) = shares * e^x. The root is found by Newton's method on the
money's pieces: each step solves the equation exactly on the line through the current piece, which lies
below the money everywhere (the money is convex). So every step lands at or below the root, the steps rise,
and they stop exactly once no knot lies between the current point and the root: a few passes over the
value investors, and no sort.
"""

from __future__ import annotations

import math

import numpy as np

MAX_LOG_MOVE = 6.0
"""A price moves at most this far in log terms in one clearing (a factor e^6, about 400, either way)."""


def value_investors_terms(
    log_value: np.ndarray, wealth: np.ndarray, sensitivity: np.ndarray, base_weight: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each value investor's demand as a knot and a slope: at price p it puts wealth times its mean-variance
    weight, `base_weight + sensitivity * (ln value - ln p)`, on the firm, floored at zero (no short selling)
    and not capped (value investors may borrow to buy below value). That is slope * max(knot - ln p, 0),
    with knot = ln value + base_weight / sensitivity and slope = wealth * sensitivity."""
    return log_value + base_weight / sensitivity, wealth * sensitivity


def value_investors_money(log_price: float, knots: np.ndarray, slopes: np.ndarray) -> np.ndarray:
    """Money each value investor puts on the firm at price e^log_price (`value_investors_terms`)."""
    return np.maximum(knots - log_price, 0.0) * slopes


def clearing_price(
    supply: float, previous_price: float, fixed_money: float, knots: np.ndarray, slopes: np.ndarray
) -> float:
    """The price at which investors want `supply` shares: `fixed_money` (put on the firm whatever its price)
    plus the value investors' money (`value_investors_money`: arrays of their knots and slopes), divided by
    the price.

    The price moves at most MAX_LOG_MOVE in log terms from `previous_price`: if investors want more shares
    than `supply` even at the highest price allowed, the price is that; if fewer even at the lowest
    (nobody wants the shares at any price, say), the price is the lowest.
    """
    centre = math.log(previous_price)
    lo, hi = centre - MAX_LOG_MOVE, centre + MAX_LOG_MOVE
    # Value investor i puts slopes[i] * (knots[i] - x) on the firm below its knot and nothing above it.
    terms = np.array((slopes * knots, slopes))

    def buying(x: float) -> tuple[np.ndarray, int]:
        """Which value investors buy at log price x (those whose knot is above it), and how many."""
        mask = knots > x
        return mask, int(np.count_nonzero(mask))

    def line(mask: np.ndarray, count: int) -> tuple[float, float]:
        """The money on the firm as intercept - slope * x with the `count` value investors in `mask` buying:
        exact from x to the nearest knots on either side."""
        if not count:
            return fixed_money, 0.0
        intercept, slope = terms @ mask
        return fixed_money + float(intercept), float(slope)

    x = centre
    mask, count = buying(x)
    intercept, slope = line(mask, count)
    if intercept - slope * x <= 0:  # nobody puts money on the firm at the previous price: look from the bottom
        x = lo
        mask, count = buying(x)
        intercept, slope = line(mask, count)
        if intercept - slope * x <= 0:
            return math.exp(lo)
    x = _solve_line(intercept, slope, supply, x)  # at or below the root, wherever the first point was
    for _ in range(len(knots)):  # each step passes at least one knot; a handful of steps in practice
        if x >= hi:
            return math.exp(hi)
        mask, now = buying(x)
        if now == count:  # no knot passed since the last line, which is exact up to the root: x is it
            break
        count = now
        intercept, slope = line(mask, count)
        after = _solve_line(intercept, slope, supply, x)
        if not after > x:  # the root, up to rounding
            break
        x = after
    return math.exp(max(x, lo))


def _solve_line(intercept: float, slope: float, supply: float, x: float) -> float:
    """The log price t where intercept - slope * t = supply * e^t, the line being positive at `x` (there is
    one root: the difference falls).

    With no slope it is a logarithm. Otherwise Newton steps from the right of the root: the difference is
    concave and falling, so each step lands between the root and the point before, and the steps stop when
    they no longer move left. They start at the greater of `x` and the t at which the shares cost the
    money on offer at `x`: if the difference is negative at `x`, `x` is right of the root; otherwise that t is.
    """
    if slope == 0:
        return math.log(intercept / supply)
    t = max(x, math.log((intercept - slope * x) / supply))
    for _ in range(100):  # three to five steps in practice; the bound only guards against creeping by rounding
        cost = supply * math.exp(t)
        after = t + (intercept - slope * t - cost) / (slope + cost)
        if not after < t:
            break
        t = after
    return t
