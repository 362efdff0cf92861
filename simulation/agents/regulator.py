"""Regulators: one per bloc. They put dated export controls on chips made in their bloc, control
chip-making tools, fund and mandate domestic chips, and bar distillation through their labs' APIs.

A regulator follows the scenario's schedule, or, when the scenario gives it a `reaction`, it also
reviews its controls on a cadence: it tightens them when the rival bloc closes the gap below a
threshold and loosens them when its chipmakers lose more sales to controls than a threshold; each
decision takes effect after a lag.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulation.scenario import Chip, DistillationControl, EquipmentControl, Policy, Rule
from simulation.scenario import Regulator as RegulatorSpec

if TYPE_CHECKING:
    from simulation.agents.chipmaker import Chipmaker
    from simulation.model import AIRaceModel


def rule_catches(rule: Rule, chip: Chip) -> bool:
    """Whether a chip falls under an export rule: named by it, a compliant variant under a rule that
    covers those, or at or above its technical tests (BIS's TPP with interconnect, Oct 2022; TPP with
    performance density, Oct 2023)."""
    if chip.id in rule.chips or (rule.compliant_variants and chip.variant_of is not None):
        return True
    fast = rule.tpp_min is not None and chip.tpp >= rule.tpp_min
    linked = rule.interconnect_min_gb_s is None or chip.interconnect_gb_s >= rule.interconnect_min_gb_s
    if fast and linked:
        return True
    if rule.density_min is not None and rule.density_tpp_min is not None:
        return chip.tpp >= rule.density_tpp_min and chip.performance_density >= rule.density_min
    return False


class Regulator(mesa.Agent):
    """Applies the rules in force on the current date; the chip market reads `controls` and `fees`."""

    model: AIRaceModel

    def __init__(self, model: AIRaceModel, spec: RegulatorSpec):
        super().__init__(model)
        self.id = spec.id
        self.name = spec.name
        self.bloc = spec.bloc
        self.spec = spec
        # Own copies: a reactive regulator may lower a rule's thresholds.
        self.rules = {rule.id: rule.model_copy() for rule in spec.rules}
        self.enforcement = {rule.id: rule.enforcement for rule in spec.rules}
        self.in_force: set[str] = set()
        # The levers other than export rules in force today, noted at each step (the date holds within it).
        self.equipment_controls_in_force: list[EquipmentControl] = []
        self.policies_in_force: list[Policy] = []
        self.distillation_controls_in_force: list[DistillationControl] = []
        self._announced: set[str] = set()
        self.controls = np.zeros((len(model.chips), len(model.blocs)))
        """Enforcement (0 to 1) that stops each chip (row) reaching each bloc (column)."""
        self.fees = np.zeros_like(self.controls)
        """Licence-fee share on each chip (row) sold into each bloc (column)."""
        self.rental_controls = np.zeros_like(self.controls)
        """Enforcement that stops each bloc's (column) labs renting each chip (row) abroad: rules that cover rentals."""
        self.reaction = spec.reaction
        self.next_review_day = spec.reaction.review_interval_days if spec.reaction else np.inf
        self.decisions = 0

    # -- the schedule -------------------------------------------------------------------------------

    def step(self) -> None:
        """Bring rules and other levers into force on their date, retire them after their end, log each
        change, review. The levers in force are noted here once a step: the chipmakers, the chip market
        and the labs read them all through the step."""
        today = self.model.date
        now = {rid for rid, r in self.rules.items() if r.in_force(today)}
        for rid in sorted(now - self.in_force):
            rule = self.rules[rid]
            self.model.log(
                "rule",
                self.id,
                subject=rid,
                channel="start",
                value=self.enforcement[rid],
                on=rule.date,
                name=self.name,
                description=rule.description,
            )
        for rid in sorted(self.in_force - now):
            self.model.log("rule", self.id, subject=rid, channel="end", on=self.rules[rid].end, name=self.name)
        self.equipment_controls_in_force = [c for c in self.spec.equipment_controls if c.in_force(today)]
        self.policies_in_force = [p for p in self.spec.policies if p.in_force(today)]
        self.distillation_controls_in_force = [c for c in self.spec.distillation_controls if c.in_force(today)]
        levers = {
            "equipment_control": self.equipment_controls_in_force,
            "policy": self.policies_in_force,
            "distillation_control": self.distillation_controls_in_force,
        }
        for lever, entries in levers.items():
            for entry in entries:
                if entry.id not in self._announced:
                    self._announced.add(entry.id)
                    self.model.log(
                        "policy",
                        self.id,
                        subject=entry.id,
                        channel=lever,
                        on=entry.date,
                        name=self.name,
                        description=entry.description,
                    )
        if now != self.in_force or self.controls.shape[0] != len(self.model.chips):
            self.in_force = now
            self.compute_controls()
        if self.model.day >= self.next_review_day:
            self.next_review_day += self.reaction.review_interval_days  # type: ignore[union-attr]
            self.review()

    def rules_for(self, dest: str) -> list[Rule]:
        """Export bans in force today on chips going to `dest` (licence-fee rules are not bans)."""
        out = []
        for rid in sorted(self.in_force):
            rule = self.rules[rid]
            if dest in rule.destinations and rule.licence_fee_share == 0 and self.enforcement[rid] > 0:
                out.append(rule)
        return out

    def compute_controls(self) -> None:
        chips = self.model.chips
        controls = np.zeros((len(chips), len(self.model.blocs)))
        fees = np.zeros_like(controls)
        rentals = np.zeros_like(controls)
        for i, chip in enumerate(chips):
            if self.model.maker_bloc[chip.maker] != self.bloc:
                continue  # a bloc's rules cover the chips made in it
            for rid in self.in_force:
                rule = self.rules[rid]
                if not rule_catches(rule, chip):
                    continue
                for dest in rule.destinations:
                    j = self.model.bloc_index[dest]
                    if rule.licence_fee_share > 0:
                        fees[i, j] = max(fees[i, j], rule.licence_fee_share)
                    else:
                        controls[i, j] = max(controls[i, j], self.enforcement[rid])
                        if rule.covers_rentals:
                            rentals[i, j] = max(rentals[i, j], self.enforcement[rid])
        self.controls, self.fees, self.rental_controls = controls, fees, rentals

    # -- levers other than export rules -------------------------------------------------------------

    def equipment_cap(self, bloc: str) -> tuple[float, float]:
        """(fastest capacity growth per year, enforcement) its tool controls leave chipmakers of `bloc`."""
        caps = [
            (c.capacity_growth_max_per_year, c.enforcement)
            for c in self.equipment_controls_in_force
            if bloc in c.destinations
        ]
        return min(caps) if caps else (np.inf, 0.0)

    def hbm_cut(self, bloc: str) -> float:
        """Share of high-bandwidth memory imports into `bloc` its controls in force stop (0 with none)."""
        return max((c.hbm_enforcement for c in self.equipment_controls_in_force if bloc in c.destinations), default=0.0)

    def subsidy_usd_per_year(self) -> float:
        return sum(p.subsidy_usd_per_year for p in self.policies_in_force)

    def domestic_share_min(self) -> float:
        return max((p.domestic_share_min for p in self.policies_in_force), default=0.0)

    def distillation_block(self, dest: str) -> float:
        """Chance that an attempt by a lab of `dest` to distil one of this bloc's APIs is stopped."""
        return max((c.enforcement for c in self.distillation_controls_in_force if dest in c.destinations), default=0.0)

    # -- reacting -------------------------------------------------------------------------------------

    def review(self) -> None:
        """Tighten if the rival is closing in, loosen if controls cost the industry too much."""
        reaction = self.reaction
        assert reaction is not None
        gap = self.model.observation.gap_months_between(self.bloc, reaction.rival)
        lost = sum(m.lost_sales_usd_per_year for m in self.model.chipmakers.values() if m.bloc == self.bloc)
        if gap < reaction.tighten_below_gap_months:
            decision, value = "tighten", gap
        elif lost > reaction.loosen_above_lost_sales_usd_per_year:
            decision, value = "loosen", lost
        else:
            return
        self.model.log("review", self.id, counterpart=reaction.rival, channel=decision, value=value, name=self.name)
        self.model.schedule_after(reaction.lag_days, self.tighten if decision == "tighten" else self.loosen)

    def tighten(self) -> None:
        reaction = self.reaction
        assert reaction is not None
        changed = []
        for rid in sorted(self.in_force):
            rule = self.rules[rid]
            if rule.licence_fee_share > 0 or reaction.rival not in rule.destinations:
                continue
            if self.enforcement[rid] < 1.0:
                self.enforcement[rid] = min(1.0, self.enforcement[rid] + reaction.enforcement_step)
                changed.append((rid, "enforcement", self.enforcement[rid]))
            elif reaction.threshold_step > 0:
                factor = 1.0 - reaction.threshold_step
                update = {
                    k: getattr(rule, k) * factor
                    for k in ("tpp_min", "density_tpp_min", "interconnect_min_gb_s")
                    if getattr(rule, k) is not None
                }
                self.rules[rid] = rule.model_copy(update=update)
                changed.append((rid, "thresholds", reaction.threshold_step))
        self._apply("tighten", changed)

    def loosen(self) -> None:
        reaction = self.reaction
        assert reaction is not None
        changed = []
        for rid in sorted(self.in_force):
            if self.rules[rid].licence_fee_share == 0 and self.enforcement[rid] > 0:
                self.enforcement[rid] = max(0.0, self.enforcement[rid] - reaction.enforcement_step)
                changed.append((rid, "enforcement", self.enforcement[rid]))
        self._apply("loosen", changed)

    def _apply(self, decision: str, changed: list[tuple[str, str, float]]) -> None:
        """Put a decision's changes in force and log them: each is (rule id, "enforcement" and the new level,
        or "thresholds" and the cut)."""
        if not changed:
            return
        self.decisions += 1
        self.compute_controls()
        self.model.refresh_controls()
        # Decisions run between steps: they apply from the next step's date.
        on = self.model.date + timedelta(days=self.model.step_days)
        rules = ",".join(rule for rule, _, _ in changed)
        self.model.log("rule", self.id, subject=rules, channel=decision, on=on, name=self.name, changes=tuple(changed))

    def set_enforcement(self, rule_id: str, enforcement: float) -> None:
        self.enforcement[rule_id] = enforcement
        self.compute_controls()

    @property
    def rules_in_force(self) -> int:
        return len(self.in_force)

    @property
    def mean_enforcement(self) -> float:
        """Mean enforcement of its export bans in force (0 when none), summed in the order of the rules' ids:
        a set's order changes with the process's hash seed, and a sum's last bit with its order."""
        bans = [self.enforcement[r] for r in sorted(self.in_force) if self.rules[r].licence_fee_share == 0]
        return float(np.mean(bans)) if bans else 0.0


class Regulation:
    """The regulators seen together, as the other parts of the model ask about them: the controls, rental
    controls and licence fees in force on each chip (row) sold into each bloc (column), the tightest any
    regulator sets, and the questions of makers, labs and the chip market about the rules."""

    def __init__(self, regulators: dict[str, Regulator], blocs: list[str], chips: int):
        self.regulators = regulators
        self._of = {b: [r for r in regulators.values() if r.bloc == b] for b in blocs}
        self.controls = np.zeros((chips, len(blocs)))
        """Share of the demand for each chip (row) from each bloc (column) that controls stop."""
        self.rental_controls = np.zeros_like(self.controls)
        self.fees = np.zeros_like(self.controls)
        """Licence-fee share a maker pays on each chip (row) sold into each bloc (column)."""

    def refresh(self, chips: int) -> None:
        """Combine the regulators' controls and licence fees over a catalogue of `chips` chips."""
        shape = (chips, self.controls.shape[1])
        self.controls, self.fees = np.zeros(shape), np.zeros(shape)
        self.rental_controls = np.zeros(shape)
        for regulator in self.regulators.values():
            if regulator.controls.shape != shape:
                regulator.compute_controls()
            self.controls = np.maximum(self.controls, regulator.controls)
            self.rental_controls = np.maximum(self.rental_controls, regulator.rental_controls)
            self.fees = np.maximum(self.fees, regulator.fees)

    def export_rules(self, maker_bloc: str, dest: str) -> list[Rule]:
        """Export bans in force today on chips made in `maker_bloc` going to `dest`."""
        return [rule for r in self._of[maker_bloc] for rule in r.rules_for(dest)]

    def equipment_cap(self, bloc: str) -> tuple[float, float]:
        """The tightest cap on capacity growth that any bloc's tool controls put on chipmakers of `bloc`."""
        return min((r.equipment_cap(bloc) for r in self.regulators.values()), default=(math.inf, 0.0))

    def allowed_growth(self, bloc: str, growth: float) -> float:
        """The log capacity growth a year that the tool controls leave a fab of `bloc` wanting `growth`: above the
        cap, only the part enforcement misses."""
        cap, enforcement = self.equipment_cap(bloc)
        return cap + (1.0 - enforcement) * (growth - cap) if growth > cap else growth

    def hbm_cut(self, bloc: str) -> float:
        """The largest share of HBM imports into `bloc` that any bloc's controls stop."""
        return max((r.hbm_cut(bloc) for r in self.regulators.values()), default=0.0)

    def subsidy_for(self, maker: Chipmaker, makers: Iterable[Chipmaker]) -> float:
        """A chipmaker's part of its bloc's subsidies, in proportion to its capacity among its bloc's `makers`'
        (itself included), in USD a year."""
        pot = sum(r.subsidy_usd_per_year() for r in self._of[maker.bloc])
        if pot <= 0:
            return 0.0
        peers = [m.planned_chips_per_year for m in makers if m.bloc == maker.bloc]
        return pot * maker.planned_chips_per_year / sum(peers) if sum(peers) > 0 else 0.0

    def domestic_share_min(self, bloc: str) -> float:
        return max((r.domestic_share_min() for r in self._of[bloc]), default=0.0)

    def distillation_block(self, teacher_bloc: str, student_bloc: str) -> float:
        return max((r.distillation_block(student_bloc) for r in self._of[teacher_bloc]), default=0.0)
