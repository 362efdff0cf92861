"""Demand for AI service answers its price: the Jevons question on the real side (simulation.markets.services)."""

from __future__ import annotations

import numpy as np
import pytest

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
    elastic = services_revenue({"us": 100.0}, servers, capabilities, 2.0, prices, 1.5)[:, 0]  # one market
    inelastic = services_revenue({"us": 100.0}, servers, capabilities, 2.0, prices, 0.5)[:, 0]
    unit = services_revenue({"us": 100.0}, servers, capabilities, 2.0, prices, 1.0)[:, 0]
    assert elastic[0] == inelastic[0] == unit[0] == pytest.approx(50.0)
    assert unit[1] == pytest.approx(50.0)
    assert elastic[1] > unit[1] > inelastic[1]


def _last_sum(result, prefix: str) -> float:
    """The sum over blocs of a model column family (`compute_flops_`) on the run's last row."""
    row = result.model.iloc[-1]
    return float(sum(row[c] for c in result.model.columns if c.startswith(prefix)))


@pytest.mark.slow
@pytest.mark.parametrize(("name", "elasticity", "sign"), [("jevons", 1.5, 1), ("no_jevons", 0.6, -1)])
def test_a_breakthrough_raises_compute_demand_under_elastic_demand_and_lowers_it_under_inelastic(
    replicates, name, elasticity, sign
):
    """The Jevons question as an effect (issue 35): DeepSeek-R1's breakthrough against the same scenario
    without it (`without_r1`), at the same elasticity and on the same ten seeds (weekly steps; the runs end
    on 31 Dec 2025, eleven months after R1). The compute users' tokens take, and the compute installed,
    rise under elastic demand and fall under inelastic demand, in every seed and by a paired interval that
    excludes 0."""
    from analysis.paired import LEVEL, _effect

    changes = {"services__price_elasticity": elasticity, "time__step_days": 7}
    shock, without = replicates(name, 10, **changes), replicates("without_r1", 10, **changes)
    assert [r.seed for r in shock] == [r.seed for r in without]
    for prefix in ("compute_inference_flops_", "compute_flops_"):
        effect = np.array(
            [_last_sum(a, prefix) / _last_sum(b, prefix) - 1 for a, b in zip(shock, without, strict=True)]
        )
        assert (np.sign(effect) == sign).all(), (prefix, effect)
        _, low, high, _, excludes_zero = _effect(effect, LEVEL)
        assert excludes_zero, (prefix, low, high)
