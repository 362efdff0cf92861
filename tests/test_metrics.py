"""analysis.metrics against small hand-made frames whose answers are worked out by hand."""

import numpy as np
import pandas as pd
import pytest

from analysis import metrics

DATES = pd.date_range("2025-01-01", periods=6, freq="D")


def frame(**columns) -> pd.DataFrame:
    return pd.DataFrame({"date": DATES[: len(next(iter(columns.values())))], **columns})


def test_gap_at_takes_the_first_row_on_or_after_each_date():
    model = frame(gap_months=[9.0, 9.1, 5.0, 5.1, 5.2, 5.3])
    gap = metrics.gap_at(model, ["2025-01-03", "2024-12-01", "2025-01-02 12:00", "2026-01-01"])
    assert gap.iloc[:3].tolist() == [5.0, 9.0, 5.0]
    assert np.isnan(gap.iloc[3])
    assert metrics.gap_over_time(model).loc["2025-01-05"] == 5.2


def test_parity_is_the_first_date_the_laggard_catches_up():
    assert metrics.parity_date(frame(gap_capability=[1.0, 0.5, 0.0, -0.1])) == pd.Timestamp("2025-01-03")
    assert metrics.parity_date(frame(gap_capability=[1.0, 0.5, 0.2])) is None


def test_compute_share_adds_up_to_one_per_date():
    share = metrics.compute_share(frame(compute_flops_US=[3.0, 0.0, 1.0], compute_flops_CN=[1.0, 0.0, 3.0]))
    assert share.columns.tolist() == ["US", "CN"]
    assert share.loc[DATES[0]].tolist() == [0.75, 0.25]
    assert share.loc[DATES[1]].isna().all()
    assert share.loc[DATES[2], "CN"] == 0.75


def test_chip_flows_split_legal_and_leaked_and_sum_per_period():
    model = frame(
        chips_legal_US=[0.0, 10, 10, 10, 10, 10],
        chips_leaked_US=[0.0] * 6,
        chips_legal_CN=[0.0, 4, 4, 0, 0, 0],
        chips_leaked_CN=[0.0, 0, 1, 2, 3, 4],
    )
    weekly = metrics.chip_flows(model, freq="W-SUN")  # 2025-01-01 is a Wednesday: weeks end on the 5th and 12th
    cn = weekly[weekly.bloc == "CN"].pivot(index="date", columns="channel", values="chips")
    assert cn.loc["2025-01-05"].to_dict() == {"leaked": 6.0, "legal": 8.0}
    assert cn.loc["2025-01-12"].to_dict() == {"leaked": 4.0, "legal": 0.0}
    assert len(metrics.chip_flows(model, freq=None)) == 6 * 2 * 2
    share = metrics.leaked_share(model)
    assert share["CN"] == pytest.approx(10 / 18)
    assert share["US"] == 0.0


def test_frontier_training_flop_ignores_labs_without_a_run_and_grows_per_year():
    dates = pd.to_datetime(["2023-01-01", "2024-01-01", "2025-01-01", "2026-01-01"])
    model = pd.DataFrame({"date": dates, "largest_run_flop_US": [0.0, 1e25, 4e25, 1.6e26]})
    runs = metrics.frontier_training(model, "flop")
    assert np.isnan(runs["US"].iloc[0])
    # 4x a year (years of 365 and 366 days, so within a fraction of a percent)
    assert metrics.growth_per_year(runs["US"]) == pytest.approx(4.0, rel=3e-3)
    assert np.isnan(metrics.growth_per_year(runs["US"].iloc[:2]))
    # The same for the runs' hardware cost in dollars.
    model["largest_run_cost_usd_US"] = [0.0, 1e8, 2.4e8, 5.76e8]
    costs = metrics.frontier_training(model, "cost_usd")
    assert list(costs.columns) == ["US"] and np.isnan(costs["US"].iloc[0])
    assert metrics.growth_per_year(costs["US"]) == pytest.approx(2.4, rel=3e-3)


def test_step_returns_and_event_window_compound_from_before_the_window():
    model = frame(
        price_NVDA=[100.0, 110, 99, 99, 198, 198],
        market_cap_usd_NVDA=[1.0] * 6,
        ai_index=[100.0, 100, 100, 100, 100, 50],
    )
    returns = metrics.step_returns(model)
    assert returns.loc[DATES[1], "NVDA"] == pytest.approx(0.1)
    assert returns.loc[DATES[2], "NVDA"] == pytest.approx(-0.1)
    window = metrics.event_window_returns(model, "2025-01-03", before=1, after=2)
    assert window.index.tolist() == [-1, 0, 1, 2]
    # bought at 100 on day -2: 110, 99, 99, 198
    assert window["NVDA"].tolist() == pytest.approx([0.1, -0.01, -0.01, 0.98])
    assert window["ai_index"].tolist() == pytest.approx([0, 0, 0, 0])


def test_max_drawdown_and_time_to_recover_half_and_all():
    prices = pd.Series([100.0, 120, 60, 80, 95, 130], index=DATES)
    fall, peak, trough = metrics.max_drawdown(prices)
    assert (fall, peak, trough) == (0.5, DATES[1], DATES[2])
    assert metrics.recovery_days(prices, peak, trough, 0.5) == 2.0  # 90 reached on day 4 (95)
    assert metrics.recovery_days(prices, peak, trough, 1.0) == 3.0
    assert np.isnan(metrics.recovery_days(prices.iloc[:5], peak, trough, 1.0))
    outcome = metrics.shock_outcomes(prices)
    assert outcome["largest_one_step_fall"] == 0.5
    assert outcome["largest_one_step_fall_date"] == DATES[2]
    assert outcome["recover_half_days"] == 2.0


def test_rising_prices_have_no_drawdown():
    prices = pd.Series([1.0, 2, 3], index=DATES[:3])
    assert metrics.max_drawdown(prices) == (0.0, DATES[0], DATES[0])
    assert metrics.shock_outcomes(prices)["recover_all_days"] == 0.0


def test_replicate_bands_are_percentiles_across_replicates():
    models = [frame(gap_months=[float(v)] * 3) for v in range(11)]  # replicates 0, 1, ..., 10
    table = metrics.replicate_table(models, "gap_months")
    assert table.shape == (3, 11)
    bands = metrics.replicate_bands(table)
    assert bands.columns.tolist() == ["q10", "q25", "q50", "q75", "q90"]
    assert bands.iloc[0].tolist() == pytest.approx([1.0, 2.5, 5.0, 7.5, 9.0])


def test_summarise_replicates_gives_median_and_bands_per_outcome():
    values = pd.DataFrame({"fall": [0.1, 0.2, 0.3, 0.4, 0.5], "gap": [1.0, 1, 1, 1, 1]})
    summary = metrics.summarise_replicates(values)
    assert summary.loc["fall", "q50"] == pytest.approx(0.3)
    assert summary.loc["fall", "q10"] == pytest.approx(0.14)
    assert summary.loc["gap"].tolist() == [1.0] * 5


def test_months_at_parity_counts_the_steps_with_the_laggard_level_or_ahead():
    model = frame(gap_capability=[-1.0, 0.5, 0.0, -0.2, 0.1, 0.3])  # row 0 does not count: nothing happened yet
    assert metrics.months_at_parity(model) == pytest.approx(2 / (365.25 / 12))
