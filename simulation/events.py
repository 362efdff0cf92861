"""The event log: the closed list of kinds, the record of one event, and the one place its words are written.

An event is a row of typed fields that analysis reads: `kind`, `actor`, `subject`, `counterpart`,
`channel`, `value`. Its sentence (`text`) is rendered from them, once, by `render` when the model
logs it. What the sentence says beyond those fields (display names, figures for the reader, the
scenario file's description) travels in `details`; it is not stored apart from the text, so read
such figures from the agents table, and never parse the text. docs/results.md lists, kind by kind,
what each field holds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

import pandas as pd

# The columns of events.parquet, in order: the typed fields, then the rendered sentence.
COLUMNS = ("date", "step", "kind", "actor", "subject", "counterpart", "channel", "value", "text")


@dataclass(frozen=True)
class Event:
    """One logged event. `value` is NaN where the kind (or its channel) carries no number."""

    date: date
    step: int
    kind: str
    actor: str
    subject: str = ""
    counterpart: str = ""
    channel: str = ""
    value: float = math.nan
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        kind = KINDS.get(self.kind)
        if kind is None:
            raise ValueError(f"unknown event kind {self.kind!r}: expected one of {', '.join(KINDS)}")
        if self.channel not in kind.channels and (kind.channels or self.channel):
            allowed = ", ".join(map(repr, kind.channels)) if kind.channels else "none (leave it empty)"
            raise ValueError(f"a {self.kind} event has no channel {self.channel!r}: expected {allowed}")

    def row(self) -> dict[str, Any]:
        """The event as a row of events.parquet (COLUMNS), its text rendered."""
        fields = (self.date, self.step, self.kind, self.actor, self.subject, self.counterpart, self.channel)
        return dict(zip(COLUMNS, (*fields, float(self.value), render(self)), strict=True))


@dataclass(frozen=True)
class Kind:
    """A kind of event: what it logs, the channels it may give, and how its sentence reads."""

    about: str
    channels: tuple[str, ...]
    words: Callable[[Event], str]


def render(event: Event) -> str:
    """The event's sentence in plain words."""
    return KINDS[event.kind].words(event)


def event_table(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Logged rows (`Event.row`) as the events table: COLUMNS, dates at millisecond resolution (the finest
    Parquet keeps, so saved and loaded tables are equal), sorted by date, then step."""
    table = pd.DataFrame(list(rows), columns=list(COLUMNS)).astype({"value": float})
    table["date"] = pd.to_datetime(table["date"]).astype("datetime64[ms]")
    return table.sort_values(["date", "step"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- the words of each kind
# Details every kind but `attention` reads: `name`, the actor's display name; kinds with a scenario
# entry behind them also read `description`, its text in the scenario file (may be empty).


def _described(words: str, event: Event) -> str:
    """The words, then the scenario's description of the entry after a colon, if it gives one."""
    description = event.details.get("description", "").rstrip(": ")
    return f"{words}: {description}" if description else words


WEIGHTS = {"open_weights": "open weights", "closed_weights": "closed weights"}
ROUTES = {"open_weights": "open weights", "api": "its API"}
CHANGES = {
    "enforcement": "'{rule}' enforced at {amount:.0%}",
    "thresholds": "'{rule}' thresholds lowered by {amount:.0%}",
}


def _rule(e: Event) -> str:
    """Details: `changes` for a tighten or loosen, as (rule id, "enforcement" or "thresholds", amount) triples."""
    name = e.details["name"]
    if e.channel == "start" and e.value == 0:  # on the books, but it stops nothing
        return f"{name} export rule '{e.subject}' takes effect unenforced (enforcement 0): it stops no chips"
    if e.channel == "start":
        return _described(f"{name} export rule '{e.subject}' takes effect", e)
    if e.channel == "end":
        return f"{name} export rule '{e.subject}' ends"
    if e.channel == "enforcement":
        return _described(f"{name} sets enforcement of '{e.subject}' to {e.value:.0%}", e)
    changes = ", ".join(CHANGES[what].format(rule=rule, amount=amount) for rule, what, amount in e.details["changes"])
    return f"{name} {e.channel}s export controls: {changes}"


def _policy(e: Event) -> str:
    return _described(f"{e.details['name']} {e.channel.replace('_', ' ')} '{e.subject}' takes effect", e)


def _review(e: Event) -> str:
    if e.channel == "tighten":
        why = f"{e.counterpart} is only {e.value:.1f} months behind"
    else:
        why = f"chipmakers lose ${e.value / 1e9:.1f}B a year of sales to controls"
    return f"{e.details['name']} decides to {e.channel} export controls: {why}"


def _variant(e: Event) -> str:
    """Details: `chip`, the id of the chip it varies; `change`, what was cut; `launch`, its first day on sale."""
    d = e.details
    return (
        f"{d['name']} designs {e.subject} for {e.counterpart}, a compliant variant of the {d['chip']} "
        f"({d['change']}, ${e.value:,.0f}), on sale from {d['launch']}"
    )


def _attention(e: Event) -> str:
    """Details: `counterpart_name`, the display name of the lab whose breakthrough investors notice."""
    return f"investors notice {e.details['counterpart_name']}'s breakthrough"


def _breakthrough(e: Event) -> str:
    """Details: `capability`, the lab's capability after the jump."""
    d = e.details
    weights = ", weights released" if e.channel == "open_weights" else ""
    words = (
        f"{d['name']} makes an efficiency breakthrough ({e.value:.1f}x less compute for the same capability, "
        f"capability {d['capability']:.2f}{weights})"
    )
    return _described(words, e)


def _open_weights(e: Event) -> str:
    verb = "opens" if e.channel == "open_weights" else "closes"
    return _described(f"{e.details['name']} {verb} its model weights", e)


def _api_terms(e: Event) -> str:
    verb = "starts" if e.value else "stops"
    return _described(f"{e.details['name']} {verb} enforcing its API terms against distillation", e)


def _release(e: Event) -> str:
    """Details: `run_flop`, the physical FLOP of the training run."""
    return (
        f"{e.details['name']} releases a model: capability {e.value:.2f} "
        f"({WEIGHTS[e.channel]}, run of {e.details['run_flop']:.2e} FLOP)"
    )


def _distillation(e: Event) -> str:
    """Details: `counterpart_name`, the teacher's display name; `before`, the student's capability before;
    `teacher_capability`; `flop`, the compute it took."""
    d = e.details
    return (
        f"{d['name']} distils {d['counterpart_name']}'s model through {ROUTES[e.channel]}: capability "
        f"{d['before']:.2f} -> {e.value:.2f} (teacher {d['teacher_capability']:.2f}, {d['flop']:.1e} FLOP)"
    )


def _distillation_blocked(e: Event) -> str:
    """Details: `counterpart_name`, the teacher's display name."""
    return f"{e.details['name']} is stopped distilling {e.details['counterpart_name']}'s API"


def _reasoning(e: Event) -> str:
    how = {"frontier": "first", "found": "on its own", "adopted": "from published work"}[e.channel]
    return f"{e.details['name']} has reasoning post-training ({how})"


def _funding(e: Event) -> str:
    return f"{e.details['name']} raises ${e.value / 1e9:.2f}B"


KINDS: Mapping[str, Kind] = MappingProxyType(
    {
        "rule": Kind(
            "a regulator's export rule takes effect or ends (subject: the rule), a scenario rule_change sets its "
            "enforcement (value), or a reactive regulator tightens or loosens (subject: the rules changed)",
            ("start", "end", "enforcement", "tighten", "loosen"),
            _rule,
        ),
        "policy": Kind(
            "an equipment control, industrial policy or distillation control (channel) takes effect (subject: its id)",
            ("equipment_control", "policy", "distillation_control"),
            _policy,
        ),
        "review": Kind(
            "a reactive regulator decides (channel) on its controls: value is the months the rival "
            "(counterpart) is behind, or its chipmakers' sales lost to controls (USD a year)",
            ("tighten", "loosen"),
            _review,
        ),
        "variant": Kind(
            "a chipmaker designs a compliant variant (subject) for a bloc (counterpart); value: its price in USD",
            (),
            _variant,
        ),
        "attention": Kind(
            "investors notice a scripted breakthrough (subject: the scenario event) of a lab (counterpart)",
            (),
            _attention,
        ),
        "breakthrough": Kind(
            "a lab's efficiency jumps by value times, scripted (subject: the scenario event) or by research "
            "(subject empty); channel: whether the weights come with it",
            ("open_weights", "closed_weights"),
            _breakthrough,
        ),
        "open_weights": Kind(
            "a scenario event (subject) opens or closes (channel) a lab's weights",
            ("open_weights", "closed_weights"),
            _open_weights,
        ),
        "api_terms": Kind(
            "a scenario event (subject) starts (value 1) or stops (value 0) a lab enforcing its API terms",
            ("api",),
            _api_terms,
        ),
        "release": Kind(
            "a lab releases a model of capability value, with open or closed weights (channel)",
            ("open_weights", "closed_weights"),
            _release,
        ),
        "distillation": Kind(
            "a lab distils the model of a stronger lab (counterpart) through its open weights or API (channel); "
            "value: the student's capability after",
            ("open_weights", "api"),
            _distillation,
        ),
        "distillation_blocked": Kind(
            "a lab's attempt to distil another lab's (counterpart) API is stopped by a distillation control",
            ("api",),
            _distillation_blocked,
        ),
        "reasoning": Kind(
            "a lab gets reasoning (RL) post-training: as the world's frontier lab on the day it exists, by finding "
            "it on its own, or from a lab with open weights that has it (channel)",
            ("frontier", "found", "adopted"),
            _reasoning,
        ),
        "funding": Kind("a lab's funding round brings in value USD", (), _funding),
    }
)
