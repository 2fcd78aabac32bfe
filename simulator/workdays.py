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
