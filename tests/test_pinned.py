"""The baseline's outputs for a fixed seed, pinned: speed-ups must not change what the model computes.

Values are rounded to 10 significant digits, so the pin holds across platforms whose last bits may
differ, while any change in what the model computes shows. To re-pin after a deliberate change of
behaviour (never for a speed-up): `.venv/bin/python -m tests.test_pinned`.

History of the pin in tests/data/baseline_pinned.json:
- taken from the model before any optimisation, and held by every bit-identical speed-up after it;
- re-taken once when equity clearing became exact: brentq had stopped within its tolerance (1e-10
  relative on the log price), the exact solution does not. Against the code before that change,
  six runs (baseline and deepseek_shock, three seeds) differed by at most 2.3e-9 relative (prices
  and market caps), records of agents by at most 3e-12, and events not at all; the old pin's sampled
  rows and summary still matched. Only the digests of the rounded tables moved.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulation import Results, run

PINNED = Path(__file__).parent / "data" / "baseline_pinned.json"
SEED = 20230101
SAMPLE_STEPS = (0, 1, 52, 104, 105, 208, 313, 417)  # a year apart, plus the first and last steps
DIGITS = 10


def _rounded(values: np.ndarray) -> np.ndarray:
    """Round to DIGITS significant digits (zero and non-finite values as they are)."""
    values = np.asarray(values, dtype=float)
    out = values.copy()
    ok = np.isfinite(values) & (values != 0)
    scale = 10.0 ** (DIGITS - 1 - np.floor(np.log10(np.abs(values[ok]))))
    out[ok] = np.round(values[ok] * scale) / scale
    return out


def _digest(frame: pd.DataFrame) -> str:
    h = hashlib.sha256()
    for name in frame.columns:
        column = frame[name]
        h.update(name.encode())
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            h.update(_rounded(column.to_numpy()).tobytes())
        else:
            h.update("\x1f".join(map(str, column)).encode())
    return h.hexdigest()


def fingerprint(results: Results) -> dict[str, Any]:
    """What the pin compares: digests of the three tables, sampled model rows, the summary."""
    model = results.model
    numeric = [c for c in model.columns if c not in ("step", "date")]
    sample = {
        str(step): dict(zip(numeric, map(float, _rounded(model.loc[step, numeric].to_numpy(float))), strict=True))
        for step in SAMPLE_STEPS
    }
    summary = {k: v for k, v in results.summary.items() if k != "airace_version"}
    return {
        "seed": results.seed,
        "rows": len(model),
        "model_sha256": _digest(model),
        "agents_sha256": _digest(results.agents),
        "events_sha256": _digest(results.events),
        "model_sample": sample,
        "summary": summary,
    }


@pytest.fixture(scope="module")
def pinned() -> dict[str, Any]:
    return json.loads(PINNED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def now() -> dict[str, Any]:
    return fingerprint(run("baseline", seed=SEED))


@pytest.mark.slow
def test_sampled_model_rows_match_the_pin(pinned, now):
    """Readable first: which column at which step moved (if any)."""
    for step, row in pinned["model_sample"].items():
        for column, value in row.items():
            got = now["model_sample"][step][column]
            assert got == pytest.approx(value, rel=1e-9, abs=1e-12), f"step {step}, {column}"


@pytest.mark.slow
def test_summary_matches_the_pin(pinned, now):
    assert now["summary"] == pinned["summary"]


@pytest.mark.slow
def test_whole_tables_match_the_pin(pinned, now):
    assert now["rows"] == pinned["rows"]
    for table in ("model", "agents", "events"):
        assert now[f"{table}_sha256"] == pinned[f"{table}_sha256"], table


if __name__ == "__main__":
    PINNED.write_text(json.dumps(fingerprint(run("baseline", seed=SEED)), indent=1, sort_keys=True) + "\n")
    print(f"wrote {PINNED}")
