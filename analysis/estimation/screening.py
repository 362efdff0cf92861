"""Morris screening before the search: which parameters move the distance at all.

The Morris points (SALib's trajectories over the parameters' prior ranges, in logs where the prior is
log-uniform, seeded by the file's seed) are run through the same executors as the search, each point one
chunk of the sub-store `DIR/screening/`, so a kill and `--resume` repeat none. Each point's distance is
the search's own; `analysis.sensitivity.morris_indices` reads mu*, its confidence and sigma off them. A
parameter whose mu* is below `threshold` x the largest is dropped: it stays at its base value and the
search does not spend evaluations on it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.estimation.search import _chunk, _map, distance
from analysis.estimation.spec import Estimation
from analysis.sensitivity import morris_indices
from simulation.scenario import Problem, ScenarioError
from simulation.sweep.store import finished_chunks, write_chunk

FOLDER = "screening"
LEVELS = 4  # Morris's grid levels, as a sweep's default
COLUMNS = ["parameter", "mu_star", "mu_star_conf", "sigma", "kept"]


def problem(est: Estimation) -> dict:
    """SALib's problem on the unit cube, a dimension a parameter in the file's order."""
    names = list(est.bounds)
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def unit_points(est: Estimation) -> np.ndarray:
    """The Morris points on the unit cube: `trajectories` x (parameters + 1), seeded by the file's seed."""
    from SALib.sample import morris

    return morris.sample(problem(est), est.screening.trajectories, num_levels=LEVELS, seed=est.seed % 2**32)


def values(est: Estimation, unit: np.ndarray) -> list[dict[str, float]]:
    """Each unit point as parameter values: uniform over the prior's range, or uniform in logs for a log prior."""
    points = []
    for row in unit:
        point = {}
        for u, (name, (lo, hi)) in zip(row, est.bounds.items(), strict=True):
            if est.parameters[name].log:
                point[name] = float(math.exp(math.log(lo) + float(u) * (math.log(hi) - math.log(lo))))
            else:
                point[name] = float(lo + float(u) * (hi - lo))
        points.append(point)
    return points


def screen(
    est: Estimation, out: Path, backend: str, workers: int, scheduler: str | None
) -> tuple[pd.DataFrame, int, int]:
    """Run the screening points not yet in `out/screening/`, and return the table (a row a parameter:
    mu_star, mu_star_conf, sigma, kept) with the points run and read back."""
    folder = Path(out) / FOLDER
    (folder / "chunks").mkdir(parents=True, exist_ok=True)
    unit = unit_points(est)
    points = values(est, unit)
    done = finished_chunks(folder)
    chunks = [_chunk(est, k, point) for k, point in enumerate(points) if k not in done]
    for k, outcome in _map(chunks, backend, workers, scheduler):
        if isinstance(outcome, BaseException):
            message = f"screening point {k} was lost ({outcome}); rerun with --resume to finish it"
            raise RuntimeError(message) from outcome
        write_chunk(folder, k, outcome[0])
    distances = []
    for k, point in enumerate(points):
        runs = pd.read_parquet(folder / "chunks" / f"chunk-{k:07d}.parquet")
        if {name: float(runs[name].iloc[0]) for name in point} != point:
            message = f"screening point {k} on disk is of another point; the folder is not this estimation's"
            raise ScenarioError([Problem(str(folder), "", message)])
        distances.append(distance(est, runs))
    return table(est, unit, np.array(distances)), len(chunks), len(points) - len(chunks)


def table(est: Estimation, unit: np.ndarray, distances: np.ndarray) -> pd.DataFrame:
    """mu*, its 95% confidence half-width and sigma of each parameter on the distance, and whether it is
    kept. A point outside the model (an infinite distance) counts as the largest finite distance."""
    finite = np.isfinite(distances)
    if not finite.any():
        raise ScenarioError([Problem("screening", "", "every screening point fell outside the model")])
    distances = np.where(finite, distances, distances[finite].max())
    found = morris_indices(problem(est), unit, distances, LEVELS, seed=est.seed % 2**32)
    wide = found.pivot(index="parameter", columns="index", values="value").reindex(list(est.bounds))
    conf = found[found["index"] == "mu_star"].set_index("parameter")["conf"].reindex(list(est.bounds))
    largest = float(wide["mu_star"].max())
    rows = [
        [name, float(wide.loc[name, "mu_star"]), float(conf[name]), float(wide.loc[name, "sigma"]),
         bool(largest <= 0 or wide.loc[name, "mu_star"] >= est.screening.threshold * largest)]
        for name in est.bounds
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


__all__ = ["COLUMNS", "FOLDER", "screen", "table", "unit_points", "values"]
