"""Chipmakers: make AI chips within a capacity that grows with demand and subsidies (unless equipment
controls cap it), which, where a foundry packages the chips, is a booking of its advanced packaging that the
foundry may only part fill (`simulation.agents.supplier`); or, for a maker with a `supply`, from its share of a
foundry's wafers and the memory it can get; answer export rules with compliant variants, price them, report
earnings."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from simulation.agents.regulator import rule_catches
from simulation.firms import OUTSIDE, Firm
from simulation.markets.supply import BOOKED_MAX, dies_per_chip, dies_per_wafer
from simulation.scenario import Chip, Chipmaking, ChipSupply, Rule, Tech
from simulation.scenario import Chipmaker as ChipmakerSpec
from simulation.tech import interconnect_factor, step_fraction

if TYPE_CHECKING:
    from simulation.model import AIRaceModel

EARNINGS_HALFLIFE_DAYS = 91.0  # firms report quarterly: investors see a smoothed, about-quarterly run rate


def design_variant(
    chip: Chip,
    rules: list[Rule],
    headroom: float,
    price_exponent: float,
    reference_gb_s: float,
    interconnect_exponent: float,
    variant_id: str,
    launch: date,
    dest: str | None = None,
) -> Chip | None:
    """The compliant variant a maker would design so that `chip` passes every rule in `rules`.

    If each rule that catches the chip tests interconnect, cutting the links is enough (A800, H800
    after Oct 2022); otherwise throughput is cut below the binding TPP and density thresholds (H20
    after Oct 2023). The spec is set at `headroom` times the threshold, and the price scales with
    the variant's effective speed to the power `price_exponent`. None if no variant can pass
    (a rule names every variant, or the chip itself).
    """
    catching = [r for r in rules if rule_catches(r, chip)]
    if any(r.compliant_variants or chip.id in r.chips for r in catching):
        return None
    spec = {"tflops_16bit": chip.tflops_16bit, "interconnect_gb_s": chip.interconnect_gb_s}
    if catching and all(r.interconnect_min_gb_s is not None and r.density_min is None for r in catching):
        spec["interconnect_gb_s"] = headroom * min(r.interconnect_min_gb_s for r in catching)  # type: ignore[type-var]
        change = f"interconnect cut to {spec['interconnect_gb_s']:.0f} GB/s"
    else:
        caps = [r.tpp_min for r in catching if r.tpp_min is not None]
        caps += [
            max(r.density_tpp_min, r.density_min * chip.die_area_mm2)
            for r in catching
            if r.density_tpp_min is not None and r.density_min is not None
        ]
        spec["tflops_16bit"] = min(chip.tflops_16bit, headroom * min(caps) / 16)
        change = f"throughput cut to {spec['tflops_16bit']:.0f} TFLOP/s"

    def effective(tflops: float, link: float) -> float:
        return tflops * interconnect_factor(link, reference_gb_s, interconnect_exponent)

    speed = effective(spec["tflops_16bit"], spec["interconnect_gb_s"]) / effective(
        chip.tflops_16bit, chip.interconnect_gb_s
    )
    price = max(chip.price_usd * speed**price_exponent, chip.unit_cost_usd * 1.05)
    variant = chip.model_copy(
        update={
            "id": variant_id,
            "name": f"{chip.name}, compliant variant ({change})",
            "launch": launch,
            "variant_of": chip.id,
            "sold_to": [dest] if dest else chip.sold_to,
            "price_usd": price,
            **spec,
        }
    )
    return variant if not any(rule_catches(r, variant) for r in rules) else None


class Chipmaker(Firm):
    """A chip designer and maker: a firm whose cash starts at 0 (its AI-chip business's, not the company's)."""

    spec: ChipmakerSpec

    def __init__(self, model: AIRaceModel, spec: ChipmakerSpec, chipmaking: Chipmaking, tech_spec: Tech):
        """`chipmaking`: the scenario's terms of pricing and investment for every maker; `tech_spec`, the
        technology (the interconnect a variant's speed is judged by)."""
        super().__init__(model, spec)
        self.label = spec.label
        self.chipmaking = chipmaking
        self.tech_spec = tech_spec
        self.booked_chips_per_year = spec.capacity_chips_per_year or 0.0
        """AI chips a year it wants to make (with no supply): the capacity it grows, which, where a foundry
        packages its chips, is its booking of the foundry's packaging."""
        self.capacity_chips_per_year = self.booked_chips_per_year
        """AI chips it can make a year: its booking, or what the foundry's packaging allots it of its booking (in
        its newest chip), or, with a supply, what this step's dies and memory make in a year."""
        self.packaging_wafers_per_year: float | None = None
        """Packaging wafers a year the foundry allots it (`Supplier.package`); None: its chips are not packaged
        at a foundry of the model, its capacity is its own."""
        self.capacity_growth_per_year = spec.capacity_growth_per_year or 0.0
        self.tools_denied_share = 0.0
        """Share of the capacity growth it wanted this step that tool controls denied it."""
        supply = spec.supply
        self.wafers_per_month = supply.foundry_wafers_per_month if supply else 0.0
        self.die_stock = 0.0
        """Good dies on hand (from its foundry's wafers and bought elsewhere), not yet packaged into chips."""
        self.memory_stock = supply.memory_stock_stacks if supply else 0.0
        """HBM stacks on hand, not yet packaged into chips."""
        self._stockpiled = False  # the memory bought ahead of an HBM control has come in
        self._foundry_chips_per_year = 0.0  # chips a year its share of the foundry's wafers makes
        self.log_q = 0.0  # log of its share price against the price's smoothed past (0 when unlisted)
        self._past_log_price = math.log(spec.share_price_usd) if spec.share_price_usd else 0.0
        self.opex_usd_per_year = spec.opex_usd_per_year
        self.markup = 1.0
        self.order_ratio = 1.0
        self.booking_ratio = 1.0
        """Its last step's orders against its booking (chips): what grows the booking of a maker whose chips a
        foundry packages (its orders against its output would read the foundry's shortage as demand)."""
        self.orders_chips_per_year = self.booked_chips_per_year
        """Chips a year it is ordered, smoothed over about a quarter (`EARNINGS_HALFLIFE_DAYS`): a booking of
        a foundry's packaging is held to at most `BOOKED_MAX` times it (no designer books lines it has no orders
        for, and its booking falls when they do)."""
        own = [c for c in model.chips if c.maker == spec.id]
        margin = sum(1 - c.unit_cost_usd / c.price_usd for c in own) / len(own) if own else 0.0
        self.books.run_rates.update(
            revenue=spec.revenue_usd_per_year,
            earnings=spec.revenue_usd_per_year * margin - spec.opex_usd_per_year,
            lost_sales=0.0,
        )
        self.units_sold_total = 0.0
        self.revenue_total_usd = 0.0
        self.lost_sales_total_usd = 0.0
        self.subsidies_total_usd = 0.0
        self.variants: dict[tuple[str, str], Chip] = {}  # (base chip, destination bloc) -> latest variant
        self._generations: dict[tuple[str, str], int] = {}
        self._searched: tuple[dict[str, list[Rule]], np.ndarray] | None = None  # what the last search saw
        self._step_revenue = 0.0
        self._step_cost = 0.0
        self._step_lost = 0.0

    # -- answering export rules --------------------------------------------------------------------

    def design_variants(self) -> None:
        """For each own chip on sale that a rule now catches for a bloc, design a variant for that bloc
        that passes, unless one already passes; it goes on sale a redesign lag after the latest of the
        rules catching the chip took effect (or after the chip's launch, if later).

        The search depends only on the bans in force and the chips on sale (a variant's launch date
        does not decide whether it passes): when neither changed since the last search, which then
        designed nothing (a new variant grows the catalogue), it would design nothing again and is skipped:
        most steps, which saves about 4% of a baseline run (benchmarks/README.md)."""
        if not self.spec.designs_variants:
            return
        model = self.model
        rules_to = {dest: model.regulation.export_rules(self.bloc, dest) for dest in model.blocs if dest != self.bloc}
        on_sale = model.chip_market.on_sale()
        if self._searched is not None and self._searched[0] == rules_to and np.array_equal(self._searched[1], on_sale):
            return
        self._searched = (rules_to, on_sale)
        today = model.date
        tech = self.tech_spec
        for i, chip in enumerate(list(model.chips)):
            if chip.maker != self.id or chip.variant_of is not None or not on_sale[i]:
                continue
            for dest, rules in rules_to.items():
                catching = [r for r in rules if rule_catches(r, chip)]
                if not catching:
                    continue
                current = self.variants.get((chip.id, dest))
                if current is not None and not any(rule_catches(r, current) for r in rules):
                    continue
                caught_since = max(max(r.date for r in catching), chip.launch)
                launch = max(today, caught_since + timedelta(days=round(self.spec.redesign_lag_days)))
                generation = self._generations.get((chip.id, dest), 0) + 1
                variant = design_variant(
                    chip,
                    rules,
                    self.spec.variant_headroom,
                    self.spec.variant_price_exponent,
                    tech.interconnect_reference_gb_s,
                    tech.interconnect_exponent,
                    f"{chip.id}_{dest}" + (str(generation) if generation > 1 else ""),
                    launch,
                    dest,
                )
                if variant is None:
                    continue
                self._generations[(chip.id, dest)] = generation
                self.variants[(chip.id, dest)] = variant
                model.add_chip(variant)
                model.log(
                    "variant",
                    self.id,
                    subject=variant.id,
                    counterpart=dest,
                    value=variant.price_usd,
                    name=self.name,
                    chip=chip.id,
                    change=variant.name.split("(")[-1].rstrip(")"),
                    launch=launch,
                )

    # -- making chips ------------------------------------------------------------------------------

    def produce(self) -> None:
        """Capacity grows with investment, faster the fuller the order book was last step, plus what
        subsidies build; controls on chip-making tools cap the growth. A maker with a supply grows its
        foundry's wafers instead (at the foundry's pace, not its order book's), and makes this step's dies
        and gets this step's memory."""
        model = self.model
        dt = model.dt
        supply = self.spec.supply
        if supply is None:
            ratio = self.booking_ratio if self.packaging_wafers_per_year is not None else self.order_ratio
            pull = min(max(ratio, 0.0), 1.5)
            # A listed maker invests more when its shares stand above their past level, less after a sell-off
            # (its equity is dearer to raise, Tobin's q): the price against its smoothed log, to a power.
            q = math.exp(self.chipmaking.q_elasticity * self.log_q)
            growth = self.capacity_growth_per_year * pull * q
        else:
            growth = supply.foundry_growth_per_year
        subsidy = model.regulation.subsidy_for(self, model.chipmakers.values())
        # What a subsidy builds is chip-making capacity: the foundry's, for a maker with a supply.
        building = self.booked_chips_per_year if supply is None else self._foundry_chips_per_year
        subsidised = subsidy > 0 and building > 0
        if subsidised:
            built = subsidy * dt / self.spec.capacity_cost_usd
            growth += math.log1p(built / building) / dt
            self.subsidies_total_usd += subsidy * dt
        wanted = growth
        growth = model.regulation.allowed_growth(self.bloc, growth)
        # The growth the controls deny is tools not bought abroad (`AIRaceModel.tools_denied`).
        self.tools_denied_share = 1.0 - growth / wanted if wanted > growth else 0.0
        if subsidised:
            # The subsidy pays for the capacity it builds: in from governments, out to the builders, its tools
            # to the toolmakers (those abroad less what the controls deny).
            model.ledger.pay(OUTSIDE["governments"], self.id, subsidy * dt, "subsidy")
            model.ledger.record(model.chain.tools(self.id, subsidy * dt, "capacity", cut=self.tools_denied_share))
        if supply is None:
            self.booked_chips_per_year *= math.exp(growth * dt)
            if self.packaging_wafers_per_year is not None:
                self.booked_chips_per_year = min(self.booked_chips_per_year, BOOKED_MAX * self.orders_chips_per_year)
            self.capacity_chips_per_year = self.booked_chips_per_year  # until the foundry allots its packaging
        else:
            self.wafers_per_month *= math.exp(growth * dt)
            self._supply(supply)
        self._step_revenue = 0.0
        self._step_cost = 0.0

    def _newest_chip(self) -> Chip | None:
        """Its newest chip on sale (or its first; None if it makes none): what its wafers, memory and packaging
        are counted in."""
        model = self.model
        own = [i for i, chip in enumerate(model.chips) if chip.maker == self.id]
        if not own:
            return None
        on_sale = model.chip_market.on_sale()
        launched = [i for i in own if on_sale[i]] or own[:1]
        return model.chips[max(launched, key=lambda i: model.chips[i].launch)]

    def _die_and_chip(self) -> tuple[float, int, float]:
        """Area of one die of its newest chip on sale (or its first), the dies that chip is made of, and its
        HBM stacks: what the wafers and memory of this step are counted in."""
        chip = self._newest_chip()
        if chip is None:
            return 1.0, 1, 0.0
        dies = dies_per_chip(chip.die_area_mm2)
        return chip.die_area_mm2 / dies, dies, chip.hbm_stacks

    def _supply(self, supply: ChipSupply) -> None:
        """This step's good dies (its share of the foundry's wafers, times dies per wafer and the yield, plus
        dies bought elsewhere while that lasts) and HBM stacks (imports less what HBM controls stop, the stock
        bought ahead of a control when it comes in, home-made memory once it flows)."""
        model = self.model
        dt, today, years = model.dt, model.date, model.years()
        die_mm2, dies, stacks = self._die_and_chip()
        good = min(supply.yield_start + supply.yield_gain_per_year * years, 0.9)
        made = self.wafers_per_month * 12 * supply.foundry_share * dies_per_wafer(die_mm2) * good
        bought = (
            supply.bought_dies_per_year
            if supply.bought_dies_until is None or today <= supply.bought_dies_until
            else 0.0
        )
        cut = model.regulation.hbm_cut(self.bloc)
        memory = supply.memory_imports_stacks_per_year * (1.0 - cut)
        if cut > 0 and not self._stockpiled:
            self._stockpiled = True
            self.memory_stock += supply.memory_stockpiled_before_control_stacks
        if supply.domestic_memory_from is not None and today >= supply.domestic_memory_from:
            running = (today - supply.domestic_memory_from).days / 365.25
            memory += supply.domestic_memory_stacks_per_year * math.exp(
                supply.domestic_memory_growth_per_year * running
            )
        self.die_stock += (made + bought) * dt
        self.memory_stock += memory * dt
        chips_from_dies = (made + bought) / dies
        self._foundry_chips_per_year = made / dies
        self.capacity_chips_per_year = min(chips_from_dies, memory / stacks) if stacks > 0 else chips_from_dies

    @property
    def planned_chips_per_year(self) -> float:
        """The chips a year it plans to make: its booking, or, with a supply, its capacity (what a subsidy is
        shared by: a foundry's packaging allots the booking after the subsidies are paid)."""
        return self.capacity_chips_per_year if self.spec.supply is not None else self.booked_chips_per_year

    def packages_per_wafer(self) -> float:
        """Chips a packaging wafer holds of its newest chip on sale (or its first): what its booking is
        counted in (1 for a maker of no chip, or of one packaged elsewhere)."""
        chip = self._newest_chip()
        return (chip.packages_per_wafer if chip is not None else None) or 1.0

    def chips_per_wafer(self, mix: np.ndarray | None) -> float:
        """Chips a packaging wafer holds on average in orders of `mix` units of each chip (catalogue order): its
        newest chip's if nothing is asked."""
        if mix is None or mix.sum() <= 0:
            return self.packages_per_wafer()
        per_wafer = self.model.chip_market.per_wafer.tolist()
        wafers = sum(u / per_wafer[i] for i, u in enumerate(mix.tolist()) if u > 0)
        return float(mix.sum()) / wafers

    def output_this_step(self, mix: np.ndarray | None = None) -> float:
        """Chips it can deliver this step, for orders of `mix` units of each chip (catalogue order): its
        capacity's share of the step, or the packaging the foundry allots it in that mix, or, with a supply,
        what its dies and HBM stacks on hand make in that mix (the scarcer of the two binds)."""
        if self.packaging_wafers_per_year is not None:
            return self.packaging_wafers_per_year * self.model.dt * self.chips_per_wafer(mix)
        if self.spec.supply is None:
            return self.capacity_chips_per_year * self.model.dt
        dies, stacks = self._needs(mix)
        chips = self.die_stock / dies
        return min(chips, self.memory_stock / stacks) if stacks > 0 else chips

    def _needs(self, mix: np.ndarray | None) -> tuple[float, float]:
        """Dies and HBM stacks one chip of `mix` (units of each chip, catalogue order) takes on average; its
        newest chip's if nothing is asked."""
        if mix is None or mix.sum() <= 0:
            _, dies, stacks = self._die_and_chip()
            return float(dies), stacks
        chips = self.model.chips
        total = mix.sum()
        dies = sum(u * dies_per_chip(chips[i].die_area_mm2) for i, u in enumerate(mix.tolist()) if u > 0) / total
        stacks = sum(u * chips[i].hbm_stacks for i, u in enumerate(mix.tolist()) if u > 0) / total
        return dies, stacks

    def observe_demand(self, asked: float, available: float, lost_usd: float = 0.0) -> None:
        """Prices move towards the level that clears orders against output (within the scenario's bounds);
        the money controls kept away is recorded as lost sales."""
        chipmaking = self.chipmaking
        self.order_ratio = asked / available if available > 0 else 0.0
        dt = self.model.dt
        booked = self.booked_chips_per_year * dt
        self.booking_ratio = asked / booked if booked > 0 else 0.0
        weight = step_fraction(math.log(2) * 365.25 / EARNINGS_HALFLIFE_DAYS, dt)
        self.orders_chips_per_year += weight * (asked / dt - self.orders_chips_per_year)
        pressure = math.log(max(self.order_ratio, 0.1))
        self.markup *= math.exp(chipmaking.price_adjust_per_year * dt * pressure)
        self.markup = min(max(self.markup, chipmaking.markup_min), chipmaking.markup_max)
        self._step_lost = lost_usd
        self.lost_sales_total_usd += lost_usd

    def sell(
        self, units: np.ndarray, revenue_usd: float, cost_usd: float, foundry_usd: float = 0.0, hbm_usd: float = 0.0
    ) -> None:
        """It sold `units` of each chip (catalogue order) for `revenue_usd` (paid by the chip market's buyers,
        through the ledger) and pays their makers' cost `cost_usd`: of it, `foundry_usd` to the foundry segment
        (logic dies and advanced packaging) and `hbm_usd` to the memory segment (`simulation.firms.chain`), the
        rest (test, assembly, substrates) to suppliers outside the model."""
        chain, kind = self.model.chain, "production"
        self.model.ledger.record(
            (
                *chain.split(self.id, "foundry", foundry_usd, kind),
                *chain.split(self.id, "memory", hbm_usd, kind),
                (self.id, OUTSIDE["suppliers"], max(cost_usd - foundry_usd - hbm_usd, 0.0), kind),
            )
        )
        self.cash_usd += revenue_usd - cost_usd
        self.units_sold_total += float(units.sum())
        if self.packaging_wafers_per_year is not None and units.any():
            self.model.packager.packaged(float(units.sum()) / self.chips_per_wafer(units))
        if self.spec.supply is not None and units.any():
            dies, stacks = self._needs(units)
            self.die_stock = max(self.die_stock - dies * float(units.sum()), 0.0)
            self.memory_stock = max(self.memory_stock - stacks * float(units.sum()), 0.0)
        self.revenue_total_usd += revenue_usd
        self._step_revenue += revenue_usd
        self._step_cost += cost_usd

    @property
    def step_ai_revenue_usd(self) -> float:
        """Its AI-chip revenue over the step (what its buyers paid it, licence fees deducted)."""
        return self._step_revenue

    def see_share_price(self, price: float) -> None:
        """After the day's trading: the share price against its smoothed past (half-life
        `chipmaking.q_memory_days`), which the next step's investment answers."""
        log_price = math.log(price)
        memory = self.chipmaking.q_memory_days
        self._past_log_price += step_fraction(math.log(2) * 365.25 / memory, self.model.dt) * (
            log_price - self._past_log_price
        )
        self.log_q = log_price - self._past_log_price

    def report(self) -> None:
        """Pay the step's operating costs, and update the smoothed revenue, earnings and lost-sales run rates
        (per year)."""
        dt = self.model.dt
        self.model.ledger.pay(self.id, OUTSIDE["suppliers"], self.opex_usd_per_year * dt, "opex")
        self.cash_usd -= self.opex_usd_per_year * dt
        weight = step_fraction(math.log(2) * 365.25 / EARNINGS_HALFLIFE_DAYS, dt)
        revenue = self._step_revenue / dt
        earnings = (self._step_revenue - self._step_cost) / dt - self.opex_usd_per_year
        self.books.smooth("revenue", revenue, weight)
        self.books.smooth("earnings", earnings, weight)
        self.books.smooth("lost_sales", self._step_lost / dt, weight)

    @property
    def revenue_usd_per_year(self) -> float:
        """AI-chip revenue, a smoothed about-quarterly run rate: what investors read."""
        return self.books.run_rates["revenue"]

    @property
    def earnings_usd_per_year(self) -> float:
        return self.books.run_rates["earnings"]

    @property
    def lost_sales_usd_per_year(self) -> float:
        """Sales that controls kept away, a smoothed run rate."""
        return self.books.run_rates["lost_sales"]
