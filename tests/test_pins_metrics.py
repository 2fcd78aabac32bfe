"""Every figure of two tiny deterministic runs, worked out by hand; intervals by theory.

The runs are ``tests/micro.py``'s ``withdrawing``: one slot working 24 hours a day
(8,760 contracted hours a year at GBP 40), cases of 54 hours = 2.25 days, one
referral a day from day 1, and the process going ahead 2.25 days after a
referral, which is then withdrawn. Hand-worked timeline (days):

    R1 1.00-3.25   R2 3.25-5.50   R3 withdrawn 5.25   R4 5.50-7.75
    R5 withdrawn 7.25   R6 7.75-(10.00)   R7 withdrawn 9.25   R8, R9 waiting
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator.metrics import daily_frame, per_replication, summarise
from simulator.model import simulate
from simulator.stats import confidence_interval, paired_differences
from tests.micro import market, withdrawing

T_975_2 = 4.302652729749462  # Student's t, 97.5% point, 2 degrees of freedom


def figures(scenario) -> pd.Series:
    table = per_replication([simulate(scenario, 0)], scenario)
    return table.set_index(["metric", "group"])["value"]


def test_every_figure_of_a_run_with_withdrawals():
    values = figures(withdrawing())  # horizon 9.5 days, no warm-up
    assert values["referrals", "all"] == 9
    assert values["withdrawn", "all"] == 3  # R3, R5, R7
    assert values["breaches", "all"] == 3  # the same three; R8 goes ahead at 10.25
    # Never had an advocate: the withdrawn R3, R5, R7 and the still waiting R8, R9.
    assert values["unserved", "all"] == 5
    assert values["cannot_be_served", "all"] == 0
    assert values["waiting_list_end", "all"] == 2  # R8, R9
    assert values["waiting_list_peak", "all"] == 3  # e.g. R3, R4, R5 on day 5
    # Days on the list: R2 1.25, R3 2.25, R4 1.5, R5 2.25, R6 1.75, R7 2.25, R8 1.5,
    # R9 0.5 (R1 none) = 13.25 referral-days over 9.5 days.
    assert values["waiting_list_mean", "all"] == pytest.approx(13.25 / 9.5)
    # Cohort waits (no follow-up: the run stops at 9.5): the allocated 0, 1.25, 1.5, 1.75;
    # the withdrawn R3, R5, R7 2.25 each (to their deadlines); R8 and R9, still waiting,
    # 1.5 and 0.5 (to the end). Sorted: 0, 0.5, 1.25, 1.5, 1.5, 1.75, 2.25, 2.25, 2.25.
    assert values["wait_mean_days", "all"] == pytest.approx(13.25 / 9)
    assert values["wait_median_days", "all"] == pytest.approx(1.5)
    assert values["wait_p90_days", "all"] == pytest.approx(2.25)  # rank 7.2
    assert values["wait_p95_days", "all"] == pytest.approx(2.25)  # rank 7.6
    assert values["still_waiting_after_follow_up", "all"] == 2
    # Target 5 working days. Decided: the 4 allocated and the 3 withdrawn (R8 is due on
    # day 15, R9 on day 16, after the horizon); within target: the 4 allocated.
    assert values["within_target_share", "all"] == pytest.approx(4 / 7)
    # Contracted: 8,760 x 9.5 / 365 = 228 hours. Used: the slot is busy from day 1 to the
    # horizon, 8.5 days x 24 = 204 hours. Unused: 24 hours (day 0), GBP 960.
    for group in ("all", "provider=A"):
        assert values["block_hours_contracted", group] == pytest.approx(228.0)
        assert values["block_hours_used", group] == pytest.approx(204.0)
        assert values["block_hours_unused", group] == pytest.approx(24.0)
        assert values["block_utilisation", group] == pytest.approx(204.0 / 228.0)
        assert values["cost_block_unused", group] == pytest.approx(960.0)
    assert values["cost_block", "provider=A"] == pytest.approx(9120.0)
    # GBP 8,760 x 40 x 9.5 / 365 = 9,120, all of it block.
    assert values["cost_block", "all"] == pytest.approx(9120.0)
    assert values["cost_total", "all"] == pytest.approx(9120.0)
    assert values["cost_total_per_year", "all"] == pytest.approx(350_400.0)  # 8,760 x 40
    assert values["cost_per_referral", "all"] == pytest.approx(9120.0 / 9)  # 1,013.33
    assert values["hours_delivered", "all"] == pytest.approx(204.0)
    assert values["cost_per_hour_delivered", "all"] == pytest.approx(9120.0 / 204.0)  # 44.71
    assert values["spot_cases", "all"] == 0 and values["spot_hours", "all"] == 0
    # Owed: the 5 unserved's 54 hours each at the only route open to them, the block's
    # GBP 40: 10,800 over 9.5 days. Cost to serve: the cash plus that, a year.
    assert values["cost_owed_per_year", "all"] == pytest.approx(10_800 * 365 / 9.5)
    assert values["cost_to_serve_per_year", "all"] == pytest.approx(19_920 * 365 / 9.5)


def test_a_warm_up_measures_only_the_window_after_it():
    values = figures(withdrawing(warm_up_days=2.5))
    # R3 to R9 arrive after day 2.5; 7 measured days, contracted 8,760 x 7 / 365 = 168
    # hours, and the slot is busy throughout: 168 used, nothing unused.
    assert values["referrals", "all"] == 7
    assert values["withdrawn", "all"] == 3
    assert values["block_hours_contracted", "all"] == pytest.approx(168.0)
    assert values["block_hours_used", "all"] == pytest.approx(168.0)
    assert values["block_hours_unused", "all"] == pytest.approx(0.0)
    assert values["cost_block_unused", "all"] == pytest.approx(0.0)
    # The 13.25 referral-days less R2's 0.5 before day 2.5, over 7 days.
    assert values["waiting_list_mean", "all"] == pytest.approx(12.75 / 7)
    assert values["cost_per_referral", "all"] == pytest.approx(8760 * 40 * 7 / 365 / 7)


def test_a_warm_up_ending_at_an_arrival_or_a_purchase_counts_it():
    # Warm-up to day 3.0 exactly: R3, arriving at 3.0, is measured (R3 to R9: 7).
    values = figures(withdrawing(warm_up_days=3.0))
    assert values["referrals", "all"] == 7
    # With spot at a queue of 2, R5 is bought at 5.5 and R9 at 9.5; measured from 5.5,
    # both count, and so do their 2 x 54 hours.
    scenario = withdrawing(
        horizon=9.6,
        warm_up_days=5.5,
        commissioning__spot=market(slots=10, arrangement_days=0.5),
        commissioning__overflow={"rule": "queue_length", "threshold": 2},
    )
    values = figures(scenario)
    assert values["spot_cases", "all"] == 2
    assert values["spot_hours", "all"] == pytest.approx(108.0)


def test_figures_name_their_replication_and_a_hub_section_costs_nothing_without_a_hub():
    # A hub section on a single-provider scenario is not a hub: no triage, no fee.
    scenario = withdrawing(
        commissioning__hub={"triage_hours": 1.0, "management_fee_per_year": 3650.0}
    )
    table = per_replication([simulate(scenario, 0), simulate(scenario, 4)], scenario)
    assert table["rep"].unique().tolist() == [0, 4]
    values = table[table["rep"] == 4].set_index(["metric", "group"])["value"]
    assert values["cost_triage", "all"] == 0 and values["cost_fee", "all"] == 0
    assert values["cost_total", "all"] == pytest.approx(9120.0)


def test_the_waiting_list_over_a_window_with_no_event_in_it():
    # Measured from 5.1 to 5.2: R3, R4 and R5 wait throughout (R3 until 5.25), so the
    # peak is the list at the window's start and the time average is 3.
    values = figures(withdrawing(horizon=5.2, warm_up_days=5.1))
    assert values["waiting_list_peak", "all"] == 3
    assert values["waiting_list_mean", "all"] == pytest.approx(3.0)
    assert values["waiting_list_end", "all"] == 3
    assert values["referrals", "all"] == 0  # nobody arrives in the window


def test_spot_purchases_in_the_figures():
    # Spot at a queue of 2: R5 and R9 bought (0.5 days to arrange), 54 hours each at
    # GBP 45. Horizon 9.6: block GBP 8,760 x 40 x 9.6 / 365 = 9,216; spot 2 x 2,430.
    scenario = withdrawing(
        horizon=9.6,
        commissioning__spot=market(slots=10, arrangement_days=0.5),
        commissioning__overflow={"rule": "queue_length", "threshold": 2},
    )
    values = figures(scenario)
    assert values["spot_cases", "all"] == 2
    assert values["spot_hours", "all"] == pytest.approx(108.0)
    assert values["cost_spot_hours", "all"] == pytest.approx(4860.0)
    assert values["cost_total", "all"] == pytest.approx(9216.0 + 4860.0)
    assert values["cost_per_referral", "all"] == pytest.approx(14_076.0 / 9)  # 1,564
    # Block used: R1, R2, R4 2.25 days each and R6 1.85 to the horizon: 8.6 x 24 = 206.4.
    assert values["block_hours_used", "all"] == pytest.approx(206.4)
    assert values["hours_delivered", "all"] == pytest.approx(206.4 + 108.0)
    assert values["wait_mean_days", "route=spot"] == pytest.approx(0.5)
    assert values["referrals", "route=spot"] == 2 and values["referrals", "route=block"] == 7


def test_a_block_used_beyond_its_hours_leaves_nothing_unused():
    # 100 contracted hours a year buy one slot (100 / 8,760 rounds to 0, at least 1),
    # which then works 24 hours a day: over 9.5 days 204 hours used, 2.6 contracted.
    provider = {
        "name": "A",
        "block_hours_per_year": 100.0,
        "caseload_cap": 1,
        "productive_share": 1.0,
        "hours_per_week": 168.0,
        "skills": ["care_act"],
    }
    values = figures(withdrawing(commissioning__providers=[provider]))
    assert values["block_hours_contracted", "all"] == pytest.approx(100 * 9.5 / 365)
    assert values["block_hours_used", "all"] == pytest.approx(204.0)
    for group in ("all", "provider=A"):
        assert values["block_hours_unused", group] == 0
        assert values["cost_block_unused", group] == 0


def test_daily_state_at_the_start_of_each_day():
    scenario = withdrawing()
    daily = daily_frame([simulate(scenario, 0)], scenario)
    assert daily["day"].tolist() == list(range(10))
    # Waiting at each day's start (after what happens at that instant): day 1 R1 is
    # allocated on arrival; day 5 R3, R4, R5; day 6 R5, R6; ...
    assert daily["waiting"].tolist() == [0, 0, 1, 2, 2, 3, 2, 3, 2, 3]
    assert daily["open_cases"].tolist() == [0] + [1] * 9
    assert daily["free_slots[A]"].tolist() == [1] + [0] * 9
    assert daily["spot_open"].tolist() == [0] * 10
    assert (daily.dtypes == np.int32).all()
    warmed = withdrawing(warm_up_days=2.5)
    assert daily_frame([simulate(warmed, 0)], warmed)["day"].tolist() == list(range(3, 10))


# Intervals over replications.


def test_confidence_interval_is_the_t_interval():
    # Mean 12, sd 2 over 3 replications: 12 -/+ t(0.975, 2) x 2 / sqrt(3).
    half = T_975_2 * 2 / np.sqrt(3)  # 4.968275
    mean, low, high, n = confidence_interval(np.array([10.0, 12.0, np.nan, 14.0]))
    assert (mean, n) == (12.0, 3)
    assert (low, high) == pytest.approx((12.0 - half, 12.0 + half))
    mean, low, high, n = confidence_interval(np.array([7.0]))
    assert (mean, n) == (7.0, 1) and np.isnan(low) and np.isnan(high)


def test_summarise_clips_intervals_to_what_the_metric_can_be():
    per_rep = pd.DataFrame(
        [
            (rep, metric, "all", value)
            for metric, values in {
                "referrals": [10.0, 12.0, 14.0],
                "breaches": [1.0, 2.0, 3.0],
                "within_target_share": [0.9, 1.0, 1.0],
                "wait_mean_days": [3.0, np.nan, np.nan],
            }.items()
            for rep, value in enumerate(values)
        ],
        columns=["rep", "metric", "group", "value"],
    )
    summary = summarise(per_rep, "S").set_index("metric")
    assert (summary["scenario"] == "S").all()
    assert summary.loc["referrals", "ci_low"] == pytest.approx(12 - T_975_2 * 2 / np.sqrt(3))
    assert summary.loc["referrals", "ci_high"] == pytest.approx(12 + T_975_2 * 2 / np.sqrt(3))
    # 2 -/+ 4.302653 / sqrt(3) = -0.484 to 4.484: a count is never below 0.
    assert summary.loc["breaches", "ci_low"] == 0.0
    assert summary.loc["breaches", "ci_high"] == pytest.approx(2 + T_975_2 / np.sqrt(3))
    # 0.9667 -/+ 0.1434 = 0.8232 to 1.1101: a share is never above 1.
    share_half = T_975_2 * np.std([0.9, 1.0, 1.0], ddof=1) / np.sqrt(3)
    assert summary.loc["within_target_share", "ci_low"] == pytest.approx(29 / 30 - share_half)
    assert summary.loc["within_target_share", "ci_high"] == 1.0
    assert summary.loc["within_target_share", "mean"] == pytest.approx(29 / 30)
    # One replication with a value: a mean, no interval.
    assert summary.loc["wait_mean_days", "n_reps"] == 1
    assert summary.loc["wait_mean_days", "mean"] == 3.0
    assert np.isnan(summary.loc["wait_mean_days", "ci_low"])
    assert summary["n_reps"].tolist() == [3, 3, 3, 1]


def test_paired_differences_are_taken_replication_by_replication():
    nan = float("nan")
    base_alt = {  # metric: (baseline's values by replication, the other scenario's)
        "wait_mean_days": ([2.0, 3.0, 4.0, 5.0], [3.0, 2.0, 4.0, 5.0]),
        "cost_total": ([100.0, 110.0, 120.0, 130.0], [90.0, 95.0, 105.0, nan]),
        "breaches": ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]),
        "spot_hours": ([1.0, 2.0, 3.0, 4.0], [1.5, 2.5, 3.5, 4.5]),
        "unserved": ([0.0, 0.0, nan, nan], [5.0, 5.01, nan, nan]),
        "wait_p90_days": ([nan] * 4, [nan] * 4),
    }
    rows = [
        (scenario, rep, metric, "all", values[side][rep])
        for side, scenario in enumerate(("base", "alt"))
        for metric, values in base_alt.items()
        for rep in range(4)
    ]
    per_rep = pd.DataFrame(rows, columns=["scenario", "rep", "metric", "group", "value"])
    table = paired_differences(per_rep, "base")
    # One row per metric, in the order the metrics come, even one with no values at all.
    assert table["metric"].tolist() == list(base_alt)
    table = table.set_index("metric")
    assert (table["scenario"] == "alt").all() and (table["baseline"] == "base").all()
    # Cost: -10, -15, -15 (replication 3 has no value for alt): mean -13.333, sd 2.8868.
    cost = table.loc["cost_total"]
    half = T_975_2 * np.std([-10.0, -15.0, -15.0], ddof=1) / np.sqrt(3)  # 7.1711
    assert cost["n_reps"] == 3
    assert cost["mean_difference"] == pytest.approx(-40 / 3)
    assert (cost["ci_low"], cost["ci_high"]) == pytest.approx((-40 / 3 - half, -40 / 3 + half))
    assert bool(cost["excludes_zero"]) is True
    # Wait: +1, -1, 0, 0: mean 0, an interval around zero.
    wait = table.loc["wait_mean_days"]
    assert wait["mean_difference"] == 0.0 and wait["n_reps"] == 4
    assert bool(wait["excludes_zero"]) is False
    # Breaches: 0 every time: the interval is the single point 0, which it does not exclude.
    breaches = table.loc["breaches"]
    assert (breaches["ci_low"], breaches["ci_high"]) == (0.0, 0.0)
    assert bool(breaches["excludes_zero"]) is False
    # Spot hours: +0.5 every time: the interval is the point 0.5, which excludes zero.
    assert table.loc["spot_hours", "ci_low"] == pytest.approx(0.5)
    assert bool(table.loc["spot_hours", "excludes_zero"]) is True
    # Unserved: +5 and +5.01 over two replications: 5.005 -/+ t(0.975, 1) x 0.00707 / 1.414
    # = 5.005 -/+ 0.0635, which excludes zero.
    unserved = table.loc["unserved"]
    assert unserved["n_reps"] == 2
    assert unserved["ci_low"] == pytest.approx(5.005 - 12.706204736174696 * 0.005, rel=1e-6)
    assert bool(unserved["excludes_zero"]) is True
    # No values: no difference, and nothing excluded.
    assert table.loc["wait_p90_days", "n_reps"] == 0
    assert np.isnan(table.loc["wait_p90_days", "mean_difference"])
    assert bool(table.loc["wait_p90_days", "excludes_zero"]) is False


def _one_group_at_a_time(per_rep: pd.DataFrame) -> list[tuple]:
    """summarise's figures as a loop over groups would give them (the reference)."""
    from simulator.stats import confidence_interval, spread

    rows = []
    for (metric, group), values in per_rep.groupby(["metric", "group"], sort=False)["value"]:
        array = values.to_numpy(dtype=float)
        mean, low, high, n = confidence_interval(array)
        rows.append((metric, group, mean, low, high, n, *spread(array)))
    return rows


@pytest.mark.parametrize("shuffled", [False, True])
def test_summary_figures_are_those_of_each_group_alone(shuffled):
    """The summary takes every group at once (a matrix when replications line up, a loop
    when not): the same numbers, bit for bit, as each group alone, NaN and clipping
    included."""
    from simulator.metrics import summarise

    rng = np.random.default_rng(3)
    reps, keys = 9, [("cost_total", "all"), ("wait_mean_days", "all"), ("breaches", "x")]
    per_rep = pd.DataFrame(
        [(rep, m, g, rng.lognormal(2, 1)) for rep in range(reps) for m, g in keys],
        columns=["rep", "metric", "group", "value"],
    )
    per_rep.loc[4, "value"] = np.nan  # one replication with no value for a group
    if shuffled:
        per_rep = per_rep.sample(frac=1, random_state=1)
    got = summarise(per_rep, "S")
    for row, want in zip(got.itertuples(index=False), _one_group_at_a_time(per_rep), strict=True):
        metric, group, mean, low, high, n, p10, p90 = want
        assert (row.metric, row.group, row.n_reps) == (metric, group, n)
        assert row.mean == mean and row.p10 == p10 and row.p90 == p90
        assert row.ci_low == max(low, 0.0) and row.ci_high == high
