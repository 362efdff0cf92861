"""The AI-services market of each bloc: revenue shared among the labs that serve it, by capability, and
grown or shrunk by the price of service through a price elasticity (the Jevons question).

A lab prices its service from its serving cost, which falls as its algorithmic efficiency rises: its
price relative to the start is start efficiency / efficiency. Users' demand for service has a constant
price elasticity e, so quantity goes as price^-e and spending as price^(1-e): after an efficiency gain,
spending (and so the labs' cash for chips) rises when e > 1 and falls when e < 1; e = 1 leaves it as it
was. Hardware's share of the fall in serving cost is not modelled here.
"""

from __future__ import annotations

import numpy as np

from simulation.tech import market_shares


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
