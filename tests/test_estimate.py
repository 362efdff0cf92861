"""`airace estimate`: estimation files checked before any run, the search on the sweep engine, recovery."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

from analysis.calibration import DATES, TARGETS
from analysis.estimation import load_estimation
from simulation.scenario import ScenarioError

FUNCTION = """\
name = "recover"
function = "simulation.sweep.testfunctions:two_moments"
budget = 40
batch = 4
seeds = 2
seed = 7
cutoff = 2024-06-30

[parameters]
a = { range = [0.0, 2.0] }
b = { range = [-1.0, 1.0] }

[targets]
sum = { value = 1.3, scale = 0.05, date = 2024-01-01 }
difference = { value = 0.5, scale = 0.05, date = 2024-03-01 }
later = { value = 0.72, scale = 0.05, date = 2025-01-01 }
"""

SCENARIO = """\
name = "investors"
scenario = "baseline"
budget = 10
cutoff = 2024-06-30

[set]
"time.end" = 2025-03-31

[parameters]
"tech.efficiency_growth_per_year" = {}
"regulators.bis.rules.oct2023.enforcement" = { range = [0.5, 1.0] }

[targets]
"largest training run, end 2023" = { weight = 2.0 }
"NVIDIA data-centre revenue FY2025" = {}
"""


def write(tmp_path: Path, text: str, name: str = "est.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_estimation(path)
    return [str(p) for p in caught.value.problems]


def test_every_calibration_target_has_a_date_so_a_cutoff_can_split_them():
    assert {t.name for t in TARGETS} == set(DATES)


def test_a_function_estimation_file_splits_its_targets_at_the_cutoff(tmp_path):
    est = load_estimation(write(tmp_path, FUNCTION))
    assert est.fitted == ["sum", "difference"]
    assert not est.in_sample("later")
    assert est.bounds == {"a": (0.0, 2.0), "b": (-1.0, 1.0)}


def test_bad_estimation_files_name_the_file_line_key_and_closest_name(tmp_path):
    text = SCENARIO.replace('"tech.efficiency_growth_per_year"', '"tech.efficiency_growth_per_yaer"')
    text = text.replace('"NVIDIA data-centre revenue FY2025"', '"NVIDIA data centre revenue FY2025"')
    text = text.replace("budget = 10", "budgte = 10")
    path = write(tmp_path, text)
    found = problems(path)
    assert any(":3: budgte: unknown key 'budgte'; did you mean 'budget'?" in p for p in found), found
    found = problems(write(tmp_path, text.replace("budgte", "budget")))
    assert any(
        f"{path}:10: parameters.tech.efficiency_growth_per_yaer" in p and "tech.efficiency_growth_per_year" in p
        for p in found
    ), found
    assert any(
        ":15: targets.NVIDIA data centre revenue FY2025: unknown target" in p
        and "'NVIDIA data-centre revenue FY2025'" in p
        for p in found
    ), found


def test_a_cutoff_before_every_target_and_a_function_target_without_value_are_refused(tmp_path):
    found = problems(write(tmp_path, SCENARIO.replace("2024-06-30", "2020-01-01")))
    assert any("cutoff: 2020-01-01: no target is dated up to it" in p for p in found), found
    found = problems(write(tmp_path, FUNCTION.replace("value = 1.3, ", "")))
    assert any("targets.sum: a function's target needs value and scale" in p for p in found), found
    fitted_fall = SCENARIO.replace("2024-06-30", "2025-06-30") + '"NVIDIA\'s fall on 27 Jan 2025" = {}\n'
    found = problems(write(tmp_path, fitted_fall))
    wanted = "NVIDIA's fall on 27 Jan 2025: measured on the deepseek_shock scenario"
    assert any(wanted in p and "a fitted target must be measured on the base" in p for p in found), found
    elsewhere = SCENARIO.replace('"baseline"', '"no_export_controls"') + '"NVIDIA\'s fall on 27 Jan 2025" = {}\n'
    found = problems(write(tmp_path, elsewhere))
    assert any(wanted in p and "deepseek_shock does not build on no_export_controls" in p for p in found), found
    shock = SCENARIO.replace('"baseline"', '"deepseek_shock"') + '"NVIDIA\'s fall on 27 Jan 2025" = {}\n'
    assert load_estimation(write(tmp_path, shock)).fitted  # a baseline target holds on a scenario built on it
    found = problems(write(tmp_path, SCENARIO.replace("{ weight = 2.0 }", "{ value = 5e25 }")))
    assert any("targets.largest training run, end 2023: a target given its own value needs a scale" in p for p in found)


def test_a_predicted_target_of_a_scenario_built_on_the_base_is_run_there_at_the_base_point_and_the_estimate(
    tmp_path,
):
    # NVIDIA's fall is measured on deepseek_shock (daily steps, the R1 event), which extends the baseline: a
    # baseline estimation predicts it there, with the file's `set` and the parameters, and no evaluation
    # of the search pays for a daily run.
    from analysis.calibration import measure_targets
    from analysis.estimation import estimate
    from analysis.estimation.outputs import write_outputs
    from analysis.estimation.search import seeds
    from simulation.runner import run
    from simulation.scenario import load_scenario

    fall = "NVIDIA's fall on 27 Jan 2025"
    text = SCENARIO.replace("budget = 10", "budget = 4\nseeds = 1")
    text = text.replace('"regulators.bis.rules.oct2023.enforcement" = { range = [0.5, 1.0] }\n', "")
    est = load_estimation(write(tmp_path, text + f'"{fall}" = {{}}\n'))
    assert list(est.elsewhere) == ["deepseek_shock"] and fall not in est.measured
    found = estimate(est, tmp_path / "out", backend="serial")
    assert fall not in found.runs and fall not in found.evaluations  # not measured at the evaluations
    write_outputs(est, found, tmp_path / "out")
    fit = pd.read_csv(tmp_path / "out" / "fit.csv").set_index("target")
    assert fit.loc[fall, "scenario"] == "deepseek_shock" and fit.loc[fall, "sample"] == "out-of-sample"
    assert fit.loc["largest training run, end 2023", "scenario"] == "baseline"
    shock = load_scenario("deepseek_shock", {"time.end": "2025-03-31"})
    for point, params in (("before", est.start), ("after", {**est.start, **found.best})):
        direct = measure_targets(run(shock, seed=seeds(est)[0], overrides=params), [fall])[fall]
        assert fit.loc[fall, point] == pytest.approx(direct, rel=1e-12), point
    assert 0.0 < fit.loc[fall, "before"] < 0.5  # a fall, not a missing value
    # Resumed after a kill during the predictions: only the lost point's runs are run again.
    (tmp_path / "out" / "predictions" / "chunks" / "chunk-0000001.parquet").unlink()
    again = estimate(est, tmp_path / "out", backend="serial", resume=True)
    assert (again.ran, again.reused) == (0, 4)
    pd.testing.assert_frame_equal(again.predictions, found.predictions)


def test_airace_estimate_exits_2_with_one_line_per_problem(tmp_path):
    import subprocess
    import sys

    path = write(tmp_path, SCENARIO.replace("method", "methd").replace("budget = 10", "budget = 1"))
    result = subprocess.run(
        [sys.executable, "-m", "simulation.apps.cli", "estimate", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 2, result.stderr
    assert "budget" in result.stderr and "Traceback" not in result.stderr


def test_known_parameters_lie_inside_the_reported_intervals(tmp_path):
    # two_moments gives sum = a + b and difference = a - b: the file's values come from a = 0.9, b = 0.4.
    from analysis.estimation import estimate

    found = estimate(load_estimation(write(tmp_path, FUNCTION)), tmp_path / "out", backend="serial")
    rows = found.intervals.set_index("parameter")
    for name, truth in (("a", 0.9), ("b", 0.4)):
        assert rows.loc[name, "lo"] <= truth <= rows.loc[name, "hi"], rows
        assert rows.loc[name, "width_ratio"] < 0.5, rows  # the targets pin both down
    assert len(found.evaluations) == 40 and found.ran == 40


def test_a_killed_estimation_resumes_losing_and_repeating_no_evaluation_with_identical_results(tmp_path):
    from analysis.estimation import estimate

    est = load_estimation(write(tmp_path, FUNCTION))
    whole = estimate(est, tmp_path / "whole", backend="serial")
    part = tmp_path / "part"
    estimate(est, part, backend="serial")
    for k in (5, 17, 30, 31):  # as if killed with these evaluations in flight
        (part / "chunks" / f"chunk-{k:07d}.parquet").unlink()
    again = estimate(load_estimation(write(tmp_path, FUNCTION)), part, backend="local", workers=2, resume=True)
    assert (again.ran, again.reused) == (4, 36)
    assert again.runs["run_id"].is_unique
    pd.testing.assert_frame_equal(again.evaluations, whole.evaluations)
    pd.testing.assert_frame_equal(again.intervals, whole.intervals)


def test_a_folder_of_another_estimation_is_refused(tmp_path):
    from analysis.estimation import estimate

    estimate(load_estimation(write(tmp_path, FUNCTION.replace("budget = 40", "budget = 4"))), tmp_path / "o", "serial")
    with pytest.raises(ScenarioError, match="another estimation"):
        estimate(load_estimation(write(tmp_path, FUNCTION.replace("budget = 40", "budget = 8"))), tmp_path / "o")


def test_the_fit_table_marks_targets_past_the_cutoff_as_out_of_sample_and_shows_before_and_after(tmp_path):
    from analysis.estimation import estimate
    from analysis.estimation.outputs import write_outputs

    est = load_estimation(write(tmp_path, FUNCTION))
    found = estimate(est, tmp_path / "out", backend="serial")
    write_outputs(est, found, tmp_path / "out")
    fit = pd.read_csv(tmp_path / "out" / "fit.csv").set_index("target")
    assert fit["sample"].to_dict() == {"sum": "in-sample", "difference": "in-sample", "later": "out-of-sample"}
    assert (
        fit.loc[["sum", "difference"], "miss_after"].abs() < fit.loc[["sum", "difference"], "miss_before"].abs()
    ).all()
    assert list(pd.read_csv(tmp_path / "out" / "estimate.csv")["parameter"]) == ["a", "b"]


def test_the_estimated_scenario_extends_the_base_and_its_cards_cite_the_estimation(tmp_path):
    from analysis.estimation.outputs import estimated_scenario
    from simulation.scenario import load_scenario, parameters

    est = load_estimation(write(tmp_path, SCENARIO))
    best = {"tech.efficiency_growth_per_year": 0.9, "regulators.bis.rules.oct2023.enforcement": 0.6}
    path = tmp_path / "estimated.toml"
    path.write_text(estimated_scenario(est, best, tmp_path / "out"), encoding="utf-8")
    cards = {p.name: p for p in parameters(load_scenario(path))}
    for name, value in best.items():
        assert cards[name].value == value
        assert "airace estimate (tpe" in cards[name].source and "cutoff 2024-06-30" in cards[name].source
        assert str(tmp_path / "out") in cards[name].source


MODEL = """\
name = "recover_model"
scenario = "baseline"
budget = 32
batch = 4
seeds = 1
seed = 3

[set]
"time.end" = 2024-12-31

[parameters]
"capex.adjust_per_year" = {}
"blocs.US.services_market_growth_per_year" = {}

[targets]
"""
RECOVER = {  # the known values (the baseline has 1.5 and 1.5) and the targets they move, measured on runs (2024's
    # capex too: with 2023's alone, capex.adjust_per_year's interval spanned 0.86 of its prior once Google's TPUs
    # came in; with it, 0.39)
    "parameters": {"capex.adjust_per_year": 2.5, "blocs.US.services_market_growth_per_year": 0.9},
    "targets": [
        "NVIDIA data-centre revenue FY2024",
        "capex of Microsoft, Alphabet, Amazon and Meta, 2023",
        "capex of Microsoft, Alphabet, Amazon and Meta, 2024",
        "largest training run, end 2023",
    ],
}


@pytest.mark.slow
def test_the_model_s_known_parameters_lie_inside_the_intervals_estimated_from_its_own_simulated_targets(tmp_path):
    # Simulate at known values with the estimation's own seeds, take the targets' values as the observed
    # figures (each with a scale of 5% of it), and estimate from the baseline's values.
    from analysis.calibration import measure_targets
    from analysis.estimation import estimate
    from analysis.estimation.search import seeds
    from simulation.runner import run

    plain = load_estimation(write(tmp_path, MODEL + "".join(f'"{t}" = {{}}\n' for t in RECOVER["targets"])))
    truth = RECOVER["parameters"]
    observed = [measure_targets(run(plain.base, seed=s, overrides=truth), RECOVER["targets"]) for s in seeds(plain)]
    lines = []
    for t in RECOVER["targets"]:
        value = sum(o[t] for o in observed) / len(observed)
        lines.append(f'"{t}" = {{ value = {value!r}, scale = {0.05 * value!r} }}\n')
    est = load_estimation(write(tmp_path, MODEL + "".join(lines)))
    found = estimate(est, tmp_path / "out", backend="serial")
    rows = found.intervals.set_index("parameter")
    for name, value in truth.items():
        assert rows.loc[name, "lo"] <= value <= rows.loc[name, "hi"], rows
        assert rows.loc[name, "width_ratio"] < 0.8, rows  # the targets say something about each parameter
    assert found.evaluations["distance"].iloc[0] > 2 * found.evaluations["distance"].min()  # the base point is off


def test_the_estimated_scenario_names_its_base_portably_so_the_folder_can_move(tmp_path):
    # A built-in base by its name; a base file by its path relative to the folder the scenario is written in.
    import shutil

    from analysis.estimation.outputs import estimated_scenario
    from simulation.scenario import load_scenario, parameters

    best = {"tech.efficiency_growth_per_year": 0.9, "regulators.bis.rules.oct2023.enforcement": 0.6}
    built_in = estimated_scenario(load_estimation(write(tmp_path, SCENARIO)), best, tmp_path / "out")
    assert 'extends = "baseline"' in built_in

    (tmp_path / "work" / "bases").mkdir(parents=True)
    (tmp_path / "work" / "estimation").mkdir()
    (tmp_path / "work" / "bases" / "mine.toml").write_text('extends = "baseline"\nname = "mine"\n', encoding="utf-8")
    text = SCENARIO.replace('scenario = "baseline"', 'scenario = "../bases/mine.toml"')
    est = load_estimation(write(tmp_path / "work" / "estimation", text))
    out = tmp_path / "work" / "results" / "run"
    out.mkdir(parents=True)
    (out / "estimated.toml").write_text(estimated_scenario(est, best, out), encoding="utf-8")
    assert 'extends = "../../bases/mine.toml"' in (out / "estimated.toml").read_text(encoding="utf-8")
    shutil.move(tmp_path / "work", tmp_path / "moved")  # another machine, another checkout
    cards = {p.name: p for p in parameters(load_scenario(tmp_path / "moved" / "results" / "run" / "estimated.toml"))}
    assert cards["tech.efficiency_growth_per_year"].value == 0.9


def test_the_progress_line_in_a_log_shows_evaluations_done_the_best_distance_and_the_time_left(
    tmp_path, monkeypatch, capsys
):
    import simulation.progress
    from analysis.estimation import estimate

    monkeypatch.setattr(simulation.progress, "EVERY_SECONDS", 0.0)  # a line at every batch
    found = estimate(load_estimation(write(tmp_path, FUNCTION)), tmp_path / "out", backend="serial", progress=True)
    lines = capsys.readouterr().err.splitlines()  # not a terminal: plain lines
    assert "recover: 4/40 evaluations done" in lines[0] and "left, best distance" in lines[0], lines
    best = float(lines[-2].rpartition("best distance ")[2])  # the last line before the closing one
    assert best == pytest.approx(found.evaluations["distance"].iloc[:36].min(), rel=1e-3)


# two_moments ignores c: nothing it returns depends on it.
THIRD = "b = { range = [-1.0, 1.0] }\nc = { range = [0.0, 1.0] }\n"
SCREENED = FUNCTION.replace("budget = 40", "budget = 16").replace("b = { range = [-1.0, 1.0] }\n", THIRD)
SCREENED += "\n[screening]\ntrajectories = 4\n"


def test_screening_keeps_the_parameters_that_move_the_targets_and_drops_the_one_they_ignore(tmp_path):
    from analysis.estimation import estimate
    from analysis.estimation.outputs import write_outputs

    est = load_estimation(write(tmp_path, SCREENED))
    found = estimate(est, tmp_path / "out", backend="serial")
    assert (found.screening_ran, found.screening_reused) == (4 * 4, 0)  # 4 trajectories of 3 + 1 points
    screening = found.screening.set_index("parameter")
    assert screening["kept"].to_dict() == {"a": True, "b": True, "c": False}, screening
    assert screening.loc["c", "mu_star"] == 0.0  # the same seeds at every point: c changes nothing at all
    assert list(found.evaluations.columns[1:3]) == ["a", "b"] and "c" not in found.evaluations
    assert "c" not in found.runs  # not varied by the search: a function is handed its base value as fixed
    written = write_outputs(est, found, tmp_path / "out")
    assert tmp_path / "out" / "screening.csv" in written
    table = pd.read_csv(tmp_path / "out" / "screening.csv")
    assert list(table.columns) == ["parameter", "mu_star", "mu_star_conf", "sigma", "kept"]
    rows = pd.read_csv(tmp_path / "out" / "estimate.csv").set_index("parameter")
    assert rows["screened_out"].to_dict() == {"a": False, "b": False, "c": True}
    assert rows.loc["c", "point"] == 0.5 and rows.loc["c", ["lo", "hi"]].isna().all()
    identify = pd.read_csv(tmp_path / "out" / "identify.csv")
    assert set(identify["parameter"]) | set(identify["other"]) == {"a", "b"}
    assert found.best.keys() == {"a", "b"}


def test_a_resumed_screened_estimation_reads_the_screening_points_back_and_runs_none(tmp_path):
    from analysis.estimation import estimate

    est = load_estimation(write(tmp_path, SCREENED))
    whole = estimate(est, tmp_path / "out", backend="serial")
    for k in (2, 9):  # search evaluations in flight at a kill
        (tmp_path / "out" / "chunks" / f"chunk-{k:07d}.parquet").unlink()
    again = estimate(est, tmp_path / "out", backend="serial", resume=True)
    assert (again.screening_ran, again.screening_reused) == (0, 16)
    assert (again.ran, again.reused) == (2, 14)
    pd.testing.assert_frame_equal(again.screening, whole.screening)
    pd.testing.assert_frame_equal(again.intervals, whole.intervals)
    # The screening settings are part of what a folder holds evaluations of.
    other = load_estimation(write(tmp_path, SCREENED.replace("trajectories = 4", "trajectories = 5"), "o.toml"))
    with pytest.raises(ScenarioError, match="another estimation"):
        estimate(other, tmp_path / "out", backend="serial", resume=True)


def test_a_bad_screening_table_is_refused_naming_its_key(tmp_path):
    found = problems(write(tmp_path, SCREENED.replace("trajectories = 4", "trajectories = 1")))
    assert any("screening.trajectories" in p and "greater than or equal to 2" in p for p in found), found
    found = problems(write(tmp_path, SCREENED + "threshold = 1.5\n"))
    assert any("screening.threshold" in p for p in found), found
    found = problems(write(tmp_path, SCREENED.replace("trajectories", "trajectory")))
    wanted = "screening.trajectory: unknown key 'trajectory'; did you mean 'trajectories'?"
    assert any(wanted in p for p in found), found
    import subprocess
    import sys

    path = write(tmp_path, SCREENED.replace("trajectories = 4", "trajectories = 1"))
    result = subprocess.run(
        [sys.executable, "-m", "simulation.apps.cli", "estimate", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 2 and "screening.trajectories" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_an_estimation_without_screening_keeps_its_hash():
    # Folders made before screening existed still resume: an absent [screening] is not in the hash.
    from analysis.estimation.spec import Estimation, Screening, estimation_hash

    data = {"name": "x", "function": "m:f", "parameters": {"a": {"range": [0, 1]}}, "targets": {"y": {}}}
    plain = Estimation.model_validate(data)
    assert "screening" not in plain.model_dump(exclude_defaults=True)
    assert estimation_hash(plain) != estimation_hash(plain.model_copy(update={"screening": Screening(trajectories=2)}))
