"""A sweep on disk: its manifest, one Parquet file per chunk of runs, run ids, and what is finished.

DIR/manifest.json        the sweep's settings, their hash, the package version, runs and chunks
DIR/sweep.toml           a copy of the sweep file as it was first run
DIR/scenario.toml        its base scenario resolved, with `set` applied (a scenario sweep): what labels say
DIR/chunks/chunk-K.parquet     one row per run of chunk K (written whole, then renamed: never half a file)
DIR/series/chunk-K.parquet     time series of chunk K's runs, when the sweep keeps them (written first)

`export` writes what is finished as one tidy table of runs (and one of their series), for tools
that read neither Parquet datasets nor this layout.

A chunk file exists only once all its runs are done, so the finished ids are exactly the ids of
the chunks on disk; a rerun skips them and runs the rest.
"""

from __future__ import annotations

import json
import os
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from simulation import __version__
from simulation.runner import Valued, resolved_toml, valued_on
from simulation.scenario import Problem, Scenario, ScenarioError, parameters, scenario_from_dict
from simulation.sweep.design import Layout
from simulation.sweep.spec import Sweep, sweep_hash

MANIFEST = "manifest.json"
BASE = "scenario.toml"


# ---------------------------------------------------------------- manifest


def manifest_for(sweep: Sweep, plan: Layout) -> dict[str, Any]:
    return {
        "name": sweep.name,
        "sweep_hash": sweep_hash(sweep),
        "airace_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "design": sweep.design,
        "points": plan.points,
        "replicates": plan.replicates,
        "runs": plan.runs,
        "chunk_size": plan.chunk_size,
        "chunks": plan.chunks,
        "parameters": sweep.names,
        "metrics": sweep.outputs.metrics,
        "series": sweep.outputs.series,
        "sweep": sweep.model_dump(mode="json"),
    }


def open_store(out: Path, sweep: Sweep, plan: Layout, source: Path | None = None, resume: bool = False) -> dict:
    """Create the sweep folder, or check that the one there holds results of this very sweep."""
    out = Path(out)
    path = out / MANIFEST
    wanted = manifest_for(sweep, plan)
    if not path.is_file():
        if resume:
            raise ScenarioError([Problem(str(out), "", "nothing to resume: no manifest.json in this folder")])
        (out / "chunks").mkdir(parents=True, exist_ok=True)
        if sweep.outputs.series:
            (out / "series").mkdir(exist_ok=True)
        if source is not None:
            _write_atomic(out / "sweep.toml", lambda p: p.write_bytes(Path(source).read_bytes()))
        if sweep.base is not None:
            base = resolved_toml(sweep.base, sweep.base.seed)
            _write_atomic(out / BASE, lambda p: p.write_text(base, encoding="utf-8"))
        # Shards may start together on a shared file system: the first to link its manifest wins.
        tmp = out / f".{MANIFEST}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(wanted, indent=2) + "\n", encoding="utf-8")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    found = read_manifest(out)
    problems = []
    if found["sweep_hash"] != wanted["sweep_hash"]:
        problems.append(
            "holds results of a different sweep (the sweep file or its base scenario changed); "
            "use another --out, or the sweep file these results came from"
        )
    if found["airace_version"] != __version__:
        problems.append(f"was run by airace {found['airace_version']}, this is {__version__}; use another --out")
    if problems:
        raise ScenarioError([Problem(str(path), "", p) for p in problems])
    return found


def read_manifest(out: str | Path) -> dict[str, Any]:
    path = Path(out) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError([Problem(str(out), "", "not a sweep folder: no manifest.json")]) from None


def read_base(out: str | Path) -> Scenario | None:
    """The sweep's base scenario as it ran (None: a function sweep, or a folder written before it was kept)."""
    path = Path(out) / BASE
    return scenario_from_dict(tomllib.loads(path.read_text(encoding="utf-8"))) if path.is_file() else None


def parameter_labels(out: str | Path) -> dict[str, str]:
    """Each swept parameter's label from the registry (what it is, of which entry, its unit), by dotted name."""
    base = read_base(out)
    return {} if base is None else {p.name: p.label for p in parameters(base)}


def valued_dates(out: str | Path) -> dict[str, Valued]:
    """When each kept metric is measured in a run of the sweep's base scenario (`simulation.runner.valued_on`)."""
    base = read_base(out)
    return {} if base is None else {m: valued_on(base, m) for m in read_manifest(out)["metrics"]}


# ---------------------------------------------------------------- chunks


def chunk_path(out: Path, chunk: int, kind: str = "chunks") -> Path:
    return Path(out) / kind / f"chunk-{chunk:07d}.parquet"


def finished_chunks(out: Path) -> set[int]:
    """Chunks whose file is on disk, so all their runs are done."""
    return {int(p.stem.removeprefix("chunk-")) for p in (Path(out) / "chunks").glob("chunk-*.parquet")}


def write_chunk(out: Path, chunk: int, runs: pd.DataFrame, series: pd.DataFrame | None = None) -> None:
    """Write one chunk whole: series first, then the runs table that marks the chunk finished."""
    if series is not None:
        _write_atomic(chunk_path(out, chunk, "series"), lambda p: pq.write_table(_table(series), p))
    _write_atomic(chunk_path(out, chunk), lambda p: pq.write_table(_table(runs), p))


def _table(frame: pd.DataFrame) -> pa.Table:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # A column with no value in this chunk (an error column of a chunk that had no error) is still text.
    fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields))


def _write_atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    tmp.replace(path)


def read_runs(out: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Every finished run of a sweep folder in design order, read lazily (only the columns asked for)."""
    files = sorted((Path(out) / "chunks").glob("chunk-*.parquet"))
    if not files:
        return pd.DataFrame(columns=columns or ["position"])
    dataset = ds.dataset(files, format="parquet", schema=pq.read_schema(files[0]))
    wanted = None if columns is None else list(dict.fromkeys(["position", *columns]))
    table = dataset.to_table(columns=wanted).sort_by("position")
    return table.to_pandas()


def read_series(out: str | Path) -> pd.DataFrame:
    """The kept time series of every finished run, in design order."""
    files = sorted((Path(out) / "series").glob("chunk-*.parquet"))
    finished = finished_chunks(Path(out))
    files = [f for f in files if int(f.stem.removeprefix("chunk-")) in finished]
    if not files:
        return pd.DataFrame()
    dataset = ds.dataset(files, format="parquet", schema=pq.read_schema(files[0]))
    return dataset.to_table().sort_by([("position", "ascending"), ("step", "ascending")]).to_pandas()


# ---------------------------------------------------------------- export

EXPORT_FORMATS = ("parquet", "csv")


def export(out: str | Path, path: str | Path | None = None, fmt: str = "parquet") -> list[Path]:
    """Write a sweep's finished runs as one tidy table, a row a run: position, run_id, sample, replicate,
    seed, each parameter, each metric, status, error, seconds (design order). When the sweep keeps
    series, a second table beside it (`<stem>_series.<fmt>`), a row a run and kept step: position,
    run_id, seed, each parameter, step, date, each series, so either joins to the other on run_id and
    each reads alone. Two tables, not one, so no run's outputs repeat on every step. Returns the paths."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    manifest = read_manifest(out)
    runs = read_runs(out)
    if runs.empty:
        raise ScenarioError([Problem(str(out), "", "no finished runs to export yet")])
    parameters, metrics = manifest["parameters"], manifest["metrics"]
    front = ["position", "run_id", "sample", "replicate", "seed"]
    runs = runs[[*front, *parameters, *metrics, "status", "error", "seconds"]]
    path = Path(path) if path is not None else Path(out) / f"{manifest['name']}_runs.{fmt}"
    tables = {path: runs}
    if manifest["series"]:
        series = read_series(out).merge(runs[["position", "seed", *parameters]], on="position", how="left")
        series = series[["position", "run_id", "seed", *parameters, "step", "date", *manifest["series"]]]
        tables[path.with_name(f"{path.stem.removesuffix('_runs')}_series{path.suffix}")] = series
    for target, table in tables.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            _write_atomic(target, lambda p, t=table: t.to_csv(p, index=False))
        else:
            _write_atomic(target, lambda p, t=table: pq.write_table(_table(t), p))
    return list(tables)


def status(out: str | Path) -> dict[str, Any]:
    """How far a sweep folder is: runs and chunks finished, runs that failed, and the first errors."""
    manifest = read_manifest(out)
    runs = read_runs(out, ["run_id", "status", "error"])
    failed = runs[runs["status"] != "ok"] if len(runs) else runs
    return {
        "name": manifest["name"],
        "design": manifest["design"],
        "runs": manifest["runs"],
        "chunks": manifest["chunks"],
        "chunks_done": len(finished_chunks(Path(out))),
        "runs_done": len(runs),
        "unique_ids": int(runs["run_id"].nunique()) if len(runs) else 0,
        "failed": len(failed),
        "errors": failed["error"].head(3).tolist() if len(failed) else [],
    }
