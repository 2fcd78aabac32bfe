"""Where each referral goes and when, worked out by hand on tiny deterministic scenarios
(``tests/micro.py`` says how they run)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from simulator.metrics import cases_frame, per_replication
from simulator.model import simulate
from simulator.workdays import target_day
from tests.conftest import build, mmc_data
from tests.micro import market, micro, withdrawing


def fixed(days: float) -> dict:
    return {"dist": "fixed", "mean": days}


MONDAY = dt.date(2026, 4, 6)


def cases(scenario):
    return cases_frame([simulate(scenario, 0)], scenario)


def routes(scenario) -> list[str]:
    return cases(scenario)["route"].astype(object).tolist()


B, S = "block", "spot"


# Working-day targets.


def test_a_target_keeps_the_time_of_day_of_a_weekday_arrival():
    arrival = np.array([0.25, 4.5, 5.75, 6.5, 7.0, 5.5])
    working_days = np.array([5, 1, 1, 3, 0, 0])
    due = target_day(MONDAY, arrival, working_days)
    assert due.tolist() == pytest.approx(
        [
            7.25,  # Monday 06:00 + 5 working days: the next Monday, 06:00
            7.5,  # Friday noon + 1: Monday noon
            8.0,  # Saturday 18:00 + 1: the clock starts Monday, so the end of Monday
            10.0,  # Sunday noon + 3: the end of Wednesday (Monday, Tuesday, Wednesday)
            7.0,  # Monday 00:00 + 0: at once
            7.0,  # Saturday noon + 0: the start of Monday
        ]
    )


def test_urgent_and_standard_referrals_each_get_their_own_target():
    # Two referrals a day from Monday noon: 0.5, 1.0, ..., 5.5. Urgent: 1 working day;
    # standard: 3. Ample slots, so the targets are the only thing that differs.
    targets = {"urgent_working_days": 1, "standard_working_days": 3}
    urgent = cases(
        micro(
            servers=20,
            per_day=2.0,
            horizon=5.9,
            hours=1.0,
            targets=targets,
            demand__urgent_share=1.0,
        )
    )
    standard = cases(micro(servers=20, per_day=2.0, horizon=5.9, hours=1.0, targets=targets))
    assert urgent["arrival_day"].tolist() == pytest.approx(np.arange(1, 12) / 2)
    assert urgent["urgent"].all() and not standard["urgent"].any()
    # Urgent: a day later, keeping the time of day; Friday's roll to Monday; Saturday's
    # to the end of Monday.
    assert urgent["target_day"].tolist() == pytest.approx(
        [1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 7.0, 7.5, 8.0, 8.0]
    )
    # Standard: Monday noon -> Thursday noon; Wednesday 00:00 -> Monday 00:00;
    # Friday noon -> Wednesday noon; Saturday -> the end of Wednesday.
    assert standard["target_day"].tolist() == pytest.approx(
        [3.5, 4.0, 4.5, 7.0, 7.5, 8.0, 8.5, 9.0, 9.5, 10.0, 10.0]
    )


def test_allocated_exactly_at_the_target_is_within_it():
    # Target 1 working day. R1 (Monday noon) holds the slot for 36 hours, until Wednesday
    # 00:00 (2.0), exactly R2's target (Tuesday 00:00 + 1 working day); R3 and R4 wait on.
    scenario = micro(
        per_day=2.0,
        horizon=2.2,
        hours=36.0,
        targets={"urgent_working_days": 1, "standard_working_days": 1},
    )
    frame = cases(scenario)
    assert frame["allocated_day"].tolist()[:2] == pytest.approx([0.5, 2.0])
    assert frame["target_day"].tolist() == pytest.approx([1.5, 2.0, 2.5, 3.0])
    assert frame["within_target"].tolist() == [True, True, False, False]
    # Allocated at the very instant the process goes ahead (deadline 1 day) is in time.
    late = cases(micro(per_day=2.0, horizon=2.2, hours=36.0, demand__deadline_days=fixed(1.0)))
    assert late["deadline_day"].tolist() == pytest.approx([1.5, 2.0, 2.5, 3.0])
    assert late["breached"].tolist() == [False, False, False, False]
    # Decided by the horizon (2.2): R1 and R2, both in time; R3 and R4 are not yet due.
    values = per_replication([simulate(scenario, 0)], scenario).set_index(["metric", "group"])
    assert values.loc[("within_target_share", "all"), "value"] == 1.0


def test_a_spot_market_serves_only_the_types_and_needs_it_lists():
    # Spot only, the market lists Care Act alone: Care Act without a need is bought;
    # Care Act with BSL, and every IMCA referral, is unserved.
    data = mmc_data(arrivals_per_day=1.0, horizon_days=60.0, seed=3)
    data["demand"]["mix"] = {
        "care_act": {"share": 0.5, "hours": {"dist": "fixed", "mean": 2.0}},
        "imca": {"share": 0.5, "hours": {"dist": "fixed", "mean": 2.0}},
    }
    data["demand"]["needs"] = {"bsl": 0.3}
    spot = {**market(slots=10, arrangement_days=0.25), "skills": ["care_act"]}
    scenario = build(data, commissioning__model="spot_only", commissioning__spot=spot)
    frame = cases(scenario)
    served = (frame["type"] == "care_act") & frame["need"].isna()
    assert 10 < served.sum() < len(frame) - 10
    assert (frame.loc[served, "route"] == S).all()
    assert (frame.loc[~served, "status"] == "unserved").all()


# Overflow: expected_wait.


def test_expected_wait_sends_to_spot_only_when_the_block_would_miss_the_target():
    # One slot, cases of 36 hours = 1.5 days. R1 arrives Monday noon (0.5) and takes the
    # slot until 2.0; R2 arrives Tuesday 00:00 (1.0) and would wait 1.5 days for it.
    spot = market(slots=5, arrangement_days=0.25)
    common = {
        "horizon": 1.2,
        "per_day": 2.0,
        "hours": 36.0,
        "commissioning__spot": spot,
        "commissioning__overflow": {"rule": "expected_wait"},
    }
    # Target 1 working day: due Wednesday 00:00, 1.0 day away; 1.5 > 1.0 and spot is
    # expected in 0.25 + 0 days, sooner than 1.5: spot.
    one_day = {"urgent_working_days": 1, "standard_working_days": 1}
    assert routes(micro(**common, targets=one_day)) == [B, S]
    # Target 2 working days: 2.0 days away; 1.5 is within it: the block.
    two_days = {"urgent_working_days": 2, "standard_working_days": 2}
    assert routes(micro(**common, targets=two_days)) == [B, B]
    # Exactly on the target is not a miss: two referrals waiting on day 0 (Monday 00:00),
    # due 1.0 day later; the second expects the slot in exactly one 24-hour case, 1.0 day.
    at_start = micro(
        **{**common, "horizon": 3.0, "per_day": 0.0, "hours": 24.0},
        targets=one_day,
        demand__initial_waiting_list=2,
    )
    assert routes(at_start) == [B, B]


def test_expected_wait_counts_the_queue_of_a_full_spot_market():
    # Block: one slot; spot: two slots, 0.5 days to arrange; every case 240 hours =
    # 10 days; one referral a day from Tuesday (day 1); target 1 working day (1 day
    # from Monday to Thursday, 3 from Friday and Saturday, 2 from Sunday).
    # Expected wait: 0 when a slot is free, else (waiting ahead + 1) x 10 days / slots.
    scenario = micro(
        horizon=8.9,
        hours=240.0,
        targets={"urgent_working_days": 1, "standard_working_days": 1},
        commissioning__spot=market(slots=2, arrangement_days=0.5),
        commissioning__overflow={"rule": "expected_wait"},
    )
    frame = cases(scenario)
    # R1 day 1: block slot free, wait 0: block (until day 11).
    # R2 day 2: block 1 x 10 = 10 > 1; spot free: 0.5 + 0 < 10: spot (taken at 2.5).
    # R3 day 3: block 10 > 1; one spot slot free: 0.5 < 10: spot (taken at 3.5).
    # R4 day 4: block 10 > 3; spot full, none waiting: 1 x 10 / 2 = 5; 5.5 < 10: spot.
    # R5 day 5: block 10 > 3; spot 2 x 10 / 2 = 10; 10.5 is not < 10: block queue.
    # R6 day 6: block 2 x 10 / 1 = 20 > 2; spot 10.5 < 20: spot.
    # R7 day 7: block 20 > 1; spot 3 x 10 / 2 = 15; 15.5 < 20: spot.
    # R8 day 8: block 20 > 1; spot 4 x 10 / 2 = 20; 20.5 is not < 20: block.
    assert frame["route"].astype(object).tolist() == [B, S, S, S, B, S, S, B]
    assert frame["allocated_day"].tolist()[:3] == pytest.approx([1.0, 2.5, 3.5])
    assert frame["allocated_day"].iloc[3:].isna().all()  # nobody frees before day 11
    assert frame["queued_day"].tolist()[:4] == pytest.approx([1.0, 2.5, 3.5, 4.5])


def test_expected_wait_keeps_the_block_when_spot_is_only_as_soon():
    # As above with one spot slot and no arrangement time. R1 day 1: block. R2 day 2:
    # block 10 > 1, spot free (0): spot. R3 day 3: block 10; spot 0 + 1 x 10 = 10, not
    # sooner: the block.
    scenario = micro(
        horizon=3.5,
        hours=240.0,
        targets={"urgent_working_days": 1, "standard_working_days": 1},
        commissioning__spot=market(slots=1, arrangement_days=0.0),
        commissioning__overflow={"rule": "expected_wait"},
    )
    assert routes(scenario) == [B, S, B]


def test_expected_wait_uses_the_mean_case_of_the_types_the_block_serves():
    # Seed 0 draws IMCA, IMCA, Care Act, Care Act. The block serves Care Act only
    # (240 hours = 10 days a case); IMCA (24 hours) can only go to spot, 7 days to
    # arrange. R3 (day 3) takes the free block slot; R4 (Friday, target 3 days)
    # expects 10 days in the block against 7 + 0 at spot: spot. (Over all types the
    # mean case would be 132 hours, 5.5 days, and R4 would stay in the block.)
    data = mmc_data(arrivals_per_day=1.0, horizon_days=4.5, seed=0)
    data["demand"]["arrivals"] = "deterministic"
    data["demand"]["mix"] = {
        "care_act": {"share": 0.5, "hours": {"dist": "fixed", "mean": 240.0}},
        "imca": {"share": 0.5, "hours": {"dist": "fixed", "mean": 24.0}},
    }
    scenario = build(
        data,
        targets={"urgent_working_days": 1, "standard_working_days": 1},
        commissioning__spot=market(slots=10, arrangement_days=7.0),
        commissioning__overflow={"rule": "expected_wait"},
    )
    frame = cases(scenario)
    assert frame["type"].astype(object).tolist() == ["imca", "imca", "care_act", "care_act"]
    assert frame["route"].astype(object).tolist() == [S, S, B, S]


# Overflow: queue_length.


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        (0, [B, S, S, S, S, S]),
        (1, [B, B, S, S, S, S]),
        (2, [B, B, B, S, S, S]),
        (3, [B, B, B, B, S, S]),
    ],
)
def test_queue_length_sends_to_spot_once_threshold_referrals_already_wait(threshold, expected):
    # One slot busy for 10 days from day 1; one referral a day; R(k) finds k - 2 waiting.
    # It goes to spot when the slot is busy and at least `threshold` already wait.
    scenario = micro(
        horizon=6.9,
        hours=240.0,
        commissioning__spot=market(slots=10, arrangement_days=0.5),
        commissioning__overflow={"rule": "queue_length", "threshold": threshold},
    )
    frame = cases(scenario)
    assert frame["route"].astype(object).tolist() == expected
    # Spot has free advocates: every spot case starts when its 0.5-day arrangement ends.
    spot = frame[frame["route"] == S]
    assert spot["wait_days"].tolist() == pytest.approx([0.5] * len(spot))


def test_queue_length_under_priority_counts_only_those_ahead():
    # Seed 0 draws the types other, other, care_act, care_act. Standard statutory
    # (care_act) is class 2, standard non-statutory (other) class 3; threshold 1.
    data = mmc_data(arrivals_per_day=1.0, horizon_days=4.9, seed=0)
    data["demand"]["arrivals"] = "deterministic"
    data["demand"]["mix"] = {
        "care_act": {"share": 0.5, "hours": {"dist": "fixed", "mean": 240.0}},
        "other": {"share": 0.5, "hours": {"dist": "fixed", "mean": 240.0}, "statutory": False},
    }
    data["commissioning"]["providers"][0]["skills"] = ["care_act", "other"]
    scenario = build(
        data,
        commissioning__triage="priority",
        commissioning__spot=market(slots=10, arrangement_days=0.5),
        commissioning__overflow={"rule": "queue_length", "threshold": 1},
    )
    frame = cases(scenario)
    assert frame["type"].astype(object).tolist() == ["other", "other", "care_act", "care_act"]
    # R1 takes the slot. R2 (class 3): nobody waiting: block. R3 (class 2): R2 waits but
    # behind it, so nobody is ahead: block. R4 (class 2): R3 is ahead: spot.
    assert frame["route"].astype(object).tolist() == [B, B, B, S]


# Overflow: block_hours.


def test_block_hours_go_to_spot_only_when_the_case_does_not_fit_what_is_left():
    # 48 contracted hours a year, all released at once (period: year); cases of 24 hours:
    # R1 leaves 24, R2 fits exactly in those 24 and leaves 0, R3 does not fit.
    provider = {
        "name": "A",
        "block_hours_per_year": 48.0,
        "caseload_cap": 1,
        "productive_share": 1.0,
        "hours_per_week": 168.0,
        "skills": ["care_act"],
    }
    scenario = micro(
        horizon=3.5,
        commissioning__providers=[provider],
        commissioning__spot=market(slots=10, arrangement_days=0.25),
        commissioning__overflow={"rule": "block_hours", "period": "year"},
    )
    assert routes(scenario) == [B, B, S]


def test_block_hours_start_afresh_each_contract_year():
    # The same 48 hours a year; referrals on days 100, 200, 300, 400 and 500. Year one
    # (days 0-365): R1 and R2 use the 48 hours, R3 goes to spot. Year two: 48 again,
    # for R4 and R5.
    provider = {
        "name": "A",
        "block_hours_per_year": 48.0,
        "caseload_cap": 1,
        "productive_share": 1.0,
        "hours_per_week": 168.0,
        "skills": ["care_act"],
    }
    scenario = micro(
        per_day=0.01,
        horizon=520.0,
        commissioning__providers=[provider],
        commissioning__spot=market(slots=10, arrangement_days=0.25),
        commissioning__overflow={"rule": "block_hours", "period": "year"},
    )
    assert cases(scenario)["arrival_day"].tolist() == pytest.approx([100, 200, 300, 400, 500])
    assert routes(scenario) == [B, B, S, B, B]


# The hub's choice among partners.


def hub(partners: int, **changes):
    """A hub routing each referral on arrival (``queue: routed``) to one of its partners."""
    provider = {
        "advocates": 1.0,
        "caseload_cap": 1,
        "productive_share": 1.0,
        "hours_per_week": 168.0,
        "skills": ["care_act"],
    }
    providers = [{**provider, "name": name} for name in "ABC"[:partners]]
    settings = {
        "commissioning__model": "hub",
        "commissioning__providers": providers,
        "commissioning__hub": {"triage_hours": 0.0, "queue": "routed"},
    }
    return micro(**{**settings, **changes})


def test_hub_takes_the_first_partner_on_a_tie_and_else_the_shortest_wait():
    # Cases of 9 hours = 0.375 days; four referrals a day, at 0.25, 0.5, 0.75, ...
    # R1: both free (a tie at 0): A. R2: A busy (0.375 days to wait), B free: B.
    # R3: A free again (since 0.625), B busy: A. And so on, alternately.
    frame = cases(hub(2, per_day=4.0, hours=9.0, horizon=2.1))
    assert frame["provider"].astype(object).tolist() == ["A", "B"] * 4
    # Each case ends before the next referral: every partner is free each time, so the
    # first listed takes them all.
    frame = cases(hub(3, per_day=1.0, hours=12.0, horizon=5.5))
    assert frame["provider"].astype(object).tolist() == ["A"] * 5


def test_one_advocate_holds_every_slot_of_a_one_advocate_pool():
    # One advocate with a caseload of 3: three cases open at once, all with advocate 0.
    frame = cases(micro(horizon=3.5, hours=240.0, commissioning__providers__0__caseload_cap=3))
    assert frame["allocated_day"].tolist() == pytest.approx([1.0, 2.0, 3.0])
    assert frame["advocate"].tolist() == [0, 0, 0]


# Withdrawal after a breach.


def test_a_withdrawn_referral_leaves_the_queue_and_the_next_one_is_served():
    frame = cases(withdrawing())
    # R1 1.0-3.25; R2 (due to go ahead at 4.25) 3.25-5.5; R3 withdrawn at 5.25 before
    # the slot frees; R4 5.5-7.75; R5 withdrawn at 7.25; R6 7.75 (open at 9.5);
    # R7 withdrawn at 9.25; R8 and R9 still wait.
    nan = float("nan")
    assert frame["allocated_day"].tolist() == pytest.approx(
        [1.0, 3.25, nan, 5.5, nan, 7.75, nan, nan, nan], nan_ok=True
    )
    assert frame["status"].astype(object).tolist() == [
        "completed",
        "completed",
        "unserved",
        "completed",
        "unserved",
        "open",
        "unserved",
        "waiting",
        "waiting",
    ]
    withdrawn = [False, False, True, False, True, False, True, False, False]  # R3, R5, R7
    assert frame["breached"].tolist() == withdrawn


def test_a_withdrawn_referral_no_longer_counts_in_the_queue_length():
    # As above with spot at a queue of 2. R5 finds R3 and R4 waiting: spot. R3 is then
    # withdrawn (5.25) and R4 served (5.5): R6 finds nobody waiting, R7 one (R6),
    # R8 one (R7, as R6 took the slot at 7.75), R9 two (R7, R8): spot.
    scenario = withdrawing(
        horizon=9.6,
        commissioning__spot=market(slots=10, arrangement_days=0.5),
        commissioning__overflow={"rule": "queue_length", "threshold": 2},
    )
    frame = cases(scenario)
    assert frame["route"].astype(object).tolist() == [B, B, B, B, S, B, B, B, S]
    assert frame["status"].astype(object).tolist()[2] == "unserved"


def test_several_withdrawn_at_once_all_leave_the_queue_length():
    # Four referrals wait on day 0, each due to go ahead 2.25 days later; threshold 2;
    # cases of 240 hours = 10 days. I1 takes the slot; I2, I3 queue; I4 finds two
    # ahead: spot. A1 (day 1) and A2 (day 2) too. At 2.25 I2 and I3 are withdrawn, so
    # A3 (day 3) finds nobody ahead and A4 (day 4) one: block; A5 (day 5) two: spot.
    scenario = withdrawing(
        horizon=5.5,
        hours=240.0,
        demand__initial_waiting_list=4,
        commissioning__spot=market(slots=10, arrangement_days=0.5),
        commissioning__overflow={"rule": "queue_length", "threshold": 2},
    )
    frame = cases(scenario)
    assert frame["carried_over"].isna().tolist() == [False] * 4 + [True] * 5
    assert frame["route"].astype(object).tolist() == [B, B, B, S, S, S, B, B, S]
    assert frame["status"].astype(object).tolist()[1:3] == ["unserved", "unserved"]


def test_a_process_going_ahead_at_once_still_gets_an_advocate_free_at_once():
    # Deadline 0 days, withdrawal, spot only with nothing to arrange and ample advocates:
    # each referral is allocated the instant it arrives, which is in time.
    frame = cases(
        withdrawing(
            horizon=3.5,
            demand__deadline_days=fixed(0.0),
            commissioning__model="spot_only",
            commissioning__spot=market(slots=10, arrangement_days=0.0),
        )
    )
    assert frame["allocated_day"].tolist() == pytest.approx([1.0, 2.0, 3.0])
    assert frame["status"].astype(object).tolist() == ["completed", "open", "open"]  # 2.25 days
    assert not frame["breached"].any()
    # Three referrals waiting on day 0, threshold 1: W1 takes the slot, W2 waits, W3 finds
    # W2 ahead: spot. Only then, still at day 0, do W2 and W3 go ahead without one.
    frame = cases(
        withdrawing(
            horizon=1.5,
            per_day=0.0,
            demand__deadline_days=fixed(0.0),
            demand__initial_waiting_list=3,
            commissioning__spot=market(slots=10, arrangement_days=0.5),
            commissioning__overflow={"rule": "queue_length", "threshold": 1},
        )
    )
    assert frame["route"].astype(object).tolist() == [B, B, S]
    assert frame["status"].astype(object).tolist() == ["open", "unserved", "unserved"]


def test_a_referral_withdrawn_while_spot_is_arranged_is_never_bought():
    # Spot only, 3 days to arrange; the process goes ahead after 2: R1 to R4 are
    # withdrawn on days 3 to 6, mid-arrangement; R5 and R6 are still being arranged.
    frame = cases(
        withdrawing(
            horizon=6.5,
            demand__deadline_days={"dist": "fixed", "mean": 2.0},
            commissioning__model="spot_only",
            commissioning__spot=market(slots=10, arrangement_days=3.0),
        )
    )
    assert frame["allocated_day"].isna().all()
    assert frame["status"].astype(object).tolist() == ["unserved"] * 4 + ["waiting"] * 2


def test_a_referral_withdrawn_during_hub_triage_is_never_routed():
    # Triage takes 3 days; the process goes ahead after 2: nobody reaches a partner.
    frame = cases(
        hub(
            2,
            horizon=6.5,
            demand__deadline_days={"dist": "fixed", "mean": 2.0},
            demand__breach="withdraw",
            commissioning__hub={"triage_hours": 0.0, "triage_days": {"dist": "fixed", "mean": 3.0}},
        )
    )
    assert frame["provider"].isna().all() and frame["allocated_day"].isna().all()
    assert frame["status"].astype(object).tolist() == ["unserved"] * 4 + ["waiting"] * 2
