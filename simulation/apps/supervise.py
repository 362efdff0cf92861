"""A child process that never outlives the command that started it: how `airace dashboard` runs its server.

The `solara run` server the dashboard starts is a separate process of some 400 MB that holds its port.
Run plainly, it would outlive `airace dashboard` stopped by SIGTERM (a service manager, `kill`, a test's
clean-up) or killed outright, and the next `airace dashboard` would find the port taken.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

# The signals that ask the command to stop: Ctrl+C, `kill`, and the terminal closing.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_S = 5.0  # the child's time to stop by itself once asked, before it is killed
POLL_S = 0.2  # how often a signal received is looked for while the child runs
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def run_supervised(command: list[str], env: dict[str, str], grace: float = GRACE_S) -> int:
    """Run `command` until it ends or this process is asked to stop; no process of it is left behind.

    The child gets a session, and so a process group, of its own. A terminal's Ctrl+C (sent to the
    terminal's foreground group) and a SIGTERM or SIGHUP (sent to this process alone) thus all reach this
    process only, which stops the child on one path: the signal is passed on to the child's group, the
    child has `grace` seconds to end, and then (or at once, on a second signal) the group is killed.
    The handlers only note the signal, so no exception can interrupt the start or the clean-up.

    If this process dies without the chance to do so (SIGKILL, a crash), Linux ends the child with it:
    the child asks the kernel, before it runs the command, for SIGKILL when its parent dies (prctl
    PR_SET_PDEATHSIG; not available elsewhere). Whichever way this function leaves, the child's whole
    group is killed on the way out, so nothing the child started survives either.

    Returns the child's exit code, 128 + N for a child ended by signal N, or 128 + N when this process
    was stopped by signal N (130 for Ctrl+C), quietly: no KeyboardInterrupt, no traceback.
    """
    received: list[int] = []
    previous = {s: signal.signal(s, lambda signum, _frame: received.append(signum)) for s in STOP_SIGNALS}
    child = None
    try:
        child = subprocess.Popen(command, env=env, start_new_session=True, preexec_fn=_die_with_parent())
        asked_at = None
        while child.poll() is None:
            if received and asked_at is None:
                _signal_group(child.pid, received[0])
                asked_at = time.monotonic()
            if asked_at is not None and (len(received) > 1 or time.monotonic() - asked_at > grace):
                _signal_group(child.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=POLL_S)
        if received:
            return 128 + received[0]
        return 128 - child.returncode if child.returncode < 0 else child.returncode
    finally:
        if child is not None:
            _signal_group(child.pid, signal.SIGKILL)  # whatever the child left running in its group
            child.wait()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group has ended already
        os.killpg(group, signum)


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, the function the child runs before the command: SIGKILL for it when this process dies.

    libc is found here, in the parent, so that the forked child only makes the call. The kernel sends
    the signal only for a death after the call; a parent that died before it is seen by the child's
    parent pid having changed, and the child then ends at once.
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def in_child() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)

    return in_child
