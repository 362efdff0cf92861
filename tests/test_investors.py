"""The investor population: its kept groups match its strategies, news moves beliefs by its reach, and
revenue news reaches values as a trailing four months."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import load_scenario
from simulation.agents.investor import FUNDAMENTALIST, NOISE, TREND
from simulation.model import AIRaceModel


def test_kept_strategy_groups_and_beliefs_match_the_population_through_a_run():
    spec = load_scenario("deepseek_shock", {"time.end": "2025-06-30", "investors.count": 300})
    model = AIRaceModel(spec, 3)
    investors = model.investors
    switched = False
    for _ in range(model.n_steps):
        before = investors.strategy.copy()
        model.step()
        switched |= not np.array_equal(before, investors.strategy)
        for s in (FUNDAMENTALIST, TREND, NOISE):
            assert np.array_equal(investors.members[s], np.flatnonzero(investors.strategy == s))
            assert investors.strategy_share(s) == (investors.strategy == s).mean()
        assert np.array_equal(investors.demand_belief, np.exp(investors.log_demand_belief))
    assert switched and np.abs(investors.log_demand_belief).max() > 0  # strategies moved and news was heard


def _model(overrides=None):
    spec = load_scenario("baseline", {"time.end": "2023-10-31", "investors.count": 200, **(overrides or {})})
    return AIRaceModel(spec, 5)


def test_open_weights_news_moves_beliefs_by_the_whole_gain_closed_by_the_labs_share_of_compute():
    model = _model()
    lab = model.labs["openai"]
    world = sum(other.compute_flops for other in model.labs.values())
    for open_weights in (True, False):
        investors = model.investors
        investors.log_demand_belief[:] = 0.0
        lab.breakthrough(4.0, open_weights)  # publishes the news; investors read it from the wire
        assert model.news.records[-1].source == lab.id
        investors._hear_news(model.day + 365.0, 1.0)  # everyone's lag has passed; no fading
        reach = 1.0 if open_weights else lab.compute_flops / world
        np.testing.assert_allclose(investors.log_demand_belief, investors.jevons_belief * reach * np.log(4.0))
    assert 0 < reach < 0.5


def test_values_read_revenue_as_a_trailing_four_months_and_prices_clear_the_shares():
    model = _model({"time.step_days": 1})  # a row a day, so that every news day is seen
    investors = model.investors
    nvidia = investors.firms[0]
    news = []
    while model.running:
        before = investors.report_day
        model.step()
        if investors.report_day != before:
            news.append((investors.report_day, nvidia.revenue_total_usd, investors.revenue[0]))
        np.testing.assert_allclose(investors.holdings.sum(axis=0), model.equity.shares_outstanding, rtol=1e-9)
    assert len(news) >= 20  # news every four days on average, over ten months
    days = np.array([d for d, _, _ in news])
    totals = np.array([t for _, t, _ in news])
    checked = 0
    for day, total, seen in news:
        then = day - 365.25 / 3
        if then < days[0]:  # the window starts before the first news
            continue
        checked += 1
        before = np.interp(then, days, totals)
        assert seen == pytest.approx((total - before) * 3, rel=1e-9)
    assert checked >= 10
