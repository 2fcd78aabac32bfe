"""VAT: prices as quoted, the cost to the council, and the VAT paid and recovered.

The examples are sums a finance officer can check by hand: VAT at 20%, and a
council that recovers the VAT on its statutory services (s.33 VAT Act 1994)
unless a test says otherwise.
"""

from __future__ import annotations

import pytest

from simulator import ScenarioError, pricing
from simulator.metrics import cases_frame
from simulator.schema import Costing
from tests.helpers import build, county, figures

MEASURED_YEARS = (730.0 - 60.0) / 365.0  # tests.helpers.county: horizon 730, warm-up 60
RECOVERS = Costing()
PAYS = Costing(council_recovers_vat=False)


def test_45_an_hour_including_vat_is_37_50_net_plus_7_50_vat():
    assert pricing.split_vat(45.0, True, 0.2) == pytest.approx((37.50, 7.50))
    # 12 hours at GBP 45 incl. VAT = GBP 540 = GBP 450 net + GBP 90 VAT.
    assert pricing.split_vat(pricing.spot_hours_cost(12.0, 45.0), True, 0.2) == pytest.approx(
        (450.0, 90.0)
    )


def test_a_rate_not_including_vat_is_net_with_vat_on_top():
    # GBP 38 an hour net: VAT of GBP 7.60 on top, GBP 45.60 gross.
    assert pricing.split_vat(38.0, False, 0.2) == pytest.approx((38.0, 7.60))
    # At a VAT rate of 0 nothing is added either way.
    assert pricing.split_vat(45.0, True, 0.0) == (45.0, 0.0)


def test_recovered_vat_leaves_the_council_the_net_and_unrecovered_vat_the_gross():
    # GBP 45 incl. VAT: the council pays 45, gets 7.50 back, bears 37.50.
    assert pricing.council_charge(45.0, True, RECOVERS) == pytest.approx((37.50, 7.50, 7.50))
    assert pricing.council_charge(45.0, True, PAYS) == pytest.approx((45.0, 7.50, 0.0))
    # GBP 38 net: the council pays 45.60, gets 7.60 back, bears 38.
    assert pricing.council_charge(38.0, False, RECOVERS) == pytest.approx((38.0, 7.60, 7.60))
    assert pricing.council_charge(38.0, False, PAYS) == pytest.approx((45.60, 7.60, 0.0))
    # A price as quoted is never changed by recovery of VAT it does not include.
    assert pricing.council_charge(38.0, False, RECOVERS).cost == 38.0


def test_hand_sums_for_mileage_block_triage_fee_and_workshops():
    # 60 miles at 45p incl. VAT = GBP 27 = GBP 22.50 net + GBP 4.50 VAT.
    mileage = pricing.mileage_cost(60.0, 0.45)
    assert pricing.council_charge(mileage, True, RECOVERS) == pytest.approx((22.50, 4.50, 4.50))
    # 5,000 block hours a year at GBP 38 net for a year: GBP 190,000 + GBP 38,000 VAT.
    block = pricing.block_cost(5000.0, 38.0, 365.0)
    assert pricing.council_charge(block, False, RECOVERS) == pytest.approx(
        (190_000.0, 38_000.0, 38_000.0)
    )
    assert pricing.council_charge(block, False, PAYS).cost == pytest.approx(228_000.0)
    # 750 referrals x 0.5 h x GBP 40 net = GBP 15,000 + GBP 3,000 VAT.
    triage = pricing.triage_cost(750, 0.5, 40.0)
    assert pricing.council_charge(triage, False, RECOVERS) == pytest.approx(
        (15_000.0, 3_000.0, 3_000.0)
    )
    # A GBP 12,000 yearly fee incl. VAT for a year: GBP 10,000 + GBP 2,000 VAT.
    fee = pricing.per_year_cost(12_000.0, 365.0)
    assert pricing.council_charge(fee, True, RECOVERS) == pytest.approx(
        (10_000.0, 2_000.0, 2_000.0)
    )
    # 12 workshops at GBP 225 incl. VAT for a year = GBP 2,700 = GBP 2,250 + GBP 450 VAT.
    workshops = pricing.workshop_cost(12.0, 225.0, 365.0)
    assert pricing.council_charge(workshops, True, RECOVERS) == pytest.approx(
        (2_250.0, 450.0, 450.0)
    )
    # Several charges add field by field.
    assert pricing.add(
        [pricing.Charge(1.0, 0.2, 0.2), pricing.Charge(2.0, 0.5, 0.0)]
    ) == pytest.approx((3.0, 0.7, 0.2))


def test_costing_defaults_and_limits():
    scenario = build(county())
    assert scenario.costing.vat_rate == 0.2 and scenario.costing.council_recovers_vat is True
    assert scenario.commissioning.spot.rate_includes_vat is False
    assert scenario.commissioning.providers[0].rate_includes_vat is False
    with pytest.raises(ScenarioError, match=r"costing\.vat_rate"):
        build(county(), costing={"vat_rate": 1.5})


def _spot_bought(scenario, records):
    cases = cases_frame([records], scenario)
    window = cases["allocated_day"].between(60.0, 730.0, inclusive="left")
    return cases[window & (cases["route"] == "spot")]


def test_spot_hours_and_mileage_follow_the_spot_flag():
    scenario = build(county("spot_only", commissioning__spot__rate_includes_vat=True))
    values, [records] = figures(scenario)
    bought = _spot_bought(scenario, records)
    hours, miles = bought["hours"].sum(), bought["miles"].sum()
    assert hours > 0 and miles > 0
    # GBP 45 an hour and 45p a mile incl. VAT cost the council 37.50 and 37.5p.
    assert values["cost_spot_hours", "all"] == pytest.approx(hours * 37.50)
    assert values["cost_mileage", "all"] == pytest.approx(miles * 0.375)
    assert values["vat_paid", "all"] == pytest.approx(hours * 7.50 + miles * 0.075)
    assert values["vat_recovered", "all"] == pytest.approx(values["vat_paid", "all"])
    # Case by case, the cost column is the cost to the council too.
    assert bought["cost"].sum() == pytest.approx(hours * 37.50 + miles * 0.375)
    assert bought["cost"].to_numpy() == pytest.approx(
        bought["hours"].to_numpy() * 37.50 + bought["miles"].to_numpy() * 0.375
    )


def test_without_recovery_a_rate_including_vat_costs_the_council_what_is_quoted():
    scenario = build(
        county("spot_only", commissioning__spot__rate_includes_vat=True),
        costing={"council_recovers_vat": False},
    )
    values, [records] = figures(scenario)
    bought = _spot_bought(scenario, records)
    hours, miles = bought["hours"].sum(), bought["miles"].sum()
    assert values["cost_spot_hours", "all"] == pytest.approx(hours * 45.0)
    assert values["cost_mileage", "all"] == pytest.approx(miles * 0.45)
    assert values["vat_paid", "all"] == pytest.approx(hours * 7.50 + miles * 0.075)
    assert values["vat_recovered", "all"] == 0


def _hub_with_every_price(**changes):
    """A hub: provider A quotes GBP 40 incl. VAT, B GBP 36 net; the hub's triage (GBP 40) and
    GBP 10,000 fee include VAT; 12 workshops a year at GBP 225 incl. VAT; no spot bought."""
    data = county(
        "hub",
        commissioning__providers=[
            {"name": "A", "skills": ["care_act", "imca", "bsl"], "block_hours_per_year": 5000.0,
             "block_rate_per_hour": 40.0, "rate_includes_vat": True},
            {"name": "B", "skills": ["care_act", "imca", "bsl"], "block_hours_per_year": 4000.0,
             "block_rate_per_hour": 36.0},
        ],
        commissioning__hub__rate_includes_vat=True,
        commissioning__spot=None,
        workshops={"per_year": 12.0, "price": 225.0, "rate_includes_vat": True},
    )  # fmt: skip
    return build(data, **changes)


def test_block_triage_fee_and_workshops_each_follow_their_holders_flag():
    scenario = _hub_with_every_price()
    values, _ = figures(scenario)
    referrals = values["referrals", "all"]
    block_a = 5000.0 * 40.0 * MEASURED_YEARS  # as quoted, incl. VAT
    block_b = 4000.0 * 36.0 * MEASURED_YEARS  # as quoted, net
    triage = referrals * 0.5 * 40.0  # incl. VAT
    fee = 10_000.0 * MEASURED_YEARS  # incl. VAT
    workshops = 12 * 225.0 * MEASURED_YEARS  # incl. VAT
    assert values["cost_block", "provider=A"] == pytest.approx(block_a / 1.2)
    assert values["cost_block", "provider=B"] == pytest.approx(block_b)
    assert values["cost_block", "all"] == pytest.approx(block_a / 1.2 + block_b)
    assert values["cost_triage", "all"] == pytest.approx(triage / 1.2)
    assert values["cost_fee", "all"] == pytest.approx(fee / 1.2)
    assert values["cost_workshops", "all"] == pytest.approx(workshops / 1.2)
    assert values["cost_spot_hours", "all"] == 0 and values["cost_mileage", "all"] == 0
    included = block_a + triage + fee + workshops
    vat = included - included / 1.2 + block_b * 0.2
    assert values["vat_paid", "all"] == pytest.approx(vat)
    assert values["vat_recovered", "all"] == pytest.approx(vat)
    # Unused block hours are valued at what an hour costs the council.
    unused_a = values["block_hours_unused", "provider=A"]
    assert values["cost_block_unused", "provider=A"] == pytest.approx(unused_a * 40.0 / 1.2)


def test_without_recovery_net_rates_cost_the_council_the_gross():
    scenario = _hub_with_every_price(costing={"council_recovers_vat": False})
    values, _ = figures(scenario)
    block_b = 4000.0 * 36.0 * MEASURED_YEARS
    assert values["cost_block", "provider=B"] == pytest.approx(block_b * 1.2)
    assert values["cost_block", "provider=A"] == pytest.approx(5000.0 * 40.0 * MEASURED_YEARS)
    assert values["vat_recovered", "all"] == 0
    assert values["vat_paid", "all"] > block_b * 0.2


@pytest.mark.parametrize("recovers", [True, False])
def test_cost_total_is_exactly_the_sum_of_the_lines(recovers):
    scenario = _hub_with_every_price(
        costing={"council_recovers_vat": recovers},
        demand__referrals_per_year=1200.0,  # more than the block can take: some go spot
        commissioning__spot={"rate_per_hour": 45.0, "rate_includes_vat": True},
        commissioning__overflow={"rule": "queue_length", "threshold": 0},
    )
    values, _ = figures(scenario)
    lines = {name: values[name, "all"] for name in pricing.COST_LINES}
    assert values["cost_spot_hours", "all"] > 0
    assert values["cost_total", "all"] == pricing.total(lines)
    assert values["cost_total", "all"] == sum(lines[name] for name in pricing.COST_LINES)


def test_defaults_keep_every_cost_as_quoted():
    """Rates not including VAT, VAT recovered: the council bears exactly the prices as quoted."""
    data = county()
    data["commissioning"]["providers"][0]["block_hours_per_year"] = 7000.0
    data["commissioning"]["overflow"] = {"rule": "queue_length", "threshold": 0}
    implicit = build(data)
    explicit = build(
        data,
        costing={"vat_rate": 0.2, "council_recovers_vat": True},
        commissioning__spot__rate_includes_vat=False,
        commissioning__providers=[{**data["commissioning"]["providers"][0],
                                   "rate_includes_vat": False}],
    )  # fmt: skip
    assert implicit == explicit
    values, [records] = figures(implicit)
    bought = _spot_bought(implicit, records)
    assert values["cost_block", "all"] == pricing.block_cost(7000.0, 40.0, 670.0)
    assert values["spot_hours", "all"] > 0
    assert values["cost_spot_hours", "all"] == values["spot_hours", "all"] * 45.0
    assert values["cost_mileage", "all"] == pytest.approx(bought["miles"].sum() * 0.45)
    # VAT at 20% was charged on top of every line, and all of it recovered.
    assert values["vat_paid", "all"] == pytest.approx(0.2 * values["cost_total", "all"])
    assert values["vat_recovered", "all"] == values["vat_paid", "all"]
