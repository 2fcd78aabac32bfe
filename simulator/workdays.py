"""Working-day response targets (Monday to Friday) on the simulation's day clock.

Service specifications say "within 5 working days"; the clock starts when the
referral arrives, or at the start of the next working day when it arrives at a
weekend. Bank holidays are not modelled (a stated simplification).
"""

from __future__ import annotations

import datetime as dt

import numpy as np


def target_day(
    start_date: dt.date, arrival_day: np.ndarray, working_days: np.ndarray
) -> np.ndarray:
    """Day by which each referral should be allocated.

    A referral arriving at 10:00 on a Monday with a 5-working-day target is due
    by 10:00 the next Monday; one arriving on a Saturday with a 1-day target is
    due by the end of Monday.
    """
    arrival_day = np.asarray(arrival_day, dtype=float)
    whole = np.floor(arrival_day)
    origin = np.datetime64(start_date, "D")
    dates = origin + whole.astype("timedelta64[D]")
    on_working_day = np.is_busday(dates)
    due = np.busday_offset(dates, np.asarray(working_days, dtype=np.int64), roll="forward")
    time_of_day = np.where(on_working_day, arrival_day - whole, 0.0)
    return (due - origin).astype(np.int64) + time_of_day
