"""The equity market's pure maths: what a growing cash flow is worth, and the price that clears a day's orders.

Values. A cash flow that grows at g0 now, its growth fading to a terminal rate g_inf with a time constant of
f years, is worth, discounted at r, the flow times

    A(g0) = integral over t >= 0 of exp(g_inf t + (g0 - g_inf) f (1 - e^(-t/f)) - r t) dt
          = 1F1(1; 1 + f (r - g_inf); f (g0 - g_inf)) / (r - g_inf),

Kummer's confluent hypergeometric function (substitute u = e^(-t/f)); with g0 = g_inf it is the Gordon
growth multiple 1 / (r - g_inf).

Clearing. Each investor puts on a firm its capital share c_i of the firm's consensus value (the capital-weighted
mean of investors' values: as in Brock and Hommes, demand does not depend on realised wealth) times
(1 + tilt), the tilt between -down and +up: `down` < 1 is how far below its market weight an investor may
go (nobody is short), `up` how far above (leverage). The price that makes that money buy the shares
outstanding solves

    sum_i c_i (1 + tilt_i(x)) = e^(x - x0)        (x = ln price, x0 = ln consensus value)

where only fundamentalists' tilts move with the price: clip(b_i (v_i - x), -down, up). The left side
falls with x and the right rises, so there is one root, between x0 + ln(1 - down) and x0 + ln(1 + up):
tilts move the price around the consensus value, within those bounds.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from scipy.special import hyp1f1


def growth_multiple(growth: np.ndarray, discount: float, terminal: float, fade_years: float) -> np.ndarray:
    """A(g0): value of a cash flow of 1 a year now growing at `growth`, fading to `terminal` (module docstring)."""
    if not discount > terminal:
        raise ValueError(f"the discount rate ({discount}) must exceed the terminal growth ({terminal})")
    g = np.asarray(growth, dtype=float)
    return hyp1f1(1.0, 1.0 + fade_years * (discount - terminal), fade_years * (g - terminal)) / (discount - terminal)


@numba.njit(cache=True)
def clearing_log_price(
    x0: np.ndarray,
    fixed: np.ndarray,
    capital: np.ndarray,
    slope: np.ndarray,
    base: np.ndarray,
    factor: np.ndarray,
    cash_flow: np.ndarray,
    up: float,
    down: float,
    start: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Today's log price of each firm j and the fundamentalists' tilts at it; `x0` is the log of the consensus
    value (module docstring), `start` where the search starts (yesterday's log price, say; held inside the
    bracket).

    `fixed` (per firm) is sum c_i (1 + tilt_i) over the investors whose tilt does not depend on today's price;
    `capital` (c_i) and `slope` (b_i) are the fundamentalists', whose log values are
    v_ij = ln(base_j + factor_ij * cash_flow_j). The root is found by Newton's method inside a bracket that it
    keeps (bisecting when a step would leave it): the left side is piecewise linear, so a step that keeps the
    set of unsaturated investors lands next to the root, and the steps stop once they are at rounding level.
    A compiled loop (numba, no fastmath: the same operations in the same order on every run).
    """
    n, k = factor.shape
    x = x0.copy()
    tilt = np.empty((n, k))
    log_value = np.empty(n)
    tiny = 4 * np.finfo(np.float64).eps
    for j in range(k):
        for i in range(n):
            log_value[i] = math.log(base[j] + factor[i, j] * cash_flow[j])
        lo, hi = x0[j] + math.log1p(-down), x0[j] + math.log1p(up)
        xj = min(max(start[j], lo + 0.25 * (x0[j] - lo)), hi - 0.25 * (hi - x0[j]))
        for _ in range(200):  # a handful of steps in practice; bisection alone would need ~40
            held = math.exp(xj - x0[j])
            excess = fixed[j] - held
            free = held
            for i in range(n):
                raw = slope[i] * (log_value[i] - xj)
                if raw >= up:
                    excess += capital[i] * (1.0 + up)
                elif raw <= -down:
                    excess += capital[i] * (1.0 - down)
                else:
                    excess += capital[i] * (1.0 + raw)
                    free += capital[i] * slope[i]
            if excess > 0:  # the left side falls with x: the root is above
                lo = xj
            else:
                hi = xj
            step = excess / free
            after = xj + step
            settled = abs(step) <= tiny * max(abs(xj), 1.0)
            if not settled and not (lo < after < hi):  # a step leaving the bracket bisects it instead
                after = 0.5 * (lo + hi)
            xj = after
            if settled:
                break
        x[j] = xj
        for i in range(n):
            tilt[i, j] = min(max(slope[i] * (log_value[i] - xj), -down), up)
    return x, tilt


class ClippedGroup:
    """Investors whose tilt is clip(scale_i * signal, -down, up) on one signal per firm (scale_i >= 0): the
    capital-weighted sum of their tilts in O(log n) per firm. With bound = up for a signal above 0 and down
    below it, and sorted by scale, those below bound / |signal| are unclipped, so the sum is
    signal * (sum of c_i scale_i below) + bound * sign(signal) * (capital above)."""

    def __init__(self, capital: np.ndarray, scale: np.ndarray):
        order = np.argsort(scale, kind="stable")
        self.scale = scale[order]
        self.scaled = np.concatenate(([0.0], np.cumsum(capital[order] * self.scale)))
        self.capital = np.concatenate(([0.0], np.cumsum(capital[order])))

    def tilt_sum(self, signal: np.ndarray, up: float, down: float) -> np.ndarray:
        """sum_i c_i clip(scale_i * signal_j, -down, up), per firm j (`_clipped_tilt_sum`)."""
        return _clipped_tilt_sum(self.scale, self.scaled, self.capital, signal, up, down)


@numba.njit(cache=True, error_model="numpy")
def _clipped_tilt_sum(
    scale: np.ndarray, scaled: np.ndarray, capital: np.ndarray, signal: np.ndarray, up: float, down: float
) -> np.ndarray:
    """`ClippedGroup.tilt_sum` compiled: per firm, the same operations in the same order as the NumPy expression
    signal * scaled[below] + bound * sign(signal) * (capital[-1] - capital[below]), with bound = up where the
    signal is above 0 (else down) and below = searchsorted(scale, bound / |signal|, side="left") (NaN sorted
    last, as NumPy does; a division by 0 is inf, as in NumPy). A dozen NumPy calls a firm cost more than the
    arithmetic: this is one call."""
    n = scale.shape[0]
    total = capital[n]
    out = np.empty(signal.shape[0])
    for j in range(signal.shape[0]):
        s = signal[j]
        bound = up if s > 0 else down
        key = bound / abs(s)
        lo, hi = 0, n  # the first position whose scale is not below the key
        while lo < hi:
            mid = (lo + hi) >> 1
            a = scale[mid]
            if a < key or (key != key and a == a):
                lo = mid + 1
            else:
                hi = mid
        sign = 1.0 if s > 0 else (-1.0 if s < 0 else (s if s != s else 0.0))  # np.sign: sign(-0.0) is 0.0
        out[j] = s * scaled[lo] + bound * sign * (total - capital[lo])
    return out
