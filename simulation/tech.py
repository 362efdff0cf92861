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


def training_flop(fleet_flops: float, share: float, utilisation: float, days: float) -> float:
    """Physical FLOP a run performs: sustained throughput of the share of the fleet it uses, over `days`."""
    return fleet_flops * share * utilisation * days * SECONDS_PER_DAY


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


def distilled_capability(student: float, teacher: float, fraction: float) -> float:
    """A student closes a fraction of its gap to the teacher; it never passes it."""
    if teacher <= student:
        return student
    return student + fraction * (teacher - student)


def market_shares(capabilities: np.ndarray, sensitivity: float) -> np.ndarray:
    """Shares of an AI-services market: a logit in capability (better models win more customers)."""
    weights = np.exp(sensitivity * (capabilities - capabilities.max()))
    return weights / weights.sum()


def step_fraction(rate_per_year: float, dt: float) -> float:
    """Share of a stock that a continuous yearly rate moves in one step."""
    return 1.0 - math.exp(-rate_per_year * dt)
