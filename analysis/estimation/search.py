"""The search: Optuna proposes points in fixed batches, the sweep executors run each point for its seeds,
and the sweep store keeps each evaluation as one chunk file of runs.

Resuming is replaying. The sampler is seeded and is told the distances in the order of its trials,
so a rerun proposes the same points in the same order; an evaluation whose chunk is on disk is read
back instead of run. A kill loses only the evaluations in flight and repeats none, and the result
is the same on any executor and any number of workers, since the batch size is the file's, not theirs.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import pandas as pd
from scipy import stats

from analysis.calibration import measure_targets
from analysis.estimation.spec import Estimation, estimation_hash
from simulation import __version__
from simulation.progress import progress as progress_display
from simulation.runner import resolved_toml
from simulation.scenario import Problem, ScenarioError
from simulation.sweep.design import Run, run_id, run_seed
from simulation.sweep.executors import Chunk, dask_map, local_map, serial_map
from simulation.sweep.spec import Outputs
from simulation.sweep.store import finished_chunks, read_runs, write_chunk

MANIFEST = "manifest.json"
LEVEL = 0.95  # of the intervals
CUT = float(stats.chi2.ppf(LEVEL, 1))  # 3.84: the distance above the best within which the intervals' points lie


@dataclass
class Estimate:
    """What an estimation found: every evaluation with its distance, the best point and the intervals."""

    evaluations: pd.DataFrame  # one row an evaluation: evaluation, each searched parameter, distance
    intervals: pd.DataFrame  # one row a parameter: point, lo, hi, prior_lo, prior_hi, width_ratio (, screened_out)
    runs: pd.DataFrame  # every run of every evaluation, as the sweep store keeps them
    ran: int  # evaluations run by this invocation
    reused: int  # evaluations read back from the folder
    seconds: float
    screening: pd.DataFrame | None = None  # a row a parameter: mu_star, mu_star_conf, sigma, kept
    screening_ran: int = 0  # screening points run by this invocation
    screening_reused: int = 0  # screening points read back from the folder
    # The targets measured on `Estimation.elsewhere`'s scenarios: a row a scenario and point ("before", the
    # base point; "after", the estimate), each target the mean over the seeds. None when there are none.
    predictions: pd.DataFrame | None = None

    @property
    def kept(self) -> pd.DataFrame:
        """The rows of `intervals` of the parameters searched (all, without screening)."""
        if "screened_out" not in self.intervals:
            return self.intervals
        return self.intervals[~self.intervals["screened_out"].astype(bool)].reset_index(drop=True)

    @property
    def best(self) -> dict[str, float]:
        """The best point of the searched parameters (the screened-out ones stay at the base's values)."""
        return dict(zip(self.kept["parameter"], self.kept["point"], strict=True))


def seeds(est: Estimation) -> list[int]:
    """The seeds every point is run with: the same at every point (common random numbers), so two points'
    distances differ by what the parameters do, not by luck."""
    return [run_seed(est.seed, 0, j) for j in range(est.seeds)]


def miss(est: Estimation, target: str, value: float) -> float:
    """How far a simulated value is from a target, in its scale: from the middle of a two-sided band (or
    the value), else from a one-sided band's bound (0 within it)."""
    lo, hi = est.observed(target)
    if math.isfinite(lo) and math.isfinite(hi):
        return (value - (lo + hi) / 2) / est.scale(target)
    return (max(lo - value, 0.0) + max(value - hi, 0.0)) / est.scale(target)


def distance(est: Estimation, runs: pd.DataFrame) -> float:
    """The simulated-moments distance of one evaluation: the weighted sum of squared scaled misses of the
    fitted targets' means over the seeds. With scales as the figures' standard errors it is -2 log L."""
    total = 0.0
    for target in est.fitted:
        total += est.targets[target].weight * miss(est, target, float(runs[target].mean())) ** 2
    return total if math.isfinite(total) else math.inf


def estimate(
    est: Estimation,
    out: str | Path,
    backend: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    source: Path | None = None,
    progress: bool = False,
) -> Estimate:
    """Run the estimation's unfinished evaluations into `out` and return what it found."""
    started = time.perf_counter()
    out = Path(out)
    _open(out, est, source, resume)
    done = finished_chunks(out)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=_sampler(est))
    ran = reused = 0
    workers = workers or os.cpu_count() or 1
    with _dask_cluster(backend, workers, scheduler) as scheduler:
        screened, screening_ran, screening_reused = None, 0, 0
        if est.screening is not None:
            from analysis.estimation.screening import screen

            screened, screening_ran, screening_reused = screen(est, out, backend, workers, scheduler)
        kept = list(est.bounds) if screened is None else list(screened.loc[screened["kept"], "parameter"])
        fixed = {name: est.start[name] for name in est.bounds if name not in kept}
        space = {
            name: optuna.distributions.FloatDistribution(*est.bounds[name], log=est.parameters[name].log)
            for name in kept
        }
        # The first evaluation is the base point, so the fit table has its "before".
        study.enqueue_trial({n: min(max(est.start[n], est.bounds[n][0]), est.bounds[n][1]) for n in kept})
        with progress_display(est.budget, est.name, "evaluation", show=progress, leave=True) as bar:
            ran, reused = _search(est, out, study, space, done, fixed, backend, workers, scheduler, bar)
        runs = read_runs(out)
        evaluations = _evaluations(est, runs, kept)
        found = intervals(est, evaluations, kept=kept if screened is not None else None)
        best = {**est.start, **dict(zip(found["parameter"], found["point"], strict=True))}
        predictions = _predict(est, out, best, backend, workers, scheduler) if est.elsewhere else None
    seconds = time.perf_counter() - started
    return Estimate(
        evaluations, found, runs, ran, reused, seconds, screened, screening_ran, screening_reused, predictions
    )


def _search(
    est: Estimation,
    out: Path,
    study: optuna.Study,
    space: dict[str, optuna.distributions.FloatDistribution],
    done: set[int],
    fixed: dict[str, float],
    backend: str,
    workers: int,
    scheduler: str | None,
    bar: Any,
) -> tuple[int, int]:
    """Ask, run (or read back) and tell batches until the budget is spent; the evaluations run and read back."""
    ran = reused = 0
    while len(study.trials) < est.budget:
        trials = [study.ask(space) for _ in range(min(est.batch, est.budget - len(study.trials)))]
        chunks = [_chunk(est, t.number, t.params, fixed) for t in trials if t.number not in done]
        for k, outcome in _map(chunks, backend, workers, scheduler):
            if isinstance(outcome, BaseException):
                message = f"evaluation {k} was lost ({outcome}); rerun with --resume to finish it"
                raise RuntimeError(message) from outcome
            write_chunk(out, k, outcome[0])
        ran += len(chunks)
        reused += len(trials) - len(chunks)
        for trial in trials:
            runs = pd.read_parquet(out / "chunks" / f"chunk-{trial.number:07d}.parquet")
            _same_point(out, trial, runs)
            value = distance(est, runs)
            study.tell(
                trial,
                value if math.isfinite(value) else None,
                state=None if math.isfinite(value) else optuna.trial.TrialState.FAIL,
            )
        if any(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials):
            bar.set_postfix_str(f"best distance {study.best_value:.4g}", refresh=False)
        bar.update(len(trials))
    return ran, reused


@contextmanager
def _dask_cluster(backend: str, workers: int, scheduler: str | None) -> Iterator[str | None]:
    """The scheduler every batch goes to: the one given, or, for `--backend dask` without one, a local
    cluster started once for the whole estimation (not once a batch: a start takes seconds) and closed
    at its end, however it ends."""
    if backend != "dask" or scheduler:
        yield scheduler
        return
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def _sampler(est: Estimation) -> optuna.samplers.BaseSampler:
    if est.method == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=est.seed, warn_independent_sampling=False)
    return optuna.samplers.TPESampler(seed=est.seed)


def _chunk(
    est: Estimation,
    number: int,
    params: dict[str, float],
    fixed: dict[str, float] | None = None,
    elsewhere: str | None = None,
) -> Chunk:
    """One evaluation's runs (or, `elsewhere`, one point's runs on that scenario for its targets).
    Parameters screened out (`fixed`) stay at the base scenario's values; a function is handed them (its
    parameters' base values) along with the file's `set`."""
    runs = [
        Run(number * est.seeds + j, number, j, seed, dict(params), run_id(params, seed))
        for j, seed in enumerate(seeds(est))
    ]
    if elsewhere is not None:
        targets = [t for t in est.targets if est.scenario_of(t) == elsewhere]
        return Chunk(number, runs, Outputs(metrics=targets), scenario=est.elsewhere[elsewhere], measure=measure_targets)
    outputs = Outputs(metrics=est.measured)
    if est.function is not None:
        return Chunk(number, runs, outputs, function=est.function, fixed={**est.set, **(fixed or {})})
    return Chunk(number, runs, outputs, scenario=est.base, measure=measure_targets)


POINTS = ("before", "after")  # the predictions' points: the base point and the estimate


def _predict(
    est: Estimation, out: Path, best: dict[str, float], backend: str, workers: int, scheduler: str | None
) -> pd.DataFrame:
    """Run the base point and the estimate (every parameter given, the screened-out ones at their base
    values) on each `elsewhere` scenario for the predicted targets measured there, into `out/predictions`:
    chunk 2i is the i-th scenario's (by name) before, 2i + 1 its after. What is on disk is read back."""
    folder = out / "predictions"
    (folder / "chunks").mkdir(parents=True, exist_ok=True)
    points = {"before": dict(est.start), "after": best}
    wanted = [(name, point) for name in sorted(est.elsewhere) for point in POINTS]
    done = finished_chunks(folder)
    chunks = [_chunk(est, k, points[point], elsewhere=name) for k, (name, point) in enumerate(wanted) if k not in done]
    for k, outcome in _map(chunks, backend, workers, scheduler):
        if isinstance(outcome, BaseException):
            name, point = wanted[k]
            message = f"the {point} point's runs on {name} were lost ({outcome}); rerun with --resume to finish them"
            raise RuntimeError(message) from outcome
        write_chunk(folder, k, outcome[0])
    rows = []
    for k, (name, point) in enumerate(wanted):
        runs = pd.read_parquet(folder / "chunks" / f"chunk-{k:07d}.parquet")
        if {p: float(runs[p].iloc[0]) for p in points[point]} != points[point]:
            message = f"chunk {k} holds the runs of another point than the {point} point; use another --out"
            raise ScenarioError([Problem(str(folder), "", message)])
        targets = [t for t in est.targets if est.scenario_of(t) == name]
        rows.append({"scenario": name, "point": point, **{t: float(runs[t].mean()) for t in targets}})
    return pd.DataFrame(rows)


def _map(chunks: list[Chunk], backend: str, workers: int, scheduler: str | None):
    if not chunks:
        return iter(())
    if backend == "dask":
        return dask_map(chunks, workers, scheduler)
    if backend == "serial" or workers == 1:
        return serial_map(chunks)
    return local_map(chunks, workers)


def _same_point(out: Path, trial: optuna.trial.Trial, runs: pd.DataFrame) -> None:
    """A stored evaluation is of the point the sampler proposes again; else the folder is not this search's."""
    stored = {name: float(runs[name].iloc[0]) for name in trial.params}
    if stored != {name: float(v) for name, v in trial.params.items()}:
        message = f"evaluation {trial.number} on disk is of another point; the folder is not this estimation's"
        raise ScenarioError([Problem(str(out), "", message)])


def _evaluations(est: Estimation, runs: pd.DataFrame, kept: list[str]) -> pd.DataFrame:
    rows = []
    for number, group in runs.groupby("sample", sort=True):
        row = {"evaluation": int(number), **{p: float(group[p].iloc[0]) for p in kept}}
        row |= {t: float(group[t].mean()) for t in est.measured}
        row["distance"] = distance(est, group)
        rows.append(row)
    return pd.DataFrame(rows)


def within_cut(evaluations: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """The evaluations whose distance lies within the chi-square quantile (1 degree of freedom) of the
    best: the points the intervals are read from (and identifiability's pairs)."""
    best = evaluations["distance"].min()
    return evaluations[evaluations["distance"] <= best + stats.chi2.ppf(level, 1)]


def intervals(
    est: Estimation, evaluations: pd.DataFrame, level: float = LEVEL, kept: list[str] | None = None
) -> pd.DataFrame:
    """Each parameter's best value and its interval: the range of the evaluated points whose distance is
    within the chi-square quantile (1 degree of freedom) of the best, a profile-likelihood interval read
    off the search's own points. width_ratio is the interval's width against the prior's.

    With screening (`kept`, the parameters searched), a `screened_out` column: a parameter screened out
    has its base value as its point and no interval."""
    best = evaluations.loc[evaluations["distance"].idxmin()]
    near = within_cut(evaluations, level)
    rows = []
    for name, (lo, hi) in est.bounds.items():
        if kept is not None and name not in kept:
            nan = math.nan
            rows.append(
                {"parameter": name, "point": est.start[name], "lo": nan, "hi": nan, "prior_lo": lo,
                 "prior_hi": hi, "width_ratio": nan, "screened_out": True}
            )  # fmt: skip
            continue
        low, high = float(near[name].min()), float(near[name].max())
        span = math.log if est.parameters[name].log else float
        ratio = (span(high) - span(low)) / (span(hi) - span(lo))
        rows.append(
            {
                "parameter": name,
                "point": float(best[name]),
                "lo": low,
                "hi": high,
                "prior_lo": lo,
                "prior_hi": hi,
                "width_ratio": ratio,
                **({} if kept is None else {"screened_out": False}),
            }
        )
    return pd.DataFrame(rows)


def _open(out: Path, est: Estimation, source: Path | None, resume: bool) -> None:
    """Create the estimation's folder, or check that the one there holds evaluations of this very estimation."""
    path = out / MANIFEST
    wanted = {
        "name": est.name,
        "estimation_hash": estimation_hash(est),
        "airace_version": __version__,
        "estimation": est.model_dump(mode="json"),
    }
    if not path.is_file():
        if resume:
            raise ScenarioError([Problem(str(out), "", "nothing to resume: no manifest.json in this folder")])
        (out / "chunks").mkdir(parents=True, exist_ok=True)
        if source is not None:
            (out / "estimation.toml").write_bytes(Path(source).read_bytes())
        if est.base is not None:
            (out / "scenario.toml").write_text(resolved_toml(est.base, est.base.seed), encoding="utf-8")
        path.write_text(json.dumps(wanted, indent=2) + "\n", encoding="utf-8")
        return
    found = json.loads(path.read_text(encoding="utf-8"))
    if found["estimation_hash"] != wanted["estimation_hash"] or found["airace_version"] != __version__:
        message = "holds evaluations of another estimation or airace version; use another --out"
        raise ScenarioError([Problem(str(path), "", message)])


__all__ = ["Estimate", "distance", "estimate", "intervals", "miss", "seeds"]
