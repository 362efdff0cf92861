"""What the model shows at each row of its records: the frontier of each bloc and the gap between them,
compute by bloc and by use, the largest runs, chip flows, capex, price-performance, and the equity
market's prices, values, indices and value lost. The model calls `observe` after the start and after
each step; the records read the variables through `reporters`, and the agents' through `AGENT_VARIABLES`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation.agents import Chipmaker, InvestorPopulation, Lab, Owner, Regulator, Supplier
from simulation.measures import gap_months

if TYPE_CHECKING:
    from simulation.model import AIRaceModel


class Observation:
    """The measurements of a run, kept a row at a time: the frontier of each bloc with labs, and the
    efficiency of the best open-weights model (which labs read back, `published_efficiency`)."""

    def __init__(self, model: AIRaceModel):
        self.model = model
        self.labs_of = {b: [lab for lab in model.labs.values() if lab.bloc == b] for b in model.blocs}  # lab order
        self.owners_of = {b: [o for o in model.owners.values() if o.bloc == b] for b in model.blocs}
        # The pools of each bloc's owners (their own and their labs'): the clusters installed in the bloc.
        self.pools_of = {
            b: [p for o in self.owners_of[b] for p in (o.pool, *(lab.pool for lab in o.labs))] for b in model.blocs
        }
        self.lab_pools_of = {b: [lab.pool for lab in self.labs_of[b]] for b in model.blocs}
        labs = list(model.labs.values())
        self._lab_rows = {b: [labs.index(lab) for lab in self.labs_of[b]] for b in model.blocs}  # rows in services
        self.frontier_blocs = [b for b in model.blocs if self.labs_of[b]]
        self.days = np.zeros(model.n_steps + 1)
        self.frontiers = {b: np.zeros(model.n_steps + 1) for b in self.frontier_blocs}
        self.published = np.ones(model.n_steps + 1)  # efficiency of the best open-weights model, by row
        self.published_bases = np.zeros(model.n_steps + 1)  # pretrained base of the best open-weights model
        self.row = 0  # the last row observed
        self._row_cache: tuple[int, dict[tuple[str, str], Any]] = (-1, {})  # `_once_a_row`
        self._by_bloc: tuple[int, dict[str, float]] = (-1, {})

    def observe(self) -> None:
        """Store this row's frontier and published efficiency, and collect the records."""
        model = self.model
        i = self.row = model.steps
        self.days[i] = model.day
        for b in self.frontier_blocs:
            self.frontiers[b][i] = self.frontier(b)
        open_labs = [lab for lab in model.labs.values() if lab.open_weights]
        self.published[i] = max((lab.efficiency for lab in open_labs), default=1.0)
        self.published_bases[i] = max((lab.pretrained for lab in open_labs), default=0.0)
        model.records.collect(model)

    def published_efficiency(self, lag_days: float) -> float:
        """Efficiency of the best open-weights model as it stood `lag_days` ago."""
        return self._as_it_stood(self.published, lag_days)

    def published_base(self, lag_days: float) -> float:
        """Pretrained capability of the best open-weights base model as it stood `lag_days` ago."""
        return self._as_it_stood(self.published_bases, lag_days)

    def _as_it_stood(self, by_row: np.ndarray, lag_days: float) -> float:
        """A record kept by row (`observe`), as it stood `lag_days` ago (the first row before the start)."""
        back = math.ceil(lag_days / self.model.step_days)
        return float(by_row[max(self.model.steps - back, 0)])

    def frontier_lab(self, bloc: str) -> Lab:
        """The bloc's lab with the best model, as of the row being observed (worked out once a row)."""
        return self._once_a_row(("frontier_lab", bloc), lambda: max(self.labs_of[bloc], key=lambda lab: lab.capability))

    def frontier_pretrained(self, bloc: str) -> float:
        """The pretrained base of the bloc's best model."""
        return self.frontier_lab(bloc).pretrained

    def frontier_post_trained(self, bloc: str) -> float:
        """What post-training adds to the bloc's best model."""
        return self.frontier_lab(bloc).post_trained

    # -- by bloc ---------------------------------------------------------------------------------

    def frontier(self, bloc: str) -> float:
        """The best capability of the bloc's labs now (the records read it from `frontiers`, stored once a row)."""
        return max(lab.capability for lab in self.labs_of[bloc])

    def compute_flops(self, bloc: str) -> float:
        """Peak FLOP/s installed in the bloc: every chip its owners hold (chips rented abroad included)."""
        clusters = self.model.clusters
        if self._by_bloc[0] != clusters.version:
            totals = clusters.pool_totals()[:, 0]
            self._by_bloc = (clusters.version, {b: float(totals[p].sum()) for b, p in self.pools_of.items()})
        return self._by_bloc[1][bloc]

    def largest_cluster(self, bloc: str) -> tuple[float, float]:
        """Peak FLOP/s and accelerators of the largest ready cluster built for one of the bloc's labs (the
        owners' own chips, serving users and cloud customers, sit in many sites and train no frontier run);
        worked out once a row."""
        return self._once_a_row(
            ("largest_cluster", bloc),
            lambda: self.model.clusters.largest_chips(self.lab_pools_of[bloc], self.model.day),
        )

    def _once_a_row(self, key: tuple[str, str], work: Callable[[], Any]) -> Any:
        """What `work` gives, worked out once for the row being observed and kept for its other columns."""
        if self._row_cache[0] != self.row:
            self._row_cache = (self.row, {})
        found = self._row_cache[1]
        if key not in found:
            found[key] = work()
        return found[key]

    def largest_cluster_flops(self, bloc: str) -> float:
        return self.largest_cluster(bloc)[0]

    def largest_cluster_chips(self, bloc: str) -> float:
        return self.largest_cluster(bloc)[1]

    def training_flops_of_row(self, bloc: str) -> float:
        """The bloc's compute on training as this row records it (`uses`)."""
        return self.uses(bloc)[0]

    def training_flops(self, bloc: str) -> float:
        """The bloc's compute on training: frontier runs and research experiments (`Lab.training_flops`)."""
        return sum(lab.training_flops for lab in self.labs_of[bloc])

    def uses(self, bloc: str) -> tuple[float, float, float]:
        """The bloc's compute on training, on serving its labs' users (what the tokens they sell take,
        `ServicesMarket`, as far as the compute not training holds it) and on the rest; worked out once a row."""

        def work() -> tuple[float, float, float]:
            total, training = self.compute_flops(bloc), self.training_flops(bloc)
            serving = float(self.model.services.inference_flops[self._lab_rows[bloc]].sum())
            inference = min(serving, max(total - training, 0.0))
            return training, inference, total - training - inference

        return self._once_a_row(("uses", bloc), work)

    def inference_flops(self, bloc: str) -> float:
        """The bloc's compute serving its labs' users (`uses`)."""
        return self.uses(bloc)[1]

    def other_flops(self, bloc: str) -> float:
        """The rest of the bloc's compute: the owners' other AI work (recommendation, cloud customers) and
        what stands idle."""
        return self.uses(bloc)[2]

    def tokens_per_year(self, bloc: str) -> float:
        """Tokens a year the bloc's labs serve (to users of every bloc they serve)."""
        return float(self.model.services.tokens_per_year[self._lab_rows[bloc]].sum())

    def fixed_capability_price(self) -> float:
        """USD a million tokens of the level of the best model at the start (GPT-3.5's): the lowest cost of
        serving that level among the labs whose capability has reached it (`level_price_per_token`)."""
        market, level = self.model.services, max(lab.spec.capability for lab in self.model.labs.values())
        reached = [i for i, lab in enumerate(market.labs) if lab.capability >= level]
        return float(market.level_price_per_token[reached].min()) * 1e6 if reached else math.nan

    def largest_run_flop(self, bloc: str) -> float:
        return max((lab.largest_run_flop for lab in self.labs_of[bloc]), default=0.0)

    def largest_run_cost_usd(self, bloc: str) -> float:
        """Amortised hardware cost of the bloc's largest training run so far."""
        labs = self.labs_of[bloc]
        return max(labs, key=lambda lab: lab.largest_run_flop).largest_run_cost_usd if labs else 0.0

    # -- the gap -----------------------------------------------------------------------------------

    def gap_months_between(self, leader: str, laggard: str) -> float:
        """Months since the leader's frontier stood where the laggard's stands now (negative: the laggard
        leads), as of the last row observed (during a step, the one before it)."""
        i = self.row + 1
        if leader not in self.frontiers or laggard not in self.frontiers:
            return math.inf
        return gap_months(
            self.days[:i],
            self.frontiers[leader][:i],
            self.frontiers[laggard][:i],
            self.model.spec.measures.prestart_frontier_growth_per_year,
        )

    def gap_months(self) -> float:
        """The scenario's laggard's gap behind its leader, in months (`gap_months_between`)."""
        return self.gap_months_between(self.model.spec.leader, self.model.spec.laggard)

    def gap_capability(self) -> float:
        """The leader's frontier less the laggard's, as of the last row observed (like `gap_months_between`)."""
        spec = self.model.spec
        return float(self.frontiers[spec.leader][self.row] - self.frontiers[spec.laggard][self.row])

    def price_performance(self) -> float:
        """Best effective FLOP/s per dollar on legal offer to the leader's labs at today's prices (on the market: not
        the custom accelerators made for some owners alone)."""
        model = self.model
        j = model.bloc_index[model.spec.leader]
        market = model.chip_market
        legal = market.on_sale() & market.sold_to[:, j] & ~market.custom & (model.regulation.controls[:, j] == 0)
        return float((market.effective_flops[legal] / market.prices()[legal]).max(initial=0.0))

    def sessions(self) -> float:
        """The exchange's sessions in the step just simulated (0 at the start, and for a daily step on a weekend or
        a holiday): the rows whose prices moved."""
        model = self.model
        if model.steps == 0:
            return 0.0
        return float(len(model.equity.trading_days(model.day - model.step_days + 1, model.day)))

    # -- the records' columns ----------------------------------------------------------------------

    def reporters(self) -> dict[str, Callable[[AIRaceModel], float]]:
        """The model's recorded variables (after `step` and `date`), each read from the model at every row."""
        model = self.model
        reporters: dict[str, Callable[[AIRaceModel], float]] = {
            "gap_months": partial(_measure, measure=self.gap_months),
            "gap_capability": partial(_measure, measure=self.gap_capability),
        }
        for b in self.frontier_blocs:
            reporters[f"frontier_capability_{b}"] = partial(_recorded_frontier, bloc=b)
            reporters[f"frontier_pretrained_{b}"] = partial(_measure, measure=self.frontier_pretrained, bloc=b)
            reporters[f"frontier_post_trained_{b}"] = partial(_measure, measure=self.frontier_post_trained, bloc=b)
            reporters[f"largest_run_flop_{b}"] = partial(_measure, measure=self.largest_run_flop, bloc=b)
            reporters[f"largest_run_cost_usd_{b}"] = partial(_measure, measure=self.largest_run_cost_usd, bloc=b)
        for b in model.blocs:
            j = model.bloc_index[b]
            reporters[f"compute_flops_{b}"] = partial(_measure, measure=self.compute_flops, bloc=b)
            reporters[f"compute_training_flops_{b}"] = partial(_measure, measure=self.training_flops_of_row, bloc=b)
            reporters[f"compute_inference_flops_{b}"] = partial(_measure, measure=self.inference_flops, bloc=b)
            reporters[f"compute_other_flops_{b}"] = partial(_measure, measure=self.other_flops, bloc=b)
            reporters[f"tokens_per_year_{b}"] = partial(_measure, measure=self.tokens_per_year, bloc=b)
            reporters[f"largest_cluster_flops_{b}"] = partial(_measure, measure=self.largest_cluster_flops, bloc=b)
            reporters[f"largest_cluster_chips_{b}"] = partial(_measure, measure=self.largest_cluster_chips, bloc=b)
            reporters[f"chips_legal_{b}"] = partial(_flow, kind="legal_units", j=j)
            reporters[f"chips_leaked_{b}"] = partial(_flow, kind="leaked_units", j=j)
            reporters[f"chips_domestic_{b}"] = partial(_flow, kind="domestic_units", j=j)
            reporters[f"chips_rented_{b}"] = partial(_flow, kind="rented_units", j=j)
            reporters[f"chips_seized_{b}"] = partial(_flow, kind="seized_units", j=j)
            reporters[f"smuggling_premium_{b}"] = partial(_flow, kind="smuggling_premium", j=j)
            reporters[f"rental_premium_{b}"] = partial(_flow, kind="rental_premium", j=j)
        reporters["chip_spend_usd"] = partial(_flow, kind="paid_by_buyers_usd")
        for o in model.owners.values():
            reporters[f"capex_usd_{o.label}"] = partial(_owner_capex, owner=o.id)
            reporters[f"installed_flops_{o.label}"] = partial(_owner_installed, owner=o.id)
        for firm in [*model.chipmakers.values(), *model.owners.values(), *model.suppliers.values()]:
            reporters[f"revenue_ai_usd_{firm.label}"] = partial(_firm, firm=firm.id, variable="step_ai_revenue_usd")
        for firm in [*model.owners.values(), *model.suppliers.values()]:
            reporters[f"revenue_usd_{firm.label}"] = partial(_firm, firm=firm.id, variable="step_revenue_usd")
        for s in model.suppliers.values():
            reporters[f"capex_usd_{s.label}"] = partial(_firm, firm=s.id, variable="capex_usd")
            if s.spec.sales_bloc is not None:
                reporters[f"revenue_from_{s.spec.sales_bloc}_usd_{s.label}"] = partial(
                    _firm, firm=s.id, variable="revenue_from_bloc_usd"
                )
            if s.spec.packaging is not None:
                for column, variable in (
                    (f"packaging_wafers_per_month_{s.label}", "packaging_wafers_per_month"),
                    (f"packaging_used_wafers_per_month_{s.label}", "packaging_used_wafers_per_month"),
                ):
                    reporters[column] = partial(_firm, firm=s.id, variable=variable)
        for b in model.blocs:
            reporters[f"electricity_usd_{b}"] = partial(_electricity, bloc=b)
        for o in model.lessors:
            reporters[f"rentals_abroad_usd_{o.label}"] = partial(_firm, firm=o.id, variable="rentals_abroad_usd")
        reporters["smuggler_margin_usd"] = partial(_flow, kind="smuggler_margin_usd")
        reporters["rental_margin_usd"] = partial(_flow, kind="rental_margin_usd")
        reporters["licence_fees_usd"] = partial(_flow, kind="fees_usd")
        reporters["price_performance_flops_per_usd"] = partial(_measure, measure=self.price_performance)
        reporters["fixed_capability_price_usd_per_mtok"] = partial(_measure, measure=self.fixed_capability_price)
        reporters["sessions"] = partial(_measure, measure=self.sessions)
        for j, firm in enumerate(model.equity.firms):
            reporters[f"price_{firm.ticker}"] = partial(_price, j=j)
            reporters[f"market_cap_usd_{firm.ticker}"] = partial(_market_cap, j=j)
            reporters[f"value_lost_usd_{firm.ticker}"] = partial(_value_lost, j=j)
        reporters["value_lost_usd"] = partial(_value_lost, j=None)
        for name in model.equity.indices:
            reporters[name] = partial(_index, name=name)
        return reporters


def _measure(model: AIRaceModel, measure: Callable[..., float], bloc: str | None = None) -> float:
    """A measurement of the model's `observation` (a method of it), of one bloc or of the whole race."""
    return measure() if bloc is None else measure(bloc)


def _recorded_frontier(model: AIRaceModel, bloc: str) -> float:
    """The bloc's frontier as `observe` stored it for this row."""
    return float(model.observation.frontiers[bloc][model.observation.row])


def _flow(model: AIRaceModel, kind: str, j: int | None = None) -> float:
    value = getattr(model.chip_market.flows, kind)
    return float(value if j is None else value[j])


def _owner_capex(model: AIRaceModel, owner: str) -> float:
    return model.owners[owner].capex_usd


def _firm(model: AIRaceModel, firm: str, variable: str) -> float:
    return float(getattr(model.ledger.firms[firm], variable))


def _electricity(model: AIRaceModel, bloc: str) -> float:
    """The electricity of the bloc's accelerators over the step, as their owners paid it (`Owner.electricity_usd`)."""
    return sum(o.electricity_usd for o in model.owners.values() if o.bloc == bloc)


def _owner_installed(model: AIRaceModel, owner: str) -> float:
    return model.owners[owner].installed_flops


def _price(model: AIRaceModel, j: int) -> float:
    return float(model.equity.prices[j])


def _market_cap(model: AIRaceModel, j: int) -> float:
    return float(model.equity.market_caps()[j])


def _value_lost(model: AIRaceModel, j: int | None) -> float:
    """Market value lost over the step by listed firm `j`, or by all of them (None); a gain is negative."""
    value_lost = model.equity.value_lost
    return float(value_lost.sum() if j is None else value_lost[j])


def _index(model: AIRaceModel, name: str) -> float:
    return model.equity.index(name)


AGENT_VARIABLES = {
    Lab: (
        "cash_usd",
        "compute_flops",
        "capability",
        "pretrained",
        "post_trained",
        "efficiency",
        "revenue_usd_per_year",
        "largest_run_flop",
        "largest_run_cost_usd",
        "research_share",
        "spent_usd_total",
        "raised_usd_total",
    ),
    Chipmaker: (
        "booked_chips_per_year",
        "capacity_chips_per_year",
        "markup",
        "revenue_usd_per_year",
        "earnings_usd_per_year",
        "units_sold_total",
        "revenue_total_usd",
        "lost_sales_usd_per_year",
        "subsidies_total_usd",
    ),
    Supplier: (
        "cash_usd",
        "ai_revenue_usd",
        "revenue_usd",
        "capex_usd",
        "ai_revenue_total_usd",
        "base_revenue_usd_per_year",
    ),
    Owner: (
        "cash_usd",
        "base_revenue_usd_per_year",
        "ai_revenue_usd_per_year",
        "ai_capex_usd_per_year",
        "demand_flops",
        "capex_total_usd",
        "raised_usd_total",
        "installed_flops",
        "chips_paid_total_usd",
        "chips_received_total",
    ),
    Regulator: ("rules_in_force", "mean_enforcement", "decisions"),
    InvestorPopulation: ("fundamentalist_share", "trend_share", "noise_share", "mean_demand_belief"),
}
