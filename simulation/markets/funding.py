"""Funding: each bloc's outside capital for AI capex (`blocs.*.capital_usd_per_year`, growing at its own rate).

The capital is the money of the bloc's other buyers of accelerators (clouds, enterprises, governments: the
owners with no lab), sized from the bloc's spending on AI chips beyond its platforms'. It is paid to them
step by step, in proportion to the compute each holds, and they spend it on AI capex like any owner. Labs
raise money in named rounds instead, each a scenario event (`scripted.funding_round`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.tech import grown

if TYPE_CHECKING:
    from simulation.agents import Owner
    from simulation.scenario import Bloc


class Funding:
    def __init__(self, blocs: list[Bloc], buyers_of: dict[str, list[Owner]]):
        """`buyers_of`: each bloc's owners with no lab, which its capital pays."""
        self.blocs = blocs
        self.buyers_of = buyers_of

    def pledge(self, years: float, dt: float) -> None:
        """This step's capital of each bloc, `years` after the start, paid to its other buyers."""
        for b in self.blocs:
            buyers = self.buyers_of[b.id]
            if not buyers or b.capital_usd_per_year <= 0:
                continue
            pot = grown(b.capital_usd_per_year, b.capital_growth_per_year, b.growth_halflife_years, years) * dt
            held = np.array([buyer.installed_flops for buyer in buyers])
            shares = held / held.sum() if held.sum() > 0 else np.full(len(buyers), 1 / len(buyers))
            for buyer, share in zip(buyers, shares.tolist(), strict=True):
                buyer.raise_capital(pot * share)
