"""The chip market: which chips a bloc may buy, how scarce output is shared, and what leaks past controls.

Buyers (the owners of data centres: platforms, clouds, private owners, a bloc's other buyers) split
their budget over the chips on offer by a logit in log compute per dollar, so the best
value gets most orders but not all (buyers hedge suppliers, and software stacks differ). A bloc's
domestic-chip mandate reserves part of the budget for chips made at home. Each chipmaker's
output this step is shared pro rata among the orders for its chips.

A chip that a control touches for a bloc reaches its buyers through two supplies, each a channel whose
price rises with the volume it carries (`simulation.markets.supply`). Smugglers sell it at a premium over
its maker's price, and a share of what they carry is seized on the way (paid for and lost); both rise with
the bloc's smuggled volume over the past year or so against the routes the rule's enforcement leaves open,
and a fully enforced rule closes the channel. Clouds abroad that may buy the chip legally (sold, and not
controlled, in another bloc: not a variant made for the buyer's bloc alone) lease it for its service life
at a premium that rises the same way with the bloc's rented volume, against a rule that covers rentals.
Buyers choose among buying legally, buying from smugglers and renting abroad by one logit in value per
dollar, the smuggled chip's value counting the expected loss to seizure. The money controls keep from a
maker, against what buyers would have spent on its chips with no control, is its sales lost to controls.
Chips under a licence-fee rule sell legally, and the maker pays the regulator its share of the revenue.

The market works on arrays: buyers put budgets on it, and as it clears it splits them over their
blocs' offers into a row of money over the chips per buyer, shares out each maker's output, moves the
money and ships the chips, for all orders at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from simulation.firms import OUTSIDE
from simulation.markets.supply import channel_load, channel_premium, seizure_chance
from simulation.sums import dot
from simulation.tech import interconnect_factor, logit_split, step_fraction

if TYPE_CHECKING:
    from simulation.agents.owner import Owner
    from simulation.model import AIRaceModel
    from simulation.scenario import Chip, Tech
    from simulation.scenario import ChipMarket as ChipMarketSpec


@dataclass(frozen=True)
class Menu:
    """The chips (columns) open to the buyers of each bloc (rows) this step through each channel, and the share
    of a budget each draws: one logit in value per dollar over every open channel of every chip (bought,
    legally or from smugglers, and rented abroad), the expected loss to seizure counted in the value.

    Prices hold within a step, so the shares are the same for every buyer of a bloc: worked out once a step.
    """

    offered: np.ndarray
    """Whether the chip is on sale to the bloc at all, controls aside."""
    shares: np.ndarray
    """Share of a budget put on buying the chip: legally, or from smugglers where a control touches it."""
    rent_shares: np.ndarray
    """Share of a budget put on renting the (controlled) chip in a cloud abroad."""
    free_shares: np.ndarray
    """The shares buyers would put on each chip at its maker's price with no control: what controls cost makers
    is measured against these."""

    @classmethod
    def of(
        cls,
        offered: np.ndarray,
        value_per_usd: np.ndarray,
        rent_value_per_usd: np.ndarray,
        free_value_per_usd: np.ndarray,
        sensitivity: float,
    ) -> Menu:
        """The menu of the `offered` chips from the value per dollar of buying each (0 where no channel is
        open), of renting it abroad (0 where that is closed) and of buying it with no control."""
        n = value_per_usd.shape[1]
        value = np.concatenate([value_per_usd, rent_value_per_usd], axis=1)
        open_ = np.concatenate([offered & (value_per_usd > 0), offered & (rent_value_per_usd > 0)], axis=1)
        both = logit_split(value, sensitivity, open_)
        return cls(offered, both[:, :n], both[:, n:], logit_split(free_value_per_usd, sensitivity, offered))


@dataclass(frozen=True)
class Terms:
    """The terms of the chip market this step, per bloc (row) and chip (column): made once a step, as
    prices, rules and the channels' loads hold within it."""

    everything: Menu
    """The menu of all offers to each bloc."""
    home_made: Menu | None
    """The menu of home-made offers to each bloc (none if no bloc has a domestic-chip mandate)."""
    mandate: np.ndarray
    """Share of a budget each bloc's mandate reserves for home-made offers (0 if none is on offer)."""
    own: Menu | None
    """The menu of the chips made for each buyer (rows: buyers, as in the market's `buyers`; none if no buyer has
    a custom chip on sale)."""
    own_share: np.ndarray
    """Share of each buyer's budget spent on the chips made for it (its `custom_chip_share` while one is on sale,
    else 0)."""
    controlled: np.ndarray
    """Whether a control touches the chip: a buyer gets it only from smugglers, or rents it abroad."""
    price: np.ndarray
    """Price a buyer pays per unit bought: a controlled chip at the smugglers' premium."""
    seizure: np.ndarray
    """Chance that a unit bought from smugglers is seized on its way (0 for a legal purchase)."""
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
    seized_units: np.ndarray = field(default_factory=lambda: np.zeros(0))  # smuggled chips seized on their way
    smuggling_premium: np.ndarray = field(default_factory=lambda: np.zeros(0))  # paid over the makers' price
    rental_premium: np.ndarray = field(default_factory=lambda: np.zeros(0))  # rent over the makers' price

    @classmethod
    def none(cls, blocs: int) -> Flows:
        """Nothing moved yet: zero flows for each of `blocs` destinations."""
        z = [np.zeros(blocs) for _ in range(7)]
        return cls(
            legal_units=z[0],
            leaked_units=z[1],
            domestic_units=z[2],
            rented_units=z[3],
            seized_units=z[4],
            smuggling_premium=z[5],
            rental_premium=z[6],
        )


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
        self.per_wafer = np.zeros(0)
        """Chips of each kind a wafer of the foundry's packaging holds (1 for a chip packaged elsewhere)."""
        self.unit_cost = np.zeros(0)
        self.parts_cost = np.zeros((2, 0))  # of each chip's unit cost, the foundry's and the HBM's (rows)
        self.maker_of = np.zeros(0, dtype=int)
        """Position of each chip's maker in `makers`."""
        self._maker_columns = np.zeros((0, len(self.makers)))  # chips (rows) by maker (columns): 1 where it makes it
        self._made_in = np.zeros(0, dtype=int)  # the bloc of each chip's maker
        self._home = np.zeros((len(model.blocs), 0), dtype=bool)  # whether each chip is made in the bloc (row)
        self.sold_to = np.zeros((0, len(model.blocs)), dtype=bool)
        """Whether each chip (row) is sold into each bloc (column) at all, controls aside."""
        self.made_for = np.zeros((0, len(self.buyers)), dtype=bool)
        """Whether each chip (row) is made for each buyer (column) alone: a custom accelerator, on no bloc's menu."""
        self.custom = np.zeros(0, dtype=bool)
        """Whether each chip is made for some buyers alone (`made_for`)."""
        self._own_share = np.array([buyer.spec.custom_chip_share for buyer in self.buyers])
        self._launch_day = np.zeros(0)  # days from the start: first and last day on sale (inf: never discontinued)
        self._last_day = np.zeros(0)
        for chip in model.chips:
            self.add_chip(chip)
        self.in_transit: list[Shipment] = []
        blocs = len(model.blocs)
        self.smuggled_per_year = np.zeros(blocs)
        """Chips smuggled towards each bloc (seized ones included), an annual rate averaged over about
        `chip_market.supply_memory_days`: the volume that loads the smugglers' routes."""
        self.rented_per_year = np.zeros(blocs)
        """Controlled chips each bloc rents abroad, an annual rate averaged the same way."""
        self.seized_total = 0.0
        self.smuggler_margin_total_usd = 0.0
        self.rental_margin_total_usd = 0.0
        self.fees_total_usd = 0.0
        self.flows = Flows.none(len(model.blocs))
        self.budgets = np.zeros(len(self.buyers))
        """Money each buyer puts on chips this step."""
        self.orders = np.zeros((len(self.buyers), len(model.chips)))
        """Money each buyer (row, as in `buyers`) puts on each chip (column) this step, to be spent at the
        chip's offer price (with the smugglers' premium if a control touches it): its budget split over the
        offers when the market clears."""
        self.stopped = np.zeros_like(self.orders)
        """Money each buyer (row) would have spent on each controlled chip (column) this step with no control,
        less what reaches the chip's maker through smugglers and clouds abroad: its sales lost to controls."""
        self.would = np.zeros_like(self.orders)
        """Money each buyer (row) would put on each chip (column) this step with no control."""
        self.rentals = np.zeros_like(self.orders)
        """Money each buyer (row) puts on renting each controlled chip (column) abroad this step."""
        # What is on sale, and at what price, as the market last opened (`start_step`): both hold within a step.
        self._on_sale = self.on_sale()
        self._prices = self.prices()
        self._best_value: tuple[int, np.ndarray] = (-1, np.zeros(len(model.blocs)))
        self._made_terms: Terms | None = None  # the terms made since the market opened, until it clears

    def add_chip(self, chip: Chip) -> None:
        model = self.model
        t = self.tech
        factor = interconnect_factor(chip.interconnect_gb_s, t.interconnect_reference_gb_s, t.interconnect_exponent)
        unit = [chip.tflops_16bit * 1e12, chip.tflops_16bit * 1e12 * factor, chip.price_usd]
        self.per_unit = np.column_stack([self.per_unit, unit])
        self.flops, self.effective_flops, self.list_price = self.per_unit
        self.kw_per_unit = np.append(self.kw_per_unit, chip.power_kw)
        self.per_wafer = np.append(self.per_wafer, chip.packages_per_wafer or 1.0)
        self.unit_cost = np.append(self.unit_cost, chip.unit_cost_usd)
        parts = [chip.unit_cost_usd * chip.foundry_cost_share, chip.unit_cost_usd * chip.hbm_cost_share]
        self.parts_cost = np.column_stack([self.parts_cost, parts])
        self.maker_of = np.append(self.maker_of, list(model.chipmakers).index(chip.maker))
        self._maker_columns = (self.maker_of[:, None] == np.arange(len(self.makers))).astype(float)
        self._made_in = np.append(self._made_in, model.bloc_index[model.maker_bloc[chip.maker]])
        sold_to = np.array([not chip.sold_to or b in chip.sold_to for b in model.blocs])
        self.sold_to = np.vstack([self.sold_to, sold_to])
        self.made_for = np.vstack([self.made_for, [buyer in chip.made_for for buyer in self._buyer_ids]])
        self.custom = self.made_for.any(axis=1)
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
        controlled chip from smugglers (at their premium, less the expected loss to seizure) or rented abroad,
        a channel that is closed not at all: the price of compute its buyers plan with (the world's best where
        nothing is on offer to a bloc). Kept for the step."""
        if self._best_value[0] != self.model.steps:
            terms = self._terms()
            bought = np.where(terms.everything.shares > 0, self.flops * (1.0 - terms.seizure) / terms.price, 0.0)
            rented = np.where(terms.everything.rent_shares > 0, self.flops / terms.rental_price, 0.0)
            value = np.maximum(bought, rented).max(axis=1)
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
        """The menus of all offers and of home-made offers to each bloc, the mandates, the prices and the
        chance of seizure, from what is on sale and at what price as the market opened, the rules in force
        and the volume each bloc's smugglers and clouds abroad carried of late. Made once between the
        market's opening and its clearing, when none of these change (owners plan with them, and buy)."""
        if self._made_terms is None:
            self._made_terms = self._make_terms()
        return self._made_terms

    def _make_terms(self) -> Terms:
        model = self.model
        spec = self.spec
        offered = self._on_sale & self.sold_to.T & ~self.custom
        enforcement = model.regulation.controls.T
        controlled = enforcement > 0
        load = channel_load(self.smuggled_per_year[:, None], spec.smuggling_capacity_chips_per_year, enforcement)
        smuggled = controlled & np.isfinite(load)  # a fully enforced rule closes the channel
        load = np.where(smuggled, load, 0.0)
        premium = np.where(smuggled, channel_premium(load, spec.smuggling_premium, spec.smuggling_premium_slope), 0.0)
        seizure = np.where(smuggled, seizure_chance(load, spec.seizure_rate), 0.0)
        price = self._prices * (1.0 + premium)
        # A cloud abroad can rent out only a chip it may buy legally in its own bloc: sold there and not
        # controlled there (so not a variant made for the buyer's bloc alone).
        buyable = self.sold_to & (model.regulation.controls == 0)
        abroad = (buyable.sum(axis=1, keepdims=True) - buyable).T > 0
        rent_enforcement = model.regulation.rental_controls.T
        rent_load = channel_load(self.rented_per_year[:, None], spec.rental_capacity_chips_per_year, rent_enforcement)
        rentable = controlled & abroad & np.isfinite(rent_load)
        rent_load = np.where(rentable, rent_load, 0.0)
        rental_price = self._prices * (1.0 + channel_premium(rent_load, spec.rental_premium, spec.rental_premium_slope))
        value = np.where(~controlled | smuggled, self.effective_flops * (1.0 - seizure) / price, 0.0)
        rent_value = np.where(rentable, self.effective_flops / rental_price, 0.0)
        free_value = np.broadcast_to(self.effective_flops / self._prices, value.shape)
        home = offered & self._home
        mandate = np.array([model.regulation.domestic_share_min(b) for b in model.blocs]) * home.any(axis=1)
        sensitivity = spec.choice_sensitivity
        home_made = Menu.of(home, value, rent_value, free_value, sensitivity) if mandate.any() else None
        everything = Menu.of(offered, value, rent_value, free_value, sensitivity)
        # Each buyer's own chips: a logit over those on sale, at its bloc's value of each.
        own_offered = self._on_sale & self.made_for.T
        own_share = self._own_share * own_offered.any(axis=1)
        own = None
        if own_share.any():
            blocs = self._buyer_bloc
            bought, free = value.take(blocs, axis=0), free_value.take(blocs, axis=0)
            own = Menu.of(own_offered, bought, np.zeros_like(bought), free, sensitivity)
        return Terms(everything, home_made, mandate, own, own_share, controlled, price, seizure, rental_price)

    def start_step(self) -> None:
        """Open the market: note what is on sale and at what price, clear the order book and deliver
        the smuggled chips due today."""
        self._on_sale = self.on_sale()
        self._prices = self.prices()
        self._best_value = (-1, self._best_value[1])
        self._made_terms = None
        shape = (len(self.buyers), len(self.list_price))
        self.budgets = np.zeros(shape[0])
        self.orders = np.zeros(shape)
        self.stopped = np.zeros(shape)
        self.would = np.zeros(shape)
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
        """Split the buyers' budgets over the menus, into orders, rentals and what buyers would spend with no
        control: a buyer's custom share over the chips made for it, of the rest a mandate's share over its bloc's
        home-made offers, the rest over all its bloc's offers."""
        budgets = self.budgets
        if terms.own is not None:
            self._split(budgets * terms.own_share, terms.own, per_buyer=True)
            budgets = budgets * (1.0 - terms.own_share)
        reserved = terms.mandate.take(self._buyer_bloc)
        if terms.home_made is not None:
            self._split(budgets * reserved, terms.home_made)
        self._split(budgets * (1.0 - reserved), terms.everything)

    def _split(self, budgets_usd: np.ndarray, menu: Menu, per_buyer: bool = False) -> None:
        """Add each buyer's budget split over its menu to its orders (chips bought, legally or from smugglers) and
        rentals abroad, and what it would have spent on each chip with no control; the menu has a row per bloc,
        or, `per_buyer`, a row per buyer."""
        budgets = budgets_usd[:, None]
        for total, shares in (
            (self.orders, menu.shares),
            (self.rentals, menu.rent_shares),
            (self.would, menu.free_shares),
        ):
            total += budgets * (shares if per_buyer else shares.take(self._buyer_bloc, axis=0))

    def clear(self) -> Flows:
        """Share each maker's output among the orders for its chips, ship the chips (less those seized on their
        way), move the money, and note the volumes the channels past controls carried."""
        model = self.model
        chip_market = self.spec
        flows = self.flows
        terms = self._terms()
        self._split_budgets(terms)
        blocs = self._buyer_bloc
        leaked = terms.controlled.take(blocs, axis=0)  # buyer (row) gets chip (column) only past controls
        price = terms.price.take(blocs, axis=0)
        rental_price = terms.rental_price.take(blocs, axis=0)
        self._ration(leaked, price, rental_price)
        units = self.orders / price
        rent_units = self.rentals / rental_price
        reaches_maker = (units + rent_units) * self._prices
        self.stopped = np.where(leaked, np.maximum(self.would - reaches_maker, 0.0), 0.0)
        asked = self._per_maker(units + rent_units).tolist()
        diverted = self._per_maker(self.stopped).tolist()
        available = np.array(
            [maker.output_this_step(self._per_chip_of(m, units + rent_units)) for m, maker in enumerate(self.makers)]
        )
        asked_ = np.array(asked)
        fill = np.divide(available, asked_, out=np.zeros_like(available), where=asked_ > 0).clip(max=1.0)
        fill_of_chip = fill.take(self.maker_of)
        second = self._second_round(
            terms,
            leaked,
            price,
            (self.orders + self.rentals) * (1.0 - fill_of_chip),
            np.maximum(available - asked_ * fill, 0.0),
            self._packaging_sizes(units + rent_units) if model.packaged else None,
        )
        asked2 = self._per_maker(second)
        for m, maker in enumerate(self.makers):
            maker.observe_demand(asked[m] + float(asked2[m]), float(available[m]), diverted[m])
        got = units * fill_of_chip + second
        got_rented = rent_units * fill_of_chip  # bought by clouds abroad, at the maker's price, and leased
        paid = got * price
        paid_rent = got_rented * rental_price
        sale = got * self._prices
        sale_rent = got_rented * self._prices
        fee = sale * model.regulation.fees.T.take(blocs, axis=0)
        received = sale - fee + sale_rent
        delivered = got + got_rented
        parts = np.column_stack([self._per_maker(delivered * part) for part in self.parts_cost]).tolist()
        for m, (maker, revenue, cost) in enumerate(
            zip(
                self.makers,
                self._per_maker(received).tolist(),
                self._per_maker(delivered * self.unit_cost).tolist(),
                strict=True,
            )
        ):
            maker.sell(self._per_chip_of(m, delivered), revenue, cost, *parts[m])
        flows.paid_by_buyers_usd += float(paid.sum() + paid_rent.sum())
        flows.received_by_makers_usd += float(received.sum())
        smuggling = paid - sale  # 0 on legal purchases, which are at the maker's price
        flows.smuggler_margin_usd += float(smuggling.sum())
        flows.rental_margin_usd += float((paid_rent - sale_rent).sum())
        flows.fees_usd += float(fee.sum())
        self._record_payments(sale, fee, smuggling, paid_rent, sale_rent)
        paid = paid + paid_rent
        for buyer, usd in zip(self.buyers, paid.sum(axis=1).tolist(), strict=True):
            buyer.pay_for_chips(usd)
        legal = np.where(leaked, 0.0, got)
        smuggled = got - legal  # got where leaked, 0 elsewhere
        seized = smuggled * terms.seizure.take(blocs, axis=0)  # paid for, and lost on the way
        shipped = smuggled - seized
        legal_per_buyer = legal.sum(axis=1)
        flows.legal_units += self._per_bloc(legal_per_buyer)
        home = self._made_in[None, :] == blocs[:, None]  # buyer (row) buys chip (column) from its own bloc's makers
        flows.domestic_units += self._per_bloc(np.where(home, legal, 0.0).sum(axis=1))
        rented_per_buyer = got_rented.sum(axis=1)
        flows.rented_units += self._per_bloc(rented_per_buyer)
        flows.seized_units += self._per_bloc(seized.sum(axis=1))
        self.seized_total += float(seized.sum())
        smuggled_sale = self._per_bloc((smuggled * self._prices).sum(axis=1))
        flows.smuggling_premium = self._ratio(self._per_bloc(smuggling.sum(axis=1)), smuggled_sale)
        flows.rental_premium = self._ratio(
            self._per_bloc((paid_rent - sale_rent).sum(axis=1)), self._per_bloc(sale_rent.sum(axis=1))
        )
        if chip_market.leak_delay_days > 0:
            self._deliver(legal + got_rented, legal_per_buyer + rented_per_buyer)  # a lease starts at once
            if shipped.any():
                self.in_transit.append(Shipment(model.day + chip_market.leak_delay_days, shipped))
        else:
            self._deliver(legal + shipped + got_rented, legal_per_buyer + shipped.sum(axis=1) + rented_per_buyer)
            flows.leaked_units += self._per_bloc(shipped.sum(axis=1))
        # The volumes that load the channels past controls next step: an average over about the memory.
        weight = step_fraction(365.25 / chip_market.supply_memory_days, model.dt)
        self.smuggled_per_year += weight * (self._per_bloc(smuggled.sum(axis=1)) / model.dt - self.smuggled_per_year)
        self.rented_per_year += weight * (self._per_bloc(rented_per_buyer) / model.dt - self.rented_per_year)
        self._made_terms = None  # the loads have moved
        self.smuggler_margin_total_usd += flows.smuggler_margin_usd
        self.rental_margin_total_usd += flows.rental_margin_usd
        self.fees_total_usd += flows.fees_usd
        return flows

    def _packaging_sizes(self, per_order: np.ndarray) -> np.ndarray:
        """How much of its maker's output one unit of each chip takes, counted in units of the maker's first-round
        orders `per_order` (buyer rows, chip columns): for a maker whose chips a foundry packages, the packaging
        a chip takes against the mean of those orders (a B200 takes more than an H100); 1 for the others."""
        sizes = np.ones(len(self.list_price))
        for m, maker in enumerate(self.makers):
            if maker.packaging_wafers_per_year is not None:
                own = self.maker_of == m
                sizes[own] = maker.chips_per_wafer(self._per_chip_of(m, per_order)) / self.per_wafer[own]
        return sizes

    def _second_round(
        self,
        terms: Terms,
        leaked: np.ndarray,
        price: np.ndarray,
        unfilled_usd: np.ndarray,
        spare: np.ndarray,
        sizes: np.ndarray | None = None,
    ) -> np.ndarray:
        """Units each buyer (row) gets of each chip (column) in a second round: the money its orders could not
        buy because their makers ran out goes to the legal offers of makers with output left, split as its
        bloc's menu splits a budget over them, and each such maker fills those orders as far as its output
        left allows (buyers turn to what is in stock: Chinese buyers took H20s when Ascends ran short); `sizes`:
        the output one unit of each chip takes, in units of `spare` (`_packaging_sizes`; 1 if None)."""
        money = unfilled_usd.sum(axis=1)
        if not money.any() or not spare.any():
            return np.zeros_like(price)
        room = (spare > 0).take(self.maker_of)[None, :] & ~leaked
        weights = terms.everything.shares.take(self._buyer_bloc, axis=0) * room
        total = weights.sum(axis=1, keepdims=True)
        units = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0) * money[:, None] / price
        asked = self._per_maker(units if sizes is None else units * sizes)
        fill = np.divide(spare, asked, out=np.zeros_like(spare), where=asked > 0).clip(max=1.0)
        return units * fill.take(self.maker_of)

    def _ration(self, leaked: np.ndarray, price: np.ndarray, rental_price: np.ndarray) -> None:
        """Hold each bloc's orders through smugglers and rentals abroad within what the channels can carry
        this step: `capacity * (1 - enforcement)` chips a year (the routes enforcement leaves open, the
        enforcement weighted by the orders), as rationing, not price, held smuggling to about 140k chips in
        2024 while the premium stayed near 50%. What a buyer cannot get through a full channel goes back to
        its legal offers, pro rata (unspent if it has none)."""
        model, spec = self.model, self.spec
        blocs = self._buyer_bloc
        dt = model.dt
        channels = (
            (
                self.orders,
                np.where(leaked, 1.0, 0.0),
                price,
                model.regulation.controls.T,
                spec.smuggling_capacity_chips_per_year,
            ),
            (
                self.rentals,
                np.ones_like(price),
                rental_price,
                model.regulation.rental_controls.T,
                spec.rental_capacity_chips_per_year,
            ),
        )
        for money, through, unit_price, enforcement, capacity in channels:
            ordered = money * through  # the money on this channel
            if not ordered.any():
                continue
            units = ordered / unit_price
            per_bloc = self._per_bloc(units.sum(axis=1))
            weighted = self._per_bloc((units * enforcement.take(blocs, axis=0)).sum(axis=1))
            mean_enforcement = np.divide(weighted, per_bloc, out=np.zeros_like(per_bloc), where=per_bloc > 0)
            room = capacity * (1.0 - mean_enforcement) * dt
            scale = np.divide(room, per_bloc, out=np.ones_like(per_bloc), where=per_bloc > room)
            scale = np.minimum(scale, 1.0).take(blocs)[:, None]
            excess = (ordered * (1.0 - scale)).sum(axis=1)
            money -= ordered * (1.0 - scale)
            legal = np.where(leaked, 0.0, self.orders)
            total = legal.sum(axis=1, keepdims=True)
            self.orders += np.divide(legal, total, out=np.zeros_like(legal), where=total > 0) * excess[:, None]

    @staticmethod
    def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        """numerator / denominator, 0 where the denominator is 0 (nothing moved)."""
        return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)

    def _per_chip_of(self, m: int, per_order: np.ndarray) -> np.ndarray:
        """Totals per chip (catalogue order) of a quantity given per buyer (row) and chip (column), for the chips
        of maker `m` only (0 for the others)."""
        return per_order.sum(axis=0) * self._maker_columns[:, m]

    def _record_payments(
        self, sales: np.ndarray, fees: np.ndarray, smuggling: np.ndarray, rents: np.ndarray, leased: np.ndarray
    ) -> None:
        """The step's chip money through the ledger, each quantity given per buyer (row) and chip (column): each
        buyer pays the makers the price of what it bought, smugglers their margin on controlled chips and clouds
        abroad the rent of what they lease it; the clouds pay the makers for the chips they lease out, and the
        makers pay their licence fees to governments."""
        buyers, makers = self._buyer_ids, self._maker_ids
        smugglers, clouds, governments = OUTSIDE["smugglers"], OUTSIDE["clouds_abroad"], OUTSIDE["governments"]
        per_maker = dot(sales, self._maker_columns)
        rows, columns = per_maker.nonzero()
        record, resell = self.model.ledger.record, self.model.chain.resell
        record(
            payment
            for r, c, usd in zip(rows, columns, per_maker[rows, columns].tolist(), strict=True)
            for payment in resell(buyers[r], makers[c], usd, "chips")
        )
        if smuggling.any():  # most steps nobody smuggles, rents or pays a fee: nothing to record
            record(
                (buyer, smugglers, usd, "smuggling")
                for buyer, usd in zip(buyers, smuggling.sum(axis=1).tolist(), strict=True)
            )
        if rents.any():
            rent, leased_from = rents.sum(axis=1).tolist(), self._per_maker(leased).tolist()
            rest = 1.0
            for lessor in self.model.lessors:  # the owners with a share of the channel (Oracle), then the rest
                share = lessor.spec.rentals_abroad_share
                record((buyer, lessor.id, share * usd, "rental") for buyer, usd in zip(buyers, rent, strict=True))
                record((lessor.id, maker, share * usd, "chips") for maker, usd in zip(makers, leased_from, strict=True))
                lessor.lease_abroad(share * sum(rent), share * sum(leased_from))
                rest -= share
            record((buyer, clouds, rest * usd, "rental") for buyer, usd in zip(buyers, rent, strict=True))
            record((clouds, maker, rest * usd, "chips") for maker, usd in zip(makers, leased_from, strict=True))
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
