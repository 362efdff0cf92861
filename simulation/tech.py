"""Pure functions for the technology of the race: no agents, no state, tested on their own.

Rates given per year are converted to a step of `dt` years by the callers (dt = step_days / 365.25).
"""

from __future__ import annotations

import math

import numpy as np

SECONDS_PER_DAY = 86_400.0
DAYS_PER_YEAR = 365.25


def interconnect_factor(interconnect_gb_s: float, reference_gb_s: float, exponent: float) -> float:
    """Share of a chip's throughput a large training run keeps: weaker links cost a power of the shortfall."""
    if interconnect_gb_s >= reference_gb_s:
        return 1.0
    return (max(interconnect_gb_s, 1.0) / reference_gb_s) ** exponent


def training_flop(run_flops: float, utilisation: float, days: float) -> float:
    """Physical FLOP a run performs: sustained throughput of the chips it runs on, over `days`."""
    return run_flops * utilisation * days * SECONDS_PER_DAY


def capability(effective_flop: float, per_decade: float) -> float:
    """Scaling law: capability grows linearly in log10 of effective training compute."""
    return per_decade * math.log10(max(effective_flop, 1.0))


def efficiency_log_growth(
    base_per_year: float, research_share: float, reference_share: float, elasticity: float
) -> float:
    """Growth of ln(efficiency) per year: the base rate scaled by research effort with diminishing returns."""
    if research_share <= 0:
        return 0.0
    return base_per_year * (research_share / reference_share) ** elasticity


def breakthrough_gain(rng: np.random.Generator, min_gain: float, tail: float, max_gain: float) -> float:
    """A heavy-tailed efficiency multiplier: ln(gain) is Pareto with scale ln(min_gain), capped at max_gain."""
    log_gain = math.log(min_gain) * (1.0 + rng.pareto(tail))
    return float(min(math.exp(log_gain), max_gain))


def catch_up(own: float, target: float, fraction: float, max_lift: float = math.inf) -> float:
    """A level moved toward a higher `target` it learns from: it closes `fraction` of a small gap, with
    diminishing returns on a large one, and gains at most `max_lift`, whatever the target; it never passes
    the target. lift = L (1 - exp(-f gap / L)): about f x gap while the gap is small against L.

    Distillation moves a student's post-trained capability toward a teacher (it passes on post-training,
    not pretrained knowledge); imitation moves a new base model toward the best published one (the
    lab's own compute and talent bound how far)."""
    if target <= own:
        return own
    closed = fraction * (target - own)
    if math.isinf(max_lift):
        return own + closed
    return own + max_lift * -math.expm1(-closed / max_lift)


def reasoning_lift(rl_effective_flop: float, base: float, per_decade: float, reference_ratio: float) -> float:
    """What reasoning (RL) post-training adds to a base model of capability `base` (log10 effective FLOP,
    at 1 capability a decade): `per_decade` for each decade of its effective compute, counted from
    `reference_ratio` of the base's pretraining compute (log returns; 0 with none)."""
    if rl_effective_flop <= 0:
        return 0.0
    return per_decade * math.log10(1.0 + rl_effective_flop / (reference_ratio * 10.0**base))


def market_shares(capabilities: np.ndarray, sensitivity: float) -> np.ndarray:
    """Shares of an AI-services market: a logit in capability (better models win more customers)."""
    weights = np.exp(sensitivity * (capabilities - capabilities.max()))
    return weights / weights.sum()


def step_fraction(rate_per_year: float, dt: float) -> float:
    """Share of a stock that a continuous yearly rate moves in one step."""
    return 1.0 - math.exp(-rate_per_year * dt)


def arrivals(rng: np.random.Generator, hazard_left: float, rate_per_year: float, dt: float) -> tuple[int, float]:
    """Arrivals of a Poisson process over a step of `dt` years at `rate_per_year`, and the hazard left
    until the next one (start it at `rng.exponential()`).

    The process counts hazard, not steps: each arrival comes when the accumulated rate x time reaches
    an exponential draw, and a step may hold none, one or several. The same draws give the same
    arrivals whatever the step length, so a run in daily steps sees a run in weekly steps' random
    events on nearly the same days (to within a step)."""
    hazard_left -= rate_per_year * dt
    count = 0
    while hazard_left <= 0:
        count += 1
        hazard_left += float(rng.exponential())
    return count, hazard_left


def grown(value: float, growth_per_year: float, halflife_years: float | None, years: float) -> float:
    """A quantity growing at `growth_per_year` (0.5 = +50% a year) whose growth rate halves every
    `halflife_years` (none: constant growth). Booms slow down; this keeps 2030 budgets plausible."""
    horizon = years
    if halflife_years is not None:
        decay = math.log(2) / halflife_years
        horizon = (1.0 - math.exp(-decay * years)) / decay
    return value * math.exp(math.log1p(growth_per_year) * horizon)


def logit_split(value_per_usd: np.ndarray, sensitivity: float, offered: np.ndarray | None = None) -> np.ndarray:
    """Shares of a budget over offers: a logit in log value per dollar (sensitivity 0 splits evenly).

    Splits along the last axis (each row of a matrix is a budget of its own); with `offered`, over the
    offers it marks only: the others, and a row with none, draw nothing."""
    if offered is None:
        offered = np.ones(value_per_usd.shape, dtype=bool)
    best = np.where(offered, value_per_usd, -np.inf).max(axis=-1, keepdims=True)
    ratio = np.divide(value_per_usd, best, out=np.ones_like(value_per_usd), where=offered)
    weights = np.where(offered, np.exp(sensitivity * np.log(ratio)), 0.0)
    total = weights.sum(axis=-1, keepdims=True)
    return weights / np.where(total > 0, total, 1.0)  # a row with no weight is all zeros: it stays so


def starvation(own_flops: float, best_flops: float, full_at_decades: float) -> float:
    """How compute-starved a lab is, 0 to 1: its shortfall behind the best-equipped lab in decades,
    relative to the shortfall at which it counts as fully starved."""
    if own_flops <= 0:
        return 1.0
    return min(max(math.log10(best_flops / own_flops) / full_at_decades, 0.0), 1.0)


def induced_research_share(research: float, strength: float, starved: float) -> float:
    """Necessity is the mother of invention: a starved lab moves part of its serving compute (the share
    of its compute outside the frontier run that research does not use) into efficiency research."""
    return research + strength * starved * max(1.0 - research, 0.0)


def spillover(own_efficiency: float, published_efficiency: float, rate_per_year: float, dt: float) -> float:
    """Efficiency after a step of adopting published methods: the log gap closes at `rate_per_year`."""
    if published_efficiency <= own_efficiency:
        return own_efficiency
    log_gap = math.log(published_efficiency / own_efficiency)
    return own_efficiency * math.exp(step_fraction(rate_per_year, dt) * log_gap)
