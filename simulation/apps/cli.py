"""The `airace` command: run, validate and list scenarios; plot, report on and compare their results;
print parameter cards; check calibration; run sweeps and their sensitivity analysis.

Exit codes: 0 success, 2 invalid input (bad file, unknown key, bad value, unknown scenario),
1 anything else (runs of a sweep that failed among them), 130 interrupted, 141 the reader of the
output went away (`airace params | head`), quietly; `airace dashboard` stopped by signal N gives 128 + N
(143 for SIGTERM). Invalid input gives one readable line per
problem, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from tqdm import tqdm

from simulation import __version__
from simulation.runner import Results, run_replicates
from simulation.scenario import (
    InputError,
    Key,
    Problem,
    ScenarioError,
    after_the_end,
    builtin_scenarios,
    load_scenario,
    parameter_cards,
    parse_value,
    resolve_path,
)
from simulation.scenario.paths import find_line

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2
EXIT_PIPE = 128 + 13  # as a tool ended by SIGPIPE, like 130 for SIGINT


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """`--set dotted.key=value` pairs as a dict; values are read as TOML (numbers, booleans, dates)."""
    overrides: dict[str, Any] = {}
    problems = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            problems.append(
                Problem("--set", pair, "expected dotted.key=value, for example labs.deepseek.research_share=0.3")
            )
            continue
        overrides[key.strip()] = parse_value(value.strip())
    if problems:
        raise ScenarioError(problems)
    return overrides


def format_summary(results: Results, folder: Path) -> str:
    s = results.summary
    lines = [f"{s['scenario']} (seed {s['seed']}), {s['start']} to {s['end']}, {s['steps']} steps"]
    frontier = ", ".join(f"{b} {v:.2f}" for b, v in s["frontier_capability_end"].items())
    lines.append(f"  frontier capability at the end: {frontier}")
    gap = s["gap_months"]
    parts = [f"start {gap['start']:.1f}"]
    parts += [
        f"{name} ({e['date']}) {e['gap_months']:.1f}"
        if e["gap_months"] is not None
        else f"{name} ({e['date']}) after the end"
        for name, e in gap["at_events"].items()
    ]
    parts.append(f"end {gap['end']:.1f}")
    lines.append(f"  {s['laggard']} behind {s['leader']}, months: " + ", ".join(parts))
    for ticker, fall in s["largest_one_step_fall"].items():
        lines.append(f"  largest one-step fall of {ticker}: {fall['fall']:.1%} on {fall['date']}")
    lines.append(f"  results: {folder}")
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    overrides = parse_overrides(args.set)
    spec = load_scenario(args.scenario, overrides, label="--set")
    seed = spec.seed if args.seed is None else args.seed
    out = Path(args.out) if args.out else Path("results") / spec.name
    show = not args.quiet and sys.stderr.isatty()
    total = spec.time.n_steps * args.replicates
    with tqdm(total=total, desc=spec.name, unit="step", disable=not show, leave=False) as bar:
        for results in run_replicates(spec, seed, args.replicates, progress=bar.update, workers=args.workers):
            folder = results.save(out / f"seed_{results.seed}")
            if not args.quiet:
                tqdm.write(format_summary(results, folder))
    return EXIT_OK


def _load_results(sources: list[str]) -> list:
    """Stored results for plot, report and compare (a path that holds none is an input error)."""
    # Imported here, not at the top: the analysis (matplotlib) takes a second to import and
    # `airace validate` needs none of it.
    from analysis.load import load_many

    return load_many(sources)


def cmd_plot(args: argparse.Namespace) -> int:
    from analysis import plots

    if (Path(args.results) / "manifest.json").exists():
        return _plot_sweep(args)
    results = _load_results([args.results])
    out = Path(args.out) if args.out else Path(args.results) / "figures"
    for name, fig in plots.figures_for(results[0]).items():
        print(plots.save_figure(fig, out / f"{name}.{args.format}"))
    return EXIT_OK


def _plot_sweep(args: argparse.Namespace) -> int:
    """A sweep folder: heatmaps of every kept outcome over each pair of swept parameters."""
    from analysis import plots
    from analysis.load import ResultsError
    from simulation.sweep import read_manifest, read_runs

    manifest = read_manifest(args.results)
    runs = read_runs(args.results)
    runs = runs[runs["status"] == "ok"]
    if len(manifest["parameters"]) < 2 or runs.empty:
        raise ResultsError(args.results, "a heatmap needs two swept parameters and finished runs")
    out = Path(args.out) if args.out else Path(args.results) / "figures"
    for name, fig in plots.sweep_figures(runs, manifest["parameters"], manifest["metrics"]).items():
        print(plots.save_figure(fig, out / f"{name}.{args.format}"))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from analysis.report import write_report

    results = _load_results(args.results)
    print(write_report(results, args.out))
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    """Paired effects of each result against the first: stored results, or scenarios run here (--seeds)."""
    import pandas as pd

    from analysis import plots
    from analysis.load import ResultSet
    from analysis.paired import LEVEL, effects_against_first, readable

    out = Path(args.out)
    if args.seeds:
        results = []
        for source in args.results:
            spec = load_scenario(source, parse_overrides(args.set), label="--set")
            folder = out / "runs" / spec.name
            runs = list(run_replicates(spec, args.seed, args.seeds, workers=args.workers))
            for r in runs:
                r.save(folder / f"seed_{r.seed}")
            results.append(ResultSet(spec.label, runs, folder))
            print(f"ran {spec.label} with seeds {args.seed} to {args.seed + args.seeds - 1}: {folder}")
    else:
        results = _load_results(args.results)
    if len(results) < 2:
        raise ScenarioError([Problem("compare", "", "expected two results or more: the first is the reference")])
    effects = effects_against_first(results)
    out.mkdir(parents=True, exist_ok=True)
    reference = results[0].label
    with pd.option_context("display.width", 200, "display.max_columns", None, "display.float_format", "{:.4g}".format):
        for label, (table, pair) in effects.items():
            print(f"\n{label} against {reference}: paired effects over {len(pair.seeds)} seeds ({LEVEL:.0%} intervals)")
            for note in pair.notes:
                print(f"note: {note}")
            print(readable(table).to_string())
    combined = pd.concat({label: table for label, (table, _) in effects.items()}, names=["scenario", "outcome"])
    combined.to_csv(out / "effects.csv")
    figures = {
        **plots.comparison_figures(results),
        "paired_effects": plots.paired_effects_figure({label: table for label, (table, _) in effects.items()}),
    }
    for name, fig in figures.items():
        print(plots.save_figure(fig, out / f"{name}.{args.format}"))
    print(out / "effects.csv")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Each scenario (with the --set overrides): ok, or every problem; and a note for each dated entry
    after the end, which is valid but will not happen."""
    status = EXIT_OK
    overrides = parse_overrides(args.set)
    for source in args.scenarios:
        try:
            spec = load_scenario(source, overrides, label="--set")
        except ScenarioError as exc:
            _report(exc)
            status = EXIT_INVALID
            continue
        print(f"{source}: ok")
        for key, message in after_the_end(spec):
            file, line = find_line([resolve_path(source)], Key.parse(key))
            print(f"note: {Problem(file or str(source), key, message, line)}")
    return status


def cmd_list(_: argparse.Namespace) -> int:
    scenarios = builtin_scenarios()
    width = max(map(len, scenarios), default=0)
    for name, path in scenarios.items():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        print(f"{name:<{width}}  {data.get('description', '')}")
    return EXIT_OK


def cmd_params(args: argparse.Namespace) -> int:
    print(parameter_cards(load_scenario(args.scenario), markdown=args.markdown))
    return EXIT_OK


def cmd_calibrate(args: argparse.Namespace) -> int:
    from analysis import calibration

    runs = {}
    show = sys.stderr.isatty()
    for name in calibration.scenarios():
        spec = load_scenario(name)
        with tqdm(total=spec.time.n_steps * args.seeds, desc=name, unit="step", disable=not show, leave=False) as bar:
            runs[name] = list(run_replicates(spec, spec.seed, args.seeds, progress=bar.update))
    frame = calibration.evaluate(runs)
    print(calibration.table(frame, markdown=args.markdown))
    failed = int((~frame["passed"]).sum())
    predicted = frame[frame["basis"] == "predicted"]
    print(
        f"\n{len(frame) - failed} of {len(frame)} targets met (median of {args.seeds} seeds); of the "
        f"{len(predicted)} predicted (no input set to meet them), {int(predicted['passed'].sum())} met"
    )
    return EXIT_OK if failed == 0 else EXIT_ERROR


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
        progress=not quiet and sys.stderr.isatty(),
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
    from simulation.sweep import read_manifest

    manifest = read_manifest(args.folder)
    method = args.method or default_method(manifest["design"])
    output = args.output or manifest["metrics"][0]
    indices = sweep_indices(args.folder, method, output)
    stem = Path(args.folder) / f"sensitivity_{method}_{output}"
    indices.to_csv(stem.with_suffix(".csv"), index=False)
    indices.to_parquet(stem.with_suffix(".parquet"), index=False)
    table = indices.pivot(index="parameter", columns="index", values=["value", "conf"])
    table = table.reindex(indices["parameter"].drop_duplicates())
    print(f"{method} indices of {output} ({manifest['runs']} runs):")
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
    chart = plots.save_figure(plots.sensitivity_bars(indices, output), stem.with_suffix(".png"))
    print(f"written: {stem.with_suffix('.csv')}, {stem.with_suffix('.parquet').name} and {chart.name}")
    return EXIT_OK


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the dashboard with `solara run` in a child process that ends with this command (see
    `run_supervised`): a stopped or killed `airace dashboard` leaves no server holding the port."""
    import importlib.util

    from simulation.apps.supervise import run_supervised

    name = str(args.scenario)
    load_scenario(name)  # a bad name or file: its problems (exit 2) before a server starts
    if importlib.util.find_spec("solara") is None:  # the server imports it; this process need not
        print(
            "error: the dashboard needs the teaching extra: pip install -e '.[teach]' (make venv does)", file=sys.stderr
        )
        return EXIT_ERROR
    # Solara's "runs on Solara" banner would sit over the charts' corner on a projector.
    env = {**os.environ, "AIRACE_DASHBOARD_SCENARIO": name, "SOLARA_THEME_SHOW_BANNER": "False"}
    command = [sys.executable, "-m", "solara", "run", "simulation.apps.dashboard", "--production", "--no-open"]
    command += ["--host", args.host, "--port", str(args.port), "--log-level", "warning"]
    print(f"dashboard of {name} at http://{args.host}:{args.port} (Ctrl+C stops it)", flush=True)
    return run_supervised(command, env)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="airace", description="AI Race Simulator: an agent-based model of the AI race."
    )
    parser.add_argument("--version", action="version", version=f"airace {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="run a scenario and write one folder per run")
    p.add_argument("scenario", help="path to a scenario file, or the name of a built-in scenario (see `airace list`)")
    p.add_argument("--seed", type=_seed, help="seed of the first run (default: the scenario's own)")
    p.add_argument("--replicates", type=_positive, default=1, help="runs with seeds seed, seed+1, ... (default 1)")
    p.add_argument("--workers", type=_positive, default=1, help="replicates run in parallel, same results (default 1)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter by dotted name, e.g. labs.deepseek.research_share=0.3 (repeatable)",
    )
    p.add_argument("--out", help="folder for results (default results/<scenario name>)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check scenario files; print ok or every problem")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="check with this override")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("list", help="list the built-in scenarios")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("params", help="print every tunable parameter: name, value, unit, plausible range, source")
    p.add_argument("scenario", nargs="?", default="baseline", help="scenario file or built-in name (default baseline)")
    p.add_argument("--markdown", action="store_true", help="a Markdown table (docs/parameters.md is made this way)")
    p.set_defaults(func=cmd_params)

    p = sub.add_parser("calibrate", help="run the calibration scenarios and compare them with the public targets")
    p.add_argument("--seeds", type=_positive, default=10, help="runs per scenario; the median is judged (default 10)")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("dashboard", help="serve the teaching dashboard (Mesa SolaraViz) in a browser")
    p.add_argument(
        "scenario",
        nargs="?",
        default="deepseek_shock",
        help="scenario shown first: a built-in name or a file (default deepseek_shock)",
    )
    p.add_argument("--port", type=_port, default=8765, help="port to serve on (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this computer only)")
    p.set_defaults(func=cmd_dashboard)

    results_help = "a run folder, or a folder of replicate run folders (the --out of `airace run`)"
    formats = ["png", "svg", "pdf"]
    p = sub.add_parser("plot", help="write every figure that applies to a result")
    p.add_argument("results", metavar="RESULTS", help=results_help)
    p.add_argument("--out", help="folder for the figures (default RESULTS/figures)")
    p.add_argument("--format", choices=formats, default="png", help="file format (default png)")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("report", help="write one self-contained HTML report; several results are compared")
    p.add_argument("results", nargs="+", metavar="RESULTS", help=results_help)
    p.add_argument("--out", default="report.html", help="the HTML file to write (default report.html)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("compare", help="paired effects of results (or scenarios, with --seeds) against the first")
    p.add_argument(
        "results", nargs="+", metavar="RESULTS", help=results_help + "; with --seeds, scenario names or files"
    )
    p.add_argument("--seeds", type=_positive, help="run each scenario with this many seeds first (the same for all)")
    p.add_argument("--seed", type=_seed, default=1, help="with --seeds: the first seed (default 1)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="with --seeds: an override")
    p.add_argument(
        "--workers", type=_positive, default=1, help="with --seeds: runs in parallel, same results (default 1)"
    )
    p.add_argument("--out", default="comparison", help="folder for figures and effects.csv (default comparison)")
    p.add_argument("--format", choices=formats, default="png", help="file format of the figures (default png)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "sweep",
        help="run a parameter sweep (airace sweep SWEEP), show how far one is (airace sweep status DIR), "
        "or write its results as tidy tables (airace sweep export DIR)",
    )
    p.add_argument("target", nargs="+", metavar="SWEEP", help="a sweep file; or: status DIR; or: export DIR")
    p.add_argument(
        "--out",
        help="folder for the sweep's results (default results/sweeps/<sweep name>); "
        "with export: the file of the runs table (default DIR/<sweep name>_runs.<format>)",
    )
    p.add_argument(
        "--format",
        choices=["parquet", "csv"],
        help="with export: the tables' format (default: --out's suffix, or parquet)",
    )
    p.add_argument("--workers", type=_positive, help="worker processes (default: one per core)")
    p.add_argument("--backend", choices=["local", "dask"], default="local", help="local process pool, or Dask")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--shard", type=_shard, default=(1, 1), metavar="I/N", help="run only the I-th of N slices")
    p.add_argument("--resume", action="store_true", help="continue a sweep in --out (finished runs are skipped)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no messages")
    p.add_argument(
        "--allow-function",
        action="store_true",
        help="let a function sweep call a function outside the project's test functions (runs that code)",
    )
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("sensitivity", help="Sobol, Morris or RBD-FAST indices of one output of a finished sweep")
    p.add_argument("folder", metavar="DIR", help="the sweep's results folder")
    p.add_argument(
        "--method",
        choices=["sobol", "morris", "rbd_fast"],
        help="default: the sweep's design (sobol, morris), or rbd_fast for an lhs design",
    )
    p.add_argument("--output", metavar="NAME", help="an output metric of the sweep (default: its first)")
    p.set_defaults(func=cmd_sensitivity)
    return parser


def _shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise argparse.ArgumentTypeError(f"expected I/N with 1 <= I <= N, for example 2/8; found {text!r}")
    return int(index), int(count)


def _positive(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, found {text!r}")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"expected a port from 1 to 65535, found {text!r}")
    return int(text)


def _seed(text: str) -> int:
    if not text.isdigit() or int(text) >= 2**63:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 2**63-1, found {text!r}")
    return int(text)


def _report(exc: InputError) -> None:
    for problem in exc.problems:
        print(f"error: {problem}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status = args.func(args)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit, where it is not
        return status
    except BrokenPipeError:  # the reader stopped (`airace params | head`): stop quietly, as Unix tools do
        # Later writes (the interpreter's own flush at exit) must not find the closed pipe again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE
    except InputError as exc:  # a scenario, sweep, results folder or command-line value that is not valid
        _report(exc)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted; finished runs are saved", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("AIRACE_DEBUG"):
            raise
        print(f"error: {type(exc).__name__}: {exc} (set AIRACE_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
