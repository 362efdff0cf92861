"""The supply chain's figure (issue 39): each firm's AI revenue per quarter, a panel per segment, read back
from the drawn lines against model.parquet's columns; and the report that holds it."""

import base64
import re
from html import unescape

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest

from analysis import metrics, plots
from analysis.load import load_results
from analysis.report import CAPTIONS, build_report
from simulation import run

QUICK = {"time.end": "2023-12-31", "investors.count": 100}  # a year of the baseline in about a second
QUARTER_ENDS = pd.to_datetime(["2023-03-31", "2023-06-30", "2023-09-30", "2023-12-31"])
PANELS = [
    "chip designers",
    "foundry",
    "equipment",
    "memory",
    "networking",
    "servers",
    "power",
    "platforms and clouds",
]


@pytest.fixture(scope="module")
def baseline():
    return run("baseline", seed=1, overrides=QUICK)


@pytest.fixture(scope="module")
def figure(baseline):
    return plots.figures_for(load_results(baseline))["supply_chain_revenue"]


def panels(fig) -> dict[str, object]:
    return {ax.get_gid().removeprefix("chain:"): ax for ax in fig.axes if ax.get_visible()}


def drawn(ax) -> dict[str, object]:
    """The panel's lines by their legend label."""
    return {ln.get_label(): ln for ln in ax.lines if str(ln.get_gid()).startswith("chain:")}


def by_quarter(model: pd.DataFrame, column: str) -> pd.Series:
    """The column summed over each 2023 quarter's rows, computed apart from the code under test."""
    quarter = model["date"].dt.quarter
    return model.groupby(quarter)[column].sum()


def test_a_panel_per_segment_in_the_chains_order_each_with_a_line_per_firm_by_its_label(baseline, figure):
    spec = baseline.scenario
    found = panels(figure)
    assert list(found) == PANELS
    assert [ln.get_label() for ln in found["chip designers"].lines] == [c.label for c in spec.chipmakers]
    for supplier in spec.suppliers:
        line = drawn(found[supplier.segment])[supplier.label]
        assert line.get_gid() == f"chain:{supplier.segment}:{supplier.label}"
    segments = {s: [x.label for x in spec.suppliers if x.segment == s] for s in PANELS[1:-1]}
    assert {s: list(drawn(found[s])) for s in segments} == segments  # no firm of another segment among them
    listed = [o.label for o in spec.owners if o.ticker]
    private = [o for o in spec.owners if not o.ticker]
    assert list(drawn(found["platforms and clouds"])) == [*listed, f"the other {len(private)} owners, summed"]
    for title, ax in found.items():
        legend = [t.get_text().replace("\n", " ") for t in ax.get_legend().get_texts()]
        assert legend == list(drawn(ax)), title
        assert ax.get_ylabel() == "USD bn per quarter" and ax.get_ylim()[0] == 0


def test_each_point_is_the_sum_of_the_firms_revenue_over_the_quarters_rows(baseline, figure):
    model, found = baseline.model, panels(figure)
    tsmc = drawn(found["foundry"])["TSM"]
    assert list(mdates.date2num(tsmc.get_xdata())) == list(mdates.date2num(QUARTER_ENDS))
    np.testing.assert_allclose(tsmc.get_ydata(), by_quarter(model, "revenue_ai_usd_TSM") * 1e-9, rtol=1e-12)
    nvidia = drawn(found["chip designers"])["NVDA"]
    np.testing.assert_allclose(nvidia.get_ydata(), by_quarter(model, "revenue_ai_usd_NVDA") * 1e-9, rtol=1e-12)
    assert nvidia.get_ydata().max() > 5 * tsmc.get_ydata().max()  # the foundry gets a part of each chip's cost
    others = [f"revenue_ai_usd_{o.label}" for o in baseline.scenario.owners if not o.ticker]
    summed = next(ln for label, ln in drawn(found["platforms and clouds"]).items() if label.endswith("summed"))
    expected = sum(by_quarter(model, c) for c in others) * 1e-9
    np.testing.assert_allclose(summed.get_ydata(), expected, rtol=1e-12)


def test_several_runs_draw_the_median_in_each_quarter(baseline):
    model = baseline.model
    column = "revenue_ai_usd_TSM"
    runs = [model.assign(**{column: model[column] * k}) for k in (1.0, 4.0, 2.0)]
    fig = plots.supply_chain_revenue(runs, {"foundry": [("TSM", [column])]}, step_days=7)
    (line,) = drawn(panels(fig)["foundry"]).values()
    np.testing.assert_allclose(line.get_ydata(), 2.0 * by_quarter(model, column) * 1e-9, rtol=1e-12)
    assert "median of 3 runs" in fig.get_suptitle()


def test_a_quarter_the_run_does_not_cover_whole_is_not_drawn(baseline):
    """A run ending mid-November has three whole quarters: half of the fourth would read as a fall."""
    model = baseline.model[baseline.model["date"] <= "2023-11-15"]
    sums = metrics.quarterly_sums(model, ["revenue_ai_usd_TSM"], step_days=7)
    assert list(sums.index) == list(QUARTER_ENDS[:3])
    assert metrics.quarterly_sums(baseline.model, ["revenue_ai_usd_TSM"], step_days=7).index.equals(
        pd.DatetimeIndex(QUARTER_ENDS)
    )


def test_a_scenario_without_suppliers_draws_the_designers_and_the_owners():
    no_suppliers = {**QUICK, "suppliers": [], "chipmakers.broadcom_xpu.division_of": None}
    result = load_results(run("baseline", seed=1, overrides=no_suppliers))
    found = panels(plots.figures_for(result)["supply_chain_revenue"])
    assert list(found) == ["chip designers", "platforms and clouds"]
    assert "NVDA" in drawn(found["chip designers"]) and "MSFT" in drawn(found["platforms and clouds"])


def test_the_report_holds_the_figure_with_its_caption(baseline):
    page = build_report([baseline])
    found = re.search(
        r'<figure id="fig-supply_chain_revenue"><img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="[^"]*">'
        r"<figcaption>(.*?)</figcaption></figure>",
        page,
    )
    assert found, "the report has no supply-chain figure"
    assert base64.b64decode(found.group(1)).startswith(b"\x89PNG")
    caption = unescape(found.group(2))
    assert caption == CAPTIONS["supply_chain_revenue"]
    assert "billions of US dollars per calendar quarter" in caption
    assert "share of its segment's flow" in caption


def test_the_packaging_figure_draws_the_foundry_s_capacity_and_use_from_their_columns(baseline):
    result = load_results(baseline)
    fig = plots.figures_for(result)["foundry_packaging"]
    lines = {ln.get_gid(): ln for ln in fig.axes[0].lines}
    model = baseline.model
    for gid, column in (
        ("packaging:capacity:median", "packaging_wafers_per_month_TSM"),
        ("packaging:used:median", "packaging_used_wafers_per_month_TSM"),
    ):
        y = np.asarray(lines[gid].get_ydata(), dtype=float)
        np.testing.assert_allclose(y, model[column].to_numpy() * 1e-3, rtol=1e-12)  # one run: its own values
    assert fig.axes[0].get_ylabel() == "thousand wafers a month"
    # a scenario whose foundry has no packaging draws no such figure
    without = run("baseline", seed=1, overrides={**QUICK, "suppliers.tsmc.packaging": None})
    assert "foundry_packaging" not in plots.figures_for(load_results(without))
