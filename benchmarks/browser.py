"""The dashboard served and driven in a real browser, for its test and its benchmark: `airace dashboard` on
a free port of 127.0.0.1, and the system's Chromium, headless, driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROWSER_HELP = "no Chromium found: install it with `apt-get install chromium` (Debian/Ubuntu) as the README says"
# As the machine's notes say: without the background-networking flags Chromium keeps calling out.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_served(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the dashboard server stopped with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the dashboard did not answer at {url} within {timeout:.0f} s")


@contextlib.contextmanager
def served_dashboard(scenario: str = "deepseek_shock", log: Path | None = None) -> Iterator[str]:
    """`airace dashboard SCENARIO` on a free port; its URL. The server is stopped whatever happens."""
    port = free_port()
    out = log.open("w") if log else subprocess.DEVNULL
    server = subprocess.Popen(
        [sys.executable, "-m", "simulation.apps.cli", "dashboard", scenario, "--port", str(port)],
        cwd=ROOT,
        stdout=out,
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
        if log:
            out.close()


class Dashboard:
    """A page of the dashboard and what a teacher does on it, each action waiting until the page shows it."""

    def __init__(self, page, expect, timeout_ms: float = 60_000):
        self.page, self.expect = page, expect
        page.set_default_timeout(timeout_ms)
        expect.set_options(timeout=timeout_ms)  # a busy two-core machine draws four charts a step

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.expect(self.page.locator(".airace-step")).to_contain_text("step 0 of", timeout=120_000)
        self.wait_for_charts()

    def text(self, part: str) -> str:
        """The headline's `date`, `gap`, `compute` or `step`, or the `latest` event line."""
        return self.page.locator(f".airace-{part}").inner_text()

    def points(self) -> list[int]:
        """Points (bars, for the moves) each chart holds in the browser."""
        return [int(c.get_attribute("data-points")) for c in self.page.locator(".airace-chart").all()]

    def wait_for_charts(self, settle_s: float = 0.0) -> None:
        """Until every time chart holds one point a step so far, the step read in the page at the same
        moment (the moves chart holds one bar a firm); with `settle_s`, until the page also shows the same
        step `settle_s` later: after Pause, the headline and the charts reach the browser as separate
        messages, so a frame drawn as Pause came may still be on its way when the two first agree."""
        shown = None
        while True:
            self.page.wait_for_function(
                """() => {
                    const steps = +document.querySelector('.airace-step').innerText.split(' ')[1] + 1;
                    const charts = [...document.querySelectorAll('.airace-chart')].slice(0, 3);
                    return charts.length === 3 && charts.every(c => +c.dataset.points === steps);
                }"""
            )
            step = self.text("step")
            if step == shown or not settle_s:
                return
            shown = step
            time.sleep(settle_s)

    def step(self) -> float:
        """Press Step; seconds until the date, the step and the charts show the next step."""
        before = self.text("step")
        started = time.perf_counter()
        self.page.get_by_role("button", name="Step").click()
        self.expect(self.page.locator(".airace-step")).not_to_have_text(before)
        self.wait_for_charts()
        return time.perf_counter() - started

    def jump(self, label: str) -> float:
        """Pick a date in "Jump to date" and press Go; seconds from Go until the page shows that day."""
        picker = self.page.locator(".v-select", has_text="Jump to date")
        if label not in picker.inner_text():
            picker.click()
            self.page.get_by_role("option", name=label, exact=True).click()
        before = self.text("step")
        started = time.perf_counter()
        self.page.get_by_role("button", name="Go").click()
        self.expect(self.page.locator(".airace-step")).not_to_have_text(before)
        self.wait_for_charts()
        took = time.perf_counter() - started
        day = label.split(":")[0]
        if _day(self.text("date")) < _day(day):  # the first step on or after the day (weekly steps: after)
            raise AssertionError(f"jumped to {self.text('date')}, before {day}")
        return took

    def set_step_days(self, days: int) -> None:
        """Set the step-length lever with the keyboard (one arrow press a day) and press Reset."""
        thumb = self.page.get_by_role("slider", name="Step length")
        now = int(thumb.get_attribute("aria-valuenow"))
        thumb.focus()
        for _ in range(abs(days - now)):
            thumb.press("ArrowRight" if days > now else "ArrowLeft")
        self.expect(thumb).to_have_attribute("aria-valuenow", str(days))
        self.page.get_by_role("button", name="Reset").click()
        self.expect(self.page.locator(".airace-step")).to_contain_text(f"{days} days a step")

    def speed(self, preset: str) -> None:
        self.page.locator(".airace-speed").get_by_role("button", name=preset, exact=False).click()

    def play_until(self, day_text: str, timeout_s: float = 300) -> float:
        """Press Play; seconds until the headline's date is `day_text` or later (as the page shows it)."""
        target = _day(day_text)
        started = time.perf_counter()
        self.page.get_by_role("button", name="Play").click()
        while time.perf_counter() - started < timeout_s:
            if _day(self.text("date")) >= target:
                took = time.perf_counter() - started
                self.page.get_by_role("button", name="Pause").click()
                # Play stops at the end of the frame it is drawing: wait until it has, and is drawn.
                self.expect(self.page.get_by_role("button", name="Play")).to_be_visible()
                self.wait_for_charts(settle_s=0.5)
                return took
            time.sleep(0.05)
        raise TimeoutError(f"Play did not reach {day_text} within {timeout_s:.0f} s")


def _day(text: str) -> date:
    """'27 Jan 2025', as the headline writes dates, as a date."""
    return datetime.strptime(text, "%d %b %Y").date()


def overlapping_text(page) -> list[tuple[str, str]]:
    """Pairs of visible text in the page, the charts' SVG text included, whose boxes overlap by more than
    2 px each way, and text covered by something else (a sidebar over a chart, say), paired with what
    covers it: what a reader at the back of the room could not read."""
    return page.evaluate(
        """() => {
        const boxes = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const text = node.textContent.trim();
            const el = node.parentElement;
            if (!text || !el || el.closest('script, style, [aria-hidden="true"], .v-menu__content')) continue;
            const style = getComputedStyle(el);
            if (style.visibility === 'hidden' || style.display === 'none' || +style.opacity === 0) continue;
            const range = document.createRange();
            range.selectNodeContents(node);
            // What shows of a text is its box cut by every ancestor that clips (an ellipsis, a scroll box).
            let clip = {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
            for (let a = el; a; a = a.parentElement) {
                if (getComputedStyle(a).overflow === 'visible') continue;
                const c = a.getBoundingClientRect();
                clip = {left: Math.max(clip.left, c.left), top: Math.max(clip.top, c.top),
                        right: Math.min(clip.right, c.right), bottom: Math.min(clip.bottom, c.bottom)};
            }
            for (const full of range.getClientRects()) {
                const r = {left: Math.max(full.left, clip.left), top: Math.max(full.top, clip.top),
                           right: Math.min(full.right, clip.right), bottom: Math.min(full.bottom, clip.bottom)};
                r.width = r.right - r.left;
                r.height = r.bottom - r.top;
                if (r.width > 1 && r.height > 1) boxes.push({text, r, el});
            }
        }
        const hits = [];
        for (const {text, r, el} of boxes) {
            const x = Math.min((r.left + r.right) / 2, innerWidth - 1);
            const y = Math.min((r.top + r.bottom) / 2, innerHeight - 1);
            const top = document.elementFromPoint(x, y);
            // A field's own parts (its label under its empty input) are one control, not a cover.
            const field = el.closest('.v-input');
            if (top && !el.contains(top) && !top.contains(el) && !(field && field.contains(top))) {
                const name = String(top.className.baseVal ?? top.className).split(' ')[0];
                hits.push([text, 'covered by ' + top.tagName.toLowerCase() + '.' + name]);
            }
        }
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i].r, b = boxes[j].r;
            const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            const same = boxes[i].text === boxes[j].text
                && Math.abs(a.left - b.left) < 1 && Math.abs(a.top - b.top) < 1;
            if (dx > 2 && dy > 2 && !same) hits.push([boxes[i].text, boxes[j].text]);
        }
        return hits;
    }"""
    )
