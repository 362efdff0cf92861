"""Parameter sweeps: a sweep file, its design, executors that run it, and the store that keeps it.

from simulation.sweep import load_sweep, run_sweep
report = run_sweep(load_sweep("scenarios/sweeps/controls_vs_breakthrough.toml"), "results/sweeps/cvb")
"""

from simulation.sweep.design import Design, make_design, problem, run_seed
from simulation.sweep.executors import Report, run_sweep
from simulation.sweep.spec import Sweep, load_sweep
from simulation.sweep.store import (
    export,
    parameter_labels,
    read_base,
    read_manifest,
    read_runs,
    read_series,
    status,
    valued_dates,
)

__all__ = [
    "Design",
    "Report",
    "Sweep",
    "export",
    "load_sweep",
    "make_design",
    "parameter_labels",
    "problem",
    "read_base",
    "read_manifest",
    "read_runs",
    "read_series",
    "run_seed",
    "run_sweep",
    "status",
    "valued_dates",
]
