"""Figures worked out once per scenario (``simulator.memo``): the same answer for the same
scenario, a fresh one for any change, and never more than a few kept."""

from __future__ import annotations

from simulator import memo
from simulator.plan import cumulative_rate, plan_pools
from tests.helpers import build, mmc_data


def counting():
    calls = []

    @memo.by_scenario
    def slots(scenario, extra=0):
        calls.append(scenario.name)
        return scenario.commissioning.providers[0].advocates + extra

    return slots, calls


def test_a_scenario_is_worked_out_once_and_a_changed_one_again():
    slots, calls = counting()
    scenario = build(mmc_data(3, 1.0, 1.0))
    assert slots(scenario) == slots(scenario) == slots(build(mmc_data(3, 1.0, 1.0)))
    assert len(calls) == 1  # equal scenarios, loaded twice: one answer
    more = build(mmc_data(3, 1.0, 1.0), commissioning__providers=[
        {**scenario.commissioning.providers[0].model_dump(), "advocates": 4}
    ])  # fmt: skip
    assert slots(more) == slots(scenario) + 1
    assert slots(scenario, 2) == slots(scenario) + 2  # the arguments are part of the key
    assert len(calls) == 3


def test_only_the_last_few_scenarios_are_kept():
    slots, calls = counting()
    scenarios = [build(mmc_data(3, 1.0, 1.0), name=f"s{k}") for k in range(memo.KEPT + 1)]
    for scenario in scenarios:
        slots(scenario)
    slots(scenarios[-1])  # still kept
    assert len(calls) == memo.KEPT + 1
    slots(scenarios[0])  # the oldest was dropped: worked out again
    assert len(calls) == memo.KEPT + 2


def test_the_shared_answers_cannot_be_changed_by_a_caller():
    scenario = build(mmc_data(3, 1.0, 1.0))
    assert isinstance(plan_pools(scenario), tuple)
    grid, expected = cumulative_rate(scenario)
    assert not grid.flags.writeable and not expected.flags.writeable
