"""One replication: referrals -> commissioning strategy -> pools -> per-case records.

The model only moves referrals through time. It appends plain values into
per-referral arrays (no pandas, no logging, no dicts per event) and does no
file I/O and no aggregation: metrics are computed afterwards from the records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import simpy

from simulator.commissioning import CHOOSERS, overflow_rule
from simulator.demand import Referrals, draw_referrals
from simulator.providers import SPOT, Pool, PoolPlan, plan_pools
from simulator.scenario import Scenario
from simulator.workdays import target_day

UNSERVED = -1


@dataclass(frozen=True)
class Records:
    """What happened to every referral in one replication, and pool accumulators.

    ``listed`` says a referral went on the waiting list (someone in the scenario
    can serve it); ``pool`` is the index into ``plans`` of where it was sent (-1:
    not routed: nobody can serve it, or still in triage at the horizon). Times are
    NaN where they did not happen; ``end_day`` is NaN for cases still open at the
    horizon.
    """

    rep: int
    referrals: Referrals
    target_day: np.ndarray
    pool: np.ndarray
    queued_day: np.ndarray
    allocated_day: np.ndarray
    end_day: np.ndarray
    withdrawn: np.ndarray
    listed: np.ndarray
    advocate: np.ndarray
    plans: tuple[PoolPlan, ...]
    busy_slot_days: np.ndarray  # per pool: integral of open cases over [0, horizon]
    waiting_days: float  # integral of the waiting list over [0, horizon]


def priority_classes(referrals: Referrals, triage: str) -> np.ndarray:
    """0 first. Priority triage: urgent before standard, then statutory before not."""
    if triage == "fifo":
        return np.zeros(len(referrals), dtype=np.int64)
    return 2 * (~referrals.urgent).astype(np.int64) + (~referrals.statutory).astype(np.int64)


def candidates_by_referral(scenario: Scenario, plans: list[PoolPlan], referrals: Referrals):
    """For each referral: block pools that can serve it, and whether spot can."""
    types = list(scenario.demand.mix)
    needs = list(scenario.demand.needs)
    spot_index = len(plans) - 1 if plans and plans[-1].name == SPOT else None
    blocks = [i for i, p in enumerate(plans) if i != spot_index]
    table: dict[tuple[int, int], tuple[tuple[int, ...], bool]] = {}
    for t, type_label in enumerate(types):
        for n in range(-1, len(needs)):
            need_label = needs[n] if n >= 0 else None
            block = tuple(i for i in blocks if plans[i].serves(type_label, need_label))
            spot = spot_index is not None and plans[spot_index].serves(type_label, need_label)
            table[(t, n)] = (block, spot)
    keys = zip(referrals.type_index.tolist(), referrals.need_index.tolist(), strict=True)
    return [table[key] for key in keys], spot_index


class Replication:
    """Wire demand, the commissioning strategy and the pools for one replication."""

    def __init__(self, scenario: Scenario, rep: int):
        self.scenario = scenario
        self.rep = rep
        self.referrals = draw_referrals(scenario, scenario.seed, rep)
        self.plans = plan_pools(scenario)

    def run(self) -> Records:
        scenario, referrals, plans = self.scenario, self.referrals, self.plans
        commissioning = scenario.commissioning
        n = len(referrals)
        env = simpy.Environment()
        classes = 1 if commissioning.triage == "fifo" else 4
        pools = [Pool(plan, classes) for plan in plans]
        candidates, spot_index = candidates_by_referral(scenario, plans, referrals)
        chooser = CHOOSERS[commissioning.model]
        overflow = overflow_rule(commissioning.overflow, commissioning.spot)
        commit_hours = commissioning.overflow.rule == "block_hours"
        withdraw = scenario.demand.breach == "withdraw"

        targets = scenario.targets
        working_days = np.where(
            referrals.urgent, targets.urgent_working_days, targets.standard_working_days
        )
        due = target_day(scenario.start_date, referrals.arrival_day, working_days)
        target_days = (due - referrals.arrival_day).tolist()
        arrival = referrals.arrival_day.tolist()
        hours = referrals.hours.tolist()
        arrangement = referrals.arrangement_days.tolist()
        deadline = referrals.deadline_day.tolist()
        initial = referrals.initial.tolist()
        triage = referrals.triage_days.tolist()
        priority = priority_classes(referrals, commissioning.triage).tolist()

        nan = float("nan")
        pool_of = [UNSERVED] * n
        queued = [nan] * n
        allocated = [nan] * n
        ended = [nan] * n
        withdrawn = [False] * n
        listed = [False] * n
        advocate = [-1] * n
        waiting_state = [0, 0.0, 0.0]  # waiting now, area, last change

        def change_waiting(delta: int) -> None:
            now = env.now
            waiting_state[1] += waiting_state[0] * (now - waiting_state[2])
            waiting_state[2] = now
            waiting_state[0] += delta

        def allocate(pool: Pool, i: int) -> None:
            now = env.now
            pool.busy_area += pool.open * (now - pool.last_change)
            pool.last_change = now
            pool.open += 1
            advocate[i] = pool.free.pop()
            allocated[i] = now
            finish = env.timeout(hours[i] * pool.plan.days_per_hour, i)
            finish.callbacks.append(completers[pool_of[i]])

        def make_completer(pool: Pool):
            def complete(event: simpy.events.Timeout) -> None:
                i = event.value
                now = env.now
                ended[i] = now
                pool.busy_area += pool.open * (now - pool.last_change)
                pool.last_change = now
                pool.open -= 1
                pool.free.append(advocate[i])
                if pool.waiting:
                    for queue in pool.queues:
                        while queue:
                            j = queue.popleft()
                            if withdrawn[j]:
                                continue
                            pool.waiting -= 1
                            pool.waiting_by_class[priority[j]] -= 1
                            change_waiting(-1)
                            allocate(pool, j)
                            return

            return complete

        completers = [make_completer(pool) for pool in pools]

        def join(i: int) -> None:
            """Referral i reaches its pool's queue (now, or after spot arrangement)."""
            if withdrawn[i]:
                return
            pool = pools[pool_of[i]]
            queued[i] = env.now
            if pool.free:
                change_waiting(-1)
                allocate(pool, i)
            else:
                pool.queues[priority[i]].append(i)
                pool.waiting += 1
                pool.waiting_by_class[priority[i]] += 1

        def arranged(event: simpy.events.Timeout) -> None:
            join(event.value)

        def breach(event: simpy.events.Timeout) -> None:
            i = event.value
            if not math.isnan(allocated[i]):
                return  # allocated in time
            withdrawn[i] = True
            change_waiting(-1)
            if not math.isnan(queued[i]):  # in a queue, not in triage or being arranged
                pool = pools[pool_of[i]]
                pool.waiting -= 1
                pool.waiting_by_class[priority[i]] -= 1

        def receive(i: int) -> None:
            """Referral i arrives: it waits from now, unless nobody can ever serve it."""
            block, spot_ok = candidates[i]
            if not block and not spot_ok:
                return  # nobody in the scenario can serve it: unserved, never on the list
            listed[i] = True
            change_waiting(+1)
            if withdraw and not math.isnan(deadline[i]):
                env.timeout(max(deadline[i] - env.now, 0.0), i).callbacks.append(breach)
            if triage[i] > 0:
                env.timeout(triage[i], i).callbacks.append(triaged)
            else:
                route(i)

        def triaged(event: simpy.events.Timeout) -> None:
            route(event.value)

        def route(i: int) -> None:
            """Send referral i to a block provider or to spot purchase."""
            if withdrawn[i]:
                return  # the process went ahead while it was being triaged
            block, spot_ok = candidates[i]
            now = env.now
            choice = chooser(block, pools, priority[i]) if block else None
            if (
                choice is not None
                and overflow is not None
                and spot_ok
                and overflow(
                    pools[choice], pools[spot_index], now, hours[i], priority[i], target_days[i]
                )
            ):
                choice = None
            if choice is None:
                pool_of[i] = spot_index
                if arrangement[i] > 0:
                    env.timeout(arrangement[i], i).callbacks.append(arranged)
                    return
            else:
                pool_of[i] = choice
                if commit_hours:
                    pools[choice].block_hours_left(now)
                    pools[choice].committed_hours += hours[i]
            join(i)

        def referrals_arrive():
            for i in range(n):
                if initial[i] == 1:  # open on day 0: straight onto a caseload
                    receive(i)
                    continue
                gap = arrival[i] - env.now
                if gap > 0:
                    yield env.timeout(gap)
                    arrival[i] = env.now  # the clock's own value: no rounding gap
                receive(i)

        env.process(referrals_arrive())
        horizon = scenario.horizon_days
        env.run(until=horizon)

        for pool in pools:
            pool.busy_area += pool.open * (horizon - pool.last_change)
        waiting_state[1] += waiting_state[0] * (horizon - waiting_state[2])
        return Records(
            rep=self.rep,
            referrals=replace(referrals, arrival_day=np.asarray(arrival, dtype=float)),
            target_day=due,
            pool=np.asarray(pool_of, dtype=np.int64),
            queued_day=np.asarray(queued, dtype=float),
            allocated_day=np.asarray(allocated, dtype=float),
            end_day=np.asarray(ended, dtype=float),
            withdrawn=np.asarray(withdrawn, dtype=bool),
            listed=np.asarray(listed, dtype=bool),
            advocate=np.asarray(advocate, dtype=np.int64),
            plans=tuple(plans),
            busy_slot_days=np.array([pool.busy_area for pool in pools]),
            waiting_days=waiting_state[1],
        )


def simulate(scenario: Scenario, rep: int) -> Records:
    """Run replication ``rep`` of a scenario."""
    return Replication(scenario, rep).run()
