"""A supplier: a firm of the AI supply chain (the foundry, a toolmaker, a memory maker, networking, a server
maker, a power company), paid its share of its segment's flow in the model (`simulation.firms.chain`), beside
a non-AI base business sized from its last annual report before the start (`simulation.firms.base_business`,
as an owner's).

Its books each step: what the chain paid it (all of it AI revenue, but for a toolmaker paid from the
foundry's capex: only the share of that capex building AI chips); what it pays on for that revenue (the
accelerators a server maker passes on to their makers, and `ai_cost_share` of the rest: wafers, materials,
fuel, staff); the base business's operating cash flow, less the sales a toolmaker's base business loses in
its `sales_bloc` to the tool controls on it; its capex (the share of base revenue capex took in the year
before the start), a foundry's buying tools from the equipment segment.

A foundry with `packaging` (TSMC's CoWoS) is where the leading designers' capacity sits: each step it grows
its packaging by its own capex, faster the more the designers book against it, and splits what there is
among their bookings (`package`); the designers make no more chips than their part holds. Its other AI
revenue follows the flows, whatever they are.

A supplier may have a chip-design division (Broadcom's custom accelerators): a chipmaker of its own, which books
the foundry's packaging and sells the chips made for some owners alone; the division's sales count in the
supplier's AI revenue and revenue (its books in the ledger stay the division's).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from simulation.agents.chipmaker import EARNINGS_HALFLIFE_DAYS
from simulation.firms import OUTSIDE, FirmWithBaseBusiness
from simulation.markets.supply import allot, booked_growth
from simulation.scenario import Supplier as SupplierSpec
from simulation.tech import step_fraction

if TYPE_CHECKING:
    from simulation.agents.chipmaker import Chipmaker
    from simulation.model import AIRaceModel


class Supplier(FirmWithBaseBusiness):
    spec: SupplierSpec

    def __init__(self, model: AIRaceModel, spec: SupplierSpec):
        super().__init__(model, spec, spec.capex_usd_per_year)
        self.label = spec.label
        self._earned = 0.0  # what the chain paid it this step so far
        self._earned_ai = 0.0  # the AI part of that
        self._from_bloc = 0.0  # the part of it paid by payers of its `sales_bloc`
        self._passed_on = 0.0  # the part of it passed on whole (a server maker's accelerators)
        self._capex = 0.0  # this step's capex, and its payments (`invest`)
        self._capex_payments: list[tuple[str, str, float, str]] = []
        self.ai_revenue_usd = 0.0  # AI revenue of the last step settled (a flow)
        self.chain_revenue_usd = 0.0  # all the chain paid it over that step, AI or not
        self.revenue_usd = 0.0  # its revenue in all over that step, AI and base
        self.revenue_from_bloc_usd = 0.0  # its revenue from its `sales_bloc` over that step, chain and base
        self.capex_usd = 0.0  # capex paid over that step
        self.ai_revenue_total_usd = 0.0
        self.books.run_rates["ai_revenue"] = 0.0
        packaging = spec.packaging
        self.packaging_wafers_per_month = packaging.wafers_per_month if packaging else 0.0
        """Its advanced-packaging capacity, all customers (interposer wafers a month)."""
        self.packaging_used_wafers_per_month = (
            packaging.outside_share * packaging.wafers_per_month if packaging else 0.0
        )
        """What of it was used over the last step settled: the designers' chips delivered and the customers
        outside the model (wafers a month)."""
        self._packaged = 0.0  # packaging wafers the designers' chips delivered this step took
        self.divisions = [m for m in model.chipmakers.values() if m.spec.division_of == spec.id]
        """Its chip-design divisions (Broadcom's custom accelerators): chipmakers whose sales are its revenue too."""
        self._packaging_capex = 0.0  # this step's capex on packaging

    # -- advanced packaging ------------------------------------------------------------------------

    def package(self, makers: list[Chipmaker]) -> None:
        """Grow the packaging towards the bookings (the designers' booked chips a year in wafers of their newest
        chip, against the capacity the customers outside the model leave them), under its bloc's tool controls,
        paying its capex; then allot each designer its part of the capacity."""
        model, packaging = self.model, self.spec.packaging
        assert packaging is not None
        dt = model.dt
        per_wafer = np.array([m.packages_per_wafer() for m in makers])
        booked = np.array([m.booked_chips_per_year for m in makers]) / per_wafer / 12.0  # wafers a month
        inside = 1.0 - packaging.outside_share
        growth = booked_growth(
            packaging.growth_max_per_year, float(booked.sum()), inside * self.packaging_wafers_per_month
        )
        growth = model.regulation.allowed_growth(self.bloc, growth)
        grown = self.packaging_wafers_per_month * math.exp(growth * dt)
        self._packaging_capex += (grown - self.packaging_wafers_per_month) * packaging.capex_usd_per_wafer_month
        self.packaging_wafers_per_month = grown
        parts = allot(booked, inside * grown)
        for maker, wafers, chips in zip(makers, parts.tolist(), per_wafer.tolist(), strict=True):
            maker.packaging_wafers_per_year = wafers * 12.0
            maker.capacity_chips_per_year = wafers * 12.0 * chips

    def packaged(self, wafers: float) -> None:
        """A designer delivered chips that took `wafers` of its packaging this step."""
        self._packaged += wafers

    def earn(self, amount_usd: float, passed_on: float = 0.0, ai: float | None = None, bloc: str = "") -> None:
        """The chain paid it `amount_usd` of its segment's flow (`ai` of it AI revenue: all, unless said), of
        which it passes `passed_on` on whole (paid by the chain as it is earned); `bloc`: the payer's."""
        self._earned += amount_usd
        self._earned_ai += amount_usd if ai is None else ai
        if bloc and bloc == self.spec.sales_bloc:
            self._from_bloc += amount_usd
        self._passed_on += passed_on
        self.cash_usd += amount_usd - passed_on

    def invest(self) -> None:
        """The step's capex, paid when it settles. A foundry's buys tools from the equipment segment
        (`SupplyChain.tools`), their AI part the share of its revenue its AI chips make (the tools' share
        making them). Every supplier invests before any settles, so a toolmaker settles what it earned."""
        capex = self.base_capex_usd_per_year * self.model.dt
        if self.spec.segment == "foundry":
            ai = self.ai_revenue_usd_per_year
            ai_share = ai / (ai + self.base_revenue_usd_per_year) if ai > 0 else 0.0
            self._capex_payments = self.model.chain.tools(self.id, capex, "base_capex", ai_share)
        else:
            self._capex_payments = [(self.id, OUTSIDE["suppliers"], capex, "base_capex")]
        if self._packaging_capex > 0:  # all of it for AI chips
            self._capex_payments += self.model.chain.tools(self.id, self._packaging_capex, "capacity")
            capex += self._packaging_capex
            self._packaging_capex = 0.0
        self._capex = capex

    def settle(self) -> None:
        """The step's own flows, through the ledger, and its cash: the costs of what the chain paid it, the
        base business's operating cash flow (a toolmaker's less the sales in its `sales_bloc` that the tool
        controls deny: `SupplyChain.tools_denied`) and its capex (`invest`); then the run rates."""
        dt, ledger, spec = self.model.dt, self.model.ledger, self.spec
        costs = spec.ai_cost_share * (self._earned - self._passed_on)
        base_cash = self.base_cash_usd_per_year * dt
        lost = 0.0  # base sales the tool controls deny
        if spec.sales_bloc is not None:
            in_bloc = spec.sales_bloc_share * self.base_revenue_usd_per_year * dt
            if spec.segment == "equipment":
                lost = self.model.chain.tools_denied(spec.sales_bloc) * in_bloc
                base_cash -= spec.base_cash_margin * lost
            self.revenue_from_bloc_usd = self._from_bloc + in_bloc - lost
        ledger.record(
            (
                (self.id, OUTSIDE["suppliers"], costs, "cost_of_sales"),
                self.base_business_settlement(base_cash),
                *self._capex_payments,
            )
        )
        self.cash_usd += base_cash - costs - self._capex
        chips = sum(division.step_ai_revenue_usd for division in self.divisions)  # 0 with none: x + 0 is x
        self.ai_revenue_usd = self._earned_ai + chips
        self.chain_revenue_usd = self._earned
        self.revenue_usd = self._earned + chips + self.base_revenue_usd_per_year * dt - lost
        self.capex_usd = self._capex
        self.ai_revenue_total_usd += self.ai_revenue_usd
        weight = step_fraction(math.log(2) * 365.25 / EARNINGS_HALFLIFE_DAYS, dt)
        self.books.smooth("ai_revenue", self.ai_revenue_usd / dt, weight)
        self._earned = self._earned_ai = self._from_bloc = self._passed_on = 0.0
        self._capex_payments = []
        if spec.packaging is not None:
            outside = spec.packaging.outside_share * self.packaging_wafers_per_month
            self.packaging_used_wafers_per_month = outside + self._packaged / (12.0 * dt)
            self._packaged = 0.0
        self.grow_base_business()

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
