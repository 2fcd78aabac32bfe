"""Cost lines checked against sums a finance officer can do by hand."""

from __future__ import annotations

import pytest

from simulator import pricing


def test_block_cost_is_contracted_hours_at_the_block_rate():
    # 5,000 hours a year at GBP 38 for 3 years = GBP 570,000, used or not.
    assert pricing.block_cost(5000.0, 38.0, 3 * 365.0) == pytest.approx(570_000.0)
    # Half a year: half the money.
    assert pricing.block_cost(5000.0, 38.0, 182.5) == pytest.approx(95_000.0)


def test_spot_case_is_hours_at_the_rate_plus_mileage():
    # 12 hours at GBP 45 (incl. VAT) = GBP 540; 60 miles at 45p = GBP 27.
    assert pricing.spot_hours_cost(12.0, 45.0) == pytest.approx(540.0)
    assert pricing.mileage_cost(60.0, 0.45) == pytest.approx(27.0)


def test_triage_fee_and_workshops():
    # 750 referrals x 0.5 h x GBP 40 = GBP 15,000.
    assert pricing.triage_cost(750, 0.5, 40.0) == pytest.approx(15_000.0)
    # A GBP 12,000 yearly fee over 2 years.
    assert pricing.per_year_cost(12_000.0, 730.0) == pytest.approx(24_000.0)
    # 12 sessions a year at GBP 225 for one year = GBP 2,700.
    assert pricing.workshop_cost(12.0, 225.0, 365.0) == pytest.approx(2_700.0)


def test_total_is_exactly_the_sum_of_the_lines():
    lines = {
        "cost_block": 570_000.0,
        "cost_flex_hours": 1_234.5,
        "cost_spot_hours": 540.1,
        "cost_mileage": 27.3,
        "cost_triage": 15_000.0,
        "cost_fee": 24_000.0,
        "cost_workshops": 2_700.0,
        "cost_purchasing": 330.0,
        "cost_contract_management": 4_500.0,
    }
    assert pricing.total(lines) == (
        570_000.0 + 1_234.5 + 540.1 + 27.3 + 15_000.0 + 24_000.0 + 2_700.0 + 330.0 + 4_500.0
    )
    with pytest.raises(KeyError):
        pricing.total({"cost_block": 1.0})
