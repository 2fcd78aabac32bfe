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
    stands still through a day that is not one, so a case needing ``w`` working days
    started at ``t`` closes at ``at_work(work_at(t) + w)``, and a week of five working
    days gives a case the same hours as a calendar week of seven at ``every_day``.
    ``work_at`` and ``at_work`` take one time or an array of them (the model asks one
    case at a time, the metrics every case at once), with the same arithmetic.
    """

    def __init__(
        self, start_date: dt.date, until_days: float, closure_days: Iterable[dt.date] = ()
    ):
        days = int(np.ceil(until_days)) + 14  # a fortnight more: room to reach a working day
        origin = np.datetime64(start_date, "D")
        calendar = np.busdaycalendar(holidays=closed_days(start_date, days, closure_days))
        is_open = np.is_busday(origin + np.arange(days), busdaycal=calendar)
        self.open_day = np.flatnonzero(is_open).astype(float)  # each working day, in order
        self.before = np.concatenate([[0], np.cumsum(is_open)])  # working days before day d
        self.is_open = is_open
        self.days = days
        # plain lists for the model's one case at a time
        self._open, self._before, self._open_day = (
            is_open.tolist(),
            self.before.tolist(),
            self.open_day.tolist(),
        )

    def finish(self, start: float, work: float) -> float:
        """When a case started at ``start`` that needs ``work`` working days is done (the
        scalar ``at_work(work_at(start) + work)``: the same arithmetic)."""
        d = min(int(start), self.days - 1)
        w = self._before[d] + (start - d if self._open[d] else 0.0) + work
        whole = min(int(w), len(self._open_day) - 1)
        part = w - whole
        if part == 0 and whole > 0:
            return float(self._open_day[whole - 1] + 1.0)
        return float(self._open_day[whole] + part)

    def opens(self, t: float) -> float:
        """``t`` on a working day, else the start of the next working day."""
        d = int(t)
        if d >= self.days or self.is_open[d]:
            return t
        return float(self.open_day[self.before[d]])

    def work_at(self, t: np.ndarray | float) -> np.ndarray:
        """Working days elapsed by day ``t`` since day 0."""
        t = np.asarray(t, dtype=float)
        d = np.minimum(np.floor(t).astype(np.int64), self.days - 1)
        worked: np.ndarray = self.before[d] + np.where(self.is_open[d], t - d, 0.0)
        return worked

    def at_work(self, w: np.ndarray | float) -> np.ndarray:
        """The first time by which ``w`` working days have elapsed since day 0."""
        w = np.asarray(w, dtype=float)
        whole = np.minimum(np.floor(w).astype(np.int64), len(self.open_day) - 1)
        part = w - whole
        ends_a_day = (part == 0) & (whole > 0)  # w whole: the end of the w-th working day
        start = np.where(ends_a_day, self.open_day[whole - 1] + 1.0, self.open_day[whole] + part)
        at: np.ndarray = start
        return at
