"""Robustness: random parameter sets drawn from the registry's plausible ranges keep the model's promises.

Each example overrides some of the registry's parameters (`simulation.scenario.parameters`) of a
short baseline (one year, or four years in four-weekly steps), each drawn uniformly within its
plausible range, log-uniformly when the range spans more than two decades, as an integer where the
schema wants one. The run must finish with finite outputs, its books must balance at every step
(money, chips, shares, investors' cash), nothing may go negative, and no lab's capability may ever fall.
Examples are derandomized, so CI draws the same ones every time; a failure prints the overrides and seed.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, get_args

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st

from simulation import AIRaceModel, ScenarioError, load_scenario, parameters
from simulation.runner import collect
from simulation.scenario import Key, Parameter

# One simulated year and a small investor population keep each example at a fraction of a second.
SHORT = {"time.end": "2023-12-31", "investors.count": 200}
BASE_SPEC = load_scenario("baseline", SHORT)
REGISTRY = {p.name: p for p in parameters(BASE_SPEC)}
# Parameters whose cost grows with their value: drawn by the dedicated test below, not by the handful.
EXPENSIVE = {"investors.count"}
CHEAP = sorted(set(REGISTRY) - EXPENSIVE)

# Problems a drawn combination may have although each value lies in its own plausible range: the
# schema's cross-field constraints (a supplier's `sales_bloc_share` is refused without its `sales_bloc`,
# which the registry cannot draw). Any other ScenarioError is a bug of the registry and fails the test.
COMBINATION_PROBLEMS = ("must be below price_usd", "must be at most 1", "needs a sales_bloc")

SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# ---------------------------------------------------------------- drawing from the registry


def _annotation(name: str) -> Any:
    """The schema's type annotation of a dotted registry name (list entries are named by id)."""
    owner, field = Key.parse(name).resolve(BASE_SPEC)
    return type(owner).model_fields[field].annotation


def _is_int(name: str) -> bool:
    annotation = _annotation(name)
    return annotation is int or (int in get_args(annotation) and float not in get_args(annotation))


def value_strategy(p: Parameter) -> st.SearchStrategy[float | int]:
    """A value within the plausible range: uniform, or log-uniform over more than two decades."""
    assert p.plausible is not None
    lo, hi = (float(v) for v in p.plausible)
    wide = lo > 0 and hi / lo > 100
    if _is_int(p.name):
        if wide:
            return st.floats(math.log(lo), math.log(hi)).map(lambda x: min(max(round(math.exp(x)), int(lo)), int(hi)))
        return st.integers(math.ceil(lo), math.floor(hi))
    if wide:
        return st.floats(math.log(lo), math.log(hi)).map(lambda x: min(max(math.exp(x), lo), hi))
    if lo == 0 and hi > 100:
        # Uniform over [0, hi] would almost never draw small magnitudes: mix in zero and the top four decades.
        return st.one_of(
            st.just(0.0),
            st.floats(lo, hi),
            st.floats(math.log(hi * 1e-4), math.log(hi)).map(lambda x: min(math.exp(x), hi)),
        )
    return st.floats(lo, hi)


@st.composite
def overrides(draw: st.DrawFn, names: list[str], min_size: int, max_size: int) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(names), min_size=min_size, max_size=max_size, unique=True))
    return {name: draw(value_strategy(REGISTRY[name]), label=name) for name in sorted(chosen)}


def load(drawn: dict[str, Any]):
    """The short baseline with the drawn values; invalid combinations are skipped, other problems raise."""
    try:
        return load_scenario("baseline", {**SHORT, **drawn})
    except ScenarioError as exc:
        combination = all(any(m in p.message for m in COMBINATION_PROBLEMS) for p in exc.problems)
        if not combination:
            raise
        assume(False)


# ---------------------------------------------------------------- the promises


class Books:
    """Checks the model after every step: money, chips and shares balance, nothing negative, capability never falls."""

    def __init__(self, model: AIRaceModel):
        self.capability = {lab.id: lab.capability for lab in model.labs.values()}
        self.check(model)

    def check(self, model: AIRaceModel) -> None:
        labs, makers, market = list(model.labs.values()), list(model.chipmakers.values()), model.chip_market
        step = f"step {model.steps} ({model.date})"

        owners = list(model.owners.values())
        paid = sum(owner.chips_paid_total_usd for owner in owners)
        received = sum(m.revenue_total_usd for m in makers) + market.fees_total_usd
        received += market.smuggler_margin_total_usd + market.rental_margin_total_usd
        assert paid == pytest.approx(received, rel=1e-9, abs=1e-3), f"{step}: money paid by buyers != received"

        sold = sum(m.units_sold_total for m in makers)
        delivered = sum(owner.chips_received_total for owner in owners)
        in_transit = sum(s.units.sum() for s in market.in_transit)
        assert sold == pytest.approx(delivered + in_transit + market.seized_total, rel=1e-9, abs=1e-6), (
            f"{step}: chips sold != received + in transit + seized"
        )
        installed = model.clusters.installed_total
        assert installed == pytest.approx(delivered, rel=1e-9, abs=1e-6), f"{step}: chips delivered != installed"

        held = model.investors.holdings.sum(axis=0)
        outstanding = model.equity.shares_outstanding
        np.testing.assert_allclose(held, outstanding, rtol=1e-9, err_msg=f"{step}: shares held != outstanding")
        assert (model.investors.holdings >= 0).all(), f"{step}: negative shareholding"

        for owner in model.owners.values():
            # it spends on AI only what cash, borrowing within its limit and the step's cash flow could pay
            assert owner.ai_spend_usd <= owner.payable_usd * (1 + 1e-9) + 1.0, (
                f"{step}: {owner.id} spent {owner.ai_spend_usd} on AI, more than it could pay ({owner.payable_usd})"
            )
            assert owner.capex_usd >= 0 and owner.ai_capex_usd_per_year >= 0, f"{step}: {owner.id} negative capex"
        for lab in labs:
            assert (lab.fleet >= 0).all(), f"{step}: {lab.id} holds a negative number of chips"
            assert lab.cash_usd >= -1e-6 * max(lab.spent_usd_total, 1.0), f"{step}: {lab.id} cash {lab.cash_usd}"
            assert lab.capability >= self.capability[lab.id], (
                f"{step}: {lab.id} capability fell {self.capability[lab.id]} -> {lab.capability}"
            )
            self.capability[lab.id] = lab.capability
        for s in market.in_transit:
            assert (s.units >= 0).all(), f"{step}: negative shipment"


def assert_finite(model: AIRaceModel) -> None:
    """Every number the run records is finite, and nothing is missing."""
    results = collect(model)
    for name in ("model", "agents"):
        frame = getattr(results, name)
        numbers = frame.select_dtypes("number")
        bad = ~np.isfinite(numbers.to_numpy())
        if bad.any():
            rows, cols = np.nonzero(bad)
            first = frame.iloc[rows[0]]
            raise AssertionError(
                f"{name}: {bad.sum()} non-finite values, first {numbers.columns[cols[0]]} = "
                f"{numbers.iloc[rows[0], cols[0]]} in row {first.to_dict()}"
            )
        assert not frame.isna().any().any(), f"{name} has missing values"
    assert not results.events.drop(columns="value").isna().any().any()  # value is NaN where a kind has none
    assert not np.isinf(results.events["value"]).any()


def run_checked(spec, seed: int) -> AIRaceModel:
    model = AIRaceModel(spec, seed)
    books = Books(model)
    for _ in range(model.n_steps):
        model.step()
        books.check(model)
    assert model.steps == model.n_steps
    assert model.date <= spec.time.end
    assert_finite(model)
    return model


# ---------------------------------------------------------------- tests


def test_registry_drawing_covers_every_parameter():
    """The sampler knows every registry entry: a range, and an integer strategy for the integer fields."""
    assert len(REGISTRY) > 100
    for p in REGISTRY.values():
        assert p.plausible is not None and p.plausible[0] < p.plausible[1], p.name
        value_strategy(p)  # resolvable type
    assert _is_int("time.step_days") and _is_int("investors.count")
    assert not _is_int("tech.spillover_lag_days") and not _is_int("labs.deepseek.research_share")


@pytest.mark.parametrize("end", ["lo", "hi"])
def test_each_parameter_alone_at_its_plausible_bounds_loads(end):
    """A single value at either end of its plausible range is valid input, unless a cross-field rule
    (chip cost below price, shares summing to at most 1) ties it to a value the baseline fixes."""
    bad = []
    for p in REGISTRY.values():
        lo, hi = p.plausible
        value = lo if end == "lo" else hi
        value = int(value) if _is_int(p.name) else float(value)
        try:
            load_scenario("baseline", {**SHORT, p.name: value})
        except ScenarioError as exc:
            if not all(any(m in q.message for m in COMBINATION_PROBLEMS) for q in exc.problems):
                bad.append(f"{p.name}={value}: {exc}")
    assert not bad, "\n".join(bad)


def test_the_short_baseline_keeps_its_books():
    model = run_checked(BASE_SPEC, 1)
    assert sum(o.chips_paid_total_usd for o in model.owners.values()) > 1e9  # money did move: not vacuous
    assert model.chip_market.smuggler_margin_total_usd > 0


def _coverage(model: AIRaceModel) -> None:
    """Record which flows an example exercised (shown by --hypothesis-show-statistics), so a vacuous
    run is visible."""
    market = model.chip_market
    event(f"licence fees paid: {market.fees_total_usd > 0}")
    event(f"smuggled chips paid for: {market.smuggler_margin_total_usd > 0}")
    event(f"chips rented abroad: {market.rental_margin_total_usd > 0}")
    event(f"chips in transit at the end: {bool(market.in_transit)}")
    event(f"compliant variants designed: {len(model.chips) > len(model.spec.chips)}")
    kinds = {e["kind"] for e in model.event_log}
    event(f"distillations: {'distillation' in kinds}")
    event(f"breakthroughs: {'breakthrough' in kinds}")


@pytest.mark.slow
@settings(SETTINGS, max_examples=60)
@given(drawn=overrides(CHEAP, 1, 6), seed=st.integers(0, 2**32 - 1))
def test_a_handful_of_registry_parameters_anywhere_in_their_ranges(drawn, seed):
    spec = load(drawn)
    note(f"overrides={drawn!r} seed={seed}")
    _coverage(run_checked(spec, seed))


@pytest.mark.slow
@settings(SETTINGS, max_examples=15)
@given(drawn=overrides(CHEAP, 20, 60), seed=st.integers(0, 2**32 - 1))
def test_many_registry_parameters_at_once(drawn, seed):
    spec = load(drawn)
    note(f"overrides={drawn!r} seed={seed}")
    _coverage(run_checked(spec, seed))


# Four years in four-weekly steps (as many steps as the short run): the 2025 licence-fee rules,
# the equipment controls and the industrial policies come into force.
LONG = {"time.end": "2026-12-31", "time.step_days": 28}


@pytest.mark.slow
@settings(SETTINGS, max_examples=20)
@given(drawn=overrides([n for n in CHEAP if n != "time.step_days"], 1, 10), seed=st.integers(0, 2**32 - 1))
def test_registry_parameters_over_four_coarse_years(drawn, seed):
    spec = load({**LONG, **drawn})
    note(f"overrides={drawn!r} seed={seed}")
    _coverage(run_checked(spec, seed))


COUNT = REGISTRY["investors.count"]


@pytest.mark.slow
@settings(SETTINGS, max_examples=4)
@given(
    count=value_strategy(replace(COUNT, plausible=(COUNT.plausible[0], 20_000))),
    drawn=overrides(CHEAP, 0, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_investor_population_size_within_its_range(count, drawn, seed):
    """The population size costs time in proportion; its top decade (up to 100,000) is left to full runs."""
    spec = load({**drawn, "investors.count": count})
    note(f"overrides={drawn!r} count={count} seed={seed}")
    run_checked(spec, seed)
