"""calibrate's window and the input it should doubt: the list ends at its last referral
(or --end), later dates are bad rows, and suspicious but legal lists are warned about."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from simulator.calibration import calibrate
from simulator.caselist import read_case_list
from tests.helpers import invoke

EXAMPLE = Path("examples/case-list.csv").resolve()


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    """The example list as text, cell by cell."""
    return pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def clean() -> float:
    """The example's referrals a year, as fitted from the list untouched."""
    return calibrate(read_case_list(EXAMPLE)).rate.per_year.value


def save(frame: pd.DataFrame, tmp_path: Path, name: str = "cases.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def run(path: Path, *options: str):
    """calibrate through click's runner; stdout and stderr apart."""
    return invoke("calibrate", str(path), "--out", str(path.with_name("d.yaml")), *options)


def test_a_closed_date_typed_decades_ahead_is_a_bad_row_not_the_end(tmp_path, rows, clean):
    typo = rows.copy()
    typo.loc[15, "closed_date"] = "2062-03-01"  # file line 17
    path = save(typo, tmp_path)
    fit = calibrate(read_case_list(path, today=date(2026, 12, 4)))
    assert fit.rate.per_year.value == pytest.approx(clean, rel=0.02)  # was 0 a year
    assert fit.rate.end == pd.Timestamp("2026-04-01")
    assert fit.source.bad_rows == 1 and len(fit.source.referral_dates) == len(rows)
    assert fit.source.problems == [
        f"{path}:17: closed_date: '2062-03-01': after today (2026-12-04)"
    ]
    result = run(path)
    assert result.exit_code == 0
    assert "1 bad rows left out" in result.stdout and "after today" in result.stdout


def test_referrals_to_a_date_with_outcomes_since_keep_the_rate(tmp_path, rows, clean):
    """Referrals to October 2024, closures to July 2025: the window ends in October."""
    cut = rows[rows["referral_date"] <= "2024-10-31"].copy()
    later = cut["closed_date"] > "2025-07-31"
    cut.loc[later, "closed_date"] = ""  # still open when extracted
    assert (cut["closed_date"] > "2024-10-31").sum() > 100
    fit = calibrate(read_case_list(save(cut, tmp_path)))
    assert fit.rate.end == pd.Timestamp("2024-11-01")
    assert fit.source.bad_rows == 0 and not fit.warnings
    assert fit.rate.per_year.value == pytest.approx(clean, rel=0.10)  # was 149 a year
    assert any("closed after the last referral (2024-10-31)" in n for n in fit.notes)


def test_end_beyond_the_last_referral_widens_the_window_and_warns(tmp_path, rows):
    cut = rows[rows["referral_date"] <= "2026-01-31"].copy()
    cut.loc[cut["closed_date"] > "2026-01-31", "closed_date"] = ""
    path = save(cut, tmp_path)
    plain = calibrate(read_case_list(path))
    assert plain.rate.end == pd.Timestamp("2026-02-01") and not plain.warnings
    result = run(path, "--end", "2026-03-31")
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {path}: no referrals from 2026-02-01 to 2026-03-31 (2 whole month(s)) "
        "against 64 a month before: the list looks cut short, and the rate counts those "
        "months as none; give --end as the day the list was extracted, or leave it out to "
        "end at the last referral"
    ]
    assert "2023-04-02 to 2026-03-31 (36 months)" in result.stdout
    assert "# Warning: " in path.with_name("d.yaml").read_text("utf-8")


def test_end_cuts_the_list_short_without_calling_later_rows_bad(tmp_path, rows):
    """--end may cut a list on purpose: later referrals are outside the window (not bad
    rows), and cases closed after it are open on that day, their hours unknown."""
    path = save(rows, tmp_path)
    cut = date(2025, 12, 31)
    listed = read_case_list(path, end=cut)
    after = (pd.to_datetime(rows["referral_date"]) > pd.Timestamp(cut)).sum()
    closed_after = (
        (pd.to_datetime(rows["referral_date"]) <= pd.Timestamp(cut))
        & (pd.to_datetime(rows["closed_date"]) > pd.Timestamp(cut))
    ).sum()
    assert listed.end == pd.Timestamp(cut) and listed.bad_rows == 0
    assert listed.referral_dates.max() <= pd.Timestamp(cut)
    assert len(listed.referral_dates) == len(rows) - after
    assert listed.after_end == after and listed.reopened == closed_after > 0
    assert not (listed.cases["closed_date"].dropna() > pd.Timestamp(cut)).any()
    assert "are taken as open then" in listed.warnings[0]
    result = run(path, "--end", "31/03/2026")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "'31/03/2026' does not match the format '%Y-%m-%d'" in result.output
    result = run(path, "--end", "31/03/2026")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "'31/03/2026' does not match the format '%Y-%m-%d'" in result.output


def test_dayfirst_reads_a_dd_mm_yyyy_list_to_the_same_fit_as_its_iso_twin(tmp_path, rows):
    british = rows.head(600).copy()
    for column in ("referral_date", "closed_date"):
        dated = pd.to_datetime(british[column])
        british[column] = dated.dt.strftime("%d/%m/%Y").fillna("")
    british.loc[3, "referral_date"] = "2/4/2023"  # as a spreadsheet may save it
    iso = calibrate(read_case_list(save(rows.head(600), tmp_path, "iso.csv")))
    path = save(british, tmp_path, "uk.csv")
    uk = calibrate(read_case_list(path, dayfirst=True))
    assert uk.rate.per_year == iso.rate.per_year and uk.mix == iso.mix
    assert uk.hours["care_act"].mean == iso.hours["care_act"].mean
    assert read_case_list(save(rows.head(600), tmp_path), dayfirst=True).bad_rows == 0
    result = run(path)  # without --dayfirst: refused, in one line per column
    assert result.exit_code == 2
    assert result.stderr.splitlines()[1:] == [
        f"error: {path}: referral_date: 600 rows: looks like DD/MM/YYYY: write dates as "
        "YYYY-MM-DD (e.g. 2025-01-31) or pass --dayfirst (lines 2, 3, 4, 5, 6, ...)",
        f"error: {path}: closed_date: 600 rows: looks like DD/MM/YYYY: write dates as "
        "YYYY-MM-DD (e.g. 2025-01-31) or pass --dayfirst (lines 2, 3, 4, 5, 6, ...)",
    ]
    assert run(path, "--dayfirst").exit_code == 0


def test_twenty_identical_date_errors_are_one_line(tmp_path, rows):
    slips = rows.copy()
    slips.loc[100:119, "referral_date"] = "31/12/2023"  # file lines 102 to 121
    slips.loc[500, "urgent"] = "maybe"  # line 502: still told by itself
    path = save(slips, tmp_path)
    result = run(path)
    assert result.exit_code == 0
    told = [line.strip() for line in result.stdout.splitlines() if "left out:" in line]
    assert told == [
        f"left out: {path}: referral_date: 20 rows: looks like DD/MM/YYYY: write dates as "
        "YYYY-MM-DD (e.g. 2025-01-31) or pass --dayfirst (lines 102, 103, 104, 105, 106, ...)",
        f"left out: {path}:502: urgent: 'maybe': expected yes/no, true/false or 1/0",
    ]


def test_a_list_pasted_twice_gives_the_rate_of_the_list_once(tmp_path, rows, clean):
    path = save(pd.concat([rows, rows]), tmp_path)
    result = run(path)
    assert result.exit_code == 0
    fit = calibrate(read_case_list(path))
    assert fit.rate.per_year.value == clean  # was twice it
    assert fit.source.rows == len(rows) and fit.source.bad_rows == 0
    first = len(rows) + 2
    assert result.stderr.splitlines()[0] == (
        f"warning: {path}: 2343 rows repeat an earlier row in every column (lines {first}, "
        f"{first + 1}, {first + 2}, {first + 3}, {first + 4}, ...): left out, rate included (a "
        "list pasted twice would double it); if they are different referrals, add a column "
        "that tells them apart (a case reference)"
    )
    assert "0 bad rows left out, 2343 duplicate rows" in result.stdout


def test_a_case_reference_on_two_rows_that_differ_is_warned_of_by_line(tmp_path, rows):
    """A correction entered as a new row under the same reference: both count, and the
    warning names the reference and both lines (an untouched list has no such warning)."""
    corrected = rows.iloc[[10]].assign(hours="9.5")  # line 12 of the file, hours corrected
    path = save(pd.concat([rows, corrected]), tmp_path)
    result = run(path)
    assert result.exit_code == 0
    again = len(rows) + 2
    reference = rows.loc[10, "case"]
    assert (
        f"warning: {path}: 1 case reference appears again on a row that differs: "
        f"{reference} (lines 12 and {again}). Each row is counted as a referral: if one is "
        "a correction of the other, remove the older row"
    ) in result.stderr.splitlines()
    assert read_case_list(path).rows == len(rows) + 1
    assert not read_case_list(EXAMPLE).repeated_references()


def test_hours_far_beyond_their_type_are_named_by_line_and_left_out(tmp_path, rows):
    slips = rows.copy()
    complaints = slips.index[(slips["type"] == "nhs_complaints") & (slips["closed_date"] != "")]
    slips.loc[complaints[3], "hours"] = "1873"
    path = save(slips, tmp_path)
    example = calibrate(read_case_list(EXAMPLE))
    clean = example.hours["nhs_complaints"].mean
    fit = calibrate(read_case_list(path))
    assert fit.warnings == [
        f"{path}:{complaints[3] + 2}: hours: '1873': far beyond nhs_complaints's other cases "
        "(above 210 hours): left out of the hours fit, still a referral"
    ]
    mean = fit.hours["nhs_complaints"].mean
    assert mean.n == clean.n - 1 and mean.value == pytest.approx(clean.value, rel=0.02)
    assert len(fit.source.referral_dates) == len(rows) and fit.source.bad_rows == 0
    assert not example.warnings  # the example's longest case is 6.5 times its type's median


def test_a_type_whose_hours_look_like_minutes_is_warned_about(tmp_path, rows):
    slips = rows.copy()
    imca = slips["type"] == "imca"
    slips.loc[imca & (slips["hours"] != ""), "hours"] = (
        (slips.loc[imca & (slips["hours"] != ""), "hours"].astype(float) * 60).round(0).astype(str)
    )
    path = save(slips, tmp_path)
    result = run(path)
    assert result.exit_code == 0
    assert [line for line in result.stderr.splitlines() if "minutes" in line] == [
        f"warning: {path}: type imca: median 546 hours over 331 closed cases (more than 100): "
        "the hours may be recorded in minutes; fitted as given (divide them by 60 if so)"
    ]


def test_an_end_after_today_is_refused(tmp_path):
    """--end 2036-03-31 for 2026: a demand block of 0.22 referrals a year, given exit 0."""
    from datetime import date

    from simulator.caselist import CaseListError, read_case_list

    path = tmp_path / "cases.csv"
    path.write_text("referral_date,type\n2026-01-05,care_act\n", encoding="utf-8")
    with pytest.raises(CaseListError, match="after today"):
        read_case_list(path, end=date(2036, 3, 31), today=date(2026, 12, 5))


def test_a_typod_year_is_named_by_line_as_a_stray_date(tmp_path, rows):
    # 2013 for 2023 on the first row: ten years with no referral before the rest. Legal,
    # so a warning naming the line, not an error; the clean list gives none.
    typo = rows.copy()
    typo.loc[0, "referral_date"] = typo.loc[0, "referral_date"].replace("2023", "2013", 1)
    path = save(typo, tmp_path)
    result = run(path)
    assert result.exit_code == 0
    assert (
        f"warning: {path}:2: referral_date: 2013-04-02 and 2023-04-02 are 3,652 days "
        "apart with no referral between: a typo'd year?" in result.stderr
    )
    assert "typo'd year" not in run(save(rows, tmp_path, "clean.csv")).stderr
