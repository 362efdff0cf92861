"""AIRaceModel: one week (or `step_days`) of the race, read as a story in `step`.

The model is wiring and a story: it builds the agents and the markets from the scenario, and `step`
tells in order who acts. What the parts do lives with them: the regulators seen together in
`agents.regulator.Regulation`, the AI-services market in `markets.services`, the installed base in
`firms.installed`, the equity market in `markets.exchange`, news in `markets.news`, the scenario's
scripted events in `scripted`, and what is recorded in `observation`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

import mesa
import numpy as np

from simulation import scripted
from simulation.agents import Chipmaker, InvestorPopulation, Lab, Owner, Regulator, Supplier
from simulation.agents.regulator import Regulation
from simulation.events import Event
from simulation.firms import Ledger
from simulation.firms.chain import SupplyChain
from simulation.firms.installed import Clusters
from simulation.markets.chips import ChipMarket
from simulation.markets.exchange import EquityMarket, session_days
from simulation.markets.news import NewsWire
from simulation.markets.services import ServicesMarket
from simulation.observation import AGENT_VARIABLES, Observation
from simulation.records import Records
from simulation.scenario import ApiTerms, Breakthrough, Chip, FundingRound, OpenWeights, RuleChange, Scenario
from simulation.tech import DAYS_PER_YEAR, step_fraction

__all__ = ["AGENT_VARIABLES", "AIRaceModel"]


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

        self.ledger = Ledger()  # every payment between firms and to the outside, and the firms' books
        self.regulators = {r.id: Regulator(self, r) for r in spec.regulators}
        self.regulation = Regulation(self.regulators, self.blocs, len(self.chips))
        self.chipmakers = {m.id: Chipmaker(self, m, spec.chipmaking, spec.tech) for m in spec.chipmakers}
        growth = {b.id: b.services_market_growth_per_year for b in spec.blocs}
        self.owners = {
            o.id: Owner(
                self,
                o,
                growth[o.bloc],
                spec.capex,
                spec.services,
                spec.chip_market.rental_premium,
                spec.tech.depreciation_per_year,
            )
            for o in spec.owners
        }
        self.labs = {lab.id: Lab(self, lab, spec.tech) for lab in spec.labs}
        self.suppliers = {s.id: Supplier(self, s) for s in spec.suppliers}
        self.packager = next((s for s in self.suppliers.values() if s.spec.packaging is not None), None)
        """The foundry whose advanced packaging the makers with no supply of their own book (None: none does)."""
        self.packaged = [m for m in self.chipmakers.values() if m.spec.supply is None] if self.packager else []
        self.lessors = [o for o in self.owners.values() if o.spec.rentals_abroad_share > 0]  # clouds leasing abroad
        self.chain = SupplyChain(
            list(self.suppliers.values()),
            lambda firm: self.ledger.firms[firm].bloc,
            spec.supply_chain.equipment_share,
            self.tools_denied,
        )
        # Every firm with a listing is priced (today the built-in scenarios list chipmakers only).
        listed = [firm for firm in self.ledger.firms.values() if firm.listing]
        sessions = session_days(self.start, spec.time.end)
        self.equity = EquityMarket(listed, spec.indices, sessions)
        self.investors = InvestorPopulation(self, self.equity, spec.investors)
        self.news = NewsWire()  # what labs publish; investors read it
        self.news.subscribe(self.investors.hear)
        self.chip_market = ChipMarket(self, spec.chip_market, spec.tech)
        self.agents_by_type[Regulator].do("step")  # rules already in force on the first day, before prices
        self.refresh_controls()  # of compute are read (each bloc's best value on offer)
        self.clusters = self._install(spec)
        for lab in self.labs.values():
            lab.start()
        labs = list(self.labs.values())
        self.services = ServicesMarket(
            self,
            spec.blocs,
            labs,
            list(self.owners.values()),
            spec.services,
            spec.tech.capability_per_decade,
            spec.tech.utilisation,
        )
        self.services.sell(self.years())  # owners plan their first step's capex on the demand of the start
        self._actions: list[partial] = []  # Mesa holds scheduled events by weak reference: keep them alive

        self._scheduled = [self._schedule(e) for e in spec.events]
        self.best_effective_flops = 0.0
        self.observation = Observation(self)
        self.records = Records(self, self.observation.reporters(), AGENT_VARIABLES)
        self.observation.observe()

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
        if self.packaged:
            self.packager.package(self.packaged)
        self.agents_by_type[Owner].do("plan")
        self.agents_by_type[Lab].shuffle_do("buy_chips")
        self.agents_by_type[Owner].do("buy_chips")
        self.chip_market.clear()
        self.clusters.wear(1.0 - step_fraction(self.spec.tech.depreciation_per_year, self.dt))
        self.best_effective_flops = max(lab.effective_flops for lab in self.labs.values())
        self.agents_by_type[Lab].shuffle_do("step")
        self.services.sell(self.years())
        self.agents_by_type[Owner].do("settle")
        self.agents_by_type[Chipmaker].do("report")
        if self.suppliers:
            self.agents_by_type[Supplier].do("invest")
            self.agents_by_type[Supplier].do("settle")
        self.ledger.close_step()  # firms close their books
        self.agents_by_type[InvestorPopulation].do("step")
        self.equity.close_step()
        self.observation.observe()
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

    def _schedule(self, event: Breakthrough | OpenWeights | ApiTerms | RuleChange | FundingRound) -> partial:
        """Scenario events run between steps, just before the first step whose date reaches them."""
        action = partial(scripted.apply, self, event)
        steps_to = math.ceil((event.date - self.start).days / self.step_days)
        self.schedule_event(action, at=max(steps_to, 1) - 0.5)
        return action  # kept alive: Mesa holds events by weak reference

    def schedule_after(self, days: float, action) -> None:
        """Run `action` between steps, before the first step at least `days` from now."""
        act = partial(action)
        self._actions.append(act)
        self.schedule_event(act, at=self.steps + max(math.ceil(days / self.step_days), 1) - 0.5)

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

    def _install(self, spec: Scenario) -> Clusters:
        """The installed base at the start: each lab's fleet one ready cluster in its owner's hands, and each
        owner's own chips another; chips bought before the start were installed, on average, halfway
        between their launch and the start (their vintage)."""
        t = spec.tech
        pools = [lab.owner.id for lab in self.labs.values()] + list(self.owners)
        market = self.chip_market
        clusters = Clusters(
            pools,
            market.per_unit,
            market.kw_per_unit,
            t.cluster_build_days,
            t.site_power_mw,
            t.site_power_growth_per_year,
            t.site_overhead,
            self.step_days,
        )
        for p, lab in enumerate(self.labs.values()):
            lab.pool = p
        for p, owner in enumerate(self.owners.values(), start=len(self.labs)):
            owner.pool = p
        held = [(lab.pool, lab.spec.fleet) for lab in self.labs.values()]
        held += [(owner.pool, owner.spec.installed) for owner in self.owners.values()]
        for pool, chips in held:
            units = np.zeros(len(self.chips))
            for chip_id, count in chips.items():
                units[self.chip_index[chip_id]] = count
            if units.any():
                launch = min(self.chips[i].launch for i in np.flatnonzero(units))
                vintage = min((launch - self.start).days / 2, -1.0)
                clusters.begin(pool, vintage, ready_day=0.0)
                clusters.install(pool, units, vintage)
                clusters.building[pool] = -1  # built: new chips begin a new cluster
        clusters.installed_total = 0.0  # counts what is installed from now on
        return clusters

    # -- the catalogue and the rules ---------------------------------------------------------------

    def refresh_controls(self) -> None:
        """The regulators' controls and licence fees over today's catalogue (after a rule or a chip changed)."""
        self.regulation.refresh(len(self.chips))

    def add_chip(self, chip: Chip) -> None:
        """A chipmaker designed a chip: it joins the catalogue, the market and every lab's fleet."""
        self.chip_index[chip.id] = len(self.chips)
        self.chips.append(chip)
        self.chip_market.add_chip(chip)
        self.clusters.add_chip(self.chip_market.per_unit, self.chip_market.kw_per_unit)

    def tools_denied(self, bloc: str) -> float:
        """The share of the capacity growth its chipmakers wanted this step that tool controls deny `bloc`
        (the most any of them is denied; 0 with no controls or no chipmakers): tools it does not buy."""
        return max((m.tools_denied_share for m in self.chipmakers.values() if m.bloc == bloc), default=0.0)

    # -- the event log and the headline ------------------------------------------------------------

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

    @property
    def gap_months(self) -> float:
        """Months since the leader's frontier stood where the laggard's stands now (negative: laggard leads),
        as of the last recorded step."""
        return self.observation.gap_months()

    def compute_flops(self, bloc: str) -> float:
        """The compute installed in the bloc now: every chip its owners hold (peak FLOP/s)."""
        return self.observation.compute_flops(bloc)
