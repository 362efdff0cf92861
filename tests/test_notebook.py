"""The DeepSeek-moment notebook: stored without outputs; every cell runs, top to bottom, as a student would
run it, in under two minutes; and every figure its text names is what its own cells compute."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "deepseek_moment.ipynb"
BUDGET_S = 120

# What the notebook's text says of its own results: a pattern of its markdown, with the figure it names as
# its group (or no group, for a statement), and what the notebook's own variables give for it, evaluated
# in its kernel after the last cell. A figure "about x" must be the computed one to within the tolerance;
# a statement's expression must be true. A change of the model that moves a result fails here until the
# text is rewritten to match.
CLAIMS = [
    (
        r"DeepSeek's capability jumps by about (\d+(?:\.\d+)?)",
        "float(capability['deepseek'].loc['2025-02-09'] - capability['deepseek'].loc['2025-01-19'])",
        0.05,
    ),
    (
        r"which takes it just past ByteDance's, China's leading lab until then",
        "bool(week['deepseek'] == week[china].max() and before['bytedance'] == before[china].max())",
        None,
    ),
    (
        r"At the end of February the shock's gap is about (\d+(?:\.\d+)?) months shorter",
        "float(gaps.loc['2025-02-28', 'baseline'] - gaps.loc['2025-02-28', 'shock'])",
        0.15,
    ),
    (
        r"by June the two are the same",
        "bool(abs(gaps.loc['2025-06-01', 'baseline'] - gaps.loc['2025-06-01', 'shock']) < 0.05)",
        None,
    ),
    (r"NVIDIA falls by about (\d+(?:\.\d+)?)% on 27 January", "-100 * float(window.loc[0, 'belief -0.20'])", 1.0),
    (r"\(−0\.8\) it falls by about (\d+(?:\.\d+)?)%", "-100 * float(window.loc[0, 'belief -0.80'])", 1.5),
    (r"\(\+0\.5\) it rises by about (\d+(?:\.\d+)?)%", "100 * float(window.loc[0, 'belief +0.50'])", 3.0),
    (r"it is still about (\d+(?:\.\d+)?)% down the next day", "-100 * float(window.loc[1, 'belief -0.20'])", 1.0),
    (r"five weeks later it stands about (\d+(?:\.\d+)?)% above", "100 * float(window.loc[35, 'belief -0.20'])", 2.0),
    (
        r"China\s+has about (\d+(?:\.\d+)?) times as much with no export controls",
        "float(open_market.model['compute_flops_CN'].iloc[-1] / strict.model['compute_flops_CN'].iloc[-1])",
        0.2,
    ),
    (
        r"China's best model trails the US's by about (\d+(?:\.\d+)?) months with no\s+export controls",
        "float(metrics.gap_at(open_market.model, ['2025-06-01']).iloc[0])",
        0.15,
    ),
    (
        r"and by about (\d+(?:\.\d+)?) months with every rule fully enforced",
        "float(metrics.gap_at(strict.model, ['2025-06-01']).iloc[0])",
        0.15,
    ),
    (
        r"US labs distil each other too",
        "bool(any(blocs[a] == blocs[c] == 'US' for a, c in zip(distils['actor'], distils['counterpart'])))",
        None,
    ),
    (
        r"look for Anthropic\s+distilling OpenAI",
        "bool(((distils['actor'] == 'anthropic') & (distils['counterpart'] == 'openai')).any())",
        None,
    ),
]
SETUP = """
blocs = {lab.id: lab.bloc for lab in wave.scenario.labs}
china = [lab.id for lab in shock.scenario.labs if lab.bloc == "CN"]
week = capability.loc["2025-02-09"]  # the week after the release
before = capability.loc["2025-01-19"]  # the week before it
"""


def test_notebook_is_stored_without_outputs():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code, "the notebook has no code cells"
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code), (
        "strip the outputs before committing: jupyter nbconvert --clear-output --inplace " + str(NOTEBOOK)
    )


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook run top to bottom, with one cell more at the end that computes CLAIMS' expressions;
    the executed notebook, the seconds its own cells took, and the computed figures."""
    nbformat = pytest.importorskip("nbformat", reason="pip install -e '.[dev,teach]' installs nbformat")
    nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[dev,teach]' installs nbclient")
    pytest.importorskip("ipykernel", reason="pip install -e '.[dev,teach]' installs ipykernel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    own = len(nb.cells)
    figures = "{" + ", ".join(f"{i}: {expression}" for i, (_, expression, _) in enumerate(CLAIMS)) + "}"
    nb.cells.append(nbformat.v4.new_code_cell(f"import json\n{SETUP}\nprint(json.dumps({figures}))"))
    # Run from the repository root, as `jupyter lab` started there would; a failing cell raises.
    client = nbclient.NotebookClient(
        nb, timeout=BUDGET_S, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent.parent)}}
    )
    timings = []
    started = time.monotonic()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
            if index == own - 1:
                timings.append(time.monotonic() - started)
    nbformat.write(nb, tmp_path_factory.mktemp("notebook") / NOTEBOOK.name)  # for a look when something is off
    computed = json.loads(nb.cells[-1].outputs[0]["text"])
    nb.cells.pop()
    return nb, timings[0], {int(k): v for k, v in computed.items()}


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(executed):
    nb, took, _ = executed
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 4, "every figure should show"
    assert took < BUDGET_S, f"the notebook took {took:.0f} s; a lesson's notebook must run in under {BUDGET_S} s"


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(CLAIMS)), ids=[re.sub(r"\W+", "_", c[0])[:40] for c in CLAIMS])
def test_the_notebooks_text_says_what_its_cells_show(executed, index):
    nb, _, computed = executed
    pattern, expression, tolerance = CLAIMS[index]
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    found = re.search(pattern, text)
    assert found, f"the notebook's text no longer says {pattern!r}: update CLAIMS with it"
    value = computed[index]
    if tolerance is None:
        assert value is True, f"the text says {found.group(0)!r}, but {expression} is false in its own run"
    else:
        said = float(found.group(1))
        assert abs(said - value) <= tolerance, f"the text says {found.group(0)!r}; its own cells give {value:.3g}"
