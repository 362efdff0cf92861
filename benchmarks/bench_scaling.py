"""Benchmarks 2 and 3: how the cost of a run grows with the investor population (100, 1,000, 10,000),
the number of labs (10, 30, 100) and the step length (7 and 1 days over the same dates).
Targets: 10,000 investors at most 2x the time of 100; daily steps at most 8x weekly steps.

Runs end at HORIZON_END (two simulated years) so that the 100-lab and daily cases stay quick;
ratios are what these benchmarks are for, and each is measured within one process run.
"""

from __future__ import annotations

import statistics

from benchmarks.common import baseline, median_seconds, repeats, run_model, table, verdict, with_labs

HORIZON_END = "2024-12-31"


def scaling(label: str, cases: dict[str, object], build, batch: dict[str, int] | None = None) -> dict[str, float]:
    """Median time of one run of each case, with its ratio to the first. The cases take turns within each
    repeat, so a change in the machine's load falls on all of them alike. A case given a count in `batch`
    runs that many times back to back in its turn, timed as a whole and divided by the count: a short case
    is then timed over about as long a span as a long one, and a brief fast or slow moment of the machine
    does not decide its time alone."""
    specs = {name: build(value) for name, value in cases.items()}
    runs: dict[str, list[float]] = {name: [] for name in specs}
    for _ in range(repeats()):
        for name, spec in specs.items():
            count = (batch or {}).get(name, 1)
            runs[name].append(median_seconds(lambda s=spec, c=count: [run_model(s) for _ in range(c)], n=1) / count)
    times = {name: statistics.median(t) for name, t in runs.items()}
    first = next(iter(times.values()))
    rows = [(name, f"{t:.3f} s", f"{t / first:.2f}x") for name, t in times.items()]
    print(table(rows, (label, "median", "ratio to first")))
    return times


def main() -> None:
    end = {"time.end": HORIZON_END}
    print(f"Benchmark 2: scaling, 2023-01-01 to {HORIZON_END}, medians of {repeats()} runs")
    investors = scaling(
        "investors", {f"{n:,}": n for n in (100, 1_000, 10_000)}, lambda n: baseline(**end, **{"investors.count": n})
    )
    ratio = investors["10,000"] / investors["100"]
    print(f"10,000 / 100 investors: {ratio:.2f}x, {verdict(ratio <= 2.0, '<= 2x')}\n")
    scaling("labs", {str(n): n for n in (10, 30, 100)}, lambda n: with_labs(baseline(**end), n))
    print()
    print(f"Benchmark 3: step length, 2023-01-01 to {HORIZON_END}, medians of {repeats()} turns (weekly: 7 runs each)")
    # A daily run takes about seven weekly runs' time: each turn times seven weekly runs against one daily run.
    steps = scaling("step_days", {"7": 7, "1": 1}, lambda d: baseline(**end, **{"time.step_days": d}), batch={"7": 7})
    ratio = steps["1"] / steps["7"]
    print(f"daily / weekly: {ratio:.2f}x (7x the steps), {verdict(ratio <= 8.0, '<= 8x')}")


if __name__ == "__main__":
    main()
