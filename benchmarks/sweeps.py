"""Benchmarks of sweeps: parallel efficiency, Dask overhead, coordinator memory, and Mesa's batch_run.

    make bench-sweeps                        # all four, figures printed and written to benchmarks/results/
    .venv/bin/python benchmarks/sweeps.py efficiency --runs 80

- efficiency: the same model sweep run serially in one process and on a local pool of 2 workers,
  runs of about 0.3 s (the baseline, weekly steps to the end of 2028, 100 investors); efficiency =
  serial time / (2 x pool time), each end to end (the pool's start-up included).
- dask: the same sweep on Dask (a LocalCluster of 2 single-threaded workers, started before timing,
  as a cluster's workers are) against the local pool; overhead per run = dask time / pool time - 1.
- memory: peak resident memory of the coordinating process for 1,000 and 10,000 runs, each in a
  fresh process, through the same executor and store with a stand-in run (`noisy_sum`, microseconds
  a run) so that 10,000 runs take seconds: it measures what the coordinator holds, not the model.
- batch_run: Mesa's `batch_run` on the same model, grid and number of processes, against ours.
Each timing is the median of --repeat rounds. Numbers depend on the machine and on its load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import mesa  # noqa: E402

from simulation.model import AIRaceModel  # noqa: E402
from simulation.scenario import load_scenario, scenario_from_dict  # noqa: E402

# The baseline, weekly, to the end of 2028, with 100 investors: a run of about 0.5 s on the 2-core development
# machine when chosen, 0.3 s since (benchmarks/README.md).
HALF_SECOND = {"time.end": "2028-12-31", "investors.count": 100}
ENFORCEMENT = [0.5, 0.7, 0.85, 0.95, 1.0]
EFFICIENCY_GROWTH = [0.6, 0.8, 1.0, 1.2]


def model_sweep(path: Path, replicates: int, chunk_size: int) -> Path:
    """A grid over two parameters of the half-second baseline, written as a sweep file."""
    path.write_text(
        f"""
name = "bench"
scenario = "baseline"
design = "grid"
replicates = {replicates}
seed = 1
chunk_size = {chunk_size}
[set]
"time.end" = "{HALF_SECOND["time.end"]}"
"investors.count" = {HALF_SECOND["investors.count"]}
[parameters]
"regulators.bis.rules.oct2023.enforcement" = {{ values = {ENFORCEMENT} }}
"tech.efficiency_growth_per_year" = {{ values = {EFFICIENCY_GROWTH} }}
[outputs]
metrics = ["gap_months.end", "ai_index_end"]
"""
    )
    return path


def timed_sweep(sweep_file: Path, **options: Any) -> float:
    return timed_runs(sweep_file, **options)[0]


def timed_runs(sweep_file: Path, **options: Any) -> tuple[float, float]:
    """Wall time of a sweep end to end, and the time its runs took inside the workers, summed."""
    from simulation.sweep import load_sweep, read_runs, run_sweep

    sweep = load_sweep(sweep_file)
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        report = run_sweep(sweep, out, announce=None, **options)
        seconds = time.perf_counter() - started
        in_runs = float(read_runs(out, ["seconds"])["seconds"].sum())
    assert report.failed == 0 and not report.lost_chunks, report
    return seconds, in_runs


def median_of(repeat: int, measure: Any) -> float:
    return statistics.median(measure() for _ in range(repeat))


def efficiency(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    sweep = model_sweep(tmp / "eff.toml", replicates=args.replicates, chunk_size=args.chunk_size)
    runs = len(ENFORCEMENT) * len(EFFICIENCY_GROWTH) * args.replicates
    serial = median_of(args.repeat, lambda: timed_sweep(sweep, backend="serial"))
    pool = median_of(args.repeat, lambda: timed_sweep(sweep, backend="local", workers=2))
    return {
        "runs": runs,
        "seconds_per_run_serial": serial / runs,
        "serial_s": serial,
        "pool_2_workers_s": pool,
        "efficiency": serial / (2 * pool),
        "target": ">= 0.85",
    }


def dask_overhead(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Rounds alternate between the pool and Dask, so a change of the machine's load hits both alike."""
    from distributed import LocalCluster

    sweep = model_sweep(tmp / "dask.toml", replicates=args.replicates, chunk_size=args.chunk_size)
    runs = len(ENFORCEMENT) * len(EFFICIENCY_GROWTH) * args.replicates
    pool, dask = [], []
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        for _ in range(args.repeat):
            pool.append(timed_runs(sweep, backend="local", workers=2))
            dask.append(timed_runs(sweep, backend="dask", scheduler=cluster.scheduler_address))
    wall_pool = statistics.median(w for w, _ in pool)
    wall_dask = statistics.median(w for w, _ in dask)
    # Time per run the 2 workers spent outside runs (sending, waiting, start-up): less sensitive to
    # other processes slowing the model itself.
    outside_pool = statistics.median((2 * w - r) / runs for w, r in pool)
    outside_dask = statistics.median((2 * w - r) / runs for w, r in dask)
    return {
        "runs": runs,
        "chunk_size": args.chunk_size,
        "pool_s_per_run": wall_pool / runs,
        "dask_s_per_run": wall_dask / runs,
        "overhead": wall_dask / wall_pool - 1,
        "pool_s_per_run_outside_runs": outside_pool,
        "dask_s_per_run_outside_runs": outside_dask,
        "target": "< 0.05",
    }


def memory(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    peaks = {}
    for runs in (1_000, 10_000):
        child = subprocess.run(
            [sys.executable, __file__, "memory-child", str(runs)], capture_output=True, text=True, check=True
        )
        peaks[runs] = json.loads(child.stdout.splitlines()[-1])
    return {
        "stand_in": "simulation.sweep.testfunctions:noisy_sum",
        "peak_rss_mb_1000": peaks[1000]["peak_rss_mb"],
        "peak_rss_mb_10000": peaks[10000]["peak_rss_mb"],
        "seconds_1000": peaks[1000]["seconds"],
        "seconds_10000": peaks[10000]["seconds"],
        "ratio": peaks[10000]["peak_rss_mb"] / peaks[1000]["peak_rss_mb"],
        "target": "<= 1.2",
    }


def memory_child(runs: int) -> None:
    """One sweep of `runs` stand-in runs in this fresh process; prints its own peak memory."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mem.toml"
        path.write_text(
            f"""
name = "memory"
function = "simulation.sweep.testfunctions:noisy_sum"
design = "lhs"
samples = {runs}
seed = 1
[parameters]
a = {{ range = [0, 1] }}
b = {{ range = [0, 1] }}
c = {{ distribution = "normal", mean = 0, sd = 1 }}
[outputs]
metrics = ["y"]
"""
        )
        seconds = timed_sweep(path, backend="local", workers=2)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"runs": runs, "peak_rss_mb": peak, "seconds": seconds}))


class BatchModel(AIRaceModel):
    """The model as Mesa's batch_run builds it: keyword parameters and a seed, and a Mesa DataCollector of
    the model's variables, which batch_run reads. It collects once, at the last step, the least work
    batch_run can be given (our runs record every step and write Parquet)."""

    def __init__(self, enforcement: float = 0.95, efficiency_growth: float = 1.0, seed: int | None = None):
        base = load_scenario("baseline", HALF_SECOND)
        spec = scenario_from_dict(
            base.model_dump(mode="python"),
            {
                "regulators.bis.rules.oct2023.enforcement": enforcement,
                "tech.efficiency_growth_per_year": efficiency_growth,
            },
        )
        super().__init__(spec, seed if seed is not None else 0)
        reporters = {name: partial(report) for name, report in self.observation.reporters().items()}
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    def step(self) -> None:
        super().step()
        if not self.running:  # the scenario's end, where batch_run stops too
            self.datacollector.collect(self)


def batch_run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    sweep = model_sweep(tmp / "batch.toml", replicates=args.replicates, chunk_size=args.chunk_size)
    runs = len(ENFORCEMENT) * len(EFFICIENCY_GROWTH) * args.replicates
    steps = load_scenario("baseline", HALF_SECOND).time.n_steps

    def mesa_batch() -> float:
        started = time.perf_counter()
        rows = mesa.batch_run(
            BatchModel,
            parameters={"enforcement": ENFORCEMENT, "efficiency_growth": EFFICIENCY_GROWTH},
            rng=list(range(args.replicates)),
            max_steps=steps,
            number_processes=2,
            data_collection_period=-1,
            display_progress=False,
        )
        assert len({row["RunId"] for row in rows}) == runs  # rows are per agent; one RunId a run
        return time.perf_counter() - started

    ours = median_of(args.repeat, lambda: timed_sweep(sweep, backend="local", workers=2))
    theirs = median_of(args.repeat, mesa_batch)
    return {
        "runs": runs,
        "processes": 2,
        "airace_runs_per_s": runs / ours,
        "batch_run_runs_per_s": runs / theirs,
        "throughput_ratio": theirs / ours,
    }


BENCHMARKS = {"efficiency": efficiency, "dask": dask_overhead, "memory": memory, "batch_run": batch_run}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="*", default=list(BENCHMARKS), help=", ".join(BENCHMARKS))
    parser.add_argument("--replicates", type=int, default=4, help="replicates per grid point (20 points)")
    parser.add_argument("--chunk-size", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the median is reported")
    args = parser.parse_args()
    if args.which[:1] == ["memory-child"]:
        memory_child(int(args.which[1]))
        return
    results: dict[str, Any] = {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.which:
            results[name] = BENCHMARKS[name](args, Path(tmp))
            print(name, json.dumps(results[name], indent=1), flush=True)
    results["load_average_at_end"] = os.getloadavg()
    out = REPO / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (out / f"sweeps-{stamp}.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"written: {out / f'sweeps-{stamp}.json'}")


if __name__ == "__main__":
    main()
