"""The chip market: which chips a bloc may buy, how scarce output is shared, and what leaks past controls.

Labs split their budget over the chips on offer by a logit in log compute per dollar, so the best
value gets most orders but not all (labs hedge suppliers, and software stacks differ). A bloc's
domestic-chip mandate reserves part of the budget for chips made at home. Each chipmaker's
output this step is shared pro rata among the orders for its chips.

A chip banned for a bloc at enforcement e can still be bought through smugglers and foreign clouds
for a share (1 - e) of the money a lab puts on it, at a price premium that the maker does not see,
and it arrives after a delay; the share e that is stopped goes back to the legal offers. The money
that controls divert from a maker's chips is its sales lost to controls. Chips under a licence-fee
rule sell legally, and the maker pays the regulator its share of the revenue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from simulation.tech import interconnect_factor, logit_split

if TYPE_CHECKING:
    from simulation.agents.lab import Lab
    from simulation.model import AIRaceModel
    from simulation.scenario import Chip


@dataclass(frozen=True)
class Offer:
    chip: int
    price_usd: float
    enforcement: float
    flops_per_usd: float
    domestic: bool


@dataclass(frozen=True)
class Menu:
    """Offers open to a bloc this step and the share of a budget each draws (a logit in value per dollar).

    Prices hold within a step, so the shares are the same for every lab of the bloc: worked out once a step.
    """

    offers: list[Offer]
    shares: np.ndarray
    controlled: list[int]
    """Positions of the offers a control touches (some or all of the money put on them is stopped)."""
    legal: np.ndarray
    """Positions of the offers no control touches."""
    legal_total: float
    """Share of the budget drawn by the legal offers."""

    @classmethod
    def of(cls, offers: list[Offer], sensitivity: float) -> Menu:
        if not offers:
            return cls([], np.zeros(0), [], np.zeros(0, dtype=int), 0.0)
        shares = logit_split(np.array([o.flops_per_usd for o in offers]), sensitivity)
        legal = np.array([o.enforcement == 0 for o in offers])
        return cls(offers, shares, np.flatnonzero(~legal).tolist(), np.flatnonzero(legal), float(shares[legal].sum()))


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
    fees_usd: float = 0.0
    legal_units: np.ndarray = field(default_factory=lambda: np.zeros(0))
    leaked_units: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def none(cls, blocs: int) -> Flows:
        """Nothing moved yet: zero flows for each of `blocs` destinations."""
        return cls(legal_units=np.zeros(blocs), leaked_units=np.zeros(blocs))


@dataclass
class Shipment:
    """Smuggled chips on their way: paid for, not yet in the lab's fleet."""

    arrival_day: float
    lab: Lab
    chip: int
    units: float


class ChipMarket:
    def __init__(self, model: AIRaceModel):
        self.model = model
        self.per_unit = np.zeros((3, 0))
        """Peak FLOP/s, effective FLOP/s and list price (rows) of one unit of each chip (column)."""
        self.flops, self.effective_flops, self.list_price = self.per_unit
        self.unit_cost = np.zeros(0)
        self.maker_of: list[str] = []
        for chip in model.chips:
            self.add_chip(chip)
        self.orders: list[Order] = []
        self.in_transit: list[Shipment] = []
        self.smuggler_margin_total_usd = 0.0
        self.fees_total_usd = 0.0
        self.flows = Flows.none(len(model.blocs))
        self.fees = np.zeros((len(model.chips), len(model.blocs)))
        """Licence-fee share a maker pays on each chip (row) sold into each bloc (column)."""

    def add_chip(self, chip: Chip) -> None:
        t = self.model.spec.tech
        factor = interconnect_factor(chip.interconnect_gb_s, t.interconnect_reference_gb_s, t.interconnect_exponent)
        unit = [chip.tflops_16bit * 1e12, chip.tflops_16bit * 1e12 * factor, chip.price_usd]
        self.per_unit = np.column_stack([self.per_unit, unit])
        self.flops, self.effective_flops, self.list_price = self.per_unit
        self.unit_cost = np.append(self.unit_cost, chip.unit_cost_usd)
        self.maker_of.append(chip.maker)

    def on_sale(self) -> np.ndarray:
        today = self.model.date
        return np.array(
            [c.launch <= today and (c.discontinued is None or today <= c.discontinued) for c in self.model.chips]
        )

    def price(self, chip: int) -> float:
        return float(self.list_price[chip] * self.model.chipmakers[self.maker_of[chip]].markup)

    def offers(self, bloc: str) -> list[Offer]:
        """Chips a lab of `bloc` might get this step, best effective compute per dollar first.

        Fully banned chips are listed too (enforcement 1): nothing is spent on them, but the money
        labs would have put on them is what controls cost the maker.
        """
        return self._menus(bloc)[0].offers

    def _menus(self, bloc: str) -> tuple[Menu, Menu]:
        """The menus of all offers and of home-made offers for `bloc`, made once a step (prices hold within it)."""
        if bloc not in self._offers:
            offers = self._make_offers(bloc)
            sensitivity = self.model.spec.markets.chip_choice_sensitivity
            home = [o for o in offers if o.domestic]
            self._offers[bloc] = (Menu.of(offers, sensitivity), Menu.of(home, sensitivity))
        return self._offers[bloc]

    def _make_offers(self, bloc: str) -> list[Offer]:
        j = self.model.bloc_index[bloc]
        controls = self.model.controls[:, j]
        premium = self.model.spec.markets.leak_price_premium
        out = []
        for i in np.flatnonzero(self._on_sale):
            if self._sold_to[i] and bloc not in self._sold_to[i]:
                continue
            enforcement = float(controls[i])
            price = self.price(int(i)) * (1.0 + premium if enforcement > 0 else 1.0)
            domestic = self.model.maker_bloc[self.maker_of[i]] == bloc
            out.append(Offer(int(i), price, enforcement, float(self.effective_flops[i] / price), domestic))
        return sorted(out, key=lambda o: (-o.flops_per_usd, o.chip))

    def start_step(self) -> None:
        """Open the market: note what is on sale and deliver the smuggled chips due today."""
        self._on_sale = self.on_sale()
        self._sold_to = [c.sold_to for c in self.model.chips]
        self._offers: dict[str, tuple[Menu, Menu]] = {}
        self.orders = []
        self.diverted_usd: dict[str, float] = {}
        self.flows = Flows.none(len(self.model.blocs))
        today = self.model.day
        due = [s for s in self.in_transit if s.arrival_day <= today]
        self.in_transit = [s for s in self.in_transit if s.arrival_day > today]
        for s in due:
            s.lab.take_delivery(s.chip, s.units)
            self.flows.leaked_units[self.model.bloc_index[s.lab.bloc]] += s.units

    def order(self, lab: Lab, budget_usd: float, domestic_share: float = 0.0) -> None:
        """Split a budget over the offers; a mandate reserves `domestic_share` for chips made at home."""
        everything, home = self._menus(lab.bloc)
        if home.offers and domestic_share > 0:
            self._split(lab, budget_usd * domestic_share, home)
            budget_usd *= 1.0 - domestic_share
        self._split(lab, budget_usd, everything)

    def _split(self, lab: Lab, budget_usd: float, menu: Menu) -> None:
        """Orders for a lab's budget: the money controls stop on banned offers goes back to the legal ones."""
        if budget_usd <= 0 or not menu.offers:
            return
        spend = budget_usd * menu.shares
        returned = 0.0
        for k in menu.controlled:
            offer = menu.offers[k]
            stopped = spend[k] * offer.enforcement
            returned += stopped
            maker = self.maker_of[offer.chip]
            self.diverted_usd[maker] = self.diverted_usd.get(maker, 0.0) + stopped
            if offer.enforcement < 1:
                self.orders.append(Order(lab, offer.chip, spend[k] * (1 - offer.enforcement), leaked=True))
        amounts = spend[menu.legal]
        if menu.legal_total > 0:
            amounts += returned * menu.shares[menu.legal] / menu.legal_total
        for k, amount in zip(menu.legal, amounts, strict=True):
            self.orders.append(Order(lab, menu.offers[k].chip, amount, leaked=False))

    def clear(self) -> Flows:
        """Share each maker's output among its orders, ship the chips, move the money."""
        model = self.model
        markets = model.spec.markets
        premium = markets.leak_price_premium
        flows = self.flows
        wanted: dict[str, list[tuple[Order, float, float]]] = {}
        for o in self.orders:
            price = self.price(o.chip) * (1 + premium if o.leaked else 1)
            wanted.setdefault(self.maker_of[o.chip], []).append((o, o.budget_usd / price, price))
        for maker in model.chipmakers.values():
            requests = wanted.get(maker.id, [])
            asked = sum(units for _, units, _ in requests)
            available = maker.output_this_step()
            fill = min(1.0, available / asked) if asked > 0 else 0.0
            maker.observe_demand(asked, available, self.diverted_usd.get(maker.id, 0.0))
            for o, units, price in requests:
                got = units * fill
                if got <= 0:
                    continue
                paid = got * price
                sale = price / (1 + premium) * got if o.leaked else paid
                j = model.bloc_index[o.lab.bloc]
                fee = sale * self.fees[o.chip, j]
                o.lab.pay(paid)
                maker.sell(got, sale - fee, got * self.unit_cost[o.chip])
                flows.paid_by_labs_usd += paid
                flows.received_by_makers_usd += sale - fee
                flows.smuggler_margin_usd += paid - sale
                flows.fees_usd += fee
                if o.leaked and markets.leak_delay_days > 0:
                    self.in_transit.append(Shipment(model.day + markets.leak_delay_days, o.lab, o.chip, got))
                elif o.leaked:
                    o.lab.take_delivery(o.chip, got)
                    flows.leaked_units[j] += got
                else:
                    o.lab.take_delivery(o.chip, got)
                    flows.legal_units[j] += got
        self.smuggler_margin_total_usd += flows.smuggler_margin_usd
        self.fees_total_usd += flows.fees_usd
        return flows
