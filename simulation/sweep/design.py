"""Designs: the parameter values of every design point, in design order, and the seed of every run.

Grid and Latin hypercube come from `scipy.stats.qmc`; Sobol (Saltelli) and Morris from SALib's own
sample functions, so SALib's analyze functions see exactly the design they expect. Every design
first draws points of the unit cube; each parameter maps [0, 1] to its values (`Vary.ppf`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import qmc

from simulation.sweep.spec import Sweep, Vary


@dataclass(frozen=True)
class Design:
    """Design points in order: the unit-cube coordinates and each parameter's values."""

    names: list[str]
    unit: np.ndarray  # (points, parameters), in [0, 1]
    columns: dict[str, np.ndarray]  # parameter name -> values, one per point

    @property
    def points(self) -> int:
        return len(self.unit)

    def values(self, point: int) -> dict[str, Any]:
        """One point's parameter values as plain Python values (for ids, TOML overrides and pydantic)."""
        return {name: plain(column[point]) for name, column in self.columns.items()}


def problem(sweep: Sweep) -> dict[str, Any]:
    """SALib's problem dict on the unit cube; parameters map the cube to their own values."""
    return {"num_vars": len(sweep.parameters), "names": sweep.names, "bounds": [[0.0, 1.0]] * len(sweep.parameters)}


def make_design(sweep: Sweep) -> Design:
    """The design a sweep file describes; the same sweep file always gives the same design."""
    varies = list(sweep.parameters.values())
    if sweep.design == "grid":
        axes = [v.grid_points() for v in varies]
        index = np.array(list(itertools.product(*(range(len(a)) for a in axes))), dtype=int)
        unit = np.column_stack([(index[:, j] + 0.5) / len(a) for j, a in enumerate(axes)])
        columns = {name: axes[j][index[:, j]] for j, name in enumerate(sweep.names)}
        return Design(sweep.names, unit, columns)
    unit = unit_points(sweep)
    columns = {name: vary.ppf(unit[:, j]) for j, (name, vary) in enumerate(sweep.parameters.items())}
    return Design(sweep.names, unit, columns)


def unit_points(sweep: Sweep) -> np.ndarray:
    """Points of the unit cube for the sampling designs, seeded by the master seed."""
    d, n = len(sweep.parameters), sweep.samples
    if sweep.design == "lhs":
        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(sweep.seed)).random(n)
    if sweep.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem(sweep), n, calc_second_order=sweep.second_order, seed=sweep.seed % 2**32)
    if sweep.design == "morris":
        from SALib.sample import morris

        return morris.sample(problem(sweep), n, num_levels=sweep.levels, seed=sweep.seed % 2**32)
    raise ValueError(f"unknown design {sweep.design!r}")


def extremes(vary: Vary, design: str) -> list[Any]:
    """The values at the ends of what a design can give this parameter (all of them, if not numbers)."""
    if design == "grid":
        points = vary.grid_points()
    elif vary.values is not None:
        points = np.asarray(vary.values, dtype=object)
    else:
        # The ends of a range; a million-to-one tail of an unbounded distribution.
        points = vary.ppf(np.array([0.0, 1.0]) if vary.range is not None else np.array([1e-6, 1 - 1e-6]))
    values = [plain(v) for v in points]
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return [min(values), max(values)]
    return list(dict.fromkeys(values))


def run_seed(master: int, point: int, replicate: int) -> int:
    """The seed of one run: from the master seed and the run's place in the design, independent of
    which worker, executor or shard runs it (numpy's SeedSequence spreads nearby keys apart)."""
    state = np.random.SeedSequence(master, spawn_key=(point, replicate)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))  # a non-negative 63-bit int, as scenarios accept


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds."""
    return value.item() if isinstance(value, np.generic) else value
