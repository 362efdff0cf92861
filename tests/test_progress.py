"""Progress of long commands in a batch job's log: plain lines now and then, never a carriage-return bar."""

from __future__ import annotations

import contextlib
import io

import pytest

from simulation import progress
from simulation.apps.cli import main
from simulation.sweep import load_sweep, run_sweep


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_log_gets_a_line_every_thirty_seconds_with_what_is_done_and_what_is_left():
    log, clock = io.StringIO(), Clock()
    with progress.LogProgress(40, "sobol_gap", "run", log, every=30, clock=clock) as bar:
        for _ in range(40):
            clock.now += 5  # a run every 5 s
            bar.update()
    assert log.getvalue().splitlines()[:2] == [
        "sobol_gap: 6/40 runs done, 30s elapsed, about 2m50s left",
        "sobol_gap: 12/40 runs done, 1m00s elapsed, about 2m20s left",
    ]
    assert log.getvalue().splitlines()[-1] == "sobol_gap: 40/40 runs done, 3m20s elapsed"
    assert "\r" not in log.getvalue()


def test_work_done_sooner_than_a_line_is_due_writes_nothing():
    log, clock = io.StringIO(), Clock()
    with progress.LogProgress(4, "baseline", "step", log, every=30, clock=clock) as bar:
        for _ in range(4):
            clock.now += 1
            bar.update()
    assert log.getvalue() == ""


def cli(*args: str) -> tuple[int, str, str]:
    """The command in this process, its stdout and stderr captured: not a terminal, as in a batch job."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_run_with_replicates_off_a_terminal_logs_plain_progress_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(progress, "EVERY_SECONDS", 0.0)  # a line at every step, instead of every 30 s
    code, out, err = cli(
        "run", "baseline", "--replicates", "2", "--set", "time.end=2023-02-28", "--out", str(tmp_path / "runs")
    )
    assert code == 0, err
    lines = err.splitlines()
    assert lines and "\r" not in err
    assert lines[0].startswith("baseline: 1/16 steps done, ") and "elapsed, about " in lines[0]
    assert lines[-1].startswith("baseline: 16/16 steps done, ")
    assert out.count("results: ") == 2  # the summaries still go to stdout


def test_a_sweep_off_a_terminal_logs_plain_progress_lines(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(progress, "EVERY_SECONDS", 0.0)
    path = tmp_path / "sweep.toml"
    path.write_text(
        'name = "noisy"\nfunction = "simulation.sweep.testfunctions:noisy_sum"\ndesign = "grid"\nseed = 1\n'
        "chunk_size = 1\n[parameters]\na = { values = [0.0, 1.0] }\nb = { values = [1, 2] }\n"
        '[outputs]\nmetrics = ["y"]\n',
        encoding="utf-8",
    )
    run_sweep(load_sweep(path), tmp_path / "out", backend="serial", announce=None, progress=True)
    err = capsys.readouterr().err
    assert "\r" not in err
    assert [line.split(",")[0] for line in err.splitlines()] == [
        "noisy: 1/4 runs done",
        "noisy: 2/4 runs done",
        "noisy: 3/4 runs done",
        "noisy: 4/4 runs done",
    ]


@pytest.mark.parametrize("seconds, text", [(45, "45s"), (130, "2m10s"), (3900, "1h05m")])
def test_durations_read_as_a_person_writes_them(seconds, text):
    assert progress.duration(seconds) == text
