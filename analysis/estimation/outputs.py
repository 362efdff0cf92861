"""What an estimation writes: the estimate, every evaluation, the fit table, and a scenario of the estimates."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w

from analysis.estimation.identify import trade_offs
from analysis.estimation.search import Estimate, miss
from analysis.estimation.spec import Estimation
from simulation.scenario import Key


def write_outputs(est: Estimation, found: Estimate, out: Path) -> list[Path]:
    """estimate.csv (a row a parameter), evaluations.parquet (a row an evaluation), fit.csv (a row a target),
    identify.csv (a row a pair of searched parameters), with screening screening.csv (a row a parameter:
    mu_star, mu_star_conf, sigma, kept) and, for a scenario estimation, estimated.toml (the base with the
    estimates of the searched parameters) in `out`."""
    paths = [out / "estimate.csv", out / "evaluations.parquet", out / "fit.csv", out / "identify.csv"]
    found.intervals.to_csv(paths[0], index=False)
    found.evaluations.to_parquet(paths[1], index=False)
    fit_table(est, found).to_csv(paths[2], index=False)
    trade_offs(found.evaluations, found.kept).to_csv(paths[3], index=False)
    if found.screening is not None:
        paths.append(out / "screening.csv")
        found.screening.to_csv(paths[-1], index=False)
    if est.base is not None:
        paths.append(out / "estimated.toml")
        paths[-1].write_text(estimated_scenario(est, found.best, out), encoding="utf-8")
    return paths


def fit_table(est: Estimation, found: Estimate) -> pd.DataFrame:
    """A row a target: the scenario it is measured on, its band, the model before (the base point) and after
    (the best point), each mean over the seeds, and whether the target was fitted (in-sample) or predicted
    (out-of-sample, dated past the cutoff)."""
    evaluations = found.evaluations.set_index("evaluation")
    points = {"before": evaluations.loc[0], "after": evaluations.loc[evaluations["distance"].idxmin()]}
    elsewhere = {} if found.predictions is None else found.predictions.set_index(["scenario", "point"])
    rows = []
    for target, fit in est.targets.items():
        lo, hi = est.observed(target)
        day = est.dated(target)
        where = est.scenario_of(target)
        before, after = (points[p] if where is None else elsewhere.loc[(where, p)] for p in ("before", "after"))
        rows.append(
            {
                "target": target,
                "scenario": where or est.scenario or est.function,
                "date": "" if day is None else day.isoformat(),
                "sample": "in-sample" if est.in_sample(target) else "out-of-sample",
                "lo": lo,
                "hi": hi,
                "weight": fit.weight,
                "scale": est.scale(target),
                "before": before[target],
                "after": after[target],
                "miss_before": miss(est, target, before[target]),
                "miss_after": miss(est, target, after[target]),
                "within_before": bool(lo - 1e-12 <= before[target] <= hi + 1e-12),
                "within_after": bool(lo - 1e-12 <= after[target] <= hi + 1e-12),
            }
        )
    return pd.DataFrame(rows)


def estimated_scenario(est: Estimation, best: dict[str, float], folder: Path) -> str:
    """A scenario file extending the base with the estimates; each estimated number's source (its parameter
    card) cites the estimation: method, targets fitted, cutoff and the folder of its runs."""
    cite = (
        f"estimated by airace estimate ({est.method}, {est.budget} evaluations x {est.seeds} seeds; "
        f"fitted to {'; '.join(est.fitted)}; cutoff {est.cutoff or 'none'}; runs in {folder})"
    )
    data = est.base.model_dump(mode="python")
    out: dict = {"extends": extends(est, folder), "name": f"{est.name}_estimated"}
    out["description"] = f"{est.base.name} with the parameters estimated by {est.name}"
    for name, value in {**est.set, **best}.items():
        parts = Key.parse(name).parts
        _put(out, data, parts, value)
        if name in best:
            _put(out, data, (*parts[:-1], "sources", parts[-1]), cite)
    return tomli_w.dumps(out)


def extends(est: Estimation, folder: Path) -> str:
    """What a scenario file in `folder` extends to build on the estimation's base: the built-in scenario's
    name, or the base file's path relative to the folder, so the folder can be moved along with its base."""
    if est.base_file is None:
        return Path(est.scenario).stem
    return Path(os.path.relpath(est.base_file, Path(folder).resolve())).as_posix()


def _put(out: dict, data: Any, parts: tuple[str, ...], value: Any) -> None:
    """Set a dotted name in a scenario file's data, writing an entry of a list of entries as [[list]] with its id."""
    head, rest = parts[0], parts[1:]
    node = data.get(head) if isinstance(data, dict) else None
    if not rest:
        out[head] = value
    elif isinstance(node, list):
        entries = out.setdefault(head, [])
        entry = next((e for e in entries if e["id"] == rest[0]), None)
        if entry is None:
            entry = {"id": rest[0]}
            entries.append(entry)
        _put(entry, next(e for e in node if e.get("id") == rest[0]), rest[1:], value)
    else:
        _put(out.setdefault(head, {}), node if node is not None else {}, rest, value)
