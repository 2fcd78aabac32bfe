"""Working-day targets skip weekends, England and Wales bank holidays and local closures."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from simulator.metrics import cases_frame
from simulator.model import simulate
from simulator.scenario import ScenarioError, load_scenario
from simulator.workdays import closed_days, target_day
from tests.helpers import build, mmc_data

HOUR = 1 / 24


def due(start: dt.date, arrival_day: float, working_days: int, closure_days=()) -> float:
    closed = closed_days(start, 400.0, closure_days)
    return float(target_day(start, np.array([arrival_day]), np.array([working_days]), closed)[0])


def test_thursday_before_easter_with_a_five_day_target_is_due_the_monday_after_next():
    # Day 0 is Monday 30 March 2026. Thursday 2 April 10:00, 5 working days: Good
    # Friday (3 April) and Easter Monday (6 April) do not count, so it is due
    # Monday 13 April 10:00 (day 14), not Thursday 9 April.
    start = dt.date(2026, 3, 30)
    assert due(start, 3 + 10 * HOUR, 5) == pytest.approx(14 + 10 * HOUR)


def test_christmas_eve_with_a_one_day_target_skips_the_boxing_day_substitute():
    # Thursday 24 December 2026, 1 working day: Friday 25th is Christmas Day and
    # Monday 28th the substitute for Boxing Day (a Saturday); due Tuesday 29th.
    start = dt.date(2026, 12, 21)
    assert due(start, 3 + 9 * HOUR, 1) == pytest.approx(8 + 9 * HOUR)


def test_a_referral_on_a_bank_holiday_starts_the_clock_next_working_day():
    # Easter Monday 6 April 2026 at 10:00, 1 working day: due by the end of Tuesday.
    start = dt.date(2026, 4, 6)
    assert due(start, 10 * HOUR, 1) == 2.0


def test_local_closure_days_are_not_working_days():
    # Wednesday 23 December 2026 10:00, 1 working day; the council closes on the 24th.
    start = dt.date(2026, 12, 21)
    assert due(start, 2 + 10 * HOUR, 1) == pytest.approx(3 + 10 * HOUR)
    assert due(start, 2 + 10 * HOUR, 1, [dt.date(2026, 12, 24)]) == pytest.approx(8 + 10 * HOUR)


def test_bank_holidays_cover_the_horizon_and_two_years_after():
    closed = closed_days(dt.date(2026, 4, 6), 1095.0)
    for day in ["2026-12-28", "2027-03-26", "2027-03-29", "2029-12-25", "2030-12-26", "2031-01-01"]:
        assert np.datetime64(day) in closed
    assert np.datetime64("2027-04-26") not in closed  # an ordinary Monday


def test_the_model_counts_bank_holidays_and_closure_days_in_its_targets():
    # Referrals arrive at midnight each day from Monday 30 March 2026.
    data = mmc_data(arrivals_per_day=1.0, horizon_days=30, start_date="2026-03-30")
    data["demand"]["arrivals"] = "deterministic"
    data["targets"] = {"standard_working_days": 5, "closure_days": ["2026-04-14"]}
    scenario = build(data)
    cases = cases_frame([simulate(scenario, 0)], scenario)
    target = dict(zip(cases["arrival_day"].round().astype(int), cases["target_day"], strict=True))
    assert target[3] == 14  # Thursday 2 April -> Monday 13 April (Easter in between)
    assert target[8] == 16  # Tuesday 7 April -> Thursday 16 April (the 14th closed)


def test_closure_days_are_iso_dates_and_named_when_wrong(tmp_path):
    path = tmp_path / "closures.yaml"
    good = build(mmc_data(), targets__closure_days=["2026-12-24", "2026-12-31"])
    assert good.targets.closure_days == [dt.date(2026, 12, 24), dt.date(2026, 12, 31)]
    assert "2026-12-24" in good.to_yaml()
    path.write_text(
        "name: x\nhorizon_days: 10\ndemand:\n  referrals_per_year: 10\n  mix:\n"
        "    care_act: {share: 1, hours: {dist: fixed, mean: 5}}\n"
        "targets:\n  closure_days:\n    - 2026-12-24\n    - 24/12/2026\n"
        "commissioning: {model: single_provider, providers: [{name: A, skills: [care_act]}]}\n"
    )
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    (line,) = error.value.problems
    assert line.startswith(f"{path}:10: targets.closure_days.1: '24/12/2026':")
