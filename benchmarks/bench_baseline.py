"""Benchmark 1: one baseline run (default population, weekly steps, 2023-2030): construction and stepping
timed apart, the whole run with its Results, and peak memory. Target: median at most 1 s, at most 300 MB."""

from __future__ import annotations

import subprocess
import sys

from benchmarks.common import baseline, median_seconds, repeats, stepping_seconds, table, verdict
from simulation import run
from simulation.model import AIRaceModel

TARGET_SECONDS, TARGET_MB = 1.0, 300.0


def peak_memory_mb() -> float:
    """Peak resident memory of a fresh process that imports the package and makes one baseline run
    (ru_maxrss is in KiB on Linux), so the figure is not inflated by earlier runs in this process."""
    code = (
        "import resource, simulation; simulation.run('baseline');"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1]) / 1024


def main() -> dict:
    spec = baseline()
    build = median_seconds(lambda: AIRaceModel(spec, spec.seed))
    step, step_cpu = stepping_seconds(spec)
    whole = median_seconds(lambda: run(spec))
    memory = peak_memory_mb()
    print(f"Benchmark 1: one baseline run, {spec.time.n_steps} weekly steps, medians of {repeats()} runs")
    rows = [
        ("construction", f"{build:.3f} s", ""),
        ("stepping", f"{step:.3f} s", ""),
        ("stepping, CPU time", f"{step_cpu:.3f} s", "what this process used"),
        ("run() with Results", f"{whole:.3f} s", verdict(whole <= TARGET_SECONDS, f"<= {TARGET_SECONDS:g} s")),
        ("peak memory (RSS)", f"{memory:.0f} MB", verdict(memory <= TARGET_MB, f"<= {TARGET_MB:g} MB")),
    ]
    print(table(rows, ("what", "median", "")))
    return {"construction_s": build, "stepping_s": step, "stepping_cpu_s": step_cpu, "run_s": whole, "peak_mb": memory}


if __name__ == "__main__":
    main()
