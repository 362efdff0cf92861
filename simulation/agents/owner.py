"""Owners: the firms that own the labs and pay for their data centres (Microsoft for OpenAI, Alphabet
for Google DeepMind, High-Flyer for DeepSeek, ...), listed or private.

An owner's books carry a base business (everything but AI: revenue, its operating cash flow and its
capex, sized from the annual report of the year before the start and grown at its own rate) beside
its labs' AI-services revenue and its AI capex. AI capex is planned for the AI market the owner
builds for, the AI-services revenue of its bloc's labs, as it expects it `capex.horizon_years`
ahead: today's revenue grown at its remembered growth rate (adaptive expectations). The platforms
built for the AI market as a whole, not for their own lab's share of it on the day (Meta spent as a
leader with little AI-services revenue of its own), and a lab's share of a market jumps with each
release, so a plan that chased it would swing with every model shipped. The owner keeps the ratio
of AI capex to the expected market it had at the start (its plan is sized from its own filings, not
from a free parameter), and its capex moves
towards the plan at `capex.adjust_per_year`, as data-centre projects take time to start and
to stop. A share `capex.chip_share` of AI capex is the labs' chip budget; the rest goes to
buildings, power and networks. What cash flow and cash do not cover is borrowed on capital markets,
up to a net debt of `capex.net_debt_max_years` years of operating cash flow (the leverage
that keeps an investment-grade rating); an AI plan beyond that is cut to what can be paid for, to
nothing if need be. The base business's capex is paid whatever (it is the firm's own business, not
modelled beyond its revenue, margin and capex), so an owner whose base business does not pay for
itself borrows past the limit, and then spends nothing on AI.

The books balance every step: the change in cash (negative cash is net debt) equals the base
business's operating cash flow, plus the AI margin, less capex paid.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simulation.firms import OUTSIDE, Firm
from simulation.scenario import Capex, Services
from simulation.scenario import Owner as OwnerSpec
from simulation.tech import step_fraction

if TYPE_CHECKING:
    from simulation.agents.lab import Lab
    from simulation.model import AIRaceModel


class Owner(Firm):
    spec: OwnerSpec

    def __init__(
        self, model: AIRaceModel, spec: OwnerSpec, expected_growth_per_year: float, capex: Capex, services: Services
    ):
        """`expected_growth_per_year`: the growth of its AI revenue the owner expects at the start (that
        of its bloc's AI-services market: it has no history of its own yet); `capex`, the scenario's terms of
        AI capex plans, and `services`, of the AI-services business (its cost share)."""
        super().__init__(model, spec, spec.cash_usd)
        self.capex_spec = capex
        self.services_spec = services
        self.label = spec.label
        self.labs: list[Lab] = []
        self.base_revenue_usd_per_year = spec.base_revenue_usd_per_year
        self._base_capex_share = (
            spec.capex_usd_per_year * (1 - spec.ai_capex_share) / spec.base_revenue_usd_per_year
            if spec.base_revenue_usd_per_year > 0
            else 0.0
        )
        self.ai_capex_usd_per_year = spec.capex_usd_per_year * spec.ai_capex_share
        self.ai_revenue_usd_per_year = 0.0
        self.market_usd_per_year = 0.0  # AI-services revenue of its bloc's labs: the market it builds for
        self.growth_belief = math.log1p(expected_growth_per_year)  # log growth a year of that market
        self._intensity: float | None = None  # AI capex per dollar of expected AI revenue, fixed at the start
        self.chip_budget_usd = 0.0  # what its labs may spend on chips this step
        self.chips_paid_usd = 0.0  # what they spent of it
        self.payable_usd = 0.0  # the most it could spend on AI this step, as it planned (`plan`)
        self.capex_usd = 0.0  # capex paid this step (a flow), AI and non-AI
        self.ai_spend_usd = 0.0  # the AI part of it
        self.capex_total_usd = 0.0
        self.raised_usd_total = 0.0  # borrowed in all: the rises of its net debt

    @property
    def base_capex_usd_per_year(self) -> float:
        """Capex of the non-AI business: the share of base revenue it took in the year before the start."""
        return self._base_capex_share * self.base_revenue_usd_per_year

    @property
    def expected_market_usd_per_year(self) -> float:
        """The AI market it plans for: today's, grown `capex.horizon_years` at its remembered growth."""
        return self.market_usd_per_year * math.exp(self.growth_belief * self.capex_spec.horizon_years)

    @property
    def planned_ai_capex_usd_per_year(self) -> float:
        return (self._intensity or 0.0) * self.expected_market_usd_per_year

    def plan(self) -> None:
        """Set this step's AI capex towards the plan for the revenue it expects, and the labs' chip budget."""
        capex = self.capex_spec
        dt = self.model.dt
        if self._intensity is None:  # the first step: the market is known from the start (`book_revenue`)
            expected = self.expected_market_usd_per_year
            self._intensity = self.ai_capex_usd_per_year / expected if expected > 0 else 0.0
        move = step_fraction(capex.adjust_per_year, dt)
        self.ai_capex_usd_per_year += move * (self.planned_ai_capex_usd_per_year - self.ai_capex_usd_per_year)
        # What it can pay this step: its cash, what it may borrow, and this step's cash flow less base capex.
        payable = (
            self.cash_usd + self.debt_limit_usd + (self.operating_cash_usd_per_year - self.base_capex_usd_per_year) * dt
        )
        self.payable_usd = max(payable, 0.0)
        self.ai_capex_usd_per_year = min(self.ai_capex_usd_per_year, self.payable_usd / dt)
        self.chip_budget_usd = self.ai_capex_usd_per_year * capex.chip_share * dt
        self.chips_paid_usd = 0.0

    def budget_for(self, lab: Lab) -> float:
        """A lab's part of this step's chip budget, in proportion to the compute the owner's labs hold."""
        if len(self.labs) == 1:
            return self.chip_budget_usd
        total = sum(other.compute_flops for other in self.labs)
        return self.chip_budget_usd * (lab.compute_flops / total if total > 0 else 1 / len(self.labs))

    @property
    def operating_cash_usd_per_year(self) -> float:
        """Operating cash flow: the base business's, and the margin on its labs' AI services."""
        ai_margin = 1.0 - self.services_spec.cost_share
        return self.spec.base_cash_margin * self.base_revenue_usd_per_year + ai_margin * self.ai_revenue_usd_per_year

    @property
    def debt_limit_usd(self) -> float:
        """The most it may owe: `capex.net_debt_max_years` of its operating cash flow."""
        return self.capex_spec.net_debt_max_years * max(self.operating_cash_usd_per_year, 0.0)

    def pay_chips(self, lab: Lab, usd: float) -> None:
        """Pay `lab` `usd` of its chip budget for the chips it bought (its cash moves at `settle`)."""
        self.model.ledger.pay(self.id, lab.id, usd, "chip_budget")
        self.chips_paid_usd += usd

    def book_revenue(self, revenue_usd_per_year: float, market_usd_per_year: float) -> None:
        """Its labs' AI-services revenue this step, and its bloc's labs' (rates); the growth it remembers
        moves with the bloc's."""
        dt = self.model.dt
        before = self.market_usd_per_year
        self.ai_revenue_usd_per_year = revenue_usd_per_year
        self.market_usd_per_year = market_usd_per_year
        if before > 0 and market_usd_per_year > 0 and self._intensity is not None:
            observed = math.log(market_usd_per_year / before) / dt
            memory = 1.0 - 0.5 ** (dt / self.capex_spec.growth_memory_years)
            self.growth_belief += memory * (observed - self.growth_belief)

    def settle(self) -> None:
        """Settle the step's cash: operating cash flow in, capex out (each flow through the ledger); a fall below
        zero cash is borrowed."""
        capex = self.capex_spec
        dt = self.model.dt
        other_ai = self.ai_capex_usd_per_year * (1.0 - capex.chip_share) * dt
        self.ai_spend_usd = other_ai + self.chips_paid_usd
        self.capex_usd = self.base_capex_usd_per_year * dt + self.ai_spend_usd
        self._pay_the_step(other_ai)
        debt = max(-self.cash_usd, 0.0)
        self.cash_usd += self.operating_cash_usd_per_year * dt - self.capex_usd
        self.raised_usd_total += max(max(-self.cash_usd, 0.0) - debt, 0.0)
        self.capex_total_usd += self.capex_usd
        self.base_revenue_usd_per_year *= math.exp(math.log1p(self.spec.base_revenue_growth_per_year) * dt)

    def _pay_the_step(self, other_ai_usd: float) -> None:
        """The step's flows through the ledger, as `settle` moves the cash: the base business's operating cash
        flow, the labs' AI-services revenue and its serving costs, base capex and the AI capex beyond chips
        (its labs' chips were paid as they were bought, `pay_chips`)."""
        ledger, dt, suppliers = self.model.ledger, self.model.dt, OUTSIDE["suppliers"]
        ai_revenue = self.ai_revenue_usd_per_year * dt
        base_cash = self.spec.base_cash_margin * self.base_revenue_usd_per_year * dt
        ledger.record(
            (
                ledger.settlement(self.id, OUTSIDE["customers"], base_cash, "base_business"),
                (OUTSIDE["users"], self.id, ai_revenue, "ai_services"),
                (self.id, suppliers, self.services_spec.cost_share * ai_revenue, "serving"),
                (self.id, suppliers, self.base_capex_usd_per_year * dt, "base_capex"),
                (self.id, suppliers, other_ai_usd, "ai_infrastructure"),
            )
        )
