"""Reports, figures of stored results and the plot/report/compare commands, on short saved runs."""

import base64
import json
import math
import re
import subprocess
import sys
import tomllib
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd
import pytest
import tomli_w

from analysis import plots
from analysis.load import ResultsError, load_many, load_results
from analysis.outcomes import for_people, run_outcomes
from analysis.report import baseline_differences, build_report, write_report
from simulation import Results, load_scenario, run
from simulation.apps.cli import main
from simulation.runner import baseline_values
from simulation.scenario import Key
from tests.conftest import SHORT_SHOCK
from tests.drawn import overlapping_labels

VOID = {"meta", "img", "br", "hr", "link", "input", "source", "col", "area", "base", "wbr"}


class Page(HTMLParser):
    """Collects what the tests check and fails on tags that do not nest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.links: list[str] = []
        self.images: dict[str, str] = {}  # figure id -> img src
        self.figure: str | None = None
        self.text: list[str] = []
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        self.links += [attrs[k] for k in ("src", "href") if k in attrs]
        if tag == "figure":
            self.figure = attrs.get("id")
        if tag == "img":
            self.images[self.figure] = attrs["src"]
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"unexpected </{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    assert page.doctype
    assert not page.problems and not page.open, (page.problems, page.open)
    return page


def airace(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulation.apps.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


def test_a_folder_of_replicates_loads_as_one_scenario(shock_folder):
    result = load_results(shock_folder)
    # made with overrides (SHORT_SHOCK), so it is labelled with them
    assert result.label == "deepseek_shock with " + ", ".join(f"{k}={v}" for k, v in SHORT_SHOCK.items())
    assert len(result.runs) == 2 and result.seeds == sorted(result.seeds)
    one = load_results(shock_folder / f"seed_{result.seeds[1]}")
    assert one.seeds == [result.seeds[1]]
    # the scripted events are marked; the breakthrough and investors' attention at their scenario dates
    marked = result.marked_events.set_index("label")["date"]
    assert marked["DeepSeek breakthrough"] == pd.Timestamp("2025-01-20")
    assert marked["investors notice DeepSeek"] == pd.Timestamp("2025-01-27")
    assert result.shock_date == pd.Timestamp("2025-01-27")


def test_model_tables_of_a_result_say_which_seed_each_row_is_from(shock_folder):
    result = load_results(shock_folder)
    together = pd.concat(result.models, ignore_index=True)
    assert together.columns[0] == "seed"
    assert sorted(together["seed"].unique()) == result.seeds
    for seed, stored in zip(result.seeds, result.runs, strict=True):
        rows = together[together["seed"] == seed].drop(columns="seed").reset_index(drop=True)
        pd.testing.assert_frame_equal(rows, stored.model)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing", "no such folder"),
        (lambda tmp: tmp, "no summary.json"),
        (lambda tmp: (tmp / "file.txt", (tmp / "file.txt").write_text("x"))[0], "not a folder"),
    ],
)
def test_bad_results_paths_say_what_is_wrong(tmp_path, make, message):
    with pytest.raises(ResultsError, match=message):
        load_results(make(tmp_path))


def test_a_run_folder_from_before_the_typed_event_log_is_refused_with_the_reason(short_baseline, tmp_path):
    folder = short_baseline.save(tmp_path / "old")
    short_baseline.events[["date", "step", "kind", "actor", "text"]].to_parquet(folder / "events.parquet")
    with pytest.raises(ResultsError, match="no subject, counterpart, channel, value column: an older airace wrote it"):
        load_results(folder)


def test_the_report_lists_a_scripted_api_terms_event_by_the_labs_name(write_scenario, tmp_path):
    path = write_scenario(
        """
extends = "baseline"
name = "open_api"

[time]
end = 2023-09-30

[[events]]
kind = "api_terms"
id = "openai_opens_api"
lab = "openai"
date = 2023-06-01
enforced = false
description = "others may distil its models"
"""
    )
    results = run(path, seed=1)
    html = write_report([results], tmp_path / "report.html").read_text(encoding="utf-8")
    parse(html)
    name = next(lab.name for lab in results.scenario.labs if lab.id == "openai")
    said = f"2023-06-01: {name} stops enforcing its API terms against distillation: others may distil its models"
    assert f"<li>{escape(said)}</li>" in html  # the scripted events, in the log's words
    assert "<li>2023-06-01: openai" not in html
    marked = load_results(results).marked_events
    assert marked.set_index("label").loc["OpenAI lifts API terms", "text"] == said.removeprefix("2023-06-01: ")


def test_figures_of_a_result_are_the_ones_that_apply_with_events_at_their_dates(shock_folder):
    result = load_results(shock_folder)
    figures = plots.figures_for(result)
    assert list(figures) == FIGURES
    # installed compute by owner (a line each, log scale) above the largest cluster built for a lab
    installed, cluster = figures["installed_compute"].axes
    assert {ln.get_gid() for ln in installed.lines} >= {f"installed:{o.label}" for o in result.scenario.owners}
    assert installed.get_yscale() == "log" and cluster.get_yscale() == "log"
    fans = {str(ln.get_gid()).split(":")[1] for ln in cluster.lines if str(ln.get_gid()).startswith("cluster:")}
    assert fans == {"US", "CN", "ROW"}
    # each bloc's frontier: its pretrained base and the whole, above; what post-training adds, below
    whole, post = figures["capability_parts"].axes
    assert {str(ln.get_gid()) for ln in whole.lines} >= {
        "pretrained:US:median",
        "capability:US",
        "pretrained:CN:median",
    }
    assert {str(ln.get_gid()) for ln in post.lines} >= {"post_trained:US:median", "post_trained:CN:median"}
    assert {str(c.get_gid()) for c in whole.collections} >= {"releases:US", "releases:CN"}
    gap = figures["gap_months"].axes[0]
    marks = {ln.get_gid(): ln.get_xdata()[0] for ln in gap.lines if str(ln.get_gid()).startswith("event:")}
    assert mdates.date2num(marks["event:DeepSeek breakthrough"]) == mdates.date2num(pd.Timestamp("2025-01-20"))
    # a bar for each run (one run too), named by the largest fall's date and the news before it
    drops = figures["largest_drop"].axes[0]
    causes = result.fall_causes.query("ticker == 'NVDA'")
    assert sorted(t.get_text() for t in drops.get_yticklabels()) == sorted(
        f"seed {seed}, {day.date()}: {cause or 'no news in the month before'}"
        for seed, day, cause in zip(causes["seed"], causes["date"], causes["cause"], strict=True)
    )
    one = plots.figures_for(load_results(shock_folder / f"seed_{result.seeds[0]}"))
    assert len(one["largest_drop"].axes[0].patches) == 1


def test_parameters_that_differ_from_the_baseline_come_from_the_registry():
    changed = baseline_differences(load_scenario("deepseek_shock", {"tech.utilisation": 0.35}), baseline_values())
    rows = changed.set_index("parameter")
    assert rows.loc["time.step_days", "baseline"] == 7 and rows.loc["time.step_days", "this scenario"] == 1
    assert rows.loc["tech.utilisation", "this scenario"] == 0.35
    assert "investors.count" not in rows.index
    assert baseline_differences(load_scenario("baseline"), baseline_values()).empty


# ---------------------------------------------------------------- what the report takes from the run folder


def report_text(folder: Path) -> str:
    return " ".join(parse(build_report([folder])).text)


def test_a_scenario_named_like_a_builtin_tells_its_own_story(write_scenario, tmp_path):
    path = write_scenario(
        "# My own baseline: the same race, told by an analyst who disagrees.\n#\n# A second paragraph of it.\n"
        'extends = "baseline.toml"\nname = "baseline"\n[time]\nend = 2023-06-30\n'
    )
    run(path).save(tmp_path / "run")
    text = report_text(tmp_path / "run")
    assert "My own baseline: the same race, told by an analyst who disagrees." in text
    assert "A second paragraph of it." in text
    assert "Three blocs (the United States" not in text  # the built-in baseline's header tells another story


def test_the_report_compares_with_the_baseline_stored_with_the_run_not_todays(short_baseline, tmp_path):
    folder = short_baseline.save(tmp_path / "run")
    stored = json.loads((folder / "baseline_parameters.json").read_text())
    today = stored["tech.utilisation"]
    stored["tech.utilisation"] = 0.123  # the baseline as it was when this run was made
    (folder / "baseline_parameters.json").write_text(json.dumps(stored))
    rows = baseline_differences(short_baseline.scenario, Results.load(folder).baseline).set_index("parameter")
    assert list(rows.index) == ["tech.utilisation"]
    assert rows.loc["tech.utilisation", "baseline"] == 0.123 and rows.loc["tech.utilisation", "this scenario"] == today
    text = report_text(folder)
    assert "tech.utilisation 0.123" in text and "every parameter has the value" not in text


def test_results_stored_without_story_or_baseline_say_so_plainly(short_baseline, tmp_path):
    folder = short_baseline.save(tmp_path / "old")
    (folder / "baseline_parameters.json").unlink()  # as an older airace wrote run folders
    scenario = tomllib.loads((folder / "scenario.toml").read_text())
    del scenario["story"]
    (folder / "scenario.toml").write_text(tomli_w.dumps(scenario))
    text = report_text(folder)
    assert "The longer story of this scenario (the header comment of its file) was not stored" in text
    assert "The baseline's parameter values were not stored with these results" in text
    assert short_baseline.scenario.description in text  # the description always was


FIGURES = [
    "frontier_by_bloc",
    "gap_months",
    "capability_parts",
    "markets",
    "event_study",
    "largest_drop",
    "return_diagnostics",
    "compute_and_chips",
    "installed_compute",
    "supply_chain_revenue",
    "foundry_packaging",
]


@pytest.fixture(scope="session")
def shock_report(shock_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Page]:
    """`airace report` run once, as a user runs it, on the two saved replicates."""
    path = tmp_path_factory.mktemp("report") / "out" / "report.html"
    result = airace("report", str(shock_folder), "--out", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(path)
    return path, parse(path.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_report_is_self_contained(shock_report):
    _, page = shock_report
    assert page.links, "the report embeds its figures"
    assert not [link for link in page.links if link.startswith(("http://", "https://", "//"))]
    assert all(link.startswith("data:image/png;base64,") for link in page.links)


@pytest.mark.slow
def test_report_holds_every_figure_as_a_png(shock_report):
    _, page = shock_report
    assert list(page.images) == [f"fig-{name}" for name in FIGURES]
    for src in page.images.values():
        assert base64.b64decode(src.removeprefix("data:image/png;base64,")).startswith(b"\x89PNG")


@pytest.mark.slow
def test_report_tells_the_story_outcomes_events_and_changed_parameters(shock_report):
    path, page = shock_report
    text = " ".join(page.text)
    assert load_scenario("deepseek_shock").description in text  # the story
    assert "NVIDIA lost 16.9% in one day" in text  # the header comment of the built-in file
    assert "NVDA largest one-step fall (%)" in text and "90th percentile" in text  # outcomes over replicates
    assert "investors notice DeepSeek's breakthrough" in text  # the event log in plain words
    assert "value all listed firms lost" in text  # the falls in dollars, as a reader writes them
    assert re.search(r"\$\d+(\.\d)?B", text)
    assert "investors.jevons_belief_mean" in text  # the parameter moved off the baseline...
    assert "investors.count" not in text  # ...and not those left alone
    # no address anywhere outside the embedded figures (whose base64 may spell "http" by chance)
    html = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", path.read_text(encoding="utf-8"))
    assert "http" not in html


@pytest.mark.slow
def test_report_on_several_results_compares_them(shock_folder, tmp_path):
    seeds = load_results(shock_folder).seeds
    sources = [shock_folder / f"seed_{seeds[0]}", shock_folder / f"seed_{seeds[1]}"]
    text = write_report(sources, tmp_path / "both.html").read_text(encoding="utf-8")
    page = parse(text)
    labels = [s.label for s in load_many(sources)]
    assert labels == [f"seed_{seeds[0]}", f"seed_{seeds[1]}"]  # same scenario: told apart by folder
    assert {"fig-compare_gap_months", "fig-compare_ai_index"} <= set(page.images)
    # Two single runs with different seeds are not a paired comparison: no effect is shown for them.
    assert "No effects are shown" in " ".join(page.text)
    sections = [text.index(f'<section id="scenario-{label}">') for label in labels]
    assert sections == sorted(sections)  # a section for each, in order


@pytest.mark.slow
def test_plot_command_writes_every_figure_in_the_format_asked(shock_folder, tmp_path, capsys):
    assert main(["plot", str(shock_folder), "--out", str(tmp_path), "--format", "svg"]) == 0
    written = [Path(line) for line in capsys.readouterr().out.splitlines()]
    assert [p.name for p in written] == [f"{name}.svg" for name in FIGURES]
    assert all(p.read_text().lstrip().startswith("<?xml") for p in written)


@pytest.mark.parametrize("command", ["plot", "report", "compare"])
def test_commands_on_a_missing_folder_exit_2_with_one_line(tmp_path, command, capsys):
    missing = tmp_path / "nowhere"
    assert main([command, str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [f"error: {missing}: no such folder (expected a run folder or a folder of run folders)"]


def test_runs_that_differ_in_more_than_their_seed_are_not_replicates(short_baseline, tmp_path):
    short_baseline.save(tmp_path / "seed_7")
    changed = short_baseline.scenario.model_copy(update={"description": "changed"})
    type(short_baseline)(
        changed, 8, short_baseline.model, short_baseline.agents, short_baseline.events, short_baseline.summary
    ).save(tmp_path / "seed_8")
    with pytest.raises(ResultsError, match="differ in more than their seed"):
        load_results(tmp_path)


# Each headline outcome of the report, by its label, and where summary.json keeps it (with the factor
# that turns the summary's fraction into the report's percent).
SUMMARY_KEYS = [
    (r"gap at start \(months\)", "gap_months.start", 1),
    (r"gap after (?P<event>\w+), [\d-]+ \(months\)", "gap_months.at_events.{event}.gap_months", 1),
    (r"gap at end of (?P<year>\d{4}) \(months\)", "gap_months.end_of_year.{year}", 1),
    (r"gap at end \(months\)", "gap_months.end", 1),
    (r"months with \w+ at or ahead of \w+'s frontier", "months_at_parity", 1),
    (r"frontier capability (?P<bloc>\w+) at end \(log10 FLOP\)", "frontier_capability_end.{bloc}", 1),
    (r"largest training run (?P<bloc>\w+) at end \(FLOP\)", "largest_training_run.{bloc}.flop_end", 1),
    (
        r"largest training run (?P<bloc>\w+), growth \(x per year\)",
        "largest_training_run.{bloc}.flop_growth_per_year",
        1,
    ),
    (
        r"largest training run (?P<bloc>\w+) at end, hardware cost \(USD\)",
        "largest_training_run.{bloc}.cost_usd_end",
        1,
    ),
    (
        r"largest training run (?P<bloc>\w+), cost growth \(x per year\)",
        "largest_training_run.{bloc}.cost_growth_per_year",
        1,
    ),
    (r"(?P<bloc>\w+) share of compute at end \(%\)", "compute_share_end.{bloc}", 100),
    (r"(?P<bloc>\w+) chips leaked past controls \(% of its chips\)", "chips_leaked_share.{bloc}", 100),
    (r"(?P<t>\w+) largest one-step fall \(%\)", "largest_one_step_fall.{t}.fall", 100),
    (r"(?P<t>\w+) maximum drawdown \(%\)", "max_drawdown.{t}.drawdown", 100),
    (r"(?P<t>\w+) days to win back half the drawdown", "max_drawdown.{t}.recover_half_days", 1),
    (r"(?P<t>\w+) days to win back all the drawdown", "max_drawdown.{t}.recover_all_days", 1),
    (r"(?P<t>\w+) return in the 20 days after [\d-]+ \(%\)", "return_after_shock.returns.{t}", 100),
    (r"AI index at end \(start = 100\)", "ai_index_end", 1),
]


def test_summary_json_holds_every_headline_outcome_of_the_report(shock_folder):
    """So a sweep can keep any outcome the report shows: each row of the report's table is a number of
    summary.json, the same number (to the summary's six decimals). A new row fails here until it is."""
    result = load_results(shock_folder)
    for stored in result.runs:
        outcomes = run_outcomes(stored.model, stored.scenario)
        assert any("share of compute" in o for o in outcomes) and any("drawdown" in o for o in outcomes)
        for label, value in outcomes.items():
            found = [(m, key, f) for pattern, key, f in SUMMARY_KEYS if (m := re.fullmatch(pattern, label))]
            assert found, f"the report's '{label}' has no place in summary.json"
            match, key, factor = found[0]
            kept = Key.parse(key.format(**match.groupdict())).get(stored.summary)
            if math.isnan(value):
                assert kept is None, label
            else:
                assert factor * kept == pytest.approx(value, rel=1e-6, abs=1e-6 * factor), label


@pytest.mark.parametrize(
    ("value", "outcome", "written"),
    [
        (1.89e28, "largest training run US at end (FLOP)", "1.9e28 FLOP"),
        (3.585e9, "largest training run US at end, hardware cost (USD)", "$3.6B"),
        (-2.3e7, "cost (USD)", "-$23M"),
        (950e3, "cost (USD)", "$950k"),
        (float("nan"), "NVDA days to win back all the drawdown", "not recovered"),
        (float("nan"), "gap after deepseek_r1, 2025-01-20 (months)", "—"),
        (12345.6, "NVDA maximum drawdown (%)", "12,346"),
        (9.72, "gap at start (months)", "9.72"),
        (29.7312, "frontier capability US at end (log10 FLOP)", "29.7"),
    ],
)
def test_tables_write_numbers_for_people(value, outcome, written):
    assert for_people(value, outcome) == written


# ---------------------------------------------------------------- labels that never overlap


@pytest.fixture(scope="module")
def baseline_to_2027() -> Results:
    return run("baseline", seed=1, overrides={"time.end": "2027-12-31"})


@pytest.mark.slow
def test_no_two_labels_of_any_figure_overlap(shock_folder, baseline_to_2027):
    """Every figure of a report, at its default size, as a reader of a policy brief would see it: no
    label touches another (events, legend, ticks, titles). A full baseline's events and a comparison too."""
    shock = load_results(shock_folder)
    baseline = load_results(baseline_to_2027)
    figures = {
        **plots.figures_for(shock),
        **{f"baseline {k}": v for k, v in plots.figures_for(baseline).items()},
        **plots.comparison_figures([baseline, shock]),
    }
    problems = {name: overlapping_labels(fig) for name, fig in figures.items()}
    found = {name: pairs[:6] for name, pairs in problems.items() if pairs}
    assert not found, "\n".join(f"{name}: {pairs}" for name, pairs in found.items())


def test_the_overlap_check_sees_labels_that_touch():
    fig = plots.Figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.text(0.5, 0.5, "one label")
    ax.text(0.52, 0.5, "another label")
    ax.text(0.1, 0.1, "apart")
    assert overlapping_labels(fig) == [("one label", "another label")]


def test_a_comparison_draws_compute_chips_and_prices_with_each_scenarios_events(shock_folder, baseline_to_2027):
    shock, baseline = load_results(shock_folder), load_results(baseline_to_2027)
    figures = plots.comparison_figures([baseline, shock])
    assert list(figures) == [
        "compare_gap_months",
        "compare_frontier_capability_CN",
        "compare_compute_flops_CN",
        "compare_chips_delivered_CN",
        "compare_price_NVDA",
        "compare_ai_index",
    ]
    compute = figures["compare_compute_flops_CN"].axes[0]
    assert compute.get_yscale() == "log"
    # the chips China got since the start, legal, leaked and rented abroad, in the baseline's run
    chips = next(ln for ln in figures["compare_chips_delivered_CN"].axes[0].lines if ln.get_gid().endswith(":median"))
    model = baseline_to_2027.model
    got = model["chips_legal_CN"] + model["chips_leaked_CN"] + model["chips_rented_CN"]
    assert model["chips_rented_CN"].sum() > 0 and chips.get_ydata()[-1] == pytest.approx(got.sum())
    # an event both scenarios share is marked as it is; one only the shock scripts names its scenario
    marks = {str(ln.get_gid()) for ln in figures["compare_gap_months"].axes[0].lines}
    assert "event:BIS rule of Oct 2023" in marks
    assert f"event:investors notice DeepSeek ({shock.label})" in marks
