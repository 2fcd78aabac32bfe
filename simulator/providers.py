"""Advocates as caseload slots, grouped in pools (one per provider, one for spot).

A pool is plain state: free slots (one entry per free slot, naming its
advocate), waiting queues by priority class, and area accumulators. It knows
nothing about SimPy; the model moves referrals through it. Sizing turns the
scenario's contracts into slots, so hours, cost and capacity stay consistent.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from simulator.commissioning import commissioning_model
from simulator.demand import HeldWork, expected_referrals, held_work_hours, least_held_work_hours
from simulator.distributions import Distribution
from simulator.memo import by_scenario
from simulator.schema import WEIGHT_SCALE, Demand, Flex, Provider, Scenario, Spot
from simulator.units import DAYS_PER_WEEK, DAYS_PER_YEAR
from simulator.vocabulary import Route

SPOT = "spot"


@dataclass(frozen=True)
class PoolPlan:
    """What a contract buys: slots, their work rate, contracted hours and price."""

    name: str
    slots: int
    advocates: int
    caseload_cap: int
    case_hours_per_week: float  # hours a week one open case receives
    contracted_hours_per_year: float  # 0 for spot: paid by the hour used
    rate_per_hour: float  # as quoted
    rate_includes_vat: bool  # the rate (and spot mileage) as quoted includes VAT
    skills: frozenset[str] | None  # None: serves every type and need
    mean_case_hours: float  # slot-hours a case it can serve holds (its hours, travel included)
    route: Route = Route.BLOCK  # which market it is: a block, a provider's flex, or spot
    arrangement_days: Distribution | None = None  # flex: days to agree a case
    owner: int | None = None  # flex: the index of its provider's block pool

    @property
    def days_per_hour(self) -> float:
        """Calendar days a case stays open per hour of work it needs."""
        return DAYS_PER_WEEK / self.case_hours_per_week

    @property
    def slot_hours_per_year(self) -> float:
        return self.case_hours_per_week * DAYS_PER_YEAR / DAYS_PER_WEEK

    def serves(self, type_label: str, need_label: str | None) -> bool:
        return self.slots > 0 and self.has_skills(type_label, need_label)

    def has_skills(self, type_label: str, need_label: str | None) -> bool:
        """The skills a referral needs, whether or not the pool has any room (a market of
        no advocates still names the price its cases would be bought at)."""
        if self.skills is None:
            return True
        return type_label in self.skills and (need_label is None or need_label in self.skills)


def held_hours_per_year(
    scenario: Scenario, case_hours_per_week: float, held: HeldWork = held_work_hours
) -> dict[str, float]:
    """Expected slot-hours a year by advocacy type at a pool of this pace (mean rate over
    the horizon): the demand hours, plus what cases kept open longer hold beyond them
    (``held``: or a bound on that)."""
    demand = scenario.demand
    per_year = planned_referrals_per_year(scenario)
    return {
        label: per_year * kind.share * mean_held_hours(demand, [label], case_hours_per_week, held)
        for label, kind in demand.mix.items()
    }


def planned_referrals_per_year(scenario: Scenario) -> float:
    """Referrals a year a block sized by ``block_share`` is bought for: the scenario's
    ``planned_referrals_per_year``, else its own expected referrals a year (the mean rate
    over the horizon)."""
    planned = scenario.commissioning.planned_referrals_per_year
    if planned is not None:
        return planned
    return expected_referrals(scenario) / scenario.horizon_days * DAYS_PER_YEAR


def mean_held_hours(
    demand: Demand, types: list[str], case_hours_per_week: float,
    held: HeldWork = held_work_hours,
) -> float:  # fmt: skip
    """Mean slot-hours a case of these types (all when none) holds, by their shares.

    Exactly ``demand.mean_hours_per_case(types)`` when no type is kept open longer.
    """
    chosen = types or list(demand.mix)
    travel = demand.mean_travel_hours
    total_share = sum(demand.mix[t].share for t in chosen)
    if total_share == 0:
        return mean_held_hours(demand, list(demand.mix), case_hours_per_week, held)
    work = sum(demand.mix[t].share * held(demand, t, case_hours_per_week) for t in chosen)
    return work / total_share + travel


def block_size(
    scenario: Scenario, provider: Provider, held: HeldWork = held_work_hours
) -> tuple[int, float]:
    """A block provider's caseload slots and contracted hours a year: as its file says
    (``advocates``, or ``block_hours_per_year``), else sized by ``block_share`` to its
    part of the hours held (shared equally among unsized providers with a type's skill).
    Sizing only grows with the hours held, so ``held`` a lower bound gives fewer slots."""
    slot_hours = provider.case_hours_per_week * DAYS_PER_YEAR / DAYS_PER_WEEK
    if provider.advocates is not None:
        weekly = provider.advocates * provider.hours_per_week * provider.productive_share
        slots = round(provider.advocates * provider.caseload_cap)
        return slots, weekly * (DAYS_PER_YEAR / DAYS_PER_WEEK)
    if provider.block_hours_per_year is not None:
        contracted = provider.block_hours_per_year
        return max(1, round(contracted / slot_hours)), contracted
    unsized = [
        p for p in scenario.commissioning.providers
        if p.advocates is None and p.block_hours_per_year is None
    ]  # fmt: skip
    held_by_type = held_hours_per_year(scenario, provider.case_hours_per_week, held)
    share_of_demand = sum(
        held_by_type[t] / sum(1 for q in unsized if t in q.skills)
        for t in scenario.demand.mix
        if t in provider.skills
    )
    slots = round(scenario.commissioning.block_share * share_of_demand / slot_hours)
    return slots, slots * slot_hours


def fewest_slots(scenario: Scenario) -> int:
    """At least the caseload slots of ``plan_pools``'s block and spot pools, from the
    least hours each case holds (``least_held_work_hours``): no quantile grids."""
    providers = scenario.commissioning.providers
    blocks = providers if commissioning_model(scenario).buys_block else []
    spot = scenario.commissioning.spot
    spot_slots = 0 if spot is None else round(spot.market_advocates * spot.caseload_cap)
    return sum(block_size(scenario, p, least_held_work_hours)[0] for p in blocks) + spot_slots


@by_scenario
def plan_pools(scenario: Scenario) -> tuple[PoolPlan, ...]:
    """Block providers in scenario order, then their flex hours, then the spot market.
    (Worked out once per scenario: every replication asks.)"""
    commissioning = scenario.commissioning
    demand = scenario.demand
    buys_block = commissioning_model(scenario).buys_block
    providers = list(commissioning.providers) if buys_block else []

    plans = []
    for provider in providers:
        types = [t for t in demand.mix if t in provider.skills]
        pace = provider.case_hours_per_week
        slots, contracted = block_size(scenario, provider)
        plans.append(
            PoolPlan(
                name=provider.name,
                slots=slots,
                advocates=math.ceil(slots / provider.caseload_cap),
                caseload_cap=provider.caseload_cap,
                case_hours_per_week=provider.case_hours_per_week,
                contracted_hours_per_year=contracted,
                rate_per_hour=provider.block_rate_per_hour,
                rate_includes_vat=provider.rate_includes_vat,
                skills=frozenset(provider.skills),
                mean_case_hours=mean_held_hours(demand, types, pace),
            )
        )
    for index, provider in enumerate(providers):
        if provider.flex is not None:
            types = [t for t in demand.mix if t in provider.skills]
            plans.append(
                hourly_plan(
                    f"{provider.name} flex", provider.flex, provider.flex.advocates, demand,
                    types, frozenset(provider.skills), Route.FLEX, owner=index,
                )
            )  # fmt: skip
    spot = commissioning.spot
    if spot is not None:
        skills = None if spot.skills is None else frozenset(spot.skills)
        plans.append(hourly_plan(SPOT, spot, spot.market_advocates, demand, [], skills, Route.SPOT))
    return tuple(plans)


def hourly_plan(
    name: str,
    terms: Flex | Spot,
    advocates: float,
    demand: Demand,
    types: list[str],
    skills: frozenset[str] | None,
    route: Route,
    owner: int | None = None,
) -> PoolPlan:
    """A pool bought by the hour (a provider's flex, or the spot market): its advocates'
    slots, paid only for hours used, agreed in its ``arrangement_days``."""
    slots = round(advocates * terms.caseload_cap)
    return PoolPlan(
        name=name,
        slots=slots,
        advocates=math.ceil(slots / terms.caseload_cap),
        caseload_cap=terms.caseload_cap,
        case_hours_per_week=terms.case_hours_per_week,
        contracted_hours_per_year=0.0,
        rate_per_hour=terms.rate_per_hour,
        rate_includes_vat=terms.rate_includes_vat,
        skills=skills,
        mean_case_hours=mean_held_hours(demand, types, terms.case_hours_per_week),
        route=route,
        arrangement_days=terms.arrangement_days,
        owner=owner,
    )


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
        "mean_case_days",
        "plan",
        "queues",
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

    def waiting_ahead(self, priority_class: int) -> int:
        """Referrals waiting that would be allocated before one of this class joining now."""
        return sum(self.waiting_by_class[: priority_class + 1])

    def expected_wait_days(self, priority_class: int, units: int) -> float:
        """Expected days until a slot frees for a referral of this class joining now.

        Zero when it fits now; otherwise (referrals ahead + 1) mean case lengths
        shared over the slots, the M/M/c estimate a duty manager would make.
        """
        if self.fits(units):
            return 0.0
        return (self.waiting_ahead(priority_class) + 1) * self.mean_case_days / self.plan.slots


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
        self.room = [0] * max(plan.advocates, 1)
        for advocate in self.free:
            self.room[advocate] += WEIGHT_SCALE
        self.free = []  # not used: room is the state
        self.units = units  # per referral: its weight in hundredths
        count = len(self.room)
        self.by_room = sorted(room * count + a for a, room in enumerate(self.room))

    def fits(self, units: int) -> bool:
        return self.by_room[-1] >= units * len(self.room)

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


def make_pool(plan: PoolPlan, classes: int, units: list[int] | None) -> Pool:
    """A pool of whole slots, or, when some cases take a share of one, a weighted pool."""
    return Pool(plan, classes) if units is None else WeightedPool(plan, classes, units)


@dataclass(frozen=True)
class HubCapacity:
    """What the overflow rules read of a shared hub queue's capacity: all its partners'."""

    slots: int
    contracted_hours_per_year: float


class SharedQueue:
    """The hub's one queue: after triage a referral waits here in priority order, and a
    partner whose slot frees takes the first referral it has the skill for.

    It answers the overflow rules' questions (``fits``, ``waiting_ahead``,
    ``expected_wait_days``, ``plan``) for the hub as a whole, as a ``Pool`` does
    for one provider.
    """

    def __init__(self, pools: list[Pool], members: list[int], classes: int):
        self.pools = pools
        self.members = members
        self.partners = members  # see focus
        self.queues: list[deque[int]] = [deque() for _ in range(classes)]
        self.waiting_by_class = [0] * classes
        plans = [pools[m].plan for m in members]
        slots = sum(p.slots for p in plans)
        self.plan = HubCapacity(slots, sum(p.contracted_hours_per_year for p in plans))
        self.mean_case_days = (
            sum(pools[m].mean_case_days * pools[m].plan.slots for m in members) / slots
            if slots
            else 0.0
        )

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

    def drop_waiting(self, priority_class: int) -> None:
        self.waiting_by_class[priority_class] -= 1

    def waiting_ahead(self, priority_class: int) -> int:
        return sum(self.waiting_by_class[: priority_class + 1])

    def expected_wait_days(self, priority_class: int, units: int) -> float:
        """As ``Pool.expected_wait_days``, over the slots of the partners in focus."""
        if self.fits(units):
            return 0.0
        slots = sum(self.pools[m].plan.slots for m in self.partners)
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
