"""Deterministic micro-processes and extreme cases whose answer is exact whatever the seed."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.metrics import cases_frame, per_replication
from simulator.model import simulate
from tests.helpers import build, mmc_data


def fixed(data, hours):
    data["demand"]["mix"]["care_act"]["hours"] = {"dist": "fixed", "mean": hours}
    data["demand"]["arrivals"] = "deterministic"
    return data


def test_fixed_hours_give_exact_end_times():
    # One referral a day, each needing 36 hours = 1.5 days on one slot working 24 h/day.
    data = fixed(mmc_data(arrivals_per_day=1.0, horizon_days=6.5), 36.0)
    scenario = build(data, follow_up_days=0.0)  # stop at the horizon
    records = simulate(scenario, 0)
    assert records.referrals.arrival_day.tolist() == pytest.approx([1, 2, 3, 4, 5, 6])
    # Arrivals at 1, 2, 3 ...; service 1.5 days; FIFO on one server.
    assert records.allocated_day.tolist()[:4] == pytest.approx([1.0, 2.5, 4.0, 5.5])
    assert records.end_day.tolist()[:3] == pytest.approx([2.5, 4.0, 5.5])
    assert np.isnan(records.end_day[3])  # still open at the horizon
    assert np.isnan(records.allocated_day[4:]).all()  # still waiting


def test_unlimited_advocates_give_zero_waits():
    scenario = build(mmc_data(servers=500, arrivals_per_day=5.0, horizon_days=200))
    cases = cases_frame([simulate(scenario, 0)], scenario)
    assert len(cases) > 800
    assert (cases["wait_days"] == 0).all()


def test_zero_referrals_give_empty_results_and_the_block_cost_only():
    scenario = build(mmc_data(arrivals_per_day=0.0, horizon_days=365.0))
    records = simulate(scenario, 0)
    assert len(records.referrals) == 0
    assert cases_frame([records], scenario).empty
    figures = per_replication([records], scenario).set_index(["metric", "group"])["value"]
    hours_per_year = 1 * 168 * 1.0 * 365 / 7
    assert figures["cost_block", "all"] == pytest.approx(hours_per_year * 40.0)
    assert figures["cost_total", "all"] == figures["cost_block", "all"]
    assert figures["referrals", "all"] == 0
    assert figures["block_utilisation", "all"] == 0
    assert np.isnan(figures["wait_mean_days", "all"])


def test_priority_triage_serves_urgent_then_statutory_first():
    # One slot busy with the first referral; then three wait. Priority order, not arrival.
    data = fixed(mmc_data(arrivals_per_day=1.0, horizon_days=20), 24.0 * 3.5)
    data["demand"]["mix"] = {
        "care_act": {"share": 0.5, "hours": {"dist": "fixed", "mean": 84.0}},
        "other": {"share": 0.5, "hours": {"dist": "fixed", "mean": 84.0}, "statutory": False},
    }
    data["commissioning"]["providers"][0]["skills"] = ["care_act", "other"]
    data["demand"]["urgent_share"] = 0.3
    data["commissioning"]["triage"] = "priority"
    scenario = build(data)
    records = simulate(scenario, 0)
    ref = records.referrals
    allocated = records.allocated_day
    order = np.argsort(np.where(np.isnan(allocated), np.inf, allocated), kind="stable")
    served = [i for i in order if not np.isnan(allocated[i])]
    # Every referral served after the first waited; at each allocation, nobody of a
    # better class who had already arrived was left waiting.
    cls = 2 * (~ref.urgent).astype(int) + (~ref.statutory).astype(int)
    assert len(set(cls.tolist())) > 2, "the seed should give several classes"
    for i in served[1:]:
        t = allocated[i]
        waiting = (ref.arrival_day <= t) & ((allocated > t) | np.isnan(allocated))
        assert not (waiting & (cls < cls[i])).any()


def test_fifo_triage_serves_in_arrival_order():
    data = fixed(mmc_data(arrivals_per_day=1.0, horizon_days=30), 30.0)
    data["demand"]["urgent_share"] = 0.5
    records = simulate(build(data), 0)
    allocated = records.allocated_day[~np.isnan(records.allocated_day)]
    assert (np.diff(allocated) > 0).all()


def test_missing_skill_is_unserved_not_dropped():
    data = mmc_data(arrivals_per_day=2.0, horizon_days=100)
    data["demand"]["needs"] = {"bsl": 0.25}
    cases = cases_frame([simulate(build(data), 0)], build(data))
    bsl = cases[cases["need"] == "bsl"]
    assert len(bsl) > 20
    assert (bsl["status"] == "unserved").all()
    assert bsl["route"].isna().all() and bsl["allocated_day"].isna().all()
    assert (cases.loc[cases["need"].isna(), "status"] != "unserved").all()


def test_withdrawn_breaches_leave_the_list_and_kept_ones_wait_on():
    base = mmc_data(arrivals_per_day=1.5, horizon_days=200)  # overloaded: rho = 1.5
    base["demand"]["deadline_days"] = {"dist": "fixed", "mean": 3.0}
    keep = build(base)
    withdraw = build(base, demand__breach="withdraw")
    kept, gone = simulate(keep, 0), simulate(withdraw, 0)
    kept_cases, gone_cases = cases_frame([kept], keep), cases_frame([gone], withdraw)
    late = kept_cases["wait_days"] > 3.0
    assert late.sum() > 10
    assert kept_cases.loc[late, "breached"].all()
    assert not kept_cases.loc[kept_cases["wait_days"] <= 3.0, "breached"].any()
    # Withdrawn: never allocated after the deadline; they end unserved and breached.
    assert (gone_cases["wait_days"].dropna() <= 3.0 + 1e-9).all()
    withdrawn = gone_cases[gone.withdrawn & (gone.referrals.deadline_day < 200)]
    assert len(withdrawn) > 10
    assert (withdrawn["status"] == "unserved").all() and withdrawn["breached"].all()
    assert gone_cases["status"].eq("waiting").sum() <= kept_cases["status"].eq("waiting").sum()


def test_initial_waiting_list_is_served_first_and_carried_over():
    data = fixed(mmc_data(arrivals_per_day=0.5, horizon_days=40), 24.0)
    data["demand"]["initial_waiting_list"] = 5
    scenario = build(data)
    records = simulate(scenario, 0)
    cases = cases_frame([records], scenario)
    carried = cases[cases["carried_over"] == "waiting"]
    assert len(carried) == 5 and (carried["arrival_day"] == 0).all()
    assert carried["allocated_day"].tolist() == pytest.approx([0, 1, 2, 3, 4])
    figures = per_replication([records], scenario).set_index(["metric", "group"])["value"]
    assert figures["referrals", "all"] == (cases["carried_over"].isna()).sum()


def test_initial_open_cases_hold_slots_on_day_zero():
    data = fixed(mmc_data(servers=2, arrivals_per_day=1.0, horizon_days=10), 24.0)
    data["demand"]["initial_open_cases"] = 2
    scenario = build(data)
    records = simulate(scenario, 0)
    cases = cases_frame([records], scenario)
    open_at_start = cases[cases["carried_over"] == "open"]
    assert len(open_at_start) == 2 and (open_at_start["allocated_day"] == 0).all()
    # Their remaining hours are a fraction of a case, so they end within a day.
    assert (open_at_start["end_day"] <= 1.0).all()


def test_warm_up_is_a_filter_not_a_reset():
    data = mmc_data(arrivals_per_day=0.8, horizon_days=400)
    plain, warmed = build(data), build(data, warm_up_days=100.0)
    a, b = simulate(plain, 0), simulate(warmed, 0)
    np.testing.assert_array_equal(a.allocated_day, b.allocated_day)  # same run
    fa = per_replication([a], plain).set_index(["metric", "group"])["value"]
    fb = per_replication([b], warmed).set_index(["metric", "group"])["value"]
    assert fb["referrals", "all"] == (a.referrals.arrival_day >= 100).sum()
    assert fb["cost_block", "all"] == pytest.approx(fa["cost_block", "all"] * 300 / 400)


def test_working_day_targets_count_weekdays():
    # start_date 2026-04-06 is a Monday; a referral on Friday with a 1-day target is due Monday.
    data = fixed(mmc_data(arrivals_per_day=1.0, horizon_days=12), 1.0)
    data["targets"] = {"urgent_working_days": 1, "standard_working_days": 1}
    scenario = build(data)
    cases = cases_frame([simulate(scenario, 0)], scenario)
    due = dict(zip(cases["arrival_day"].round().astype(int), cases["target_day"], strict=True))
    assert due[1] == 2  # Tuesday -> Wednesday
    assert due[4] == 7  # Friday -> Monday
    assert due[5] == 8  # Saturday -> end of Monday
    assert due[6] == 8  # Sunday -> end of Monday


def test_a_slot_freed_at_an_instant_is_free_for_a_referral_arriving_then():
    # One slot; spot whenever it is busy. Seeded types: R1 care_act (1.5 days) on day 1,
    # R2 imca (0.5 days) on day 2, waiting for the slot until 2.5 and done at 3.0, R3 on day
    # 3.0 exactly. The slot frees at 3.0, so R3 takes it, whichever case was scheduled first.
    spot = {
        "market_advocates": 10.0, "caseload_cap": 1, "hours_per_week": 168.0,
        "productive_share": 1.0, "arrangement_days": {"dist": "fixed", "mean": 0.5},
        "skills": ["care_act"],
    }  # fmt: skip
    data = mmc_data(arrivals_per_day=1.0, horizon_days=3.6, seed=6)
    data["demand"]["arrivals"] = "deterministic"
    data["demand"]["mix"] = {
        "care_act": {"share": 0.5, "hours": {"dist": "fixed", "mean": 36.0}},
        "imca": {"share": 0.5, "hours": {"dist": "fixed", "mean": 12.0}},
    }
    data["commissioning"]["providers"][0]["skills"] = ["care_act", "imca"]
    scenario = build(
        data,
        commissioning__spot=spot,
        commissioning__overflow={"rule": "queue_length", "threshold": 0},
    )
    cases = cases_frame([simulate(scenario, 0)], scenario)
    assert cases["type"].tolist() == ["care_act", "imca", "care_act"]
    assert cases["route"].tolist() == ["block", "block", "block"]
    assert cases["allocated_day"].tolist() == pytest.approx([1.0, 2.5, 3.0])
