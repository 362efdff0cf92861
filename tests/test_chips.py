"""The chip market on a hand-made case: one buyer's order for its lab and its clearing, worked out by hand
(S3.1, S3.2); a lab's throughput as its owner installs chips for it (S3.0)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from simulation import load_scenario
from simulation.markets.supply import channel_load, channel_premium, dies_per_chip, dies_per_wafer, seizure_chance
from simulation.model import AIRaceModel
from simulation.runner import run
from tests.conftest import SHORT

BUDGET = 1e9


def _model(rentals_open: bool) -> AIRaceModel:
    """The baseline in October 2025 (Ascend chips on sale to China, the buy-domestic mandate of 0.5 in
    force), with labs splitting budgets in proportion to value per dollar (choice sensitivity 1), and by
    hand: China may buy every chip on offer freely except the H100 (enforcement 0.5: smugglers sell it)
    and the B200 (enforcement 1: closed to smugglers); a licence fee of 15% on the MI300X_CN; clouds abroad
    may lease the controlled chips to China, or not (a rule covering rentals at full enforcement). The
    market is open."""
    overrides = {**SHORT, "chip_market.choice_sensitivity": 1.0}
    model = AIRaceModel(load_scenario("baseline", overrides), 1)
    while model.date < date(2025, 10, 1):
        model.step()
    cn = model.bloc_index["CN"]
    model.regulation.controls[:, cn] = 0.0
    model.regulation.controls[model.chip_index["H100"], cn] = 0.5
    model.regulation.controls[model.chip_index["B200"], cn] = 1.0
    model.regulation.rental_controls[:, cn] = 0.0 if rentals_open else 1.0
    model.regulation.fees[:, cn] = 0.0
    model.regulation.fees[model.chip_index["MI300X_CN"], cn] = 0.15
    model.chip_market.start_step()
    return model


@pytest.fixture
def model() -> AIRaceModel:
    """`_model` with no clouds abroad renting to Chinese labs: controlled chips only come from smugglers."""
    return _model(False)


def _order(model: AIRaceModel, budget: float):
    """High-Flyer orders chips for DeepSeek's clusters with `budget` of its own: its buyer and DeepSeek."""
    buyer, lab = model.owners["high_flyer"], model.labs["deepseek"]
    buyer.delivery_shares = [(lab.pool, 1.0)]
    model.chip_market.order(buyer, budget)
    return buyer, lab


def _smuggling(model: AIRaceModel) -> tuple[float, float]:
    """The smugglers' premium and chance of seizure for the H100 into China (enforcement 0.5), by hand:
    China's smuggled volume over the capacity left open, on the linear supply curve."""
    spec, market = model.spec.chip_market, model.chip_market
    load = market.smuggled_per_year[model.bloc_index["CN"]] / (spec.smuggling_capacity_chips_per_year * 0.5)
    return spec.smuggling_premium + spec.smuggling_premium_slope * load, 1 - np.exp(-spec.seizure_rate * load)


def _expected_orders(model: AIRaceModel) -> dict[str, float]:
    """Money a Chinese lab puts on each chip. Ten offers, two of them home-made (Ascend); a split is
    proportional to value per dollar: the H100 from smugglers at their premium, less the expected loss to
    seizure, the B200 not at all (closed). The mandate's half of the budget goes to the Ascend chips, the
    other half to the nine open offers."""
    market = model.chip_market
    premium, seized = _smuggling(model)
    offered = [model.chips[i].id for i in market.offers("CN")]
    assert len(offered) == 10, offered
    prices = market.prices()
    values = {}
    for chip in offered:
        i = model.chip_index[chip]
        values[chip] = market.effective_flops[i] / prices[i]
    values["H100"] *= (1 - seized) / (1 + premium)
    del values["B200"]
    expected = {chip: BUDGET / 2 * v / sum(values.values()) for chip, v in values.items()}
    expected["B200"] = 0.0
    home = ("ASCEND910B", "ASCEND910C")
    for chip in home:
        expected[chip] += BUDGET / 2 * values[chip] / sum(values[c] for c in home)
    return expected


def test_an_order_keeps_the_mandate_and_prices_smuggled_chips_at_the_premium_and_expected_loss(model):
    market = model.chip_market
    assert market.smuggled_per_year[model.bloc_index["CN"]] > 0  # not vacuous: the smugglers carry some volume
    expected = _expected_orders(model)  # at today's prices, before clearing moves them
    buyer, _ = _order(model, BUDGET)
    market.clear()  # the budget is split over the offers as the market clears
    row = market.buyers.index(buyer)
    for chip, usd in expected.items():
        assert market.orders[row, model.chip_index[chip]] == pytest.approx(usd, rel=1e-12, abs=1e-6), chip
    assert market.orders[row].sum() == pytest.approx(BUDGET, rel=1e-12)  # nothing lost
    assert not market.rentals[row].any()  # the rule covering rentals closes that channel
    others = [r for r, other in enumerate(market.buyers) if other is not buyer]
    assert not market.orders[others].any() and not market.stopped[others].any()


def test_clearing_fills_pro_rata_moves_the_money_seizes_part_and_ships_smuggled_chips_late(model):
    market = model.chip_market
    makers = model.chipmakers
    buyer, lab = _order(model, BUDGET)
    prices = market.prices()
    premium, seizure = _smuggling(model)
    assert 0 < seizure < 0.5
    expected = _expected_orders(model)  # at today's prices, before clearing moves them
    units = {chip: usd / prices[model.chip_index[chip]] for chip, usd in expected.items()}
    units["H100"] /= 1 + premium
    # Huawei can make half the Ascend chips asked for; NVIDIA and AMD have plenty.
    huawei = makers["huawei"]
    need = units["ASCEND910B"] * 4 + units["ASCEND910C"] * 8  # HBM stacks; the dies are plenty
    huawei.memory_stock, huawei.die_stock = need / 2, 1e12
    makers["nvidia"].capacity_chips_per_year = makers["amd"].capacity_chips_per_year = 1e9
    fill = {chip: 0.5 if chip.startswith("ASCEND") else 1.0 for chip in expected}
    paid_before, fleet = buyer.chips_paid_usd, lab.fleet.copy()
    revenue = {m: maker.revenue_total_usd for m, maker in makers.items()}
    lost = {m: maker.lost_sales_total_usd for m, maker in makers.items()}
    shipped_before, seized_before = len(market.in_transit), market.seized_total

    flows = market.clear()

    # A second round: the money of the Ascend orders Huawei could not fill goes to the legal offers of the
    # makers with output left (NVIDIA's and AMD's, not the smuggled H100), split as the menu splits a budget.
    cn = model.bloc_index["CN"]
    shares = market._terms().everything.shares[cn]
    money = sum(expected[chip] * (1 - fill[chip]) for chip in expected)
    legal_left = [c for c in expected if not c.startswith("ASCEND") and c not in ("H100", "B200")]
    weight = sum(shares[model.chip_index[c]] for c in legal_left)
    second = {c: money * shares[model.chip_index[c]] / weight / prices[model.chip_index[c]] for c in legal_left}
    assert money > 0 and all(v > 0 for v in second.values())
    for chip in expected:
        i = model.chip_index[chip]
        arrived = 0.0 if chip == "H100" else units[chip] * fill[chip] + second.get(chip, 0.0)
        assert lab.fleet[i] - fleet[i] == pytest.approx(arrived, rel=1e-12, abs=1e-9), chip
    assert huawei.memory_stock == pytest.approx(0.0, abs=1e-6)  # the HBM bound: all of it packaged
    (shipment,) = market.in_transit[shipped_before:]  # only the H100 for DeepSeek, due after the delay
    assert shipment.arrival_day == model.day + model.spec.chip_market.leak_delay_days
    row, h100 = market.buyers.index(buyer), model.chip_index["H100"]
    # Of the smuggled H100s a share is seized on the way: paid for, and never shipped.
    assert shipment.units[row, h100] == pytest.approx(units["H100"] * (1 - seizure), rel=1e-12)
    assert market.seized_total - seized_before == pytest.approx(units["H100"] * seizure, rel=1e-12)
    assert flows.seized_units[cn] == pytest.approx(units["H100"] * seizure, rel=1e-12)
    assert shipment.units.sum() == shipment.units[row, h100]
    paid = sum(expected[chip] * fill[chip] for chip in expected) + money  # the second round spends it all
    assert buyer.chips_paid_usd - paid_before == pytest.approx(paid, rel=1e-12)
    assert flows.paid_by_buyers_usd == pytest.approx(paid, rel=1e-12)
    # The smugglers keep the premium (on the seized chips too); the MI300X_CN's maker pays its fee.
    margin = expected["H100"] * premium / (1 + premium)
    fee = 0.15 * (expected["MI300X_CN"] + second["MI300X_CN"] * prices[model.chip_index["MI300X_CN"]])
    assert flows.smuggler_margin_usd == pytest.approx(margin, rel=1e-12)
    assert flows.smuggling_premium[cn] == pytest.approx(premium, rel=1e-12)
    assert flows.fees_usd == pytest.approx(fee, rel=1e-12)
    gained = {m: maker.revenue_total_usd - revenue[m] for m, maker in makers.items()}
    assert sum(gained.values()) == pytest.approx(paid - margin - fee, rel=1e-12)
    assert gained["huawei"] == pytest.approx((expected["ASCEND910B"] + expected["ASCEND910C"]) / 2, rel=1e-12)
    # NVIDIA's sales lost to controls: what the buyer would have spent on the H100 and B200 with no control,
    # less what reached NVIDIA for them through the smugglers.
    menu = market._terms().everything
    would = BUDGET / 2 * menu.free_shares[cn, [h100, model.chip_index["B200"]]].sum()
    reached = expected["H100"] / (1 + premium)
    assert makers["nvidia"].lost_sales_total_usd - lost["nvidia"] == pytest.approx(would - reached, rel=1e-9)
    assert makers["amd"].lost_sales_total_usd == lost["amd"]
    legal = sum(units[c] * fill[c] for c in units if c != "H100") + sum(second.values())
    assert flows.legal_units[cn] == pytest.approx(legal, rel=1e-12)
    # of those, the Ascends are made at home: domestic chips that no export rule can stop
    home = sum(units[c] * fill[c] for c in ("ASCEND910B", "ASCEND910C"))
    assert flows.domestic_units[cn] == pytest.approx(home, rel=1e-12)


def test_clouds_abroad_lease_controlled_chips_at_a_premium_rising_with_their_load():
    # With rentals open, the H100 and the B200 can also be rented in clouds abroad, at the clouds' premium on
    # their load: the B200 (closed to smugglers) only so. The clouds buy the chips at their price.
    model = _model(True)
    market = model.chip_market
    for maker in ("nvidia", "amd"):
        model.chipmakers[maker].capacity_chips_per_year = 1e9
    huawei = model.chipmakers["huawei"]
    huawei.memory_stock, huawei.die_stock = 1e12, 1e12
    spec, cn = model.spec.chip_market, model.bloc_index["CN"]
    load = market.rented_per_year[cn] / spec.rental_capacity_chips_per_year
    assert load > 0
    rental = spec.rental_premium + spec.rental_premium_slope * load
    prices = market.prices()
    h100, b200 = model.chip_index["H100"], model.chip_index["B200"]
    lab = model.labs["deepseek"]
    fleet, revenue = lab.fleet.copy(), model.chipmakers["nvidia"].revenue_total_usd
    premium, _ = _smuggling(model)  # before clearing notes the step's volume
    buyer, _ = _order(model, BUDGET)
    flows = market.clear()
    row = market.buyers.index(buyer)
    assert market.orders[row, b200] == 0 and market.rentals[row, b200] > 0
    for i in (h100, b200):
        units = market.rentals[row, i] / (prices[i] * (1 + rental))
        assert lab.fleet[i] - fleet[i] == pytest.approx(units, rel=1e-12)  # no delay: a lease starts at once
    assert market.orders[row].sum() + market.rentals[row].sum() == pytest.approx(BUDGET, rel=1e-12)
    lease = market.rentals[row].sum()
    assert flows.rental_margin_usd == pytest.approx(lease * rental / (1 + rental), rel=1e-12)
    assert flows.rental_premium[cn] == pytest.approx(rental, rel=1e-12)
    nvidia = [i for i, chip in enumerate(model.chips) if chip.maker == "nvidia"]
    controlled = model.regulation.controls[:, cn] > 0
    sold = sum(market.orders[row, i] / (1 + premium if controlled[i] else 1) for i in nvidia)
    expected = sold + sum(market.rentals[row, i] for i in nvidia) / (1 + rental)
    assert model.chipmakers["nvidia"].revenue_total_usd - revenue == pytest.approx(expected, rel=1e-12)


def test_a_labs_throughput_follows_each_change_of_its_fleet(model):
    lab, market = model.labs["deepseek"], model.chip_market
    read = lab.effective_flops, lab.compute_flops, lab.fleet_value_usd  # kept until the clusters change
    received = np.zeros_like(lab.fleet)
    received[model.chip_index["H100"]] = 1000.0
    model.clusters.install(lab.pool, received, model.day)
    now = lab.effective_flops, lab.compute_flops, lab.fleet_value_usd
    totals = lab.fleet @ market.effective_flops, lab.fleet @ market.flops, lab.fleet @ market.list_price
    assert now == pytest.approx(totals, rel=1e-12)
    assert all(after > before for after, before in zip(now, read, strict=True))
    model.step()  # deliveries, wear and new chips
    assert lab.effective_flops == pytest.approx(lab.fleet @ market.effective_flops, rel=1e-12)


# ---------------------------------------------------------------- supplies past controls, and Huawei's output


def test_the_smugglers_premium_and_seizures_rise_with_volume_and_enforcement_and_full_enforcement_closes():
    enforcement = np.array([0.0, 0.5, 0.85, 0.95, 1.0])
    low, high = channel_load(1e4, 1e6, enforcement), channel_load(1e5, 1e6, enforcement)
    assert np.all(np.diff(low[:-1]) > 0) and np.all(high[:-1] > low[:-1])
    assert np.isinf(low[-1]) and np.isinf(high[-1])  # a fully enforced rule: no capacity open
    premium = channel_premium(high[:-1], 0.1, 0.4)
    assert premium[0] > 0.1 and np.all(np.diff(premium) > 0)
    seized = seizure_chance(high, 0.03)
    assert np.all(np.diff(seized) > 0) and seized[-1] == 1.0
    assert seizure_chance(np.array([0.0]), 0.03)[0] == 0.0


def test_dies_per_wafer_and_dies_per_chip():
    assert dies_per_wafer(665) == pytest.approx(80.5, abs=0.5)  # an Ascend 910B die on a 300 mm wafer
    assert dies_per_wafer(100) > 6 * dies_per_wafer(665)
    assert (dies_per_chip(665), dies_per_chip(1330), dies_per_chip(1600)) == (1, 2, 2)


def _baseline_to(end: str, overrides: dict | None = None, seed: int = 1):
    return run(load_scenario("baseline", {"time.end": end, **(overrides or {})}), seed=seed)


def test_smuggled_volume_falls_as_enforcement_rises():
    rules = ("oct2022", "oct2023")
    smuggled, premium = [], []
    for enforcement in (0.7, 0.85, 0.95):
        overrides = {f"regulators.bis.rules.{r}.enforcement": enforcement for r in rules}
        m = _baseline_to("2024-12-31", overrides).model
        smuggled.append(m["chips_leaked_CN"].sum() + m["chips_seized_CN"].sum())
        premium.append(m.loc[m["chips_leaked_CN"] > 0, "smuggling_premium_CN"].iloc[-1])
    assert smuggled[0] > smuggled[1] > smuggled[2] > 0
    assert premium[0] < premium[1] < premium[2]  # the same volume would load fewer open routes


def test_seized_chips_are_paid_for_and_never_reach_a_cluster():
    m = _baseline_to("2024-12-31").model
    assert m["chips_seized_CN"].sum() > 0
    assert m["chips_seized_US"].sum() == 0  # nothing is controlled for the US
    # a larger seizure rate seizes more and delivers fewer smuggled chips
    more = _baseline_to("2024-12-31", {"chip_market.seizure_rate": 0.3}).model
    assert more["chips_seized_CN"].sum() > m["chips_seized_CN"].sum()
    assert more["chips_leaked_CN"].sum() < m["chips_leaked_CN"].sum()


def _ascend_made(results, start: str, end: str) -> float:
    a = results.agents
    sold = a[(a.agent_id == "huawei") & (a.variable == "units_sold_total")].set_index("date")["value"]
    return float(sold.loc[:end].iloc[-1] - sold.loc[:start].iloc[-1])


def test_huaweis_output_falls_when_the_hbm_rule_binds_and_when_tool_controls_tighten():
    # The HBM rule of December 2024 against none, neither front-run by a stockpile: imports stop, output falls
    # once the memory on hand is packaged.
    no_stockpile = {"chipmakers.huawei.supply.memory_stockpiled_before_control_stacks": 0.0}
    base = _baseline_to("2026-12-31", no_stockpile)
    no_hbm_rule = _baseline_to(
        "2026-12-31", {**no_stockpile, "regulators.bis.equipment_controls.dec2024.hbm_enforcement": 0.0}
    )
    assert _ascend_made(base, "2024-12-31", "2026-12-31") < _ascend_made(no_hbm_rule, "2024-12-31", "2026-12-31")
    # Tighter tool controls slow the foundry's wafers, and so the dies Huawei can make: where dies bind (a small
    # share of the wafers, no die bank from TSMC, memory to spare), fewer chips.
    made, wafers = {}, {}
    for cap in (0.3, 0.0):
        overrides = {
            "time.end": "2026-12-31",
            "regulators.bis.equipment_controls.dec2024.capacity_growth_max_per_year": cap,
            "regulators.bis.equipment_controls.dec2024.hbm_enforcement": 0.0,
            "chipmakers.huawei.supply.memory_imports_stacks_per_year": 1e7,
            "chipmakers.huawei.supply.bought_dies_per_year": 0.0,
            "chipmakers.huawei.supply.foundry_share": 0.01,
        }
        model = AIRaceModel(load_scenario("baseline", overrides), 1)
        model.run_model()
        wafers[cap] = model.chipmakers["huawei"].wafers_per_month
        made[cap] = model.chipmakers["huawei"].units_sold_total
    assert wafers[0.0] < 0.8 * wafers[0.3]
    assert made[0.0] < made[0.3]


def test_a_chipmaker_without_a_supply_makes_its_capacity():
    model = AIRaceModel(load_scenario("baseline", {**SHORT, "suppliers.tsmc.packaging": None}), 1)
    model.step()
    nvidia = model.chipmakers["nvidia"]
    assert nvidia.spec.supply is None
    assert nvidia.output_this_step(np.ones(len(model.chips))) == nvidia.capacity_chips_per_year * model.dt


def test_a_chipmaker_whose_chips_the_foundry_packages_makes_what_its_packaging_holds_in_the_chips_asked():
    model = AIRaceModel(load_scenario("baseline", SHORT), 1)
    model.step()
    nvidia, chips = model.chipmakers["nvidia"], [c.id for c in model.chips]
    wafers = nvidia.packaging_wafers_per_year * model.dt
    h100, b200 = np.zeros(len(chips)), np.zeros(len(chips))
    h100[chips.index("H100")], b200[chips.index("B200")] = 1.0, 1.0
    assert nvidia.output_this_step(h100) == pytest.approx(29 * wafers, rel=1e-12)
    assert nvidia.output_this_step(b200) == pytest.approx(16 * wafers, rel=1e-12)  # a larger package: fewer
    assert nvidia.output_this_step(h100 + b200) == pytest.approx(2 / (1 / 29 + 1 / 16) * wafers, rel=1e-12)
    # its capacity is counted in its newest chip on sale: H100 in January 2023
    assert nvidia.capacity_chips_per_year * model.dt == pytest.approx(nvidia.output_this_step(h100), rel=1e-12)
