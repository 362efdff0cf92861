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
from tests.calibration.test_calibration import SEEDS

RELATIVE = 0.10  # medians may differ by less than 10% ...
MONTHS = 0.5  # ... or, for a measure in months, by less than half a month
GAP_DATES = ("2027-12-31", "2030-12-31")


@pytest.fixture(scope="module")
def medians(replicates) -> pd.DataFrame:
    """Median over the seeds of each baseline calibration measure and of the gap on GAP_DATES, for
    daily and weekly steps (columns 1 and 7)."""
    measures = {t.name: (t.measure, t.unit) for t in calibration.TARGETS if t.scenario == "baseline"}
    for day in GAP_DATES:
        # the last row on or before the day: weekly rows end two days before 2031
        measures[f"gap at {day}"] = (partial(calibration.value_on, column="gap_months", day=day), "months")
    columns = {}
    for step_days in (1, 7):
        runs = replicates("baseline", SEEDS) if step_days == 7 else replicates("baseline", SEEDS, time__step_days=1)
        columns[step_days] = {name: float(np.median([f(r) for r in runs])) for name, (f, _) in measures.items()}
    frame = pd.DataFrame(columns)
    frame["unit"] = [unit for _, unit in measures.values()]
    return frame


def _agree(row: pd.Series) -> bool:
    daily, weekly = row[1], row[7]
    if row["unit"] == "months" and abs(daily - weekly) < MONTHS:
        return True
    return abs(daily - weekly) < RELATIVE * abs(weekly)


@pytest.mark.slow
def test_every_calibration_measure_and_the_gap_agree_between_daily_and_weekly_steps(medians):
    assert len(medians) == sum(t.scenario == "baseline" for t in calibration.TARGETS) + len(GAP_DATES)
    apart = medians[~medians.apply(_agree, axis=1)]
    assert apart.empty, f"medians of {SEEDS} seeds differ by 10% or more (0.5 months):\n{apart.to_string()}"
