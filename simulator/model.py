"""One replication: referrals -> commissioning model -> pools -> per-referral records.

``Replication`` is a small scheduler over one method per event in a referral's
life: ``receive`` (it arrives), ``triage`` (the hub lead's delay, if any),
``route`` (block pool or spot), ``arrange`` (the spot purchase's delay),
``join`` (it reaches its pool's queue), ``allocate`` (an advocate takes it),
``complete`` (the case closes and the slot takes the next referral) and
``breach`` (the process went ahead without an advocate). Every handler takes
the referral's index; a delayed handler is scheduled with ``later``.

Why SimPy callbacks and not a process per referral: a timeout whose callback
is a bound method costs one heap push and one call, where a process costs a
generator and several events. Arrivals are such a chain too: each arrival
schedules the next. That keeps the engine faster than an idiomatic SimPy model
of the same queue (``bench/bench_mmc.py`` measures it).

The model only moves referrals through time: it appends plain values into
per-referral lists (no pandas, no logging, no dicts per event), does no file
I/O and no aggregation. Metrics are computed afterwards from the records.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from heapq import heappop, heappush

import numpy as np
import simpy

from simulator import uncertainty
from simulator.commissioning import Routing, commissioning_model, overflow_rule
from simulator.demand import (
    Referrals,
    draw_other_buyers,
    draw_referrals,
    joined,
)
from simulator.exits import Exits, draw_exits, with_exits
from simulator.plan import PoolPlan, partner_scenarios, plan_pools
from simulator.providers import Level, Pool, SharedQueue, make_pool
from simulator.schema import WEIGHT_SCALE, Scenario
from simulator.units import DAYS_PER_WEEK, DAYS_PER_YEAR, WORKING_DAYS_A_WEEK
from simulator.vocabulary import Route
from simulator.workdays import EveryDay, WorkCalendar, closed_days, target_day
from simulator.workforce import Absences, Clock, draw_absences, in_contract

UNSERVED = -1
HUB_QUEUE = -2  # waiting in a hub's shared queue: no partner has taken it yet
URGENT, NORMAL = simpy.core.URGENT, simpy.core.NORMAL  # SimPy's event priorities
# changes of capacity: a post away, back, a new starter's slot, a planned change of contract
AWAY, BACK, GROW, VARY = range(4)


@dataclass(frozen=True)
class HandedBack:
    """Each time a case went back to the queue because its advocate was away for long or
    left and no colleague had room: the referral, the pool it left, the day, and when and
    where it was taken up again (NaN and -1: still waiting when the run stopped), and the
    hours of its work left then (at the pool it left). In the order they happened; a case
    may go back more than once. The person waits again meanwhile: on the waiting list,
    and in ``wait_again_mean_days``."""

    referral: np.ndarray
    pool: np.ndarray
    day: np.ndarray
    taken_up_day: np.ndarray
    taken_up_pool: np.ndarray
    hours_left: np.ndarray

    @classmethod
    def none(cls) -> HandedBack:
        empty = np.zeros(0)
        return cls(empty.astype(np.int64), empty.astype(np.int64), empty, empty,
                   empty.astype(np.int64), empty)  # fmt: skip


@dataclass(frozen=True)
class Records:
    """What happened to every referral in one replication, and pool accumulators.

    Only referrals arriving before the horizon are recorded, but what happened to
    them is followed past it: times after ``horizon_days`` happened in the
    follow-up (see ``Replication.run``). ``listed`` says a referral went on the
    waiting list (someone in the scenario can serve it); ``pool`` is the index
    into ``plans`` of where it was sent (-1: not routed: nobody can serve it, or
    still in triage when the simulation stopped). Times are NaN where they did not
    happen by ``followed_to``; ``end_day`` is NaN for cases still open then.
    ``withdrawn`` referrals left the list at their deadline. ``close_day`` is when
    an allocated case closes, or would close after ``followed_to``, and
    ``work_done_day`` when its hours are done (earlier when it is kept open longer).
    """

    rep: int
    referrals: Referrals
    target_day: np.ndarray
    pool: np.ndarray
    queued_day: np.ndarray
    allocated_day: np.ndarray
    end_day: np.ndarray
    close_day: np.ndarray
    work_done_day: np.ndarray
    withdrawn: np.ndarray
    listed: np.ndarray
    advocate: np.ndarray
    plans: tuple[PoolPlan, ...]
    busy_slot_days: np.ndarray  # per pool: integral of open cases over [0, horizon]
    absences: tuple[Absences | None, ...]  # per pool with a workforce: posts away or empty
    handed_back: HandedBack  # cases whose advocate went with nobody free to take them on
    exits: Exits  # providers that left, and when their successors started
    waiting_days: float  # integral of the waiting list over [0, horizon]
    followed_to: float  # the day the simulation stopped: the horizon, or later in follow-up


def every_referral(scenario: Scenario, rep: int, until: float) -> Referrals:
    """One replication's referrals as drawn (demand uncertain is drawn for it), and in a
    joint contract every partner authority's too, each from its own streams."""
    own = draw_referrals(uncertainty.drawn(scenario, rep), scenario.seed, rep, until=until)
    if scenario.partners is None:
        return own
    theirs = [
        draw_referrals(uncertainty.drawn(partner, rep), partner.seed, rep, until=until)
        for partner in partner_scenarios(scenario)
    ]
    return joined([own, *theirs])


def priority_classes(referrals: Referrals, triage: str) -> np.ndarray:
    """0 first. Priority triage: urgent before standard, then statutory before not."""
    if triage == "fifo":
        return np.zeros(len(referrals), dtype=np.int64)
    return 2 * (~referrals.urgent).astype(np.int64) + (~referrals.statutory).astype(np.int64)


def candidates_by_referral(
    scenario: Scenario, plans: Sequence[PoolPlan], referrals: Referrals
) -> tuple[list[tuple[tuple[int, ...], bool]], int | None]:
    """For each referral: block pools that can serve it, and whether spot can."""
    types = list(scenario.demand.mix)
    needs = list(scenario.demand.needs)
    spot_index = next((i for i, p in enumerate(plans) if p.route == Route.SPOT), None)
    blocks = [i for i, p in enumerate(plans) if p.route == Route.BLOCK]
    table: dict[tuple[int, int], tuple[tuple[int, ...], bool]] = {}
    for t, type_label in enumerate(types):
        for n in range(-1, len(needs)):
            need_label = needs[n] if n >= 0 else None
            block = tuple(i for i in blocks if plans[i].serves(type_label, need_label))
            spot = spot_index is not None and plans[spot_index].serves(type_label, need_label)
            table[(t, n)] = (block, spot)
    keys = zip(referrals.type_index.tolist(), referrals.need_index.tolist(), strict=True)
    return [table[key] for key in keys], spot_index


def due_days(scenario: Scenario, referrals: Referrals) -> np.ndarray:
    """Day by which each referral should be allocated (its working-day response target).

    Weekends, England and Wales bank holidays and ``targets.closure_days`` are
    not working days.
    """
    targets = scenario.targets
    working_days = np.where(
        referrals.urgent, targets.urgent_working_days, targets.standard_working_days
    )
    followed_to = scenario.horizon_days + scenario.follow_up_days
    closed = closed_days(scenario.start_date, followed_to, targets.closure_days)
    return target_day(scenario.start_date, referrals.arrival_day, working_days, closed)


class Replication:
    """One replication's state and the handlers that move referrals through it.

    Per-referral state lives in plain lists indexed by referral; per-pool state
    in ``Pool``; the waiting list's length and area in a ``Level``.
    """

    def __init__(self, scenario: Scenario, rep: int, referrals: Referrals | None = None):
        self.scenario = scenario
        self.rep = rep
        self.horizon = horizon = scenario.horizon_days
        # Demand as this replication draws it, where it is uncertain; the contract (plans,
        # deadlines, prices) stays as planned on the expected figures. Given referrals (a
        # case list replayed, simulator.replay_list) replace the drawn ones.
        if referrals is None:
            referrals = every_referral(scenario, rep, horizon + scenario.follow_up_days)
        self.referrals = referrals
        self.before_horizon = int(np.searchsorted(referrals.arrival_day, horizon, side="left"))
        # Other buyers' cases on the spot market come after ours in every per-referral list.
        self.ours = len(referrals)
        self.other_arrival, other_hours = draw_other_buyers(
            scenario, scenario.seed, rep, horizon + scenario.follow_up_days
        )
        commissioning = scenario.commissioning
        # the contract as planned, with this replication's provider exits in it
        buys_block = commissioning_model(scenario).buys_block
        self.exits = draw_exits(
            list(commissioning.providers) if buys_block else [], commissioning,
            scenario.seed, rep, horizon + scenario.follow_up_days,
        )  # fmt: skip
        self.plans = with_exits(plan_pools(scenario), self.exits, commissioning)
        self.choose = commissioning_model(scenario).chooser(scenario)
        self.shares_a_queue = commissioning_model(scenario).shared_queue(scenario)
        self.overflow = overflow_rule(commissioning.overflow)
        self.withdraw_at_deadline = scenario.demand.breach == "withdraw"
        self.due = due_days(scenario, referrals)
        self.due_day = self.due.tolist()
        self.candidates, spot = candidates_by_referral(scenario, self.plans, referrals)
        # with no spot market no referral is sent there (spot_ok is false for every one)
        self.spot_index = UNSERVED if spot is None else spot
        standard_statutory = 0 if commissioning.triage == "fifo" else 2
        self.priority = priority_classes(referrals, commissioning.triage).tolist()
        self.priority += [standard_statutory] * len(other_hours)
        self.arrival = referrals.arrival_day.tolist()
        self.hours = referrals.hours.tolist() + other_hours.tolist()
        # Caseload weight in hundredths of a slot, and how much longer than at a whole
        # slot's pace the work takes (a quarter-slot case gets a quarter of the hours).
        self.units = referrals.weight_units.tolist() + [WEIGHT_SCALE] * len(other_hours)
        self.smallest_units = min(self.units, default=WEIGHT_SCALE)
        self.weighted = scenario.demand.weighted  # some cases take a share of a slot
        self.stretch = [WEIGHT_SCALE / units for units in self.units]
        self.open_days = referrals.open_days.tolist() + [0.0] * len(other_hours)
        self.arrangement = referrals.arrangement_days.tolist()
        self.flex_uniform = referrals.flex_uniform
        self.flex_of = {p.owner: f for f, p in enumerate(self.plans) if p.route == Route.FLEX}
        self.mean_arrangement = {
            index: plan.arrangement_days.expected
            for index, plan in enumerate(self.plans)
            if plan.arrangement_days is not None
        }
        self.deadline = referrals.deadline_day.tolist()
        self.triage_days = referrals.triage_days.tolist()
        self.initial = referrals.initial.tolist() + [0] * len(other_hours)

    # --------------------------------------------------------------- scheduling

    def run(self) -> Records:
        """Simulate to the horizon, then follow up, and return the records.

        At the horizon the areas of the waiting list and caseloads are taken for
        the measured window. If referrals that arrived before it are still on the
        list, the simulation goes on (referrals still arriving, so the queue ahead
        stays realistic) until the last of them is allocated or withdrawn, or for
        ``follow_up_days`` at most.
        """
        n = self.ours + len(self.other_arrival)
        nan = float("nan")
        self.env = env = Engine()
        classes = 1 if self.scenario.commissioning.triage == "fifo" else 4
        units = self.units if self.weighted else None
        self.pools = [make_pool(plan, classes, units) for plan in self.plans]
        work = self.days_of_work()
        self.case_days = self.days_open(work)
        self.work_days = [days.tolist() for days in work]
        self.calendar = self.work_calendar()
        weekdays = self.calendar is not None
        self.weekdays = [weekdays and plan.weekdays for plan in self.plans]
        self.held_hours = self.slot_hours_held()
        self.absences = self.draw_workforce()
        blocks = [p for p, plan in enumerate(self.plans) if plan.route == Route.BLOCK]
        self.hub_queue = SharedQueue(self.pools, blocks, classes) if self.shares_a_queue else None
        self.waiting_list = Level()
        self.pool_of = [UNSERVED] * n
        self.queued = [nan] * n
        self.allocated = [nan] * n
        self.ended = [nan] * n
        self.closes = [nan] * n
        self.work_done = [nan] * n
        self.waking = [-1.0] * len(self.plans)  # when each pool is woken on a working day
        self.withdrawn = [False] * n
        self.listed = [False] * n
        self.advocate = [-1] * n
        self.following = False
        # a case handed back: its days open and of work left, and the pool it left
        self.left = [(0.0, 0.0, UNSERVED)] * n
        # each hand-back: referral, pool left, day; when and where taken up again
        self.handed_back: list[list[float]] = []
        self.waiting_again = [-1] * n  # the hand-back a case waits in, if it waits again
        self.schedule_workforce()
        # Both chains start at day 0 ahead of anything else, as SimPy starts a process.
        env.call(0.0, self.arrivals_from, 0, URGENT)
        if len(self.other_arrival):
            self.other_day = self.other_arrival.tolist()
            env.call(0.0, self.others_from, 0, URGENT)
        env.run(until=self.horizon)
        busy = [pool.busy_slot_days(self.horizon) for pool in self.pools]
        waiting_days = self.waiting_list.close(self.horizon)
        self.unresolved = sum(map(self.on_list, range(self.before_horizon)))
        if self.unresolved and self.scenario.follow_up_days > 0:
            self.following = True
            self.followed = env.event()
            env.timeout(self.scenario.follow_up_days).callbacks.append(self.stop_following)
            env.run(until=self.followed)
        records = self.records(busy, waiting_days)
        env.forget()
        return records

    def days_of_work(self) -> list[np.ndarray]:
        """Per pool, the days of work each case needs there (its hours at its share of the
        pool's pace): calendar days at ``every_day``, working days at ``weekdays`` (a
        week's hours spread over its five working days), not counting ``weeks_open``.
        Worked out for every referral at once: numpy does a case's arithmetic."""
        hours, stretch = np.asarray(self.hours), np.asarray(self.stretch)
        week = WORKING_DAYS_A_WEEK / DAYS_PER_WEEK
        return [
            hours * plan.days_per_hour * stretch * (week if plan.weekdays else 1.0)
            for plan in self.plans
        ]

    def days_open(self, work: list[np.ndarray]) -> list[list[float]]:
        """Per pool, the calendar days a case would stay open at ``every_day``: its days of
        work or ``weeks_open``, whichever is longer (a pool working weekdays finds its
        cases' days when each starts, from the calendar)."""
        kept_open = np.asarray(self.open_days)
        return [np.where(days >= kept_open, days, kept_open).tolist() for days in work]

    def work_calendar(self) -> WorkCalendar | None:
        """The working days, when some pool works on them only: far enough ahead for the
        longest case allocated at the end of the follow-up."""
        if not any(plan.weekdays for plan in self.plans):
            return None
        scenario = self.scenario
        longest = max((max(days, default=0.0) for days in self.work_days), default=0.0)
        if any(plan.workforce is not None for plan in self.plans):
            longest += DAYS_PER_YEAR  # room for a case paused by a long absence
        until = self.horizon + scenario.follow_up_days + 2 * longest
        return WorkCalendar(scenario.start_date, until, scenario.targets.closure_days)

    def slot_hours_held(self) -> list[list[float]]:
        """Per pool, the slot-hours each case would hold there: its hours, or its share of
        the pool's slot-hours while it is kept open, whichever is more (for every referral
        at once, as ``days_open``)."""
        hours, open_days = np.asarray(self.hours), np.asarray(self.open_days)
        share = np.asarray(self.units) / WEIGHT_SCALE
        by_pool = []
        for plan in self.plans:
            keeping = share * plan.case_hours_per_week / DAYS_PER_WEEK * open_days
            by_pool.append(np.where(keeping > hours, keeping, hours).tolist())
        return by_pool

    def on_list(self, i: int) -> bool:
        """Referral i is on the waiting list: listed, not allocated, not withdrawn; or
        handed back to the queue and not yet taken up again."""
        back = self.waiting_again[i]
        if back >= 0 and math.isnan(self.handed_back[back][3]):
            return True
        return self.listed[i] and self.allocated[i] != self.allocated[i] and not self.withdrawn[i]

    def resolved(self, i: int) -> None:
        """In follow-up: referral i left the list; stop once every earlier one has."""
        if i < self.before_horizon:
            self.unresolved -= 1
            if not self.unresolved:
                self.stop_following()

    def stop_following(self, event: simpy.events.Event | None = None) -> None:
        if not self.followed.triggered:
            self.followed.succeed()

    def later(self, days: float, handler: Callable[[int], None], i: int) -> None:
        """Call ``handler(i)`` after ``days``."""
        self.env.call(days, handler, i)

    def arrivals_from(self, first: int) -> None:
        """Receive referrals from ``first`` on while they are due now (those open or
        waiting on day 0 first), then schedule the next one's arrival."""
        env, arrival, initial, receive = self.env, self.arrival, self.initial, self.receive
        for i in range(first, len(arrival)):
            if initial[i] != 1:  # open on day 0: straight onto a caseload
                gap = arrival[i] - env._now
                if gap > 0:
                    env.call(gap, self.arrive, i)
                    return
            receive(i)

    def arrive(self, i: int) -> None:
        """Referral i's arrival time has come: it is received, then the next is due."""
        now = self.arrival[i] = self.env._now  # the clock's own value: no rounding gap
        self.receive(i)
        following = i + 1
        if following < self.ours and self.arrival[following] > now:
            # The usual case of arrivals_from, written out: the next arrives later.
            self.env.call(self.arrival[following] - now, self.arrive, following)
        else:
            self.arrivals_from(following)

    def others_from(self, first: int) -> None:
        """Other buyers' cases reach the spot market, first come first served with ours:
        those from the ``first`` on that are due now, then the next one is scheduled."""
        market, day = self.env, self.other_day
        for k in range(first, len(day)):
            if day[k] > market._now:
                market.call(day[k] - market._now, self.other_arrives, k)
                return
            self.other_joins(k)

    def other_arrives(self, k: int) -> None:
        """Another buyer's k-th case reaches the market, then the next is due."""
        self.other_joins(k)
        following, day, market = k + 1, self.other_day, self.env
        now = market._now
        if following < len(day) and day[following] > now:
            # The usual case of others_from, written out: the next arrives later.
            market.call(day[following] - now, self.other_arrives, following)
        else:
            self.others_from(following)

    def other_joins(self, k: int) -> None:
        """Another buyer's k-th case joins the spot market (after all of ours in every
        per-referral list): ``join`` written out for a case never withdrawn, never on our
        waiting list and never open on day 0."""
        i = self.ours + k
        spot = self.pool_of[i] = self.spot_index
        now = self.queued[i] = self.env._now
        pool = self.pools[spot]
        if self.at_work(spot, now) and pool.takes_now(self.units[i], self.priority[i]):
            self.allocate(spot, i)
        else:
            pool.enqueue(i, self.priority[i])

    # ------------------------------------------------------------------ handlers

    def receive(self, i: int) -> None:
        """Referral i arrives: it waits from now, unless nobody can ever serve it."""
        block, spot_ok = self.candidates[i]
        if not block and not spot_ok:
            return  # nobody in the scenario can serve it: unserved, never on the list
        self.listed[i] = True
        now = self.env._now
        self.waiting_list.change(now, +1)
        deadline = self.deadline[i]
        if self.withdraw_at_deadline and deadline == deadline:  # not NaN
            self.later(max(deadline - now, 0.0), self.breach, i)
        if self.triage_days[i] > 0:
            self.triage(i)
        else:
            self.route(i)  # no triage delay: straight on (one call fewer per referral)

    def triage(self, i: int) -> None:
        """The hub lead triages before routing: ``triage_days`` later, it is routed."""
        self.later(self.triage_days[i], self.route, i)

    def route(self, i: int) -> None:
        """Send referral i to the block pool its commissioning model chooses, or to spot."""
        if self.withdrawn[i]:
            return  # the process went ahead while it was being triaged
        block, spot_ok = self.candidates[i]
        pools = self.pools
        if self.initial[i] == 1:
            self.pool_of[i] = self.open_on_day0(i, block, spot_ok)
            self.join(i)
            return
        if not block:
            choice = None
        elif self.hub_queue is not None:
            choice = HUB_QUEUE
        else:
            choice = self.choose(block, pools, self.priority[i], self.units[i])
        if choice is not None and self.overflow is not None:
            if choice == HUB_QUEUE:  # the rule looks at the partners with the skill
                assert self.hub_queue is not None
                self.hub_queue.focus(block)
            now = self.env._now
            outside, arranging = self.outside(choice, i, spot_ok)
            routing = Routing(
                self.hub_queue if self.hub_queue is not None else pools[choice],
                pools[outside] if outside is not None else None,
                arranging,
                now,
                self.held_hours[block[0] if choice == HUB_QUEUE else choice][i],
                self.priority[i],
                self.units[i],
                self.due_day[i] - now,  # what is left of the target after any triage
            )
            if outside is not None and self.overflow.overflows(routing):
                self.pool_of[i] = outside
                self.arrange(i)
                return
            self.overflow.kept(routing)
        if choice is None:
            self.pool_of[i] = self.spot_index
            self.arrange(i)
        else:
            self.pool_of[i] = choice
            self.join(i)

    def open_on_day0(self, i: int, block: tuple[int, ...], spot_ok: bool) -> int:
        """Where a case open on day 0 already is: a free block slot, else a spot advocate.

        It is already on a caseload, so no overflow rule applies: under a block
        topped up by spot, the part of the running service's caseload beyond the
        block's slots is with spot advocates. Validation checks the slots are
        enough in total; only a case no free slot has the skill for would queue.
        """
        pools = self.pools
        units = self.units[i]
        free = tuple(p for p in block if pools[p].fits(units))
        if free:
            choice = self.choose(free, pools, self.priority[i], units)
            if choice is not None:
                return choice
        if spot_ok:
            return self.spot_index
        choice = self.choose(block, pools, self.priority[i], units)
        assert choice is not None  # received, so some pool can serve it
        return choice

    def outside(self, choice: int, i: int, spot_ok: bool) -> tuple[int | None, float]:
        """Where referral i would go if it left the block: its provider's flex hours when
        they are expected no later than spot (mean arrangement plus expected wait), else
        the spot market; with the mean days to arrange it there. (None, 0): nowhere."""
        if not self.flex_of:  # no provider has flex hours: outside is spot, if it serves
            spot = self.spot_index
            return (spot, self.mean_arrangement[spot]) if spot_ok else (None, 0.0)
        owners = self.candidates[i][0] if choice == HUB_QUEUE else (choice,)
        flex = next((self.flex_of[p] for p in owners if p in self.flex_of), None)
        options = [p for p in (flex, self.spot_index if spot_ok else None) if p is not None]
        if not options:
            return None, 0.0
        if len(options) == 1:
            return options[0], self.mean_arrangement[options[0]]
        priority, units = self.priority[i], self.units[i]
        best = min(
            options,
            key=lambda p: (
                self.mean_arrangement[p] + self.pools[p].expected_wait_days(priority, units)
            ),
        )
        return best, self.mean_arrangement[best]

    def arrange(self, i: int) -> None:
        """A spot purchase, or a flex case with the provider, is agreed (a delay drawn per
        referral) before it can join that pool's queue."""
        plan = self.plans[self.pool_of[i]]
        if plan.route == Route.FLEX:
            assert plan.arrangement_days is not None
            days = float(plan.arrangement_days.quantile(self.flex_uniform[i : i + 1])[0])
        else:
            days = self.arrangement[i]
        if days > 0:
            self.later(days, self.join, i)
        else:
            self.join(i)

    def join(self, i: int) -> None:
        """Referral i reaches its pool: a free slot takes it, or it queues by priority."""
        if self.withdrawn[i]:
            return
        pool_index = self.pool_of[i]
        if pool_index == HUB_QUEUE:
            self.join_hub(i)
            return
        pool = self.pools[pool_index]
        now = self.queued[i] = self.env._now
        if not self.at_work(pool_index, now) and self.initial[i] != 1:
            # (a case open on day 0 is already on a caseload, even on a bank holiday)
            pool.enqueue(i, self.priority[i])
        elif pool.takes_now(self.units[i], self.priority[i]):
            if i < self.ours:  # another buyer's case is never on our waiting list
                self.waiting_list.change(now, -1)
            self.allocate(pool_index, i)
        else:
            pool.enqueue(i, self.priority[i])

    def join_hub(self, i: int) -> None:
        """Referral i reaches the hub's shared queue: the first partner (in the scenario's
        order) with a free slot and the skill takes it, or it waits in the hub queue."""
        now = self.queued[i] = self.env._now
        units = self.units[i]
        for pool_index in self.candidates[i][0]:
            if not self.at_work(pool_index, now):
                continue
            if self.pools[pool_index].fits(units) and not self.waits_ahead(pool_index, i):
                self.pool_of[i] = pool_index
                self.waiting_list.change(now, -1)
                self.allocate(pool_index, i)
                return
        assert self.hub_queue is not None
        self.hub_queue.enqueue(i, self.priority[i])

    def waits_ahead(self, pool_index: int, i: int) -> bool:
        """In a hub with shares of slots: someone this partner could serve waits ahead of
        referral i in the hub queue (with whole slots, a free slot means nobody does)."""
        if not self.weighted:
            return False
        assert self.hub_queue is not None
        return self.hub_queue.waits_ahead_for(
            lambda j: pool_index in self.candidates[j][0], self.priority[i], self.withdrawn
        )

    def allocate(self, pool_index: int, i: int) -> None:
        """An advocate of the pool takes referral i; the case closes when its hours are
        done at its share of a slot's pace, or after ``weeks_open``, whichever is later."""
        env = self.env
        now = env._now
        if self.allocated[i] == self.allocated[i]:  # handed back to the queue: its work goes on
            self.resume(pool_index, i)
            return
        pool = self.pools[pool_index]
        advocate = self.advocate[i] = pool.start_case(now, self.units[i])
        if self.tracked[pool_index]:
            self.cases_of[pool_index][advocate].add(i)
        self.allocated[i] = now
        if self.following:
            self.resolved(i)
        work = self.work_days[pool_index][i]
        if self.weekdays[pool_index]:
            assert self.calendar is not None
            done = self.calendar.finish(now, work)
            days = max(done - now, self.open_days[i])
        else:
            done, days = now + work, self.case_days[pool_index][i]
        if self.tracked[pool_index]:
            done, close = self.paused_through(pool_index, advocate, now, done, now + days)
            days = close - now
        self.work_done[i], self.closes[i] = done, now + days
        # A case closing comes before anything else due at the same instant, so a slot
        # freed at t is free for a referral arriving at t. (SimPy would otherwise order
        # them by when each was scheduled, which depends on when the case began.)
        env.call(days, self.complete, i, URGENT)

    def complete(self, i: int) -> None:
        """Case i closes; its room takes the referrals waiting at that pool that fit."""
        now = self.env._now
        if self.closes[i] != now or self.ended[i] == self.ended[i]:
            return  # paused or handed on since: a later close replaced this one
        self.ended[i] = now
        pool_index = self.pool_of[i]
        if self.tracked[pool_index]:
            advocate = self.advocate[i]
            self.cases_of[pool_index][advocate].discard(i)
            if self.gone[pool_index][advocate]:
                # it closed as its advocate's absence began: the slot is theirs on return
                self.pools[pool_index].release(now, self.units[i])
                return
        self.pools[pool_index].end_case(now, self.advocate[i], self.units[i])
        self.fill(pool_index, now)

    def fill(self, pool_index: int, now: float) -> None:
        """Room freed at a pool: it takes waiting referrals, in order, while the first one
        fits (one whole slot takes one; a freed slot may take several quarter-slot cases)."""
        if not self.at_work(pool_index, now):
            return
        pool, units = self.pools[pool_index], self.units
        hub = self.hub_queue
        if hub is not None and pool_index not in hub.members:
            hub = None
        while True:
            if hub is None:
                following = pool.next_waiting(self.withdrawn)
            elif not pool.fits(self.smallest_units):
                return
            else:
                following = hub.next_for(
                    lambda j: pool_index in self.candidates[j][0],
                    lambda j: pool.fits(units[j]),
                    self.withdrawn,
                )
                if following >= 0:
                    self.pool_of[following] = pool_index
            if following < 0:
                return
            if following < self.ours:  # allocated, or taken up again after a hand-back
                self.waiting_list.change(now, -1)
            self.allocate(pool_index, following)

    def at_work(self, pool_index: int, now: float) -> bool:
        """The pool's advocates are at work now, so it may allocate. On a day that is not
        one of its working days it may not; it is woken at the start of the next (one
        event for the whole closed stretch, however many referrals wait for it)."""
        if not self.weekdays[pool_index]:
            return True
        assert self.calendar is not None
        opens = self.calendar.opens(now)
        if opens == now:
            return True
        if self.waking[pool_index] != opens:
            self.waking[pool_index] = opens
            self.env.call(opens - now, self.wake, pool_index, NORMAL)
        return False

    def wake(self, pool_index: int) -> None:
        """A working day starts: the pool takes the referrals that wait for it."""
        self.fill(pool_index, self.env._now)

    # ---------------------------------------------------------------- workforce

    def draw_workforce(self) -> tuple[Absences | None, ...]:
        """Per pool with a ``workforce``, when each post is away or empty (drawn now, from
        the pool's own streams); None for a pool whose advocates are never away."""
        until = self.horizon + self.scenario.follow_up_days
        every_day = EveryDay()
        calendar = self.calendar
        self.clocks: list[Clock] = [
            calendar if weekdays and calendar is not None else every_day
            for weekdays in self.weekdays
        ]
        return tuple(
            None if plan.workforce is None or not plan.workforce.away
            else in_contract(draw_absences(plan, plan.workforce, self.clocks[p],
                                           self.scenario.start_date, self.scenario.seed,
                                           self.rep, until), plan)
            for p, plan in enumerate(self.plans)
        )  # fmt: skip

    def schedule_workforce(self) -> None:
        """Every spell away, return and new starter's slot, and every planned change of
        contract, scheduled once at the start (a change of contract first, then a return
        before a departure at the same instant, all before any case event then; a spell of
        no length, a post a leaver empties and a new starter fills at once, goes away and
        comes back between the two: the leaver out, then the starter in)."""
        self.tracked = [
            absences is not None or bool(plan.changes)
            for absences, plan in zip(self.absences, self.plans, strict=True)
        ]
        self.cases_of: list[list[set[int]]] = []
        self.cap: list[list[int]] = []  # each post's slots now (fewer while a starter ramps up)
        self.contracted: list[list[int]] = []  # each post's slots under the contract now
        self.gone: list[list[bool]] = []
        self.ramps: list[tuple[int, int]] = []  # a new post's slots to come: pool, post
        # per pool and post: its spells, as ``paused_through`` reads them (``spells_by_post``)
        self.spells_of: list[list[tuple[list[float], list[float], list[float], list[int]]]] = []
        changes: list[tuple[float, int, int, int, int]] = []  # when, order, pool, kind, index
        for p, absences in enumerate(self.absences):
            plan = self.plans[p]
            posts = plan.posts
            self.cases_of.append([set() for _ in range(posts)])
            self.cap.append(plan.post_slots(plan.slots))
            self.contracted.append(list(self.cap[p]))
            self.gone.append([False] * posts)
            self.spells_of.append([([], [], [0.0], []) for _ in range(posts)])
            changes += [(when, -1, p, VARY, k) for k, (when, _, _) in enumerate(plan.changes)]
            if absences is None:
                continue
            self.spells_by_post(p, absences)
            starts, ends = absences.start.tolist(), absences.end.tolist()
            instant = (absences.end <= absences.start).tolist()
            changes += [(when, 2 if instant[k] else 4, p, AWAY, k) for k, when in enumerate(starts)]
            changes += [(when, 3 if instant[k] else 0, p, BACK, k) for k, when in enumerate(ends)]
            changes += [(when, 1, p, GROW, k) for k, when in enumerate(absences.grow_day.tolist())]
        changes.sort()
        self.changes = [(p, kind, k) for _, _, p, kind, k in changes]
        for c, (when, *_) in enumerate(changes):
            self.env.call(when, self.change, c, URGENT)

    def spells_by_post(self, pool_index: int, absences: Absences) -> None:
        """Each post's spells in order, for ``paused_through``: their calendar starts; their
        starts in the post's time at work (working time less the spells before); the
        working time of the spells before each (one more: all of them); and the index of
        the next spell, from each, that hands its cases on (or the count)."""
        workforce = self.plans[pool_index].workforce
        assert workforce is not None
        worked = self.clocks[pool_index].worked
        hands_on = (absences.vacant | (absences.days > workforce.cover_after_days)).tolist()
        columns = zip(absences.advocate.tolist(), absences.start.tolist(),
                      absences.end.tolist(), hands_on, strict=True)  # fmt: skip
        for advocate, start, end, long in sorted(columns, key=lambda spell: spell[1]):
            starts, at_work, before, next_long = self.spells_of[pool_index][advocate]
            begins = worked(start)
            starts.append(start)
            at_work.append(begins - before[-1])
            before.append(before[-1] + worked(end) - begins)
            next_long.append(1 if long else 0)  # turned into indices below
        for _, _, _, next_long in self.spells_of[pool_index]:
            following = len(next_long)
            for j in reversed(range(len(next_long))):
                following = j if next_long[j] else following
                next_long[j] = following

    def change(self, c: int) -> None:
        """The c-th change of capacity: a post away, back, a new starter's next slot, or the
        k-th planned change of the pool's contract."""
        pool_index, kind, k = self.changes[c]
        if kind == VARY:
            self.vary(pool_index, k)
        else:
            absences = self.absences[pool_index]
            assert absences is not None
            advocate = int(absences.grow_advocate[k] if kind == GROW else absences.advocate[k])
            if kind == AWAY:
                self.away(pool_index, advocate, absences, k)
            elif kind == BACK:
                self.back(pool_index, advocate, bool(absences.vacant[k]))
            else:
                self.grow_slot(pool_index, advocate)
        self.restaff(pool_index)

    def restaff(self, pool_index: int) -> None:
        """The pool's slots at work now, for the overflow rules' expected wait: each post's
        slots (fewer while a starter ramps up, none while vacant) unless it is away."""
        at_work = zip(self.cap[pool_index], self.gone[pool_index], strict=True)
        self.pools[pool_index].staffed = sum(slots for slots, away in at_work if not away)

    def grow_slot(self, pool_index: int, advocate: int) -> None:
        """A new starter takes on one more slot (none beyond the post's under the contract:
        a post cut while its starter ramps up)."""
        if self.cap[pool_index][advocate] >= self.contracted[pool_index][advocate]:
            return
        self.cap[pool_index][advocate] += 1
        if not self.gone[pool_index][advocate]:
            self.pools[pool_index].grow(advocate)
            self.fill(pool_index, self.env._now)

    def ramp_step(self, r: int) -> None:
        """The r-th slot of a new post's starter (a contract grown with a ramp)."""
        pool_index, advocate = self.ramps[r]
        self.grow_slot(pool_index, advocate)
        self.restaff(pool_index)

    def away(self, pool_index: int, advocate: int, absences: Absences, k: int) -> None:
        """A post is away (or empty): its free slots go; an absence up to ``cover_after_days``
        pauses its cases to its return, a longer one or a leaver hands them on."""
        workforce = self.plans[pool_index].workforce
        assert workforce is not None
        self.gone[pool_index][advocate] = True
        self.pools[pool_index].step_out(advocate)
        cases = sorted(self.cases_of[pool_index][advocate])
        vacant = bool(absences.vacant[k])
        if vacant:
            self.cap[pool_index][advocate] = 0
        if vacant or absences.days[k] > workforce.cover_after_days:
            self.hand_on_all(pool_index, [(advocate, i) for i in cases])
        # A shorter absence pauses the cases: each already closes that much later, as
        # ``paused_through`` worked out when it was allocated.

    def hand_on_all(self, pool_index: int, cases: list[tuple[int, int]]) -> None:
        """Cases (advocate, referral), in this order, go to colleagues with room, best fit,
        else back to the front of the queue in their class; then the pool (or the hub) takes
        what fits. Each advocate's own free room must be gone first (``Pool.step_out``)."""
        handed_back = [i for advocate, i in cases if not self.hand_on(pool_index, advocate, i)]
        for i in reversed(handed_back):  # each to the front: they keep their order
            self.hand_back(pool_index, i)
        self.fill_sharing(pool_index)

    def fill_sharing(self, pool_index: int) -> None:
        """The pool takes what fits, and in a hub every partner sharing its queue does."""
        hub = self.hub_queue
        sharing = hub is not None and pool_index in hub.members
        for member in hub.members if sharing and hub is not None else [pool_index]:
            self.fill(member, self.env._now)  # a case handed back may fit a colleague

    def vary(self, pool_index: int, k: int) -> None:
        """The k-th planned change of the pool's contract: its slots are dealt out again as
        on day 0 (``PoolPlan.post_slots``). Posts that gain slots take them on first
        (``add``); then every post that loses some gives up its free room at once, and takes
        back what is left of it after the cases it must shed (``shed``), before any case
        goes on: no case goes to a post about to lose it, and each goes on, in referral
        order, to whatever room the new contract leaves."""
        plan = self.plans[pool_index]
        was = self.contracted[pool_index]
        _, slots, hours = plan.changes[k]
        targets = self.contracted[pool_index] = plan.post_slots(slots)
        self.pools[pool_index].contract(slots, hours)
        for advocate, (before, target) in enumerate(zip(was, targets, strict=True)):
            if target > before:
                self.add(pool_index, advocate, before, target)
        # (a post vacant, or still ramping up, may hold no more than its target already)
        cut = [
            advocate for advocate, target in enumerate(targets)
            if target < was[advocate] and self.cap[pool_index][advocate] > target
        ]  # fmt: skip
        for advocate in cut:
            self.cap[pool_index][advocate] = targets[advocate]
            if not self.gone[pool_index][advocate]:
                self.pools[pool_index].step_out(advocate)
        moved = [
            (i, advocate)
            for advocate in cut
            for i in self.shed(pool_index, advocate, targets[advocate])
        ]
        self.hand_on_all(pool_index, [(advocate, i) for i, advocate in sorted(moved)])
        if slots == 0:
            self.to_spot(pool_index)

    def to_spot(self, pool_index: int) -> None:
        """A provider gone with nobody to follow it at once: whoever waits for it and may be
        bought spot is (in their order, as the overflow rules would send a referral now);
        the rest wait for a successor. In a hub, those waiting whom no partner left with a
        contract now can serve (the one with their specialism has gone)."""
        hub = self.hub_queue
        if self.overflow is None or self.spot_index < 0:
            return
        pools = self.pools
        if hub is not None and pool_index in hub.members:
            queue: Pool | SharedQueue = hub

            def goes(i: int) -> bool:
                served = any(pools[p].slots for p in self.candidates[i][0])
                return i < self.ours and self.candidates[i][1] and not served
        else:
            queue = pools[pool_index]

            def goes(i: int) -> bool:
                return i < self.ours and self.candidates[i][1]

        moved = queue.take_waiting(goes, self.withdrawn)
        for i in moved:
            self.pool_of[i] = self.spot_index
            self.arrange(i)

    def shed(self, pool_index: int, advocate: int, target: int) -> list[int]:
        """The cases a post cut to ``target`` slots (its free room already gone) must hand
        on, as a leaver's are: the latest referrals first, a lighter one that still fits
        staying; all of them when the post goes. Its room left comes back at once, so the
        cases of every post cut go on (``vary``) only when each post's room is its own."""
        pool, gone = self.pools[pool_index], self.gone[pool_index][advocate]
        cases = sorted(self.cases_of[pool_index][advocate])
        scale = WEIGHT_SCALE if self.weighted else 1
        weight = self.units if self.weighted else [1] * len(self.units)
        held, moved = sum(weight[i] for i in cases), []
        while held > target * scale:
            moved.append(cases.pop())
            held -= weight[moved[-1]]
        for i in sorted(moved):  # a lighter case may still fit the room left: it stays
            if weight[i] <= target * scale - held:
                moved.remove(i)
                held += weight[i]
        if not gone:  # nothing moved fits what is left, so nobody hands a case to themselves
            pool.step_in(advocate, target * scale - held)
        return moved

    def add(self, pool_index: int, advocate: int, was: int, target: int) -> None:
        """A post gains slots: a post that had none is a new starter (their slots one by one
        over ``new_starter_ramp_days`` when the pool has a ramp), any other takes them on at
        once. A post vacant now gets them with its new starter (``back``); a post away now
        gets them on its return."""
        if self.vacant_now(pool_index, advocate):
            return
        workforce = self.plans[pool_index].workforce
        if was == 0 and workforce is not None and workforce.new_starter_ramp_days > 0:
            ramp = workforce.new_starter_ramp_days
            for step in range(1, target + 1):
                self.ramps.append((pool_index, advocate))
                self.env.call(ramp * step / target, self.ramp_step, len(self.ramps) - 1, URGENT)
            return
        self.cap[pool_index][advocate] += target - was
        if not self.gone[pool_index][advocate]:
            for _ in range(target - was):
                self.pools[pool_index].grow(advocate)

    def vacant_now(self, pool_index: int, advocate: int) -> bool:
        """The post is in a vacancy now (one starting now counts). Planned changes are rare:
        a scan of the spells is fine here."""
        absences, now = self.absences[pool_index], self.env._now
        if absences is None:
            return False
        inside = (absences.advocate == advocate) & (absences.start <= now) & (now < absences.end)
        return bool((inside & absences.vacant).any())

    def back(self, pool_index: int, advocate: int, vacant: bool) -> None:
        """A post is back at work (a new starter, after a vacancy, with no slots until the
        ramp gives them, or all at once without one): its free room takes the queue."""
        self.gone[pool_index][advocate] = False
        plan = self.plans[pool_index]
        workforce = plan.workforce
        assert workforce is not None
        if vacant and workforce.new_starter_ramp_days == 0:
            self.cap[pool_index][advocate] = self.contracted[pool_index][advocate]
        cases = self.cases_of[pool_index][advocate]
        if self.weighted:
            room = self.cap[pool_index][advocate] * WEIGHT_SCALE - sum(self.units[i] for i in cases)
        else:
            room = self.cap[pool_index][advocate] - len(cases)
        self.pools[pool_index].step_in(advocate, room)
        self.fill(pool_index, self.env._now)

    def left_of(self, pool_index: int, i: int) -> tuple[float, float]:
        """Case i's working time left now: until it closes, and until its work is done (less
        the pauses its advocate's short absences ahead would have added: only a planned
        change of contract hands cases on with some still ahead, or during one)."""
        clock, now = self.clocks[pool_index], self.env._now
        at = clock.worked(now)
        close_at, done_at = clock.worked(self.closes[i]), clock.worked(self.work_done[i])
        if self.plans[pool_index].changes:
            advocate = self.advocate[i]
            close_at -= self.pauses_ahead(pool_index, advocate, at, close_at)
            done_at -= self.pauses_ahead(pool_index, advocate, at, done_at)
        return close_at - at, max(done_at - at, 0.0)

    def pauses_ahead(self, pool_index: int, advocate: int, at: float, until: float) -> float:
        """Working time in ``[at, until)`` the advocate's short absences take (those that
        pause a case: up to their next long one, which would hand it on)."""
        starts, at_work, before, next_long = self.spells_of[pool_index][advocate]
        paused = 0.0
        for j in range(max(bisect_right(starts, self.env._now) - 1, 0), len(starts)):
            begins = at_work[j] + before[j]  # the spell's start in working time
            if begins >= until or (next_long[j] == j and begins >= at):
                break
            if next_long[j] != j:
                paused += max(min(begins + before[j + 1] - before[j], until) - max(begins, at), 0.0)
        return paused

    def paused_through(
        self, pool_index: int, advocate: int, now: float, done: float, close: float
    ) -> tuple[float, float]:
        """A case's work-done and close days, each moved later by the absences of its
        advocate short enough to pause it (at most ``cover_after_days``) that start before
        it would close: the spells are drawn before the run, so a case gets one close
        event, not one per absence. A longer absence hands the case on when it starts,
        and its days are worked out again then.

        In working time a pause adds its length, and a case needs so much of its
        advocate's time at work: with each spell's start counted in time at work
        (``at_work``) and the lengths before it summed (``before``), the spells it meets
        are found by bisection, however long the case stays open."""
        starts, at_work, before, next_long = self.spells_of[pool_index][advocate]
        # A spell starting now counts: its advocate is still here (nobody away takes a case),
        # so it has not begun yet (a colleague handed a case at that instant, say).
        k = bisect_left(starts, now)
        if k == len(starts) or starts[k] > close:
            return done, close  # no absence before it closes (most cases)
        clock, last = self.clocks[pool_index], next_long[k]
        close_at = clock.worked(close)
        reach = close_at - before[k]
        met = min(bisect_right(at_work, reach), last)
        moved_close = clock.finish(0.0, close_at + (before[met] - before[k]))
        if done == close and (met == 0 or at_work[met - 1] < reach):
            return moved_close, moved_close  # (most cases) no spell starts as the work ends
        done_at = clock.worked(done)
        met = min(bisect_left(at_work, done_at - before[k]), last)  # work done as one starts
        return clock.finish(0.0, done_at + (before[met] - before[k])), moved_close

    def hand_on(self, pool_index: int, advocate: int, i: int) -> bool:
        """An absent advocate's case goes to a colleague with room (best fit, as a new case
        would); False when nobody has room (``hand_back`` then returns it to the queue)."""
        pool = self.pools[pool_index]
        self.cases_of[pool_index][advocate].discard(i)
        colleague = pool.hand_over(self.units[i])
        if colleague < 0:
            return False
        open_left, work_left = self.left_of(pool_index, i)
        self.advocate[i] = colleague
        self.cases_of[pool_index][colleague].add(i)
        self.carry_on(pool_index, colleague, i, open_left, work_left)
        return True

    def hand_back(self, pool_index: int, i: int) -> None:
        """An absent advocate's case nobody had room for goes back to the front of the queue
        in its class, with its work left."""
        pool, now = self.pools[pool_index], self.env._now
        open_left, work_left = self.left_of(pool_index, i)
        pool.release(now, self.units[i])
        self.closes[i] = self.work_done[i] = float("nan")  # its close event is void
        self.left[i] = (open_left, work_left, pool_index)
        if i < self.ours:  # the person waits for an advocate again, on the waiting list
            self.waiting_list.change(now, +1)
            self.waiting_again[i] = len(self.handed_back)
            work = self.work_days[pool_index][i]  # the case's hours at this pool's pace
            hours_left = self.hours[i] * work_left / work if work > 0 else 0.0
            self.handed_back.append([i, pool_index, now, float("nan"), UNSERVED, hours_left])
            if self.following and i < self.before_horizon:
                self.unresolved += 1  # the follow-up goes on until they are taken up again
        hub = self.hub_queue
        if hub is not None and pool_index in hub.members:
            # it names the partner it was with until another takes it up: a case that has
            # been allocated is never recorded as not routed
            hub.requeue(i, self.priority[i])
        else:
            pool.requeue(i, self.priority[i])

    def resume(self, pool_index: int, i: int) -> None:
        """A case handed back is taken up again: its work left goes on from now (its wait
        stays measured to its first allocation). Taken up by another hub partner, its hours
        left take that partner's pace (days kept open past them stay as they were)."""
        now = self.env._now
        advocate = self.advocate[i] = self.pools[pool_index].start_case(now, self.units[i])
        if self.tracked[pool_index]:
            self.cases_of[pool_index][advocate].add(i)
        if i < self.ours:
            self.handed_back[self.waiting_again[i]][3:5] = [now, pool_index]
            if self.following:
                self.resolved(i)
        open_left, work_left, left_pool = self.left[i]
        if left_pool != pool_index:
            was, now_at = self.work_days[left_pool][i], self.work_days[pool_index][i]
            # kept open past its work (weeks_open), beyond the rounding of a working-day close
            kept_open = open_left - work_left > 1e-9
            work_left = work_left * now_at / was if was > 0 else 0.0
            open_left = max(open_left, work_left) if kept_open else work_left
        self.carry_on(pool_index, advocate, i, open_left, work_left)

    def carry_on(
        self, pool_index: int, advocate: int, i: int, open_left: float, work_left: float
    ) -> None:
        """Case i goes on with ``advocate`` from now, with this working time left (through
        the advocate's own absences to come)."""
        now, clock = self.env._now, self.clocks[pool_index]
        done, close = clock.finish(now, work_left), clock.finish(now, open_left)
        done, close = self.paused_through(pool_index, advocate, now, done, close)
        self.work_done[i] = done
        self.close_at(i, close)

    def close_at(self, i: int, day: float) -> None:
        """Case i now closes on ``day``: an event then (its earlier one is void: ``complete``
        acts only when the day is the case's ``closes``, kept as SimPy adds it up)."""
        if day == self.closes[i]:
            return  # handed to a colleague on the day clock: it closes when it would have
        now = self.env._now
        delay = day - now
        self.closes[i] = now + delay
        self.env.call(delay, self.complete, i, URGENT)

    def breach(self, i: int) -> None:
        """The deadline passed: without an advocate, the referral leaves the list."""
        if self.allocated[i] == self.allocated[i]:  # not NaN: allocated in time
            return
        self.withdrawn[i] = True
        self.waiting_list.change(self.env._now, -1)
        if self.queued[i] == self.queued[i]:  # in a queue, not in triage or being arranged
            pool_index = self.pool_of[i]
            queue = self.hub_queue if pool_index == HUB_QUEUE else self.pools[pool_index]
            assert queue is not None
            queue.drop_waiting(self.priority[i])
        if self.following:
            self.resolved(i)

    # ------------------------------------------------------------------- records

    def records(self, busy_slot_days: list[float], waiting_days: float) -> Records:
        """The referrals that arrived before the horizon, as followed up."""
        kept = slice(0, self.before_horizon)
        arrival = np.asarray(self.arrival[kept], dtype=float)
        referrals = Referrals(
            **{name: getattr(self.referrals, name)[kept] for name in Referrals.__dataclass_fields__}
        )
        return Records(
            rep=self.rep,
            referrals=replace(referrals, arrival_day=arrival),
            target_day=self.due[kept],
            pool=np.maximum(np.asarray(self.pool_of[kept], dtype=np.int64), UNSERVED),
            queued_day=np.asarray(self.queued[kept], dtype=float),
            allocated_day=np.asarray(self.allocated[kept], dtype=float),
            end_day=np.asarray(self.ended[kept], dtype=float),
            close_day=np.asarray(self.closes[kept], dtype=float),
            work_done_day=np.asarray(self.work_done[kept], dtype=float),
            withdrawn=np.asarray(self.withdrawn[kept], dtype=bool),
            listed=np.asarray(self.listed[kept], dtype=bool),
            advocate=np.asarray(self.advocate[kept], dtype=np.int64),
            plans=tuple(self.plans),
            busy_slot_days=np.array(busy_slot_days),
            absences=self.absences,
            handed_back=self.handed_back_records(),
            exits=self.exits,
            waiting_days=waiting_days,
            followed_to=self.env._now,
        )

    def handed_back_records(self) -> HandedBack:
        """The hand-backs of the referrals recorded (those arriving before the horizon)."""
        kept = [row for row in self.handed_back if row[0] < self.before_horizon]
        if not kept:
            return HandedBack.none()
        referral, pool, day, taken_up_day, taken_up_pool, hours_left = np.array(kept).T
        return HandedBack(referral.astype(np.int64), pool.astype(np.int64), day,
                          taken_up_day, taken_up_pool.astype(np.int64), hours_left)  # fmt: skip


class Engine(simpy.Environment):
    """SimPy's environment, with the engine's own calls kept off its event heap.

    Nothing in the engine waits on an arrival, a case closing or a working day starting,
    so none of them needs a SimPy event (an object, its callbacks, a dispatch): each is a
    call, ``handler(i)`` at a time, in a heap of its own as ``(time, priority, event id,
    handler, index)``, the ids drawn from SimPy's own counter. ``step`` makes every call
    that comes before SimPy's next event (the horizon, the end of the follow-up) in a
    tight loop. Both heaps order by (time, priority, id), so calls and events happen in
    exactly the order one SimPy heap would give them, each call a ``Timeout``: the same
    records, to the bit (``tests/test_identical_records.py``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[float, int, int, Callable[[int], None], int]] = []

    def call(
        self, delay: float, handler: Callable[[int], None], i: int, priority: int = NORMAL
    ) -> None:
        """``handler(i)`` after ``delay`` days, at SimPy's ``priority``, off its heap."""
        heappush(self.calls, (self._now + delay, priority, next(self._eid), handler, i))

    def peek(self) -> float:
        """When the next call or event is due (SimPy's ``peek``, the calls counted)."""
        return min(self.calls[0][0] if self.calls else math.inf, super().peek())

    def forget(self) -> None:
        """The run is over: drop the calls and events still waiting. They hold the
        replication's handlers, and it holds the engine; without them the replication is
        freed as soon as it is done, not by a later collection (which would keep every
        replication run in the process, their lists of every referral, until one ran)."""
        self.calls.clear()
        self._queue.clear()

    def step(self) -> None:
        """The calls due before SimPy's next event, then that event: SimPy's ``step``
        written out (calling it would cost a call per event, about 6% of the engine)."""
        calls, queue = self.calls, self._queue
        while calls and (not queue or calls[0] < queue[0]):  # type: ignore[operator]
            self._now, _, _, handler, i = heappop(calls)
            handler(i)
        try:
            self._now, _, _, event = heappop(queue)
        except IndexError:
            raise simpy.core.EmptySchedule from None
        callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
        try:
            for callback in callbacks:
                callback(event)
        except simpy.core.StopSimulation:  # as SimPy: the callbacks left wait for a resume
            event.callbacks = callbacks[callbacks.index(callback) + 1 :]
            self.schedule(event, simpy.events.EventPriority(-1))
            raise
        if not event._ok and not hasattr(event, "_defused"):  # a failed event: as SimPy
            failure = type(event._value)(*event._value.args)
            failure.__cause__ = event._value
            raise failure


def simulate(scenario: Scenario, rep: int, referrals: Referrals | None = None) -> Records:
    """Run replication ``rep`` of a scenario: on its drawn referrals, or on ``referrals``
    when given (in arrival order, those on day 0 first, as ``draw_referrals`` gives them)."""
    return Replication(scenario, rep, referrals).run()
