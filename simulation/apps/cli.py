"""The `airace` command: run, validate and list scenarios; plot, report on and compare their results;
print parameter cards; check calibration; run sweeps and their sensitivity analysis.

Exit codes: 0 success, 2 invalid input (bad file, unknown key, bad value, unknown scenario),
1 anything else (runs of a sweep that failed among them), 130 interrupted, 141 the reader of the
output went away (`airace params | head`), quietly; `airace dashboard` stopped by signal N gives
128 + N (143 for SIGTERM). Invalid input gives one readable line per problem, never a traceback.

This module reads the command line; the commands are in `commands` (scenarios and their results)
and `sweep_commands` (sweeps and their sensitivity analysis).
"""

from __future__ import annotations

import argparse
import os
import sys

from simulation import __version__
from simulation.apps.commands import (
    EXIT_ERROR,
    EXIT_INVALID,
    cmd_calibrate,
    cmd_compare,
    cmd_dashboard,
    cmd_list,
    cmd_params,
    cmd_plot,
    cmd_report,
    cmd_run,
    cmd_validate,
    report_problems,
)
from simulation.apps.estimate_commands import cmd_estimate
from simulation.apps.sweep_commands import cmd_sensitivity, cmd_sweep
from simulation.scenario import InputError

EXIT_PIPE = 128 + 13  # as a tool ended by SIGPIPE, like 130 for SIGINT


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
        "--across",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...",
        help="with --seeds: run and compare at each value of this parameter (dotted name, as --set; repeatable)",
    )
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

    p = sub.add_parser("estimate", help="estimate parameters by simulation against calibration targets")
    p.add_argument("estimation", metavar="ESTIMATION", help="an estimation file (scenarios/estimation/*.toml)")
    p.add_argument("--out", help="folder for its evaluations and results (default results/estimation/<name>)")
    p.add_argument("--workers", type=_positive, help="worker processes (default: one per core); same results")
    p.add_argument("--backend", choices=["local", "dask"], default="local", help="local process pool, or Dask")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--resume", action="store_true", help="continue in --out (finished evaluations are read back)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no messages")
    p.add_argument("--allow-function", action="store_true", help="let the file name a function outside the tests'")
    p.set_defaults(func=cmd_estimate)
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
        report_problems(exc)
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
