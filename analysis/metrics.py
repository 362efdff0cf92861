"""Metrics of the race, as pure functions over arrays and result tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

# The measures the model itself needs (the gap it records, the fall its summary gives) live in the core.
from simulation.measures import DAYS_PER_MONTH, largest_one_step_fall

# ---------------------------------------------------------------- columns of model.parquet

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def blocs_with(model: pd.DataFrame, prefix: str) -> list[str]:
    """Bloc ids (or tickers) that have a `<prefix><id>` column, in column order."""
    return [c.removeprefix(prefix) for c in model.columns if c.startswith(prefix)]


def tickers(model: pd.DataFrame) -> list[str]:
    """Listed firms of a run, from its `market_cap_usd_<TICKER>` columns (`price_` also starts
    `price_performance_flops_per_usd`)."""
    return blocs_with(model, "market_cap_usd_")


def _by_date(model: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return model.set_index("date")[columns]


# ---------------------------------------------------------------- the gap


def gap_over_time(model: pd.DataFrame) -> pd.Series:
    """The laggard's lag behind the leader in months, by date (positive: the laggard trails)."""
    return model.set_index("date")["gap_months"].rename("gap_months")


def gap_at(model: pd.DataFrame, dates: list) -> pd.Series:
    """The gap on the first row dated on or after each date (after it took effect); NaN past the last row."""
    gap = gap_over_time(model)
    when = pd.DatetimeIndex([pd.Timestamp(d) for d in dates])
    rows = gap.index.searchsorted(when, side="left")
    values = [float(gap.iloc[r]) if r < len(gap) else np.nan for r in rows]
    return pd.Series(values, index=when, name="gap_months")


def parity_date(model: pd.DataFrame) -> pd.Timestamp | None:
    """First date the laggard's frontier reaches the leader's (gap_capability <= 0), or None if it never does."""
    reached = model.loc[model["gap_capability"] <= 0, "date"]
    return None if reached.empty else pd.Timestamp(reached.iloc[0])


def months_at_parity(model: pd.DataFrame) -> float:
    """Months of the run (after row 0) in which the laggard's frontier stood at or above the leader's."""
    level = model["gap_capability"].iloc[1:] <= 0
    step_days = model["date"].diff().iloc[1:].dt.days
    return float(step_days[level].sum() / DAYS_PER_MONTH)


# ---------------------------------------------------------------- compute and chips


def compute_share(model: pd.DataFrame) -> pd.DataFrame:
    """Each bloc's share of all labs' compute (FLOP/s), by date; rows add up to 1 (NaN while there is none)."""
    blocs = blocs_with(model, "compute_flops_")
    compute = _by_date(model, [f"compute_flops_{b}" for b in blocs]).set_axis(blocs, axis=1)
    return compute.div(compute.sum(axis=1).replace(0, np.nan), axis=0)


def chip_flows(model: pd.DataFrame, freq: str | None = "QE") -> pd.DataFrame:
    """Chips delivered per bloc and channel (`legal`, `leaked`), summed per period of `freq` (None: per step).

    Long form (date, bloc, channel, chips); periods are labelled by their last day.
    """
    rows = []
    for channel in ("legal", "leaked"):
        blocs = blocs_with(model, f"chips_{channel}_")
        flows = _by_date(model, [f"chips_{channel}_{b}" for b in blocs]).set_axis(blocs, axis=1)
        if freq is not None:
            flows = flows.resample(freq).sum()
        long = flows.rename_axis(columns="bloc").stack().rename("chips").reset_index()
        long.insert(2, "channel", channel)
        rows.append(long)
    return pd.concat(rows, ignore_index=True).sort_values(["date", "bloc", "channel"], ignore_index=True)


def leaked_share(model: pd.DataFrame) -> pd.Series:
    """Share of each bloc's chips over the whole run that came past an export control (NaN if it got none)."""
    totals = chip_flows(model, freq=None).pivot_table(index="bloc", columns="channel", values="chips", aggfunc="sum")
    return (totals["leaked"] / (totals["legal"] + totals["leaked"]).replace(0, np.nan)).rename("leaked_share")


# ---------------------------------------------------------------- frontier training cost


def frontier_training(model: pd.DataFrame, measure: str = "flop") -> pd.DataFrame:
    """The largest finished run per bloc, by date: its physical FLOP (`measure="flop"`) or its
    amortised hardware cost (`measure="cost_usd"`).

    Zeros (no run finished yet) become NaN so they neither plot nor enter growth rates.
    """
    prefix = f"largest_run_{measure}_"
    blocs = blocs_with(model, prefix)
    runs = _by_date(model, [f"{prefix}{b}" for b in blocs]).set_axis(blocs, axis=1)
    return runs.where(runs > 0)


def growth_per_year(series: pd.Series) -> float:
    """Multiplicative growth a year of a positive series indexed by date (log-linear least squares).

    2.0 means the series doubles every year; NaN with fewer than two positive values or no time span.
    """
    values = series[series > 0].dropna()
    if len(values) < 2:
        return np.nan
    years = (values.index - values.index[0]) / pd.Timedelta(days=365.25)
    if np.ptp(years) == 0:
        return np.nan
    slope = np.polyfit(np.asarray(years, dtype=float), np.log(values.to_numpy(dtype=float)), 1)[0]
    return float(np.exp(slope))


# ---------------------------------------------------------------- valuations


def step_returns(model: pd.DataFrame) -> pd.DataFrame:
    """Simple return of each listed firm's share price and of the AI index from one row to the next, by date."""
    names = tickers(model)
    prices = _by_date(model, [f"price_{t}" for t in names]).set_axis(names, axis=1)
    prices["ai_index"] = model["ai_index"].to_numpy()
    return prices.pct_change().iloc[1:]


def event_window_returns(model: pd.DataFrame, event: object, before: int = 5, after: int = 20) -> pd.DataFrame:
    """Cumulative return of each firm and the AI index over the rows dated `before` days to `after` days
    around `event`, compounded from the last row before the window; indexed by days from the event.

    So the value at day d is the gain (negative: loss) of a holder who bought just before the window.
    """
    day = pd.Timestamp(event)
    returns = step_returns(model)
    offset = (returns.index - day).days
    window = returns[(offset >= -before) & (offset <= after)]
    cumulative = (1 + window).cumprod() - 1
    cumulative.index = pd.Index((window.index - day).days, name="days_from_event")
    return cumulative


def max_drawdown(prices: pd.Series) -> tuple[float, pd.Timestamp, pd.Timestamp]:
    """Largest fall from a running peak to a later trough, as a positive fraction, with the peak and trough dates."""
    peaks = prices.cummax()
    drawdown = 1 - prices / peaks
    trough = drawdown.idxmax()
    if drawdown.loc[trough] <= 0:
        return 0.0, prices.index[0], prices.index[0]
    peak = prices.loc[:trough].idxmax()
    return float(drawdown.loc[trough]), peak, trough


def recovery_days(prices: pd.Series, peak: object, trough: object, fraction: float) -> float:
    """Days from the trough until the price first wins back `fraction` of the drop from the peak (NaN: never)."""
    peak, trough = pd.Timestamp(peak), pd.Timestamp(trough)
    target = prices.loc[trough] + fraction * (prices.loc[peak] - prices.loc[trough])
    after = prices.loc[trough:]
    back = after.index[after >= target - 1e-12 * abs(target)]
    return float((back[0] - trough).days) if len(back) else np.nan


def shock_outcomes(prices: pd.Series) -> dict[str, float | pd.Timestamp]:
    """The drawdown of one price series and how long it took to win back half and all of it."""
    fall, row = largest_one_step_fall(prices.reset_index(drop=True))
    drawdown, peak, trough = max_drawdown(prices)
    return {
        "largest_one_step_fall": fall,
        "largest_one_step_fall_date": prices.index[row],
        "max_drawdown": drawdown,
        "drawdown_peak": peak,
        "drawdown_trough": trough,
        "recover_half_days": recovery_days(prices, peak, trough, 0.5) if drawdown > 0 else 0.0,
        "recover_all_days": recovery_days(prices, peak, trough, 1.0) if drawdown > 0 else 0.0,
    }


# ---------------------------------------------------------------- across replicates


def replicate_table(models: list[pd.DataFrame], column: str) -> pd.DataFrame:
    """One column of several replicates side by side: a row per date, a column per replicate."""
    return pd.concat([m.set_index("date")[column] for m in models], axis=1, keys=range(len(models)))


def replicate_bands(table: pd.DataFrame, quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
    """Percentiles across replicates (columns) on each row: columns `q10`, `q25`, `q50` (median), `q75`, `q90`."""
    bands = table.quantile(list(quantiles), axis=1).T
    bands.columns = [f"q{round(q * 100):02d}" for q in quantiles]
    return bands


def summarise_replicates(values: pd.DataFrame, quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
    """Median and percentile bands of each outcome (column) over replicates (rows): a row per outcome."""
    return replicate_bands(values.apply(pd.to_numeric, errors="coerce").T, quantiles)


def largest_falls(models: list[pd.DataFrame]) -> pd.DataFrame:
    """The largest one-step fall of each listed firm (columns) in each replicate (rows), as fractions."""
    return pd.DataFrame(
        [{t: largest_one_step_fall(m[f"price_{t}"])[0] for t in tickers(m)} for m in models],
        index=pd.RangeIndex(len(models), name="replicate"),
    )
