"""An option that fails to serve people is never the cheaper for it (issue: costs for
everyone referred). Cash paid in the window falls as a market shrinks, because people
still waiting cost nothing yet; the cost to serve counts every person referred once, at
what they were bought at or what serving them is owed."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import pricing
from simulator.metrics import HOURLY_LINES
from tests.helpers import build, county, figures

SHRINKING = [14.0, 4.0, 2.0, 0.01]  # spot market advocates: 0.01 x 20 rounds to no slots


def spot_only(advocates: float):
    return build(
        county("spot_only", horizon_days=365.0, warm_up_days=0.0),
        commissioning__spot__market_advocates=advocates,
    )


@pytest.fixture(scope="module")
def by_market():
    return {a: figures(spot_only(a), reps=2)[0] for a in SHRINKING}


def test_cash_falls_as_the_market_shrinks_but_the_cost_to_serve_does_not(by_market):
    cash = [by_market[a]["cost_total_per_year", "all"] for a in SHRINKING]
    unserved = [by_market[a]["unserved_per_year", "all"] for a in SHRINKING]
    serve = [by_market[a]["cost_to_serve_per_year", "all"] for a in SHRINKING]
    assert cash == sorted(cash, reverse=True) and cash[-1] == 0.0  # what today's figure did
    assert unserved == sorted(unserved) and unserved[0] < unserved[-1]
    # Spot only, no uplift: every person costs their hours at the spot price, bought or
    # owed, so the same referrals (common random numbers) cost the same to serve.
    np.testing.assert_allclose(serve, serve[0], rtol=1e-9)


def test_the_no_slot_market_owes_every_referrals_hours_at_the_spot_price(by_market):
    scenario = spot_only(0.01)
    table, records = figures(scenario, reps=1)
    ref = records[0].referrals
    # quoted net of VAT, which the council recovers: 45 an hour and 45p a mile to it
    owed = (ref.hours.sum() * 45.0 + ref.miles.sum() * 0.45) / pricing.years(365)
    assert table["cost_owed_per_year", "all"] == pytest.approx(owed, rel=1e-12)
    assert table["unserved", "all"] == table["cannot_be_served", "all"] == len(ref)


def test_unserved_is_everyone_never_allocated_and_its_parts_add_up(by_market):
    for advocates in SHRINKING:
        row = by_market[advocates]
        parts = (
            row["cannot_be_served", "all"]
            + row["withdrawn", "all"]
            + row["still_waiting_after_follow_up", "all"]
            + row["never_taken_up_again", "all"]
        )
        assert row["unserved", "all"] == pytest.approx(parts)
    assert by_market[2.0]["still_waiting_after_follow_up", "all"] > 0  # counted as unserved


@pytest.mark.parametrize("model", ["single_provider", "hub", "spot_only"])
def test_cost_to_serve_is_cash_less_carried_in_plus_follow_up_and_owed(model):
    table, _ = figures(build(county(model, commissioning__block_share=0.7)), reps=2)
    cash, carried = table["cost_total_per_year", "all"], table["cost_carried_in_per_year", "all"]
    later, owed = table["cost_follow_up_per_year", "all"], table["cost_owed_per_year", "all"]
    assert table["cost_to_serve_per_year", "all"] == pytest.approx(cash - carried + later + owed)
    assert min(carried, later, owed) >= 0
    years = pricing.years(730 - 60)
    hourly = sum(table[name, "all"] for name in HOURLY_LINES) / years
    assert carried <= hourly + 1e-6  # with a warm-up, some of the window's purchases


def test_a_block_too_small_owes_its_unserved_on_top_of_its_cash():
    """A block with no spot and no deadlines: half a block leaves people waiting past the
    follow-up, and their hours are owed on top of its cash. (A smaller block still costs
    less to serve: it is paid for whether used or not; the duty test judges the rest.)"""
    data = county("single_provider", horizon_days=365.0, warm_up_days=0.0, follow_up_days=60)
    del data["commissioning"]["spot"]
    small = figures(build(data, commissioning__block_share=0.5), reps=2)[0]
    assert small["unserved", "all"] > 0
    assert small["cost_owed_per_year", "all"] > 0
    assert small["cost_to_serve_per_year", "all"] > small["cost_total_per_year", "all"]


def test_people_a_block_serves_only_after_the_window_cost_their_block_hours():
    """A block that falls behind serves part of the window's referrals in the follow-up:
    capacity a later period pays for. They count at their hours x the block rate, so a
    block that fails people is not cheaper to serve than the cash it paid."""
    data = county("single_provider", horizon_days=365.0, warm_up_days=0.0)
    del data["commissioning"]["spot"]
    scenario = build(data, commissioning__block_share=0.8)
    table, records = figures(scenario, reps=1)
    late = records[0].allocated_day >= 365.0
    block_rate = scenario.commissioning.providers[0].block_rate_per_hour  # net, VAT recovered
    expected = float(records[0].referrals.hours[late].sum()) * block_rate
    assert late.sum() > 0
    assert table["cost_follow_up_per_year", "all"] == pytest.approx(expected / pricing.years(365))
