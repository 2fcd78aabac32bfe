"""Contract risk: when a block provider leaves, and what its successor has when.

A provider with ``exit_risk_per_year`` gives notice at the times of a Poisson process
(the chance of at least one notice in a year is the risk), or on a known ``exit_day``;
it leaves ``notice_days`` later. The council re-tenders from the notice: the successor
starts ``retender_days`` after it (never, without a re-tender), so there is no provider
between the leaving and the start when the re-tender takes longer than the notice. The
successor carries the same risk from its first day.

What the replication runs is the provider's plan with these steps added as planned
changes of its contract (``PoolPlan.changes``): the engine already hands on the cases
of posts cut and starts new posts as new starters, and the costs already pay each part
of a contract for its days. So an exit costs nothing per event and a replication in
which nobody leaves runs exactly as one without the risk.

The steps, as a commissioner and a provider would describe them:
- on the leaving day the provider's block and its flex go (slots 0, nothing paid);
- a successor starting that very day takes on ``tupe_share`` of the advocates with
  their open cases (TUPE), the other cases going to the queue (or spot); across a gap
  nobody transfers, the staff having gone with their employer;
- the successor starts with ``mobilisation_start_share`` of the contracted slots (or
  the TUPE share, if more) and gains them a slot at a time over ``mobilisation_days``;
  it is paid the whole contract from its first day (mobilisation is at its risk).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from simulator.plan import PoolPlan
from simulator.schema import Commissioning, Provider
from simulator.streams import pool_stream
from simulator.units import DAYS_PER_YEAR
from simulator.vocabulary import Route


@dataclass(frozen=True)
class Exits:
    """Each provider exit in one replication: the block pool's index, the days its notice
    was given and it left, and its successor's first day (inf: none)."""

    pool: np.ndarray
    notice_day: np.ndarray
    leave_day: np.ndarray
    start_day: np.ndarray

    @staticmethod
    def none() -> Exits:
        empty = np.zeros(0)
        return Exits(np.zeros(0, dtype=np.int64), empty, empty, empty)

    def without_provider(self, low: float, high: float) -> float:
        """Days in ``[low, high)`` some block pool had no provider, summed over pools."""
        gaps = np.minimum(self.start_day, high) - np.maximum(self.leave_day, low)
        return float(np.clip(gaps, 0.0, None).sum())

    def left_within(self, low: float, high: float) -> int:
        """Exits whose provider left in ``[low, high)``."""
        return int(((self.leave_day >= low) & (self.leave_day < high)).sum())


def draw_exits(
    providers: list[Provider], commissioning: Commissioning, seed: int, rep: int, until: float
) -> Exits:
    """Every exit before ``until``, per provider in order (its pool index is its place)."""
    rows: list[tuple[int, float, float, float]] = []
    for index, provider in enumerate(providers):
        rows += [(index, *times) for times in provider_exits(provider, commissioning,
                                                             seed, rep, until)]  # fmt: skip
    if not rows:
        return Exits.none()
    pool, notice, leave, start = (np.array(column) for column in zip(*rows, strict=True))
    return Exits(pool.astype(np.int64), notice, leave, start)


def provider_exits(
    provider: Provider, commissioning: Commissioning, seed: int, rep: int, until: float
) -> list[tuple[float, float, float]]:
    """(notice, leaving, successor's start) of each exit of one provider before ``until``."""
    notice_days, retender = provider.notice_days, commissioning.retender_days
    risk = provider.exit_risk_per_year
    if risk == 0 and provider.exit_day is None:
        return []
    rng = pool_stream(seed, rep, "contract.exit", provider.name)
    per_day = -math.log1p(-risk) / DAYS_PER_YEAR  # a year's chance of one or more
    found: list[tuple[float, float, float]] = []
    notice = (
        provider.exit_day - notice_days
        if provider.exit_day is not None
        else rng.exponential(1 / per_day)
        if per_day > 0
        else math.inf
    )
    while notice + notice_days < until:
        leave = notice + notice_days
        start = math.inf if retender is None else leave + max(retender - notice_days, 0)
        found.append((notice, leave, start))
        if per_day == 0 or math.isinf(start):
            break
        notice = start + rng.exponential(1 / per_day)  # the successor's risk from its start
    return found


def with_exits(
    plans: tuple[PoolPlan, ...], exits: Exits, commissioning: Commissioning
) -> tuple[PoolPlan, ...]:
    """The replication's plans: each block pool whose provider left, and its flex, with
    the exit's steps added to its planned changes."""
    if len(exits.pool) == 0:
        return plans
    varied = list(plans)
    for p, plan in enumerate(plans):
        owner = p if plan.route == Route.BLOCK else plan.owner
        if owner is None or plan.route == Route.SPOT:
            continue
        mine = exits.pool == owner
        if mine.any():
            steps = share_steps(exits.leave_day[mine], exits.start_day[mine], commissioning)
            varied[p] = replace(plan, changes=stepped(plan, steps))
    return tuple(varied)


Step = tuple[float, float, bool, float]
"""(day, share of the contracted slots from then, paid, the day a ramp from that share
reaches the whole contract: the step's own day when it does not ramp)."""


def share_steps(
    leave_days: np.ndarray, start_days: np.ndarray, commissioning: Commissioning
) -> list[Step]:
    """The steps of a provider's exits, in order."""
    steps: list[Step] = []
    first = commissioning.mobilisation_start_share
    ramp = commissioning.mobilisation_days
    for leave, start in zip(leave_days.tolist(), start_days.tolist(), strict=True):
        transferred = commissioning.tupe_share if start == leave else 0.0
        steps.append((leave, transferred, start == leave, leave))
        if math.isinf(start):
            break
        begins = max(first, transferred) if ramp > 0 else 1.0
        steps.append((start, begins, True, start + ramp if begins < 1 else start))
    return steps


def stepped(plan: PoolPlan, steps: list[Step]) -> tuple[tuple[float, int, float], ...]:
    """The plan's changes with the exits' steps: at each day where the planned contract or
    the slots in place change, (day, slots, contracted hours a year)."""
    days = {day for day, _, _ in plan.changes} | {step[0] for step in steps}
    found: list[tuple[float, int, float]] = []
    for day in sorted(days | set(ramp_days(plan, steps))):
        for share, paid in shares_at(steps, day):
            _, slots, hours = planned_at(plan, day)
            found.append((day, math.floor(slots * share + 1e-9), hours if paid else 0.0))
    return tuple(found)


def shares_at(steps: list[Step], day: float) -> list[tuple[float, bool]]:
    """The share in place from ``day`` on, and whether paid: every step taken that very day
    in turn (a leaver out, then a successor in), else the one in place then, along its
    mobilisation ramp."""
    same = [(share, paid) for when, share, paid, _ in steps if when == day]
    if same:
        return same
    before = [step for step in steps if step[0] < day]
    if not before:
        return [(1.0, True)]
    when, share, paid, full = before[-1]
    if full > when:
        share += (1.0 - share) * min((day - when) / (full - when), 1.0)
    return [(share, paid)]


def ramp_days(plan: PoolPlan, steps: list[Step]) -> list[float]:
    """Days a mobilising successor gains its next slot (until its ramp ends, or it leaves):
    where its share of the largest slot count the contract has crosses each whole slot,
    and the day the ramp ends."""
    most = max(slots for _, slots, _ in plan.phases)
    found: list[float] = []
    ends = [step[0] for step in steps[1:]] + [math.inf]
    for (start, share, _, full), end in zip(steps, ends, strict=True):
        if full <= start:
            continue
        crossings = [
            start + (slot / most - share) / (1 - share) * (full - start)
            for slot in range(math.floor(most * share) + 1, most)
        ]
        found += [day for day in [*crossings, full] if day < end]
    return found


def planned_at(plan: PoolPlan, day: float) -> tuple[float, int, float]:
    """The part of the planned contract in force on ``day``."""
    return [phase for phase in plan.phases if phase[0] <= day][-1]


def exit_lines(providers: list[Provider], commissioning: Commissioning,
               horizon: float) -> list[str]:  # fmt: skip
    """What ``validate`` says of each provider that may leave: the chance it leaves before
    the horizon, the days without a provider a re-tender leaves, and how its successor
    mobilises."""
    lines = []
    retender = commissioning.retender_days
    for provider in providers:
        notice = provider.notice_days
        if provider.exit_day is not None and provider.exit_day >= horizon:
            continue  # after the horizon: validate warns of it
        if provider.exit_day is not None:
            when = f"leaves on day {provider.exit_day}"
        elif provider.exit_risk_per_year > 0:
            years = max(horizon - notice, 0.0) / DAYS_PER_YEAR
            chance = 1 - (1 - provider.exit_risk_per_year) ** years
            when = (f"{provider.exit_risk_per_year:.0%} a year exit risk, {chance:.0%} chance "
                    "it leaves before the horizon")  # fmt: skip
        else:
            continue
        if retender is None:
            after = "no re-tender: its block stays gone"
        else:
            after = successor_words(max(retender - notice, 0), notice, commissioning)
        lines.append(f"{provider.name}: {when}; {after}")
    return lines


def successor_words(gap: float, notice: int, commissioning: Commissioning) -> str:
    """The gap a re-tender leaves and how the successor mobilises, as ``share_steps`` runs
    it: TUPE only when it starts the day the provider leaves (nobody transfers across a
    gap), starting with the larger of the TUPE and mobilisation shares."""
    start = commissioning.mobilisation_start_share
    if gap == 0:
        start = max(start, commissioning.tupe_share)
    days = commissioning.mobilisation_days
    if start >= 1 or days == 0:
        ramp = "with all of the slots at once"
    else:
        ramp = f"with {start:.0%} of the slots, all of them after {days:g} days"
    transfer = (
        f" ({commissioning.tupe_share:.0%} of the advocates transfer with their cases)"
        if gap == 0 and commissioning.tupe_share > 0
        else ""
    )
    if gap == 0:
        return (
            f"a successor from the day it leaves after its {notice} days' notice, {ramp}{transfer}"
        )
    return (
        f"{gap:g} days without a provider after its {notice} days' notice, then a successor {ramp}"
    )
