"""What the engine takes from SimPy beyond its documented API, checked on the installed SimPy.

``simulator.model.Engine`` is SimPy's environment with the engine's calls in a heap of
its own: it reads the private ``_now``, ``_eid`` and ``_queue`` (whose entries must stay
``(time, priority, id, event)``), and its ``step`` writes SimPy's out
(``tests/test_identical_records.py`` pins that source). The engine also takes the
priorities ``URGENT`` and ``NORMAL`` from ``simpy.core`` and ``EventPriority`` from
``simpy.events``. None of this is promised by SimPy; pyproject.toml caps SimPy below its
next major version, and these tests make a release that renames or reorders any of it
fail here, by name, rather than as wrong figures in the back tests.
"""

from __future__ import annotations

import inspect

import simpy
import simpy.core
import simpy.events

from simulator.model import NORMAL, URGENT, Engine


class _Scheduled(Engine):
    """An environment that notes what is scheduled, and schedules it as SimPy does."""

    def __init__(self) -> None:
        super().__init__()
        self.scheduled: list[tuple[simpy.events.Event, int, float]] = []

    def schedule(
        self,
        event: simpy.events.Event,
        priority: simpy.events.EventPriority = simpy.events.NORMAL,
        delay: float = 0,
    ) -> None:
        self.scheduled.append((event, priority, delay))
        super().schedule(event, priority, delay)


def test_the_priorities_the_engine_names_exist_and_urgent_comes_first():
    assert simpy.core.URGENT is simpy.events.URGENT
    assert simpy.core.NORMAL is simpy.events.NORMAL
    assert (URGENT, NORMAL) == (simpy.events.URGENT, simpy.events.NORMAL)
    assert URGENT < NORMAL  # the heap orders by (time, priority, event id)
    assert simpy.events.EventPriority(NORMAL) == NORMAL


def test_schedule_takes_the_event_its_priority_and_its_delay_in_that_order():
    names = list(inspect.signature(simpy.Environment.schedule).parameters)
    assert names == ["self", "event", "priority", "delay"]


def test_the_heap_holds_time_priority_id_and_event_and_ids_count_up():
    """``Engine.call`` pushes ``(time, priority, id, handler, index)`` onto a heap of its
    own, the id from SimPy's ``_eid``, and ``Engine.step`` compares its top with the top
    of SimPy's ``_queue``: both must order by (time, priority, id), ids one counter."""
    env = _Scheduled()
    first = env.timeout(2.5)
    env.call(1.0, print, 7, URGENT)
    second = env.timeout(1.0)
    assert env.scheduled == [(first, NORMAL, 2.5), (second, NORMAL, 1.0)]
    assert sorted(env._queue) == [(1.0, NORMAL, 2, second), (2.5, NORMAL, 0, first)]
    assert env.calls == [(1.0, URGENT, 1, print, 7)]
    assert env._now == env.now == 0


def test_calls_run_their_handler_once_in_time_then_priority_then_creation_order():
    env = Engine()
    seen: list[tuple[float, str, int]] = []

    def first(i: int) -> None:
        seen.append((env.now, "first", i))

    def second(i: int) -> None:
        seen.append((env.now, "second", i))
        if i == 3:  # a handler may schedule more, as each arrival schedules the next
            env.call(0.0, first, 4)

    env.call(2.0, first, 1)
    env.call(2.0, second, 2, URGENT)
    env.call(1.0, second, 3)
    env.call(2.0, second, 5)
    env.run()
    assert seen == [
        (1.0, "second", 3),
        (1.0, "first", 4),
        (2.0, "second", 2),  # URGENT at 2.0, though made after the NORMAL one
        (2.0, "first", 1),
        (2.0, "second", 5),
    ]
    assert env.calls == []


def test_run_until_an_event_stops_when_a_callback_succeeds_it():
    """The follow-up: ``env.run(until=event)`` returns once the event is processed, the
    event succeeded from a timeout's callback (``Replication.stop_following``)."""
    env = Engine()
    stop = env.event()
    env.timeout(5.0).callbacks.append(lambda _: stop.succeed())
    env.call(9.0, lambda i: None, 0)
    env.run(until=stop)
    assert env.now == 5.0
