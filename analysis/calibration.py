"""Calibration targets from ../shared/CALIBRATION.md, each measured on stored results.

A target names the scenario it is measured on, the public figure, its tolerance and its source, and
a function that reads the figure's counterpart from a run's Results. Nothing here feeds back into
the model: the targets judge outputs that emerge from the mechanisms.

Each target is fitted or predicted. A fitted target names the parameters (`fitted_by`, registry
names) that were set with that figure in view, or from the same public source: matching it tests
little. A predicted one names none: no input was set to meet it, so matching it is evidence.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.metrics import autocorrelation, daily_log_returns
from simulation.markets.exchange import TRADING_DAYS_PER_YEAR
from simulation.runner import Results
from simulation.tech import interconnect_factor

H800_FLOPS = 989e12  # dense BF16 FLOP/s of an H800 (same die as the H100)
H800_INTERCONNECT_GB_S = 400.0  # its NVLink, cut from the H100's 900 GB/s
RENTAL_USD_PER_GPU_HOUR = 2.0  # the price DeepSeek-V3's report uses


@dataclass(frozen=True)
class Target:
    name: str
    scenario: str
    figure: str
    unit: str
    lo: float
    hi: float
    source: str
    measure: Callable[[Results], float]
    fitted_by: tuple[str, ...] = ()  # the parameters set to meet it (registry names); none: predicted

    @property
    def basis(self) -> str:
        return "fitted" if self.fitted_by else "predicted"


def _at(series: pd.Series, day: str) -> float:
    """Value of a dated series on the last row at or before `day`."""
    return float(series.loc[: pd.Timestamp(day)].iloc[-1])


def _model(r: Results, column: str) -> pd.Series:
    return r.model.set_index("date")[column]


def value_on(r: Results, column: str, day: str) -> float:
    """A model column's value on the last row of a run dated at or before `day`."""
    return _at(_model(r, column), day)


def _agent(r: Results, agent: str, variable: str) -> pd.Series:
    a = r.agents
    return a[(a["agent_id"] == agent) & (a["variable"] == variable)].set_index("date")["value"]


def _growth_per_year(series: pd.Series, start: str, end: str) -> float:
    years = (pd.Timestamp(end) - pd.Timestamp(start)).days / 365.25
    return (_at(series, end) / _at(series, start)) ** (1 / years)


def frontier_compute_growth(bloc: str) -> Callable[[Results], float]:
    """Yearly growth of the bloc's largest training run, end of 2023 to end of 2025."""
    return lambda r: _growth_per_year(_model(r, f"largest_run_flop_{bloc}"), "2023-12-31", "2025-12-31")


def efficiency_halving_months(r: Results) -> float:
    """Months for the compute needed at fixed capability to halve, median over labs, 2023-2025."""
    rates = []
    for lab in r.scenario.labs:
        growth = _growth_per_year(_agent(r, lab.id, "efficiency"), "2023-01-01", "2025-12-31")
        rates.append(12 * math.log(2) / math.log(growth))
    return float(np.median(rates))


def fixed_capability_price_fall(r: Results) -> float:
    """How many times a year the price of a fixed level of capability falls, start to end of 2025: the
    level is the best model's at the start (GPT-3.5's), and its price on a day is the lowest price of a
    token among the labs whose capability has reached it (labs price service from serving cost, S5.1)."""
    price = _model(r, "fixed_capability_price_usd_per_mtok").dropna()
    return 1.0 / _growth_per_year(price, str(price.index[0].date()), "2025-12-31")


def price_performance_growth(r: Results) -> float:
    """Yearly growth of the best FLOP/s per dollar on offer, from a log-linear fit over the run."""
    series = _model(r, "price_performance_flops_per_usd")
    series = series[series > 0]
    years = (series.index - series.index[0]).days / 365.25
    slope = np.polyfit(years, np.log(series.to_numpy()), 1)[0]
    return float(math.exp(slope))


def training_cost_growth(r: Results) -> float:
    """Yearly growth of the cost of the largest US run, end of 2023 to end of 2027: the years over
    which Cottier et al. extrapolate their 2.4x a year to a $1B run."""
    return _growth_per_year(_model(r, "largest_run_cost_usd_US"), "2023-12-31", "2027-12-31")


def training_cost_2027(r: Results) -> float:
    return value_on(r, "largest_run_cost_usd_US", "2027-12-31")


def nvidia_revenue(start: str, end: str) -> Callable[[Results], float]:
    """NVIDIA's AI-chip revenue over a fiscal year."""
    return lambda r: (
        _at(_agent(r, "nvidia", "revenue_total_usd"), end) - _at(_agent(r, "nvidia", "revenue_total_usd"), start)
    )


PLATFORMS = ("MSFT", "GOOGL", "AMZN", "META")


def platforms_capex(year: str) -> Callable[[Results], float]:
    """Capex of Microsoft, Alphabet, Amazon and Meta together over a calendar year (AI and non-AI)."""
    return lambda r: float(
        sum(_model(r, f"capex_usd_{t}").loc[f"{year}-01-01" : f"{year}-12-31"].sum() for t in PLATFORMS)
    )


def mean_gap_2023_2025(r: Results) -> float:
    return float(_model(r, "gap_months").loc["2023-01-01":"2025-12-31"].mean())


def gap_change_2024(r: Results) -> float:
    """Change of the gap from the last quarter of 2023 to the last quarter of 2024 (quarter means,
    as releases make the gap jump)."""
    gap = _model(r, "gap_months")
    return float(gap.loc["2024-10-01":"2024-12-31"].mean() - gap.loc["2023-10-01":"2023-12-31"].mean())


def china_compute_ratio_early_2025(r: Results) -> float:
    """China's compute against the US's (peak 16-bit FLOP/s installed in each bloc) on 31 March 2025."""
    model = _model(r, "compute_flops_CN") / _model(r, "compute_flops_US")
    return _at(model, "2025-03-31")


def world_compute(r: Results) -> pd.Series:
    """Peak 16-bit FLOP/s installed in every bloc together."""
    columns = [c for c in r.model.columns if c.startswith("compute_flops_")]
    return r.model.set_index("date")[columns].sum(axis=1)


def world_compute_end_2024(r: Results) -> float:
    return _at(world_compute(r), "2024-12-31")


def world_compute_growth(r: Results) -> float:
    """Yearly growth of the world's installed compute, end of 2022 to end of 2024."""
    return _growth_per_year(world_compute(r), "2023-01-01", "2024-12-31")


def largest_cluster_h100e_2024(r: Results) -> float:
    """The largest US cluster built for a lab at the end of 2024, in H100s' peak FLOP/s (989 TFLOP/s)."""
    return value_on(r, "largest_cluster_flops_US", "2024-12-31") / 989e12


def run_ratio_us_cn_2024(r: Results) -> float:
    """The largest US run against China's largest, at the end of 2024."""
    return value_on(r, "largest_run_flop_US", "2024-12-31") / value_on(r, "largest_run_flop_CN", "2024-12-31")


def deepseek_leads_china_after_r1(r: Results) -> float:
    """Share of the days from 21 January to 31 March 2025 on which DeepSeek has China's best model."""
    cn = [lab.id for lab in r.scenario.labs if lab.bloc == "CN"]
    agents = r.agents[(r.agents["variable"] == "capability") & r.agents["agent_id"].isin(cn)]
    capability = agents.pivot(index="date", columns="agent_id", values="value").loc["2025-01-21":"2025-03-31"]
    return float((capability.idxmax(axis=1) == "deepseek").mean())


def smuggled_chips_2024(r: Results) -> float:
    """Controlled chips smuggled into China in 2024 that reached it (seized chips not counted)."""
    return float(_model(r, "chips_leaked_CN").loc["2024-01-01":"2024-12-31"].sum())


def ascend_output(year: int) -> Callable[[Results], float]:
    """Ascend chips Huawei made and sold in `year`."""

    def measure(r: Results) -> float:
        sold = _agent(r, "huawei", "units_sold_total")
        return _at(sold, f"{year}-12-31") - _at(sold, f"{year - 1}-12-31")

    measure.__name__ = f"ascend_output_{year}"
    return measure


ascend_output_2024 = ascend_output(2024)
ascend_output_2025 = ascend_output(2025)


def deepseek_v3_cost(r: Results) -> float:
    """DeepSeek's largest run by the end of 2024, in H800 GPU-hours at $2 an hour. The run's FLOP
    are counted after the interconnect penalty, so an H800-hour delivers that much less."""
    t = r.scenario.tech
    link = interconnect_factor(H800_INTERCONNECT_GB_S, t.interconnect_reference_gb_s, t.interconnect_exponent)
    h800 = H800_FLOPS * link
    flop = _at(_agent(r, "deepseek", "largest_run_flop"), "2024-12-31")
    hours = flop / (h800 * t.utilisation * 3600)
    return hours * RENTAL_USD_PER_GPU_HOUR


def nvidia_fall_on_attention_day(r: Results) -> float:
    """NVIDIA's one-day fall on 27 January 2025, when investors noticed DeepSeek-R1."""
    price = _model(r, "price_NVDA")
    day = pd.Timestamp("2025-01-27")
    before = price.loc[: day - pd.Timedelta(days=1)].iloc[-1]
    return float(1 - price.loc[day] / before)


PRE_2025 = ("2023-01-01", "2024-12-31")  # the stylized facts are measured on daily returns before the shock


def nvidia_returns(r: Results) -> pd.Series:
    return daily_log_returns(r.model, "NVDA", *PRE_2025)


def returns_autocorrelation(r: Results) -> float:
    return autocorrelation(nvidia_returns(r), 1)


def absolute_returns_autocorrelation(lag: int) -> Callable[[Results], float]:
    def measure(r: Results) -> float:
        return autocorrelation(nvidia_returns(r).abs(), lag)

    return measure


def excess_kurtosis(r: Results) -> float:
    return float(stats.kurtosis(nvidia_returns(r)))


def nvidia_volatility(r: Results) -> float:
    """NVIDIA's annualised volatility: the daily returns' standard deviation over the exchange's sessions (about
    252 a year, `TRADING_DAYS_PER_YEAR`), as realised volatility is quoted."""
    return float(nvidia_returns(r).std() * math.sqrt(TRADING_DAYS_PER_YEAR))


def common_factor(r: Results) -> float:
    """Correlation of NVIDIA's and AMD's daily returns."""
    return float(nvidia_returns(r).corr(daily_log_returns(r.model, "AMD", *PRE_2025)))


def market_value(ticker: str, day: str) -> Callable[[Results], float]:
    def measure(r: Results) -> float:
        return value_on(r, f"market_cap_usd_{ticker}", day)

    return measure


def ai_revenue(label: str, start: str, end: str) -> Callable[[Results], float]:
    """A firm's AI revenue (`revenue_ai_usd_<label>`) over the rows dated from `start` to `end`."""

    def measure(r: Results) -> float:
        return float(_model(r, f"revenue_ai_usd_{label}").loc[pd.Timestamp(start) : pd.Timestamp(end)].sum())

    return measure


def revenue_from(label: str, bloc: str, start: str, end: str) -> Callable[[Results], float]:
    """A supplier's revenue from its `sales_bloc` (`revenue_from_<BLOC>_usd_<label>`) over the rows dated from
    `start` to `end`."""

    def measure(r: Results) -> float:
        column = _model(r, f"revenue_from_{bloc}_usd_{label}")
        return float(column.loc[pd.Timestamp(start) : pd.Timestamp(end)].sum())

    return measure


def hbm_market_2024(r: Results) -> float:
    """What the model's accelerators paid for HBM in 2024: its memory makers' AI revenue over their shares."""
    memory = [s for s in r.scenario.suppliers if s.segment == "memory"]
    paid = sum(ai_revenue(s.label, "2024-01-01", "2024-12-31")(r) for s in memory)
    return paid / sum(s.market_share for s in memory)


def us_ai_electricity_share_2023(r: Results) -> float:
    """The US accelerators' electricity in 2023 (the bill at the scenario's price) against US utility-scale
    generation that year, 4,184 TWh (EIA)."""
    usd = float(_model(r, "electricity_usd_US").loc["2023-01-01":"2023-12-31"].sum())
    return usd / r.scenario.supply_chain.electricity_usd_per_mwh / 4.184e9


def efficiency_selloffs_before_2025(r: Results) -> float:
    """Share of the efficiency breakthroughs made public before 2025 on whose day, or the next (investors act
    within hours: `investors.attention_lag_days`), NVIDIA fell 5% or more in a day (0 when there was none)."""
    ev = r.events
    news = ev[(ev["kind"] == "breakthrough") & (ev["date"] < pd.Timestamp("2025-01-01"))]
    if news.empty:
        return 0.0
    returns = daily_log_returns(r.model, "NVDA", "2023-01-01", "2025-01-15")
    falls = [bool((returns.loc[day : day + pd.Timedelta(days=1)] <= math.log(0.95)).any()) for day in news["date"]]
    return float(np.mean(falls))


# The investors' parameters set with the stylized facts and the market values of 2023-2024 in view.
MARKET = tuple(
    f"investors.{k}"
    for k in (
        "sentiment_sd_per_year",
        "sentiment_halflife_days",
        "reversion_per_year",
        "trend_strength",
        "switching_intensity",
        "switching_rate_per_year",
        "revenue_news_interval_days",
    )
)
GROWTH = ("investors.growth_fade_years",)

# A target a row or two, its fields in the order of the calibration table (ruff would give each field a line).
# fmt: off
TARGETS = [
    Target(
        "US frontier compute growth", "baseline", "4-5x a year", "x/year", 3.5, 6.0,
        "Epoch AI (2024), training compute of frontier models", frontier_compute_growth("US"),
    ),
    Target(
        "China frontier compute growth", "baseline", "~3x a year", "x/year", 2.0, 4.5,
        "Epoch AI, in Stanford AI Index 2025", frontier_compute_growth("CN"),
    ),
    Target(
        "algorithmic efficiency halving time", "baseline", "~8 months", "months", 5.0, 14.0,
        "Ho et al. 2024, arXiv 2403.05812", efficiency_halving_months,
        fitted_by=("tech.efficiency_growth_per_year",),
    ),
    Target(
        "hardware price-performance growth", "baseline", "1.3-1.4x a year", "x/year", 1.3, 1.4,
        "Epoch AI hardware trends", price_performance_growth,
        fitted_by=("chips.R200.price_usd", "chips.N2028.price_usd"),
    ),
    Target(
        "world installed AI compute, end 2024", "baseline", "NVIDIA's ~4e21 FLOP/s, TPUs perhaps as much again",
        "FLOP/s", 3e21, 8e21, "Epoch AI, NVIDIA chip stock (Feb 2025)", world_compute_end_2024,
    ),
    Target(
        "growth of world installed AI compute, 2023-2024", "baseline", "2.3x (NVIDIA) to 3.3x (all) a year", "x/year",
        2.0, 4.1, "Epoch AI, NVIDIA chip stock (2025) and AI chip sales (2026)", world_compute_growth,
    ),
    Target(
        "largest training run, end 2023", "baseline", "Gemini 1.0 Ultra ~5e25 FLOP", "FLOP", 2.5e25, 1e26,
        "Epoch AI notable models (tolerance x2, ours)", lambda r: value_on(r, "largest_run_flop_US", "2023-12-31"),
    ),
    Target(
        "largest training run, end 2024", "baseline", "~5e25 FLOP (Claude 3.5 Sonnet, Llama 3.1 405B)", "FLOP",
        2.5e25, 1e26, "Epoch AI notable models (tolerance x2, ours)",
        lambda r: value_on(r, "largest_run_flop_US", "2024-12-31"),
    ),
    Target(
        "largest US run against China's, end 2024", "baseline", "about 2x (Grok 2 against Doubao-pro)", "ratio", 1.0,
        4.0, "Epoch AI, Chinese language models have scaled up more slowly (Jan 2025)", run_ratio_us_cn_2024,
    ),
    Target(
        "China's largest training run, end 2023", "baseline", "Qwen-72B ~1.3e24 (confident) to GLM-4 ~1.2e25",
        "FLOP", 1.3e24, 1.2e25, "Epoch AI notable models (docs/data/capability_levels.md, 2a)",
        lambda r: value_on(r, "largest_run_flop_CN", "2023-12-31"),
    ),
    Target(
        "China's largest training run, end 2024", "baseline", "Qwen2.5 7.8e24 (confident) to 3.6e25; Doubao ~2.5e25",
        "FLOP", 7.8e24, 3.6e25, "Epoch AI notable models and Jan 2025 insight (docs/data/capability_levels.md, 2a)",
        lambda r: value_on(r, "largest_run_flop_CN", "2024-12-31"),
    ),
    Target(
        "largest cluster, end 2024", "baseline", "~100k H100s (xAI Colossus, Meta)", "H100e", 5e4, 2e5,
        "xAI (Sep 2024); Meta Q3 2024 call (tolerance x2, ours)", largest_cluster_h100e_2024,
        fitted_by=("tech.site_power_mw", "tech.site_power_growth_per_year"),
    ),
    Target(
        "frontier training cost growth", "baseline", "~2.4x a year", "x/year", 2.0, 3.1,
        "Cottier et al. 2024, arXiv 2405.21015", training_cost_growth,
    ),
    Target(
        "largest training run cost by end 2027", "baseline", "over $1B", "USD", 1e9, math.inf,
        "Cottier et al. 2024, arXiv 2405.21015", training_cost_2027,
    ),
    Target(
        "NVIDIA data-centre revenue FY2024", "baseline", "$47.5B", "USD", 47.5e9 * 0.75, 47.5e9 * 1.25,
        "NVIDIA annual results (tolerance +-25%, ours)", nvidia_revenue("2023-01-29", "2024-01-28"),
    ),
    Target(
        "NVIDIA data-centre revenue FY2025", "baseline", "$115B", "USD", 115e9 * 0.75, 115e9 * 1.25,
        "NVIDIA annual results (tolerance +-25%, ours)", nvidia_revenue("2024-01-28", "2025-01-26"),
    ),
    Target(
        "AMD's data-centre GPU revenue, 2024", "baseline", "over $5B (MI300)", "USD", 5.0e9 * 0.75, 5.5e9 * 1.25,
        "AMD Q4 2024 results, 4 Feb 2025: data-centre GPU revenue 'exceeded $5 billion' (tolerance +-25% of "
        "$5-5.5B, ours)", ai_revenue("AMD", "2024-01-01", "2024-12-31"),
        fitted_by=("chipmakers.amd.capacity_growth_per_year",),
    ),
    Target(
        "capex of Microsoft, Alphabet, Amazon and Meta, 2023", "baseline", "$140-150B", "USD", 140e9 * 0.75,
        150e9 * 1.25, "the four companies' 10-K filings (tolerance +-25%)", platforms_capex("2023"),
    ),
    Target(
        "capex of Microsoft, Alphabet, Amazon and Meta, 2024", "baseline", "~$230B", "USD", 230e9 * 0.75,
        230e9 * 1.25, "the four companies' 10-K filings (tolerance +-25%)", platforms_capex("2024"),
    ),
    Target(
        "fall in the price of a fixed capability", "baseline", "~10x a year (9-900x by task)", "x/year", 9.0,
        900.0, "a16z, LLMflation (2024); Epoch AI, LLM inference prices (2025)", fixed_capability_price_fall,
    ),
    Target(
        "China's lag behind the US, mean 2023-2025", "baseline", "~7 months", "months", 4.0, 14.0,
        "Epoch Capabilities Index analysis", mean_gap_2023_2025,
    ),
    Target(
        "change of the gap during 2024", "baseline", "shrinks", "months", -math.inf, 0.0,
        "Stanford AI Index 2025", gap_change_2024,
    ),
    Target(
        "controlled chips smuggled into China in 2024", "baseline", "median ~140k", "chips", 1e4, 4e5,
        "CNAS, June 2025 (10k to several 100k)", smuggled_chips_2024,
    ),
    Target(
        "China's compute against the US's, early 2025", "baseline", "~15% against ~75% of the world's",
        "ratio", 0.1, 0.35, "Epoch AI, Trends in AI supercomputers (2025)", china_compute_ratio_early_2025,
    ),
    Target(
        "Ascend chips made in 2025", "baseline", "at most 200k", "chips", 0.0, 2e5,
        "BIS testimony, June 2025", ascend_output_2025,
    ),
    Target(
        "Ascend chips made in 2024", "baseline", "~200k (FT) to a 400-500k target (Chinese media)", "chips", 2e5, 5e5,
        "FT, 2024; Asia Times, Jun 2024 (docs/data/capability_levels.md, S7)", ascend_output_2024,
    ),
    Target(
        "DeepSeek has China's best model after R1 (share of days, 21 Jan-31 Mar 2025)", "deepseek_shock",
        "R1 the best Chinese model (Arena, Feb 2025)", "share", 0.5, 1.0,
        "LMSYS Chatbot Arena, 17-21 Feb 2025: R1 1361, Qwen2.5-Max 1332 (docs/data/capability_levels.md, 2c)",
        deepseek_leads_china_after_r1,
    ),
    Target(
        "DeepSeek's largest run by end 2024, at $2/H800-hour", "deepseek_shock", "$5.576M", "USD", 2.788e6, 11.15e6,
        "DeepSeek-V3 report, arXiv 2412.19437 (tolerance x2, ours)", deepseek_v3_cost,
        fitted_by=("labs.deepseek.training_share",),
    ),
    Target(
        "NVIDIA's daily returns, lag-1 autocorrelation 2023-2024", "deepseek_shock", "about 0", "1", -0.1, 0.1,
        "Cont 2001, Empirical properties of asset returns", returns_autocorrelation, fitted_by=MARKET,
    ),
    Target(
        "volatility clustering: autocorrelation of |returns| at lag 1", "deepseek_shock", ">= 0.1", "1", 0.1,
        1.0, "Cont 2001", absolute_returns_autocorrelation(1), fitted_by=MARKET,
    ),
    Target(
        "volatility clustering: autocorrelation of |returns| at lag 10", "deepseek_shock", "> 0", "1", 0.0, 1.0,
        "Cont 2001", absolute_returns_autocorrelation(10), fitted_by=MARKET,
    ),
    Target(
        "fat tails: excess kurtosis of NVIDIA's daily returns", "deepseek_shock", "2-20", "1", 2.0, 20.0,
        "Cont 2001", excess_kurtosis, fitted_by=MARKET,
    ),
    Target(
        "NVIDIA's volatility 2023-2024", "deepseek_shock", "about 50% a year", "1/year", 0.35, 0.70,
        "exchange prices (realised about 50%)", nvidia_volatility, fitted_by=MARKET,
    ),
    Target(
        "a common factor: correlation of NVIDIA's and AMD's daily returns", "deepseek_shock", "positive", "1", 0.0,
        1.0, "Cont 2001; exchange prices", common_factor, fitted_by=("investors.sentiment_factor_share",),
    ),
    *[
        Target(
            f"{name}'s market value, end {year}", "deepseek_shock", figure, "USD", value * 0.65, value * 1.35,
            "exchange closing prices (tolerance +-35%)", market_value(ticker, f"{year}-12-31"), fitted_by=GROWTH,
        )
        for name, ticker, year, value, figure in (
            ("NVIDIA", "NVDA", 2023, 1.2e12, "~$1.2T"),
            ("NVIDIA", "NVDA", 2024, 3.3e12, "~$3.3T"),
            ("AMD", "AMD", 2023, 240e9, "~$240B"),
            ("AMD", "AMD", 2024, 195e9, "~$195B"),
        )
    ],
    Target(
        "efficiency breakthroughs before 2025 followed by a 5% fall of NVIDIA", "deepseek_shock",
        "most brought none", "share", 0.0, 0.49, "exchange prices: no sell-off on the open-weights releases "
        "and price cuts of 2023-2024", efficiency_selloffs_before_2025,
    ),
    Target(
        "Broadcom's AI revenue, fiscal 2024", "baseline", "$12.2B (custom accelerators and networking)", "USD",
        12.2e9 * 0.75, 12.2e9 * 1.25, "Broadcom Q4 fiscal 2024 results, 12 Dec 2024 (tolerance +-25%, ours)",
        ai_revenue("AVGO", "2023-11-01", "2024-10-31"),
    ),
    Target(
        "TSMC's AI-accelerator revenue, 2024", "baseline", "'mid-teens' % of $90.1B", "USD", 0.12 * 90.1e9,
        0.16 * 90.1e9, "TSMC Q4 2024 earnings call, 16 Jan 2025 (mid-teens read as 12-16%)",
        ai_revenue("TSM", "2024-01-01", "2024-12-31"),
    ),
    *[
        Target(
            f"TSMC's CoWoS capacity, end {year}", "baseline", figure, "wafers/month", lo, hi,
            "TrendForce; TSMC calls (capacity more than doubled in 2024 and again in 2025)",
            lambda r, day=f"{year}-12-31": value_on(r, "packaging_wafers_per_month_TSM", day),
            fitted_by=("suppliers.tsmc.packaging.growth_max_per_year",),
        )
        for year, figure, lo, hi in (
            (2024, "~35-40k wafers a month", 35e3 * 0.8, 40e3 * 1.2),
            (2025, "~75-80k wafers a month", 75e3 * 0.8, 80e3 * 1.2),
        )
    ],
    Target(
        "ASML's sales to China, 2024", "baseline", "EUR10.2B (36.1% of its sales), ~$11.0B at ~1.08 a euro",
        "USD", 11.0e9 * 0.75, 11.0e9 * 1.25, "ASML Annual Report 2024, via the South China Morning Post "
        "(tolerance +-25%, ours)", revenue_from("ASML", "CN", "2024-01-01", "2024-12-31"),
    ),
    Target(
        "HBM bought for AI accelerators, 2024", "baseline", "$12B (Epoch AI) to $16-17B (Micron, TrendForce)",
        "USD", 12e9 * 0.75, 17e9 * 1.25, "Epoch AI; Micron FQ1-25 call (TAM $16B); TrendForce (tolerance +-25% "
        "beyond the estimates, ours)", hbm_market_2024,
    ),
    Target(
        "US AI accelerators' share of US electricity, 2023", "baseline", "below data centres' 4.4% (176 TWh)",
        "fraction", 0.0, 0.044, "Lawrence Berkeley National Laboratory, Dec 2024; EIA (4,184 TWh)",
        us_ai_electricity_share_2023,
    ),
    Target(
        "NVIDIA's fall on 27 Jan 2025", "deepseek_shock", "16.9%", "fraction", 0.12, 0.22,
        "Reuters/LSEG; Bloomberg (tolerance +-5 points, ours)", nvidia_fall_on_attention_day,
        fitted_by=("investors.jevons_belief_mean",),
    ),
]
# fmt: on


def scenarios() -> list[str]:
    """The scenarios the targets are measured on, in order."""
    return list(dict.fromkeys(t.scenario for t in TARGETS))


def evaluate(runs: dict[str, list[Results]]) -> pd.DataFrame:
    """One row per target: the model's median over the runs, its 10-90% range, and pass or fail."""
    rows = []
    for t in TARGETS:
        values = np.array([t.measure(r) for r in runs[t.scenario]])
        median = float(np.median(values))
        rows.append(
            {
                "target": t.name,
                "scenario": t.scenario,
                "figure": t.figure,
                "unit": t.unit,
                "lo": t.lo,
                "hi": t.hi,
                "median": median,
                "p10": float(np.percentile(values, 10)),
                "p90": float(np.percentile(values, 90)),
                "seeds": len(values),
                "passed": bool(t.lo <= median <= t.hi),
                "basis": t.basis,
                "fitted_by": ", ".join(t.fitted_by),
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


def _fmt(value: float, unit: str) -> str:
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    if unit == "USD":
        return f"${value / 1e9:.2f}B" if abs(value) >= 1e8 else f"${value / 1e6:.2f}M"
    if unit == "chips":
        return f"{value / 1e3:.0f}k"
    if unit == "fraction":
        return f"{value:.1%}"
    if abs(value) >= 1e5:
        return f"{value:.3g}"
    return f"{value:.2f}"


def table(frame: pd.DataFrame, markdown: bool = False) -> str:
    """The calibration table as plain text or Markdown."""
    header = ["target", "basis", "source", "public figure", "tolerance", "model median", "10-90%", "result"]
    rows = [
        [
            r.target,
            r.basis,
            r.source,
            r.figure,
            f"{_fmt(r.lo, r.unit)} to {_fmt(r.hi, r.unit)}",
            _fmt(r.median, r.unit),
            f"{_fmt(r.p10, r.unit)} to {_fmt(r.p90, r.unit)}",
            "pass" if r.passed else "FAIL",
        ]
        for r in frame.itertuples()
    ]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in [header, *rows])


# The last day of what each target measures: before it, the figure could not be known. An estimation
# fits the targets dated up to its cutoff and predicts the others (`analysis.estimation`).
DATES = {
    "US frontier compute growth": "2025-12-31",
    "China frontier compute growth": "2025-12-31",
    "algorithmic efficiency halving time": "2025-12-31",
    "hardware price-performance growth": "2025-12-31",  # fitted over the run; the public trend is to date
    "world installed AI compute, end 2024": "2024-12-31",
    "growth of world installed AI compute, 2023-2024": "2024-12-31",
    "largest training run, end 2023": "2023-12-31",
    "largest training run, end 2024": "2024-12-31",
    "largest US run against China's, end 2024": "2024-12-31",
    "China's largest training run, end 2023": "2023-12-31",
    "China's largest training run, end 2024": "2024-12-31",
    "largest cluster, end 2024": "2024-12-31",
    "frontier training cost growth": "2027-12-31",
    "largest training run cost by end 2027": "2027-12-31",
    "NVIDIA data-centre revenue FY2024": "2024-01-28",
    "NVIDIA data-centre revenue FY2025": "2025-01-26",
    "AMD's data-centre GPU revenue, 2024": "2024-12-31",
    "capex of Microsoft, Alphabet, Amazon and Meta, 2023": "2023-12-31",
    "capex of Microsoft, Alphabet, Amazon and Meta, 2024": "2024-12-31",
    "fall in the price of a fixed capability": "2025-12-31",
    "China's lag behind the US, mean 2023-2025": "2025-12-31",
    "change of the gap during 2024": "2024-12-31",
    "controlled chips smuggled into China in 2024": "2024-12-31",
    "China's compute against the US's, early 2025": "2025-03-31",
    "Ascend chips made in 2025": "2025-12-31",
    "Ascend chips made in 2024": "2024-12-31",
    "DeepSeek has China's best model after R1 (share of days, 21 Jan-31 Mar 2025)": "2025-03-31",
    "DeepSeek's largest run by end 2024, at $2/H800-hour": "2024-12-31",
    "NVIDIA's daily returns, lag-1 autocorrelation 2023-2024": "2024-12-31",
    "volatility clustering: autocorrelation of |returns| at lag 1": "2024-12-31",
    "volatility clustering: autocorrelation of |returns| at lag 10": "2024-12-31",
    "fat tails: excess kurtosis of NVIDIA's daily returns": "2024-12-31",
    "NVIDIA's volatility 2023-2024": "2024-12-31",
    "a common factor: correlation of NVIDIA's and AMD's daily returns": "2024-12-31",
    "NVIDIA's market value, end 2023": "2023-12-31",
    "NVIDIA's market value, end 2024": "2024-12-31",
    "AMD's market value, end 2023": "2023-12-31",
    "AMD's market value, end 2024": "2024-12-31",
    "efficiency breakthroughs before 2025 followed by a 5% fall of NVIDIA": "2024-12-31",
    "NVIDIA's fall on 27 Jan 2025": "2025-01-27",
    "Broadcom's AI revenue, fiscal 2024": "2024-10-31",
    "TSMC's AI-accelerator revenue, 2024": "2024-12-31",
    "ASML's sales to China, 2024": "2024-12-31",
    "TSMC's CoWoS capacity, end 2024": "2024-12-31",
    "TSMC's CoWoS capacity, end 2025": "2025-12-31",
    "HBM bought for AI accelerators, 2024": "2024-12-31",
    "US AI accelerators' share of US electricity, 2023": "2023-12-31",
}


def measure_targets(results: Results, names: list[str]) -> dict[str, float]:
    """The named targets measured on one run (NaN where the run has no value): what an estimation's
    evaluations record, through the sweep executors (`Chunk.measure`)."""
    by_name = {t.name: t for t in TARGETS}
    out = {}
    for name in names:
        try:
            out[name] = float(by_name[name].measure(results))
        except (KeyError, IndexError, ValueError, ZeroDivisionError):
            out[name] = float("nan")
    return out
