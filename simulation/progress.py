"""Progress of long commands: tqdm's bar on a terminal; in a log (a batch job's, stderr not a terminal) a
plain line now and then, since a bar redrawn with carriage returns is one unreadable line in a file.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Any

from tqdm import tqdm

EVERY_SECONDS = 30.0  # a log gets a line this often, and none for work done sooner


class LogProgress:
    """Progress as plain lines: "tiny: 12/40 runs done, 2m10s elapsed, about 5m left", one every `every`
    seconds, and a last one when done if any was written. Used like tqdm: `update(n)`, `write(text)`,
    `set_postfix_str(text)` for what follows the count ("best distance 3.2")."""

    def __init__(
        self,
        total: int,
        desc: str,
        unit: str,
        stream: IO[str],
        every: float = EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.desc, self.unit, self.stream, self.every, self.clock = total, desc, unit, stream, every, clock
        self.done, self.started = 0, clock()
        self.last = self.started  # when the last line was written (the start: nothing yet)
        self.lines = 0
        self.postfix = ""  # what the work reports besides its count (an estimation: the best distance so far)

    def update(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if now - self.last >= self.every and self.done < self.total:
            self._line(now)

    def _line(self, now: float) -> None:
        elapsed = now - self.started
        text = f"{self.desc}: {self.done}/{self.total} {self.unit}s done, {duration(elapsed)} elapsed"
        if 0 < self.done < self.total:
            text += f", about {duration(elapsed / self.done * (self.total - self.done))} left"
        if self.postfix:
            text += f", {self.postfix}"
        print(text, file=self.stream, flush=True)
        self.last, self.lines = now, self.lines + 1

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        """As tqdm's: a short text shown after the count on every later line."""
        self.postfix = text

    @staticmethod
    def write(text: str) -> None:
        print(text, flush=True)

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.lines and exc[0] is None:
            self._line(self.clock())


def progress(
    total: int, desc: str, unit: str, show: bool = True, stream: IO[str] | None = None, **bar: Any
) -> tqdm | LogProgress:
    """A progress display for `total` units of work: tqdm's bar (with `bar`'s options) when `stream` (default
    stderr) is a terminal, plain lines now and then when it is not, nothing when `show` is false. Use it as a
    context manager: `update(n)` as work is done, `write(text)` to print a line to stdout."""
    stream = sys.stderr if stream is None else stream
    if show and not stream.isatty():
        return LogProgress(total, desc, unit, stream, every=EVERY_SECONDS)
    return tqdm(total=total, desc=desc, unit=unit, disable=not show, file=stream, **{"leave": False, **bar})


def duration(seconds: float) -> str:
    """Seconds as a person reads them: 45s, 2m10s, 1h05m."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
