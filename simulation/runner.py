"""Running scenarios: one run or several replicates, their Results, and the run folders on disk."""

from __future__ import annotations

import itertools
import json
import tomllib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import tomli_w

from simulation import __version__, measures
from simulation.events import COLUMNS, event_table
from simulation.model import AIRaceModel
from simulation.pool import process_pool
from simulation.scenario import Breakthrough, Scenario, load_scenario, parameters, scenario_from_dict
from simulation.scenario.load import read_with_extends, resolve_path
from simulation.scenario.paths import flat

FILES = (
    "model.parquet",
    "agents.parquet",
    "events.parquet",
    "summary.json",
    "scenario.toml",
    "baseline_parameters.json",
)


@dataclass
class Results:
    """What one run produced: tidy tables, headline outcomes, the resolved scenario that made them, and
    the built-in baseline's parameter values at the time (None for a folder written before they were kept)."""

    scenario: Scenario
    seed: int
    model: pd.DataFrame
    agents: pd.DataFrame
    events: pd.DataFrame
    summary: dict[str, Any]
    baseline: dict[str, Any] | None = None

    def save(self, folder: str | Path) -> Path:
        """Write the run folder; each file is written whole to a temporary name and then renamed."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        writers: dict[str, Callable[[Path], None]] = {
            "model.parquet": lambda p: self.model.to_parquet(p, index=False),
            "agents.parquet": lambda p: self.agents.to_parquet(p, index=False),
            "events.parquet": lambda p: self.events.to_parquet(p, index=False),
            "summary.json": lambda p: p.write_text(_json(self.summary)),
            "scenario.toml": lambda p: p.write_text(resolved_toml(self.scenario, self.seed)),
        }
        if self.baseline is not None:
            writers["baseline_parameters.json"] = lambda p: p.write_text(_json(self.baseline))
        for name, write in writers.items():
            tmp = folder / f".{name}.tmp"
            write(tmp)
            tmp.replace(folder / name)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> Results:
        folder = Path(folder)
        data = tomllib.loads((folder / "scenario.toml").read_text(encoding="utf-8"))
        scenario = scenario_from_dict(data)
        baseline = folder / "baseline_parameters.json"
        return cls(
            scenario=scenario,
            seed=scenario.seed,
            model=pd.read_parquet(folder / "model.parquet"),
            agents=pd.read_parquet(folder / "agents.parquet"),
            events=_events(folder / "events.parquet"),
            summary=json.loads((folder / "summary.json").read_text(encoding="utf-8")),
            baseline=json.loads(baseline.read_text(encoding="utf-8")) if baseline.is_file() else None,
        )


def _events(path: Path) -> pd.DataFrame:
    """The events table of a run folder; one without the typed columns of `simulation.events` is refused."""
    events = pd.read_parquet(path)
    missing = [c for c in COLUMNS if c not in events.columns]
    if missing:
        raise ValueError(f"{path} has no {', '.join(missing)} column: an older airace wrote it; run the scenario again")
    return events


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def baseline_values() -> dict[str, Any]:
    """The built-in baseline's registry values, by dotted name. Each run keeps them as they are when it
    is made, so its report compares it with that baseline, not with whatever the baseline is later.

    Read and validated once while the files they come from are unchanged, byte for byte (reading them
    again took a baseline run's 0.05 s, about a fifteenth of it); each call gets its own copy."""
    path = resolve_path("baseline").resolve()
    kept = _BASELINE_VALUES.get(path)
    if kept is not None and all(file.read_bytes() == text for file, text in kept[0]):
        return dict(kept[1])
    _, files, _ = read_with_extends(path)
    texts = tuple((file, file.read_bytes()) for file in files)
    values = {p.name: p.value for p in parameters(load_scenario(path))}
    _BASELINE_VALUES.clear()
    if all(file.read_bytes() == text for file, text in texts):  # not kept if a file changed meanwhile
        _BASELINE_VALUES[path] = (texts, values)
    return dict(values)


_BASELINE_VALUES: dict[Path, tuple[tuple[tuple[Path, bytes], ...], dict[str, Any]]] = {}
"""`baseline_values` by the baseline's path: the files it was read from with their bytes, and the values."""


def resolved_toml(scenario: Scenario, seed: int) -> str:
    """The scenario as one self-contained TOML file, with the seed and the package version that ran it."""
    stamped = scenario.model_copy(update={"seed": seed, "airace_version": __version__, "extends": None})
    data = _without_empty_records(stamped.model_dump(mode="python", exclude_none=True))
    header = f"# Resolved scenario written by airace {__version__}: `airace run` on this file reproduces the run.\n"
    return header + tomli_w.dumps(data, multiline_strings=True)  # the story keeps its lines


def _without_empty_records(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_empty_records(v) for k, v in data.items() if not (k in ("sources", "overrides") and not v)}
    if isinstance(data, list):
        return [_without_empty_records(v) for v in data]
    return data


def run(
    scenario: Scenario | str | Path,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Results:
    """Run a scenario (object, path or built-in name) once; the seed defaults to the scenario's own."""
    if isinstance(scenario, Scenario):
        spec = scenario if not overrides else scenario_from_dict(scenario.model_dump(mode="python"), overrides)
    else:
        spec = load_scenario(scenario, overrides)
    seed = spec.seed if seed is None else int(seed)
    model = AIRaceModel(spec, seed)
    model.run_model(progress)
    return collect(model)


def run_replicates(
    scenario: Scenario,
    seed: int,
    replicates: int,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> Iterator[Results]:
    """Replicate r runs with seed + r, so any one of them can be rerun alone; yielded in that order.

    With `workers` > 1 the replicates run in the sweeps' process pool (`simulation.pool`), a few ahead
    of the one yielded; each is the same `run` with the same seed, so the results are identical. The
    progress callback then hears of a replicate's steps when it is done, not step by step.
    """
    if workers <= 1 or replicates <= 1:
        for r in range(replicates):
            yield run(scenario, seed=seed + r, progress=progress)
        return
    seeds = iter(range(seed, seed + replicates))
    with process_pool(min(workers, replicates)) as pool:
        pending = deque(pool.submit(run, scenario, s) for s in itertools.islice(seeds, 2 * workers))
        while pending:
            results = pending.popleft().result()
            following = next(seeds, None)
            if following is not None:
                pending.append(pool.submit(run, scenario, following))
            if progress is not None:
                progress(scenario.time.n_steps)
            yield results


def collect(model: AIRaceModel) -> Results:
    """Turn a finished model into Results (the only place that reads a live model's records)."""
    frame = model.records.model_frame()
    agents = model.records.agent_frame()
    events = event_table(model.event_log)
    summary = summarise(model.spec, model.seed, frame, events)
    return Results(model.spec, model.seed, frame, agents, events, summary, baseline_values())


def run_outputs(spec: Scenario) -> tuple[list[str], list[str]]:
    """What a run of a scenario records, read off the records and `summarise` themselves on the
    scenario's first step: the numbers of its summary by dotted key (`gap_months.end`; null ones too,
    which that step has not reached), and the
    columns of its model table. Sweeps check the outputs they keep against these before any run."""
    results = collect(AIRaceModel(spec, spec.seed))
    numbers = flat(results.summary, leaf=lambda v: not isinstance(v, dict))
    # null: a number this first step has not reached yet (a growth rate, the gap at the end of a later year)
    metrics = [k for k, v in numbers.items() if v is None or (isinstance(v, int | float) and not isinstance(v, bool))]
    return metrics, list(results.model.columns)


class Valued(NamedTuple):
    """The days a number of a run's summary is measured on: one day (a level: the gap at the end), or a span
    (a total, a fall, a growth rate over the run)."""

    first: date
    last: date

    def __str__(self) -> str:
        return f"on {self.last}" if self.first == self.last else f"over {self.first} to {self.last}"


def valued_on(spec: Scenario, metric: str) -> Valued:
    """When a number of the summary, by dotted key (`gap_months.end`, as sweeps name it), is measured in a run
    of `spec`: a level at the run's start, its last row, the end of a year or an event's date; the days after
    the first breakthrough for the return after it; else the whole run."""
    start, last_row = spec.time.start, _last_row(spec)
    parts = metric.split(".")
    if "end_of_year" in parts[:-1]:
        day = date(int(parts[parts.index("end_of_year") + 1]), 12, 31)
    elif "at_events" in parts[:-1]:
        event = parts[parts.index("at_events") + 1]
        day = next(e.date for e in spec.events if e.id == event)
    elif parts[0] == "ai_revenue_usd_by_year":
        year = int(parts[-1])
        return Valued(max(start, date(year, 1, 1)), date(year, 12, 31))
    elif parts[0] == "return_after_shock" and (shock := _shock_day(spec)) is not None:
        return Valued(shock, shock + timedelta(days=measures.DAYS_AFTER_SHOCK))
    elif any(part == "end" or part.endswith("_end") for part in parts):
        day = last_row
    elif "start" in parts:
        day = start
    else:
        return Valued(start, last_row)
    return Valued(day, day)


def _last_row(spec: Scenario) -> date:
    """The date of a run's last row: the whole steps that fit between its start and end."""
    return spec.time.start + timedelta(days=spec.time.n_steps * spec.time.step_days)


def _shock_day(spec: Scenario) -> date | None:
    """The day markets meet the first scripted breakthrough (its attention date, else its date)."""
    return next((e.attention_date or e.date for e in spec.events if isinstance(e, Breakthrough)), None)


def _number(value: float | None) -> float | None:
    """A number for summary.json: rounded to 6 decimals; null where the run has none (NaN: never recovered,
    no training run yet, a date the run has not reached)."""
    return None if value is None or not np.isfinite(value) else round(float(value), 6)


def summarise(spec: Scenario, seed: int, frame: pd.DataFrame, events: pd.DataFrame) -> dict[str, Any]:
    """Headline outcomes of one run, as plain JSON data: every outcome the report's table shows, by the
    same functions (`simulation.measures`). Which keys there are follows from the scenario alone (its
    blocs, firms, dates and events), so a sweep can name them before any run; a value the run has
    not reached yet is null."""
    last = frame.iloc[-1]
    step = spec.time.step_days
    last_row = _last_row(spec)
    gaps = measures.end_of_year_gaps(frame, step)
    scripted = [e for e in spec.events if isinstance(e, Breakthrough)]
    blocs = [c.removeprefix("frontier_capability_") for c in frame.columns if c.startswith("frontier_capability_")]
    falls = {}
    for m in spec.listed_firms:
        fall, row = measures.largest_one_step_fall(frame[f"price_{m.ticker}"])
        falls[m.ticker] = {"fall": round(fall, 6), "date": frame["date"].iloc[row].date().isoformat()}
    return {
        "scenario": spec.name,
        "seed": seed,
        "airace_version": __version__,
        "start": frame["date"].iloc[0].date().isoformat(),
        "end": last["date"].date().isoformat(),
        "steps": int(last["step"]),
        "leader": spec.leader,
        "laggard": spec.laggard,
        "frontier_capability_end": {b: round(float(last[f"frontier_capability_{b}"]), 6) for b in blocs},
        "gap_months": {
            "start": round(float(frame["gap_months"].iloc[0]), 6),
            "end": round(float(last["gap_months"]), 6),
            "at_events": {
                e.id: {"date": e.date.isoformat(), "gap_months": _number(gap)}
                for e, gap in zip(scripted, measures.gap_at(frame, [e.date for e in scripted]), strict=True)
            },
            "end_of_year": {
                str(y): _number(gaps.get(y)) for y in measures.years_reached(spec.time.start, last_row, step)
            },
        },
        "largest_one_step_fall": falls,
        "ai_index_end": round(float(last["ai_index"]), 6),
        "chips_leaked_total": {b.id: round(float(frame[f"chips_leaked_{b.id}"].sum()), 3) for b in spec.blocs},
        "events_logged": len(events),
        "ai_revenue_usd_by_year": _revenue_by_year(spec, frame, last_row),
        **_headline(spec, frame, last_row),
    }


def _revenue_by_year(spec: Scenario, frame: pd.DataFrame, last_row: date) -> dict[str, dict[str, float | None]]:
    """Each firm's AI revenue in each calendar year the scenario covers whole (its `revenue_ai_usd_<label>`
    rows dated in the year), by label; null for a year the run has not finished."""
    years = measures.years_reached(spec.time.start, last_row, spec.time.step_days)
    dates = frame["date"]
    done = dates.iloc[-1] + pd.Timedelta(days=spec.time.step_days)
    year_of_row = dates.dt.year.to_numpy()
    rows = {y: year_of_row == y if done > pd.Timestamp(y, 12, 31) else None for y in years}  # worked out once

    def by_year(column: pd.Series) -> dict[str, float | None]:
        return {str(y): None if in_year is None else _number(column[in_year].sum()) for y, in_year in rows.items()}

    labels = [f.label for f in (*spec.chipmakers, *spec.owners, *spec.suppliers)]
    return {label: by_year(frame[f"revenue_ai_usd_{label}"]) for label in labels}


def _headline(spec: Scenario, frame: pd.DataFrame, last_row: date) -> dict[str, Any]:
    """The report's headline outcomes of compute, chips, training runs and share prices, for the summary."""
    share = measures.compute_share(frame).iloc[-1]
    leaked = measures.leaked_share(frame)
    flop, cost = measures.frontier_training(frame, "flop"), measures.frontier_training(frame, "cost_usd")
    prices = frame.set_index("date")
    out: dict[str, Any] = {
        "months_at_parity": _number(measures.months_at_parity(frame)),
        "compute_share_end": {bloc: _number(share[bloc]) for bloc in share.index},
        "chips_leaked_share": {bloc: _number(leaked[bloc]) for bloc in leaked.index},
        "largest_training_run": {
            bloc: {
                "flop_end": _number(flop[bloc].iloc[-1]),
                "flop_growth_per_year": _number(measures.growth_per_year(flop[bloc])),
                "cost_usd_end": _number(cost[bloc].iloc[-1]),
                "cost_growth_per_year": _number(measures.growth_per_year(cost[bloc])),
            }
            for bloc in flop.columns  # every bloc has both columns (AIRaceModel's reporters)
        },
        "max_drawdown": {},
    }
    for m in spec.listed_firms:
        shock = measures.shock_outcomes(prices[f"price_{m.ticker}"])
        out["max_drawdown"][m.ticker] = {
            "drawdown": _number(shock["max_drawdown"]),
            "peak": shock["drawdown_peak"].date().isoformat(),
            "trough": shock["drawdown_trough"].date().isoformat(),
            "recover_half_days": _number(shock["recover_half_days"]),
            "recover_all_days": _number(shock["recover_all_days"]),
        }
    shock_day = _shock_day(spec)
    if shock_day is not None and spec.time.start < shock_day <= last_row:
        day = pd.Timestamp(shock_day)
        reached = frame["date"].iloc[0] < day <= frame["date"].iloc[-1]
        window = measures.event_window_returns(frame, day, before=0, after=measures.DAYS_AFTER_SHOCK)
        out["return_after_shock"] = {
            "date": shock_day.isoformat(),
            "days": measures.DAYS_AFTER_SHOCK,
            "returns": {m.ticker: _number(window[m.ticker].iloc[-1]) if reached else None for m in spec.listed_firms},
        }
    return out
