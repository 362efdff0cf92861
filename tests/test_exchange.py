"""The equity market: the listed firms, their prices and values, the indices a scenario names, value lost."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import load_scenario
from simulation.model import AIRaceModel
from simulation.scenario.errors import ScenarioError

INDICES = {
    "time.end": "2023-06-30",
    "investors.count": 200,
    "indices": [
        {"id": "nvidia_index", "name": "NVIDIA alone", "members": ["nvidia"]},
        {"id": "chips_index", "members": ["amd", "nvidia"]},
    ],
}


def test_a_scenarios_indices_are_recorded_beside_the_ai_index():
    model = AIRaceModel(load_scenario("baseline", INDICES), 2)
    model.run_model()
    frame = model.records.model_frame()
    assert frame.columns[-3:].tolist() == ["ai_index", "nvidia_index", "chips_index"]
    # One member: the index is its price against the start; every member: the AI index, whatever their order.
    nvidia = 100 * frame["price_NVDA"] / frame["price_NVDA"].iloc[0]
    np.testing.assert_allclose(frame["nvidia_index"], nvidia, rtol=1e-12)
    np.testing.assert_allclose(frame["chips_index"], frame["ai_index"], rtol=1e-12)
    assert frame["nvidia_index"].iloc[0] == 100.0 and frame["nvidia_index"].std() > 0


def test_value_lost_is_the_fall_in_market_value_over_the_step():
    model = AIRaceModel(load_scenario("baseline", INDICES), 2)
    model.run_model()
    frame = model.records.model_frame()
    lost = -frame["market_cap_usd_NVDA"].diff()
    np.testing.assert_allclose(frame["value_lost_usd_NVDA"].iloc[1:], lost.iloc[1:], rtol=1e-9, atol=1.0)
    total = frame["value_lost_usd_NVDA"] + frame["value_lost_usd_AMD"]
    np.testing.assert_allclose(frame["value_lost_usd"], total, rtol=1e-12)


@pytest.mark.parametrize(
    ("index", "says"),
    [
        ({"id": "ai_index", "members": ["nvidia"]}, "indices.ai_index: an index needs an id of its own"),
        ({"id": "nvidia", "members": ["nvidia"]}, "indices.nvidia: an index needs an id of its own ending in '_index'"),
        ({"id": "x_index", "members": ["huawei"]}, "indices.x_index.members: unknown listed firm 'huawei'"),
        ({"id": "x_index", "members": []}, "indices.x_index.members: an index needs at least one listed firm"),
    ],
)
def test_an_index_that_cannot_be_recorded_is_refused_with_its_key(index, says):
    with pytest.raises(ScenarioError, match=says):
        load_scenario("baseline", {"indices": [index]})
