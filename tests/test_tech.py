"""The pure maths of tech.py and analysis.metrics, against answers worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulation import tech
from simulation.measures import gap_months, largest_one_step_fall, months_since_reached


def test_training_flop_of_gpt4_sized_run():
    # 25,000 A100s at 312 TFLOP/s, 40% utilisation, 95 days: about 2.6e25 FLOP (GPT-4 was ~2.1e25).
    flop = tech.training_flop(25_000 * 312e12, utilisation=0.4, days=95)
    assert flop == pytest.approx(25_000 * 312e12 * 0.4 * 95 * 86_400)
    assert 2e25 < flop < 3e25


def test_interconnect_factor_penalises_only_weaker_links():
    assert tech.interconnect_factor(900, 900, 0.15) == 1.0
    assert tech.interconnect_factor(1800, 900, 0.15) == 1.0
    assert tech.interconnect_factor(400, 900, 0.15) == pytest.approx((400 / 900) ** 0.15)
    assert tech.interconnect_factor(400, 900, 0.0) == 1.0


def test_capability_is_linear_in_log_compute():
    assert tech.capability(1e25, 1.0) == pytest.approx(25.0)
    assert tech.capability(1e26, 2.0) - tech.capability(1e25, 2.0) == pytest.approx(2.0)


def test_efficiency_growth_has_diminishing_returns_to_research():
    base = tech.efficiency_log_growth(1.0, 0.2, 0.2, 0.5)
    doubled = tech.efficiency_log_growth(1.0, 0.4, 0.2, 0.5)
    assert base == pytest.approx(1.0)
    assert doubled == pytest.approx(math.sqrt(2))
    assert tech.efficiency_log_growth(1.0, 0.0, 0.2, 0.5) == 0.0


def test_breakthrough_sizes_are_heavy_tailed_and_bounded():
    rng = np.random.default_rng(1)
    gains = np.array([tech.breakthrough_gain(rng, 1.5, 2.5, 20.0) for _ in range(5000)])
    assert gains.min() >= 1.5 and gains.max() <= 20.0
    assert np.median(gains) < 2.0 < np.quantile(gains, 0.99)


@given(st.floats(0, 40), st.floats(0, 40), st.floats(0, 0.999), st.floats(0.05, 5))
def test_distillation_never_passes_the_teacher_nor_lifts_more_than_its_cap(student, teacher, fraction, cap):
    for result in (
        tech.catch_up(student, teacher, fraction),
        tech.catch_up(student, teacher, fraction, cap),
    ):
        assert student <= result <= max(student, teacher)
    assert tech.catch_up(student, teacher, fraction, cap) <= student + cap


def test_distillation_closes_its_share_of_a_small_gap_and_saturates_on_a_large_one():
    assert tech.catch_up(27.0, 27.05, 0.7, 0.5) == pytest.approx(27.0 + 0.7 * 0.05, rel=1e-3)
    assert tech.catch_up(25.0, 30.0, 0.7, 0.5) == pytest.approx(25.5, abs=1e-3)  # 5 decades behind


def test_market_shares_sum_to_one_and_favour_capability():
    shares = tech.market_shares(np.array([25.0, 24.0, 23.0]), 2.0)
    assert shares.sum() == pytest.approx(1.0)
    assert shares[0] / shares[1] == pytest.approx(math.exp(2.0))


def test_step_fraction_compounds_to_the_yearly_rate():
    weekly = tech.step_fraction(0.25, 7 / 365.25)
    assert (1 - weekly) ** (365.25 / 7) == pytest.approx(math.exp(-0.25))


def _arrival_days(step_days: float, rate_per_year: float, years: float, seed: int = 3) -> list[float]:
    rng = np.random.default_rng(seed)
    left, days = float(rng.exponential()), []
    for n in range(1, round(years * 365.25 / step_days) + 1):
        count, left = tech.arrivals(rng, left, rate_per_year, step_days / 365.25)
        days += [n * step_days] * count
    return days


def test_arrivals_come_at_the_yearly_rate_and_several_may_share_a_step():
    counts = [len(_arrival_days(28.0, 12.0, 10.0, seed)) for seed in range(40)]
    assert np.mean(counts) == pytest.approx(120.0, rel=0.05)  # Poisson: 120 a run, sd 11, 40 runs
    days = _arrival_days(28.0, 12.0, 10.0)
    assert len(days) > len(set(days))  # about one a month: some steps of four weeks hold two


def test_the_same_draws_give_the_same_arrivals_whatever_the_step_length():
    daily, weekly = _arrival_days(1.0, 2.0, 20.0), _arrival_days(7.0, 2.0, 20.0)
    assert len(daily) == len(weekly) > 20
    # each arrival falls in the week that holds its day
    assert all(w - 7 < d <= w for d, w in zip(daily, weekly, strict=True))


DAYS = np.array([0.0, 30.0, 60.0, 90.0, 120.0])


def test_months_since_reached_dates_a_level_between_the_leaders_records():
    leader = np.array([24.0, 24.0, 25.0, 25.0, 26.0])
    # The leader first stood at 25 on day 60; the last day is 120: 60 days ago.
    assert months_since_reached(DAYS, leader, 25.0, 1.0) == pytest.approx(60 / (365.25 / 12))
    # 24.5 lies half-way between the records of day 0 (24) and day 60 (25): day 30, 90 days ago
    assert months_since_reached(DAYS, leader, 24.5, 1.0) == pytest.approx(90 / (365.25 / 12))
    assert months_since_reached(DAYS, leader, 25.75, 1.0) == pytest.approx(15 / (365.25 / 12))


def test_months_since_reached_extrapolates_before_the_start():
    leader = np.array([24.0, 24.0, 24.0, 24.0, 24.0])
    # Half a capability unit below the start at 1 unit a year: half a year before day 0.
    expected = (120 + 0.5 * 365.25) / (365.25 / 12)
    assert months_since_reached(DAYS, leader, 23.5, 1.0) == pytest.approx(expected)


def test_gap_is_negative_when_the_laggard_leads():
    leader = np.array([24.0, 24.0, 24.0, 24.0, 24.0])
    laggard = np.array([23.0, 23.5, 24.0, 24.5, 25.0])
    # The laggard first reached the leader's 24.0 on day 60, 60 days before the end.
    assert gap_months(DAYS, leader, laggard, 1.0) == pytest.approx(-60 / (365.25 / 12))
    assert gap_months(DAYS, leader, np.full(5, 24.0), 1.0) == pytest.approx(120 / (365.25 / 12))


def test_largest_one_step_fall():
    prices = pd.Series([100.0, 110.0, 88.0, 90.0, 85.5])
    fall, row = largest_one_step_fall(prices)
    assert fall == pytest.approx(0.2)
    assert row == 2
    assert largest_one_step_fall(pd.Series([1.0, 2.0, 3.0])) == (0.0, 0)


def test_growth_halves_with_its_halflife():
    # Constant growth: +100% a year for two years is 4x.
    assert tech.grown(1.0, 1.0, None, 2.0) == pytest.approx(4.0)
    # Halving every year: the horizon is (1 - 2**-t) / ln 2 years of the initial rate; it never passes 1/ln 2.
    assert tech.grown(1.0, 1.0, 1.0, 1.0) == pytest.approx(2 ** (0.5 / math.log(2)))
    assert tech.grown(1.0, 1.0, 1.0, 1000.0) == pytest.approx(2 ** (1 / math.log(2)))


def test_logit_split_favours_value_per_dollar_without_taking_all():
    shares = tech.logit_split(np.array([2.0, 1.0, 1.0]), sensitivity=3.0)
    assert shares.sum() == pytest.approx(1.0)
    assert shares[0] == pytest.approx(8 / 10) and shares[1] == pytest.approx(1 / 10)
    np.testing.assert_allclose(tech.logit_split(np.array([5.0, 1.0]), 0.0), [0.5, 0.5])


def test_logit_split_row_by_row_over_the_offers_only():
    values = np.array([[2.0, 1.0, 9.0], [1.0, 1.0, 1.0]])
    offered = np.array([[True, True, False], [False, False, False]])
    shares = tech.logit_split(values, 3.0, offered)
    np.testing.assert_allclose(shares[0], [*tech.logit_split(np.array([2.0, 1.0]), 3.0), 0.0], rtol=1e-15)
    assert (shares[1] == 0).all()  # nothing on offer: nothing drawn


def test_a_starved_lab_moves_serving_compute_into_research():
    assert tech.starvation(1.0, 1.0, 1.0) == 0.0
    assert tech.starvation(1.0, 10**0.5, 1.0) == pytest.approx(0.5)
    assert tech.starvation(1.0, 1e6, 1.0) == 1.0 and tech.starvation(0.0, 1.0, 1.0) == 1.0
    # research 0.2, training 0.3: half the serving compute (0.5) moves at strength 1 and half starvation.
    assert tech.induced_research_share(0.2, 1.0, 0.5) == pytest.approx(0.6)
    assert tech.induced_research_share(0.2, 0.0, 1.0) == pytest.approx(0.2)


def test_spillover_closes_the_log_gap_to_published_methods():
    # At 1/year for one year, 1 - e^-1 of the log gap closes; nothing is lost when ahead.
    assert tech.spillover(1.0, math.e, 1.0, 1.0) == pytest.approx(math.exp(1 - math.exp(-1)))
    assert tech.spillover(3.0, 2.0, 1.0, 1.0) == 3.0
