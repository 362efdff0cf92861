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

The market works on arrays: labs put budgets on it, and as it clears it splits them over their
blocs' offers into a row of money over the chips per lab, shares out each maker's output, moves the
money and ships the chips, for all orders at once.
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
class Menu:
    """The chips (columns) open to the labs of each bloc (rows) this step, and the share of a budget
    each draws: a logit in value per dollar over the chips on offer (the others draw nothing).

    Prices hold within a step, so the shares are the same for every lab of a bloc: worked out once a step.
    """

    offered: np.ndarray
    """Whether a lab of the bloc may put money on the chip (on sale to the bloc, banned or not)."""
    shares: np.ndarray
    """Share of a budget put on the chip."""
    enforcement: np.ndarray
    """Share of the money put on each chip that controls stop (0: legal; 1: fully banned)."""
    legal_shares: np.ndarray
    """The shares of the offers no control touches (0 for the others)."""
    legal_total: np.ndarray
    """Share of a budget drawn by the legal offers, per bloc."""

    @classmethod
    def of(cls, offered: np.ndarray, value_per_usd: np.ndarray, enforcement: np.ndarray, sensitivity: float) -> Menu:
        """The menu of the `offered` chips, from their value per dollar and the controls' enforcement."""
        shares = logit_split(value_per_usd, sensitivity, offered)
        legal_shares = np.where(enforcement == 0, shares, 0.0)
        return cls(offered, shares, enforcement, legal_shares, legal_shares.sum(axis=1))


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
    """The chips smuggled in one step, on their way: paid for, not yet in the labs' fleets."""

    arrival_day: float
    units: np.ndarray
    """Units of each chip (column) for each lab (row, as in the market's `labs`)."""


class ChipMarket:
    def __init__(self, model: AIRaceModel):
        self.model = model
        self.makers = list(model.chipmakers.values())
        self.labs = list(model.labs.values())
        """The labs, in the order of the rows of `budgets`, `orders` and `stopped`."""
        self._row = {lab.id: r for r, lab in enumerate(self.labs)}
        self._lab_bloc = np.array([model.bloc_index[lab.bloc] for lab in self.labs], dtype=int)
        # Per chip (catalogue index), extended by `add_chip`:
        self.per_unit = np.zeros((3, 0))
        """Peak FLOP/s, effective FLOP/s and list price (rows) of one unit of each chip (column)."""
        self.flops, self.effective_flops, self.list_price = self.per_unit
        self.unit_cost = np.zeros(0)
        self.maker_of = np.zeros(0, dtype=int)
        """Position of each chip's maker in `makers`."""
        self._made_in = np.zeros(0, dtype=int)  # the bloc of each chip's maker
        self.sold_to = np.zeros((0, len(model.blocs)), dtype=bool)
        """Whether each chip (row) is sold into each bloc (column) at all, controls aside."""
        self._launch_day = np.zeros(0)  # days from the start: first and last day on sale (inf: never discontinued)
        self._last_day = np.zeros(0)
        for chip in model.chips:
            self.add_chip(chip)
        self.in_transit: list[Shipment] = []
        self.smuggler_margin_total_usd = 0.0
        self.fees_total_usd = 0.0
        self.flows = Flows.none(len(model.blocs))
        self.fees = np.zeros((len(model.chips), len(model.blocs)))
        """Licence-fee share a maker pays on each chip (row) sold into each bloc (column)."""
        self.budgets = np.zeros(len(self.labs))
        """Money each lab puts on chips this step."""
        self.orders = np.zeros((len(self.labs), len(model.chips)))
        """Money each lab (row, as in `labs`) puts on each chip (column) this step, to be spent at the
        chip's offer price (with the leak premium if a control touches it): its budget split over the
        offers when the market clears."""
        self.stopped = np.zeros_like(self.orders)
        """Money controls stop on its way from each lab (row) to each chip (column) this step."""

    def add_chip(self, chip: Chip) -> None:
        model = self.model
        t = model.spec.tech
        factor = interconnect_factor(chip.interconnect_gb_s, t.interconnect_reference_gb_s, t.interconnect_exponent)
        unit = [chip.tflops_16bit * 1e12, chip.tflops_16bit * 1e12 * factor, chip.price_usd]
        self.per_unit = np.column_stack([self.per_unit, unit])
        self.flops, self.effective_flops, self.list_price = self.per_unit
        self.unit_cost = np.append(self.unit_cost, chip.unit_cost_usd)
        self.maker_of = np.append(self.maker_of, list(model.chipmakers).index(chip.maker))
        self._made_in = np.append(self._made_in, model.bloc_index[model.maker_bloc[chip.maker]])
        sold_to = np.array([not chip.sold_to or b in chip.sold_to for b in model.blocs])
        self.sold_to = np.vstack([self.sold_to, sold_to])
        self._launch_day = np.append(self._launch_day, (chip.launch - model.start).days)
        last = np.inf if chip.discontinued is None else (chip.discontinued - model.start).days
        self._last_day = np.append(self._last_day, last)

    def on_sale(self) -> np.ndarray:
        """Which chips can be bought today (launched and not discontinued)."""
        today = self.model.day
        return (self._launch_day <= today) & (today <= self._last_day)

    def prices(self) -> np.ndarray:
        """Each chip's price today: its list price times its maker's markup."""
        markups = np.array([maker.markup for maker in self.makers])
        return self.list_price * markups[self.maker_of]

    def offers(self, bloc: str) -> np.ndarray:
        """Chips a lab of `bloc` might get this step (catalogue indices).

        Fully banned chips are listed too (enforcement 1): nothing is spent on them, but the money
        labs would have put on them is what controls cost the maker.
        """
        return np.flatnonzero(self._menus()[0].offered[self.model.bloc_index[bloc]])

    def _menus(self) -> tuple[Menu, Menu | None, np.ndarray]:
        """The menus of all offers and of home-made offers to each bloc (none if no bloc has a mandate),
        and the share of a budget each bloc's domestic-chip mandate reserves for home-made offers (0 if
        none is on offer). Made once a step: prices and rules hold within it.

        The offers are the chips on sale to the bloc; a chip under control costs the leak premium,
        since whatever gets through comes from smugglers."""
        if self._menu is None:
            model = self.model
            markets = model.spec.markets
            offered = self._on_sale & self.sold_to.T
            enforcement = model.controls.T
            price = self._prices * np.where(enforcement > 0, 1.0 + markets.leak_price_premium, 1.0)
            value = self.effective_flops / price
            home = offered & (self._made_in == np.arange(len(model.blocs))[:, None])
            mandate = np.array([model.domestic_share_min(b) for b in model.blocs]) * home.any(axis=1)
            sensitivity = markets.chip_choice_sensitivity
            home_made = Menu.of(home, value, enforcement, sensitivity) if mandate.any() else None
            self._menu = (Menu.of(offered, value, enforcement, sensitivity), home_made, mandate)
        return self._menu

    def start_step(self) -> None:
        """Open the market: note what is on sale and at what price, clear the order book and deliver
        the smuggled chips due today."""
        self._on_sale = self.on_sale()
        self._prices = self.prices()
        self._menu: tuple[Menu, Menu | None, np.ndarray] | None = None
        self.budgets = np.zeros(len(self.labs))
        self.orders = np.zeros((len(self.labs), len(self.list_price)))
        self.stopped = np.zeros_like(self.orders)
        self.flows = Flows.none(len(self.model.blocs))
        today = self.model.day
        arrived = np.zeros_like(self.orders)
        for s in self.in_transit:
            if s.arrival_day <= today:
                arrived[:, : s.units.shape[1]] += s.units  # chips designed since it left come last
        self.in_transit = [s for s in self.in_transit if s.arrival_day > today]
        self._deliver(arrived)
        self.flows.leaked_units += self._per_bloc(arrived)

    def order(self, lab: Lab, budget_usd: float) -> None:
        """Put a budget on the offers to the lab's bloc; it is split over them when the market clears."""
        self.budgets[self._row[lab.id]] += budget_usd

    def _split_budgets(self) -> None:
        """Split the labs' budgets over their blocs' menus, into orders and money stopped: a mandate's
        share over the home-made offers, the rest over all offers."""
        everything, home, mandate = self._menus()
        reserved = mandate[self._lab_bloc]
        if home is not None:
            self._split(self.budgets * reserved, home)
        self._split(self.budgets * (1.0 - reserved), everything)

    def _split(self, budgets_usd: np.ndarray, menu: Menu) -> None:
        """Add each lab's budget split over its bloc's menu to its orders: the money controls stop on
        banned offers goes back to the legal ones, in proportion to their shares (if there are any)."""
        blocs = self._lab_bloc
        spend = budgets_usd[:, None] * menu.shares[blocs]
        enforcement = menu.enforcement[blocs]
        stopped = spend * enforcement
        placed = spend * (1 - enforcement)
        returned = stopped.sum(axis=1, keepdims=True) * menu.legal_shares[blocs]
        legal_total = menu.legal_total[blocs, None]
        placed += np.divide(returned, legal_total, out=np.zeros_like(returned), where=legal_total > 0)
        self.orders += placed
        self.stopped += stopped

    def clear(self) -> Flows:
        """Share each maker's output among the orders for its chips, ship the chips, move the money."""
        model = self.model
        markets = model.spec.markets
        premium = markets.leak_price_premium
        flows = self.flows
        self._split_budgets()
        leaked = model.controls[:, self._lab_bloc].T > 0  # lab (row) gets chip (column) only past controls
        price = np.where(leaked, self._prices * (1 + premium), self._prices)
        units = self.orders / price
        asked = self._per_maker(units)
        diverted = self._per_maker(self.stopped)
        fill = np.zeros(len(self.makers))
        for m, maker in enumerate(self.makers):
            available = maker.output_this_step()
            fill[m] = min(1.0, available / asked[m]) if asked[m] > 0 else 0.0
            maker.observe_demand(float(asked[m]), available, float(diverted[m]))
        got = units * fill[self.maker_of]
        paid = got * price
        sale = np.where(leaked, price / (1 + premium) * got, paid)
        fee = sale * self.fees[:, self._lab_bloc].T
        received = sale - fee
        for maker, sold, revenue, cost in zip(
            self.makers,
            self._per_maker(got),
            self._per_maker(received),
            self._per_maker(got * self.unit_cost),
            strict=True,
        ):
            maker.sell(float(sold), float(revenue), float(cost))
        flows.paid_by_labs_usd += float(paid.sum())
        flows.received_by_makers_usd += float(received.sum())
        flows.smuggler_margin_usd += float((paid - sale).sum())
        flows.fees_usd += float(fee.sum())
        for lab, usd in zip(self.labs, paid.sum(axis=1).tolist(), strict=True):
            lab.pay(usd)
        legal = np.where(leaked, 0.0, got)
        smuggled = np.where(leaked, got, 0.0)
        flows.legal_units += self._per_bloc(legal)
        if markets.leak_delay_days > 0:
            self._deliver(legal)
            if smuggled.any():
                self.in_transit.append(Shipment(model.day + markets.leak_delay_days, smuggled))
        else:
            self._deliver(got)
            flows.leaked_units += self._per_bloc(smuggled)
        self.smuggler_margin_total_usd += flows.smuggler_margin_usd
        self.fees_total_usd += flows.fees_usd
        return flows

    def _deliver(self, units: np.ndarray) -> None:
        """Chips join the fleets: `units` of each chip (column) for each lab (row)."""
        for row in np.flatnonzero(units.any(axis=1)):
            self.labs[row].take_delivery(units[row])

    def _per_maker(self, per_order: np.ndarray) -> np.ndarray:
        """Totals per maker (as in `makers`) of a quantity given per lab (row) and chip (column)."""
        return np.bincount(self.maker_of, per_order.sum(axis=0), minlength=len(self.makers))

    def _per_bloc(self, per_order: np.ndarray) -> np.ndarray:
        """Totals per destination bloc of a quantity given per lab (row) and chip (column)."""
        return np.bincount(self._lab_bloc, per_order.sum(axis=1), minlength=len(self.model.blocs))
