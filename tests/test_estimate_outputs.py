"""What an estimation writes besides its estimate: pairs that trade off, figures, and its report page.

Every estimation here is of `two_moments` (sum = a + b, difference = a - b, later = a * b): a few
hundred cheap runs in process.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

from analysis.estimation import estimate, load_estimation
from analysis.estimation.outputs import write_outputs

HEAD = """\
name = "{name}"
function = "simulation.sweep.testfunctions:two_moments"
budget = 40
batch = 4
seeds = 1
seed = 3
cutoff = 2024-06-30

[parameters]
a = {{ range = [0.2, 2.0] }}
b = {{ range = [0.2, 2.0] }}

[targets]
"""
# The values come from a = 0.9, b = 0.4. Fitting the product alone leaves a ridge a * b = 0.36 on
# which a and b make up for each other; fitting sum and difference pins both down, each on its own.
PRODUCT = (
    "later = { value = 0.36, scale = 0.05, date = 2024-01-01 }\n"
    "sum = { value = 1.3, scale = 0.05, date = 2025-01-01 }\n"
)
SEPARATE = (  # scales wide enough that a dozen points lie within the cut
    "sum = { value = 1.3, scale = 0.2, date = 2024-01-01 }\n"
    "difference = { value = 0.5, scale = 0.2, date = 2024-03-01 }\n"
    "later = { value = 0.36, scale = 0.2, date = 2025-01-01 }\n"
)


def run_estimation(folder: Path, name: str, targets: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(textwrap.dedent(HEAD.format(name=name)) + targets, encoding="utf-8")
    est = load_estimation(path)
    out = folder / name
    write_outputs(est, estimate(est, out, backend="serial", source=path), out)
    return out


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_estimation(tmp_path_factory.mktemp("est"), "product", PRODUCT)


@pytest.fixture(scope="module")
def separate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_estimation(tmp_path_factory.mktemp("est"), "separate", SEPARATE)


def test_parameters_that_enter_only_as_a_product_are_reported_as_trading_off(product):
    pairs = pd.read_csv(product / "identify.csv")
    assert list(pairs[["parameter", "other"]].itertuples(index=False, name=None)) == [("a", "b")]
    row = pairs.iloc[0]
    assert row["trades_off"] and row["correlation"] < -0.9, row  # more a, less b: a * b stays put
    assert row["points"] >= 5
    ratios = pd.read_csv(product / "estimate.csv").set_index("parameter")["width_ratio"]
    assert (ratios > 0.5).all(), ratios  # neither is pinned down alone
    assert row["width_ratio"] == ratios["a"] and row["width_ratio_other"] == ratios["b"]


def test_parameters_each_pinned_by_its_own_target_do_not_trade_off(separate):
    row = pd.read_csv(separate / "identify.csv").iloc[0]
    assert row["points"] >= 10 and abs(row["correlation"]) < 0.5 and not row["trades_off"], row
    ratios = pd.read_csv(separate / "estimate.csv")["width_ratio"]
    assert (ratios < 0.5).all(), ratios
