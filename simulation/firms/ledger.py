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

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from simulation.firms.firm import Firm

OUTSIDE = {
    "users": "outside:users",  # buyers of AI services
    "customers": "outside:customers",  # the base businesses' customers (net), and clouds' renters of compute
    "capital": "outside:capital",  # labs' funding rounds, and outside money for the owners with no lab
    "suppliers": "outside:suppliers",  # wafers and packaging, buildings, power, networks, staff
    "smugglers": "outside:smugglers",
    "clouds_abroad": "outside:clouds_abroad",  # clouds outside a controlled bloc that lease chips to it
    "governments": "outside:governments",  # licence fees, subsidies
}
"""The outside accounts by short name."""


class Payment(NamedTuple):
    payer: str
    payee: str
    amount_usd: float
    kind: str


class Ledger:
    """The payments of the current step and of the last step closed (`last_step`), and the firms whose books
    it keeps."""

    def __init__(self) -> None:
        self.firms: dict[str, Firm] = {}
        self._payments: list[tuple[str, str, float, str]] = []  # this step's, as plain tuples: cheap to make
        self._last_step: list[tuple[str, str, float, str]] = []
        self._zero = dict.fromkeys(OUTSIDE.values(), 0.0)  # every account, at 0
        self._in = self._zero.copy()  # each account's money in and out this step
        self._out = self._zero.copy()

    @property
    def last_step(self) -> list[Payment]:
        return [Payment._make(p) for p in self._last_step]

    def open(self, firm: Firm) -> None:
        """Keep `firm`'s books: it may pay and be paid."""
        if firm.id in self._zero:
            raise ValueError(f"the ledger already has an account {firm.id!r}")
        self.firms[firm.id] = firm
        self._zero[firm.id] = 0.0
        self._in, self._out = self._zero.copy(), self._zero.copy()

    def pay(self, payer: str, payee: str, amount_usd: float, kind: str) -> None:
        """Record a payment of `amount_usd` (at least 0, finite) from `payer` to `payee` (firm ids or outside
        accounts); a payment of 0 is not recorded."""
        self.record(((payer, payee, amount_usd, kind),))

    def record(self, payments: Iterable[tuple[str, str, float, str]]) -> None:
        """`pay` for each (payer, payee, amount, kind) in turn: a market's or a firm's payments of a step."""
        step, paid, received, inf = self._payments, self._out, self._in, math.inf
        try:
            for payment in payments:
                payer, payee, amount, kind = payment
                if amount == 0.0:
                    continue
                if not 0.0 < amount < inf:
                    raise ValueError(f"{kind} from {payer} to {payee}: a payment is positive and finite, not {amount}")
                paid[payer] += amount  # every account is in both sums from the start of the step
                received[payee] += amount
                step.append(payment)
        except KeyError as unknown:
            raise KeyError(f"{kind}: no account {unknown} in the ledger") from None

    @staticmethod
    def settlement(firm: str, outside: str, amount_usd: float, kind: str) -> tuple[str, str, float, str]:
        """A net flow between a firm and an outside account, as a payment for `record`: `amount_usd` in to the
        firm, or out of it when negative (a base business that loses money pays its counterparty)."""
        return (outside, firm, amount_usd, kind) if amount_usd >= 0.0 else (firm, outside, -amount_usd, kind)

    def close_step(self) -> None:
        """Close every firm's books on its cash now (`Books.close` raises if one does not close) and start a
        new step; the step's payments stay readable as `last_step`, which the books read their flows from."""
        received, paid = self._in, self._out
        for firm_id, firm in self.firms.items():
            firm.books.close(firm.cash_usd, received[firm_id], paid[firm_id])
        self._last_step, self._payments = self._payments, []
        self._in, self._out = self._zero.copy(), self._zero.copy()
