"""Executors with real parts: process pools, a real Dask scheduler and workers on 127.0.0.1, shards run by
the SLURM job-array template, a worker killed mid-sweep, and a sweep killed with SIGKILL then resumed."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from simulation.sweep import load_sweep, read_runs, read_series, run_sweep

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

MODEL_SWEEP = """
name = "executors"
scenario = "deepseek_shock"
design = "lhs"
samples = 4
replicates = 2
seed = 99
chunk_size = 2

[set]
"time.end" = "2023-06-30"
"time.step_days" = 7

[parameters]
"regulators.bis.rules.oct2023.enforcement" = { range = [0.5, 1.0] }
"investors.jevons_belief_mean" = { distribution = "normal", mean = 0.0, sd = 0.3, range = [-1, 1] }
"investors.count" = { values = [100, 150] }

[outputs]
metrics = ["gap_months.end", "ai_index_end", "largest_one_step_fall.NVDA.fall"]
series = ["price_NVDA"]
stride = 7
"""

# Runs of a known length (busy CPU), so a kill lands mid-sweep.
BUSY_SWEEP = """
name = "busy"
function = "simulation.sweep.testfunctions:busy"
design = "grid"
seed = 4
chunk_size = 2
[set]
seconds = {seconds}
[parameters]
i = {{ values = [{values}] }}
[outputs]
metrics = ["y"]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(processes: list[subprocess.Popen]) -> None:
    """End processes this test started (a graceful Dask shutdown only costs the suite time)."""
    for p in processes:
        if p.poll() is None:
            p.kill()
    for p in processes:
        p.wait(timeout=30)


class DaskCluster:
    """A real `dask scheduler` and `dask worker` processes on 127.0.0.1, each its own process to kill."""

    def __init__(self, workers: int, cwd: Path):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.logs = cwd
        self.scheduler = self._start(
            "scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"]
        )
        self.scheduler_ready()
        self.workers = [
            self._start(
                f"worker{i}",
                ["worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"],
            )
            for i in range(workers)
        ]
        self.wait_for(workers)

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        return subprocess.Popen([str(BIN / "dask"), *args], stdout=log, stderr=subprocess.STDOUT, cwd=self.logs)

    def scheduler_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            assert self.scheduler.poll() is None, (self.logs / "scheduler.log").read_text()
            time.sleep(0.2)
        raise TimeoutError("dask scheduler did not start")

    def wait_for(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout="30s") as client:
            client.wait_for_workers(n, timeout=90)

    def close(self) -> None:
        stop([*self.workers, self.scheduler])


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[DaskCluster]:
    cluster = DaskCluster(2, tmp_path)
    try:
        yield cluster
    finally:
        cluster.close()


def outcomes(folder: Path) -> pd.DataFrame:
    """Everything a run stored except its wall time, by run id."""
    return read_runs(folder).drop(columns="seconds").set_index("run_id").sort_index()


def test_every_executor_gives_identical_results_for_every_run_id(tmp_path, dask_cluster):
    path = tmp_path / "sweep.toml"
    path.write_text(MODEL_SWEEP)
    sweep = load_sweep(path)

    run_sweep(sweep, tmp_path / "local1", workers=1, announce=None)
    run_sweep(sweep, tmp_path / "local2", workers=2, announce=None)
    run_sweep(sweep, tmp_path / "dask", backend="dask", scheduler=dask_cluster.address, announce=None)
    # Three shards, one after another, as the SLURM job-array template runs them (bash, no SLURM).
    env = os.environ | {"SWEEP": str(path), "OUT": str(tmp_path / "shards"), "AIRACE": str(BIN / "airace")}
    for task in range(3):
        env |= {"SLURM_ARRAY_TASK_ID": str(task), "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "3"}
        env["SLURM_CPUS_PER_TASK"] = "1"
        shard = subprocess.run(
            ["bash", str(REPO / "docs/slurm/sweep_array.sbatch")], env=env, capture_output=True, text=True, timeout=300
        )
        assert shard.returncode == 0, shard.stderr
    assert len(list((tmp_path / "shards" / "chunks").iterdir())) == 4

    reference = outcomes(tmp_path / "local1")
    assert len(reference) == 8 and (reference["status"] == "ok").all()
    assert reference["ai_index_end"].nunique() == 8  # the runs really differ
    for other in ("local2", "dask", "shards"):
        pd.testing.assert_frame_equal(outcomes(tmp_path / other), reference, check_like=False, obj=other)
        pd.testing.assert_frame_equal(read_series(tmp_path / other), read_series(tmp_path / "local1"), obj=other)


def test_a_dask_worker_killed_mid_sweep_costs_nothing_but_time(tmp_path, dask_cluster):
    runs = 40
    path = tmp_path / "busy.toml"
    path.write_text(BUSY_SWEEP.format(seconds=0.15, values=", ".join(map(str, range(runs)))))
    out = tmp_path / "out"
    command = [str(BIN / "airace"), "sweep", str(path), "--out", str(out), "--backend", "dask"]
    sweep = subprocess.Popen(
        [*command, "--scheduler", dask_cluster.address],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_chunks(out, 2, sweep)
        victim = dask_cluster.workers[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        done_at_kill = len(list((out / "chunks").glob("chunk-*.parquet")))
        _, stderr = sweep.communicate(timeout=240)
    finally:
        stop([sweep])
    assert sweep.returncode == 0, stderr
    assert done_at_kill < runs // 2, "the kill came too late to test anything"
    stored = read_runs(out)
    assert list(stored["position"]) == list(range(runs))  # each run exactly once, none lost
    assert stored["run_id"].is_unique and (stored["status"] == "ok").all()


def test_a_sweep_killed_with_sigkill_resumes_without_loss_or_rerun(tmp_path):
    runs = 40
    path = tmp_path / "busy.toml"
    path.write_text(BUSY_SWEEP.format(seconds=0.1, values=", ".join(map(str, range(runs)))))
    out = tmp_path / "out"
    command = [str(BIN / "airace"), "sweep", str(path), "--out", str(out), "--workers", "2"]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_for_chunks(out, 3, first)
        first.send_signal(signal.SIGKILL)  # the coordinating process, with no chance to clean up
        first.wait(timeout=10)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(first.pid, signal.SIGKILL)  # anything left of the session, if the test failed
    finished = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (out / "chunks").glob("chunk-*.parquet")}
    assert 3 <= len(finished) < runs // 2
    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=240)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{runs - 2 * len(finished)} to run" in resumed.stdout
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (out / "chunks").glob("chunk-*.parquet")}
    assert {name: after[name] for name in finished} == finished  # finished chunks neither lost nor rewritten
    assert len(after) == runs // 2
    stored = read_runs(out)
    assert list(stored["position"]) == list(range(runs)) and stored["run_id"].is_unique


def test_workers_exit_when_the_coordinator_is_killed_with_sigkill(tmp_path):
    """No pool process outlives a coordinator killed with no chance to clean up: workers watch it."""
    psutil = pytest.importorskip("psutil")  # installed with the cluster extra (make installs it)
    path = tmp_path / "busy.toml"
    path.write_text(BUSY_SWEEP.format(seconds=0.5, values=", ".join(map(str, range(40)))))
    out = tmp_path / "out"
    command = [str(BIN / "airace"), "sweep", str(path), "--out", str(out), "--workers", "2", "--quiet"]
    coordinator = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_for_chunks(out, 1, coordinator)  # its pool is up and busy
        pool = psutil.Process(coordinator.pid).children(recursive=True)  # forkserver, workers, resource tracker
        assert len(pool) >= 3
        coordinator.send_signal(signal.SIGKILL)
        coordinator.wait(timeout=10)
        _, alive = psutil.wait_procs(pool, timeout=10)
        assert alive == [], f"still running 10 s after the coordinator was killed: {alive}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(coordinator.pid, signal.SIGKILL)  # whatever is left of the session, if the test failed


def wait_for_chunks(out: Path, n: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list(out.glob("chunks/chunk-*.parquet"))) >= n:
            return
        if process.poll() is not None:
            raise AssertionError(f"the sweep ended early: {process.communicate()}")
        time.sleep(0.05)
    raise TimeoutError(f"fewer than {n} chunks after {timeout} s")


def test_the_documented_slurm_cluster_writes_a_valid_job_script():
    """The dask-jobqueue example in docs/slurm, without a SLURM installation: the job it would submit."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("dask_cluster", REPO / "docs/slurm/dask_cluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cluster = module.make_cluster(scheduler_options={"host": "127.0.0.1", "dashboard_address": None})
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert script.startswith("#!/usr/bin/env bash")
    for line in ("#SBATCH -p compute", "#SBATCH -n 1", "#SBATCH --cpus-per-task=8", "#SBATCH -t 04:00:00"):
        assert line in script
    assert "--nworkers 8" in script and "--nthreads 1" in script
    assert cluster.scheduler_address in script
    assert f"{sys.executable} -m distributed.cli.dask_worker" in script
