"""Headline outcomes of a run, as numbers named with their unit: the rows of the report's table and of
`airace compare`'s paired effects."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis import metrics
from analysis.load import ResultSet
from simulation.measures import DAYS_AFTER_SHOCK, years_reached
from simulation.scenario import Breakthrough, Scenario


def run_outcomes(model: pd.DataFrame, spec: Scenario) -> dict[str, float]:
    """Headline outcomes of one run as numbers, named with their unit (the rows of the report's table)."""
    leader, laggard = spec.leader, spec.laggard
    out: dict[str, float] = {
        "gap at start (months)": float(model["gap_months"].iloc[0]),
    }
    scripted = [e for e in spec.events if isinstance(e, Breakthrough)]
    gaps = metrics.gap_at(model, [e.date for e in scripted])
    for event, gap in zip(scripted, gaps, strict=True):
        out[f"gap after {event.id}, {event.date} (months)"] = float(gap)
    for year, gap in metrics.end_of_year_gaps(model, spec.time.step_days).items():
        out[f"gap at end of {year} (months)"] = gap
    out["gap at end (months)"] = float(model["gap_months"].iloc[-1])
    out[f"months with {laggard} at or ahead of {leader}'s frontier"] = metrics.months_at_parity(model)
    for bloc, value in model.iloc[-1][[c for c in model.columns if c.startswith("frontier_capability_")]].items():
        out[f"frontier capability {bloc.removeprefix('frontier_capability_')} at end (log10 FLOP)"] = float(value)
    runs = metrics.frontier_training(model, "flop")
    costs = metrics.frontier_training(model, "cost_usd")
    for bloc in (leader, laggard):
        if bloc in runs:
            out[f"largest training run {bloc} at end (FLOP)"] = float(runs[bloc].iloc[-1])
            out[f"largest training run {bloc}, growth (x per year)"] = metrics.growth_per_year(runs[bloc])
        if bloc in costs:
            out[f"largest training run {bloc} at end, hardware cost (USD)"] = float(costs[bloc].iloc[-1])
            out[f"largest training run {bloc}, cost growth (x per year)"] = metrics.growth_per_year(costs[bloc])
    share = metrics.compute_share(model)
    if laggard in share:
        out[f"{laggard} share of compute at end (%)"] = 100 * float(share[laggard].iloc[-1])
    leaked = metrics.leaked_share(model)
    if laggard in leaked:
        out[f"{laggard} chips leaked past controls (% of its chips)"] = 100 * float(leaked[laggard])
    dates = model.set_index("date")
    shock = next((pd.Timestamp(e.attention_date or e.date) for e in scripted), None)
    for ticker in metrics.tickers(model):
        shock_result = metrics.shock_outcomes(dates[f"price_{ticker}"])
        out[f"{ticker} largest one-step fall (%)"] = 100 * shock_result["largest_one_step_fall"]
        out[f"{ticker} maximum drawdown (%)"] = 100 * shock_result["max_drawdown"]
        out[f"{ticker} days to win back half the drawdown"] = shock_result["recover_half_days"]
        out[f"{ticker} days to win back all the drawdown"] = shock_result["recover_all_days"]
        if shock is not None and dates.index[0] < shock <= dates.index[-1]:
            window = metrics.event_window_returns(model, shock, before=0, after=DAYS_AFTER_SHOCK)
            out[f"{ticker} return in the {DAYS_AFTER_SHOCK} days after {shock.date()} (%)"] = 100 * float(
                window[ticker].iloc[-1]
            )
    out["AI index at end (start = 100)"] = float(model["ai_index"].iloc[-1])
    return out


CHIP_DEMAND = (
    "chips delivered to ",
    "chip spend of ",
    "AI revenue of ",
    "rentals abroad of ",
    "revenue from ",
    "packaging used at ",
)
"""How the outcomes of `chip_demand` start: chips, chip spend and capex, and who in the chain is paid."""


def chip_demand(model: pd.DataFrame, spec: Scenario) -> dict[str, float]:
    """Chips delivered to each bloc (legal, leaked and rented abroad), all owners' chip spend, each bloc's
    owners' capex, each chipmaker's and supplier's AI revenue, a supplier's revenue from its `sales_bloc`, the
    clouds' rentals abroad and the foundry's packaging wafers used (a rate a month, times the months of each step)
    in each calendar year the run covers whole: whether a change raises or lowers chip demand, and who in the
    chain it pays.
    Outcomes of a comparison (`analysis.paired`), not of the report's table of one scenario."""
    dates = pd.DatetimeIndex(model["date"])
    years = [y for y in years_reached(dates[0], dates[-1], spec.time.step_days) if dates[0] <= pd.Timestamp(y, 1, 1)]
    flows = model.set_index("date").select_dtypes("number")
    yearly = flows.groupby(flows.index.year).sum()  # every column a flow is summed; levels are not read
    months = 12.0 * spec.time.step_days / 365.25  # what a rate a month of one step adds up to
    owners = {b.id: [f"capex_usd_{o.ticker or o.id}" for o in spec.owners if o.bloc == b.id] for b in spec.blocs}
    out: dict[str, float] = {}
    for year in years:
        row = yearly.loc[year]
        for bloc in metrics.blocs_with(model, "chips_legal_"):
            channels = [f"chips_{c}_{bloc}" for c in ("legal", "leaked", "rented")]
            out[f"chips delivered to {bloc} in {year} (chips)"] = float(row.reindex(channels).sum())
        out[f"chip spend of all owners in {year} (USD)"] = float(row["chip_spend_usd"])
        for bloc, columns in owners.items():
            if columns:
                out[f"capex of {bloc}'s owners in {year}, AI and base (USD)"] = float(row.reindex(columns).sum())
        for firm in (*spec.chipmakers, *spec.suppliers):  # who in the chain gains or loses, and how much
            if f"revenue_ai_usd_{firm.label}" in row.index:
                out[f"AI revenue of {firm.label} in {year} (USD)"] = float(row[f"revenue_ai_usd_{firm.label}"])
        for s in spec.suppliers:
            column = f"revenue_from_{s.sales_bloc}_usd_{s.label}"
            if s.sales_bloc is not None and column in row.index:
                out[f"revenue from {s.sales_bloc} of {s.label} in {year} (USD)"] = float(row[column])
        for s in spec.suppliers:
            column = f"packaging_used_wafers_per_month_{s.label}"
            if s.packaging is not None and column in row.index:
                out[f"packaging used at {s.label} in {year} (wafers)"] = float(row[column]) * months
        for owner in spec.owners:
            if f"rentals_abroad_usd_{owner.label}" in row.index:
                out[f"rentals abroad of {owner.label} in {year} (USD)"] = float(
                    row[f"rentals_abroad_usd_{owner.label}"]
                )
    return out


def outcome_table(result: ResultSet) -> pd.DataFrame:
    """Headline outcomes of each run (rows: seeds, columns: outcomes)."""
    rows = [run_outcomes(r.model, r.scenario) for r in result.runs]
    return pd.DataFrame(rows, index=pd.Index(result.seeds, name="seed"))


def outcome_summary(result: ResultSet) -> pd.DataFrame:
    """Median, 10th and 90th percentiles of each headline outcome over the replicates."""
    return metrics.summarise_replicates(outcome_table(result))[["q50", "q10", "q90"]]


def for_people(value: Any, outcome: str = "", digits: int = 3) -> str:
    """A number as a reader of a policy brief writes it, by the unit its outcome's name gives:
    1.89e28 FLOP as "1.9e28 FLOP", 3.585e9 USD as "$3.6B", 12,345.6 as "12,346", 0.01234 as "0.0123".
    A missing value says what it means: "not recovered" for a drawdown never won back, else "—". Numbers under
    100 keep `digits` significant figures."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return "not recovered" if "win back" in outcome else "—"
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
        return str(value)
    value = float(value)
    if not np.isfinite(value):
        return str(value)
    if "(USD)" in outcome:
        for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= size:
                amount = abs(value) / size
                return (
                    f"{'-' if value < 0 else ''}${amount:.1f}{suffix}"
                    if amount < 10
                    else (f"{'-' if value < 0 else ''}${amount:.0f}{suffix}")
                )
        return f"${value:,.0f}"
    if abs(value) >= 1e6:
        mantissa, exponent = f"{value:.1e}".split("e")
        return f"{mantissa}e{int(exponent)}" + (" FLOP" if "(FLOP)" in outcome else "")
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return f"{value:.{digits}g}"
