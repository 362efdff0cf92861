"""The ledger: every payment between agents goes through one call, `Ledger.pay(payer, payee, amount, kind)`.

The payer and payee are firms (their books record the flow) or outside accounts, named `outside:...`, where
the modelled economy really ends: users buying AI services, the base businesses' customers, outside
capital, suppliers of what the model does not make (wafers, buildings, power, staff), smugglers, clouds
abroad and governments. So every dollar that leaves a firm has a payee, and `close_step` checks each
firm's books: the change in its cash is what it received less what it paid. Summed over every account,
firms and outside alike, the step's payments net to zero by construction; the books' check is what makes
that mean something: no firm's cash moves by any other way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulation.firms.firm import Firm

OUTSIDE = {
    "users": "outside:users",  # buyers of AI services
    "customers": "outside:customers",  # the base businesses' customers (their operating cash flow, net)
    "capital": "outside:capital",  # venture and sovereign money for the labs
    "suppliers": "outside:suppliers",  # wafers and packaging, buildings, power, networks, staff
    "smugglers": "outside:smugglers",
    "clouds_abroad": "outside:clouds_abroad",  # clouds outside a controlled bloc that lease chips to it
    "governments": "outside:governments",  # licence fees, subsidies
}
"""The outside accounts by short name."""


@dataclass(frozen=True)
class Payment:
    payer: str
    payee: str
    amount_usd: float
    kind: str


class Ledger:
    """The payments of the current step (`payments`), the run's totals by payer, payee and kind (`totals`),
    and the firms whose books it keeps."""

    def __init__(self) -> None:
        self.firms: dict[str, Firm] = {}
        self.payments: list[Payment] = []
        self.last_step: list[Payment] = []  # the payments of the last step closed
        self.totals: dict[tuple[str, str, str], float] = defaultdict(float)

    def open(self, firm: Firm) -> None:
        """Keep `firm`'s books: it may pay and be paid."""
        if firm.id in self.firms or firm.id in OUTSIDE.values():
            raise ValueError(f"the ledger already has an account {firm.id!r}")
        self.firms[firm.id] = firm

    def pay(self, payer: str, payee: str, amount_usd: float, kind: str) -> None:
        """Record a payment of `amount_usd` (at least 0) from `payer` to `payee` (firm ids or outside accounts);
        a payment of 0 is not recorded."""
        if amount_usd == 0.0:
            return
        if not amount_usd > 0.0:
            raise ValueError(f"{kind} from {payer} to {payee}: a payment is positive, not {amount_usd}")
        for account in (payer, payee):
            if account not in self.firms and account not in OUTSIDE.values():
                raise KeyError(f"{kind}: no account {account!r} in the ledger")
        self.payments.append(Payment(payer, payee, amount_usd, kind))
        self.totals[(payer, payee, kind)] += amount_usd
        if payer in self.firms:
            self.firms[payer].books.pay(payee, kind, amount_usd)
        if payee in self.firms:
            self.firms[payee].books.receive(kind, amount_usd)

    def settle(self, firm: str, outside: str, amount_usd: float, kind: str) -> None:
        """A net flow between a firm and an outside account: `amount_usd` in to the firm, or out of it when
        negative (a base business that loses money pays its counterparty)."""
        if amount_usd >= 0.0:
            self.pay(outside, firm, amount_usd, kind)
        else:
            self.pay(firm, outside, -amount_usd, kind)

    def net(self, account: str) -> float:
        """What `account` received less what it paid in the current step."""
        return sum(p.amount_usd for p in self.payments if p.payee == account) - sum(
            p.amount_usd for p in self.payments if p.payer == account
        )

    def close_step(self) -> None:
        """Close every firm's books (`Books.close` raises if one does not close) and start a new step; the
        step's payments stay readable as `last_step`."""
        for firm in self.firms.values():
            firm.books.close(firm.id)
        self.last_step, self.payments = self.payments, []
