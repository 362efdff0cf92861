"""Firms and the ledger: every payment has a payer and a payee, no money is created or lost, and every
firm's books close every step (the change in its cash is what came in less what went out)."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest

from simulation import load_scenario
from simulation.firms import OUTSIDE, BooksDoNotClose
from simulation.model import AIRaceModel


def _cash(model: AIRaceModel) -> dict[str, float]:
    return {firm_id: firm.cash_usd for firm_id, firm in model.ledger.firms.items()}


def test_the_ledger_creates_and_loses_no_money_over_a_whole_run_of_deepseek_shock():
    """Step by step through the flagship scenario: each firm's cash moves by exactly its payments, and what the
    firms together gained is what the outside accounts lost."""
    model = AIRaceModel(load_scenario("deepseek_shock", {"investors.count": 100}), 3)
    kinds: set[str] = set()
    while model.running:
        before = _cash(model)
        model.step()
        net: dict[str, float] = defaultdict(float)
        for p in model.ledger.last_step:
            assert p.amount_usd > 0 and p.payer != p.payee
            net[p.payer] -= p.amount_usd
            net[p.payee] += p.amount_usd
            kinds.add(p.kind)
        scale = max(map(abs, before.values()))
        for firm_id, cash in _cash(model).items():
            assert math.isclose(cash - before[firm_id], net[firm_id], abs_tol=1e-9 * scale), (model.date, firm_id)
        assert math.isclose(sum(net.values()), 0.0, abs_tol=1e-9 * scale)
        outside = sum(v for account, v in net.items() if account in OUTSIDE.values())
        firms = sum(_cash(model).values()) - sum(before.values())
        assert math.isclose(firms, -outside, abs_tol=1e-9 * scale), model.date
    # Every flow of the story has a payee: chips, the owners' budgets, funding, services, capex, the makers' costs.
    assert {"chips", "compute", "funding", "ai_services", "serving", "base_business", "base_capex"} <= kinds
    assert {"ai_infrastructure", "production", "opex", "electricity"} <= kinds


@pytest.mark.parametrize(
    ("scenario", "kind", "outside"),
    [
        ("leaky_controls", "smuggling", "smugglers"),
        ("cloud_loophole", "rental", "clouds_abroad"),
        ("h20_flip_flop", "licence_fee", "governments"),
        ("reactive_regulators", "subsidy", "governments"),
    ],
)
def test_every_firms_books_close_every_step_with_each_kind_of_flow(scenario, kind, outside):
    """The money that used to leave without a payee (smugglers' and clouds' margins, licence fees) or come
    from nowhere (subsidies) has its named counterparty, and the books still close each step (a step whose
    books do not close raises `BooksDoNotClose`)."""
    model = AIRaceModel(load_scenario(scenario, {"investors.count": 100}), 1)
    seen = 0.0
    while model.running:
        model.step()
        seen += sum(
            p.amount_usd for p in model.ledger.last_step if p.kind == kind and OUTSIDE[outside] in (p.payer, p.payee)
        )
    assert seen > 0, f"no {kind} flow with {outside} in {scenario}"


def test_cash_that_moves_outside_the_ledger_stops_the_run():
    model = AIRaceModel(load_scenario("baseline", {"time.end": "2023-03-01", "investors.count": 100}), 1)
    model.step()
    model.labs["deepseek"].cash_usd += 1e6  # money from nowhere
    with pytest.raises(BooksDoNotClose, match="deepseek: cash moved by"):
        model.step()


def test_the_listed_firms_are_those_with_a_listing_with_its_sources():
    model = AIRaceModel(load_scenario("baseline", {"time.end": "2023-02-01", "investors.count": 100}), 1)
    listed = [firm.id for firm in model.ledger.firms.values() if firm.listing]
    assert listed == [firm.id for firm in model.equity.firms] == ["nvidia", "amd"]
    nvidia = model.chipmakers["nvidia"].listing
    assert nvidia.ticker == "NVDA" and nvidia.start_price_usd == model.equity.prices[0]
    assert "shares_outstanding" in nvidia.sources
    # Owners and labs are firms with books too; an owner's ticker alone is no listing.
    assert model.owners["microsoft"].listing is None and model.owners["microsoft"].ticker == "MSFT"
    assert model.labs["openai"].books.opening_cash_usd == model.labs["openai"].cash_usd


def test_the_books_show_the_last_steps_revenue_by_source_costs_by_counterparty_and_capex():
    model = AIRaceModel(load_scenario("baseline", {"time.end": "2024-06-30", "investors.count": 100}), 1)
    model.run_model()
    microsoft, nvidia = model.owners["microsoft"], model.chipmakers["nvidia"]
    assert {"ai_services", "base_business"} <= set(microsoft.books.revenue)
    # An owner's capex in the books is the capex it reports: base capex, its labs' chips, the rest of AI capex.
    assert microsoft.books.capex_usd == pytest.approx(microsoft.capex_usd, rel=1e-12)
    assert nvidia.books.costs[OUTSIDE["suppliers"]] > 0 and nvidia.books.revenue["chips"] > 0
    assert nvidia.books.run_rates["revenue"] == nvidia.revenue_usd_per_year


@pytest.mark.parametrize(
    ("payer", "payee", "amount", "error"),
    [
        ("nobody", OUTSIDE["users"], 1.0, "no account 'nobody'"),
        (OUTSIDE["users"], "openai", -1.0, "positive and finite, not -1.0"),
        (OUTSIDE["users"], "openai", math.nan, "positive and finite, not nan"),
        (OUTSIDE["users"], "openai", math.inf, "positive and finite, not inf"),
    ],
)
def test_the_ledger_refuses_a_payment_it_cannot_book(payer, payee, amount, error):
    model = AIRaceModel(load_scenario("baseline", {"time.end": "2023-02-01", "investors.count": 100}), 1)
    with pytest.raises((KeyError, ValueError), match=error):
        model.ledger.pay(payer, payee, amount, "test")
