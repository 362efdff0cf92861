"""The run's records: every row holds what the model and each agent showed at that step, in the tables' order."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from simulation import load_scenario
from simulation.model import AGENT_VARIABLES, AIRaceModel


@pytest.fixture(scope="module")
def stepped():
    """A short daily run, with what each agent and the model showed after every step, read live."""
    spec = load_scenario("deepseek_shock", {"time.step_days": 3, "time.end": "2023-02-15"})
    model = AIRaceModel(spec, 11)
    reporters = model.observation.reporters()
    seen, model_seen = [], []

    def look():
        for kind, names in AGENT_VARIABLES.items():
            for agent in model.agents_by_type[kind]:
                seen.extend((model.steps, agent.id, kind.__name__, name, float(getattr(agent, name))) for name in names)
        model_seen.append({name: report(model) for name, report in reporters.items()})

    look()
    for _ in range(model.n_steps):
        model.step()
        look()
    return model, seen, model_seen


def test_agent_records_hold_each_agents_values_at_each_step(stepped):
    model, seen, _ = stepped
    table = model.records.agent_frame()
    want = pd.DataFrame(seen, columns=["step", "agent_id", "agent_type", "variable", "value"])
    want = want.sort_values(["step", "agent_type", "agent_id", "variable"]).reset_index(drop=True)
    assert (
        len(table)
        == len(want)
        == (model.n_steps + 1) * sum(len(model.agents_by_type[k]) * len(v) for k, v in AGENT_VARIABLES.items())
    )
    for column in ("step", "agent_id", "agent_type", "variable"):
        assert table[column].tolist() == want[column].tolist(), column
    assert table["value"].tolist() == want["value"].tolist()
    assert (table["date"] == pd.to_datetime([model.start + timedelta(days=3 * s) for s in table["step"]])).all()
    assert table.equals(table.sort_values(["step", "agent_type", "agent_id", "variable"], kind="stable"))


def test_model_records_hold_each_variable_at_each_step(stepped):
    model, _, model_seen = stepped
    frame = model.records.model_frame()
    assert list(frame.columns) == ["step", "date", *model.observation.reporters()]
    assert frame["step"].tolist() == list(range(model.n_steps + 1))
    assert frame["date"].dt.date.tolist() == [model.start + timedelta(days=3 * s) for s in range(model.n_steps + 1)]
    assert frame.drop(columns=["step", "date"]).to_dict("records") == model_seen
    assert str(frame["date"].dtype) == "datetime64[ms]"  # what Parquet keeps, so saved and loaded tables are equal


def test_records_so_far_during_a_run():
    spec = load_scenario("baseline", {"time.end": "2023-03-01"})
    model = AIRaceModel(spec, 3)
    for _ in range(3):
        model.step()
    assert model.records.model_frame()["step"].tolist() == [0, 1, 2, 3]
    assert model.records.agent_frame()["step"].max() == 3


def test_a_step_past_the_end_is_refused_with_a_clear_error():
    """The records hold the start and the scenario's steps, and the model does not run past its end date."""
    spec = load_scenario("baseline", {"time.end": "2023-01-15"})
    model = AIRaceModel(spec, 3)
    model.run_model()
    with pytest.raises(RuntimeError, match=r"the scenario ends at step 2 \(2023-01-15\): there is no step 3"):
        model.step()
