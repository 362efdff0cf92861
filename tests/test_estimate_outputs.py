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
from analysis.estimation.search import CUT

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


def tables(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return (
        pd.read_parquet(folder / "evaluations.parquet"),
        pd.read_csv(folder / "estimate.csv"),
        pd.read_csv(folder / "fit.csv"),
    )


def artist(fig, gid: str):
    found = [a for ax in fig.axes for a in (*ax.collections, *ax.lines, *ax.patches) if a.get_gid() == gid]
    assert len(found) == 1, f"expected one artist {gid!r}, found {len(found)}"
    return found[0]


def test_marginals_draw_every_evaluation_the_profile_and_the_interval_over_the_prior_range(product):
    from analysis import plots

    evaluations, intervals, _ = tables(product)
    fig = plots.estimate_marginals(evaluations, intervals, CUT)
    assert [ax.get_xlabel() for ax in fig.axes if ax.get_visible()] == ["a", "b"]
    for row in intervals.itertuples():
        dots = artist(fig, f"evaluations:{row.parameter}").get_offsets()
        assert len(dots) == len(evaluations) == 40
        assert sorted(dots[:, 0]) == sorted(evaluations[row.parameter])
        profile = artist(fig, f"profile:{row.parameter}").get_ydata()
        assert min(profile) == evaluations["distance"].min()  # the profile's floor is the best evaluation
        band = artist(fig, f"interval:{row.parameter}")  # a rectangle spanning the axes' height
        assert (band.get_x(), band.get_x() + band.get_width()) == pytest.approx((row.lo, row.hi))
        assert artist(fig, f"cut:{row.parameter}").get_ydata()[0] == pytest.approx(
            evaluations["distance"].min() + 3.841, abs=1e-3
        )
        ax = artist(fig, f"profile:{row.parameter}").axes
        assert ax.get_xlim() == (row.prior_lo, row.prior_hi) and ax.get_ylabel() == "distance"


def test_the_pair_plot_shows_every_point_coloured_by_its_distance(product):
    from analysis import plots

    evaluations = tables(product)[0]
    fig = plots.estimate_pairs(evaluations, ["a", "b"], CUT)
    dots = artist(fig, "pair:a:b")
    assert len(dots.get_offsets()) == len(evaluations)
    above = evaluations["distance"] - evaluations["distance"].min()
    assert sorted(dots.get_array()) == pytest.approx(sorted(above))
    assert (dots.axes.get_xlabel(), dots.axes.get_ylabel()) == ("a", "b")
    assert any(ax.get_ylabel() == "distance above the best" for ax in fig.axes)  # the colour bar


def test_the_fit_figure_marks_fitted_and_predicted_targets_apart_before_and_after(product):
    from analysis import plots

    _, _, fit = tables(product)
    fig = plots.estimate_fit(fit)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["later", "sum"]  # fitted first, then predicted
    for sample, target in (("in-sample", "later"), ("out-of-sample", "sum")):
        row = fit.set_index("target").loc[target]
        assert artist(fig, f"before:{sample}").get_offsets()[:, 0].tolist() == [row["miss_before"]]
        assert artist(fig, f"after:{sample}").get_offsets()[:, 0].tolist() == [row["miss_after"]]
    assert artist(fig, "before:in-sample").get_facecolor()[0].tolist() == [1, 1, 1, 1]  # before: open
    assert "in the target's scale" in ax.get_xlabel()


def test_airace_report_on_an_estimation_folder_gives_its_one_page(product, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "report.html"
    result = subprocess.run(
        [sys.executable, "-m", "simulation.apps.cli", "report", str(product), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "<h1>AI Race Simulator: estimation product</h1>" in page
    for heading in ("The estimate", "What the intervals mean", "Identifiability", "The fit", "Figures"):
        assert f"<h2>{heading}</h2>" in page
    for figure in ("estimate_marginals", "estimate_pairs", "estimate_fit"):
        assert f'<figure id="fig-{figure}"><img src="data:image/png;base64,' in page
    assert "<li>a and b trade off (rank correlation -" in page
    assert "out-of-sample" in page and "in-sample" in page  # the fit table, each target marked
    assert "40 evaluations" in page and "cutoff 2024-06-30" in page


def test_report_on_an_unfinished_estimation_exits_2_with_one_line(product, tmp_path):
    import shutil
    import subprocess
    import sys

    folder = tmp_path / "unfinished"
    shutil.copytree(product, folder)
    (folder / "estimate.csv").unlink()
    result = subprocess.run(
        [sys.executable, "-m", "simulation.apps.cli", "report", str(folder), "--out", str(tmp_path / "r.html")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "--resume" in result.stderr and "Traceback" not in result.stderr
