"""Commissioning models and overflow rules, each one entry in a registry keyed by name.

A **commissioning model** says which pools it builds (block providers or none),
how it chooses among the block pools that can serve a referral, whether the
hub lead triages first, and which cost lines it adds. An **overflow rule**
decides, from one small named context, whether a referral goes outside the
block pool chosen for it (to its provider's flex hours, else spot purchase),
and owns whatever state it needs (the ``block_hours`` rule keeps its own
commitments).

Adding a commissioning model touches two files: an entry in ``MODELS`` here,
and its name in the ``Commissioning.model`` literal of ``simulator.schema``
(with any section it needs validated there). Adding an overflow rule is the
same: an entry in ``OVERFLOW_RULES`` and its name in ``Overflow.rule``.
Nothing else names a model or a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from simulator import pricing
from simulator.distributions import Distribution
from simulator.schema import Overflow, Scenario
from simulator.units import DAYS_PER_YEAR


class Capacity(Protocol):
    """What choosers and overflow rules may ask of a pool (or the hub's one queue).

    ``providers.Pool`` and ``providers.SharedQueue`` answer it; naming the questions
    here, not the pool, keeps commissioning below the live pools it chooses among.
    """

    @property
    def hours_per_year(self) -> float:
        """The hours a year its contract buys now (none while its provider is gone)."""
        ...

    @property
    def slots(self) -> int:
        """The caseload slots its contract buys now (none while its provider is gone)."""
        ...

    def fits(self, units: int) -> bool:
        """A slot has room now for a case of this weight (hundredths of a slot)."""
        ...

    def waiting_ahead(self, priority_class: int) -> int:
        """Referrals that would be allocated before one of this class joining now."""
        ...

    def expected_wait_days(self, priority_class: int, units: int) -> float:
        """Days a referral of this class and weight joining now is expected to wait."""
        ...


Chooser = Callable[[Sequence[int], Sequence[Capacity], int, int], int | None]
"""``(block pools that can serve it, all pools, priority class, weight in hundredths)
-> pool or None``."""

CostLines = Callable[[Scenario, float, float], dict[str, pricing.Charge]]
"""``(scenario, referrals measured, days measured) -> {cost line: charge to the council}``
a model adds."""


def first_with_skill(
    candidates: Sequence[int], pools: Sequence[Capacity], cls: int, units: int
) -> int | None:
    """spot_only: no block pool is ever a candidate; the first, if one were."""
    return candidates[0] if candidates else None


def covering_contract(
    candidates: Sequence[int], pools: Sequence[Capacity], cls: int, units: int
) -> int | None:
    """single_provider: the contract that covers the referral; where several do (each
    sized for its share of the type's hours), the first with room now, else the one
    expected soonest. Sending all to the first would leave the others' slots idle."""
    if len(candidates) < 2:
        return candidates[0] if candidates else None
    for index in candidates:
        if pools[index].fits(units):
            return index
    return shortest_expected_wait(candidates, pools, cls, units)


def shortest_expected_wait(
    candidates: Sequence[int], pools: Sequence[Capacity], cls: int, units: int
) -> int | None:
    """hub: the partner with the skill and the shortest expected wait; ties by order."""
    best, best_wait = None, float("inf")
    for index in candidates:
        wait = pools[index].expected_wait_days(cls, units)
        if wait < best_wait:
            best, best_wait = index, wait
    return best


def no_costs(scenario: Scenario, referrals: float, days: float) -> dict[str, pricing.Charge]:
    return {}


def hub_costs(scenario: Scenario, referrals: float, days: float) -> dict[str, pricing.Charge]:
    """The lead's triage of every referral and its management fee, with the hub's VAT basis."""
    hub = scenario.commissioning.hub
    assert hub is not None
    triage = pricing.triage_cost(referrals, hub.triage_hours, hub.triage_rate_per_hour)
    fee = pricing.per_year_cost(hub.management_fee_per_year, days)
    return {
        "cost_triage": pricing.council_charge(triage, hub.rate_includes_vat, scenario.costing),
        "cost_fee": pricing.council_charge(fee, hub.rate_includes_vat, scenario.costing),
    }


def no_triage(scenario: Scenario) -> Distribution | None:
    return None


def hub_triage(scenario: Scenario) -> Distribution | None:
    """Days the lead takes to triage a referral before routing it (None: same day)."""
    hub = scenario.commissioning.hub
    return hub.triage_days if hub is not None else None


def never_shared(scenario: Scenario) -> bool:
    return False


def hub_shares_a_queue(scenario: Scenario) -> bool:
    """A hub with one queue: partners take referrals from it as their slots free."""
    hub = scenario.commissioning.hub
    return hub is not None and hub.queue == "shared"


@dataclass(frozen=True)
class CommissioningModel:
    """One way of buying advocacy."""

    buys_block: bool  # builds a pool for each provider in the scenario
    chooser: Callable[[Scenario], Chooser]  # a fresh one each replication (it may keep state)
    triage_days: Callable[[Scenario], Distribution | None]
    cost_lines: CostLines
    shared_queue: Callable[[Scenario], bool]  # block pools take referrals from one queue
    words: str  # what it buys, for a report's scenario card


def stateless(choose: Chooser) -> Callable[[Scenario], Chooser]:
    """A chooser that keeps nothing between referrals: the same function every replication.
    A chooser with state (say, turns taken in rotation) is a class whose instance is made
    from the scenario, as an overflow rule is from its section."""
    return lambda scenario: choose


MODELS: dict[str, CommissioningModel] = {
    "single_provider": CommissioningModel(
        True,
        stateless(covering_contract),
        no_triage,
        no_costs,
        never_shared,
        "one block provider",
    ),
    "hub": CommissioningModel(
        True,
        stateless(shortest_expected_wait),
        hub_triage,
        hub_costs,
        hub_shares_a_queue,
        "a hub (a lead provider and partners)",
    ),
    "spot_only": CommissioningModel(
        False,
        stateless(first_with_skill),
        no_triage,
        no_costs,
        never_shared,
        "spot purchase only, no block",
    ),
}


def commissioning_model(scenario: Scenario) -> CommissioningModel:
    """The registry entry for the scenario's ``commissioning.model``."""
    return MODELS[scenario.commissioning.model]


class Routing(NamedTuple):
    """What an overflow rule sees when a referral is routed to a block pool."""

    pool: Capacity  # the block pool (or hub queue) chosen for it
    outside: Capacity | None  # where it would go instead (its flex, or spot); None: nowhere
    arranging: float  # mean days to arrange a case there
    now: float  # days
    hours: float  # slot-hours the case would hold there: its hours, or more if kept open longer
    priority: int  # its priority class (0 first)
    units: int  # its caseload weight in hundredths of a slot
    target_days: float  # days from now to its response target (triage time already spent)


class OverflowRule(Protocol):
    """Decides block or outside (flex, else spot) for one referral; keeps any state it needs."""

    def overflows(self, routing: Routing) -> bool:
        """Send this referral outside the block (to ``routing.outside``)?"""
        ...

    def kept(self, routing: Routing) -> None:
        """The referral stays with the block pool (commit what the rule tracks)."""
        ...


def misses_target_and_outside_sooner(routing: Routing) -> bool:
    """The block is expected to start the referral after its response target, and outside
    (arranging included) is expected to start it sooner."""
    wait = routing.pool.expected_wait_days(routing.priority, routing.units)
    if wait <= routing.target_days or routing.outside is None:
        return False
    outside_wait = routing.outside.expected_wait_days(routing.priority, routing.units)
    return routing.arranging + outside_wait < wait


class ExpectedWait:
    """Outside when the block would miss the target *and* outside is expected sooner.

    Arranging a purchase takes days, so a referral sent outside that would have
    been seen sooner in the block gains nothing.
    """

    def __init__(self, overflow: Overflow):
        pass

    @staticmethod
    def words(overflow: Overflow) -> str:
        return (
            "bought spot when the block would miss the response target and spot is expected "
            "sooner (expected_wait)"
        )

    def overflows(self, routing: Routing) -> bool:
        return misses_target_and_outside_sooner(routing)

    def kept(self, routing: Routing) -> None:
        pass


class QueueLength:
    """Spot when no slot has room and ``threshold`` referrals already wait ahead.

    The M/M/c/K blocking rule. Under priority triage only those ahead count, so
    an urgent referral is not sent to spot (and its arrangement delay) behind a
    queue it would jump.
    """

    def __init__(self, overflow: Overflow):
        assert overflow.threshold is not None
        self.threshold = overflow.threshold

    @staticmethod
    def words(overflow: Overflow) -> str:
        waiting = overflow.threshold
        return (
            f"bought spot when every block slot is full and {waiting} "
            f"referral{'s' if waiting != 1 else ''} already wait ahead (queue_length {waiting})"
        )

    def overflows(self, routing: Routing) -> bool:
        pool = routing.pool
        if pool.slots == 0:
            return True  # no provider now: full, however few wait
        full = not pool.fits(routing.units)
        return full and pool.waiting_ahead(routing.priority) >= self.threshold

    def kept(self, routing: Routing) -> None:
        pass


PERIODS_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}


class BlockHours:
    """Spot when the period's uncommitted block hours cannot cover the referral, or when
    the block is expected to miss its response target and spot is expected sooner.

    The second test is ``ExpectedWait``'s. Hours on paper are not a start: a block short
    of advocates (away, vacant, leaving) can hold more committed hours than it can begin,
    and without the test its queue grows for the whole contract year while the hours
    last, which no duty manager would allow (and which made a provider's exit, sending
    that queue to spot, look like an improvement).

    The contract year's hours are released by period (``overflow.period``: a
    twelfth each month, a quarter each quarter, or all at once), so a queue in
    the first months cannot spend the whole year's block. A referral kept by the
    block commits its hours to the period in which it is routed. With
    ``rollover``, hours unspent in a period carry into the next, within the
    contract year; without it each period starts afresh. Periods are equal
    shares of a 365-day contract year counted from day 0.
    """

    def __init__(self, overflow: Overflow):
        self.periods = PERIODS_PER_YEAR[overflow.period]
        self.period_days = DAYS_PER_YEAR / self.periods
        self.rollover = overflow.rollover
        self.since: dict[Capacity, int] = {}  # the period commitments are counted from
        self.committed: dict[Capacity, float] = {}

    @staticmethod
    def words(overflow: Overflow) -> str:
        return (
            f"bought spot once the {overflow.period}'s block hours are spent, or when the block "
            "would miss the response target and spot is expected sooner (block_hours)"
        )

    def hours_left(self, pool: Capacity, now: float) -> float:
        """Hours released and not yet committed, now."""
        period = int(now // self.period_days)
        into_year = period % self.periods
        start = period - into_year if self.rollover else period
        if self.since.get(pool, 0) != start:
            self.since[pool] = start
            self.committed[pool] = 0.0
        released_periods = into_year + 1 if self.rollover else 1
        released = pool.hours_per_year * released_periods / self.periods
        return released - self.committed.get(pool, 0.0)

    def overflows(self, routing: Routing) -> bool:
        spent = self.hours_left(routing.pool, routing.now) < routing.hours
        return spent or misses_target_and_outside_sooner(routing)

    def kept(self, routing: Routing) -> None:
        self.hours_left(routing.pool, routing.now)
        self.committed[routing.pool] = self.committed.get(routing.pool, 0.0) + routing.hours


class RuleKind(Protocol):
    """An overflow rule's class: makes a fresh rule for a replication, and says in words
    what the rule does with a section's settings."""

    def __call__(self, overflow: Overflow) -> OverflowRule: ...

    def words(self, overflow: Overflow) -> str: ...


OVERFLOW_RULES: dict[str, RuleKind | None] = {
    "none": None,
    "expected_wait": ExpectedWait,
    "queue_length": QueueLength,
    "block_hours": BlockHours,
}


def overflow_words(overflow: Overflow) -> str:
    """The scenario's overflow rule as run, for a report's scenario card."""
    make = OVERFLOW_RULES[overflow.rule]
    return (
        "no spot purchase: referrals wait for the block" if make is None else make.words(overflow)
    )


def overflow_rule(overflow: Overflow) -> OverflowRule | None:
    """A fresh rule for one replication, or None when nothing overflows."""
    make = OVERFLOW_RULES[overflow.rule]
    return None if make is None else make(overflow)
