"""Commissioning models as small strategies behind one narrow interface.

A strategy chooses which block provider a referral joins (or none); an
overflow rule decides whether it goes to spot purchase instead. Pricing is in
``pricing``. Adding a model means one chooser here and one name in the schema.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from simulator.providers import Pool
from simulator.scenario import Overflow, Spot

Chooser = Callable[[Sequence[int], Sequence[Pool], int], int | None]
OverflowRule = Callable[[Pool, Pool, float, float, int, float], bool]


def first_with_skill(candidates: Sequence[int], pools: Sequence[Pool], cls: int) -> int | None:
    """single_provider: the contract that covers the referral (the first, if several)."""
    return candidates[0] if candidates else None


def shortest_expected_wait(
    candidates: Sequence[int], pools: Sequence[Pool], cls: int
) -> int | None:
    """hub: the partner with the skill and the shortest expected wait; ties by order."""
    best, best_wait = None, float("inf")
    for index in candidates:
        wait = pools[index].expected_wait_days(cls)
        if wait < best_wait:
            best, best_wait = index, wait
    return best


def no_block(candidates: Sequence[int], pools: Sequence[Pool], cls: int) -> int | None:
    """spot_only: nothing bought in advance."""
    return None


CHOOSERS: dict[str, Chooser] = {
    "single_provider": first_with_skill,
    "hub": shortest_expected_wait,
    "spot_only": no_block,
}


def overflow_rule(overflow: Overflow, spot: Spot | None) -> OverflowRule | None:
    """The test ``(pool, spot_pool, now, hours, cls, target_days) -> go to spot?``, or None."""
    if overflow.rule == "expected_wait":
        assert spot is not None
        arranging = spot.arrangement_days.expected

        def would_miss_target(pool, spot_pool, now, hours, cls, target) -> bool:
            # Spot only when the block would miss the target *and* spot is expected
            # sooner: arranging a purchase takes days, and a referral sent to spot
            # that would have been seen sooner in the block gains nothing.
            wait = pool.expected_wait_days(cls)
            return wait > target and arranging + spot_pool.expected_wait_days(cls) < wait

        return would_miss_target
    if overflow.rule == "queue_length":
        limit = overflow.threshold
        assert limit is not None
        # All slots busy and `limit` already waiting ahead of it: the M/M/c/K blocking
        # rule. Under priority triage only those ahead count, so an urgent referral
        # is not sent to spot (and its arrangement delay) behind a queue it would jump.
        return lambda pool, spot_pool, now, hours, cls, target: (
            not pool.free and sum(pool.waiting_by_class[: cls + 1]) >= limit
        )
    if overflow.rule == "block_hours":
        return lambda pool, spot_pool, now, hours, cls, target: pool.block_hours_left(now) < hours
    return None
