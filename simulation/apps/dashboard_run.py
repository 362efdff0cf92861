"""The run a dashboard shows, apart from the page that shows it: the levers a class asks about (from the
parameter registry and the scenario's schema), the model rebuilt from their values, and moving that model
through time (the speeds of Play, a jump to a date). Plain Python, no Solara: `dashboard` draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import pandas as pd
from pydantic import BaseModel

from simulation.model import AIRaceModel
from simulation.scenario import Key, Parameter, Scenario, load_scenario, parameters

DEFAULT_SCENARIO = "deepseek_shock"


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


def overlay_frame(scenario: str, seed: int) -> pd.DataFrame:
    """The whole run of another scenario (its own values, the seed given), to draw over the live one
    (`dashboard_charts.chart_layout`), with its name in a column `scenario`."""
    model = DashboardModel(scenario, seed=seed)
    run_to(model, model.spec.time.end)
    return model.records.model_frame().assign(scenario=scenario)


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
