"""Results do not depend on the step length: the baseline in daily and in weekly steps, paired by seed.

Every process is a rate per year over the step, dated (training runs end on their own day, funding
rounds, reviews and distillations fall due on dates), or a Poisson process that counts hazard rather
than steps (`tech.arrivals`: breakthroughs). So the same seed gives the same story in both step
lengths, to within a step. Ten seeds of each, shared with the calibration test (its weekly baseline).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest

from analysis import calibration
from simulation import load_scenario
from simulation.model import AIRaceModel
from tests.calibration.test_calibration import SEEDS

RELATIVE = 0.10  # medians may differ by less than 10% of the weekly median ...
MONTHS = 0.5  # ... or, for a measure in months, by less than half a month
GAP_DATES = ("2027-12-31", "2030-12-31")


@pytest.fixture(scope="module")
def medians(replicates) -> pd.DataFrame:
    """For each baseline calibration measure and the gap on GAP_DATES: the medians over the seeds for daily
    and weekly steps (columns 1 and 7) and the median of the paired, same-seed differences, daily less weekly
    ("paired")."""
    measures = {t.name: (t.measure, t.unit) for t in calibration.TARGETS if t.scenario == "baseline"}
    for day in GAP_DATES:
        # the last row on or before the day: weekly rows end two days before 2031
        measures[f"gap at {day}"] = (partial(calibration.value_on, column="gap_months", day=day), "months")
    values = {}
    for step_days in (1, 7):
        runs = replicates("baseline", SEEDS) if step_days == 7 else replicates("baseline", SEEDS, time__step_days=1)
        runs = sorted(runs, key=lambda r: r.seed)
        values[step_days] = {name: np.array([f(r) for r in runs]) for name, (f, _) in measures.items()}
    frame = pd.DataFrame({days: {name: float(np.median(v)) for name, v in values[days].items()} for days in (1, 7)})
    frame["paired"] = [float(np.median(values[1][name] - values[7][name])) for name in measures]
    frame["unit"] = [unit for _, unit in measures.values()]
    return frame


def _close(difference: float, row: pd.Series) -> bool:
    if row["unit"] == "months" and abs(difference) < MONTHS:
        return True
    return abs(difference) < RELATIVE * abs(row[7])


def _agree(row: pd.Series) -> bool:
    """The medians agree, or the paired differences do. A seed's daily and weekly runs keep the same story
    for a while and then part (a release a step earlier moves the next run, and every draw after it), so
    two tests are needed, each where the other is blind: where the paths have parted (the gap in 2027)
    a seed's difference is the spread between two runs, and the medians compare the two distributions;
    where a measure is a step function of a date (the largest run released by the end of 2024: 1.4e26 or
    1.8e26, by whether a 100k-GPU run is out before 31 December), two medians fall in different modes when
    one seed's release crosses the day by a step, while the median paired difference stays that of most
    seeds, about 0. A step length that biased a process (a rate per step, not per year) would move both."""
    return _close(row[1] - row[7], row) or _close(row["paired"], row)


@pytest.mark.slow
def test_every_calibration_measure_and_the_gap_agree_between_daily_and_weekly_steps(medians):
    assert len(medians) == sum(t.scenario == "baseline" for t in calibration.TARGETS) + len(GAP_DATES)
    apart = medians[~medians.apply(_agree, axis=1)]
    assert apart.empty, f"over {SEEDS} seeds, daily and weekly differ by 10% (0.5 months):\n{apart.to_string()}"


@pytest.mark.parametrize("seed", [1, 2])
def test_what_investors_learn_of_revenue_does_not_depend_on_the_step_length(seed):
    """The market trades on the exchange's sessions whatever the step, and investors read revenue as it accrues
    day by day within a step (not the whole step's on its first day): the growth belief and NVIDIA's value over
    2024 come out the same with daily and weekly steps, and the belief is no noisier week to week. (The value on
    one day is not compared: the noise traders' sentiment of that day differs between the two runs' draws, by
    up to 13% at the end of 2024 for seed 2.)"""
    runs = {}
    for step in (1, 7):
        model = AIRaceModel(load_scenario("baseline", {"time.end": "2024-12-31", "time.step_days": step}), seed)
        beliefs, caps = [], []
        while model.running:
            model.step()
            if model.steps % (7 // step) == 0:
                beliefs.append(model.investors.growth_belief)
                if model.date.year == 2024:
                    caps.append(model.equity.market_caps()[0])
        runs[step] = (model.investors.growth_belief, np.std(np.diff(beliefs)), np.mean(caps))
    (daily_belief, daily_noise, daily_cap), (weekly_belief, weekly_noise, weekly_cap) = runs[1], runs[7]
    assert weekly_belief == pytest.approx(daily_belief, rel=0.05)
    assert weekly_noise == pytest.approx(daily_noise, rel=0.25)
    assert weekly_cap == pytest.approx(daily_cap, rel=0.10)
