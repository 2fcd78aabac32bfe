"""Cost lines as pure functions a finance officer can check by hand.

Accounting rules (also in the README):

* Block: contracted hours a year x block rate, for the measured days, paid
  whether the hours are used or not. Mileage is included in the block rate.
* Spot: bought per case when the case is allocated: its hours (travel time
  included) x ``rate_per_hour`` plus its miles x ``mileage_rate``. A case
  counts in the period in which it was allocated.
* Hub: ``triage_hours`` x ``triage_rate_per_hour`` for every referral, and the
  ``management_fee_per_year`` for the measured days.
* Workshops: ``per_year`` sessions x ``price`` for the measured days.
"""

from __future__ import annotations

from simulator.units import DAYS_PER_YEAR

COST_LINES = (
    "cost_block",
    "cost_spot_hours",
    "cost_mileage",
    "cost_triage",
    "cost_fee",
    "cost_workshops",
)


def years(days: float) -> float:
    """Days as years of 365 days."""
    return days / DAYS_PER_YEAR


def block_cost(contracted_hours_per_year: float, rate_per_hour: float, days: float) -> float:
    """GBP for a block over ``days``: paid on contracted, not used, hours."""
    return contracted_hours_per_year * rate_per_hour * years(days)


def spot_hours_cost(hours: float, rate_per_hour: float) -> float:
    """GBP for spot hours used (travel time included in the hours)."""
    return hours * rate_per_hour


def mileage_cost(miles: float, mileage_rate: float) -> float:
    """GBP for miles travelled on spot cases."""
    return miles * mileage_rate


def triage_cost(referrals: float, triage_hours: float, rate_per_hour: float) -> float:
    """GBP for the hub lead's triage of every referral."""
    return referrals * triage_hours * rate_per_hour


def per_year_cost(amount_per_year: float, days: float) -> float:
    """GBP for a yearly amount (management fee) over ``days``."""
    return amount_per_year * years(days)


def workshop_cost(sessions_per_year: float, price: float, days: float) -> float:
    """GBP for self-advocacy workshops over ``days``."""
    return sessions_per_year * price * years(days)


def total(lines: dict[str, float]) -> float:
    """The total is exactly the sum of the lines, added in ``COST_LINES`` order."""
    result = 0.0
    for name in COST_LINES:
        result += lines[name]
    return result
