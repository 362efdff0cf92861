"""A firm with a base business: everything it does but AI (an owner's cloud, ads or retail; a supplier's
non-AI chips, tools, servers or power), sized from its last annual report before the start. Its revenue
grows at its own rate (`base_revenue_growth_per_year`), it yields `base_cash_margin` of that revenue as
operating cash flow, settled with its customers outside the model, and its capex is the share of that
revenue its non-AI capex took in the year before the start.

Owners and suppliers run it alike; each pays its base capex its own way (a foundry buys tools from the
equipment segment) and moves its cash in its own settlement.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from simulation.firms.firm import Firm
from simulation.firms.ledger import OUTSIDE, Ledger

if TYPE_CHECKING:
    from simulation.model import AIRaceModel


class FirmWithBaseBusiness(Firm):
    """A firm whose scenario section has the base business's five numbers (`cash_usd`,
    `base_revenue_usd_per_year`, `base_revenue_growth_per_year`, `base_cash_margin`, `capex_usd_per_year`)."""

    def __init__(self, model: AIRaceModel, spec: Any, base_capex_usd_per_year: float):
        """`base_capex_usd_per_year`: the non-AI part of its capex in the year before the start."""
        super().__init__(model, spec, spec.cash_usd)
        self.base_revenue_usd_per_year = spec.base_revenue_usd_per_year
        revenue = spec.base_revenue_usd_per_year
        share = base_capex_usd_per_year / revenue if revenue > 0 else 0.0
        # A base business too small for its capex to be a share of it (a revenue of 1e-311 USD overflows the
        # share) is treated as none, as a revenue of 0 is: no base capex.
        self._base_capex_share = share if math.isfinite(share) else 0.0

    @property
    def base_capex_usd_per_year(self) -> float:
        """Capex of the non-AI business: the share of base revenue it took in the year before the start."""
        return self._base_capex_share * self.base_revenue_usd_per_year

    @property
    def base_cash_usd_per_year(self) -> float:
        """Operating cash flow of the non-AI business: its cash margin on its revenue."""
        return self.spec.base_cash_margin * self.base_revenue_usd_per_year

    def base_business_settlement(self, cash_usd: float) -> tuple[str, str, float, str]:
        """The step's operating cash flow of the base business, `cash_usd`, as a payment for `Ledger.record`:
        in from its customers, or out to them when the business loses money."""
        return Ledger.settlement(self.id, OUTSIDE["customers"], cash_usd, "base_business")

    def grow_base_business(self) -> None:
        """Grow the base revenue over the step at its yearly rate (compounded: `base_revenue_growth_per_year`
        0.1 is +10% a year whatever the step's length)."""
        growth = self.spec.base_revenue_growth_per_year
        self.base_revenue_usd_per_year *= math.exp(math.log1p(growth) * self.model.dt)
