"""Block sizing pinned by hand: what each contract buys in slots, advocates and hours.

A slot is one place on an advocate's caseload. It receives
``hours_per_week x productive_share / caseload_cap`` hours a week, so over a
year of 365 days it works that x 365 / 7 hours.
"""

from __future__ import annotations

from typing import Any

import pytest

from simulator.plan import plan_pools
from tests.conftest import build


def county(providers: list[dict[str, Any]], model: str = "single_provider", **changes: Any):
    """365 referrals a year over one year: Care Act (24 hours) and IMCA (12 hours), half each."""
    data: dict[str, Any] = {
        "name": "sizing",
        "horizon_days": 365.0,
        "demand": {
            "referrals_per_year": 365.0,
            "mix": {
                "care_act": {"share": 0.5, "hours": {"dist": "fixed", "mean": 24.0}},
                "imca": {"share": 0.5, "hours": {"dist": "fixed", "mean": 12.0}},
            },
        },
        "commissioning": {"model": model, "providers": providers},
    }
    if model == "hub":
        data["commissioning"]["hub"] = {"triage_hours": 0.5}
    return build(data, **changes)


def test_productive_share_sets_the_slot_rate_and_so_the_slots_bought():
    # Expected hours a year: 182.5 x 24 + 182.5 x 12 = 4,380 + 2,190 = 6,570.
    provider = {
        "name": "A",
        "skills": ["care_act", "imca"],
        "hours_per_week": 37.5,
        "productive_share": 0.6,
        "caseload_cap": 5,
    }
    [plan] = plan_pools(county([provider]))
    # A slot: 37.5 x 0.6 / 5 = 4.5 hours a week; 4.5 x 365 / 7 = 234.642857 hours a year.
    # Slots: round(6,570 / 234.642857) = round(28.0) = 28; advocates: ceil(28 / 5) = 6.
    assert plan.case_hours_per_week == pytest.approx(4.5)
    assert plan.slots == 28
    assert plan.advocates == 6
    assert plan.contracted_hours_per_year == pytest.approx(28 * 4.5 * 365 / 7)  # 6,570.0
    assert plan.rate_per_hour == 40.0

    # All hours productive: 7.5 hours a week a slot, 391.071429 a year;
    # round(6,570 / 391.071429) = round(16.8) = 17 slots on ceil(17 / 5) = 4 advocates.
    [plan] = plan_pools(county([{**provider, "productive_share": 1.0}]))
    assert plan.case_hours_per_week == pytest.approx(7.5)
    assert (plan.slots, plan.advocates) == (17, 4)
    assert plan.contracted_hours_per_year == pytest.approx(17 * 7.5 * 365 / 7)  # 6,648.21

    # block_share 0.8 at 0.6 productive: round(0.8 x 6,570 / 234.642857) = round(22.4) = 22.
    [plan] = plan_pools(county([provider], commissioning__block_share=0.8))
    assert (plan.slots, plan.advocates) == (22, 5)
    assert plan.contracted_hours_per_year == pytest.approx(22 * 4.5 * 365 / 7)  # 5,162.14


def test_unsized_hub_partners_share_each_type_they_serve_and_sized_ones_do_not_count():
    # Defaults: 37.5 h a week, 0.7 productive, caseload 20: a slot gets 1.3125 hours a week,
    # 1.3125 x 365 / 7 = 68.4375 hours a year.
    providers = [
        {"name": "P", "skills": ["care_act"]},
        {"name": "Q", "skills": ["care_act", "imca"]},
        {"name": "R", "skills": ["care_act", "imca"], "advocates": 1.5, "caseload_cap": 16},
    ]
    p, q, r = plan_pools(county(providers, model="hub"))
    # Care Act's 4,380 hours split between the two unsized partners P and Q (R is sized):
    # P 2,190 hours = 32 slots (2,190 / 68.4375 = 32.0) on ceil(32 / 20) = 2 advocates.
    assert (p.slots, p.advocates) == (32, 2)
    assert p.contracted_hours_per_year == pytest.approx(2_190.0)
    # Q: 2,190 Care Act + all 2,190 IMCA hours = 4,380 = 64 slots on 4 advocates.
    assert (q.slots, q.advocates) == (64, 4)
    assert q.contracted_hours_per_year == pytest.approx(4_380.0)
    # R: 1.5 advocates x 16 cases = 24 slots on ceil(24 / 16) = 2 advocates; it is paid
    # for 1.5 x 37.5 x 0.7 = 39.375 hours a week, x 365 / 7 = 2,053.125 hours a year.
    assert (r.slots, r.advocates) == (24, 2)
    assert r.case_hours_per_week == pytest.approx(37.5 * 0.7 / 16)  # 1.640625
    assert r.contracted_hours_per_year == pytest.approx(2_053.125)


def test_block_hours_per_year_buy_slots_at_the_slot_rate_and_at_least_one():
    providers = [
        {"name": "P", "skills": ["care_act", "imca"], "block_hours_per_year": 1000.0},
        {"name": "Q", "skills": ["care_act"], "block_hours_per_year": 10.0},
    ]
    p, q = plan_pools(county(providers, model="hub"))
    # 1,000 / 68.4375 = 14.61: 15 slots on one advocate; the contract is the hours written.
    assert (p.slots, p.advocates) == (15, 1)
    assert p.contracted_hours_per_year == 1000.0
    # 10 / 68.4375 = 0.15 rounds to 0, but a contract buys at least one slot.
    assert (q.slots, q.advocates) == (1, 1)
    assert q.contracted_hours_per_year == 10.0


def test_the_spot_market_is_its_advocates_caseloads_at_the_spot_rate():
    spot = {
        "rate_per_hour": 52.0,
        "market_advocates": 2.5,
        "caseload_cap": 4,
        "hours_per_week": 30.0,
        "productive_share": 0.8,
    }
    providers = [{"name": "A", "skills": ["care_act", "imca"], "advocates": 1.0}]
    block, market = plan_pools(county(providers, commissioning__spot=spot))
    assert block.name == "A" and market.name == "spot"
    # 2.5 advocates x 4 cases = 10 slots on ceil(10 / 4) = 3 advocates; a slot gets
    # 30 x 0.8 / 4 = 6 hours a week; nothing contracted, paid at GBP 52 an hour used.
    assert (market.slots, market.advocates) == (10, 3)
    assert market.case_hours_per_week == pytest.approx(6.0)
    assert market.contracted_hours_per_year == 0.0
    assert market.rate_per_hour == 52.0
    # Spot only: the providers listed are not bought at all.
    [only] = plan_pools(
        county(providers, commissioning__spot=spot, commissioning__model="spot_only")
    )
    assert only.name == "spot" and only.slots == 10
