"""The installed base held in clusters (simulation.firms.installed): a site's power caps a cluster, a
build window closes it, only a ready cluster can take a run, and every chip delivered is installed."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.firms.installed import Clusters

# Two chips: 1,000 TFLOP/s at 1 kW and 500 TFLOP/s at 0.5 kW; list prices 30k and 10k USD.
PER_UNIT = np.array([[1e15, 5e14], [1e15, 4e14], [3e4, 1e4]])
KW = np.array([1.0, 0.5])


def clusters(site_mw: float = 10.0, growth: float = 0.0) -> Clusters:
    """Two pools of one owner; a site draws twice its chips' board power, so 10 MW holds 5,000 of chip 0."""
    return Clusters(["o", "o"], PER_UNIT, KW, 180.0, site_mw, growth, 2.0)


def test_a_delivery_fills_the_open_cluster_up_to_the_sites_power_and_the_rest_begins_the_next():
    c = clusters()
    c.install(0, np.array([3000.0, 0.0]), day=0.0)
    c.install(0, np.array([4000.0, 0.0]), day=10.0)  # 2,000 fit; 2,000 begin a second site the same day
    assert c.count == 2
    np.testing.assert_allclose(c.units[:2, 0], [5000.0, 2000.0])
    assert list(c.ready_day[:2]) == [180.0, 190.0]
    assert c.installed_total == pytest.approx(7000.0)


def test_a_closed_build_window_begins_a_new_cluster_and_only_a_ready_one_takes_a_run():
    c = clusters()
    c.install(1, np.array([1000.0, 0.0]), day=0.0)
    c.install(1, np.array([0.0, 4000.0]), day=200.0)  # the first closed on day 180
    assert c.count == 2 and list(c.begun_day[:2]) == [0.0, 200.0]
    assert c.largest_ready([1], day=100.0) == -1  # nothing ready yet
    assert c.largest_ready([1], day=200.0) == 0
    assert c.largest_ready([1], day=380.0) == 1  # 4,000 x 400 TFLOP/s effective beat 1,000 x 1,000
    assert c.largest_chips([1], day=380.0) == (pytest.approx(2e18), pytest.approx(4000.0))
    assert c.largest_ready([0], day=380.0) == -1  # another pool's clusters are not its own


def test_a_sites_power_grows_and_wear_takes_chips_and_power_alike():
    c = clusters(site_mw=10.0, growth=1.0)
    assert c.site_power_kw(365.25) == pytest.approx(20_000.0)
    c.install(0, np.array([2000.0, 2000.0]), day=0.0)
    c.wear(0.75)
    np.testing.assert_allclose(c.units[0], [1500.0, 1500.0])
    assert c.kw[0] == pytest.approx(0.75 * 3000.0)
    np.testing.assert_allclose(c.pool_totals()[0], [1500 * 1e15 + 1500 * 5e14, 1500 * 1e15 + 1500 * 4e14, 1500 * 4e4])
    assert c.owner_totals()[0, 0] == pytest.approx(c.pool_totals()[:, 0].sum())


@pytest.mark.parametrize("step_days", [1.0, 7.0, 30.0])
def test_build_windows_follow_each_other_whatever_the_step_length(step_days):
    # Chips delivered every step stand for the step before their day: the first cluster begins when the first
    # step began, and each next one when the last window closed, so the windows do not drift with the step.
    c = Clusters(["o"], PER_UNIT, KW, 180.0, 1e6, 0.0, 2.0, step_days)
    day = 0.0
    while day < 600.0:
        day += step_days
        c.install(0, np.array([10.0, 0.0]), day=day)
    assert list(c.begun_day[: c.count]) == [0.0, 180.0, 360.0, 540.0]
    # after a pause in deliveries, the next cluster begins with the step of its first chips
    c.install(0, np.array([10.0, 0.0]), day=1000.0)
    assert c.begun_day[c.count - 1] == 1000.0 - step_days
