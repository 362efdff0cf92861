"""The layers, each importing only those below it: scenario <- model <- running <- analysis <- apps.

An `ast` walk over every module of `simulation/` and `analysis/` reads every import, those inside
functions and under TYPE_CHECKING included, and fails on one that reaches a higher layer: the model
importing `analysis`, a runner importing the CLI, analysis importing the dashboard.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The layer of each module, by the longest dotted prefix that names it; higher numbers sit above.
LAYERS = {
    "simulation.scenario": 0,
    "simulation.tech": 1,
    "simulation.sums": 1,
    "simulation.measures": 1,
    "simulation.records": 1,
    "simulation.events": 1,
    "simulation.scripted": 1,
    "simulation.observation": 1,
    "simulation.firms": 1,
    "simulation.agents": 1,
    "simulation.markets": 1,
    "simulation.model": 1,
    "simulation.runner": 2,
    "simulation.pool": 2,
    "simulation.sweep": 2,
    "simulation": 2,  # the package's front door re-exports model, runner and scenario
    "analysis": 3,
    "simulation.apps": 4,  # the airace CLI and the dashboard
}
NAMES = {0: "scenario", 1: "model", 2: "running", 3: "analysis", 4: "apps"}


def layer(module: str) -> int:
    """The layer of a dotted module name (the longest prefix listed in LAYERS)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in LAYERS:
            return LAYERS[prefix]
    raise KeyError(f"{module} is in no layer: add it to LAYERS")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


NAMED = re.compile(r"^(simulation|analysis)(\.\w+)+(:\w+)?$")  # a module, or 'module:function', in a string


def imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, module) of every import of the project's own packages in a file, and of every module a string
    names for importing by name (`importlib.import_module("analysis.x")`, `"analysis.x:f"`), which would
    reach a higher layer just as surely as an import statement."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from simulation import tech` imports simulation.tech
            names = [f"{base}.{alias.name}" if base in ("simulation", "analysis") else base for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and NAMED.match(node.value):
            names = [node.value.partition(":")[0]]
        else:
            continue
        out += [(node.lineno, name) for name in names if name.split(".")[0] in ("simulation", "analysis")]
    return out


def violations(files: list[Path], root: Path = ROOT) -> list[str]:
    found = []
    for path in files:
        own = layer(module_name(path, root))
        for line, target in imports(path, root):
            target_layer = layer(target)
            if target_layer > own:
                where = f"{path.relative_to(root)}:{line}"
                found.append(f"{where}: the {NAMES[own]} layer imports {target} ({NAMES[target_layer]})")
    return found


def project_files() -> list[Path]:
    return sorted([*(ROOT / "simulation").rglob("*.py"), *(ROOT / "analysis").rglob("*.py")])


def test_no_module_imports_a_layer_above_its_own():
    assert violations(project_files()) == []


def test_every_module_has_a_layer():
    for path in project_files():
        layer(module_name(path))


@pytest.mark.parametrize(
    ("module", "source", "reached"),
    [
        ("simulation/model.py", "from analysis.metrics import gap_months\n", "analysis.metrics"),
        ("simulation/runner.py", "def f():\n    from analysis import metrics\n", "analysis.metrics"),
        ("simulation/agents/lab.py", "from simulation import runner\n", "simulation.runner"),
        ("analysis/report.py", "import simulation.apps.cli\n", "simulation.apps.cli"),
        ("simulation/scenario.py", "from simulation.model import AIRaceModel\n", "simulation.model"),
        ("simulation/sweep/executors.py", 'MEASURE = "analysis.calibration:measure_targets"\n', "analysis.calibration"),
        ("simulation/runner.py", 'importlib.import_module("analysis.metrics")\n', "analysis.metrics"),
    ],
)
def test_the_contract_catches_an_import_that_breaks_the_layers(tmp_path, module, source, reached):
    """Each of these imports, written into a module at that place of a copy of the tree, is reported."""
    path = tmp_path / module
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding="utf-8")
    found = violations([path], root=tmp_path)
    assert len(found) == 1 and reached in found[0], found


def test_the_contract_lets_a_layer_import_those_below():
    """The CLI may import analysis and the runner; analysis may import the runner and the scenario."""
    assert (
        layer("simulation.apps.cli") > layer("analysis.report") > layer("simulation.runner") > layer("simulation.model")
    )
    assert layer("simulation.model") > layer("simulation.scenario")
