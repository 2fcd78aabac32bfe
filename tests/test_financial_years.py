"""Financial years: each one's cost in the measured window (``fy=2027/28``), placed in
the calendar from start_date, adding up to the window's cost."""

from __future__ import annotations

import pytest

from simulator.metrics import financial_years
from simulator.scenario import ScenarioError
from tests.micro import micro
from tests.test_contract_years import figures, two_years

DAY = 8760.0 * 40.0 / 365.0  # one advocate's block, 24 hours a day at GBP 40: GBP 960 a day


def block_two_years(**changes):
    """The micro block (day 0 Monday 1 June 2026) over two contract years, with the
    council's year starting 1 April: 2026/27 holds days 0 to 304 (1 April 2027), 2027/28
    days 304 to 670 (1 April 2028, a leap year's 366 days on), 2028/29 days 670 to 730."""
    changes = {"commissioning__financial_year_start": "04-01", **changes}
    return micro(hours=12.0, horizon=730.0, **changes)


def test_financial_years_cut_the_window_at_the_calendar():
    years = financial_years(block_two_years())
    assert [label for label, _ in years] == ["2026/27", "2027/28", "2028/29"]
    assert [(w.start, w.end) for w in years[1][1]] == [(304.0, 365.0), (365.0, 670.0)]
    assert financial_years(micro()) == []  # none unless asked


@pytest.mark.parametrize("uplift", [0.0, 0.1])
def test_a_block_splits_across_financial_years_by_their_days(uplift):
    # GBP 960 a day, contract year 2 at 1.1 times: 2026/27 304 days = GBP 291,840;
    # 2027/28 61 days at 960 + 305 at 1,056 = GBP 58,560 + 322,080 = 380,640;
    # 2028/29 60 days at 1,056 = GBP 63,360 (flat: 351,360 and 57,600).
    table = figures(block_two_years(commissioning__uplift_per_year=uplift))
    later = 1 + uplift
    assert table["cost_total", "fy=2026/27"] == pytest.approx(304 * DAY)
    assert table["cost_total", "fy=2027/28"] == pytest.approx(61 * DAY + 305 * DAY * later)
    assert table["cost_total", "fy=2028/29"] == pytest.approx(60 * DAY * later)
    if uplift:
        assert table["cost_total", "fy=2027/28"] == pytest.approx(380_640.0)
    else:
        assert table["cost_total", "fy=2027/28"] == pytest.approx(351_360.0)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"commissioning__uplift_per_year": 0.1},
        {"commissioning__uplift_per_year": 0.1, "commissioning__payment": {"collar_share": 0.5}},
        {"warm_up_days": 100.0, "start_date": "2027-01-15"},
    ],
)
def test_financial_years_add_up_to_the_measured_windows_cost(changes):
    # Block and spot, bought by the hour in either year, with or without uplift and band.
    table = figures(two_years(commissioning__financial_year_start="04-01", **changes))
    years = [g for _, g in table.index if g.startswith("fy=")]
    assert len(years) >= 2  # three from 1 June 2026; two from 25 April 2027 (warm-up)
    total = sum(table["cost_total", g] for g in years)
    assert total == pytest.approx(table["cost_total", "all"], rel=1e-12)


def test_a_calendar_financial_year_is_labelled_by_its_year():
    years = financial_years(block_two_years(commissioning__financial_year_start="01-01"))
    assert [label for label, _ in years] == ["2026", "2027", "2028"]


@pytest.mark.parametrize("value", ["4-1", "02-29", "13-01", "April"])
def test_a_financial_year_start_not_mm_dd_is_an_error_naming_the_field(value):
    with pytest.raises(ScenarioError) as error:
        micro(commissioning__financial_year_start=value)
    assert error.value.problems[0].startswith(
        f"<test>: commissioning.financial_year_start: '{value}': not a month and day as MM-DD"
    )


def test_the_report_gives_a_table_by_financial_year():
    from simulator.briefing import by_financial_year
    from simulator.metrics import per_replication, summarise
    from simulator.model import simulate

    scenario = block_two_years()
    summary = summarise(per_replication([simulate(scenario, 0)], scenario), scenario.name)
    table = by_financial_year(summary)
    assert "<th>2026/27</th>" in table and "<th>2028/29</th>" in table
    assert "£291,840" in table
    assert by_financial_year(summary[~summary["group"].str.startswith("fy=")]) == ""
