"""Paired statics of the supply chain over ten seeds, each effect the median paired difference with its
90% bootstrap interval (`analysis.paired`): who in the chain a policy or a breakthrough pays, and which way."""

from __future__ import annotations

import pytest

from analysis.load import ResultSet
from analysis.paired import paired_effects
from simulation.runner import run

SEEDS = range(1, 11)
WEEKLY = {"time.end": "2025-12-31", "time.step_days": 7, "investors.count": 100}


def results(scenario: str, **overrides) -> ResultSet:
    return ResultSet(scenario, [run(scenario, seed=s, overrides={**WEEKLY, **overrides}) for s in SEEDS])


def effect(reference: ResultSet, other: ResultSet, outcome: str):
    table, _ = paired_effects(reference, other)
    return table.loc[outcome]


@pytest.mark.slow
def test_closing_the_rental_channel_lowers_oracle_s_rentals_abroad():
    row = effect(results("baseline"), results("rentals_closed"), "rentals abroad of ORCL in 2025 (USD)")
    assert row["high"] < 0, row  # the whole interval below zero: less rent from controlled blocs' buyers


@pytest.mark.slow
@pytest.mark.parametrize(("elasticity", "sign"), [(0.6, -1), (1.5, 1)])
def test_a_breakthrough_lowers_the_foundry_s_ai_revenue_below_an_elasticity_of_1_and_raises_it_above(elasticity, sign):
    # R1 (20 January 2025) against the same world without it: with users' demand inelastic, cheaper AI
    # means less compute bought and less for TSMC to make that year; with it elastic, more (Jevons).
    terms = {"services.price_elasticity": elasticity}
    row = effect(results("without_r1", **terms), results("deepseek_shock", **terms), "AI revenue of TSM in 2025 (USD)")
    assert row["interval excludes 0"] and sign * row["effect (median paired difference)"] > 0, row


@pytest.mark.slow
@pytest.mark.parametrize(("elasticity", "sign"), [(0.6, -1), (1.5, 1)])
def test_a_breakthrough_lowers_the_foundry_s_packaging_use_a_year_later_below_an_elasticity_of_1_and_raises_it_above(
    elasticity, sign
):
    # R1 (20 January 2025) against the same world without it, in 2026: cheaper AI with inelastic demand means
    # fewer accelerators ordered and less of TSMC's CoWoS used; with elastic demand, more.
    terms = {"services.price_elasticity": elasticity, "time.end": "2026-12-31"}
    row = effect(
        results("without_r1", **terms), results("deepseek_shock", **terms), "packaging used at TSM in 2026 (wafers)"
    )
    assert row["interval excludes 0"] and sign * row["effect (median paired difference)"] > 0, row


@pytest.mark.slow
def test_tighter_equipment_controls_cut_asml_s_china_revenue():
    # The December 2024 tool rule made tighter (capacity growth left to China 0.3 -> 0.1 a year, enforcement
    # 0.8 -> 1): China's fabs are denied more of the growth they want, so buy fewer tools abroad.
    tight = {
        "regulators.bis.equipment_controls.dec2024.capacity_growth_max_per_year": 0.1,
        "regulators.bis.equipment_controls.dec2024.enforcement": 1.0,
    }
    row = effect(results("baseline"), results("baseline", **tight), "revenue from CN of ASML in 2025 (USD)")
    assert row["high"] < 0, row  # the whole interval below zero
