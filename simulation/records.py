"""What a run records at every row: the model's variables and each agent's, written into arrays made once.

Mesa's DataCollector keeps a tuple per agent and a deep copy of every model value at each step, and
building tables from those costs as much again: together about a fifth of a baseline run. A run of
this model has a fixed set of agents and only numeric variables, so each row here is one row of
numbers for the model and one per agent type, and the tables are built from whole arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import mesa


class Records:
    """One row per step of the model's `columns` and of the variables of each agent of the kinds in
    `agent_variables`: room for the start and `model.n_steps` steps, dated from `model.start` every
    `model.step_days` days. The agents recorded are those the model has when the records are made."""

    def __init__(
        self,
        model: mesa.Model,
        columns: dict[str, Callable[[mesa.Model], float]],
        agent_variables: dict[type[mesa.Agent], tuple[str, ...]],
    ):
        self.start: date = model.start
        self.step_days: int = model.step_days
        rows = model.n_steps + 1
        self.columns = list(columns)
        self._reporters = list(columns.values())
        self._steps = np.zeros(rows, dtype=np.int64)
        self._values = np.full((rows, len(columns)), np.nan)
        self.rows = 0
        # Per kind, in the order of the agents table: kinds by name, their agents by id, variables by name.
        self._kinds = []
        for kind in sorted(agent_variables, key=lambda k: k.__name__):
            agents = sorted(model.agents_by_type[kind], key=lambda a: a.id) if kind in model.agent_types else []
            if not agents:  # a kind the scenario has none of (suppliers) has no rows
                continue
            names = sorted(agent_variables[kind])
            values = np.full((rows, len(agents), len(names)), np.nan)
            self._kinds.append((kind.__name__, agents, names, attrgetter(*names), values))

    def collect(self, model: mesa.Model) -> None:
        """Record the next row."""
        i = self.rows
        self._steps[i] = model.steps
        self._values[i] = [report(model) for report in self._reporters]
        for _, agents, names, get, values in self._kinds:
            rows = [get(agent) for agent in agents]
            values[i] = rows if len(names) > 1 else np.reshape(rows, (-1, 1))
        self.rows = i + 1

    def _dates(self) -> np.ndarray:
        days = self._steps[: self.rows] * self.step_days
        return (np.datetime64(self.start, "D") + days.astype("timedelta64[D]")).astype("datetime64[ms]")

    def model_frame(self) -> pd.DataFrame:
        """The model's variables so far: `step`, `date`, then the columns in their order."""
        frame = pd.DataFrame({"step": self._steps[: self.rows], "date": self._dates()})
        return frame.join(pd.DataFrame(self._values[: self.rows], columns=self.columns))

    def agent_frame(self) -> pd.DataFrame:
        """The agents' variables so far in long form (`step`, `date`, `agent_id`, `agent_type`, `variable`,
        `value`), sorted by step, agent type, agent id and variable."""
        ids, kinds, variables = [], [], []
        for kind, agents, names, _, _ in self._kinds:
            for agent in agents:
                ids += [agent.id] * len(names)
                kinds += [kind] * len(names)
                variables += names
        per_row = len(ids)
        values = [v[: self.rows].reshape(self.rows, -1) for *_, v in self._kinds]
        cells = np.tile(np.arange(per_row), self.rows)
        return pd.DataFrame(
            {
                "step": np.repeat(self._steps[: self.rows], per_row),
                "date": np.repeat(self._dates(), per_row),
                "agent_id": pd.Index(ids, dtype="str").take(cells),
                "agent_type": pd.Index(kinds, dtype="str").take(cells),
                "variable": pd.Index(variables, dtype="str").take(cells),
                "value": np.concatenate(values, axis=1).ravel() if values else np.zeros(0),
            }
        )
