"""Sweep files: the base scenario, the parameters to vary and how, the design, replicates, outputs, master seed.

A sweep file is TOML validated as strictly as a scenario file. Parameters are named by their
registry names, the dotted keys that `airace run --set` accepts, and are checked against the base
scenario with the same machinery, so a misspelt name gets the file, the line and the closest match.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, model_validator
from scipy import stats

from simulation.runner import run_outputs
from simulation.scenario import (
    Closed,
    Key,
    Problem,
    Scenario,
    ScenarioError,
    apply_overrides,
    load_scenario,
    parameters,
    parse_toml,
    read_text,
    resolve_path,
    scenario_from_dict,
)
from simulation.scenario.errors import closest, pydantic_message
from simulation.scenario.paths import fields_at, flat, line_of

DESIGNS = ("grid", "lhs", "sobol", "morris")
# Columns every stored run has; no parameter or output may take these names.
RESERVED = ("position", "sample", "replicate", "run_id", "seed", "status", "error", "seconds")
_SPEC_KEYS = {"values", "range", "steps", "log", "distribution", "mean", "sd", "median", "sigma", "mode", "integer"}
# Function sweeps that any sweep file may name; other functions run only when the caller allows it
# (`airace sweep --allow-function`): a data file never runs code by default.
TEST_FUNCTIONS = "simulation.sweep.testfunctions"


class Vary(Closed):
    """How one parameter varies: a list of values, a range, or a distribution."""

    values: list[Any] | None = Field(None, min_length=1, description="the values to take")
    range: tuple[float, float] | None = Field(None, description="[low, high]: uniform, or the bounds of a distribution")
    steps: int | None = Field(None, ge=2, description="grid points over a range or distribution (grid design only)")
    log: bool = Field(False, description="a range is log-uniform (grid points evenly spaced in log)")
    distribution: Literal["uniform", "normal", "lognormal", "triangular"] | None = None
    mean: float | None = Field(None, description="normal: mean")
    sd: float | None = Field(None, gt=0, description="normal: standard deviation")
    median: float | None = Field(None, gt=0, description="lognormal: median")
    sigma: float | None = Field(None, gt=0, description="lognormal: standard deviation of the log")
    mode: float | None = Field(None, description="triangular: most likely value")
    integer: bool = Field(False, description="round to whole numbers (set for integer parameters when loading)")

    @model_validator(mode="after")
    def _one_kind(self) -> Vary:
        kind = self.kind
        if self.values is not None and (self.range is not None or self.distribution is not None or self.steps):
            raise ValueError("give values, or a range/distribution, not both")
        if kind == "values":
            return self
        needs = {
            "uniform": ("range",),
            "normal": ("mean", "sd"),
            "lognormal": ("median", "sigma"),
            "triangular": ("range", "mode"),
        }
        if kind is None:
            raise ValueError("give values = [...], range = [low, high], or distribution = 'normal' with its numbers")
        missing = [k for k in needs[kind] if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {kind} distribution needs {' and '.join(missing)}")
        extra = [k for k in ("mean", "sd", "median", "sigma", "mode") if getattr(self, k) is not None]
        extra = [k for k in extra if k not in needs[kind]]
        if extra:
            raise ValueError(f"{', '.join(extra)} does not apply to a {kind} distribution")
        if self.range is not None:
            lo, hi = self.range
            if not lo < hi:
                raise ValueError(f"range [{lo}, {hi}]: low must be below high")
            if self.log and lo <= 0:
                raise ValueError("a log range needs a positive low end")
            if kind == "triangular" and not lo <= self.mode <= hi:
                raise ValueError(f"mode {self.mode} must lie within range [{lo}, {hi}]")
        if self.log and kind != "uniform":
            raise ValueError("log applies to a plain range only")
        return self

    @property
    def kind(self) -> str | None:
        if self.values is not None:
            return "values"
        if self.distribution is not None:
            return self.distribution
        return "uniform" if self.range is not None else None

    def distribution_(self) -> Any:
        """The scipy distribution this parameter is drawn from (None for a list of values)."""
        kind = self.kind
        if kind == "values":
            return None
        lo, hi = self.range if self.range is not None else (None, None)
        if kind == "uniform":
            return stats.loguniform(lo, hi) if self.log else stats.uniform(lo, hi - lo)
        if kind == "triangular":
            return stats.triang((self.mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
        if kind == "normal":
            return stats.norm(self.mean, self.sd)
        return stats.lognorm(self.sigma, scale=self.median)

    def ppf(self, unit: np.ndarray) -> np.ndarray:
        """Values at points of the unit interval: how every design maps [0, 1] to this parameter."""
        unit = np.asarray(unit, dtype=float)
        if self.values is not None:
            index = np.minimum((unit * len(self.values)).astype(int), len(self.values) - 1)
            return np.asarray(self.values, dtype=object if _mixed(self.values) else None)[index]
        dist = self.distribution_()
        if self.range is not None and self.kind in ("normal", "lognormal"):
            # Truncated to the range: draw from the distribution's mass between the bounds.
            lo, hi = dist.cdf(self.range[0]), dist.cdf(self.range[1])
            unit = lo + unit * (hi - lo)
        out = dist.ppf(np.clip(unit, 1e-12, 1 - 1e-12) if self.range is None else unit)
        return np.rint(out).astype(np.int64) if self.integer else out

    def grid_points(self) -> np.ndarray:
        """The points a grid design takes: the values, evenly spaced points of a range, or quantiles."""
        if self.values is not None:
            return self.ppf((np.arange(len(self.values)) + 0.5) / len(self.values))
        steps = self.steps or 5
        if self.kind == "uniform":
            lo, hi = self.range
            points = np.geomspace(lo, hi, steps) if self.log else np.linspace(lo, hi, steps)
            return np.rint(points).astype(np.int64) if self.integer else points
        return self.ppf((np.arange(steps) + 0.5) / steps)  # the middle quantiles of equal-probability bins

    def extremes(self, design: str) -> list[Any]:
        """The values at the ends of what a design can give this parameter (all of them, if not numbers)."""
        if design == "grid":
            points = self.grid_points()
        elif self.values is not None:
            points = np.asarray(self.values, dtype=object)
        else:
            # The ends of a range; a million-to-one tail of an unbounded distribution.
            points = self.ppf(np.array([0.0, 1.0]) if self.range is not None else np.array([1e-6, 1 - 1e-6]))
        values = [v.item() if isinstance(v, np.generic) else v for v in points]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            return [min(values), max(values)]
        return list(dict.fromkeys(values))


def _mixed(values: list[Any]) -> bool:
    """Whether a list of values is not all numbers (dates, booleans, strings keep their Python type)."""
    return not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


class Outputs(Closed):
    metrics: list[str] = Field(
        default_factory=lambda: ["gap_months.end"],
        min_length=1,
        description="summary metrics to keep, by dotted key into summary.json (or a function's result)",
    )
    series: list[str] = Field(default_factory=list, description="model columns to keep as time series")
    stride: int = Field(1, ge=1, description="keep every stride-th step of the series")


class Sweep(Closed):
    name: str
    description: str = ""
    scenario: str | None = Field(None, description="base scenario: a built-in name, or a path relative to this file")
    function: str | None = Field(None, description="instead of a scenario, a Python function 'module:name'")
    set: dict[str, Any] = Field(default_factory=dict, description="overrides applied to every run")
    parameters: dict[str, Vary] = Field(min_length=1, description="parameters to vary, by registry name")
    design: Literal["grid", "lhs", "sobol", "morris"]
    samples: int | None = Field(None, ge=1, description="points (lhs), base N (sobol), trajectories (morris)")
    levels: int = Field(4, ge=2, description="morris: levels of the grid")
    second_order: bool = Field(False, description="sobol: also estimate second-order indices (more runs)")
    replicates: int = Field(1, ge=1, description="runs per design point, each with its own seed")
    seed: int = Field(0, ge=0, lt=2**63, description="master seed; every run's seed derives from it")
    chunk_size: int | None = Field(None, ge=1, description="runs per stored chunk (default from the number of runs)")
    outputs: Outputs = Field(default_factory=Outputs)

    _base: Scenario | None = PrivateAttr(None)

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        """Unquoted dotted keys in TOML nest; both `[set]` and `[parameters]` take them flat."""
        if isinstance(data, dict):
            data = dict(data)
            if isinstance(data.get("set"), dict):
                data["set"] = flat(data["set"], leaf=lambda v: not isinstance(v, dict))
            if isinstance(data.get("parameters"), dict):
                data["parameters"] = flat(
                    data["parameters"], leaf=lambda v: not isinstance(v, dict) or bool(_SPEC_KEYS & set(v))
                )
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Sweep:
        if (self.scenario is None) == (self.function is None):
            raise ValueError("give either scenario = '<base scenario>' or function = 'module:name'")
        if self.design == "grid":
            if self.samples is not None:
                raise ValueError("a grid's size is the product of its parameters' points; remove samples")
            for name, vary in self.parameters.items():
                if vary.kind in ("normal", "lognormal", "triangular") and vary.steps is None:
                    raise ValueError(f"parameters.{name}: a grid over a distribution needs steps")
        else:
            if self.samples is None:
                raise ValueError(f"a {self.design} design needs samples")
            stepped = [name for name, vary in self.parameters.items() if vary.steps is not None]
            if stepped:
                raise ValueError(f"steps applies to grid designs only ({', '.join(stepped)})")
        if self.design == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"samples = {self.samples}: Sobol sequences need a power of 2 (e.g. 64, 128, 256)")
        for name in [*self.parameters, *self.outputs.metrics, *self.outputs.series]:
            if name in RESERVED:
                raise ValueError(f"'{name}' is a column of every stored run; reserved: {', '.join(RESERVED)}")
        both = set(self.parameters) & set(self.outputs.metrics)
        if both:
            raise ValueError(f"{', '.join(sorted(both))} named as both parameter and output")
        if self.function is not None and self.outputs.series:
            raise ValueError("series are kept for scenario runs only; a function returns metrics")
        return self

    @property
    def names(self) -> list[str]:
        return list(self.parameters)

    @property
    def base(self) -> Scenario | None:
        """The base scenario with `set` applied (loaded by `load_sweep`)."""
        return self._base


def sweep_hash(sweep: Sweep) -> str:
    """What a stored sweep's results depend on: the sweep's settings and the resolved base scenario.

    Comments and formatting of the file do not count; a change of any setting or of the base
    scenario does, so results of a changed sweep are never mixed with older ones.
    """
    data = {"sweep": sweep.model_dump(mode="json")}
    if sweep.base is not None:
        data["scenario"] = sweep.base.model_dump(mode="json")
    return settings_hash(data)


def settings_hash(data: dict[str, Any]) -> str:
    """The hash of settings (a sweep's, an estimation's) that stored runs depend on, as canonical JSON."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def read_spec[M: BaseModel](path: str | Path, model: type[M], kind: str) -> tuple[M, str]:
    """Read a sweep or estimation file and validate it against its model: the object and the file's text;
    ScenarioError naming the file, line and key of every problem (the closest name for an unknown key)."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError([Problem(str(path), "", f"no such {kind} file")])
    text = read_text(path)
    data, read = parse_toml(text, path)
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([*read, *(_problem(path, text, data, err, model) for err in exc.errors())]) from None
    if read:
        raise ScenarioError(read)
    return spec, text


def function_problem(function: str, allow_functions: bool, command: str) -> str | None:
    """Why a file's `function = 'module:name'` cannot run, or None: only the project's test functions run
    unless the command line allows others (a data file must not run arbitrary code), and it must import."""
    if function.partition(":")[0] != TEST_FUNCTIONS and not allow_functions:
        return (
            f"'{function}' would run code named by a data file; only the project's test functions "
            f"({TEST_FUNCTIONS}:...) run unless the command line allows it (airace {command} --allow-function)"
        )
    try:
        import_function(function)
    except ValueError as exc:
        return str(exc)
    return None


def load_sweep(path: str | Path, allow_functions: bool = False) -> Sweep:
    """Read and validate a sweep file: its settings, its base scenario with `set` applied, every
    varied name and the values it will take, and its outputs; ScenarioError naming the file, line
    and key of every problem. A function sweep may name a function outside the project's test
    functions only with `allow_functions`."""
    path = Path(path)
    sweep, text = read_spec(path, Sweep, "sweep")
    if sweep.scenario is not None:
        sweep._base = _load_base(path, text, sweep)
        _check_outputs(path, text, sweep, *run_outputs(sweep._base))
    elif message := function_problem(sweep.function, allow_functions, "sweep"):
        raise ScenarioError([Problem(str(path), "function", message, _line(text, "function"))])
    return sweep


def _line(text: str, key: str) -> int | None:
    return line_of(text, Key.parse(key), prefix=True)


def _problem(path: Path, text: str, data: dict[str, Any], err: dict[str, Any], model: type[BaseModel]) -> Problem:
    loc = tuple(err["loc"])
    key = Key(tuple(str(p) for p in loc))
    if err["type"] == "extra_forbidden":
        message = closest(key.name, fields_at(loc[:-1], data, model), "key")
    else:
        message = pydantic_message(err)
    return Problem(str(path), str(key), message, _line(text, str(key)))


def _located(problems: list[Problem], path: Path, text: str) -> list[Problem]:
    """Problems reported against the sweep file get its line: a key is set under [set] or varied
    under [parameters]."""
    out = []
    for p in problems:
        if p.file == str(path):
            # Its own line under [set], else under [parameters] (or that table's), else the [set] table's.
            line = line_of(text, Key.parse(f"set.{p.key}")) or _line(text, f"parameters.{p.key}") or _line(text, "set")
            p = Problem(p.file, p.key, p.message, line)
        out.append(p)
    return out


def _load_base(path: Path, text: str, sweep: Sweep) -> Scenario:
    """The base scenario with `set` applied; then every varied name and every value it will take, checked."""
    beside = path.parent / sweep.scenario
    source = beside if beside.is_file() else sweep.scenario
    try:
        resolve_path(source)
    except ScenarioError as exc:
        raise ScenarioError(
            [Problem(str(path), "scenario", exc.problems[0].message, _line(text, "scenario"))]
        ) from None
    label = str(path)
    try:
        base = load_scenario(source, dict(sweep.set), label=label)
        # The varied names alone first: an unknown one gets the closest valid name.
        apply_overrides(base.model_dump(mode="python"), dict.fromkeys(sweep.parameters), label)
    except ScenarioError as exc:
        raise ScenarioError(_located(exc.problems, path, text)) from None
    registry = {p.name: p for p in parameters(base)}
    problems = []
    for name, vary in sweep.parameters.items():
        known = registry.get(name)
        if vary.kind != "values" and known is None:
            hint = difflib.get_close_matches(name, registry, n=1)
            more = f"; did you mean '{hint[0]}'?" if hint else ""
            message = f"a range or distribution needs a number in the parameter registry{more}; or give values"
            problems.append(Problem(str(path), f"parameters.{name}", message, _line(text, f"parameters.{name}")))
        elif known is not None and isinstance(known.value, int) and not isinstance(known.value, bool):
            vary.integer = True
    if problems:
        raise ScenarioError(problems)
    # Every value the design can give, alone, must be valid (combinations are checked run by run).
    data = base.model_dump(mode="python")
    for name, vary in sweep.parameters.items():
        for value in vary.extremes(sweep.design):
            try:
                scenario_from_dict(data, {name: value})
            except ScenarioError as exc:
                mine = [p for p in exc.problems if p.key == name]
                line = _line(text, f"parameters.{name}")
                problems += [Problem(str(path), f"parameters.{name}", p.message, line) for p in mine]
                if mine:
                    break
    if problems:
        raise ScenarioError(problems)
    return base


def _check_outputs(path: Path, text: str, sweep: Sweep, metrics: list[str], series: list[str]) -> None:
    """Every output a sweep keeps is a number of a run's summary, or a column of the model's records
    for series (`run_outputs`, read off a run of the base scenario): checked before any run."""
    problems = []
    for field, names, known, what in (
        ("metrics", sweep.outputs.metrics, metrics, "a number of a run's summary"),
        ("series", sweep.outputs.series, series, "a column of the model's records"),
    ):
        for i, name in enumerate(names):
            if name in known:
                continue
            hint = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
            more = f"did you mean '{hint[0]}'?" if hint else "valid: " + ", ".join(known)
            key = f"outputs.{field}.{i}"
            problems.append(Problem(str(path), key, f"'{name}' is not {what}; {more}", _line(text, key)))
    if problems:
        raise ScenarioError(problems)


def import_function(spec: str) -> Any:
    """The Python function a function sweep calls, as `module:name`; ValueError if it cannot be imported."""
    module, _, attr = spec.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(f"cannot import '{spec}' ({exc}); expected 'module:name'") from None
