"""The supply chain: the foundry, equipment, memory, networking, server and power firms are paid from the
model's own flows, along the whole chain the money balances, and naming the payees changes nothing anyone
pays."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from simulation import load_scenario
from simulation.firms import OUTSIDE
from simulation.firms.chain import RESALE, electricity_usd
from simulation.markets.supply import BOOKED_MAX, allot, booked_growth
from simulation.model import AIRaceModel
from simulation.runner import run
from simulation.scenario import ScenarioError

SHORT = {"time.end": "2024-06-30", "investors.count": 100}


@pytest.fixture(scope="module")
def chain_run():
    return run("baseline", seed=2, overrides=SHORT)


@pytest.fixture(scope="module")
def without_chain():
    # Broadcom's custom accelerators stay, as a designer of no supplier's.
    return run("baseline", seed=2, overrides={**SHORT, "suppliers": [], "chipmakers.broadcom_xpu.division_of": None})


def test_naming_the_chain_s_payees_changes_nothing_anyone_pays_or_does(without_chain):
    # Apart from the foundry's packaging, which caps what the designers make, the chain only says who receives
    # money the model already spends: every other number of the run is the same, bit for bit, as a run whose
    # flows all go to suppliers outside the model.
    chain_run = run("baseline", seed=2, overrides={**SHORT, "suppliers.tsmc.packaging": None})
    shared = [c for c in without_chain.model.columns if c in chain_run.model.columns]
    assert len(shared) == len(without_chain.model.columns)
    pd.testing.assert_frame_equal(chain_run.model[shared], without_chain.model[shared], check_exact=True)
    for label in ("TSM", "ASML", "MU", "AVGO", "DELL", "SMCI", "VST", "CEG"):
        assert chain_run.model[f"revenue_ai_usd_{label}"].sum() > 0, label
        assert without_chain.model.filter(like=f"_{label}").empty


def test_the_money_balances_along_the_whole_chain_every_step():
    model = AIRaceModel(load_scenario("baseline", SHORT), 5)
    firms = model.ledger.firms
    while model.running:
        before = {i: f.cash_usd for i, f in firms.items()}
        model.step()
        net: dict[str, float] = defaultdict(float)
        paid_for: dict[tuple[str, str], float] = defaultdict(float)
        for p in model.ledger.last_step:
            net[p.payer] -= p.amount_usd
            net[p.payee] += p.amount_usd
            paid_for[(p.payee, p.kind)] += p.amount_usd
        scale = max(map(abs, before.values()))
        assert math.isclose(sum(net.values()), 0.0, abs_tol=1e-9 * scale)
        for supplier in model.suppliers.values():
            # what the chain paid a supplier is its chain revenue, all of it AI revenue but a toolmaker's from
            # the foundry's capex (only its AI part), and its cash moved by its payments alone
            received = sum(
                v for (payee, kind), v in paid_for.items() if payee == supplier.id and kind != "base_business"
            )
            assert math.isclose(received, supplier.chain_revenue_usd, rel_tol=1e-9, abs_tol=1e-3), supplier.id
            if supplier.spec.segment == "equipment":
                assert 0 <= supplier.ai_revenue_usd <= supplier.chain_revenue_usd * (1 + 1e-12), supplier.id
            else:  # and its divisions' chip sales (Broadcom's custom accelerators)
                chips = sum(division.step_ai_revenue_usd for division in supplier.divisions)
                assert supplier.ai_revenue_usd == supplier.chain_revenue_usd + chips, supplier.id
            assert math.isclose(supplier.cash_usd - before[supplier.id], net[supplier.id], abs_tol=1e-9 * scale)
        # server makers pass every accelerator they sell on to its maker
        resold = sum(v for (payee, kind), v in paid_for.items() if kind == RESALE)
        servers = [s for s in model.suppliers.values() if s.spec.segment == "servers"]
        bought = sum(v for (payee, kind), v in paid_for.items() if kind == "chips" and payee in {s.id for s in servers})
        assert math.isclose(resold, bought, rel_tol=1e-12, abs_tol=1e-6)


def test_the_foundry_and_memory_are_paid_each_chip_s_parts_and_the_rest_of_its_cost_goes_outside():
    model = AIRaceModel(load_scenario("baseline", SHORT), 1)
    sold = []
    for maker in model.chipmakers.values():

        def spy(units, revenue, cost, foundry=0.0, hbm=0.0, _sell=maker.sell, _id=maker.id):
            sold.append((_id, units.copy(), cost, foundry, hbm))
            _sell(units, revenue, cost, foundry, hbm)

        maker.sell = spy
    memory = {s.id: s.spec.market_share for s in model.suppliers.values() if s.spec.segment == "memory"}
    checked = 0
    for _ in range(60):
        sold.clear()
        model.step()
        parts = model.chip_market.parts_cost
        for maker, units, cost, foundry, hbm in sold:
            assert foundry == pytest.approx(float(units @ parts[0]), rel=1e-9)
            assert hbm == pytest.approx(float(units @ parts[1]), rel=1e-9)
            paid = defaultdict(float)
            for p in model.ledger.last_step:
                if p.payer == maker and p.kind == "production":
                    paid[p.payee] += p.amount_usd
            assert paid["tsmc"] == pytest.approx(foundry, rel=1e-9)  # TSMC makes every chip with a foundry cost
            for supplier, share in memory.items():
                assert paid[supplier] == pytest.approx(share * hbm, rel=1e-9)
            assert sum(paid.values()) == pytest.approx(cost, rel=1e-9)  # the rest of the cost goes outside
            checked += foundry > 0
    assert checked > 0
    assert model.spec.chip("ASCEND910B").foundry_cost_share == 0.0  # SMIC and its HBM are outside the model


def test_the_toolmaker_is_paid_the_tools_of_the_foundry_s_capex_and_of_china_s_subsidies_less_what_controls_deny():
    model = AIRaceModel(load_scenario("baseline", {**SHORT, "time.end": "2025-03-31"}), 4)
    asml, tsmc, huawei = model.suppliers["asml"], model.suppliers["tsmc"], model.chipmakers["huawei"]
    tools, share = model.spec.supply_chain.equipment_share, asml.spec.market_share
    denied_seen = subsidised = 0
    while model.running:
        base = asml.base_revenue_usd_per_year * model.dt  # its base revenue this step (it grows as it settles)
        model.step()
        paid = defaultdict(float)
        for p in model.ledger.last_step:
            paid[(p.payer, p.payee, p.kind)] += p.amount_usd
        # TSMC's capex, its base business's and its packaging's: the tools of each pay ASML its share, whichever
        # bloc controls tools
        for kind in ("base_capex", "capacity"):
            capex = sum(v for (payer, _, k), v in paid.items() if payer == "tsmc" and k == kind)
            assert paid[("tsmc", "asml", kind)] == pytest.approx(share * tools * capex, rel=1e-9)
        assert sum(
            v for (payer, _, kind), v in paid.items() if payer == "tsmc" and kind in ("base_capex", "capacity")
        ) == (pytest.approx(tsmc.capex_usd, rel=1e-12))
        # China's subsidised capacity buys tools abroad less the share of its wanted growth the controls deny
        denied = model.tools_denied("CN")
        assert denied == huawei.tools_denied_share and 0.0 <= denied < 1.0
        denied_seen += denied > 0
        subsidy = sum(v for (payer, _, kind), v in paid.items() if payer == "huawei" and kind == "capacity")
        from_china = paid[("huawei", "asml", "capacity")]
        assert from_china == pytest.approx(share * tools * subsidy * (1 - denied), rel=1e-9, abs=1e-6)
        subsidised += subsidy > 0
        # its China revenue: what China's payers paid it and its base business there, less the denied tools
        lost = asml.spec.sales_bloc_share * base * denied
        assert asml.revenue_from_bloc_usd == pytest.approx(
            from_china + asml.spec.sales_bloc_share * base - lost, rel=1e-9
        )
        assert asml.revenue_usd == pytest.approx(asml.chain_revenue_usd + base - lost, rel=1e-9)
        assert 0.0 <= asml.ai_revenue_usd <= asml.chain_revenue_usd
    assert denied_seen > 0 and subsidised > 0  # the December 2024 tool rule bound, Big Fund III paid


def _bill(model, owner) -> float:
    """The electricity of the owner's installed accelerators over a step, from their board power."""
    kw, terms = model.clusters.owner_power_kw(owner.id), model.spec.supply_chain
    return electricity_usd(kw, model.spec.tech.site_overhead, model.step_days, terms.electricity_usd_per_mwh)


def test_power_companies_sell_to_their_own_bloc_only_and_the_bill_is_paid_beside_the_running_costs():
    model = AIRaceModel(load_scenario("baseline", SHORT), 2)
    for _ in range(40):
        model.step()
    power = {s.id: s for s in model.suppliers.values() if s.spec.segment == "power"}
    assert power and all(s.bloc == "US" for s in power.values())
    us_bill = sum(o.electricity_usd for o in model.owners.values() if o.bloc == "US")
    for s in power.values():
        assert s.ai_revenue_usd == pytest.approx(s.spec.market_share * us_bill, rel=1e-9)
    payers = {p.payer for p in model.ledger.last_step if p.payee in power and p.kind == "electricity"}
    assert payers and {model.ledger.firms[payer].bloc for payer in payers} == {"US"}
    for o in model.owners.values():
        paid = defaultdict(float)
        for p in model.ledger.last_step:
            if p.payer == o.id:
                paid[p.kind] += p.amount_usd
        # where the running costs hold the bill (every owner here), the outlay is the running costs, as sourced
        serving = model.spec.services.cost_share * o.ai_revenue_usd_per_year * model.dt
        assert o.electricity_usd == pytest.approx(_bill(model, o), rel=1e-12)
        assert paid["electricity"] == pytest.approx(o.electricity_usd, rel=1e-9)
        assert paid["electricity"] + paid["serving"] == pytest.approx(max(serving, o.electricity_usd), rel=1e-9)


def test_owners_pay_their_whole_electricity_bill_when_their_running_costs_are_smaller():
    # With no running costs at all (`services.cost_share` 0) the bill used to be capped to nothing. Every owner,
    # one with no lab and a Chinese one among them, pays the whole bill of its installed accelerators, from its
    # cash (its operating cash flow falls by it), and the money still balances.
    model = AIRaceModel(load_scenario("baseline", {**SHORT, "services.cost_share": 0.0}), 2)
    owners = model.owners
    assert not owners["us_other_buyers"].labs and owners["alibaba_group"].bloc == "CN"
    for _ in range(30):
        cash = {o.id: o.cash_usd for o in owners.values()}
        model.step()
        net: dict[str, float] = defaultdict(float)
        for p in model.ledger.last_step:
            net[p.payer] -= p.amount_usd
            net[p.payee] += p.amount_usd
        assert math.isclose(sum(net.values()), 0.0, abs_tol=1e-9 * max(map(abs, cash.values())))
        for o in owners.values():
            bill = _bill(model, o)
            paid = sum(p.amount_usd for p in model.ledger.last_step if p.payer == o.id and p.kind == "electricity")
            assert bill > 0 and o.electricity_usd == pytest.approx(bill, rel=1e-12), o.id
            assert paid == pytest.approx(bill, rel=1e-9), o.id
            assert not any(p.payer == o.id and p.kind == "serving" for p in model.ledger.last_step)
            assert math.isclose(o.cash_usd - cash[o.id], net[o.id], rel_tol=1e-9, abs_tol=1e-3), o.id
            assert o.power_beyond_running_costs_usd_per_year == pytest.approx(bill / model.dt, rel=1e-12)
    for owner in ("us_other_buyers", "cn_other_buyers", "alibaba_group", "high_flyer"):
        assert owners[owner].electricity_usd > 0
    us = sum(o.electricity_usd for o in owners.values() if o.bloc == "US")
    for s in model.suppliers.values():
        if s.spec.segment == "power":
            assert s.ai_revenue_usd == pytest.approx(s.spec.market_share * us, rel=1e-9)


def test_summary_gives_each_firm_s_ai_revenue_by_year_from_its_column(chain_run):
    by_year = chain_run.summary["ai_revenue_usd_by_year"]
    frame = chain_run.model
    assert set(by_year) >= {"NVDA", "MSFT", "TSM", "MU", "AVGO", "DELL", "SMCI", "VST", "CEG", "sk_hynix"}
    assert list(by_year["TSM"]) == ["2023"]  # the run ends mid-2024: only 2023 is whole
    in_2023 = frame["date"].dt.year == 2023
    assert by_year["TSM"]["2023"] == pytest.approx(frame.loc[in_2023, "revenue_ai_usd_TSM"].sum(), rel=1e-6)
    assert np.isfinite(by_year["NVDA"]["2023"])


def test_bad_chain_inputs_are_refused_naming_the_key():
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline", {"suppliers.micron.market_share": 0.9})
    assert any(
        "suppliers.micron.market_share" in str(p) and "must be at most 1" in str(p) for p in caught.value.problems
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline", {"chips.H100.hbm_cost_share": 0.7})
    assert any("chips.H100.foundry_cost_share" in str(p) and "at most 1" in str(p) for p in caught.value.problems)
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline", {"suppliers.dell.segment": "chairs"})
    assert any("suppliers.dell.segment" in str(p) for p in caught.value.problems)


def test_outside_accounts_still_get_what_the_chain_s_firms_do_not_take():
    model = AIRaceModel(load_scenario("baseline", SHORT), 2)
    for _ in range(30):
        model.step()
    kinds = {p.kind for p in model.ledger.last_step if p.payee == OUTSIDE["suppliers"]}
    assert {"production", "ai_infrastructure", "serving"} <= kinds


@pytest.mark.parametrize("scenario", ["baseline", "leaky_controls", "cloud_loophole"])
def test_chips_made_are_the_chips_delivered_plus_those_in_transit_and_seized(scenario):
    # Makers build to order, so what they made is what they sold: every unit reaches a buyer's clusters, is
    # on its way with smugglers (their inventory), or was seized on the way; none is made twice or lost.
    model = AIRaceModel(load_scenario(scenario, SHORT), 3)
    while model.running:
        model.step()
        made = sum(maker.units_sold_total for maker in model.chipmakers.values())
        delivered = sum(owner.chips_received_total for owner in model.owners.values())
        in_transit = sum(float(s.units.sum()) for s in model.chip_market.in_transit)
        assert made == pytest.approx(delivered + in_transit + model.chip_market.seized_total, rel=1e-12)
    assert delivered > 0 and (scenario == "baseline" or model.chip_market.seized_total + in_transit > 0)


def test_a_server_maker_s_costs_of_sales_leave_out_the_accelerators_it_passes_on():
    model = AIRaceModel(load_scenario("baseline", SHORT), 3)
    checked = 0
    for _ in range(30):
        model.step()
        costs, resold = defaultdict(float), defaultdict(float)
        for p in model.ledger.last_step:
            if p.kind == "cost_of_sales":
                costs[p.payer] += p.amount_usd
            elif p.kind == RESALE:
                resold[p.payer] += p.amount_usd
        for s in model.suppliers.values():
            if s.spec.segment != "servers":
                assert resold[s.id] == 0.0, s.id  # only server makers pass anything on
            own = s.chain_revenue_usd - resold[s.id]  # the servers' other parts: what its margin is earned on
            assert costs[s.id] == pytest.approx(s.spec.ai_cost_share * own, rel=1e-9, abs=1e-3), s.id
            checked += s.spec.segment == "servers" and resold[s.id] > 0
    assert checked > 0


def test_server_makers_whose_shares_add_up_to_one_leave_nothing_negative_to_the_chipmaker():
    # 0.6 + 0.4 of an amount can exceed it by an ulp: what is left for the chipmaker is then 0, not -1e-8
    shares = {"suppliers.dell.market_share": 0.6, "suppliers.supermicro.market_share": 0.4}
    model = AIRaceModel(load_scenario("baseline", {**SHORT, **shares}), 1)
    rng = np.random.default_rng(0)
    for amount in rng.uniform(1e6, 1e10, 200).tolist():
        payments = model.chain.resell("microsoft", "nvidia", amount, "chips")
        model.ledger.record(payments)  # a negative payment would be refused
        to_maker = sum(usd for payer, payee, usd, kind in payments if payee == "nvidia")
        assert to_maker == pytest.approx(amount, rel=1e-12)


def test_two_firms_may_not_share_a_label_in_the_results():
    # the firms' columns share prefixes (revenue_ai_usd_<LABEL>): a supplier with NVIDIA's ticker would overwrite it
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline", {"suppliers.broadcom.ticker": "NVDA"})
    assert any("suppliers.broadcom.ticker" in str(p) and "chipmakers.nvidia" in str(p) for p in caught.value.problems)


def test_a_supplier_sells_only_to_the_blocs_it_sells_to():
    # Export rules cover servers built with controlled accelerators: Chinese buyers' AI servers (and their
    # Ascends) do not pass through Dell and Super Micro, and a US power company sells to US owners only.
    model = AIRaceModel(load_scenario("baseline", SHORT), 4)
    paid_by_cn = 0.0
    for _ in range(60):
        model.step()
        for p in model.ledger.last_step:
            payee = model.suppliers.get(p.payee)
            if payee is not None and payee.spec.sells_to and p.payer in model.ledger.firms:
                assert model.ledger.firms[p.payer].bloc in payee.spec.sells_to, (p, payee.spec.sells_to)
            if p.payee == "broadcom" and p.payer in model.owners and model.owners[p.payer].bloc == "CN":
                paid_by_cn += p.amount_usd
    assert paid_by_cn > 0  # a supplier with no sells_to sells to every bloc
    # shares are checked bloc by bloc: two power companies of different blocs may each hold most of theirs
    load_scenario("baseline", {"suppliers.vistra.market_share": 0.9, "suppliers.constellation.sells_to": ["ROW"]})


# -- the foundry's advanced packaging (CoWoS) ---------------------------------------------------------------


def test_packaging_is_split_by_the_bookings_when_short_and_grows_while_they_exceed_it():
    booked = np.array([6.0, 2.0])
    assert allot(booked, 10.0).tolist() == [6.0, 2.0]  # room for all: each gets what it booked
    short = allot(booked, 4.0)
    assert short.sum() == pytest.approx(4.0) and short[0] / short[1] == pytest.approx(3.0)  # one share each
    assert booked_growth(0.5, 10.0, 10.0) == 0.0  # the capacity holds the bookings: nothing is built
    assert booked_growth(0.5, 5.0, 10.0) == 0.0
    assert booked_growth(0.5, 15.0, 10.0) == 0.5 * 0.5 / (BOOKED_MAX - 1)  # half over-booked: half the rate
    assert booked_growth(0.5, 10.0 * BOOKED_MAX, 10.0) == 0.5  # BOOKED_MAX times over: the fastest
    assert booked_growth(0.5, 40.0, 10.0) == 0.5


def test_the_designers_make_no_more_than_the_packaging_they_are_allotted_and_it_no_more_than_there_is():
    model = AIRaceModel(load_scenario("baseline", {"time.end": "2025-12-31", "investors.count": 100}), 4)
    tsmc, makers = model.packager, model.packaged
    assert [m.id for m in makers] == ["nvidia", "amd", "broadcom_xpu"]  # Huawei's dies are SMIC's, not TSMC's
    inside = 1.0 - tsmc.spec.packaging.outside_share
    short = 0
    while model.running:
        model.step()
        allotted = sum(m.packaging_wafers_per_year for m in makers) / 12.0
        assert allotted <= inside * tsmc.packaging_wafers_per_month * (1 + 1e-12)
        assert tsmc.packaging_used_wafers_per_month <= tsmc.packaging_wafers_per_month * (1 + 1e-12)
        for m in makers:
            assert m.capacity_chips_per_year <= m.booked_chips_per_year * (1 + 1e-12)
        short += allotted < sum(m.booked_chips_per_year / m.packages_per_wafer() for m in makers) / 12.0 * (1 - 1e-9)
    assert short > 0  # the packaging bound in some steps (2023-2024: CoWoS was the bottleneck)


def test_the_packaging_columns_follow_the_capacity_and_its_use():
    result = run("baseline", seed=3, overrides={"time.end": "2025-12-31", "investors.count": 100})
    m = result.model
    capacity, used = m["packaging_wafers_per_month_TSM"], m["packaging_used_wafers_per_month_TSM"]
    assert (used <= capacity * (1 + 1e-12)).all()
    assert capacity.iloc[0] == 7.0e3 and capacity.is_monotonic_increasing and capacity.iloc[-1] > 4 * capacity.iloc[0]
    outside = next(s for s in result.scenario.suppliers if s.packaging).packaging.outside_share  # customers outside
    assert (used.iloc[1:] > outside * capacity.iloc[1:]).all()  # and the designers
    # Its capex pays for the growth: TSMC's capex is its base business's and the packaging's cost of the growth.
    without = run(
        "baseline",
        seed=3,
        overrides={"time.end": "2025-12-31", "investors.count": 100, "suppliers.tsmc.packaging": None},
    ).model
    base = without["capex_usd_TSM"].sum()  # the same base business: its capex does not answer the AI flows
    grown = (capacity.iloc[-1] - capacity.iloc[0]) * 1.4e5
    assert m["capex_usd_TSM"].sum() - base == pytest.approx(grown, rel=1e-9)


def test_scarcer_packaging_makes_fewer_leading_chips_at_a_higher_markup():
    terms = {"time.end": "2024-12-31", "investors.count": 100}
    plenty = AIRaceModel(load_scenario("baseline", terms), 5)
    scarce = AIRaceModel(load_scenario("baseline", {**terms, "suppliers.tsmc.packaging.wafers_per_month": 3.5e3}), 5)
    for model in (plenty, scarce):
        while model.running:
            model.step()
    nvidia = (plenty.chipmakers["nvidia"], scarce.chipmakers["nvidia"])
    assert nvidia[1].units_sold_total < 0.9 * nvidia[0].units_sold_total
    assert nvidia[1].markup > nvidia[0].markup


def test_bad_packaging_inputs_are_refused_naming_the_key():
    with pytest.raises(ScenarioError) as caught:
        load_scenario(
            "baseline",
            {
                "suppliers.asml.packaging": {
                    "wafers_per_month": 1e4,
                    "growth_max_per_year": 0.5,
                    "outside_share": 0.1,
                    "capex_usd_per_wafer_month": 1e5,
                }
            },
        )
    assert any("only a foundry packages chips" in str(p) for p in caught.value.problems)
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline", {"chips.B200.packages_per_wafer": None})
    assert any(
        "chips.B200.packages_per_wafer" in str(p) and "tsmc packages nvidia's chips" in str(p)
        for p in caught.value.problems
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline", {"suppliers.tsmc.packaging.outside_share": 1.0})
    assert any("suppliers.tsmc.packaging.outside_share" in str(p) for p in caught.value.problems)
