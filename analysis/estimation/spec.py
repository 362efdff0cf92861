"""Estimation files: a base scenario (or a test function), the parameters to estimate with their priors,
the targets to fit with their weights and scales, the method, its budget, seeds per point and a cutoff.

Validated as sweep files are: the file, the line, the key and the closest valid name for every
problem (exit 2 at the command line). Parameters are registry names; targets are the names of
`analysis.calibration.TARGETS`, each dated, so that only those dated up to the cutoff are fitted.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from analysis.calibration import DATES, TARGETS
from simulation.scenario import (
    Closed,
    Key,
    Problem,
    Scenario,
    ScenarioError,
    load_scenario,
    parameters,
    resolve_path,
)
from simulation.scenario.errors import closest
from simulation.scenario.load import read_toml, read_with_extends
from simulation.scenario.paths import flat, line_of
from simulation.sweep.spec import function_problem, read_spec, settings_hash

METHODS = ("tpe", "cmaes")


class Prior(Closed):
    """Where a parameter is searched: a range (uniform, or log-uniform), by default the registry's plausible range."""

    range: tuple[float, float] | None = Field(None, description="[low, high]; default: the registry's plausible range")
    log: bool = Field(False, description="log-uniform over the range")

    @model_validator(mode="after")
    def _ordered(self) -> Prior:
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range [{self.range[0]}, {self.range[1]}]: low must be below high")
        if self.log and self.range is not None and self.range[0] <= 0:
            raise ValueError("a log range needs a positive low end")
        return self


class Fit(Closed):
    """How one target counts in the distance: its weight and the scale its misses are measured in."""

    weight: float = Field(1.0, gt=0, description="weight of the target's squared, scaled miss")
    scale: float | None = Field(None, gt=0, description="a miss of one scale counts 1; default: half the tolerance")
    value: float | None = Field(
        None, description="observed value: a function's target's; a scenario's replaces the table's band (with a scale)"
    )
    date: dt.date | None = Field(None, description="a function estimation's date of the value (scenario: the target's)")


class Screening(Closed):
    """Morris screening before the search: parameters whose elementary effects on the distance are small
    against the largest are left out of the search, at their base values."""

    trajectories: int = Field(ge=2, description="Morris trajectories, each (parameters + 1) points")
    threshold: float = Field(
        0.1, ge=0, lt=1, description="a parameter is dropped when its mu* is below threshold x the largest mu*"
    )


class Estimation(Closed):
    name: str
    description: str = ""
    scenario: str | None = Field(None, description="base scenario: a built-in name, or a path relative to this file")
    function: str | None = Field(None, description="instead of a scenario, a Python function 'module:name'")
    set: dict[str, Any] = Field(default_factory=dict, description="overrides applied to every evaluation")
    parameters: dict[str, Prior] = Field(min_length=1, description="parameters to estimate, by registry name")
    targets: dict[str, Fit] = Field(min_length=1, description="targets to fit, by name in analysis.calibration")
    method: Literal["tpe", "cmaes"] = Field("tpe", description="Optuna's sampler: TPE or CMA-ES")
    budget: int = Field(100, ge=2, description="evaluations, the base point's included")
    batch: int = Field(4, ge=1, description="evaluations proposed at once (fixed, so results do not depend on workers)")
    seeds: int = Field(2, ge=1, description="runs per evaluation, the same seeds at every point")
    seed: int = Field(0, ge=0, lt=2**63, description="master seed of the search and of the runs")
    cutoff: dt.date | None = Field(None, description="only targets dated up to it are fitted; the rest are predicted")
    screening: Screening | None = Field(None, description="Morris screening before the search; off when absent")

    _base: Scenario | None = PrivateAttr(None)
    _bounds: dict[str, tuple[float, float]] = PrivateAttr(default_factory=dict)
    _start: dict[str, float] = PrivateAttr(default_factory=dict)
    _base_file: Path | None = PrivateAttr(None)  # the base scenario's file; None for a built-in one
    _elsewhere: dict[str, Scenario] = PrivateAttr(default_factory=dict)  # predictions' scenarios built on the base

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        """Unquoted dotted keys in TOML nest; `[set]` and `[parameters]` take them flat, as in sweep files."""
        if isinstance(data, dict):
            data = dict(data)
            if isinstance(data.get("set"), dict):
                data["set"] = flat(data["set"], leaf=lambda v: not isinstance(v, dict))
            if isinstance(data.get("parameters"), dict):
                spec = {"range", "log"}
                data["parameters"] = flat(
                    data["parameters"], leaf=lambda v: not isinstance(v, dict) or not v or bool(spec & set(v))
                )
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Estimation:
        if (self.scenario is None) == (self.function is None):
            raise ValueError("give either scenario = '<base scenario>' or function = 'module:name'")
        return self

    @property
    def base(self) -> Scenario | None:
        """The base scenario with `set` applied (loaded by `load_estimation`)."""
        return self._base

    @property
    def base_file(self) -> Path | None:
        """The base scenario's file (absolute), or None when the base is a built-in scenario named by its name."""
        return self._base_file

    @property
    def elsewhere(self) -> dict[str, Scenario]:
        """The scenarios, built on the base, that predicted targets are measured on when the base cannot
        carry them (a deepseek_shock target of a baseline estimation), by name, with `set` applied. They
        are run at the base point and at the estimate after the search, not at every evaluation."""
        return self._elsewhere

    def scenario_of(self, target: str) -> str | None:
        """The scenario a target is measured on: one of `elsewhere`, or None for the base (or a function)."""
        wanted = next((t.scenario for t in TARGETS if t.name == target), None)
        return wanted if wanted in self._elsewhere else None

    @property
    def measured(self) -> list[str]:
        """The targets measured at every evaluation, on the base: all but those of the `elsewhere` scenarios."""
        return [t for t in self.targets if self.scenario_of(t) is None]

    @property
    def bounds(self) -> dict[str, tuple[float, float]]:
        """Each parameter's prior range: its own, or the registry's plausible range."""
        return self._bounds

    @property
    def start(self) -> dict[str, float]:
        """The base point: each parameter's value in the base scenario (a function's: the middle of its range)."""
        return self._start

    def observed(self, target: str) -> tuple[float, float]:
        """A target's tolerance band (lo, hi): the calibration table's, or the value the file gives (lo = hi)."""
        fit = self.targets[target]
        if fit.value is not None:
            return fit.value, fit.value
        known = next(t for t in TARGETS if t.name == target)
        return known.lo, known.hi

    def scale(self, target: str) -> float:
        lo, hi = self.observed(target)
        return self.targets[target].scale or (hi - lo) / 2

    def dated(self, target: str) -> dt.date | None:
        """A function target's own date; a scenario target's date in the calibration table, whatever its value."""
        if self.function is not None:
            return self.targets[target].date
        return dt.date.fromisoformat(DATES[target])

    def in_sample(self, target: str) -> bool:
        """Fitted (dated up to the cutoff, or undated, or no cutoff) rather than predicted."""
        day = self.dated(target)
        return self.cutoff is None or day is None or day <= self.cutoff

    @property
    def fitted(self) -> list[str]:
        return [t for t in self.targets if self.in_sample(t)]


def estimation_hash(estimation: Estimation) -> str:
    """What stored evaluations depend on: the settings that change a proposed point or its runs, and the
    resolved base scenario. The cutoff and the targets' weights change the search too, so they count, and
    so do the screening settings (left out when screening is off, so older folders keep their hash)."""
    exclude = {"name", "description"} | ({"screening"} if estimation.screening is None else set())
    data = {"estimation": estimation.model_dump(mode="json", exclude=exclude)}
    if estimation.base is not None:
        data["scenario"] = estimation.base.model_dump(mode="json")
    if estimation.elsewhere:  # only then, so that folders of estimations without them keep their hash
        data["elsewhere"] = {name: s.model_dump(mode="json") for name, s in estimation.elsewhere.items()}
    return settings_hash(data)


def load_estimation(path: str | Path, allow_functions: bool = False) -> Estimation:
    """Read and validate an estimation file; ScenarioError naming the file, line and key of every problem."""
    path = Path(path)
    est, text = read_spec(path, Estimation, "estimation")

    def problem(key: str, message: str) -> Problem:
        # A table and one name in it: the names are dotted (registry names) or free text (targets).
        line = line_of(text, Key(tuple(key.split(".", 1))), prefix=True)
        return Problem(str(path), key, message, line)

    problems = _check_targets(est, problem)
    if est.scenario is not None:
        problems += _load_base(path, est, problem)
    else:
        if message := function_problem(est.function, allow_functions, "estimate"):
            problems.append(problem("function", message))
        for name, prior in est.parameters.items():
            if prior.range is None:
                problems.append(problem(f"parameters.{name}", "a function's parameter needs range = [low, high]"))
            else:
                est._bounds[name] = prior.range
                est._start[name] = _middle(prior)
    if problems:
        raise ScenarioError(problems)
    return est


def _middle(prior: Prior) -> float:
    lo, hi = prior.range
    return math.sqrt(lo * hi) if prior.log else (lo + hi) / 2


def _check_targets(est: Estimation, problem: Any) -> list[Problem]:
    known = [t.name for t in TARGETS]
    problems = []
    for name, fit in est.targets.items():
        key = f"targets.{name}"
        if est.function is not None:
            if fit.value is None or fit.scale is None:
                problems.append(problem(key, "a function's target needs value and scale"))
            continue
        if name not in known:
            hint = difflib.get_close_matches(name, known, n=1, cutoff=0.4)
            more = f"did you mean '{hint[0]}'?" if hint else "see airace calibrate for the names"
            problems.append(problem(key, f"unknown target '{name}'; {more}"))
        elif fit.date is not None:
            problems.append(problem(key, "its date is the calibration table's; give weight, scale or value"))
        elif fit.value is not None and fit.scale is None:
            problems.append(problem(key, "a target given its own value needs a scale"))
        elif fit.scale is None and math.isinf(est.observed(name)[1] - est.observed(name)[0]):
            problems.append(
                problem(key, "a one-sided target needs a scale (how far past its bound counts as a miss of 1)")
            )
    if not problems and not est.fitted:
        problems.append(problem("cutoff", f"{est.cutoff}: no target is dated up to it, so nothing would be fitted"))
    return problems


def _load_base(path: Path, est: Estimation, problem: Any) -> list[Problem]:
    beside = path.parent / est.scenario
    source = beside if beside.is_file() else est.scenario
    try:
        resolve_path(source)
        base = load_scenario(source, dict(est.set), label=str(path))
    except ScenarioError as exc:
        return [
            problem("scenario", p.message) if p.file != str(path) else problem(f"set.{p.key}", p.message)
            for p in exc.problems
        ]
    registry = {p.name: p for p in parameters(base)}
    problems = []
    for name, prior in est.parameters.items():
        known = registry.get(name)
        if known is None or isinstance(known.value, bool):
            problems.append(problem(f"parameters.{name}", closest(name, registry, "parameter")))
            continue
        est._bounds[name] = tuple(float(v) for v in (prior.range or known.plausible))
        est._start[name] = float(known.value)
    est._base = base
    named = Path(est.scenario)
    est._base_file = beside.resolve() if beside.is_file() else named.resolve() if named.is_file() else None
    problems += _check_scenarios(est, problem, str(path))
    return problems


def _check_scenarios(est: Estimation, problem: Any, label: str) -> list[Problem]:
    """A target is measured on runs of its scenario or of one built on it: a deepseek_shock target (daily
    steps, the R1 event) means nothing on a baseline run, while a baseline target holds on deepseek_shock.
    A predicted target of a scenario built on the base (deepseek_shock's fall, for a baseline estimation)
    is measured on that scenario, with the file's `set` and the parameters applied: `Estimation.elsewhere`."""
    chain = _chain(est.base_file or resolve_path(est.scenario))
    by_name = {t.name: t for t in TARGETS}
    problems = []
    for name in est.targets:
        wanted = by_name[name].scenario if name in by_name else None
        if wanted is None or wanted in chain:
            continue
        built_on = chain[0] in _chain(resolve_path(wanted))
        if not est.in_sample(name) and built_on:
            if wanted not in est._elsewhere:
                try:
                    est._elsewhere[wanted] = load_scenario(wanted, dict(est.set), label=label)
                except ScenarioError as exc:
                    problems += [problem(f"targets.{name}", f"{wanted}: {p.message}") for p in exc.problems]
            continue
        message = f"measured on the {wanted} scenario; this estimation's base builds on {' <- '.join(chain)}"
        if built_on:
            message += f"; a fitted target must be measured on the base (use {wanted} as the base)"
        else:
            message += f", and {wanted} does not build on {chain[0]}"
        problems.append(problem(f"targets.{name}", message))
    return problems


def _chain(path: Path) -> list[str]:
    """The names of a scenario file and of those it extends, itself first."""
    _, files, _ = read_with_extends(path)
    return [read_toml(f)[0].get("name") for f in files]
