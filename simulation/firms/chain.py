"""The supply chain: which flows of the model pay which segment, and how a segment's flow is split among
its firms.

Nothing here changes what any payer pays: the chain names the payees of money the model already spends.
A chip's unit cost pays the foundry (its `foundry_cost_share` of it: logic die and advanced packaging) and the
memory makers (its `hbm_cost_share`), the rest going to suppliers outside the model (test, assembly,
substrates); the owners' AI capex beyond chips pays networking and the servers' other parts
(`supply_chain.networking_share`, `servers_share`), the rest buildings, power and cooling equipment; the
server makers' share of the accelerators passes through them on its way to the chipmakers; the owners pay
the electricity their installed accelerators draw, in full (`Owner._pay_the_step`); the foundry's capex and
what subsidies build pay the toolmakers (`supply_chain.equipment_share` of it), less the tools that controls
deny the buyer's bloc. Each firm of a segment gets its `market_share` of the segment's flow, the rest goes
to the segment's firms outside the model, under the payer's own kind of payment (so what is capex for the
payer stays capex). Power is local: a power company sells only to payers of its own bloc.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from simulation.firms.ledger import OUTSIDE

if TYPE_CHECKING:
    from simulation.agents.supplier import Supplier

HOURS_PER_DAY = 24.0
RESALE = "resale"
"""The kind of a server maker's payment to a chipmaker for the accelerators it built into servers."""


def electricity_usd(board_kw: float, site_overhead: float, step_days: float, usd_per_mwh: float) -> float:
    """The bill for a step of accelerators of `board_kw` board power drawn around the clock, with the site's
    overhead (cooling, power conversion, host servers), at `usd_per_mwh`."""
    return board_kw * site_overhead * HOURS_PER_DAY * step_days / 1e3 * usd_per_mwh


class SupplyChain:
    """The suppliers of each segment, and the payments that pay a segment."""

    def __init__(
        self,
        suppliers: list[Supplier],
        bloc_of: Callable[[str], str],
        equipment_share: float = 0.0,
        tools_denied: Callable[[str], float] = lambda bloc: 0.0,
    ):
        """`bloc_of`: the bloc of a payer, by its id (a supplier sells only to payers of its `sells_to` blocs);
        `equipment_share`: the share of a fab's capex spent on tools; `tools_denied`: the share of a bloc's
        tool purchases from abroad that controls stop today (`AIRaceModel.tools_denied`)."""
        self.segments: dict[str, list[Supplier]] = defaultdict(list)
        for supplier in suppliers:
            self.segments[supplier.spec.segment].append(supplier)
        self.bloc_of = bloc_of
        self.equipment_share = equipment_share
        self.tools_denied = tools_denied

    def _sellers(self, segment: str, payer: str) -> tuple[list[Supplier], str]:
        """The segment's firms that sell to the payer's bloc, and that bloc ("" when the segment has no firms)."""
        firms = self.segments.get(segment, ())
        if not firms:
            return [], ""
        bloc = self.bloc_of(payer)
        return [s for s in firms if not s.spec.sells_to or bloc in s.spec.sells_to], bloc

    def split(
        self, payer: str, segment: str, amount_usd: float, kind: str, ai_share: float = 1.0, cut: float = 0.0
    ) -> list[tuple[str, str, float, str]]:
        """A payment of `amount_usd` by `payer` for what `segment` sells, as payments for `Ledger.record`: each
        firm of the segment that sells to the payer's bloc its market share, `ai_share` of it booked as its AI
        revenue, less the share `cut` that controls stop a firm of another bloc selling; the rest to suppliers
        outside the model (the other firms, or the payer's home makers)."""
        payments, rest = [], amount_usd
        sellers, bloc = self._sellers(segment, payer)
        for supplier in sellers:
            share = supplier.spec.market_share * amount_usd
            if cut > 0.0 and supplier.bloc != bloc:
                share *= 1.0 - cut
            supplier.earn(share, ai=share * ai_share, bloc=bloc)
            payments.append((payer, supplier.id, share, kind))
            rest -= share
        payments.append((payer, OUTSIDE["suppliers"], max(rest, 0.0), kind))
        return payments

    def tools(
        self, payer: str, capex_usd: float, kind: str, ai_share: float = 1.0, cut: float | None = None
    ) -> list[tuple[str, str, float, str]]:
        """A fab's capex of `capex_usd` by `payer`, as payments for `Ledger.record`: its tools
        (`equipment_share` of it) split among the equipment segment, less the share `cut` that controls deny
        the payer from abroad (default: its bloc's, `tools_denied`); the buildings and cleanrooms to suppliers
        outside the model."""
        if not self.segments.get("equipment"):
            return [(payer, OUTSIDE["suppliers"], capex_usd, kind)]
        tools = self.equipment_share * capex_usd
        cut = self.tools_denied(self.bloc_of(payer)) if cut is None else cut
        return [
            *self.split(payer, "equipment", tools, kind, ai_share, cut),
            (payer, OUTSIDE["suppliers"], max(capex_usd - tools, 0.0), kind),
        ]

    def resell(self, buyer: str, maker: str, amount_usd: float, kind: str) -> list[tuple[str, str, float, str]]:
        """A buyer's payment to a chipmaker for accelerators, with the server makers' shares passing through
        them: the buyer pays each server maker its share (its AI revenue, all of it passed on), which pays the
        chipmaker; the rest goes straight to the chipmaker (through server builders outside the model)."""
        payments, rest = [], amount_usd
        sellers, bloc = self._sellers("servers", buyer)
        for supplier in sellers:
            share = supplier.spec.market_share * amount_usd
            supplier.earn(share, passed_on=share, bloc=bloc)
            payments += [(buyer, supplier.id, share, kind), (supplier.id, maker, share, RESALE)]
            rest -= share
        payments.append((buyer, maker, max(rest, 0.0), kind))  # shares adding up to 1 may leave -1 ulp
        return payments


__all__ = ["RESALE", "SupplyChain", "electricity_usd"]
