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

The market works on arrays: an order is a row of money over the chips (one row per lab), and
clearing shares out each maker's output, moves the money and ships the chips for all orders at once.
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
    """Offers open to a bloc this step and the share of a budget each draws (a logit in value per dollar).

    Vectors run over the whole catalogue (a chip not on offer draws nothing). Prices hold within a
    step, so the shares are the same for every lab of the bloc: worked out once a step.
    """

    chips: np.ndarray
    """The chips on offer (catalogue indices), best effective compute per dollar first."""
    shares: np.ndarray
    """Share of a budget put on each chip."""
    enforcement: np.ndarray
    """Share of the money put on each chip that controls stop (0: legal; 1: fully banned)."""
    legal_shares: np.ndarray
    """The shares of the offers no control touches (0 for the others)."""
    legal_total: float
    """Share of the budget drawn by the legal offers."""

    @classmethod
    def of(
        cls, size: int, chips: np.ndarray, value_per_usd: np.ndarray, enforcement: np.ndarray, sensitivity: float
    ) -> Menu:
        """The menu of `chips` (best first), of their values per dollar and of the enforcement of the
        controls on them, in a catalogue of `size` chips."""
        shares, stopped, legal_shares = np.zeros(size), np.zeros(size), np.zeros(size)
        if chips.size:
            shares[chips] = logit_split(value_per_usd, sensitivity)
        stopped[chips] = enforcement
        legal = chips[enforcement == 0]
        legal_shares[legal] = shares[legal]
        return cls(chips, shares, stopped, legal_shares, float(shares[legal].sum()))


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
        self._made_in = np.zeros(0, dtype=int)
        self.sold_to = np.zeros((0, len(model.blocs)), dtype=bool)
        """Whether each chip (row) is sold into each bloc (column) at all, controls aside."""
        self._launch_day = np.zeros(0)
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

    def offers(self, bloc: str) -> Menu:
        """Chips a lab of `bloc` might get this step, best effective compute per dollar first.

        Fully banned chips are listed too (enforcement 1): nothing is spent on them, but the money
        labs would have put on them is what controls cost the maker.
        """
        return self._menus(bloc)[-1][1]

    def _menus(self, bloc: str) -> list[tuple[float, Menu]]:
        """The menus a budget of `bloc` is split over, each with its share of the budget: all offers,
        after the home-made offers for the share a domestic-chip mandate reserves (if any are on offer).
        Made once a step: prices and rules hold within it."""
        if bloc not in self._offers:
            sensitivity = self.model.spec.markets.chip_choice_sensitivity
            chips, value, enforcement, home = self._make_offers(bloc)
            size = len(self.list_price)
            everything = Menu.of(size, chips, value, enforcement, sensitivity)
            mandate = self.model.domestic_share_min(bloc)
            if mandate > 0 and home.any():
                home_made = Menu.of(size, chips[home], value[home], enforcement[home], sensitivity)
                self._offers[bloc] = [(mandate, home_made), (1.0 - mandate, everything)]
            else:
                self._offers[bloc] = [(1.0, everything)]
        return self._offers[bloc]

    def _make_offers(self, bloc: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The chips on sale to `bloc`, best value first, with their effective compute per dollar, the
        enforcement of the controls on them, and whether they are made in the bloc.

        A chip under control costs the leak premium: whatever gets through comes from smugglers."""
        j = self.model.bloc_index[bloc]
        chips = np.flatnonzero(self._on_sale & self.sold_to[:, j])
        enforcement = self.model.controls[chips, j]
        premium = self.model.spec.markets.leak_price_premium
        price = self._prices[chips] * np.where(enforcement > 0, 1.0 + premium, 1.0)
        value = self.effective_flops[chips] / price
        best_first = np.lexsort((chips, -value))
        chips = chips[best_first]
        return chips, value[best_first], enforcement[best_first], self._made_in[chips] == j

    def start_step(self) -> None:
        """Open the market: note what is on sale and at what price, clear the order book and deliver
        the smuggled chips due today."""
        self._on_sale = self.on_sale()
        self._prices = self.prices()
        self._offers: dict[str, list[tuple[float, Menu]]] = {}
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
        """Split the budgets of each bloc's labs over the bloc's menus, into orders and money stopped."""
        for j, bloc in enumerate(self.model.blocs):
            budgets = np.where(self._lab_bloc == j, self.budgets, 0.0)
            if budgets.any():
                for share, menu in self._menus(bloc):
                    self._split(budgets * share, menu)

    def _split(self, budgets_usd: np.ndarray, menu: Menu) -> None:
        """Add each lab's budget (0 for labs not buying from this menu) split over a menu to its orders:
        the money controls stop on banned offers goes back to the legal ones, in proportion to their shares."""
        spend = budgets_usd[:, None] * menu.shares
        stopped = spend * menu.enforcement
        placed = spend * (1 - menu.enforcement)
        if menu.legal_total > 0:
            placed += stopped.sum(axis=1, keepdims=True) * menu.legal_shares / menu.legal_total
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
