"""Sweep files, designs, the store and sensitivity analysis, as a researcher meets them."""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.sensitivity import seed_noise, sweep_indices
from simulation import load_scenario, parameters, run
from simulation.apps.cli import main
from simulation.scenario import ScenarioError
from simulation.scenario.moved import MOVED
from simulation.sweep import load_sweep, make_design, read_manifest, read_runs, read_series, run_seed, run_sweep
from simulation.sweep.testfunctions import ishigami_indices

REPO = Path(__file__).resolve().parent.parent
TINY_SET = '"time.end" = "2023-06-30"\n"time.step_days" = 7\n"investors.count" = 100\n'


def airace(*args: str) -> subprocess.CompletedProcess:
    """The command as a user runs it, in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "simulation.apps.cli", *args], capture_output=True, text=True, timeout=600, cwd=REPO
    )


def cli(*args: str) -> subprocess.CompletedProcess:
    """The same command in this process: its exit code, output and errors, without the start-up of a new Python."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


@pytest.fixture
def sweep_file(write_scenario):
    """Write a sweep file and return its path."""
    return lambda body, name="sweep.toml": write_scenario(body, name)


MODEL_SWEEP = f"""
name = "tiny"
scenario = "deepseek_shock"
design = "grid"
replicates = 2
seed = 5
chunk_size = 3

[set]
{TINY_SET}
[parameters]
"regulators.bis.rules.oct2023.enforcement" = {{ values = [0.5, 1.0] }}
"investors.jevons_belief_mean" = {{ range = [-0.5, 0.5], steps = 2 }}

[outputs]
metrics = ["gap_months.end", "ai_index_end", "max_drawdown.NVDA.drawdown", "largest_training_run.CN.flop_end"]
series = ["gap_months", "price_NVDA"]
stride = 5
"""


# ---------------------------------------------------------------- sweep files


def test_the_example_sweep_files_are_valid():
    for name in ("controls_vs_breakthrough", "sobol_gap"):
        sweep = load_sweep(REPO / "scenarios" / "sweeps" / f"{name}.toml")
        assert sweep.base is not None
        assert make_design(sweep).points > 1
    assert 6 <= len(load_sweep(REPO / "scenarios/sweeps/sobol_gap.toml").parameters) <= 8


def test_each_example_sweep_measures_its_outcomes_within_its_scenarios_run_on_the_dates_it_states():
    """They said "the gap at the end of 2030" and swept deepseek_shock, which ends at the end of 2025: every
    year a sweep's header or description names must be one its runs reach, and every kept outcome is
    measured on days within the run (`valued_on`, which tables and titles print)."""
    from simulation.runner import valued_on

    for path in sorted((REPO / "scenarios" / "sweeps").glob("*.toml")):
        sweep = load_sweep(path)
        time = sweep.base.time
        header = "".join(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#"))
        stated = {int(year) for year in re.findall(r"\b(20\d\d)\b", header + sweep.description)}
        assert stated and stated <= set(range(time.start.year, time.end.year + 1)), (path.name, stated, time)
        for metric in sweep.outputs.metrics:
            days = valued_on(sweep.base, metric)
            assert time.start <= days.first <= days.last <= time.end, (path.name, metric, days)
        assert str(valued_on(sweep.base, "gap_months.end")) == "on 2030-12-29"  # the last weekly row of 2030


def test_the_sobol_example_sweeps_the_registrys_plausible_ranges_as_its_comment_says():
    sweep = load_sweep(REPO / "scenarios/sweeps/sobol_gap.toml")
    assert "`airace params deepseek_shock`" in (REPO / "scenarios/sweeps/sobol_gap.toml").read_text()
    plausible = {p.name: p.plausible for p in parameters(load_scenario("deepseek_shock"))}
    for name, vary in sweep.parameters.items():
        assert vary.range == pytest.approx(plausible[name]), name


def test_an_unknown_parameter_name_is_reported_with_file_line_and_closest_match(sweep_file):
    path = sweep_file(MODEL_SWEEP.replace("investors.jevons_belief_mean", "investors.jevons_belif_mean"))
    result = airace("sweep", str(path), "--out", str(path.parent / "out"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "jevons_belif_mean" in t)
    assert f"{path}:{line}: investors.jevons_belif_mean" in result.stderr
    assert "did you mean 'jevons_belief_mean'" in result.stderr
    assert not (path.parent / "out").exists()


def test_an_old_key_in_a_sweep_file_is_reported_with_its_line_and_new_key(sweep_file):
    """[markets] was split: a sweep that sets or varies one of its keys is told the key that replaced it."""
    for table, old, written in (
        ("set", "markets.leak_delay_days", '"markets.leak_delay_days" = 30'),
        ("parameters", "markets.rental_reach", '"markets.rental_reach" = { values = [0.1, 0.3] }'),
    ):
        path = sweep_file(MODEL_SWEEP.replace(f"[{table}]\n", f"[{table}]\n{written}\n"))
        result = cli("sweep", str(path), "--out", str(path.parent / "out"))
        line = path.read_text().splitlines().index(written) + 1
        assert result.returncode == 2, result.stderr
        assert f"{path}:{line}: {old}: this key moved to {MOVED[old]}" in result.stderr, result.stderr
        assert not (path.parent / "out").exists()


def test_a_value_outside_what_the_schema_allows_is_reported_before_running(sweep_file):
    path = sweep_file(MODEL_SWEEP.replace("values = [0.5, 1.0]", "values = [0.5, 1.2]"))
    with pytest.raises(ScenarioError) as caught:
        load_sweep(path)
    (problem,) = caught.value.problems
    assert problem.key == "parameters.regulators.bis.rules.oct2023.enforcement"
    assert "less than or equal to 1" in problem.message
    assert problem.line is not None


def test_a_range_needs_a_number_from_the_registry(sweep_file):
    path = sweep_file(MODEL_SWEEP.replace('"investors.jevons_belief_mean"', '"labs.deepseek.open_weights"'))
    with pytest.raises(ScenarioError) as caught:
        load_sweep(path)
    assert "parameter registry" in caught.value.problems[0].message


def test_misspelt_settings_and_bad_designs_are_readable_errors(sweep_file):
    path = sweep_file(MODEL_SWEEP.replace("replicates = 2", "replicate = 2"))
    result = cli("sweep", str(path))
    assert result.returncode == 2
    assert "unknown key 'replicate'; did you mean 'replicates'?" in result.stderr
    body = MODEL_SWEEP.replace('design = "grid"', 'design = "sobol"\nsamples = 100').replace(", steps = 2", "")
    path = sweep_file(body)
    with pytest.raises(ScenarioError, match="power of 2"):
        load_sweep(path)
    path = sweep_file(MODEL_SWEEP.replace('design = "grid"', 'design = "lhs"\nsamples = 8'))
    with pytest.raises(ScenarioError, match=r"steps applies to grid designs only \(investors.jevons_belief_mean\)"):
        load_sweep(path)


def test_outputs_are_checked_against_what_a_run_records_before_any_run(sweep_file):
    """`metrics = ["gap_month.end"]` used to validate and then fail in every run."""
    path = sweep_file(MODEL_SWEEP.replace('"gap_months.end", "ai_index_end"', '"gap_months.end", "gap_month.end"'))
    result = cli("sweep", str(path), "--out", str(path.parent / "out"))
    assert result.returncode == 2, result.stderr
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "gap_month.end" in t)
    assert f"{path}:{line}: outputs.metrics.1: 'gap_month.end' is not a number of a run's summary" in result.stderr
    assert "did you mean 'gap_months.end'?" in result.stderr
    assert not (path.parent / "out").exists()
    # A summary entry that is not a number, and a series the model does not record.
    path = sweep_file(
        MODEL_SWEEP.replace('"gap_months.end", "ai_index_end"', '"leader"').replace('"price_NVDA"', '"price_NVD"')
    )
    with pytest.raises(ScenarioError) as caught:
        load_sweep(path)
    keys = {p.key: p.message for p in caught.value.problems}
    assert set(keys) == {"outputs.metrics.0", "outputs.series.1"}
    assert "did you mean 'price_NVDA'?" in keys["outputs.series.1"]
    # Every number the summary holds may be kept, by its dotted key, the scenario's own ids included.
    body = MODEL_SWEEP.replace(
        '"gap_months.end", "ai_index_end"', '"largest_one_step_fall.NVDA.fall", "chips_leaked_total.CN"'
    )
    assert load_sweep(sweep_file(body)).outputs.metrics[0] == "largest_one_step_fall.NVDA.fall"


def test_a_sweep_file_runs_only_the_projects_test_functions_unless_the_command_line_allows_more(sweep_file, tmp_path):
    """A data file never runs code by default: `function = "module:name"` outside the project's test
    functions is refused at load, and runs with --allow-function."""
    module = tmp_path / "userfuncs.py"
    module.write_text("def double(params, seed):\n    return {'y': 2 * params['x']}\n", encoding="utf-8")
    body = 'name = "f"\nfunction = "userfuncs:double"\ndesign = "grid"\n'
    body += '[parameters]\nx = { values = [1, 2] }\n[outputs]\nmetrics = ["y"]\n'
    path = sweep_file(body)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    refused = subprocess.run(
        [sys.executable, "-m", "simulation.apps.cli", "sweep", str(path), "--out", str(tmp_path / "out"), "--quiet"],
        capture_output=True, text=True, timeout=600, cwd=REPO, env=env,
    )  # fmt: skip
    assert refused.returncode == 2, refused.stderr
    assert f"{path}:2: function: 'userfuncs:double' would run code named by a data file" in refused.stderr
    assert "--allow-function" in refused.stderr and not (tmp_path / "out").exists()
    allowed = subprocess.run(
        [sys.executable, "-m", "simulation.apps.cli", "sweep", str(path), "--out", str(tmp_path / "out"), "--quiet",
         "--allow-function"],
        capture_output=True, text=True, timeout=600, cwd=REPO, env=env,
    )  # fmt: skip
    assert allowed.returncode == 0, allowed.stderr
    assert sorted(read_runs(tmp_path / "out")["y"]) == [2.0, 4.0]


def test_unquoted_dotted_names_mean_the_same_as_quoted_ones(sweep_file):
    quoted = load_sweep(sweep_file(MODEL_SWEEP, "a.toml"))
    body = MODEL_SWEEP.replace('"investors.jevons_belief_mean" =', "investors.jevons_belief_mean =")
    body = body.replace('"time.end" =', "time.end =")
    unquoted = load_sweep(sweep_file(body, "b.toml"))
    assert unquoted.parameters == quoted.parameters
    assert unquoted.set == quoted.set


# ---------------------------------------------------------------- designs and seeds


def test_designs_have_the_sizes_their_methods_define(sweep_file):
    grid = load_sweep(sweep_file(MODEL_SWEEP))
    assert make_design(grid).points == 2 * 2
    params = "\n".join(f"x{i} = {{ range = [0, 1] }}" for i in range(5))
    body = 'name = "f"\nfunction = "simulation.sweep.testfunctions:noisy_sum"\nDESIGN\nseed = 3\n'
    body += "[parameters]\n" + params
    sobol = load_sweep(sweep_file(body.replace("DESIGN", 'design = "sobol"\nsamples = 16'), "s.toml"))
    assert make_design(sobol).points == 16 * (5 + 2)
    morris = load_sweep(sweep_file(body.replace("DESIGN", 'design = "morris"\nsamples = 10'), "m.toml"))
    assert make_design(morris).points == 10 * (5 + 1)
    lhs = load_sweep(sweep_file(body.replace("DESIGN", 'design = "lhs"\nsamples = 20'), "l.toml"))
    design = make_design(lhs)
    # A Latin hypercube puts exactly one point in each of the 20 bins of every parameter.
    for column in design.columns.values():
        assert sorted((np.asarray(column) * 20).astype(int)) == list(range(20))
    assert np.array_equal(make_design(lhs).unit, design.unit)


def test_distributions_map_the_unit_interval_to_their_values(sweep_file):
    body = """
name = "d"
function = "simulation.sweep.testfunctions:noisy_sum"
design = "lhs"
samples = 2000
[parameters]
n = { distribution = "normal", mean = 10, sd = 2 }
t = { distribution = "normal", mean = 0, sd = 1, range = [-1, 1] }
g = { range = [1, 100], log = true }
v = { values = [1, 2, 5] }
"""
    design = make_design(load_sweep(sweep_file(body)))
    n, t, g, v = (np.asarray(design.columns[k], float) for k in "ntgv")
    assert abs(n.mean() - 10) < 0.1 and abs(n.std() - 2) < 0.1
    assert t.min() >= -1 and t.max() <= 1
    assert abs(np.median(np.log10(g)) - 1) < 0.05  # log-uniform: the median is the geometric middle
    assert set(v) == {1, 2, 5}


def test_each_run_has_its_own_seed_fixed_by_the_master_seed_and_its_place():
    seeds = {run_seed(7, point, rep) for point in range(100) for rep in range(3)}
    assert len(seeds) == 300
    assert all(0 <= s < 2**63 for s in seeds)
    assert run_seed(7, 4, 1) != run_seed(8, 4, 1)


# ---------------------------------------------------------------- running and the store


@pytest.mark.slow
def test_stored_runs_are_the_runs_the_model_gives(sweep_file, tmp_path):
    """Each stored row is what `run` gives for that row's parameters and seed: the seed is passed on as is."""
    sweep = load_sweep(sweep_file(MODEL_SWEEP))
    report = run_sweep(sweep, tmp_path / "out", workers=2, announce=None)
    assert (report.runs, report.ran, report.failed, report.lost_chunks) == (8, 8, 0, [])
    runs = read_runs(tmp_path / "out")
    assert list(runs["position"]) == list(range(8))
    assert runs["run_id"].is_unique
    row = runs.iloc[5]
    params = {name: row[name] for name in sweep.parameters}
    assert params["regulators.bis.rules.oct2023.enforcement"] == 1.0
    direct = run("deepseek_shock", seed=int(row["seed"]), overrides=dict(sweep.set) | params)
    assert row["gap_months.end"] == direct.summary["gap_months"]["end"]
    assert row["ai_index_end"] == direct.summary["ai_index_end"]
    # The report's outcomes in the summary are outputs too (one that a first step has not got included).
    assert row["max_drawdown.NVDA.drawdown"] == direct.summary["max_drawdown"]["NVDA"]["drawdown"]
    assert row["largest_training_run.CN.flop_end"] == direct.summary["largest_training_run"]["CN"]["flop_end"]
    series = read_series(tmp_path / "out")
    mine = series[series["run_id"] == row["run_id"]]
    assert list(mine["step"]) == list(direct.model["step"].iloc[::5])
    assert np.allclose(mine["price_NVDA"], direct.model["price_NVDA"].iloc[::5])
    # The two replicates of a point differ only in seed.
    assert runs.iloc[4]["seed"] != runs.iloc[5]["seed"]


def test_export_writes_one_tidy_table_of_runs_and_one_of_series_joined_on_parameters(sweep_file, tmp_path):
    sweep = load_sweep(sweep_file(MODEL_SWEEP))
    out = tmp_path / "out"
    run_sweep(sweep, out, backend="serial", announce=None)
    result = cli("sweep", "export", str(out), "--out", str(tmp_path / "tables" / "tiny.csv"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        str(tmp_path / "tables" / "tiny.csv"),
        str(tmp_path / "tables" / "tiny_series.csv"),
    ]
    runs = pd.read_csv(tmp_path / "tables" / "tiny.csv")
    names, metrics = list(sweep.parameters), sweep.outputs.metrics
    assert list(runs.columns) == [
        "position", "run_id", "sample", "replicate", "seed", *names, *metrics, "status", "error", "seconds"
    ]  # fmt: skip
    stored = read_runs(out)
    assert len(runs) == 8 and runs["run_id"].tolist() == stored["run_id"].tolist()
    assert runs["seed"].tolist() == stored["seed"].tolist()
    np.testing.assert_allclose(runs[metrics], stored[metrics])
    series = pd.read_csv(tmp_path / "tables" / "tiny_series.csv", parse_dates=["date"])
    assert list(series.columns) == ["position", "run_id", "seed", *names, "step", "date", "gap_months", "price_NVDA"]
    # Each series row carries its run's id, seed and parameters: it reads alone, or joins the runs on run_id.
    joined = series.merge(runs, on="run_id", suffixes=("", "_run"))
    assert len(joined) == len(series) == len(read_series(out))
    for column in ["seed", *names]:
        assert (joined[column] == joined[f"{column}_run"]).all(), column
    # Parquet by default, beside the sweep.
    default = cli("sweep", "export", str(out))
    assert default.returncode == 0
    assert default.stdout.split() == [str(out / "tiny_runs.parquet"), str(out / "tiny_series.parquet")]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "tiny_runs.parquet"), stored[runs.columns])
    wrong = cli("sweep", str(REPO / "scenarios/sweeps/sobol_gap.toml"), "--format", "csv")
    assert wrong.returncode == 2 and "airace sweep export DIR" in wrong.stderr


@pytest.mark.slow
def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on(sweep_file, tmp_path):
    body = f"""
name = "partly_invalid"
scenario = "baseline"
design = "grid"
[set]
{TINY_SET}
[parameters]
"investors.fundamentalist_share" = {{ values = [0.5, 0.8] }}
"investors.trend_share" = {{ values = [0.1, 0.3] }}
"""
    path = sweep_file(body)
    # A batch job must see the failure: exit 1, the count and the first error, even with --quiet.
    result = airace("sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet")
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert "error: 1 of 4 runs failed; the first, run 3 (id " in result.stderr
    assert "fundamentalist_share + trend_share must be at most 1" in result.stderr
    assert "Traceback" not in result.stderr
    # Rerunning skips the finished chunks, failed runs included (they fail the same way every time).
    again = cli("sweep", str(path), "--out", str(tmp_path / "out"), "--resume")
    assert again.returncode == 0 and "0 failed" in again.stdout and "4 runs" in again.stdout
    runs = read_runs(tmp_path / "out")
    failed = runs[runs["status"] == "error"]
    assert len(failed) == 1
    assert failed.iloc[0]["investors.fundamentalist_share"] == 0.8
    assert failed.iloc[0]["investors.trend_share"] == 0.3
    assert "fundamentalist_share + trend_share must be at most 1" in failed.iloc[0]["error"]
    assert math.isnan(failed.iloc[0]["gap_months.end"])
    assert runs[runs["status"] == "ok"]["gap_months.end"].notna().all()
    status = cli("sweep", "status", str(tmp_path / "out"))
    assert "4 of 4 runs done" in status.stdout and "failed runs: 1" in status.stdout


FUNCTION_SWEEP = """
name = "noisy"
function = "simulation.sweep.testfunctions:noisy_sum"
design = "lhs"
samples = 12
replicates = 2
seed = 11
chunk_size = 5
[parameters]
a = { range = [0, 1] }
b = { values = [1, 2, 3] }
[outputs]
metrics = ["y"]
"""


@pytest.mark.slow
def test_a_rerun_skips_finished_runs_and_a_changed_sweep_is_refused(sweep_file, tmp_path):
    path = sweep_file(FUNCTION_SWEEP)
    out = tmp_path / "out"
    first = cli("sweep", str(path), "--out", str(out), "--workers", "1")
    assert first.returncode == 0, first.stderr
    assert "24 runs (12 points x 2 replicates) in 5 chunks" in first.stdout
    before = {p.name: p.stat().st_mtime_ns for p in (out / "chunks").iterdir()}
    # A comment does not change the sweep: the rerun finds everything done and rewrites nothing.
    path.write_text("# a note\n" + FUNCTION_SWEEP)
    again = cli("sweep", str(path), "--out", str(out), "--resume")
    assert again.returncode == 0, again.stderr
    assert "0 to run" in again.stdout
    assert {p.name: p.stat().st_mtime_ns for p in (out / "chunks").iterdir()} == before
    # A changed setting is another sweep: its results are not mixed into this folder.
    path.write_text(FUNCTION_SWEEP.replace("seed = 11", "seed = 12"))
    changed = cli("sweep", str(path), "--out", str(out))
    assert changed.returncode == 2
    assert "different sweep" in changed.stderr
    assert {p.name: p.stat().st_mtime_ns for p in (out / "chunks").iterdir()} == before
    nothing = cli("sweep", str(path), "--out", str(tmp_path / "empty"), "--resume")
    assert nothing.returncode == 2 and "nothing to resume" in nothing.stderr


def test_shards_split_the_chunks_and_together_finish_the_sweep(sweep_file, tmp_path):
    sweep = load_sweep(sweep_file(FUNCTION_SWEEP))
    out = tmp_path / "out"
    reports = [run_sweep(sweep, out, backend="serial", shard=(i, 3), announce=None) for i in (1, 2, 3)]
    assert [r.ran for r in reports] == [10, 9, 5]  # chunks 0 and 3 | 1 and 4 (4 runs) | 2
    runs = read_runs(out)
    assert list(runs["position"]) == list(range(24)) and runs["run_id"].is_unique
    whole = run_sweep(sweep, tmp_path / "whole", backend="serial", announce=None)
    assert whole.ran == 24
    pd.testing.assert_frame_equal(runs.drop(columns="seconds"), read_runs(tmp_path / "whole").drop(columns="seconds"))


def test_bad_options_are_readable_errors(tmp_path):
    sweep = str(REPO / "scenarios/sweeps/controls_vs_breakthrough.toml")
    shard = cli("sweep", sweep, "--shard", "4/3")
    assert shard.returncode == 2 and "expected I/N" in shard.stderr
    scheduler = cli("sweep", sweep, "--scheduler", "tcp://127.0.0.1:1")
    assert scheduler.returncode == 2 and "needs --backend dask" in scheduler.stderr
    status = cli("sweep", "status", str(tmp_path))
    assert status.returncode == 2 and "not a sweep folder" in status.stderr


# ---------------------------------------------------------------- sensitivity


def test_sobol_indices_of_ishigami_are_recovered_through_the_sweep_machinery(sweep_file, tmp_path):
    """The known Sobol indices of the Ishigami function, from a sweep run by the local pool and read from disk."""
    body = """
name = "ishigami"
function = "simulation.sweep.testfunctions:ishigami"
design = "sobol"
samples = 2048
seed = 1
chunk_size = 1024
[parameters]
x1 = { range = [-3.141592653589793, 3.141592653589793] }
x2 = { range = [-3.141592653589793, 3.141592653589793] }
x3 = { range = [-3.141592653589793, 3.141592653589793] }
[outputs]
metrics = ["y"]
"""
    out = tmp_path / "out"
    run_sweep(load_sweep(sweep_file(body)), out, workers=2, announce=None)
    assert read_manifest(out)["runs"] == 2048 * 5
    result = cli("sensitivity", str(out), "--method", "sobol", "--output", "y")
    assert result.returncode == 0, result.stderr
    indices = pd.read_csv(out / "sensitivity_sobol_y.csv")
    assert list(indices.columns) == ["parameter", "index", "value", "conf"]
    exact = ishigami_indices()
    for index in ("S1", "ST"):
        found = indices[indices["index"] == index].set_index("parameter")["value"]
        assert np.allclose(found[["x1", "x2", "x3"]], exact[index], atol=0.04), (index, found)
    assert (indices["conf"] > 0).all() and (indices["conf"] < 0.1).all()
    pd.testing.assert_frame_equal(indices, pd.read_parquet(out / "sensitivity_sobol_y.parquet"))
    assert (out / "sensitivity_sobol_y.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # the bar chart


def test_plot_of_a_sweep_draws_each_outcome_over_each_pair_of_parameters(sweep_file, tmp_path):
    body = """
name = "grid"
function = "simulation.sweep.testfunctions:ishigami"
design = "grid"
seed = 1
[parameters]
x1 = { values = [-1.0, 0.0, 1.0] }
x2 = { values = [0.0, 2.0] }
x3 = { values = [0.5, 1.5] }
[outputs]
metrics = ["y"]
"""
    out = tmp_path / "out"
    run_sweep(load_sweep(sweep_file(body)), out, workers=1, announce=None)
    result = cli("plot", str(out), "--format", "svg")
    assert result.returncode == 0, result.stderr
    written = sorted(Path(line).name for line in result.stdout.split())
    assert written == [
        "heatmap_y_by_x1_and_x2.svg",
        "heatmap_y_by_x1_and_x3.svg",
        "heatmap_y_by_x2_and_x3.svg",
    ]
    from analysis.plots import sweep_figures

    runs = read_runs(out)
    figure = sweep_figures(runs, ["x1", "x2", "x3"], ["y"])["heatmap_y_by_x1_and_x2"]
    [image] = [a for a in figure.axes[0].get_images() if a.get_gid() == "heatmap"]
    expected = runs.pivot_table(index="x2", columns="x1", values="y", aggfunc="median").to_numpy()
    np.testing.assert_allclose(image.get_array(), expected)


def test_morris_ranks_parameters_by_their_effect(sweep_file, tmp_path):
    """On a sum, each elementary effect is the parameter's range: mu* must find 10, 50 and 200."""
    body = """
name = "morris"
function = "simulation.sweep.testfunctions:noisy_sum"
design = "morris"
samples = 40
seed = 2
[parameters]
small = { range = [0, 10] }
middle = { range = [0, 50] }
large = { range = [0, 200] }
[outputs]
metrics = ["y"]
"""
    out = tmp_path / "out"
    run_sweep(load_sweep(sweep_file(body)), out, backend="serial", announce=None)
    indices = sweep_indices(out, "morris", "y")
    mu_star = indices[indices["index"] == "mu_star"].set_index("parameter")["value"]
    assert np.allclose(mu_star[["small", "middle", "large"]], [10, 50, 200], rtol=0.25)
    # The command: its table, its files and its chart (it used to fail on the chart, KeyError: 'mu').
    result = cli("sensitivity", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("morris indices of y (160 runs):")
    assert "seed noise: not measured (one run a design point)" in result.stdout
    assert "warning" not in result.stderr  # mu* is far from 0 and its intervals are narrow
    pd.testing.assert_frame_equal(pd.read_csv(out / "sensitivity_morris_y.csv"), indices)
    assert (out / "sensitivity_morris_y.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    wrong = cli("sensitivity", str(out), "--method", "sobol")
    assert wrong.returncode == 2 and "sobol indices need design = sobol; this sweep's design is morris" in wrong.stderr
    unknown = cli("sensitivity", str(out), "--output", "z")
    assert unknown.returncode == 2 and "not an output of this sweep" in unknown.stderr


def test_indices_need_every_run(sweep_file, tmp_path):
    body = FUNCTION_SWEEP.replace('design = "lhs"\nsamples = 12', 'design = "morris"\nsamples = 4')
    sweep = load_sweep(sweep_file(body))
    run_sweep(sweep, tmp_path / "out", backend="serial", shard=(1, 2), announce=None)
    with pytest.raises(ScenarioError, match="runs finished"):
        sweep_indices(tmp_path / "out", "morris", "y")


LHS_SUM = """
name = "lhs_sum"
function = "simulation.sweep.testfunctions:noisy_sum"
design = "lhs"
samples = 200
replicates = {replicates}
seed = 3
[parameters]
small = {{ range = [0, {small}] }}
middle = {{ range = [0, {middle}] }}
large = {{ range = [0, {large}] }}
[outputs]
metrics = ["y"]
"""


def test_an_lhs_sweep_has_first_order_indices_by_rbd_fast(sweep_file, tmp_path):
    """On a sum of uniforms each S1 is the parameter's share of the variance, its range squared: 0.0024,
    0.059 and 0.94 for ranges 10, 50 and 200. Two replicates a point: the noise (sd 1) is measured, and small."""
    out = tmp_path / "out"
    run_sweep(
        load_sweep(sweep_file(LHS_SUM.format(replicates=2, small=10, middle=50, large=200))),
        out,
        "serial",
        announce=None,
    )
    result = cli("sensitivity", str(out))  # the method follows from the design
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("rbd_fast indices of y (400 runs):")
    indices = pd.read_csv(out / "sensitivity_rbd_fast_y.csv").set_index("parameter")
    assert list(indices["index"].unique()) == ["S1"]
    assert indices.loc["large", "value"] == pytest.approx(0.94, abs=0.05)
    assert indices.loc["large", "value"] > indices.loc["middle", "value"] > 0
    assert "seed noise: 0.0" in result.stdout and "(2 a point)" in result.stdout
    assert "dominates" not in result.stderr
    # RBD-FAST's small indices are biased up and their intervals wide: said, not hidden.
    assert "warning: " in result.stderr and "S1 of small" in result.stderr and "S1 of large" not in result.stderr
    assert (out / "sensitivity_rbd_fast_y.png").is_file()
    grid = cli("sensitivity", str(out), "--method", "morris")
    assert grid.returncode == 2 and "morris indices need design = morris; this sweep's design is lhs" in grid.stderr


def test_sensitivity_says_when_seed_noise_dominates(sweep_file, tmp_path):
    """Parameters that move the sum by less than its noise (sd 1): the indices would describe noise."""
    out = tmp_path / "out"
    run_sweep(
        load_sweep(sweep_file(LHS_SUM.format(replicates=3, small=0.1, middle=0.2, large=0.3))),
        out,
        "serial",
        announce=None,
    )
    result = cli("sensitivity", str(out), "--method", "rbd_fast", "--output", "y")
    assert result.returncode == 0, result.stderr
    runs = read_runs(out)
    within = runs.groupby("sample")["y"].var().mean()
    share = min(1.0, within / runs["y"].var())  # two estimates: the within-point one may come out above
    assert share > 0.9  # the noise's variance 1 against the parameters' (0.01 + 0.04 + 0.09) / 12
    assert f"seed noise: {100 * share:.3g}% of the variance of y over runs" in result.stdout
    assert "warning: seed noise dominates" in result.stderr
    assert "wider than the index itself" in result.stderr


def test_seed_noise_is_the_variance_within_design_points_against_the_total():
    runs = pd.DataFrame({"sample": [0, 0, 1, 1], "y": [1.0, 3.0, 11.0, 13.0]})
    noise = seed_noise(runs, "y")
    # within: each point's variance is 2; total: variance of 1, 3, 11, 13 = 104 / 3; means 2 and 12: 50
    assert noise.replicates == 2
    assert noise.share == pytest.approx(2 / (104 / 3))
    assert noise.share_of_means == pytest.approx(2 / 2 / 50)
    assert not noise.dominates
    assert math.isnan(seed_noise(runs.iloc[[0, 2]], "y").share)  # one run a point: not measured


def test_a_grid_sweep_has_no_sensitivity_method_and_says_what_has(sweep_file, tmp_path):
    body = FUNCTION_SWEEP.replace('design = "lhs"\nsamples = 12', 'design = "grid"').replace(
        "a = { range = [0, 1] }", "a = { range = [0, 1], steps = 3 }"
    )
    out = tmp_path / "out"
    run_sweep(load_sweep(sweep_file(body)), out, backend="serial", announce=None)
    result = cli("sensitivity", str(out))
    assert result.returncode == 2
    assert "a grid design has no sensitivity method" in result.stderr and "'lhs' (RBD-FAST)" in result.stderr
    rbd = cli("sensitivity", str(out), "--method", "rbd_fast")
    assert rbd.returncode == 2 and "rbd_fast indices need design = lhs or sobol" in rbd.stderr


# ---------------------------------------------------------------- outputs that say what they measure

DATED_SWEEP = f"""
name = "dated"
scenario = "deepseek_shock"
design = "morris"
samples = 2
levels = 4
seed = 3

[set]
{TINY_SET}
[parameters]
"regulators.bis.rules.oct2023.enforcement" = {{ range = [0.1, 0.4] }}
"events.deepseek_r1.efficiency_gain" = {{ range = [1.5, 20.0], log = true }}

[outputs]
metrics = ["compute_share_end.CN", "compute_share_end.US", "chips_leaked_total.CN"]
"""


@pytest.fixture(scope="module")
def dated_sweep(tmp_path_factory) -> Path:
    """A finished Morris sweep of the DeepSeek shock cut to the first half of 2023: 2 x (2 + 1) = 6 short runs."""
    folder = tmp_path_factory.mktemp("dated")
    path = folder / "dated.toml"
    path.write_text(DATED_SWEEP, encoding="utf-8")
    run_sweep(load_sweep(path), folder / "out", backend="serial", announce=None)
    return folder / "out"


def test_sensitivity_of_dotted_outputs_writes_a_file_each_and_says_when_each_is_valued(dated_sweep):
    """`--output compute_share_end.CN` and `.US` used to write one file, the second replacing the first; and a
    table must say on which day its output is measured (the runs end on 25 June 2023, the last weekly row)."""
    for bloc in ("CN", "US"):
        result = cli("sensitivity", str(dated_sweep), "--output", f"compute_share_end.{bloc}")
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"morris indices of compute_share_end.{bloc} on 2023-06-25 (6 runs):")
    shares = {
        bloc: pd.read_csv(dated_sweep / f"sensitivity_morris_compute_share_end-{bloc}.{suffix}")
        if suffix == "csv"
        else pd.read_parquet(dated_sweep / f"sensitivity_morris_compute_share_end-{bloc}.{suffix}")
        for bloc in ("CN", "US")
        for suffix in ("csv", "parquet")
    }
    assert len(shares) == 2 and not shares["CN"].equals(shares["US"])
    for bloc in ("CN", "US"):
        assert (dated_sweep / f"sensitivity_morris_compute_share_end-{bloc}.png").is_file()
    total = cli("sensitivity", str(dated_sweep), "--output", "chips_leaked_total.CN")
    assert "morris indices of chips_leaked_total.CN over 2023-01-01 to 2023-06-25 (6 runs):" in total.stdout


def test_sweep_heatmaps_name_their_axes_from_the_registry_with_rounded_ticks_and_date_the_outcome(
    dated_sweep, monkeypatch
):
    """Axes say what a parameter is, of which rule or event, in its unit (not its dotted key); ticks are
    rounded (a log range's 8.43, not 8.43433); the title says on which day the outcome is measured."""
    from analysis import plots

    drawn = {}
    monkeypatch.setattr(plots, "save_figure", lambda fig, path: drawn.setdefault(Path(path).name, fig) and Path(path))
    result = cli("plot", str(dated_sweep))
    assert result.returncode == 0, result.stderr
    pair = "regulators-bis-rules-oct2023-enforcement_and_events-deepseek_r1-efficiency_gain"
    name = f"heatmap_compute_share_end-CN_by_{pair}.png"
    ax = drawn[name].axes[0]
    assert ax.get_xlabel() == "share of banned demand actually stopped (oct2023, fraction)"
    assert ax.get_ylabel() == "multiplier on the lab's efficiency\n(deepseek_r1, x)"
    assert ax.get_title(loc="left") == "compute_share_end.CN on 2023-06-25"
    ticks = [t.get_text() for t in ax.get_xticklabels()] + [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["0.1", "0.3", "1.5", "8.43"]  # the design's 0.30000000000000004 and 8.434326653017493
