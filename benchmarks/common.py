"""What every benchmark shares: medians of repeated timings, and scenarios varied through the Python API."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from simulation import load_scenario
from simulation.model import AIRaceModel
from simulation.scenario import Scenario, scenario_from_dict

REPEATS = 5
"""Timings on a shared 2-core machine are noisy: each figure is a median over this many runs."""


def repeats() -> int:
    """REPEATS, or the number given as `--repeats N` on the command line."""
    if "--repeats" in sys.argv:
        return int(sys.argv[sys.argv.index("--repeats") + 1])
    return REPEATS


def median_seconds(work: Callable[[], Any], n: int | None = None) -> float:
    """Median wall time of `work()` over `n` runs (default: `repeats()`)."""
    times = []
    for _ in range(n or repeats()):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def stepping_seconds(spec: Scenario, n: int | None = None) -> tuple[float, float]:
    """Median (wall, CPU) seconds of stepping a model through the whole scenario, construction not counted.
    CPU time is what this process used: on a shared machine it is steadier than wall time."""
    wall, cpu = [], []
    for _ in range(n or repeats()):
        model = AIRaceModel(spec, spec.seed)
        start, start_cpu = time.perf_counter(), time.process_time()
        model.run_model()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def baseline(**overrides: Any) -> Scenario:
    """The baseline scenario with dotted overrides (`{"investors.count": 100}`)."""
    return load_scenario("baseline", overrides or None)


def with_labs(spec: Scenario, count: int) -> Scenario:
    """The scenario with `count` labs: its own labs, then copies of them under new ids."""
    data = spec.model_dump(mode="python")
    labs = data["labs"]
    copies = [
        {**labs[i % len(labs)], "id": f"{labs[i % len(labs)]['id']}_{i}", "name": f"{labs[i % len(labs)]['name']} {i}"}
        for i in range(len(labs), count)
    ]
    data["labs"] = (labs + copies)[:count]
    return scenario_from_dict(data)


def run_model(spec: Scenario, seed: int | None = None) -> AIRaceModel:
    """Build and step a model to its end (no Results: the benchmarks time the model itself)."""
    model = AIRaceModel(spec, spec.seed if seed is None else seed)
    model.run_model()
    return model


def table(rows: list[tuple], header: tuple) -> str:
    """A plain-text table, one row per line, columns aligned."""
    cells = [tuple(map(str, header)), *(tuple(map(str, r)) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    return "\n".join("  ".join(c[i].rjust(widths[i]) for i in range(len(header))) for c in cells)


def verdict(met: bool, target: str) -> str:
    return f"target {target}: {'met' if met else 'MISSED'}"
