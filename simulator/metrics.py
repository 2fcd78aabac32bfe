"""Records -> result tables -> per-replication figures -> summary with intervals.

A new metric is its value here, in the rows function of its kind, and its entry in
``vocabulary.METRICS`` (CONTRIBUTING.md, "A new metric").

Pure numpy and pandas over the model's records, after the simulation. The
warm-up is a filter: referrals arriving before ``warm_up_days`` and activity
before it are left out of every figure. Referrals already waiting or open on
day 0 are carried over, not new demand: they count in the waiting list, the
caseload and the costs, but not in ``referrals``. With no warm-up, the day-0
waiting list is in the measured window, so its people count in the waits
(from day 0, a lower bound), the share within target and the breaches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator import pricing, staffing, stats
from simulator.commissioning import commissioning_model
from simulator.model import Records
from simulator.plan import PoolPlan, partner_scenarios, plan_pools, planned_referrals_per_year
from simulator.schema import COUNCIL, WEIGHT_SCALE, Costing, Scenario, financial_year_start
from simulator.units import DAYS_PER_WEEK, DAYS_PER_YEAR
from simulator.vocabulary import METRICS, Outcome, Route, Status, labels

Row = tuple[str, str, float]  # (metric, group, value) of one replication
STATUSES = tuple(labels(Status))


def _labels(scenario: Scenario) -> tuple[list[str], list[str], list[str]]:
    demand = scenario.demand
    return list(demand.mix), list(demand.needs), list(demand.localities)


def status_codes(records: Records, horizon: float) -> np.ndarray:
    """A ``Status`` for every referral at the horizon: exactly one end state each.

    Events at the horizon itself belong to the follow-up, as in the simulation.
    A case handed back to the queue (its advocate gone, nobody free to take it on) and
    not yet taken up again is waiting.
    """
    allocated = records.allocated_day < horizon
    completed = records.end_day < horizon
    withdrawn = records.withdrawn & (records.referrals.deadline_day < horizon)
    unserved = ~records.listed | (withdrawn & ~allocated)
    waiting_again = np.zeros(len(allocated), dtype=bool)
    back = records.handed_back
    again = (back.day < horizon) & ~(back.taken_up_day < horizon)
    waiting_again[back.referral[again]] = True
    return np.select(
        [completed, allocated & ~waiting_again, unserved],
        [Status.COMPLETED, Status.OPEN, Status.UNSERVED],
        default=Status.WAITING,
    ).astype(np.int8)


def never_taken_up_again(records: Records) -> np.ndarray:
    """Every referral allocated, handed back to the queue (its advocate away for long or
    gone, nobody free) and still waiting again when the follow-up ended: it never got the
    advocacy, so it counts as unserved (its wait stays measured to its first allocation)."""
    back = records.handed_back
    waiting = np.zeros(len(records.allocated_day), dtype=bool)
    waiting[back.referral[np.isnan(back.taken_up_day)]] = True
    return waiting


def outcomes(records: Records) -> np.ndarray:
    """An ``Outcome`` for every referral when the follow-up ended (``status`` is at the
    horizon): the summary's ``unserved`` is every outcome but ``allocated``."""
    allocated = ~np.isnan(records.allocated_day)
    return np.select(
        [never_taken_up_again(records), allocated, records.withdrawn, ~records.listed],
        [Outcome.NEVER_TAKEN_UP_AGAIN, Outcome.ALLOCATED, Outcome.WITHDRAWN,
         Outcome.NEVER_SERVED],
        default=Outcome.STILL_WAITING,
    ).astype(np.int8)  # fmt: skip


def follow_up_end(scenario: Scenario) -> float:
    """The last day a referral of the measured window is followed to."""
    return scenario.horizon_days + scenario.follow_up_days


def breached(records: Records, scenario: Scenario) -> np.ndarray:
    """The process went ahead without an advocate: allocated after the deadline, or never
    allocated and the deadline passed before the end of the follow-up; or the deadline
    passed while the person waited again, their case handed back to the queue (their
    advocate gone before the process, nobody taking it up until after it)."""
    deadline = records.referrals.deadline_day
    cap = follow_up_end(scenario)
    allocated_or_cap = np.where(np.isnan(records.allocated_day), cap, records.allocated_day)
    late = ~np.isnan(deadline) & (deadline < allocated_or_cap)
    back = records.handed_back
    due = deadline[back.referral]
    taken_up = np.where(np.isnan(back.taken_up_day), cap, back.taken_up_day)
    late[back.referral[(back.day < due) & (due < taken_up)]] = True
    return late


def cohort_waits(records: Records, scenario: Scenario) -> np.ndarray:
    """Days each referral waited for an advocate, followed up past the horizon.

    Allocated: to allocation. Withdrawn after a breach: to its deadline, when it
    left the list. Still waiting at the end of the follow-up, or unserved
    (nobody in the scenario can serve it): to the end of the follow-up, a lower
    bound of the wait.
    """
    ref = records.referrals
    left = np.where(records.withdrawn, ref.deadline_day, follow_up_end(scenario))
    until = np.where(np.isnan(records.allocated_day), left, records.allocated_day)
    return until - ref.arrival_day


def waits_again(records: Records, scenario: Scenario) -> np.ndarray:
    """Days each referral waited again after being handed back to the queue (its advocate
    away for long or gone, no colleague with room), summed over its hand-backs; one still
    waiting at the end of the follow-up counts to then (a lower bound). 0 for most."""
    back = records.handed_back
    until = np.where(np.isnan(back.taken_up_day), follow_up_end(scenario), back.taken_up_day)
    waited = np.zeros(len(records.allocated_day))
    np.add.at(waited, back.referral, until - back.day)
    return waited


def stints(records: Records) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every spell a case spent on a caseload: referral, pool, start, end (NaN: still
    open). A case is on one caseload from allocation to close, except that each
    hand-back ends a spell and taking it up again (maybe at another hub partner)
    starts the next."""
    allocated = ~np.isnan(records.allocated_day)
    referral = np.flatnonzero(allocated)
    start, end = records.allocated_day[referral], records.end_day[referral]
    pool = records.pool[referral]
    back = records.handed_back
    if len(back.referral) == 0:
        return referral, pool, start, end
    # A referral's spells, in order: from allocation to its first hand-back, from each
    # taking up to the next hand-back, and from the last taking up to its close.
    first = np.ones(len(back.referral), dtype=bool)
    order = np.lexsort((back.day, back.referral))
    who, day = back.referral[order], back.day[order]
    first[1:] = who[1:] != who[:-1]
    taken, taken_pool = back.taken_up_day[order], back.taken_up_pool[order]
    begins = np.where(first, records.allocated_day[who], np.roll(taken, 1))
    last = np.ones(len(who), dtype=bool)
    last[:-1] = who[1:] != who[:-1]
    resumed = last & ~np.isnan(taken)
    handed = np.isin(referral, who)
    return (
        np.concatenate([referral[~handed], who, who[resumed]]),
        np.concatenate([pool[~handed], back.pool[order], taken_pool[resumed]]),
        np.concatenate([start[~handed], begins, taken[resumed]]),
        np.concatenate([end[~handed], day, records.end_day[who[resumed]]]),
    )


def work_spans(records: Records) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every spell of a case's work: pool, start, stop and hours worked
    (``referral_work_spans`` without the referral)."""
    return referral_work_spans(records)[1:]  # type: ignore[return-value]


def referral_work_spans(
    records: Records,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every spell of a case's work, as ``stints`` cuts them: referral, pool, start, the day
    the work of the spell stopped (its work done, or the case handed back) and the hours
    worked in it. A case never handed back works its hours from allocation to ``work_done_day``;
    one handed back works, in each spell, the hours it had left at its start less those
    left at its end (``HandedBack.hours_left``), the last spell's work ending when it is
    done (a spell still waiting to be taken up again at the end has none)."""
    allocated = ~np.isnan(records.allocated_day)
    back = records.handed_back
    handed = np.isin(np.arange(len(allocated)), back.referral)
    plain = np.flatnonzero(allocated & ~handed)
    hours = records.referrals.hours
    referral, pool = [plain], [records.pool[plain]]
    start, stop = [records.allocated_day[plain]], [records.work_done_day[plain]]
    worked = [hours[plain]]
    if len(back.referral):
        order = np.lexsort((back.day, back.referral))
        who, day, left = back.referral[order], back.day[order], back.hours_left[order]
        first = np.ones(len(who), dtype=bool)
        first[1:] = who[1:] != who[:-1]
        taken = back.taken_up_day[order]
        before = np.where(first, hours[who], np.roll(left, 1))
        referral.append(who)
        pool.append(back.pool[order])
        start.append(np.where(first, records.allocated_day[who], np.roll(taken, 1)))
        stop.append(day)
        worked.append(before - left)
        last = np.ones(len(who), dtype=bool)
        last[:-1] = who[1:] != who[:-1]
        resumed = last & ~np.isnan(taken)
        referral.append(who[resumed])
        pool.append(back.taken_up_pool[order][resumed])
        start.append(taken[resumed])
        stop.append(records.work_done_day[who[resumed]])
        worked.append(left[resumed])
    parts = (referral, pool, start, stop, worked)
    return tuple(np.concatenate(part) for part in parts)  # type: ignore[return-value]


def hours_worked(records: Records, index: int, start: float, end: float) -> float:
    """Case hours a pool's advocates worked in ``[start, end)``: each spell's hours
    (``work_spans``) x the share of its span inside the window (all of them for a spell
    worked wholly inside it; the share of its calendar days for one across an edge). Time
    away (a paused case) and days off are not counted as work: the case's hours are."""
    pool, begin, stop, worked = work_spans(records)
    here = pool == index
    share = work_share(begin[here], stop[here], Window(start, end))
    return float(worked[here] @ share)


def close_days(records: Records) -> np.ndarray:
    """Day each allocated case closes, NaN if never allocated: when its hours are done at
    its share of its pool's pace (on working days only where the pool works weekdays), or
    after ``weeks_open``, whichever is later. The model sets it when the case starts (a
    case is never interrupted): how far the follow-up would have to run to see it close.
    """
    return records.close_day


def council_rate(plan: PoolPlan, rate: float, costing: Costing) -> float:
    """A pool's rate (per hour, or the spot mileage per mile) as it costs the council."""
    return pricing.council_charge(rate, plan.rate_includes_vat, costing).cost


def case_cost(records: Records, scenario: Scenario) -> np.ndarray:
    """GBP to the council per allocated case: spot price, or block hours valued at the block
    rate (each at the uplift of the contract year it was allocated in), after any VAT the
    council recovers; a case bought by the hour adds the council's cost of buying it."""
    plans, costing = records.plans, scenario.costing
    spot = scenario.commissioning.spot
    rates = np.array([council_rate(p, p.rate_per_hour, costing) for p in plans] + [np.nan])
    is_spot = np.array([p.route == Route.SPOT for p in plans] + [False])
    mileage = np.array(
        [council_rate(p, spot.mileage_rate, costing) if spot and p.route == Route.SPOT else 0.0
         for p in plans] + [0.0]
    )  # fmt: skip
    pool = records.pool
    day, hours = bought_at(records)
    miles = records.referrals.miles
    uplift = year_uplift(scenario, day)  # hourly rates of that year
    cost = pricing.spot_hours_cost(hours, rates[pool]) * uplift + np.where(
        is_spot[pool], pricing.mileage_cost(miles, mileage[pool]), 0.0
    )
    cost = cost + purchase_costs(records, scenario)[pool]
    return np.where(np.isnan(records.allocated_day), np.nan, cost)


def _case_columns(records: Records, scenario: Scenario) -> dict[str, np.ndarray]:
    """One replication's case columns as plain arrays (codes for labelled columns)."""
    ref = records.referrals
    n = len(ref)
    route_codes = np.array([int(p.route) for p in records.plans] + [-1])
    allocated = records.allocated_day
    return {
        "rep": np.full(n, records.rep, dtype=np.int32),
        "referral_id": np.arange(n, dtype=np.int32),
        "arrival_day": ref.arrival_day,
        "type": ref.type_index,
        "urgent": ref.urgent,
        "statutory": ref.statutory,
        "need": ref.need_index,
        "locality": ref.locality_index,
        "carried_over": ref.initial.astype(np.int64) - 1,
        "route": route_codes[records.pool],
        "provider": records.pool,
        "queued_day": records.queued_day,
        "allocated_day": allocated,
        "end_day": records.end_day,
        "wait_days": allocated - ref.arrival_day,
        "cohort_wait_days": cohort_waits(records, scenario),
        "wait_again_days": waits_again(records, scenario),
        "hours": ref.hours,
        "miles": ref.miles,
        "cost": case_cost(records, scenario),
        "breached": breached(records, scenario),
        "status": status_codes(records, scenario.horizon_days),
        "outcome": outcomes(records),
        "deadline_day": ref.deadline_day,
        "target_day": records.target_day,
        "within_target": ~np.isnan(allocated) & (allocated <= records.target_day),
        "advocate": records.advocate,
    }


def cases_frame(all_records: Sequence[Records], scenario: Scenario) -> pd.DataFrame:
    """One row per referral and replication (``cases.parquet``); missing values are nulls."""
    if not all_records:
        return pd.DataFrame()
    parts = [_case_columns(records, scenario) for records in all_records]
    frame = pd.DataFrame({name: np.concatenate([p[name] for p in parts]) for name in parts[0]})
    types, needs, localities = _labels(scenario)
    categories_of = {
        "type": types,
        "need": needs,
        "locality": localities,
        "carried_over": ["open", "waiting"],
        "route": labels(Route),
        "provider": [p.name for p in all_records[0].plans],
        "status": labels(Status),
        "outcome": labels(Outcome),
    }
    if scenario.partners is not None:  # a joint contract: whose resident each referral is
        frame["authority"] = np.concatenate([r.referrals.authority for r in all_records])
        categories_of["authority"] = scenario.partners.names
    for column, categories in categories_of.items():  # code -1 becomes null
        codes = frame[column].to_numpy() if categories else np.full(len(frame), -1)
        frame[column] = pd.Categorical.from_codes(codes, categories)
    frame["advocate"] = frame["advocate"].astype("Int32").mask(frame["advocate"] < 0)
    return frame


def _step_levels(
    up: np.ndarray, down: np.ndarray, size: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Times and levels (after all events at each time) of a counting process: each item
    adds its ``size`` (default 1) at ``up`` and takes it off at ``down`` (NaN: never)."""
    size = np.ones(len(up)) if size is None else size
    ended = ~np.isnan(down)
    times = np.concatenate([up, down[ended]])
    deltas = np.concatenate([size, -size[ended]])
    order = np.argsort(times, kind="stable")
    times, levels = times[order], np.cumsum(deltas[order])
    unique, last = np.unique(times[::-1], return_index=True)
    return unique, levels[len(times) - 1 - last]


def level_at(times: np.ndarray, levels: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Value of the step function at each time in ``when`` (right-continuous)."""
    when = np.asarray(when, dtype=float)
    if len(levels) == 0:
        return np.zeros(len(when))
    index = np.searchsorted(times, when, side="right") - 1
    return np.where(index >= 0, levels[np.maximum(index, 0)], 0)


def step_area(times: np.ndarray, levels: np.ndarray, start: float, end: float) -> float:
    """Integral of the step function over [start, end]."""
    inside = (times > start) & (times < end)
    knots = np.concatenate([[start], times[inside], [end]])
    values = level_at(times, levels, knots[:-1])
    return float(np.sum(values * np.diff(knots)))


def waiting_list(records: Records) -> tuple[np.ndarray, np.ndarray]:
    """The waiting list as a step function: referrals someone can serve, not yet allocated.

    A referral is on the list from its arrival (through triage and spot arrangement)
    until it is allocated or, withdrawn after a breach, until its deadline; and again
    from each hand-back to the queue until it is taken up again.
    """
    ref = records.referrals
    routed = records.listed
    arrival = ref.arrival_day[routed]
    leave = records.allocated_day[routed]
    withdrawn = records.withdrawn[routed] & np.isnan(leave)
    leave = np.where(withdrawn, ref.deadline_day[routed], leave)
    back = records.handed_back
    return _step_levels(
        np.concatenate([arrival, back.day]), np.concatenate([leave, back.taken_up_day])
    )


def block_hours_kept_open(records: Records, scenario: Scenario) -> float:
    """Block slot-hours in the measured window held by cases kept open after their work
    was done (``weeks_open``): capacity taken, not advocacy delivered."""
    idle = 0.0
    for index in pools_of(records, Route.BLOCK):
        idle += hours_kept_open(records, scenario, index)
    return idle


def hours_kept_open(
    records: Records, scenario: Scenario, index: int, window: Window | None = None
) -> float:
    """One pool's slot-hours in the measured window (or ``window``) held by cases kept open
    after their work was done, at its slots' pace x the share of time at work it plans for."""
    start, end = scenario.warm_up_days, scenario.horizon_days
    if window is not None:
        start, end = window.start, window.end
    referral, pool, begins, ends = stints(records)
    plan = records.plans[index]
    here = referral[pool == index]
    # a case handed back to the queue and still waiting at the end has no work-done day
    done = np.nan_to_num(records.work_done_day[here], nan=end)
    begin = np.maximum(np.maximum(done, begins[pool == index]), start)
    finish = np.minimum(np.nan_to_num(ends[pool == index], nan=end), end)
    slot_days = np.sum(np.maximum(finish - begin, 0.0) * slot_share(records)[here])
    return float(slot_days) * plan.case_hours_per_week / DAYS_PER_WEEK * plan.at_work


def slot_share(records: Records) -> np.ndarray:
    """Share of a caseload slot each referral's case takes (its ``caseload_weight``)."""
    return records.referrals.weight_units / WEIGHT_SCALE


def open_cases(
    records: Records, pool: int, weighted: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Open cases at one pool as a step function; ``weighted``: slots they take."""
    referral, at, start, end = stints(records)
    here = at == pool
    size = slot_share(records)[referral[here]] if weighted else None
    return _step_levels(start[here], end[here], size)


def busy_slot_days(records: Records, pool: int, start: float, end: float) -> float:
    """Integral of the slots open cases take at a pool over [start, end], from the case
    records (a case of weight w counts w)."""
    referral, at, begins, ends = stints(records)
    here = at == pool
    begin = np.maximum(begins[here], start)
    finish = np.minimum(np.nan_to_num(ends[here], nan=end), end)
    return float(np.sum(np.maximum(finish - begin, 0.0) * slot_share(records)[referral[here]]))


def free_slots(records: Records, pool: int, days: np.ndarray, weighted: bool) -> np.ndarray:
    """Slots free at a pool at the start of each day: whole slots, or, when cases take
    shares of one (``caseload_weight``), slots less the shares open cases take."""
    slots = records.plans[pool].slots
    if not weighted:
        return (slots - level_at(*open_cases(records, pool), days)).astype(np.int32)
    taken = level_at(*open_cases(records, pool, weighted=True), days)
    return np.round(slots - taken, 2)


def daily_columns(plans: Sequence[PoolPlan]) -> list[str]:
    """The columns of ``daily.parquet`` for these pools, in ``daily_frame``'s order."""
    named = [p.name for p in plans if p.route != Route.SPOT]
    per_provider = [c for name in named for c in (f"open_cases[{name}]", f"free_slots[{name}]")]
    staffed = [f"advocates_at_work[{p.name}]" for p in plans if p.workforce is not None]
    return ["rep", "day", "waiting", "open_cases", "spot_open", *per_provider, *staffed]


def daily_frame(all_records: Sequence[Records], scenario: Scenario) -> pd.DataFrame:
    """One row per measured day and replication (``daily.parquet``): state at the day's start."""
    days = np.arange(np.ceil(scenario.warm_up_days), scenario.horizon_days, dtype=float)
    weighted = scenario.demand.weighted
    parts = []
    for records in all_records:
        row: dict[str, np.ndarray] = {
            "rep": np.full(len(days), records.rep, dtype=np.int32),
            "day": days.astype(np.int32),
            "waiting": level_at(*waiting_list(records), days).astype(np.int32),
        }
        block_open = np.zeros(len(days), dtype=np.int32)
        spot_open = np.zeros(len(days), dtype=np.int32)
        per_provider = {}
        for index, plan in enumerate(records.plans):
            open_now = level_at(*open_cases(records, index), days).astype(np.int32)
            if plan.route == Route.SPOT:
                spot_open = open_now
            else:
                if plan.route == Route.BLOCK:
                    block_open = block_open + open_now
                per_provider[f"open_cases[{plan.name}]"] = open_now
                per_provider[f"free_slots[{plan.name}]"] = free_slots(
                    records, index, days, weighted
                )
        row["open_cases"] = block_open
        row["spot_open"] = spot_open
        row.update(per_provider)
        for index, plan in enumerate(records.plans):
            if plan.workforce is not None:
                row[f"advocates_at_work[{plan.name}]"] = staffing.at_work(records, index, days)
        parts.append(pd.DataFrame(row))
    if not parts:
        return pd.DataFrame(columns=["rep", "day", "waiting", "open_cases", "spot_open"])
    return pd.concat(parts, ignore_index=True)


@dataclass(frozen=True)
class _Cases:
    """What the per-group figures of one replication need, computed once.

    Waits, targets, breaches and the unserved are counted on the cohort: every
    referral arriving in the measured window, followed past the horizon until it
    is allocated or withdrawn (see ``cohort_waits``).
    """

    measured: np.ndarray  # arrived in the measured window, or waiting at its start
    new: np.ndarray  # of those, referrals that arrived in it (not carried over)
    allocated: np.ndarray  # by the end of the follow-up
    wait: np.ndarray
    decided: np.ndarray  # allocated, left the list, or its target passed in the follow-up
    in_time: np.ndarray
    breached: np.ndarray
    unserved: np.ndarray  # no advocate when the follow-up ended: never, or never again
    never_taken_up_again: np.ndarray  # of those, handed back and still waiting again
    cannot_be_served: np.ndarray  # of those, nobody in the scenario has the skills or room
    withdrawn: np.ndarray
    still_waiting: np.ndarray  # on the list when the follow-up ended
    waiting_at_horizon: np.ndarray
    time_to_close: np.ndarray
    again: np.ndarray  # days waited again after hand-backs to the queue (0 for most)
    handed_back: np.ndarray  # handed back to the queue at least once

    @classmethod
    def of(cls, records: Records, scenario: Scenario, status: np.ndarray) -> _Cases:
        ref = records.referrals
        allocated = ~np.isnan(records.allocated_day)
        off_list = ~records.listed | records.withdrawn
        return cls(
            measured=(ref.arrival_day >= scenario.warm_up_days) & (ref.initial != 1),
            new=(ref.arrival_day >= scenario.warm_up_days) & (ref.initial == 0),
            allocated=allocated,
            wait=cohort_waits(records, scenario),
            decided=allocated | off_list | (records.target_day < records.followed_to),
            in_time=allocated & (records.allocated_day <= records.target_day),
            breached=breached(records, scenario),
            unserved=~allocated | never_taken_up_again(records),
            never_taken_up_again=never_taken_up_again(records),
            cannot_be_served=~records.listed & ~allocated,
            withdrawn=records.withdrawn,
            still_waiting=~allocated & ~off_list,
            waiting_at_horizon=status == Status.WAITING,
            time_to_close=close_days(records) - ref.arrival_day,
            again=waits_again(records, scenario),
            handed_back=np.isin(np.arange(len(ref)), records.handed_back.referral),
        )

    def rows(self, group: str, mask: np.ndarray) -> list[Row]:
        """Referrals, waits, the share within target, breaches and unserved in one group."""
        m = self.measured & mask
        waits = self.wait[m]
        decided = m & self.decided
        quantiles = np.percentile(waits, [50, 90, 95]) if len(waits) else [np.nan] * 3
        within = (decided & self.in_time).sum() / decided.sum() if decided.any() else np.nan
        closing = self.time_to_close[m & self.allocated]
        again = self.again[m & self.handed_back]
        return [
            ("referrals", group, float((self.new & mask).sum())),
            ("wait_mean_days", group, float(waits.mean()) if len(waits) else np.nan),
            ("wait_median_days", group, float(quantiles[0])),
            ("wait_p90_days", group, float(quantiles[1])),
            ("wait_p95_days", group, float(quantiles[2])),
            ("within_target_share", group, float(within)),
            ("breaches", group, float((m & self.breached).sum())),
            ("unserved", group, float((m & self.unserved).sum())),
            ("cannot_be_served", group, float((m & self.cannot_be_served).sum())),
            ("withdrawn", group, float((m & self.withdrawn).sum())),
            ("still_waiting_end", group, float((m & self.waiting_at_horizon).sum())),
            ("still_waiting_after_follow_up", group, float((m & self.still_waiting).sum())),
            ("time_to_close_mean_days", group, float(closing.mean()) if len(closing) else np.nan),
            ("handed_back", group, float(len(again))),
            ("never_taken_up_again", group, float((m & self.never_taken_up_again).sum())),
            ("wait_again_mean_days", group, float(again.mean()) if len(again) else np.nan),
        ]


def pools_of(records: Records, route: Route) -> list[int]:
    """Indices of the pools of one market: the block providers, their flex, or spot."""
    return [i for i, p in enumerate(records.plans) if p.route == route]


def group_rows(records: Records, scenario: Scenario, status: np.ndarray) -> list[Row]:
    """Referrals, waits, targets, breaches and unserved: overall and in every group."""
    cases = _Cases.of(records, scenario, status)
    ref = records.referrals
    types, needs, localities = _labels(scenario)
    groups: list[tuple[str, np.ndarray]] = [("all", np.ones(len(ref), dtype=bool))]
    groups += [(f"type={label}", ref.type_index == i) for i, label in enumerate(types)]
    if needs:
        groups.append(("need=none", ref.need_index == -1))
        groups += [(f"need={label}", ref.need_index == i) for i, label in enumerate(needs)]
    groups += [(f"locality={label}", ref.locality_index == i) for i, label in enumerate(localities)]
    groups += [("urgency=urgent", ref.urgent), ("urgency=standard", ~ref.urgent)]
    block, spot = pools_of(records, Route.BLOCK), pools_of(records, Route.SPOT)
    if block:
        groups.append(("route=block", np.isin(records.pool, block)))
    if spot:
        groups.append(("route=spot", np.isin(records.pool, spot)))
    flex = pools_of(records, Route.FLEX)
    if flex:
        groups.append(("route=flex", np.isin(records.pool, flex)))
    groups += [(f"provider={records.plans[i].name}", records.pool == i) for i in block]
    if scenario.partners is not None:
        groups += [(f"authority={name}", ref.authority == k)
                   for k, name in enumerate(scenario.partners.names)]  # fmt: skip
    return [row for group, mask in groups for row in cases.rows(group, mask)]


def waiting_list_rows(records: Records, scenario: Scenario, status: np.ndarray) -> list[Row]:
    """The waiting list over the measured window: at the end, at its peak, on average."""
    start, end = scenario.warm_up_days, scenario.horizon_days
    times, levels = waiting_list(records)
    window_levels = levels[(times > start) & (times < end)]
    at_start = level_at(times, levels, np.array([start]))[0]
    return [
        ("waiting_list_end", "all", float((status == Status.WAITING).sum())),
        ("waiting_list_peak", "all", float(max([at_start, *window_levels.tolist()]))),
        ("waiting_list_mean", "all", step_area(times, levels, start, end) / (end - start)),
    ]


def block_rows(records: Records, scenario: Scenario) -> list[Row]:
    """Block hours contracted, used and unused, utilisation and cost: per provider and all."""
    start, end = scenario.warm_up_days, scenario.horizon_days
    days = end - start
    rows: list[Row] = []
    contracted_total = used_total = unused_total = unused_cost_total = 0.0
    block = pools_of(records, Route.BLOCK)
    uplift = mean_uplift(scenario)
    measured = Window(start, end, uplift)
    vacant_cost_total = 0.0
    for index in block:
        plan = records.plans[index]
        contracted = plan.contracted_hours(start, end)
        used = block_hours_used(records, scenario, index)
        unused = max(contracted - used, 0.0)
        group = f"provider={plan.name}"
        paid = block_charge(plan, days, scenario.costing, uplift,
                            block_paid(records, index, measured), start).cost  # fmt: skip
        unused_cost = unused * uplift * council_rate(plan, plan.rate_per_hour, scenario.costing)
        vacant_cost = np.nan
        if scenario.commissioning.payment is not None:
            paid, unused, unused_cost, vacant_cost = banded_block_costs(records, scenario, index)
        elif records.absences[index] is not None:
            vacant_cost = block_vacant_cost(records, scenario, index)
        unused += hours_without_provider(records, scenario, index)
        rows += [
            ("block_slots", group, plan.mean_slots(start, end)),
            ("block_advocates_fte", group, plan.mean_slots(start, end) / plan.caseload_cap),
            ("block_hours_contracted_per_year", group, hours_per_year(plan, start, end)),
            ("block_hours_contracted", group, contracted),
            ("block_hours_used", group, used),
            ("block_hours_unused", group, unused),
            ("block_utilisation", group, used / contracted if contracted else np.nan),
            ("cost_block", group, paid),
            ("cost_block_unused", group, unused_cost),
        ]
        if records.absences[index] is not None:
            rows.append(("cost_block_vacant", group, vacant_cost))
            vacant_cost_total += vacant_cost
        contracted_total += contracted
        used_total += used
        unused_total += unused
        unused_cost_total += unused_cost
    if sized_by_share(scenario):
        planned = planned_referrals_per_year(scenario) + sum(
            planned_referrals_per_year(partner) for partner in partner_scenarios(scenario)
        )  # a joint block is sized for every authority
        rows.append(("planned_referrals_per_year", "all", planned))
    if block:
        utilisation = used_total / contracted_total if contracted_total else np.nan
        plans = [records.plans[i] for i in block]
        rows += [
            ("block_slots", "all", float(sum(p.mean_slots(start, end) for p in plans))),
            (
                "block_advocates_fte",
                "all",
                sum(p.mean_slots(start, end) / p.caseload_cap for p in plans),
            ),
            (
                "block_hours_contracted_per_year",
                "all",
                sum(hours_per_year(p, start, end) for p in plans),
            ),
            ("block_hours_contracted", "all", contracted_total),
            ("block_hours_used", "all", used_total),
            ("block_hours_unused", "all", unused_total),
            ("block_utilisation", "all", utilisation),
            ("cost_block_unused", "all", unused_cost_total),
        ]
        if any(records.absences[i] is not None for i in block):
            rows.append(("cost_block_vacant", "all", vacant_cost_total))
    return rows


def block_hours_used(records: Records, scenario: Scenario, index: int) -> float:
    """A block's hours taken by open cases in the measured window: the hours worked on
    them and the slot-hours of those kept open after their work was done.

    Without a workforce: the slot-days open cases took x a slot's hours a day (its
    ``case_hours_per_week`` / 7) x the planned share of time at work. With a workforce,
    whose absences pause and hand on cases day by day, the hours worked are the case
    hours actually worked in the window (``hours_worked``), not slot-days x the planned
    share (which would count them again less the time away the run already took out),
    plus the hours held open after the work (``hours_kept_open``)."""
    start, end = scenario.warm_up_days, scenario.horizon_days
    plan = records.plans[index]
    if records.absences[index] is None:
        return (
            busy_slot_days(records, index, start, end)
            * plan.case_hours_per_week / DAYS_PER_WEEK * plan.at_work
        )  # fmt: skip
    return hours_worked(records, index, start, end) + hours_kept_open(records, scenario, index)


def sized_by_share(scenario: Scenario) -> bool:
    """Some block provider is sized by ``block_share`` from the demand planned for."""
    if not commissioning_model(scenario).buys_block:
        return False
    return any(
        p.advocates is None and p.block_hours_per_year is None
        for p in scenario.commissioning.providers
    )


def bought_at(records: Records) -> tuple[np.ndarray, np.ndarray]:
    """Per referral, the day its case was bought and the hours bought: when it was
    allocated, all its hours; but a case a block provider left (it went, with nobody to
    follow it at once) and spot or flex took up again is bought then, for the hours it
    had left."""
    back = records.handed_back
    day, hours = records.allocated_day, records.referrals.hours
    if not len(back.referral):
        return day, hours
    block = np.array([plan.route == Route.BLOCK for plan in records.plans] + [True])
    hourly = block[back.pool] & ~block[back.taken_up_pool]  # (-1: not taken up)
    if not hourly.any():
        return day, hours
    day, hours = day.copy(), hours.copy()
    day[back.referral[hourly]] = back.taken_up_day[hourly]
    hours[back.referral[hourly]] = back.hours_left[hourly]
    return day, hours


def bought(records: Records, window: Window, pools: list[int]) -> np.ndarray:
    """Cases bought by the hour from these pools in a window: a case is bought when it is
    allocated (or taken up again: ``bought_at``)."""
    day, _ = bought_at(records)
    mine = np.isin(records.pool, pools) & ~np.isnan(day)
    return mine & (day >= window.start) & (day < window.end)


def spot_rows(records: Records, scenario: Scenario) -> list[Row]:
    """Spot and flex cases and hours bought in the measured window."""
    window = Window(scenario.warm_up_days, scenario.horizon_days)
    spot = bought(records, window, pools_of(records, Route.SPOT))
    flex = bought(records, window, pools_of(records, Route.FLEX))
    _, hours = bought_at(records)
    return [
        ("spot_cases", "all", float(spot.sum())),
        ("spot_hours", "all", float(hours[spot].sum())),
        ("flex_cases", "all", float(flex.sum())),
        ("flex_hours", "all", float(hours[flex].sum())),
    ]


def mean_uplift(scenario: Scenario) -> float:
    """The rates' uplift averaged over the measured days (1 without an uplift): exact for
    a block's cost, which accrues by the day; unused block hours are valued at it too."""
    if scenario.commissioning.uplift_per_year == 0:
        return 1.0
    years = [window for _, window in contract_years(scenario)]
    return sum(w.uplift * w.days for w in years) / sum(w.days for w in years)


def year_uplift(scenario: Scenario, day: np.ndarray) -> np.ndarray:
    """The uplift of the contract year each day falls in (1 in year 1)."""
    year = np.floor(np.nan_to_num(day) / DAYS_PER_YEAR)
    return (1 + scenario.commissioning.uplift_per_year) ** year


def hours_per_year(plan: PoolPlan, start: float, end: float) -> float:
    """A block's contracted hours a year over days ``[start, end)``: as planned, or, when
    its contract changes, the hours of each part for its days, as a rate a year."""
    if not plan.changes:
        return plan.contracted_hours_per_year
    return plan.contracted_hours(start, end) / pricing.years(end - start)


def block_charge(
    plan: PoolPlan, days: float, costing: Costing, uplift: float = 1.0, paid: float = 1.0,
    start: float = 0.0,
) -> pricing.Charge:  # fmt: skip
    """One block contract over ``days`` from day ``start``, as it costs the council (rate x
    ``uplift``); ``paid``: the share of it paid (less than 1 when vacant posts are not
    paid for). A contract with planned changes is paid each part's hours for its days."""
    rate = hours_per_year(plan, start, start + days)
    amount = pricing.block_cost(rate, plan.rate_per_hour, days)
    return pricing.council_charge(amount * uplift * paid, plan.rate_includes_vat, costing)


def block_paid(records: Records, index: int, window: Window) -> float:
    """The share of a block the council pays over a window: all of it, unless its
    provider's ``vacancy_credit`` takes off its vacant posts' share."""
    if not staffing.credits_vacancies(records.plans[index]):
        return 1.0
    return 1.0 - staffing.vacant_share(records, index, window.start, window.end)


def block_vacant_cost(records: Records, scenario: Scenario, index: int) -> float:
    """What the council paid for a block provider's vacant posts over the measured window
    (nothing with ``vacancy_credit``)."""
    plan = records.plans[index]
    if staffing.credits_vacancies(plan):
        return 0.0
    window = Window(scenario.warm_up_days, scenario.horizon_days, mean_uplift(scenario))
    share = staffing.vacant_share(records, index, window.start, window.end)
    return block_charge(plan, window.days, scenario.costing, window.uplift, share,
                        window.start).cost  # fmt: skip


@dataclass(frozen=True)
class BandYear:
    """One contract year's measured part of a block paid by ``commissioning.payment``: its
    hours contracted (net of vacant posts credited), delivered, paid (delivered held
    between the collar and the cap) and contracted for vacant posts not credited."""

    window: Window
    contracted: float
    delivered: float
    paid: float
    vacant: float


def block_hours_delivered(
    records: Records, scenario: Scenario, index: int, window: Window
) -> float:
    """A block's hours of advocacy delivered in a window: hours worked, not slot-hours held
    open after the work (as ``hours_delivered``), so a band pays for advocacy done."""
    plan = records.plans[index]
    if records.absences[index] is not None:
        return hours_worked(records, index, window.start, window.end)
    busy = busy_slot_days(records, index, window.start, window.end)
    worked = busy * plan.case_hours_per_week / DAYS_PER_WEEK * plan.at_work
    return worked - hours_kept_open(records, scenario, index, window)


def band_years(records: Records, scenario: Scenario, index: int) -> list[BandYear]:
    """A block paid by the band, each contract year measured: the contracted hours of its
    measured days less those of vacant posts when ``vacancy_credit`` takes them off (the
    council pays no post it has a credit for, collar or not), and the hours delivered
    then, held between ``collar_share`` and ``cap_share`` of them."""
    payment = scenario.commissioning.payment
    assert payment is not None
    plan = records.plans[index]
    years = []
    for _, window in contract_years(scenario):
        hours = plan.contracted_hours(window.start, window.end)
        vacant = 0.0
        if records.absences[index] is not None:
            vacant = hours * staffing.vacant_share(records, index, window.start, window.end)
        contracted = hours * block_paid(records, index, window)
        delivered = block_hours_delivered(records, scenario, index, window)
        paid = min(max(delivered, payment.collar_share * contracted),
                   payment.cap_share * contracted)  # fmt: skip
        credited = staffing.credits_vacancies(plan)
        years.append(BandYear(window, contracted, delivered, paid, 0.0 if credited else vacant))
    return years


def band_share(year: Window, window: Window) -> float:
    """The share of a contract year's band payment that falls in a window: its days inside.
    The year's payment is settled on the year's hours and accrues evenly over its days (paid
    monthly, reconciled at the year end), so quarters and financial years add up to it."""
    overlap = max(min(year.end, window.end) - max(year.start, window.start), 0.0)
    return overlap / year.days


def banded_charge(
    records: Records, scenario: Scenario, index: int, window: Window, band: list[BandYear]
) -> pricing.Charge:
    """A banded block's charge over a window: each contract year's paid hours x its rate
    (x its uplift), the share of its days inside the window."""
    plan = records.plans[index]
    amount = sum(
        year.paid * plan.rate_per_hour * year.window.uplift * band_share(year.window, window)
        for year in band
    )
    return pricing.council_charge(amount, plan.rate_includes_vat, scenario.costing)


def band_hours_cost(
    records: Records, scenario: Scenario, index: int, band: list[BandYear], hours: list[float]
) -> float:
    """GBP to the council for hours of a banded block, one figure per contract year of
    ``band``, each at its year's rate."""
    plan = records.plans[index]
    amount = sum(h * plan.rate_per_hour * y.window.uplift for h, y in zip(hours, band, strict=True))
    return pricing.council_charge(amount, plan.rate_includes_vat, scenario.costing).cost


def banded_block_costs(
    records: Records, scenario: Scenario, index: int
) -> tuple[float, float, float, float]:
    """A banded block's ``cost_block``, ``block_hours_unused``, ``cost_block_unused`` and
    ``cost_block_vacant`` over the measured window. Unused: the hours paid for (the collar
    may pay more than was delivered) that open cases did not take, worked or held open,
    as for a block with no band (hours not delivered above the collar are not paid, so not
    unused: a band of 1 to 1 is paid and used as no band is). Vacant: the part of that
    top-up the vacant posts account for, up to their hours (nothing with
    ``vacancy_credit``)."""
    band = band_years(records, scenario, index)
    measured = Window(scenario.warm_up_days, scenario.horizon_days)
    paid = banded_charge(records, scenario, index, measured, band).cost
    top_up = [
        max(year.paid - year.delivered - hours_kept_open(records, scenario, index, year.window),
            0.0)
        for year in band
    ]  # fmt: skip
    vacant = [min(hours, year.vacant) for hours, year in zip(top_up, band, strict=True)]
    return (
        paid,
        sum(top_up),
        band_hours_cost(records, scenario, index, band, top_up),
        band_hours_cost(records, scenario, index, band, vacant),
    )


@dataclass(frozen=True)
class Window:
    """Days ``[start, end)`` of the measured window costed at rates x ``uplift``."""

    start: float
    end: float
    uplift: float = 1.0

    @property
    def days(self) -> float:
        return self.end - self.start


def contract_years(scenario: Scenario) -> list[tuple[int, Window]]:
    """The measured window cut at contract years (365 days from day 0): ``(year, window)``,
    each costed at that year's uplift."""
    start, end = scenario.warm_up_days, scenario.horizon_days
    uplift = 1 + scenario.commissioning.uplift_per_year
    years = []
    for year in range(int(start // DAYS_PER_YEAR) + 1, int(np.ceil(end / DAYS_PER_YEAR)) + 1):
        low, high = max(start, (year - 1) * DAYS_PER_YEAR), min(end, year * DAYS_PER_YEAR)
        if high > low:
            years.append((year, Window(low, high, uplift ** (year - 1))))
    return years


def cost_charges(
    records: Records, scenario: Scenario, window: Window, index: Windows
) -> dict[str, pricing.Charge]:
    """Every cost line (``pricing.COST_LINES``) over a window, as a charge to the council:
    its cost after any VAT recovered, the VAT paid and the VAT recovered. Each line is
    priced as quoted (hourly rates x the window's uplift), then split by its price
    holder's ``rate_includes_vat`` (mileage by the spot's). Hours bought by the hour
    count when the case is allocated, but for cases open on day 0 (bought before the run):
    those count the share of their work inside the window, so a short horizon is not
    charged a whole caseload's hours in its first days. ``index``: the replication's
    ``Windows``."""
    days, uplift = window.days, window.uplift
    costing = scenario.costing
    spot = scenario.commissioning.spot
    workshops = scenario.workshops
    charges = dict.fromkeys(pricing.COST_LINES, pricing.NO_CHARGE)
    charges["cost_block"] = pricing.add(block_charges(records, scenario, window, index))
    if spot:
        spot_hours, spot_miles, _ = index.bought(window, pools_of(records, Route.SPOT))
        hours_amount = pricing.spot_hours_cost(spot_hours, spot.rate_per_hour)
        miles_amount = pricing.mileage_cost(spot_miles, spot.mileage_rate)
        charges["cost_spot_hours"] = pricing.council_charge(
            hours_amount * uplift, spot.rate_includes_vat, costing
        )
        charges["cost_mileage"] = pricing.council_charge(
            miles_amount, spot.rate_includes_vat, costing
        )
    if workshops:
        amount = pricing.workshop_cost(workshops.per_year, workshops.price, days)
        charges["cost_workshops"] = pricing.council_charge(
            amount, workshops.rate_includes_vat, costing
        )
    charges["cost_flex_hours"] = pricing.add(
        [
            pricing.council_charge(
                pricing.spot_hours_cost(index.bought(window, [i])[0],
                                        records.plans[i].rate_per_hour) * uplift,
                records.plans[i].rate_includes_vat, costing)
            for i in pools_of(records, Route.FLEX)
        ]
    )  # fmt: skip
    purchase = purchase_costs(records, scenario)
    charges["cost_purchasing"] = pricing.officer_time(
        sum(index.bought(window, [i])[2] * purchase[i] for i in np.flatnonzero(purchase).tolist())
    )
    charges["cost_contract_management"] = pricing.officer_time(
        pricing.per_year_cost(contract_management_per_year(scenario), days)
    )
    referrals = index.referrals(window)
    charges.update(commissioning_model(scenario).cost_lines(scenario, referrals, days))
    return charges


def block_charges(
    records: Records, scenario: Scenario, window: Window, index: Windows
) -> list[pricing.Charge]:
    """Each block provider's charge over a window (``pools_of`` order): its band's, or its
    contracted hours' less any vacant posts credited."""
    block = pools_of(records, Route.BLOCK)
    if scenario.commissioning.payment is not None:
        return [banded_charge(records, scenario, i, window, index.band(i)) for i in block]
    return [
        block_charge(records.plans[i], window.days, scenario.costing, window.uplift,
                     block_paid(records, i, window), window.start)
        for i in block
    ]  # fmt: skip


def purchase_costs(records: Records, scenario: Scenario) -> np.ndarray:
    """GBP of council officer time per case bought, by pool (and 0 for no pool, index -1):
    spot's and each flex's ``cost_per_purchase``; nothing for a block's cases."""
    commissioning = scenario.commissioning
    costs = []
    for plan in records.plans:
        if plan.route == Route.SPOT and commissioning.spot is not None:
            costs.append(commissioning.spot.cost_per_purchase)
        elif plan.route == Route.FLEX and plan.owner is not None:
            flex = commissioning.providers[plan.owner].flex
            costs.append(flex.cost_per_purchase if flex is not None else 0.0)
        else:
            costs.append(0.0)
    return np.array([*costs, 0.0])


def contract_management_per_year(scenario: Scenario) -> float:
    """GBP a year of council officer time managing the contracts bought: each block
    provider's, and the hub's. Spot only buys no contract."""
    commissioning = scenario.commissioning
    if not commissioning_model(scenario).buys_block:
        return 0.0
    total = sum(p.contract_management_per_year for p in commissioning.providers)
    hub = commissioning.hub
    return total + (hub.contract_management_per_year if hub is not None else 0.0)


Carried = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""Cases open on day 0 and bought by the hour: start, close, hours and miles."""
Picked = tuple[np.ndarray, np.ndarray, np.ndarray, Carried | None]
"""Cases bought by the hour in the run (day, hours, miles), and those carried in."""


class Windows:
    """One replication's referrals indexed for counting and costing many windows (contract
    years and quarters: a long run has hundreds), each without a pass over every referral.

    Counts are binary searches in sorted arrival days. Cases bought by the hour are
    picked from their own pools' cases, kept in referral order, so a window's hours add
    up in the same order, to the same floats, as picking them from every referral.
    """

    def __init__(self, records: Records, late: np.ndarray):
        ref = records.referrals
        self.records = records
        self.new_days = np.sort(ref.arrival_day[ref.initial == 0])
        self.late_days = np.sort(ref.arrival_day[late & (ref.initial != 1)])
        self._bought: dict[tuple[int, ...], Picked] = {}
        self._bands: dict[int, list[BandYear]] = {}
        self._scenario: Scenario | None = None

    @classmethod
    def of(cls, records: Records, scenario: Scenario) -> Windows:
        windows = cls(records, breached(records, scenario))
        windows._scenario = scenario
        return windows

    def band(self, index: int) -> list[BandYear]:
        """A block provider's payment band, contract year by contract year (computed once:
        every window costed, a quarter or a financial year, shares out the same years)."""
        if index not in self._bands:
            assert self._scenario is not None, "Windows.of gives the scenario a band needs"
            self._bands[index] = band_years(self.records, self._scenario, index)
        return self._bands[index]

    def referrals(self, window: Window) -> float:
        """Referrals of the run (not carried over from day 0) arriving in the window."""
        return _in_window(self.new_days, window)

    def breaches(self, window: Window) -> float:
        """Breaches among the referrals arriving in the window (none carried over)."""
        return _in_window(self.late_days, window)

    def bought(self, window: Window, pools: list[int]) -> tuple[float, float, int]:
        """Hours, miles and number of the cases bought by the hour from these pools in the
        window (a case is bought when it is allocated)."""
        key = tuple(pools)
        if key not in self._bought:
            self._bought[key] = self._pick(pools)
        day, hours, miles, carried = self._bought[key]
        inside = (day >= window.start) & (day < window.end)
        total = float(hours[inside].sum()), float(miles[inside].sum()), int(inside.sum())
        if carried is None:
            return total
        share = work_share(carried[0], carried[1], window)
        return total[0] + float(carried[2] @ share), total[1] + float(carried[3] @ share), total[2]

    def _pick(self, pools: list[int]) -> Picked:
        """These pools' cases bought by the hour: day bought, hours and miles of those bought
        in the run; and apart (start, close, hours, miles), those open on day 0, bought
        before the run, whose cost falls where their work does."""
        records = self.records
        mine = bought(records, Window(-np.inf, np.inf), pools)
        day_zero = mine & (records.referrals.initial == 1)
        new = np.flatnonzero(mine & ~day_zero)
        ref = records.referrals
        day, hours = bought_at(records)
        picked = (day[new], hours[new], ref.miles[new])
        if not day_zero.any():
            return (*picked, None)
        open_ = np.flatnonzero(day_zero)
        close = close_days(records)[open_]
        return (*picked, (records.allocated_day[open_], close, ref.hours[open_], ref.miles[open_]))


def work_share(start: np.ndarray, close: np.ndarray, window: Window) -> np.ndarray:
    """The share of each case's work (worked evenly from ``start`` to ``close``) that falls in
    the window; a case that takes no time is all on its start day."""
    span = close - start
    overlap = np.clip(np.minimum(close, window.end) - np.maximum(start, window.start), 0, None)
    on_start = ((start >= window.start) & (start < window.end)).astype(float)
    return np.where(span > 0, overlap / np.where(span > 0, span, 1.0), on_start)


def _in_window(sorted_days: np.ndarray, window: Window) -> float:
    """How many of these days (sorted) fall in ``[window.start, window.end)``."""
    low, high = np.searchsorted(sorted_days, [window.start, window.end], side="left")
    return float(high - low)


def measured_charges(
    records: Records, scenario: Scenario, index: Windows
) -> dict[str, pricing.Charge]:
    """The cost lines over the measured window: in one piece, or with an uplift, year by
    contract year at each year's rates."""
    if scenario.commissioning.uplift_per_year == 0:
        window = Window(scenario.warm_up_days, scenario.horizon_days)
        return cost_charges(records, scenario, window, index)
    by_year = [cost_charges(records, scenario, w, index) for _, w in contract_years(scenario)]
    return {name: pricing.add([year[name] for year in by_year]) for name in pricing.COST_LINES}


def cost_rows(
    records: Records, scenario: Scenario, figures: dict[tuple[str, str], float], index: Windows
):
    """Every cost line, their total, the VAT paid and recovered, and cost per year, per
    referral and per hour delivered. Costs are to the council, after any VAT recovered.

    ``figures`` holds the replication's other figures by ``(metric, group)``; ``index``
    is its ``Windows``.
    """
    days = scenario.horizon_days - scenario.warm_up_days
    workshops = scenario.workshops
    referrals = figures["referrals", "all"]
    spot_hours = figures["spot_hours", "all"]
    charges = measured_charges(records, scenario, index)
    lines = {name: charge.cost for name, charge in charges.items()}
    vat = pricing.add(list(charges.values()))
    cost_total = pricing.total(lines)
    delivered = figures.get(("block_hours_used", "all"), 0.0) - block_hours_kept_open(
        records, scenario
    )
    delivered += spot_hours
    delivered += figures["flex_hours", "all"]
    rows: list[Row] = [(name, "all", value) for name, value in lines.items()]
    if workshops:
        places = workshops.per_year * workshops.participants * pricing.years(days)
        rows.append(("workshop_places", "all", places))
    return [
        *rows,
        ("hours_delivered", "all", delivered),
        ("vat_paid", "all", vat.vat_paid),
        ("vat_recovered", "all", vat.vat_recovered),
        ("cost_total", "all", cost_total),
        ("cost_total_per_year", "all", cost_total / pricing.years(days)),
        ("cost_per_referral", "all", cost_total / referrals if referrals else np.nan),
        ("cost_per_hour_delivered", "all", cost_total / delivered if delivered else np.nan),
    ]


def in_cohort(records: Records, scenario: Scenario) -> np.ndarray:
    """The measured cohort: referrals arriving in the measured window, and with no warm-up
    the day-0 waiting list (as ``_Cases.measured``)."""
    ref = records.referrals
    return (ref.arrival_day >= scenario.warm_up_days) & (ref.initial != 1)


def cohort_purchases(records: Records, scenario: Scenario) -> tuple[float, float]:
    """GBP to the council for the cohort's cases: those bought by the hour (spot or flex) in
    the measured window, and every case of theirs allocated only in the follow-up, by any
    route (a block's at its hours x the block rate: capacity a later period pays for).
    Without the follow-up's cases an option that leaves people waiting past the window
    would look cheaper the longer they wait."""
    allocated = in_cohort(records, scenario) & ~np.isnan(records.allocated_day)
    if not allocated.any():
        return 0.0, 0.0
    hourly = np.isin(records.pool, pools_of(records, Route.SPOT) + pools_of(records, Route.FLEX))
    late = bought_at(records)[0] >= scenario.horizon_days
    cost = case_cost(records, scenario)
    return float(cost[allocated & hourly & ~late].sum()), float(cost[allocated & late].sum())


def owed_costs(records: Records, scenario: Scenario) -> float:
    """GBP the hours of the cohort's unserved (never allocated by the end of the follow-up,
    or waiting again then)
    would cost at the dearest route open to them: every pool, market or block, with the
    skills they need, room or not (spot with its mileage), at the rates in force when the
    follow-up ended (still owed then; no purchase of theirs could have cost more). Nobody
    with the skills: the dearest route of the scenario.

    This is what serving them is owed, not cash paid: the cost to serve counts it, so an
    option never gets cheaper by serving fewer people. A person handed back and never
    taken up again is owed the hours their case had left (and an advocate's journey)."""
    return float(owed_by_person(records, scenario)[1].sum())


def owed_by_person(records: Records, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """The cohort's unserved (referral indices) and what each is owed (``owed_costs``)."""
    waiting_again = never_taken_up_again(records)
    never = np.isnan(records.allocated_day) | waiting_again
    unserved = np.flatnonzero(in_cohort(records, scenario) & never)
    if not len(unserved) or not records.plans:
        return unserved[:0], np.zeros(0)
    ref = records.referrals
    types, needs, _ = _labels(scenario)
    type_index, need_index = ref.type_index[unserved], ref.need_index[unserved] + 1
    hours_owed = ref.hours.copy()
    back = records.handed_back
    still = np.isnan(back.taken_up_day)  # each waiting again once, on their last hand-back
    hours_owed[back.referral[still]] = back.hours_left[still]
    hours, miles = hours_owed[unserved], ref.miles[unserved]
    uplift = year_uplift(scenario, np.array([follow_up_end(scenario)]))[0]
    spot, costing = scenario.commissioning.spot, scenario.costing
    costs, skilled = [], []
    purchase = purchase_costs(records, scenario)
    for pool, plan in enumerate(records.plans):
        cost = hours * council_rate(plan, plan.rate_per_hour, costing) * uplift + purchase[pool]
        if spot is not None and plan.route == Route.SPOT:
            cost = cost + miles * council_rate(plan, spot.mileage_rate, costing)
        table = np.array([[plan.has_skills(t, n) for n in [None, *needs]] for t in types])
        costs.append(cost)
        skilled.append(table[type_index, need_index])
    cost_by_pool, skilled_by_pool = np.array(costs), np.array(skilled)
    dearest_open = np.where(skilled_by_pool, cost_by_pool, -np.inf).max(axis=0)
    owed = np.where(skilled_by_pool.any(axis=0), dearest_open, cost_by_pool.max(axis=0))
    return unserved, owed


def banded_hours_after(records: Records, scenario: Scenario) -> float:
    """GBP for the hours a banded block works after the horizon on the cohort's cases it
    took up in the window, at its rate in force at the horizon (none without a band).

    A block paid for the hours it delivers is paid for these by a later period, hour by
    hour: left out, a block that works its cases slowly (absent advocates, paused cases)
    would be paid less in the window and look cheaper to serve for the work it put off.
    Cases it took up only in the follow-up are in ``cohort_purchases`` already."""
    if scenario.commissioning.payment is None:
        return 0.0
    _, hours, rates, uplift = banded_spans_after(records, scenario)
    return float(hours @ rates) * uplift


def banded_spans_after(
    records: Records, scenario: Scenario
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``banded_hours_after`` span by span: each span's referral, hours after the horizon
    and council rate, and the uplift in force at the horizon (a banded block only)."""
    block = pools_of(records, Route.BLOCK)
    referral, pool, start, stop, worked = referral_work_spans(records)
    horizon = scenario.horizon_days
    mine = (
        np.isin(pool, block)
        & in_cohort(records, scenario)[referral]
        & (records.allocated_day[referral] < horizon)
    )
    after = work_share(start[mine], stop[mine], Window(horizon, np.inf))
    after = np.nan_to_num(after, nan=1.0)  # not done when the run stopped: all after it
    uplift = year_uplift(scenario, np.array([horizon]))[0]
    rates = np.array([
        council_rate(p, p.rate_per_hour, scenario.costing) * paid_by_the_hour(records, scenario, i)
        for i, p in enumerate(records.plans)
    ])  # fmt: skip
    return referral[mine], worked[mine] * after, rates[pool[mine]], uplift


def paid_by_the_hour(records: Records, scenario: Scenario, index: int) -> float:
    """1 when a block's last contract year measured delivered hours inside its band (so
    each more hour worked is paid), else 0: held at the collar or the cap, or a block
    with no band, its payment does not move with the hours (a band of 1 to 1 is paid as
    no band is, and work put off to a later period costs that period nothing more)."""
    plan = records.plans[index]
    if plan.route != Route.BLOCK or scenario.commissioning.payment is None:
        return 0.0
    payment, year = scenario.commissioning.payment, band_years(records, scenario, index)[-1]
    inside = payment.collar_share * year.contracted < year.delivered
    return float(inside and year.delivered < payment.cap_share * year.contracted)


HOURLY_LINES = ("cost_spot_hours", "cost_mileage", "cost_flex_hours", "cost_purchasing")
"""The window's cost lines bought case by case (the rest are fixed for the window)."""


def serve_rows(records: Records, scenario: Scenario, lines: dict[str, float]) -> list[Row]:
    """Cost to serve the cohort, a year: the window's cash (``lines``), less what it paid
    by the hour for people referred before the window (carried in), plus the cohort's
    cases bought in the follow-up, plus what the hours of those never served are owed.

    Every person referred in the window is then counted once, at the price they were
    bought at or, never served, at the dearest price open to them: the figure never
    falls as a market bought by the hour shrinks. A smaller block does cost less (it is
    paid for whether used or not); what it leaves undone shows in the breaches and the
    unserved, which the summary's duty test and a requirement judge, not in this figure."""
    years = pricing.years(scenario.horizon_days - scenario.warm_up_days)
    in_window, follow_up = cohort_purchases(records, scenario)
    follow_up += banded_hours_after(records, scenario)
    hourly = sum(lines[name] for name in HOURLY_LINES)
    carried_in = max(hourly - in_window, 0.0) / years  # 0 but for rounding, without warm-up
    without = without_provider_owed(records, scenario) / years
    owed = owed_costs(records, scenario) / years + without
    cash = pricing.total(lines) / years
    rows: list[Row] = [
        ("cost_carried_in_per_year", "all", carried_in),
        ("cost_follow_up_per_year", "all", follow_up / years),
        ("cost_owed_per_year", "all", owed),
        ("cost_to_serve_per_year", "all", cash - carried_in + follow_up / years + owed),
    ]
    if may_leave(scenario):
        rows.append(("cost_without_provider_per_year", "all", without))
    return rows


def may_leave(scenario: Scenario) -> bool:
    """Some block provider of the scenario may leave (a risk, or a known day)."""
    return any(p.exit_risk_per_year > 0 or p.exit_day is not None
               for p in scenario.commissioning.providers)  # fmt: skip


def gaps_in_window(records: Records, scenario: Scenario) -> list[tuple[int, float, float]]:
    """Each gap a provider's exit left in the measured window: its block pool, and the
    days ``[begins, ends)`` it had no provider."""
    exits, low, high = records.exits, scenario.warm_up_days, scenario.horizon_days
    spans = zip(exits.pool.tolist(), exits.leave_day.tolist(), exits.start_day.tolist(),
                strict=True)  # fmt: skip
    return [(pool, max(leave, low), min(start, high)) for pool, leave, start in spans
            if min(start, high) > max(leave, low)]  # fmt: skip


def hours_without_provider(records: Records, scenario: Scenario, index: int) -> float:
    """The block's contracted hours, as bought, for the measured days it had no provider:
    owed (``without_provider_owed``) and delivered to nobody, so unused block hours (a gap
    would otherwise make them fewer, as if the option wasted less)."""
    if not len(records.exits.pool):
        return 0.0
    planned = plan_pools(scenario)[index]
    gaps = [(begins, ends) for pool, begins, ends in gaps_in_window(records, scenario)
            if pool == index]  # fmt: skip
    return sum(planned.contracted_hours(begins, ends) for begins, ends in gaps)


def without_provider_owed(records: Records, scenario: Scenario) -> float:
    """What a gap in a block leaves owed: the block's price, as bought, for the measured
    days a provider had left and no successor had started. The council's duty did not
    pause while nobody held the contract: the cash it did not pay is out of
    ``cost_total``, as it was, but the capacity it had bought went undone, and what it
    bought by the hour meanwhile is counted as bought. So a gap never makes an option
    cheaper to serve, even where spot costs less an hour than the block (the gap's
    price is not a saving in the cost of serving everyone; the saving, where spot is
    cheaper, is the spot-only option's to show)."""
    exits = records.exits
    if not len(exits.pool):
        return 0.0
    planned = plan_pools(scenario)  # the contracts as bought, without this run's exits
    owed = 0.0
    for pool, begins, ends in gaps_in_window(records, scenario):
        uplift = float(year_uplift(scenario, np.array([begins]))[0])
        owed += block_charge(planned[pool], ends - begins, scenario.costing, uplift,
                             1.0, begins).cost  # fmt: skip
    return owed


# ----------------------------------------------------------------- who pays (funders)

REFERRAL_LINES = ("cost_triage", "cost_fee", "cost_workshops", "cost_contract_management")
"""Cost lines split by each type's share of the window's referrals: triage is per referral;
the rest are fixed and tied to no type."""


def by_type(
    records: Records, scenario: Scenario, which: np.ndarray, amounts: float | np.ndarray
) -> np.ndarray:
    """``amounts`` (one per referral ``which`` picks, or one for all) added up by the
    referrals' advocacy type: one figure per type of ``demand.mix``."""
    types = records.referrals.type_index[which]
    weights = np.broadcast_to(np.asarray(amounts, dtype=float), types.shape)
    counts = np.bincount(types, weights=weights, minlength=len(scenario.demand.mix))
    return counts.astype(float)  # (integers when nothing is picked)


def shares_or(amounts: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Amounts by type as shares of their total; ``fallback`` where there is nothing to
    share (no hours worked, no case bought)."""
    total = amounts.sum()
    return amounts / total if total > 0 else fallback


def referral_shares(records: Records, scenario: Scenario) -> np.ndarray:
    """Each type's share of the referrals arriving in the measured window (as counted in
    ``referrals``); none arrived: the shares of ``demand.mix``."""
    ref = records.referrals
    new = (ref.initial == 0) & (ref.arrival_day >= scenario.warm_up_days)
    new &= ref.arrival_day < scenario.horizon_days
    mix = np.array([t.share for t in scenario.demand.mix.values()])
    return shares_or(by_type(records, scenario, new, 1.0), mix / mix.sum())


def bought_part(records: Records, scenario: Scenario, pools: list[int]) -> np.ndarray:
    """Each referral's case bought by the hour from these pools, as the window's cash counts
    it (``Windows.bought``): 1 if bought in the measured window, the share of its work
    inside it for one open on day 0 (bought before the run), else 0."""
    window = Window(scenario.warm_up_days, scenario.horizon_days)
    every = bought(records, Window(-np.inf, np.inf), pools)
    day_zero = every & (records.referrals.initial == 1)
    part = (bought(records, window, pools) & ~day_zero).astype(float)
    part[day_zero] = work_share(
        records.allocated_day[day_zero], close_days(records)[day_zero], window
    )
    return part


def block_type_shares(
    records: Records, scenario: Scenario, index: Windows, fallback: np.ndarray
) -> np.ndarray:
    """``cost_block`` by type: each block provider's cost over the measured window shared
    by the hours of each type its advocates worked in the window (``work_spans``); a
    provider that worked no hours, by the referral shares."""
    block = pools_of(records, Route.BLOCK)
    if not block:
        return fallback
    if scenario.commissioning.uplift_per_year == 0:
        windows = [Window(scenario.warm_up_days, scenario.horizon_days)]
    else:
        windows = [window for _, window in contract_years(scenario)]
    costs = np.zeros(len(block))
    for window in windows:
        costs += [charge.cost for charge in block_charges(records, scenario, window, index)]
    referral, pool, start, stop, worked = referral_work_spans(records)
    share = work_share(start, stop, Window(scenario.warm_up_days, scenario.horizon_days))
    amounts = np.zeros(len(fallback))
    for cost, i in zip(costs, block, strict=True):
        here = pool == i
        hours = by_type(records, scenario, referral[here], worked[here] * share[here])
        amounts += cost * shares_or(hours, fallback)
    return shares_or(amounts, fallback)


def line_type_shares(records: Records, scenario: Scenario, index: Windows) -> dict[str, np.ndarray]:
    """Every cost line of the window's cash (``pricing.COST_LINES``) as shares by advocacy
    type: the block by the hours each type used; spot and flex hours, mileage and the
    officer time buying them by the cases bought, each case's type; the rest by the
    types' shares of the window's referrals."""
    fallback = referral_shares(records, scenario)
    spot = bought_part(records, scenario, pools_of(records, Route.SPOT))
    flex = bought_part(records, scenario, pools_of(records, Route.FLEX))
    day, hours = bought_at(records)
    hours = np.nan_to_num(hours * year_uplift(scenario, day))  # at the rates of the year
    plans, costing = records.plans, scenario.costing
    rates = np.array([council_rate(p, p.rate_per_hour, costing) for p in plans] + [0.0])
    bought_in_run = records.referrals.initial != 1  # officer time: cases bought in the run
    amounts = {
        "cost_spot_hours": spot * hours,
        "cost_mileage": spot * records.referrals.miles,
        "cost_flex_hours": flex * hours * rates[records.pool],
        "cost_purchasing": (spot + flex)
        * bought_in_run
        * purchase_costs(records, scenario)[records.pool],
    }
    every = np.ones(len(day), dtype=bool)
    shares = {line: fallback for line in REFERRAL_LINES}
    for line, amount in amounts.items():
        shares[line] = shares_or(by_type(records, scenario, every, amount), fallback)
    shares["cost_block"] = block_type_shares(records, scenario, index, fallback)
    return shares


def serve_type_shares(records: Records, scenario: Scenario, fallback: np.ndarray) -> np.ndarray:
    """What the cost to serve adds to the fixed lines, by type: the cohort's cases bought by
    the hour in the window, its cases served in the follow-up (and a banded block's hours
    after the horizon), and what those never served are owed, each person by their type."""
    cohort = in_cohort(records, scenario) & ~np.isnan(records.allocated_day)
    cost = np.nan_to_num(case_cost(records, scenario))
    hourly = np.isin(records.pool, pools_of(records, Route.SPOT) + pools_of(records, Route.FLEX))
    late = bought_at(records)[0] >= scenario.horizon_days
    amounts = by_type(records, scenario, cohort & (late | hourly), cost[cohort & (late | hourly)])
    if scenario.commissioning.payment is not None:
        referral, after, rates, uplift = banded_spans_after(records, scenario)
        amounts += by_type(records, scenario, referral, after * rates * uplift)
    unserved, owed = owed_by_person(records, scenario)
    amounts += by_type(records, scenario, unserved, owed)
    return shares_or(amounts, fallback)


def funder_rows(records: Records, scenario: Scenario, index: Windows, rows: list[Row]) -> list[Row]:
    """``cost_total_per_year`` and ``cost_to_serve_per_year`` split by who pays (groups
    ``funder=NAME`` and ``funder=council``): each cost line shared by advocacy type
    (``line_type_shares``), each type's part paid by its funders' shares and the rest by
    the council, which is given as the ``all`` figure less every funder's, so the groups
    add up to it. Nothing without ``funders``."""
    if not scenario.funders:
        return []
    all_ = {m: v for m, g, v in rows if g == "all"}
    years = pricing.years(scenario.horizon_days - scenario.warm_up_days)
    types = list(scenario.demand.mix)
    shares = line_type_shares(records, scenario, index)
    fixed = [line for line in pricing.COST_LINES if line not in HOURLY_LINES]
    gap = without_provider_owed(records, scenario) / years  # the block's, by its mix
    rest = all_["cost_to_serve_per_year"] - sum(all_[line] for line in fixed) / years - gap
    rest_shares = serve_type_shares(records, scenario, referral_shares(records, scenario))
    out: list[Row] = []
    paid = {"cost_total_per_year": 0.0, "cost_to_serve_per_year": 0.0}
    for name, funder in scenario.funders.items():
        pays = np.array([funder.share if t in funder.types else 0.0 for t in types])
        cash = sum(all_[line] * float(shares[line] @ pays) for line in pricing.COST_LINES)
        serve = sum(all_[line] * float(shares[line] @ pays) for line in fixed) / years
        figures = {
            "cost_total_per_year": cash / years,
            "cost_to_serve_per_year": serve
            + rest * float(rest_shares @ pays)
            + gap * float(shares["cost_block"] @ pays),
        }
        for metric, value in figures.items():
            out.append((metric, f"funder={name}", value))
            paid[metric] += value
    return out + [(m, f"funder={COUNCIL}", all_[m] - value) for m, value in paid.items()]


QUARTERS_PER_YEAR = 4
PER_YEAR = {
    "referrals_per_year": "referrals",
    "breaches_per_year": "breaches",
    "unserved_per_year": "unserved",
    "spot_cases_per_year": "spot_cases",
    "flex_cases_per_year": "flex_cases",
    "block_hours_unused_per_year": "block_hours_unused",
}
"""Totals over the measured window a committee reads a year at a time."""


def per_year_rows(figures: dict[tuple[str, str], float], scenario: Scenario) -> list[Row]:
    """The totals of ``PER_YEAR`` divided by the measured years (group ``all``, and each
    authority of a joint contract)."""
    years = pricing.years(scenario.horizon_days - scenario.warm_up_days)
    groups = ["all"]
    if scenario.partners is not None:
        groups += [f"authority={name}" for name in scenario.partners.names]
    return [
        (name, group, figures[total, group] / years)
        for group in groups
        for name, total in PER_YEAR.items()
        if (total, group) in figures
    ]


def year_rows(records: Records, scenario: Scenario, index: Windows) -> list[Row]:
    """Per contract year (``year=1``, ...): cost in the measured part of it, that cost a
    year, referrals and breaches (of referrals arriving in it); cost per quarter
    (``quarter=1``, ...); and, when the scenario gives them, the chance a year costs more
    than ``budget_per_year`` or breaches ``breach_tolerance`` times or more."""
    rows: list[Row] = []
    cost_a_year, breaches_a_year = [], []
    for year, window in contract_years(scenario):
        cost = window_cost(records, scenario, window, index)
        breaches = index.breaches(window)
        group = f"year={year}"
        rows += [
            ("cost_total", group, cost),
            ("cost_total_per_year", group, cost / pricing.years(window.days)),
            ("referrals", group, index.referrals(window)),
            ("breaches", group, breaches),
        ]
        if any(absences is not None for absences in records.absences):
            rows.append(
                ("fte_at_work", group, staffing.fte_at_work_mean(records, window.start, window.end))
            )
        whole = window.days >= DAYS_PER_YEAR - 1e-9
        cost_a_year.append((whole, cost / pricing.years(window.days)))
        breaches_a_year.append((whole, breaches / pricing.years(window.days)))
    rows += quarter_rows(records, scenario, index)
    commissioning = scenario.commissioning
    if commissioning.budget_per_year is not None:
        over = [cost > commissioning.budget_per_year for cost in _years_to_judge(cost_a_year)]
        rows.append(("budget_risk", "all", float(np.mean(over)) if over else np.nan))
    if commissioning.breach_tolerance is not None:
        tolerance = commissioning.breach_tolerance
        many = [count >= tolerance for count in _years_to_judge(breaches_a_year)]
        rows.append(("breach_risk", "all", float(np.mean(many)) if many else np.nan))
    return rows


def financial_years(scenario: Scenario) -> list[tuple[str, list[Window]]]:
    """The measured window cut at the council's financial years (``financial_year_start``,
    days placed in the calendar from ``start_date``): each year's label (``2027/28``, or
    ``2027`` for a year starting 1 January) and its measured days, cut again at contract
    years so each part is costed at its contract year's uplift."""
    if scenario.commissioning.financial_year_start is None:
        return []
    month, day = financial_year_start(scenario.commissioning.financial_year_start)
    start, end = scenario.warm_up_days, scenario.horizon_days
    first = scenario.start_date + dt.timedelta(days=int(np.floor(start)))
    year = first.year if (first.month, first.day) >= (month, day) else first.year - 1
    years: list[tuple[str, list[Window]]] = []
    while True:
        low = float((dt.date(year, month, day) - scenario.start_date).days)
        high = float((dt.date(year + 1, month, day) - scenario.start_date).days)
        if low >= end:
            return years
        label = str(year) if (month, day) == (1, 1) else f"{year}/{(year + 1) % 100:02d}"
        parts = [
            Window(max(low, w.start), min(high, w.end), w.uplift)
            for _, w in contract_years(scenario)
            if min(high, w.end) > max(low, w.start)
        ]
        if parts:
            years.append((label, parts))
        year += 1


def financial_year_rows(records: Records, scenario: Scenario, index: Windows) -> list[Row]:
    """Cost in the measured part of each financial year (group ``fy=2027/28``): what a
    finance officer budgets by. The years add up to the measured window's cost."""
    rows: list[Row] = []
    for label, parts in financial_years(scenario):
        cost = sum(window_cost(records, scenario, part, index) for part in parts)
        rows.append(("cost_total", f"fy={label}", cost))
    return rows


def _years_to_judge(by_year: list[tuple[bool, float]]) -> list[float]:
    """The whole contract years measured; if none is whole, every part-year, a year's worth."""
    whole = [value for is_whole, value in by_year if is_whole]
    return whole or [value for _, value in by_year]


def quarter_rows(records: Records, scenario: Scenario, index: Windows) -> list[Row]:
    """Cost per quarter of the contract (``quarter=1`` is days 0 to 91.25), measured part."""
    step = DAYS_PER_YEAR / QUARTERS_PER_YEAR
    uplift = 1 + scenario.commissioning.uplift_per_year
    start, end = scenario.warm_up_days, scenario.horizon_days
    rows: list[Row] = []
    for quarter in range(int(start // step) + 1, int(np.ceil(end / step)) + 1):
        low, high = max(start, (quarter - 1) * step), min(end, quarter * step)
        if high > low:
            year = (quarter - 1) // QUARTERS_PER_YEAR + 1
            window = Window(low, high, uplift ** (year - 1))
            rows.append(
                ("cost_total", f"quarter={quarter}", window_cost(records, scenario, window, index))
            )
    return rows


def window_cost(records: Records, scenario: Scenario, window: Window, index: Windows) -> float:
    """Total cost to the council over one window."""
    charges = cost_charges(records, scenario, window, index)
    return pricing.total({name: charge.cost for name, charge in charges.items()})


def replication_metrics(records: Records, scenario: Scenario) -> list[tuple[int, str, str, float]]:
    """Every figure of one replication as ``(rep, metric, group, value)`` rows."""
    status = status_codes(records, scenario.horizon_days)
    rows = [
        *group_rows(records, scenario, status),
        *waiting_list_rows(records, scenario, status),
        *block_rows(records, scenario),
        *spot_rows(records, scenario),
        *staffing.workforce_rows(records, scenario.warm_up_days, scenario.horizon_days),
        *exit_rows(records, scenario),
    ]
    index = Windows.of(records, scenario)  # once: every year and quarter is costed from it
    rows += cost_rows(records, scenario, {(metric, group): v for metric, group, v in rows}, index)
    lines = {m: v for m, g, v in rows if m in pricing.COST_LINES and g == "all"}
    rows += serve_rows(records, scenario, lines)
    rows += per_year_rows({(metric, group): v for metric, group, v in rows}, scenario)
    rows += year_rows(records, scenario, index)
    rows += exit_split_rows(records, scenario, rows)
    rows += authority_cost_rows(records, scenario, rows)
    rows += financial_year_rows(records, scenario, index)
    rows += funder_rows(records, scenario, index, rows)
    return [(records.rep, *row) for row in rows]


def exit_rows(records: Records, scenario: Scenario) -> list[Row]:
    """Where a provider may leave: exits before the run stopped (warm-up and follow-up
    included: each changes what the measured people meet), days without a provider in
    the measured window, and whether one left within the term (``term_years`` from day
    0, or the horizon when it is shorter or there is no term), whose mean over
    replications is the chance it does."""
    commissioning = scenario.commissioning
    if not may_leave(scenario):
        return []
    exits, low, high = records.exits, scenario.warm_up_days, scenario.horizon_days
    term = commissioning.term_years
    term_end = high if term is None else min(term * DAYS_PER_YEAR, high)
    return [
        ("provider_exits", "all", float(exits.left_within(0.0, records.followed_to))),
        ("days_without_provider", "all", exits.without_provider(low, high)),
        ("exit_risk_in_term", "all", float(exits.left_within(0.0, term_end) > 0)),
    ]


EXIT_SPLIT = (
    "cost_to_serve_per_year",
    "within_target_share",
    "breaches_per_year",
    "unserved_per_year",
    "wait_mean_days",
)
"""The headline figures given again in the replications where a provider left before the
horizon (group ``exit=yes``) and in those where none did (``exit=no``): the risk a
single provider carries, shown, not averaged away."""


def exit_split_rows(records: Records, scenario: Scenario, rows: list[Row]) -> list[Row]:
    """``EXIT_SPLIT``'s figures of this replication under ``exit=yes`` or ``exit=no``,
    where a provider may leave."""
    if not may_leave(scenario):
        return []
    # Any exit before the run stopped: one in the warm-up or the follow-up changes the
    # measured people's waits and costs too (the term's chance is ``exit_risk_in_term``).
    left = records.exits.left_within(0.0, records.followed_to) > 0
    group = "exit=yes" if left else "exit=no"
    return [(m, group, v) for m, g, v in rows if m in EXIT_SPLIT and g == "all"]


SPLIT_COSTS = ("cost_total_per_year", "cost_to_serve_per_year")


def authority_cost_rows(records: Records, scenario: Scenario, rows: list[Row]) -> list[Row]:
    """In a joint contract, each authority's part of the cost a year (group
    ``authority=NAME``): the cash by the contract's ``cost_split``; the cost to serve
    that cash's part, plus each authority's own people's cases bought in the follow-up
    and what its own unserved are owed (so an authority never pays less by its
    residents going unserved, nor pays for its partner's), and the rest of it (a gap's
    owed price, what was carried in) by the split. The parts add up to the whole."""
    partners = scenario.partners
    if partners is None:
        return []
    shares = np.array(cost_shares(records, scenario))
    all_ = {metric: value for metric, group, value in rows if group == "all"}
    years = pricing.years(scenario.horizon_days - scenario.warm_up_days)
    own = own_serve_costs(records, scenario) / years
    rest = all_["cost_to_serve_per_year"] - all_["cost_total_per_year"] - own.sum()
    serve = all_["cost_total_per_year"] * shares + own + rest * shares
    return [
        *((("cost_total_per_year", f"authority={name}", all_["cost_total_per_year"] * share)
           for name, share in zip(partners.names, shares.tolist(), strict=True))),
        *((("cost_to_serve_per_year", f"authority={name}", value)
           for name, value in zip(partners.names, serve.tolist(), strict=True))),
    ]  # fmt: skip


def own_serve_costs(records: Records, scenario: Scenario) -> np.ndarray:
    """Per authority of a joint contract: the cost to serve's part that is its own
    people's, not the contract's: its cohort's cases first bought in the follow-up (any
    route) and what its unserved are owed."""
    count = len(scenario.partners.names) if scenario.partners is not None else 1
    who = records.referrals.authority
    cohort = in_cohort(records, scenario) & ~np.isnan(records.allocated_day)
    late = cohort & (bought_at(records)[0] >= scenario.horizon_days)
    cost = np.nan_to_num(case_cost(records, scenario))
    amounts = np.bincount(who[late], weights=cost[late], minlength=count).astype(float)
    unserved, owed = owed_by_person(records, scenario)
    return amounts + np.bincount(who[unserved], weights=owed, minlength=count)


def cost_shares(records: Records, scenario: Scenario) -> list[float]:
    """Each authority's share of a joint contract's cost, in ``partners.names`` order:
    fixed shares as given; by population, its share of the adults; by use, its share of
    the hours of the cases allocated in the measured window (by referral counts there if
    none was allocated)."""
    partners = scenario.partners
    assert partners is not None
    split = partners.cost_split
    if isinstance(split, dict):
        return [split[name] for name in partners.names]
    if split == "by_population":
        people = [partners.population, *(a.population for a in partners.authorities)]
        weights = np.array([float(p or 0.0) for p in people])
    else:
        day = records.allocated_day
        used = (day >= scenario.warm_up_days) & (day < scenario.horizon_days)
        who = records.referrals.authority
        hours = records.referrals.hours
        count = len(partners.names)
        weights = np.bincount(who[used], weights=hours[used], minlength=count)
        if weights.sum() == 0:
            weights = np.bincount(who, minlength=count).astype(float)
    return (
        (weights / weights.sum()).tolist() if weights.sum() else [1 / len(weights)] * len(weights)
    )


def per_replication(all_records: Sequence[Records], scenario: Scenario) -> pd.DataFrame:
    """Tidy per-replication figures: ``rep, metric, group, value``."""
    rows = [row for records in all_records for row in replication_metrics(records, scenario)]
    return pd.DataFrame(rows, columns=["rep", "metric", "group", "value"])


SHARE_METRICS = frozenset(name for name, metric in METRICS.items() if metric.kind == "share")


def summarise(per_rep: pd.DataFrame, scenario_name: str) -> pd.DataFrame:
    """``summary.csv`` of one scenario: ``stats.summarise`` with the share metrics'
    intervals kept within 0 to 1."""
    return stats.summarise(per_rep, scenario_name, SHARE_METRICS)
