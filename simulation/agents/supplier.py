"""A supplier: a firm of the AI supply chain (the foundry, a memory maker, networking, a server maker, a power
company), paid its share of its segment's flow in the model (`simulation.firms.chain`), beside a non-AI base
business sized from its last annual report before the start.

Its books each step: the AI revenue the chain paid it; what it pays on for that revenue (the accelerators a
server maker passes on to their makers, and `ai_cost_share` of the rest: wafers, materials, fuel, staff);
the base business's operating cash flow; its capex (the share of base revenue capex took in the year before
the start). How a supplier answers demand with capacity of its own (the foundry's advanced packaging) is
not modelled here: its AI revenue follows the flows, whatever they are.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simulation.agents.chipmaker import EARNINGS_HALFLIFE_DAYS
from simulation.firms import OUTSIDE, Firm
from simulation.scenario import Supplier as SupplierSpec
from simulation.tech import step_fraction

if TYPE_CHECKING:
    from simulation.model import AIRaceModel


class Supplier(Firm):
    spec: SupplierSpec

    def __init__(self, model: AIRaceModel, spec: SupplierSpec):
        super().__init__(model, spec, spec.cash_usd)
        self.label = spec.label
        self.base_revenue_usd_per_year = spec.base_revenue_usd_per_year
        self._capex_share = (
            spec.capex_usd_per_year / spec.base_revenue_usd_per_year if spec.base_revenue_usd_per_year > 0 else 0.0
        )
        self._earned = 0.0  # AI revenue of this step so far
        self._passed_on = 0.0  # the part of it passed on whole (a server maker's accelerators)
        self.ai_revenue_usd = 0.0  # AI revenue of the last step settled (a flow)
        self.revenue_usd = 0.0  # its revenue in all over that step, AI and base
        self.capex_usd = 0.0  # capex paid over that step
        self.ai_revenue_total_usd = 0.0
        self.books.run_rates["ai_revenue"] = 0.0

    def earn(self, amount_usd: float, passed_on: float = 0.0) -> None:
        """The chain paid it `amount_usd` of its segment's flow, of which it passes `passed_on` on whole (paid
        by the chain as it is earned)."""
        self._earned += amount_usd
        self._passed_on += passed_on
        self.cash_usd += amount_usd - passed_on

    def settle(self) -> None:
        """The step's own flows, through the ledger, and its cash: the costs of its AI revenue, the base
        business's operating cash flow and its capex; then the run rates."""
        dt, ledger, suppliers = self.model.dt, self.model.ledger, OUTSIDE["suppliers"]
        costs = self.spec.ai_cost_share * (self._earned - self._passed_on)
        base_cash = self.spec.base_cash_margin * self.base_revenue_usd_per_year * dt
        capex = self._capex_share * self.base_revenue_usd_per_year * dt
        ledger.record(
            (
                (self.id, suppliers, costs, "cost_of_sales"),
                ledger.settlement(self.id, OUTSIDE["customers"], base_cash, "base_business"),
                (self.id, suppliers, capex, "base_capex"),
            )
        )
        self.cash_usd += base_cash - costs - capex
        self.ai_revenue_usd = self._earned
        self.revenue_usd = self._earned + self.base_revenue_usd_per_year * dt
        self.capex_usd = capex
        self.ai_revenue_total_usd += self._earned
        weight = step_fraction(math.log(2) * 365.25 / EARNINGS_HALFLIFE_DAYS, dt)
        self.books.smooth("ai_revenue", self._earned / dt, weight)
        self._earned = self._passed_on = 0.0
        self.base_revenue_usd_per_year *= math.exp(math.log1p(self.spec.base_revenue_growth_per_year) * dt)

    @property
    def step_ai_revenue_usd(self) -> float:
        return self.ai_revenue_usd

    @property
    def step_revenue_usd(self) -> float:
        return self.revenue_usd

    @property
    def ai_revenue_usd_per_year(self) -> float:
        """Its smoothed AI revenue a year (about a quarter's memory, as firms report)."""
        return self.books.run_rates["ai_revenue"]
