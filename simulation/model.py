"""AIRaceModel: one week (or `step_days`) of the race, read as a story in `step`."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from operator import attrgetter
from typing import Any

import mesa
import numpy as np

from simulation.agents import Chipmaker, InvestorPopulation, Lab, Owner, Regulator
from simulation.events import Event
from simulation.markets.chips import ChipMarket
from simulation.markets.services import services_revenue
from simulation.measures import gap_months
from simulation.records import Records
from simulation.scenario import ApiTerms, Breakthrough, Chip, OpenWeights, RuleChange, Scenario
from simulation.tech import DAYS_PER_YEAR, grown, market_shares


class AIRaceModel(mesa.Model):
    """The AI race between blocs, built from a validated Scenario and a plain integer seed."""

    def __init__(self, spec: Scenario, seed: int):
        super().__init__(rng=int(seed))
        self.spec = spec
        self.seed = int(seed)
        self.streams: dict[tuple[str, str], np.random.Generator] = {}
        self.start = spec.time.start
        self.step_days = spec.time.step_days
        self.dt = self.step_days / DAYS_PER_YEAR
        self.n_steps = spec.time.n_steps
        self.running = self.n_steps > 0  # Mesa's flag: it turns False at the scenario's end (`step`)
        self.event_log: list[dict] = []

        self.blocs = [b.id for b in spec.blocs]
        self.bloc_index = {b: i for i, b in enumerate(self.blocs)}
        self.chips = list(spec.chips)  # chipmakers add compliant variants as they design them
        self.chip_index = {c.id: i for i, c in enumerate(spec.chips)}
        self.maker_bloc = {m.id: m.bloc for m in spec.chipmakers}

        self.regulators = {r.id: Regulator(self, r) for r in spec.regulators}
        self._regulators_of = {b: [r for r in self.regulators.values() if r.bloc == b] for b in self.blocs}
        self.chipmakers = {m.id: Chipmaker(self, m) for m in spec.chipmakers}
        growth = {b.id: b.services_market_growth_per_year for b in spec.blocs}
        self.owners = {o.id: Owner(self, o, growth[o.bloc]) for o in spec.owners}
        self.labs = {lab.id: Lab(self, lab) for lab in spec.labs}
        self.listed = [m for m in self.chipmakers.values() if m.ticker]
        self.investors = InvestorPopulation(
            self, self.listed, np.array([m.share_price_usd for m in spec.chipmakers if m.listed], dtype=float)
        )
        self.chip_market = ChipMarket(self)
        for lab in self.labs.values():
            lab.start()
        self.controls = np.zeros((len(self.chips), len(self.blocs)))
        self.rental_controls = np.zeros_like(self.controls)
        self._lab_order = list(self.labs.values())
        self._labs_of = {b: [lab for lab in self._lab_order if lab.bloc == b] for b in self.blocs}  # in lab order
        self._servers = {  # positions in _lab_order of the labs serving each bloc's market, as index arrays
            b.id: np.flatnonzero([b.id in self._markets_of(lab.bloc) for lab in self._lab_order]) for b in spec.blocs
        }
        self._start_caps = self.market_caps().sum()
        self._caps_before = self.market_caps()  # at the last recorded row: what `value_lost` is counted from
        self.value_lost = np.zeros(len(self.listed))  # market value each listed firm lost over the step (USD)
        self._book_revenue(self._services_revenue())  # owners plan their first step's capex on it
        self._actions: list[partial] = []  # Mesa holds scheduled events by weak reference: keep them alive

        self._scheduled = [self._schedule(e) for e in spec.events]
        self._frontier_blocs = [b for b in self.blocs if self._labs_of[b]]
        self._days = np.zeros(self.n_steps + 1)
        self._frontier = {b: np.zeros(self.n_steps + 1) for b in self._frontier_blocs}
        self._published = np.ones(self.n_steps + 1)  # efficiency of the best open-weights model, by step
        self.best_effective_flops = 0.0
        self._observed = 0
        self.records = Records(self, self._model_reporters(), AGENT_VARIABLES)
        self.agents_by_type[Regulator].do("step")  # rules already in force on the first day
        self.refresh_controls()
        self._observe()

    # -- the story of one step -------------------------------------------------------------------

    def step(self) -> None:
        """Regulators set the rules, chipmakers produce and price, labs buy compute, research, train,
        distil and release, labs sell services and raise money, investors revise beliefs and trade,
        markets clear, data are recorded. The run stops itself at the scenario's end (`running`)."""
        if not self.running:  # Mesa counts the step before calling this
            end = f"{self.n_steps} ({self.spec.time.end})"
            raise RuntimeError(f"the scenario ends at step {end}: there is no step {self.steps}")
        self.agents_by_type[Regulator].do("step")
        self.agents_by_type[Chipmaker].do("design_variants")
        self.refresh_controls()
        self.agents_by_type[Chipmaker].do("produce")
        self.chip_market.start_step()
        self.agents_by_type[Owner].do("plan")
        self.agents_by_type[Lab].shuffle_do("buy_chips")
        self.chip_market.clear()
        self.best_effective_flops = max(lab.effective_flops for lab in self.labs.values())
        self.agents_by_type[Lab].shuffle_do("step")
        self._sell_services()
        self._fund_labs()
        self.agents_by_type[Owner].do("settle")
        self.agents_by_type[Chipmaker].do("report")
        self.agents_by_type[InvestorPopulation].do("step")
        for maker, price in zip(self.listed, self.investors.prices.tolist(), strict=True):
            maker.see_share_price(price)
        self._observe()
        self.running = self.steps < self.n_steps

    def run_model(self, progress: Callable[[int], None] | None = None) -> None:
        """Mesa's run loop, step while `running`, so to the scenario's end; `progress(1)` after each step."""
        while self.running:
            self.step()
            if progress is not None:
                progress(1)

    # -- time --------------------------------------------------------------------------------------

    @property
    def day(self) -> float:
        """Days from the start to the date this step reaches."""
        return float(self.steps * self.step_days)

    @property
    def date(self) -> date:
        """The date this step reaches: step n simulates the days up to start + n * step_days."""
        return self.start + timedelta(days=self.steps * self.step_days)

    def years(self) -> float:
        return self.day / DAYS_PER_YEAR

    def _schedule(self, event: Breakthrough | OpenWeights | ApiTerms | RuleChange) -> partial:
        """Scenario events run between steps, just before the first step whose date reaches them."""
        action = partial(self._apply_event, event)
        steps_to = math.ceil((event.date - self.start).days / self.step_days)
        self.schedule_event(action, at=max(steps_to, 1) - 0.5)
        return action  # kept alive: Mesa holds events by weak reference

    def stream(self, owner: str, mechanism: str) -> np.random.Generator:
        """The random numbers of one agent's mechanism (`stream("deepseek", "breakthrough")`): a generator
        of its own, spawned from the run's seed by a stable key of the two names. Two scenarios run with
        the same seed so draw the same numbers for every agent and mechanism the scenario does not
        touch (common random numbers), however the other agents' draws change."""
        key = (owner, mechanism)
        if key not in self.streams:
            spawn_key = tuple(int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little") for name in key)
            self.streams[key] = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=spawn_key))
        return self.streams[key]

    def schedule_after(self, days: float, action) -> None:
        """Run `action` between steps, before the first step at least `days` from now."""
        act = partial(action)
        self._actions.append(act)
        self.schedule_event(act, at=self.steps + max(math.ceil(days / self.step_days), 1) - 0.5)

    def _apply_event(self, event: Breakthrough | OpenWeights | ApiTerms | RuleChange) -> None:
        if isinstance(event, Breakthrough):
            lab = self.labs[event.lab]
            seen = event.attention_date or event.date
            lab.breakthrough(
                event.efficiency_gain,
                event.open_weights,
                (seen - self.start).days,
                on=event.date,
                event_id=event.id,
                description=event.description,
            )
            if event.attention_date and event.attention_date > event.date:
                self.log(
                    "attention",
                    "investors",
                    subject=event.id,
                    counterpart=lab.id,
                    on=event.attention_date,
                    counterpart_name=lab.name,
                )
        elif isinstance(event, ApiTerms):
            lab = self.labs[event.lab]
            lab.api_terms_enforced = event.enforced
            self.log(
                "api_terms",
                lab.id,
                subject=event.id,
                channel="api",
                value=float(event.enforced),
                on=event.date,
                name=lab.name,
                description=event.description,
            )
        elif isinstance(event, OpenWeights):
            lab = self.labs[event.lab]
            lab.open_weights = event.open
            weights = "open_weights" if event.open else "closed_weights"
            self.log(
                "open_weights",
                lab.id,
                subject=event.id,
                channel=weights,
                on=event.date,
                name=lab.name,
                description=event.description,
            )
        else:
            regulator = self.regulators[event.regulator]
            regulator.set_enforcement(event.rule, event.enforcement)
            self.refresh_controls()
            self.log(
                "rule",
                regulator.id,
                subject=event.rule,
                channel="enforcement",
                value=event.enforcement,
                on=event.date,
                name=regulator.name,
                description=event.description,
            )

    # -- markets and money -----------------------------------------------------------------------

    def refresh_controls(self) -> None:
        """Combine the regulators' controls and licence fees for the chip market."""
        shape = (len(self.chips), len(self.blocs))
        self.controls, self.chip_market.fees = np.zeros(shape), np.zeros(shape)
        self.rental_controls = np.zeros(shape)
        for regulator in self.regulators.values():
            if regulator.controls.shape != shape:
                regulator.compute_controls()
            self.controls = np.maximum(self.controls, regulator.controls)
            self.rental_controls = np.maximum(self.rental_controls, regulator.rental_controls)
            self.chip_market.fees = np.maximum(self.chip_market.fees, regulator.fees)

    def add_chip(self, chip: Chip) -> None:
        """A chipmaker designed a chip: it joins the catalogue, the market and every lab's fleet."""
        self.chip_index[chip.id] = len(self.chips)
        self.chips.append(chip)
        self.chip_market.add_chip(chip)
        for lab in self.labs.values():
            lab.add_chip_slot()

    def export_rules(self, maker_bloc: str, dest: str) -> list:
        """Export bans in force today on chips made in `maker_bloc` going to `dest`."""
        return [rule for r in self._regulators_of[maker_bloc] for rule in r.rules_for(dest)]

    def equipment_cap(self, bloc: str) -> tuple[float, float]:
        """The tightest cap on capacity growth that any bloc's tool controls put on chipmakers of `bloc`."""
        return min((r.equipment_cap(bloc) for r in self.regulators.values()), default=(math.inf, 0.0))

    def subsidy_for(self, maker: Chipmaker) -> float:
        """A chipmaker's part of its bloc's subsidies, in proportion to capacity (USD a year)."""
        pot = sum(r.subsidy_usd_per_year() for r in self._regulators_of[maker.bloc])
        if pot <= 0:
            return 0.0
        peers = [m.capacity_chips_per_year for m in self.chipmakers.values() if m.bloc == maker.bloc]
        return pot * maker.capacity_chips_per_year / sum(peers) if sum(peers) > 0 else 0.0

    def domestic_share_min(self, bloc: str) -> float:
        return max((r.domestic_share_min() for r in self._regulators_of[bloc]), default=0.0)

    def distillation_block(self, teacher_bloc: str, student_bloc: str) -> float:
        return max((r.distillation_block(student_bloc) for r in self._regulators_of[teacher_bloc]), default=0.0)

    def published_efficiency(self, lag_days: float) -> float:
        """Efficiency of the best open-weights model as it stood `lag_days` ago."""
        back = math.ceil(lag_days / self.step_days)
        return float(self._published[max(self.steps - back, 0)])

    def _markets_of(self, bloc: str) -> list[str]:
        return [bloc, *next(b.serves for b in self.spec.blocs if b.id == bloc)]

    def _grown(self, value: float, growth_per_year: float, halflife_years: float | None) -> float:
        return grown(value, growth_per_year, halflife_years, self.years())

    def _services_revenue(self) -> np.ndarray:
        """Each lab's AI-services revenue now (USD a year, in lab order)."""
        markets = {
            b.id: self._grown(
                b.services_market_usd_per_year, b.services_market_growth_per_year, b.growth_halflife_years
            )
            for b in self.spec.blocs
        }
        capabilities = np.array([lab.capability for lab in self._lab_order])
        # A lab prices service from its serving cost, which falls as its efficiency rises.
        price_ratios = np.array([lab.spec.efficiency / lab.efficiency for lab in self._lab_order])
        m = self.spec.services
        return services_revenue(
            markets,
            self._servers,
            capabilities,
            m.capability_sensitivity,
            price_ratios,
            m.price_elasticity,
        )

    def _sell_services(self) -> None:
        """The labs sell AI services; their owners book the revenue."""
        revenue = self._services_revenue()
        for lab, r in zip(self._lab_order, revenue.tolist(), strict=True):
            lab.earn(r)
        self._book_revenue(revenue)

    def _book_revenue(self, revenue: np.ndarray) -> None:
        """Owners book their labs' revenue, and see their blocs' labs' (the market they plan for)."""
        per_owner = dict.fromkeys(self.owners, 0.0)
        per_bloc = dict.fromkeys(self.blocs, 0.0)
        for lab, r in zip(self._lab_order, revenue.tolist(), strict=True):
            per_owner[lab.owner.id] += r
            per_bloc[lab.bloc] += r
        for owner in self.owners.values():
            owner.book_revenue(per_owner[owner.id], per_bloc[owner.bloc])

    def _fund_labs(self) -> None:
        """Each bloc's capital goes to its labs, more to the more capable; it arrives in funding rounds."""
        sensitivity = self.spec.funding.capability_sensitivity
        for b in self.spec.blocs:
            labs = self._labs_of[b.id]
            if not labs:
                continue
            pot = self._grown(b.capital_usd_per_year, b.capital_growth_per_year, b.growth_halflife_years) * self.dt
            shares = market_shares(np.array([lab.capability for lab in labs]), sensitivity)
            for lab, share in zip(labs, shares, strict=True):
                lab.pledge(pot * float(share))

    # -- news and the event log ------------------------------------------------------------------

    def news_of_efficiency(self, gain: float, visible_day: float, lab: Lab, open_weights: bool) -> None:
        """Investors hear of an efficiency gain. Open weights spread it to every lab; closed, it cuts only the
        compute its own lab needs, so it reaches that lab's share of the world's compute."""
        world = sum(other.compute_flops for other in self._lab_order)
        reach = 1.0 if open_weights or world <= 0 else lab.compute_flops / world
        self.investors.hear(gain, visible_day, reach)

    def log(
        self,
        kind: str,
        actor: str,
        *,
        subject: str = "",
        counterpart: str = "",
        channel: str = "",
        value: float = math.nan,
        on: date | None = None,
        **details: Any,
    ) -> None:
        """Log an event of one of `events.KINDS` (another kind is refused), dated `on` (default: today).
        Its text is rendered now from the fields and `details` (names, figures, the scenario's description)."""
        when = max(on or self.date, self.start)
        step = math.ceil((when - self.start).days / self.step_days)  # the first row that shows it
        event = Event(when, step, kind, actor, subject, counterpart, channel, float(value), details)
        self.event_log.append(event.row())

    # -- observation -------------------------------------------------------------------------------

    def frontier(self, bloc: str) -> float:
        """The best capability of the bloc's labs now (the records read it from `_frontier`, stored once a row)."""
        return max(lab.capability for lab in self._labs_of[bloc])

    def compute_flops(self, bloc: str) -> float:
        return sum(lab.compute_flops for lab in self._labs_of[bloc])

    def training_flops(self, bloc: str) -> float:
        """The bloc's compute on training: frontier runs and research experiments (`Lab.training_flops`)."""
        return sum(lab.training_flops for lab in self._labs_of[bloc])

    def inference_flops(self, bloc: str) -> float:
        """The bloc's compute serving users: the rest of its labs' fleets."""
        return sum(lab.compute_flops - lab.training_flops for lab in self._labs_of[bloc])

    def largest_run_flop(self, bloc: str) -> float:
        return max((lab.largest_run_flop for lab in self._labs_of[bloc]), default=0.0)

    def largest_run_cost_usd(self, bloc: str) -> float:
        """Amortised hardware cost of the bloc's largest training run so far."""
        labs = self._labs_of[bloc]
        return max(labs, key=lambda lab: lab.largest_run_flop).largest_run_cost_usd if labs else 0.0

    @property
    def price_performance(self) -> float:
        """Best effective FLOP/s per dollar on legal offer to the leader's labs at today's prices."""
        j = self.bloc_index[self.spec.leader]
        market = self.chip_market
        legal = market.on_sale() & market.sold_to[:, j] & (self.controls[:, j] == 0)
        return float((market.effective_flops[legal] / market.prices()[legal]).max(initial=0.0))

    def market_caps(self) -> np.ndarray:
        return self.investors.prices * self.investors.shares_outstanding

    def _observe(self) -> None:
        i = self._observed = self.steps
        self._days[i] = self.day
        for b in self._frontier_blocs:
            self._frontier[b][i] = self.frontier(b)
        open_labs = [lab.efficiency for lab in self.labs.values() if lab.open_weights]
        self._published[i] = max(open_labs, default=1.0)
        caps = self.market_caps()
        self.value_lost = self._caps_before - caps
        self.records.collect(self)
        self._caps_before = caps

    @property
    def gap_months(self) -> float:
        """Months since the leader's frontier stood where the laggard's stands now (negative: laggard leads)."""
        return self.gap_months_between(self.spec.leader, self.spec.laggard)

    def gap_months_between(self, leader: str, laggard: str) -> float:
        """Gap in months as of the last recorded step (during a step, the one before it)."""
        i = self._observed + 1
        if leader not in self._frontier or laggard not in self._frontier:
            return math.inf
        return gap_months(
            self._days[:i],
            self._frontier[leader][:i],
            self._frontier[laggard][:i],
            self.spec.measures.prestart_frontier_growth_per_year,
        )

    @property
    def gap_capability(self) -> float:
        """The leader's frontier less the laggard's, as of the last recorded step (like `gap_months`)."""
        i = self._observed
        return float(self._frontier[self.spec.leader][i] - self._frontier[self.spec.laggard][i])

    @property
    def ai_index(self) -> float:
        """Cap-weighted index of the listed AI firms, 100 at the start."""
        return 100.0 * self.market_caps().sum() / self._start_caps if self.listed else 100.0

    def _model_reporters(self) -> dict[str, Callable[[AIRaceModel], float]]:
        """The model's recorded variables (after `step` and `date`), each read from the model at every row."""
        cls = type(self)
        reporters: dict[str, Callable[[AIRaceModel], float]] = {
            "gap_months": attrgetter("gap_months"),
            "gap_capability": attrgetter("gap_capability"),
        }
        for b in self._frontier_blocs:
            reporters[f"frontier_capability_{b}"] = partial(_recorded_frontier, bloc=b)
            reporters[f"largest_run_flop_{b}"] = partial(cls.largest_run_flop, bloc=b)
            reporters[f"largest_run_cost_usd_{b}"] = partial(cls.largest_run_cost_usd, bloc=b)
        for b in self.blocs:
            j = self.bloc_index[b]
            reporters[f"compute_flops_{b}"] = partial(cls.compute_flops, bloc=b)
            reporters[f"compute_training_flops_{b}"] = partial(cls.training_flops, bloc=b)
            reporters[f"compute_inference_flops_{b}"] = partial(cls.inference_flops, bloc=b)
            reporters[f"chips_legal_{b}"] = partial(_flow, kind="legal_units", j=j)
            reporters[f"chips_leaked_{b}"] = partial(_flow, kind="leaked_units", j=j)
            reporters[f"chips_domestic_{b}"] = partial(_flow, kind="domestic_units", j=j)
            reporters[f"chips_rented_{b}"] = partial(_flow, kind="rented_units", j=j)
        reporters["chip_spend_usd"] = partial(_flow, kind="paid_by_labs_usd")
        for o in self.owners.values():
            reporters[f"capex_usd_{o.label}"] = partial(_owner_capex, owner=o)
        reporters["smuggler_margin_usd"] = partial(_flow, kind="smuggler_margin_usd")
        reporters["rental_margin_usd"] = partial(_flow, kind="rental_margin_usd")
        reporters["licence_fees_usd"] = partial(_flow, kind="fees_usd")
        reporters["price_performance_flops_per_usd"] = attrgetter("price_performance")
        for j, m in enumerate(self.listed):
            reporters[f"price_{m.ticker}"] = partial(_price, j=j)
            reporters[f"market_cap_usd_{m.ticker}"] = partial(_market_cap, j=j)
            reporters[f"value_lost_usd_{m.ticker}"] = partial(_value_lost, j=j)
        reporters["value_lost_usd"] = partial(_value_lost, j=None)
        reporters["ai_index"] = attrgetter("ai_index")
        return reporters


def _recorded_frontier(model: AIRaceModel, bloc: str) -> float:
    """The bloc's frontier as `_observe` stored it for this row."""
    return float(model._frontier[bloc][model._observed])


def _flow(model: AIRaceModel, kind: str, j: int | None = None) -> float:
    value = getattr(model.chip_market.flows, kind)
    return float(value if j is None else value[j])


def _value_lost(model: AIRaceModel, j: int | None) -> float:
    """Market value lost over the step by listed firm `j`, or by all of them (None); a gain is negative."""
    return float(model.value_lost.sum() if j is None else model.value_lost[j])


def _owner_capex(model: AIRaceModel, owner: Owner) -> float:
    return owner.capex_usd


def _price(model: AIRaceModel, j: int) -> float:
    return float(model.investors.prices[j])


def _market_cap(model: AIRaceModel, j: int) -> float:
    return float(model.market_caps()[j])


AGENT_VARIABLES = {
    Lab: (
        "cash_usd",
        "compute_flops",
        "capability",
        "efficiency",
        "revenue_usd_per_year",
        "largest_run_flop",
        "largest_run_cost_usd",
        "research_share",
        "spent_usd_total",
        "chips_received_total",
        "raised_usd_total",
    ),
    Chipmaker: (
        "capacity_chips_per_year",
        "markup",
        "revenue_usd_per_year",
        "earnings_usd_per_year",
        "units_sold_total",
        "revenue_total_usd",
        "lost_sales_usd_per_year",
        "subsidies_total_usd",
    ),
    Owner: (
        "cash_usd",
        "base_revenue_usd_per_year",
        "ai_revenue_usd_per_year",
        "ai_capex_usd_per_year",
        "market_usd_per_year",
        "capex_total_usd",
        "raised_usd_total",
    ),
    Regulator: ("rules_in_force", "mean_enforcement", "decisions"),
    InvestorPopulation: ("fundamentalist_share", "trend_share", "noise_share", "mean_demand_belief"),
}
