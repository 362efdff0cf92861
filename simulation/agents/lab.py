"""Labs: buy the best chips they may, research efficiency, pretrain and post-train models, distil, sell
and raise money.

A model is a pretrained base (the scaling law in the effective compute of its run, moved toward the
best published base by imitation) plus what post-training adds: reasoning (RL) on compute of its own
once the lab has the method, distillation from a stronger model it can reach, and the breakthroughs
made since the base was trained. A lab short of compute (behind the best-equipped lab) moves serving
compute into efficiency research (induced innovation); every lab adopts the methods of the most
efficient open-weights model after a lag (spillover).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulation import tech
from simulation.firms import OUTSIDE, Firm
from simulation.markets.news import News, reach
from simulation.scenario import Breakthrough, FundingRound, Tech
from simulation.scenario import Lab as LabSpec

if TYPE_CHECKING:
    from simulation.model import AIRaceModel


@dataclass
class Base:
    """A pretrained base model in post-training, until it is released."""

    due: float  # model day from which it may be released
    capability: float  # its pretrained capability
    rl_flop: float  # effective FLOP of reasoning post-training spent on it so far
    run_flop: float  # physical FLOP of its run
    run_cost_usd: float  # its run's cost (NaN for a run made before the start)


class Lab(Firm):
    spec: LabSpec

    def __init__(self, model: AIRaceModel, spec: LabSpec, tech_spec: Tech):
        """`tech_spec`: the scenario's technology (scaling, research, training, distillation)."""
        super().__init__(model, spec, spec.cash_usd)
        self.tech_spec = tech_spec
        self.pool = -1  # its pool of work in `model.clusters`: the clusters its owner built for it (set by the model)
        self.run_cluster = -1  # the cluster its frontier run is on (-1: none ready)
        self._run: tuple[tuple[int, int], np.ndarray] = ((-1, -1), np.zeros(3))
        self.efficiency = spec.efficiency
        # Its released model: the pretrained base, and what post-training adds to it.
        self.pretrained = spec.capability
        self.rl_flop = 0.0  # effective FLOP of reasoning post-training spent on it
        self.teacher_level = -math.inf  # the capability of the teacher it was distilled from (none yet)
        self.method_lift = 0.0  # breakthroughs since its base was trained, applied by post-training
        self.capability = spec.capability
        self.pending: list[Base] = []  # bases pretrained and in post-training until they are released
        if spec.run_at_start is not None:  # the model it had finished or was training on the first day
            run = spec.run_at_start
            due = float((run.release - model.start).days)
            base = tech.capability(run.flop, tech_spec.capability_per_decade)
            self.pending.append(Base(due, base, 0.0, run.flop, math.nan))  # its cost is not the model's to count
        self.reasoning_since = math.inf  # model day from which it has reasoning post-training
        self.open_weights = spec.open_weights
        self.api_terms_enforced = spec.api_terms_enforced
        self.run_flop = 0.0
        self.run_days = 0.0
        self.largest_run_flop = 0.0
        self.run_cost_usd = 0.0
        self.largest_run_cost_usd = 0.0
        self.research_share = spec.research_share
        # The first distillation falls due some way into the interval: labs did not all distil on day one.
        interval = tech_spec.distillation_interval_days
        self.next_distillation_day = float(model.stream(self.id, "distillation").uniform(0, interval))
        self.revenue_usd_per_year = 0.0
        self.spent_usd_total = 0.0
        self.raised_usd_total = 0.0
        self.owner = model.owners[spec.owner]
        self.owner.labs.append(self)
        start = model.stream(self.id, "start")
        # Runs are staggered: at the start each lab is part-way through a run on its fleet. The compute it
        # spent before the first day is in the capability it starts with, or in `run_at_start`.
        self._started_days = float(start.uniform(0, tech_spec.training_run_days))
        # Breakthroughs are a Poisson process: the hazard left until the next one (`tech.arrivals`).
        self._breakthrough_hazard = float(model.stream(self.id, "breakthrough").exponential())
        # Finding reasoning post-training on its own is a Poisson process too, from `tech.reasoning_date`.
        self._reasoning_hazard = float(model.stream(self.id, "reasoning").exponential())

    def start(self) -> None:
        """Put the lab part-way through its first run, on its largest ready cluster (once the clusters
        exist), with the compute of the days from the start only."""
        self.run_days = self._started_days
        self.run_cluster = self.model.clusters.largest_ready([self.pool], self.model.day)

    # -- compute --------------------------------------------------------------------------

    @property
    def fleet(self) -> np.ndarray:
        """Units of each chip its owner holds for its work (its pool's clusters), in catalogue order."""
        return self.model.clusters.units_of(self.pool)

    @property
    def compute_flops(self) -> float:
        """Peak 16-bit throughput of its pool (FLOP/s)."""
        return float(self.model.clusters.pool_totals()[self.pool, 0])

    @property
    def effective_flops(self) -> float:
        """Throughput of its pool a large run can use, after the interconnect penalty of each chip (FLOP/s)."""
        return float(self.model.clusters.pool_totals()[self.pool, 1])

    @property
    def fleet_value_usd(self) -> float:
        """Its pool at list prices: what its chips would cost today."""
        return float(self.model.clusters.pool_totals()[self.pool, 2])

    def _run_totals(self) -> np.ndarray:
        """Peak FLOP/s, effective FLOP/s and list value of the part of its run's cluster the run takes (kept
        until the clusters or the run's cluster change)."""
        clusters = self.model.clusters
        if self._run[0] != (clusters.version, self.run_cluster):
            share = self.spec.training_share
            totals = np.zeros(3) if self.run_cluster < 0 else clusters.totals()[self.run_cluster] * share
            self._run = ((clusters.version, self.run_cluster), totals)
        return self._run[1]

    @property
    def run_value_usd(self) -> float:
        """List value of the share of its cluster its frontier run takes: what the run wears out."""
        return float(self._run_totals()[2])

    @property
    def run_effective_flops(self) -> float:
        """Effective FLOP/s of its frontier run: the share `training_share` of the cluster it runs on."""
        return float(self._run_totals()[1])

    @property
    def training_flops(self) -> float:
        """Peak throughput on training this step: the frontier run, and research experiments on a share of
        the rest of its pool (which serves users otherwise). The research share is this step's, raised when
        the lab is starved."""
        run = float(self._run_totals()[0])
        return run + self.research_share * max(self.compute_flops - run, 0.0)

    def buy_chips(self) -> None:
        """Commission chips for its work from its owner with a share of its own cash (the owner adds what
        its chip budget gives the lab's pool, `Owner.buy_chips`)."""
        own = self.cash_usd * tech.step_fraction(self.spec.capex_share_per_year, self.model.dt)
        if own > 0:
            self.owner.commission(self, own)

    def pay_owner(self, usd: float) -> float:
        """Pay its owner `usd` for the chips it commissioned; returns what it paid."""
        self.model.ledger.pay(self.id, self.owner.id, usd, "compute")
        self.cash_usd -= usd
        self.spent_usd_total += usd
        return usd

    # -- research, training, distillation ---------------------------------------------------

    def step(self) -> None:
        """One step of work: chips age, research raises efficiency, the run trains, a model may ship."""
        t = self.tech_spec
        dt = self.model.dt
        starved = tech.starvation(self.effective_flops, self.model.best_effective_flops, t.starvation_decades)
        worn = tech.step_fraction(t.depreciation_per_year, dt)
        # The run's cost is the hardware it wears out (amortised, as Cottier et al. 2024 count it).
        wear_usd = worn * self.run_value_usd
        self.research(starved)
        self.adopt_published_methods()
        self.learn_reasoning()
        self.train(wear_usd)
        self.release()
        self.distil()

    def research(self, starved: float) -> None:
        """Efficiency grows with research effort, which a compute-starved lab (`starved` 0 to 1) raises;
        breakthroughs arrive at random, more often the more a lab researches."""
        t = self.tech_spec
        dt = self.model.dt
        self.research_share = tech.induced_research_share(self.spec.research_share, t.induced_innovation, starved)
        growth = tech.efficiency_log_growth(
            t.efficiency_growth_per_year, self.research_share, t.reference_research_share, t.research_elasticity
        )
        self.efficiency *= math.exp(growth * dt)
        rate = t.breakthrough_rate_per_year * (self.research_share / t.reference_research_share)
        count, self._breakthrough_hazard = tech.arrivals(
            self.model.stream(self.id, "breakthrough"), self._breakthrough_hazard, rate, dt
        )
        for _ in range(count):
            gain = tech.breakthrough_gain(
                self.model.stream(self.id, "breakthrough_size"),
                t.breakthrough_min_gain,
                t.breakthrough_tail,
                t.breakthrough_max_gain,
            )
            self.breakthrough(gain, open_weights=self.open_weights)

    def adopt_published_methods(self) -> None:
        """Open weights and papers spread methods: close part of the gap to the best open model's
        efficiency as it stood a reading-and-reproducing lag ago."""
        t = self.tech_spec
        published = self.model.observation.published_efficiency(t.spillover_lag_days)
        self.efficiency = tech.spillover(self.efficiency, published, t.spillover_rate_per_year, self.model.dt)

    def learn_reasoning(self) -> None:
        """From `tech.reasoning_date` a lab may have reasoning post-training: the world's frontier lab on
        that day (it is scripted: o1-preview), another by finding it itself (a Poisson process whose rate
        grows with its research share, `tech.reasoning_reproduce_days` apart at the reference share), or
        by reading it `tech.spillover_lag_days` after a lab with open weights has it."""
        t, model = self.tech_spec, self.model
        if self.reasoning_since < math.inf or model.date < t.reasoning_date:
            return
        labs = model.labs.values()
        if not any(lab.reasoning_since < math.inf for lab in labs):
            if self.capability >= max(lab.capability for lab in labs):
                self.get_reasoning("frontier")
            return
        published = min((lab.reasoning_since for lab in labs if lab.open_weights), default=math.inf)
        if model.day >= published + t.spillover_lag_days:
            self.get_reasoning("adopted")
            return
        rate = tech.DAYS_PER_YEAR / t.reasoning_reproduce_days * (self.research_share / t.reference_research_share)
        found, self._reasoning_hazard = tech.arrivals(
            model.stream(self.id, "reasoning"), self._reasoning_hazard, rate, model.dt
        )
        if found:
            self.get_reasoning("found")

    def get_reasoning(self, how: str) -> None:
        """The lab has reasoning post-training from today (`how`: frontier, found or adopted)."""
        self.reasoning_since = self.model.day
        self.model.log("reasoning", self.id, channel=how, name=self.name)

    def breakthrough(self, gain: float, open_weights: bool, scripted: Breakthrough | None = None) -> None:
        """An efficiency jump: the lab's methods get `gain` times better, and it publishes the news. A scripted
        one is the scenario's event (`scripted`): its date, id and description go to the log, and investors
        can see it from its attention date; a random one is seen today."""
        self.efficiency *= gain
        # The better methods also lift the lab's current model by post-training (as R1 did for V3); a base
        # trained after today has them in its efficiency.
        self.method_lift += self.tech_spec.capability_per_decade * math.log10(gain)
        self.update_capability()
        if open_weights:
            self.open_weights = True
        weights = "open_weights" if open_weights else "closed_weights"
        self.model.log(
            "breakthrough",
            self.id,
            subject=scripted.id if scripted else "",
            channel=weights,
            value=gain,
            on=scripted.date if scripted else None,
            name=self.name,
            capability=self.capability,
            description=scripted.description if scripted else "",
        )
        if scripted:
            visible_day: float = ((scripted.attention_date or scripted.date) - self.model.start).days
        else:
            visible_day = self.model.day
        world = sum(other.compute_flops for other in self.model.labs.values())
        self.model.news.publish(News(self.id, gain, reach(open_weights, self.compute_flops, world), visible_day))

    def train(self, wear_usd: float) -> None:
        """Accumulate the frontier run (its FLOP, and `wear_usd`, the hardware this step wears out, as its
        cost); when it is done, release a model if it beats the last one.

        A run ends on its own day, not at the end of the step that holds it: the step's compute and cost
        are split at that day, and the rest of the step starts the next run. So runs last
        `training_run_days` whatever the step length."""
        t = self.tech_spec
        step_days = self.model.step_days
        flop = tech.training_flop(self.run_effective_flops, t.utilisation, step_days)
        if self.reasoning_since <= self.model.day:
            # Reasoning post-training takes `reasoning_share` of the run's compute beside it, on the newest
            # base in post-training, or on the released model when none is.
            rl = t.reasoning_share * flop * self.efficiency
            if self.pending:
                self.pending[-1].rl_flop += rl
            else:
                self.rl_flop += rl
                self.update_capability()
        days, rest = float(step_days), 1.0  # what is left of the step, in days and as a share
        while self.run_days + days >= t.training_run_days:  # a run shorter than a step may end twice in it
            part = t.training_run_days - self.run_days  # the days of the step before the run's last day
            self.run_flop += part / step_days * flop
            self.run_cost_usd += part / step_days * wear_usd
            self.finish_run()
            self.run_flop = self.run_cost_usd = self.run_days = 0.0
            # The next run starts on the largest cluster ready now (a cluster finished during a run waits),
            # and wears out its share of that cluster.
            self.run_cluster = self.model.clusters.largest_ready([self.pool], self.model.day)
            flop = tech.training_flop(self.run_effective_flops, t.utilisation, step_days)
            wear_usd = tech.step_fraction(t.depreciation_per_year, self.model.dt) * self.run_value_usd
            days, rest = days - part, rest - part / step_days
        self.run_flop += rest * flop
        self.run_cost_usd += rest * wear_usd
        self.run_days += days

    def finish_run(self) -> None:
        """The run is done: its base goes into post-training, due for
        release `tech.release_lag_days` later. The base is the scaling law in the run's effective compute,
        moved toward the best published base (open weights and their papers, as they stood a reading lag
        ago) by imitation: the further behind, the more a lab gains, within what its talent allows."""
        t = self.tech_spec
        own = tech.capability(self.run_flop * self.efficiency, t.capability_per_decade)
        published = self.model.observation.published_base(t.spillover_lag_days)
        base = tech.catch_up(own, published, t.imitation_fraction, t.imitation_max_lift)
        if base > max([self.pretrained] + [p.capability for p in self.pending]):
            # Only a better base goes into post-training; one already there stays due on its day.
            self.pending.append(Base(self.model.day + t.release_lag_days, base, 0.0, self.run_flop, self.run_cost_usd))

    def release(self) -> None:
        """Release the base in post-training once it is due and beats the released model (with the
        reasoning it has been given and the distillation data the lab has); until then it stays in
        post-training."""
        due = [
            (self.model_capability(p.capability, p.rl_flop, self.teacher_level, 0.0), p)
            for p in self.pending
            if p.due <= self.model.day
        ]
        if not due:
            return
        new, best = max(due, key=lambda scored: scored[0])
        if new <= self.capability:
            return
        # Released: the bases it supersedes leave post-training.
        self.pending = [p for p in self.pending if p.capability > best.capability]
        # Runs are counted when their models are released, as public records count them (a run made
        # before the start is not the model's to count).
        if best.run_flop > self.largest_run_flop and not math.isnan(best.run_cost_usd):
            self.largest_run_flop, self.largest_run_cost_usd = best.run_flop, best.run_cost_usd
        self.pretrained, self.rl_flop, self.method_lift = best.capability, best.rl_flop, 0.0
        self.update_capability()
        weights = "open_weights" if self.open_weights else "closed_weights"
        self.model.log(
            "release", self.id, channel=weights, value=self.capability, name=self.name, run_flop=best.run_flop
        )

    def model_capability(self, base: float, rl_flop: float, teacher_level: float, method_lift: float) -> float:
        """Capability of a model: its pretrained base plus post-training, the better of reasoning (on
        `rl_flop`) and distillation from a teacher of `teacher_level`, and the breakthroughs' `method_lift`."""
        t = self.tech_spec
        reasoning = tech.reasoning_lift(rl_flop, base, t.reasoning_lift_per_decade, t.reasoning_reference_ratio)
        distilled = tech.catch_up(base, teacher_level, t.distillation_fraction, t.distillation_max_lift) - base
        return base + max(reasoning, distilled) + method_lift

    def update_capability(self) -> None:
        """The released model's capability from its parts (it only rises while a model is in use)."""
        new = self.model_capability(self.pretrained, self.rl_flop, self.teacher_level, self.method_lift)
        self.capability = max(self.capability, new)

    @property
    def post_trained(self) -> float:
        """What post-training adds to the released model's pretrained base."""
        return self.capability - self.pretrained

    def distil(self) -> None:
        """Distil from the reachable model of the largest expected gain, if it is enough ahead and the
        lab is due."""
        t = self.tech_spec
        if not self.spec.distils or self.model.day < self.next_distillation_day:
            return
        # Every reachable model is a candidate teacher (open weights, or an API whose terms are not
        # enforced). Distillation fine-tunes the lab's own pretrained model on the teacher's outputs,
        # with diminishing returns, so a student's own compute still sets how close it gets and
        # distilling again from the same teacher gains nothing. The lab picks the teacher of the
        # largest expected gain: the gain, times the chance that the teacher's bloc does not bar
        # the attempt (an API barrier; open weights cannot be barred).
        best = None
        for teacher in self.model.labs.values():
            if (
                teacher is self
                or not teacher.reachable
                or teacher.capability - self.capability < t.distillation_min_gap
            ):
                continue
            distilled = self.model_capability(self.pretrained, self.rl_flop, teacher.capability, self.method_lift)
            block = 0.0 if teacher.open_weights else self.model.regulation.distillation_block(teacher.bloc, self.bloc)
            expected = (distilled - self.capability) * (1.0 - block)
            if distilled > self.capability and (best is None or expected > best[0]):
                best = (expected, teacher, distilled, block)
        if best is None:
            return
        _, teacher, distilled, block = best
        if block > 0 and self.model.stream(self.id, "distillation_block").random() < block:
            self.distillation_done()
            self.model.log(
                "distillation_blocked",
                self.id,
                counterpart=teacher.id,
                channel="api",
                name=self.name,
                counterpart_name=teacher.name,
            )
            return
        # The teacher's training compute, as its capability implies (its own run may predate the start).
        teacher_flop = 10 ** (teacher.capability / t.capability_per_decade) / teacher.efficiency
        needed = t.distillation_compute_share * teacher_flop
        if self.run_flop < needed:
            return  # not enough compute on hand yet: it tries again next step
        self.run_flop -= needed
        before = self.capability
        self.teacher_level = teacher.capability
        self.update_capability()
        self.distillation_done()
        self.model.log(
            "distillation",
            self.id,
            counterpart=teacher.id,
            channel="open_weights" if teacher.open_weights else "api",
            value=self.capability,
            name=self.name,
            counterpart_name=teacher.name,
            before=before,
            teacher_capability=teacher.capability,
            flop=needed,
        )

    def distillation_done(self) -> None:
        """An attempt was made: the next may come `distillation_interval_days` after it. The attempt is
        dated when it fell due, if that was within this step, else at the step's start, so that the
        interval does not stretch to a whole number of steps."""
        model = self.model
        when = max(self.next_distillation_day, model.day - model.step_days)
        self.next_distillation_day = when + self.tech_spec.distillation_interval_days

    @property
    def reachable(self) -> bool:
        """Others can distil this lab's model: its weights are open, or its API terms are not enforced."""
        return self.open_weights or not self.api_terms_enforced

    # -- money ---------------------------------------------------------------------------------

    def earn(self, revenue_usd_per_year: float) -> None:
        """This step's AI-services revenue (a rate): its owner books it (`Owner.book_revenue`)."""
        self.revenue_usd_per_year = revenue_usd_per_year

    def raise_round(self, event: FundingRound) -> None:
        """A funding round (a scenario event): outside investors pay in `event.amount_usd`."""
        self.model.ledger.pay(OUTSIDE["capital"], self.id, event.amount_usd, "funding")
        self.cash_usd += event.amount_usd
        self.raised_usd_total += event.amount_usd
        self.model.log(
            "funding",
            self.id,
            subject=event.id,
            value=event.amount_usd,
            on=event.date,
            name=self.name,
            description=event.description,
        )
