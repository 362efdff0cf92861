"""The teaching dashboard: levers from the registry, the model it rebuilds, and a student's session in a
real browser (headless Chromium driven by Playwright)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("solara", reason="the dashboard needs the teach extra: pip install -e '.[dev,teach]'")

from simulation import run
from simulation.apps.cli import main
from simulation.apps.dashboard import (
    CHARTS,
    LEVERS,
    DashboardModel,
    event_line,
    events_so_far,
    lever_controls,
    lever_overrides,
    live_figure,
    model_frame,
    status_line,
)
from simulation.scenario import builtin_scenarios, load_scenario, parameters

ROOT = Path(__file__).resolve().parent.parent
BROWSER_HELP = "no Chromium found: install it with `apt-get install chromium` (Debian/Ubuntu) as the README says"


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
        "label": LEVERS["labs.openai.api_terms_enforced"],
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
    assert model.steps == model.n_steps and not model.running  # SolaraViz disables play and step
    assert status_line(model).startswith(f"Date: {model.date:%-d %b %Y} (step {model.n_steps} of {model.n_steps})")
    assert len(model_frame(model)) == model.n_steps + 1
    model.step()  # a step past the end records nothing and does not fail
    assert len(model_frame(model)) == model.n_steps + 1
    lines = [event_line(e) for e in events_so_far(model)]
    assert "27 Jan 2025: investors notice DeepSeek's breakthrough" in lines
    for name in CHARTS:
        assert live_figure(model, name).axes, name
    with pytest.raises(ValueError, match="unknown chart"):
        live_figure(model, "weather")


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


def test_cli_dashboard_rejects_an_unknown_scenario(capsys):
    assert main(["dashboard", "no_such_scenario"]) == 2
    assert "no_such_scenario" in capsys.readouterr().err


# ---------------------------------------------------------------- a student's session in a browser


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_served(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the dashboard server stopped with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the dashboard did not answer at {url} within {timeout:.0f} s")


@pytest.fixture
def dashboard_url(tmp_path):
    """`airace dashboard` on a free port of 127.0.0.1, stopped whatever the test does."""
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "simulation.apps.cli", "dashboard", "deepseek_shock", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_until_served(url, server, timeout=120)
        yield url
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()
        log.close()


@pytest.mark.slow
def test_a_student_moves_a_slider_and_steps_the_race(dashboard_url, tmp_path):
    """Load the page, set the step to about 7 days, reset, press Step three times: the date, a chart and
    the event log all change; the screenshot is saved in the test's folder (its path is printed). Then
    pick another scenario."""
    if _chromium() is None:
        pytest.skip(BROWSER_HELP)
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev,teach]' installs Playwright")

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1400})
            page.set_default_timeout(60_000)
            sync_api.expect.set_options(timeout=60_000)  # a busy two-core machine draws four charts a step
            page.goto(dashboard_url)
            status = page.locator(".airace-status")
            sync_api.expect(status).to_contain_text("Date: 1 Jan 2023 (step 0 of 1095)", timeout=120_000)
            log_title = page.locator(".airace-event-log .v-card__title")
            chart = page.locator("img").first
            sync_api.expect(chart).to_be_visible()
            before = {"log": log_title.inner_text(), "chart": chart.get_attribute("src")}

            # A click on the step-length slider a fifth of the way along: about 7 days instead of 1.
            track = page.locator(".v-input", has_text=LEVERS["time.step_days"]).locator(".v-slider")
            track.scroll_into_view_if_needed()
            box = track.bounding_box()
            track.click(position={"x": box["width"] * 0.2, "y": box["height"] / 2})
            thumb = page.get_by_role("slider", name=LEVERS["time.step_days"])
            sync_api.expect(thumb).not_to_have_attribute("aria-valuenow", "1")
            days = int(thumb.get_attribute("aria-valuenow"))
            n_steps = (date(2025, 12, 31) - date(2023, 1, 1)).days // days
            page.get_by_role("button", name="Reset").click()
            sync_api.expect(status).to_contain_text(f"(step 0 of {n_steps})")
            step = page.get_by_role("button", name="Step")
            for n in range(1, 4):
                sync_api.expect(step).to_be_enabled()
                step.click()
                sync_api.expect(status).to_contain_text(f"(step {n} of {n_steps})")
            sync_api.expect(status).to_contain_text(f"Date: {date(2023, 1, 1) + timedelta(days=3 * days):%-d %b %Y}")
            sync_api.expect(chart).not_to_have_attribute("src", before["chart"])
            sync_api.expect(log_title).not_to_have_text(before["log"])
            assert re.search(r"\((\d+) events", log_title.inner_text())
            shot = tmp_path / "dashboard_after_steps.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"dashboard screenshot: {shot}")

            # Another scenario from the picker: the run restarts with that scenario's own values.
            page.locator(".v-select", has_text="Scenario").first.click()
            page.get_by_role("option", name="baseline", exact=True).click()
            sync_api.expect(page.locator("header")).to_contain_text("AI Race Simulator: baseline")
            baseline_steps = load_scenario("baseline").time.n_steps
            sync_api.expect(status).to_contain_text(f"Date: 1 Jan 2023 (step 0 of {baseline_steps})")
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000


def test_cli_dashboard_listens_on_this_computer_only_unless_told():
    from simulation.apps.cli import build_parser

    args = build_parser().parse_args(["dashboard"])
    assert (args.scenario, args.host, args.port) == ("deepseek_shock", "127.0.0.1", 8765)
    assert build_parser().parse_args(["dashboard", "baseline", "--host", "0.0.0.0", "--port", "9000"]).port == 9000
