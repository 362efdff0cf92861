"""The AI-services market of each bloc: revenue shared among the labs that serve it, by capability, and
grown or shrunk by the price of service through a price elasticity (the Jevons question).

A lab prices its service from its serving cost, which falls as its algorithmic efficiency rises: its
price relative to the start is start efficiency / efficiency. Users' demand for service has a constant
price elasticity e, so quantity goes as price^-e and spending as price^(1-e): after an efficiency gain,
spending (and so the labs' cash for chips) rises when e > 1 and falls when e < 1; e = 1 leaves it as it
was. Hardware's share of the fall in serving cost is not modelled here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.tech import grown, market_shares

if TYPE_CHECKING:
    from simulation.agents import Lab, Owner
    from simulation.scenario import Bloc


def service_quantity(price_ratio: np.ndarray | float, elasticity: float) -> np.ndarray | float:
    """Units of AI service users buy, relative to the start, at `price_ratio` times the start price."""
    return np.power(price_ratio, -elasticity)


def service_spending(price_ratio: np.ndarray | float, elasticity: float) -> np.ndarray | float:
    """Users' spending on AI service relative to the start: price times quantity, price^(1 - elasticity)."""
    return np.power(price_ratio, 1.0 - elasticity)


def services_revenue(
    market_usd_per_year: dict[str, float],
    servers: dict[str, np.ndarray],
    capabilities: np.ndarray,
    sensitivity: float,
    price_ratios: np.ndarray,
    elasticity: float,
) -> np.ndarray:
    """Revenue per year of each lab: each bloc's market (at start prices) split by a capability logit
    among its servers (the positions of the labs serving each bloc, as index arrays), each lab's part
    scaled by its users' spending at its price (`price_ratios`, relative to the start)."""
    revenue = np.zeros(len(capabilities))
    spending = service_spending(price_ratios, elasticity)
    for bloc, size in market_usd_per_year.items():
        labs = servers[bloc]
        if len(labs):
            revenue[labs] += size * market_shares(capabilities[labs], sensitivity) * spending[labs]
    return revenue


class ServicesMarket:
    """Each bloc's users buying AI services from the labs that serve it (its own and those of the blocs
    it opens its market to); each lab's owner books what the lab sells, and sees what its bloc's labs sell
    (the market it plans its capex for)."""

    def __init__(
        self, blocs: list[Bloc], labs: list[Lab], owners: list[Owner], capability_sensitivity: float, elasticity: float
    ):
        self.blocs = blocs
        self.labs = labs
        self.owners = owners
        self.capability_sensitivity = capability_sensitivity
        self.elasticity = elasticity
        served_by = {b.id: [b.id, *b.serves] for b in blocs}
        # The positions in `labs` of the labs serving each bloc's market, as index arrays.
        self._servers = {b.id: np.flatnonzero([b.id in served_by[lab.bloc] for lab in labs]) for b in blocs}

    def revenue(self, years: float) -> np.ndarray:
        """Each lab's AI-services revenue `years` after the start (USD a year, in the order of `labs`)."""
        markets = {
            b.id: grown(
                b.services_market_usd_per_year, b.services_market_growth_per_year, b.growth_halflife_years, years
            )
            for b in self.blocs
        }
        capabilities = np.array([lab.capability for lab in self.labs])
        # A lab prices service from its serving cost, which falls as its efficiency rises.
        price_ratios = np.array([lab.spec.efficiency / lab.efficiency for lab in self.labs])
        return services_revenue(
            markets, self._servers, capabilities, self.capability_sensitivity, price_ratios, self.elasticity
        )

    def sell(self, years: float) -> None:
        """The labs sell AI services; their owners book the revenue."""
        revenue = self.revenue(years)
        for lab, r in zip(self.labs, revenue.tolist(), strict=True):
            lab.earn(r)
        self.book(revenue)

    def book(self, revenue: np.ndarray) -> None:
        """Owners book their labs' revenue, and see their blocs' labs' (the market they plan for)."""
        per_owner = {owner.id: 0.0 for owner in self.owners}
        per_bloc = {b.id: 0.0 for b in self.blocs}
        for lab, r in zip(self.labs, revenue.tolist(), strict=True):
            per_owner[lab.owner.id] += r
            per_bloc[lab.bloc] += r
        for owner in self.owners:
            owner.book_revenue(per_owner[owner.id], per_bloc[owner.bloc])
