"""Custom accelerators: chips made for one owner alone (Google's TPUs), bought with its `custom_chip_share` of its
chip budget while one is on sale, designed by a supplier's division (Broadcom's) whose sales are that supplier's
revenue too, and packaged at the foundry like the market's leading chips."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from simulation import load_scenario
from simulation.model import AIRaceModel
from simulation.runner import run
from simulation.scenario import ScenarioError

SHORT = {"time.end": "2025-06-30", "investors.count": 100}


def test_an_owner_s_custom_chips_take_its_custom_share_of_its_budget_and_reach_no_one_else():
    model = AIRaceModel(load_scenario("baseline", SHORT), 2)
    market = model.chip_market
    buyers = [buyer.id for buyer in market.buyers]
    row = buyers.index("alphabet")
    share = model.owners["alphabet"].spec.custom_chip_share
    assert share == 0.7
    steps = 0
    while model.running:
        model.step()
        custom = market.custom
        assert custom.sum() == 6  # Google's six TPU generations, none on any bloc's menu
        others = np.arange(len(buyers)) != row
        assert not market.orders[others][:, custom].any()
        assert market.orders[row, custom].sum() == pytest.approx(share * market.budgets[row], rel=1e-12)
        steps += 1
    assert steps > 100
    # The chips reached Alphabet's pools alone (its own and Google DeepMind's), and a good part of its compute.
    tpus = np.flatnonzero(market.custom)
    clusters = model.clusters
    pools_of = {owner: [p for p, o in enumerate(clusters.pool_owner) if o == owner] for owner in buyers}
    held = {owner: sum(clusters.units_of(p)[tpus].sum() for p in pools) for owner, pools in pools_of.items()}
    assert held["alphabet"] > 1e6
    assert all(units == 0 for owner, units in held.items() if owner != "alphabet")


def test_with_no_custom_chip_on_sale_the_whole_budget_goes_to_the_market():
    # Before its first TPU is launched, Alphabet buys on the market like any owner.
    late = {f"chips.{c}.launch": "2024-06-01" for c in ("TPUv4", "TPUv5e", "TPUv5p")}
    model = AIRaceModel(load_scenario("baseline", {**SHORT, **late}), 2)
    market = model.chip_market
    row = [buyer.id for buyer in market.buyers].index("alphabet")
    before = after = 0
    while model.running:
        model.step()
        on_custom = market.orders[row, market.custom].sum()
        if model.date < date(2024, 6, 1):
            assert on_custom == 0.0 and market.orders[row].sum() == pytest.approx(market.budgets[row], rel=1e-12)
            before += 1
        elif model.date > date(2024, 6, 7):
            assert on_custom > 0.6 * market.budgets[row]
            after += 1
    assert before > 50 and after > 30


def test_an_owner_with_a_custom_share_and_no_chip_made_for_it_buys_on_the_market_alone():
    # A custom share is spent only while a chip made for the owner is on sale: Meta's, with none, changes nothing.
    base = run("baseline", seed=2, overrides=SHORT).model
    meta = run("baseline", seed=2, overrides={**SHORT, "owners.meta_platforms.custom_chip_share": 0.5}).model
    assert base.equals(meta)


def test_a_division_s_chip_sales_count_in_its_firm_s_revenue():
    terms = {**SHORT, "time.end": "2024-12-31"}
    with_tpus = run("baseline", seed=4, overrides=terms).model
    without = run("baseline", seed=4, overrides={**terms, "owners.alphabet.custom_chip_share": 0.0}).model
    division, firm = with_tpus["revenue_ai_usd_broadcom_xpu"], with_tpus["revenue_ai_usd_AVGO"]
    assert division.sum() > 5e9  # TPUs: ~$4B in 2023 and ~$9B in 2024 (Morgan Stanley)
    assert (firm >= division).all() and (firm - division).sum() > 1e9  # its networking besides
    # With no custom share, the division sells nothing and Broadcom's AI revenue is its networking alone, while
    # the money Alphabet put on TPUs goes to the market's designers instead.
    assert without["revenue_ai_usd_broadcom_xpu"].sum() == 0.0
    nvidia_gain = without["revenue_ai_usd_NVDA"].sum() + without["revenue_ai_usd_AMD"].sum()
    nvidia_gain -= with_tpus["revenue_ai_usd_NVDA"].sum() + with_tpus["revenue_ai_usd_AMD"].sum()
    assert nvidia_gain > 0.5 * division.sum()
    # Dollar for dollar TPUs give Alphabet more compute than the market's chips.
    assert with_tpus["installed_flops_GOOGL"].iloc[-1] > without["installed_flops_GOOGL"].iloc[-1]


def test_the_division_books_the_foundry_s_packaging_like_the_market_s_designers():
    model = AIRaceModel(load_scenario("baseline", SHORT), 3)
    xpu = model.chipmakers["broadcom_xpu"]
    assert xpu in model.packaged
    while model.running:
        model.step()
    assert xpu.packaging_wafers_per_year > 0
    assert xpu.units_sold_total <= xpu.booked_chips_per_year * model.years() * 2  # a capacity, not demand alone


@pytest.mark.parametrize(
    ("overrides", "key", "words"),
    [
        ({"chips.TPUv5p.made_for": ["alphabett"]}, "chips.TPUv5p.made_for", "did you mean 'alphabet'"),
        ({"chipmakers.broadcom_xpu.division_of": "broadcomm"}, "chipmakers.broadcom_xpu.division_of", "broadcom"),
        (
            {
                "chipmakers.broadcom_xpu.ticker": "XPU",
                "chipmakers.broadcom_xpu.shares_outstanding": 1e9,
                "chipmakers.broadcom_xpu.share_price_usd": 10.0,
            },
            "chipmakers.broadcom_xpu",
            "division has no listing",
        ),
    ],
)
def test_bad_custom_chip_inputs_are_refused_naming_the_key(overrides, key, words):
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline", overrides)
    assert any(key in str(p) and words in str(p) for p in caught.value.problems), caught.value.problems
