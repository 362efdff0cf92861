"""The commands of `airace` on parameter sweeps: sweep (run one, `status`, `export`) and sensitivity (the
indices of a finished sweep). `simulation.apps.cli` reads the command line and calls them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulation.apps.commands import EXIT_ERROR, EXIT_OK
from simulation.scenario import Problem, ScenarioError


def cmd_sweep(args: argparse.Namespace) -> int:
    """`airace sweep SWEEP [options]`, or `airace sweep status DIR`."""
    from simulation.sweep import load_sweep, run_sweep

    if args.target[0] in ("status", "export"):
        if len(args.target) != 2:
            message = f"expected one folder: airace sweep {args.target[0]} DIR"
            raise ScenarioError([Problem(f"sweep {args.target[0]}", "", message)])
        if args.target[0] == "export":
            return _sweep_export(args.target[1], args.out, args.format)
        return _sweep_status(args.target[1])
    if args.format:
        raise ScenarioError([Problem("--format", args.format, "is an option of airace sweep export DIR")])
    if len(args.target) != 1:
        message = "expected one sweep file (or: airace sweep status DIR, airace sweep export DIR)"
        raise ScenarioError([Problem("sweep", "", message)])
    if args.scheduler and args.backend != "dask":
        raise ScenarioError([Problem("--scheduler", args.scheduler, "needs --backend dask")])
    if args.backend == "dask":
        _need_cluster_extra()
    sweep = load_sweep(args.target[0], allow_functions=args.allow_function)
    out = Path(args.out) if args.out else Path("results") / "sweeps" / sweep.name
    quiet = args.quiet
    report = run_sweep(
        sweep,
        out,
        backend=args.backend,
        workers=args.workers,
        scheduler=args.scheduler,
        shard=args.shard,
        resume=args.resume,
        source=Path(args.target[0]),
        announce=None if quiet else lambda text: print(text, flush=True),
        progress=not quiet,
    )
    if not quiet:
        print(
            f"ran {report.ran} runs in {report.seconds:.1f} s ({report.skipped} already done or in other shards); "
            f"{report.failed} failed; results: {out}"
        )
    # Said on stderr and in the exit code even with --quiet: a batch job must not record success for
    # runs that failed or chunks that were never finished.
    if report.failed:
        print(
            f"error: {report.failed} of {report.ran} runs failed; the first, {report.first_error}. They are kept "
            f"with their error (`airace sweep status {out}`); rerunning the sweep does not rerun them",
            file=sys.stderr,
        )
    for chunk, error in report.lost_chunks:
        print(f"error: chunk {chunk} was not finished: {error}", file=sys.stderr)
    if report.lost_chunks:
        print(f"rerun with --resume to run the {len(report.lost_chunks)} unfinished chunk(s)", file=sys.stderr)
    return EXIT_ERROR if report.failed or report.lost_chunks else EXIT_OK


def _sweep_status(folder: str) -> int:
    from simulation.sweep import status

    s = status(folder)
    done = f"{s['runs_done']} of {s['runs']} runs done, {s['chunks_done']} of {s['chunks']} chunks"
    print(f"{s['name']} ({s['design']}): {done}")
    print(f"  distinct run ids: {s['unique_ids']}; failed runs: {s['failed']}")
    for error in s["errors"]:
        print(f"  e.g. {error}")
    return EXIT_OK


def _sweep_export(folder: str, out: str | None, fmt: str | None) -> int:
    """One tidy table of the finished runs (and one of their series), in the format asked or --out's suffix."""
    from simulation.sweep import export, status

    suffix = Path(out).suffix.removeprefix(".") if out else ""
    fmt = fmt or (suffix if suffix in ("parquet", "csv") else "parquet")
    for path in export(folder, out, fmt):
        print(path)
    s = status(folder)
    if s["runs_done"] < s["runs"]:
        print(f"note: {s['runs_done']} of {s['runs']} runs are finished; the tables hold those", file=sys.stderr)
    return EXIT_OK


def _need_cluster_extra() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ScenarioError(
            [Problem("--backend", "dask", "needs the cluster extra: pip install 'airace[cluster]'")]
        ) from None


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from analysis import plots
    from analysis.sensitivity import default_method, sweep_indices, sweep_seed_noise, wide_intervals
    from simulation.sweep import read_manifest, valued_dates

    manifest = read_manifest(args.folder)
    method = args.method or default_method(manifest["design"])
    output = args.output or manifest["metrics"][0]
    indices = sweep_indices(args.folder, method, output)
    stem = Path(args.folder) / plots.file_stem(f"sensitivity_{method}_{output}")
    csv, parquet, png = (stem.with_name(f"{stem.name}.{suffix}") for suffix in ("csv", "parquet", "png"))
    indices.to_csv(csv, index=False)
    indices.to_parquet(parquet, index=False)
    table = indices.pivot(index="parameter", columns="index", values=["value", "conf"])
    table = table.reindex(indices["parameter"].drop_duplicates())
    valued = str(valued_dates(args.folder).get(output, ""))
    print(f"{method} indices of {output}{f' {valued}' if valued else ''} ({manifest['runs']} runs):")
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    noise = sweep_seed_noise(args.folder, output)
    if noise.replicates < 2:
        print("seed noise: not measured (one run a design point); with replicates >= 2 it is")
    else:
        print(
            f"seed noise: {100 * noise.share:.3g}% of the variance of {output} over runs is between replicates "
            f"of the same design point ({noise.replicates} a point); {100 * noise.share_of_means:.3g}% of the "
            "variance of their means, which the indices read"
        )
    if noise.dominates:
        print(
            f"warning: seed noise dominates: it is {noise.share_of_means:.0%} of the variance the indices read, "
            "so they describe the noise more than the parameters; run more replicates a point",
            file=sys.stderr,
        )
    wide = wide_intervals(indices)
    if len(wide):
        listed = ", ".join(
            f"{r.index} of {r.parameter} {r.value:.3g} ± {r.conf:.2g}" for r in wide.head(6).itertuples()
        )
        more = f" and {len(wide) - 6} more" if len(wide) > 6 else ""
        print(
            f"warning: {len(wide)} of {int(indices['conf'].notna().sum())} indices have a 95% interval wider than "
            f"the index itself ({listed}{more}): they cannot be ranked or told from 0; more samples narrow them",
            file=sys.stderr,
        )
    chart = plots.save_figure(plots.sensitivity_bars(indices, output, valued=valued), png)
    print(f"written: {csv}, {parquet.name} and {chart.name}")
    return EXIT_OK
