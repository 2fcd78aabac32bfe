"""Markets as they are: core-and-flex from the same provider, and a spot market shared with
other buyers. Tiny deterministic runs whose routes and times are worked out by hand."""

from __future__ import annotations

import pytest

from simulator.metrics import cases_frame, per_replication
from simulator.model import simulate
from tests.helpers import build, mmc_data


def core_and_flex(spot_arrangement_days: float, horizon_days: float = 5.5) -> dict:
    """One block slot and one flex slot from the same provider, both working 24 hours a day;
    one referral a day (days 1, 2, ...) needing 36 hours (1.5 days); spot beside them."""
    data = mmc_data(arrivals_per_day=1.0, horizon_days=horizon_days)
    data["demand"]["arrivals"] = "deterministic"
    data["demand"]["mix"]["care_act"]["hours"] = {"dist": "fixed", "mean": 36.0}
    provider = data["commissioning"]["providers"][0]
    provider["flex"] = {
        "rate_per_hour": 30.0,
        "advocates": 1.0,
        "caseload_cap": 1,
        "hours_per_week": 168.0,
        "productive_share": 1.0,
        "arrangement_days": {"dist": "fixed", "mean": 1.0},
    }
    data["commissioning"]["overflow"] = {"rule": "queue_length", "threshold": 0}
    data["commissioning"]["spot"] = {
        "market_advocates": 10.0,
        "caseload_cap": 1,
        "hours_per_week": 168.0,
        "productive_share": 1.0,
        "arrangement_days": {"dist": "fixed", "mean": spot_arrangement_days},
    }
    return data


def test_overflow_goes_to_the_providers_own_flex_before_spot():
    # Day 1: the block slot takes referral 1 (to day 2.5). Day 2: the slot is busy, so the
    # referral leaves the block: flex is expected in 1 day (arrangement, a free flex slot),
    # spot in 3, so flex: agreed on day 3, allocated then, done on 4.5. Day 3: the block
    # slot is free again. Day 4: block busy; flex busy until 4.5, so expected in 1 + 1.5 =
    # 2.5 days, still before spot's 3: flex, agreed on day 5. Day 5: the block slot is free.
    scenario = build(core_and_flex(3.0))
    records = simulate(scenario, 0)
    cases = cases_frame([records], scenario)
    assert cases["route"].tolist() == ["block", "flex", "block", "flex", "block"]
    assert cases["provider"].tolist() == ["A", "A flex", "A", "A flex", "A"]
    assert records.allocated_day.tolist() == pytest.approx([1.0, 3.0, 3.0, 5.0, 5.0])
    figures = per_replication([records], scenario).set_index(["metric", "group"])["value"]
    assert figures["flex_cases", "all"] == 2
    assert figures["flex_hours", "all"] == pytest.approx(72.0)
    assert figures["cost_flex_hours", "all"] == pytest.approx(72.0 * 30.0)  # GBP 2,160
    assert figures["spot_cases", "all"] == 0
    assert figures["referrals", "route=flex"] == 2


def test_spot_when_it_is_expected_sooner_than_flex():
    # Spot arranged in half a day beats flex's one day: referral 2 goes spot (day 2.5).
    scenario = build(core_and_flex(0.5))
    cases = cases_frame([simulate(scenario, 0)], scenario)
    assert cases["route"].tolist()[:2] == ["block", "spot"]


def test_flex_alone_can_take_the_overflow_without_a_spot_market():
    data = core_and_flex(3.0)
    del data["commissioning"]["spot"]
    scenario = build(data)
    cases = cases_frame([simulate(scenario, 0)], scenario)
    assert cases["route"].tolist() == ["block", "flex", "block", "flex", "block"]


def test_flex_rate_including_vat_costs_the_council_the_net():
    data = core_and_flex(3.0)
    data["commissioning"]["providers"][0]["flex"]["rate_includes_vat"] = True
    scenario = build(data)
    records = simulate(scenario, 0)
    figures = per_replication([records], scenario).set_index(["metric", "group"])["value"]
    # 72 hours at GBP 30 including VAT at 20%: GBP 25 an hour net, VAT recovered.
    assert figures["cost_flex_hours", "all"] == pytest.approx(72.0 * 25.0)


def test_other_buyers_fill_the_spot_market_and_are_never_counted_as_ours():
    data = mmc_data(arrivals_per_day=1.0, horizon_days=200.0)
    data["commissioning"] = {
        "model": "spot_only",
        "spot": {
            "market_advocates": 2.0,
            "caseload_cap": 1,
            "hours_per_week": 168.0,
            "productive_share": 1.0,
            "arrangement_days": {"dist": "fixed", "mean": 1.0},
        },
    }
    alone = build(data)
    shared = build(
        data,
        commissioning__spot__other_referrals_per_year=365.0 * 0.5,
        commissioning__spot__other_hours={"dist": "exponential", "mean": 24.0},
    )

    def figures(scenario):
        records = simulate(scenario, 0)
        table = per_replication([records], scenario).set_index(["metric", "group"])["value"]
        return table, records

    mine, records_alone = figures(alone)
    both, records_shared = figures(shared)
    # The same referrals of ours, the same count and spot purchases; only the waits grow.
    assert (
        records_shared.referrals.arrival_day.tolist()
        == records_alone.referrals.arrival_day.tolist()
    )
    assert both["referrals", "all"] == mine["referrals", "all"]
    assert both["spot_cases", "all"] == mine["spot_cases", "all"]
    assert both["wait_mean_days", "all"] > mine["wait_mean_days", "all"] + 0.5


def test_a_shared_hub_queue_still_serves_its_partners_flex_queues():
    # The hub's partner A has one core slot and one flex slot; with a referral a day of
    # 2.5 days' work, flex cases queue behind each other at the flex pool. Every one of
    # them must be served in turn (the hub queue is for core slots only).
    data = core_and_flex(30.0, horizon_days=20.5)
    data["demand"]["mix"]["care_act"]["hours"] = {"dist": "fixed", "mean": 60.0}  # 2.5 days
    data["commissioning"]["model"] = "hub"
    data["commissioning"]["hub"] = {"triage_hours": 0.0, "queue": "shared"}
    scenario = build(data)
    records = simulate(scenario, 0)
    cases = cases_frame([records], scenario)
    flex = cases[cases["route"] == "flex"]
    assert len(flex) >= 5
    assert flex["allocated_day"].notna().all()
    assert (flex["allocated_day"].diff().dropna() > 0).all()  # first come, first served


def test_the_terminal_and_report_say_which_market_served_each_referral():
    # Block, flex, block, flex, block (worked out above): 60% block, 40% flex, no spot.
    from simulator.briefing import headline, served_by
    from simulator.metrics import summarise

    scenario = build(core_and_flex(3.0))
    summary = summarise(per_replication([simulate(scenario, 0)], scenario), scenario.name)
    shares = served_by(summary).iloc[0]
    assert shares.to_dict() == pytest.approx({"block": 0.6, "flex": 0.4, "spot": 0.0})
    assert "Served by                block 60%, provider's flex 40%\n" in headline(summary) + "\n"


def test_a_hub_overflows_when_the_partners_with_the_skill_are_full():
    # Every referral needs BSL and only P2 (one slot) has it; P1's five free slots are no
    # use to them. With one hub queue and queue_length 0, a referral finding P2 busy goes
    # to spot, not into the hub queue because some partner without the skill is free.
    data = mmc_data(servers=1, arrivals_per_day=2.0, horizon_days=60.0)
    one = data["commissioning"]["providers"][0]
    data["demand"]["needs"] = {"bsl": 1.0}
    data["commissioning"].update(
        model="hub",
        hub={"triage_hours": 0.0, "queue": "shared"},
        overflow={"rule": "queue_length", "threshold": 0},
        providers=[
            {**one, "name": "P1", "advocates": 5.0, "skills": ["care_act"]},
            {**one, "name": "P2", "advocates": 1.0, "skills": ["care_act", "bsl"]},
        ],
        spot={"market_advocates": 50.0, "caseload_cap": 1, "hours_per_week": 168.0,
              "productive_share": 1.0, "arrangement_days": {"dist": "fixed", "mean": 0.5}},
    )  # fmt: skip
    scenario = build(data)
    cases = cases_frame([simulate(scenario, 0)], scenario)
    assert set(cases["provider"].dropna()) == {"P2", "spot"}
    assert (cases["route"] == "spot").sum() > 10
    # Nobody waited in the hub queue for P2: each found it free, or went to spot.
    block = cases[cases["route"] == "block"]
    assert (block["allocated_day"] == block["queued_day"]).all()
