"""Benchmark 6: the teaching dashboard in a real browser (headless Chromium, Playwright), as a teacher uses
it on `deepseek_shock`, timed from the click until the page shows the result, charts included:

- **Step at weekly steps** (the step lever set to 7 and Reset): median of 20 Steps from the start, and of
  20 Steps after a jump to January 2025, when each chart holds 106 points a line. Target < 0.3 s.
- **Step at daily steps through the shock**: the 7 Steps from 20 to 27 January 2025 (751 points a line).
- **Jump to 20 January 2025** at daily steps (750 steps, drawn once at the end): median of 3, each from a
  fresh Reset. Target: seconds, not minutes.
- **Play at the defaults** (preset "normal", daily steps): 1 January 2023 to 1 February 2025, median of 3.
  Target < 60 s.

It also saves screenshots of 27 January 2025 at 1280x720 and 1920x1080 as docs/images/dashboard_*.png (the
pictures of docs/teaching.md) and says whether any text in them overlaps other text; the figures go to
benchmarks/results/dashboard.json. About 2 minutes; not part of `make bench` (it needs Chromium).
Run it as `make bench-dashboard` or `.venv/bin/python -m benchmarks.bench_dashboard [--repeats N]`.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from benchmarks.browser import BROWSER_HELP, CHROMIUM_ARGS, Dashboard, chromium, overlapping_text, served_dashboard
from benchmarks.common import table, verdict

ROOT = Path(__file__).resolve().parent.parent
RESULTS, IMAGES = ROOT / "benchmarks" / "results", ROOT / "docs" / "images"
SHOCK = "20 Jan 2025: deepseek r1 (breakthrough)"
STEP_TARGET_S, PLAY_TARGET_S = 0.3, 60.0


def repeats() -> int:
    return int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 3


def reset(lesson: Dashboard) -> None:
    lesson.page.get_by_role("button", name="Reset").click()
    lesson.expect(lesson.page.locator(".airace-step")).to_contain_text("step 0 of")
    lesson.wait_for_charts()


def main() -> dict:
    from playwright.sync_api import expect, sync_playwright

    if chromium() is None:
        sys.exit(BROWSER_HELP)
    RESULTS.mkdir(exist_ok=True)
    IMAGES.mkdir(exist_ok=True)
    figures: dict = {}
    with served_dashboard("deepseek_shock", RESULTS / "dashboard_server.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        lesson = Dashboard(page, expect)
        lesson.open(url)
        lesson.page.locator(".airace-speed").get_by_role("button", name="normal").click()
        plays = []
        for _ in range(repeats()):
            reset(lesson)
            plays.append(lesson.play_until("1 Feb 2025"))
        jumps = []
        for _ in range(repeats()):
            reset(lesson)
            jumps.append(lesson.jump(SHOCK))
        daily = [lesson.step() for _ in range(7)]
        for width, height in ((1280, 720), (1920, 1080)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(500)  # the charts follow the new size
            shot = IMAGES / f"dashboard_{width}x{height}.png"
            page.screenshot(path=str(shot))
            figures[f"screenshot_{width}x{height}"] = str(shot.relative_to(ROOT))
            figures[f"overlapping_text_{width}x{height}"] = overlapping_text(page)
        page.set_viewport_size({"width": 1280, "height": 720})
        lesson.set_step_days(7)
        early = [lesson.step() for _ in range(20)]
        lesson.jump(SHOCK)  # a moment near the top of the list: its quarters come after every event
        late = [lesson.step() for _ in range(20)]
        browser.close()
    figures |= {
        "play_normal_to_1_feb_2025_s": statistics.median(plays),
        "jump_to_20_jan_2025_s": statistics.median(jumps),
        "step_daily_through_shock_s": statistics.median(daily),
        "step_weekly_from_start_s": statistics.median(early),
        "step_weekly_from_jan_2025_s": statistics.median(late),
        "all": {"plays": plays, "jumps": jumps, "daily": daily, "weekly_early": early, "weekly_late": late},
    }
    print(f"Benchmark 6: the dashboard in headless Chromium, deepseek_shock; Play and jump medians of {repeats()}")
    f = figures
    rows = [
        (
            "Step, weekly steps, from the start",
            f"{f['step_weekly_from_start_s']:.3f} s",
            verdict(f["step_weekly_from_start_s"] < STEP_TARGET_S, f"< {STEP_TARGET_S:g} s"),
        ),
        (
            "Step, weekly steps, from Jan 2025",
            f"{f['step_weekly_from_jan_2025_s']:.3f} s",
            verdict(f["step_weekly_from_jan_2025_s"] < STEP_TARGET_S, f"< {STEP_TARGET_S:g} s"),
        ),
        ("Step, daily steps, 20 to 27 Jan 2025", f"{f['step_daily_through_shock_s']:.3f} s", ""),
        ("Jump to 20 Jan 2025 (750 daily steps)", f"{f['jump_to_20_jan_2025_s']:.2f} s", ""),
        (
            "Play, normal, 1 Jan 2023 to 1 Feb 2025",
            f"{f['play_normal_to_1_feb_2025_s']:.1f} s",
            verdict(f["play_normal_to_1_feb_2025_s"] < PLAY_TARGET_S, f"< {PLAY_TARGET_S:g} s"),
        ),
    ]
    for size in ("1280x720", "1920x1080"):
        hits = f[f"overlapping_text_{size}"]
        rows.append((f"screenshot {size}", f[f"screenshot_{size}"], "no text overlaps" if not hits else str(hits)))
    print(table(rows, ("measure", "median", "")))
    (RESULTS / "dashboard.json").write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
