"""The DeepSeek-moment notebook: stored without outputs, and every cell runs, top to bottom, as a student
would run it, in under two minutes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "deepseek_moment.ipynb"
BUDGET_S = 120


def test_notebook_is_stored_without_outputs():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code, "the notebook has no code cells"
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code), (
        "strip the outputs before committing: jupyter nbconvert --clear-output --inplace " + str(NOTEBOOK)
    )


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="pip install -e '.[dev,teach]' installs nbformat")
    nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[dev,teach]' installs nbclient")
    pytest.importorskip("ipykernel", reason="pip install -e '.[dev,teach]' installs ipykernel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    started = time.monotonic()
    # Run from the repository root, as `jupyter lab` started there would; a failing cell raises.
    client = nbclient.NotebookClient(
        nb, timeout=BUDGET_S, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent.parent)}}
    )
    client.execute()
    took = time.monotonic() - started
    nbformat.write(nb, tmp_path / NOTEBOOK.name)  # the executed copy, for a look when something is off
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 4, "every figure should show"
    assert took < BUDGET_S, f"the notebook took {took:.0f} s; a lesson's notebook must run in under {BUDGET_S} s"
