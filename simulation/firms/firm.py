"""Firm: the base of every company in the model (chipmakers, owners, labs), with its books and, when it is
listed, its listing.

Books. A firm's cash at the last close, its money in by source (kind of flow) and out by counterparty over
the last step, with the part of it that is capex, and its smoothed run rates. Every payment goes through
the ledger (`simulation.firms.ledger`); the firm's own mechanisms move its cash (the arithmetic that sets
its results). Closing the books each step checks that the two agree: the change in cash is what came in
less what went out, so no money appears or vanishes inside a firm.

Listing. Ticker, shares outstanding, start price and cash-flow margin, with their sources from the
scenario file: everything the equity market needs to price the firm.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mesa

if TYPE_CHECKING:
    from simulation.firms.ledger import Ledger
    from simulation.model import AIRaceModel

CAPEX_KINDS = frozenset({"chips", "ai_infrastructure", "base_capex", "capacity"})
"""Kinds of payment that buy capital goods: chips (an owner's, its labs' commissions included), data-centre
buildings, power and networks, the base business's capex, and a chipmaker's capacity. What a lab pays its
owner for the chips it commissioned (`compute`) is not capex: the owner holds them."""

RELATIVE_TOLERANCE = 1e-9
"""How far, relative to the sums in the books (cash then and now, money in and out, and 1 USD), the change in
cash may stray from the flows: the same sums added in another order round differently in the last bits,
and no further."""


class BooksDoNotClose(AssertionError):
    """A firm's cash moved by other than its recorded payments: money was created or lost."""


class Books:
    """A firm's books: its cash at the last close, the flows of the last step closed (read from the ledger),
    and its smoothed run rates. The cash itself is the firm's (`Firm.cash_usd`), moved by its mechanisms."""

    def __init__(self, owner: str, ledger: Ledger, cash_usd: float):
        self.owner = owner
        self.ledger = ledger
        self.opening_cash_usd = cash_usd
        self.run_rates: dict[str, float] = {}
        """Smoothed flows a year (`revenue`, `earnings`, ...): what the firm reports."""

    @property
    def revenue(self) -> dict[str, float]:
        """Money in over the last step closed, by kind of flow (`ai_services`, `chips`, `funding`, ...)."""
        return self._flows(into=True)

    @property
    def costs(self) -> dict[str, float]:
        """Money out over the last step closed, by counterparty (an agent's id, or an outside account)."""
        return self._flows(into=False)

    def _flows(self, into: bool) -> dict[str, float]:
        """The last closed step's payments to the firm by kind (`into`), or from it by payee."""
        out: dict[str, float] = defaultdict(float)
        for p in self.ledger.last_step:
            if (p.payee if into else p.payer) == self.owner:
                out[p.kind if into else p.payee] += p.amount_usd
        return dict(out)

    @property
    def capex_usd(self) -> float:
        """The payments over the last step closed of the kinds in `CAPEX_KINDS`."""
        return sum(p.amount_usd for p in self.ledger.last_step if p.payer == self.owner and p.kind in CAPEX_KINDS)

    def smooth(self, name: str, rate: float, weight: float) -> None:
        """Move the run rate `name` a share `weight` of the way to this step's `rate` (a flow a year)."""
        self.run_rates[name] += weight * (rate - self.run_rates[name])

    def close(self, cash_usd: float, received_usd: float, paid_usd: float) -> None:
        """End the step at `cash_usd`: its change since the last close must be what came in less what went
        out, or `BooksDoNotClose` names the firm."""
        change = cash_usd - self.opening_cash_usd
        scale = abs(cash_usd) + abs(self.opening_cash_usd) + received_usd + paid_usd + 1.0
        if not abs(change - (received_usd - paid_usd)) <= RELATIVE_TOLERANCE * scale:  # NaN fails too
            raise BooksDoNotClose(
                f"{self.owner}: cash moved by {change:,.2f} USD in the step, but its payments net "
                f"{received_usd - paid_usd:,.2f} USD (in {received_usd:,.2f}, out {paid_usd:,.2f})"
            )
        self.opening_cash_usd = cash_usd


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
        self.cash_usd = cash_usd
        """USD; negative: net debt. Its mechanisms move it; closing the books checks it against the ledger."""
        self.books = Books(self.id, model.ledger, cash_usd)
        self.listing = Listing.of(spec)
        model.ledger.open(self)
