"""Functions with known answers, swept through the same executors and store as the model.

A sweep file names one with `function = "simulation.sweep.testfunctions:ishigami"`. They check the
sweep machinery end to end (Ishigami's Sobol indices are known exactly) and stand in for the model
where a benchmark needs many very cheap runs.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np


def ishigami(params: dict[str, Any], seed: int, a: float = 7.0, b: float = 0.1) -> dict[str, float]:
    """Ishigami & Homma (1990): with x1..x3 uniform on [-pi, pi], S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244)."""
    x1, x2, x3 = params["x1"], params["x2"], params["x3"]
    return {"y": math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)}


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> dict[str, list[float]]:
    """The exact first-order and total Sobol indices of `ishigami`."""
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    total = v1 + v2 + v13
    return {"S1": [v1 / total, v2 / total, 0.0], "ST": [(v1 + v13) / total, v2 / total, v13 / total]}


def noisy_sum(params: dict[str, Any], seed: int) -> dict[str, float]:
    """A cheap stochastic run: the sum of the parameters plus noise from the run's own seed."""
    noise = np.random.default_rng(seed).normal()
    return {"y": float(sum(v for v in params.values() if isinstance(v, int | float))) + noise}


def busy(params: dict[str, Any], seed: int) -> dict[str, float]:
    """Spin the CPU for `params['seconds']`: a stand-in run of known length for overhead benchmarks."""
    end = time.process_time() + float(params.get("seconds", 0.1))
    x = float(seed % 1000)
    while time.process_time() < end:
        x = math.sin(x) + 1.0
    return {"y": x}


def two_moments(params: dict[str, Any], seed: int) -> dict[str, float]:
    """Moments of known parameters a and b, with a little noise from the run's seed: `sum` = a + b,
    `difference` = a - b and `later` = a * b, so an estimation of (a, b) can be checked to recover them."""
    a, b = float(params["a"]), float(params["b"])
    noise = np.random.default_rng(seed).normal(0.0, 0.02, 3)
    return {"sum": a + b + noise[0], "difference": a - b + noise[1], "later": a * b + noise[2]}
