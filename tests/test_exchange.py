"""The equity market: the listed firms, their prices and values, the indices a scenario names, value lost."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from analysis import metrics
from simulation import load_scenario
from simulation.markets.exchange import session_days
from simulation.model import AIRaceModel
from simulation.runner import run
from simulation.scenario.errors import ScenarioError

INDICES = {
    "time.end": "2023-06-30",
    "investors.count": 200,
    "indices": [
        {"id": "nvidia_index", "name": "NVIDIA alone", "members": ["nvidia"]},
        {"id": "chips_index", "members": ["amd", "nvidia"]},
    ],
}


def test_a_scenarios_indices_are_recorded_beside_the_ai_index():
    model = AIRaceModel(load_scenario("baseline", INDICES), 2)
    model.run_model()
    frame = model.records.model_frame()
    assert frame.columns[-3:].tolist() == ["ai_index", "nvidia_index", "chips_index"]
    # One member: the index is its price against the start; every member: the AI index, whatever their order.
    nvidia = 100 * frame["price_NVDA"] / frame["price_NVDA"].iloc[0]
    np.testing.assert_allclose(frame["nvidia_index"], nvidia, rtol=1e-12)
    np.testing.assert_allclose(frame["chips_index"], frame["ai_index"], rtol=1e-12)
    assert frame["nvidia_index"].iloc[0] == 100.0 and frame["nvidia_index"].std() > 0


def test_value_lost_is_the_fall_in_market_value_over_the_step():
    model = AIRaceModel(load_scenario("baseline", INDICES), 2)
    model.run_model()
    frame = model.records.model_frame()
    lost = -frame["market_cap_usd_NVDA"].diff()
    np.testing.assert_allclose(frame["value_lost_usd_NVDA"].iloc[1:], lost.iloc[1:], rtol=1e-9, atol=1.0)
    total = frame["value_lost_usd_NVDA"] + frame["value_lost_usd_AMD"]
    np.testing.assert_allclose(frame["value_lost_usd"], total, rtol=1e-12)


@pytest.mark.parametrize(
    ("index", "says"),
    [
        ({"id": "ai_index", "members": ["nvidia"]}, "indices.ai_index: an index needs an id of its own"),
        ({"id": "nvidia", "members": ["nvidia"]}, "indices.nvidia: an index needs an id of its own ending in '_index'"),
        ({"id": "x_index", "members": ["huawei"]}, "indices.x_index.members: unknown listed firm 'huawei'"),
        ({"id": "x_index", "members": []}, "indices.x_index.members: an index needs at least one listed firm"),
    ],
)
def test_an_index_that_cannot_be_recorded_is_refused_with_its_key(index, says):
    with pytest.raises(ScenarioError, match=says):
        load_scenario("baseline", {"indices": [index]})


# ---------------------------------------------------------------- the exchange's sessions


def test_the_sessions_are_the_new_york_exchange_s_weekdays_less_its_holidays():
    days = session_days(date(2023, 1, 1), date(2025, 12, 31))
    sessions = {date(2023, 1, 1) + timedelta(days=d) for d in days}
    assert len([d for d in sessions if d.year == 2023]) == 250  # NYSE's 2023: 260 weekdays less 10 holidays
    assert all(d.weekday() < 5 for d in sessions)
    closed = [date(2023, 1, 16), date(2023, 12, 25), date(2024, 3, 29), date(2025, 1, 9), date(2025, 7, 4)]
    assert not sessions & set(closed)  # MLK day, Christmas, Good Friday, President Carter's funeral, Independence Day
    assert date(2025, 1, 27) in sessions and date(2025, 1, 24) in sessions


def test_prices_change_only_on_sessions_and_a_week_holds_its_five():
    daily = run("deepseek_shock", seed=2, overrides={"time.end": "2023-04-30", "investors.count": 100}).model
    price = daily.set_index("date")["price_NVDA"]
    moved = price.diff().fillna(0.0) != 0
    open_ = daily.set_index("date")["sessions"] > 0
    assert not (moved & ~open_).any()  # weekends and holidays: the last close stands
    assert moved[open_].mean() > 0.99
    assert daily.loc[daily["date"] == pd.Timestamp("2023-01-16"), "sessions"].item() == 0  # MLK day
    weekly = run("baseline", seed=2, overrides={"time.end": "2023-12-31", "investors.count": 100}).model
    counts = weekly["sessions"].iloc[1:]
    assert set(counts) == {4.0, 5.0} and (counts == 5).mean() > 0.8  # a week with a holiday holds four
    assert counts.sum() == 250  # 2023's sessions: its weekly steps end on Sundays, the last on 31 December


def test_a_monday_counts_one_day_of_news_not_three():
    # Noise traders' sentiment and the trend move once a session: Monday's returns are not the weekend's three
    # days' worth (their variance would be three times the other days').
    runs = [run("deepseek_shock", seed=s, overrides={"time.end": "2024-12-31", "investors.count": 200}) for s in (1, 2)]
    returns = pd.concat([metrics.daily_log_returns(r.model, "NVDA", "2023-01-01", "2024-12-31") for r in runs])
    monday = returns.index.day_of_week == 0
    ratio = returns[monday].var() / returns[~monday].var()
    assert 0.6 < ratio < 1.6, ratio
