"""A self-contained HTML report of stored results: story, headline outcomes, figures, events, parameters.

One file with every figure embedded as a base64 PNG and the styles inline, so it opens anywhere
without a network (an e-mail attachment, a USB stick, a lecture hall). With several results it
compares them first, then gives each its own section.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import across, metrics, plots
from analysis.load import ResultsError, ResultSet, load_many
from analysis.outcomes import DAYS_AFTER_SHOCK, for_people, outcome_summary
from analysis.paired import EXCLUDES_0, LEVEL, effects_against_first, interval_note, readable
from simulation.scenario import Scenario, parameters

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.5; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #0072B2; padding-bottom: 0.2em; }
.meta { color: #555; }
.story { font-size: 1.1em; background: #f4f8fb; padding: 0.8em 1em; border-left: 4px solid #0072B2; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.95em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.7em; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; height: auto; }
figcaption { color: #444; font-size: 0.95em; } details { margin: 1em 0; } summary { cursor: pointer; }
"""

CAPTIONS = {
    "frontier_by_bloc": "Frontier capability of each bloc: the best model of any of its labs, in log10 effective "
    "training FLOP (one unit = ten times the compute at 2023 algorithms).",
    "capability_parts": "Each bloc's best model in two parts: above, its pretrained base (solid) and the whole "
    "capability with post-training (dashed), with every run's releases as dots; below, what post-training adds "
    "(reasoning from September 2024, distillation, breakthroughs made since the base was trained).",
    "gap_months": "How many months the laggard bloc trails the leader: months since the leader first stood where "
    "the laggard stands now. Dotted lines mark rules, breakthroughs and other scripted events.",
    "markets": "Share prices, market capitalisation and the AI equity index of the listed chipmakers. Triangles "
    "mark the days markets met a breakthrough in any run, random ones included.",
    "event_study": f"Event study: cumulative return of each listed firm and the AI index from 5 days before to "
    f"{DAYS_AFTER_SHOCK} days after investors notice the breakthrough, compounded from the day before the window.",
    "largest_drop": "Largest one-step fall of the first listed firm's share price in each run, with its date and the "
    "news markets met in the month before it (the latest breakthrough, random or scripted, or rule change); grey: "
    "none, the fall came from trading alone. The table under 'What happened' gives every listed firm.",
    "return_diagnostics": "The stylized facts of the first listed firm's returns from row to row (daily in daily "
    "runs), pooled over the runs and taken before the shock: their distribution, standardised, against a normal "
    "(log scale: fat tails lie above it), and the autocorrelation of returns (about 0 in real markets) and of "
    "absolute returns (positive: volatility clusters).",
    "compute_and_chips": "Compute of each bloc's labs (log scale) and the chips delivered to them each quarter, by "
    "legal channels, leaked past export controls and rented in clouds abroad (the last quarter may be partial).",
    "supply_chain_revenue": "AI revenue of each firm along the chip supply chain, in billions of US dollars per "
    "calendar quarter (the model's revenue of each step summed over the quarter; a point stands at the quarter's "
    "last day, and only quarters the run covers whole are drawn), a panel per segment: the chip designers, the "
    "foundry, equipment, memory, networking, server makers, power companies, and the platforms and clouds (each "
    "owner with a US listing; the others, private firms and each bloc's other buyers, summed as one line). A "
    "supplier's AI revenue is its share of its segment's flow in the model (the foundry's and memory's parts of "
    "each chip sold, the tools of the foundry's capex that make AI chips and of China's subsidised AI capacity, "
    "networking and servers out of the owners' AI capex beyond chips, the electricity of the owners' "
    "accelerators); the rest of the segment goes to firms outside the model. The panels do not add up: the "
    "foundry and memory are paid out of the chips the designers sell, and a server maker's revenue includes the "
    "accelerators it builds in and passes on to their designer. Several runs: the median in each quarter.",
    "foundry_packaging": "The foundry's advanced packaging (TSMC's CoWoS), in thousand interposer wafers a month: "
    "its capacity, which it grows towards what the chip designers book, and what of it each step used (the share "
    "booked by customers outside the model and the packaging the designers' delivered chips took). Where the "
    "lines meet, the packaging caps how many leading accelerators are made and the designers' markups rise.",
    "compare_gap_months": "The gap in months under each scenario.",
    "compare_ai_index": "The AI equity index under each scenario.",
    "estimate_marginals": "Each parameter's distance over its prior range: every evaluation (dots), the lowest "
    "distance in each twentieth of the range (the profile, line), the cut 3.84 above the best (dotted) and the 95% "
    "interval it gives (shaded), with the best point.",
    "estimate_pairs": "Every evaluated point in each pair of parameters, coloured by its distance above the best "
    "(yellow: closest). Close points along a curve are a pair that trades off.",
    "estimate_fit": "Each target's miss from its observed value in units of its scale, at the base point (open) "
    "and the best point (filled), against its band (grey); fitted targets above the dashed line, predicted ones "
    "(dated past the cutoff) below it. The axis is linear within one scale of 0 and logarithmic beyond.",
    "paired_effects": "Each scenario's paired effect on the gap at the end of each year and at the end: the median "
    "difference from the reference over common seeds (dot) and its interval (bar); a filled dot marks an interval "
    "that excludes 0.",
}


# ---------------------------------------------------------------- what differs from the baseline


def baseline_differences(spec: Scenario, baseline: dict[str, Any] | None) -> pd.DataFrame | None:
    """Registry parameters whose value differs from the baseline's values stored with the run (None when
    none were stored: results written before airace kept them)."""
    if baseline is None:
        return None
    rows = []
    for p in parameters(spec):
        if baseline.get(p.name, "—") != p.value:
            row = {"parameter": p.name, "baseline": baseline.get(p.name, "—"), "this scenario": p.value}
            rows.append(row | {"unit": p.unit, "meaning": p.description})
    return pd.DataFrame(rows, columns=["parameter", "baseline", "this scenario", "unit", "meaning"])


def story(spec: Scenario) -> tuple[str, list[str] | None]:
    """The scenario's description, and the paragraphs of its longer story (the header comment of the file
    it was loaded from, as stored with the run; None when the results were written without it)."""
    if spec.story is None:
        return spec.description, None
    return spec.description, [" ".join(p.split()) for p in spec.story.split("\n\n") if p.strip()]


# Kinds the scenario's [[events]] log with their own id as the subject (a `rule_change` logs a `rule`
# row whose channel is `enforcement`, which nothing else logs).
SCRIPTED_KINDS = ("breakthrough", "attention", "open_weights", "api_terms")


def scripted_events(spec: Scenario, events: pd.DataFrame) -> pd.DataFrame:
    """The rows of a run's event log that the scenario's own [[events]] made, read from their fields."""
    own = events["kind"].isin(SCRIPTED_KINDS) & events["subject"].isin([e.id for e in spec.events])
    changes = (events["kind"] == "rule") & (events["channel"] == "enforcement")
    return events[own | changes]


# ---------------------------------------------------------------- HTML


def _e(value: Any) -> str:
    return html.escape(str(value))


def html_table(frame: pd.DataFrame, index: bool = True, counts: Sequence[str] = ("seeds",)) -> str:
    """A DataFrame as an HTML table, numbers right-aligned and written for people (`for_people`, in the
    unit the row's outcome names; columns in `counts` are plain whole numbers: counts, seeds)."""
    head = ([f"<th>{_e(frame.index.name or '')}</th>"] if index else []) + [
        f'<th class="num">{_e(c)}</th>' if pd.api.types.is_numeric_dtype(frame[c]) else f"<th>{_e(c)}</th>"
        for c in frame.columns
    ]
    rows = []
    for key, row in frame.iterrows():
        cells = [f"<th>{_e(key)}</th>"] if index else []
        for column, value in row.items():
            numeric = isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)
            unit = str(key) if index and column not in counts else ""
            text = str(int(value)) if numeric and column in counts else for_people(value, unit) if numeric else value
            cells.append(f'<td class="num">{_e(text)}</td>' if numeric else f"<td>{_e(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def html_figure(name: str, fig: Any) -> str:
    """A figure embedded as a base64 PNG, with an id so it can be linked (and found by tests)."""
    data = base64.b64encode(plots.figure_bytes(fig, "png")).decode("ascii")
    caption = CAPTIONS.get(name, name.replace("_", " "))
    return (
        f'<figure id="fig-{_e(name)}"><img src="data:image/png;base64,{data}" alt="{_e(caption)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def scenario_section(result: ResultSet, titled: bool = False) -> str:
    """Everything about one scenario's runs: story, outcomes, figures, events, parameters.

    `titled` gives the section its own heading (and its parts one level lower), as in a comparison.
    """
    spec = result.scenario
    h2 = "h3" if titled else "h2"
    first = result.runs[0]
    description, paragraphs = story(spec)
    parts = [f'<section id="scenario-{_e(result.label)}">']
    if titled:
        parts.append(f"<h2>{_e(result.label)}</h2>")
    seeds = ", ".join(map(str, result.seeds))
    parts.append(
        f'<p class="meta">Scenario <b>{_e(spec.label)}</b>, {first.summary["start"]} to {first.summary["end"]}, '
        f"steps of {spec.time.step_days} day{'s' if spec.time.step_days > 1 else ''}; "
        f"{len(result.runs)} run{'s' if len(result.runs) > 1 else ''}, seeds {_e(seeds)}; "
        f"airace {_e(first.summary.get('airace_version', ''))}.</p>"
    )
    parts.append(f"<{h2}>The story</{h2}>")
    parts.append(f'<p class="story">{_e(description or "No description given.")}</p>')
    if paragraphs is None:
        parts.append(
            "<p>The longer story of this scenario (the header comment of its file) was not stored with these "
            "results: an older airace wrote them.</p>"
        )
    else:
        parts += [f"<p>{_e(p)}</p>" for p in paragraphs if p != description]
    scripted = scripted_events(spec, first.events)
    if not scripted.empty:
        lines = [f"{d.date()}: {t}" for d, t in zip(scripted["date"], scripted["text"], strict=True)]
        items = "".join(f"<li>{_e(line)}</li>" for line in lines)
        parts.append(f"<p>Scripted events:</p><ul>{items}</ul>")

    parts.append(f"<{h2}>Headline outcomes</{h2}>")
    summary = outcome_summary(result)
    if len(result.runs) > 1:
        table = summary.rename(columns={"q50": "median", "q10": "10th percentile", "q90": "90th percentile"})
        parts.append(f"<p>Over {len(result.runs)} runs that differ only in their seed.</p>")
    else:
        table = summary[["q50"]].rename(columns={"q50": "value"})
    parts.append(html_table(table.rename_axis("outcome")))
    parity = [d for d in (metrics.parity_date(m) for m in result.models) if d is not None]
    parts.append(
        f"<p>{_e(spec.laggard)} first reaches {_e(spec.leader)}'s frontier in {len(parity)} of {len(result.runs)} "
        + (f"runs, earliest on {min(parity).date()}.</p>" if parity else "runs.</p>")
    )

    parts.append(f"<{h2}>Figures</{h2}>")
    parts += [html_figure(name, fig) for name, fig in plots.figures_for(result).items()]

    parts.append(f"<{h2}>What happened</{h2}>")
    marked = result.marked_events
    if not marked.empty:
        key = marked.assign(date=marked["date"].dt.date)[["date", "text"]]
        parts.append("<p>Rules, breakthroughs and other events marked on the figures:</p>")
        parts.append(html_table(key.rename(columns={"text": "what happened"}), index=False))
    falls = result.fall_causes
    falls = falls.assign(
        fall=[f"{v:.1%}" for v in falls["fall"]],
        date=falls["date"].dt.date,
        cause=[text or "no news in the month before: trading alone" for text in falls["cause_text"]],
        lost=[for_people(v, "(USD)") for v in falls["value_lost_usd"]],
        lost_all=[for_people(v, "(USD)") for v in falls["value_lost_all_usd"]],
    )[["seed", "ticker", "date", "fall", "lost", "lost_all", "cause"]]
    falls = falls.rename(columns={"lost": "value it lost", "lost_all": "value all listed firms lost"})
    parts.append(
        f"<p>The largest one-step fall of each listed firm in each run, the market value it and all the "
        f"listed firms together lost in that step, and the news markets met in the "
        f"{metrics.CAUSE_WINDOW_DAYS} days before it:</p>"
    )
    parts.append(html_table(falls.rename(columns={"cause": "news before it"}), index=False, counts=("seed",)))
    told = result.breakthroughs
    if not told.empty:
        rows = told.assign(seen=told["seen"].dt.date)[["seed", "seen", "text"]]
        rows = rows.rename(columns={"seen": "date", "text": "what happened"})
        parts.append(
            f"<details><summary>Every breakthrough in the runs ({len(rows)}, random ones included), on the day "
            f"markets met it</summary>{html_table(rows, index=False, counts=('seed',))}</details>"
        )
    log = first.events.assign(date=first.events["date"].dt.date)[["date", "kind", "text"]]
    parts.append(
        f"<details><summary>Full event log of the run with seed {first.seed} ({len(log)} events: releases, "
        f"distillations, funding rounds, …)</summary>{html_table(log.rename(columns={'text': 'what happened'}), False)}"
        "</details>"
    )

    parts.append(f"<{h2}>Parameters that differ from the baseline</{h2}>")
    changed = baseline_differences(spec, first.baseline)
    if changed is None:
        parts.append(
            "<p>The baseline's parameter values were not stored with these results (an older airace wrote "
            "them), so no comparison is given.</p>"
        )
    elif changed.empty:
        parts.append("<p>None: every parameter has the value the built-in baseline had when the run was made.</p>")
    else:
        parts.append("<p>Against the built-in baseline's values when the run was made, stored with it.</p>")
        parts.append(html_table(changed, index=False))
    parts.append("</section>")
    return "\n".join(parts)


def comparison_section(results: Sequence[ResultSet]) -> str:
    """Each scenario's paired effects against the first: the median difference over common seeds and its
    interval, with what the reader must know about horizons and step lengths; results that share too
    few seeds get a plain statement and no effect."""
    try:
        effects = effects_against_first(results)
    except ResultsError as exc:
        return (
            f"<p><b>No effects are shown</b>: {_e(exc.problems[0].message)}. Each scenario's own outcomes are in "
            "its section below.</p>"
        )
    parts = [
        f"<p>The effect of each scenario against {_e(results[0].label)}: the difference of each outcome between "
        f"the two, run by run on the same seeds, summarised by its median and a {LEVEL:.0%} bootstrap interval. "
        "An interval that excludes 0 is an effect the seeds' noise does not explain.</p>"
    ]
    for label, (table, pair) in effects.items():
        parts.append(f"<h3>{_e(label)} against {_e(results[0].label)} ({len(pair.seeds)} seeds)</h3>")
        parts += [f"<p><b>Note</b>: {_e(note)}.</p>" for note in pair.notes]
        parts.append(f"<p>{_e(interval_note(len(pair.seeds)))}. {_e(EXCLUDES_0)}.</p>")
        parts.append(html_table(readable(table)))
    parts.append(html_figure("paired_effects", plots.paired_effects_figure({k: t for k, (t, _) in effects.items()})))
    return "\n".join(parts)


def across_section(groups: Mapping[tuple[str, Any], Sequence[ResultSet]]) -> str:
    """The paired effects at each value of each assumption (`analysis.across`): a table per compared scenario
    and assumption, the effects whose sign or distance from 0 rests on the assumption, a figure each."""
    table = across.effects_across(groups)
    note = across.across_note(table)
    reference = next(iter(groups.values()))[0].label
    parts = [
        f"<p>The effect of each scenario against {_e(reference)} at each value of an assumption, on the same "
        f"seeds: the median paired difference and its interval ({_e(note)}). {_e(EXCLUDES_0)}.</p>"
    ]
    lines = across.dependence_lines(table)
    parts.append(
        "<ul>" + "".join(f"<li>{_e(line)}</li>" for line in lines) + "</ul>"
        if lines
        else "<p>No effect changes sign, or whether its interval excludes 0, with these values.</p>"
    )
    for (scenario, assumption), rows in table.groupby(level=["scenario", "assumption"], sort=False):
        parts.append(f"<h3>{_e(scenario)} against {_e(reference)} across {_e(assumption)}</h3>")
        parts.append(html_table(readable(rows.droplevel(["scenario", "assumption"])).reset_index(), index=False))
    for assumption in table.index.unique("assumption"):
        fig = plots.across_figure(table, assumption, across.headline(table), note)
        parts.append(html_figure(f"across_{assumption}", fig))
    return "\n".join(parts)


def write_across_report(groups: Mapping[tuple[str, Any], Sequence[ResultSet]], out: str | Path) -> Path:
    """The report of `airace compare --across`: the across section, then each scenario at each value."""
    labels = ", ".join(r.label for r in next(iter(groups.values())))
    title = f"AI Race Simulator: {labels} compared across assumptions"
    body = [f"<h1>{_e(title)}</h1>", "<h2>Effects at each value of the assumptions</h2>", across_section(groups)]
    return _write(_page(title, body), out)


def is_estimation_folder(path: str | Path) -> bool:
    """A folder `airace estimate` wrote: its manifest names the estimation it holds (a sweep's does not)."""
    manifest = Path(path) / "manifest.json"
    return manifest.is_file() and "estimation_hash" in json.loads(manifest.read_text(encoding="utf-8"))


def build_report(sources: Sequence[Any]) -> str:
    """The HTML text of the report on one or several results (folders, Results or ResultSets), or on one
    folder of `airace estimate`."""
    if len(sources) == 1 and isinstance(sources[0], str | Path) and is_estimation_folder(sources[0]):
        from analysis.estimation.page import estimation_body  # imports Optuna: only for an estimation

        return _page(*estimation_body(sources[0]))
    results = load_many(sources)
    if len(results) == 1:
        title = f"AI Race Simulator: {results[0].label}"
        body = [f"<h1>{_e(title)}</h1>", scenario_section(results[0])]
    else:
        labels = ", ".join(r.label for r in results)
        title = f"AI Race Simulator: {labels} compared"
        body = [f"<h1>{_e(title)}</h1>", "<h2>Comparison</h2>", comparison_section(results)]
        body += [html_figure(name, fig) for name, fig in plots.comparison_figures(results).items()]
        body += [scenario_section(r, titled=True) for r in results]
    return _page(title, body)


def _page(title: str, body: Sequence[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + '\n<p class="meta">Written by <code>airace report</code>. Figures are embedded: this file needs no '
        "network.</p>\n</body>\n</html>\n"
    )


def write_report(sources: Sequence[Any], out: str | Path) -> Path:
    """Write the report; the file is written whole to a temporary name, then renamed."""
    return _write(build_report(sources), out)


def _write(text: str, out: str | Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out
