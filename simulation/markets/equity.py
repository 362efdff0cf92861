"""The equity market: the price at which investors' demand for a firm's shares equals the shares outstanding."""

from __future__ import annotations

import math
from collections.abc import Callable

from scipy.optimize import brentq


def clearing_price(excess_demand: Callable[[float], float], previous_price: float) -> float:
    """The price that sets `excess_demand(price)` (shares wanted minus outstanding) to zero.

    Demand falls as price rises, so a root is bracketed by widening around the previous price
    in log space; brentq then finds it. If nobody wants the shares at any price searched, the
    price is the lowest searched.
    """

    def f(log_price: float) -> float:
        return excess_demand(math.exp(log_price))

    centre = math.log(previous_price)
    for width in (0.1, 0.5, 2.0, 6.0):
        lo, hi = centre - width, centre + width
        f_lo, f_hi = f(lo), f(hi)
        if f_lo >= 0 >= f_hi:
            if f_lo == 0:
                return math.exp(lo)
            # brentq starts by evaluating both ends again: hand it the values just computed.
            ends = _answering(f, {lo: f_lo, hi: f_hi})
            return math.exp(brentq(ends, lo, hi, xtol=1e-12, rtol=1e-10))
    return math.exp(lo if f_lo < 0 else hi)


def _answering(f: Callable[[float], float], known: dict[float, float]) -> Callable[[float], float]:
    """`f`, with the values at the points in `known` taken from there (each evaluation sweeps all investors)."""
    return lambda x: known[x] if x in known else f(x)
