"""Every record the same after the engine's calls left SimPy's event heap.

An arrival, a case closing, a working day starting: each waits in the engine's heap of its
own (``model.Engine``), the calls ordered by SimPy's own (time, priority, event id): a
change of speed, not of results (first other buyers' cases left the heap, then every
call). Two checks:

- the tables of every shipped scenario (case rows, days and figures, a few
  replications; the county files over five years too) hash to what the code gave before
  the change, pinned below (``tables_digest``: floats at nine significant digits, as
  the back tests compare them, so another processor's last bit does not count);
- on shipped scenarios with and without other buyers, and on a small market where many
  events fall on the same instant, every array of the records is the same to the bit as
  with each call a SimPy event, as before (``OnHeap``).
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import inspect
import weakref
from heapq import heappush
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import simpy

from simulator import model
from simulator.metrics import cases_frame, daily_frame, per_replication
from simulator.model import NORMAL, Engine, simulate
from simulator.scenario import load_scenario
from tests.helpers import build, county

ROOT = Path(__file__).resolve().parent.parent
FIVE_YEARS = {"horizon_days": 1825}

# (file, horizon, replication) -> digests of the case rows, the days and the figures, as
# the code before other buyers left the heap gave them (pinned again at commit ba5cab4,
# after the overflow rules began to count the advocates at work).
PINNED = {
    ("county-block", "as shipped", 0): ("e52976a9f4dbfea1", "f2482560e74e69bf", "a910ce45a21fcb76"),
    ("county-block", "as shipped", 1): ("64f32b7ac40375c7", "a225eb5afdff5206", "476c12caf861cabf"),
    ("county-block", "as shipped", 2): ("5936ace374c10643", "0934574a65d286fd", "8fb4db447d0e5dce"),
    ("county-block", "five years", 0): ("ef18c29537bd8720", "a8df67e9f045cf2e", "c2511e19e06dacbb"),
    ("county-block-spot", "as shipped", 0): (
        "9dd4f17895517a2f",
        "0174864fd8b86ecf",
        "c5bbf4ddf50d05fd",
    ),
    ("county-block-spot", "as shipped", 1): (
        "bc0ad851bc197a90",
        "0098803154c09109",
        "b47c0e43b4642397",
    ),
    ("county-block-spot", "as shipped", 2): (
        "ba2e35d001c2abd6",
        "fdd21cbfe19720c0",
        "136ffb4c0663f9e2",
    ),
    ("county-block-spot", "five years", 0): (
        "2a37fb6fe0f36f5b",
        "854fbf7434854103",
        "dbf41edb8c6b3ec7",
    ),
    ("county-core-flex", "as shipped", 0): (
        "856454ad1235ddb1",
        "96e68d74952216b4",
        "313dd65cf9097507",
    ),
    ("county-core-flex", "as shipped", 1): (
        "13f5ef1f4c068e14",
        "ed36b4179629d40b",
        "4a9ad3619d8ab80e",
    ),
    ("county-core-flex", "as shipped", 2): (
        "434387066dacd5bc",
        "981cca0398fdfaf2",
        "15a6bf7347c94a95",
    ),
    ("county-hub", "as shipped", 0): ("45a1cb326b959dd7", "70e3c9f5c4e30639", "32d7910ea93c1aa4"),
    ("county-hub", "as shipped", 1): ("ec341baef6cae7d9", "3d60a76b74d8f232", "bfa060e4a3d9c71c"),
    ("county-hub", "as shipped", 2): ("b514cb0db24ae154", "4c8437eb6e95a37f", "06067e640308c633"),
    ("county-hub", "five years", 0): ("67be47b3a80b1e86", "8f3b62470b7a77fc", "cbb8268c2f210189"),
    ("county-spot-only", "as shipped", 0): (
        "17336a18b400a256",
        "fc7967eed051f306",
        "c9d7dae9b05ebc46",
    ),
    ("county-spot-only", "as shipped", 1): (
        "e89686b575b4f993",
        "7b762ffb56f939d9",
        "ea1d605495b4870b",
    ),
    ("county-spot-only", "as shipped", 2): (
        "4092d06ea2174978",
        "de95a7ff84f35318",
        "7f010017d71f3694",
    ),
    ("county-spot-only", "five years", 0): (
        "52dca74e1cd8d33a",
        "4cad0ba8894cefc3",
        "ac0bfdb35424ae33",
    ),
    ("growing-county", "as shipped", 0): (
        "3cfd137a9d87faef",
        "3544385b2c2d0615",
        "5cc69da6c2db0f5e",
    ),
    ("growing-county", "as shipped", 1): (
        "17167c79ff4fc7b9",
        "b9691e6018102c71",
        "599954486242a7ee",
    ),
    ("growing-county", "as shipped", 2): (
        "63f6fcc5f2e5005e",
        "91771104ecf5729b",
        "5a4e0288bffd8017",
    ),
    ("growing-county-varied", "as shipped", 0): (
        "1711ce860824890c",
        "e301e7f523c69fa5",
        "05161ef4b38a5f88",
    ),
    ("growing-county-varied", "as shipped", 1): (
        "33995f8867955a91",
        "6520f68292c13aeb",
        "cb33d2da2a706bb9",
    ),
    ("growing-county-varied", "as shipped", 2): (
        "a37e0a5f0bea63a9",
        "eef93603f2ba0231",
        "72523448466f73ec",
    ),
    ("rural-county", "as shipped", 0): ("98e4a86014bf7f3c", "b28417d3c45bfe0f", "193eda1b56e38997"),
    ("rural-county", "as shipped", 1): ("4494e2b32a224153", "b350120fd9e4e8b1", "db60bc467181874b"),
    ("rural-county", "as shipped", 2): ("d25c38f1b16066da", "4d98fc67cdfb0d38", "d5c63df5e04d8535"),
}


def tables_digest(frame: pd.DataFrame) -> str:
    """A table's columns and values, hashed: numbers at nine significant digits (nulls
    marked), labels as text."""
    digest = hashlib.sha256()
    for name in frame.columns:
        digest.update(f"\x1e{name}\x1d".encode())
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            values = column.to_numpy(dtype="float64", na_value=np.nan)
            text = ("-" if np.isnan(v) else f"{v:.9g}" for v in values.tolist())
        else:
            text = ("-" if pd.isna(v) else str(v) for v in column.astype(object))
        digest.update("\x1f".join(text).encode())
    return digest.hexdigest()[:16]


def digests(path: Path, horizon: str, rep: int) -> tuple[str, str, str]:
    scenario = load_scenario(path, FIVE_YEARS if horizon == "five years" else None)
    records = simulate(scenario, rep)
    return (
        tables_digest(cases_frame([records], scenario)),
        tables_digest(daily_frame([records], scenario)),
        tables_digest(per_replication([records], scenario)),
    )


@pytest.mark.parametrize(("name", "horizon", "rep"), sorted(PINNED))
def test_the_tables_are_those_the_code_gave_before(name: str, horizon: str, rep: int):
    path = ROOT / "scenarios" / f"{name}.yaml"
    assert digests(path, horizon, rep) == PINNED[(name, horizon, rep)]


def test_every_shipped_scenario_is_pinned():
    shipped = {p.stem for p in (ROOT / "scenarios").glob("*.yaml")}
    assert shipped == {name for name, _, _ in PINNED}


class OnHeap(simpy.Environment):
    """The engine before: each call a SimPy event, scheduled on SimPy's heap at its
    priority, its handler the event's one callback (``model.Call`` was this)."""

    def call(self, delay: float, handler: Any, i: int, priority: int = NORMAL) -> None:
        event = simpy.events.Event(self)
        event._ok, event._value = True, None
        event.callbacks.append(lambda _: handler(i))
        self.schedule(event, priority, delay)

    def forget(self) -> None:
        self._queue.clear()


def as_before(scenario, rep: int, monkeypatch: pytest.MonkeyPatch) -> model.Records:
    return with_environment(OnHeap, scenario, rep, monkeypatch)


def same_bits(left: Any, right: Any, where: str = "records") -> None:
    """Every array (and number) of two records' fields equal to the bit."""
    if dataclasses.is_dataclass(left) and not isinstance(left, type):
        assert type(left) is type(right), where
        for field in dataclasses.fields(left):
            same_bits(getattr(left, field.name), getattr(right, field.name),
                      f"{where}.{field.name}")  # fmt: skip
    elif isinstance(left, np.ndarray):
        assert left.dtype == right.dtype and left.shape == right.shape, where
        assert left.tobytes() == right.tobytes(), where
    elif isinstance(left, tuple | list):
        assert len(left) == len(right), where
        for number, (a, b) in enumerate(zip(left, right, strict=True)):
            same_bits(a, b, f"{where}[{number}]")
    elif isinstance(left, float):
        assert np.float64(left).tobytes() == np.float64(right).tobytes(), where
    else:
        assert left == right, where


COMPARED = [
    "county-block", "county-core-flex", "growing-county-varied",  # no other buyers
    "county-block-spot", "county-hub", "county-spot-only", "rural-county",
    "library/city-hub-specialists",
]  # fmt: skip


@pytest.mark.parametrize("name", COMPARED)
def test_every_record_is_as_with_each_call_on_simpy_s_heap(name: str, monkeypatch):
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    for rep in range(2):
        lane = model.Replication(scenario, rep)
        records = lane.run()
        assert isinstance(lane.env, Engine)
        same_bits(records, as_before(scenario, rep, monkeypatch))


def tied_market() -> Any:
    """A small market of one-case advocates working 8-hour weekdays, away now and then,
    every case (ours and the other buyers') 16 hours: each started at a day's start closes
    two working days later at one, so many events and calls fall on the same instant."""
    fixed = {"dist": "fixed", "mean": 16.0}
    no_miles = {"dist": "fixed", "mean": 0.0}
    return build(county(**{
        "commissioning__block_share": 0.5,
        "commissioning__overflow": {"rule": "queue_length", "threshold": 1},
        "commissioning__spot__market_advocates": 3.0,
        "commissioning__spot__caseload_cap": 1,
        "commissioning__spot__hours_per_week": 40.0,
        "commissioning__spot__productive_share": 1.0,
        "commissioning__spot__working_days": "weekdays",
        "commissioning__spot__other_referrals_per_year": 250.0,
        "commissioning__spot__other_hours": fixed,
        "commissioning__spot__workforce": {
            "leave_days_per_year": 25, "sickness_days_per_year": 8, "cover_after_days": 3
        },
        "demand__mix__care_act__hours": fixed,
        "demand__mix__imca__hours": fixed,
        "demand__localities__urban__miles_per_case": no_miles,
        "demand__localities__rural__miles_per_case": no_miles,
    }))  # fmt: skip


class LastMadeFirst(Engine):
    """A wrong order, to show the ties matter: at one instant and priority, the call made
    last first."""

    def call(self, delay: float, handler: Any, i: int, priority: int = NORMAL) -> None:
        heappush(self.calls, (self._now + delay, priority, -next(self._eid), handler, i))


def with_environment(environment: type, scenario: Any, rep: int, monkeypatch) -> Any:
    with monkeypatch.context() as patched:
        patched.setattr(model, "Engine", environment)
        return simulate(scenario, rep)


def test_ties_fall_in_simpy_s_order(monkeypatch):
    """At one instant, (priority, event id) orders the calls as SimPy's heap did: the
    last made first would give other records here."""
    scenario = tied_market()
    for rep in range(2):
        records = simulate(scenario, rep)
        same_bits(records, as_before(scenario, rep, monkeypatch))
        moved = with_environment(LastMadeFirst, scenario, rep, monkeypatch)
        with pytest.raises(AssertionError, match="allocated_day"):
            same_bits(moved, records)


def test_engine_steps_as_simpy_s_own_step_does():
    """``Engine.step`` writes out SimPy's ``Environment.step`` (4.1): a release that changes
    it fails here by name. With no calls of its own, an Engine runs processes, timeouts and
    a failed event exactly as SimPy's environment does."""
    source = inspect.getsource(simpy.Environment.step)
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == "8fea2b488c8ad7fa"

    def story(env: simpy.Environment) -> list[tuple[str, float]]:
        log: list[tuple[str, float]] = []

        def worker(name: str, pause: float):
            for _ in range(3):
                yield env.timeout(pause)
                log.append((name, env.now))

        env.process(worker("a", 1.5))
        env.process(worker("b", 1.0))
        env.run(until=4.0)
        log.append(("stopped", env.now))
        env.run(until=env.timeout(1.0, value="v"))
        log.append(("resumed", env.now))
        return log

    assert story(Engine()) == story(simpy.Environment())
    for env in (Engine(), simpy.Environment()):
        env.event().fail(ValueError("failed"))
        with pytest.raises(ValueError, match="failed"):
            env.run()


def test_calls_and_events_interleave_by_time_priority_and_id():
    engine = Engine()
    log: list[tuple[str, float]] = []

    def event(delay: float, label: str) -> None:
        engine.timeout(delay).callbacks.append(lambda _: log.append((label, engine.now)))

    engine.call(2.0, lambda i: log.append(("call", engine.now)), 0)
    event(1.0, "event")
    engine.call(1.0, lambda i: log.append(("urgent call", engine.now)), 0, model.URGENT)
    event(2.0, "later event")
    event(2.5, "event made first")
    engine.call(2.5, lambda i: log.append(("call made after", engine.now)), 0)
    engine.call(3.0, lambda i: log.append(("call at the horizon", engine.now)), 0)
    engine.run(until=3.0)  # SimPy stops at 3.0 before a NORMAL event due then
    assert log == [
        ("urgent call", 1.0), ("event", 1.0), ("call", 2.0), ("later event", 2.0),
        ("event made first", 2.5), ("call made after", 2.5),
    ]  # fmt: skip
    assert engine.peek() == 3.0  # the call left is the next thing due


def _at(env: Any, log: list[float], delay: float, label: float, priority: int = NORMAL) -> None:
    """``log.append(label)`` after ``delay``: a call of an Engine, an event of SimPy's."""
    if isinstance(env, Engine):
        env.call(delay, lambda i: log.append(label), 0, priority)
        return
    event = simpy.events.Event(env)
    event._ok, event._value = True, None
    event.callbacks.append(lambda _: log.append(label))
    env.schedule(event, priority, delay)


def test_a_call_at_the_horizon_waits_as_a_simpy_event_would():
    """The same calls as events of a plain SimPy environment: the same order, and the same
    left undone at the horizon (calls run before events at one instant would run the
    NORMAL ones due at 2.0 before SimPy stops)."""
    logs = []
    for env in (Engine(), simpy.Environment()):
        log: list[float] = []
        _at(env, log, 2.0, 1.0)
        _at(env, log, 2.0, 2.0, model.URGENT)
        _at(env, log, 1.0, 3.0)
        _at(env, log, 2.0, 4.0)
        env.run(until=2.0)
        logs.append(list(log))
        _at(env, log, 0.0, 5.0, model.URGENT)
        env.run(until=3.0)
        logs.append(log)
    assert logs[0] == logs[2] == [3.0, 2.0]
    assert logs[1] == logs[3] == [3.0, 2.0, 5.0, 1.0, 4.0]


def test_a_replication_is_freed_when_its_run_returns():
    """The engine's calls still waiting at the end hold the replication's handlers, and it
    holds the engine: ``Engine.forget`` breaks the cycle, so a process running many
    replications frees each on return, not at the next collection."""
    scenario = load_scenario(ROOT / "scenarios" / "county-block-spot.yaml")
    gc.disable()
    try:
        lane = model.Replication(scenario, 0)
        freed = weakref.ref(lane)
        lane.run()
        del lane
        assert freed() is None
    finally:
        gc.enable()
