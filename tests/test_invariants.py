"""Invariants every run obeys, over random scenarios (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import pricing
from simulator.metrics import STATUSES, cases_frame, close_days, per_replication
from simulator.model import simulate
from simulator.plan import SPOT, plan_pools
from simulator.schema import WEIGHT_SCALE
from simulator.vocabulary import Route
from tests.helpers import build

HOURS = st.sampled_from(
    [
        {"dist": "exponential", "mean": 10.0},
        {"dist": "lognormal", "mean": 12.0, "sd": 8.0},
        {"dist": "gamma", "mean": 8.0, "sd": 4.0},
        {"dist": "fixed", "mean": 6.0},
        {"dist": "triangular", "low": 2.0, "mode": 5.0, "high": 15.0},
        {"dist": "empirical", "values": [2.0, 6.0, 20.0], "weights": [1.0, 2.0, 1.0]},
    ]
)


@st.composite
def scenarios(draw):
    types = ["care_act", "imca", "imha"][: draw(st.integers(1, 3))]
    shares = np.array([draw(st.integers(1, 5)) for _ in types], dtype=float)
    # Cases that take a share of a slot and stay open for weeks in about half the examples.
    weighted = draw(st.booleans())
    mix = {
        t: {
            "share": float(s / shares.sum()),
            "hours": draw(HOURS),
            "statutory": draw(st.booleans()),
            "caseload_weight": draw(st.sampled_from([0.25, 1.0, 0.5])) if weighted else 1.0,
            "weeks_open": draw(
                st.sampled_from([{"dist": "uniform", "low": 1.0, "high": 6.0}, None])
            )
            if weighted
            else None,
        }
        for t, s in zip(types, shares, strict=True)
    }
    for kind in mix.values():
        if kind["weeks_open"] is None:
            del kind["weeks_open"]
    shares_sum = sum(m["share"] for m in mix.values())
    mix[types[-1]]["share"] += 1.0 - shares_sum
    needs = {"bsl": 0.1} if draw(st.booleans()) else {}
    model = draw(st.sampled_from(["hub", "single_provider", "spot_only"]))
    providers = []
    for k in range(draw(st.integers(1, 3))):
        skills = draw(st.lists(st.sampled_from(types), min_size=1, unique=True))
        if needs and draw(st.booleans()):
            skills.append("bsl")
        provider = {
            "name": f"P{k}",
            "skills": skills,
            "caseload_cap": draw(st.integers(1, 6)),
            "hours_per_week": 37.5,
            "productive_share": 0.7,
        }
        if draw(st.booleans()):
            provider["advocates"] = float(draw(st.integers(1, 3)))
        # Flex hours from the same provider two times in three.
        if draw(st.sampled_from([True, False, True])):
            provider["flex"] = {
                "rate_per_hour": 42.0,
                "advocates": 1.0,
                "caseload_cap": draw(st.integers(1, 4)),
                "arrangement_days": {"dist": "uniform", "low": 0.0, "high": 2.0},
            }
        providers.append(provider)
    # Spot two times in three, so the overflow rules get exercised.
    has_spot = model == "spot_only" or draw(st.sampled_from([True, True, False]))
    rule = draw(st.sampled_from(["queue_length", "expected_wait", "block_hours", "none"]))
    has_flex = model != "spot_only" and any("flex" in p for p in providers)
    overflow = {"rule": rule if has_spot or has_flex else "none"}
    if overflow["rule"] == "queue_length":
        overflow["threshold"] = draw(st.integers(0, 5))
    data = {
        "name": "random",
        "horizon_days": float(draw(st.integers(30, 200))),
        "warm_up_days": float(draw(st.sampled_from([0, 10]))),
        "seed": draw(st.integers(0, 10_000)),
        "demand": {
            # Rarely none (hypothesis favours the values listed first): most examples
            # should have referrals to move through the model.
            "referrals_per_year": draw(st.sampled_from([800.0, 300.0, 1200.0, 150.0, 500.0, 0.0])),
            "arrivals": draw(st.sampled_from(["poisson", "deterministic"])),
            "urgent_share": draw(st.sampled_from([0.0, 0.3])),
            "mix": mix,
            "needs": needs,
            "localities": {
                "urban": {"share": 0.6, "miles_per_case": {"dist": "fixed", "mean": 5.0}},
                "rural": {
                    "share": 0.4,
                    "miles_per_case": {"dist": "uniform", "low": 10.0, "high": 60.0},
                },
            },
            "initial_waiting_list": draw(st.integers(0, 5)),
            "initial_open_cases": draw(st.integers(0, 3)),
            # Mostly a deadline, often a short one, and withdrawal two times in three, so
            # that referrals are withdrawn from queues, from triage and from arrangement.
            "deadline_days": draw(
                st.sampled_from(
                    [
                        {"dist": "uniform", "low": 0.5, "high": 6.0},
                        {"dist": "triangular", "low": 2, "mode": 5, "high": 20},
                        None,
                    ]
                )
            ),
            "breach": draw(st.sampled_from(["withdraw", "keep", "withdraw"])),
        },
        "commissioning": {
            "model": model,
            "block_share": draw(st.sampled_from([0.5, 0.8, 1.0])),
            "triage": draw(st.sampled_from(["fifo", "priority"])),
            "overflow": overflow,
            "providers": providers,
            "uplift_per_year": draw(st.sampled_from([0.0, 0.05])),
        },
    }
    if data["demand"]["deadline_days"] is None:
        del data["demand"]["deadline_days"]
    if has_spot:
        data["commissioning"]["spot"] = {
            "market_advocates": float(draw(st.integers(1, 3))),
            "caseload_cap": 4,
            "arrangement_days": {"dist": "uniform", "low": 0.0, "high": 4.0},
            # Other buyers share the market half the time.
            "other_referrals_per_year": draw(st.sampled_from([300.0, 0.0])),
            "other_hours": {"dist": "exponential", "mean": 10.0},
        }
    if model == "hub":
        data["commissioning"]["hub"] = {
            "triage_hours": 0.5,
            "management_fee_per_year": 1000.0,
            "triage_days": draw(
                st.sampled_from([None, {"dist": "uniform", "low": 0.0, "high": 2.0}])
            ),
            "queue": draw(st.sampled_from(["shared", "routed"])),
        }
    # Cases open on day 0 must fit on the slots the contracts buy (validation says so).
    wanted = data["demand"]["initial_open_cases"]
    data["demand"]["initial_open_cases"] = 0
    scenario = build(data)
    room = sum(plan.slots for plan in plan_pools(scenario) if plan.route != Route.FLEX)
    return build(data, demand__initial_open_cases=min(wanted, room)) if wanted else scenario


def check_invariants(scenario, records) -> None:
    horizon = scenario.horizon_days
    cases = cases_frame([records], scenario)
    ref = records.referrals
    n = len(ref)
    # Every referral is in exactly one end state.
    assert len(cases) == n
    assert cases["status"].notna().all()
    assert set(cases["status"].unique()) <= set(STATUSES)
    allocated = ~np.isnan(records.allocated_day)
    status = cases["status"].to_numpy()  # at the horizon; times run on into the follow-up
    by_horizon = records.allocated_day < horizon
    assert (by_horizon == np.isin(status, ["completed", "open"])).all()
    assert (np.isnan(records.end_day) | allocated).all()
    left_by_horizon = records.withdrawn & (ref.deadline_day < horizon)
    assert ((status == "unserved") == (~records.listed | left_by_horizon)).all()
    # The cohort is followed up: each listed referral is allocated or withdrawn, unless the
    # follow-up ran its full length.
    waiting_on = records.listed & ~allocated & ~records.withdrawn
    if waiting_on.any():
        assert records.followed_to == horizon + scenario.follow_up_days
    assert horizon <= records.followed_to <= horizon + scenario.follow_up_days
    assert (records.listed | (records.pool == -1)).all()
    # Never negative; no case starts before it arrives, or ends before it starts.
    for column in ("wait_days", "hours", "miles", "cost"):
        values = cases[column].dropna()
        assert (values >= 0).all(), column
    assert (records.allocated_day[allocated] >= ref.arrival_day[allocated]).all()
    queued = ~np.isnan(records.queued_day)
    assert (records.queued_day[queued] >= ref.arrival_day[queued]).all()
    assert (records.allocated_day[allocated] >= records.queued_day[allocated]).all()
    ended = ~np.isnan(records.end_day)
    assert (records.end_day[ended] >= records.allocated_day[ended]).all()
    assert (records.end_day[ended] <= records.followed_to).all()
    # A case closes when its hours are done at its share of a slot's pace, or when it has
    # been open weeks_open, whichever is later.
    assert np.allclose(records.end_day[ended], close_days(records)[ended])
    # No advocate holds more than its cap, counting each case by its weight (in hundredths,
    # so the sums are exact); no provider serves a need it lacks.
    types, needs = list(scenario.demand.mix), list(scenario.demand.needs)
    units = ref.weight_units
    for index, plan in enumerate(records.plans):
        here = (records.pool == index) & allocated
        for adv in np.unique(records.advocate[here]):
            mine = here & (records.advocate == adv)
            starts = records.allocated_day[mine]
            ends = np.nan_to_num(records.end_day[mine], nan=np.inf)
            times = np.concatenate([starts, ends])
            steps = np.concatenate([units[mine], -units[mine]])
            order = np.lexsort((steps, times))  # room freed at t is reused at t
            assert np.cumsum(steps[order]).max() <= plan.caseload_cap * WEIGHT_SCALE
        if plan.skills is not None:
            for i in np.flatnonzero(records.pool == index):
                assert types[ref.type_index[i]] in plan.skills
                if ref.need_index[i] >= 0:
                    assert needs[ref.need_index[i]] in plan.skills
    # Within a priority class and a queue, first come, first served, whatever the weights
    # (a smaller case never takes room ahead of a larger one waiting before it).
    cls = (
        2 * (~ref.urgent).astype(int) + (~ref.statutory).astype(int)
        if scenario.commissioning.triage == "priority"
        else np.zeros(n, dtype=int)
    )
    served_at = np.where(allocated, records.allocated_day, np.inf)
    for index in range(len(records.plans)):
        for c in np.unique(cls):
            mine = (records.pool == index) & (cls == c) & queued & ~records.withdrawn
            order = np.argsort(records.queued_day[mine], kind="stable")
            in_order = served_at[mine][order]
            assert (in_order[1:] >= in_order[:-1]).all()
    # Costs: the total is exactly the sum of its lines; no spot cost without spot cases.
    figures = per_replication([records], scenario).set_index(["metric", "group"])["value"]
    lines = {name: figures[name, "all"] for name in pricing.COST_LINES}
    assert figures["cost_total", "all"] == pricing.total(lines)
    # Contract years (and quarters) add up to the whole measured window.
    years = figures.loc[["cost_total"]].filter(like="year=")
    quarters = figures.loc[["cost_total"]].filter(like="quarter=")
    assert np.isclose(years.sum(), figures["cost_total", "all"])
    assert np.isclose(quarters.sum(), figures["cost_total", "all"])
    assert figures.loc[["breaches"]].filter(like="year=").sum() == figures["breaches", "all"]
    assert all(value >= 0 for value in lines.values())
    if figures["spot_cases", "all"] == 0:  # what spot is paid is for people referred before
        spot_paid = lines["cost_spot_hours"] + lines["cost_mileage"]
        if spot_paid:  # (a run that paid nothing at all has no cost a year to scale by)
            per_year = figures["cost_total_per_year", "all"] / figures["cost_total", "all"]
            carried_in = figures["cost_carried_in_per_year", "all"] / per_year
            assert spot_paid <= carried_in * (1 + 1e-9)
    if scenario.commissioning.model == "spot_only":
        assert lines["cost_block"] == 0
        assert all(plan.name == SPOT for plan in records.plans)
    # Time-weighted figures from records agree with the model's area accumulators.
    from simulator.metrics import busy_slot_days, step_area, waiting_list

    spot = scenario.commissioning.spot
    others = spot is not None and spot.other_referrals_per_year > 0
    for index, plan in enumerate(records.plans):
        ours = busy_slot_days(records, index, 0.0, horizon)
        if others and plan.route == Route.SPOT:  # other buyers' cases fill it too
            assert records.busy_slot_days[index] >= ours - 1e-9
        else:
            assert np.isclose(ours, records.busy_slot_days[index])
    assert np.isclose(step_area(*waiting_list(records), 0.0, horizon), records.waiting_days)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(scenarios())
def test_invariants_hold_for_random_scenarios(scenario):
    check_invariants(scenario, simulate(scenario, 0))


@settings(max_examples=15, deadline=None, derandomize=True)
@given(scenarios())
def test_same_seed_gives_identical_records(scenario):
    a, b = simulate(scenario, 3), simulate(scenario, 3)
    pd.testing.assert_frame_equal(cases_frame([a], scenario), cases_frame([b], scenario))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(scenarios())
def test_the_quick_day0_count_never_lets_through_what_the_exact_count_refuses(scenario):
    """Validation first counts day-0 cases against bounds that need no quantile grids:
    slots sized from the least hours a case holds, and the most the cases' mean weight
    can be. The most cases it lets through must fit by the exact count too."""
    from simulator.plan import fewest_slots
    from simulator.scenario import _open_cases_surely_fit, mean_open_weight

    slots = sum(plan.slots for plan in plan_pools(scenario) if plan.route != Route.FLEX)
    assert fewest_slots(scenario) <= slots
    low, high = 0, 4 * slots + 1  # the quick count says yes at low, no at high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _open_cases_surely_fit(scenario, middle) else (low, middle)
    assert low * mean_open_weight(scenario) <= slots
