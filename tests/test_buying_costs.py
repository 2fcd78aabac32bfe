"""Buying has a cost: council officer time for each spot or flex purchase and for managing
each contract, as cost lines a finance officer can check by hand."""

from __future__ import annotations

import pytest

from simulator import pricing
from tests.helpers import build, county, figures


def scenario(model: str, **changes):
    data = county(model, horizon_days=365.0, warm_up_days=0.0)
    return build(data, **changes)


def test_each_spot_purchase_costs_the_council_its_officer_time():
    plain, _ = figures(scenario("spot_only"), reps=2)
    dear, _ = figures(scenario("spot_only", commissioning__spot__cost_per_purchase=25.0), reps=2)
    assert plain["cost_purchasing", "all"] == 0
    assert dear["cost_purchasing", "all"] == pytest.approx(25.0 * dear["spot_cases", "all"])
    more = dear["cost_total", "all"] - plain["cost_total", "all"]
    assert more == pytest.approx(25.0 * plain["spot_cases", "all"])  # the same purchases
    assert dear["vat_paid", "all"] == pytest.approx(plain["vat_paid", "all"])  # no VAT on it


def test_each_flex_purchase_costs_the_council_its_officer_time():
    flex = {"rate_per_hour": 40.0, "advocates": 2.0, "cost_per_purchase": 13.0}
    table, _ = figures(
        scenario(
            "single_provider",
            commissioning__block_share=0.6,
            commissioning__overflow={"rule": "queue_length", "threshold": 1},
            commissioning__providers__0__flex=flex,
            commissioning__spot__cost_per_purchase=34.0,
        ),
        reps=2,
    )
    expected = 13.0 * table["flex_cases", "all"] + 34.0 * table["spot_cases", "all"]
    assert table["flex_cases", "all"] > 0
    assert table["cost_purchasing", "all"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("model", "expected_per_year"),
    [("single_provider", 6_000.0), ("hub", 6_000.0 + 9_000.0), ("spot_only", 0.0)],
)
def test_contract_management_is_paid_for_the_contracts_bought(model, expected_per_year):
    changes = {"commissioning__providers__0__contract_management_per_year": 6_000.0}
    if model == "hub":
        changes["commissioning__hub__contract_management_per_year"] = 9_000.0
    table, _ = figures(scenario(model, **changes))
    days = 365.0
    assert table["cost_contract_management", "all"] == pytest.approx(
        expected_per_year * pricing.years(days)
    )


def test_what_serving_is_owed_includes_the_cost_of_buying_it():
    """A market of no slots: every referral is owed its hours at spot and one purchase."""
    base = scenario("spot_only", commissioning__spot__market_advocates=0.01)
    dear = scenario(
        "spot_only", commissioning__spot__market_advocates=0.01,
        commissioning__spot__cost_per_purchase=30.0,
    )  # fmt: skip
    plain, records = figures(base)
    more, _ = figures(dear)
    referrals = len(records[0].referrals)
    extra = (more["cost_owed_per_year", "all"] - plain["cost_owed_per_year", "all"]) * 1.0
    assert extra == pytest.approx(30.0 * referrals)  # one year measured


def short_horizon(days: float, model: str = "spot_only"):
    data = county(model, horizon_days=days, warm_up_days=0.0)
    data["demand"]["initial_open_cases"] = 40
    return build(data)


def test_cases_open_on_day_0_are_charged_by_the_work_inside_a_short_window():
    """A 3-day horizon charged the whole of every day-0 spot case on day 0 and scaled it to
    a year; charged by the work inside the window, its cost a year is near a year's."""
    year, _ = figures(short_horizon(365.0), reps=2)
    three_days, _ = figures(short_horizon(3.0), reps=2)
    assert three_days["cost_spot_hours", "all"] < 0.1 * year["cost_spot_hours", "all"]
    assert three_days["cost_total_per_year", "all"] < 2 * year["cost_total_per_year", "all"]


def test_work_share_splits_a_case_evenly_over_its_days():
    import numpy as np

    from simulator.metrics import Window, work_share

    start, close = np.array([0.0, 0.0, 5.0, 2.0]), np.array([10.0, 2.0, 5.0, 2.0])
    share = work_share(start, close, Window(1.0, 4.0))
    np.testing.assert_allclose(share, [0.3, 0.5, 0.0, 1.0])


def test_a_backlog_inside_a_warm_up_is_warned_about():
    from simulator.scenario import scenario_warnings

    data = county("single_provider", warm_up_days=30.0)
    data["demand"]["initial_waiting_list"] = 150
    warnings = scenario_warnings(build(data))
    assert any("the 150 people waiting on day 0 fall in the 30-day warm-up" in w for w in warnings)
    data["warm_up_days"] = 0.0
    assert not any("warm-up" in w for w in scenario_warnings(build(data)))
