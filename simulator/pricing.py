"""Cost lines as pure functions a finance officer can check by hand.

Accounting rules (also in docs/explanation/model.md):

* Block: contracted hours a year x block rate, for the measured days, paid
  whether the hours are used or not (unless ``commissioning.payment`` pays the
  hours delivered within a band: ``metrics.band_years``). Mileage is included in
  the block rate.
* Spot: bought per case when the case is allocated: its hours (travel time
  included) x ``rate_per_hour`` plus its miles x ``mileage_rate``. A case
  counts in the period in which it was allocated.
* Hub: ``triage_hours`` x ``triage_rate_per_hour`` for every referral, and the
  ``management_fee_per_year`` for the measured days.
* Workshops: ``per_year`` sessions x ``price`` for the measured days.

VAT (``costing`` in a scenario; every price holder has ``rate_includes_vat``):

* Each amount above is first priced as quoted, then split into its net and its
  VAT by :func:`split_vat`. A price that includes VAT holds VAT at
  ``vat_rate``: net = price / (1 + vat_rate). A price that does not include
  VAT is net, and VAT at ``vat_rate`` is charged on top: VAT = net x vat_rate.
  (A supply that carries no VAT at all, such as an exempt one, is not told
  apart: give its rate as net; with recovery its cost is then right.)
* Mileage follows the flag of the price holder it belongs to.
* The cost to the council (every cost line) is the net when the council
  recovers the VAT it pays (``council_recovers_vat``: s.33 VAT Act 1994
  lets local authorities recover VAT on their statutory services), and the
  gross (net + VAT) when it does not. ``vat_paid`` is the VAT charged on
  everything bought; ``vat_recovered`` is the part the council gets back.
* So GBP 45 an hour including VAT at 20% is GBP 37.50 net + GBP 7.50 VAT,
  and costs the council GBP 37.50 when it recovers the VAT, GBP 45 when it
  does not. With the defaults (prices net of VAT, VAT recovered) every cost
  is the price as quoted, to the penny.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, TypeVar

import numpy as np

from simulator.units import DAYS_PER_YEAR

if TYPE_CHECKING:
    from simulator.schema import Costing

Amount = TypeVar("Amount", float, np.ndarray)
"""One figure, or one per case: the same arithmetic prices a case or a column of them."""

COST_LINES = (
    "cost_block",
    "cost_flex_hours",
    "cost_spot_hours",
    "cost_mileage",
    "cost_triage",
    "cost_fee",
    "cost_workshops",
    "cost_purchasing",
    "cost_contract_management",
)


def years(days: float) -> float:
    """Days as years of 365 days."""
    return days / DAYS_PER_YEAR


def block_cost(contracted_hours_per_year: float, rate_per_hour: float, days: float) -> float:
    """GBP for a block over ``days``: paid on contracted, not used, hours."""
    return contracted_hours_per_year * rate_per_hour * years(days)


def spot_hours_cost(hours: Amount, rate_per_hour: Amount) -> Amount:
    """GBP for spot hours used (travel time included in the hours)."""
    cost: Amount = hours * rate_per_hour
    return cost


def mileage_cost(miles: Amount, mileage_rate: Amount) -> Amount:
    """GBP for miles travelled on spot cases."""
    cost: Amount = miles * mileage_rate
    return cost


def triage_cost(referrals: float, triage_hours: float, rate_per_hour: float) -> float:
    """GBP for the hub lead's triage of every referral."""
    return referrals * triage_hours * rate_per_hour


def per_year_cost(amount_per_year: float, days: float) -> float:
    """GBP for a yearly amount (management fee) over ``days``."""
    return amount_per_year * years(days)


def workshop_cost(sessions_per_year: float, price: float, days: float) -> float:
    """GBP for self-advocacy workshops over ``days``."""
    return sessions_per_year * price * years(days)


class Charge(NamedTuple):
    """An amount as the council bears it, in GBP."""

    cost: float  # to the council: the net, plus the VAT unless it is recovered
    vat_paid: float  # VAT charged on the amount
    vat_recovered: float  # the part of that VAT the council gets back


NO_CHARGE = Charge(0.0, 0.0, 0.0)


def officer_time(amount: float) -> Charge:
    """The council's own officers' time: a cost with no VAT on it."""
    return Charge(amount, 0.0, 0.0)


def split_vat(amount: float, includes_vat: bool, vat_rate: float) -> tuple[float, float]:
    """``(net, vat)`` in GBP of an amount as quoted.

    An amount that includes VAT holds VAT at ``vat_rate``: GBP 45 at 0.2 is
    (37.50, 7.50). One that does not is net, with VAT on top: GBP 38 at 0.2 is
    (38.00, 7.60).
    """
    if includes_vat:
        net = amount / (1 + vat_rate)
        return net, amount - net
    return amount, amount * vat_rate


def charge(amount: float, includes_vat: bool, vat_rate: float, recovers_vat: bool) -> Charge:
    """What an amount as quoted costs the council, the VAT on it, and the VAT recovered.

    The cost is the net when the council recovers VAT, the gross otherwise (the
    amount itself when it includes VAT).
    """
    net, vat = split_vat(amount, includes_vat, vat_rate)
    if recovers_vat:
        return Charge(net, vat, vat)
    return Charge(amount if includes_vat else net + vat, vat, 0.0)


def council_charge(amount: float, includes_vat: bool, costing: Costing) -> Charge:
    """:func:`charge` under a scenario's ``costing`` (VAT rate, and whether it is recovered)."""
    return charge(amount, includes_vat, costing.vat_rate, costing.council_recovers_vat)


def add(charges: list[Charge]) -> Charge:
    """Several charges added field by field, in order."""
    cost = vat_paid = vat_recovered = 0.0
    for item in charges:
        cost += item.cost
        vat_paid += item.vat_paid
        vat_recovered += item.vat_recovered
    return Charge(cost, vat_paid, vat_recovered)


def total(lines: dict[str, float]) -> float:
    """The total is exactly the sum of the lines, added in ``COST_LINES`` order."""
    result = 0.0
    for name in COST_LINES:
        result += lines[name]
    return result
