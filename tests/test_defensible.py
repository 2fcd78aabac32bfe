"""Numbers a commissioner can defend: cohort waits, arrivals before the horizon,
deadlines by type and urgency, block hours released by period, and hub triage
time taken off the target.

Each test builds a tiny deterministic scenario whose answer can be worked out by
hand (written beside it), and fails on the engine as it was before these rules.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator.demand import draw_referrals
from simulator.metrics import cases_frame, per_replication
from simulator.model import simulate
from tests.helpers import build, mmc_data


def one_slot_queue(hours: float, horizon_days: float, **changes) -> dict:
    """One slot working 24 hours a day; one referral a day, at days 1, 2, 3, ..."""
    data = mmc_data(arrivals_per_day=1.0, horizon_days=horizon_days)
    data["demand"]["arrivals"] = "deterministic"
    data["demand"]["mix"]["care_act"]["hours"] = {"dist": "fixed", "mean": hours}
    return build(data, **changes)


def values(scenario, rep: int = 0):
    records = simulate(scenario, rep)
    table = per_replication([records], scenario)
    return table.set_index(["metric", "group"])["value"], records


# ----------------------------------------------------------------- 1. cohort waits


def test_waits_count_everyone_in_the_window_not_only_those_allocated_by_the_horizon():
    # Referral k arrives on day k (k = 1..20, horizon 20.5) and needs 2 days of the one
    # slot, so it is allocated on day 2k - 1 and waits exactly k - 1 days: the true mean
    # is (0 + 1 + ... + 19) / 20 = 9.5. Counting only those allocated by day 20.5 (k <= 10)
    # would report 4.5, half of it.
    figures, records = values(one_slot_queue(48.0, 20.5))
    assert figures["referrals", "all"] == 20
    assert figures["wait_mean_days", "all"] == pytest.approx(9.5)
    assert figures["wait_median_days", "all"] == pytest.approx(9.5)
    # At the horizon k = 11..20 were still waiting (k = 11 is allocated on day 21).
    assert figures["still_waiting_end", "all"] == 10
    assert figures["waiting_list_end", "all"] == 10
    assert figures["still_waiting_after_follow_up", "all"] == 0
    # The follow-up stopped when the last of them (k = 20) was allocated, on day 39.
    assert records.followed_to == pytest.approx(39.0)
    # Time to close: allocated on day 2k - 1, closed two days later, arrived on day k:
    # k + 1 days, mean over k = 1..20 is 11.5.
    assert figures["time_to_close_mean_days", "all"] == pytest.approx(11.5)


def test_a_short_follow_up_counts_those_still_waiting_and_their_waits_as_lower_bounds():
    # As above with a 10-day follow-up (to day 30.5): k <= 15 are allocated (day 2k - 1
    # <= 29); k = 16..20 still wait and count 30.5 - k days each (14.5 ... 10.5).
    # Mean = (0 + ... + 14 + 14.5 + 13.5 + 12.5 + 11.5 + 10.5) / 20 = (105 + 62.5) / 20.
    figures, records = values(one_slot_queue(48.0, 20.5, follow_up_days=10.0))
    assert figures["still_waiting_after_follow_up", "all"] == 5
    assert figures["wait_mean_days", "all"] == pytest.approx(167.5 / 20)
    assert records.followed_to == pytest.approx(30.5)


def test_a_need_nobody_serves_waits_the_whole_follow_up_instead_of_having_no_wait():
    data = mmc_data(servers=5, arrivals_per_day=1.0, horizon_days=100.0)
    data["demand"]["needs"] = {"bsl": 0.2}  # no provider has bsl, and there is no spot
    figures, _ = values(build(data))
    assert figures["unserved", "need=bsl"] > 0
    # Each waits at least the 365-day follow-up (a lower bound, from arrival to its end).
    assert figures["wait_mean_days", "need=bsl"] >= 365.0
    assert figures["within_target_share", "need=bsl"] == 0.0
    assert figures["wait_mean_days", "need=none"] < 1.0


def test_a_higher_caseload_cap_keeps_cases_open_longer():
    # The same advocates at twice the caseload give each case half the hours a week:
    # waits fall but cases take longer to close, and time_to_close shows it.
    data = mmc_data(servers=2, arrivals_per_day=1.0, horizon_days=400.0)
    data["demand"]["mix"]["care_act"]["hours"] = {"dist": "fixed", "mean": 24.0}
    provider = "commissioning.providers.0.caseload_cap"
    one, _ = values(build(data, **{provider.replace(".", "__"): 1}))
    two, _ = values(build(data, **{provider.replace(".", "__"): 4}))
    assert two["wait_mean_days", "all"] < one["wait_mean_days", "all"]
    assert two["time_to_close_mean_days", "all"] > one["time_to_close_mean_days", "all"]


# ------------------------------------------------------ 2. only arrivals before the horizon


def test_deterministic_arrivals_stop_before_the_horizon():
    # One a day over 10 days puts referrals on days 1..9; the tenth would land exactly on
    # the horizon, and belongs to the period after it (it used to count as unserved).
    scenario = one_slot_queue(1.0, 10.0, follow_up_days=0.0)
    figures, records = values(scenario)
    assert records.referrals.arrival_day.tolist() == pytest.approx(list(range(1, 10)))
    assert figures["referrals", "all"] == 9
    assert figures["unserved", "all"] == 0


# ------------------------------------------------- 4. deadlines by type and by urgency


def test_deadlines_by_type_and_urgency_per_type_and_urgent_win():
    data = mmc_data(arrivals_per_day=20.0, horizon_days=30.0)
    data["demand"]["urgent_share"] = 0.5
    data["demand"]["deadline_days"] = {"dist": "fixed", "mean": 30.0}
    data["demand"]["urgent_deadline_days"] = {"dist": "fixed", "mean": 3.0}
    hours = {"dist": "fixed", "mean": 1.0}
    data["demand"]["mix"] = {
        "care_act": {
            "share": 0.5,
            "hours": hours,
            "deadline_days": {"dist": "fixed", "mean": 20.0},
            "urgent_deadline_days": {"dist": "fixed", "mean": 2.0},
        },
        "imca": {"share": 0.5, "hours": hours},  # falls back to the global deadlines
    }
    data["commissioning"]["providers"][0]["skills"] = ["care_act", "imca"]
    ref = draw_referrals(build(data), 42, 0)
    days = ref.deadline_day - ref.arrival_day
    expected = {(0, False): 20.0, (0, True): 2.0, (1, False): 30.0, (1, True): 3.0}
    for (type_index, urgent), deadline in expected.items():
        mask = (ref.type_index == type_index) & (ref.urgent == urgent)
        assert mask.sum() > 10
        assert days[mask] == pytest.approx(np.full(mask.sum(), deadline))


def test_urgent_deadline_without_a_standard_one_leaves_standard_referrals_without():
    data = mmc_data(arrivals_per_day=20.0, horizon_days=30.0)
    data["demand"]["urgent_share"] = 0.5
    data["demand"]["urgent_deadline_days"] = {"dist": "fixed", "mean": 2.0}
    ref = draw_referrals(build(data), 42, 0)
    days = ref.deadline_day - ref.arrival_day
    assert days[ref.urgent] == pytest.approx(np.full(ref.urgent.sum(), 2.0))
    assert np.isnan(days[~ref.urgent]).all()


# ------------------------------------------------------ 5. block hours by the month


def block_hours_scenario(**overflow) -> dict:
    """1,200 block hours a year (100 a month); one 10-hour referral a day; spot beside."""
    data = mmc_data(arrivals_per_day=1.0, horizon_days=100.0)
    data["demand"]["arrivals"] = "deterministic"
    data["demand"]["mix"]["care_act"]["hours"] = {"dist": "fixed", "mean": 10.0}
    provider = data["commissioning"]["providers"][0]
    del provider["advocates"]
    provider["block_hours_per_year"] = 1200.0
    data["commissioning"]["overflow"] = {"rule": "block_hours", **overflow}
    data["commissioning"]["spot"] = {"arrangement_days": {"dist": "fixed", "mean": 0.0}}
    return data


def block_referrals_by_month(data: dict) -> list[int]:
    scenario = build(data)
    cases = cases_frame([simulate(scenario, 0)], scenario)
    month = (cases["arrival_day"] // (365 / 12)).astype(int)
    return [int(((cases["route"] == "block") & (month == m)).sum()) for m in range(3)]


def test_block_hours_are_released_a_month_at_a_time():
    # A month releases 100 hours: ten 10-hour referrals go to the block, the rest spot.
    # Releasing the year's 1,200 hours at once sends the first 120 to the block (days
    # 1-30, 31-60 and 61-91 fall in the first three months).
    assert block_referrals_by_month(block_hours_scenario()) == [10, 10, 10]
    assert block_referrals_by_month(block_hours_scenario(period="year")) == [30, 30, 31]
    # A quarter releases 300 hours: 30 referrals, all in the quarter's first month.
    assert block_referrals_by_month(block_hours_scenario(period="quarter")) == [30, 0, 0]


def test_unspent_block_hours_roll_over_within_the_year_only_when_asked():
    # No referrals in the first month (a shock with multiplier 0): with rollover the
    # second month has 200 hours (20 referrals), without it 100.
    data = block_hours_scenario()
    data["demand"]["shocks"] = [{"start_day": 0.0, "end_day": 365 / 12, "multiplier": 0.0}]
    assert block_referrals_by_month(data) == [0, 20, 10]
    data["commissioning"]["overflow"]["rollover"] = False
    assert block_referrals_by_month(data) == [0, 10, 10]


# ---------------------------------------------- 9. hub triage time comes off the target


def test_hub_triage_days_are_taken_off_the_target_before_deciding_on_spot():
    # Start Monday 1 June 2026. Referral 2 arrives Wednesday (day 2); five working days
    # take its target to Wednesday 10 June (day 9). Triage takes 3 days, so it is routed
    # on day 5 with 4 days of its target left. The only slot is busy with referral 1
    # (routed on day 4, 6 days of work): the expected block wait is 6 days, past the 4
    # left, and spot (arranged in half a day, free) is sooner: it goes spot. Measuring the
    # target from arrival (7 days) would have kept it waiting for the block.
    data = one_slot_queue(144.0, 2.5).model_dump(mode="json", exclude_none=True)
    data["start_date"] = "2026-06-01"
    data["commissioning"]["model"] = "hub"
    data["commissioning"]["hub"] = {"triage_days": {"dist": "fixed", "mean": 3.0}}
    data["commissioning"]["overflow"] = {"rule": "expected_wait"}
    data["commissioning"]["spot"] = {"arrangement_days": {"dist": "fixed", "mean": 0.5}}
    scenario = build(data)
    records = simulate(scenario, 0)
    assert records.target_day.tolist() == pytest.approx([8.0, 9.0])
    cases = cases_frame([records], scenario)
    assert cases["route"].tolist() == ["block", "spot"]
    assert records.allocated_day.tolist() == pytest.approx([4.0, 5.5])


def test_the_summary_says_when_waits_are_lower_bounds():
    from simulator.briefing import wait_notes
    from simulator.metrics import summarise

    def notes(scenario):
        records = simulate(scenario, 0)
        return wait_notes(summarise(per_replication([records], scenario), scenario.name))

    short = notes(one_slot_queue(48.0, 20.5, follow_up_days=10.0))
    assert len(short) == 1 and "lower bounds" in short[0] and "5.0 still waiting" in short[0]
    assert notes(one_slot_queue(48.0, 20.5)) == []  # everyone allocated in the follow-up


def test_people_waiting_on_day_0_count_in_waits_and_breaches_but_not_in_referrals():
    # Three people wait on day 0 (no warm-up), then one referral a day; one slot, 2 days of
    # work each, deadlines of 3 days. The backlog is served first: allocated on days 0, 2
    # and 4 (waits 0, 2, 4), so the third breaches its day-3 deadline; referral k (day k)
    # is allocated on day 4 + 2k and breaches when 4 + k > 3, i.e. always.
    data = one_slot_queue(48.0, 5.5).model_dump(mode="json", exclude_none=True)
    data["demand"]["initial_waiting_list"] = 3
    data["demand"]["deadline_days"] = {"dist": "fixed", "mean": 3.0}
    figures, _ = values(build(data))
    assert figures["referrals", "all"] == 5  # days 1..5; the backlog is not new demand
    assert figures["breaches", "all"] == 1 + 5
    # Waits: backlog 0, 2, 4; referral k waits (4 + 2k) - k = 4 + k: 5, 6, 7, 8, 9.
    assert figures["wait_mean_days", "all"] == pytest.approx((0 + 2 + 4 + 35) / 8)


def test_cases_outcome_adds_up_to_the_summary_unserved():
    data = mmc_data(arrivals_per_day=1.5, horizon_days=120.0)  # overloaded
    data["demand"]["deadline_days"] = {"dist": "fixed", "mean": 3.0}
    data["demand"]["breach"] = "withdraw"
    data["demand"]["needs"] = {"bsl": 0.1}  # nobody serves it
    scenario = build(data)
    records = simulate(scenario, 0)
    figures = per_replication([records], scenario).set_index(["metric", "group"])["value"]
    outcome = cases_frame([records], scenario)["outcome"].value_counts()
    assert outcome["withdrawn"] > 0 and outcome["never_served"] > 0
    assert figures["unserved", "all"] == outcome["withdrawn"] + outcome["never_served"]
    assert figures["withdrawn", "all"] == outcome["withdrawn"]


def test_the_county_ranking_turns_on_whether_spot_rates_include_vat():
    """The README names VAT on spot's GBP 45 as the assumption that decides the ranking:
    spot only is cheaper than the block when the rate includes VAT the council recovers,
    and dearer when GBP 45 is net (or the supplier charges no VAT to recover)."""
    from pathlib import Path

    from simulator.scenario import load_scenario

    root = Path(__file__).resolve().parent.parent / "scenarios"

    def cost_per_year(name: str, includes_vat: bool | None = None) -> float:
        overrides: dict = {"replications": 3}
        if includes_vat is not None:
            overrides["commissioning.spot.rate_includes_vat"] = includes_vat
        scenario = load_scenario(root / f"{name}.yaml", overrides)
        records = [simulate(scenario, rep) for rep in range(3)]
        table = per_replication(records, scenario)
        rows = table[(table["metric"] == "cost_total_per_year") & (table["group"] == "all")]
        return float(rows["value"].mean())

    block = cost_per_year("county-block")  # no spot: VAT on spot cannot move it
    assert cost_per_year("county-spot-only", True) < block
    assert cost_per_year("county-spot-only", False) > block
