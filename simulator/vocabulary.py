"""The names results speak: every metric with its label, unit, kind and format, and the
codes of a case's status and route.

One registry, used by ``summary.csv`` (which metrics exist, how an interval is
clipped), the terminal table and the report (labels and formats), so a metric
is described once. Nothing heavy is imported here. A new metric is an entry here and
its value in ``metrics`` (CONTRIBUTING.md, "A new metric").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

Kind = Literal["total", "per_year", "share", "average", "level"]
"""What a figure is: a total over the measured period, a figure per year, a share
(0 to 1), an average or a statistic of a distribution, or a level at a moment."""


@dataclass(frozen=True)
class Metric:
    """One figure in ``summary.csv``: how it is named, measured and shown."""

    name: str
    label: str
    unit: str
    kind: Kind
    fmt: str  # format of one value, e.g. "{:,.0f}"

    @property
    def heading(self) -> str:
        """The label with its unit and, for totals, the period: for tables."""
        parts = [self.unit] if self.unit != "share" else []
        if self.kind == "total":
            parts.append("period total")
        return f"{self.label} ({', '.join(parts)})" if parts else self.label

    def difference(self, value: float, minus: str = "-") -> str:
        """A difference between two values of the metric, signed: shares in percentage
        points (a fall from 95% to 91% is -4.0 pp, not -4%)."""
        if value != value:
            return "–"
        sign = "+" if value > 0 else minus if value < 0 else ""
        if self.kind == "share":
            return f"{sign}{abs(value) * 100:.1f} pp"
        text = self.format(abs(value))
        return f"{sign}{text}" if text.strip("0.,%£") else text

    def format(self, value: float) -> str:
        """One value as tables show it; a dash where there is none."""
        if value != value:
            return "–"
        text = self.fmt.format(abs(value))
        text = f"£{text}" if self.unit.startswith("GBP") else text
        return f"-{text}" if value < 0 and text.strip("0.,%£") else text


def fixed(mean: float, low: float, high: float) -> bool:
    """Whether a figure's interval has no width: the same in every replication (a figure
    fixed by the contract, such as a block's cost), so it is shown without one. Sums of
    the same figure over replications can differ in the last bits (750 as 749.9999999998
    and 750.0000000001), so equal means equal to nine significant figures. A missing
    interval (one replication) counts as none to show."""
    if low != low or high != high:
        return True
    return math.isclose(low, high, rel_tol=1e-9, abs_tol=1e-9) and math.isclose(
        mean, low, rel_tol=1e-9, abs_tol=1e-9
    )


def share_against(value: float, threshold: float) -> str:
    """A share as a percentage that never seems to reach a threshold it misses, or miss
    one it passes: 0.9456 against 0.95 is "94.6%", not "95%" (whole percentages where they
    keep the side, else one decimal, rounded away from the threshold if need be)."""
    if value != value or value == threshold:
        return f"{value:.0%}"
    below = value < threshold
    for decimals in (0, 1):
        shown = round(value * 100, decimals)
        if (shown < threshold * 100) if below else (shown > threshold * 100):
            return f"{shown:.{decimals}f}%"
    tenths = (math.floor if below else math.ceil)(value * 1000)
    return f"{tenths / 10:.1f}%"


def _metrics(*rows: tuple[str, str, str, Kind, str]) -> dict[str, Metric]:
    return {row[0]: Metric(*row) for row in rows}


METRICS: dict[str, Metric] = _metrics(
    ("referrals", "Referrals", "referrals", "total", "{:,.0f}"),
    ("wait_mean_days", "Mean wait to allocation", "days", "average", "{:.1f}"),
    ("wait_median_days", "Median wait to allocation", "days", "average", "{:.1f}"),
    ("wait_p90_days", "90th percentile wait", "days", "average", "{:.1f}"),
    ("wait_p95_days", "95th percentile wait", "days", "average", "{:.1f}"),
    ("within_target_share", "Allocated within target", "share", "share", "{:.0%}"),
    ("breaches", "Breaches (process went ahead without an advocate)", "referrals", "total",
     "{:,.1f}"),
    ("unserved", "Unserved: never had an advocate", "referrals", "total", "{:,.1f}"),
    ("cannot_be_served", "Unserved: nobody has the skills or any room", "referrals", "total",
     "{:,.1f}"),
    ("withdrawn", "Withdrawn after a breach", "referrals", "total", "{:,.1f}"),
    ("still_waiting_end", "Still waiting at the horizon", "referrals", "level", "{:,.1f}"),
    ("still_waiting_after_follow_up", "Still waiting after the follow-up", "referrals", "level",
     "{:,.1f}"),
    ("time_to_close_mean_days", "Mean time from referral to case closed", "days", "average",
     "{:.1f}"),
    ("handed_back", "Handed back to the queue (advocate away or gone, nobody free)",
     "referrals", "total", "{:,.1f}"),
    ("never_taken_up_again", "Unserved: handed back and never taken up again", "referrals",
     "total", "{:,.1f}"),
    ("wait_again_mean_days", "Mean wait again after being handed back", "days", "average",
     "{:.1f}"),
    ("waiting_list_end", "Waiting list at end", "referrals", "level", "{:,.1f}"),
    ("waiting_list_peak", "Waiting list at its peak", "referrals", "level", "{:,.1f}"),
    ("waiting_list_mean", "Waiting list, time average", "referrals", "average", "{:,.1f}"),
    ("block_utilisation", "Block utilisation", "share", "share", "{:.0%}"),
    ("block_slots", "Block caseload slots", "slots", "level", "{:,.0f}"),
    ("block_advocates_fte", "Block advocates (full-time equivalent)", "FTE", "level",
     "{:,.1f}"),
    ("block_hours_contracted_per_year", "Block hours contracted a year", "hours", "per_year",
     "{:,.0f}"),
    ("block_hours_contracted", "Block hours contracted", "hours", "total", "{:,.0f}"),
    ("block_hours_used", "Block hours taken by open cases", "hours", "total", "{:,.0f}"),
    ("block_hours_unused", "Block hours paid for and unused", "hours", "total", "{:,.0f}"),
    ("cost_block_unused", "Cost of unused block hours", "GBP", "total", "{:,.0f}"),
    ("advocates_in_post_mean", "Advocates in post, time average (FTE)", "FTE", "average",
     "{:,.1f}"),
    ("fte_at_work", "Advocates at work, time average (FTE)", "FTE", "average", "{:,.1f}"),
    ("hours_lost_leave", "Casework hours lost to annual leave", "hours", "total", "{:,.0f}"),
    ("hours_lost_sickness", "Casework hours lost to sickness", "hours", "total", "{:,.0f}"),
    ("hours_lost_training", "Casework hours lost to training", "hours", "total", "{:,.0f}"),
    ("hours_lost_vacancy", "Casework hours lost to vacant posts", "hours", "total", "{:,.0f}"),
    ("vacancy_days", "Days posts stood vacant", "post-days", "total", "{:,.0f}"),
    ("cost_block_vacant", "Block paid for vacant posts", "GBP", "total", "{:,.0f}"),
    ("provider_exits", "Block providers that left (exits)", "exits", "total", "{:,.2f}"),
    ("days_without_provider", "Days a block had no provider (summed over providers)", "days",
     "total", "{:,.0f}"),
    ("cost_without_provider_per_year", "Owed for the days a block had no provider (its price)",
     "GBP", "per_year", "{:,.0f}"),
    ("exit_risk_in_term", "Chance a block provider leaves in the term", "share", "share",
     "{:.0%}"),
    ("spot_cases", "Spot cases bought", "cases", "total", "{:,.0f}"),
    ("spot_hours", "Spot hours bought", "hours", "total", "{:,.0f}"),
    ("flex_cases", "Flex cases from the block provider", "cases", "total", "{:,.0f}"),
    ("flex_hours", "Flex hours from the block provider", "hours", "total", "{:,.0f}"),
    ("hours_delivered", "Advocacy hours worked (not hours held open)", "hours", "total", "{:,.0f}"),
    ("cost_block", "Block contract", "GBP", "total", "{:,.0f}"),
    ("cost_flex_hours", "Flex hours", "GBP", "total", "{:,.0f}"),
    ("cost_spot_hours", "Spot hours", "GBP", "total", "{:,.0f}"),
    ("cost_mileage", "Spot mileage", "GBP", "total", "{:,.0f}"),
    ("cost_triage", "Hub triage", "GBP", "total", "{:,.0f}"),
    ("cost_fee", "Hub management fee", "GBP", "total", "{:,.0f}"),
    ("cost_workshops", "Self-advocacy workshops", "GBP", "total", "{:,.0f}"),
    ("cost_purchasing", "Council officer time buying spot and flex cases", "GBP", "total",
     "{:,.0f}"),
    ("cost_contract_management", "Council officer time managing contracts", "GBP", "total",
     "{:,.0f}"),
    ("workshop_places", "Self-advocacy workshop places", "people", "total", "{:,.0f}"),
    ("vat_paid", "VAT paid on everything bought", "GBP", "total", "{:,.0f}"),
    ("vat_recovered", "VAT recovered by the council", "GBP", "total", "{:,.0f}"),
    ("cost_total", "Total cost", "GBP", "total", "{:,.0f}"),
    ("cost_total_per_year", "Cash cost per year", "GBP", "per_year", "{:,.0f}"),
    ("cost_to_serve_per_year", "Cost to serve everyone referred, a year", "GBP", "per_year",
     "{:,.0f}"),
    ("cost_carried_in_per_year", "Bought in the period for people referred before it, a year",
     "GBP", "per_year", "{:,.0f}"),
    ("cost_follow_up_per_year", "Served after the period for people referred in it, a year",
     "GBP", "per_year", "{:,.0f}"),
    ("cost_owed_per_year", "Owed for people never served, a year", "GBP", "per_year",
     "{:,.0f}"),
    ("budget_risk", "Chance a contract year costs more than the budget", "share", "share",
     "{:.0%}"),
    ("breach_risk", "Chance a contract year has breach_tolerance breaches or more", "share",
     "share", "{:.0%}"),
    ("referrals_per_year", "Referrals a year", "referrals", "per_year", "{:,.0f}"),
    ("planned_referrals_per_year", "Referrals a year the block was sized for", "referrals",
     "per_year", "{:,.0f}"),
    ("breaches_per_year", "Breaches a year", "referrals", "per_year", "{:,.1f}"),
    ("unserved_per_year", "Unserved a year (never had an advocate)", "referrals", "per_year",
     "{:,.1f}"),
    ("spot_cases_per_year", "Spot cases bought a year", "cases", "per_year", "{:,.0f}"),
    ("flex_cases_per_year", "Flex cases a year", "cases", "per_year", "{:,.0f}"),
    ("block_hours_unused_per_year", "Block hours paid for and unused, a year", "hours",
     "per_year", "{:,.0f}"),
    ("cost_per_referral", "Cost per referral", "GBP", "average", "{:,.0f}"),
    ("cost_per_hour_delivered", "Cost per hour delivered", "GBP per hour", "average", "{:,.2f}"),
)  # fmt: skip

HEADLINE: tuple[str, ...] = (
    "cost_to_serve_per_year",
    "cost_total_per_year",
    "wait_mean_days",
    "wait_p90_days",
    "within_target_share",
    "breaches_per_year",
    "unserved_per_year",
    "block_hours_unused_per_year",
)
"""The few figures a commissioner asks for first: the terminal table and the report's."""


class Status(IntEnum):
    """Where a referral ended: exactly one of these each."""

    COMPLETED = 0  # allocated, and the case closed by the horizon
    OPEN = 1  # allocated, still open at the horizon
    WAITING = 2  # not yet allocated (in triage, being arranged, or queued)
    UNSERVED = 3  # nobody in the scenario can serve it, or withdrawn after a breach


class Outcome(IntEnum):
    """What became of a referral by the end of the follow-up."""

    ALLOCATED = 0  # an advocate took it (by the horizon or in the follow-up)
    WITHDRAWN = 1  # left the list at its deadline (breach: withdraw)
    NEVER_SERVED = 2  # nobody in the scenario can serve it
    STILL_WAITING = 3  # on the list when the follow-up ended
    NEVER_TAKEN_UP_AGAIN = 4  # allocated, handed back to the queue, waiting again at the end


class Route(IntEnum):
    """Which market served a referral."""

    BLOCK = 0
    SPOT = 1
    FLEX = 2  # extra hours from the block provider itself (core and flex)


def labels(codes: type[IntEnum]) -> list[str]:
    """Category labels in code order, as ``cases.parquet`` writes them."""
    return [member.name.lower() for member in codes]
