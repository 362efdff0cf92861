"""The scenario's scripted events, by a table from kind to handler.

Each kind of event in a scenario file (`simulation.scenario.EVENT_KINDS`) has one handler here that
acts on the model when the event's date comes: a breakthrough at a lab, a change of a lab's API terms
or weights, a change in a rule's enforcement, a lab's funding round. `apply` looks the handler up by the
event's class; a kind with no handler is a programming error, caught by a test over `EVENT_KINDS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simulation.scenario import ApiTerms, Breakthrough, FundingRound, OpenWeights, RuleChange

if TYPE_CHECKING:
    from simulation.model import AIRaceModel


def breakthrough(model: AIRaceModel, event: Breakthrough) -> None:
    """A scripted efficiency breakthrough; investors may notice it later than it happens (`attention_date`)."""
    lab = model.labs[event.lab]
    lab.breakthrough(event.efficiency_gain, event.open_weights, scripted=event)
    if event.attention_date and event.attention_date > event.date:
        model.log(
            "attention",
            "investors",
            subject=event.id,
            counterpart=lab.id,
            on=event.attention_date,
            counterpart_name=lab.name,
        )


def api_terms(model: AIRaceModel, event: ApiTerms) -> None:
    lab = model.labs[event.lab]
    lab.api_terms_enforced = event.enforced
    _log_lab_change(model, event, "api_terms", "api", float(event.enforced))


def open_weights(model: AIRaceModel, event: OpenWeights) -> None:
    model.labs[event.lab].open_weights = event.open
    _log_lab_change(model, event, "open_weights", "open_weights" if event.open else "closed_weights")


def _log_lab_change(
    model: AIRaceModel, event: ApiTerms | OpenWeights, kind: str, channel: str, value: float = math.nan
) -> None:
    """Log a scripted change to a lab's terms, dated and described as the scenario file has it."""
    lab = model.labs[event.lab]
    model.log(
        kind,
        lab.id,
        subject=event.id,
        channel=channel,
        value=value,
        on=event.date,
        name=lab.name,
        description=event.description,
    )


def rule_change(model: AIRaceModel, event: RuleChange) -> None:
    regulator = model.regulators[event.regulator]
    regulator.set_enforcement(event.rule, event.enforcement)
    model.refresh_controls()
    model.log(
        "rule",
        regulator.id,
        subject=event.rule,
        channel="enforcement",
        value=event.enforcement,
        on=event.date,
        name=regulator.name,
        description=event.description,
    )


def funding_round(model: AIRaceModel, event: FundingRound) -> None:
    """A lab raises a round: the money is its cash from that day."""
    model.labs[event.lab].raise_round(event)


HANDLERS: dict[type, Callable[[AIRaceModel, Any], None]] = {
    Breakthrough: breakthrough,
    ApiTerms: api_terms,
    OpenWeights: open_weights,
    RuleChange: rule_change,
    FundingRound: funding_round,
}


def apply(model: AIRaceModel, event: Breakthrough | OpenWeights | ApiTerms | RuleChange | FundingRound) -> None:
    """Act on a scenario event: the handler of its kind."""
    HANDLERS[type(event)](model, event)
