"""The equity market's exact clearing price against a brute-force root search on the same demand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from simulation.markets.equity import MAX_LOG_MOVE, clearing_price, value_investors_money, value_investors_terms

SUPPLY = 2.5e9
PRICE = 120.0


def shares_wanted(price, fixed_money, value, wealth, sensitivity, base_weight) -> float:
    """The demand written out: fixed money plus each value investor's floored weight times its wealth,
    over the price."""
    weights = np.maximum(base_weight + sensitivity * np.log(value / price), 0.0)
    return (fixed_money + float(np.sum(weights * wealth))) / price


def brute_force(supply, previous_price, fixed_money, value, wealth, sensitivity, base_weight) -> float:
    """Brent's method on log price over the whole allowed range, to machine precision; the edge when no root."""
    lo, hi = math.log(previous_price) - 6.0, math.log(previous_price) + 6.0

    def excess(x):
        return shares_wanted(math.exp(x), fixed_money, value, wealth, sensitivity, base_weight) - supply

    if excess(lo) <= 0:
        return math.exp(lo)
    if excess(hi) >= 0:
        return math.exp(hi)
    return math.exp(brentq(excess, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500))


def population(n, seed, value_spread=0.3, sensitivity=2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values around PRICE, lognormal wealth and sensitivities, as the model draws them."""
    rng = np.random.default_rng(seed)
    value = PRICE * np.exp(rng.normal(0.0, value_spread, n))
    wealth = rng.lognormal(0.0, 1.0, n) * 1e9
    return value, wealth, sensitivity * rng.lognormal(-0.125, 0.5, n)


def knots(value, sensitivity, base_weight) -> np.ndarray:
    """Log price above which each value investor buys nothing."""
    return np.log(value) + base_weight / sensitivity


def check(fixed_money, value, wealth, sensitivity, base_weight=0.25, supply=SUPPLY, previous=PRICE) -> float:
    """The clearing price, after checking it against the brute-force one."""
    knots, slopes = value_investors_terms(np.log(value), wealth, sensitivity, base_weight)
    got = clearing_price(supply, previous, fixed_money, knots, slopes)
    want = brute_force(supply, previous, fixed_money, value, wealth, sensitivity, base_weight)
    assert got == pytest.approx(want, rel=1e-12, abs=0)
    return got


def test_the_root_between_the_knots():
    value, wealth, sensitivity = population(1000, 1)
    price = check(5e10, value, wealth, sensitivity)
    k = knots(value, sensitivity, 0.25)
    assert k.min() < math.log(price) < k.max()  # some value investors buy, some do not


@pytest.mark.parametrize("seed", range(20))
def test_random_populations(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 300))
    value, wealth, sensitivity = population(n, seed, value_spread=rng.uniform(0.01, 1.0))
    check(rng.uniform(0, 3e11), value, wealth, sensitivity, base_weight=rng.uniform(0.0, 0.5))


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("move", [-3.0, -0.5, -0.02, 0.02, 0.5, 3.0])
def test_the_root_far_from_or_near_the_previous_price(seed, move):
    """The search starts at the previous price: the root may lie far above or below it, across thousands
    of knots, or just beside it."""
    rng = np.random.default_rng(200 + seed)
    value, wealth, sensitivity = population(5000, seed, value_spread=rng.uniform(0.05, 1.0))
    fixed = rng.uniform(0, 3e11)
    root = clearing_price(SUPPLY, PRICE, fixed, *value_investors_terms(np.log(value), wealth, sensitivity, 0.25))
    check(fixed, value, wealth, sensitivity, previous=root * math.exp(-move))


def test_every_value_investor_buys():
    value, wealth, sensitivity = population(200, 2, value_spread=0.05)
    price = check(1e10, value, wealth, sensitivity)
    assert math.log(price) < knots(value, sensitivity, 0.25).min()


def test_no_value_investor_buys_only_the_fixed_money_clears():
    value, wealth, sensitivity = population(200, 3, value_spread=0.05)
    fixed = 2e12  # far more than the shares are worth at any value investor's price
    price = check(fixed, value, wealth, sensitivity)
    assert math.log(price) > knots(value, sensitivity, 0.25).max()
    assert price == pytest.approx(fixed / SUPPLY, rel=1e-14)


def test_no_value_investors_at_all():
    empty = np.zeros(0)
    assert check(3e11, empty, empty, empty) == pytest.approx(3e11 / SUPPLY, rel=1e-14)


def test_a_single_investor():
    check(0.0, np.array([150.0]), np.array([1e12]), np.array([1.7]))
    check(4e10, np.array([90.0]), np.array([5e11]), np.array([0.8]))


def test_no_fixed_money():
    value, wealth, sensitivity = population(500, 4)
    check(0.0, value, wealth, sensitivity)


def test_knots_tied():
    value, wealth, sensitivity = np.full(50, 130.0), np.full(50, 2e9), np.full(50, 1.5)
    check(1e10, value, wealth, sensitivity)


def test_the_price_moves_at_most_e_to_the_sixth_either_way():
    value, wealth, sensitivity = population(100, 5)
    # So much money that the price would rise far more than e^6: it stops at the top.
    high = check(1e16, value, wealth, sensitivity)
    assert high == pytest.approx(PRICE * math.exp(MAX_LOG_MOVE), rel=1e-14)
    # So little that it would fall far more: it stops at the bottom.
    low = check(0.0, value, wealth * 1e-12, sensitivity)
    assert low == pytest.approx(PRICE * math.exp(-MAX_LOG_MOVE), rel=1e-14)


def test_nobody_wants_the_shares_the_price_falls_to_the_bottom():
    empty = np.zeros(0)
    assert check(0.0, empty, empty, empty) == pytest.approx(PRICE * math.exp(-MAX_LOG_MOVE), rel=1e-14)
    # Value investors who would buy only far below the lowest price allowed do not hold it up either.
    value, wealth, sensitivity = population(100, 6)
    low = check(0.0, value * 1e-6, wealth, sensitivity)
    assert low == pytest.approx(PRICE * math.exp(-MAX_LOG_MOVE), rel=1e-14)


def test_the_demand_at_the_clearing_price_buys_the_supply():
    value, wealth, sensitivity = population(1000, 7)
    fixed = 6e10
    knots, slopes = value_investors_terms(np.log(value), wealth, sensitivity, 0.25)
    price = clearing_price(SUPPLY, PRICE, fixed, knots, slopes)
    money = fixed + value_investors_money(math.log(price), knots, slopes).sum()
    assert money / price == pytest.approx(SUPPLY, rel=1e-12)
    # The same money as each value investor's floored mean-variance weight times its wealth.
    weights = np.maximum(0.25 + sensitivity * np.log(value / price), 0.0)
    assert value_investors_money(math.log(price), knots, slopes) == pytest.approx(weights * wealth, rel=1e-12, abs=1e-3)
