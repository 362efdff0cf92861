"""The `airace` command as a user runs it: a real process, real files, exit codes and messages."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.load import load_results


def airace(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulation.apps.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


def test_list_names_the_builtin_scenarios():
    result = airace("list")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert {"baseline", "deepseek_shock"} <= set(names)


def test_validate_says_ok_for_builtin_scenarios():
    result = airace("validate", "baseline", "deepseek_shock")
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["baseline: ok", "deepseek_shock: ok"]


def test_run_writes_a_folder_per_replicate_and_prints_the_summary(tmp_path):
    result = airace(
        "run", "baseline", "--seed", "4", "--replicates", "2", "--set", "time.end=2024-06-30", "--out", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    for seed in (4, 5):
        folder = tmp_path / f"seed_{seed}"
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            [
                "model.parquet",
                "agents.parquet",
                "events.parquet",
                "summary.json",
                "scenario.toml",
                "baseline_parameters.json",
            ]
        )
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["seed"] == seed
        model = pd.read_parquet(folder / "model.parquet")
        assert model["date"].iloc[-1] <= pd.Timestamp("2024-06-30")
        assert f"results: {folder}" in result.stdout
    assert "CN behind US, months: start 9.7" in result.stdout
    assert "largest one-step fall of NVDA" in result.stdout
    # The runs are labelled with the override wherever their name appears, and keep it when reloaded.
    assert load_results(tmp_path).label == "baseline with time.end=2024-06-30"
    report = tmp_path / "report.html"
    assert airace("report", str(tmp_path), "--out", str(report)).returncode == 0
    assert "Scenario <b>baseline with time.end=2024-06-30</b>" in report.read_text()


def _bad(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(body)
    return path


CASES = {
    "an impossible date and other problems, in one report": (
        'extends = "baseline"\nname = "x"\n[time]\nend = 2028-13-31\nstep_days = 40\n'
        '[[labs]]\nid = "deepseek"\nreserch_share = 0.3\n',
        ["bad.toml:4: time.end", "month 13 does not exist", "bad.toml:5: time.step_days", ":8:", "reserch_share"],
    ),
    "a value in an inline table": (
        'extends = "baseline"\nname = "x"\ntime = { step_days = 40 }\n',
        ["bad.toml:3:", "time.step_days", "less than or equal to 31"],  # not the base file's step_days line
    ),
    "a value in an array of inline tables": (
        'extends = "baseline"\nname = "x"\nlabs = [{ id = "deepseek", research_share = 1.5 }]\n',
        ["bad.toml:3:", "labs.deepseek.research_share", "less than or equal to 1"],
    ),
    "unknown key": (
        'extends = "baseline"\nname = "x"\n[[labs]]\nid = "deepseek"\nreserch_share = 0.3\n',
        ["labs.deepseek.reserch_share", ":5:", "did you mean 'research_share'"],
    ),
    "bad value": (
        'extends = "baseline"\nname = "x"\n[time]\nstep_days = 40\n',
        ["time.step_days", ":4:", "less than or equal to 31", "40"],
    ),
    "not TOML": ('name = "x"\n[time\nstart = 2023-01-01\n', [":2:", "not valid TOML"]),
    "unknown bloc": (
        'extends = "baseline"\nname = "x"\n[[chipmakers]]\nid = "smic"\nname = "SMIC"\nbloc = "CNN"\n'
        "capacity_chips_per_year = 1e4\ncapacity_growth_per_year = 0.1\nopex_usd_per_year = 1e8\n"
        "revenue_usd_per_year = 1e8\n",
        ["chipmakers.smic.bloc", "unknown bloc 'CNN'", "did you mean 'CN'"],
    ),
    "unknown chip in a rule": (
        'extends = "baseline"\nname = "x"\n[[regulators]]\nid = "bis"\n[[regulators.rules]]\n'
        'id = "oct2022"\nchips = ["H200"]\n',
        ["regulators.bis.rules.oct2022.chips", ":7:", "'H200'"],
    ),
    "event before start": (
        'extends = "baseline"\nname = "x"\n[[events]]\nkind = "open_weights"\nid = "early"\n'
        'lab = "meta"\ndate = 2022-06-01\n',
        ["events.early.date", ":7:", "before the scenario's start"],
    ),
    "missing parent": ('extends = "nowhere.toml"\nname = "x"\n', ["extends", "'nowhere.toml'"]),
    "a key of the old [markets] table": (
        'extends = "baseline"\nname = "x"\n\n[markets]\nrental_reach = 0.3\n',
        ["bad.toml:5: markets.rental_reach: this key moved to chip_market.rental_reach"],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_invalid_files_exit_2_with_a_message_naming_the_key(tmp_path, case):
    body, fragments = CASES[case]
    path = _bad(tmp_path, body)
    for command in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "out")]):
        result = airace(*command)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert str(path) in result.stderr
        for fragment in fragments:
            assert fragment in result.stderr, (fragment, result.stderr)
    assert not (tmp_path / "out").exists()  # nothing written for invalid input


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["nosuch"], ["nosuch", "built-in: baseline"]),
        (["baselin"], ["did you mean 'baseline'"]),
        (
            ["baseline", "--set", "labs.deepsek.research_share=0.3"],
            ["--set", "labs.deepsek", "did you mean 'deepseek'"],
        ),
        (["baseline", "--set", "investors.count=-5"], ["--set", "investors.count", "greater than or equal to 1"]),
        (
            ["baseline", "--set", "markets.rental_reach=0.3"],
            ["--set: markets.rental_reach: this key moved to chip_market.rental_reach"],
        ),
        (["baseline", "--set", "time.step_days"], ["expected dotted.key=value"]),
        (["baseline", "--seed", "minus"], ["--seed", "whole number"]),
        (["baseline", "--replicates", "0"], ["--replicates", "at least 1"]),
    ],
)
def test_invalid_command_lines_exit_2(args, fragments, tmp_path):
    result = airace("run", *args, "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert not (tmp_path / "out").exists()


def test_validate_reports_each_file(tmp_path):
    bad = _bad(tmp_path, 'extends = "baseline"\nname = "x"\n[time]\nstep_days = 0\n')
    result = airace("validate", "baseline", str(bad))
    assert result.returncode == 2
    assert result.stdout.strip() == "baseline: ok"
    assert "time.step_days" in result.stderr


@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", b'extends = "baseline"\nname = "caf\xe9"\n'],
    ids=["binary", "latin-1 text"],
)
def test_a_file_that_is_not_utf8_text_exits_2_naming_the_file(tmp_path, content):
    path = tmp_path / "scenario.toml"
    path.write_bytes(content)
    for command in (["validate", str(path)], ["sweep", str(path), "--out", str(tmp_path / "out"), "--quiet"]):
        result = airace(*command)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert f"{path}: not a TOML text file" in result.stderr


def test_a_reader_that_stops_early_ends_the_command_quietly():
    """`airace params | head`: the pipe is closed before the command writes, so every write meets it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "simulation.apps.cli", "params"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdout.close()  # the reader is gone
    errors = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141  # 128 + SIGPIPE, as `yes | head` reports with pipefail
    assert errors == ""  # no BrokenPipeError, no traceback, no "Exception ignored"


def test_a_reader_that_takes_the_first_line_gets_it(tmp_path):
    """Through a real shell pipe into head: the first line arrives, nothing is said on stderr."""
    command = f"{sys.executable} -m simulation.apps.cli params 2>{tmp_path / 'err'} | head -n 1"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert result.stdout.split()[:3] == ["parameter", "value", "unit"]
    assert (tmp_path / "err").read_text() == ""


def test_replicates_run_in_parallel_give_the_same_files_as_one_after_another(tmp_path):
    """`--workers 2` runs the replicates in the sweeps' process pool: every file of every run is the same,
    byte for byte, as with `--workers 1`, and the summaries come in seed order."""
    args = ["run", "deepseek_shock", "--seed", "11", "--replicates", "3", "--set", "time.end=2023-09-30"]
    serial = airace(*args, "--workers", "1", "--out", str(tmp_path / "serial"))
    parallel = airace(*args, "--workers", "2", "--out", str(tmp_path / "parallel"))
    assert serial.returncode == 0, serial.stderr
    assert parallel.returncode == 0, parallel.stderr
    assert parallel.stdout.replace("parallel", "serial") == serial.stdout
    assert [line.split("(seed ")[1].split(")")[0] for line in parallel.stdout.splitlines() if "(seed " in line] == [
        "11",
        "12",
        "13",
    ]
    files = sorted(p.relative_to(tmp_path / "serial") for p in (tmp_path / "serial").rglob("*") if p.is_file())
    assert len(files) == 3 * 6
    for name in files:
        assert (tmp_path / "parallel" / name).read_bytes() == (tmp_path / "serial" / name).read_bytes(), name


def test_validate_takes_set_and_notes_dated_entries_after_the_end():
    """A rule dated after the end is valid, but validate says it will not happen, at its line."""
    result = airace("validate", "baseline", "--set", "time.end=2024-06-30")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "baseline: ok"
    notes = [line for line in lines[1:] if "regulators.bis.equipment_controls.dec2024.date" in line]
    (note,) = notes
    assert note.startswith("note: ") and "scenarios/baseline.toml:" in note
    assert "2024-12-02 is after the scenario's end (2024-06-30): it will not happen" in note
    assert airace("validate", "baseline").stdout.splitlines() == ["baseline: ok"]  # all within 2030


def test_a_set_that_breaks_a_tables_constraint_is_blamed_on_the_set_not_the_file():
    result = airace("validate", "deepseek_shock", "--set", "investors.fundamentalist_share=0.9")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: --set: investors: fundamentalist_share + trend_share must be at most 1 (noise traders are the "
        "rest) (with investors.fundamentalist_share from --set)"
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '[[regulators]]\nid = "bis"\n\n[[regulators.rules]]\nid = "h20_licnce"\nend = 2025-08-10\n',
            "bad.toml:7: regulators.bis.rules.h20_licnce: unknown entry 'h20_licnce'; did you mean 'h20_licence'? "
            "(a new entry needs date, destinations)",
        ),
        (
            '[[labs]]\nid = "deepsek"\nresearch_share = 0.3\n',
            "bad.toml:4: labs.deepsek: unknown entry 'deepsek'; did you mean 'deepseek'? "
            "(a new entry needs name, bloc, owner, cash_usd, capability)",
        ),
    ],
    ids=["rule", "lab"],
)
def test_a_misspelt_entry_id_is_one_line_naming_the_closest_id(tmp_path, body, expected):
    """An unknown id close to an existing entry's, in a file that extends another, is a misspelling, not a
    new entry to be told key by key what it lacks."""
    path = _bad(tmp_path, f'extends = "baseline"\nname = "x"\n\n{body}')
    result = airace("validate", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"error: {tmp_path}/{expected}"]


@pytest.mark.parametrize(
    ("scenario", "typed", "expected"),
    [
        (
            "deepseek_shock",
            "events.deepseek_r1.efficiency_gain=0.5",
            "events.deepseek_r1.efficiency_gain: Input should be greater than 1 (found 0.5)",
        ),
        ("baseline", "blocs.US.serves=[1]", "blocs.US.serves: Input should be a valid string (found 1)"),
    ],
    ids=["an event's field", "an item of a list"],
)
def test_a_bad_set_is_blamed_on_set_under_the_key_typed(tmp_path, scenario, typed, expected):
    for command in (["validate", scenario], ["run", scenario, "--out", str(tmp_path / "out")]):
        result = airace(*command, "--set", typed)
        assert result.returncode == 2
        assert result.stderr.splitlines() == [f"error: --set: {expected}"]
    assert not (tmp_path / "out").exists()


def test_problems_come_in_the_order_of_the_files_lines(tmp_path):
    path = _bad(
        tmp_path,
        'extends = "baseline"\nname = "x"\n[tech]\nutilisation = 1.5\n[time]\nstep_days = 40\n'
        '[[labs]]\nid = "deepseek"\nresearch_share = 2\nbloc = "CNN"\n',
    )
    result = airace("validate", str(path), "--set", "investors.count=0")
    assert result.returncode == 2
    where = [line.split(": ")[1] for line in result.stderr.splitlines()]
    assert where == [f"{path}:4", f"{path}:6", f"{path}:9", f"{path}:10", "--set"], result.stderr


UTILISATION_NOTE = (
    "tech.utilisation: 0.99 is outside the plausible range 0.2 to 0.6 (fraction; source: model FLOP utilisation "
    "of large runs, 35-45% (Epoch AI; DeepSeek-V3 report)); valid, the run goes on"
)


def test_a_value_outside_its_plausible_range_runs_with_one_note_naming_the_range_and_its_source(tmp_path):
    result = airace("validate", "baseline", "--set", "tech.utilisation=0.99")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["baseline: ok"]
    assert result.stderr.splitlines() == [f"note: --set: {UTILISATION_NOTE}"]
    args = ["--set", "tech.utilisation=0.99", "--set", "time.end=2023-02-28", "--seed", "1", "--replicates", "2"]
    run = airace("run", "baseline", *args, "--quiet", "--out", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines() == [f"note: --set: {UTILISATION_NOTE}"]  # once, not once a run
    assert (tmp_path / "out" / "seed_2" / "summary.json").exists()
    path = _bad(tmp_path, 'extends = "baseline"\nname = "x"\n[tech]\nutilisation = 0.99  # a guess\n')
    noted = airace("validate", str(path)).stderr.splitlines()
    assert noted == [
        f"note: {path}:4: tech.utilisation: 0.99 is outside the plausible range 0.2 to 0.6 (fraction; "
        "source: a guess); valid, the run goes on"
    ]
    hard = airace("validate", "baseline", "--set", "tech.utilisation=1.5")
    assert hard.returncode == 2
    assert hard.stderr.splitlines() == [
        "error: --set: tech.utilisation: Input should be less than or equal to 1 (found 1.5)"
    ]


def test_a_date_in_quotes_is_refused_naming_its_line(tmp_path):
    path = _bad(
        tmp_path,
        'extends = "deepseek_shock"\nname = "x"\n[time]\nend = "2026-01-20"\n'
        '[[events]]\nid = "deepseek_r1"\ndate = "2025-01-20"\n',
    )
    result = airace("validate", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {path}:4: time.end: '2026-01-20' is a string; TOML writes a date without quotes: end = 2026-01-20",
        f"error: {path}:7: events.deepseek_r1.date: '2025-01-20' is a string; TOML writes a date without quotes: "
        "date = 2025-01-20",
    ]
