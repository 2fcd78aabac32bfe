"""What the engine takes from SimPy beyond its documented API, checked on the installed SimPy.

``simulator.model.Call`` is ``simpy.events.Timeout`` with ``Timeout.__init__`` written out:
it sets the private attributes ``_value``, ``_delay`` and ``_ok`` itself, with its handler
as the only callback, and ``_dispatch`` reads ``_value`` back. The engine also takes the
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

from simulator.model import NORMAL, URGENT, Call, _dispatch


class _Scheduled(simpy.Environment):
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


def test_timeout_init_sets_exactly_what_call_sets():
    """If a SimPy release gives ``Timeout.__init__`` another attribute (one that ``step``
    or a property then reads), ``Call`` would lack it: this test names it."""
    env = _Scheduled()
    timeout = simpy.events.Timeout(env, 2.5, value="v")
    assert vars(timeout) == {
        "env": env,
        "callbacks": [],
        "_value": "v",
        "_delay": 2.5,
        "_ok": True,
    }
    assert env.scheduled == [(timeout, NORMAL, 2.5)]

    def handler(i: int) -> None: ...

    call = Call(env, 1.5, handler, 7, URGENT)
    assert set(vars(call)) == set(vars(timeout))
    assert call.callbacks == [_dispatch]
    assert (call._value, call._delay, call._ok) == ((handler, 7), 1.5, True)
    assert env.scheduled[-1] == (call, URGENT, 1.5)


def test_a_call_reads_as_a_triggered_successful_timeout():
    """The public properties read the private attributes Call sets."""
    env = simpy.Environment()
    call = Call(env, 3.0, print, 1)
    assert isinstance(call, simpy.events.Timeout)
    assert call.triggered and call.ok and not call.processed
    assert call.value == (print, 1)


def test_calls_run_their_handler_once_in_time_then_priority_then_creation_order():
    env = simpy.Environment()
    seen: list[tuple[float, str, int]] = []

    def first(i: int) -> None:
        seen.append((env.now, "first", i))

    def second(i: int) -> None:
        seen.append((env.now, "second", i))
        if i == 3:  # a handler may schedule more, as each arrival schedules the next
            Call(env, 0.0, first, 4)

    calls = [
        Call(env, 2.0, first, 1),
        Call(env, 2.0, second, 2, URGENT),
        Call(env, 1.0, second, 3),
        Call(env, 2.0, second, 5),
    ]
    env.run()
    assert seen == [
        (1.0, "second", 3),
        (1.0, "first", 4),
        (2.0, "second", 2),  # URGENT at 2.0, though made after the NORMAL one
        (2.0, "first", 1),
        (2.0, "second", 5),
    ]
    for call in calls:
        assert call.processed  # step set its callbacks to None
        assert call.callbacks is None


def test_a_call_whose_ok_is_true_does_not_crash_the_run():
    """``step`` raises the event's value when ``_ok`` is false and it is not defused:
    Call's ``_ok`` must keep meaning success."""
    env = simpy.Environment()
    Call(env, 1.0, lambda i: None, 0)
    env.run()
    assert env.now == 1.0


def test_run_until_an_event_stops_when_a_callback_succeeds_it():
    """The follow-up: ``env.run(until=event)`` returns once the event is processed, the
    event succeeded from a timeout's callback (``Replication.stop_following``)."""
    env = simpy.Environment()
    stop = env.event()
    env.timeout(5.0).callbacks.append(lambda _: stop.succeed())
    Call(env, 9.0, lambda i: None, 0)
    env.run(until=stop)
    assert env.now == 5.0
