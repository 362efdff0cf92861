"""Sensitivity indices of a stored sweep, by SALib: Sobol (S1, ST), Morris (mu*, sigma) and RBD-FAST (S1),
and how much of what they read is seed noise.

Plain data in, plain data out, as SALib itself: outcomes in design order go in, a tidy table
(parameter, index, value, conf) comes out, ready for `analysis.plots.sensitivity_bars`. Sobol and
Morris need their own designs; RBD-FAST takes any sample that spreads each parameter over its range
(a Latin hypercube, or a Sobol design's points), so an LHS sweep has indices too.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.scenario import Problem, ScenarioError
from simulation.sweep.design import make_design, problem
from simulation.sweep.spec import Sweep
from simulation.sweep.store import read_manifest, read_runs

METHODS = ("sobol", "morris", "rbd_fast")
# The designs each method can read. RBD-FAST orders the points by each parameter in turn, so it needs a
# sample with (almost) no ties: a grid or Morris's few levels repeat each value and give it nonsense.
DESIGNS = {"sobol": ("sobol",), "morris": ("morris",), "rbd_fast": ("lhs", "sobol")}
COLUMNS = ["parameter", "index", "value", "conf"]
NOISE_DOMINATES = 0.5  # share of the variance above which seed noise is said to dominate


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


def rbd_fast_indices(
    problem_: dict, unit: np.ndarray, outcomes: np.ndarray, seed: int = 0, resamples: int = 1000
) -> pd.DataFrame:
    """First-order indices by random balance designs FAST (Tarantola et al. 2006, Plischke 2010) from any
    sample of the unit cube, with 95% bootstrap confidence half-widths. Small indices are biased upwards
    (by about 10 harmonics over the number of points), so read a small S1 with its interval."""
    from SALib.analyze import rbd_fast

    found = rbd_fast.analyze(
        problem_, np.asarray(unit, float), np.asarray(outcomes, float), num_resamples=resamples, seed=seed
    )
    rows = [(name, "S1", float(found["S1"][j]), float(found["S1_conf"][j])) for j, name in enumerate(problem_["names"])]
    return pd.DataFrame(rows, columns=COLUMNS)


def finished_runs(out: str | Path, output: str) -> pd.DataFrame:
    """Every run of a sweep with `sample`, `replicate` and `output`, in design order; every run must be
    finished and none failed (indices need the whole design)."""
    manifest = read_manifest(out)
    if output not in manifest["metrics"]:
        hint = difflib.get_close_matches(output, manifest["metrics"], n=1)
        more = f"did you mean '{hint[0]}'?" if hint else "kept: " + ", ".join(manifest["metrics"])
        raise ScenarioError([Problem("--output", output, f"not an output of this sweep; {more}")])
    runs = read_runs(out, ["sample", "replicate", "status", output])
    if len(runs) != manifest["runs"]:
        raise ScenarioError(
            [Problem(str(out), "", f"{len(runs)} of {manifest['runs']} runs finished; finish the sweep (--resume)")]
        )
    failed = runs[runs["status"] != "ok"]
    if len(failed):
        raise ScenarioError(
            [Problem(str(out), "", f"{len(failed)} runs failed (see `airace sweep status`); indices need every run")]
        )
    return runs


def outcomes_by_point(out: str | Path, output: str) -> np.ndarray:
    """One outcome per design point, the mean over its replicates, in design order; every run must be there."""
    return finished_runs(out, output).groupby("sample", sort=True)[output].mean().to_numpy()


def default_method(design: str) -> str | None:
    """The method for a design: its own for Sobol and Morris, RBD-FAST for a Latin hypercube, none for a grid."""
    if design in ("sobol", "morris"):
        return design
    return "rbd_fast" if design == "lhs" else None


def sweep_indices(out: str | Path, method: str | None = None, output: str | None = None) -> pd.DataFrame:
    """Sensitivity indices of one output of a finished sweep; the method defaults to the design's own
    (Sobol, Morris), or RBD-FAST for a Latin hypercube."""
    manifest = read_manifest(out)
    sweep = Sweep.model_validate(manifest["sweep"])
    method = method or default_method(sweep.design)
    if method is None:
        message = (
            f"a {sweep.design} design has no sensitivity method: `airace plot` draws its heatmaps; for indices "
            "sweep with design = 'lhs' (RBD-FAST), 'sobol' or 'morris'"
        )
        raise ScenarioError([Problem("--method", sweep.design, message)])
    if method not in METHODS:
        raise ScenarioError([Problem("--method", method, f"expected one of {', '.join(METHODS)}")])
    if sweep.design not in DESIGNS[method]:
        designs = " or ".join(DESIGNS[method])
        message = f"{method} indices need design = {designs}; this sweep's design is {sweep.design}"
        raise ScenarioError([Problem("--method", method, message)])
    output = output or sweep.outputs.metrics[0]
    outcomes = outcomes_by_point(out, output)
    seed = sweep.seed % 2**32
    if method == "sobol":
        return sobol_indices(problem(sweep), outcomes, sweep.second_order, seed=seed)
    if method == "morris":
        return morris_indices(problem(sweep), make_design(sweep).unit, outcomes, sweep.levels, seed=seed)
    return rbd_fast_indices(problem(sweep), make_design(sweep).unit, outcomes, seed=seed)


@dataclass(frozen=True)
class SeedNoise:
    """How much of an output's variance over a sweep is seed noise: the variance between replicates of
    the same design point (pooled over points) against the total. NaN with one replicate a point."""

    replicates: int
    share: float  # of the variance of single runs
    share_of_means: float  # of the variance of the means over replicates, which the indices read

    @property
    def dominates(self) -> bool:
        """Whether the indices describe noise more than parameters: most of the means' variance is noise."""
        return bool(self.share_of_means > NOISE_DOMINATES)


def seed_noise(runs: pd.DataFrame, output: str) -> SeedNoise:
    """The seed noise of `output` in runs with `sample` (design point) and `output` columns, each point
    run the same number of times. Within-point variance W (mean of each point's variance), total
    variance T of all runs: share = W / T. The mean of R replicates keeps W / R of noise, against the
    variance of the means: the share the indices see."""
    groups = runs.groupby("sample", sort=True)[output]
    replicates = int(groups.size().min())
    if replicates < 2:
        return SeedNoise(replicates, np.nan, np.nan)
    within = float(groups.var(ddof=1).mean())
    total, means = float(runs[output].var(ddof=1)), float(groups.mean().var(ddof=1))
    share = min(1.0, within / total) if total > 0 else np.nan  # estimates of both: W may come out above T
    share_of_means = min(1.0, within / replicates / means) if means > 0 else np.nan
    return SeedNoise(replicates, share, share_of_means)


def sweep_seed_noise(out: str | Path, output: str) -> SeedNoise:
    """`seed_noise` of one output of a finished sweep."""
    return seed_noise(finished_runs(out, output), output)


def wide_intervals(indices: pd.DataFrame) -> pd.DataFrame:
    """Indices whose 95% confidence interval (value ± conf) is wider than the index itself: they cannot be
    told from zero or ranked with confidence. Rows of `indices` (those without an interval are left out)."""
    return indices[indices["conf"].notna() & (2 * indices["conf"] > indices["value"].abs())]
