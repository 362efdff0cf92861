"""The teaching dashboard: the race live in a browser, built on Mesa's SolaraViz.

A scenario picker, the levers a class asks about (sliders with the unit and plausible range of the
parameter registry, switches and a date picker from the scenario schema), play, step and reset, the
date, live charts drawn with the report's own figure functions (analysis.plots), and the event log in
plain words.

Serve it with `airace dashboard [SCENARIO] [--port N]`; `solara run simulation.apps.dashboard` works too.
Moving a lever takes effect when Reset is pressed (Mesa's convention: the run restarts with it);
picking another scenario restarts at once with that scenario's own values on every lever.
"""

from __future__ import annotations

import math
import os
from datetime import date
from typing import Any

import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter
from pydantic import BaseModel

from analysis import plots
from analysis.load import marked_events
from simulation.events import event_table
from simulation.model import AIRaceModel
from simulation.scenario import Key, Parameter, Scenario, builtin_scenarios, load_scenario, parameters

DEFAULT_SCENARIO = "deepseek_shock"
SCENARIO_ENV = "AIRACE_DASHBOARD_SCENARIO"  # how `airace dashboard SCENARIO` tells the served app

# The levers a class asks about: dotted name and a short label for the slide. Each is shown only where
# the scenario has it; numbers take their value, unit and range from the registry, switches and dates
# their value from the schema. The labels name levers; they hold no second list of values or ranges.
LEVERS: dict[str, str] = {
    "regulators.bis.rules.oct2023.enforcement": "Export-control enforcement (Oct 2023 rule)",
    "regulators.bis.rules.oct2023.tpp_min": "Export-control threshold (Oct 2023 rule)",
    "events.deepseek_r1.efficiency_gain": "Breakthrough size",
    "events.deepseek_r1.date": "Breakthrough date",
    "labs.openai.api_terms_enforced": "OpenAI stops distillation through its API",
    "labs.google_deepmind.api_terms_enforced": "Google DeepMind stops distillation through its API",
    "labs.anthropic.api_terms_enforced": "Anthropic stops distillation through its API",
    "labs.meta.open_weights": "Meta publishes open weights",
    "investors.jevons_belief_mean": "Investors' belief in Jevons (-1: demand falls, >0: Jevons)",
    "time.step_days": "Step length",
}
CHART_SIZE = (7.0, 3.6)
LOG_LINES = 12  # newest events shown; the rest fold away
# A lever's label above its slider, not squeezed beside it, and its value always on the thumb.
CSS = """
.v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-input__slider .v-label { flex: 1 0 100%; margin-bottom: 1.6em; white-space: normal; }
.v-input__slider .v-slider__thumb-label-container { display: block !important; }
.airace-event-log { max-height: 280px; overflow-y: auto; }
"""


# ---------------------------------------------------------------- levers from the registry


def schema_field(spec: Scenario, dotted: str) -> tuple[Any, str] | None:
    """The value of a dotted key in a scenario and its field's description; None where it has none.

    Entries of lists are named by their id, as in `--set` (`labs.openai.api_terms_enforced`).
    """
    try:
        owner, name = Key.parse(dotted).resolve(spec)
    except KeyError:
        return None
    if not isinstance(owner, BaseModel):
        return None
    return getattr(owner, name), type(owner).model_fields[name].description or ""


def slider_step(lo: float, hi: float, value: float) -> float:
    """A round step (a power of ten) giving at least fifty positions, with the value on one of them:
    a slider snaps to lo + k * step, and must not move a scenario's value just by showing it."""
    step = 10.0 ** math.floor(math.log10((hi - lo) / 50))
    for _ in range(6):
        k = (value - lo) / step
        if abs(k - round(k)) < 1e-6:
            break
        step /= 10
    return step


def _slider(p: Parameter, label: str) -> dict[str, Any]:
    lo, hi = p.plausible or (p.value, p.value)
    lo, hi = min(lo, p.value), max(hi, p.value)  # a scenario may set a value outside the plausible range
    label = f"{label} [{p.unit}, {lo:g} to {hi:g}]"
    if isinstance(p.value, int) and float(lo).is_integer() and float(hi).is_integer():
        return {"type": "SliderInt", "value": p.value, "min": int(lo), "max": int(hi), "step": 1, "label": label}
    return {
        "type": "SliderFloat",
        "value": float(p.value),
        "min": float(lo),
        "max": float(hi),
        "step": slider_step(float(lo), float(hi), float(p.value)),
        "label": label,
    }


def breakthrough_dates(spec: Scenario, current: date) -> list[str]:
    """Dates a breakthrough may be moved to: the 20th of every third month of the run, and its own date."""
    options = {current}
    day = date(spec.time.start.year, spec.time.start.month, 20)
    while day < spec.time.end:
        if day > spec.time.start:
            options.add(day)
        day = date(day.year + (day.month + 2) // 12, (day.month + 2) % 12 + 1, 20)
    return [d.isoformat() for d in sorted(options)]


def lever_controls(spec: Scenario, levers: dict[str, str] = LEVERS) -> dict[str, dict[str, Any]]:
    """SolaraViz inputs for the levers the scenario has: sliders for numbers, switches, a date picker."""
    registry = {p.name: p for p in parameters(spec)}
    controls: dict[str, dict[str, Any]] = {}
    for name, label in levers.items():
        if name in registry:
            controls[name] = _slider(registry[name], label)
            continue
        found = schema_field(spec, name)
        if found is None:
            continue
        value, _ = found
        if isinstance(value, bool):
            controls[name] = {"type": "Checkbox", "value": value, "label": label}
        elif isinstance(value, date):
            values = breakthrough_dates(spec, value)
            controls[name] = {"type": "Select", "value": value.isoformat(), "values": values, "label": label}
    return controls


def lever_overrides(spec: Scenario, levers: dict[str, Any]) -> dict[str, Any]:
    """Dotted overrides for `load_scenario` from the levers' values; moving an event's date moves the
    date investors notice it by as much."""
    overrides: dict[str, Any] = {}
    for name, value in levers.items():
        found = schema_field(spec, name)
        if found is None:
            continue
        old = found[0]
        if isinstance(old, date):
            new = date.fromisoformat(value) if isinstance(value, str) else value
            overrides[name] = new
            attention = Key.parse(name).sibling("attention_date")
            noticed = schema_field(spec, str(attention))
            if noticed is not None and noticed[0] is not None:
                overrides[str(attention)] = noticed[0] + (new - old)
        elif isinstance(old, bool):
            overrides[name] = bool(value)
        elif isinstance(old, int):
            overrides[name] = round(value)
        else:
            overrides[name] = float(value)
    return overrides


class DashboardModel(AIRaceModel):
    """AIRaceModel rebuilt from a scenario's name and the levers' values (dotted names as keywords),
    as SolaraViz's Reset does. Like every AIRaceModel it stops at the scenario's end (`running`), which
    turns SolaraViz's play and step buttons off."""

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, seed: int | None = None, **levers: Any):
        # SolaraViz's Reset also passes Mesa's own `scenario` object, which this model has no use for.
        levers.pop("scenario", None)
        base = load_scenario(scenario_name)
        spec = load_scenario(scenario_name, lever_overrides(base, levers), label="dashboard")
        super().__init__(spec, spec.seed if seed is None else int(seed))

    def step(self) -> None:
        # SolaraViz steps `render_interval` times a click without looking at `running` in between, so
        # it may step past the end, which AIRaceModel refuses: a finished run stays as it ended.
        if self.running:
            super().step()


# ---------------------------------------------------------------- what the page shows


def model_frame(model: AIRaceModel) -> pd.DataFrame:
    """The live model's data so far, with dates as timestamps, as analysis.plots reads stored runs."""
    return model.records.model_frame()


def events_so_far(model: AIRaceModel) -> list[dict]:
    """Logged events dated on or before the model's date (some are logged ahead: investors' attention)."""
    return sorted((e for e in model.event_log if e["date"] <= model.date), key=lambda e: e["date"])


def event_line(event: dict) -> str:
    """One event in plain words: '27 Jan 2025: investors notice ...'."""
    return f"{event['date']:%-d %b %Y}: {event['text']}"


def status_line(model: AIRaceModel) -> str:
    gap = model.gap_months
    lead = f"{model.spec.laggard} behind {model.spec.leader} by {gap:.1f} months"
    return f"Date: {model.date:%-d %b %Y} (step {model.steps} of {model.n_steps}). {lead}."


def _marks(model: AIRaceModel) -> pd.DataFrame | None:
    log = event_table(events_so_far(model))
    return None if log.empty else marked_events([log], model.spec)


CHARTS = ("frontier", "gap", "markets", "compute")


def live_figure(model: AIRaceModel, name: str) -> Figure:
    """One of the live charts (CHARTS), drawn by the report's own functions on the data so far."""
    frame, marks, spec = [model_frame(model)], _marks(model), model.spec
    if name == "markets":
        fig = Figure(figsize=(CHART_SIZE[0], CHART_SIZE[1] * 1.6), layout="constrained")
        top, bottom = fig.subplots(2, 1, sharex=True)
        plots.share_prices(frame, marks, ax=top)
        plots.ai_index(frame, marks, ax=bottom)
        top.set_xlabel("")
        return fig
    if name == "frontier":
        fig = plots.frontier_by_bloc(frame, marks)
    elif name == "gap":
        fig = plots.gap_over_time(frame, marks, leader=spec.leader, laggard=spec.laggard)
    elif name == "compute":
        fig = plots.compute_by_bloc(frame, marks)
    else:
        raise ValueError(f"unknown chart {name!r}; one of {', '.join(CHARTS)}")
    fig.set_size_inches(*CHART_SIZE)
    return fig


def _chart(name: str):
    @solara.component
    def Chart(model: AIRaceModel):
        update_counter.get()
        solara.FigureMatplotlib(live_figure(model, name), format="png", dpi=80)

    Chart.__name__ = f"Chart_{name}"
    return Chart


@solara.component
def Status(model: AIRaceModel):
    """The date, the step and the gap, in one line."""
    update_counter.get()
    solara.Text(status_line(model), classes=["airace-status"], style={"font-size": "1.3em", "font-weight": "bold"})


@solara.component
def EventLog(model: AIRaceModel):
    """The event log in plain words, newest first; it grows as the run goes."""
    update_counter.get()
    events = events_so_far(model)
    with solara.Card(f"Event log ({len(events)} events so far, newest first)", classes=["airace-event-log"]):
        lines = [event_line(e) for e in reversed(events)]
        for line in lines[:LOG_LINES]:
            solara.Text(line, style={"display": "block", "margin-bottom": "0.4em"})
        if len(lines) > LOG_LINES:
            with solara.Details(f"{len(lines) - LOG_LINES} earlier events"):
                for line in lines[LOG_LINES:]:
                    solara.Text(line, style={"display": "block"})


COMPONENTS = [Status, EventLog, *(_chart(name) for name in CHARTS)]


def model_params(name: str) -> dict[str, Any]:
    """SolaraViz's inputs: the scenario (fixed here; the picker above chooses it) and its levers."""
    return {"scenario_name": name, **lever_controls(load_scenario(name))}


scenario = solara.reactive(os.environ.get(SCENARIO_ENV, DEFAULT_SCENARIO))


@solara.component
def Page():
    """The app: a scenario picker, then SolaraViz for that scenario (rebuilt when the pick changes)."""
    names = list(builtin_scenarios())
    if scenario.value not in names:  # a scenario file named on the command line
        names.append(scenario.value)
    model = solara.use_memo(lambda: DashboardModel(scenario.value), [scenario.value])
    solara.Style(CSS)
    with solara.Sidebar(), solara.Card("Scenario"):
        solara.Select("Scenario", values=names, value=scenario)
        solara.Text(load_scenario(scenario.value).description)
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=model_params(scenario.value),
        name=f"AI Race Simulator: {scenario.value}",
        play_interval=50,
    ).key(f"viz-{scenario.value}")
