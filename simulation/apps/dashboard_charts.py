"""What the dashboard's page shows, as plain data from the live model: the headline, the events so far in
plain words, and for each chart an ECharts option without data (made once) and its new points (sent at
each redraw). No Solara: `dashboard` puts these on the page, and `live_chart.vue` draws the charts.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import plots
from analysis.load import marked_events
from simulation.events import event_table
from simulation.model import AIRaceModel


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
    """The scripted events so far as [ISO date, label], for the charts' labelled vertical lines. Events
    closer than MARK_APART of the run to the one before share one label of a line each, on the last one's
    line (the others' are ""): at 1280x720 their labels would otherwise stand on each other."""
    log = event_table(events_so_far(model))
    if log.empty:
        return []
    marks = marked_events([log], model.spec)
    apart = (model.spec.time.end - model.spec.time.start) * MARK_APART
    days = [d.date() for d in marks["date"]]
    groups: list[list[int]] = []
    for i, day in enumerate(days):  # a label of n lines needs n times the room
        if groups and day - days[groups[-1][-1]] < apart * len(groups[-1]):
            groups[-1].append(i)
        else:
            groups.append([i])
    shown = [""] * len(days)
    for group in groups:
        shown[group[-1]] = "\n".join(dict.fromkeys(marks["label"].iloc[i] for i in group))
    return [[f"{d:%Y-%m-%d}", label] for d, label in zip(days, shown, strict=True)]


MARK_APART = 1 / 20  # of the run's length: closer events' labels are joined
MARK_FONT = 13  # px: an event's label, smaller than the charts' own text


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
        firms = [(f"price_{m.ticker}", m.ticker, plots.firm_colour(i)) for i, m in enumerate(model.equity.firms)]
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


def chart_layout(model: AIRaceModel, name: str, overlay: pd.DataFrame | None = None) -> dict[str, Any]:
    """An ECharts option without data: titles, axes (a time axis over the whole run, dates as 'Jan 2025'),
    and the series with their names and colours. With `overlay` (`overlay_frame`: another scenario's whole
    run), that run's lines too, with their data, dashed and faded, named in the legend by its scenario."""
    if name not in CHARTS:
        raise ValueError(f"unknown chart {name!r}; one of {', '.join(CHARTS)}")
    option = _base(name)
    if name == "moves":
        tickers = [m.ticker for m in model.equity.firms]
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
                "id": "moves",
                "name": "move",
                "label": {"show": True, "fontSize": FONT, "formatter": "{b}", "color": "#000"},
                "data": [],
            }
        ]
        option["tooltip"] = {"trigger": "item"}
        return option
    spec = model.spec
    names = [label for _, label, _ in _series_columns(model, name)]
    if overlay is not None:
        names.append(f"{overlay['scenario'].iloc[0]} (dashed)")
    option["legend"] = {"top": 30, "left": 4, "itemGap": 16, "textStyle": {"fontSize": FONT}, "data": names}
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
            "id": column,
            "name": label,
            "showSymbol": False,
            "lineStyle": {"width": 3, "type": "dashed" if column == "ai_index" else "solid"},
            "itemStyle": {"color": color},
            "data": [],
        }
        for column, label, color in _series_columns(model, name)
    ]
    # The events' vertical lines hang on the first series, each labelled on end beside it (`event_marks`).
    option["series"][0]["markLine"] = {
        "symbol": "none",
        "silent": False,
        "lineStyle": {"color": plots.EVENT_COLOUR, "type": "dotted", "width": 1.5},
        "label": {
            "position": "insideEndBottom",
            "formatter": "{b}",
            "fontSize": MARK_FONT,
            "lineHeight": MARK_FONT + 5,  # the lines of a shared label apart
            "color": plots.EVENT_COLOUR,
            "overflow": "truncate",  # at a width the browser sets: the plot's height (live_chart.vue)
        },
        "data": [],
    }
    if overlay is not None:
        option["series"] += _overlay_series(model, name, overlay)
        option["grid"]["top"] = 92  # the legend may take two rows
    return option


def _overlay_series(model: AIRaceModel, name: str, overlay: pd.DataFrame) -> list[dict[str, Any]]:
    """The overlay's lines (ids "overlay:..."; the live chart leaves their data alone), and a line without
    data that names the overlay's scenario in the legend."""
    scenario = str(overlay["scenario"].iloc[0])
    days = overlay["date"].dt.strftime("%Y-%m-%d").tolist()
    dashed = {"width": 2, "type": [8, 5], "opacity": 0.6}
    series = []
    for column, label, color in _series_columns(model, name):
        if column not in overlay.columns:
            continue
        values = overlay[column]
        if column.startswith("price_"):
            values = 100 * values / values.iloc[0]
        series.append(
            {
                "type": "line",
                "id": f"overlay:{column}",
                "name": f"{label} ({scenario})",
                "showSymbol": False,
                "lineStyle": dashed,
                "itemStyle": {"color": color},
                "data": [[d, round(float(v), 4)] for d, v in zip(days, values, strict=True)],
            }
        )
    key = {"color": plots.EVENT_COLOUR}
    return [
        *series,
        {
            "type": "line",
            "id": "overlay:key",
            "name": f"{scenario} (dashed)",
            "lineStyle": dashed,
            "itemStyle": key,
            "data": [],
        },
    ]


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
    for i, m in enumerate(model.equity.firms):
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
