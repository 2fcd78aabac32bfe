"""replay: a case list's own referrals through a scenario's contract; recorded against
simulated waits; the same referrals under other options; fitting a field to the waits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from simulator.caselist import read_case_list
from simulator.replay_list import (
    ReplayError,
    check,
    list_referrals,
    listed_positions,
    recorded,
    replay_scenario,
)
from tests.helpers import build, county

TODAY = dt.date(2030, 1, 1)
HEADER = "referral_date,type,urgent,hours,need,locality,miles,closed_date,case"
ROWS = [
    "2026-04-08,care_act,yes,12.5,,urban,5,2026-05-01",  # line 2
    "2026-04-08,imca,no,7,bsl,rural,40,2026-05-20",  # line 3
    "2026-04-10,care_act,no,3,,,,",  # line 4: open, 3 hours so far; locality, miles unknown
    "2026-04-15,imca,no,,,urban,6.5,",  # line 5: open, none yet
]


def write(tmp_path: Path, rows: list[str], header: str = HEADER, name: str = "cases.csv") -> Path:
    """The rows with a case reference last."""
    path = tmp_path / name
    numbered = [f"{row},C{n}" for n, row in enumerate(rows)]
    path.write_text("\n".join([header, *numbered]) + "\n", encoding="utf-8")
    return path


def small(**changes):
    """The tests' small county, with deadlines (drawn in each replication)."""
    data = county(**{"demand__deadline_days": {"dist": "uniform", "low": 5, "high": 30},
                     **changes})  # fmt: skip
    return build(data)


def listed_from(path: Path, **options):
    return recorded(read_case_list(path, today=TODAY, **options))


# ----------------------------------------------------------------- the list as referrals


def test_what_the_list_records_is_used_and_the_rest_drawn_per_replication(tmp_path):
    listed = listed_from(write(tmp_path, ROWS))
    scenario = replay_scenario(small(), listed)
    first, second = (list_referrals(scenario, listed, rep) for rep in (0, 1))
    at = listed_positions(first)
    assert np.array_equal(first.arrival_day[at], [0.0, 0.0, 2.0, 7.0])  # days from the first
    assert first.type_index[at].tolist() == [0, 1, 0, 1]  # care_act, imca (the mix's order)
    assert first.urgent[at].tolist() == [True, False, False, False]
    assert first.need_index[at].tolist() == [-1, 0, -1, -1]  # a blank need is none
    assert first.locality_index[at][[0, 1, 3]].tolist() == [0, 1, 0]
    assert first.miles[at][[0, 1, 3]].tolist() == [5.0, 40.0, 6.5]
    assert first.hours[at][:2].tolist() == [12.5, 7.0]  # closed: as recorded
    # unrecorded: an open case's total hours (at least those so far), deadlines, a locality
    assert first.hours[at][2] >= 3.0 and first.hours[at][2] != second.hours[at][2]
    assert not np.array_equal(first.deadline_day[at], second.deadline_day[at])
    assert np.array_equal(first.arrival_day[at], second.arrival_day[at])
    assert np.array_equal(first.hours[at][:2], second.hours[at][:2])


def test_day_zero_is_the_first_referral_date_and_the_horizon_the_lists_days(tmp_path):
    listed = listed_from(write(tmp_path, ROWS), end=dt.date(2026, 4, 30))
    scenario = replay_scenario(small(), listed)
    assert scenario.start_date == dt.date(2026, 4, 8)
    assert scenario.horizon_days == 23  # 8 to 30 April, both included
    assert scenario.warm_up_days == 0


def test_a_label_the_scenario_lacks_is_named_by_line_and_column(tmp_path):
    rows = [*ROWS, "2026-04-16,lps,no,4,,coastal,3,2026-04-30"]  # line 6
    path = write(tmp_path, rows)
    problems = check(listed_from(path), small(), "county.yaml")
    assert problems == [
        f"{path}:6: type: 'lps': not an advocacy type of county.yaml (care_act, imca)",
        f"{path}:6: locality: 'coastal': not a locality of county.yaml (urban, rural)",
    ]


def test_a_bad_row_refuses_the_replay_naming_it(tmp_path):
    rows = [*ROWS * 6, "2026-04-15,imca,maybe,2,,urban,6.5,2026-04-20"]  # line 26
    path = write(tmp_path, rows)  # one bad row in 25 is fine for calibrate, not here
    with pytest.raises(ReplayError, match="replay needs every referral") as error:
        listed_from(path)
    assert f"{path}:26: urgent: 'maybe': expected yes/no" in str(error.value)


# ----------------------------------------------------------------- allocated_date


ALLOCATED = "referral_date,type,urgent,hours,allocated_date,closed_date,case"


def test_allocation_dates_are_read_and_bad_ones_named_by_line_and_column(tmp_path):
    rows = [
        "2026-04-08,care_act,yes,12.5,2026-04-09,2026-05-01",  # line 2: good
        "2026-04-08,care_act,no,7,2026-04-07,2026-05-20",  # line 3: before the referral
        "2026-04-10,care_act,no,3,,",  # line 4: hours worked, never allocated?
        "2026-04-10,care_act,no,3,2026-06-01,2026-05-01",  # line 5: after the closure
        "2026-04-11,care_act,no,,2026-04-12,2026-05-01",  # line 6: closed without hours
        "2026-04-12,care_act,no,,,",  # line 7: waiting: fine
    ] + ["2026-04-12,care_act,no,2,2026-04-13,2026-04-20"] * 100
    path = write(tmp_path, rows, ALLOCATED)
    listed = read_case_list(path, today=TODAY)
    assert listed.problems == [
        f"{path}:3: allocated_date: '2026-04-07': before the referral_date",
        f"{path}:4: allocated_date: blank for a case with hours worked (when was its "
        "advocate allocated?)",
        f"{path}:5: allocated_date: '2026-06-01': after the closed_date",
        f"{path}:6: hours: blank for a closed case",
    ]
    assert "allocated_date" in listed.columns
    good = listed.cases.set_index("line")["allocated_date"]
    assert good[2] == dt.datetime(2026, 4, 9) and good.isna()[7]


def test_an_allocation_after_end_is_not_yet_one(tmp_path):
    rows = ["2026-04-08,care_act,yes,12.5,2026-04-09,", "2026-04-08,imca,no,7,2026-04-20,"]
    listed = read_case_list(write(tmp_path, rows, ALLOCATED), end=dt.date(2026, 4, 15),
                            today=TODAY)  # fmt: skip
    assert listed.cases["allocated_date"].isna().tolist() == [False, True]


def test_calibrate_reads_and_checks_allocation_dates(tmp_path):
    from tests.helpers import invoke

    rows = ["2026-01-02,care_act,no,7,2026-01-01,2026-01-20"]
    rows += [f"2026-{m:02d}-{d:02d},care_act,no,{d % 7 + 2},2026-{m:02d}-{d:02d},2026-07-01"
             for m in range(1, 7) for d in range(3, 28, 3)]  # fmt: skip
    path = write(tmp_path, rows, ALLOCATED)
    result = invoke("calibrate", str(path), "--out", str(tmp_path / "demand.yaml"))
    assert result.exit_code == 0, result.output
    assert f"{path}:2: allocated_date: '2026-01-01': before the referral_date" in result.output
