"""Figures that depend only on a scenario, worked out once per process and scenario.

Every replication asks for the same pool plans and the same integrated referral
rate; each is a noticeable share of a county replication's time. A scenario
is an immutable value, so its JSON names it: two scenarios with the same JSON
get the same answer. The cache is small (a sweep or a recommendation asks for a
few scenarios at a time; one with doubt about demand draws a new one per
replication), so memory does not grow with the number of runs.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from simulator.schema import Scenario

KEPT = 16
Result = TypeVar("Result")


def by_scenario(compute: Callable[..., Result]) -> Callable[..., Result]:
    """``compute(scenario, *args)``, remembered for the last ``KEPT`` scenarios and
    arguments. What it returns is shared, so it must not be changed by the caller. A lock
    keeps the cache whole where replications run in threads (a Dask worker's)."""
    kept: OrderedDict[tuple[str, tuple[Any, ...]], Result] = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(compute)
    def remembered(scenario: Scenario, *args: Any) -> Result:
        key = (scenario.model_dump_json(), args)
        with lock:
            if key in kept:
                kept.move_to_end(key)
                return kept[key]
        value = compute(scenario, *args)  # outside the lock: two threads may both work it out
        with lock:
            kept[key] = value
            if len(kept) > KEPT:
                kept.popitem(last=False)
        return value

    return remembered
