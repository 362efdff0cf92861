"""The chip market on a hand-made case: one buyer's order for its lab and its clearing, worked out by hand
(S3.1, S3.2); a lab's throughput as its owner installs chips for it (S3.0)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from simulation import load_scenario
from simulation.model import AIRaceModel
from tests.conftest import SHORT

BUDGET = 1e9


def _model(rental_reach: float) -> AIRaceModel:
    """The baseline in October 2025 (Ascend chips on sale to China, the buy-domestic mandate of 0.5 in
    force), with labs splitting budgets in proportion to value per dollar (choice sensitivity 1), and by
    hand: China may buy every chip on offer freely except the H100 (half of the money on it stopped)
    and the B200 (all of it stopped); a licence fee of 15% on the MI300X_CN. The market is open."""
    overrides = {**SHORT, "chip_market.choice_sensitivity": 1.0, "chip_market.rental_reach": rental_reach}
    model = AIRaceModel(load_scenario("baseline", overrides), 1)
    while model.date < date(2025, 10, 1):
        model.step()
    cn = model.bloc_index["CN"]
    model.regulation.controls[:, cn] = 0.0
    model.regulation.controls[model.chip_index["H100"], cn] = 0.5
    model.regulation.controls[model.chip_index["B200"], cn] = 1.0
    model.regulation.fees[:, cn] = 0.0
    model.regulation.fees[model.chip_index["MI300X_CN"], cn] = 0.15
    model.chip_market.start_step()
    return model


@pytest.fixture
def model() -> AIRaceModel:
    """`_model` with no clouds abroad renting to Chinese labs: controlled chips only leak or are stopped."""
    return _model(0.0)


def _order(model: AIRaceModel, budget: float):
    """High-Flyer orders chips for DeepSeek's clusters with `budget` of its own: its buyer and DeepSeek."""
    buyer, lab = model.owners["high_flyer"], model.labs["deepseek"]
    buyer.delivery_shares = [(lab.pool, 1.0)]
    model.chip_market.order(buyer, budget)
    return buyer, lab


def _expected_orders(model: AIRaceModel) -> tuple[dict[str, float], float]:
    """Money a Chinese lab puts on each chip, and the money stopped. Ten offers, two of them home-made
    (Ascend); a split is proportional to value per dollar (the controlled chips at the leak premium).
    The mandate's half of the budget goes to the Ascend chips, the other half to all ten offers; of
    the H100's part half leaks and half is stopped, the B200's part is all stopped; the stopped money
    goes to the eight legal offers in proportion to their parts."""
    market = model.chip_market
    premium = model.spec.chip_market.leak_price_premium
    offered = [model.chips[i].id for i in market.offers("CN")]
    assert len(offered) == 10, offered
    prices = market.prices()
    values = {}
    for chip in offered:
        i = model.chip_index[chip]
        values[chip] = market.effective_flops[i] / (prices[i] * (1 + premium if chip in ("H100", "B200") else 1))
    part = {chip: BUDGET / 2 * v / sum(values.values()) for chip, v in values.items()}
    stopped = part["H100"] / 2 + part["B200"]
    legal = {chip: v for chip, v in values.items() if chip not in ("H100", "B200")}
    expected = {chip: part[chip] + stopped * v / sum(legal.values()) for chip, v in legal.items()}
    expected["H100"], expected["B200"] = part["H100"] / 2, 0.0
    home = ("ASCEND910B", "ASCEND910C")
    for chip in home:
        expected[chip] += BUDGET / 2 * values[chip] / sum(values[c] for c in home)
    return expected, stopped


def test_an_order_keeps_the_mandate_and_returns_stopped_money_to_legal_offers(model):
    market = model.chip_market
    expected, stopped = _expected_orders(model)  # at today's prices, before clearing moves them
    buyer, _ = _order(model, BUDGET)
    market.clear()  # the budget is split over the offers as the market clears
    row = market.buyers.index(buyer)
    for chip, usd in expected.items():
        assert market.orders[row, model.chip_index[chip]] == pytest.approx(usd, rel=1e-12, abs=1e-6), chip
    assert market.orders[row].sum() == pytest.approx(BUDGET, rel=1e-12)  # nothing lost: stopped money moved
    assert market.stopped[row, model.chip_index["H100"]] == pytest.approx(expected["H100"], rel=1e-12)
    assert market.stopped[row].sum() == pytest.approx(stopped, rel=1e-12)
    others = [r for r, other in enumerate(market.buyers) if other is not buyer]
    assert not market.orders[others].any() and not market.stopped[others].any()


def test_clearing_fills_pro_rata_moves_the_money_and_ships_leaked_chips_late(model):
    market = model.chip_market
    makers = model.chipmakers
    buyer, lab = _order(model, BUDGET)
    prices = market.prices()
    premium = model.spec.chip_market.leak_price_premium
    expected, stopped = _expected_orders(model)  # at today's prices, before clearing moves them
    units = {chip: usd / prices[model.chip_index[chip]] for chip, usd in expected.items()}
    units["H100"] /= 1 + premium
    # Huawei can make half the Ascend chips asked for; NVIDIA and AMD have plenty.
    makers["huawei"].capacity_chips_per_year = (units["ASCEND910B"] + units["ASCEND910C"]) / 2 / model.dt
    makers["nvidia"].capacity_chips_per_year = makers["amd"].capacity_chips_per_year = 1e9
    fill = {chip: 0.5 if chip.startswith("ASCEND") else 1.0 for chip in expected}
    paid_before, fleet = buyer.chips_paid_usd, lab.fleet.copy()
    revenue = {m: maker.revenue_total_usd for m, maker in makers.items()}
    lost = {m: maker.lost_sales_total_usd for m, maker in makers.items()}
    shipped_before = len(market.in_transit)

    flows = market.clear()

    for chip in expected:
        i = model.chip_index[chip]
        arrived = 0.0 if chip == "H100" else units[chip] * fill[chip]
        assert lab.fleet[i] - fleet[i] == pytest.approx(arrived, rel=1e-12, abs=1e-9), chip
    (shipment,) = market.in_transit[shipped_before:]  # only the H100 for DeepSeek, due after the delay
    assert shipment.arrival_day == model.day + model.spec.chip_market.leak_delay_days
    row, h100 = market.buyers.index(buyer), model.chip_index["H100"]
    assert shipment.units[row, h100] == pytest.approx(units["H100"], rel=1e-12)
    assert shipment.units.sum() == shipment.units[row, h100]
    paid = sum(expected[chip] * fill[chip] for chip in expected)
    assert buyer.chips_paid_usd - paid_before == pytest.approx(paid, rel=1e-12)
    assert flows.paid_by_buyers_usd == pytest.approx(paid, rel=1e-12)
    # The smugglers keep the premium; the MI300X_CN's maker pays its fee; the rest reaches the makers.
    margin = expected["H100"] * premium / (1 + premium)
    fee = 0.15 * expected["MI300X_CN"]
    assert flows.smuggler_margin_usd == pytest.approx(margin, rel=1e-12)
    assert flows.fees_usd == pytest.approx(fee, rel=1e-12)
    gained = {m: maker.revenue_total_usd - revenue[m] for m, maker in makers.items()}
    assert sum(gained.values()) == pytest.approx(paid - margin - fee, rel=1e-12)
    assert gained["huawei"] == pytest.approx((expected["ASCEND910B"] + expected["ASCEND910C"]) / 2, rel=1e-12)
    # The stopped money is NVIDIA's sales lost to controls (both controlled chips are NVIDIA's).
    assert makers["nvidia"].lost_sales_total_usd - lost["nvidia"] == pytest.approx(stopped, rel=1e-12)
    assert makers["amd"].lost_sales_total_usd == lost["amd"]
    cn = model.bloc_index["CN"]
    assert flows.legal_units[cn] == pytest.approx(sum(units[c] * fill[c] for c in units if c != "H100"), rel=1e-12)
    # of those, the Ascends are made at home: domestic chips that no export rule can stop
    home = sum(units[c] * fill[c] for c in ("ASCEND910B", "ASCEND910C"))
    assert flows.domestic_units[cn] == pytest.approx(home, rel=1e-12)


def test_part_of_the_stopped_money_rents_the_chips_abroad_at_once_and_the_maker_sells_them_to_the_cloud():
    # Half of what controls stop finds a cloud abroad: it buys the H100s and B200s at their price and
    # leases them to the lab at the rental premium, at once; the rest of the stopped money goes back
    # to the legal offers as before. A rule that covers rentals would stop them (the simulation test).
    reach = 0.5
    model = _model(reach)
    market = model.chip_market
    model.chipmakers["nvidia"].capacity_chips_per_year = model.chipmakers["amd"].capacity_chips_per_year = 1e9
    model.chipmakers["huawei"].capacity_chips_per_year = 1e9
    no_rentals, stopped = _expected_orders(model)
    rental = model.spec.chip_market.rental_premium
    prices = market.prices()
    h100, b200 = model.chip_index["H100"], model.chip_index["B200"]
    lab = model.labs["deepseek"]
    fleet, revenue = lab.fleet.copy(), model.chipmakers["nvidia"].revenue_total_usd
    buyer, _ = _order(model, BUDGET)
    flows = market.clear()
    row = market.buyers.index(buyer)
    # the stopped part of the money on each controlled chip: the H100's equals what leaks (half is
    # stopped), the B200's is all of the rest of `stopped`; `reach` of each rents the chip
    rented = {h100: no_rentals["H100"] * reach, b200: (stopped - no_rentals["H100"]) * reach}
    for i, usd in rented.items():
        assert market.rentals[row, i] == pytest.approx(usd, rel=1e-12)
        units = usd / (prices[i] * (1 + rental))
        assert lab.fleet[i] - fleet[i] == pytest.approx(units, rel=1e-12)  # no delay: a lease starts at once
    assert market.stopped[row].sum() == pytest.approx(stopped * (1 - reach), rel=1e-12)
    assert market.orders[row].sum() + market.rentals[row].sum() == pytest.approx(BUDGET, rel=1e-12)
    lease = sum(rented.values())
    assert flows.rental_margin_usd == pytest.approx(lease * rental / (1 + rental), rel=1e-12)
    assert flows.rented_units[model.bloc_index["CN"]] == pytest.approx(
        sum(usd / (prices[i] * (1 + rental)) for i, usd in rented.items()), rel=1e-12
    )
    # NVIDIA sells the leased chips to the cloud at their price, besides what it sold to labs (all orders
    # are filled; a smuggled chip's maker gets its price, the smugglers the premium)
    nvidia = [i for i, chip in enumerate(model.chips) if chip.maker == "nvidia"]
    controlled = model.regulation.controls[:, model.bloc_index["CN"]] > 0
    premium = model.spec.chip_market.leak_price_premium
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
