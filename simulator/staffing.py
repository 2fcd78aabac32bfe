"""What a run's workforce did, from the spells drawn before it (``Records.absences``).

Posts filled on average, casework hours lost by cause, days posts stood vacant, the
block paid for vacant posts, and advocates at work day by day. Every figure is over a
window of days and comes from the spells' plain arrays at the end of a run; nothing is
logged per event.

Hours lost are the casework hours a post would have given on the days it was away:
its advocates' weekly hours x ``productive_share``, over five working days a week under
``weekdays`` (the days counted are working days) or seven under ``every_day``.

Posts need not be whole-time: a block of 8.4 FTE has 9 posts (``PoolPlan.post_slots``
deals out the slots, and a post's FTE is its slots / ``caseload_cap``). Advocates in
post, at work, hours lost and the block paid for vacant posts weigh each post by its
FTE, so a 0.4 FTE post away loses 0.4 of a whole-time post's hours; ``vacancy_days``
counts the days each post stood vacant, whole or part-time.
"""

from __future__ import annotations

import numpy as np

from simulator.model import Records
from simulator.plan import PoolPlan
from simulator.units import DAYS_PER_WEEK, WORKING_DAYS_A_WEEK
from simulator.vocabulary import Route
from simulator.workforce import CAUSES, Absences

Row = tuple[str, str, float]


def fte_in_contract(plan: PoolPlan, low: float, high: float) -> float:
    """The pool's posts in full-time equivalents (each post's slots / ``caseload_cap``,
    added up), on average over ``[low, high)`` under a contract with planned changes."""
    return plan.mean_slots(low, high) / plan.caseload_cap


def fte_of(plan: PoolPlan, post: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Each named post's FTE at each time ``when``: under the part of the contract then
    (``PoolPlan.post_fte``; a spell is weighed by its post's FTE where it starts)."""
    if not plan.changes:
        return plan.post_fte()[post]
    starts = np.asarray([start for start, _, _ in plan.phases])
    table = np.asarray([plan.post_fte(slots) for _, slots, _ in plan.phases])
    part = np.searchsorted(starts, when, side="right") - 1
    return table[np.maximum(part, 0), post]


def _overlap(start: np.ndarray, end: np.ndarray, low: float, high: float) -> np.ndarray:
    """Days of each ``[start, end)`` inside ``[low, high)``."""
    return np.clip(np.minimum(end, high) - np.maximum(start, low), 0.0, None)


def vacant_post_days(absences: Absences | None, low: float, high: float) -> float:
    """Post-days vacant inside ``[low, high)`` (each post counted whole)."""
    if absences is None:
        return 0.0
    vacant = absences.vacant
    return float(_overlap(absences.start[vacant], absences.end[vacant], low, high).sum())


def vacant_fte_days(plan: PoolPlan, absences: Absences | None, low: float, high: float) -> float:
    """FTE-days vacant inside ``[low, high)``: each vacant post's days x its FTE."""
    if absences is None:
        return 0.0
    vacant = absences.vacant
    start = absences.start[vacant]
    days = _overlap(start, absences.end[vacant], low, high)
    return float((days * fte_of(plan, absences.advocate[vacant], np.maximum(start, low))).sum())


def days_lost(absences: Absences, cause: int, low: float, high: float) -> float:
    """Days a cause took inside ``[low, high)``, counted as the pool counts them (working
    days under ``weekdays``): each piece's days x the share of it inside the window."""
    _, days = _pieces_inside(absences, cause, low, high)
    return float(days.sum())


def _pieces_inside(
    absences: Absences, cause: int, low: float, high: float
) -> tuple[np.ndarray, np.ndarray]:
    """The pieces of a cause (a mask), and each one's days x the share of it inside
    ``[low, high)``."""
    chosen = absences.piece_cause == cause
    start, end = absences.piece_start[chosen], absences.piece_end[chosen]
    length = end - start
    inside = _overlap(start, end, low, high)
    share = np.divide(inside, length, out=np.zeros_like(inside), where=length > 0)
    return chosen, absences.piece_days[chosen] * share


def hours_lost(plan: PoolPlan, absences: Absences, cause: int, low: float, high: float) -> float:
    """Casework hours a cause took inside ``[low, high)``: each post's days lost x the
    hours it gives a working day (a 0.4 FTE post's day away loses 0.4 of a whole-time
    post's day)."""
    chosen, days = _pieces_inside(absences, cause, low, high)
    start = np.maximum(absences.piece_start[chosen], low)
    weight = fte_of(plan, absences.piece_advocate[chosen], start)
    return float((days * weight).sum()) * casework_hours_per_day(plan)


def casework_hours_per_day(plan: PoolPlan) -> float:
    """Casework hours one whole-time post (1 FTE) gives on one of its working days."""
    per_week = plan.case_hours_per_week * plan.caseload_cap
    return per_week / (WORKING_DAYS_A_WEEK if plan.weekdays else DAYS_PER_WEEK)


def group_of(plan: PoolPlan) -> str:
    """The group a pool's workforce figures are reported under."""
    return f"provider={plan.name}" if plan.route == Route.BLOCK else f"pool={plan.name}"


def workforce_rows(records: Records, low: float, high: float) -> list[Row]:
    """Per pool with a workforce: advocates in post on average, hours lost by cause and
    vacancy days over ``[low, high)``; and together (group ``all``): hours lost and
    vacancy days of every pool the council buys from that has a workforce, its block
    providers and their flex (not the spot market, whose advocates work for other buyers
    too), and, when a block provider has a workforce, the block providers' advocates in
    post (beside ``block_advocates_fte`` and ``fte_at_work``, also the blocks')."""
    rows: list[Row] = []
    block_in_post = 0.0
    for index, plan in enumerate(records.plans):
        absences = records.absences[index]
        whole = fte_in_contract(plan, low, high)
        in_post = whole - vacant_fte_days(plan, absences, low, high) / (high - low)
        if plan.route == Route.BLOCK:
            block_in_post += in_post
        if absences is None:
            continue
        group = group_of(plan)
        rows.append(("advocates_in_post_mean", group, in_post))
        rows += [
            (f"hours_lost_{cause}", group, hours_lost(plan, absences, c, low, high))
            for c, cause in enumerate(CAUSES)
        ]
        rows.append(("vacancy_days", group, vacant_post_days(absences, low, high)))
    blocks = [i for i, plan in enumerate(records.plans) if plan.route == Route.BLOCK]
    if any(records.absences[i] is not None for i in blocks):
        rows.append(("advocates_in_post_mean", "all", block_in_post))
    bought = [
        group_of(plan)
        for i, plan in enumerate(records.plans)
        if plan.route in (Route.BLOCK, Route.FLEX) and records.absences[i] is not None
    ]
    if bought:  # "all": every block provider and flex with a workforce
        for name in [f"hours_lost_{cause}" for cause in CAUSES] + ["vacancy_days"]:
            total = sum(v for m, g, v in rows if m == name and g in bought)
            rows.append((name, "all", total))
    return rows


def vacant_share(records: Records, index: int, low: float, high: float) -> float:
    """The share of a block's FTE-days in ``[low, high)`` its posts stood vacant (a 0.4 FTE
    post vacant is 0.4 of a whole-time one)."""
    plan = records.plans[index]
    whole = fte_in_contract(plan, low, high) * (high - low)
    return vacant_fte_days(plan, records.absences[index], low, high) / whole if whole else 0.0


def credits_vacancies(plan: PoolPlan) -> bool:
    """The council pays no block hours for this provider's vacant posts."""
    return plan.workforce is not None and plan.workforce.vacancy_credit


def at_work(records: Records, index: int, days: np.ndarray) -> np.ndarray:
    """FTE of one pool at work at the start of each of ``days`` (not away, not vacant):
    its posts' FTE less that of each post away."""
    plan = records.plans[index]
    absences = records.absences[index]
    count = np.full(len(days), float(plan.post_fte().sum()))
    for start, slots, _ in plan.changes:  # the contract's FTE from each change
        count[days >= start] = plan.post_fte(slots).sum()
    if absences is None:
        return count
    away = (absences.start[:, None] <= days[None, :]) & (days[None, :] < absences.end[:, None])
    weight = fte_of(plan, absences.advocate, absences.start)
    return np.round(count - weight @ away, 9)


def fte_at_work_mean(records: Records, low: float, high: float) -> float:
    """Block advocates at work on average over ``[low, high)`` (full-time equivalents):
    their FTE less every day a post is away or vacant x its FTE, by the calendar."""
    total = 0.0
    for index, plan in enumerate(records.plans):
        if plan.route != Route.BLOCK:
            continue
        absences = records.absences[index]
        away = 0.0
        if absences is not None:
            days = _overlap(absences.start, absences.end, low, high)
            weight = fte_of(plan, absences.advocate, np.maximum(absences.start, low))
            away = float((days * weight).sum())
        total += fte_in_contract(plan, low, high) - away / (high - low)
    return total
