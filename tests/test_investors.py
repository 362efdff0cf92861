"""The investor population's shortcuts give what the plain computations give."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import load_scenario
from simulation.agents.investor import FUNDAMENTALIST, NOISE, TREND, _column_medians
from simulation.model import AIRaceModel


@pytest.mark.parametrize("n", [1, 2, 3, 10, 100, 999, 1000, 2000])
@pytest.mark.parametrize("order", ["C", "F"])
def test_column_medians_are_numpys_to_the_last_bit(n, order):
    for seed in range(20):
        values = np.asarray(np.random.default_rng(seed).lognormal(0.0, 1.0, (n, 3)), order=order)
        values[: n // 3, 1] = values[0, 1]  # ties as well
        assert np.array_equal(_column_medians(values), np.median(values, axis=0)), seed


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
