"""Doubt about demand: the referral rate and each type's mean hours drawn per replication.

A commissioner does not know next year's referral rate; a calibration gives it with an
interval. Written as a distribution (``referrals_per_year: {dist: gamma, mean: 750,
sd: 90}``, or a type's ``hours: {dist: lognormal, mean: {dist: gamma, ...}, sd: 8}``),
each replication draws its own value from its own stream, so the spread of the
results carries the doubt as well as the chance of arrivals. The contract is sized on
the expected values (the block is bought before demand is known); only the referrals
a replication sees use its draw. Streams are named, so replication k of every scenario
draws the same rate (common random numbers).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.distributions import _ByMean
from simulator.schema import Demand, Scenario
from simulator.streams import stream


def doubtful(scenario: Scenario) -> bool:
    """Some authority's demand is uncertain: the scenario's own, or in a joint contract a
    partner's (each draws its own)."""
    partners = scenario.partners.authorities if scenario.partners is not None else []
    return scenario.demand.uncertain or any(a.demand.uncertain for a in partners)


def drawn(scenario: Scenario, rep: int) -> Scenario:
    """The scenario with replication ``rep``'s draw of every uncertain demand figure (the
    scenario itself when there is none)."""
    if not scenario.demand.uncertain:
        return scenario
    rate = stream(scenario.seed, rep, "doubt.referrals_per_year").random()
    means = stream(scenario.seed, rep, "doubt.hours_mean").random(len(scenario.demand.mix))
    return _with(scenario, lambda doubt, u: float(doubt.quantile(np.array([u]))[0]), rate, means)


def fixed(scenario: Scenario) -> Scenario:
    """The scenario with every uncertain demand figure at its expected value (in a joint
    contract, every authority's): the comparison that shows how much of the spread is
    doubt about demand."""
    count = len(scenario.demand.mix)
    expected = _with(scenario, lambda doubt, u: doubt.expected, 0.0, np.zeros(count))
    partners = scenario.partners
    if partners is None:
        return expected
    authorities = [
        authority.model_copy(update={"demand": fixed(
            scenario.model_copy(update={"demand": authority.demand, "partners": None})
        ).demand})
        for authority in partners.authorities
    ]  # fmt: skip
    update = {"partners": partners.model_copy(update={"authorities": authorities})}
    return expected.model_copy(update=update)


def _with(scenario: Scenario, value: Any, rate_u: float, means_u: np.ndarray) -> Scenario:
    """``value(doubt, u)`` for the rate and for each type's mean hours, where uncertain."""
    demand: Demand = scenario.demand
    if not demand.uncertain:
        return scenario
    update: dict[str, Any] = {}
    rate = demand.referrals_per_year
    if rate is not None and not isinstance(rate, (int, float)):
        update["referrals_per_year"] = value(rate, rate_u)
    mix = {}
    for (label, kind), u in zip(demand.mix.items(), means_u, strict=True):
        hours = kind.hours
        if isinstance(hours, _ByMean) and hours.uncertain:
            kind = kind.model_copy(update={"hours": hours.with_mean(value(hours.mean, u))})
        mix[label] = kind
    update["mix"] = mix
    return scenario.model_copy(update={"demand": demand.model_copy(update=update)})


SPREAD_METRICS = ("cost_total_per_year", "breaches_per_year")
"""The figures whose spread the report splits into doubt about demand and chance."""
