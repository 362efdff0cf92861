"""The process pool on this machine that sweeps (`simulation.sweep.executors.local_map`) and replicates
(`simulation.runner.run_replicates`) share.

forkserver, not fork: the coordinating process runs threads (OpenBLAS's from numpy's import, Arrow's,
Dask's), and a forked copy of a threaded process can deadlock. The forkserver imports the model once.

Workers exit when the process that made the pool dies, however it dies (SIGKILL included): each holds
the read end of a pipe whose only write end stays in that process, and a thread of the worker waits
on it. When the coordinator dies its end closes, the read returns end-of-file, and the worker exits.
Without this, workers killed out from under their coordinator wait for work on their queue forever.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection

PRELOAD = ["simulation.runner", "simulation.sweep.executors"]


@contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of `workers` processes whose workers exit if this process dies."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    lifeline, keep = context.Pipe(duplex=False)  # workers get `lifeline`; only this process holds `keep`
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=watch_coordinator, initargs=(lifeline,)
        ) as pool:
            yield pool
    finally:
        keep.close()
        lifeline.close()


def watch_coordinator(lifeline: Connection) -> None:
    """In a worker: exit as soon as the coordinator's end of `lifeline` closes (nothing is ever sent on it)."""

    def wait() -> None:
        with suppress(EOFError, OSError):
            lifeline.recv_bytes()
        os._exit(1)  # at once: there is no one left to take the result of the run in hand

    threading.Thread(target=wait, name="watch-coordinator", daemon=True).start()
