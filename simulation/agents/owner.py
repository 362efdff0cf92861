"""Owners: the firms that own the labs and pay for their data centres (Microsoft for OpenAI, Alphabet
for Google DeepMind, High-Flyer for DeepSeek, ...), listed or private.

An owner's books carry a base business (everything but AI: revenue, its operating cash flow and its
capex, sized from the annual report of the year before the start and grown at its own rate) beside
its labs' AI-services revenue and its AI capex. AI capex is planned from compute: the owner plans to
hold, `capex.horizon_years` ahead, its installed compute of the start (which served the demand of the
day) grown as it expects its bloc's users' demand for compute to grow (today's demand, then its
remembered growth: adaptive expectations). The platforms built for the AI market as a whole, not for
their own lab's share of it on the day (Meta spent as a leader with little AI-services revenue of its
own), and a lab's share of a market jumps with each release, so a plan that chased it would swing with
every model shipped. What it lacks once its chips have worn, at the price of compute on offer to its
bloc, is its planned AI capex (its scale comes from its own installed base, not from a free
parameter), and its capex moves towards the plan at `capex.adjust_per_year`, as data-centre projects
take time to start and to stop. A share `capex.chip_share` of AI capex is its chip budget; the rest
goes to buildings, power and networks.

The owner holds the installed base (`simulation.firms.installed`): its chips sit in clusters that serve
one pool of work each, one of its labs' or its own (serving users, cloud customers). It buys chips for
every pool at once: its chip budget is shared among its pools in proportion to the compute each holds (it
grows what it has), and a lab may commission chips with its own cash on top (the lab pays its owner for
them). An owner with no lab (a cloud, a bloc's other buyers: enterprises, governments) rents its compute to
cloud customers as far as demand takes it, and raises outside money for the part of its plan its cash and
borrowing cannot pay.

What cash flow and cash do not cover is borrowed on capital markets, up to a net debt of
`capex.net_debt_max_years` years of operating cash flow (the leverage that keeps an investment-grade
rating); an AI plan beyond that is cut to what can be paid for, to nothing if need be. The base
business's capex is paid whatever (it is the firm's own business, not modelled beyond its revenue,
margin and capex), so an owner whose base business does not pay for itself borrows past the limit,
and then spends nothing on AI.

Its installed accelerators' electricity is paid in full every step, to the power segment. The running
costs (`services.cost_share` of its AI revenue) were sourced from a price of compute that includes power,
so they hold the bill up to their size (what is left of them goes to other suppliers); the part of the bill
beyond them (idle chips of a cloud whose rentals fall short, a fleet large against its AI revenue) is paid
beside them, out of its operating cash flow.

The books balance every step: the change in cash (negative cash is net debt) equals the base
business's operating cash flow, plus the AI margin and any outside capital, less the electricity beyond the
running costs and capex paid, plus what its labs paid it for the chips they commissioned.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from simulation.firms import OUTSIDE, FirmWithBaseBusiness
from simulation.firms.chain import electricity_usd
from simulation.scenario import Capex, Services
from simulation.scenario import Owner as OwnerSpec
from simulation.sums import dot
from simulation.tech import step_fraction

if TYPE_CHECKING:
    from simulation.agents.lab import Lab
    from simulation.model import AIRaceModel


class Owner(FirmWithBaseBusiness):
    spec: OwnerSpec

    def __init__(
        self,
        model: AIRaceModel,
        spec: OwnerSpec,
        expected_growth_per_year: float,
        capex: Capex,
        services: Services,
        rental_premium: float,
        depreciation_per_year: float,
    ):
        """`expected_growth_per_year`: the growth of its AI revenue the owner expects at the start (that
        of its bloc's AI-services market: it has no history of its own yet); `capex`, the scenario's terms of
        AI capex plans, and `services`, of the AI-services business (its cost share); `rental_premium`
        (`chip_market.rental_premium`) what a cloud charges over a chip's price, and `depreciation_per_year`
        (`tech.depreciation_per_year`) how fast chips wear."""
        super().__init__(model, spec, spec.capex_usd_per_year * (1 - spec.ai_capex_share))
        self.capex_spec = capex
        self.services_spec = services
        self.rental_premium = rental_premium
        self.depreciation_per_year = depreciation_per_year
        self.label = spec.label
        self.labs: list[Lab] = []
        self.ai_capex_usd_per_year = spec.capex_usd_per_year * spec.ai_capex_share
        self.ai_revenue_usd_per_year = 0.0
        self.demand_flops = 0.0  # compute its bloc's users' demand takes now: the demand it builds for
        self.growth_belief = math.log1p(expected_growth_per_year)  # log growth a year of that demand
        self._start: tuple[float, float] | None = None  # its installed compute and that demand at the start
        self.in_use_flops = 0.0  # of its own pool, what cloud customers rent (an owner with no lab)
        self.chip_budget_usd = 0.0  # what it may spend of its own on chips this step
        self.commissioned_usd: dict[str, float] = {}  # what each of its labs puts on chips this step
        self.delivery_shares: list[tuple[int, float]] = []  # (pool, share) of what its last order brings
        self.chips_paid_usd = 0.0  # paid for chips this step, its labs' part included
        self.reimbursed_usd = 0.0  # what its labs paid it for their part
        self.chips_paid_total_usd = 0.0
        self.chips_received_total = 0.0  # units delivered since the start
        self._lab_parts: list[tuple[Lab, float]] = []  # the labs that paid for part of the last order, and their shares
        self.pool = -1  # the pool of its own work (`model.clusters`), set by the model
        self.payable_usd = 0.0  # the most it could spend on AI this step, as it planned (`plan`)
        self.capex_usd = 0.0  # capex paid this step (a flow), AI and non-AI
        self.ai_spend_usd = 0.0  # the AI part of it that it paid itself (its labs' commissions apart)
        self.capex_total_usd = 0.0
        self.raised_usd_total = 0.0  # borrowed in all: the rises of its net debt
        self.electricity_usd = 0.0  # its accelerators' electricity over the last step, paid in full
        self.rentals_abroad_usd = 0.0  # rent of the chips it leased to buyers in a controlled bloc, last step
        self.leased_chips_usd = 0.0  # what the chips it leased abroad cost it, last step (capex)
        self._leased = (0.0, 0.0)  # this step's rent from chips leased abroad, and what those chips cost it

    @property
    def step_ai_revenue_usd(self) -> float:
        """Its AI revenue over the step (its labs' AI services, or a cloud's rentals)."""
        return self.ai_revenue_usd_per_year * self.model.dt + self.rentals_abroad_usd

    @property
    def step_revenue_usd(self) -> float:
        """Its revenue in all over the step: AI and the base business."""
        return (self.ai_revenue_usd_per_year + self.base_revenue_usd_per_year) * self.model.dt + self.rentals_abroad_usd

    @property
    def demanded_flops(self) -> float:
        """The compute today's demand asks of it: its installed compute at the start, which served the demand
        of the day, grown as that demand has grown since (0 before it has planned, or with no demand then)."""
        if not self._start or self._start[1] <= 0:
            return 0.0
        installed, demand = self._start
        return installed * self.demand_flops / demand

    @property
    def planned_flops(self) -> float:
        """The compute it plans to have `capex.horizon_years` ahead: what today's demand asks of it, grown as
        it expects that demand to grow (its remembered growth over the horizon)."""
        return self.demanded_flops * math.exp(self.growth_belief * self.capex_spec.horizon_years)

    @property
    def usd_per_flops(self) -> float:
        """The price of compute to it: dollars a peak FLOP/s of the best chip on offer to its bloc."""
        return 1.0 / self.model.chip_market.best_value()[self.model.bloc_index[self.bloc]]

    @property
    def planned_ai_capex_usd_per_year(self) -> float:
        """AI capex a year that builds the compute it plans over the horizon, at the price of compute today:
        what it lacks once its chips have worn (`tech.depreciation_per_year`), in chips at the best FLOP/s per
        dollar on legal offer to its bloc, grossed up by the rest of a data centre (`capex.chip_share`)."""
        horizon = self.capex_spec.horizon_years
        kept = self.installed_flops * math.exp(-self.depreciation_per_year * horizon)
        lacking = max(self.planned_flops - kept, 0.0)
        return lacking / horizon * self.usd_per_flops / self.capex_spec.chip_share

    def plan(self) -> None:
        """Set this step's AI capex towards the plan for the compute it expects to need, and its chip budget.
        An owner with no lab (a cloud, a bloc's other buyers) raises outside money for what its cash and
        borrowing cannot pay: investors fund clouds whose compute is in demand."""
        capex = self.capex_spec
        dt = self.model.dt
        if self._start is None:  # the first step: the demand is known from the start (`book_revenue`)
            self._start = (self.installed_flops, self.demand_flops)
        move = step_fraction(capex.adjust_per_year, dt)
        self.ai_capex_usd_per_year += move * (self.planned_ai_capex_usd_per_year - self.ai_capex_usd_per_year)
        # What it can pay this step: its cash, what it may borrow, and this step's cash flow less base capex.
        payable = (
            self.cash_usd + self.debt_limit_usd + (self.operating_cash_usd_per_year - self.base_capex_usd_per_year) * dt
        )
        if not self.labs and self.ai_capex_usd_per_year * dt > payable:  # and debt beyond its limit is repaid
            self.raise_capital(self.ai_capex_usd_per_year * dt - payable)
            payable = self.ai_capex_usd_per_year * dt
        self.payable_usd = max(payable, 0.0)
        self.ai_capex_usd_per_year = min(self.ai_capex_usd_per_year, self.payable_usd / dt)
        self.chip_budget_usd = self.ai_capex_usd_per_year * capex.chip_share * dt
        self.chips_paid_usd = self.reimbursed_usd = 0.0

    def commission(self, lab: Lab, usd: float) -> None:
        """`lab` puts `usd` of its own cash on chips for its work: the owner buys them with its own."""
        self.commissioned_usd[lab.id] = self.commissioned_usd.get(lab.id, 0.0) + usd

    def buy_chips(self) -> None:
        """Order chips for its pools: its chip budget shared in proportion to the effective compute each
        pool holds, and what its labs commissioned for theirs."""
        pools = self._pools
        totals = self.model.clusters.pool_totals()
        held = [float(totals[p, 1]) for p in pools]
        whole = sum(held)
        own = (
            [self.chip_budget_usd * h / whole for h in held]
            if whole > 0
            else [self.chip_budget_usd, *[0.0] * (len(pools) - 1)]
        )
        paid_by_labs = [0.0, *(self.commissioned_usd.get(lab.id, 0.0) for lab in self.labs)]
        budgets = [o + p for o, p in zip(own, paid_by_labs, strict=True)]
        total = sum(budgets)
        self.commissioned_usd = {}
        self._lab_parts = []
        if total <= 0:
            return
        self.delivery_shares = [(pool, budget / total) for pool, budget in zip(pools, budgets, strict=True)]
        self._lab_parts = [(lab, part / total) for lab, part in zip(self.labs, paid_by_labs[1:], strict=True) if part]
        self.model.chip_market.order(self, total)

    def pay_for_chips(self, usd: float) -> None:
        """Pay `usd` for the chips it got (the chip market records whom); its labs pay it their part."""
        self.chips_paid_usd += usd
        self.chips_paid_total_usd += usd
        for lab, part in self._lab_parts:
            self.reimbursed_usd += lab.pay_owner(usd * part)

    def take_delivery(self, units: np.ndarray) -> None:
        """Chips arrive: each pool's share of them goes into the cluster it is building."""
        clusters, day = self.model.clusters, self.model.day
        self.chips_received_total += float(units.sum())
        kw = float(dot(units, clusters.kw_per_unit))
        for pool, share in self.delivery_shares:
            if share > 0:
                clusters.install(pool, units * share, day, kw * share)

    @property
    def _pools(self) -> list[int]:
        """Its own pool, then its labs'."""
        return [self.pool, *(lab.pool for lab in self.labs)]

    @property
    def installed_flops(self) -> float:
        """Peak FLOP/s of every chip it holds, its labs' pools included."""
        clusters = self.model.clusters
        return float(clusters.owner_totals()[clusters.owner_index[self.id], 0])

    def raise_capital(self, usd: float) -> None:
        """Outside money for its AI capex (an owner with no lab, `plan`)."""
        self.model.ledger.pay(OUTSIDE["capital"], self.id, usd, "funding")
        self.cash_usd += usd

    @property
    def operating_cash_usd_per_year(self) -> float:
        """Operating cash flow: the base business's, and the margin on its AI revenue, less the electricity of its
        accelerators (the last step's bill) beyond the running costs, which hold the electricity they can."""
        ai_margin = 1.0 - self.services_spec.cost_share
        return (
            self.base_cash_usd_per_year
            + ai_margin * self.ai_revenue_usd_per_year
            - self.power_beyond_running_costs_usd_per_year
        )

    @property
    def power_beyond_running_costs_usd_per_year(self) -> float:
        """The part of its electricity bill (the last step's, a year) its running costs do not hold: the running
        costs (`services.cost_share` of its AI revenue) were sourced from a price of compute that includes the
        power behind it, so they hold the bill up to their size, and the rest is paid beside them."""
        bill = self.electricity_usd / self.model.dt
        return max(bill - self.services_spec.cost_share * self.ai_revenue_usd_per_year, 0.0)

    @property
    def debt_limit_usd(self) -> float:
        """The most it may owe: `capex.net_debt_max_years` of its operating cash flow."""
        return self.capex_spec.net_debt_max_years * max(self.operating_cash_usd_per_year, 0.0)

    def book_revenue(self, revenue_usd_per_year: float, demand_flops: float) -> None:
        """Its labs' AI-services revenue this step (a rate), and the compute its bloc's users' demand takes,
        whichever labs serve them; the growth it remembers moves with that demand's. An owner with no lab rents its own
        compute to cloud customers, as far as demand (its share of the start's, grown) takes it."""
        dt = self.model.dt
        before = self.demand_flops
        self.demand_flops = demand_flops
        if not self.labs and self._start and self._start[1] > 0:
            self.in_use_flops = min(self.installed_flops, self.demanded_flops)
            revenue_usd_per_year = self.in_use_flops * self.rent_usd_per_flops_year
        self.ai_revenue_usd_per_year = revenue_usd_per_year
        if before > 0 and demand_flops > 0 and self._start is not None:
            observed = math.log(demand_flops / before) / dt
            memory = 1.0 - 0.5 ** (dt / self.capex_spec.growth_memory_years)
            self.growth_belief += memory * (observed - self.growth_belief)

    @property
    def rent_usd_per_flops_year(self) -> float:
        """What a cloud charges a year for a FLOP/s: the best chip's price per FLOP/s on legal offer to its
        bloc, with the rental premium, over the chip's service life (`tech.depreciation_per_year`)."""
        return self.usd_per_flops * (1.0 + self.rental_premium) * self.depreciation_per_year

    def lease_abroad(self, rent_usd: float, chips_usd: float) -> None:
        """As a cloud outside a controlled bloc (`rentals_abroad_share`), it bought chips for `chips_usd` and
        leases them to that bloc's buyers for `rent_usd` (both paid through the ledger by the chip market)."""
        rent, chips = self._leased
        self._leased = (rent + rent_usd, chips + chips_usd)
        self.cash_usd += rent_usd - chips_usd

    def settle(self) -> None:
        """Settle the step's cash: operating cash flow in, capex out (each flow through the ledger); a fall below
        zero cash is borrowed."""
        capex = self.capex_spec
        dt = self.model.dt
        other_ai = self.ai_capex_usd_per_year * (1.0 - capex.chip_share) * dt
        self.ai_spend_usd = other_ai + self.chips_paid_usd - self.reimbursed_usd  # its labs paid for their part
        self.rentals_abroad_usd, self.leased_chips_usd = self._leased
        self._leased = (0.0, 0.0)
        self.capex_usd = self.base_capex_usd_per_year * dt + other_ai + self.chips_paid_usd + self.leased_chips_usd
        self._pay_the_step(other_ai)
        debt = max(-self.cash_usd, 0.0)
        self.cash_usd += (self.operating_cash_usd_per_year - self.base_capex_usd_per_year) * dt - self.ai_spend_usd
        self.raised_usd_total += max(max(-self.cash_usd, 0.0) - debt, 0.0)
        self.capex_total_usd += self.capex_usd
        self.grow_base_business()

    def _pay_the_step(self, other_ai_usd: float) -> None:
        """The step's flows through the ledger, as `settle` moves the cash: the base business's operating cash
        flow, the labs' AI-services revenue and its serving costs, base capex and the AI capex beyond chips
        (its chips were paid as they were bought, `pay_for_chips`)."""
        model = self.model
        ledger, dt, suppliers, chain = model.ledger, model.dt, OUTSIDE["suppliers"], model.chain
        ai_revenue = self.ai_revenue_usd_per_year * dt
        base_cash = self.base_cash_usd_per_year * dt
        serving = self.services_spec.cost_share * ai_revenue
        terms = model.spec.supply_chain
        kw, overhead = model.clusters.owner_power_kw(self.id), model.spec.tech.site_overhead
        bill = electricity_usd(kw, overhead, model.step_days, terms.electricity_usd_per_mwh)
        self.electricity_usd = bill  # paid in full; the running costs beside it are what is left of `serving`
        networking, servers = terms.networking_share * other_ai_usd, terms.servers_share * other_ai_usd
        ledger.record(
            (
                self.base_business_settlement(base_cash),
                (OUTSIDE["users"], self.id, ai_revenue, "ai_services")
                if self.labs
                else (OUTSIDE["customers"], self.id, ai_revenue, "compute_rental"),
                *chain.split(self.id, "power", bill, "electricity"),
                (self.id, suppliers, max(serving - bill, 0.0), "serving"),
                (self.id, suppliers, self.base_capex_usd_per_year * dt, "base_capex"),
                *chain.split(self.id, "networking", networking, "ai_infrastructure"),
                *chain.split(self.id, "servers", servers, "ai_infrastructure"),
                (self.id, suppliers, max(other_ai_usd - networking - servers, 0.0), "ai_infrastructure"),
            )
        )
