"""Benchmark 5: where one baseline run spends its time: the ten most expensive functions (cProfile,
by own time, and by cumulative time)."""

from __future__ import annotations

import cProfile
import pstats

from benchmarks.common import baseline
from simulation import run


def main() -> None:
    spec = baseline()
    profile = cProfile.Profile()
    profile.runcall(run, spec)
    stats = pstats.Stats(profile).strip_dirs()
    print("Benchmark 5: profile of one baseline run")
    stats.sort_stats("tottime").print_stats(10)
    stats.sort_stats("cumulative").print_stats(10)


if __name__ == "__main__":
    main()
