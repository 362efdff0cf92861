"""analysis.plots against its data: what is drawn is the metric's values, events sit at their dates."""

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analysis import metrics, plots
from tests.drawn import overlapping_labels

DATES = pd.date_range("2025-01-01", periods=60, freq="D")


def synthetic(seed: int, dates: pd.DatetimeIndex = DATES) -> pd.DataFrame:
    """A small model table shaped like model.parquet, different for each replicate."""
    rng = np.random.default_rng(seed)

    def walk(scale: float) -> np.ndarray:
        return np.exp(np.cumsum(rng.normal(0, scale, len(dates))))

    price = 100 * walk(0.03)
    return pd.DataFrame(
        {
            "date": dates,
            "gap_months": 6 + np.cumsum(rng.normal(0, 0.1, len(dates))),
            "gap_capability": np.linspace(0.5, -0.1, len(dates)),
            "frontier_capability_US": 26 + np.linspace(0, 1, len(dates)) + rng.normal(0, 0.05),
            "frontier_capability_CN": 25.5 + np.linspace(0, 1.2, len(dates)) + rng.normal(0, 0.05),
            "largest_run_flop_US": 1e25 * walk(0.01),
            "largest_run_flop_CN": 1e25 * walk(0.01),
            "compute_flops_US": 1e20 * walk(0.01),
            "chips_legal_US": rng.uniform(1000, 2000, len(dates)),
            "chips_leaked_US": np.zeros(len(dates)),
            "compute_flops_CN": 2e19 * walk(0.01),
            "chips_legal_CN": rng.uniform(0, 300, len(dates)),
            "chips_leaked_CN": rng.uniform(0, 100, len(dates)),
            "price_NVDA": price,
            "market_cap_usd_NVDA": price * 2.4e10,
            "price_AMD": 50 * walk(0.04),
            "market_cap_usd_AMD": 50 * walk(0.04) * 1.6e9,
            "ai_index": 100 * walk(0.02),
        }
    )


MODELS = [synthetic(s) for s in range(5)]
EVENTS = pd.DataFrame(
    {
        "date": pd.to_datetime(["2025-01-20", "2025-01-27", "2026-06-01"]),
        "label": ["deepseek breakthrough", "investors notice", "after the end"],
    }
)


def line(fig: Figure, gid: str):
    found = [ln for ax in fig.axes for ln in ax.lines if ln.get_gid() == gid]
    assert len(found) == 1, f"expected one line {gid!r}, found {len(found)}"
    return found[0]


def event_lines(ax) -> dict[str, float]:
    return {ln.get_gid().removeprefix("event:"): ln.get_xdata()[0] for ln in ax.lines if "event:" in str(ln.get_gid())}


def test_frontier_fan_plots_the_median_and_bands_of_the_replicates():
    fig = plots.frontier_by_bloc(MODELS, EVENTS)
    for bloc in ("US", "CN"):
        bands = metrics.replicate_bands(metrics.replicate_table(MODELS, f"frontier_capability_{bloc}"))
        median = line(fig, f"frontier:{bloc}:median")
        np.testing.assert_allclose(median.get_ydata(), bands["q50"])
        assert list(mdates.date2num(median.get_xdata())) == list(mdates.date2num(DATES))
        gids = {c.get_gid() for c in fig.axes[0].collections}
        assert {f"frontier:{bloc}:q10-q90", f"frontier:{bloc}:q25-q75"} <= gids
        outer = next(c for c in fig.axes[0].collections if c.get_gid() == f"frontier:{bloc}:q10-q90")
        ys = outer.get_paths()[0].vertices[:, 1]
        assert ys.min() == pytest.approx(bands["q10"].min()) and ys.max() == pytest.approx(bands["q90"].max())
    assert "capability" in fig.axes[0].get_ylabel() and fig.axes[0].get_xlabel() == "date"


def test_gap_marks_each_event_inside_the_run_at_its_date_with_its_label():
    fig = plots.gap_over_time(MODELS, EVENTS, leader="US", laggard="CN")
    ax = fig.axes[0]
    np.testing.assert_allclose(
        line(fig, "gap:median").get_ydata(), metrics.replicate_table(MODELS, "gap_months").median(axis=1)
    )
    marks = event_lines(ax)
    assert marks.keys() == {"deepseek breakthrough", "investors notice"}  # the third is after the last row
    for label, x in marks.items():
        date = EVENTS.loc[EVENTS.label == label, "date"].iloc[0]
        assert mdates.date2num(x) == mdates.date2num(date)
    labels = " ".join(t.get_text() for t in ax.texts if t.get_gid() == "event-label")
    assert "deepseek breakthrough" in labels and "investors notice" in labels
    assert ax.get_ylabel() == "gap (months)"


def test_the_overlap_check_judges_labels_that_touch_as_overlapping():
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    one = ax.text(0.1, 0.5, "one label")
    FigureCanvasAgg(fig).draw()
    right = one.get_window_extent().x1
    ax.text(*ax.transData.inverted().transform((right, one.get_window_extent().y0)), "another label")
    assert overlapping_labels(fig) == [("one label", "another label")]


def test_labels_of_events_days_apart_each_stand_apart_from_the_others():
    """A policy brief's reader sees each event's name: "DeepSeek breakthrough" and "investors notice
    DeepSeek" a week apart, the end of one rule and the next a month apart, on three years of markets
    (narrowed by their legends), each a label of its own, none touching another."""
    dates = pd.date_range("2023-01-01", "2025-12-31", freq="D")
    events = pd.DataFrame(
        {
            "date": pd.to_datetime(["2023-10-17", "2025-01-20", "2025-01-27", "2025-07-14", "2025-08-11"]),
            "label": [
                "BIS rule of Oct 2023",
                "DeepSeek breakthrough",
                "investors notice DeepSeek",
                "BIS rule of Apr 2025 ends",
                "BIS rule of Aug 2025",
            ],
        }
    )
    fig = plots.markets([synthetic(s, dates) for s in range(3)], events)
    for ax in fig.axes:
        assert sorted(t.get_text() for t in ax.texts if t.get_gid() == "event-label") == sorted(events["label"])
    assert overlapping_labels(fig) == []


def test_single_run_draws_a_line_without_bands():
    fig = plots.gap_over_time(MODELS[:1])
    np.testing.assert_allclose(line(fig, "gap:median").get_ydata(), MODELS[0]["gap_months"])
    assert not [c for c in fig.axes[0].collections if str(c.get_gid()).startswith("gap:")]


def test_markets_plot_prices_caps_and_index_with_events():
    fig = plots.markets(MODELS, EVENTS)
    assert len(fig.axes) == 3
    np.testing.assert_allclose(
        line(fig, "price:NVDA:median").get_ydata(), metrics.replicate_table(MODELS, "price_NVDA").median(axis=1)
    )
    np.testing.assert_allclose(
        line(fig, "market_cap:AMD:median").get_ydata(),
        metrics.replicate_table(MODELS, "market_cap_usd_AMD").median(axis=1) / 1e9,
    )
    np.testing.assert_allclose(
        line(fig, "ai_index:median").get_ydata(), metrics.replicate_table(MODELS, "ai_index").median(axis=1)
    )
    for ax in fig.axes:
        assert "(" in ax.get_ylabel()  # a unit on every axis
        assert set(event_lines(ax)) == {"deepseek breakthrough", "investors notice"}


def test_event_study_plots_cumulative_returns_in_percent_around_the_event():
    day = pd.Timestamp("2025-01-27")
    fig = plots.event_study(MODELS, day, before=5, after=20, events=EVENTS)
    ax = fig.axes[0]
    windows = [metrics.event_window_returns(m, day, 5, 20) for m in MODELS]
    for name in ("NVDA", "AMD", "ai_index"):
        drawn = line(fig, f"event_study:{name}:median")
        assert list(drawn.get_xdata()) == list(range(-5, 21))
        expected = pd.concat([w[name] for w in windows], axis=1).median(axis=1) * 100
        np.testing.assert_allclose(drawn.get_ydata(), expected)
    # the events are marked in days from the shock: the breakthrough 7 days before is outside the window
    assert event_lines(ax) == {"investors notice": 0}
    assert ax.get_ylabel() == "cumulative return (%)"
    assert ax.get_title(loc="left").startswith("Cumulative return around 2025-01-27")  # the title names its output
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "NVDA" in labels  # these runs record no value lost: the label is the ticker alone


def test_event_study_labels_give_the_median_value_lost_on_the_day():
    day = pd.Timestamp("2025-01-27")
    models = []
    for i, m in enumerate(MODELS[:3]):
        m = m.copy()
        m["value_lost_usd_NVDA"] = np.where(m["date"] == day, (500 + 50 * i) * 1e9, 0.0)  # median $550B
        m["value_lost_usd_AMD"] = 0.0
        m["value_lost_usd"] = m["value_lost_usd_NVDA"]
        models.append(m)
    fig = plots.event_study(models, day)
    labels = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_legend().get_texts()]  # wrapped to fit
    assert "NVDA, $550B lost on the day" in labels
    assert "AI index, $550B lost on the day" in labels


def _log(*rows: tuple) -> pd.DataFrame:
    """An event log shaped like events.parquet from (date, kind, actor, subject, channel, value) rows."""
    frame = pd.DataFrame(rows, columns=["date", "kind", "actor", "subject", "channel", "value"])
    return frame.assign(
        date=pd.to_datetime(frame["date"]), text=[f"text of {a} {k}" for k, a in frame[["kind", "actor"]].values]
    )


NEWS = _log(
    ("2025-01-10", "breakthrough", "bytedance", "", "closed_weights", 20.0),  # random: markets meet it that day
    ("2025-01-20", "breakthrough", "deepseek", "r1", "open_weights", 4.0),  # scripted, noticed a week later
    ("2025-01-27", "attention", "investors", "r1", "", np.nan),
    ("2025-01-30", "funding", "openai", "", "", 1e9),  # not news that moves chip stocks
)


def _falling_on(day: str, fall: float) -> pd.DataFrame:
    model = synthetic(0).assign(price_NVDA=100.0, price_AMD=50.0)
    model.loc[model["date"] >= pd.Timestamp(day), ["price_NVDA", "price_AMD"]] *= 1 - fall
    return model


def test_news_dates_a_scripted_breakthrough_when_markets_notice_it():
    told = metrics.news(NEWS)
    assert list(told["label"]) == ["bytedance breakthrough (20x, closed)", "deepseek breakthrough (4x, open)"]
    assert list(told["seen"]) == [pd.Timestamp("2025-01-10"), pd.Timestamp("2025-01-27")]


def test_each_fall_is_put_down_to_the_latest_news_of_the_month_before_it():
    cases = {1: ("2025-01-28", 0.2), 2: ("2025-01-15", 0.1), 3: ("2025-02-28", 0.05)}
    causes = pd.concat(
        [metrics.fall_causes(_falling_on(day, fall), NEWS).assign(seed=seed) for seed, (day, fall) in cases.items()]
    )
    nvda = causes[causes["ticker"] == "NVDA"].set_index("seed")
    assert nvda.loc[1, "cause"] == "deepseek breakthrough (4x, open)"  # seen the 27th, not made the 20th
    assert nvda.loc[2, "cause"] == "bytedance breakthrough (20x, closed)"
    assert nvda.loc[3, "cause"] == ""  # the last news was 32 days before
    np.testing.assert_allclose(nvda["fall"], [0.2, 0.1, 0.05])

    fig = plots.largest_drops(causes)
    ax = fig.axes[0]
    widths = sorted(p.get_width() for p in ax.patches)
    np.testing.assert_allclose(widths, [5, 10, 20])
    ticks = sorted(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True), reverse=True)
    assert [text for _, text in ticks] == [  # the first seed on top
        "seed 1, 2025-01-28: deepseek breakthrough (4x, open)",
        "seed 2, 2025-01-15: bytedance breakthrough (20x, closed)",
        "seed 3, 2025-02-28: no news in the month before",
    ]
    assert ax.get_title(loc="left") == "Largest one-step fall of NVDA in each run, and the news before it"


def test_compute_is_drawn_per_bloc_on_a_log_scale_and_chip_flows_split_legal_and_leaked():
    fig = plots.compute_and_chips(MODELS, EVENTS)
    top, bottom = fig.axes
    assert top.get_yscale() == "log"  # China's tenth of US compute stays visible
    for bloc in ("US", "CN"):
        median = metrics.replicate_table(MODELS, f"compute_flops_{bloc}").median(axis=1)
        np.testing.assert_allclose(line(fig, f"compute:{bloc}:median").get_ydata(), median)
    flows = [metrics.chip_flows(m, "QE") for m in MODELS]
    for bloc, channel in (("US", "legal"), ("CN", "legal"), ("CN", "leaked")):
        per_run = pd.concat(
            [f[(f.bloc == bloc) & (f.channel == channel)].set_index("date")["chips"] for f in flows], axis=1
        )
        np.testing.assert_allclose(
            line(fig, f"chips:{bloc}:{channel}:median").get_ydata(), per_run.median(axis=1) / 1e3
        )
    assert line(fig, "chips:CN:leaked:median").get_linestyle() == "--"
    assert not [ln for ln in bottom.lines if ln.get_gid() == "chips:US:leaked:median"]  # no leaks, no line
    assert "FLOP/s" in top.get_ylabel() and "chips" in bottom.get_ylabel()


def test_chips_made_at_home_are_drawn_apart_from_imported_ones():
    models = [
        m.assign(chips_domestic_US=m["chips_legal_US"], chips_domestic_CN=m["chips_legal_CN"] / 4) for m in MODELS
    ]
    fig = plots.chip_flows(models)
    legal = pd.concat(
        [metrics.chip_flows(m, "QE").query("bloc == 'CN' and channel == 'legal'")["chips"] for m in models], axis=1
    )
    domestic = legal / 4
    np.testing.assert_allclose(line(fig, "chips:CN:domestic:median").get_ydata(), domestic.median(axis=1) / 1e3)
    np.testing.assert_allclose(
        line(fig, "chips:CN:imported:median").get_ydata(), (legal - domestic).median(axis=1) / 1e3
    )
    assert line(fig, "chips:CN:domestic:median").get_linestyle() == ":"
    assert not [ln for ln in fig.axes[0].lines if ln.get_gid() == "chips:US:imported:median"]  # all made at home


def test_chips_rented_abroad_are_drawn_as_their_own_channel():
    models = [m.assign(chips_rented_US=0.0, chips_rented_CN=m["chips_leaked_CN"] * 2) for m in MODELS]
    fig = plots.chip_flows(models)
    rented = pd.concat(
        [metrics.chip_flows(m, "QE").query("bloc == 'CN' and channel == 'rented'")["chips"] for m in models], axis=1
    )
    leaked = pd.concat(
        [metrics.chip_flows(m, "QE").query("bloc == 'CN' and channel == 'leaked'")["chips"] for m in models], axis=1
    )
    np.testing.assert_allclose(rented.to_numpy(), 2 * leaked.to_numpy())
    np.testing.assert_allclose(line(fig, "chips:CN:rented abroad:median").get_ydata(), rented.median(axis=1) / 1e3)
    assert line(fig, "chips:CN:rented abroad:median").get_linestyle() == "-."
    assert not [ln for ln in fig.axes[0].lines if ln.get_gid() == "chips:US:rented abroad:median"]  # none rented


def test_chip_flow_lines_differ_in_marker_so_they_read_in_grey_print():
    """Printed in grey the blocs' colours look alike: each channel has its marker and each bloc its fill."""
    models = [
        m.assign(
            chips_domestic_US=m["chips_legal_US"] / 2,
            chips_domestic_CN=m["chips_legal_CN"] / 4,
            chips_rented_US=0.0,
            chips_rented_CN=m["chips_leaked_CN"] * 2,
        )
        for m in MODELS
    ]
    ax = plots.chip_flows(models).axes[0]
    lines = [ln for ln in ax.lines if str(ln.get_gid()).startswith("chips:")]
    assert len(lines) == 6  # US imported and domestic; CN imported, domestic, leaked, rented abroad
    looks = [(ln.get_marker(), ln.get_fillstyle()) for ln in lines]
    assert "None" not in {m for m, _ in looks} and len(set(looks)) == len(lines)
    cn = [ln.get_marker() for ln in lines if ln.get_gid().startswith("chips:CN:")]
    assert len(set(cn)) == 4  # China's four channels, one colour, four markers
    legend = ax.get_legend()
    shown = {t.get_text(): h for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)}
    assert shown["CN leaked"].get_marker() != shown["CN rented abroad"].get_marker()  # the legend shows them


def test_compare_scenarios_draws_one_fan_per_scenario():
    fig = plots.compare_scenarios({"weak": MODELS[:2], "strong": MODELS[2:]}, "ai_index")
    np.testing.assert_allclose(
        line(fig, "compare:strong:median").get_ydata(), metrics.replicate_table(MODELS[2:], "ai_index").median(axis=1)
    )
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()][:2] == ["weak", "strong"]
    assert fig.axes[0].get_ylabel() == "AI index (start = 100)"


def test_figures_compose_into_axes_the_caller_gives():
    fig = Figure(figsize=(12, 4))
    left, right = fig.subplots(1, 2)
    assert plots.frontier_by_bloc(MODELS, ax=left) is fig
    assert plots.gap_over_time(MODELS, ax=right) is fig
    assert len(fig.axes) == 2 and left.lines and right.lines


def test_sweep_heatmap_shows_the_median_over_replicates_in_each_cell():
    table = pd.DataFrame(
        {
            "enforcement": [0.5, 0.5, 0.5, 0.9, 0.9, 0.5, 0.9],
            "jevons": [0.0, 0.0, 0.0, 0.0, 0.0, 0.3, 0.3],
            "gap_months": [1.0, 2.0, 9.0, 4.0, 6.0, 7.0, 8.0],
        }
    )
    fig = plots.sweep_heatmap(table, x="enforcement", y="jevons", outcome="gap_months")
    ax = fig.axes[0]
    image = next(i for i in ax.images if i.get_gid() == "heatmap")
    np.testing.assert_allclose(image.get_array(), [[2.0, 5.0], [7.0, 8.0]])  # rows: jevons, columns: enforcement
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.5", "0.9"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("enforcement", "jevons")
    assert "gap (months)" in fig.axes[1].get_ylabel()  # the colour bar names the outcome and its unit


def test_a_sampled_design_is_binned_so_that_cells_hold_runs_and_labels_stay_apart():
    """An LHS sweep has a new value in every run: a cell per value would be 300 one-run cells with ticks
    on top of each other. Six bins a side, labelled by their bounds, each the median of its runs."""
    rng = np.random.default_rng(1)
    table = pd.DataFrame({"enforcement": rng.uniform(0.3, 0.9, 300), "jevons": rng.uniform(-0.5, 0.5, 300)})
    table["gap_months"] = 10 * table["enforcement"] + rng.normal(0, 0.1, 300)
    fig = plots.sweep_heatmap(table, x="enforcement", y="jevons", outcome="gap_months")
    ax = fig.axes[0]
    image = next(i for i in ax.images if i.get_gid() == "heatmap")
    assert image.get_array().shape == (6, 6)
    labels = [t.get_text().replace("\n", "") for t in ax.get_xticklabels()]
    lo, hi = table["enforcement"].min(), table["enforcement"].max()
    assert labels[0] == f"{lo:.3g}–{lo + (hi - lo) / 6:.3g}" and labels[-1].endswith(f"{hi:.3g}")
    first = table[table["enforcement"] <= lo + (hi - lo) / 6]
    first_cell = first[first["jevons"] <= table["jevons"].min() + (table["jevons"].max() - table["jevons"].min()) / 6]
    assert image.get_array()[0, 0] == pytest.approx(first_cell["gap_months"].median())
    assert overlapping_labels(fig) == []


def test_sensitivity_bars_show_each_index_with_its_confidence_interval():
    indices = pd.DataFrame(
        {
            "parameter": ["a", "a", "b", "b"],
            "index": ["S1", "ST", "S1", "ST"],
            "value": [0.1, 0.2, 0.5, 0.7],
            "conf": [0.01, 0.02, 0.05, 0.07],
        }
    )
    fig = plots.sensitivity_bars(indices, "gap_months.end")
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "Sensitivity of gap_months.end to each parameter"  # names its output
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]  # most influential on top
    for kind, expected in (("S1", [0.1, 0.5]), ("ST", [0.2, 0.7])):
        bars = next(c for c in ax.containers if c.get_label() == kind)
        assert [b.get_width() for b in bars] == expected
    errors = [c for c in ax.containers if type(c).__name__ == "ErrorbarContainer"]
    segments = errors[1].lines[2][0].get_segments()
    assert [s[1, 0] - s[0, 0] for s in segments] == pytest.approx([0.04, 0.14])  # ST: value ± conf


def test_sensitivity_bars_draw_morris_indices_with_and_without_intervals():
    """Morris gives mu* with an interval, mu and sigma without: every one is drawn (it was a KeyError: 'mu')."""
    indices = pd.DataFrame(
        {
            "parameter": ["a"] * 3 + ["b"] * 3,
            "index": ["mu_star", "mu", "sigma"] * 2,
            "value": [1.0, -1.0, 0.2, 3.0, 3.0, 0.5],
            "conf": [0.1, np.nan, np.nan, 0.2, np.nan, np.nan],
        }
    )
    ax = plots.sensitivity_bars(indices, "ai_index_end").axes[0]
    assert ax.get_title(loc="left") == "Sensitivity of ai_index_end to each parameter"
    widths = {c.get_label(): [b.get_width() for b in c] for c in ax.containers if c.get_label() in ("mu", "sigma")}
    assert widths == {"mu": [-1.0, 3.0], "sigma": [0.2, 0.5]}


def test_saved_files_follow_the_format(tmp_path):
    fig = plots.gap_over_time(MODELS, EVENTS)
    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")):
        assert plots.save_figure(fig, tmp_path / f"gap.{fmt}").read_bytes().startswith(magic)


def test_return_diagnostics_compare_the_distribution_with_a_normal_and_show_both_autocorrelations():
    rng = np.random.default_rng(0)
    days = pd.date_range("2023-01-01", periods=400, freq="D")
    # returns with fat tails (Student t, 3 degrees of freedom) and clustered volatility (a slow regime)
    volatility = np.repeat(rng.choice([0.01, 0.04], 40), 10)
    returns = volatility * rng.standard_t(3, 400)
    model = pd.DataFrame({"date": days, "price_NVDA": 100 * np.exp(np.cumsum(returns))})
    fig = plots.return_diagnostics([model], "NVDA", before=pd.Timestamp("2024-01-01"))
    left, right = fig.axes
    assert left.get_yscale() == "log"
    labels = [line.get_label() for line in right.lines]
    assert labels[:2] == ["returns", "|returns|"]
    acf_returns, acf_abs = (line.get_ydata() for line in right.lines[:2])
    assert len(acf_returns) == 20 and abs(acf_returns[0]) < 0.15  # no linear dependence
    assert acf_abs[0] > 0.1 and acf_abs[9] > 0  # the volatility regimes show in absolute returns
    model_points = left.lines[0]
    assert (model_points.get_ydata() > 0).all()  # densities of the bins that hold returns only
