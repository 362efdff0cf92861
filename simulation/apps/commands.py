"""The commands of `airace` on scenarios and their results: run, validate, list, params, calibrate and
dashboard; plot, report and compare. `simulation.apps.cli` reads the command line and calls them; each
returns an exit code (those `cli` documents), and raises an InputError for input that is not valid.
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys
import tomllib
from pathlib import Path
from typing import Any

from simulation.progress import progress
from simulation.runner import Results, run_replicates
from simulation.scenario import (
    InputError,
    Key,
    Problem,
    Scenario,
    ScenarioError,
    after_the_end,
    builtin_scenarios,
    implausible,
    load_scenario,
    parameter_cards,
    parameters,
    parse_value,
    resolve_path,
)
from simulation.scenario.load import read_with_extends
from simulation.scenario.paths import find_line

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2


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


def note_implausible(source: str, spec: Scenario, overrides: dict[str, Any]) -> None:
    """On stderr, a `note:` for each number outside its plausible range, at its line (or `--set`), with
    the range and its source: the file's, for a number the command line changed."""
    found = implausible(spec)
    if any(key in overrides for key, _ in found):
        found = implausible(spec, {p.name: p.source for p in parameters(load_scenario(source))})
    files = read_with_extends(resolve_path(source))[1]
    for key, message in found:
        file, line = ("--set", None) if key in overrides else find_line(files, Key.parse(key))
        print(f"note: {Problem(file or source, key, message, line)}", file=sys.stderr)


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
    note_implausible(args.scenario, spec, overrides)
    seed = spec.seed if args.seed is None else args.seed
    out = Path(args.out) if args.out else Path("results") / spec.name
    total = spec.time.n_steps * args.replicates
    with progress(total, spec.name, "step", show=not args.quiet) as bar:
        for results in run_replicates(spec, seed, args.replicates, progress=bar.update, workers=args.workers):
            folder = results.save(out / f"seed_{results.seed}")
            if not args.quiet:
                bar.write(format_summary(results, folder))
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
    from simulation.sweep import parameter_labels, read_manifest, read_runs, valued_dates

    manifest = read_manifest(args.results)
    runs = read_runs(args.results)
    runs = runs[runs["status"] == "ok"]
    if len(manifest["parameters"]) < 2 or runs.empty:
        raise ResultsError(args.results, "a heatmap needs two swept parameters and finished runs")
    out = Path(args.out) if args.out else Path(args.results) / "figures"
    valued = {metric: str(days) for metric, days in valued_dates(args.results).items()}
    figures = plots.sweep_figures(
        runs, manifest["parameters"], manifest["metrics"], labels=parameter_labels(args.results), valued=valued
    )
    for name, fig in figures.items():
        print(plots.save_figure(fig, out / f"{name}.{args.format}"))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from analysis.report import write_report

    print(write_report(args.results, args.out))  # run folders, or one estimation folder
    return EXIT_OK


def parse_across(pairs: list[str]) -> dict[str, list[Any]]:
    """`--across dotted.key=v1,v2,...` pairs as {key: values}; values are read as TOML, as --set's."""
    across: dict[str, list[Any]] = {}
    for pair in pairs:
        key, sep, values = pair.partition("=")
        texts = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not key.strip() or len(texts) < 2:
            expected = "expected KEY=VALUE,VALUE,..., two values or more: for example services.price_elasticity=0.6,1.5"
            raise ScenarioError([Problem("--across", pair, expected)])
        across[key.strip()] = [parse_value(v) for v in texts]
    return across


def _run_seeds(spec: Any, folder: Path, args: argparse.Namespace, label: str) -> Any:
    """Run a scenario with the seeds of `airace compare --seeds`, store the runs in `folder`, as a ResultSet."""
    from analysis.load import ResultSet

    with progress(spec.time.n_steps * args.seeds, spec.label, "step") as bar:
        runs = list(run_replicates(spec, args.seed, args.seeds, progress=bar.update, workers=args.workers))
    for r in runs:
        r.save(folder / f"seed_{r.seed}")
    print(f"ran {spec.label} with seeds {args.seed} to {args.seed + args.seeds - 1}: {folder}")
    return ResultSet(label, runs, folder)


def cmd_compare(args: argparse.Namespace) -> int:
    """Paired effects of each result against the first: stored results, or scenarios run here (--seeds),
    at the scenarios' values or at each value of an assumption (--across)."""
    import pandas as pd

    from analysis import plots
    from analysis.paired import EXCLUDES_0, effects_against_first, interval_note, readable

    if args.across and not args.seeds:
        raise ScenarioError([Problem("--across", "", "needs --seeds N: the scenarios are run at each value")])
    if args.across:
        return _compare_across(args)
    out = Path(args.out)
    if args.seeds:
        overrides = parse_overrides(args.set)
        specs = [load_scenario(source, overrides, label="--set") for source in args.results]
        for source, spec in zip(args.results, specs, strict=True):
            note_implausible(source, spec, overrides)
        results = [_run_seeds(spec, out / "runs" / spec.name, args, spec.label) for spec in specs]
    else:
        results = _load_results(args.results)
    if len(results) < 2:
        raise ScenarioError([Problem("compare", "", "expected two results or more: the first is the reference")])
    effects = effects_against_first(results)
    out.mkdir(parents=True, exist_ok=True)
    reference = results[0].label
    with pd.option_context("display.width", 250, "display.max_columns", None, "display.max_colwidth", None):
        for label, (table, pair) in effects.items():
            print(f"\n{label} against {reference}: paired effects, {interval_note(len(pair.seeds))}")
            for note in pair.notes:
                print(f"note: {note}")
            print(readable(table).to_string())
            print(EXCLUDES_0)
    combined = pd.concat(
        {label: table.assign(interval=interval_note(len(pair.seeds))) for label, (table, pair) in effects.items()},
        names=["scenario", "outcome"],
    )
    combined.to_csv(out / "effects.csv")
    figures = {
        **plots.comparison_figures(results),
        "paired_effects": plots.paired_effects_figure({label: table for label, (table, _) in effects.items()}),
    }
    for name, fig in figures.items():
        print(plots.save_figure(fig, out / f"{name}.{args.format}"))
    print(out / "effects.csv")
    return EXIT_OK


def _compare_across(args: argparse.Namespace) -> int:
    """`airace compare A B --seeds N --across KEY=V1,V2`: every scenario run at each value of each assumption
    on the same seeds; one table of the effects at each value (across.csv), a figure per assumption, a line
    for each effect whose sign or distance from 0 rests on the assumption, and report.html."""
    import pandas as pd

    from analysis import across, plots
    from analysis.paired import EXCLUDES_0, readable
    from analysis.report import write_across_report

    out = Path(args.out)
    if len(args.results) < 2:
        raise ScenarioError([Problem("compare", "", "expected two scenarios or more: the first is the reference")])
    overrides = parse_overrides(args.set)
    labels = [load_scenario(source, overrides, label="--set").label for source in args.results]
    specs = {  # every scenario at every value, checked before any runs
        (key, value): [load_scenario(source, overrides | {key: value}, label="--across") for source in args.results]
        for key, values in parse_across(args.across).items()
        for value in values
    }
    groups = {
        (key, value): [
            _run_seeds(spec, out / "runs" / f"{key}={value}" / spec.name, args, label)
            for spec, label in zip(runs, labels, strict=True)
        ]
        for (key, value), runs in specs.items()
    }
    table = across.effects_across(groups)
    note = across.across_note(table)
    out.mkdir(parents=True, exist_ok=True)
    table.assign(interval=note).to_csv(out / "across.csv")
    with pd.option_context("display.width", 250, "display.max_columns", None, "display.max_colwidth", None):
        for (scenario, assumption), rows in table.groupby(level=["scenario", "assumption"], sort=False):
            print(f"\n{scenario} against {labels[0]} across {assumption}: paired effects, {note}")
            print(readable(rows.droplevel(["scenario", "assumption"])).to_string())
            print(EXCLUDES_0)
    lines = across.dependence_lines(table)
    print("\n" + "\n".join(lines or ["No effect changes sign, or whether its interval excludes 0, with these values."]))
    for assumption in table.index.unique("assumption"):
        fig = plots.across_figure(table, assumption, across.headline(table), note)
        print(plots.save_figure(fig, out / f"across_{assumption}.{args.format}"))
    print(write_across_report(groups, out / "report.html"))
    print(out / "across.csv")
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
            report_problems(exc)
            status = EXIT_INVALID
            continue
        print(f"{source}: ok")
        note_implausible(source, spec, overrides)
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
    for name in calibration.scenarios():
        spec = load_scenario(name)
        with progress(spec.time.n_steps * args.seeds, name, "step") as bar:
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
    problem = listen_problem(args.host, args.port)
    if problem:  # said before any URL is printed, so none is a dead link
        print(f"error: {problem}, e.g. airace dashboard {name} --port {args.port + 1}", file=sys.stderr)
        return EXIT_INVALID
    # Solara's "runs on Solara" banner would sit over the charts' corner on a projector.
    env = {**os.environ, "AIRACE_DASHBOARD_SCENARIO": name, "SOLARA_THEME_SHOW_BANNER": "False"}
    command = [sys.executable, "-m", "solara", "run", "simulation.apps.dashboard", "--production", "--no-open"]
    command += ["--host", args.host, "--port", str(args.port), "--log-level", "warning"]
    print(f"dashboard of {name} at http://{args.host}:{args.port} (Ctrl+C stops it)", flush=True)
    return run_supervised(command, env)


def listen_problem(host: str, port: int) -> str | None:
    """Why a server could not listen on host:port now, or None (bound as the server binds: SO_REUSEADDR,
    so a port in TIME_WAIT is free)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is in use (another dashboard?); choose another with --port"
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --host or --port"
    return None


def report_problems(exc: InputError) -> None:
    """Each problem of invalid input on a line of its own on stderr, as `error: ...`: never a traceback."""
    for problem in exc.problems:
        print(f"error: {problem}", file=sys.stderr)
