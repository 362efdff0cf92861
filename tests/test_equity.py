"""The equity market's maths against brute force: the growth multiple against numerical integration, and the
clearing price against a root search on the demand written out."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

from simulation.markets.equity import ClippedGroup, clearing_log_price, growth_multiple

LIMIT = 0.8


@pytest.mark.parametrize("growth", [-0.5, 0.0, 0.03, 0.2, 0.8, 1.5, 3.0])
@pytest.mark.parametrize("fade", [0.5, 1.0, 3.0])
def test_the_growth_multiple_is_the_discounted_integral_of_the_fading_cash_flow(growth, fade):
    r, g_inf = 0.1, 0.03

    def flow(t):
        return math.exp(g_inf * t + (growth - g_inf) * fade * (1 - math.exp(-t / fade)) - r * t)

    want = quad(flow, 0, math.inf, limit=400)[0]
    assert float(growth_multiple(np.array([growth]), r, g_inf, fade)[0]) == pytest.approx(want, rel=1e-9)


def test_with_growth_at_its_terminal_rate_the_multiple_is_gordons():
    assert float(growth_multiple(np.array([0.04]), 0.09, 0.04, 2.0)[0]) == pytest.approx(1 / 0.05, rel=1e-12)


def test_a_discount_rate_at_or_below_terminal_growth_is_refused():
    with pytest.raises(ValueError, match="must exceed the terminal growth"):
        growth_multiple(np.array([0.1]), 0.03, 0.03, 1.0)


# (up, down): the baseline's symmetric limits, leverage with little room to sell, and the reverse
BOUNDS = [(LIMIT, LIMIT), (1.5, 0.3), (0.2, 0.9)]


def demand(x, x0, fixed, capital, slope, log_value, up=LIMIT, down=LIMIT):
    """The money on one firm at log price x, over its consensus value, less the value of its shares at x."""
    return fixed + float(capital @ (1 + np.clip(slope * (log_value - x), -down, up))) - math.exp(x - x0)


def clear(x0, fixed, capital, slope, log_value, start=None, up=LIMIT, down=LIMIT):
    """The clearing with the fundamentalists' values given as logs (no base, cash flow 1)."""
    k = len(x0)
    start = x0 if start is None else start
    return clearing_log_price(x0, fixed, capital, slope, np.zeros(k), np.exp(log_value), np.ones(k), up, down, start)


def population(n, k, seed, up=LIMIT, down=LIMIT):
    rng = np.random.default_rng(seed)
    capital = rng.lognormal(0, 1, 2 * n)
    capital /= capital.sum()
    fixed = capital[n:] @ (1 + np.clip(rng.normal(0, 0.5, (n, k)), -down, up))  # the others, within the same limits
    x0 = rng.normal(3.0, 1.0, k)
    log_value = x0 + rng.normal(0, rng.uniform(0.01, 0.5), (n, k))
    slope = 8.0 * rng.lognormal(-0.125, 0.5, n)
    return x0, fixed, capital[:n], slope, log_value


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("n", [1, 3, 50, 1000])
@pytest.mark.parametrize("start", [0.0, -0.5, 0.3, -10.0, 10.0])
@pytest.mark.parametrize(("up", "down"), BOUNDS)
def test_the_clearing_price_is_the_root_of_the_written_out_demand(seed, n, start, up, down):
    x0, fixed, capital, slope, log_value = population(n, 3, seed, up, down)
    x, tilt = clear(x0, fixed, capital, slope, log_value, x0 + start, up, down)
    log_value = np.log(np.exp(log_value))  # the values the clearing reads
    for j in range(3):
        args = (x0[j], fixed[j], capital, slope, log_value[:, j], up, down)
        # The bracket widened a hair: a root on its edge (everyone at a limit) would read as no change of sign.
        lo, hi = x0[j] + math.log(1 - down) - 1e-9, x0[j] + math.log(1 + up) + 1e-9
        want = brentq(demand, lo, hi, args=args, xtol=1e-14)
        assert x[j] == pytest.approx(want, abs=1e-11)
        # the money at that price buys exactly the shares: holdings add up to the shares outstanding
        assert demand(x[j], *args) == pytest.approx(0, abs=1e-12)
    assert np.all((-down <= tilt) & (tilt <= up))


@pytest.mark.parametrize(("up", "down"), BOUNDS)
def test_the_price_stays_between_the_limits_around_the_consensus(up, down):
    """Everyone far below the price sells to the underweight limit, everyone far above buys to the
    overweight limit: the price sits at the bottom or the top of its bracket, whatever the others do."""
    x0, capital = np.array([1.0]), np.array([0.5, 0.5])
    for far, bound, edge in ((-50.0, -down, math.log(1 - down)), (50.0, up, math.log(1 + up))):
        x, tilt = clear(x0, np.array([0.0]), capital, np.array([10.0, 10.0]), np.full((2, 1), far), None, up, down)
        assert x[0] == pytest.approx(x0[0] + edge, abs=1e-12)
        assert np.all(tilt == bound)


def test_with_no_tilts_the_price_is_the_consensus_value():
    x0 = np.array([2.0, -1.0])
    log_value = np.tile(x0, (4, 1))
    x, tilt = clear(x0, np.array([0.5, 0.5]), np.full(4, 0.125), np.ones(4), log_value)
    np.testing.assert_allclose(x, x0, atol=1e-14)
    np.testing.assert_allclose(tilt, 0, atol=1e-13)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(("up", "down"), BOUNDS)
def test_a_clipped_groups_tilt_sum_is_the_sum_written_out(seed, up, down):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    capital, scale = rng.lognormal(0, 1, n), rng.lognormal(0.5, 0.5, n)
    signal = np.concatenate((rng.normal(0, 0.5, 5), [0.0, 10.0, -10.0]))
    want = capital @ np.clip(np.outer(scale, signal), -down, up)
    got = ClippedGroup(capital, scale).tilt_sum(signal, up, down)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_values_are_the_base_plus_the_factor_times_the_cash_flow():
    rng = np.random.default_rng(3)
    base, cash_flow = np.array([5.0, 0.0]), np.array([2.0, 7.0])
    factor, capital, slope = rng.lognormal(0, 0.3, (40, 2)), np.full(40, 0.0125), np.full(40, 4.0)
    x0 = np.log(base + factor.mean(axis=0) * cash_flow)
    got = clearing_log_price(x0, np.full(2, 0.5), capital, slope, base, factor, cash_flow, LIMIT, LIMIT, x0)
    want = clear(x0, np.full(2, 0.5), capital, slope, np.log(base + factor * cash_flow))
    np.testing.assert_allclose(got[0], want[0], rtol=0, atol=1e-14)
