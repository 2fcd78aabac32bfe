"""The workforce's figures worked by hand: hours worked with absences modelled, people
handed back and never taken up again, and the workforce totals of group ``all``."""

from __future__ import annotations

import pytest

import simulator.model
from simulator.metrics import per_replication
from simulator.model import simulate
from tests.micro import micro
from tests.test_workforce import hand_built

LEAVE = {"leave_days_per_year": 10.0, "leave_block_days": 10.0, "cover_after_days": 10.0}


def figures(records, scenario):
    return per_replication([records], scenario).set_index(["metric", "group"])["value"]


def test_hours_delivered_are_the_hours_worked_when_absences_are_modelled(monkeypatch):
    # One advocate working every day, 24 hours a day, cases of exactly 12 hours, one a day
    # from day 1 to day 364; a year's leave is one block of 10 days (326 to 336), which
    # pauses the case then open. Every case is done by day 365: 364 x 12 = 4,368 hours were
    # worked. The planned share at work (355 / 365) must not scale them down again: the
    # run already took the leave out (4,368 x 0.9726 = 4,248.33 would count it twice).
    monkeypatch.setattr(
        simulator.model, "draw_absences", lambda *args: hand_built([(0, 326.0, 336.0, False)])
    )
    scenario = micro(hours=12.0, horizon=365.0, commissioning__providers__0__workforce=LEAVE)
    records = simulate(scenario, 0)
    assert (records.end_day < 365.0).all() and len(records.end_day) == 364
    figure = figures(records, scenario)
    assert figure["hours_delivered", "all"] == pytest.approx(4368.0, rel=1e-12)
    assert figure["block_hours_used", "all"] == pytest.approx(4368.0, rel=1e-12)
    contracted = figure["block_hours_contracted", "all"]
    assert contracted == pytest.approx(168.0 * 365 / 7)  # bought as one advocate: 8,760
    assert figure["block_hours_unused", "all"] == pytest.approx(contracted - 4368.0)
    assert figure["block_utilisation", "all"] == pytest.approx(4368.0 / contracted)
    cost = figure["cost_total", "all"]
    assert figure["cost_per_hour_delivered", "all"] == pytest.approx(cost / 4368.0)


def test_hours_worked_split_exactly_across_a_hand_back(monkeypatch):
    # The timeline of tests/test_workforce.py: two posts, cases of 36 hours (1.5 days), one
    # a day from day 1 to day 9, post 0 vacant from 3.25 to 6.25. Case 3 (day 3) is handed
    # back at 3.25 with 30 hours left (1.25 of its 1.5 days) and taken up again at 3.5.
    # Cases 1 to 8 are done by the horizon (9.5): 8 x 36 hours; case 9 runs 9.25 to 10.75,
    # a sixth of it inside: 6 hours. 294 hours in all, case 3's split 6 + 30.
    monkeypatch.setattr(
        simulator.model, "draw_absences", lambda *args: hand_built([(0, 3.25, 6.25, True)])
    )
    workforce = {"turnover_per_year": 0.1, "cover_after_days": 10.0, **LEAVE}
    scenario = micro(servers=2, hours=36.0, commissioning__providers__0__workforce=workforce)
    records = simulate(scenario, 0)
    assert records.handed_back.hours_left.tolist() == [30.0]
    assert figures(records, scenario)["hours_delivered", "all"] == pytest.approx(294.0)
