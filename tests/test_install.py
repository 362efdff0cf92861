"""A non-editable install works: the wheel carries the built-in scenarios, and `airace` runs one from a
folder outside the source tree, reading the scenarios from the installed package."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from simulation.runner import FILES

REPO = Path(__file__).resolve().parent.parent


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # nothing may point at the source tree
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)
    assert done.returncode == 0, f"{' '.join(map(str, args))}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment with the wheel of this checkout installed in it (not editable); its folder."""
    root = tmp_path_factory.mktemp("install")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", root / "dist", REPO)
    (wheel,) = (root / "dist").glob("airace-*.whl")
    venv = root / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    _run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-deps", "--quiet", wheel)
    # The dependencies (mesa, pandas, ...) come from this test's environment rather than a download: a path
    # file puts its site-packages after the new environment's own, which holds the installed `simulation`.
    # This checkout's editable install is itself a .pth file there, which a path line does not process.
    site = Path(
        _run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    )
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "airace_test_dependencies.pth").write_text("\n".join(ours) + "\n")
    return venv


@pytest.mark.slow
def test_the_installed_package_runs_a_builtin_scenario_from_another_folder(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    airace = installed / "bin" / "airace"
    _run(airace, "run", "baseline", "--set", "time.end=2023-03-31", "--out", "out", "--quiet", cwd=elsewhere)
    (folder,) = (elsewhere / "out").glob("seed_*")
    assert all((folder / name).is_file() for name in FILES)
    story = tomllib.loads((folder / "scenario.toml").read_text(encoding="utf-8"))["story"]
    assert story.startswith("Baseline: the AI race as it stood on 1 January 2023")  # the packaged file's header
    # the built-in scenarios were read from the installed package, not from this source tree
    where = _run(
        installed / "bin" / "python",
        "-c",
        "from simulation.scenario import SCENARIO_DIR; print(SCENARIO_DIR)",
        cwd=elsewhere,
    )
    assert Path(where.strip()).is_relative_to(installed)
    # every built-in ships, and `extends = "baseline.toml"` finds the baseline beside it in the package
    listed = [line.split()[0] for line in _run(airace, "list", cwd=elsewhere).splitlines()]
    assert listed == sorted(p.stem for p in (REPO / "scenarios").glob("*.toml"))
    assert _run(airace, "validate", *listed, cwd=elsewhere).splitlines() == [f"{name}: ok" for name in listed]
