"""Chipmakers: make AI chips within a capacity that grows when demand fills it, price them, report earnings."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

from simulation.scenario import Chipmaker as ChipmakerSpec
from simulation.tech import step_fraction

if TYPE_CHECKING:
    from simulation.model import AIRaceModel

EARNINGS_HALFLIFE_DAYS = 91.0  # firms report quarterly: investors see a smoothed, about-quarterly run rate


class Chipmaker(mesa.Agent):
    model: AIRaceModel

    def __init__(self, model: AIRaceModel, spec: ChipmakerSpec):
        super().__init__(model)
        self.id = spec.id
        self.name = spec.name
        self.bloc = spec.bloc
        self.ticker = spec.ticker
        self.shares_outstanding = spec.shares_outstanding or 0.0
        self.capacity_chips_per_year = spec.capacity_chips_per_year
        self.capacity_growth_per_year = spec.capacity_growth_per_year
        self.opex_usd_per_year = spec.opex_usd_per_year
        self.markup = 1.0
        self.order_ratio = 1.0
        self.revenue_usd_per_year = spec.revenue_usd_per_year  # smoothed run rate, what investors read
        own = [c for c in model.chips if c.maker == spec.id]
        margin = sum(1 - c.unit_cost_usd / c.price_usd for c in own) / len(own) if own else 0.0
        self.earnings_usd_per_year = spec.revenue_usd_per_year * margin - spec.opex_usd_per_year
        self.units_sold_total = 0.0
        self.revenue_total_usd = 0.0
        self._step_revenue = 0.0
        self._step_cost = 0.0

    def produce(self) -> None:
        """Capacity grows with investment, faster the fuller the order book was last step."""
        dt = self.model.dt
        pull = min(max(self.order_ratio, 0.0), 1.5)
        self.capacity_chips_per_year *= math.exp(self.capacity_growth_per_year * pull * dt)
        self._step_revenue = 0.0
        self._step_cost = 0.0

    def output_this_step(self) -> float:
        return self.capacity_chips_per_year * self.model.dt

    def observe_demand(self, asked: float, available: float) -> None:
        """Prices move towards the level that clears orders against output (within the scenario's bounds)."""
        markets = self.model.spec.markets
        self.order_ratio = asked / available if available > 0 else 0.0
        pressure = math.log(max(self.order_ratio, 0.1))
        self.markup *= math.exp(markets.chip_price_adjust_per_year * self.model.dt * pressure)
        self.markup = min(max(self.markup, markets.chip_markup_min), markets.chip_markup_max)

    def sell(self, units: float, revenue_usd: float, cost_usd: float) -> None:
        self.units_sold_total += units
        self.revenue_total_usd += revenue_usd
        self._step_revenue += revenue_usd
        self._step_cost += cost_usd

    def report(self) -> None:
        """Update the smoothed revenue and earnings run rates (per year) that investors value."""
        dt = self.model.dt
        weight = step_fraction(math.log(2) * 365.25 / EARNINGS_HALFLIFE_DAYS, dt)
        revenue = self._step_revenue / dt
        earnings = (self._step_revenue - self._step_cost) / dt - self.opex_usd_per_year
        self.revenue_usd_per_year += weight * (revenue - self.revenue_usd_per_year)
        self.earnings_usd_per_year += weight * (earnings - self.earnings_usd_per_year)
