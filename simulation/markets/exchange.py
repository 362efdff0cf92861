"""The equity market: the listed firms, their prices and shares outstanding, market values, cap-weighted
indices and the value lost each step.

Investors (`simulation.agents.investor`) hold beliefs, strategies and tilts; each trading day the price
their orders clear at (`simulation.markets.equity.clearing_log_price`, the pure maths) becomes the
market's price (`prices`). Everything read about the market afterwards, by the real side (a
chipmaker's Tobin's q), the records and the dashboard, is read here.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from simulation.firms import Listing
    from simulation.scenario import Index


EXCHANGE = "XNYS"
"""The exchange whose sessions the market trades on: the New York Stock Exchange (weekends and its holidays
closed), from `exchange_calendars`."""
TRADING_DAYS_PER_YEAR = 252.0
"""Sessions in a year, about (2023-2030 average 251): what annualises a rate per session."""


@functools.lru_cache(maxsize=16)
def session_days(start: date, last: date, exchange: str = EXCHANGE) -> tuple[int, ...]:
    """The days from `start` (day 0) to `last` on which `exchange` holds a session, from its calendar in
    `exchange_calendars` (built once a process for the dates asked: it costs about 0.3 s)."""
    import exchange_calendars
    import pandas as pd

    with warnings.catch_warnings():  # the library's own uses of pandas' deprecated APIs: not the user's to mend
        warnings.simplefilter("ignore")
        calendar = exchange_calendars.get_calendar(
            exchange, start=pd.Timestamp(start) - pd.Timedelta(days=7), end=pd.Timestamp(last) + pd.Timedelta(days=7)
        )
        sessions = calendar.sessions_in_range(pd.Timestamp(start), pd.Timestamp(last))
    return tuple(int((session - pd.Timestamp(start)).days) for session in sessions)


class Listed(Protocol):
    """A firm with a listing (`simulation.firms.Listing`): all the market needs of it."""

    id: str
    ticker: str
    listing: Listing
    revenue_usd_per_year: float  # the AI revenue run rate investors start from
    revenue_total_usd: float  # the AI revenue booked so far, whose growth investors learn

    def see_share_price(self, price: float) -> None: ...


class EquityMarket:
    """The listed firms (in the order of `firms`), priced from their listings' start prices, and the
    cap-weighted indices of them: `ai_index` of every listed firm, and the scenario's `indices`. Every index
    stands at 100 at the start."""

    def __init__(self, firms: Sequence[Listed], indices: list[Index] | None = None, sessions: Sequence[int] = ()):
        """`sessions`: the model days the exchange holds a session on (`session_days`)."""
        self.firms = list(firms)
        self.sessions = np.asarray(sessions, dtype=float)
        self.prices = np.array([f.listing.start_price_usd for f in self.firms], dtype=float)
        self.shares_outstanding = np.array([f.listing.shares_outstanding for f in self.firms], dtype=float)
        position = {f.id: i for i, f in enumerate(self.firms)}
        self.indices: dict[str, list[int]] = {"ai_index": list(range(len(self.firms)))}
        """Each index's members, by their positions in `firms`."""
        self.indices |= {index.id: [position[member] for member in index.members] for index in indices or []}
        caps = self.market_caps()
        self._start_caps = {name: caps[members].sum() for name, members in self.indices.items()}
        self._caps_before = caps  # at the last close: what `value_lost` is counted from
        self.value_lost = np.zeros(len(self.firms))
        """Market value each listed firm lost over the last step (USD; a gain is negative)."""

    def trading_days(self, first_day: float, last_day: float) -> list[float]:
        """The model days from `first_day` to `last_day` the market trades on: the exchange's sessions (none on
        weekends and holidays)."""
        days = self.sessions
        return days[(days >= first_day) & (days <= last_day)].tolist()

    def market_caps(self) -> np.ndarray:
        return self.prices * self.shares_outstanding

    def index(self, name: str) -> float:
        """A cap-weighted index of its members, 100 at the start (100 while it has none)."""
        members = self.indices[name]
        if not members:
            return 100.0
        return 100.0 * self.market_caps()[members].sum() / self._start_caps[name]

    def close_step(self) -> None:
        """After the step's last session: each listed firm sees its share price, and the value lost since the
        last close is counted."""
        for firm, price in zip(self.firms, self.prices.tolist(), strict=True):
            firm.see_share_price(price)
        caps = self.market_caps()
        self.value_lost = self._caps_before - caps
        self._caps_before = caps
