"""The AI-services market of each bloc: users' spending on AI service shared among the labs that serve it,
by capability, and moved by the price of service through a price elasticity (the Jevons question); the
tokens it buys, and the compute that serves them.

A lab prices service from its serving cost: the compute a token takes, which falls as the lab's algorithmic
efficiency rises, times the price of compute, which falls as chips get better per dollar. Users' spending on
a bloc's AI services grows with adoption (`blocs.*.services_market_*`, measured on spending that already
answered the fall of prices users expected: `services.expected_price_fall_per_year`). Demand answers the
price with a constant elasticity e against that expected path: spending goes as (price / expected
price)^(1 - e). A gain in efficiency beyond the trend (a breakthrough, methods taken up from others) raises
spending when e > 1 and lowers it when e < 1; e = 1 leaves it as it was. So a breakthrough's effect on
demand is the breakthrough's, not the compounding of every efficiency gain since the start.

Tokens are spending over the price of a token; the compute that serves them is tokens times the FLOP a
token takes, over the utilisation of serving. With price set from serving cost, that compute is spending
times the FLOP a dollar buys: it follows spending and the price-performance of chips, whatever the
efficiency, and the elasticity alone decides whether an efficiency gain raises it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from simulation.sums import dot
from simulation.tech import DAYS_PER_YEAR, SECONDS_PER_DAY, grown, market_shares

if TYPE_CHECKING:
    from simulation.agents import Lab, Owner
    from simulation.scenario import Bloc

SECONDS_PER_YEAR = SECONDS_PER_DAY * DAYS_PER_YEAR


def service_quantity(price_ratio: np.ndarray | float, elasticity: float) -> np.ndarray | float:
    """Units of AI service users buy, relative to the expected path, at `price_ratio` times the expected price."""
    return np.power(price_ratio, -elasticity)


def service_spending(price_ratio: np.ndarray | float, elasticity: float) -> np.ndarray | float:
    """Users' spending on AI service relative to the expected path: price times quantity, price^(1 - elasticity)."""
    return np.power(price_ratio, 1.0 - elasticity)


def services_revenue(
    market_usd_per_year: dict[str, float],
    servers: dict[str, np.ndarray],
    capabilities: np.ndarray,
    sensitivity: float,
    price_ratios: np.ndarray,
    elasticity: float,
) -> np.ndarray:
    """Revenue per year of each lab (row) from each bloc's users (column, in the order of
    `market_usd_per_year`): each bloc's market (on the expected price path) split by a capability logit among
    its servers (the positions of the labs serving each bloc, as index arrays), each lab's part scaled by its
    users' spending at its price against the expected one (`price_ratios`)."""
    revenue = np.zeros((len(capabilities), len(market_usd_per_year)))
    spending = service_spending(price_ratios, elasticity)
    for column, (bloc, size) in enumerate(market_usd_per_year.items()):
        labs = servers[bloc]
        if len(labs):
            revenue[labs, column] = size * market_shares(capabilities[labs], sensitivity) * spending[labs]
    return revenue


def flop_per_token(capability: float, efficiency: float, per_decade: float) -> float:
    """FLOP a generated token takes: 2N for a model of N parameters, trained compute-optimally (D = 20N
    tokens, C = 6ND: N = sqrt(C / 120), Hoffmann et al. 2022) on the physical compute its capability took
    at the lab's efficiency."""
    physical = 10 ** (capability / per_decade) / efficiency
    return 2.0 * math.sqrt(physical / 120.0)


class ServicesMarket:
    """Each bloc's users buying AI services from the labs that serve it (its own and those of the blocs
    it opens its market to); each lab's owner books what the lab sells, and every owner sees the compute its
    bloc's users' demand takes, whichever labs serve them (the demand it plans its capex for)."""

    def __init__(
        self,
        model,
        blocs: list[Bloc],
        labs: list[Lab],
        owners: list[Owner],
        services,
        per_decade: float,
        utilisation: float,
    ):
        self.model = model
        self.blocs = blocs
        self.labs = labs
        self.owners = owners
        self.capability_sensitivity = services.capability_sensitivity
        self.elasticity = services.price_elasticity
        self.expected_fall = math.log(services.expected_price_fall_per_year)
        self.start_price = services.start_price_usd_per_mtok / 1e6
        self.utilisation = utilisation
        served_by = {b.id: [b.id, *b.serves] for b in blocs}
        # The positions in `labs` of the labs serving each bloc's market, as index arrays.
        self._servers = {b.id: np.flatnonzero([b.id in served_by[lab.bloc] for lab in labs]) for b in blocs}
        self._lab_bloc = np.array([model.bloc_index[lab.bloc] for lab in labs], dtype=int)
        # FLOP a token took at the start, per lab: its model of the day, at its efficiency then.
        self._start_flop_per_token = np.array(
            [flop_per_token(lab.spec.capability, lab.spec.efficiency, per_decade) for lab in labs]
        )
        self._start_pp = model.chip_market.best_value()
        self.revenue_usd_per_year = np.zeros(len(labs))
        self.tokens_per_year = np.zeros(len(labs))
        self.price_per_token = np.zeros(len(labs))
        """Each lab's price of a token (USD): its serving cost, falling with its efficiency and the price of compute."""
        self.level_price_per_token = np.zeros(len(labs))
        """What a token of the best start model's level costs at each lab (USD)."""
        self.inference_flops = np.zeros(len(labs))
        """Compute each lab needs to serve its users (peak FLOP/s at serving utilisation)."""
        self.demand_flops = np.zeros(len(blocs))
        """Compute each bloc's users' demand takes, whichever labs serve it (peak FLOP/s)."""

    def compute_value(self) -> np.ndarray:
        """Each lab's price-performance of compute relative to the start: the best FLOP/s a dollar buys on
        offer to its bloc (`ChipMarket.best_value`)."""
        return (self.model.chip_market.best_value() / self._start_pp).take(self._lab_bloc)

    def price_ratios(self, years: float, pp: np.ndarray) -> np.ndarray:
        """Each lab's price of service against the price users expected: its serving cost relative to the
        start (efficiency, and `pp`, its `compute_value`), over the expected fall."""
        cost = np.array([lab.spec.efficiency / lab.efficiency for lab in self.labs]) / pp
        return cost * math.exp(self.expected_fall * years)

    def revenue(self, years: float, pp: np.ndarray) -> np.ndarray:
        """Each lab's AI-services revenue from each bloc's users `years` after the start, at the price of
        compute `pp` (`compute_value`) (USD a year; labs in the order of `labs`, blocs in the scenario's)."""
        markets = {
            b.id: grown(
                b.services_market_usd_per_year, b.services_market_growth_per_year, b.growth_halflife_years, years
            )
            for b in self.blocs
        }
        capabilities = np.array([lab.capability for lab in self.labs])
        return services_revenue(
            markets,
            self._servers,
            capabilities,
            self.capability_sensitivity,
            self.price_ratios(years, pp),
            self.elasticity,
        )

    def sell(self, years: float) -> None:
        """The labs sell AI services; their owners book the revenue; the tokens and the compute they take."""
        pp = self.compute_value()
        by_market = self.revenue(years, pp)
        revenue = by_market.sum(axis=1)
        gain = np.array([lab.efficiency / lab.spec.efficiency for lab in self.labs])
        # A token's price is its serving cost: at the start the best model's price, a smaller model's in
        # proportion to the FLOP its token takes; then falling with efficiency and the price of compute.
        price = self.start_price * self._start_flop_per_token / self._start_flop_per_token.max() / (gain * pp)
        flop_per_usd = self._start_flop_per_token / gain / price / SECONDS_PER_YEAR / self.utilisation
        self.revenue_usd_per_year = revenue
        self.tokens_per_year = revenue / price
        self.price_per_token = price
        # What a token of the best start model's level costs at each lab: its serving cost at the lab's
        # efficiency and the bloc's price of compute, whatever model the lab started from.
        self.level_price_per_token = self.start_price / (gain * pp)
        self.inference_flops = revenue * flop_per_usd
        self.demand_flops = dot(flop_per_usd, by_market)
        for lab, r in zip(self.labs, revenue.tolist(), strict=True):
            lab.earn(r)
        self.book(revenue)

    def book(self, revenue: np.ndarray) -> None:
        """Owners book their labs' revenue, and see the compute their bloc's users' demand takes."""
        per_owner = {owner.id: 0.0 for owner in self.owners}
        for lab, r in zip(self.labs, revenue.tolist(), strict=True):
            per_owner[lab.owner.id] += r
        for owner in self.owners:
            owner.book_revenue(per_owner[owner.id], float(self.demand_flops[self.model.bloc_index[owner.bloc]]))
