"""The teaching dashboard: levers from the registry, the model it rebuilds, the charts' data, and a teacher's
lesson in a real browser (headless Chromium driven by Playwright) at projector sizes."""

from __future__ import annotations

import json
import socket
from datetime import date

import pandas as pd
import pytest

pytest.importorskip("solara", reason="the dashboard needs the teach extra: pip install -e '.[dev,teach]'")

from benchmarks.browser import BROWSER_HELP, CHROMIUM_ARGS, Dashboard, chromium, overlapping_text, served_dashboard
from simulation import run
from simulation.apps.cli import main
from simulation.apps.dashboard import (
    CHARTS,
    LEVERS,
    SPEEDS,
    DashboardModel,
    chart_layout,
    chart_points,
    event_line,
    event_marks,
    events_so_far,
    frame_steps,
    headline,
    jump_dates,
    lever_controls,
    lever_overrides,
    model_frame,
    move_bars,
    overlay_frame,
    run_to,
)
from simulation.scenario import builtin_scenarios, load_scenario, parameters


def test_sliders_take_unit_range_and_value_from_the_registry():
    spec = load_scenario("deepseek_shock")
    registry = {p.name: p for p in parameters(spec)}
    controls = lever_controls(spec)
    for name in ("regulators.bis.rules.oct2023.enforcement", "investors.jevons_belief_mean", "time.step_days"):
        p = registry[name]
        assert (controls[name]["min"], controls[name]["max"]) == p.plausible
        assert controls[name]["value"] == p.value
        assert p.unit in controls[name]["label"]
    assert controls["time.step_days"]["type"] == "SliderInt"
    assert controls["labs.openai.api_terms_enforced"] == {
        "type": "Checkbox",
        "value": True,
        "label": LEVERS["labs.openai.api_terms_enforced"].label,
    }
    assert "2025-01-20" in controls["events.deepseek_r1.date"]["values"]


@pytest.mark.parametrize("name", list(builtin_scenarios()))
def test_every_slider_shows_its_scenario_value_on_its_grid(name):
    """A slider snaps to min + k * step: the scenario's own value must be one of its positions."""
    for control in lever_controls(load_scenario(name)).values():
        if control["type"].startswith("Slider"):
            k = (control["value"] - control["min"]) / control["step"]
            assert abs(k - round(k)) < 1e-6 and control["min"] <= control["value"] <= control["max"]
            assert (control["max"] - control["min"]) / control["step"] >= 30


def test_levers_missing_from_a_scenario_are_not_shown():
    assert "events.deepseek_r1.efficiency_gain" not in lever_controls(load_scenario("baseline"))


def test_moving_the_breakthrough_moves_the_day_investors_notice_it():
    spec = load_scenario("deepseek_shock")
    overrides = lever_overrides(spec, {"events.deepseek_r1.date": "2024-07-20", "time.step_days": 7.0})
    assert overrides["events.deepseek_r1.date"] == date(2024, 7, 20)
    assert overrides["events.deepseek_r1.attention_date"] == date(2024, 7, 27)
    assert overrides["time.step_days"] == 7 and isinstance(overrides["time.step_days"], int)


def test_dashboard_model_rebuilds_from_levers_and_stops_at_the_end():
    model = DashboardModel("deepseek_shock", **{"time.step_days": 31, "labs.openai.api_terms_enforced": False})
    assert model.spec.time.step_days == 31 and not model.labs["openai"].api_terms_enforced
    while model.running:
        model.step()
    assert model.steps == model.n_steps and not model.running  # Play and Step stop here
    top = headline(model)
    assert top["date"] == f"{model.date:%-d %b %Y}"
    assert top["step"] == f"step {model.n_steps} of {model.n_steps}, 31 days a step"
    assert top["gap"] == f"CN {model.gap_months:.1f} months behind US"
    assert len(model_frame(model)) == model.n_steps + 1
    model.step()  # a step past the end records nothing and does not fail
    assert len(model_frame(model)) == model.n_steps + 1
    lines = [event_line(e) for e in events_so_far(model)]
    assert "27 Jan 2025: investors notice DeepSeek's breakthrough" in lines
    with pytest.raises(ValueError, match="unknown chart"):
        chart_layout(model, "weather")


def test_a_seed_gives_another_history_and_the_same_seed_the_same():
    runs = {}
    for seed in (1, 1, 2):
        model = DashboardModel("deepseek_shock", seed=seed, **{"time.step_days": 7})
        run_to(model, date(2025, 2, 1))
        runs.setdefault(seed, []).append(model_frame(model))
    pd.testing.assert_frame_equal(*runs[1])
    assert not runs[1][0]["price_NVDA"].equals(runs[2][0]["price_NVDA"])


def test_new_points_added_to_those_sent_are_the_whole_series():
    """The browser's chart is sent only new points: what it holds, plus them, must be the series."""
    model = DashboardModel("deepseek_shock", **{"time.step_days": 7})
    held = {name: [[] for _ in chart_layout(model, name)["series"]] for name in CHARTS if name != "moves"}
    sent = 0
    for _ in range(5):
        run_to(model, model.date + pd.Timedelta(days=7 * 9))
        for name, series in held.items():
            new = chart_points(model, name, sent)
            assert new["offset"] == sent
            for line, rows in zip(series, new["rows"], strict=True):
                line.extend(rows)
        sent = len(model_frame(model))
    frame = model_frame(model)
    days = frame["date"].dt.strftime("%Y-%m-%d").tolist()
    assert held["gap"][0] == [[d, round(v, 4)] for d, v in zip(days, frame["gap_months"], strict=True)]
    frontier = chart_layout(model, "frontier")["series"]
    assert [s["name"] for s in frontier] == ["US", "CN", "ROW"]
    assert held["frontier"][1][-1] == [days[-1], round(frame["frontier_capability_CN"].iloc[-1], 4)]
    nvda = [s["name"] for s in chart_layout(model, "markets")["series"]].index("NVDA")
    start = frame["price_NVDA"].iloc[0]
    assert held["markets"][nvda][-1][1] == pytest.approx(100 * frame["price_NVDA"].iloc[-1] / start, abs=1e-4)


def test_time_charts_start_drawn_over_the_whole_run_with_dates_as_months():
    model = DashboardModel("deepseek_shock")
    spec = model.spec
    for name in ("frontier", "gap", "markets"):
        axis = chart_layout(model, name)["xAxis"]
        assert (axis["type"], axis["min"], axis["max"]) == ("time", "2023-01-01", f"{spec.time.end}")
        assert axis["axisLabel"]["formatter"]["month"] == "{MMM} {yyyy}"
        series = chart_layout(model, name)["series"]
        assert [len(rows) for rows in chart_points(model, name, 0)["rows"]] == [1] * len(series)


def test_the_moves_chart_shows_the_fall_of_27_january_and_the_value_lost():
    model = DashboardModel("deepseek_shock")
    run_to(model, date(2025, 1, 27))
    frame = model_frame(model)
    bars = {b["name"].split()[0]: b for b in move_bars(model, frame)}
    assert set(bars) == {m.ticker for m in model.equity.firms}
    nvda = bars["NVDA"]
    fall = 100 * (frame["price_NVDA"].iloc[-1] / frame["price_NVDA"].iloc[-2] - 1)
    assert nvda["value"] == pytest.approx(fall, abs=0.01) and fall < -10
    lost = frame["value_lost_usd_NVDA"].iloc[-1]
    assert nvda["name"] == f"NVDA {fall:+.1f}% (-${lost / 1e9:,.0f}B)"
    assert nvda["label"]["position"] == "bottom"  # under a falling bar, clear of it


def test_a_jump_runs_to_the_day_and_is_the_run_stepped_by_hand():
    spec = load_scenario("deepseek_shock")
    dates = jump_dates(spec)
    assert dates["2025-01-20"] == "20 Jan 2025: deepseek r1 (breakthrough)"
    assert dates["2025-01-27"] == "27 Jan 2025: investors notice deepseek r1"
    assert list(dates).index("2025-01-20") < list(dates).index("2023-04-01")  # the moments first
    jumped = DashboardModel("deepseek_shock")
    assert run_to(jumped, date(2025, 1, 20)) == (date(2025, 1, 20) - spec.time.start).days
    stepped = DashboardModel("deepseek_shock")
    while stepped.date < date(2025, 1, 20):
        stepped.step()
    pd.testing.assert_frame_equal(model_frame(jumped), model_frame(stepped))
    # Play's frames and a jump past the end stop at the end: the page never reads "step 1096 of 1095".
    assert run_to(jumped, date(2030, 1, 1)) == spec.time.n_steps - 750
    assert (jumped.steps, jumped.running) == (spec.time.n_steps, False)
    assert run_to(jumped, date(2030, 1, 1)) == 0 and jumped.steps == spec.time.n_steps


def test_speed_presets_are_days_of_the_race_a_frame_at_any_step_length():
    assert [frame_steps(SPEEDS[p], 1) for p in ("slow", "normal", "fast")] == [1, 7, 30]
    assert [frame_steps(SPEEDS[p], 7) for p in ("slow", "normal", "fast")] == [1, 1, 4]
    assert frame_steps(SPEEDS["fast"], 31) == 1


def test_the_dashboard_steps_through_the_run_the_runner_makes():
    """Same scenario, levers and seed: the live model's series are those of `airace run` with the same --set."""
    model = DashboardModel("deepseek_shock", **{"time.step_days": 31})
    while model.running:
        model.step()
    ran = run("deepseek_shock", overrides={"time.step_days": 31})
    pd.testing.assert_frame_equal(model_frame(model), ran.model)
    pd.testing.assert_frame_equal(model.records.agent_frame(), ran.agents)


def test_event_log_shows_nothing_from_the_future():
    model = DashboardModel("deepseek_shock", **{"time.step_days": 31})
    assert all(e["date"] <= model.date for e in events_so_far(model))


def test_the_charts_event_lines_are_labelled_and_close_ones_share_a_label():
    """Each dotted line names its event on the chart; a week apart, the breakthrough and investors noticing
    it would stand on each other at 1280x720, so they share one label on the later line."""
    model = DashboardModel("deepseek_shock")
    run_to(model, date(2025, 1, 28))
    marks = dict(event_marks(model))
    assert marks["2025-01-20"] == "" and marks["2025-01-27"] == "DeepSeek breakthrough\ninvestors notice DeepSeek"
    assert marks["2023-01-01"] == "BIS rule of Oct 2022"
    label = chart_layout(model, "gap")["series"][0]["markLine"]["label"]
    assert label.get("show", True) and label["formatter"] == "{b}"


def test_a_second_scenario_is_drawn_over_the_first_and_named_in_the_legend():
    """ "And without controls?": another scenario's whole run (same seed), dashed, in the legend by its name."""
    model = DashboardModel("deepseek_shock")
    overlay = overlay_frame("no_export_controls", model.seed)
    assert len(overlay) == load_scenario("no_export_controls").time.n_steps + 1  # to its own end
    layout = chart_layout(model, "frontier", overlay)
    assert "no_export_controls (dashed)" in layout["legend"]["data"]
    drawn = {s["id"]: s for s in layout["series"] if str(s.get("id", "")).startswith("overlay:")}
    cn = drawn["overlay:frontier_capability_CN"]
    assert cn["name"] == "CN (no_export_controls)" and cn["lineStyle"]["type"] != "solid"
    assert [v for _, v in cn["data"]] == [round(v, 4) for v in overlay["frontier_capability_CN"]]
    live = [s for s in layout["series"] if not str(s.get("id", "")).startswith("overlay:")]
    assert [s["name"] for s in live] == ["US", "CN", "ROW"]  # the live run's points still go to these


def test_a_second_dashboard_on_a_port_in_use_says_so_and_exits_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dashboard", "--port", str(port)]) == 2
    out, err = capsys.readouterr()
    assert "http://" not in out  # no URL of someone else's server
    assert len(err.strip().splitlines()) == 1 and f"port {port}" in err and "--port" in err


def test_cli_dashboard_rejects_an_unknown_scenario(capsys):
    assert main(["dashboard", "no_such_scenario"]) == 2
    assert "no_such_scenario" in capsys.readouterr().err


# ---------------------------------------------------------------- a lesson in a browser

SIZES = ((1280, 720), (1920, 1080))  # a classroom projector's, and a large screen's


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory):
    with served_dashboard("deepseek_shock", tmp_path_factory.mktemp("dashboard") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if chromium() is None:
        pytest.skip(BROWSER_HELP)
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev,teach]' installs Playwright")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        yield launched, sync_api.expect
        launched.close()


def test_the_overlap_check_finds_text_over_text_and_text_covered(browser):
    """The check the screenshots rely on can fail: two labels drawn over each other, and a label under a
    panel, are found; text apart, or cut short by an ellipsis before its neighbour, is not."""
    launched, _ = browser
    page = launched.new_page(viewport={"width": 400, "height": 300})
    page.set_content(
        '<p style="position:absolute;top:10px;left:10px;margin:0">Jan 2025</p>'
        '<p style="position:absolute;top:14px;left:30px;margin:0">NVDA</p>'
        '<p style="position:absolute;top:80px;left:10px;margin:0">apart</p>'
        '<p style="position:absolute;top:140px;left:10px;margin:0">under</p>'
        '<div style="position:absolute;top:130px;left:0;width:100px;height:40px;background:#eee"></div>'
        '<p style="position:absolute;top:200px;left:10px;width:60px;margin:0;overflow:hidden;'
        'white-space:nowrap;text-overflow:ellipsis">a long label cut short</p>'
        '<p style="position:absolute;top:200px;left:80px;margin:0">Go</p>'
    )
    hits = overlapping_text(page)
    assert ["Jan 2025", "NVDA"] in hits
    assert ["under", "covered by div."] in hits
    assert not [h for h in hits if {"apart", "Go", "a long label cut short"} & set(h)]
    page.close()


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_teacher_jumps_to_the_shock_and_steps_through_it(dashboard_url, browser, tmp_path, size):
    """Jump to 20 Jan 2025, step day by day through 27 Jan: the date, the gap, the charts, the event log and
    the moves chart show it. The screenshot (its path printed) has no text over other text, and each
    step's time is recorded in the test's folder."""
    launched, expect = browser
    page = launched.new_page(viewport={"width": size[0], "height": size[1]})
    lesson = Dashboard(page, expect)
    lesson.open(dashboard_url)
    assert lesson.text("date") == "1 Jan 2023" and lesson.points() == [1, 1, 1, 2]  # drawn from the start
    assert not overlapping_text(page)
    gap_before = lesson.text("gap")
    lesson.jump("20 Jan 2025: deepseek r1 (breakthrough)")
    assert lesson.text("step").startswith("step 750 of 1095")
    assert lesson.points()[:3] == [751] * 3
    assert lesson.text("gap") != gap_before
    times = [lesson.step() for _ in range(7)]
    assert lesson.text("date") == "27 Jan 2025" and lesson.points()[:3] == [758] * 3
    assert lesson.text("latest").startswith("Latest: 27 Jan 2025: ")  # the attention, or a release the same day
    expect(page.locator(".airace-event-log")).to_contain_text("27 Jan 2025: investors notice DeepSeek's breakthrough")
    expect(page.locator(".airace-event-log .v-card__title")).to_contain_text("events so far")
    moves = page.locator('.airace-chart[data-name="moves"]')
    expect(moves).to_contain_text("NVDA -")  # the bar's label: the fall and the value lost, in the SVG
    expect(moves).to_contain_text("B)")
    shot = tmp_path / f"dashboard_{size[0]}x{size[1]}.png"
    page.screenshot(path=str(shot))
    print(f"dashboard screenshot: {shot}")
    (tmp_path / "step_seconds.json").write_text(json.dumps(times))
    print(f"seconds a step through the shock: {', '.join(f'{t:.2f}' for t in times)}")
    assert overlapping_text(page) == []
    assert shot.stat().st_size > 20_000
    page.close()


@pytest.mark.slow
def test_a_lever_applies_at_reset_and_another_scenario_restarts(dashboard_url, browser):
    """The step-length lever and Reset give weekly steps; Play runs and pauses; picking another scenario
    restarts with that scenario's own values."""
    launched, expect = browser
    page = launched.new_page(viewport={"width": 1280, "height": 720})
    lesson = Dashboard(page, expect)
    lesson.open(dashboard_url)
    lesson.set_step_days(7)
    n_steps = (date(2025, 12, 31) - date(2023, 1, 1)).days // 7
    assert lesson.text("step") == f"step 0 of {n_steps}, 7 days a step"
    lesson.step()
    assert lesson.text("date") == "8 Jan 2023"
    lesson.speed("fast")
    lesson.play_until("1 Jun 2023")
    assert lesson.points()[0] == int(lesson.text("step").split()[1]) + 1
    page.locator(".v-select", has_text="Scenario").first.click()
    page.get_by_role("option", name="baseline", exact=True).click()
    expect(page.locator("header")).to_contain_text("AI Race Simulator: baseline")
    baseline_steps = load_scenario("baseline").time.n_steps
    expect(page.locator(".airace-step")).to_have_text(f"step 0 of {baseline_steps}, 7 days a step")
    expect(page.locator(".airace-date")).to_have_text("1 Jan 2023")
    page.close()


def _page_at_1280x720(dashboard_url, browser):
    launched, expect = browser
    page = launched.new_page(viewport={"width": 1280, "height": 720})
    Dashboard(page, expect).open(dashboard_url)
    return page, expect


@pytest.mark.slow
def test_at_1280x720_the_event_log_heading_is_on_screen_and_breaks_between_words(dashboard_url, browser):
    """A projector at 1280x720: the event log's heading shows at once, and reads "newest first", not
    "newes t first"."""
    page, _ = _page_at_1280x720(dashboard_url, browser)
    heading = page.locator(".airace-event-log .v-card__title")
    box = heading.bounding_box()
    assert box["y"] >= 64 and box["y"] + box["height"] <= 720, f"the heading is at {box}, below the fold"
    split = page.evaluate(
        """(el) => {
            const text = el.firstChild, words = [], pattern = /\\S+/g;
            for (let m; (m = pattern.exec(text.textContent)); ) {
                const range = document.createRange();
                range.setStart(text, m.index);
                range.setEnd(text, m.index + m[0].length);
                if (range.getClientRects().length > 1) words.push(m[0]);
            }
            return words;
        }""",
        heading.element_handle(),
    )
    assert split == []  # "newes t first" no more
    page.close()


@pytest.mark.slow
def test_the_levers_say_that_changes_apply_when_reset_is_pressed(dashboard_url, browser):
    """A teacher moves a lever and nothing happens until Reset: the levers' card says so above them."""
    page, expect = _page_at_1280x720(dashboard_url, browser)
    levers = page.locator(".v-card", has=page.locator(".airace-lever"))
    note = levers.get_by_text("Changes apply when you press Reset.")
    note.scroll_into_view_if_needed()
    expect(note).to_be_visible()
    assert note.bounding_box()["y"] < levers.locator(".airace-lever").first.bounding_box()["y"]
    page.close()


@pytest.mark.slow
def test_no_slider_value_covers_its_label(dashboard_url, browser):
    """Each slider's value bubble stands below the end of its label, at 1280x720."""
    page, _ = _page_at_1280x720(dashboard_url, browser)
    sliders = page.locator(".airace-lever .v-input__slider")
    assert sliders.count() >= 4
    for slider in sliders.all():
        slider.scroll_into_view_if_needed()
        label, bubble = (
            slider.locator(".v-label").bounding_box(),
            slider.locator(".v-slider__thumb-label").bounding_box(),
        )
        assert bubble["y"] >= label["y"] + label["height"], f"{slider.locator('.v-label').inner_text()}: covered"
    page.close()


@pytest.mark.slow
def test_event_lines_are_labelled_and_a_second_scenario_is_drawn_over_the_first(dashboard_url, browser):
    launched, expect = browser
    page = launched.new_page(viewport={"width": 1280, "height": 720})
    lesson = Dashboard(page, expect)
    lesson.open(dashboard_url)
    lesson.jump("27 Jan 2025: investors notice deepseek r1")
    gap = page.locator('.airace-chart[data-name="gap"]')
    expect(gap).to_contain_text("BIS rule of Oct 2022")
    expect(gap).to_contain_text("DeepSeek breakthrough")
    expect(gap).to_contain_text("investors notice DeepSeek")
    page.locator(".v-select", has_text="Draw over it").click()
    page.get_by_role("option", name="no_export_controls", exact=True).click()
    frontier = page.locator('.airace-chart[data-name="frontier"]')
    expect(frontier).to_contain_text("no_export_controls (dashed)", timeout=120_000)
    n_points = load_scenario("no_export_controls").time.n_steps + 1
    expect(frontier).to_have_attribute("data-overlay-points", str(3 * n_points))  # US, CN and ROW
    lesson.step()  # the live run goes on under the overlay
    assert lesson.points()[:3] == [int(lesson.text("step").split()[1]) + 1] * 3
    assert overlapping_text(page) == []
    page.close()


def test_cli_dashboard_listens_on_this_computer_only_unless_told():
    from simulation.apps.cli import build_parser

    args = build_parser().parse_args(["dashboard"])
    assert (args.scenario, args.host, args.port) == ("deepseek_shock", "127.0.0.1", 8765)
    assert build_parser().parse_args(["dashboard", "baseline", "--host", "0.0.0.0", "--port", "9000"]).port == 9000
