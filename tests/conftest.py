"""Shared fixtures: short runs of the built-in scenarios, and a way to write scenario files."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation import Results, load_scenario, run, run_replicates

# Three simulated years keep most tests quick; the full built-in scenarios run in the slow tests.
SHORT = {"time.end": "2025-12-31"}
# The DeepSeek shock to mid-2025 in weekly steps, with one parameter moved off the baseline.
SHORT_SHOCK = {"time.end": "2025-06-30", "time.step_days": 7, "investors.jevons_belief_mean": 0.2}


@pytest.fixture(scope="session")
def short_baseline() -> Results:
    return run("baseline", seed=7, overrides=SHORT)


@pytest.fixture(scope="session")
def replicates():
    """`replicates(name, seeds, **overrides)`: the scenario's runs with seeds seed .. seed + seeds - 1 (two
    processes), made once per test session, so that tests asking for the same runs share them (the
    calibration's weekly baseline is also the time-consistency test's). Overrides are registry names,
    as with --set, written with `__` for the dots (`time__step_days=1`)."""
    made: dict[tuple, list[Results]] = {}

    def get(name: str, seeds: int, **overrides) -> list[Results]:
        changes = {key.replace("__", "."): value for key, value in sorted(overrides.items())}
        key = (name, seeds, tuple(changes.items()))
        if key not in made:
            spec = load_scenario(name, changes or None)
            made[key] = list(run_replicates(spec, spec.seed, seeds, workers=2))
        return made[key]

    return get


@pytest.fixture
def write_scenario(tmp_path: Path):
    """Write a TOML scenario that extends the baseline (or stands alone) and return its path."""

    def write(body: str, name: str = "case.toml") -> Path:
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def baseline_spec():
    return load_scenario("baseline")


@pytest.fixture(scope="session")
def shock_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two replicates of a short DeepSeek shock, saved as `airace run --replicates 2 --out DIR` saves them."""
    spec = load_scenario("deepseek_shock", SHORT_SHOCK)
    out = tmp_path_factory.mktemp("shock")
    for results in run_replicates(spec, spec.seed, 2):
        results.save(out / f"seed_{results.seed}")
    return out
