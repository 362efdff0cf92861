"""Designs: the parameter values of every design point, in design order, and every run: its seed, its
id and the chunk it is stored in.

Grid and Latin hypercube come from `scipy.stats.qmc`; Sobol (Saltelli) and Morris from SALib's own
sample functions, so SALib's analyze functions see exactly the design they expect. Every design
first draws points of the unit cube; each parameter maps [0, 1] to its values (`Vary.ppf`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import qmc

from simulation.sweep.spec import Sweep


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


def run_seed(master: int, point: int, replicate: int) -> int:
    """The seed of one run: from the master seed and the run's place in the design, independent of
    which worker, executor or shard runs it (numpy's SeedSequence spreads nearby keys apart)."""
    state = np.random.SeedSequence(master, spawn_key=(point, replicate)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))  # a non-negative 63-bit int, as scenarios accept


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class Run:
    """One run of a sweep: where it sits in the design, its seed, its parameter values and its id."""

    position: int
    point: int
    replicate: int
    seed: int
    params: dict[str, Any]
    run_id: str


def run_id(params: dict[str, Any], seed: int) -> str:
    """A stable id from a run's parameter values and seed: the same run has the same id everywhere."""
    text = json.dumps({"parameters": params, "seed": seed}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def default_chunk_size(runs: int) -> int:
    """Runs per chunk: about 200 chunks for mid-sized sweeps (load balance), at most 100 runs each."""
    return max(1, min(100, runs // 200))


@dataclass(frozen=True)
class Layout:
    """How a sweep's runs are numbered and cut into chunks: fixed by the sweep file alone."""

    points: int
    replicates: int
    chunk_size: int

    @property
    def runs(self) -> int:
        return self.points * self.replicates

    @property
    def chunks(self) -> int:
        return -(-self.runs // self.chunk_size)

    def positions(self, chunk: int) -> range:
        return range(chunk * self.chunk_size, min((chunk + 1) * self.chunk_size, self.runs))

    def shard(self, index: int, count: int) -> list[int]:
        """Chunks of shard `index` (1-based) of `count`: every count-th chunk, so shards share the work evenly."""
        return list(range(index - 1, self.chunks, count))


def layout(sweep: Sweep, design: Design) -> Layout:
    runs = design.points * sweep.replicates
    return Layout(design.points, sweep.replicates, sweep.chunk_size or default_chunk_size(runs))


def chunk_runs(sweep: Sweep, design: Design, plan: Layout, chunk: int) -> list[Run]:
    """The runs of one chunk, built when needed so a million-run sweep never holds them all."""
    out = []
    for position in plan.positions(chunk):
        point, replicate = divmod(position, plan.replicates)
        params = design.values(point)
        seed = run_seed(sweep.seed, point, replicate)
        out.append(Run(position, point, replicate, seed, params, run_id(params, seed)))
    return out
