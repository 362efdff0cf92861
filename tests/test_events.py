"""The event log: a closed list of kinds, each rendered in its words from typed fields, in one place."""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path

import pytest

from analysis.load import load_results
from simulation import AIRaceModel, load_scenario, run
from simulation.events import COLUMNS, KINDS, Event, render

DAY = date(2025, 1, 20)


def event(kind: str, actor: str = "deepseek", **fields) -> Event:
    return Event(DAY, 3, kind, actor, **fields)


# One event of every kind and channel, with the sentence the log gives it.
EXAMPLES = [
    (
        event(
            "rule",
            "bis",
            subject="oct2022",
            channel="start",
            value=0.85,
            details={"name": "BIS", "description": "a ban"},
        ),
        "BIS export rule 'oct2022' takes effect: a ban",
    ),
    (  # a rule on the books that stops nothing is not announced as a ban
        event(
            "rule",
            "bis",
            subject="oct2022",
            channel="start",
            value=0.0,
            details={"name": "BIS", "description": "a ban"},
        ),
        "BIS export rule 'oct2022' takes effect unenforced (enforcement 0): it stops no chips",
    ),
    (event("rule", "bis", subject="oct2022", channel="end", details={"name": "BIS"}), "BIS export rule 'oct2022' ends"),
    (
        event("rule", "bis", subject="oct2023", channel="enforcement", value=1.0, details={"name": "BIS"}),
        "BIS sets enforcement of 'oct2023' to 100%",
    ),
    (
        event(
            "rule",
            "bis",
            subject="oct2022,oct2023",
            channel="tighten",
            details={"name": "BIS", "changes": (("oct2022", "enforcement", 0.9), ("oct2023", "thresholds", 0.25))},
        ),
        "BIS tightens export controls: 'oct2022' enforced at 90%, 'oct2023' thresholds lowered by 25%",
    ),
    (
        event(
            "rule",
            "bis",
            subject="oct2022",
            channel="loosen",
            details={"name": "BIS", "changes": (("oct2022", "enforcement", 0.4),)},
        ),
        "BIS loosens export controls: 'oct2022' enforced at 40%",
    ),
    (
        event(
            "policy", "bis", subject="tools", channel="equipment_control", details={"name": "BIS", "description": ""}
        ),
        "BIS equipment control 'tools' takes effect",
    ),
    (
        event(
            "policy", "cn_state", subject="fund", channel="policy", details={"name": "China", "description": "money"}
        ),
        "China policy 'fund' takes effect: money",
    ),
    (
        event("policy", "bis", subject="ban", channel="distillation_control", details={"name": "BIS"}),
        "BIS distillation control 'ban' takes effect",
    ),
    (
        event("review", "bis", counterpart="CN", channel="tighten", value=4.26, details={"name": "BIS"}),
        "BIS decides to tighten export controls: CN is only 4.3 months behind",
    ),
    (
        event("review", "bis", counterpart="CN", channel="loosen", value=2.1e10, details={"name": "BIS"}),
        "BIS decides to loosen export controls: chipmakers lose $21.0B a year of sales to controls",
    ),
    (
        event(
            "variant",
            "nvidia",
            subject="H100_CN",
            counterpart="CN",
            value=25000.0,
            details={"name": "NVIDIA", "chip": "H100", "change": "interconnect cut to 400 GB/s", "launch": DAY},
        ),
        "NVIDIA designs H100_CN for CN, a compliant variant of the H100 (interconnect cut to 400 GB/s, $25,000), "
        "on sale from 2025-01-20",
    ),
    (
        event(
            "attention",
            "investors",
            subject="deepseek_r1",
            counterpart="deepseek",
            details={"counterpart_name": "DeepSeek"},
        ),
        "investors notice DeepSeek's breakthrough",
    ),
    (
        event(
            "breakthrough",
            subject="deepseek_r1",
            channel="open_weights",
            value=4.0,
            details={"name": "DeepSeek", "capability": 27.291, "description": "R1"},
        ),
        "DeepSeek makes an efficiency breakthrough (4.0x less compute for the same capability, capability 27.29, "
        "weights released): R1",
    ),
    (
        event("breakthrough", channel="closed_weights", value=1.7, details={"name": "DeepSeek", "capability": 25.0}),
        "DeepSeek makes an efficiency breakthrough (1.7x less compute for the same capability, capability 25.00)",
    ),
    (
        event("open_weights", "meta", subject="meta_opens", channel="open_weights", details={"name": "Meta AI"}),
        "Meta AI opens its model weights",
    ),
    (
        event(
            "open_weights",
            "meta",
            subject="meta_closes",
            channel="closed_weights",
            details={"name": "Meta AI", "description": "why"},
        ),
        "Meta AI closes its model weights: why",
    ),
    (
        event(
            "api_terms",
            "openai",
            subject="terms",
            channel="api",
            value=1.0,
            details={"name": "OpenAI", "description": "why"},
        ),
        "OpenAI starts enforcing its API terms against distillation: why",
    ),
    (
        event("release", channel="open_weights", value=25.5, details={"name": "DeepSeek", "run_flop": 3.1e24}),
        "DeepSeek releases a model: capability 25.50 (open weights, run of 3.10e+24 FLOP)",
    ),
    (
        event("release", "openai", channel="closed_weights", value=26.0, details={"name": "OpenAI", "run_flop": 2e25}),
        "OpenAI releases a model: capability 26.00 (closed weights, run of 2.00e+25 FLOP)",
    ),
    (
        event(
            "distillation",
            counterpart="openai",
            channel="api",
            value=25.8,
            details={
                "name": "DeepSeek",
                "counterpart_name": "OpenAI",
                "before": 25.0,
                "teacher_capability": 26.5,
                "flop": 2e23,
            },
        ),
        "DeepSeek distils OpenAI's model through its API: capability 25.00 -> 25.80 (teacher 26.50, 2.0e+23 FLOP)",
    ),
    (
        event(
            "distillation",
            counterpart="meta",
            channel="open_weights",
            value=25.2,
            details={
                "name": "DeepSeek",
                "counterpart_name": "Meta AI",
                "before": 25.0,
                "teacher_capability": 26.0,
                "flop": 1e23,
            },
        ),
        "DeepSeek distils Meta AI's model through open weights: capability 25.00 -> 25.20 "
        "(teacher 26.00, 1.0e+23 FLOP)",
    ),
    (
        event(
            "distillation_blocked",
            counterpart="openai",
            channel="api",
            details={"name": "DeepSeek", "counterpart_name": "OpenAI"},
        ),
        "DeepSeek is stopped distilling OpenAI's API",
    ),
    (event("funding", value=1.234e9, details={"name": "DeepSeek"}), "DeepSeek raises $1.23B"),
    (
        event("reasoning", "openai", channel="frontier", details={"name": "OpenAI"}),
        "OpenAI has reasoning post-training (first)",
    ),
    (
        event("reasoning", "deepseek", channel="found", details={"name": "DeepSeek"}),
        "DeepSeek has reasoning post-training (on its own)",
    ),
    (
        event("reasoning", "alibaba", channel="adopted", details={"name": "Alibaba"}),
        "Alibaba has reasoning post-training (from published work)",
    ),
]


def test_the_examples_cover_every_kind_and_channel():
    covered = {(e.kind, e.channel) for e, _ in EXAMPLES}
    assert covered == {(kind, channel) for kind, k in KINDS.items() for channel in (k.channels or ("",))}


@pytest.mark.parametrize(("logged", "words"), EXAMPLES, ids=[f"{e.kind}-{e.channel}" for e, _ in EXAMPLES])
def test_every_kind_renders_in_its_words(logged, words):
    assert render(logged) == words
    row = logged.row()
    assert list(row) == list(COLUMNS) and row["text"] == words


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_is_documented_with_its_fields(kind):
    docs = (Path(__file__).parent.parent / "docs" / "results.md").read_text(encoding="utf-8")
    assert re.search(rf"^\| `{kind}` \|", docs, re.MULTILINE), f"docs/results.md: no row for the {kind} kind"


def test_an_unknown_kind_is_refused_when_it_is_logged():
    with pytest.raises(ValueError, match=r"unknown event kind 'weather': expected one of rule, "):
        event("weather")
    model = AIRaceModel(load_scenario("baseline", {"time.end": "2023-03-01"}), seed=1)
    with pytest.raises(ValueError, match="unknown event kind 'rules'"):
        model.log("rules", "bis", subject="oct2022", channel="start", name="BIS")


def test_a_channel_the_kind_does_not_have_is_refused():
    with pytest.raises(
        ValueError, match=r"a distillation event has no channel 'its API': expected 'open_weights', 'api'"
    ):
        event("distillation", channel="its API")
    with pytest.raises(ValueError, match=r"a funding event has no channel 'api': expected none"):
        event("funding", channel="api")


def test_a_logged_event_keeps_its_fields_and_a_value_only_where_its_kind_has_one():
    results = run("baseline", seed=3, overrides={"time.end": "2023-12-31"})
    events = results.events
    assert list(events.columns) == list(COLUMNS)
    funding = events[events.kind == "funding"]
    labs = results.agents.query("variable == 'raised_usd_total' and agent_type == 'Lab'")
    raised = labs.groupby("agent_id")["value"].last()
    assert funding.groupby("actor")["value"].sum().to_dict() == pytest.approx(raised[raised > 0].to_dict())
    starts = events[(events.kind == "rule") & (events.channel == "start")]
    enforcement = {r.id: r.enforcement for r in results.scenario.regulators[0].rules}
    assert set(starts.subject) == {"oct2022", "oct2023"}
    assert starts.set_index("subject")["value"].to_dict() == {k: enforcement[k] for k in starts.subject}
    variants = events[events.kind == "variant"]
    assert set(variants.counterpart) == {"CN"} and (variants.value > 0).all()
    assert math.isnan(events[events.kind == "open_weights"].value.iloc[0])


def test_marks_are_labelled_from_fields_and_short_names():
    """Marks read as a policy brief names things: a rule by its regulator and the month it was made, a
    lab by its name before any parenthesis; a rule that gives way to the next is one mark, not two.
    Quotes in a display name (once read as the rule's id) change nothing else."""
    names = {"labs.deepseek.name": "Deep'Seek (the 'whale')", "regulators.bis.name": "Commerce's BIS"}
    results = run("deepseek_shock", seed=3, overrides={"time.end": "2025-03-31", "time.step_days": 7, **names})
    marked = load_results(results).marked_events.set_index("label")["date"].dt.date.to_dict()
    assert marked["BIS rule of Oct 2022"] == date(2023, 1, 1)  # made in 2022, in force at the start
    assert marked["BIS rule of Oct 2023"] == date(2023, 10, 17)
    assert "BIS rule of Oct 2022 ends" not in marked  # the Oct 2023 rule replaced it the next day
    assert marked["Deep'Seek breakthrough"] == date(2025, 1, 20)
    assert marked["investors notice Deep'Seek"] == date(2025, 1, 27)
    assert marked["Alibaba opens weights"] == date(2023, 8, 3)
