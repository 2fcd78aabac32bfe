"""The engine's routing through hubs, flex hours, block hours and day-0 caseloads, worked
out by hand on tiny deterministic scenarios (``tests/micro.py`` says how they run)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from simulator.briefing import wait_notes
from simulator.metrics import cases_frame, daily_frame, per_replication, summarise
from simulator.model import simulate
from tests.micro import market, micro, withdrawing

B, S, F = "block", "spot", "flex"


def fixed(days: float) -> dict:
    return {"dist": "fixed", "mean": days}


def cases(scenario):
    return cases_frame([simulate(scenario, 0)], scenario)


def column(frame, name: str) -> list:
    """A labelled column as a list, None where it is null."""
    return [None if pd.isna(value) else value for value in frame[name].astype(object)]


def partner(name: str, slots: int = 1, **changes) -> dict:
    """A provider of ``slots`` one-case advocates working 24 hours a day."""
    return {
        "name": name,
        "advocates": float(slots),
        "caseload_cap": 1,
        "productive_share": 1.0,
        "hours_per_week": 168.0,
        "skills": ["care_act"],
        **changes,
    }


def flex(arrangement_days: float) -> dict:
    """One flex slot working 24 hours a day, agreed in ``arrangement_days``."""
    return {
        "rate_per_hour": 50.0,
        "advocates": 1.0,
        "caseload_cap": 1,
        "productive_share": 1.0,
        "hours_per_week": 168.0,
        "arrangement_days": fixed(arrangement_days),
    }


AT_ONCE = {"urgent_working_days": 0, "standard_working_days": 0}  # due on arrival


# The hub: one shared queue, or routed to a partner on arrival.


def test_a_routed_hub_sends_each_referral_to_the_shortest_expected_wait_and_it_waits_there():
    # Two partners of one slot; cases of 36 hours = 1.5 days; referrals at 0.5, 1.0, 1.5,
    # 2.0 and 2.5. The expected wait at a busy partner is (waiting + 1) x 1.5 days.
    # R1 (0.5): both free, a tie: A, until 2.0. R2 (1.0): A 1.5, B free: B, until 2.5.
    # R3 (1.5): both 1.5, a tie: A's queue; A takes it when R1 ends at 2.0 (until 3.5).
    # R4 (2.0, after that case end): A and B busy, nobody waiting: 1.5 each: A's queue,
    # where it is still waiting at the horizon (2.6). R5 (2.5, just after B frees): B.
    common = {
        "per_day": 2.0,
        "hours": 36.0,
        "horizon": 2.6,
        "commissioning__model": "hub",
        "commissioning__providers": [partner("A"), partner("B")],
    }
    routed = cases(micro(**common, commissioning__hub={"triage_hours": 0.0, "queue": "routed"}))
    assert column(routed, "provider") == ["A", "B", "A", "A", "B"]
    assert routed["allocated_day"].tolist() == pytest.approx([0.5, 1.0, 2.0, float("nan"), 2.5],
                                                             nan_ok=True)  # fmt: skip
    # Shared: R3 and R4 wait in the hub's queue; A takes R3 at 2.0, B takes R4 when it frees
    # at 2.5, and R5 (2.5) then waits in the hub queue, with no partner yet.
    shared = cases(micro(**common, commissioning__hub={"triage_hours": 0.0, "queue": "shared"}))
    assert column(shared, "provider") == ["A", "B", "A", "B", None]
    assert shared["allocated_day"].tolist() == pytest.approx([0.5, 1.0, 2.0, 2.5, float("nan")],
                                                             nan_ok=True)  # fmt: skip


def test_a_shared_hub_expects_a_wait_over_all_its_partners_slots():
    # A holds 2 slots and B 1; cases of 24 hours = 1 day; referrals every 1/8 day from
    # 0.125; due at once (0 working days), so a referral overflows when any wait is
    # expected and spot (0.4 days to arrange, free) is expected sooner. With a slot free
    # the hub expects no wait: R1, R2 and R3 take A, A and B. Then every slot is busy:
    # the hub expects (waiting + 1) x 1 day / 3 slots. R4 (nobody waiting): 1/3 < 0.4:
    # kept, to wait in the hub queue. R5, R6, R7 (R4 waiting): 2/3 > 0.4: spot, bought
    # 0.4 days later (in the follow-up).
    scenario = micro(
        per_day=8.0,
        horizon=0.95,
        follow_up_days=2.0,
        targets=AT_ONCE,
        commissioning__model="hub",
        commissioning__hub={"triage_hours": 0.0},
        commissioning__providers=[partner("A", slots=2), partner("B")],
        commissioning__spot=market(slots=10, arrangement_days=0.4),
        commissioning__overflow={"rule": "expected_wait"},
    )
    frame = cases(scenario)
    assert frame["arrival_day"].tolist() == pytest.approx([0.125 * k for k in range(1, 8)])
    assert column(frame, "route") == [B, B, B, B, S, S, S]
    assert column(frame, "provider")[:3] == ["A", "A", "B"]
    assert frame["allocated_day"].tolist()[4:] == pytest.approx([1.025, 1.15, 1.275])


def test_block_hours_count_every_hub_partners_contract():
    # A shared hub of two partners with 24 block hours a year each, released at once:
    # 48 hours. Cases of 24 hours on days 1, 2 and 3: R1 and R2 use the 48, R3 goes to spot.
    scenario = micro(
        horizon=3.5,
        commissioning__model="hub",
        commissioning__hub={"triage_hours": 0.0},
        commissioning__providers=[
            partner("A", advocates=None, block_hours_per_year=24.0),
            partner("B", advocates=None, block_hours_per_year=24.0),
        ],
        commissioning__spot=market(slots=10, arrangement_days=0.25),
        commissioning__overflow={"rule": "block_hours", "period": "year"},
    )
    assert column(cases(scenario), "route") == [B, B, S]


def test_the_first_case_fits_exactly_in_the_block_hours_released():
    # 24 block hours a year, released at once; the first case needs exactly 24: it is kept,
    # and leaves nothing for the second.
    scenario = micro(
        horizon=2.5,
        commissioning__providers=[partner("A", advocates=None, block_hours_per_year=24.0)],
        commissioning__spot=market(slots=10, arrangement_days=0.25),
        commissioning__overflow={"rule": "block_hours", "period": "year"},
    )
    assert column(cases(scenario), "route") == [B, S]


# Flex hours: the provider's own, and only that provider's.


def test_a_shared_hub_overflows_to_a_partners_flex_hours():
    # A (with one flex slot, agreed in 0.25 days) and B, one slot each; no spot market.
    # Cases of 24 hours every 1/8 day from 0.125, due at once. R1 and R2 take A and B.
    # R3 (0.375): the hub expects 1 day / 2 slots = 0.5 > 0.25 for A's flex (free): flex,
    # agreed and allocated at 0.625 (in the follow-up).
    scenario = micro(
        per_day=8.0,
        horizon=0.4,
        follow_up_days=1.0,
        targets=AT_ONCE,
        commissioning__model="hub",
        commissioning__hub={"triage_hours": 0.0},
        commissioning__providers=[partner("A", flex=flex(0.25)), partner("B")],
        commissioning__overflow={"rule": "expected_wait"},
    )
    frame = cases(scenario)
    assert column(frame, "route") == [B, B, F]
    assert column(frame, "provider") == ["A", "B", "A flex"]
    assert frame["allocated_day"].tolist() == pytest.approx([0.125, 0.25, 0.625])


def test_overflow_uses_the_flex_hours_of_the_provider_chosen_only():
    # Single provider, two contracts with the skill: R1 goes to A (room), R2 to B (A is
    # full); R3 finds both full and goes to A (equal expected waits: the first). A has no
    # flex, and B's flex is B's, not A's; no spot market: nowhere else to go, so R3 queues
    # at A. Cases of 24 hours every 1/8 day from 0.125, due at once.
    scenario = micro(
        per_day=8.0,
        horizon=0.4,
        targets=AT_ONCE,
        commissioning__providers=[partner("A"), partner("B", flex=flex(0.25))],
        commissioning__overflow={"rule": "expected_wait"},
    )
    frame = cases(scenario)
    assert column(frame, "route") == [B, B, B]
    assert column(frame, "provider") == ["A", "B", "A"]
    assert frame["allocated_day"].tolist() == pytest.approx([0.125, 0.25, float("nan")],
                                                            nan_ok=True)  # fmt: skip
    # B's flex hours are still bought (a pool of one free slot), though A has none.
    daily = daily_frame([simulate(scenario, 0)], scenario)
    assert daily["free_slots[B flex]"].tolist() == [1]


def test_one_flex_advocate_holds_every_flex_slot():
    # A (one slot) with one flex advocate holding 2 cases (each worked 12 hours a day); no
    # spot. Cases of 24 hours every 1/8 day from 0.125, due at once. R1 takes A. R2 (0.25)
    # and R3 (0.375): A would be free in 1 day, flex (free while they are agreed) in 0.25:
    # flex, joining at 0.5 and 0.625, both with flex advocate 0.
    flex_two = {**flex(0.25), "caseload_cap": 2}
    scenario = micro(
        per_day=8.0,
        horizon=0.4,
        follow_up_days=1.0,
        targets=AT_ONCE,
        commissioning__providers=[partner("A", flex=flex_two)],
        commissioning__overflow={"rule": "expected_wait"},
    )
    frame = cases(scenario)
    assert column(frame, "provider") == ["A", "A flex", "A flex"]
    assert frame["allocated_day"].tolist() == pytest.approx([0.125, 0.5, 0.625])
    assert column(frame, "advocate") == [0, 0, 0]


# Cases open on day 0.


def test_a_case_open_on_day_0_without_a_free_slot_with_its_skill_waits_at_its_provider():
    # Everyone needs BSL; only A (one slot) has it, B (one slot) does not; no spot market.
    # Two cases are open on day 0: the first holds A's slot, the second waits at A (the
    # hub, routed, sends it to the only partner able to serve it) and A takes it when the
    # first closes. Their hours are what is left of each case (drawn), at 24 hours a day.
    bsl = ["care_act", "bsl"]
    scenario = micro(
        per_day=0.0,
        horizon=3.0,
        demand__needs={"bsl": 1.0},
        demand__initial_open_cases=2,
        commissioning__model="hub",
        commissioning__hub={"triage_hours": 0.0, "queue": "routed"},
        commissioning__providers=[partner("A", skills=bsl), partner("B")],
    )
    records = simulate(scenario, 0)
    first, second = records.referrals.hours.tolist()
    assert 0 < first < 24 and 0 < second < 24  # both end within the horizon
    frame = cases_frame([records], scenario)
    assert column(frame, "provider") == ["A", "A"]
    assert frame["allocated_day"].tolist() == pytest.approx([0.0, first / 24])
    assert frame["end_day"].tolist() == pytest.approx([first / 24, (first + second) / 24])


# What happens exactly at the horizon.


def figures(scenario) -> dict[tuple[str, str], float]:
    values = per_replication([simulate(scenario, 0)], scenario)
    return values.set_index(["metric", "group"])["value"].to_dict()


def test_a_target_due_exactly_when_the_run_stops_is_not_yet_decided():
    # One slot, cases of 3 days, target 1 working day. R1 (Tuesday, day 1) is allocated
    # at once, in time. R2 (Wednesday, day 2) is due on day 3, the horizon, and still waits
    # (R1 holds the slot to day 4): not yet decided, so the share within target is R1's.
    one_day = {"urgent_working_days": 1, "standard_working_days": 1}
    scenario = micro(horizon=3.0, hours=72.0, targets=one_day)
    assert cases(scenario)["target_day"].tolist() == [2.0, 3.0]
    assert figures(scenario)["within_target_share", "all"] == 1.0


def test_a_spot_case_allocated_at_the_horizon_is_bought_in_the_follow_up():
    # A spot market of one slot, arranged at once; cases of 2 days on days 1 and 2. R1
    # holds the slot from 1 to 3; R2 waits, and takes it at 3, the horizon itself, which
    # the follow-up handles: bought after the measured window.
    scenario = micro(
        horizon=3.0,
        hours=48.0,
        follow_up_days=1.0,
        commissioning__model="spot_only",
        commissioning__spot=market(slots=1, arrangement_days=0.0),
    )
    assert simulate(scenario, 0).allocated_day.tolist() == [1.0, 3.0]
    # At the horizon R1's case is still open and R2 still waiting: what happens at the
    # horizon itself belongs to the follow-up.
    assert column(cases(scenario), "status") == ["open", "waiting"]
    values = figures(scenario)
    assert values["spot_cases", "all"] == 1.0
    assert values["spot_hours", "all"] == 48.0


def test_a_referral_withdrawn_at_the_horizon_is_still_waiting_then():
    # Withdrawn 2.25 days after referral, cases of 2.25 days: R3 (day 3) is withdrawn at
    # 5.25, the horizon, in the follow-up: at the horizon it was still waiting.
    frame = cases(withdrawing(horizon=5.25, follow_up_days=1.0))
    assert column(frame, "outcome")[2] == "withdrawn"
    assert column(frame, "status")[2] == "waiting"


# Working-day targets past the horizon.


def test_a_target_in_the_follow_up_skips_the_bank_holidays_of_that_year():
    # One referral, Tuesday 2 June 2026 (day 1), 150 working days. 150 weekdays is 30 weeks:
    # Tuesday 29 December; the bank holidays on the way (31 August, 25 and 28 December)
    # push it 3 working days on: 30 and 31 December, then past New Year's Day 2027 to
    # Monday 4 January 2027, day 217. The 800-day follow-up needs 2027's holidays too.
    scenario = micro(
        horizon=1.5,
        follow_up_days=800.0,
        targets={"urgent_working_days": 150, "standard_working_days": 150},
    )
    assert cases(scenario)["target_day"].tolist() == [217.0]


# When the follow-up runs.


def test_the_follow_up_runs_only_while_someone_of_the_window_is_still_waiting():
    # One slot, cases of 2 days. R1 (day 1) is allocated at once, so nobody waits at the
    # horizon (1.5): the run stops there, with R1's case still open, despite 5 days allowed.
    records = simulate(micro(horizon=1.5, hours=48.0, follow_up_days=5.0), 0)
    assert records.followed_to == 1.5
    assert records.allocated_day.tolist() == [1.0]
    assert math.isnan(records.end_day[0])
    # Withdrawn 2.25 days after referral, cases of 2.25 days: R1 1.0-3.25, R2 3.25-5.5, R3
    # (day 3) goes on waiting until its deadline, 5.25. With no follow-up and the horizon
    # at exactly 5.25, the run stops before that deadline is handled: R3 is still waiting.
    records = simulate(withdrawing(horizon=5.25), 0)
    assert records.followed_to == 5.25
    assert records.withdrawn.tolist() == [False, False, False, False, False]
    # Horizon 5.0 and half a day of follow-up: R3 is withdrawn at 5.25, and R4 (day 4)
    # takes the slot when R2's case closes at 5.5, the follow-up's last instant.
    records = simulate(withdrawing(horizon=5.0, follow_up_days=0.5), 0)
    assert records.followed_to == 5.5
    assert records.withdrawn.tolist() == [False, False, True, False]
    assert records.allocated_day.tolist()[3] == 5.5


# Queues: the first referral, and other buyers' cases on the spot market.


def test_the_first_referral_is_allocated_when_it_comes_up_in_a_queue():
    # Two people wait on day 0 for a spot market of one slot, nobody else arrives. The
    # market takes 0.25 or 3 days to arrange a case (drawn): with seed 0, R0 draws 3 and R1
    # 0.25. R1 joins at 0.25 and holds the slot for 3 days (72 hours), to 3.25; R0 joins
    # at 3.0, waits, and takes the slot when R1's case closes.
    spot = {
        **market(slots=1, arrangement_days=0.0),
        "arrangement_days": {"dist": "empirical", "values": [0.25, 3.0]},
    }
    scenario = micro(
        per_day=0.0,
        horizon=5.0,
        hours=72.0,
        seed=0,
        demand__initial_waiting_list=2,
        commissioning__model="spot_only",
        commissioning__spot=spot,
    )
    records = simulate(scenario, 0)
    assert records.referrals.arrangement_days.tolist() == [3.0, 0.25]
    assert records.queued_day.tolist() == pytest.approx([3.0, 0.25])
    assert records.allocated_day.tolist() == pytest.approx([3.25, 0.25])
    # The waiting list: R0 from 0 to 3.25, R1 from 0 to 0.25.
    assert records.waiting_days == pytest.approx(3.5)


def test_the_first_referral_is_taken_from_a_shared_hub_queue_by_its_partner():
    # The same with a shared hub of one partner (A, one slot) whose lead takes 0.25 or 3
    # days to triage (drawn; seed 0: R0 3, R1 0.25). R1 reaches the hub queue at 0.25 and
    # A takes it to 3.25; R0 arrives in the hub queue at 3.0 and waits: A takes it at 3.25.
    triage = {"dist": "empirical", "values": [0.25, 3.0]}
    scenario = micro(
        per_day=0.0,
        horizon=5.0,
        hours=72.0,
        seed=0,
        demand__initial_waiting_list=2,
        commissioning__model="hub",
        commissioning__hub={"triage_hours": 0.0, "triage_days": triage},
        commissioning__providers=[partner("A")],
    )
    records = simulate(scenario, 0)
    assert records.referrals.triage_days.tolist() == [3.0, 0.25]
    frame = cases_frame([records], scenario)
    assert frame["queued_day"].tolist() == pytest.approx([3.0, 0.25])
    assert frame["allocated_day"].tolist() == pytest.approx([3.25, 0.25])
    assert column(frame, "provider") == ["A", "A"]


def other_buyers(**changes):
    """A spot-only market of one slot that other buyers also use: about one case of a day
    (24 hours) a day, seeded; none of ours arrive during the run."""
    spot = {
        **market(slots=1, arrangement_days=0.0),
        "other_referrals_per_year": 365.0,
        "other_hours": fixed(24.0),
    }
    settings = {"per_day": 0.0, "horizon": 30.0, "seed": 0, "commissioning__spot": spot}
    return micro(commissioning__model="spot_only", **{**settings, **changes})


def test_other_buyers_cases_never_count_on_our_waiting_list():
    # Nothing of ours: the first other buyer's case finds the slot free, later ones queue
    # and are taken as it frees. Our waiting list stays empty throughout.
    records = simulate(other_buyers(), 0)
    assert len(records.referrals) == 0
    assert records.waiting_days == 0.0
    assert records.busy_slot_days[0] > 0
    # One of ours is open on day 0 and holds the slot (what is left of 20 days' work: 19.4
    # days, drawn); the first other buyer queues behind it and takes the slot at 19.4, and
    # the others keep it busy to the horizon. Ours never waited.
    records = simulate(other_buyers(hours=24.0 * 20, demand__initial_open_cases=1), 0)
    [days] = (records.referrals.hours / 24).tolist()
    assert 19 < days < 20
    assert records.allocated_day.tolist() == [0.0]
    assert records.end_day.tolist() == pytest.approx([days])
    # Times are floats even when every one recorded is the clock's first instant.
    frame = cases_frame([records], other_buyers(hours=24.0 * 20, demand__initial_open_cases=1))
    assert frame[["queued_day", "allocated_day", "end_day"]].dtypes.tolist() == ["float64"] * 3
    assert records.waiting_days == 0.0
    assert records.busy_slot_days.tolist() == pytest.approx([30.0])


def test_a_referral_on_the_list_when_the_follow_up_ends_is_still_waiting():
    # One slot, cases of 2 days on days 1 and 2, no follow-up: R2 waits at the horizon.
    frame = cases(micro(horizon=2.5, hours=48.0))
    assert column(frame, "outcome") == ["allocated", "still_waiting"]
    assert column(frame, "status") == ["open", "waiting"]


# The summary's note on lower bounds.


def note(scenario) -> list[str]:
    return wait_notes(summarise(per_replication([simulate(scenario, 0)], scenario), "S"))


TAIL = (
    "; the cost to serve counts what their hours would cost. Wait figures are lower bounds: "
    "each counts its days to the end of the follow-up or to leaving the list, so a few very "
    "long waits can lift the mean above the 90th percentile."
)


def test_one_referral_still_waiting_is_enough_for_the_note():
    # One slot, cases of 2 days on days 1 and 2: R2 is still waiting at the horizon (2.5).
    assert note(micro(horizon=2.5, hours=48.0)) == [
        "S: on average 1.0 people referred in the measured period never had an advocate (1.0 "
        "still waiting when the "
        "follow-up ended)" + TAIL
    ]


def test_one_referral_withdrawn_is_enough_for_the_note():
    # One slot, cases of 2.25 days from day 1, withdrawn when the process goes ahead 2.25
    # days after referral: R1 is allocated at 1, R2 at 3.25, and R3 (day 3) is withdrawn at
    # 5.25, in the follow-up. Nobody is still waiting, one left the list.
    assert note(withdrawing(horizon=3.5, follow_up_days=10.0)) == [
        "S: on average 1.0 people referred in the measured period never had an advocate (1.0 "
        "withdrawn after a "
        "breach)" + TAIL
    ]
