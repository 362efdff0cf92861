"""The equity market's pure maths: what a growing cash flow is worth, and the price that clears a day's orders.

Values. A cash flow that grows at g0 now, its growth fading to a terminal rate g_inf with a time constant of
f years, is worth, discounted at r, the flow times

    A(g0) = integral over t >= 0 of exp(g_inf t + (g0 - g_inf) f (1 - e^(-t/f)) - r t) dt
          = 1F1(1; 1 + f (r - g_inf); f (g0 - g_inf)) / (r - g_inf),

Kummer's confluent hypergeometric function (substitute u = e^(-t/f)); with g0 = g_inf it is the Gordon
growth multiple 1 / (r - g_inf).

Clearing. Each investor puts on a firm its capital share c_i of the firm's consensus value (the capital-weighted
mean of investors' values: as in Brock and Hommes, demand does not depend on realised wealth) times
(1 + tilt), the tilt within +-limit (limit < 1, so nobody is short and nobody more than doubles up). The
price that makes that money buy the shares outstanding solves

    sum_i c_i (1 + tilt_i(x)) = e^(x - x0)        (x = ln price, x0 = ln consensus value)

where only fundamentalists' tilts move with the price: clip(b_i (v_i - x), -limit, limit). The left side
falls with x and the right rises, so there is one root, between x0 + ln(1 - limit) and x0 + ln(1 + limit):
tilts move the price around the consensus value, within those bounds.
"""

from __future__ import annotations

import numpy as np
from scipy.special import hyp1f1


def growth_multiple(growth: np.ndarray, discount: float, terminal: float, fade_years: float) -> np.ndarray:
    """A(g0): value of a cash flow of 1 a year now growing at `growth`, fading to `terminal` (module docstring)."""
    if not discount > terminal:
        raise ValueError(f"the discount rate ({discount}) must exceed the terminal growth ({terminal})")
    g = np.asarray(growth, dtype=float)
    return hyp1f1(1.0, 1.0 + fade_years * (discount - terminal), fade_years * (g - terminal)) / (discount - terminal)


def clearing_log_price(
    x0: np.ndarray,
    fixed: np.ndarray,
    capital: np.ndarray,
    slope: np.ndarray,
    log_value: np.ndarray,
    limit: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Today's log price of each firm (column) and the fundamentalists' tilts at it; `x0` is the log of the
    consensus value (module docstring).

    `fixed` (per firm) is sum c_i (1 + tilt_i) over the investors whose tilt does not depend on today's price;
    `capital` (c_i), `slope` (b_i) and `log_value` (v_i, one column per firm) are the fundamentalists'. The
    root is found by Newton's method inside a bracket that it keeps (bisecting when a step would leave it):
    the left side is piecewise linear, so a step that keeps the set of unsaturated investors lands on the root.
    """
    lo, hi = x0 + np.log1p(-limit), x0 + np.log1p(limit)
    x = x0.copy()
    for _ in range(200):  # a handful of steps in practice; bisection alone would need ~40
        raw = slope[:, None] * (log_value - x)
        tilt = np.clip(raw, -limit, limit)
        free = np.abs(raw) < limit
        held = np.exp(x - x0)
        excess = fixed + capital @ (1.0 + tilt) - held  # falls with x
        if np.all(excess == 0):
            break
        below = excess > 0
        lo = np.where(below, x, lo)
        hi = np.where(below, hi, x)
        step = excess / ((capital * slope) @ free + held)
        after = x + step
        outside = ~((after > lo) & (after < hi))
        after = np.where(outside, 0.5 * (lo + hi), after)
        if np.all(np.abs(after - x) <= 4 * np.finfo(float).eps * np.maximum(np.abs(x), 1.0)):
            x = after
            break
        x = after
    raw = slope[:, None] * (log_value - x)
    return x, np.clip(raw, -limit, limit)


class ClippedGroup:
    """Investors whose tilt is clip(scale_i * signal, -limit, limit) on one signal per firm: the capital-weighted
    sum of their tilts in O(log n) per firm. Sorted by scale, those below limit / |signal| are unclipped, so the
    sum is signal * (sum of c_i scale_i below) + limit * sign(signal) * (capital above)."""

    def __init__(self, capital: np.ndarray, scale: np.ndarray):
        order = np.argsort(scale, kind="stable")
        self.scale = scale[order]
        self.scaled = np.concatenate(([0.0], np.cumsum(capital[order] * self.scale)))
        self.capital = np.concatenate(([0.0], np.cumsum(capital[order])))

    def tilt_sum(self, signal: np.ndarray, limit: float) -> np.ndarray:
        """sum_i c_i clip(scale_i * signal_j, -limit, limit), per firm j."""
        size = np.abs(signal)
        with np.errstate(divide="ignore"):
            below = np.searchsorted(self.scale, limit / size, side="left")
        return signal * self.scaled[below] + limit * np.sign(signal) * (self.capital[-1] - self.capital[below])
