"""Sensitivity indices of a stored sweep, by SALib: Sobol (S1, ST) and Morris (mu*, sigma).

Plain data in, plain data out, as SALib itself: outcomes in design order go in, a tidy table
(parameter, index, value, conf) comes out, ready for `analysis.plots.sensitivity_bars`.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.scenario import Problem, ScenarioError
from simulation.sweep.design import make_design, problem
from simulation.sweep.spec import Sweep
from simulation.sweep.store import read_manifest, read_runs

METHODS = ("sobol", "morris")
COLUMNS = ["parameter", "index", "value", "conf"]


def sobol_indices(
    problem_: dict, outcomes: np.ndarray, second_order: bool = False, seed: int = 0, resamples: int = 1000
) -> pd.DataFrame:
    """First-order and total Sobol indices with their 95% confidence half-widths."""
    from SALib.analyze import sobol

    found = sobol.analyze(
        problem_, np.asarray(outcomes, float), calc_second_order=second_order, num_resamples=resamples, seed=seed
    )
    rows = [
        (name, index, float(found[index][j]), float(found[f"{index}_conf"][j]))
        for index in ("S1", "ST")
        for j, name in enumerate(problem_["names"])
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def morris_indices(
    problem_: dict, unit: np.ndarray, outcomes: np.ndarray, levels: int = 4, seed: int = 0, resamples: int = 1000
) -> pd.DataFrame:
    """Morris elementary effects: mu* (with its 95% confidence half-width), mu and sigma, on the unit scale."""
    from SALib.analyze import morris

    found = morris.analyze(
        problem_, np.asarray(unit, float), np.asarray(outcomes, float), num_resamples=resamples,
        num_levels=levels, seed=seed,
    )  # fmt: skip
    rows = []
    for j, name in enumerate(problem_["names"]):
        rows.append((name, "mu_star", float(found["mu_star"][j]), float(found["mu_star_conf"][j])))
        rows.append((name, "mu", float(found["mu"][j]), np.nan))
        rows.append((name, "sigma", float(found["sigma"][j]), np.nan))
    return pd.DataFrame(rows, columns=COLUMNS)


def outcomes_by_point(out: str | Path, output: str) -> np.ndarray:
    """One outcome per design point, the mean over its replicates, in design order; every run must be there."""
    manifest = read_manifest(out)
    if output not in manifest["metrics"]:
        hint = difflib.get_close_matches(output, manifest["metrics"], n=1)
        more = f"did you mean '{hint[0]}'?" if hint else "kept: " + ", ".join(manifest["metrics"])
        raise ScenarioError([Problem("--output", output, f"not an output of this sweep; {more}")])
    runs = read_runs(out, ["sample", "status", output])
    if len(runs) != manifest["runs"]:
        raise ScenarioError(
            [Problem(str(out), "", f"{len(runs)} of {manifest['runs']} runs finished; finish the sweep (--resume)")]
        )
    failed = runs[runs["status"] != "ok"]
    if len(failed):
        raise ScenarioError(
            [Problem(str(out), "", f"{len(failed)} runs failed (see `airace sweep status`); indices need every run")]
        )
    return runs.groupby("sample", sort=True)[output].mean().to_numpy()


def sweep_indices(out: str | Path, method: str | None = None, output: str | None = None) -> pd.DataFrame:
    """Sensitivity indices of one output of a finished sweep; the method defaults to the sweep's design."""
    manifest = read_manifest(out)
    sweep = Sweep.model_validate(manifest["sweep"])
    method = method or sweep.design
    if method != sweep.design:
        message = f"{method} indices need a {method} design; this sweep's design is {sweep.design}"
        raise ScenarioError([Problem("--method", method, message)])
    if method not in METHODS:
        raise ScenarioError([Problem("--method", method, f"expected one of {', '.join(METHODS)}")])
    output = output or sweep.outputs.metrics[0]
    outcomes = outcomes_by_point(out, output)
    if method == "sobol":
        return sobol_indices(problem(sweep), outcomes, sweep.second_order, seed=sweep.seed % 2**32)
    return morris_indices(problem(sweep), make_design(sweep).unit, outcomes, sweep.levels, seed=sweep.seed % 2**32)
