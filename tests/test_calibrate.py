"""calibrate: reading a case list row by row, fitting demand with intervals, and the
files it writes (a demand block that validates and extends, and a fit page)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulator.calibration import calibrate, fit_distribution, fit_rate
from simulator.caselist import BAD_SHARE_LIMIT, CaseListError, read_case_list
from simulator.scenario import load_demand_block, load_scenario
from tests.helpers import invoke, main

EXAMPLE = Path("examples/case-list.csv").resolve()
TRUTH = Path("examples/synthetic-service.yaml").resolve()


@pytest.fixture(scope="module")
def example():
    return calibrate(read_case_list(EXAMPLE))


def write(tmp_path: Path, rows: list[str], header: str = "referral_date,type,urgent,hours") -> Path:
    path = tmp_path / "cases.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


GOOD = "2025-01-0{day},care_act,yes,12.5"


def test_every_bad_row_is_named_by_line_and_column(tmp_path):
    rows = [GOOD.format(day=d % 9 + 1) for d in range(40)]
    rows[3] = "2025-13-01,care_act,yes,12"  # file line 5
    rows[7] = "2025-01-02,care_act,maybe,3 hours"  # line 9: two problems
    listed = read_case_list(write(tmp_path, rows))
    assert listed.rows == 40 and listed.bad_rows == 2 and len(listed.cases) == 38
    path = tmp_path / "cases.csv"
    assert listed.problems == [
        f"{path}:5: referral_date: '2025-13-01': not an ISO date (YYYY-MM-DD)",
        f"{path}:9: urgent: 'maybe': expected yes/no, true/false or 1/0",
        f"{path}:9: hours: '3 hours': not a number (no units or commas)",
    ]


def test_too_many_bad_rows_refuse_the_list(tmp_path):
    rows = [GOOD.format(day=d % 9 + 1) for d in range(20)]
    rows[0] = rows[1] = "2025-01-01,care_act,yes,-1"  # 10% bad
    assert BAD_SHARE_LIMIT < 2 / 20
    with pytest.raises(CaseListError, match=r"2 of 20 rows are bad \(10%, more than the 5%"):
        read_case_list(write(tmp_path, rows))


def test_the_command_says_what_is_wrong_in_one_line_each_and_exits_2(tmp_path):
    missing = write(tmp_path, ["2025-01-01,care_act"], header="referral_date,type")
    result = main("calibrate", str(missing), "--out", str(tmp_path / "d.yaml"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"error: {missing}: missing column(s) urgent, hours" in result.stderr
    result = main("calibrate", str(tmp_path / "none.csv"), "--out", str(tmp_path / "d.yaml"))
    assert result.returncode == 2 and "case list not found" in result.stderr
    assert not (tmp_path / "d.yaml").exists() and not (tmp_path / "d-fit.html").exists()


def test_a_closed_case_needs_its_hours_and_a_close_after_referral(tmp_path):
    header = "referral_date,type,urgent,hours,closed_date"
    rows = [f"2025-01-0{d % 9 + 1},imca,no,8,2025-02-01" for d in range(60)]
    rows[0] = "2025-01-05,imca,no,,2025-02-01"  # line 2
    rows[1] = "2025-01-05,imca,no,0,2025-02-01"  # line 3
    rows[2] = "2025-01-05,imca,no,4,2024-12-01"  # line 4
    rows[3] = "2025-01-05,imca,no,,"  # open, nothing recorded yet: fine
    listed = read_case_list(write(tmp_path, rows, header))
    assert [p.split(": ", 1)[1] for p in listed.problems] == [
        "hours: blank for a closed case",
        "hours: 0 for a closed case (leave out referrals with no advocacy)",
        "closed_date: '2024-12-01': before the referral_date",
    ]
    assert listed.cases["open"].sum() == 1


def test_an_excel_case_list_gives_the_same_fit_as_its_csv(tmp_path):
    rows = pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False).head(400)
    csv, xlsx = tmp_path / "cases.csv", tmp_path / "cases.xlsx"
    rows.to_csv(csv, index=False)
    rows.to_excel(xlsx, index=False)
    a, b = calibrate(read_case_list(csv)), calibrate(read_case_list(xlsx))
    assert a.rate.per_year == b.rate.per_year and a.mix == b.mix
    assert a.hours["care_act"].mean == b.hours["care_act"].mean


def test_the_example_list_recovers_the_service_that_made_it(example):
    """The committed list is one history of examples/synthetic-service.yaml: every
    interval holds its true value, and AIC picks each type's true family."""
    truth = load_scenario(TRUTH).demand
    years = (example.rate.end - pd.Timestamp("2023-04-01")).days / 365
    level = example.rate.per_year
    assert level.low < 750 * 1.03**years < level.high
    assert example.rate.growth.low < 0.03 < example.rate.growth.high
    for kind, true in truth.mix.items():
        assert example.mix[kind].low < true.share < example.mix[kind].high, kind
        fit = example.hours[kind]
        assert fit.mean.low < true.hours.expected < fit.mean.high, kind
        assert fit.family == true.hours.dist, kind
        assert example.urgent[kind].low <= (true.urgent_share or 0) <= example.urgent[kind].high


def test_open_cases_are_censored_not_dropped():
    """Exponential hours, mean 10, with cases still open at random points of their
    work: leaving the open ones out biases the mean down; censoring recovers it."""
    rng = np.random.default_rng(5)
    hours = rng.exponential(10.0, 4000)
    elapsed = rng.exponential(12.0, 4000)
    still_open = elapsed < hours
    seen = np.where(still_open, elapsed, hours)
    censored = fit_distribution(seen, still_open)
    dropped = fit_distribution(seen[~still_open], np.zeros((~still_open).sum(), bool))
    assert censored.mean.low < 10.0 < censored.mean.high
    assert dropped.mean.high < 8.0  # the long cases are the ones still open
    best = min(censored.aic.values())  # gamma contains the exponential: it may edge ahead
    assert censored.aic["exponential"] - best < 4


def test_strong_seasonality_and_growth_are_found():
    """Three years of Poisson counts with a winter peak and 10% growth a year."""
    days = pd.date_range("2022-01-01", "2024-12-31")
    season = 1 + 0.3 * np.cos(2 * np.pi * (days.month - 1) / 12)
    rate = 3.0 * season * 1.1 ** ((days - days[0]).days / 365)
    counts = np.random.default_rng(8).poisson(rate)
    dates = pd.Series(np.repeat(days.to_numpy(), counts))
    fit = fit_rate(dates)
    assert fit.seasonality is not None and fit.seasonality_p < 0.001
    assert fit.seasonality[0] > 1.2 and fit.seasonality[6] < 0.8  # January high, July low
    assert fit.growth.low < 0.10 < fit.growth.high
    assert math.isclose(sum(fit.seasonality), 12.0)


def test_under_two_years_no_trend_or_seasons_are_fitted():
    days = pd.date_range("2025-01-01", "2025-12-31")
    counts = np.random.default_rng(3).poisson(2.0, len(days))
    fit = fit_rate(pd.Series(np.repeat(days.to_numpy(), counts)))
    assert fit.growth is None and fit.seasonality is None
    assert "at least 24 are needed" in fit.notes[0]
    low, high = stats.chi2.ppf([0.0005, 0.9995], 2 * counts.sum())  # exact Poisson bounds
    assert fit.per_year.low < 730 < fit.per_year.high
    assert low < 2 * 2 * 365 < high


def test_the_demand_block_validates_extends_and_runs(tmp_path, example):
    out = tmp_path / "demand.yaml"
    result = invoke("calibrate", str(EXAMPLE), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "care_act" in result.output and "gamma mean 8.8 h" in result.output
    assert (tmp_path / "demand-fit.html").read_text("utf-8").count("plotly-graph-div") >= 2
    demand = load_demand_block(out)
    assert demand.uncertain
    assert demand.growth_per_year == round(example.rate.growth.value, 4)
    assert demand.referrals_per_year.expected == pytest.approx(example.rate.per_year.value, 1e-3)
    assert "a demand block" in invoke("validate", str(out)).output
    scenario = tmp_path / "service.yaml"
    scenario.write_text(
        "extends: demand.yaml\nname: From the case list\nhorizon_days: 120\nreplications: 2\n"
        "commissioning:\n  model: single_provider\n  providers:\n    - name: A\n      skills: "
        "[care_act, imca, imha, nhs_complaints, non_statutory, rpr, bsl, learning_disability,"
        " autism, community_language]\n",
        encoding="utf-8",
    )
    ran = invoke("run", str(scenario), "--workers", "1", "--out", str(tmp_path / "o"))
    assert ran.exit_code == 0, ran.output
    again = invoke("calibrate", str(EXAMPLE), "--out", str(out))
    assert again.exit_code == 2 and "exists already" in again.output


def test_the_committed_demand_block_is_what_calibrate_writes(tmp_path):
    out = tmp_path / "case-list-demand.yaml"
    assert invoke("calibrate", str(EXAMPLE), "--out", str(out)).exit_code == 0
    committed = Path("examples/case-list-demand.yaml").read_text("utf-8")
    assert out.read_text("utf-8") == committed
