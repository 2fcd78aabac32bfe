"""A contract stays the size it was bought at when actual demand varies: a sweep of the
referral rate keeps the block sized for the file's planned demand, so more demand than
was bought for shows as more breaches, not as a bigger block."""

from __future__ import annotations

import pytest

from simulator import study
from simulator.plan import plan_pools
from tests.helpers import build, county, figures

RATES = [450.0, 600.0, 750.0]


def block_only():
    data = county("single_provider", horizon_days=400.0, warm_up_days=0.0)
    data["demand"]["deadline_days"] = {"dist": "fixed", "mean": 7.0}
    del data["commissioning"]["spot"]
    return build(data)


def test_a_demand_sweep_keeps_the_block_sized_for_the_files_demand():
    base = block_only()
    points = study.sweep_scenarios(base, {"demand.referrals_per_year": RATES})
    slots = [sum(p.slots for p in plan_pools(s)) for s in points]
    assert slots == [sum(p.slots for p in plan_pools(base))] * len(RATES)
    planned = [s.commissioning.planned_referrals_per_year for s in points]
    assert planned == pytest.approx([600.0] * len(RATES), rel=1e-9)  # the integrated rate


def test_breaches_rise_with_demand_when_the_contract_is_held():
    points = study.sweep_scenarios(block_only(), {"demand.referrals_per_year": RATES})
    breaches = [figures(s, reps=3)[0]["breaches_per_year", "all"] for s in points]
    assert breaches == sorted(breaches) and breaches[-1] > breaches[0]


def test_planned_referrals_size_the_block_and_default_to_the_expected_rate():
    base = block_only()
    planned = build(base.to_plain(), commissioning__planned_referrals_per_year=600.0)
    assert plan_pools(planned) == plan_pools(base)  # the default is the file's own rate
    bigger = build(base.to_plain(), commissioning__planned_referrals_per_year=900.0)
    ratio = plan_pools(bigger)[0].slots / plan_pools(base)[0].slots
    assert ratio == pytest.approx(1.5, abs=0.02)
    table = figures(bigger)[0]
    assert table["planned_referrals_per_year", "all"] == 900.0


def test_a_sweep_of_the_planned_demand_itself_resizes_the_block():
    points = study.sweep_scenarios(
        block_only(), {"commissioning.planned_referrals_per_year": [600.0, 900.0]}
    )
    assert plan_pools(points[1])[0].slots > plan_pools(points[0])[0].slots
