"""Investors: a population of fundamentalists, trend followers and noise traders, held as NumPy arrays.

One Mesa agent holds the whole population so that 10,000 investors cost little more than 100:
every investor's state is a row of an array and each step is a handful of vector operations.

Fundamentalists value a listed chipmaker from its AI-chip revenue run rate, scaled by their own view
of the right multiple and by their belief about how compute demand answers efficiency news (from
"it falls" to Jevons). Trend followers chase momentum; noise traders follow persistent whims. Each
investor reconsiders its strategy now and then, choosing by the strategies' recent returns
(Brock-Hommes logit switching). The equity market clears each firm's price from their demand.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulation.markets.equity import clearing_price, value_investors_money, value_investors_terms
from simulation.tech import DAYS_PER_YEAR, step_fraction

if TYPE_CHECKING:
    from simulation.agents.chipmaker import Chipmaker
    from simulation.model import AIRaceModel

FUNDAMENTALIST, TREND, NOISE = 0, 1, 2


class InvestorPopulation(mesa.Agent):
    model: AIRaceModel

    def __init__(self, model: AIRaceModel, firms: list[Chipmaker], prices: np.ndarray):
        super().__init__(model)
        spec = model.spec.investors
        rng = model.stream("investors", "population")
        n, k = spec.count, len(firms)
        self.id = "investors"
        self.firms = firms
        self.prices = prices.astype(float)
        self.start_prices = self.prices.copy()
        self.start_revenue = np.array([f.revenue_usd_per_year for f in firms])
        self.ai_value_share = np.array([f.spec.ai_value_share for f in firms])
        self.shares_outstanding = np.array([f.shares_outstanding for f in firms])
        caps = self.prices * self.shares_outstanding
        # Passive weights in proportion to market value make the start prices clear the market.
        self.base_weight = (1 - spec.cash_share) * caps / caps.sum() if k else np.zeros(0)
        wealth = rng.lognormal(0.0, 1.0, n)
        wealth *= caps.sum() / (1 - spec.cash_share) / wealth.sum()
        self.holdings = np.outer(wealth, self.base_weight) / self.prices if k else np.zeros((n, 0))
        self.holdings *= self.shares_outstanding / self.holdings.sum(axis=0) if k else 1
        self.holdings = np.asfortranarray(self.holdings)  # firm by firm, as trading reads and writes it
        self.cash = wealth * spec.cash_share
        self.capital_share = wealth / wealth.sum()
        shares = [spec.fundamentalist_share, spec.trend_share, 1 - spec.fundamentalist_share - spec.trend_share]
        self.strategy = rng.choice(3, size=n, p=shares)
        self.members = _members(self.strategy)  # kept with `strategy`: trading, learning and records read it
        self.switcher = rng.random(n) >= spec.loyal_share  # loyal investors keep their strategy for good
        self.risk_aversion = spec.risk_aversion * rng.lognormal(-0.125, 0.5, n)
        # Mean-variance weight per unit of expected return per year.
        self.scale = 1.0 / (self.risk_aversion * spec.return_variance_per_year)
        self.attention_lag = rng.exponential(spec.attention_lag_days, n) if spec.attention_lag_days > 0 else np.zeros(n)
        self.jevons_belief = rng.normal(spec.jevons_belief_mean, spec.jevons_belief_sd, n)
        # Multiples are held firm by firm (column-major): each firm's column is contiguous, so valuing
        # (numbers per firm times entries per investor) and the median run along the investors.
        self.multiple = np.asfortranarray(np.exp(rng.normal(0.0, spec.valuation_dispersion, (n, k))))
        # Efficiency news moves beliefs about compute demand, which every listed chipmaker shares: one each.
        self.log_demand_belief = np.zeros(n)
        self.demand_belief = np.ones(n)  # exp(log_demand_belief), kept with it for valuing and records
        self.whim = rng.normal(0.0, spec.noise_sd_per_year, (n, k))  # row-major: refreshes fill it in that order
        self.momentum = np.zeros(k)  # smoothed log return per year
        self.fitness = np.zeros(3)  # smoothed return per year of each strategy
        self.news: list[tuple[float, float, np.ndarray]] = []  # (day investors can see it, gain, who has acted)

    # -- news ------------------------------------------------------------------------------------

    def hear(self, gain: float, visible_day: float) -> None:
        """Efficiency news becomes visible on `visible_day`; each investor acts on it after its own lag."""
        self.news.append((visible_day, gain, np.zeros(len(self.strategy), dtype=bool)))

    def _revise_beliefs(self) -> None:
        spec = self.model.spec.investors
        dt = self.model.dt
        # News-driven revisions fade as earnings reports show what demand really did.
        self.log_demand_belief *= 1 - step_fraction(math.log(2) * DAYS_PER_YEAR / spec.belief_halflife_days, dt)
        today = self.model.day
        for visible_day, gain, acted in self.news:
            # A step that reaches day t simulates the whole of day t: an investor whose lag ends
            # before day t is over acts in this step.
            now = ~acted & (today + 1 > visible_day + self.attention_lag)
            if now.any():
                # An investor with belief e expects compute demand to move by gain**e.
                self.log_demand_belief[now] += self.jevons_belief[now] * math.log(gain)
                acted |= now
        self.news = [item for item in self.news if not item[2].all()]
        self.demand_belief = np.exp(self.log_demand_belief)

    # -- trading -----------------------------------------------------------------------------------

    def fundamental_values(self) -> np.ndarray:
        """Each investor's value per share of each firm: the AI-chip part of the start price scaled by
        revenue growth and by the investor's belief about compute demand; the rest as it was."""
        revenue = np.array([f.revenue_usd_per_year for f in self.firms])
        growth = np.maximum(revenue, 1.0) / self.start_revenue
        # Investor i's belief times firm j's AI share of value and its growth, built firm by firm (column-major).
        ai = ((self.ai_value_share * growth)[:, None] * self.demand_belief).T
        return self.start_prices * (1.0 - self.ai_value_share + ai) * self.multiple

    def step(self) -> None:
        """Revise beliefs, reconsider strategies, then trade: the market clears each firm's price."""
        if not self.firms:
            return
        spec = self.model.spec.investors
        self._revise_beliefs()
        self._switch_strategies()
        self._refresh_whims()

        values = self.fundamental_values()
        # As in Brock-Hommes, demand does not depend on an investor's own realised wealth: each sizes
        # positions by its fixed share of the sector's capital, valued at consensus value. So the mix
        # of strategies drives prices, and a crash cannot wipe out the value investors who anchor them.
        capital = self.cash.sum() + self.shares_outstanding @ _column_medians(values)
        wealth = self.capital_share * capital
        # Chartists' conviction saturates (tanh), as in Chiarella-He style trend rules.
        trend = spec.trend_strength * np.tanh(self.momentum)
        top = self.base_weight / (1 - spec.cash_share)
        trend_followers, value_investors = self.members[TREND], self.members[FUNDAMENTALIST]
        value_wealth = wealth[value_investors]
        sensitivity = spec.reversion_per_year * self.scale[value_investors]
        old_prices = self.prices.copy()
        held, cash = self.holdings.copy(order="K"), self.cash.copy()  # what each investor carried into this step
        for j, supply in enumerate(self.shares_outstanding):
            base = self.base_weight[j]
            # Chartists and noise traders put money on the firm whatever its price, at most all in by market value.
            expected = self.whim[:, j].copy()
            expected[trend_followers] = trend[j]
            money = np.clip(base + expected * self.scale, 0.0, top[j]) * wealth
            # Value investors' money moves with the price: they may borrow against their wealth to buy a firm
            # below its value (mean-variance demand without a cap), which anchors prices when chartists run.
            money[value_investors] = 0.0
            fixed = money.sum()
            log_values = np.log(values[:, j].take(value_investors))
            knots, slopes = value_investors_terms(log_values, value_wealth, sensitivity, base)
            price = clearing_price(supply, old_prices[j], fixed, knots, slopes)
            value_money = value_investors_money(math.log(price), knots, slopes)
            money[value_investors] = value_money
            total = fixed + value_money.sum()
            if total > 0:  # the shares go out in proportion to the money on them (the price makes it buy them all)
                self.holdings[:, j] = money * (supply / total)
            self.prices[j] = price
        self.cash -= (self.holdings - held) @ self.prices  # everyone pays for what it bought at the new prices
        self._learn(old_prices, held, cash)

    def _learn(self, old_prices: np.ndarray, held: np.ndarray, cash: np.ndarray) -> None:
        """Update momentum and each strategy's fitness from the returns just realised on the positions
        carried into the step (not the ones just bought)."""
        spec = self.model.spec.investors
        dt = self.model.dt
        log_returns = np.log(self.prices / old_prices)
        keep = step_fraction(math.log(2) * DAYS_PER_YEAR / spec.momentum_halflife_days, dt)
        self.momentum += keep * (log_returns / dt - self.momentum)
        wealth = cash + held @ old_prices
        gains = held @ (self.prices - old_prices)
        with np.errstate(divide="ignore", invalid="ignore"):
            returns = gains / wealth
        returns[wealth <= 0] = 0.0  # an investor with nothing left counts as a zero return
        returns /= dt
        # Each strategy's mean return over its followers (a strategy nobody follows keeps its fitness).
        counts = np.array([len(m) for m in self.members])
        means = np.bincount(self.strategy, returns, minlength=3) / np.maximum(counts, 1)
        self.fitness += np.where(counts > 0, keep * (means - self.fitness), 0.0)

    def _refresh_whims(self) -> None:
        """Each whim lasts about a month: a share of them is drawn afresh, in row-major order."""
        rng = self.model.stream("investors", "whims")
        refresh = step_fraction(12.0, self.model.dt)
        fresh = np.flatnonzero(rng.random(self.whim.shape) < refresh)
        # The same numbers as rng.normal(0, sd, size), which is loc + scale * a standard normal draw.
        self.whim.ravel()[fresh] = rng.standard_normal(len(fresh)) * self.model.spec.investors.noise_sd_per_year

    def _switch_strategies(self) -> None:
        spec = self.model.spec.investors
        rng = self.model.stream("investors", "switching")
        chance = step_fraction(spec.switching_rate_per_year, self.model.dt)
        movers = np.flatnonzero(self.switcher & (rng.random(len(self.strategy)) < chance))
        if len(movers):
            logits = spec.switching_intensity * (self.fitness - self.fitness.max())
            weights = np.exp(logits)
            # rng.choice(3, size, p=weights / weights.sum()) by its own inverse-CDF draw, draw for draw,
            # without its checks of p, which cost more than the draws.
            cdf = (weights / weights.sum()).cumsum()
            cdf /= cdf[-1]
            self.strategy[movers] = cdf.searchsorted(rng.random(len(movers)), side="right")
            self.members = _members(self.strategy)

    # -- records ---------------------------------------------------------------------------------

    def strategy_share(self, strategy: int) -> float:
        return len(self.members[strategy]) / len(self.strategy)

    @property
    def fundamentalist_share(self) -> float:
        return self.strategy_share(FUNDAMENTALIST)

    @property
    def trend_share(self) -> float:
        return self.strategy_share(TREND)

    @property
    def noise_share(self) -> float:
        return self.strategy_share(NOISE)

    @property
    def mean_demand_belief(self) -> float:
        """Mean multiplier investors put on compute demand after efficiency news (1 = no revision)."""
        return float(self.demand_belief.mean()) if self.demand_belief.size else 1.0


def _members(strategy: np.ndarray) -> list[np.ndarray]:
    """Who follows each strategy: the positions of its followers, in order."""
    return [(strategy == s).nonzero()[0] for s in (FUNDAMENTALIST, TREND, NOISE)]


def _column_medians(values: np.ndarray) -> np.ndarray:
    """np.median(values, axis=0) for finite values, to the last bit, without its overhead: partition each
    column around its middle and, when the count is even, average the middle value with the largest below it."""
    n = len(values)
    middle = n // 2
    ordered = np.partition(values, middle, axis=0)
    if n % 2:
        return ordered[middle]
    return (ordered[:middle].max(axis=0) + ordered[middle]) / 2
