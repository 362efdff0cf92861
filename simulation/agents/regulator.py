"""Regulators: one per bloc, they put dated export controls on chips made in their bloc."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulation.scenario import Regulator as RegulatorSpec

if TYPE_CHECKING:
    from simulation.model import AIRaceModel


class Regulator(mesa.Agent):
    """Applies the rules in force on the current date; the chip market reads `controls`."""

    model: AIRaceModel

    def __init__(self, model: AIRaceModel, spec: RegulatorSpec):
        super().__init__(model)
        self.id = spec.id
        self.name = spec.name
        self.bloc = spec.bloc
        self.rules = {rule.id: rule for rule in spec.rules}
        self.enforcement = {rule.id: rule.enforcement for rule in spec.rules}
        self.in_force: set[str] = set()
        self.controls = np.zeros((len(model.chips), len(model.blocs)))
        """Enforcement (0 to 1) that stops each chip (row) reaching each bloc (column)."""

    def step(self) -> None:
        """Bring rules into force on their date, retire them after their end, and log each change."""
        today = self.model.date
        now = {rid for rid, r in self.rules.items() if r.date <= today and (r.end is None or today <= r.end)}
        for rid in sorted(now - self.in_force):
            rule = self.rules[rid]
            text = f"{self.name} export rule '{rid}' takes effect: {rule.description}".rstrip(": ")
            self.model.log("rule", self.id, text, on=rule.date)
        for rid in sorted(self.in_force - now):
            self.model.log("rule", self.id, f"{self.name} export rule '{rid}' ends", on=self.rules[rid].end)
        if now != self.in_force:
            self.in_force = now
            self._compute_controls()

    def set_enforcement(self, rule_id: str, enforcement: float) -> None:
        self.enforcement[rule_id] = enforcement
        self._compute_controls()

    def _compute_controls(self) -> None:
        controls = np.zeros_like(self.controls)
        blocs = self.model.bloc_index
        for i, chip in enumerate(self.model.chips):
            if self.model.maker_bloc[chip.maker] != self.bloc:
                continue  # a bloc's rules cover the chips made in it
            for rid in self.in_force:
                rule = self.rules[rid]
                if rule.controls(chip):
                    for dest in rule.destinations:
                        j = blocs[dest]
                        controls[i, j] = max(controls[i, j], self.enforcement[rid])
        self.controls = controls

    @property
    def rules_in_force(self) -> int:
        return len(self.in_force)
