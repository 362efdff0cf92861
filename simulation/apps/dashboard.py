"""The teaching dashboard: the race live in a browser, laid out for a projector.

The date and the gap in large type; four live charts that fill the screen (frontier capability by bloc,
the gap, share prices with the AI index, and the listed firms' moves over the last step with the value
they lost in dollars), the scripted events as labelled dotted lines; and in
the sidebar the scenario picker and a second scenario to draw over it (its whole run, dashed: "and
without controls?"), Play, Step, Reset, speed presets, a jump to a date, the event log, and the seed and
the levers a class asks about, each with a line saying what it does (sliders with the unit and plausible
range of the parameter registry) under a note that changes apply at Reset.

Built from Mesa's visualization parts (`mesa.visualization`: its UserInputs for the levers, its
update_counter for redraws), not from the SolaraViz page itself: that page fixes a draggable grid of
small charts, page tabs and raw render-interval and thread controls that a class on a projector cannot
use (docs/teaching.md says more). The charts are ECharts drawn in the browser (`live_chart.vue`): each
is made once and then sent only its new points, so a step costs milliseconds, not a new figure.

This module is the page (Solara components, their style, the app `Page`); what it shows is plain data
from `dashboard_run` (the levers, the model, moving through time) and `dashboard_charts` (the headline,
the events, the charts' layouts and points), whose names it also offers for import from here.

Serve it with `airace dashboard [SCENARIO] [--port N]`; `solara run simulation.apps.dashboard` works too.
Moving a lever or the seed takes effect when Reset is pressed; picking another scenario restarts at
once with that scenario's own values on every lever.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
import solara
import solara.lab
from mesa.visualization.solara_viz import UserInputs
from mesa.visualization.utils import force_update, update_counter

from simulation.apps.dashboard_charts import (
    CHARTS,
    chart_layout,
    chart_points,
    event_line,
    event_marks,
    events_so_far,
    headline,
    model_frame,
    move_bars,
)
from simulation.apps.dashboard_run import (
    DEFAULT_SCENARIO,
    DEFAULT_SPEED,
    LEVERS,
    SPEEDS,
    DashboardModel,
    frame_steps,
    jump_dates,
    lever_controls,
    lever_overrides,
    overlay_frame,
    run_to,
)
from simulation.model import AIRaceModel
from simulation.scenario import Scenario, builtin_scenarios, load_scenario

# The app that `solara run` serves, and the names of the data modules that callers (the tests) import from
# the dashboard itself.
__all__ = [
    "CHARTS",
    "LEVERS",
    "SPEEDS",
    "DashboardModel",
    "Page",
    "chart_layout",
    "chart_points",
    "event_line",
    "events_so_far",
    "frame_steps",
    "headline",
    "jump_dates",
    "lever_controls",
    "lever_overrides",
    "model_frame",
    "move_bars",
    "run_to",
]

SCENARIO_ENV = "AIRACE_DASHBOARD_SCENARIO"  # how `airace dashboard SCENARIO` tells the served app
LOG_LINES = 12  # newest events shown; the rest fold away


# ---------------------------------------------------------------- the page's parts


@solara.component_vue("live_chart.vue")
def LiveChart(chart: str, option: dict, points: dict, marks: list, event_resync: Callable[[Any], None]):
    """An ECharts chart in the browser that is only given new points (see live_chart.vue)."""


@solara.component
def Chart(model: AIRaceModel, name: str, overlay: pd.DataFrame | None = None):
    update_counter.get()
    sent = solara.use_ref((None, 0))  # (the model, points the browser holds)
    _, redraw = solara.use_state(0)
    layout = solara.use_memo(lambda: chart_layout(model, name, overlay), [model, name, overlay])
    offset = sent.current[1] if sent.current[0] is model else 0
    points = chart_points(model, name, offset)
    sent.current = (model, offset + len(points["rows"][0]) if name != "moves" else 0)

    def resync(_=None):
        sent.current = (None, 0)
        redraw(lambda n: n + 1)

    marks = event_marks(model) if name != "moves" else []
    with solara.Div(classes=["airace-chart-box"]):
        LiveChart(chart=name, option=layout, points=points, marks=marks, event_resync=resync)


@solara.component
def Headline(model: AIRaceModel):
    """The date and the gap in large type, China's compute, the step, and the latest event."""
    update_counter.get()
    h = headline(model)
    events = events_so_far(model)
    with solara.Div(classes=["airace-top"]):
        with solara.Div(classes=["airace-headline"]):
            solara.Text(h["date"], classes=["airace-date"])
            solara.Text(h["gap"], classes=["airace-gap"])
            solara.Text(h["compute"], classes=["airace-compute"])
            solara.Text(h["step"], classes=["airace-step"])
        solara.Text(f"Latest: {event_line(events[-1])}" if events else "", classes=["airace-latest"])


@solara.component
def EventLog(model: AIRaceModel):
    """The event log in plain words, newest first; it grows as the run goes. The newest LOG_LINES are lines
    of their own; the earlier ones fold away in one block of text (one widget, however long the run)."""
    update_counter.get()
    events = events_so_far(model)
    count = f"{len(events)} event{'s' * (len(events) != 1)} so far"
    with solara.Card(f"Event log ({count}, newest first)", classes=["airace-event-log"]):
        lines = [event_line(e) for e in reversed(events)]
        for line in lines[:LOG_LINES]:
            solara.Text(line, classes=["airace-event"])
        if len(lines) > LOG_LINES:
            with solara.Details(f"{len(lines) - LOG_LINES} earlier events"):
                solara.Text("\n".join(lines[LOG_LINES:]), classes=["airace-earlier"])


@solara.component
def Levers(spec: Scenario, values: solara.Reactive[dict], seed: solara.Reactive[int]):
    """When they apply, the seed, and each lever (Mesa's UserInputs) with its line of help under it."""
    solara.Text("Changes apply when you press Reset.", classes=["airace-reset-note"])
    solara.InputInt("Seed", value=seed, classes=["airace-seed"])
    solara.Text(
        "The chance in the run (breakthroughs, investors' noise); another seed, another history.",
        classes=["airace-help"],
    )
    for name, control in lever_controls(spec).items():

        def change(_: str, value: Any, name: str = name) -> None:
            values.value = {**values.value, name: value}

        with solara.Div(classes=["airace-lever"]):
            UserInputs({name: {**control, "value": values.value.get(name, control["value"])}}, on_change=change)
            solara.Text(LEVERS[name].help, classes=["airace-help"])


@solara.component
def Controls(
    model: solara.Reactive[AIRaceModel],
    rebuild: Callable[[], AIRaceModel],
    speed: solara.Reactive[str],
):
    """Reset, Play and Step; the speed presets; a jump to a date."""
    playing = solara.use_reactive(False)  # Play pressed, Pause not yet
    busy = solara.use_reactive(False)  # Play's loop is still drawing (it stops at the end of a frame)
    chosen = solara.use_reactive(None)  # the day picked to jump to
    m = model.value
    update_counter.get()

    def play() -> None:
        if not playing.value:
            return
        busy.value = True
        try:
            while playing.value and model.value.running:
                preset = SPEEDS[speed.value]
                m = model.value
                run_to(m, m.date + timedelta(days=m.step_days * frame_steps(preset, m.step_days)))
                force_update()
                time.sleep(preset.pause_s)
        finally:
            playing.value = False
            busy.value = False

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def step() -> None:
        model.value.step()
        force_update()

    def reset() -> None:
        playing.value = False
        model.value = rebuild()
        force_update()

    def jump(iso: str | None) -> None:
        if not iso:
            return
        day = date.fromisoformat(iso)
        if day < model.value.date:  # back in time: the same run again from its start
            model.value = rebuild()
        run_to(model.value, day)
        force_update()

    going = playing.value or busy.value  # the page says Play again only once the loop has stopped
    with solara.Row(justify="space-between"):
        solara.Button("Reset", color="primary", on_click=reset, disabled=going)
        solara.Button(
            "Pause" if going else "Play",
            color="primary",
            on_click=lambda: playing.set(not going),
            disabled=not (m.running or going),
        )
        solara.Button("Step", color="primary", on_click=step, disabled=going or not m.running)
    solara.Text("Speed of Play", classes=["airace-label"])
    solara.ToggleButtonsSingle(value=speed, values=list(SPEEDS), classes=["airace-speed"])
    solara.Text(SPEEDS[speed.value].help, classes=["airace-help"])
    options = {label: iso for iso, label in jump_dates(m.spec).items()}
    with solara.Row(style={"align-items": "center", "flex-wrap": "nowrap"}):
        solara.Select(
            "Jump to date", values=list(options), value=chosen, classes=["airace-jump"], style={"max-width": "250px"}
        )
        solara.Button(
            "Go",
            color="primary",
            on_click=lambda: jump(options.get(chosen.value)),
            disabled=going or chosen.value is None,
        )
    solara.Text("Runs the race to the day picked at once and draws it there.", classes=["airace-help"])


CSS = """
.solara-content-main > .v-content__wrap > div { padding: 8px 12px !important; }
.solara-autorouter-content { height: calc(100vh - 64px - 16px); }
.solara-autorouter-content > .v-sheet.d-flex.ma-0,
.solara-autorouter-content > .v-sheet.d-flex.ma-0 > .v-sheet.d-flex.ma-0 { height: 100%; row-gap: 0 !important; }
.airace-main { display: flex; flex-direction: column; flex: 1 1 0; min-height: 360px; }
.airace-headline { display: flex; align-items: baseline; column-gap: 1.2em; flex-wrap: wrap; line-height: 1.2; }
.airace-date { font-size: 2.4em; font-weight: 700; }
.airace-gap { font-size: 2.0em; font-weight: 600; color: #D55E00; }
.airace-compute, .airace-step { font-size: 1.25em; color: #333; }
.airace-latest { display: block; font-size: 1.2em; margin: 0.2em 0 0.3em 0; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.airace-charts { flex: 1 1 auto; min-height: 0; display: grid; grid-template-columns: 1fr 1fr;
  grid-template-rows: 1fr 1fr; gap: 8px; }
.airace-chart-box, .airace-chart { width: 100%; height: 100%; min-height: 0; min-width: 0; overflow: hidden; }
.airace-event-log { max-height: 320px; overflow-y: auto; }
.airace-event-log .v-card__title { word-break: normal; padding-bottom: 8px; }
.airace-reset-note { display: block; font-weight: 600; color: #D55E00; margin-bottom: 0.6em; }
.airace-event { display: block; margin-bottom: 0.4em; }
.airace-earlier { display: block; white-space: pre-line; line-height: 1.6; }
.airace-help { display: block; font-size: 0.85em; color: #555; margin: -0.6em 0 0.8em 0; }
.airace-label { display: block; font-weight: 600; margin-top: 0.6em; }
.airace-jump { flex: 1 1 0; min-width: 0; }
.airace-lever .v-input__slider .v-input__slot { flex-wrap: wrap; }
.airace-lever .v-input__slider .v-label { flex: 1 0 100%; margin-bottom: 2.8em; white-space: normal; }
.airace-lever .v-input__slider .v-slider__thumb-label-container { display: block !important; }
"""

scenario = solara.reactive(os.environ.get(SCENARIO_ENV, DEFAULT_SCENARIO))
NO_OVERLAY = "none"
overlay = solara.reactive(NO_OVERLAY)  # a second scenario drawn over the first


@solara.component
def Dashboard(name: str, compared: str = NO_OVERLAY):
    """One scenario's dashboard; the page mounts a new one (fresh levers, seed and run) for each scenario."""
    spec = solara.use_memo(lambda: load_scenario(name), [])
    levers = solara.use_reactive({})
    seed = solara.use_reactive(spec.seed)
    speed = solara.use_reactive(DEFAULT_SPEED)

    def rebuild() -> DashboardModel:
        return DashboardModel(name, seed=seed.value, **levers.value)

    first = solara.use_memo(rebuild, [])
    model = solara.use_reactive(first)
    run_seed = model.value.seed
    drawn_over = solara.use_memo(
        lambda: None if compared == NO_OVERLAY else overlay_frame(compared, run_seed), [compared, run_seed]
    )
    with solara.Sidebar():
        with solara.Card():
            Controls(model, rebuild, speed)
        EventLog(model.value)
        with solara.Card("Levers and seed"):
            Levers(spec, levers, seed)
    with solara.Div(classes=["airace-main"]):
        Headline(model.value)
        with solara.Div(classes=["airace-charts"]):
            for chart in CHARTS:  # made anew for another overlay: ECharts left live lines undrawn when
                # series were added to a chart in place
                Chart(model.value, chart, drawn_over if chart != "moves" else None).key(f"{chart} over {compared}")


@solara.component
def Page():
    """The app: the scenario picker in the sidebar, then that scenario's dashboard."""
    names = list(builtin_scenarios())
    if scenario.value not in names:  # a scenario file named on the command line
        names.append(scenario.value)
    solara.Style(CSS)
    solara.Title(f"AI Race Simulator: {scenario.value}")
    with solara.AppBar():
        solara.AppBarTitle(f"AI Race Simulator: {scenario.value}")
    with solara.Sidebar(), solara.Card():
        with solara.Row(style={"flex-wrap": "nowrap"}):
            solara.Select("Scenario", values=names, value=scenario, style={"flex": "3 1 0", "min-width": 0})
            solara.Select(
                "Draw over it", values=[NO_OVERLAY, *names], value=overlay, style={"flex": "2 1 0", "min-width": 0}
            )
        solara.Text(load_scenario(scenario.value).description)
    Dashboard(scenario.value, overlay.value).key(scenario.value)
