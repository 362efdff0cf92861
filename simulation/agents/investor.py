"""Investors: a population of fundamentalists, trend followers and noise traders, held as NumPy arrays.

One Mesa agent holds the whole population so that 10,000 investors cost little more than 100: every
investor's state is a row of an array and each trading day is a handful of vector operations.

Values. A fundamentalist values a listed firm as its non-AI business plus its AI cash flow discounted
(`simulation.markets.equity.growth_multiple`): the firm's AI revenue run rate from the real side, times its
cash-flow margin (from its filings), times the multiple of the investor's growth belief, times its belief
about how compute demand answers efficiency news (from "it falls" to Jevons), times its own view of the
firm. Growth beliefs learn from the AI revenue the listed firms report; efficiency news moves the demand
belief through each investor's attention. The non-AI business is what the start price leaves once the
AI cash flow is valued: the market values at the start are inputs.

Trading. The market trades on the New York exchange's sessions (`simulation.markets.exchange.session_days`:
no trading on weekends and holidays), whatever the step length, and clears each firm's price from the session's
orders (`simulation.markets.equity.clearing_log_price`). The processes of trading days (sentiment, trend,
fitness) move once a session, so a Monday after a weekend counts one day of them; news and beliefs run on
calendar days (a report or a release on a Saturday is read at Monday's session). Each investor holds a
firm at its market weight tilted by a mean-variance amount, within limits above and below it
(`overweight_limit`, `underweight_limit`), the same for optimists and pessimists: fundamentalists by how far
price is from their value, trend followers by the recent trend, noise traders by a common sentiment that wanders
and reverts over months (shared across firms through a common AI factor). Each investor reconsiders its strategy now and
then, choosing by the strategies' recent profits (Brock-Hommes logit switching).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulation.markets.equity import ClippedGroup, clearing_log_price, growth_multiple
from simulation.markets.exchange import TRADING_DAYS_PER_YEAR
from simulation.markets.news import News
from simulation.sums import dot
from simulation.tech import DAYS_PER_YEAR, step_fraction

if TYPE_CHECKING:
    from simulation.markets.exchange import EquityMarket
    from simulation.model import AIRaceModel
    from simulation.scenario import Investors

FUNDAMENTALIST, TREND, NOISE = 0, 1, 2
WINDOW_DAYS = DAYS_PER_YEAR / 3
"""Investors read each firm's AI revenue over the last four months: it looks through the lumps of single orders."""
BASE_FLOOR = 0.01
GROWTH_GRID = np.linspace(-1.0, 4.0, 2001)
"""Growth beliefs (per year) at which the growth multiple is tabulated; beliefs outside are held at the ends."""


class InvestorPopulation(mesa.Agent):
    model: AIRaceModel

    def __init__(self, model: AIRaceModel, market: EquityMarket, spec: Investors):
        """The population that trades on `market`: it sets the market's prices each trading day."""
        super().__init__(model)
        self.spec = spec
        rng = model.stream("investors", "population")
        n, k = spec.count, len(market.firms)
        self.id = "investors"
        self.market = market
        self.firms = firms = market.firms
        # AI revenue a year as of the last news of it (on `report_day`); at the start, the year before's.
        self.revenue = np.array([f.revenue_usd_per_year for f in firms])
        self.report_day = self.day = 0.0
        # Cumulative revenue at each news day within the window; before the start, at the start's run rate.
        self._reported = [(-WINDOW_DAYS, -self.revenue * WINDOW_DAYS / DAYS_PER_YEAR), (0.0, np.zeros(len(firms)))]
        self._step_start_totals = self._revenue_totals()  # at the last step's end
        self.growth_belief = spec.start_growth_belief_per_year  # the consensus, learnt from reported revenue
        self.multiples = growth_multiple(
            GROWTH_GRID, spec.discount_rate_per_year, spec.terminal_growth_per_year, spec.growth_fade_years
        )
        start_multiple = float(self._growth_multiple(np.array([self.growth_belief]))[0])
        # AI cash flow per share per dollar of AI revenue; the non-AI business is what the start price leaves.
        self.cash_flow_per_share = np.array([f.listing.cash_flow_margin for f in firms]) / market.shares_outstanding
        # At least 1% of the start price, so that a value never reaches 0 (a firm whose AI revenue dries up).
        self.base_value = np.maximum(
            market.prices - self.cash_flow_per_share * self.revenue * start_multiple, BASE_FLOOR * market.prices
        )

        wealth = rng.lognormal(0.0, 1.0, n)
        self.capital_share = wealth / wealth.sum()
        shares = [spec.fundamentalist_share, spec.trend_share, 1 - spec.fundamentalist_share - spec.trend_share]
        self.strategy = rng.choice(3, size=n, p=shares)
        self.members = _members(self.strategy)  # kept with `strategy`: trading, learning and records read it
        self.switcher = rng.random(n) >= spec.loyal_share  # loyal investors keep their strategy for good
        risk_aversion = spec.risk_aversion * rng.lognormal(-0.125, 0.5, n)
        # Tilt per unit of expected excess return per year (mean-variance, relative to the market weight).
        self.scale = 1.0 / (risk_aversion * spec.return_variance_per_year)
        self.attention_lag = rng.exponential(spec.attention_lag_days, n) if spec.attention_lag_days > 0 else np.zeros(n)
        self.jevons_belief = rng.normal(spec.jevons_belief_mean, spec.jevons_belief_sd, n)
        self.growth_bias = rng.normal(0.0, spec.growth_belief_sd, n)
        # Each investor's own view of each firm, as a factor on its AI cash flow.
        self.view = np.exp(rng.normal(0.0, spec.valuation_dispersion, (n, k)))
        self.log_demand_belief = np.zeros(n)
        self._faded_to = 0.0  # the day to which revisions have faded
        self.demand_belief = np.ones(n)  # exp(log_demand_belief), kept with it for valuing and records
        self.sentiment = np.zeros(k)  # noise traders' expected excess return per year, by firm
        self.momentum = np.zeros(k)  # smoothed log return per year
        self.fitness = np.zeros(3)  # smoothed profit per year of each strategy's tilts
        self.tilt = np.zeros((n, k))  # today's positions against market weights
        self._money_per_share = np.ones(k)  # consensus value over price on the last day traded
        self.news: list[tuple[float, float, np.ndarray]] = []  # (day investors can see it, log shift, who has acted)
        self._value_factor = self._cash_flow_factor()

    # -- beliefs ---------------------------------------------------------------------------------

    def hear(self, news: News) -> None:
        """Efficiency news becomes visible on its `visible_day`; each investor acts on it after its own lag,
        by the gain over the share of the world's compute it reaches."""
        self.news.append((news.visible_day, news.reach * math.log(news.gain), np.zeros(len(self.strategy), dtype=bool)))

    def _fade_beliefs(self, day: float, fade: float) -> None:
        """News-driven revisions fade day by day (a factor `fade` a day) as earnings show what demand did;
        the days since the last fade are applied at once, when values are next revised."""
        self.log_demand_belief *= fade ** (day - self._faded_to)
        self._faded_to = day

    def _hear_news(self, day: float, fade: float) -> bool:
        """Investors whose lag has passed by the end of `day` act on news; True if any belief moved."""
        moved = False
        for visible_day, shift, acted in self.news:
            now = ~acted & (day + 1 > visible_day + self.attention_lag)
            if now.any():
                self._fade_beliefs(day, fade)  # the older revisions first, then the new one
                # An investor with belief e expects compute demand to move by gain**(e * reach).
                self.log_demand_belief[now] += self.jevons_belief[now] * shift
                acted |= now
                moved = True
        self.news = [item for item in self.news if not item[2].all()]
        return moved

    def _read_reports(self) -> None:
        """News of the firms' AI revenue since the last (reports, the foundry's monthly sales, channel checks):
        the consensus growth belief follows the growth of the listed firms' revenue, with a memory."""
        spec = self.spec
        before = float(self.revenue.sum())
        self.revenue = self._revenue()
        sector = float(self.revenue.sum())
        if sector > 0 and before > 0:
            interval = self.day - self.report_day
            seen = math.log(sector / before) * DAYS_PER_YEAR / interval
            self.growth_belief += (1 - 0.5 ** (interval / spec.growth_memory_days)) * (seen - self.growth_belief)
        self.report_day = self.day

    def _totals_on(self, day: float) -> np.ndarray:
        """Each firm's cumulative AI revenue by the end of `day`: the real side books a step's revenue at once,
        so within a step it is taken in a straight line from the last step's end to this one's."""
        step_end = self._revenue_totals()
        days = self.model.step_days
        done = (day - (self.model.day - days)) / days
        return self._step_start_totals + (step_end - self._step_start_totals) * done

    def _revenue_totals(self) -> np.ndarray:
        """Each firm's cumulative AI revenue as the real side has booked it."""
        return np.array([f.revenue_total_usd for f in self.firms])

    def _revenue(self) -> np.ndarray:
        """Each firm's AI revenue over the last four months to today, a year's worth: the foundry's monthly
        sales added up, or a quarterly report and the month since, which look through the lumps of single orders."""
        totals = self._totals_on(self.day)
        self._reported.append((self.day, totals))
        start = self.day - WINDOW_DAYS
        while self._reported[1][0] <= start:  # keep the last news day at or before the window's start
            self._reported.pop(0)
        (d0, t0), (d1, t1) = self._reported[0], self._reported[1]
        before = t0 + (t1 - t0) * (start - d0) / (d1 - d0)  # cumulative revenue then, in a straight line between news
        return np.maximum((totals - before) * DAYS_PER_YEAR / WINDOW_DAYS, 0.0)

    def _growth_multiple(self, growth: np.ndarray) -> np.ndarray:
        """The growth multiple, interpolated on its uniform grid (held at the grid's ends)."""
        at = np.clip((growth - GROWTH_GRID[0]) / (GROWTH_GRID[1] - GROWTH_GRID[0]), 0, len(GROWTH_GRID) - 1)
        below = np.minimum(at.astype(np.intp), len(GROWTH_GRID) - 2)
        share = at - below
        return self.multiples[below] * (1 - share) + self.multiples[below + 1] * share

    def _cash_flow_factor(self) -> np.ndarray:
        """Each investor's multiple of a firm's AI cash flow per share: growth multiple, demand belief, view."""
        self.demand_belief = np.exp(self.log_demand_belief)
        multiple = self._growth_multiple(self.growth_belief + self.growth_bias) * self.demand_belief
        factor = self.view * multiple[:, None]
        self._consensus_factor = dot(self.capital_share, factor)
        return factor

    def expected_revenue(self) -> np.ndarray:
        """Each firm's AI revenue run rate today as investors expect it: the last report grown at the consensus
        growth belief since, so that a report moves values by its surprise only."""
        return self.revenue * math.exp(self.growth_belief * (self.day - self.report_day) / DAYS_PER_YEAR)

    # -- trading -----------------------------------------------------------------------------------

    def step(self) -> None:
        """Reconsider strategies, then trade each day of the step, reading the reports and news of each day."""
        if not self.firms:
            return
        spec = self.spec
        # The step simulates the days after the last one recorded, to `day`; the market says which it trades on.
        sessions = self.market.trading_days(self.model.day - self.model.step_days + 1, self.model.day)
        days = len(sessions)
        self._switch_strategies()
        if not days:  # a weekend or a holiday (daily steps): no session, prices stay as they closed
            return
        fade = 0.5 ** (1.0 / spec.belief_halflife_days)  # news-driven revisions fade as earnings show demand
        rng = self.model.stream("investors", "sentiment")
        shocks = rng.standard_normal((days, len(self.firms) + 1))
        # Revenue news comes on random days, each with chance 1/n, not on a calendar that returns would echo.
        news_days = self.model.stream("investors", "revenue_news").random(days) < 1.0 / spec.revenue_news_interval_days
        persistence = 0.5 ** (1.0 / spec.sentiment_halflife_days)
        common, own = math.sqrt(spec.sentiment_factor_share), math.sqrt(1 - spec.sentiment_factor_share)
        kick = spec.sentiment_sd_per_year * math.sqrt(1 - persistence**2)
        # Each day's kick to sentiment, for the whole step at once (element by element the same operations).
        kicks = kick * (common * shocks[:, :1] + own * shocks[:, 1:])
        keep_trend = 1 - 0.5 ** (1.0 / spec.momentum_halflife_days)
        keep_fitness = 1 - 0.5 ** (1.0 / spec.fitness_halflife_days)
        up, down = spec.overweight_limit, spec.underweight_limit
        weights = self.capital_share
        funds, trend_followers, noise = self.members
        c_f = weights[funds]
        slope = spec.reversion_per_year * self.scale[funds]
        tilt = self.tilt
        groups = [ClippedGroup(weights[m], self.scale[m]) for m in (trend_followers, noise)]
        capital = np.array([weights[m].sum() for m in self.members])
        per_capital = capital[:, None]
        empty = capital == 0
        any_empty = bool(empty.any())  # without one, the division below can divide by 0 nowhere
        mean_tilts = self._strategy_tilts(tilt)
        fund_factor = self._value_factor[funds]
        for d in range(days):  # each session of the step: its news, sentiment, trend and clearing
            self.day = day = sessions[d]
            reports = bool(news_days[d])
            if reports:
                self._read_reports()
            heard = bool(self.news) and self._hear_news(day, fade)
            if heard or reports:
                self._fade_beliefs(day, fade)
                self._value_factor = self._cash_flow_factor()
                fund_factor = self._value_factor[funds]
            cash_flow = self.cash_flow_per_share * self.expected_revenue()
            log_consensus = np.log(self.base_value + self._consensus_factor * cash_flow)
            held = mean_tilts  # carried into the day from yesterday's trades
            self.sentiment = persistence * self.sentiment + kicks[d]
            trend = spec.trend_strength * self.momentum
            trend_tilts, sentiment_tilts = (
                groups[0].tilt_sum(trend, up, down),
                groups[1].tilt_sum(self.sentiment, up, down),
            )
            fixed = capital[TREND] + capital[NOISE] + trend_tilts + sentiment_tilts
            x0 = np.log(self.market.prices)
            x, fund_tilt = clearing_log_price(
                log_consensus, fixed, c_f, slope, self.base_value, fund_factor, cash_flow, up, down, x0
            )
            if any_empty:
                with np.errstate(invalid="ignore", divide="ignore"):
                    mean_tilts = np.array([dot(c_f, fund_tilt), trend_tilts, sentiment_tilts]) / per_capital
                mean_tilts[empty] = 0.0
            else:
                mean_tilts = np.array([dot(c_f, fund_tilt), trend_tilts, sentiment_tilts]) / per_capital
            self._money_per_share = np.exp(log_consensus - x)  # consensus value over price
            returns = x - x0
            caps = self.market.market_caps()  # yesterday's market values weigh today's returns
            self.market.prices = np.exp(x)
            self.momentum += keep_trend * (returns * TRADING_DAYS_PER_YEAR - self.momentum)
            profit = dot(held, returns * caps / caps.sum()) * TRADING_DAYS_PER_YEAR
            self.fitness += keep_fitness * (profit - self.fitness)
        self._step_start_totals = self._revenue_totals()
        # Each investor's tilt after the last day, for its holdings.
        tilt[funds] = fund_tilt
        tilt[trend_followers] = np.clip(np.outer(self.scale[trend_followers], trend), -down, up)
        tilt[noise] = np.clip(np.outer(self.scale[noise], self.sentiment), -down, up)

    def _strategy_tilts(self, tilt: np.ndarray) -> np.ndarray:
        """Each strategy's capital-weighted mean tilt per firm (rows: strategies)."""
        out = np.zeros((3, tilt.shape[1]))
        for s, members in enumerate(self.members):
            if len(members):
                w = self.capital_share[members]
                out[s] = dot(w, tilt[members]) / w.sum()
        return out

    @property
    def holdings(self) -> np.ndarray:
        """Shares each investor holds after the last trading day: its capital share of the firm's consensus value,
        tilted, at the day's price."""
        return self.capital_share[:, None] * (1 + self.tilt) * (self.market.shares_outstanding * self._money_per_share)

    def _switch_strategies(self) -> None:
        spec = self.spec
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
