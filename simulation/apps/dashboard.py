"""The teaching dashboard: the race live in a browser, laid out for a projector.

The date and the gap in large type; four live charts that fill the screen (frontier capability by bloc,
the gap, share prices with the AI index, and the listed firms' moves over the last step with the value
they lost in dollars); the event log in plain words; and in the sidebar the scenario picker, Play, Step,
Reset, speed presets, a jump to a date, the seed, and the levers a class asks about, each with a line
saying what it does (sliders with the unit and plausible range of the parameter registry).

Built from Mesa's visualization parts (`mesa.visualization`: its UserInputs for the levers, its
update_counter for redraws), not from the SolaraViz page itself: that page fixes a draggable grid of
small charts, page tabs and raw render-interval and thread controls that a class on a projector cannot
use (docs/teaching.md says more). The charts are ECharts drawn in the browser (`live_chart.vue`): each
is made once and then sent only its new points, so a step costs milliseconds, not a new figure.

Serve it with `airace dashboard [SCENARIO] [--port N]`; `solara run simulation.apps.dashboard` works too.
Moving a lever or the seed takes effect when Reset is pressed; picking another scenario restarts at
once with that scenario's own values on every lever.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

import pandas as pd
import solara
import solara.lab
from mesa.visualization.solara_viz import UserInputs
from mesa.visualization.utils import force_update, update_counter
from pydantic import BaseModel

from analysis import plots
from analysis.load import marked_events
from simulation.events import event_table
from simulation.model import AIRaceModel
from simulation.scenario import Key, Parameter, Scenario, builtin_scenarios, load_scenario, parameters

DEFAULT_SCENARIO = "deepseek_shock"
SCENARIO_ENV = "AIRACE_DASHBOARD_SCENARIO"  # how `airace dashboard SCENARIO` tells the served app


class Lever(NamedTuple):
    label: str  # short, for the slide
    help: str  # one line under it: what moving it does


# The levers a class asks about, by dotted name. Each is shown only where the scenario has it; numbers
# take their value, unit and range from the registry, switches and dates their value from the schema.
# The words here name levers and say what they do; they hold no second list of values or ranges.
LEVERS: dict[str, Lever] = {
    "regulators.bis.rules.oct2023.enforcement": Lever(
        "Export-control enforcement (Oct 2023 rule)",
        "How much of the banned chip buying the rule really stops: 0 none, 1 all of it.",
    ),
    "regulators.bis.rules.oct2023.tpp_min": Lever(
        "Export-control threshold (Oct 2023 rule)",
        "Chips at least this fast need a licence to go to China: lower catches more chips.",
    ),
    "events.deepseek_r1.efficiency_gain": Lever(
        "Breakthrough size", "How many times less compute DeepSeek's breakthrough needs for the same model."
    ),
    "events.deepseek_r1.date": Lever(
        "Breakthrough date", "When DeepSeek's breakthrough comes out; investors notice it a week later."
    ),
    "labs.openai.api_terms_enforced": Lever(
        "OpenAI stops distillation through its API", "On: other labs may not train on OpenAI's answers."
    ),
    "labs.google_deepmind.api_terms_enforced": Lever(
        "Google DeepMind stops distillation through its API", "On: other labs may not train on Gemini's answers."
    ),
    "labs.anthropic.api_terms_enforced": Lever(
        "Anthropic stops distillation through its API", "On: other labs may not train on Claude's answers."
    ),
    "labs.meta.open_weights": Lever(
        "Meta publishes open weights", "On: anyone, in any country, can download Meta's models and learn from them."
    ),
    "investors.jevons_belief_mean": Lever(
        "Investors' belief in Jevons (-1: demand falls, >0: Jevons)",
        "What investors expect cheaper AI to do to chip demand: below 0 it falls, above 0 it grows.",
    ),
    "time.step_days": Lever("Step length", "Days the race moves on at each step; rates are per year."),
}
LOG_LINES = 12  # newest events shown; the rest fold away


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


def lever_controls(spec: Scenario, levers: dict[str, Lever] = LEVERS) -> dict[str, dict[str, Any]]:
    """Mesa's UserInputs specs for the levers the scenario has: sliders for numbers, switches, a date list."""
    registry = {p.name: p for p in parameters(spec)}
    controls: dict[str, dict[str, Any]] = {}
    for name, (label, _) in levers.items():
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
    """AIRaceModel rebuilt from a scenario's name, a seed and the levers' values (dotted names as keywords),
    as Reset does. Like every AIRaceModel it stops at the scenario's end (`running`)."""

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, seed: int | None = None, **levers: Any):
        base = load_scenario(scenario_name)
        spec = load_scenario(scenario_name, lever_overrides(base, levers), label="dashboard")
        super().__init__(spec, spec.seed if seed is None else int(seed))

    def step(self) -> None:
        # A finished run stays as it ended. Nothing on the page steps past the end (Step is disabled
        # there, Play and a jump stop at it), but Mesa's counter of steps would still count a step here.
        if self.running:
            super().step()


# ---------------------------------------------------------------- moving through time


@dataclass(frozen=True)
class Speed:
    days: int  # of the race per frame drawn
    pause_s: float  # between frames
    help: str


# Presets in days of the race per frame, not in steps, so that they mean the same at any step length.
SPEEDS: dict[str, Speed] = {
    "slow": Speed(1, 0.4, "one step a frame, with a pause: to go through the shock day by day"),
    "normal": Speed(7, 0.02, "a week of the race a frame: 2023 to the shock in well under a minute"),
    "fast": Speed(30, 0.02, "a month a frame"),
}
DEFAULT_SPEED = "normal"


def frame_steps(speed: Speed, step_days: int) -> int:
    """Steps a frame of Play takes: the preset's days, in whole steps, at least one."""
    return max(1, round(speed.days / step_days))


def run_to(model: AIRaceModel, day: date) -> int:
    """Step the model until its date reaches `day` (or the run ends); the number of steps taken.
    Nothing is drawn on the way: that is what makes a jump take seconds."""
    taken = 0
    while model.running and model.date < day:
        model.step()
        taken += 1
    return taken


def jump_dates(spec: Scenario) -> dict[str, str]:
    """Dates to jump to, as ISO date: label. First the scripted events of the run (the day each happens and
    the day investors notice it), the moments a lesson is about; then the first day of every quarter."""
    moments: dict[date, str] = {}
    for event in spec.events:
        name = event.id.replace("_", " ")
        moments[event.date] = f"{event.date:%-d %b %Y}: {name} ({event.kind})"
        noticed = getattr(event, "attention_date", None)
        if noticed is not None:
            moments[noticed] = f"{noticed:%-d %b %Y}: investors notice {name}"
    quarters: dict[date, str] = {}
    day = date(spec.time.start.year, 1, 1)
    while day <= spec.time.end:
        if day > spec.time.start and day not in moments:
            quarters[day] = f"{day:%-d %b %Y}"
        day = date(day.year + day.month // 10, (day.month + 2) % 12 + 1, 1)

    def inside(found: dict[date, str]) -> dict[str, str]:
        return {d.isoformat(): found[d] for d in sorted(found) if spec.time.start < d <= spec.time.end}

    return {**inside(moments), **inside(quarters)}


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


def headline(model: AIRaceModel) -> dict[str, str]:
    """What the top of the page says in large type: the date, the gap, China's compute against the leader's."""
    spec = model.spec
    share = model.compute_flops(spec.laggard) / model.compute_flops(spec.leader)
    return {
        "date": f"{model.date:%-d %b %Y}",
        "gap": f"{spec.laggard} {model.gap_months:.1f} months behind {spec.leader}",
        "compute": f"{spec.laggard}'s compute: {share:.0%} of the {spec.leader}'s",
        "step": f"step {model.steps} of {model.n_steps}, {model.step_days} day{'s' * (model.step_days != 1)} a step",
    }


def event_marks(model: AIRaceModel) -> list[list[str]]:
    """The scripted events so far as [ISO date, short label], for the charts' vertical lines."""
    log = event_table(events_so_far(model))
    if log.empty:
        return []
    marks = marked_events([log], model.spec)
    return [[f"{d:%Y-%m-%d}", label] for d, label in zip(marks["date"], marks["label"], strict=True)]


CHARTS = ("frontier", "gap", "markets", "moves")
FONT = 16  # px, for a projector at the back of a room
TITLE_FONT = 18


def _series_columns(model: AIRaceModel, name: str) -> list[tuple[str, str, str]]:
    """(column, legend name, colour) of each line of a time chart."""
    if name == "frontier":
        return [(f"frontier_capability_{b}", b, plots.colour(i)) for i, b in enumerate(model.blocs)]
    if name == "gap":
        return [("gap_months", f"{model.spec.laggard} behind {model.spec.leader}", plots.colour(1))]
    if name == "markets":
        firms = [(f"price_{m.ticker}", m.ticker, plots.firm_colour(i)) for i, m in enumerate(model.listed)]
        return [*firms, ("ai_index", "AI index", plots.INDEX_COLOUR)]
    raise ValueError(f"unknown chart {name!r}; one of {', '.join(CHARTS)}")


TITLES = {
    "frontier": "Frontier capability (log10 effective FLOP)",
    "gap": "The gap (months)",
    "markets": "Share prices and AI index (start = 100)",
    "moves": "Moves over the last step (%, value in $)",
}


def _base(name: str) -> dict[str, Any]:
    return {
        "animation": False,
        "title": {"text": TITLES[name], "left": 4, "top": 2, "textStyle": {"fontSize": TITLE_FONT}},
        "textStyle": {"fontSize": FONT},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 24, "top": 64, "bottom": 8, "containLabel": True},
        "yAxis": {"type": "value", "scale": True, "axisLabel": {"fontSize": FONT, "hideOverlap": True}},
    }


def chart_layout(model: AIRaceModel, name: str) -> dict[str, Any]:
    """An ECharts option without data: titles, axes (a time axis over the whole run, dates as 'Jan 2025'),
    and the series with their names and colours."""
    if name not in CHARTS:
        raise ValueError(f"unknown chart {name!r}; one of {', '.join(CHARTS)}")
    option = _base(name)
    if name == "moves":
        tickers = [m.ticker for m in model.listed]
        # The bars' own labels name the firm; the axis' labels would sit on the zero line, among the bars.
        option["xAxis"] = {
            "type": "category",
            "data": tickers,
            "axisLabel": {"show": False},
            "axisTick": {"show": False},
        }
        option["yAxis"]["scale"] = False
        option["series"] = [
            {
                "type": "bar",
                "name": "move",
                "label": {"show": True, "fontSize": FONT, "formatter": "{b}", "color": "#000"},
                "data": [],
            }
        ]
        option["tooltip"] = {"trigger": "item"}
        return option
    spec = model.spec
    option["legend"] = {"top": 30, "left": 4, "itemGap": 16, "textStyle": {"fontSize": FONT}}
    option["xAxis"] = {
        "type": "time",
        "min": spec.time.start.isoformat(),
        "max": spec.time.end.isoformat(),
        "splitNumber": 4,
        "axisLabel": {
            "fontSize": FONT,
            "hideOverlap": True,
            "margin": 14,  # clear of the lowest label of the y axis
            "formatter": {"year": "Jan {yyyy}", "month": "{MMM} {yyyy}", "day": "{d} {MMM}"},
        },
    }
    option["series"] = [
        {
            "type": "line",
            "name": label,
            "showSymbol": False,
            "lineStyle": {"width": 3, "type": "dashed" if column == "ai_index" else "solid"},
            "itemStyle": {"color": color},
            "data": [],
        }
        for column, label, color in _series_columns(model, name)
    ]
    # The events' vertical lines hang on the first series; their names show on hover, not as text that
    # could pile up in a week of news (the event log and the headline name them).
    option["series"][0]["markLine"] = {
        "symbol": "none",
        "silent": False,
        "lineStyle": {"color": plots.EVENT_COLOUR, "type": "dotted", "width": 1.5},
        "label": {"show": False},
        "emphasis": {"label": {"show": True, "formatter": "{b}", "fontSize": FONT}},
        "data": [],
    }
    return option


def chart_points(model: AIRaceModel, name: str, offset: int) -> dict[str, Any]:
    """The chart's points from point `offset` on ({offset, rows}; rows[i] for series i), or, for the
    moves, every bar (offset 0): what the browser's chart adds to what it holds."""
    frame = model_frame(model)
    if name == "moves":
        return {"offset": 0, "rows": [move_bars(model, frame)]}
    new = frame.iloc[offset:]
    days = new["date"].dt.strftime("%Y-%m-%d").tolist()
    rows = []
    for column, _, _ in _series_columns(model, name):
        values = new[column]
        if column.startswith("price_"):  # indexed to the start, as the AI index is
            values = 100 * values / frame[column].iloc[0]
        rows.append([[d, round(float(v), 4)] for d, v in zip(days, values, strict=True)])
    return {"offset": offset, "rows": rows}


def move_bars(model: AIRaceModel, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Each listed firm's move over the last step, with the market value it lost or gained in dollars."""
    bars = []
    for i, m in enumerate(model.listed):
        prices = frame[f"price_{m.ticker}"]
        move = 100 * (prices.iloc[-1] / prices.iloc[-2] - 1) if len(prices) > 1 else 0.0
        lost = float(frame[f"value_lost_usd_{m.ticker}"].iloc[-1]) if len(prices) > 1 else 0.0
        money = f"{'-' if lost > 0 else '+'}${abs(lost) / 1e9:,.0f}B"
        bars.append(
            {
                "value": round(float(move), 2),
                "name": f"{m.ticker} {move:+.1f}% ({money})",
                "itemStyle": {"color": plots.firm_colour(i)},
                "label": {"position": "bottom" if move < 0 else "top"},
            }
        )
    return bars


# ---------------------------------------------------------------- the page's parts


@solara.component_vue("live_chart.vue")
def LiveChart(chart: str, option: dict, points: dict, marks: list, event_resync: Callable[[Any], None]):
    """An ECharts chart in the browser that is only given new points (see live_chart.vue)."""


@solara.component
def Chart(model: AIRaceModel, name: str):
    update_counter.get()
    sent = solara.use_ref((None, 0))  # (the model, points the browser holds)
    _, redraw = solara.use_state(0)
    layout = solara.use_memo(lambda: chart_layout(model, name), [model, name])
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
def Levers(spec: Scenario, values: solara.Reactive[dict]):
    """Each lever (Mesa's UserInputs) with its line of help under it."""
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
    seed: solara.Reactive[int],
):
    """Reset, Play and Step; the speed presets; a jump to a date; the seed."""
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
    solara.InputInt("Seed", value=seed, classes=["airace-seed"])
    solara.Text(
        "The chance in the run (breakthroughs, investors' noise); another seed, another history.",
        classes=["airace-help"],
    )


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
.airace-event { display: block; margin-bottom: 0.4em; }
.airace-earlier { display: block; white-space: pre-line; line-height: 1.6; }
.airace-help { display: block; font-size: 0.85em; color: #555; margin: -0.6em 0 0.8em 0; }
.airace-label { display: block; font-weight: 600; margin-top: 0.6em; }
.airace-jump { flex: 1 1 0; min-width: 0; }
.airace-lever .v-input__slider .v-input__slot { flex-wrap: wrap; }
.airace-lever .v-input__slider .v-label { flex: 1 0 100%; margin-bottom: 1.6em; white-space: normal; }
.airace-lever .v-input__slider .v-slider__thumb-label-container { display: block !important; }
"""

scenario = solara.reactive(os.environ.get(SCENARIO_ENV, DEFAULT_SCENARIO))


@solara.component
def Dashboard(name: str):
    """One scenario's dashboard; the page mounts a new one (fresh levers, seed and run) for each scenario."""
    spec = solara.use_memo(lambda: load_scenario(name), [])
    levers = solara.use_reactive({})
    seed = solara.use_reactive(spec.seed)
    speed = solara.use_reactive(DEFAULT_SPEED)

    def rebuild() -> DashboardModel:
        return DashboardModel(name, seed=seed.value, **levers.value)

    first = solara.use_memo(rebuild, [])
    model = solara.use_reactive(first)
    with solara.Sidebar():
        with solara.Card("Run"):
            Controls(model, rebuild, speed, seed)
        with solara.Card("Levers (they take effect at Reset)"):
            Levers(spec, levers)
        EventLog(model.value)
    with solara.Div(classes=["airace-main"]):
        Headline(model.value)
        with solara.Div(classes=["airace-charts"]):
            for chart in CHARTS:
                Chart(model.value, chart).key(chart)


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
    with solara.Sidebar(), solara.Card("Scenario"):
        solara.Select("Scenario", values=names, value=scenario)
        solara.Text(load_scenario(scenario.value).description)
    Dashboard(scenario.value).key(scenario.value)
