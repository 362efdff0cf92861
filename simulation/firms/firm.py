"""Firm: the base of every company in the model (chipmakers, owners, labs), with its books and, when it is
listed, its listing.

Books. A firm's cash, and this step's money in by source (kind of flow) and out by counterparty, with the
part of it that is capex. Every payment reaches the books through the ledger (`simulation.firms.ledger`);
the firm's own mechanisms move its cash (the arithmetic that sets its results). Closing the books each
step checks that the two agree: the change in cash is what came in less what went out, so no money
appears or vanishes inside a firm.

Listing. Ticker, shares outstanding, start price and cash-flow margin, with their sources from the
scenario file: everything the equity market needs to price the firm.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mesa

if TYPE_CHECKING:
    from simulation.model import AIRaceModel

CAPEX_KINDS = frozenset({"chips", "chip_budget", "ai_infrastructure", "base_capex"})
"""Kinds of payment that buy capital goods: chips, an owner's chip budget for its labs, data-centre
buildings, power and networks, and the base business's capex."""

RELATIVE_TOLERANCE = 1e-9
"""How far, relative to the largest sum in the books, the change in cash may stray from the flows: the same
sums added in another order round differently in the last bits, and no further."""


class BooksDoNotClose(AssertionError):
    """A firm's cash moved by other than its recorded payments: money was created or lost."""


@dataclass
class Books:
    """A firm's cash (USD; negative: net debt), and the step's flows through the ledger."""

    cash_usd: float = 0.0
    revenue: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    """This step's money in, by kind of flow (`ai_services`, `chips`, `funding`, ...)."""
    costs: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    """This step's money out, by counterparty (an agent's id, or an outside account)."""
    capex_usd: float = 0.0
    """This step's payments of the kinds in `CAPEX_KINDS`."""
    received_usd: float = 0.0
    paid_usd: float = 0.0
    opening_cash_usd: float = 0.0
    run_rates: dict[str, float] = field(default_factory=dict)
    """Smoothed flows a year (`revenue`, `earnings`, ...): what the firm reports and investors read."""

    def __post_init__(self) -> None:
        self.opening_cash_usd = self.cash_usd

    def smooth(self, name: str, rate: float, weight: float) -> None:
        """Move the run rate `name` a share `weight` of the way to this step's `rate` (a flow a year)."""
        self.run_rates[name] += weight * (rate - self.run_rates[name])

    def receive(self, kind: str, amount_usd: float) -> None:
        self.revenue[kind] += amount_usd
        self.received_usd += amount_usd

    def pay(self, payee: str, kind: str, amount_usd: float) -> None:
        self.costs[payee] += amount_usd
        self.paid_usd += amount_usd
        if kind in CAPEX_KINDS:
            self.capex_usd += amount_usd

    def close(self, owner: str) -> None:
        """End the step: the change in cash must be what came in less what went out (`BooksDoNotClose` if
        not); the next step's flows start from nothing."""
        change = self.cash_usd - self.opening_cash_usd
        flows = self.received_usd - self.paid_usd
        scale = max(abs(self.cash_usd), abs(self.opening_cash_usd), self.received_usd, self.paid_usd, 1.0)
        if not math.isclose(change, flows, rel_tol=0.0, abs_tol=RELATIVE_TOLERANCE * scale):
            raise BooksDoNotClose(
                f"{owner}: cash moved by {change:,.2f} USD in the step, but its payments net {flows:,.2f} USD "
                f"(in {self.received_usd:,.2f}, out {self.paid_usd:,.2f})"
            )
        self.opening_cash_usd = self.cash_usd
        self.revenue.clear()
        self.costs.clear()
        self.capex_usd = self.received_usd = self.paid_usd = 0.0


@dataclass(frozen=True)
class Listing:
    """What the equity market needs to price a firm, with each number's source from the scenario file."""

    ticker: str
    shares_outstanding: float
    start_price_usd: float
    cash_flow_margin: float
    sources: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, spec: Any) -> Listing | None:
        """The listing a firm's scenario section gives (ticker, shares and start price), or None: unlisted."""
        shares = getattr(spec, "shares_outstanding", None)
        price = getattr(spec, "share_price_usd", None)
        ticker = getattr(spec, "ticker", None)
        if ticker is None or shares is None or price is None:
            return None
        fields = ("ticker", "shares_outstanding", "share_price_usd", "cash_flow_margin")
        sources = {name: spec.sources[name] for name in fields if name in spec.sources}
        return cls(ticker, shares, price, spec.cash_flow_margin, sources)


class Firm(mesa.Agent):
    """A company: id, name, bloc, its scenario section (`spec`), books and an optional listing."""

    model: AIRaceModel

    def __init__(self, model: AIRaceModel, spec: Any, cash_usd: float = 0.0):
        super().__init__(model)
        self.id = spec.id
        self.name = spec.name
        self.bloc = spec.bloc
        self.spec = spec
        self.ticker: str | None = getattr(spec, "ticker", None)
        self.books = Books(cash_usd)
        self.listing = Listing.of(spec)
        model.ledger.open(self)

    @property
    def cash_usd(self) -> float:
        return self.books.cash_usd

    @cash_usd.setter
    def cash_usd(self, value: float) -> None:
        self.books.cash_usd = value
