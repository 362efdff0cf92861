"""Measures of the race that the model records and a run's summary holds: the gap in months, compute
shares, chips past the controls, the largest training runs, falls and drawdowns of listed firms.

They are part of the core, pure functions of a run's model table (the model and the runner compute
them); `analysis.metrics` names the same functions for the report and the figures, so a headline
outcome in summary.json and in the report is one computation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.tech import DAYS_PER_YEAR

DAYS_PER_MONTH = DAYS_PER_YEAR / 12
DAYS_AFTER_SHOCK = 20  # the window of the return after a breakthrough reaches the markets


def months_since_reached(days: np.ndarray, frontier: np.ndarray, level: float, prestart_per_year: float) -> float:
    """How many months before the last day the frontier first stood at `level` (Epoch's definition of a lag).

    `frontier` is the leader's best capability on each of `days` (running maximum taken here).
    A level below the first recorded value is dated by extrapolating back at `prestart_per_year`
    capability units a year; a level the frontier never reached gives 0.
    """
    best = np.maximum.accumulate(np.asarray(frontier, dtype=float))
    if level > best[-1]:
        return 0.0
    if level <= best[0]:
        first_day = days[0] - (best[0] - level) / prestart_per_year * DAYS_PER_YEAR
    else:
        # The frontier rises in jumps, at releases: between two records, date a level by linear
        # interpolation in time, so the lag moves with the laggard's level instead of in whole intervals.
        records = np.concatenate(([0], np.flatnonzero(np.diff(best) > 0) + 1))
        first_day = float(np.interp(level, best[records], days[records]))
    return float((days[-1] - first_day) / DAYS_PER_MONTH)


def gap_months(days: np.ndarray, leader: np.ndarray, laggard: np.ndarray, prestart_per_year: float) -> float:
    """The laggard's lag behind the leader on the last day, in months; negative when the laggard leads."""
    if laggard[-1] <= np.max(leader):
        return months_since_reached(days, leader, float(laggard[-1]), prestart_per_year)
    return -months_since_reached(days, laggard, float(np.max(leader)), prestart_per_year)


def largest_one_step_fall(prices: pd.Series) -> tuple[float, int]:
    """The largest fall from one step to the next, as a positive fraction, and the row where it ends."""
    returns = prices.pct_change().iloc[1:]
    if returns.empty or returns.min() >= 0:
        return 0.0, 0
    row = int(np.argmin(returns.to_numpy())) + 1
    return float(-returns.iloc[row - 1]), row


# ---------------------------------------------------------------- columns of model.parquet


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


def months_at_parity(model: pd.DataFrame) -> float:
    """Months of the run (after row 0) in which the laggard's frontier stood at or above the leader's."""
    level = model["gap_capability"].iloc[1:] <= 0
    step_days = model["date"].diff().iloc[1:].dt.days
    return float(step_days[level].sum() / DAYS_PER_MONTH)


def years_reached(first: object, last: object, step_days: int) -> list[int]:
    """Years whose 31 December a run with rows from `first` to `last` reaches: after its first row, and
    before the step that would follow its last (a row holds for one step)."""
    first, reached = pd.Timestamp(first), pd.Timestamp(last) + pd.Timedelta(days=step_days)
    return [y for y in range(first.year, reached.year + 1) if first < pd.Timestamp(y, 12, 31) < reached]


def end_of_year_gaps(model: pd.DataFrame, step_days: int) -> dict[int, float]:
    """The gap in force on 31 December of each year the run reaches: that of the last row dated on or before it."""
    dates = pd.DatetimeIndex(model["date"])
    gaps = model["gap_months"].to_numpy(dtype=float)
    return {
        year: float(gaps[dates.searchsorted(pd.Timestamp(year, 12, 31), side="right") - 1])
        for year in years_reached(dates[0], dates[-1], step_days)
    }


# ---------------------------------------------------------------- compute and chips


def compute_share(model: pd.DataFrame) -> pd.DataFrame:
    """Each bloc's share of all labs' compute (FLOP/s), by date; rows add up to 1 (NaN while there is none)."""
    blocs = blocs_with(model, "compute_flops_")
    compute = _by_date(model, [f"compute_flops_{b}" for b in blocs]).set_axis(blocs, axis=1)
    return compute.div(compute.sum(axis=1).replace(0, np.nan), axis=0)


def chip_flows(model: pd.DataFrame, freq: str | None = "QE") -> pd.DataFrame:
    """Chips delivered per bloc and channel (`legal`, `leaked`, `rented` abroad, and `domestic`: the part
    of `legal` made by the bloc's own chipmakers; the last two in results that record them), summed per
    period of `freq` (None: per step).

    Long form (date, bloc, channel, chips); periods are labelled by their last day.
    """
    rows = []
    for channel in ("legal", "leaked", "rented", "domestic"):
        blocs = blocs_with(model, f"chips_{channel}_")
        if not blocs:
            continue  # results written before domestic (or rented) chips were recorded
        flows = _by_date(model, [f"chips_{channel}_{b}" for b in blocs]).set_axis(blocs, axis=1)
        if freq is not None:
            flows = flows.resample(freq).sum()
        long = flows.rename_axis(columns="bloc").stack().rename("chips").reset_index()
        long.insert(2, "channel", channel)
        rows.append(long)
    return pd.concat(rows, ignore_index=True).sort_values(["date", "bloc", "channel"], ignore_index=True)


def leaked_share(model: pd.DataFrame) -> pd.Series:
    """Share of each bloc's chips over the whole run that were smuggled past an export control, of all it
    got (legal, leaked and rented abroad; NaN if it got none)."""
    totals = chip_flows(model, freq=None).pivot_table(index="bloc", columns="channel", values="chips", aggfunc="sum")
    got = totals["legal"] + totals["leaked"] + totals.get("rented", 0.0)
    return (totals["leaked"] / got.replace(0, np.nan)).rename("leaked_share")


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


def trading_rows(model: pd.DataFrame) -> pd.DataFrame:
    """The rows whose prices could move: the first (the start's prices) and those of steps that held an exchange
    session (`sessions` above 0; every row of results written before the column)."""
    if "sessions" not in model:
        return model
    keep = model["sessions"].to_numpy() > 0
    keep[:1] = True
    return model[keep]


def step_returns(model: pd.DataFrame) -> pd.DataFrame:
    """Simple return of each listed firm's share price and of the AI index from one trading row to the next (a
    daily run's weekends and holidays left out: `trading_rows`), by date."""
    model = trading_rows(model)
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


def gap_at(model: pd.DataFrame, dates: list) -> pd.Series:
    """The gap on the first row dated on or after each date (after it took effect); NaN past the last row."""
    gap = model.set_index("date")["gap_months"]
    when = pd.DatetimeIndex([pd.Timestamp(d) for d in dates])
    rows = gap.index.searchsorted(when, side="left")
    values = [float(gap.iloc[r]) if r < len(gap) else np.nan for r in rows]
    return pd.Series(values, index=when, name="gap_months")
