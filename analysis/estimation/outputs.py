"""What an estimation writes: the estimate, every evaluation, the fit table, and a scenario of the estimates."""

from __future__ import annotations

from pathlib import Path

from analysis.estimation.search import Estimate
from analysis.estimation.spec import Estimation


def write_outputs(est: Estimation, found: Estimate, out: Path) -> list[Path]:
    """estimate.csv (a row a parameter) and evaluations.parquet (a row an evaluation) in `out`."""
    paths = [out / "estimate.csv", out / "evaluations.parquet"]
    found.intervals.to_csv(paths[0], index=False)
    found.evaluations.to_parquet(paths[1], index=False)
    return paths
