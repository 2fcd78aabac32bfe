"""Contract years: an annual uplift on hourly rates, cost per year and quarter, and the
chance a year goes over budget or past a tolerable number of breaches."""

from __future__ import annotations

import pytest

from simulator.metrics import per_replication
from simulator.model import simulate
from tests.helpers import SPOT, build, mmc_data


def two_years(uplift: float = 0.0, **changes):
    """A block of 2 advocates at GBP 30 an hour over two contract years, no warm-up, and
    a spot market at GBP 45 beside it for referrals beyond two waiting."""
    data = mmc_data(servers=2, arrivals_per_day=1.5, horizon_days=730.0)
    data["commissioning"]["providers"][0]["block_rate_per_hour"] = 30.0
    data["commissioning"]["spot"] = {**SPOT, "mileage_rate": 0.0}
    data["commissioning"]["overflow"] = {"rule": "queue_length", "threshold": 2}
    data["commissioning"]["uplift_per_year"] = uplift
    data["demand"]["deadline_days"] = {"dist": "fixed", "mean": 0.5}
    return build(data, **changes)


def figures(scenario):
    table = per_replication([simulate(scenario, 0)], scenario)
    return table.set_index(["metric", "group"])["value"]


def test_the_uplift_raises_each_contract_years_rates():
    flat, raised = figures(two_years()), figures(two_years(0.1))
    # A block of 2 slots of 168 h a week at GBP 30: GBP 30 x 168 x 365/7 x 2 a year.
    year = 30.0 * 168.0 * 365.0 / 7.0 * 2
    assert flat["cost_block", "all"] == pytest.approx(2 * year)
    assert raised["cost_block", "all"] == pytest.approx(year + 1.1 * year)
    # Spot hours bought in year 2 cost 10% more; the same referrals are bought either way.
    assert raised["spot_hours", "all"] == flat["spot_hours", "all"] > 0
    spot_year2 = flat["cost_total", "year=2"] - year
    assert raised["cost_total", "year=2"] == pytest.approx(1.1 * year + 1.1 * spot_year2)
    assert raised["cost_total", "year=1"] == pytest.approx(flat["cost_total", "year=1"])
    for table in (flat, raised):
        years = table["cost_total", "year=1"] + table["cost_total", "year=2"]
        assert years == pytest.approx(table["cost_total", "all"])
        quarters = sum(table["cost_total", f"quarter={q}"] for q in range(1, 9))
        assert quarters == pytest.approx(table["cost_total", "all"])
        assert table["cost_total_per_year", "year=1"] == table["cost_total", "year=1"]


def test_budget_and_breach_risk_count_the_years_over_the_line():
    flat = figures(two_years())
    costs = sorted([flat["cost_total", "year=1"], flat["cost_total", "year=2"]])
    between = (costs[0] + costs[1]) / 2
    assert costs[0] < between < costs[1]
    risky = figures(two_years(commissioning__budget_per_year=between))
    assert risky["budget_risk", "all"] == 0.5  # one year of two over the budget
    assert (
        figures(two_years(commissioning__budget_per_year=costs[1] + 1))["budget_risk", "all"] == 0
    )
    assert ("budget_risk", "all") not in flat.index  # only when a budget is given
    breaches = [flat["breaches", "year=1"], flat["breaches", "year=2"]]
    assert breaches[0] != breaches[1] and min(breaches) > 0
    tolerance = int(max(breaches))  # only the worse year reaches it
    expected = 0.5
    tolerant = figures(two_years(commissioning__breach_tolerance=tolerance))
    assert tolerant["breach_risk", "all"] == expected


def test_the_uplift_reaches_every_figure_that_prices_hours():
    from simulator.metrics import cases_frame

    scenario = two_years(0.1)
    records = simulate(scenario, 0)
    table = per_replication([records], scenario).set_index(["metric", "group"])["value"]
    # The provider's own line and the whole block agree; unused hours at the mean uplift.
    assert table["cost_block", "provider=A"] == pytest.approx(table["cost_block", "all"])
    flat = figures(two_years())
    unused_rate = flat["cost_block_unused", "all"] / flat["block_hours_unused", "all"]
    assert table["cost_block_unused", "all"] == pytest.approx(
        table["block_hours_unused", "all"] * unused_rate * 1.05
    )
    # A spot case allocated in year 2 costs 10% more per hour in cases.parquet, and the
    # cases bought in the window add up to the spot hours line.
    cases = cases_frame([records], scenario)
    spot = cases[(cases["route"] == "spot") & (cases["allocated_day"] < 730)]
    year2 = spot["allocated_day"] >= 365
    rate = (spot["cost"] / spot["hours"]).round(6)
    assert set(rate[~year2]) == {45.0} and set(rate[year2]) == {49.5}
    assert spot["cost"].sum() == pytest.approx(table["cost_spot_hours", "all"])


def test_the_terminal_gives_the_risks_when_a_budget_and_tolerance_are_set():
    from simulator.briefing import headline
    from simulator.metrics import summarise

    flat = figures(two_years())
    budget = (flat["cost_total", "year=1"] + flat["cost_total", "year=2"]) / 2
    scenario = two_years(commissioning__budget_per_year=budget, commissioning__breach_tolerance=1)
    summary = summarise(per_replication([simulate(scenario, 0)], scenario), scenario.name)
    text = headline(summary)
    assert "Years over budget        50%" in text and "Years at breach limit" in text
    assert "Years over budget" not in headline(
        summarise(per_replication([simulate(two_years(), 0)], two_years()), "flat")
    )


def test_the_block_size_a_tender_needs_and_figures_a_year():
    table = figures(two_years())
    # 2 advocates of one 168-hour slot each: 2 slots, 2 FTE, 2 x 168 x 365 / 7 hours a year.
    assert table["block_slots", "all"] == 2 and table["block_advocates_fte", "all"] == 2.0
    assert table["block_hours_contracted_per_year", "all"] == pytest.approx(2 * 168 * 365 / 7)
    # Per-year figures are the totals over the two measured years, halved.
    for per_year, total in (("referrals_per_year", "referrals"),
                            ("breaches_per_year", "breaches"),
                            ("spot_cases_per_year", "spot_cases")):  # fmt: skip
        assert table[per_year, "all"] == pytest.approx(table[total, "all"] / 2)


def test_windows_count_and_cost_as_a_pass_over_every_referral_would():
    """``Windows`` answers a window's referrals, breaches and hours bought by binary search
    and per-pool picks; a pass over every referral with masks gives the same numbers, to
    the float, for every contract year and quarter (spot and carried-over cases in)."""
    import numpy as np

    from simulator.metrics import Window, Windows, breached, pools_of
    from simulator.vocabulary import Route

    scenario = two_years(0.1, **{"demand.initial_waiting_list": 3})
    records = simulate(scenario, 0)
    index = Windows.of(records, scenario)
    ref = records.referrals
    late = breached(records, scenario) & (ref.initial != 1)
    spot = pools_of(records, Route.SPOT)
    bought_any = np.isin(records.pool, spot) & ~np.isnan(records.allocated_day)
    step = 365.0 / 4
    windows = [Window(q * step, (q + 1) * step) for q in range(8)] + [Window(0.0, 730.0)]
    for window in windows:
        arriving = (ref.arrival_day >= window.start) & (ref.arrival_day < window.end)
        assert index.referrals(window) == float((arriving & (ref.initial == 0)).sum())
        assert index.breaches(window) == float((late & arriving).sum())
        day = records.allocated_day
        picked = bought_any & (day >= window.start) & (day < window.end)
        hours, miles, count = index.bought(window, spot)
        assert count == int(picked.sum())
        assert hours == float(ref.hours[picked].sum())
        assert miles == float(ref.miles[picked].sum())
    assert index.breaches(Window(0.0, 730.0)) > 0 and index.bought(Window(0.0, 730.0), spot)[0] > 0
