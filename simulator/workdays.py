"""Working-day response targets on the simulation's day clock.

Service specifications say "within 5 working days"; a working day is Monday to
Friday except England and Wales bank holidays (substitute days included) and
the scenario's own ``targets.closure_days``. The clock starts when the referral
arrives, or at the start of the next working day when it arrives on a day that
is not one.

Bank holidays come from the ``holidays`` package (country GB, subdivision ENG:
England and Wales share one list), a maintained list that already has
substitute days and one-off holidays, rather than a hand-kept one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import holidays
import numpy as np

from simulator.units import DAYS_PER_YEAR

FOLLOW_UP_MARGIN_YEARS = 2
"""Years of bank holidays beyond the horizon: room for following referrals up after it."""


@lru_cache(maxsize=32)
def bank_holidays(first_year: int, last_year: int) -> tuple[dt.date, ...]:
    """England and Wales bank holidays (substitute days included) from one year to another."""
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return tuple(sorted(calendar))


def closed_days(
    start_date: dt.date, horizon_days: float, closure_days: Iterable[dt.date] = ()
) -> np.ndarray:
    """Days that are not working days besides weekends, as ``datetime64[D]``.

    Bank holidays in every year from ``start_date`` to ``FOLLOW_UP_MARGIN_YEARS``
    after the horizon (so a target falling after the horizon still skips them),
    plus the scenario's local closure days.
    """
    last = start_date + dt.timedelta(days=horizon_days + FOLLOW_UP_MARGIN_YEARS * DAYS_PER_YEAR)
    days = [*bank_holidays(start_date.year, last.year), *closure_days]
    return np.unique(np.array(days, dtype="datetime64[D]"))


def target_day(
    start_date: dt.date,
    arrival_day: np.ndarray,
    working_days: np.ndarray,
    closed: np.ndarray | None = None,
) -> np.ndarray:
    """Day by which each referral should be allocated.

    A referral arriving at 10:00 on a Monday with a 5-working-day target is due
    by 10:00 the next Monday; one arriving on a Saturday with a 1-day target is
    due by the end of Monday. ``closed`` lists the days (``datetime64[D]``),
    besides weekends, that are not working days (see :func:`closed_days`).
    """
    if closed is None:
        closed = np.empty(0, dtype="datetime64[D]")
    calendar = np.busdaycalendar(holidays=closed)
    arrival_day = np.asarray(arrival_day, dtype=float)
    whole = np.floor(arrival_day)
    origin = np.datetime64(start_date, "D")
    dates = origin + whole.astype("timedelta64[D]")
    on_working_day = np.is_busday(dates, busdaycal=calendar)
    due = np.busday_offset(
        dates, np.asarray(working_days, dtype=np.int64), roll="forward", busdaycal=calendar
    )
    time_of_day = np.where(on_working_day, arrival_day - whole, 0.0)
    return (due - origin).astype(np.int64) + time_of_day


class WorkCalendar:
    """Working time on the day clock, for advocates who work on working days only.

    A working day is worked whole: working time runs at one day a day through it and
    stands still through a day that is not one, so a week of five working days gives a
    case the same hours as a calendar week of seven at ``every_day``. Plain lists: the
    model asks one case at a time.
    """

    def __init__(
        self, start_date: dt.date, until_days: float, closure_days: Iterable[dt.date] = ()
    ):
        days = int(np.ceil(until_days)) + 14  # a fortnight more: room to reach a working day
        origin = np.datetime64(start_date, "D")
        calendar = np.busdaycalendar(holidays=closed_days(start_date, days, closure_days))
        is_open = np.is_busday(origin + np.arange(days), busdaycal=calendar)
        self.days = days
        self.is_open: list[bool] = is_open.tolist()
        self.open_day: list[float] = np.flatnonzero(is_open).astype(float).tolist()
        self.before: list[int] = [0, *np.cumsum(is_open).tolist()]  # working days before d
        self.last_open = len(self.open_day) - 1

    def finish(self, start: float, work: float) -> float:
        """When a case started at ``start`` that needs ``work`` working days is done: the
        first time by which its working days have elapsed (the end of a working day, not
        the start of the next, when it ends on one)."""
        d = int(start)
        if d >= self.days:  # (a plain test: this runs for every case)
            d = self.days - 1
        w = self.before[d] + (start - d if self.is_open[d] else 0.0) + work
        whole = int(w)
        if whole >= self.last_open:
            whole = self.last_open
        part = w - whole
        if part == 0 and whole > 0:  # never before it started (no work from a day off)
            return max(self.open_day[whole - 1] + 1.0, start)
        return self.open_day[whole] + part

    def moments(self, work: np.ndarray) -> np.ndarray:
        """``finish(0, w)`` for each of an array of working times, at once."""
        open_day = np.asarray(self.open_day)
        whole = np.minimum(np.floor(work).astype(np.int64), len(open_day) - 1)
        part = work - whole
        ends_a_day = (part == 0) & (whole > 0)
        at = open_day[whole] + part
        moments: np.ndarray = np.where(ends_a_day, open_day[np.maximum(whole - 1, 0)] + 1.0, at)
        return moments

    def worked(self, t: float) -> float:
        """Working time from day 0 to ``t``: the inverse of ``finish(0, ...)``."""
        d = int(t)
        if d >= self.days:
            d = self.days - 1
        if not self.is_open[d]:
            return self.before[d]
        part = t - d
        return self.before[d] + (part if part < 1.0 else 1.0)

    def opens(self, t: float) -> float:
        """``t`` on a working day, else the start of the next working day."""
        d = int(t)
        if d >= self.days or self.is_open[d]:
            return t
        return self.open_day[self.before[d]]


class EveryDay:
    """Working time for advocates who work every day: the day clock itself (the
    ``WorkCalendar`` questions, answered for a calendar with no day off)."""

    def finish(self, start: float, work: float) -> float:
        return start + work

    def worked(self, t: float) -> float:
        return t

    def moments(self, work: np.ndarray) -> np.ndarray:
        return work
