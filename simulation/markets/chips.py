"""The chip market: which chips a bloc may buy, how scarce output is shared, and what leaks past controls.

Labs order; each chipmaker's output this step is shared pro rata among the orders for its chips.
A chip banned for a bloc at enforcement e can still be bought through smugglers and foreign clouds
for a share (1 - e) of the money a lab puts on it, at a price premium that the maker does not see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from simulation.tech import interconnect_factor

if TYPE_CHECKING:
    from simulation.agents.lab import Lab
    from simulation.model import AIRaceModel


@dataclass(frozen=True)
class Offer:
    chip: int
    price_usd: float
    enforcement: float
    flops_per_usd: float


@dataclass
class Order:
    lab: Lab
    chip: int
    budget_usd: float
    leaked: bool


@dataclass
class Flows:
    """What changed hands in one step, for the accounting checks and the records."""

    paid_by_labs_usd: float = 0.0
    received_by_makers_usd: float = 0.0
    smuggler_margin_usd: float = 0.0
    legal_units: np.ndarray = field(default_factory=lambda: np.zeros(0))
    leaked_units: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def none(cls, blocs: int) -> Flows:
        """Nothing moved yet: zero flows for each of `blocs` destinations."""
        return cls(legal_units=np.zeros(blocs), leaked_units=np.zeros(blocs))


class ChipMarket:
    def __init__(self, model: AIRaceModel):
        self.model = model
        tech = model.spec.tech
        chips = model.chips
        self.flops = np.array([c.tflops_16bit * 1e12 for c in chips])
        self.effective_flops = self.flops * np.array(
            [
                interconnect_factor(c.interconnect_gb_s, tech.interconnect_reference_gb_s, tech.interconnect_exponent)
                for c in chips
            ]
        )
        self.list_price = np.array([c.price_usd for c in chips])
        self.unit_cost = np.array([c.unit_cost_usd for c in chips])
        self.maker_of = [c.maker for c in chips]
        self.orders: list[Order] = []
        self.smuggler_margin_total_usd = 0.0
        self.flows = Flows.none(len(model.blocs))

    def on_sale(self) -> np.ndarray:
        today = self.model.date
        return np.array(
            [c.launch <= today and (c.discontinued is None or today <= c.discontinued) for c in self.model.chips]
        )

    def offers(self, bloc: str) -> list[Offer]:
        """Chips a lab of `bloc` can get this step, best effective compute per dollar first."""
        j = self.model.bloc_index[bloc]
        controls = self.model.controls[:, j]
        premium = self.model.spec.markets.leak_price_premium
        out = []
        for i in np.flatnonzero(self._on_sale):
            enforcement = float(controls[i])
            if enforcement >= 1.0:
                continue
            price = self.list_price[i] * self.model.chipmakers[self.maker_of[i]].markup
            if enforcement > 0:
                price *= 1.0 + premium
            out.append(Offer(int(i), float(price), enforcement, float(self.effective_flops[i] / price)))
        return sorted(out, key=lambda o: (-o.flops_per_usd, o.chip))

    def start_step(self) -> None:
        self._on_sale = self.on_sale()
        self.orders = []

    def order(self, lab: Lab, budget_usd: float) -> None:
        """Spend a budget on the best chips on offer; money put on a leaky channel beyond (1 - e) falls through."""
        remaining = budget_usd
        for offer in self.offers(lab.bloc):
            if remaining <= 0:
                break
            if offer.enforcement == 0:
                self.orders.append(Order(lab, offer.chip, remaining, leaked=False))
                return
            self.orders.append(Order(lab, offer.chip, remaining * (1 - offer.enforcement), leaked=True))
            remaining *= offer.enforcement

    def clear(self) -> Flows:
        """Share each maker's output among its orders, ship the chips, move the money."""
        model = self.model
        premium = model.spec.markets.leak_price_premium
        flows = Flows.none(len(model.blocs))
        wanted = {}
        for o in self.orders:
            maker = model.chipmakers[self.maker_of[o.chip]]
            price = self.list_price[o.chip] * maker.markup * (1 + premium if o.leaked else 1)
            units = o.budget_usd / price
            wanted.setdefault(maker.id, []).append((o, units, price))
        for maker in model.chipmakers.values():
            requests = wanted.get(maker.id, [])
            asked = sum(units for _, units, _ in requests)
            available = maker.output_this_step()
            fill = min(1.0, available / asked) if asked > 0 else 0.0
            maker.observe_demand(asked, available)
            for o, units, price in requests:
                got = units * fill
                if got <= 0:
                    continue
                paid = got * price
                maker_price = price / (1 + premium) if o.leaked else price
                o.lab.receive(o.chip, got, paid)
                maker.sell(got, got * maker_price, got * self.unit_cost[o.chip])
                flows.paid_by_labs_usd += paid
                flows.received_by_makers_usd += got * maker_price
                flows.smuggler_margin_usd += paid - got * maker_price
                j = model.bloc_index[o.lab.bloc]
                (flows.leaked_units if o.leaked else flows.legal_units)[j] += got
        self.smuggler_margin_total_usd += flows.smuggler_margin_usd
        self.flows = flows
        return flows
