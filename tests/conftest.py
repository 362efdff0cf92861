"""Shared fixtures: short runs of the built-in scenarios, and a way to write scenario files."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation import Results, load_scenario, run

# Three simulated years keep most tests quick; the full built-in scenarios run in the slow tests.
SHORT = {"time.end": "2025-12-31"}


@pytest.fixture(scope="session")
def short_baseline() -> Results:
    return run("baseline", seed=7, overrides=SHORT)


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
