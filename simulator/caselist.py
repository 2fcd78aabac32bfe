"""A provider's case list, read and checked row by row for ``advocacy-sim calibrate``.

One row per referral: ``referral_date`` (ISO date, or DD/MM/YYYY with ``dayfirst``),
``type``, ``urgent`` (yes/no, true/false, 1/0), ``hours`` (total advocacy hours, travel
included; blank for an open case with none recorded yet) and optionally ``need``,
``locality``, ``miles``, ``closed_date`` (blank: still open) and ``allocated_date`` (the
day an advocate was allocated; blank: not yet). A ``.csv`` or an ``.xlsx`` (first sheet).

An allocation date before the referral date or after the closure is a bad row; so is,
on a list with the column, a blank allocation date on a case with hours worked (somebody
worked them: when were they allocated?). ``calibrate`` checks the dates and does not
use them; ``replay`` compares them with the simulated allocations.

Every bad row is reported with its file line (CSV) or sheet row (Excel) and column,
and left out of the fit; none is dropped silently. When more than :data:`ALIKE` rows
have the same problem in the same column (twenty dates written DD/MM/YYYY, say), one
line tells them all, with the first lines. A bad row whose referral_date is
readable and inside the window still counts as a referral in the rate.

A row equal to an earlier one in every column (every column the file has, not only
the ones read) is a duplicate: left out of everything, the rate included, and counted
in a warning with its lines, since a list pasted twice would otherwise double the rate.
It is not a bad row. Two referrals alike in every column would be taken as one: a case
reference column tells them apart.

The window. The list's referrals run from its first referral to its end: ``end``
(``calibrate --end``, the day the list was extracted) or, without one, the last
referral date. With ``end``, a referral after it is outside the window: left out and
counted in a note, not a bad row (``--end`` may cut a list short on purpose); a case
closed after it is taken as open on that day, its closure and hours unused.
Without ``end``, any date after today is a bad row, since no list holds dates yet to
come (a closed_date typed as 2062). Without ``end``, a
closure after the last referral but not after today is kept, with its hours: a list of
referrals to a date "with outcomes to date" closes cases after its last referral. When more than
:data:`BAD_SHARE_LIMIT` of the rows are bad the list is refused: a fit from what is
left would describe the errors more than the service.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

REQUIRED = ("referral_date", "type", "urgent", "hours")
OPTIONAL = ("need", "locality", "miles", "closed_date", "allocated_date")
REFERENCE = "case"
"""The optional case reference column: not used in a fit, but one reference on two rows
that differ is warned of (see ``CaseList.repeated_references``)."""
BAD_SHARE_LIMIT = 0.05
"""Above this share of bad rows the case list is refused (exit status 2)."""
ALIKE = 3
"""More rows than this with one problem in one column are told in one line."""
DAY_FIRST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:[ T].*)?")
TRUE, FALSE = {"yes", "y", "true", "1"}, {"no", "n", "false", "0"}


class CaseListError(ValueError):
    """A case list that cannot be used: its problems, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    """One bad cell: where, what it holds and what is wrong. The message is the same
    for the same kind of problem, so that many alike can be told in one line."""

    path: Path
    line: int
    column: str
    value: str | None  # None: the message says it all (a blank cell)
    message: str

    def __str__(self) -> str:
        shown = "" if self.value is None else f" {self.value!r}:"
        return f"{self.path}:{self.line}: {self.column}:{shown} {self.message}"


def summarise(problems: list[Problem]) -> list[str]:
    """One line per problem, in line order, except that more than :data:`ALIKE` rows
    with the same problem in one column are one line (at the first of them) naming how
    many and the first few lines: twenty identical lines hide the one that differs."""
    alike: dict[tuple[str, str], list[int]] = defaultdict(list)
    for problem in problems:
        alike[problem.column, problem.message].append(problem.line)
    lines, told = [], set()
    for problem in problems:
        key = (problem.column, problem.message)
        found = alike[key]
        if len(found) <= ALIKE:
            lines.append(str(problem))
        elif key not in told:
            told.add(key)
            shown = ", ".join(map(str, found[:5])) + (", ..." if len(found) > 5 else "")
            lines.append(
                f"{problem.path}: {problem.column}: {len(found)} rows: {problem.message} "
                f"(lines {shown})"
            )
    return lines


@dataclass(frozen=True)
class CaseList:
    """The good rows, typed, and every problem found (``file:line: column: ...``)."""

    path: Path
    cases: (
        pd.DataFrame
    )  # referral_date, type, urgent, hours, need, locality, miles, closed_date, open
    issues: list[Problem]
    rows: int  # rows in the file, good and bad
    bad_rows: int  # rows left out for a problem
    columns: tuple[str, ...]  # the optional columns the file has
    referral_dates: pd.Series  # every row's with a readable date in the window, bad rows too
    end: pd.Timestamp  # the window's last day: --end, or the last referral date
    duplicates: list[int]  # lines equal to an earlier line in every column: left out
    after_end: int = 0  # referrals after --end: outside the window, left out
    reopened: int = 0  # closed after --end: taken as open at the end, hours unknown
    repeated: tuple[tuple[str, int, int], ...] = ()  # (case reference, first line, line)

    @property
    def bad_share(self) -> float:
        return self.bad_rows / self.rows if self.rows else 0.0

    @property
    def problems(self) -> list[str]:
        """Every problem, one line each (``file:line: column: ...``)."""
        return [str(problem) for problem in self.issues]

    @property
    def reported(self) -> list[str]:
        """The problems as the fit report tells them: many alike in one line."""
        return summarise(self.issues)

    @property
    def warnings(self) -> list[str]:
        """What is suspicious in the list itself: rows repeated in every column; and what
        ``--end`` left out."""
        notes = []
        if self.after_end or self.reopened:
            notes.append(
                f"{self.path}: the list ends on {self.end.date()} (--end): {self.after_end} "
                f"referrals after it are left out, and {self.reopened} cases closed after it "
                "are taken as open then, with no hours yet"
            )
        notes += self.stray_dates()
        notes += self.repeated_references()
        if not self.duplicates:
            return notes
        shown = ", ".join(map(str, self.duplicates[:5])) + (", ..." * (len(self.duplicates) > 5))
        return [
            *notes,
            f"{self.path}: {len(self.duplicates)} rows repeat an earlier row in every column "
            f"(lines {shown}): left out, rate included (a list pasted twice would double it); "
            "if they are different referrals, add a column that tells them apart (a case "
            "reference)",
        ]

    def repeated_references(self) -> list[str]:
        """One case reference on rows that differ: one referral entered twice with a
        correction, or a case reopened under its old reference. Both rows are counted as
        referrals, so the rate would count it twice if it is one."""
        if not self.repeated:
            return []
        shown = ", ".join(f"{ref} (lines {a} and {b})" for ref, a, b in self.repeated[:5])
        more = f" and {len(self.repeated) - 5} more" if len(self.repeated) > 5 else ""
        count = len(self.repeated)
        which = "1 case reference appears" if count == 1 else f"{count} case references appear"
        return [
            f"{self.path}: {which} again on a row that differs: {shown}{more}. Each row "
            "is counted as a referral: if one is a correction of the other, remove the "
            "older row"
        ]

    def stray_dates(self) -> list[str]:
        """A referral date more than ``STRAY_DAYS`` before the next (or after the one
        before it): a typo'd year (2013 for 2023) stretches the window the rate and its
        growth are fitted over, halving one and inventing the other."""
        dates = self.referral_dates
        if len(dates) < 2:
            return []
        gaps = dates.diff().dt.days
        found = []
        for position in [k for k, gap in enumerate(gaps) if gap > STRAY_DAYS]:
            before, after = dates.iloc[position - 1], dates.iloc[position]
            line = dates.index[position - 1] if position == 1 else dates.index[position]
            found.append(
                f"{self.path}:{line}: referral_date: {before.date()} and {after.date()} are "
                f"{(after - before).days:,} days apart with no referral between: a typo'd "
                "year? It stretches the period the rate is fitted over"
            )
        return found


STRAY_DAYS = 365
"""A year without a single referral in a list that has them is a typo, not a quiet year."""


def read_case_list(
    path: str | Path, end: date | None = None, dayfirst: bool = False, today: date | None = None
) -> CaseList:
    """Read and check a case list; raises :class:`CaseListError` when it cannot be used
    (missing file or columns, no good rows, or too many bad rows).

    ``end`` is the day the list was extracted (default: the last referral date ends the
    window, and no date may be after ``today``, the computer's date unless given);
    ``dayfirst`` reads DD/MM/YYYY dates (ISO dates still read)."""
    path = Path(path)
    now = today or date.today()
    if end is not None and end > now:  # a list cannot be extracted after today
        raise CaseListError(
            [f"--end {end}: after today ({now}); give the day the list was extracted"]
        )
    bound = pd.Timestamp(end or now)
    after = f"after {'the end of the list' if end else 'today'} ({bound.date()})"
    raw, first_line = _read_raw(path)
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        found = ", ".join(map(str, raw.columns)) or "none"
        hint = " (the file looks separated by ';': save it with commas)" if ";" in found else ""
        raise CaseListError(
            [f"{path}: missing column(s) {', '.join(missing)} (found: {found}){hint}"]
        )
    problems: list[Problem] = []
    rows, dates, duplicates, lines = [], [], [], []
    after_end = reopened = 0
    records = raw.to_dict("records")
    seen: set[tuple[str, ...]] = set()
    first_with: dict[str, int] = {}  # case reference -> the first line it is on
    repeated: list[tuple[str, int, int]] = []
    for offset, record in enumerate(records):
        if not any(record.values()):
            continue  # a blank line: not a referral, but it keeps the line numbers true
        line = offset + first_line
        if tuple(record.values()) in seen:
            duplicates.append(line)
            continue
        seen.add(tuple(record.values()))
        reference = record.get(REFERENCE, "")
        if reference and reference in first_with:
            repeated.append((reference, first_with[reference], line))
        elif reference:
            first_with[reference] = line
        row, wrong = _check_row(record, raw.columns, dayfirst)
        if end and not wrong and row["referral_date"] > bound:
            after_end += 1  # --end cuts the list: a later referral is outside, not wrong
            continue
        if end and not wrong and row["closed_date"] is not None and row["closed_date"] > bound:
            # open at the end of the list: what is known of it after that is not used
            row.update(closed_date=None, hours=None, open=True)
            reopened += 1
        late = row["allocated_date"] is not None and row["allocated_date"] > bound
        if end and not wrong and late:  # still waiting at the end of the list
            row.update(allocated_date=None, hours=None)
        wrong += _after(row, record, bound, after)
        problems += [Problem(path, line, *problem) for problem in wrong]
        row["line"] = line
        if not wrong:
            rows.append(row)
        if row["referral_date"] is not None and row["referral_date"] <= bound:
            dates.append(row["referral_date"])  # a bad row is still a referral for the rate
            lines.append(line)
    if not rows:
        raise CaseListError([f"{path}: no usable rows", *summarise(problems)[:20]])
    optional = tuple(c for c in OPTIONAL if c in raw)
    total = sum(1 for record in records if any(record.values())) - len(duplicates) - after_end
    bad = total - len(rows)
    dates = pd.Series(dates, index=lines).sort_values()
    last = pd.Timestamp(end) if end else dates.max()
    listed = CaseList(
        path, pd.DataFrame(rows), problems, total, bad, optional, dates, last, duplicates,
        after_end, reopened, tuple(repeated),
    )  # fmt: skip
    if listed.bad_share > BAD_SHARE_LIMIT:
        share = f"{listed.bad_share:.0%}"
        if share == f"{BAD_SHARE_LIMIT:.0%}":  # 5.04%: never "5%, more than the 5% allowed"
            share = f"{math.ceil(listed.bad_share * 1000) / 10:.1f}%"
        raise CaseListError([
            f"{path}: {bad} of {total} rows are bad ({share}, more than the "
            f"{BAD_SHARE_LIMIT:.0%} allowed); fix them and run again. The first ones:",
            *summarise(problems)[:20],
        ])  # fmt: skip
    return listed


def _read_raw(path: Path) -> tuple[pd.DataFrame, int]:
    """Every cell as text (blank as ''), and the file line or sheet row of the first row."""
    if not path.is_file():
        raise CaseListError([f"{path}: case list not found"])
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            raw = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                skip_blank_lines=False,
            )  # fmt: skip
        elif suffix in (".xlsx", ".xlsm"):
            raw = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        else:
            raise CaseListError([f"{path}: expected a .csv or .xlsx case list"])
    except CaseListError:
        raise
    except Exception as error:  # a file that is not what its name says
        raise CaseListError([f"{path}: cannot read it ({error})"]) from None
    raw.columns = [label(str(c)) if ";" not in str(c) else str(c) for c in raw.columns]
    return raw.map(lambda v: str(v).strip()), 2  # line 1 is the header


def _check_row(
    record: dict, columns, dayfirst: bool = False
) -> tuple[dict, list[tuple[str, str | None, str]]]:
    """One row typed, and what is wrong with it: (column, value, message) each."""
    wrong: list[tuple[str, str | None, str]] = []

    def date(column: str, blank_ok: bool) -> pd.Timestamp | None:
        text = record.get(column, "")
        if text == "" and blank_ok:
            return None
        try:
            return _date(text, dayfirst)
        except ValueError:
            wrong.append((column, text, _date_problem(text, dayfirst)))
            return None

    def number(column: str) -> float | None:
        text = record.get(column, "")
        if text == "":
            return None
        try:
            value = float(text)
        except ValueError:
            wrong.append((column, text, "not a number (no units or commas)"))
            return None
        if not value >= 0 or value == float("inf"):
            wrong.append((column, text, "must be 0 or more"))
            return None
        return value

    referred = date("referral_date", blank_ok=False)
    closed = date("closed_date", blank_ok=True) if "closed_date" in columns else None
    allocated = date("allocated_date", blank_ok=True) if "allocated_date" in columns else None
    kind = label(record["type"])
    if kind == "":
        wrong.append(("type", None, "blank (the advocacy type, e.g. care_act)"))
    urgent_text = record["urgent"].lower()
    if urgent_text not in TRUE | FALSE:
        wrong.append(("urgent", record["urgent"], "expected yes/no, true/false or 1/0"))
    hours, miles = number("hours"), number("miles") if "miles" in columns else None
    still_open = closed is None if "closed_date" in columns else hours is None
    if not still_open and hours is None and record["hours"] == "":
        wrong.append(("hours", None, "blank for a closed case"))
    if referred is not None and closed is not None and closed < referred:
        wrong.append(("closed_date", record["closed_date"], "before the referral_date"))
    wrong += _allocation(record, referred, allocated, closed, hours)
    row = {
        "referral_date": referred,
        "type": kind,
        "urgent": urgent_text in TRUE,
        "hours": hours,
        "need": label(record.get("need", "")) or None,
        "locality": label(record.get("locality", "")) or None,
        "miles": miles,
        "closed_date": closed,
        "open": still_open,
        "allocated_date": allocated,
    }
    return row, wrong


def _allocation(
    record: dict,
    referred: pd.Timestamp | None,
    allocated: pd.Timestamp | None,
    closed: pd.Timestamp | None,
    hours: float | None,
) -> list[tuple[str, str | None, str]]:
    """What is wrong with a row's allocation date, on a list that has the column."""
    if "allocated_date" not in record:
        return []
    text = record["allocated_date"]
    if allocated is None:
        if text == "" and hours:
            return [("allocated_date", None, "blank for a case with hours worked (when was "
                     "its advocate allocated?)")]  # fmt: skip
        return []
    if referred is not None and allocated < referred:
        return [("allocated_date", text, "before the referral_date")]
    if closed is not None and allocated > closed:
        return [("allocated_date", text, "after the closed_date")]
    return []


def _after(
    row: dict, record: dict, bound: pd.Timestamp, why: str
) -> list[tuple[str, str | None, str]]:
    """The row's dates after the extraction date (``why`` says which date that is)."""
    return [
        (column, record[column], why)
        for column in ("referral_date", "allocated_date", "closed_date")
        if row[column] is not None and row[column] > bound
    ]


def _date(text: str, dayfirst: bool) -> pd.Timestamp:
    """An ISO date, or with ``dayfirst`` a DD/MM/YYYY one (also D/M/YYYY, DD-MM-YYYY
    and DD.MM.YYYY, with any time after it); ValueError if neither."""
    found = DAY_FIRST.fullmatch(text) if dayfirst else None
    if found:
        day, _, month, year = found.groups()
        return pd.Timestamp(year=int(year), month=int(month), day=int(day))
    return pd.Timestamp(_iso(text))


def _date_problem(text: str, dayfirst: bool = False) -> str:
    """What is wrong with a date, with the likely fix."""
    if DAY_FIRST.fullmatch(text):
        if dayfirst:
            return "no such date (read as DD/MM/YYYY)"
        return (
            "looks like DD/MM/YYYY: write dates as YYYY-MM-DD (e.g. 2025-01-31) or pass --dayfirst"
        )
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return "no such date"
    if dayfirst:
        return "not a date: write YYYY-MM-DD or DD/MM/YYYY"
    return "not a date: write YYYY-MM-DD (e.g. 2025-01-31)"


def label(text: str) -> str:
    """A type, need or locality as a scenario writes it: lower case, words joined by
    underscores ('RPR' and 'rpr', 'Care Act' and 'care_act' are one label)."""
    return "_".join(text.lower().replace("-", " ").split())


def _iso(text: str) -> str:
    """The date of an ISO date or date-time ('YYYY-MM-DD', 'YYYY-MM-DD 09:30:00', as Excel
    cells arrive, or 'YYYY-MM-DDT09:30')."""
    day = text[:10]
    if len(day) != 10 or day[4] != "-" or day[7] != "-" or text[10:11] not in ("", " ", "T"):
        raise ValueError(text)
    return day
