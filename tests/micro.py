"""Tiny deterministic scenarios whose every event can be worked out by hand.

Each is the M/M/c helper's provider made deterministic: a slot works 24 hours a
day (``hours_per_week: 168``, ``productive_share: 1``, ``caseload_cap: 1``), so a
case of H fixed hours lasts exactly H / 24 days, and ``per_day`` referrals a day
arrive evenly at 1/per_day, 2/per_day, ... Day 0 (``start_date`` 2026-06-01) is a
Monday with no bank holiday near, so day 4 is a Friday and day 7 the next Monday.
The run stops at the horizon (``follow_up_days: 0``) unless a test asks for the
follow-up. Nothing is random but the draws a test names.
"""

from __future__ import annotations

from typing import Any

from tests.helpers import build, mmc_data


def micro(
    servers: int = 1, per_day: float = 1.0, horizon: float = 9.5, hours: float = 24.0, **changes
):
    """One provider of ``servers`` slots, fixed ``hours`` per case, evenly spaced arrivals."""
    data = mmc_data(servers=servers, arrivals_per_day=per_day, horizon_days=horizon)
    data["demand"]["arrivals"] = "deterministic"
    data["demand"]["mix"]["care_act"]["hours"] = {"dist": "fixed", "mean": hours}
    data["start_date"] = "2026-06-01"
    data["follow_up_days"] = 0.0
    return build(data, **changes)


def market(slots: int, arrangement_days: float) -> dict[str, Any]:
    """A spot market of ``slots`` one-case advocates working 24 hours a day."""
    return {
        "market_advocates": float(slots),
        "caseload_cap": 1,
        "hours_per_week": 168.0,
        "productive_share": 1.0,
        "working_days": "every_day",
        "arrangement_days": {"dist": "fixed", "mean": arrangement_days},
    }


def withdrawing(**changes):
    """One slot, cases of 54 hours = 2.25 days, one referral a day from day 1; the process
    goes ahead 2.25 days after referral and the referral is then withdrawn."""
    settings = {
        "hours": 54.0,
        "demand__deadline_days": {"dist": "fixed", "mean": 2.25},
        "demand__breach": "withdraw",
    }
    return micro(**{**settings, **changes})
