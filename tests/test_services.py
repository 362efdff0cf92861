"""Demand for AI service answers its price: the Jevons question on the real side (simulation.markets.services)."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import run
from simulation.markets.services import service_quantity, service_spending, services_revenue


@pytest.mark.parametrize(("elasticity", "sign"), [(1.5, 1), (1.0, 0), (0.6, -1)])
def test_cheaper_service_raises_spending_only_when_demand_is_elastic(elasticity, sign):
    # A 10x fall in price: users buy more service whatever the elasticity; they spend more only above 1.
    assert service_quantity(0.1, elasticity) > 1.0
    assert np.sign(round(service_spending(0.1, elasticity) - 1.0, 12)) == sign


def test_a_lab_whose_serving_is_cheaper_earns_more_under_elastic_demand_and_less_under_inelastic():
    servers = {"us": np.array([0, 1])}
    capabilities = np.array([1.0, 1.0])
    prices = np.array([1.0, 0.25])  # lab 1 serves at a quarter of its start cost
    elastic = services_revenue({"us": 100.0}, servers, capabilities, 2.0, prices, 1.5)
    inelastic = services_revenue({"us": 100.0}, servers, capabilities, 2.0, prices, 0.5)
    unit = services_revenue({"us": 100.0}, servers, capabilities, 2.0, prices, 1.0)
    assert elastic[0] == inelastic[0] == unit[0] == pytest.approx(50.0)
    assert unit[1] == pytest.approx(50.0)
    assert elastic[1] > unit[1] > inelastic[1]


def total_compute_end(scenario: str, seed: int) -> float:
    r = run(scenario, seed=seed, overrides={"time.step_days": 7})  # weekly steps: the story, 7x cheaper
    row = r.model.iloc[-1]
    return float(sum(row[c] for c in r.model.columns if c.startswith("compute_flops_")))


def test_jevons_gives_more_compute_than_no_jevons_a_year_after_the_breakthrough():
    # Paired by seed: the same draws, only the elasticity differs (1.5 against 0.6; the runs end
    # 2025-12-31, 11 months after DeepSeek-R1). Cheaper service brings labs more cash under elastic
    # demand, so more chips; less under inelastic demand.
    for seed in (1, 2, 3):
        assert total_compute_end("jevons", seed) > 1.05 * total_compute_end("no_jevons", seed)
