"""`airace estimate ESTIMATION.toml`: run an estimation into a folder and write what it found."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulation.scenario import Problem, ScenarioError


def cmd_estimate(args: argparse.Namespace) -> int:
    from analysis.estimation import estimate, load_estimation
    from analysis.estimation.outputs import write_outputs

    if args.scheduler and args.backend != "dask":
        raise ScenarioError([Problem("--scheduler", args.scheduler, "needs --backend dask")])
    est = load_estimation(args.estimation, allow_functions=args.allow_function)
    out = Path(args.out) if args.out else Path("results") / "estimation" / est.name
    found = estimate(
        est,
        out,
        backend=args.backend,
        workers=args.workers,
        scheduler=args.scheduler,
        resume=args.resume,
        source=Path(args.estimation),
        progress=not args.quiet,
    )
    written = write_outputs(est, found, out)
    if not args.quiet:
        print(found.intervals.to_string(index=False))
        if found.screening is not None:
            dropped = found.screening.loc[~found.screening["kept"], "parameter"].tolist()
            print(
                f"screening: {found.screening_ran} points run, {found.screening_reused} read back; "
                f"screened out: {', '.join(dropped) or 'none'}"
            )
        print(
            f"{found.ran} evaluations run in {found.seconds:.1f} s, {found.reused} read back; "
            f"written: {', '.join(str(p) for p in written)}"
        )
    return 0
