"""Metrics of the race, as pure functions over arrays and result tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

# The measures of one run's model table live in the core, where the runner's summary takes them too (the
# gap it records, the fall, compute shares, training runs, drawdowns): one implementation, which analysis,
# the report and the figures name as `metrics.<name>`.
from simulation.measures import (
    blocs_with,
    chip_flows,
    compute_share,
    end_of_year_gaps,
    event_window_returns,
    frontier_training,
    gap_at,
    growth_per_year,
    largest_one_step_fall,
    leaked_share,
    max_drawdown,
    months_at_parity,
    recovery_days,
    shock_outcomes,
    step_returns,
    tickers,
    trading_rows,
)

__all__ = [
    "CAUSE_WINDOW_DAYS",
    "QUANTILES",
    "blocs_with",
    "chip_flows",
    "compute_share",
    "end_of_year_gaps",
    "event_window_returns",
    "fall_causes",
    "frontier_training",
    "gap_at",
    "gap_over_time",
    "growth_per_year",
    "largest_one_step_fall",
    "leaked_share",
    "max_drawdown",
    "months_at_parity",
    "news",
    "parity_date",
    "quarterly_sums",
    "recovery_days",
    "replicate_bands",
    "replicate_table",
    "shock_outcomes",
    "step_returns",
    "summarise_replicates",
    "tickers",
    "trading_rows",
]

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


# ---------------------------------------------------------------- the gap


def gap_over_time(model: pd.DataFrame) -> pd.Series:
    """The laggard's lag behind the leader in months, by date (positive: the laggard trails)."""
    return model.set_index("date")["gap_months"].rename("gap_months")


def parity_date(model: pd.DataFrame) -> pd.Timestamp | None:
    """First date the laggard's frontier reaches the leader's (gap_capability <= 0), or None if it never does."""
    reached = model.loc[model["gap_capability"] <= 0, "date"]
    return None if reached.empty else pd.Timestamp(reached.iloc[0])


# ---------------------------------------------------------------- across replicates


def replicate_table(models: list[pd.DataFrame], column: str) -> pd.DataFrame:
    """One column of several replicates side by side: a row per date, a column per replicate."""
    return pd.concat([m.set_index("date")[column] for m in models], axis=1, keys=range(len(models)))


def replicate_bands(table: pd.DataFrame, quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
    """Percentiles across replicates (columns) on each row: columns `q10`, `q25`, `q50` (median), `q75`, `q90`."""
    bands = table.quantile(list(quantiles), axis=1).T
    bands.columns = [f"q{round(q * 100):02d}" for q in quantiles]
    return bands


def quarterly_sums(model: pd.DataFrame, columns: list[str], step_days: int) -> pd.DataFrame:
    """Flow columns (an amount per step) summed over the rows dated in each calendar quarter the run covers
    whole: it starts on or before the quarter's first day, and its last row's step reaches the quarter's
    last day (as `ai_revenue_usd_by_year` counts years). A row per quarter, labelled by its last day."""
    sums = model.set_index("date")[columns].resample("QE").sum()
    first = model["date"].iloc[0]
    done = model["date"].iloc[-1] + pd.Timedelta(days=step_days)
    starts = sums.index.to_period("Q").start_time
    return sums[(starts >= first) & (sums.index < done)]


def summarise_replicates(values: pd.DataFrame, quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
    """Median and percentile bands of each outcome (column) over replicates (rows): a row per outcome."""
    return replicate_bands(values.apply(pd.to_numeric, errors="coerce").T, quantiles)


# ---------------------------------------------------------------- news and the falls it causes

CAUSE_WINDOW_DAYS = 30
"""A fall is put down to the latest news markets met in the 30 days up to it: investors act on news after
an attention lag of their own (a few days on average, `investors.attention_lag_days`), so news older than
a month has been acted on by nearly all of them."""


def news(events: pd.DataFrame) -> pd.DataFrame:
    """What markets learn, from one run's event log: every breakthrough (random or scripted) on the day
    markets meet it (a scripted one's attention date, else its own), and every rule change. Columns
    `seen` (date), `kind`, `actor`, `label` (a few words: `bytedance breakthrough (20x, closed)`) and `text`."""
    attention = events[events["kind"] == "attention"].set_index("subject")["date"]
    rows = events[events["kind"].isin(("breakthrough", "rule"))]
    seen = [
        attention.get(subject, day) if kind == "breakthrough" and subject else day
        for kind, subject, day in zip(rows["kind"], rows["subject"], rows["date"], strict=True)
    ]
    labels = [_news_label(**row) for row in rows[["kind", "actor", "subject", "channel", "value"]].to_dict("records")]
    out = pd.DataFrame(
        {
            "seen": pd.to_datetime(seen),
            "kind": rows["kind"],
            "actor": rows["actor"],
            "label": labels,
            "text": rows["text"],
        }
    )
    return out.sort_values("seen", kind="stable").reset_index(drop=True)


def _news_label(kind: str, actor: str, subject: str, channel: str, value: float) -> str:
    if kind == "breakthrough":
        weights = "open" if channel == "open_weights" else "closed"
        return f"{actor} breakthrough ({value:.3g}x, {weights})"
    return (
        f"{subject} ends" if channel == "end" else f"{subject}: {channel}" if channel != "start" else f"{subject} rule"
    )


def fall_causes(model: pd.DataFrame, events: pd.DataFrame, window_days: int = CAUSE_WINDOW_DAYS) -> pd.DataFrame:
    """The largest one-step fall of each listed firm in one run and the news behind it: a row per ticker
    with `fall` (a fraction), `date` (the row where the fall ends), and `cause`, `cause_seen` and
    `cause_text` of the latest news (`news`) markets met in the `window_days` up to that date; empty
    strings and NaT where there was none, so the fall came from trading alone. `value_lost_usd` is the
    market value the firm lost in that step and `value_lost_all_usd` what every listed firm lost in it
    together (NaN for results written before the model recorded value lost)."""
    told = news(events)
    rows = []
    for ticker in tickers(model):
        fall, row = largest_one_step_fall(model[f"price_{ticker}"])
        day = pd.Timestamp(model["date"].iloc[row])
        lost = (
            (float(model[f"value_lost_usd_{ticker}"].iloc[row]), float(model["value_lost_usd"].iloc[row]))
            if f"value_lost_usd_{ticker}" in model
            else (math.nan, math.nan)
        )
        recent = told[(told["seen"] <= day) & (told["seen"] > day - pd.Timedelta(days=window_days))]
        cause = recent.iloc[-1] if fall > 0 and len(recent) else None
        rows.append(
            {
                "ticker": ticker,
                "fall": fall,
                "date": day,
                "cause": "" if cause is None else cause["label"],
                "cause_seen": pd.NaT if cause is None else cause["seen"],
                "cause_text": "" if cause is None else cause["text"],
                "value_lost_usd": lost[0],
                "value_lost_all_usd": lost[1],
            }
        )
    return pd.DataFrame(rows)


def daily_log_returns(model: pd.DataFrame, ticker: str, start: str, end: str) -> pd.Series:
    """A listed firm's log returns from one trading row to the next (`trading_rows`: a daily run's sessions), for
    rows dated from `start` to `end`."""
    price = trading_rows(model).set_index("date")[f"price_{ticker}"]
    returns = np.log(price).diff().dropna()
    return returns.loc[pd.Timestamp(start) : pd.Timestamp(end)]


def autocorrelation(values: pd.Series | np.ndarray, lag: int) -> float:
    """Sample autocorrelation at `lag` (deviations from the whole sample's mean, over its whole variance)."""
    x = np.asarray(values, dtype=float)
    x = x - x.mean()
    return float((x[lag:] * x[:-lag]).sum() / (x * x).sum())
