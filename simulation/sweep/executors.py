"""Executors: who runs the chunks of a sweep. A local process pool, a Dask cluster, or one shard of N.

Whatever runs them, a chunk is the same plain task (`Chunk`) and `run_chunk` the same function, and
only this coordinating process writes results, one file per chunk: so results are identical on
every executor, and a worker lost mid-chunk costs that chunk's rerun, never a duplicate.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulation.pool import process_pool
from simulation.progress import progress as progress_display
from simulation.scenario import Key, Scenario
from simulation.sweep.design import Layout, Run, chunk_runs, layout, make_design
from simulation.sweep.spec import Outputs, Sweep, import_function
from simulation.sweep.store import finished_chunks, open_store, write_chunk

if TYPE_CHECKING:
    from simulation.runner import Results

BACKENDS = ("local", "dask")


@dataclass(frozen=True)
class Chunk:
    """A chunk of runs as sent to a worker: plain data, pickled whole."""

    index: int
    runs: list[Run]
    outputs: Outputs
    scenario: Scenario | None = None
    function: str | None = None
    fixed: dict[str, Any] = field(default_factory=dict)  # a function sweep's `set`
    # A scenario run's metrics from this function of its Results and the metric names, instead of its
    # summary: how an estimation measures calibration targets. The analysis layer hands it in as a
    # module-level function (pickled by reference), so the running layer never names analysis code.
    measure: Callable[[Results, list[str]], dict[str, float]] | None = None


@dataclass
class Report:
    """What one invocation of a sweep did."""

    runs: int  # in the whole sweep
    skipped: int  # finished before this invocation (or in other shards)
    ran: int
    failed: int  # runs that raised; recorded with their error
    lost_chunks: list[tuple[int, str]]  # chunks no worker could finish (rerun them with --resume)
    seconds: float
    first_error: str | None = None  # of the failed run first in design order, with its position and id


# ---------------------------------------------------------------- one chunk


def run_chunk(chunk: Chunk) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Run every run of a chunk; a run that raises is recorded with its error and the chunk goes on."""
    function = import_function(chunk.function) if chunk.function else None
    rows, series = [], []
    for run in chunk.runs:
        started = time.perf_counter()
        row: dict[str, Any] = {
            "position": run.position,
            "sample": run.point,
            "replicate": run.replicate,
            "run_id": run.run_id,
            "seed": run.seed,
            **run.params,
        }
        try:
            if function is not None:
                metrics = _function_metrics(function(chunk.fixed | run.params, run.seed), chunk.outputs)
            else:
                metrics, frame = _simulate(chunk.scenario, run, chunk.outputs, chunk.measure)
                if frame is not None:
                    series.append(frame)
            row |= {"status": "ok", "error": None, **metrics}
        except Exception as exc:  # any failure of one run is data about that run, not the end of the sweep
            row |= {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
            row |= dict.fromkeys(chunk.outputs.metrics, np.nan)
        row["seconds"] = time.perf_counter() - started
        rows.append(row)
    table = pd.DataFrame(rows)
    columns = ["position", "sample", "replicate", "run_id", "seed", "status", "error", "seconds"]
    table = table[columns + [c for c in table.columns if c not in columns]]
    table[chunk.outputs.metrics] = table[chunk.outputs.metrics].astype(float)
    return table, (pd.concat(series, ignore_index=True) if series else None)


def _simulate(
    scenario: Scenario,
    run: Run,
    outputs: Outputs,
    measure: Callable[[Results, list[str]], dict[str, float]] | None = None,
) -> tuple[dict[str, float], pd.DataFrame | None]:
    from simulation.runner import run as run_scenario

    results = run_scenario(scenario, seed=run.seed, overrides=run.params)
    if measure is not None:
        measured = measure(results, outputs.metrics)
        metrics = {name: float(measured[name]) for name in outputs.metrics}
    else:
        metrics = {name: _metric(results.summary, name) for name in outputs.metrics}
    if not outputs.series:
        return metrics, None
    missing = [c for c in outputs.series if c not in results.model.columns]
    if missing:
        raise KeyError(f"no series {', '.join(missing)}; the model has {', '.join(results.model.columns)}")
    frame = results.model[["step", "date", *outputs.series]].iloc[:: outputs.stride].copy()
    frame.insert(0, "run_id", run.run_id)
    frame.insert(0, "position", run.position)
    frame[outputs.series] = frame[outputs.series].astype(float)
    return metrics, frame.reset_index(drop=True)


def _metric(summary: dict[str, Any], dotted: str) -> float:
    """A number in a run's summary by dotted key (`gap_months.end`, `largest_one_step_fall.NVDA.fall`)."""
    try:
        node = Key.parse(dotted).get(summary)
    except KeyError as exc:
        raise KeyError(f"no output '{dotted}': {exc.args[0]}") from None
    if node is None:  # a number this run has none of (never recovered, no training run yet)
        return float("nan")
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise TypeError(f"output '{dotted}' is not a number (found {node!r})")
    return float(node)


def _function_metrics(result: dict[str, Any], outputs: Outputs) -> dict[str, float]:
    return {name: _metric(result, name) for name in outputs.metrics}


# ---------------------------------------------------------------- executors


Result = tuple[int, "tuple[pd.DataFrame, pd.DataFrame | None] | BaseException"]


def serial_map(chunks: Iterable[Chunk]) -> Iterator[Result]:
    """In this process, one chunk after another (for benchmarks and debugging)."""
    for chunk in chunks:
        yield chunk.index, run_chunk(chunk)


def local_map(chunks: Iterable[Chunk], workers: int) -> Iterator[Result]:
    """A process pool on this machine (`simulation.pool`: its workers exit if this process dies); a few
    chunks in flight per worker, results as they finish."""
    with process_pool(workers) as pool:
        yield from _bounded(chunks, 2 * workers, lambda c: pool.submit(run_chunk, c))


def _bounded(chunks: Iterable[Chunk], limit: int, submit: Callable[[Chunk], Future]) -> Iterator[Result]:
    """Keep at most `limit` chunks in flight, so memory does not grow with the size of the sweep."""
    pending: dict[Future, int] = {}
    source = iter(chunks)
    try:
        for chunk in source:
            pending[submit(chunk)] = chunk.index
            if len(pending) < limit:
                continue
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield pending.pop(future), _outcome(future)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield pending.pop(future), _outcome(future)
    finally:
        for future in pending:
            future.cancel()


def _outcome(future: Any) -> Any:
    try:
        return future.result()
    except Exception as exc:  # a lost worker or a broken pool: the chunk is not written, --resume reruns it
        return exc


def dask_map(chunks: Iterable[Chunk], workers: int, scheduler: str | None = None) -> Iterator[Result]:
    """A Dask cluster: the one at `scheduler` (tcp://host:port), or a LocalCluster of `workers` processes.

    Dask reschedules the chunks of a worker that dies; each chunk's result comes back here once.
    """
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="30s")
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        client.wait_for_workers(1)  # on a batch system, workers may wait in the queue for a while
        futures = as_completed()
        index: dict[str, int] = {}
        source = iter(chunks)

        def top_up() -> None:
            """Keep two chunks in flight per worker thread, counting workers that joined since."""
            limit = 2 * max(1, sum(client.nthreads().values()))
            while len(index) < limit:
                chunk = next(source, None)
                if chunk is None:
                    return
                future = client.submit(run_chunk, chunk, pure=False)
                index[future.key] = chunk.index
                futures.add(future)

        top_up()
        for future in futures:
            yield index.pop(future.key), _outcome(future)
            future.release()
            top_up()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ---------------------------------------------------------------- a sweep


def run_sweep(
    sweep: Sweep,
    out: str | Path,
    backend: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    shard: tuple[int, int] = (1, 1),
    resume: bool = False,
    source: Path | None = None,
    announce: Callable[[str], None] | None = print,
    progress: bool = False,
) -> Report:
    """Run the unfinished chunks of a sweep (of one shard) and write each as it finishes."""
    started = time.perf_counter()
    out = Path(out)
    design = make_design(sweep)
    plan = layout(sweep, design)
    open_store(out, sweep, plan, source=source, resume=resume)
    done = finished_chunks(out)
    todo = [k for k in plan.shard(*shard) if k not in done]
    to_run = _runs_in(plan, todo)
    workers = workers or os.cpu_count() or 1
    if announce is not None:
        where = f"{backend}" + (f" at {scheduler}" if scheduler else f" with {workers} worker(s)")
        part = f", shard {shard[0]}/{shard[1]}" if shard[1] > 1 else ""
        announce(
            f"sweep {sweep.name}: {plan.runs} runs ({plan.points} points x {plan.replicates} replicates) "
            f"in {plan.chunks} chunks{part}; {to_run} to run on {where}, "
            f"{plan.runs - _runs_in(plan, done)} left overall"
        )
    chunks = (_chunk(sweep, design, plan, k) for k in todo)
    if not todo:
        results: Iterator[Result] = iter(())
    elif backend == "dask":
        results = dask_map(chunks, workers, scheduler)
    elif backend == "serial":
        results = serial_map(chunks)
    elif backend == "local":
        results = local_map(chunks, workers)
    else:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)} (or serial)")
    failed, lost, first = 0, [], None
    with progress_display(to_run, sweep.name, "run", show=progress, smoothing=0.1, leave=True) as bar:
        for k, outcome in results:
            if isinstance(outcome, BaseException):
                lost.append((k, f"{type(outcome).__name__}: {outcome}"))
                continue
            table, series = outcome
            write_chunk(out, k, table, series)
            errors = table[table["status"] != "ok"]
            failed += len(errors)
            if len(errors) and (first is None or errors["position"].iloc[0] < first["position"]):
                first = errors.iloc[0]
            bar.update(len(table))
    ran = to_run - _runs_in(plan, [k for k, _ in lost])
    first_error = None if first is None else f"run {first['position']} (id {first['run_id']}): {first['error']}"
    return Report(plan.runs, plan.runs - to_run, ran, failed, lost, time.perf_counter() - started, first_error)


def _runs_in(plan: Layout, chunks: Iterable[int]) -> int:
    return sum(len(plan.positions(k)) for k in chunks if k < plan.chunks)


def _chunk(sweep: Sweep, design: Any, plan: Layout, k: int) -> Chunk:
    runs = chunk_runs(sweep, design, plan, k)
    fixed = sweep.set if sweep.function else {}
    return Chunk(k, runs, sweep.outputs, sweep.base, sweep.function, fixed)
