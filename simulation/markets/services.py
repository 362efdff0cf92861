"""The AI-services market of each bloc: revenue shared among the labs that serve it, by capability."""

from __future__ import annotations

import numpy as np

from simulation.tech import market_shares


def services_revenue(
    market_usd_per_year: dict[str, float], servers: dict[str, np.ndarray], capabilities: np.ndarray, sensitivity: float
) -> np.ndarray:
    """Revenue per year of each lab: each bloc's market split by a capability logit among its servers
    (the positions of the labs serving each bloc, as index arrays)."""
    revenue = np.zeros(len(capabilities))
    for bloc, size in market_usd_per_year.items():
        labs = servers[bloc]
        if len(labs):
            revenue[labs] += size * market_shares(capabilities[labs], sensitivity)
    return revenue
