"""What a run's workforce did, from the spells drawn before it (``Records.absences``).

Posts filled on average, casework hours lost by cause, days posts stood vacant, the
block paid for vacant posts, and advocates at work day by day. Every figure is over a
window of days and comes from the spells' plain arrays at the end of a run; nothing is
logged per event.

Hours lost are the casework hours a post would have given on the days it was away:
its advocates' weekly hours x ``productive_share``, over five working days a week under
``weekdays`` (the days counted are working days) or seven under ``every_day``.
"""

from __future__ import annotations

import numpy as np

from simulator.model import Records
from simulator.plan import PoolPlan
from simulator.units import DAYS_PER_WEEK, WORKING_DAYS_A_WEEK
from simulator.vocabulary import Route
from simulator.workforce import CAUSES, Absences

Row = tuple[str, str, float]


def posts(plan: PoolPlan) -> int:
    """The pool's posts (advocates), as its live pool deals out slots."""
    return max(plan.advocates, 1)


def posts_in_contract(plan: PoolPlan, low: float, high: float) -> float:
    """Posts the contract gives slots to, on average over ``[low, high)`` (``posts``
    without planned changes)."""
    if not plan.changes:
        return float(posts(plan))
    return sum(
        days * sum(1 for held in plan.post_slots(slots) if held)
        for days, slots, _ in plan.over(low, high)
    ) / (high - low)


def _overlap(start: np.ndarray, end: np.ndarray, low: float, high: float) -> np.ndarray:
    """Days of each ``[start, end)`` inside ``[low, high)``."""
    return np.clip(np.minimum(end, high) - np.maximum(start, low), 0.0, None)


def vacant_post_days(absences: Absences | None, low: float, high: float) -> float:
    """Post-days vacant inside ``[low, high)``."""
    if absences is None:
        return 0.0
    vacant = absences.vacant
    return float(_overlap(absences.start[vacant], absences.end[vacant], low, high).sum())


def days_lost(absences: Absences, cause: int, low: float, high: float) -> float:
    """Days a cause took inside ``[low, high)``, counted as the pool counts them (working
    days under ``weekdays``): each piece's days x the share of it inside the window."""
    chosen = absences.piece_cause == cause
    start, end = absences.piece_start[chosen], absences.piece_end[chosen]
    length = end - start
    inside = _overlap(start, end, low, high)
    share = np.divide(inside, length, out=np.zeros_like(inside), where=length > 0)
    return float((absences.piece_days[chosen] * share).sum())


def casework_hours_per_day(plan: PoolPlan) -> float:
    """Casework hours one post gives on one of its working days."""
    per_week = plan.case_hours_per_week * plan.slots / posts(plan)
    return per_week / (WORKING_DAYS_A_WEEK if plan.weekdays else DAYS_PER_WEEK)


def group_of(plan: PoolPlan) -> str:
    """The group a pool's workforce figures are reported under."""
    return f"provider={plan.name}" if plan.route == Route.BLOCK else f"pool={plan.name}"


def workforce_rows(records: Records, low: float, high: float) -> list[Row]:
    """Per pool with a workforce: advocates in post on average, hours lost by cause and
    vacancy days over ``[low, high)``; and, when a block provider has a workforce, those
    of the block providers together (group ``all``)."""
    rows: list[Row] = []
    block_in_post = 0.0
    for index, plan in enumerate(records.plans):
        absences = records.absences[index]
        in_post = posts_in_contract(plan, low, high) - vacant_post_days(absences, low, high) / (
            high - low
        )
        if plan.route == Route.BLOCK:
            block_in_post += in_post
        if absences is None:
            continue
        group = group_of(plan)
        hours = casework_hours_per_day(plan)
        rows.append(("advocates_in_post_mean", group, in_post))
        rows += [
            (f"hours_lost_{cause}", group, days_lost(absences, c, low, high) * hours)
            for c, cause in enumerate(CAUSES)
        ]
        rows.append(("vacancy_days", group, vacant_post_days(absences, low, high)))
    blocks = [i for i, plan in enumerate(records.plans) if plan.route == Route.BLOCK]
    if any(records.absences[i] is not None for i in blocks):  # "all": the block providers
        rows.append(("advocates_in_post_mean", "all", block_in_post))
        for name in [f"hours_lost_{cause}" for cause in CAUSES] + ["vacancy_days"]:
            total = sum(v for m, g, v in rows if m == name and g.startswith("provider="))
            rows.append((name, "all", total))
    return rows


def vacant_share(records: Records, index: int, low: float, high: float) -> float:
    """The share of a block's post-days in ``[low, high)`` its posts stood vacant."""
    plan = records.plans[index]
    vacant = vacant_post_days(records.absences[index], low, high)
    return vacant / (posts_in_contract(plan, low, high) * (high - low))


def credits_vacancies(plan: PoolPlan) -> bool:
    """The council pays no block hours for this provider's vacant posts."""
    return plan.workforce is not None and plan.workforce.vacancy_credit


def at_work(records: Records, index: int, days: np.ndarray) -> np.ndarray:
    """Posts of one pool at work at the start of each of ``days`` (not away, not vacant)."""
    plan = records.plans[index]
    absences = records.absences[index]
    count = np.full(len(days), posts(plan), dtype=np.int32)
    for start, slots, _ in plan.changes:  # posts the contract gives slots to from each change
        count[days >= start] = sum(1 for held in plan.post_slots(slots) if held)
    if absences is None:
        return count
    away = (absences.start[:, None] <= days[None, :]) & (days[None, :] < absences.end[:, None])
    return count - away.sum(axis=0).astype(np.int32)


def fte_at_work_mean(records: Records, low: float, high: float) -> float:
    """Block advocates at work on average over ``[low, high)`` (full-time equivalents):
    posts less every day away or vacant, by the calendar."""
    total = 0.0
    for index, plan in enumerate(records.plans):
        if plan.route != Route.BLOCK:
            continue
        absences = records.absences[index]
        away = (
            0.0
            if absences is None
            else float(_overlap(absences.start, absences.end, low, high).sum())
        )
        total += plan.mean_slots(low, high) / plan.caseload_cap - away / (high - low)
    return total
