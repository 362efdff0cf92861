"""`airace dashboard` leaves no process behind: the `solara run` server it starts (some 400 MB, holding the
port) ends with it, whether the command is stopped (SIGTERM, Ctrl+C) or killed outright (SIGKILL), when
the server must notice that its parent is gone; one that will not stop is killed once its grace is over.
The processes are followed through /proc (Linux)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

if not Path("/proc/self/stat").exists():
    pytest.skip("the processes are followed through /proc", allow_module_level=True)

from benchmarks.browser import ROOT, _wait_until_served, free_port

STOP_WITHIN_S = 20  # the command gives its server a few seconds to stop before it kills it


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of a process from /proc/PID/stat; None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after the command's name, which may hold spaces
    return fields[0], int(fields[1]), int(fields[19])


def process_tree(root: int) -> dict[int, int]:
    """`root` and all its descendants, each pid with its start time (which tells it from a later process
    that is given the same pid)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := _stat(int(entry.name))):
            stats[int(entry.name)] = found
    tree = {root: stats[root][2]}
    grew = True
    while grew:
        grew = False
        for pid, (_, parent, start) in stats.items():
            if parent in tree and pid not in tree:
                tree[pid] = start
                grew = True
    return tree


def survivors(tree: dict[int, int]) -> list[int]:
    """The processes of the tree still running (a zombie has ended; it only waits to be collected)."""
    alive = []
    for pid, start in tree.items():
        found = _stat(pid)
        if found and found[0] != "Z" and found[2] == start:
            alive.append(pid)
    return alive


def kill_all(process: subprocess.Popen, tree: dict[int, int]) -> None:
    """A test's clean-up, whatever happened: SIGKILL for what is left of the tree, and `process` collected."""
    for pid in survivors(tree):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if process.poll() is None:
        process.kill()
    process.wait(timeout=STOP_WITHIN_S)


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as a new server binds: TIME_WAIT is no owner
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stop", "code"),
    [("SIGTERM", 128 + 15), ("SIGINT", 130), ("SIGKILL", -9)],
    ids=["sigterm", "ctrl-c", "sigkill-of-airace"],
)
def test_the_server_ends_with_airace_dashboard(stop, code, tmp_path):
    pytest.importorskip("solara", reason="the dashboard needs the teach extra: pip install -e '.[dev,teach]'")
    port = free_port()
    log = tmp_path / "airace.log"
    with log.open("w") as out:
        airace = subprocess.Popen(
            [sys.executable, "-m", "simulation.apps.cli", "dashboard", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own, as a command in a terminal has
        )
    tree: dict[int, int] = {}
    try:
        _wait_until_served(f"http://127.0.0.1:{port}/", airace, timeout=120)
        tree = process_tree(airace.pid)
        assert len(tree) >= 2, "airace dashboard and its server"
        if stop == "SIGINT":  # Ctrl+C: the terminal signals its foreground process group
            os.killpg(airace.pid, signal.SIGINT)
        else:
            os.kill(airace.pid, getattr(signal, stop))
        deadline = time.monotonic() + STOP_WITHIN_S
        while (airace.poll() is None or survivors(tree)) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = survivors(tree)
        assert not left, f"still running {STOP_WITHIN_S} s after {stop}: {left}"
        assert port_is_free(port)
        assert airace.returncode == code
        assert "Traceback" not in log.read_text()
    finally:
        kill_all(airace, tree)


def test_a_child_that_ignores_sigterm_is_killed_after_its_grace(tmp_path):
    """A server that does not stop when asked is killed once its grace is over: the command still ends."""
    ready = tmp_path / "ready"
    child = (
        "import pathlib, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"pathlib.Path({str(ready)!r}).touch(); time.sleep(60)"
    )
    supervisor = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, sys; from simulation.apps.supervise import run_supervised; "
            f"sys.exit(run_supervised([sys.executable, '-c', {child!r}], dict(os.environ), grace=1))",
        ],
        cwd=ROOT,
    )
    tree: dict[int, int] = {}
    try:
        deadline = time.monotonic() + STOP_WITHIN_S
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        tree = process_tree(supervisor.pid)
        assert len(tree) == 2, "the supervisor and its child, which ignores SIGTERM"
        asked = time.monotonic()
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=STOP_WITHIN_S) == 128 + 15
        assert time.monotonic() - asked >= 1, "the child had its grace"
        assert not survivors(tree)
    finally:
        kill_all(supervisor, tree)
