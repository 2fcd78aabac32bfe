"""Cases that stay open for months at low intensity: ``weeks_open`` and ``caseload_weight``.

A case of weight w takes w of a caseload slot and receives w of the slot's hours a
week; it closes when its hours are done or after ``weeks_open``, whichever is later.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator.demand import draw_referrals
from simulator.metrics import busy_slot_days, per_replication
from simulator.model import simulate
from simulator.plan import PoolPlan, held_hours, open_case_shares, plan_pools
from simulator.providers import WeightedPool
from simulator.scenario import ScenarioError
from simulator.schema import WEIGHT_SCALE
from tests import theory
from tests.helpers import build, mmc_data
from tests.test_theory import REPS, Z_LIMIT, middle_mean_waits, z_score

QUARTER = WEIGHT_SCALE // 4


def weighted_pool(advocates: int, units: list[int], classes: int = 1) -> WeightedPool:
    """One slot per advocate, working 24 hours a day; ``units``: each referral's weight."""
    plan = PoolPlan(
        name="A",
        slots=advocates,
        advocates=advocates,
        caseload_cap=1,
        case_hours_per_week=168.0,
        contracted_hours_per_year=0.0,
        rate_per_hour=30.0,
        rate_includes_vat=False,
        skills=None,
        mean_case_hours=24.0,
    )
    return WeightedPool(plan, classes, units)


def test_a_case_goes_to_the_fullest_advocate_it_fits_and_nobody_goes_over():
    pool = weighted_pool(2, [QUARTER, QUARTER, WEIGHT_SCALE, WEIGHT_SCALE])
    assert pool.start_case(0.0, QUARTER) == 0  # both empty: the first
    assert pool.start_case(0.0, QUARTER) == 0  # best fit: the same caseload again
    assert pool.room == [50, 100]
    assert pool.fits(WEIGHT_SCALE)  # the second advocate's whole slot stays free
    assert pool.start_case(0.0, WEIGHT_SCALE) == 1
    assert not pool.fits(75) and pool.fits(50)
    pool.end_case(1.0, 0, QUARTER)
    assert pool.room == [75, 0]
    # Slot-days by weight: two quarters on [0, 1], one on [1, 2], a whole slot on [0, 2].
    assert pool.busy_slot_days(2.0) == pytest.approx(0.5 + 0.25 + 2.0)


def test_the_queue_keeps_its_order_when_the_first_waiting_does_not_fit():
    # Referral 0 (class 1) needs a whole slot and waits first; referral 1, a quarter of the
    # same class, waits behind it. Three quarters of a slot are free: 0 does not fit, and 1
    # is not taken past it, nor is a class-1 quarter joining now; an urgent (class 0)
    # quarter joining now has nobody ahead of it and is taken at once.
    pool = weighted_pool(1, [WEIGHT_SCALE, QUARTER, WEIGHT_SCALE, QUARTER], classes=2)
    pool.start_case(0.0, QUARTER)
    for referral in (0, 1):
        pool.enqueue(referral, 1)
    withdrawn = [False] * 4
    assert pool.next_waiting(withdrawn) == -1
    assert not pool.takes_now(QUARTER, 1)
    assert pool.takes_now(QUARTER, 0)
    pool.end_case(1.0, 0, QUARTER)  # a whole slot free: 0 first, then 1 no longer fits
    assert pool.next_waiting(withdrawn) == 0
    assert pool.start_case(1.0, WEIGHT_SCALE) == 0
    assert pool.next_waiting(withdrawn) == -1 and pool.waiting_ahead(1) == 1


@pytest.mark.slow
def test_quarter_slot_cases_are_mmc_over_four_times_the_slots():
    """Two advocates of one slot each, every case a quarter of a slot: eight cases at once,
    each at a quarter of the pace (exponential work of a day at full pace takes 4 days on
    average). So the pool is M/M/8 with service rate 1/4 a day; at rho 0.8, lambda 1.6."""
    servers, service_rate, rho = 8, 0.25, 0.8
    lam = rho * servers * service_rate
    horizon = 15_000 / lam
    data = mmc_data(servers=2, arrivals_per_day=lam, horizon_days=horizon)
    data["demand"]["mix"]["care_act"]["caseload_weight"] = 0.25
    scenario = build(data, seed=5100)
    means = middle_mean_waits(scenario, horizon, REPS)
    z = z_score(means, theory.mmc_mean_wait(servers, lam, service_rate))
    print(f"quarter-slot cases as M/M/8 at rho 0.8: mean wait z={z:+.2f}")
    assert abs(z) < Z_LIMIT


def long_case_scenario(horizon: float, **changes):
    """A pool too big to queue (M/G/infinity), cases of weight 0.25 with lognormal work,
    travel from two localities and 2 to 20 weeks open: mean slots in use is the referral
    rate x the slot-days each holds, whatever the distributions (Little's law)."""
    data = mmc_data(servers=60, arrivals_per_day=2.0, horizon_days=horizon)
    data["commissioning"]["providers"][0].update(
        caseload_cap=4, productive_share=0.7, hours_per_week=37.5
    )
    data["demand"]["mix"]["care_act"].update(
        hours={"dist": "lognormal", "mean": 14.0, "sd": 10.0},
        caseload_weight=0.25,
        weeks_open={"dist": "triangular", "low": 2.0, "mode": 8.0, "high": 20.0},
    )
    data["demand"]["localities"] = {
        "town": {"share": 0.6, "miles_per_case": {"dist": "fixed", "mean": 8.0}},
        "country": {"share": 0.4, "miles_per_case": {"dist": "uniform", "low": 10, "high": 70}},
    }
    return build(data, **changes)


@pytest.mark.slow
def test_slots_in_use_match_the_slot_hours_each_case_holds():
    horizon, start = 1500.0, 400.0
    scenario = long_case_scenario(horizon, seed=5110)
    pace = scenario.commissioning.providers[0].case_hours_per_week  # hours a week per slot
    expected = 2.0 * held_hours(scenario.demand, "care_act", pace) * 7.0 / pace
    busy = np.array(
        [
            busy_slot_days(simulate(scenario, rep), 0, start, horizon) / (horizon - start)
            for rep in range(REPS)
        ]
    )
    z = z_score(busy, expected)
    print(f"slots in use by weight (M/G/inf, {expected:.1f} expected): z={z:+.2f}")
    assert abs(z) < Z_LIMIT
    # Kept open longer than the work needs, a case holds more than its hours.
    hours = scenario.demand.mean_hours_per_case()
    assert held_hours(scenario.demand, "care_act", pace) > 1.2 * hours


def test_the_block_is_sized_by_the_slot_hours_cases_hold():
    # Fixed 10 hours but open a fixed 52 weeks at a quarter of a slot: each case holds
    # 0.25 x 1.3125 x 52 = 17.06 slot-hours, not 10. 100 cases a year x 17.06 = 1,706 h;
    # a slot gives 1.3125 x 365 / 7 = 68.4 h a year, so the block needs 24.9 -> 25 slots.
    data = mmc_data(arrivals_per_day=100 / 365, horizon_days=365.0)
    provider = data["commissioning"]["providers"][0]
    del provider["advocates"]
    provider.update(caseload_cap=20, productive_share=0.7, hours_per_week=37.5)
    data["demand"]["mix"]["care_act"].update(
        hours={"dist": "fixed", "mean": 10.0},
        caseload_weight=0.25,
        weeks_open={"dist": "fixed", "mean": 52.0},
    )
    (plan,) = plan_pools(build(data))
    pace = 37.5 * 0.7 / 20
    assert plan.mean_case_hours == pytest.approx(0.25 * pace * 52)
    assert plan.slots == round(100 * 0.25 * pace * 52 / (pace * 365 / 7))
    assert plan.slots == 25
    data["demand"]["mix"]["care_act"]["weeks_open"] = {"dist": "fixed", "mean": 4.0}
    (short,) = plan_pools(build(data))  # hours bind: 10 h a case, 14.6 -> 15 slots
    assert short.mean_case_hours == pytest.approx(10.0)
    assert short.slots == 15


def test_a_weight_not_in_hundredths_is_refused():
    data = mmc_data()
    data["demand"]["mix"]["care_act"]["caseload_weight"] = 1 / 3
    with pytest.raises(ScenarioError, match=r"caseload_weight.*hundredths"):
        build(data)


def test_cases_open_on_day0_are_the_types_open_at_a_random_moment():
    """Little's law: types count among open cases by referrals x days open, so a type kept
    open 20 weeks at a quarter slot outnumbers one of the same referrals closing in days."""
    data = mmc_data(arrivals_per_day=2.0, horizon_days=100.0, servers=5000)
    data["demand"]["mix"] = {
        "care_act": {"share": 0.5, "hours": {"dist": "fixed", "mean": 24.0}},
        "rpr": {
            "share": 0.5,
            "hours": {"dist": "fixed", "mean": 6.0},
            "caseload_weight": 0.25,
            "weeks_open": {"dist": "fixed", "mean": 20.0},
        },
    }
    data["commissioning"]["providers"][0]["skills"] = ["care_act", "rpr"]
    scenario = build(data, demand__initial_open_cases=4000)
    # Care Act: 24 h at 24 h a day, open 1 day; RPR: open 140 days. Shares 1 : 140.
    assert open_case_shares(scenario) == pytest.approx([0.5 * 24.0, 0.5 * 24.0 * 140 / 0.25 / 4])
    expected = 140 / 141
    rpr = draw_referrals(scenario, scenario.seed, 0).type_index[:4000] == 1
    se = np.sqrt(expected * (1 - expected) / 4000)
    assert abs(rpr.mean() - expected) < Z_LIMIT * se


def test_cases_open_on_day0_must_fit_counting_their_weight():
    # Two whole slots hold eight quarter-slot cases; a ninth is refused, with the limit.
    data = mmc_data(servers=2)
    data["demand"]["mix"]["care_act"]["caseload_weight"] = 0.25
    assert build(data, demand__initial_open_cases=8).demand.initial_open_cases == 8
    with pytest.raises(ScenarioError, match=r"counting each by .*caseload_weight.*at most 8"):
        build(data, demand__initial_open_cases=9)


def test_hours_worked_leave_out_the_time_a_case_is_only_held_open():
    # One referral a day (days 1 to 729), 6 hours at a quarter of a slot that gives 24 hours
    # a day: the work takes a day, the case stays open 7. Slot-hours taken: a quarter slot
    # for 7 days each (the last six cut at the horizon) = 0.25 x (723 x 7 + 21) x 24 =
    # 30,492; hours worked 729 x 6 = 4,374, and the cost per hour is of those.
    data = mmc_data(servers=2, arrivals_per_day=1.0, horizon_days=730.0)
    data["demand"]["arrivals"] = "deterministic"
    data["demand"]["mix"]["care_act"].update(
        hours={"dist": "fixed", "mean": 6.0},
        caseload_weight=0.25,
        weeks_open={"dist": "fixed", "mean": 1.0},
    )
    data["commissioning"]["providers"][0]["block_rate_per_hour"] = 30.0
    scenario = build(data)
    table = per_replication([simulate(scenario, 0)], scenario)
    figures = table.set_index(["metric", "group"])["value"]
    assert figures["block_hours_used", "all"] == pytest.approx(30_492.0)
    assert figures["hours_delivered", "all"] == pytest.approx(4_374.0)
    cost = figures["cost_total", "all"]
    assert figures["cost_per_hour_delivered", "all"] == pytest.approx(cost / 4_374.0)


def test_best_fit_is_the_least_room_that_fits_first_advocate_on_a_tie_over_many_cases():
    # The pool keeps its advocates sorted by room; a scan of every advocate must agree
    # with it at each of 2,000 random starts and ends of cases of mixed weights.
    rng = np.random.default_rng(7)
    weights = [QUARTER, 40, WEIGHT_SCALE]
    pool = weighted_pool(6, [])
    room = [WEIGHT_SCALE] * 6
    open_cases: list[tuple[int, int]] = []
    for step in range(2000):
        units = weights[rng.integers(len(weights))]
        if open_cases and (rng.random() < 0.45 or not pool.fits(units)):
            advocate, held = open_cases.pop(rng.integers(len(open_cases)))
            pool.end_case(float(step), advocate, held)
            room[advocate] += held
            continue
        assert pool.fits(units) == (max(room) >= units)
        if not pool.fits(units):
            continue
        expected = min((r, a) for a, r in enumerate(room) if r >= units)[1]
        assert pool.start_case(float(step), units) == expected
        room[expected] -= units
        open_cases.append((expected, units))
        assert pool.room == room
