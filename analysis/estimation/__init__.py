"""Estimation by simulation: an estimation file, the search on the sweep engine, and what it writes.

It lives in the analysis layer because what it fits are the calibration targets of
`analysis.calibration`; it runs its evaluations through the running layer's executors and store.

from analysis.estimation import load_estimation, estimate
result = estimate(load_estimation("scenarios/estimation/investors_mid2024.toml"), "results/estimation/x")
"""

from analysis.estimation.search import Estimate, estimate
from analysis.estimation.spec import Estimation, load_estimation

__all__ = ["Estimate", "Estimation", "estimate", "load_estimation"]
