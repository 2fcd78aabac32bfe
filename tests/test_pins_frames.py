"""The case and daily tables (``cases.parquet``, ``daily.parquet``): columns, types, values.

The runs are ``tests/micro.py``'s ``withdrawing`` (see ``test_pins_metrics``).
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator.metrics import cases_frame, daily_frame
from simulator.model import simulate
from simulator.stats import confidence_interval
from tests.micro import market, withdrawing

CASE_COLUMNS = [
    "rep",
    "referral_id",
    "arrival_day",
    "type",
    "urgent",
    "statutory",
    "need",
    "locality",
    "carried_over",
    "route",
    "provider",
    "queued_day",
    "allocated_day",
    "end_day",
    "wait_days",
    "cohort_wait_days",
    "wait_again_days",
    "hours",
    "miles",
    "cost",
    "breached",
    "status",
    "outcome",
    "deadline_day",
    "target_day",
    "within_target",
    "advocate",
]  # as the README lists them


def with_spot():
    # Spot at a queue of 2 (R5 and R9 bought, 0.5 days to arrange), horizon 9.6.
    return withdrawing(
        horizon=9.6,
        commissioning__spot=market(slots=10, arrangement_days=0.5),
        commissioning__overflow={"rule": "queue_length", "threshold": 2},
    )


def test_the_case_table_has_the_documented_columns_and_prices_each_case():
    scenario = with_spot()
    cases = cases_frame([simulate(scenario, 1), simulate(scenario, 0)], scenario)
    assert cases.columns.tolist() == CASE_COLUMNS
    assert cases["rep"].tolist() == [1] * 9 + [0] * 9
    assert cases["referral_id"].tolist() == list(range(9)) * 2
    assert cases["rep"].dtype == np.int32 and cases["referral_id"].dtype == np.int32
    assert cases["statutory"].all() and not cases["urgent"].any()
    assert cases["deadline_day"].tolist()[:9] == pytest.approx(np.arange(1, 10) + 2.25)
    # 54 hours at the block's GBP 40 = 2,160; spot at GBP 45 = 2,430, no miles (no
    # localities); none for a referral withdrawn or still waiting.
    nan = float("nan")
    block, spot = 2160.0, 2430.0
    assert cases["cost"].dtype == np.float64
    assert cases["cost"].tolist()[:9] == pytest.approx(
        [block, block, nan, block, spot, block, nan, nan, spot], nan_ok=True
    )
    # Each pool hands out its advocate 0 first and gets it back when the case ends.
    assert cases["advocate"].fillna(-1).tolist()[:9] == [0, 0, -1, 0, 0, 0, -1, -1, 0]
    assert cases["advocate"].dtype == "Int32"
    # Targets of 5 working days: every referral allocated was allocated within its target.
    allocated = [True, True, False, True, True, True, False, False, True]
    assert cases["within_target"].tolist()[:9] == allocated


def test_a_case_allocated_after_its_target_is_not_within_it():
    # Target 1 working day: R1 (Tuesday) due Wednesday, allocated at once; R2 (Wednesday)
    # due Thursday 00:00, allocated at 3.25: late; R4 (Friday) due Monday (7.0), allocated
    # 5.5; R6 (Sunday) due the end of Monday (8.0), allocated 7.75. The rest never start.
    scenario = withdrawing(targets={"urgent_working_days": 1, "standard_working_days": 1})
    cases = cases_frame([simulate(scenario, 0)], scenario)
    assert cases["target_day"].tolist()[:6] == pytest.approx([2.0, 3.0, 4.0, 7.0, 8.0, 8.0])
    within = [True, False, False, True, False, True, False, False, False]
    assert cases["within_target"].tolist() == within


def test_the_daily_table_counts_block_and_spot_cases_at_each_days_start():
    scenario = with_spot()
    daily = daily_frame([simulate(scenario, 0), simulate(scenario, 1)], scenario)
    columns = ["rep", "day", "waiting", "open_cases", "spot_open", "open_cases[A]", "free_slots[A]"]
    assert daily.columns.tolist() == columns
    assert (daily.dtypes == np.int32).all()
    assert daily.index.tolist() == list(range(20))  # two replications, one index
    assert daily["rep"].tolist() == [0] * 10 + [1] * 10
    first = daily[daily["rep"] == 0]
    assert first["day"].tolist() == list(range(10))
    # The block slot is busy from day 1; spot holds R5 from 5.5 to 7.75 (R9 from 9.5).
    assert first["open_cases"].tolist() == [0] + [1] * 9
    assert first["open_cases[A]"].tolist() == [0] + [1] * 9
    assert first["free_slots[A]"].tolist() == [1] + [0] * 9
    assert first["spot_open"].tolist() == [0] * 6 + [1, 1, 0, 0]
    # Waiting: day 5 R3, R4 and R5 (being arranged until 5.5); day 6 R6 only (R5 and R4
    # started at 5.5); day 7 R6, R7; day 8 R7, R8; day 9 R7, R8, R9.
    assert first["waiting"].tolist() == [0, 0, 1, 2, 2, 3, 1, 2, 2, 3]


def test_no_records_give_an_empty_daily_table_with_its_columns():
    empty = daily_frame([], withdrawing())
    assert empty.empty
    assert empty.columns.tolist() == ["rep", "day", "waiting", "open_cases", "spot_open"]
    assert cases_frame([], withdrawing()).empty


def test_an_interval_over_no_values_is_empty():
    mean, low, high, n = confidence_interval(np.array([np.nan, np.nan]))
    assert n == 0 and np.isnan(mean) and np.isnan(low) and np.isnan(high)
