"""The chip market: which chips a bloc may buy, how scarce output is shared, and what leaks past controls.

Buyers (the owners of data centres: platforms, clouds, private owners, a bloc's other buyers) split
their budget over the chips on offer by a logit in log compute per dollar, so the best
value gets most orders but not all (buyers hedge suppliers, and software stacks differ). A bloc's
domestic-chip mandate reserves part of the budget for chips made at home. Each chipmaker's
output this step is shared pro rata among the orders for its chips.

A chip banned for a bloc at enforcement e can still be bought through smugglers
for a share (1 - e) of the money a buyer puts on it, at a price premium that the maker does not see,
and it arrives after a delay. Of the share e that is stopped, a part `chip_market.rental_reach` finds a
cloud abroad that buys the chip legally (if it is sold, and not controlled, in another bloc: not a
variant made for the buyer's bloc alone) and rents it to the buyer for its service life, at
`chip_market.rental_premium` over its price, unless a rule that covers rentals stops that too (with its
enforcement); the rest goes back to the legal offers. The money
that controls divert from a maker's chips is its sales lost to controls. Chips under a licence-fee
rule sell legally, and the maker pays the regulator its share of the revenue.

The market works on arrays: buyers put budgets on it, and as it clears it splits them over their
blocs' offers into a row of money over the chips per buyer, shares out each maker's output, moves the
money and ships the chips, for all orders at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from simulation.firms import OUTSIDE
from simulation.tech import interconnect_factor, logit_split

if TYPE_CHECKING:
    from simulation.agents.owner import Owner
    from simulation.model import AIRaceModel
    from simulation.scenario import Chip, Tech
    from simulation.scenario import ChipMarket as ChipMarketSpec


@dataclass(frozen=True)
class Menu:
    """The chips (columns) open to the buyers of each bloc (rows) this step, and the share of a budget
    each draws: a logit in value per dollar over the chips on offer (the others draw nothing).

    Prices hold within a step, so the shares are the same for every buyer of a bloc: worked out once a step.
    """

    offered: np.ndarray
    """Whether a buyer of the bloc may put money on the chip (on sale to the bloc, banned or not)."""
    shares: np.ndarray
    """Share of a budget put on the chip."""
    enforcement: np.ndarray
    """Share of the money put on each chip that controls stop (0: legal; 1: fully banned)."""
    legal_shares: np.ndarray
    """The shares of the offers no control touches (0 for the others)."""
    legal_total: np.ndarray
    """Share of a budget drawn by the legal offers, per bloc."""
    passes: np.ndarray
    """Share of the money put on each chip that gets past the controls (1 - `enforcement`)."""
    rents: np.ndarray
    """Share of the money put on each chip that rents it abroad instead: part of what controls stop."""
    returned_over: np.ndarray
    """What the money stopped on a bloc's offers is shared over: `legal_total`, or 1 where that is 0 (then
    every legal share is 0, and so is the money returned)."""

    @classmethod
    def of(
        cls,
        offered: np.ndarray,
        value_per_usd: np.ndarray,
        enforcement: np.ndarray,
        sensitivity: float,
        rentable: np.ndarray,
    ) -> Menu:
        """The menu of the `offered` chips, from their value per dollar, the controls' enforcement and
        the share of the stopped money that can rent the chip abroad (`rentable`)."""
        shares = logit_split(value_per_usd, sensitivity, offered)
        legal_shares = np.where(enforcement == 0, shares, 0.0)
        legal_total = legal_shares.sum(axis=1)
        returned_over = np.where(legal_total > 0, legal_total, 1.0)
        rents = enforcement * rentable
        passes = 1 - enforcement
        return cls(offered, shares, enforcement, legal_shares, legal_total, passes, rents, returned_over)


@dataclass(frozen=True)
class Terms:
    """The terms of the chip market this step, per bloc (row) and chip (column): made once a step, as
    prices and rules hold within it."""

    everything: Menu
    """The menu of all offers to each bloc."""
    home_made: Menu | None
    """The menu of home-made offers to each bloc (none if no bloc has a domestic-chip mandate)."""
    mandate: np.ndarray
    """Share of a budget each bloc's mandate reserves for home-made offers (0 if none is on offer)."""
    controlled: np.ndarray
    """Whether a control touches the chip: a buyer gets it only past controls, from smugglers."""
    price: np.ndarray
    """Price a buyer pays per unit: a controlled chip at the leak premium."""
    maker_price: np.ndarray
    """Of that price, what reaches the chip's maker: the smugglers keep the premium."""
    rental_price: np.ndarray
    """Price a buyer pays per unit rented abroad for its service life; the maker gets the chip's price."""


@dataclass
class Flows:
    """What changed hands in one step, for the accounting checks and the records."""

    paid_by_buyers_usd: float = 0.0
    received_by_makers_usd: float = 0.0
    smuggler_margin_usd: float = 0.0
    rental_margin_usd: float = 0.0
    fees_usd: float = 0.0
    legal_units: np.ndarray = field(default_factory=lambda: np.zeros(0))
    leaked_units: np.ndarray = field(default_factory=lambda: np.zeros(0))
    domestic_units: np.ndarray = field(default_factory=lambda: np.zeros(0))  # the part of legal made at home
    rented_units: np.ndarray = field(default_factory=lambda: np.zeros(0))  # controlled chips rented abroad

    @classmethod
    def none(cls, blocs: int) -> Flows:
        """Nothing moved yet: zero flows for each of `blocs` destinations."""
        zeros = [np.zeros(blocs) for _ in range(4)]
        return cls(legal_units=zeros[0], leaked_units=zeros[1], domestic_units=zeros[2], rented_units=zeros[3])


@dataclass
class Shipment:
    """The chips smuggled in one step, on their way: paid for, not yet in the buyers' clusters."""

    arrival_day: float
    units: np.ndarray
    """Units of each chip (column) for each buyer (row, as in the market's `buyers`)."""


class ChipMarket:
    def __init__(self, model: AIRaceModel, spec: ChipMarketSpec, tech: Tech):
        """`spec`: the scenario's terms of the chip market (smuggling, rentals, choice); `tech`, the technology
        (the interconnect that sets a chip's effective speed)."""
        self.model = model
        self.spec = spec
        self.tech = tech
        self.makers = list(model.chipmakers.values())
        self.buyers = list(model.owners.values())
        """The buyers (owners), in the order of the rows of `budgets`, `orders` and `stopped`."""
        self._buyer_ids, self._maker_ids = [buyer.id for buyer in self.buyers], [maker.id for maker in self.makers]
        self._row = {buyer.id: r for r, buyer in enumerate(self.buyers)}
        self._buyer_bloc = np.array([model.bloc_index[buyer.bloc] for buyer in self.buyers], dtype=int)
        # Per chip (catalogue index), extended by `add_chip`:
        self.per_unit = np.zeros((3, 0))
        """Peak FLOP/s, effective FLOP/s and list price (rows) of one unit of each chip (column)."""
        self.flops, self.effective_flops, self.list_price = self.per_unit
        self.kw_per_unit = np.zeros(0)
        """Board power of one unit of each chip (kW)."""
        self.unit_cost = np.zeros(0)
        self.maker_of = np.zeros(0, dtype=int)
        """Position of each chip's maker in `makers`."""
        self._maker_columns = np.zeros((0, len(self.makers)))  # chips (rows) by maker (columns): 1 where it makes it
        self._made_in = np.zeros(0, dtype=int)  # the bloc of each chip's maker
        self._home = np.zeros((len(model.blocs), 0), dtype=bool)  # whether each chip is made in the bloc (row)
        self.sold_to = np.zeros((0, len(model.blocs)), dtype=bool)
        """Whether each chip (row) is sold into each bloc (column) at all, controls aside."""
        self._launch_day = np.zeros(0)  # days from the start: first and last day on sale (inf: never discontinued)
        self._last_day = np.zeros(0)
        for chip in model.chips:
            self.add_chip(chip)
        self.in_transit: list[Shipment] = []
        self.smuggler_margin_total_usd = 0.0
        self.rental_margin_total_usd = 0.0
        self.fees_total_usd = 0.0
        self.flows = Flows.none(len(model.blocs))
        self.budgets = np.zeros(len(self.buyers))
        """Money each buyer puts on chips this step."""
        self.orders = np.zeros((len(self.buyers), len(model.chips)))
        """Money each buyer (row, as in `buyers`) puts on each chip (column) this step, to be spent at the
        chip's offer price (with the leak premium if a control touches it): its budget split over the
        offers when the market clears."""
        self.stopped = np.zeros_like(self.orders)
        """Money controls stop on its way from each buyer (row) to each chip (column) this step, and that
        does not rent the chip abroad instead: what the chip's maker loses to controls."""
        self.rentals = np.zeros_like(self.orders)
        """Money each buyer (row) puts on renting each controlled chip (column) abroad this step."""
        # What is on sale, and at what price, as the market last opened (`start_step`): both hold within a step.
        self._on_sale = self.on_sale()
        self._prices = self.prices()
        self._best_value: tuple[int, np.ndarray] = (-1, np.zeros(len(model.blocs)))

    def add_chip(self, chip: Chip) -> None:
        model = self.model
        t = self.tech
        factor = interconnect_factor(chip.interconnect_gb_s, t.interconnect_reference_gb_s, t.interconnect_exponent)
        unit = [chip.tflops_16bit * 1e12, chip.tflops_16bit * 1e12 * factor, chip.price_usd]
        self.per_unit = np.column_stack([self.per_unit, unit])
        self.flops, self.effective_flops, self.list_price = self.per_unit
        self.kw_per_unit = np.append(self.kw_per_unit, chip.power_kw)
        self.unit_cost = np.append(self.unit_cost, chip.unit_cost_usd)
        self.maker_of = np.append(self.maker_of, list(model.chipmakers).index(chip.maker))
        self._maker_columns = (self.maker_of[:, None] == np.arange(len(self.makers))).astype(float)
        self._made_in = np.append(self._made_in, model.bloc_index[model.maker_bloc[chip.maker]])
        sold_to = np.array([not chip.sold_to or b in chip.sold_to for b in model.blocs])
        self.sold_to = np.vstack([self.sold_to, sold_to])
        self._launch_day = np.append(self._launch_day, (chip.launch - model.start).days)
        last = np.inf if chip.discontinued is None else (chip.discontinued - model.start).days
        self._last_day = np.append(self._last_day, last)
        self._home = self._made_in == np.arange(len(model.blocs))[:, None]

    def on_sale(self) -> np.ndarray:
        """Which chips can be bought today (launched and not discontinued)."""
        today = self.model.day
        return (self._launch_day <= today) & (today <= self._last_day)

    def prices(self) -> np.ndarray:
        """Each chip's price today: its list price times its maker's markup."""
        markups = np.array([maker.markup for maker in self.makers])
        return self.list_price * markups.take(self.maker_of)

    def best_value(self) -> np.ndarray:
        """Per bloc, the most peak FLOP/s a dollar buys among the chips on offer to it at today's prices, a
        controlled chip at the smugglers' premium and a fully banned one not at all: the price of compute its
        buyers plan with (the world's best where nothing is on offer to a bloc). Kept for the step."""
        if self._best_value[0] != self.model.steps:
            controls = self.model.regulation.controls.T
            offered = (self._on_sale & self.sold_to.T) & (controls < 1)
            price = self._prices * np.where(controls > 0, 1.0 + self.spec.leak_price_premium, 1.0)
            value = np.where(offered, self.flops / price, 0.0).max(axis=1)
            # A bloc offered nothing (every chip banned, no variant yet) plans at the world's price of compute.
            value = np.where(value > 0, value, value.max())
            self._best_value = (self.model.steps, value)
        return self._best_value[1]

    def offers(self, bloc: str) -> np.ndarray:
        """Chips a buyer of `bloc` might get this step (catalogue indices).

        Fully banned chips are listed too (enforcement 1): nothing is spent on them, but the money
        buyers would have put on them is what controls cost the maker.
        """
        return np.flatnonzero(self._terms().everything.offered[self.model.bloc_index[bloc]])

    def _terms(self) -> Terms:
        """The menus of all offers and of home-made offers to each bloc, the mandates, and the prices,
        from what is on sale and at what price as the market opened and the rules in force.

        The offers are the chips on sale to the bloc; a chip under control costs the leak premium,
        since whatever gets through comes from smugglers."""
        model = self.model
        chip_market = self.spec
        offered = self._on_sale & self.sold_to.T
        enforcement = model.regulation.controls.T
        controlled = enforcement > 0
        price = self._prices * np.where(controlled, 1.0 + chip_market.leak_price_premium, 1.0)
        maker_price = np.where(controlled, price / (1.0 + chip_market.leak_price_premium), price)
        rental_price = np.broadcast_to(self._prices * (1.0 + chip_market.rental_premium), price.shape)
        # A cloud abroad can rent out only a chip it may buy legally in its own bloc: sold there and not
        # controlled there (so not a variant made for the buyer's bloc alone).
        buyable = self.sold_to & (model.regulation.controls == 0)
        abroad = (buyable.sum(axis=1, keepdims=True) - buyable).T > 0
        rentable = chip_market.rental_reach * (1.0 - model.regulation.rental_controls.T) * abroad
        value = self.effective_flops / price
        home = offered & self._home
        mandate = np.array([model.regulation.domestic_share_min(b) for b in model.blocs]) * home.any(axis=1)
        sensitivity = chip_market.choice_sensitivity
        home_made = Menu.of(home, value, enforcement, sensitivity, rentable) if mandate.any() else None
        everything = Menu.of(offered, value, enforcement, sensitivity, rentable)
        return Terms(everything, home_made, mandate, controlled, price, maker_price, rental_price)

    def start_step(self) -> None:
        """Open the market: note what is on sale and at what price, clear the order book and deliver
        the smuggled chips due today."""
        self._on_sale = self.on_sale()
        self._prices = self.prices()
        self._best_value = (-1, self._best_value[1])
        shape = (len(self.buyers), len(self.list_price))
        self.budgets = np.zeros(shape[0])
        self.orders = np.zeros(shape)
        self.stopped = np.zeros(shape)
        self.rentals = np.zeros(shape)
        self.flows = Flows.none(len(self.model.blocs))
        today = self.model.day
        due = [s for s in self.in_transit if s.arrival_day <= today]
        if due:
            arrived = np.zeros(shape)
            for s in due:
                arrived[:, : s.units.shape[1]] += s.units  # chips designed since it left come last
            self.in_transit = [s for s in self.in_transit if s.arrival_day > today]
            per_buyer = arrived.sum(axis=1)
            self._deliver(arrived, per_buyer)
            self.flows.leaked_units += self._per_bloc(per_buyer)

    def order(self, buyer: Owner, budget_usd: float) -> None:
        """Put a budget on the offers to the buyer's bloc; it is split over the offers when the market clears."""
        self.budgets[self._row[buyer.id]] += budget_usd

    def _split_budgets(self, terms: Terms) -> None:
        """Split the buyers' budgets over their blocs' menus, into orders and money stopped: a mandate's
        share over the home-made offers, the rest over all offers."""
        reserved = terms.mandate.take(self._buyer_bloc)
        if terms.home_made is not None:
            self._split(self.budgets * reserved, terms.home_made)
        self._split(self.budgets * (1.0 - reserved), terms.everything)

    def _split(self, budgets_usd: np.ndarray, menu: Menu) -> None:
        """Add each buyer's budget split over its bloc's menu to its orders: of the money controls stop on
        banned offers, part rents the chips abroad and the rest goes back to the legal offers, in
        proportion to their shares (if there are any)."""
        blocs = self._buyer_bloc
        spend = budgets_usd[:, None] * menu.shares.take(blocs, axis=0)
        rented = spend * menu.rents.take(blocs, axis=0)
        stopped = spend * menu.enforcement.take(blocs, axis=0) - rented
        placed = spend * menu.passes.take(blocs, axis=0)
        returned = stopped.sum(axis=1, keepdims=True) * menu.legal_shares.take(blocs, axis=0)
        placed += returned / menu.returned_over.take(blocs)[:, None]
        self.orders += placed
        self.rentals += rented
        self.stopped += stopped

    def clear(self) -> Flows:
        """Share each maker's output among the orders for its chips, ship the chips, move the money."""
        model = self.model
        chip_market = self.spec
        flows = self.flows
        terms = self._terms()
        self._split_budgets(terms)
        blocs = self._buyer_bloc
        leaked = terms.controlled.take(blocs, axis=0)  # buyer (row) gets chip (column) only past controls
        price = terms.price.take(blocs, axis=0)
        rental_price = terms.rental_price.take(blocs, axis=0)
        units = self.orders / price
        rent_units = self.rentals / rental_price
        asked = self._per_maker(units + rent_units).tolist()
        diverted = self._per_maker(self.stopped).tolist()
        fill = np.zeros(len(self.makers))
        for m, maker in enumerate(self.makers):
            available = maker.output_this_step()
            fill[m] = min(1.0, available / asked[m]) if asked[m] > 0 else 0.0
            maker.observe_demand(asked[m], available, diverted[m])
        fill_of_chip = fill.take(self.maker_of)
        got = units * fill_of_chip
        got_rented = rent_units * fill_of_chip  # bought by clouds abroad, at the maker's price, and leased
        paid = got * price
        paid_rent = got_rented * rental_price
        sale = got * terms.maker_price.take(blocs, axis=0)
        sale_rent = got_rented * self._prices
        fee = sale * model.regulation.fees.T.take(blocs, axis=0)
        received = sale - fee + sale_rent
        for maker, sold, revenue, cost in zip(
            self.makers,
            self._per_maker(got + got_rented).tolist(),
            self._per_maker(received).tolist(),
            self._per_maker((got + got_rented) * self.unit_cost).tolist(),
            strict=True,
        ):
            maker.sell(sold, revenue, cost)
        flows.paid_by_buyers_usd += float(paid.sum() + paid_rent.sum())
        flows.received_by_makers_usd += float(received.sum())
        smuggling = paid - sale
        flows.smuggler_margin_usd += float(smuggling.sum())
        flows.rental_margin_usd += float((paid_rent - sale_rent).sum())
        flows.fees_usd += float(fee.sum())
        self._record_payments(sale, fee, smuggling, paid_rent, sale_rent)
        paid = paid + paid_rent
        for buyer, usd in zip(self.buyers, paid.sum(axis=1).tolist(), strict=True):
            buyer.pay_for_chips(usd)
        legal = np.where(leaked, 0.0, got)
        smuggled = got - legal  # got where leaked, 0 elsewhere
        legal_per_buyer = legal.sum(axis=1)
        flows.legal_units += self._per_bloc(legal_per_buyer)
        home = self._made_in[None, :] == blocs[:, None]  # buyer (row) buys chip (column) from its own bloc's makers
        flows.domestic_units += self._per_bloc(np.where(home, legal, 0.0).sum(axis=1))
        rented_per_buyer = got_rented.sum(axis=1)
        flows.rented_units += self._per_bloc(rented_per_buyer)
        if chip_market.leak_delay_days > 0:
            self._deliver(legal + got_rented, legal_per_buyer + rented_per_buyer)  # a lease starts at once
            if smuggled.any():
                self.in_transit.append(Shipment(model.day + chip_market.leak_delay_days, smuggled))
        else:
            self._deliver(got + got_rented, got.sum(axis=1) + rented_per_buyer)
            flows.leaked_units += self._per_bloc(smuggled.sum(axis=1))
        self.smuggler_margin_total_usd += flows.smuggler_margin_usd
        self.rental_margin_total_usd += flows.rental_margin_usd
        self.fees_total_usd += flows.fees_usd
        return flows

    def _record_payments(
        self, sales: np.ndarray, fees: np.ndarray, smuggling: np.ndarray, rents: np.ndarray, leased: np.ndarray
    ) -> None:
        """The step's chip money through the ledger, each quantity given per buyer (row) and chip (column): each
        buyer pays the makers the price of what it bought, smugglers their margin on controlled chips and clouds
        abroad the rent of what they lease it; the clouds pay the makers for the chips they lease out, and the
        makers pay their licence fees to governments."""
        buyers, makers = self._buyer_ids, self._maker_ids
        smugglers, clouds, governments = OUTSIDE["smugglers"], OUTSIDE["clouds_abroad"], OUTSIDE["governments"]
        per_maker = sales @ self._maker_columns
        rows, columns = per_maker.nonzero()
        record = self.model.ledger.record
        record(
            (buyers[r], makers[c], usd, "chips")
            for r, c, usd in zip(rows, columns, per_maker[rows, columns].tolist(), strict=True)
        )
        if smuggling.any():  # most steps nobody smuggles, rents or pays a fee: nothing to record
            record(
                (buyer, smugglers, usd, "smuggling")
                for buyer, usd in zip(buyers, smuggling.sum(axis=1).tolist(), strict=True)
            )
        if rents.any():
            record(
                (buyer, clouds, usd, "rental") for buyer, usd in zip(buyers, rents.sum(axis=1).tolist(), strict=True)
            )
            leased_from = self._per_maker(leased).tolist()
            record((clouds, maker, usd, "chips") for maker, usd in zip(makers, leased_from, strict=True))
        if fees.any():
            paid = self._per_maker(fees).tolist()
            record((maker, governments, usd, "licence_fee") for maker, usd in zip(makers, paid, strict=True))

    def _deliver(self, units: np.ndarray, per_buyer: np.ndarray) -> None:
        """Chips join the fleets: `units` of each chip (column) for each buyer (row), `per_buyer` in all."""
        for row, total in enumerate(per_buyer.tolist()):
            if total:  # units are never negative: a row of zeros adds nothing
                self.buyers[row].take_delivery(units[row])

    def _per_maker(self, per_order: np.ndarray) -> np.ndarray:
        """Totals per maker (as in `makers`) of a quantity given per buyer (row) and chip (column)."""
        return np.bincount(self.maker_of, per_order.sum(axis=0), minlength=len(self.makers))

    def _per_bloc(self, per_buyer: np.ndarray) -> np.ndarray:
        """Totals per destination bloc of a quantity given per buyer."""
        return np.bincount(self._buyer_bloc, per_buyer, minlength=len(self.model.blocs))
