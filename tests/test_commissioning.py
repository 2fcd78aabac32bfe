"""Commissioning models: block, hub, spot only, and block + spot overflow."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from simulator.demand import draw_referrals
from simulator.metrics import cases_frame
from simulator.model import simulate
from simulator.plan import plan_pools
from tests.helpers import build, county, figures


def test_spot_only_buys_everything_spot_and_no_block():
    scenario = build(county("spot_only"))
    values, [records] = figures(scenario)
    cases = cases_frame([records], scenario)
    assert values["cost_block", "all"] == 0
    assert ("block_utilisation", "all") not in values.index
    allocated = cases.dropna(subset=["allocated_day"])
    assert (allocated["route"] == "spot").all() and (allocated["provider"] == "spot").all()
    assert (allocated["wait_days"] >= 5.0 - 1e-9).all()  # never less than the arrangement
    assert values["spot_cases", "all"] > 0 and values["cost_spot_hours", "all"] > 0


def test_spot_prices_add_up_case_by_case():
    scenario = build(county("spot_only"))
    values, [records] = figures(scenario)
    cases = cases_frame([records], scenario)
    bought = cases[
        cases["allocated_day"].between(60.0, 730.0, inclusive="left") & (cases["route"] == "spot")
    ]
    assert values["spot_cases", "all"] == len(bought)
    assert values["cost_spot_hours", "all"] == pytest.approx(bought["hours"].sum() * 45.0)
    assert values["cost_mileage", "all"] == pytest.approx(bought["miles"].sum() * 0.45)
    assert values["cost_spot_hours", "all"] + values["cost_mileage", "all"] == pytest.approx(
        bought["cost"].sum()
    )


def test_ample_block_with_overflow_allowed_buys_no_spot():
    for rule in ({"rule": "expected_wait"}, {"rule": "queue_length", "threshold": 0}):
        scenario = build(county(commissioning__block_share=1.5, commissioning__overflow=rule))
        values, _ = figures(scenario)
        assert values["spot_cases", "all"] == 0
        assert values["cost_spot_hours", "all"] == 0 and values["cost_mileage", "all"] == 0


def test_block_cost_does_not_depend_on_demand():
    sized = county()
    sized["commissioning"]["providers"][0]["block_hours_per_year"] = 7000.0
    costs = []
    for rate in (0.0, 300.0, 1200.0):
        scenario = build(sized, demand__referrals_per_year=rate)
        values, _ = figures(scenario)
        costs.append(values["cost_block", "all"])
    assert costs[0] == costs[1] == costs[2] == pytest.approx(7000.0 * 40.0 * 670 / 365)


def test_a_missing_skill_goes_to_spot_or_is_unserved():
    data = county(commissioning__providers=[{"name": "A", "skills": ["care_act", "imca"]}])
    with_spot = build(data)
    without_spot = build({**data, "commissioning": {**data["commissioning"], "spot": None}})
    for scenario, route in ((with_spot, "spot"), (without_spot, None)):
        cases = cases_frame([simulate(scenario, 0)], scenario)
        bsl = cases[cases["need"] == "bsl"]
        assert len(bsl) > 20
        if route is None:
            assert (bsl["status"] == "unserved").all()
        else:
            assert (bsl["route"] == "spot").all()
            assert (cases.loc[cases["need"] != "bsl", "route"] == "block").all()


def test_hub_routes_a_specialist_need_only_to_partners_with_that_skill():
    data = county(
        "hub",
        commissioning__providers=[
            {"name": "Lead", "skills": ["care_act", "imca"]},
            {"name": "Deaf service", "skills": ["care_act", "imca", "bsl"]},
            {"name": "Partner", "skills": ["care_act", "imca"]},
        ],
    )
    scenario = build(data, commissioning__spot=None)
    cases = cases_frame([simulate(scenario, 0)], scenario)
    bsl = cases[cases["need"] == "bsl"].dropna(subset=["provider"])
    assert len(bsl) > 20 and (bsl["provider"] == "Deaf service").all()
    others = cases[cases["need"] != "bsl"]
    assert set(others["provider"].dropna()) == {"Lead", "Deaf service", "Partner"}


def test_hub_costs_triage_for_every_referral_and_a_yearly_fee():
    scenario = build(county("hub"))
    values, _ = figures(scenario)
    referrals = values["referrals", "all"]
    assert values["cost_triage", "all"] == pytest.approx(referrals * 0.5 * 40.0)
    assert values["cost_fee", "all"] == pytest.approx(10_000.0 * 670 / 365)
    single, _ = figures(build(county()))
    assert single["cost_triage", "all"] == 0 and single["cost_fee", "all"] == 0


def test_same_referrals_under_every_model():
    draws = [
        draw_referrals(build(county(model)), 11, rep=2) for model in ("single_provider", "hub")
    ] + [draw_referrals(build(county("spot_only")), 11, rep=2)]
    for other in draws[1:]:
        np.testing.assert_array_equal(draws[0].arrival_day, other.arrival_day)
        np.testing.assert_array_equal(draws[0].type_index, other.type_index)
        np.testing.assert_array_equal(draws[0].hours, other.hours)
        np.testing.assert_array_equal(draws[0].need_index, other.need_index)
        np.testing.assert_array_equal(draws[0].urgent, other.urgent)


def test_block_share_sizes_the_block_from_expected_hours():
    scenario = build(county(commissioning__block_share=0.8))
    [block, _spot] = plan_pools(scenario)
    travel = 0.6 * 5 / 20 + 0.4 * 40 / 20
    expected = 600 * (0.7 * (12 + travel) + 0.3 * (8 + travel))
    assert block.contracted_hours_per_year == pytest.approx(0.8 * expected, rel=0.01)
    assert block.contracted_hours_per_year == pytest.approx(block.slots * block.slot_hours_per_year)


def test_block_hours_rule_buys_spot_only_when_the_year_is_spent():
    # Spot so slow to arrange that it is never expected sooner than the block: only the
    # hours decide (the rule's test of the block's wait, below, never fires).
    rule = {"rule": "block_hours", "period": "year"}
    data = county(commissioning__overflow=rule, commissioning__block_share=0.6)
    data["commissioning"]["spot"]["arrangement_days"] = {"dist": "fixed", "mean": 1000.0}
    scenario = build(data, warm_up_days=0.0)
    records = simulate(scenario, 0)
    cases = cases_frame([records], scenario)
    budget = records.plans[0].contracted_hours_per_year
    for year in (0, 1):
        in_year = cases[(cases["arrival_day"] // 365 == year)]
        block = in_year[in_year["route"] == "block"]
        spot = in_year[(in_year["route"] == "spot") & (in_year["need"] != "bsl")]
        assert block["hours"].sum() <= budget
        assert len(spot) > 0
        first_spot = spot["arrival_day"].min()
        committed = block.loc[block["arrival_day"] < first_spot, "hours"].sum()
        assert committed + spot["hours"].iloc[0] > budget  # spot only once the hours ran out


class _Queue:
    """A pool as the overflow rules see it: a fixed expected wait, hours to spare."""

    def __init__(self, wait: float, hours_per_year: float = 1e6):
        self.wait, self.hours_per_year, self.slots = wait, hours_per_year, 10

    def fits(self, units: int) -> bool:
        return self.wait == 0.0

    def waiting_ahead(self, priority_class: int) -> int:
        return 0

    def expected_wait_days(self, priority_class: int, units: int) -> float:
        return self.wait


@pytest.mark.parametrize(
    ("block_wait", "spot_wait", "goes"),
    [(30.0, 0.0, True), (30.0, 40.0, False), (10.0, 0.0, False)],
    ids=["misses-target-spot-sooner", "spot-later", "within-target"],
)
def test_block_hours_rule_buys_spot_when_the_block_would_miss_the_target(
    block_wait, spot_wait, goes
):
    # Hours to spare, but a block that cannot start the referral by its target (14 days)
    # while spot, arranged in 5 days, is expected sooner: spot, as expected_wait would.
    from simulator.commissioning import BlockHours, Routing
    from simulator.schema import Overflow

    rule = BlockHours(Overflow(rule="block_hours"))
    routing = Routing(_Queue(block_wait), _Queue(spot_wait), 5.0, 0.0, 20.0, 1, 100, 14.0)
    assert rule.overflows(routing) is goes


def test_expected_wait_rule_never_sends_spot_when_a_block_slot_is_free():
    data = county(commissioning__overflow={"rule": "expected_wait"}, commissioning__block_share=0.8)
    scenario = build(data)
    records = simulate(scenario, 0)
    cases = cases_frame([records], scenario)
    spot = cases[(cases["route"] == "spot") & (cases["need"].isna())]
    assert len(spot) > 0
    daily_free = None  # a referral went to spot only when every block slot was taken:
    block = cases[cases["route"] == "block"]
    starts, ends = block["allocated_day"].to_numpy(), block["end_day"].fillna(np.inf).to_numpy()
    for t in spot["arrival_day"]:
        open_now = ((starts <= t) & (ends > t)).sum()
        assert open_now == records.plans[0].slots, daily_free


def test_workshops_cost_and_their_assumed_effect():
    plain = build(county())
    with_workshops = build(
        county(),
        workshops={"per_year": 12.0, "price": 225.0, "participants": 10,
                   "assumed_referral_reduction": 0.2},
    )  # fmt: skip
    a, _ = figures(plain, reps=3)
    b, _ = figures(with_workshops, reps=3)
    assert b["cost_workshops", "all"] == pytest.approx(12 * 225.0 * 670 / 365)
    assert b["workshop_places", "all"] == pytest.approx(12 * 10 * 670 / 365)
    assert a["cost_workshops", "all"] == 0
    assert b["referrals", "all"] == pytest.approx(0.8 * a["referrals", "all"], rel=0.1)


# Direction of change under a fixed seed.


def test_more_advocates_shorter_waits():
    waits = []
    for advocates in (1.5, 2.0, 3.0):
        data = county(commissioning__spot=None)
        data["commissioning"]["providers"][0]["advocates"] = advocates
        values, _ = figures(build(data), reps=5)
        waits.append(values["wait_mean_days", "all"])
    assert waits[0] > waits[1] > waits[2]


def test_overflow_to_spot_cuts_the_p90_wait_and_the_list():
    base = county(commissioning__block_share=0.8)
    without, _ = figures(build(base), reps=5)
    with_overflow, _ = figures(
        build(base, commissioning__overflow={"rule": "queue_length", "threshold": 2}), reps=5
    )
    assert with_overflow["wait_p90_days", "all"] < without["wait_p90_days", "all"]
    assert with_overflow["waiting_list_end", "all"] < without["waiting_list_end", "all"]
    assert with_overflow["spot_cases", "all"] > without["spot_cases", "all"]


def test_pooled_hub_capacity_waits_less_than_the_same_capacity_siloed():
    # The same two teams of advocates: one per type (separate contracts), or pooled in a hub.
    siloed = county(
        commissioning__spot=None,
        commissioning__providers=[
            # About 90% loaded each: Care Act ~5,500 h a year, IMCA ~1,650 h a year.
            {"name": "Care Act team", "advocates": 4.5, "skills": ["care_act", "bsl"]},
            {"name": "IMCA team", "advocates": 1.4, "skills": ["imca", "bsl"]},
        ],
    )
    pooled = copy.deepcopy(siloed)
    pooled["commissioning"]["model"] = "hub"
    pooled["commissioning"]["hub"] = {"triage_hours": 0.0}
    for provider in pooled["commissioning"]["providers"]:
        provider["skills"] = ["care_act", "imca", "bsl"]
    silo_values, _ = figures(build(siloed), reps=5)
    hub_values, _ = figures(build(pooled), reps=5)
    assert (
        silo_values["block_hours_contracted", "all"] == hub_values["block_hours_contracted", "all"]
    )
    assert hub_values["wait_mean_days", "all"] < silo_values["wait_mean_days", "all"]
    assert hub_values["wait_p90_days", "all"] < silo_values["wait_p90_days", "all"]


def test_expected_wait_rule_keeps_a_referral_in_the_block_when_spot_is_slower():
    data = county(commissioning__overflow={"rule": "expected_wait"}, commissioning__block_share=1.0)
    quick = build(data, commissioning__spot__arrangement_days={"dist": "fixed", "mean": 1.0})
    slow = build(data, commissioning__spot__arrangement_days={"dist": "fixed", "mean": 30.0})
    quick_values, _ = figures(quick, reps=3)
    slow_values, _ = figures(slow, reps=3)
    # Same referrals, same block queue: with a 30-day arrangement, spot is rarely sooner.
    assert quick_values["spot_cases", "all"] > 20
    assert slow_values["spot_cases", "all"] < 0.2 * quick_values["spot_cases", "all"]


def test_hub_triage_takes_time_before_routing():
    ample = county(
        "hub",
        commissioning__spot=None,
        commissioning__block_share=1.5,
        commissioning__hub__triage_days={"dist": "fixed", "mean": 1.0},
    )
    scenario = build(ample)
    cases = cases_frame([simulate(scenario, 0)], scenario)
    allocated = cases.dropna(subset=["allocated_day"])
    # Ample capacity: everyone is allocated the moment triage ends, a day after arrival.
    assert len(allocated) > 500
    assert allocated["wait_days"].to_numpy() == pytest.approx(1.0)
    assert (allocated["queued_day"] >= allocated["arrival_day"] + 1.0 - 1e-9).all()


class LeadFirst:
    """A chooser with state: the hub's lead takes the first 50 referrals it is offered in
    a replication, the last partner the rest."""

    made = 0

    def __init__(self, scenario):
        LeadFirst.made += 1
        self.offered = 0

    def __call__(self, candidates, pools, cls, units):
        self.offered += 1
        return candidates[0 if self.offered <= 50 else -1] if candidates else None


def test_a_chooser_keeps_its_state_within_one_replication_only(monkeypatch):
    import dataclasses

    from simulator import commissioning

    hub = dataclasses.replace(commissioning.MODELS["hub"], chooser=LeadFirst)
    monkeypatch.setitem(commissioning.MODELS, "hub", hub)
    partners = [{"name": n, "skills": ["care_act", "imca", "bsl"]} for n in ("Lead", "Partner")]
    scenario = build(
        county("hub", commissioning__providers=partners), commissioning__hub__queue="routed"
    )
    alone = cases_frame([simulate(scenario, 1)], scenario)
    LeadFirst.made = 0
    simulate(scenario, 0)
    after_another = cases_frame([simulate(scenario, 1)], scenario)
    assert LeadFirst.made == 2  # one chooser a replication
    assert after_another.equals(alone)  # replication 1 is the same whatever ran before it
    assert alone["provider"].nunique() > 1


def test_a_block_split_between_two_contracts_uses_both():
    """Each of two providers with the same skills is sized for half the hours; sending every
    referral to the first left the second idle and half the county waiting."""
    skills = ["care_act", "imca", "bsl"]
    two = [{"name": "North", "skills": skills}, {"name": "South", "skills": skills}]
    one, split = build(county()), build(county(commissioning__providers=two))
    values_one, _ = figures(one, reps=2)
    values_split, [records, _] = figures(split, reps=2)
    cases = cases_frame([records], split).dropna(subset=["provider"])
    shares = cases["provider"].value_counts(normalize=True)
    assert shares["North"] > 0.35 and shares["South"] > 0.35
    assert values_split["unserved", "all"] == 0
    assert values_split["wait_mean_days", "all"] < values_one["wait_mean_days", "all"] + 1.0


def test_the_expected_wait_shares_the_queue_over_the_slots_at_work_not_the_contract():
    # 10 slots bought, all full, 3 waiting ahead, cases 20 days on average: with every
    # advocate in, (3 + 1) x 20 / 10 = 8 days; with 6 of the 10 slots' advocates away
    # the duty manager expects (3 + 1) x 20 / 4 = 20 days, past a 14-day target.
    from simulator.providers import make_pool

    scenario = build(county(commissioning__overflow={"rule": "expected_wait"}))
    plan = plan_pools(scenario)[0]
    pool = make_pool(plan, 1, None)
    pool.free, pool.staffed, pool.mean_case_days = [], 10, 20.0
    for i in range(3):
        pool.enqueue(i, 0)
    assert pool.expected_wait_days(0, 100) == pytest.approx(8.0)
    pool.staffed = 4
    assert pool.expected_wait_days(0, 100) == pytest.approx(20.0)
    pool.staffed = 0
    assert pool.expected_wait_days(0, 100) == float("inf")
