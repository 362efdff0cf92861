"""The AI-services market of each bloc: revenue shared among the labs that serve it, by capability."""

from __future__ import annotations

import numpy as np

from simulation.tech import market_shares


def services_revenue(
    market_usd_per_year: dict[str, float], servers: dict[str, list[int]], capabilities: np.ndarray, sensitivity: float
) -> np.ndarray:
    """Revenue per year of each lab: each bloc's market split by a capability logit among its servers."""
    revenue = np.zeros(len(capabilities))
    for bloc, size in market_usd_per_year.items():
        if len(servers[bloc]):
            labs = np.asarray(servers[bloc])  # an index array: cheaper to index by than a list
            revenue[labs] += size * market_shares(capabilities[labs], sensitivity)
    return revenue
