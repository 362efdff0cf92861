"""Figures of the race: one colour-blind-safe style, dates on time axes, units on every axis, events marked.

Every function takes plain data (model tables of replicates, event tables, DataFrames) and an
optional Axes, and returns the Figure, so figures compose. Figures are built with
`matplotlib.figure.Figure`, not pyplot: nothing needs a display, nothing is left open, and the
backend a notebook or script has chosen is left alone (saving uses Agg, or the SVG/PDF writers).
Series over replicates are drawn as fan charts: the median line, 25–75% and 10–90% bands.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import Affine2D

from analysis import metrics
from simulation.scenario.actors import SEGMENTS

if TYPE_CHECKING:
    from analysis.load import ResultSet
    from simulation.scenario import Scenario

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
EVENT_COLOUR = "#555555"
SIZE = (10.0, 5.6)  # 16:9, legible on a slide at full width

STYLE: dict[str, Any] = {
    "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.titleweight": "bold",
    "axes.labelsize": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 11,
    "legend.frameon": False,
    "lines.linewidth": 2.2,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "svg.fonttype": "none",
}

LOG_COLUMNS = ("compute_flops_", "chips_delivered_", "price_", "market_cap_usd_")  # drawn on log scales when compared

COLUMN_LABELS = {
    "gap_months": "gap (months)",
    "gap_capability": "gap (capability units)",
    "ai_index": "AI index (start = 100)",
    "frontier_capability": "capability (log10 effective FLOP)",
    "compute_flops": "compute (FLOP/s)",
    "chips_delivered": "chips delivered since the start, legal and leaked",
    "price": "share price (USD)",
    "market_cap_usd": "market cap (USD)",
}


def styled(plot: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw under the project's style without changing the caller's global matplotlib settings."""

    @functools.wraps(plot)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with matplotlib.rc_context(STYLE):
            return plot(*args, **kwargs)

    return wrapper


def colour(i: int) -> str:
    """The i-th colour of the palette: blocs and firms keep their colour across figures (scenario order)."""
    return OKABE_ITO[i % len(OKABE_ITO)]


def firm_colour(i: int) -> str:
    """Listed firms take colours after the blocs' three, so a firm is never mistaken for a bloc."""
    return colour(i + 3)


INDEX_COLOUR = OKABE_ITO[7]


def _axes(ax: Axes | None, size: tuple[float, float] = SIZE) -> tuple[Figure, Axes]:
    if ax is not None:
        fig = ax.figure
        return (fig if isinstance(fig, Figure) else fig.figure), ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _dates(ax: Axes, maxticks: int = 10) -> None:
    locator = mdates.AutoDateLocator(minticks=min(4, maxticks), maxticks=maxticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("date")


def _log_scale(ax: Axes) -> None:
    """Log y-axis with plain tick labels (200, 1e+03), not mathtext: as legible and five times faster to draw."""
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(mticker.LogFormatter())
    ax.yaxis.set_minor_formatter(mticker.LogFormatter(labelOnlyBase=False))


def fan(ax: Axes, table: pd.DataFrame, color: str, label: str, gid: str, scale: float = 1.0) -> Line2D:
    """Median line with 25–75% and 10–90% bands of the replicates (columns) of `table`; one column: a line."""
    bands = metrics.replicate_bands(table) * scale
    x = bands.index
    if table.shape[1] > 1:
        ax.fill_between(x, bands["q10"], bands["q90"], color=color, alpha=0.15, linewidth=0, gid=f"{gid}:q10-q90")
        ax.fill_between(x, bands["q25"], bands["q75"], color=color, alpha=0.3, linewidth=0, gid=f"{gid}:q25-q75")
    (line,) = ax.plot(x, bands["q50"], color=color, label=label, gid=f"{gid}:median")
    return line


LABEL_LINE_POINTS = 15.0  # room of one event's label on end: its line of type and its box
LABEL_GAP_POINTS = 3.0  # at least this between the labels of neighbouring events
LEGEND_WIDTH = 24  # characters on a line of a legend's label


def _fan_legend(ax: Axes, replicates: int) -> None:
    """The legend, with the fan's bands, outside the axes on the right: it never hides a line or an
    event's label, whatever the data do."""
    handles, labels = ax.get_legend_handles_labels()
    if replicates > 1:
        handles += [Patch(color="grey", alpha=0.45), Patch(color="grey", alpha=0.15)]
        labels += [f"25–75% of {replicates} runs", f"10–90% of {replicates} runs"]
    if handles:
        # A long label (a run made with overrides names them) wraps rather than squeezing the axes.
        labels = [textwrap.fill(label, LEGEND_WIDTH) for label in labels]
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)


def _title(ax: Axes, title: str, replicates: int) -> None:
    ax.set_title(title + (f" (median of {replicates} runs)" if replicates > 1 else ""), loc="left")


def mark_events(ax: Axes, events: pd.DataFrame | None, x: Callable[[pd.Timestamp], Any] = lambda d: d) -> None:
    """A dotted vertical line at each event's date with its label standing on end beside it.

    `events` has columns `date` and `label` (see analysis.load.marked_events); only events inside the
    current x-range are drawn. `x` maps a date to the axis' coordinate (days from an event, say). Each
    label is a text of its own; where close events' labels would touch, they stand side by side left of
    the last line of their group (`_EventLabels`), placed when the figure is drawn, on the axes' final width.
    """
    if events is None or events.empty:
        return
    lo, hi = sorted(ax.get_xlim())
    points = [(x(pd.Timestamp(d)), label) for d, label in zip(events["date"], events["label"], strict=True)]
    to_num = (lambda v: mdates.date2num(v)) if isinstance(points[0][0], pd.Timestamp) else float
    points = list(dict.fromkeys((v, label) for v, label in points if lo <= to_num(v) <= hi))
    placed = _EventLabels(ax, [to_num(v) for v, _ in points])
    for i, (v, label) in enumerate(points):
        ax.axvline(v, color=EVENT_COLOUR, linestyle=":", linewidth=1.3, gid=f"event:{label}")
        note = ax.annotate(
            label,
            xy=(0, 0),
            xycoords="figure pixels",
            xytext=(0, 0),
            textcoords=functools.partial(placed.spot, i),
            rotation=90,
            ha="right",
            va="top",
            fontsize=10,
            color=EVENT_COLOUR,
            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.7},
            gid="event-label",
        )
        note.set_in_layout(False)  # a long label must not shrink the axes; it is cut at the axes' edge instead
        note.set_clip_box(ax.bbox)
        note.set_clip_on(True)
    ax.set_xlim(lo, hi)


class _EventLabels:
    """Where each event's label stands, worked out as the figure is drawn (an Annotation's position may be
    a function of the renderer): labels stand on end, LABEL_LINE_POINTS apart, left of the last line of
    their group; neighbouring groups whose labels would come within LABEL_GAP_POINTS of each other merge."""

    def __init__(self, ax: Axes, xs: Sequence[float]):
        self.ax, self.xs = ax, list(xs)

    def spot(self, i: int, renderer: Any) -> Affine2D:
        """The transform that puts label `i`'s anchor (its top right) where it stands, in pixels."""
        pixels = renderer.points_to_pixels
        at = [self.ax.transData.transform((x, 0))[0] for x in self.xs]
        order = sorted(range(len(at)), key=at.__getitem__)
        step, gap = pixels(LABEL_LINE_POINTS), pixels(LABEL_GAP_POINTS)
        groups = [[k] for k in order]
        g = 1
        while g < len(groups):  # a group's labels span step each, ending at its last line
            if at[groups[g][-1]] - step * len(groups[g]) < at[groups[g - 1][-1]] + gap:
                groups[g - 1 : g + 1] = [groups[g - 1] + groups[g]]
                g = max(g - 1, 1)
            else:
                g += 1
        group = next(group for group in groups if i in group)
        right = at[group[-1]] - pixels(3) - step * (len(group) - 1 - group.index(i))
        return Affine2D().translate(right, self.ax.bbox.y1 - pixels(4))


# ---------------------------------------------------------------- capability and the gap


@styled
def frontier_by_bloc(
    models: Sequence[pd.DataFrame], events: pd.DataFrame | None = None, ax: Axes | None = None
) -> Figure:
    """Frontier capability of each bloc over time, as fan charts across replicates."""
    fig, ax = _axes(ax)
    for i, bloc in enumerate(metrics.blocs_with(models[0], "frontier_capability_")):
        table = metrics.replicate_table(list(models), f"frontier_capability_{bloc}")
        fan(ax, table, colour(i), bloc, gid=f"frontier:{bloc}")
    ax.set_ylabel("capability (log10 effective FLOP,\n2023 algorithms)")
    _dates(ax)
    mark_events(ax, events)
    _fan_legend(ax, len(models))
    _title(ax, "Frontier capability by bloc", len(models))
    return fig


def capability_parts(
    models: Sequence[pd.DataFrame], releases: pd.DataFrame | None = None, events: pd.DataFrame | None = None
) -> Figure:
    """Each bloc's frontier split in two (fan charts across replicates): above, its best model's pretrained
    base (solid) and the whole capability (dashed), with the bloc's releases of every replicate as dots;
    below, what post-training adds (reasoning or distillation, and breakthroughs since the base)."""
    fig = Figure(figsize=(SIZE[0], 9.0), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    for i, bloc in enumerate(metrics.blocs_with(models[0], "frontier_pretrained_")):
        fan(
            top,
            metrics.replicate_table(list(models), f"frontier_pretrained_{bloc}"),
            colour(i),
            f"{bloc} pretrained",
            gid=f"pretrained:{bloc}",
        )
        whole = metrics.replicate_table(list(models), f"frontier_capability_{bloc}").median(axis=1)
        top.plot(
            whole.index,
            whole,
            color=colour(i),
            linestyle="--",
            label=f"{bloc} with post-training",
            gid=f"capability:{bloc}",
        )
        fan(
            bottom,
            metrics.replicate_table(list(models), f"frontier_post_trained_{bloc}"),
            colour(i),
            bloc,
            gid=f"post_trained:{bloc}",
        )
        if releases is not None and not releases.empty:
            own = releases[releases["bloc"] == bloc]
            top.scatter(
                own["date"],
                own["capability"],
                s=6,
                color=colour(i),
                alpha=0.4,
                gid=f"releases:{bloc}",
                label=f"{bloc} releases",
            )
    top.set_ylabel("capability (log10 effective FLOP,\n2023 algorithms)")
    bottom.set_ylabel("added by post-training\n(capability)")
    for ax in (top, bottom):
        _dates(ax)
        mark_events(ax, events)
    _fan_legend(top, len(models))
    _fan_legend(bottom, len(models))
    _title(top, "Frontier by bloc: pretrained base and post-training", len(models))
    top.set_xlabel("")
    return fig


def _series_chart(
    models: Sequence[pd.DataFrame],
    lines: Mapping[str, tuple[str, str, str]],
    ylabel: str,
    title: str,
    events: pd.DataFrame | None,
    ax: Axes | None,
    scale: float = 1.0,
    log: bool = False,
    reference: float | None = None,
) -> Figure:
    """The common shape of the time-series figures: a fan per column, a labelled axis, events, legend, title.

    `lines` maps each line's gid to its column, legend label and colour.
    """
    fig, ax = _axes(ax)
    for gid, (column, label, color) in lines.items():
        fan(ax, metrics.replicate_table(list(models), column), color, label, gid=gid, scale=scale)
    if reference is not None:
        ax.axhline(reference, color="black", linewidth=0.8, gid="reference")
    if log:
        _log_scale(ax)
    ax.set_ylabel(ylabel)
    _dates(ax)
    mark_events(ax, events)
    _fan_legend(ax, len(models))
    _title(ax, title, len(models))
    return fig


@styled
def gap_over_time(
    models: Sequence[pd.DataFrame],
    events: pd.DataFrame | None = None,
    leader: str = "leader",
    laggard: str = "laggard",
    ax: Axes | None = None,
) -> Figure:
    """How many months the laggard trails the leader, with the events' dates marked; 0 is parity."""
    lines = {"gap": ("gap_months", f"{laggard} behind {leader}", colour(1))}
    return _series_chart(models, lines, "gap (months)", f"How far {laggard} trails {leader}", events, ax, reference=0)


# ---------------------------------------------------------------- valuations


@styled
def share_prices(
    models: Sequence[pd.DataFrame],
    events: pd.DataFrame | None = None,
    ax: Axes | None = None,
    breakthroughs: pd.DataFrame | None = None,
) -> Figure:
    """Share price of each listed firm (log scale: equal heights are equal percentage moves). With
    `breakthroughs` (`metrics.news` rows of every run, random ones included), a triangle at the foot of the
    axis marks each day markets met one, whether or not the scenario scripted it."""
    lines = {f"price:{t}": (f"price_{t}", t, firm_colour(i)) for i, t in enumerate(metrics.tickers(models[0]))}
    fig = _series_chart(models, lines, "share price (USD, log scale)", "Share prices", events, ax, log=True)
    if breakthroughs is not None and len(breakthroughs):
        ax = fig.axes[0] if ax is None else ax
        ax.plot(
            breakthroughs["seen"],
            np.full(len(breakthroughs), 0.03),
            linestyle="",
            marker="^",
            markersize=8,
            color=EVENT_COLOUR,
            transform=ax.get_xaxis_transform(),  # dates along x, a fixed height in the axes
            gid="breakthroughs",
            label="a breakthrough (in any run)",
        )
        _fan_legend(ax, len(models))
    return fig


@styled
def market_caps(models: Sequence[pd.DataFrame], events: pd.DataFrame | None = None, ax: Axes | None = None) -> Figure:
    """Market value of each listed firm, in billions of dollars (log scale)."""
    tickers = metrics.tickers(models[0])
    lines = {f"market_cap:{t}": (f"market_cap_usd_{t}", t, firm_colour(i)) for i, t in enumerate(tickers)}
    ylabel = "market cap (USD bn, log scale)"
    return _series_chart(models, lines, ylabel, "Market capitalisation", events, ax, scale=1e-9, log=True)


@styled
def ai_index(models: Sequence[pd.DataFrame], events: pd.DataFrame | None = None, ax: Axes | None = None) -> Figure:
    """Total market value of the listed firms relative to the start (= 100)."""
    lines = {"ai_index": ("ai_index", "AI index", INDEX_COLOUR)}
    ylabel = "AI index (start = 100, log scale)"
    return _series_chart(models, lines, ylabel, "AI equity index", events, ax, log=True, reference=100)


@styled
def markets(
    models: Sequence[pd.DataFrame], events: pd.DataFrame | None = None, breakthroughs: pd.DataFrame | None = None
) -> Figure:
    """Prices (with every run's breakthroughs marked), market caps and the AI index on one page, sharing
    the time axis."""
    fig = Figure(figsize=(SIZE[0], 12.0), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True)
    share_prices(models, events, ax=axes[0], breakthroughs=breakthroughs)
    market_caps(models, events, ax=axes[1])
    ai_index(models, events, ax=axes[2])
    for ax in axes[:2]:
        ax.set_xlabel("")
    return fig


@styled
def event_study(
    models: Sequence[pd.DataFrame],
    event: object,
    before: int = 5,
    after: int = 20,
    events: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Cumulative return of each listed firm and the AI index, `before` days before `event` to `after` days after;
    each label gives the market value lost on the day (the median over runs, where the runs record it)."""
    from analysis.outcomes import for_people

    fig, ax = _axes(ax)
    day = pd.Timestamp(event)
    windows = [metrics.event_window_returns(m, day, before, after) for m in models]
    for i, name in enumerate(windows[0].columns):
        table = pd.concat([w[name] for w in windows], axis=1, keys=range(len(windows)))
        color = INDEX_COLOUR if name == "ai_index" else firm_colour(i)
        label = "AI index" if name == "ai_index" else name
        column = "value_lost_usd" if name == "ai_index" else f"value_lost_usd_{name}"
        lost = [m.set_index("date")[column].get(day, np.nan) for m in models if column in m.columns]
        if lost and np.isfinite(np.median(lost)):
            label += f", {for_people(float(np.median(lost)), '(USD)')} lost on the day"
        line = fan(ax, table, color, label, gid=f"event_study:{name}", scale=100)
        line.set_marker("o" if len(table) <= 40 else "")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlim(-before - 0.5, after + 0.5)
    mark_events(ax, events, x=lambda d: (d - day).days)
    if events is None or not (events["date"] == day).any():
        ax.axvline(0, color=EVENT_COLOUR, linestyle=":", linewidth=1.3, gid="event:day 0")
    ax.set_xlabel(f"days from {day.date().isoformat()}")
    ax.set_ylabel("cumulative return (%)")
    _fan_legend(ax, len(models))
    _title(ax, f"Cumulative return around {day.date().isoformat()}", len(models))
    return fig


@styled
def largest_drops(causes: pd.DataFrame, ticker: str | None = None, ax: Axes | None = None) -> Figure:
    """The largest one-step fall of one listed firm (default: the first) in each run, a bar per run, each
    labelled with its date and the news markets met in the month before it (`metrics.fall_causes`, with a
    `seed` column): which event caused each fall, a scripted one or a random breakthrough."""
    ticker = ticker or str(causes["ticker"].iloc[0])
    rows = causes[causes["ticker"] == ticker].sort_values("seed").reset_index(drop=True)
    fig, ax = _axes(ax, (SIZE[0], max(2.4, 1.4 + 0.42 * len(rows))))
    y = np.arange(len(rows))[::-1]  # the first seed on top
    falls = rows["fall"].to_numpy() * 100
    colours = [firm_colour(0) if cause else EVENT_COLOUR for cause in rows["cause"]]
    ax.barh(y, falls, color=colours, height=0.6, gid=f"falls:{ticker}")
    names = [
        f"seed {seed}, {day.date()}: {cause or 'no news in the month before'}"
        for seed, day, cause in zip(rows["seed"], rows["date"], rows["cause"], strict=True)
    ]
    ax.set_yticks(y, names)
    ax.grid(axis="y", visible=False)
    for yi, value in zip(y, falls, strict=True):
        ax.annotate(f"{value:.0f}%", (value, yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=11)
    ax.set_xlim(0, max(falls.max(initial=0) * 1.15, 1))
    ax.set_xlabel("largest one-step fall of the share price (%)")
    ax.set_title(f"Largest one-step fall of {ticker} in each run, and the news before it", loc="left")
    return fig


@styled
def return_diagnostics(
    models: Sequence[pd.DataFrame], ticker: str, before: pd.Timestamp | None = None, lags: int = 20
) -> Figure:
    """The stylized facts of a listed firm's returns from row to row (daily in daily runs), pooled over the
    runs and taken before `before` (a shock, say): their distribution, standardised, against a normal on a
    log scale (fat tails lie above it), and the autocorrelation of returns (about 0) and of absolute returns
    (positive: volatility clusters), the median over runs at each lag."""
    fig = Figure(figsize=(SIZE[0], SIZE[1] * 0.9), layout="constrained")
    left, right = fig.subplots(1, 2)
    series = []
    for m in models:
        end = m["date"].iloc[-1] if before is None else before - pd.Timedelta(days=1)
        returns = metrics.daily_log_returns(m, ticker, m["date"].iloc[0], end)
        if len(returns) > 2 and returns.std() > 0:  # a run too short, or a price that never moved, shows nothing
            series.append(returns)
    if not series:
        left.set_title("Distribution of returns: too few to show", loc="left")
        return fig
    pooled = pd.concat([(r - r.mean()) / r.std() for r in series]).to_numpy()
    edges = np.linspace(-8, 8, 65)
    density, _ = np.histogram(pooled, bins=edges, density=True)
    centres = (edges[:-1] + edges[1:]) / 2
    left.semilogy(centres[density > 0], density[density > 0], "o", color=firm_colour(0), label=f"{ticker}, model")
    grid = np.linspace(-8, 8, 400)
    left.semilogy(grid, np.exp(-(grid**2) / 2) / math.sqrt(2 * math.pi), color="0.4", label="normal")
    left.set_ylim(max(density[density > 0].min(initial=1e-4) / 2, 1e-5), 1)
    left.set_xlabel("return, in standard deviations")
    left.set_ylabel("density (log scale)")
    left.legend(loc="upper right")
    left.set_title("Distribution of returns", loc="left")
    steps = np.arange(1, lags + 1)
    for values, label, style in ((lambda r: r, "returns", "o-"), (np.abs, "|returns|", "s-")):
        acf = np.median([[metrics.autocorrelation(values(r), k) for k in steps] for r in series], axis=0)
        right.plot(steps, acf, style, label=label, markersize=4)
    right.axhline(0, color="0.4", linewidth=1)
    right.set_xlabel("lag (rows)")
    right.set_ylabel("autocorrelation")
    right.legend(loc="upper right")
    right.set_title("Autocorrelation" + (f" (median of {len(models)} runs)" if len(models) > 1 else ""), loc="left")
    return fig


# ---------------------------------------------------------------- compute and chips


@styled
def compute_by_bloc(
    models: Sequence[pd.DataFrame], events: pd.DataFrame | None = None, ax: Axes | None = None
) -> Figure:
    """Labs' compute by bloc in FLOP/s, a fan per bloc on a log scale: a bloc with a tenth of the
    leader's compute is as plain to see as the leader (a stacked linear chart hid it)."""
    lines = {
        f"compute:{b}": (f"compute_flops_{b}", b, colour(i))
        for i, b in enumerate(metrics.blocs_with(models[0], "compute_flops_"))
    }
    return _series_chart(models, lines, "compute (FLOP/s, log scale)", "Compute by bloc", events, ax, log=True)


# Each channel of chips its line style and marker, each bloc its marker's fill: every line of the chip flows
# stays distinct in grey print, where the blocs' colours become like greys.
CHANNEL_STYLES = {
    "legal": ("-", "o"),
    "imported": ("-", "o"),
    "domestic": (":", "s"),
    "leaked": ("--", "^"),
    "rented abroad": ("-.", "D"),
}
BLOC_FILLS = ("full", "none", "top")


@styled
def chip_flows(models: Sequence[pd.DataFrame], freq: str = "QE", ax: Axes | None = None) -> Figure:
    """Chips delivered per quarter to each bloc: imported legally (solid, circles), made at home (dotted,
    squares), leaked past export controls (dashed, triangles) and rented in clouds abroad (dash-dot,
    diamonds); the first bloc's markers filled, the second's hollow. Results that do not record domestic
    chips show legal ones whole."""
    fig, ax = _axes(ax)
    flows = [metrics.chip_flows(m, freq) for m in models]
    blocs = metrics.blocs_with(models[0], "chips_legal_")  # scenario order, so each bloc keeps its colour

    def per_run(bloc: str, channel: str) -> pd.DataFrame:
        tables = [f[(f.bloc == bloc) & (f.channel == channel)].set_index("date")["chips"] for f in flows]
        return pd.concat(tables, axis=1, keys=range(len(flows)))

    for i, bloc in enumerate(blocs):
        legal, leaked = per_run(bloc, "legal"), per_run(bloc, "leaked")
        if f"chips_domestic_{bloc}" in models[0].columns:
            domestic = per_run(bloc, "domestic")
            channels = {"imported": legal - domestic, "domestic": domestic, "leaked": leaked}
        else:
            channels = {"legal": legal, "leaked": leaked}
        if f"chips_rented_{bloc}" in models[0].columns:
            channels["rented abroad"] = per_run(bloc, "rented")
        for channel, table in channels.items():
            if not table.to_numpy().any():
                continue
            line = fan(ax, table, colour(i), f"{bloc} {channel}", gid=f"chips:{bloc}:{channel}", scale=1e-3)
            style, marker = CHANNEL_STYLES[channel]
            line.set(linestyle=style, marker=marker, markersize=6, fillstyle=BLOC_FILLS[i % len(BLOC_FILLS)])
    ax.set_ylabel("chips delivered (thousands per quarter)" if freq == "QE" else f"chips (thousands per {freq})")
    _dates(ax)
    _fan_legend(ax, len(models))
    _title(ax, "Chip flows: imported, made at home, leaked, rented abroad", len(models))
    return fig


@styled
def compute_and_chips(models: Sequence[pd.DataFrame], events: pd.DataFrame | None = None) -> Figure:
    """Compute by bloc above the chip flows that built it, on one time axis."""
    fig = Figure(figsize=(SIZE[0], 10.0), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    compute_by_bloc(models, events, ax=axes[0])
    chip_flows(models, ax=axes[1])
    axes[0].set_xlabel("")
    return fig


@styled
def installed_compute(
    models: Sequence[pd.DataFrame],
    owners: Sequence[tuple[str, str]],
    blocs: Sequence[str],
    events: pd.DataFrame | None = None,
) -> Figure:
    """Installed compute by owner (`owners`: label and bloc), the median of the replicates on a log scale, each
    bloc's owners in its colour told apart by line style; below it, the largest cluster built for a lab in
    each bloc, in accelerators (fan charts)."""
    fig = Figure(figsize=(SIZE[0], 10.0), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    for i, bloc in enumerate(blocs):
        styles = itertools.cycle(["-", "--", ":", "-."])
        for label, owner_bloc in owners:
            column = f"installed_flops_{label}"
            if owner_bloc != bloc or column not in models[0].columns:
                continue
            median = metrics.replicate_table(list(models), column).median(axis=1)
            top.plot(
                median.index,
                median,
                color=colour(i),
                linestyle=next(styles),
                label=f"{label} ({bloc})",
                gid=f"installed:{label}",
            )
    _log_scale(top)
    top.set_ylabel("installed compute (FLOP/s, log scale)")
    _dates(top)
    mark_events(top, events)
    top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    _title(top, "Installed compute by owner", len(models))
    lines = {
        f"cluster:{b}": (f"largest_cluster_chips_{b}", b, colour(i))
        for i, b in enumerate(blocs)
        if f"largest_cluster_chips_{b}" in models[0].columns
    }
    _series_chart(
        models, lines, "accelerators (log scale)", "Largest cluster built for a lab", events, bottom, log=True
    )
    top.set_xlabel("")
    return fig


# ---------------------------------------------------------------- the supply chain

DESIGNERS, OWNERS = "chip designers", "platforms and clouds"
CHAIN_STYLES = (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"))  # lines of one panel read apart in grey print


def chain_panels(spec: Scenario) -> dict[str, list[tuple[str, list[str]]]]:
    """The supply-chain figure's panels for a scenario, each a list of lines: a line's label and the
    `revenue_ai_usd_<LABEL>` columns it sums. The chip designers (its chipmakers), each segment that has
    suppliers (in the chain's order, foundry to power), then the platforms and clouds: each owner with a
    ticker, and the owners without one summed as one line, so the panel stays readable."""

    def line(firm: Any) -> tuple[str, list[str]]:
        return firm.label, [f"revenue_ai_usd_{firm.label}"]

    panels = {DESIGNERS: [line(c) for c in spec.chipmakers]}
    for segment in SEGMENTS:
        firms = [line(s) for s in spec.suppliers if s.segment == segment]
        if firms:
            panels[segment] = firms
    listed, others = [o for o in spec.owners if o.ticker], [o for o in spec.owners if not o.ticker]
    owners = [line(o) for o in listed]
    if len(others) == 1:
        owners.append(line(others[0]))
    elif others:
        owners.append((f"the other {len(others)} owners, summed", [f"revenue_ai_usd_{o.label}" for o in others]))
    if owners:
        panels[OWNERS] = owners
    return panels


@styled
def supply_chain_revenue(
    models: Sequence[pd.DataFrame], panels: Mapping[str, Sequence[tuple[str, Sequence[str]]]], step_days: int
) -> Figure:
    """Each firm's AI revenue per calendar quarter (its per-step flows summed over the quarter's rows, in
    USD bn), a panel per segment of the chain (`panels`: see `chain_panels`; a line summing several columns
    sums them in each run first), the median of the replicates. Only quarters the runs cover whole are
    drawn (`metrics.quarterly_sums`), so a run's last, partial quarter does not read as a fall; lines whose
    columns the results lack (written before the chain) are left out, and panels left without a line."""
    present = {
        title: [(label, list(columns)) for label, columns in lines if set(columns) <= set(models[0].columns)]
        for title, lines in panels.items()
    }
    present = {title: lines for title, lines in present.items() if lines}
    columns = list(dict.fromkeys(c for lines in present.values() for _, cs in lines for c in cs))
    quarters = [metrics.quarterly_sums(m, columns, step_days) for m in models]
    wide = 2 if len(present) > 1 else 1
    rows = math.ceil(len(present) / wide)
    fig = Figure(figsize=(SIZE[0] * 1.1, 2.8 * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, wide, squeeze=False, sharex=True)
    for ax in axes.ravel()[len(present) :]:
        ax.set_visible(False)
    for k, (ax, (title, lines)) in enumerate(zip(axes.ravel(), present.items(), strict=False)):
        ax.set_gid(f"chain:{title}")
        for i, (label, cs) in enumerate(lines):
            table = pd.concat([q[cs].sum(axis=1) for q in quarters], axis=1, keys=range(len(quarters)))
            median = table.median(axis=1) * 1e-9
            style, marker = CHAIN_STYLES[i % len(CHAIN_STYLES)]
            ax.plot(
                median.index,
                median,
                color=firm_colour(i),
                linestyle=style,
                marker=marker,
                markersize=5,
                label=label,
                gid=f"chain:{title}:{label}",
            )
        ax.set_ylim(bottom=0)
        ax.set_ylabel("USD bn per quarter")
        ax.set_title(title, loc="left", fontsize=13)
        _dates(ax, maxticks=7)  # half a page wide
        below = k + wide
        if below < len(present):
            ax.set_xlabel("")
        else:
            ax.xaxis.set_tick_params(labelbottom=True)  # the lowest panel of its column, even above a blank cell
        labels = [textwrap.fill(label, LEGEND_WIDTH - 6) for label in ax.get_legend_handles_labels()[1]]
        ax.legend(ax.get_lines(), labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    replicates = f" (median of {len(models)} runs)" if len(models) > 1 else ""
    fig.suptitle(
        f"AI revenue by firm along the supply chain, per quarter{replicates}",
        x=0.01,
        ha="left",
        fontsize=15,
        fontweight="bold",
    )
    return fig


@styled
def foundry_packaging(
    models: Sequence[pd.DataFrame], label: str, events: pd.DataFrame | None = None, ax: Axes | None = None
) -> Figure:
    """The foundry's advanced-packaging capacity (`packaging_wafers_per_month_<label>`) and what of it was used
    (`packaging_used_wafers_per_month_<label>`: the customers outside the model's share and the designers'
    delivered chips), in thousand wafers a month: where the two meet, the packaging caps the leading chips."""
    lines = {
        "packaging:capacity": (f"packaging_wafers_per_month_{label}", "capacity", colour(0)),
        "packaging:used": (f"packaging_used_wafers_per_month_{label}", "used", colour(1)),
    }
    title = f"{label}'s advanced packaging (CoWoS), capacity and use"
    return _series_chart(models, lines, "thousand wafers a month", title, events, ax, scale=1e-3)


# ---------------------------------------------------------------- comparisons and sweeps


def column_label(column: str) -> str:
    """Axis label, with its unit, of a model.parquet column (`price_NVDA` -> share price (USD))."""
    if column in COLUMN_LABELS:
        return COLUMN_LABELS[column]
    for prefix, label in COLUMN_LABELS.items():
        if column.startswith(prefix + "_"):
            return f"{column.removeprefix(prefix + '_')} {label}"
    return column


@styled
def compare_scenarios(
    sets: Mapping[str, Sequence[pd.DataFrame]],
    column: str = "gap_months",
    events: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Figure:
    """One outcome over time for several scenarios (each a fan over its replicates); compute, chips,
    prices and market values on a log scale, where a scenario's tenfold difference shows as it is."""
    fig, ax = _axes(ax)
    for i, (label, models) in enumerate(sets.items()):
        fan(ax, metrics.replicate_table(list(models), column), colour(i), label, gid=f"compare:{label}")
    log = column.startswith(LOG_COLUMNS)
    if log:
        _log_scale(ax)
    ax.set_ylabel(column_label(column) + (" (log scale)" if log else ""))
    _dates(ax)
    mark_events(ax, events)
    _fan_legend(ax, max(len(m) for m in sets.values()))
    label = column_label(column)
    ax.set_title(f"{label[0].upper()}{label[1:]}: scenarios compared", loc="left")
    return fig


HEATMAP_CELLS = 12  # a swept parameter with more distinct values than this (LHS, Sobol) is binned...
HEATMAP_BINS = 6  # ...into this many bins


def design_bins(values: pd.Series, bins: int = HEATMAP_BINS) -> tuple[pd.Series, list[str]]:
    """A swept parameter's values as the heatmap's cells: each distinct value its own cell when there
    are at most HEATMAP_CELLS of them (a grid), else HEATMAP_BINS equal-width bins over their range (a
    sampled design, where every value is new), labelled by their bounds ("0.5–0.6"). Returns each run's
    cell number and the cells' labels."""
    distinct = np.sort(values.unique())
    if len(distinct) <= HEATMAP_CELLS:
        labels = [f"{v:.3g}" if isinstance(v, float | np.floating) else str(v) for v in distinct]
        return values.map({v: i for i, v in enumerate(distinct)}), labels
    edges = np.linspace(float(distinct[0]), float(distinct[-1]), bins + 1)
    cells = np.clip(np.searchsorted(edges, values.to_numpy(dtype=float), side="right") - 1, 0, bins - 1)
    labels = [f"{lo:.3g}–{hi:.3g}" for lo, hi in itertools.pairwise(edges)]
    return pd.Series(cells, index=values.index), labels


@styled
def sweep_heatmap(
    table: pd.DataFrame,
    x: str,
    y: str,
    outcome: str,
    ax: Axes | None = None,
    labels: Mapping[str, str] | None = None,
    valued: str = "",
) -> Figure:
    """An outcome over two swept parameters: the median over replicates and other parameters in each cell.

    `table` has one row per run, with parameter columns and outcome columns. A grid's values are its
    cells; a sampled design's values are binned (`design_bins`), so cells hold runs and labels stay apart.
    `labels` name the parameters' axes (the registry's, with units: `simulation.sweep.parameter_labels`);
    `valued` says when the outcome is measured ("on 2030-12-29": `simulation.sweep.valued_dates`).
    """
    labels = labels or {}
    fig, ax = _axes(ax, (SIZE[0] * 0.8, SIZE[1]))
    (columns, x_labels), (rows, y_labels) = design_bins(table[x]), design_bins(table[y])
    cells = pd.DataFrame({"row": rows, "column": columns, "value": table[outcome]})
    grid = cells.pivot_table(index="row", columns="column", values="value", aggfunc="median")
    grid = grid.reindex(index=range(len(y_labels)), columns=range(len(x_labels)))
    image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="cividis", gid="heatmap")
    ax.set_xticks(range(len(x_labels)), [label.replace("–", "–\n") for label in x_labels])  # a bin's bounds stacked
    ax.set_yticks(range(len(y_labels)), y_labels)
    threshold = np.nanmean(grid.to_numpy())
    for (r, c), value in np.ndenumerate(grid.to_numpy()):
        if np.isfinite(value):
            text_colour = "black" if value > threshold else "white"
            ax.text(c, r, f"{value:.3g}", ha="center", va="center", fontsize=10, color=text_colour)
    ax.grid(False)
    ax.set_xlabel(_wrapped(labels.get(x, x)))
    ax.set_ylabel(_wrapped(labels.get(y, y), 40))
    when = f" {valued}" if valued else ""
    fig.colorbar(image, ax=ax, label=f"{column_label(outcome)}{when} (median)")
    ax.set_title(f"{column_label(outcome)}{when}", loc="left")
    return fig


def _wrapped(text: str, width: int = 60) -> str:
    return "\n".join(textwrap.wrap(text, width))


@styled
def sensitivity_bars(indices: pd.DataFrame, output: str, ax: Axes | None = None, valued: str = "") -> Figure:
    """Sensitivity indices of `output` per parameter with confidence intervals (columns parameter, index,
    value, conf); an index without one (Morris's mu and sigma) is a bar alone. `valued` says when the output
    is measured ("on 2030-12-29").

    Parameters are sorted by their largest index, most influential on top.
    """
    kinds = list(dict.fromkeys(indices["index"]))
    wide = indices.pivot_table(
        index="parameter", columns="index", values=["value", "conf"], aggfunc="first", dropna=False
    )
    order = wide["value"].max(axis=1).sort_values().index
    height = 0.8 / len(kinds)
    fig, ax = _axes(ax, (SIZE[0], max(3.0, 0.5 * len(order) * max(1, len(kinds) / 2) + 1.5)))
    y = np.arange(len(order))
    for i, kind in enumerate(kinds):
        ax.barh(
            y + (i - (len(kinds) - 1) / 2) * height,
            wide["value"][kind].reindex(order),
            height=height,
            xerr=wide["conf"][kind].reindex(order),
            color=colour(i),
            label=kind,
            capsize=3,
            gid=f"sensitivity:{kind}",
        )
    ax.set_yticks(y, order)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("sensitivity index (bars: 95% confidence interval)")
    ax.set_ylabel("parameter")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    when = f" {valued}" if valued else ""
    ax.set_title(f"Sensitivity of {output}{when} to each parameter", loc="left")  # the dotted key the sweep kept
    return fig


# ---------------------------------------------------------------- every figure of a result


def figures_for(result: ResultSet) -> dict[str, Figure]:
    """Every figure that applies to one scenario's runs, by file name."""
    models, events, spec = result.models, result.marked_events, result.scenario
    figures = {
        "frontier_by_bloc": frontier_by_bloc(models, events),
        "gap_months": gap_over_time(models, events, leader=spec.leader, laggard=spec.laggard),
    }
    if any(c.startswith("frontier_pretrained_") for c in models[0].columns):
        figures["capability_parts"] = capability_parts(models, result.releases, events)
    if metrics.tickers(models[0]):
        figures["markets"] = markets(models, events, result.breakthroughs)
        shock = result.shock_date
        if shock is not None and models[0]["date"].iloc[0] < shock <= models[0]["date"].iloc[-1]:
            figures["event_study"] = event_study(models, shock, events=events)
        figures["largest_drop"] = largest_drops(result.fall_causes)
        before = shock if shock is not None and shock > models[0]["date"].iloc[0] else None
        figures["return_diagnostics"] = return_diagnostics(models, metrics.tickers(models[0])[0], before)
    figures["compute_and_chips"] = compute_and_chips(models, events)
    if any(c.startswith("installed_flops_") for c in models[0].columns):
        owners = [(o.label, o.bloc) for o in spec.owners]
        figures["installed_compute"] = installed_compute(models, owners, [b.id for b in spec.blocs], events)
    panels = chain_panels(spec)
    chain = [c for lines in panels.values() for _, cs in lines for c in cs if c in models[0].columns]
    if chain and len(metrics.quarterly_sums(models[0], chain[:1], spec.time.step_days)):  # a whole quarter
        figures["supply_chain_revenue"] = supply_chain_revenue(models, panels, spec.time.step_days)
    packagers = [s.label for s in spec.suppliers if f"packaging_wafers_per_month_{s.label}" in models[0].columns]
    if packagers:
        figures["foundry_packaging"] = foundry_packaging(models, packagers[0], events)
    return figures


def sweep_figures(
    runs: pd.DataFrame,
    parameters: Sequence[str],
    outcomes: Sequence[str],
    bins: int = 6,
    labels: Mapping[str, str] | None = None,
    valued: Mapping[str, str] | None = None,
) -> dict[str, Figure]:
    """Heatmaps of each outcome over each pair of swept parameters, by file name.

    `runs` has one row per run (a sweep's `read_runs`), failed runs already dropped. A parameter
    with more than 12 distinct values (LHS, Sobol and Morris designs) is cut into `bins` quantile
    bins labelled by their medians, so every design gives a readable grid. `labels` and `valued` (by
    outcome) as for `sweep_heatmap`.
    """
    table = runs.copy()
    for name in parameters:
        if table[name].nunique() > 12:
            groups = pd.qcut(table[name], bins, duplicates="drop")
            table[name] = table.groupby(groups, observed=True)[name].transform("median")
    figures = {}
    for outcome in outcomes:
        for i, x in enumerate(parameters):
            for y in parameters[i + 1 :]:
                name = file_stem(f"heatmap_{outcome}_by_{x}_and_{y}")
                when = (valued or {}).get(outcome, "")
                figures[name] = sweep_heatmap(table, x, y, outcome, labels=labels, valued=when)
    return figures


def comparison_figures(results: Sequence[ResultSet]) -> dict[str, Figure]:
    """Figures that put several scenarios' runs side by side on one outcome each: the gap, the laggard's
    frontier, compute and the chips it got, the first listed firm's share price and the AI index, each
    with the events of every scenario (`comparison_events`)."""
    laggard = results[0].scenario.laggard
    sets = {r.label: [_with_chips_delivered(m, laggard) for m in r.models] for r in results}
    first = metrics.tickers(results[0].models[0])
    columns = [
        "gap_months",
        f"frontier_capability_{laggard}",
        f"compute_flops_{laggard}",
        f"chips_delivered_{laggard}",
        *([f"price_{first[0]}"] if first else []),
        "ai_index",
    ]
    events = comparison_events(results)
    return {
        f"compare_{column}": compare_scenarios(sets, column, events)
        for column in columns
        if all(column in models[0].columns for models in sets.values())
    }


def _with_chips_delivered(model: pd.DataFrame, bloc: str) -> pd.DataFrame:
    """The model table with the chips the bloc got since the start, legal, leaked and rented abroad
    (`chips_delivered_<bloc>`)."""
    if f"chips_legal_{bloc}" not in model.columns:
        return model
    rented = model[f"chips_rented_{bloc}"] if f"chips_rented_{bloc}" in model.columns else 0.0
    total = (model[f"chips_legal_{bloc}"] + model[f"chips_leaked_{bloc}"] + rented).cumsum()
    return model.assign(**{f"chips_delivered_{bloc}": total})


def comparison_events(results: Sequence[ResultSet]) -> pd.DataFrame:
    """The events to mark when scenarios are compared: those every scenario has, as they are labelled,
    and those of one scenario only, labelled with its name ("BIS rule of Dec 2024 (strict_controls)")."""
    marked = [r.marked_events[["date", "label"]].assign(scenario=r.label) for r in results]
    every = pd.concat(marked, ignore_index=True)
    counts = every.groupby(["date", "label"])["scenario"].transform("nunique")
    every["label"] = every["label"].where(counts == len(results), every["label"] + " (" + every["scenario"] + ")")
    return every.drop_duplicates(["date", "label"]).sort_values("date", kind="stable")[["date", "label"]]


def paired_effects_figure(effects: Mapping[str, pd.DataFrame], prefix: str = "gap at end") -> Figure:
    """A forest plot of each scenario's paired effect (tables of `analysis.paired.paired_effects`) on the
    outcomes whose names start with `prefix`: the gap at the end of each year and at the end, by default.
    The dot is the median paired difference, the bar its interval; a filled dot, an interval excluding 0."""
    outcomes = list(dict.fromkeys(o for table in effects.values() for o in table.index if o.startswith(prefix)))
    height = max(3.0, 0.45 * len(outcomes) * max(1, len(effects)) + 1.5)
    fig, ax = _axes(None, (SIZE[0], min(height, 12.0)))
    offsets = np.linspace(-0.25, 0.25, len(effects)) if len(effects) > 1 else np.zeros(1)
    for k, (label, table) in enumerate(effects.items()):
        rows = table.reindex(outcomes)
        y = np.arange(len(outcomes)) + offsets[k]
        colour = OKABE_ITO[k % len(OKABE_ITO)]
        effect = rows.iloc[:, 0].to_numpy(dtype=float)
        low, high = rows["low"].to_numpy(dtype=float), rows["high"].to_numpy(dtype=float)
        ax.errorbar(effect, y, xerr=[effect - low, high - effect], fmt="none", ecolor=colour, capsize=3, lw=1.6)
        excludes = rows["interval excludes 0"].fillna(False).to_numpy(dtype=bool)
        ax.scatter(effect[excludes], y[excludes], color=colour, s=40, zorder=3, label=label)
        ax.scatter(effect[~excludes], y[~excludes], facecolor="white", edgecolor=colour, s=40, zorder=3)
    ax.axvline(0, color=EVENT_COLOUR, lw=1, ls=":")
    ax.set_yticks(np.arange(len(outcomes)), [o.removeprefix("gap ").removesuffix(" (months)") for o in outcomes])
    ax.invert_yaxis()
    seeds = {int(t["seeds"].max()) for t in effects.values() if len(t)}
    ax.set_xlabel(f"paired effect on the gap (months; median over {', '.join(map(str, sorted(seeds)))} seeds)")
    ax.set_title("Effect of each scenario on the gap, with its interval")
    ax.legend(loc="best", frameon=False)
    return fig


def across_figure(table: pd.DataFrame, assumption: str, outcomes: Sequence[str], note: str) -> Figure:
    """The paired effect on each of `outcomes` (a panel each) against the value of an assumption, from a table
    of `analysis.across.effects_across`: a dot for the median paired difference at each value, a bar for
    its interval (filled: the interval excludes 0), a line per compared scenario; `note` says what the
    intervals cover."""
    rows = table.xs(assumption, level="assumption")
    columns = min(3, len(outcomes))
    lines = math.ceil(len(outcomes) / columns)
    fig = Figure(figsize=(SIZE[0], 2.6 * lines + 1.0), layout="constrained")
    axes = fig.subplots(lines, columns, squeeze=False).ravel()
    for ax, outcome in zip(axes, outcomes, strict=False):
        for k, (label, effects) in enumerate(rows.xs(outcome, level="outcome").groupby(level="scenario", sort=False)):
            values = effects.index.get_level_values("value")
            x = values.to_numpy(dtype=float) if pd.api.types.is_numeric_dtype(values) else np.arange(len(values))
            effect = effects.iloc[:, 0].to_numpy(dtype=float)
            low, high = effects["low"].to_numpy(dtype=float), effects["high"].to_numpy(dtype=float)
            colour = OKABE_ITO[k % len(OKABE_ITO)]
            ax.errorbar(x, effect, yerr=[effect - low, high - effect], color=colour, capsize=3, lw=1.2, label=label)
            excludes = effects["interval excludes 0"].to_numpy(dtype=bool)
            ax.scatter(x[~excludes], effect[~excludes], facecolor="white", edgecolor=colour, s=30, zorder=3)
            ax.set_xticks(x, [str(v) for v in values])
        ax.axhline(0, color=EVENT_COLOUR, lw=1, ls=":")
        ax.set_title("\n".join(textwrap.wrap(outcome, 40)), fontsize="medium")
        ax.set_xlabel(assumption)
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle(f"Paired effect against {assumption}; {note}", fontsize="medium")
    return fig


# ---------------------------------------------------------------- an estimation's figures

PROFILE_BINS = 20  # cells of a parameter's prior range over which its profile takes the lowest distance


def _grid(panels: int, columns: int = 3) -> tuple[Figure, np.ndarray]:
    columns = min(columns, panels)
    rows = math.ceil(panels / columns)
    fig = Figure(figsize=(SIZE[0], 3.2 * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes[panels:]:
        ax.set_visible(False)
    return fig, axes


@styled
def estimate_marginals(
    evaluations: pd.DataFrame, intervals: pd.DataFrame, cut: float, logs: Mapping[str, bool] | None = None
) -> Figure:
    """Each parameter's distance profile over its prior range, a panel each: every evaluation as a dot, the
    lowest distance in each of PROFILE_BINS cells as a line, the interval's cut (best + `cut`, the estimation's
    `analysis.estimation.search.CUT`) and the interval it gives (shaded) with the best point. `evaluations`
    and `intervals` are an estimation's tables."""
    logs = logs or {}
    fig, axes = _grid(len(intervals))
    best = float(evaluations["distance"].min())
    for ax, row in zip(axes, intervals.itertuples(index=False), strict=False):
        name, log = row.parameter, bool(logs.get(row.parameter, False))
        x, y = evaluations[name].to_numpy(float), evaluations["distance"].to_numpy(float)
        ax.scatter(x, y, s=14, color=colour(0), alpha=0.6, gid=f"evaluations:{name}", label="evaluations")
        edges = (np.geomspace if log else np.linspace)(row.prior_lo, row.prior_hi, PROFILE_BINS + 1)
        cells = pd.Series(y).groupby(np.clip(np.digitize(x, edges) - 1, 0, PROFILE_BINS - 1)).min()
        middles = np.sqrt(edges[:-1] * edges[1:]) if log else (edges[:-1] + edges[1:]) / 2
        ax.plot(middles[cells.index], cells.to_numpy(), color=colour(1), gid=f"profile:{name}", label="profile")
        ax.axhline(best + cut, color=EVENT_COLOUR, ls=":", lw=1.2, gid=f"cut:{name}", label=f"cut: best + {cut:.2f}")
        ax.axvspan(row.lo, row.hi, color=colour(2), alpha=0.2, gid=f"interval:{name}", label="95% interval")
        ax.axvline(row.point, color=colour(2), lw=1.6, gid=f"point:{name}", label="best point")
        ax.set_xlim(row.prior_lo, row.prior_hi)
        if log:
            ax.set_xscale("log")
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_ylim(bottom=0.0)
        ax.set_xlabel(_wrapped(name, 35))
        ax.set_ylabel("distance")
    axes[0].legend(loc="best", fontsize="small")
    fig.suptitle("Distance over each parameter's prior range, with its 95% interval", fontsize="medium")
    return fig


@styled
def estimate_pairs(
    evaluations: pd.DataFrame, parameters: Sequence[str], cut: float, logs: Mapping[str, bool] | None = None
) -> Figure:
    """Every evaluated point in each pair of parameters (lower triangle), coloured by its distance above the
    best (closest drawn last, on top, in yellow; linear up to the interval's `cut`, logarithmic beyond): a
    ridge of yellow points is a pair that trades off."""
    logs = logs or {}
    points = evaluations.sort_values("distance", ascending=False)
    above = (points["distance"] - points["distance"].min()).to_numpy(float)
    norm = matplotlib.colors.SymLogNorm(linthresh=cut, vmin=0.0, vmax=max(float(above.max()), cut))
    pairs = list(itertools.combinations(parameters, 2)) or [(parameters[0], "distance")]
    side = max(1, len(parameters) - 1)
    fig = Figure(figsize=(min(SIZE[0], 3.4 * side + 1.5), 3.2 * side + 0.6), layout="constrained")
    grid = fig.subplots(side, side, squeeze=False)
    for i in range(side):
        for j in range(side):
            grid[i, j].set_visible(j <= i)
    image = None
    for x, y in pairs:
        ax = grid[parameters.index(y) - 1, parameters.index(x)] if y != "distance" else grid[0, 0]
        image = ax.scatter(points[x], points[y], c=above, cmap="viridis_r", norm=norm, s=16, gid=f"pair:{x}:{y}")
        ax.set_xlabel(_wrapped(x, 30))
        ax.set_ylabel(_wrapped(y, 30))
        if logs.get(x):
            ax.set_xscale("log")
        if logs.get(y):
            ax.set_yscale("log")
    fig.colorbar(image, ax=grid.ravel().tolist(), label="distance above the best")
    fig.suptitle("The evaluated points in each pair of parameters", fontsize="medium")
    return fig


@styled
def estimate_fit(fit: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Each target's miss before (the base point, open) and after (the best point, filled) in units of its
    scale, against its band around the observed value (0); fitted targets on top, predicted ones (past the
    cutoff) below the line and in another colour. `fit` is an estimation's fit.csv."""
    ordered = pd.concat([fit[fit["sample"] == "in-sample"], fit[fit["sample"] != "in-sample"]], ignore_index=True)
    fig, ax = _axes(ax, (SIZE[0], max(3.0, 0.5 * len(ordered) + 1.8)))
    y = np.arange(len(ordered))
    two_sided = np.isfinite(ordered["lo"]) & np.isfinite(ordered["hi"])
    half = np.where(two_sided, (ordered["hi"] - ordered["lo"]) / 2 / ordered["scale"], 0.0)
    ax.barh(y, 2 * half, left=-half, height=0.5, color="#cccccc", gid="band", label="band of the observed value")
    for k, sample in enumerate(("in-sample", "out-of-sample")):
        rows = ordered["sample"] == sample
        if not rows.any():
            continue
        tint = colour(k)
        label = "fitted" if sample == "in-sample" else "predicted (out of sample)"
        ax.scatter(
            ordered.loc[rows, "miss_before"], y[rows], facecolor="white", edgecolor=tint, s=50, zorder=3,
            gid=f"before:{sample}", label=f"{label}: before",
        )  # fmt: skip
        ax.scatter(ordered.loc[rows, "miss_after"], y[rows], color=tint, s=50, zorder=4, gid=f"after:{sample}",
                   label=f"{label}: after")  # fmt: skip
    fitted = int((ordered["sample"] == "in-sample").sum())
    if 0 < fitted < len(ordered):
        ax.axhline(fitted - 0.5, color=EVENT_COLOUR, lw=1, ls="--")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_yticks(y, [_wrapped(t, 40) for t in ordered["target"]])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("miss from the observed value (in the target's scale)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    ax.set_title("Each target before and after the estimation", loc="left")
    return fig


def estimation_figures(
    evaluations: pd.DataFrame,
    intervals: pd.DataFrame,
    fit: pd.DataFrame,
    cut: float,
    logs: Mapping[str, bool] | None = None,
) -> dict[str, Figure]:
    """An estimation's figures by file name: the marginals, the pairs and the fit."""
    return {
        "estimate_marginals": estimate_marginals(evaluations, intervals, cut, logs),
        "estimate_pairs": estimate_pairs(evaluations, list(intervals["parameter"]), cut, logs),
        "estimate_fit": estimate_fit(fit),
    }


def file_stem(name: str) -> str:
    """A name made safe for a file's stem: a dotted output (`compute_share_end.CN`) keeps its every part,
    so no suffix is mistaken for an extension and no two outputs share a file."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Write a figure; the format follows the file's suffix (png, svg, pdf)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(STYLE):
        fig.savefig(path)
    return path


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """A figure as the bytes of an image file, for embedding."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buffer, format=fmt)
    return buffer.getvalue()
