"""Funding: each bloc's outside capital for AI goes to its labs, more to the more capable, in rounds.

A bloc's capital a year (`blocs.*.capital_usd_per_year`, growing at its own rate) is pledged step by step
among its labs by a capability logit; each lab receives what was pledged to it at its next funding round
(`Lab.pledge`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.tech import grown, market_shares

if TYPE_CHECKING:
    from simulation.agents import Lab
    from simulation.scenario import Bloc


class Funding:
    def __init__(self, blocs: list[Bloc], labs_of: dict[str, list[Lab]], capability_sensitivity: float):
        self.blocs = blocs
        self.labs_of = labs_of
        self.capability_sensitivity = capability_sensitivity

    def pledge(self, years: float, dt: float) -> None:
        """This step's capital of each bloc, `years` after the start, pledged to its labs."""
        for b in self.blocs:
            labs = self.labs_of[b.id]
            if not labs:
                continue
            pot = grown(b.capital_usd_per_year, b.capital_growth_per_year, b.growth_halflife_years, years) * dt
            shares = market_shares(np.array([lab.capability for lab in labs]), self.capability_sensitivity)
            for lab, share in zip(labs, shares, strict=True):
                lab.pledge(pot * float(share))
