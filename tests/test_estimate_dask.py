"""`airace estimate` on a real Dask scheduler with two workers on 127.0.0.1: the same estimation gives the
same evaluations, estimate and fit table as on the local pool, through the API and the command line, and
one killed with SIGKILL mid-way resumes losing and repeating no evaluation. No command leaves a process."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from analysis.estimation import estimate, load_estimation
from analysis.estimation.outputs import write_outputs
from simulation.sweep import read_runs
from tests.test_sweep_executors import BIN, DaskCluster, wait_for_chunks

pytestmark = pytest.mark.slow

# The cheap test function of tests/test_estimate.py: a batch of 4 on 2 workers, so evaluations of a batch
# finish in any order; 24 evaluations in 6 batches, each point run for 2 seeds.
BUDGET = 24
FUNCTION = f"""\
name = "two_moments_dask"
function = "simulation.sweep.testfunctions:two_moments"
budget = {BUDGET}
batch = 4
seeds = 2
seed = 11
cutoff = 2024-06-30

[parameters]
a = {{ range = [0.0, 2.0] }}
b = {{ range = [-1.0, 1.0] }}

[targets]
sum = {{ value = 1.3, scale = 0.05, date = 2024-01-01 }}
difference = {{ value = 0.5, scale = 0.05, date = 2024-03-01 }}
later = {{ value = 0.72, scale = 0.05, date = 2025-01-01 }}
"""
OUTPUTS = ("estimate.csv", "fit.csv")


@pytest.fixture(scope="module")
def est_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("estimation") / "est.toml"
    path.write_text(textwrap.dedent(FUNCTION), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    """One scheduler and two single-threaded workers for the module's tests, ended after them."""
    cluster = DaskCluster(2, tmp_path_factory.mktemp("dask"))
    try:
        yield cluster
    finally:
        cluster.close()
        assert all(p.poll() is not None for p in [cluster.scheduler, *cluster.workers])


def _alive(process) -> bool:
    import psutil

    with contextlib.suppress(psutil.NoSuchProcess):
        return process.status() != psutil.STATUS_ZOMBIE
    return False


def command(est_file: Path, out: Path, *options: str) -> list[str]:
    return [str(BIN / "airace"), "estimate", str(est_file), "--out", str(out), *options]


def left_behind(session: int) -> list:
    """Live processes of a session a command was started in (its leader's pid): what it left running."""
    import psutil

    found = []
    for p in psutil.process_iter():
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, ProcessLookupError):
            if os.getsid(p.pid) == session and _alive(p):
                found.append(p)
    return found


def run_alone(args: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a command in a session of its own, and check that nothing of that session outlives it."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        with contextlib.suppress(ProcessLookupError):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, stderr
    assert left_behind(process.pid) == [], f"left running by {' '.join(args)}"
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def local(est_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The estimation on the local pool with 2 workers, run whole by the command line: the reference."""
    pytest.importorskip("psutil")
    out = tmp_path_factory.mktemp("local") / "out"
    run_alone(command(est_file, out, "--workers", "2", "--quiet"))
    evaluations = pd.read_parquet(out / "evaluations.parquet")
    assert list(evaluations["evaluation"]) == list(range(BUDGET))
    assert evaluations["distance"].nunique() == BUDGET  # the points really differ
    return out


def assert_same_results(folder: Path, reference: Path) -> None:
    """Every evaluation's parameters, target means and distance, the estimate and the fit table, identical."""
    pd.testing.assert_frame_equal(
        pd.read_parquet(folder / "evaluations.parquet"), pd.read_parquet(reference / "evaluations.parquet")
    )
    for name in OUTPUTS:
        assert (folder / name).read_text() == (reference / name).read_text(), name
    # and every run of every evaluation, all but its wall time
    pd.testing.assert_frame_equal(
        read_runs(folder).drop(columns="seconds"), read_runs(reference).drop(columns="seconds")
    )


def test_an_estimation_on_dask_gives_the_local_pools_results(est_file, tmp_path, cluster, local):
    out = tmp_path / "dask"
    found = estimate(load_estimation(est_file), out, backend="dask", workers=2, scheduler=cluster.address)
    write_outputs(load_estimation(est_file), found, out)
    assert (found.ran, found.reused) == (BUDGET, 0)
    assert_same_results(out, local)


def test_airace_estimate_with_a_dask_scheduler_gives_the_local_pools_results(est_file, tmp_path, cluster, local):
    out = tmp_path / "dask"
    run_alone(command(est_file, out, "--backend", "dask", "--scheduler", cluster.address, "--quiet"))
    assert_same_results(out, local)


def test_an_estimation_killed_on_dask_resumes_losing_and_repeating_no_evaluation(est_file, tmp_path, cluster, local):
    out = tmp_path / "dask"
    first = subprocess.Popen(
        command(est_file, out, "--backend", "dask", "--scheduler", cluster.address, "--quiet"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_for_chunks(out, 6, first)  # into its second batch
        first.send_signal(signal.SIGKILL)  # the coordinating process, with no chance to clean up
        first.wait(timeout=10)
        assert left_behind(first.pid) == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(first.pid, signal.SIGKILL)  # anything left of the session, if the test failed
    finished = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (out / "chunks").glob("chunk-*.parquet")}
    assert 6 <= len(finished) < BUDGET, "the kill came too late to test anything"
    assert not (out / "evaluations.parquet").exists()

    resumed = run_alone([*command(est_file, out, "--backend", "dask", "--scheduler", cluster.address), "--resume"])
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (out / "chunks").glob("chunk-*.parquet")}
    assert {name: after[name] for name in finished} == finished  # finished evaluations neither lost nor rerun
    assert len(after) == BUDGET
    assert read_runs(out)["run_id"].is_unique
    assert f"{BUDGET - len(finished)} evaluations run" in resumed.stdout
    assert f"{len(finished)} read back" in resumed.stdout
    assert_same_results(out, local)
