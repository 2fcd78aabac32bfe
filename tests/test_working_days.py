"""Working days: advocates at ``weekdays`` allocate and work cases Monday to Friday less
bank holidays and closure days; ``every_day`` keeps every day a working day (the back
tests hold it byte-identical)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.metrics import cases_frame
from simulator.model import simulate
from simulator.workdays import WorkCalendar, closed_days
from tests.helpers import build, county
from tests.micro import micro

ROOT = Path(__file__).resolve().parent.parent

MONDAY = dt.date(2026, 6, 1)


def test_a_working_day_is_worked_whole_and_a_weekend_not_at_all():
    calendar = WorkCalendar(MONDAY, 30)
    assert calendar.finish(4.5, 1.0) == 7.5  # Friday noon + a working day: Monday noon
    assert calendar.finish(0.0, 5.0) == 5.0  # a working week: closes at the end of Friday
    assert calendar.opens(5.25) == 7.0 and calendar.opens(3.25) == 3.25


def test_bank_holidays_and_closure_days_are_not_worked():
    christmas = WorkCalendar(dt.date(2026, 12, 21), 30)  # Fri 25 and Mon 28 Dec are holidays
    assert christmas.finish(3.5, 1.0) == 8.5  # from noon on Thursday 24th to Tuesday 29th's
    closed = WorkCalendar(MONDAY, 30, [dt.date(2026, 6, 2)])
    assert closed.finish(0.0, 2.0) == 3.0  # Monday, then Wednesday


@given(st.floats(0, 300), st.floats(0.01, 60), st.floats(0, 60))
def test_working_time_adds_up_and_never_ends_inside_a_day_off(start, first, then):
    calendar = WorkCalendar(dt.date(2026, 12, 1), 500)
    done = calendar.finish(start, first + then)
    assert calendar.finish(calendar.finish(start, first), then) == pytest.approx(done)
    assert done >= start and (calendar.opens(done) == done or done == int(done))


def test_a_weekend_referral_waits_for_monday_worked_by_hand():
    # One slot of 168 hours a week: at weekdays 33.6 hours a working day, so a case of 16.8
    # hours is half a working day. One referral a day from day 1; day 0 is a Monday.
    scenario = micro(hours=16.8, commissioning__providers__0__working_days="weekdays")
    records = simulate(scenario, 0)
    assert records.allocated_day.tolist() == [1.0, 2.0, 3.0, 4.0, 7.0, 7.5, 8.0, 8.5, 9.0]
    waits = records.allocated_day - records.referrals.arrival_day
    assert waits.tolist() == [0.0, 0.0, 0.0, 0.0, 2.0, 1.5, 1.0, 0.5, 0.0]
    assert records.close_day.tolist() == [1.5, 2.5, 3.5, 4.5, 7.5, 8.0, 8.5, 9.0, 9.5]
    every_day = simulate(micro(hours=16.8), 0)  # 0.7 days a case, nobody waits
    assert (every_day.allocated_day == every_day.referrals.arrival_day).all()


def weekday_county(model: str, **changes):
    data = county(model, **changes)
    for provider in data["commissioning"]["providers"]:
        provider["working_days"] = "weekdays"
    if data["commissioning"]["spot"] is not None:
        data["commissioning"]["spot"]["working_days"] = "weekdays"
    return build(data)


@pytest.mark.parametrize("model", ["single_provider", "hub", "spot_only"])
def test_no_case_is_allocated_on_a_day_that_is_not_a_working_day(model):
    scenario = weekday_county(model)
    cases = cases_frame([simulate(scenario, 0)], scenario)
    started = cases.dropna(subset=["allocated_day"])
    started = started[started["allocated_day"] > 0]  # cases open on day 0 began before it
    days = np.datetime64(scenario.start_date, "D") + np.floor(
        started["allocated_day"].to_numpy()
    ).astype("timedelta64[D]")
    closed = closed_days(scenario.start_date, scenario.horizon_days + scenario.follow_up_days)
    assert len(started) > 500
    assert np.is_busday(days, holidays=closed).all()


@pytest.mark.parametrize("queue", ["shared", "routed"])
def test_with_room_to_spare_a_referral_is_allocated_as_soon_as_work_starts(queue):
    partners = [{"name": n, "skills": ["care_act", "imca", "bsl"]} for n in ("Lead", "Partner")]
    scenario = weekday_county(
        "hub", commissioning__providers=partners, commissioning__spot=None,
        commissioning__block_share=1.5, commissioning__hub__queue=queue,
    )  # fmt: skip
    records = simulate(scenario, 0)
    calendar = WorkCalendar(scenario.start_date, 2 * scenario.horizon_days)
    joined = records.queued_day[records.referrals.initial == 0]
    allocated = records.allocated_day[records.referrals.initial == 0]
    opens = np.array([calendar.opens(day) for day in joined])
    assert (opens > joined).sum() > 100  # many joined at a weekend or a bank holiday
    assert (allocated >= opens).all()  # none before work starts
    if queue == "shared":  # one queue, room to spare: each taken the moment work starts
        assert np.array_equal(allocated, opens)


def test_cases_open_on_a_bank_holiday_day_0_are_on_caseloads_in_a_hub():
    """Day 0 of the county files is Easter Monday: the cases already open are on the
    partners' caseloads, not waiting for a working day in a queue no partner reads (a
    hub fills from its shared queue), which had left 168 people 'waiting' for ever."""
    from simulator.scenario import load_scenario

    hub = load_scenario(ROOT / "scenarios" / "county-hub.yaml", {"horizon_days": 120.0})
    records = simulate(hub, 0)
    open_on_day_0 = records.referrals.initial == 1
    assert open_on_day_0.sum() > 100
    assert np.all(records.allocated_day[open_on_day_0] == 0.0)
