"""Advocates as caseload slots, grouped in pools (one per provider, one for spot).

A pool is plain state: free slots (one entry per free slot, naming its
advocate), waiting queues by priority class, and area accumulators. It knows
nothing about SimPy; the model moves referrals through it. What each pool is
(its slots, pace, hours and price) is decided before the run, in ``plan``.

Capacity that changes during a run (an advocate away, a post vacant, a contract
varied) is what a live pool does when an advocate leaves, returns or joins: that
belongs here, its fields in ``schema`` and what the contract expects of it in
``plan`` (CONTRIBUTING.md, "Capacity that changes over time").
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import deque
from collections.abc import Callable, Sequence

from simulator.plan import PoolPlan
from simulator.schema import WEIGHT_SCALE


class Level:
    """A count that changes by steps, and its integral over time (for time averages).

    ``area`` is the integral of ``level`` from 0 to ``since``; ``close`` carries it
    to a later time. Metrics recompute the same integrals from the case records,
    and a test checks that the two agree.
    """

    __slots__ = ("area", "level", "since")

    def __init__(self) -> None:
        self.level = 0
        self.area = 0.0
        self.since = 0.0

    def change(self, now: float, delta: int) -> None:
        self.area += self.level * (now - self.since)
        self.since = now
        self.level += delta

    def close(self, now: float) -> float:
        """The integral from 0 to ``now``."""
        self.change(now, 0)
        return self.area


class Pool:
    """Live state of one pool during a replication: free slots, queues and open cases.

    Every case takes one whole slot (see ``WeightedPool`` for cases that take a
    share of one). ``busy`` counts open cases and integrates them over time
    (slot-days), for utilisation; ``start_case`` and ``end_case`` keep it, with
    the arithmetic of ``Level.change`` written out because they run once per case.
    A referral withdrawn while queued stays in its deque and is skipped when it
    comes up (``next_waiting``); the counts are corrected at once (``drop_waiting``).
    The methods take the referral's weight in hundredths of a slot (``units``),
    which a pool of whole slots ignores.
    """

    __slots__ = (
        "busy",
        "free",
        "hours_per_year",
        "mean_case_days",
        "plan",
        "queues",
        "slots",
        "staffed",
        "waiting_by_class",
    )

    def __init__(self, plan: PoolPlan, classes: int):
        self.plan = plan
        advocates = max(plan.advocates, 1)
        # One entry per free slot naming its advocate; popping spreads cases evenly.
        self.free = [slot % advocates for slot in reversed(range(plan.slots))]
        self.queues: list[deque[int]] = [deque() for _ in range(classes)]
        self.waiting_by_class = [0] * classes
        self.busy = Level()  # open cases, and slot-days in use
        self.mean_case_days = plan.mean_case_hours * plan.days_per_hour
        # the contract in force now (``contract``): the plan's day 0, until it changes
        self.slots, self.hours_per_year = plan.slots, plan.contracted_hours_per_year
        self.staffed = plan.slots  # slots of the advocates at work now (``Replication.restaff``)

    def contract(self, slots: int, hours_per_year: float) -> None:
        """A change of contract (planned, or a provider leaving or its successor starting):
        what the overflow rules read from now on."""
        self.slots, self.hours_per_year = slots, hours_per_year

    def fits(self, units: int) -> bool:
        """An advocate has room for a case of this weight now."""
        return bool(self.free)

    def takes_now(self, units: int, priority_class: int) -> bool:
        """A referral joining now is allocated at once: it fits, and nobody waits ahead of
        it (in a pool of whole slots, a free slot means nobody waits at all)."""
        return bool(self.free)

    def start_case(self, now: float, units: int) -> int:
        """Take a free slot; returns the advocate who holds the case."""
        busy = self.busy
        busy.area += busy.level * (now - busy.since)
        busy.since = now
        busy.level += 1
        return self.free.pop()

    def end_case(self, now: float, advocate: int, units: int) -> None:
        """Free the slot a case held."""
        busy = self.busy
        busy.area += busy.level * (now - busy.since)
        busy.since = now
        busy.level -= 1
        self.free.append(advocate)

    def busy_slot_days(self, now: float) -> float:
        """Slot-days in use from day 0 to ``now``."""
        return self.busy.close(now)

    # An advocate away, back or joining (see ``model.Replication.away``). Rare events: a
    # scan of the free slots is fine here, where it would not be per referral.

    def step_out(self, advocate: int) -> None:
        """The advocate is away: their free slots take nobody until they are back."""
        self.free = [a for a in self.free if a != advocate]

    def step_in(self, advocate: int, room: int) -> None:
        """The advocate is back with ``room`` free slots (hundredths in a weighted pool)."""
        self.free.extend([advocate] * room)

    def grow(self, advocate: int) -> None:
        """A new starter at work takes on one more slot (their ramp)."""
        self.free.append(advocate)

    def hand_over(self, units: int) -> int:
        """A colleague with room takes over an absent advocate's case (the slot stays busy);
        returns who, or -1 when nobody has room."""
        return self.free.pop() if self.fits(units) else -1

    def release(self, now: float, units: int) -> None:
        """An absent advocate's case goes back to the queue: its slot is no longer held."""
        busy = self.busy
        busy.area += busy.level * (now - busy.since)
        busy.since = now
        busy.level -= 1

    def requeue(self, referral: int, priority_class: int) -> None:
        """A case handed back goes to the front of the queue in its class."""
        self.queues[priority_class].appendleft(referral)
        self.waiting_by_class[priority_class] += 1

    def enqueue(self, referral: int, priority_class: int) -> None:
        self.queues[priority_class].append(referral)
        self.waiting_by_class[priority_class] += 1

    def drop_waiting(self, priority_class: int) -> None:
        """A queued referral was withdrawn: it no longer counts as waiting."""
        self.waiting_by_class[priority_class] -= 1

    def next_waiting(self, withdrawn: list[bool]) -> int:
        """The next referral to allocate (highest class, then first come), or -1 when
        none waits or no slot is free."""
        if not self.free:
            return -1
        for priority_class, queue in enumerate(self.queues):
            while queue:
                referral = queue.popleft()
                if not withdrawn[referral]:
                    self.waiting_by_class[priority_class] -= 1
                    return referral
        return -1

    def take_waiting(self, goes: Callable[[int], bool], withdrawn: list[bool]) -> list[int]:
        """Take out of the queue, in order, the referrals waiting that ``goes`` picks (they
        go elsewhere); the withdrawn are dropped, as ``next_waiting`` would."""
        return taken_out(self.queues, self.waiting_by_class, goes, withdrawn)

    def waiting_ahead(self, priority_class: int) -> int:
        """Referrals waiting that would be allocated before one of this class joining now."""
        return sum(self.waiting_by_class[: priority_class + 1])

    def expected_wait_days(self, priority_class: int, units: int) -> float:
        """Expected days until a slot frees for a referral of this class joining now.

        Zero when it fits now; otherwise (referrals ahead + 1) mean case lengths
        shared over the slots of the advocates at work now, the M/M/c estimate a duty
        manager would make: one who knows who is away or not yet in post. Counting the
        contract's slots instead would promise starts that absent advocates cannot give,
        hold people in the queue past their target, and make a provider's exit (which
        sends them to spot) look like an improvement.
        """
        if self.fits(units):
            return 0.0
        if self.staffed == 0:
            return math.inf  # no provider now, or nobody at work
        return (self.waiting_ahead(priority_class) + 1) * self.mean_case_days / self.staffed


class WeightedPool(Pool):
    """A pool whose cases may take a share of a slot (``caseload_weight``).

    Each advocate has room in hundredths of a slot (``WEIGHT_SCALE`` per slot,
    so sums are exact), and nobody ever holds more than their slots' worth.
    A case goes to the advocate with the *least* room it fits in (best fit), so
    quarter-slot appointments fill one caseload before starting on the next and
    whole slots stay free for whole cases. The queue keeps its order: room that
    frees takes the first referral waiting (priority, then arrival) if it fits,
    and otherwise waits for more room; nobody behind it, and no referral
    joining behind it, is allocated first. ``busy`` counts hundredths, so
    slot-days are its area over ``WEIGHT_SCALE``.

    Why ``by_room``: every referral asks whether some advocate has room and which
    has the least that fits. The advocates are kept sorted by room, each as one
    number ``room * advocates + advocate`` (so equal rooms sort by advocate), and
    both questions are a look at the end or one bisection, not a scan.
    """

    __slots__ = ("by_room", "room", "units")

    def __init__(self, plan: PoolPlan, classes: int, units: list[int]):
        super().__init__(plan, classes)
        self.room = [0] * plan.posts  # posts a planned change adds have no room until then
        for advocate in self.free:
            self.room[advocate] += WEIGHT_SCALE
        self.free = []  # not used: room is the state
        self.units = units  # per referral: its weight in hundredths
        count = len(self.room)
        self.by_room = sorted(room * count + a for a, room in enumerate(self.room))

    def fits(self, units: int) -> bool:
        by_room = self.by_room  # empty while every advocate is away
        return bool(by_room) and by_room[-1] >= units * len(self.room)

    def takes_now(self, units: int, priority_class: int) -> bool:
        return self.waiting_ahead(priority_class) == 0 and self.fits(units)

    def start_case(self, now: float, units: int) -> int:
        """The advocate with the least room that fits (the first such, on a tie)."""
        count = len(self.room)
        by_room = self.by_room
        key = by_room.pop(bisect_left(by_room, units * count))
        advocate = key % count
        self.room[advocate] -= units
        insort(by_room, key - units * count)
        busy = self.busy  # Level.change written out, as in Pool.start_case
        busy.area += busy.level * (now - busy.since)
        busy.since = now
        busy.level += units
        return advocate

    def end_case(self, now: float, advocate: int, units: int) -> None:
        count = len(self.room)
        by_room = self.by_room
        key = self.room[advocate] * count + advocate
        del by_room[bisect_left(by_room, key)]
        insort(by_room, key + units * count)
        self.room[advocate] += units
        busy = self.busy
        busy.area += busy.level * (now - busy.since)
        busy.since = now
        busy.level -= units

    def busy_slot_days(self, now: float) -> float:
        return self.busy.close(now) / WEIGHT_SCALE

    def step_out(self, advocate: int) -> None:
        count = len(self.room)
        del self.by_room[bisect_left(self.by_room, self.room[advocate] * count + advocate)]

    def step_in(self, advocate: int, room: int) -> None:
        self.room[advocate] = room
        insort(self.by_room, room * len(self.room) + advocate)

    def grow(self, advocate: int) -> None:
        self.step_out(advocate)
        self.step_in(advocate, self.room[advocate] + WEIGHT_SCALE)

    def release(self, now: float, units: int) -> None:
        busy = self.busy
        busy.area += busy.level * (now - busy.since)
        busy.since = now
        busy.level -= units

    def hand_over(self, units: int) -> int:
        if not self.fits(units):
            return -1
        count = len(self.room)
        key = self.by_room.pop(bisect_left(self.by_room, units * count))
        advocate = key % count
        self.room[advocate] -= units
        insort(self.by_room, key - units * count)
        return advocate

    def next_waiting(self, withdrawn: list[bool]) -> int:
        """The first referral waiting (priority, then arrival) if it fits now, else -1."""
        for priority_class, queue in enumerate(self.queues):
            while queue and withdrawn[queue[0]]:
                queue.popleft()
            if queue:
                if not self.fits(self.units[queue[0]]):
                    return -1
                self.waiting_by_class[priority_class] -= 1
                return queue.popleft()
        return -1


def taken_out(
    queues: list[deque[int]], waiting: list[int], goes: Callable[[int], bool],
    withdrawn: list[bool],
) -> list[int]:  # fmt: skip
    """The referrals waiting in these queues that ``goes`` picks, in order, taken out (the
    withdrawn dropped), with the counts by class kept."""
    taken: list[int] = []
    for priority_class, queue in enumerate(queues):
        taken += [i for i in queue if not withdrawn[i] and goes(i)]
        queues[priority_class] = deque(i for i in queue if not withdrawn[i] and not goes(i))
        waiting[priority_class] = len(queues[priority_class])
    return taken


def make_pool(plan: PoolPlan, classes: int, units: list[int] | None) -> Pool:
    """A pool of whole slots, or, when some cases take a share of one, a weighted pool."""
    return Pool(plan, classes) if units is None else WeightedPool(plan, classes, units)


class SharedQueue:
    """The hub's one queue: after triage a referral waits here in priority order, and a
    partner whose slot frees takes the first referral it has the skill for.

    It answers the overflow rules' questions (``fits``, ``waiting_ahead``,
    ``expected_wait_days``, ``hours_per_year``) for the hub as a whole, as a ``Pool`` does
    for one provider.
    """

    def __init__(self, pools: list[Pool], members: list[int], classes: int):
        self.pools = pools
        self.members = members
        self.partners = members  # see focus
        self.queues: list[deque[int]] = [deque() for _ in range(classes)]
        self.waiting_by_class = [0] * classes
        slots = sum(pools[m].plan.slots for m in members)
        self.mean_case_days = (
            sum(pools[m].mean_case_days * pools[m].plan.slots for m in members) / slots
            if slots
            else 0.0
        )

    @property
    def hours_per_year(self) -> float:
        """The hours a year the partners' contracts buy now."""
        return sum(self.pools[m].hours_per_year for m in self.members)

    @property
    def slots(self) -> int:
        """The caseload slots the partners in focus have now."""
        return sum(self.pools[m].slots for m in self.partners)

    def take_waiting(self, goes: Callable[[int], bool], withdrawn: list[bool]) -> list[int]:
        """As ``Pool.take_waiting``, from the hub's one queue."""
        return taken_out(self.queues, self.waiting_by_class, goes, withdrawn)

    def focus(self, partners: Sequence[int] | None) -> None:
        """Answer the overflow rules for these partners only (those with the skill a
        referral needs), or, with None, for the whole hub."""
        self.partners = self.members if partners is None else list(partners)

    def fits(self, units: int) -> bool:
        """Some partner (of those in focus) has room for a case of this weight now."""
        return any(self.pools[m].fits(units) for m in self.partners)

    def enqueue(self, referral: int, priority_class: int) -> None:
        self.queues[priority_class].append(referral)
        self.waiting_by_class[priority_class] += 1

    def requeue(self, referral: int, priority_class: int) -> None:
        """A partner's case handed back goes to the front of the hub queue in its class."""
        self.queues[priority_class].appendleft(referral)
        self.waiting_by_class[priority_class] += 1

    def drop_waiting(self, priority_class: int) -> None:
        self.waiting_by_class[priority_class] -= 1

    def waiting_ahead(self, priority_class: int) -> int:
        return sum(self.waiting_by_class[: priority_class + 1])

    def expected_wait_days(self, priority_class: int, units: int) -> float:
        """As ``Pool.expected_wait_days``, over the slots at work of the partners in focus."""
        if self.fits(units):
            return 0.0
        slots = sum(self.pools[m].staffed for m in self.partners)
        if slots == 0:
            return math.inf  # none of them has a provider now
        return (self.waiting_ahead(priority_class) + 1) * self.mean_case_days / slots

    def next_for(
        self, serves: Callable[[int], bool], fits: Callable[[int], bool], withdrawn: list[bool]
    ) -> int:
        """The first referral, in priority then arrival order, that a partner ``serves``
        (has the skill for), if it ``fits`` the partner's room now; -1 when there is none
        or it does not fit (the partner then waits for more room rather than take one
        behind it). Withdrawn referrals are skipped (they are off the counts already),
        and dropped once they reach the front of their queue."""
        for priority_class, queue in enumerate(self.queues):
            for position, referral in enumerate(queue):
                if withdrawn[referral] or not serves(referral):
                    continue
                if not fits(referral):
                    return -1
                del queue[position]
                self.waiting_by_class[priority_class] -= 1
                return referral
            while queue and withdrawn[queue[0]]:
                queue.popleft()
        return -1

    def waits_ahead_for(self, serves: Callable[[int], bool], priority_class: int,
                        withdrawn: list[bool]) -> bool:  # fmt: skip
        """Someone a partner ``serves`` waits ahead of a referral of this class joining now."""
        return any(
            not withdrawn[referral] and serves(referral)
            for queue in self.queues[: priority_class + 1]
            for referral in queue
        )
