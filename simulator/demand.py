"""Referrals: when they arrive and everything about each one.

All referrals of a replication, and every attribute of each, are drawn here
before the simulation starts, from the demand side's named streams. The same
referral therefore has the same type, urgency, need, locality, hours and
deadline under every commissioning model; only the contract logic differs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from simulator.commissioning import commissioning_model
from simulator.plan import cumulative_rate, open_case_shares, type_multipliers, type_shares
from simulator.schema import Demand, Scenario
from simulator.streams import stream
from simulator.units import DAYS_PER_WEEK, DAYS_PER_YEAR


@dataclass(frozen=True)
class Referrals:
    """One replication's referrals as parallel arrays, in order of arrival.

    Days are calendar days from day 0; hours include travel. ``need`` and
    ``locality`` are -1 where a referral has none; ``deadline_day`` is NaN where
    no deadline applies.
    """

    arrival_day: np.ndarray
    type_index: np.ndarray
    urgent: np.ndarray
    statutory: np.ndarray
    need_index: np.ndarray
    locality_index: np.ndarray
    hours: np.ndarray
    miles: np.ndarray
    deadline_day: np.ndarray
    arrangement_days: np.ndarray
    triage_days: np.ndarray  # hub: days the lead takes to triage before routing
    flex_uniform: np.ndarray  # drawn once: a flex case's arrangement days, by its provider's
    weight_units: np.ndarray  # hundredths of a caseload slot the case takes
    open_days: np.ndarray  # days the case stays open at least (0: until its hours are done)
    initial: np.ndarray  # 0: arrived during the run; 1: open on day 0; 2: waiting on day 0
    authority: np.ndarray  # 0: the scenario's own; k: its partners' k-th authority (joint)

    def __len__(self) -> int:
        return len(self.arrival_day)


def arrival_days(
    scenario: Scenario, rng: np.random.Generator, end: float | None = None
) -> np.ndarray:
    """Arrival times strictly before ``end`` (default the horizon), by inverting the
    integrated rate (exact time change).

    Poisson arrivals are a unit-rate Poisson process pushed through the inverse
    of the integrated rate; deterministic arrivals put the k-th referral where
    the integrated rate reaches k. A referral that would land exactly on ``end``
    belongs to the period after it.
    """
    grid, expected = cumulative_rate(scenario, end)
    total = expected[-1]
    if total <= 0:
        return np.empty(0)
    if scenario.demand.arrivals == "deterministic":
        targets = np.arange(1.0, np.ceil(total))
    else:
        chunks, reached = [], 0.0
        size = int(total + 10 * np.sqrt(total) + 10)
        while reached <= total:
            chunk = reached + np.cumsum(rng.exponential(1.0, size))
            chunks.append(chunk)
            reached = chunk[-1]
        targets = np.concatenate(chunks)
        targets = targets[targets < total]
    days: np.ndarray = np.interp(targets, expected, grid)
    return days


def draw_referrals(
    scenario: Scenario, seed: int, rep: int, until: float | None = None
) -> Referrals:
    """Every referral of one replication: the initial ones (day 0) first, then those
    arriving before ``until`` (default the horizon; the model draws the follow-up too).

    Each attribute is drawn from its own stream in arrival order, so the referrals
    before the horizon are the same whatever ``until`` is.
    """
    demand = scenario.demand
    arrivals = arrival_days(scenario, stream(seed, rep, "arrivals"), until)
    open_on_day0 = _attributes(
        scenario, seed, rep, np.zeros(demand.initial_open_cases), "initial.", 1
    )
    waiting_on_day0 = _attributes(
        scenario,
        seed,
        rep,
        np.zeros(demand.initial_waiting_list),
        "initial.",
        2,
        offset=demand.initial_open_cases,
    )
    arriving = _attributes(scenario, seed, rep, arrivals, "", 0)
    parts = [open_on_day0, waiting_on_day0, arriving]
    return Referrals(
        **{
            name: np.concatenate([part[name] for part in parts])
            for name in Referrals.__dataclass_fields__
        }
    )


def joined(parts: list[Referrals]) -> Referrals:
    """Several authorities' referrals as one list (the k-th part's marked ``authority``
    k): those open on day 0 first, then those waiting on day 0, then the rest by arrival
    (at a tie, in the order of the parts), as ``draw_referrals`` orders one authority's."""
    marked = [replace(part, authority=np.full(len(part), k, dtype=np.int8))
              for k, part in enumerate(parts)]  # fmt: skip
    columns = {
        name: np.concatenate([getattr(part, name) for part in marked])
        for name in Referrals.__dataclass_fields__
    }
    stage = np.select([columns["initial"] == 1, columns["initial"] == 2], [0, 1], 2)
    order = np.lexsort((np.arange(len(stage)), columns["arrival_day"], stage))
    return Referrals(**{name: column[order] for name, column in columns.items()})


def _attributes(
    scenario: Scenario,
    seed: int,
    rep: int,
    arrival: np.ndarray,
    prefix: str,
    initial: int,
    offset: int = 0,
) -> dict[str, np.ndarray]:
    """Draw each attribute from its own stream (by inverse transform of uniforms)."""
    demand = scenario.demand
    n = len(arrival)

    def uniforms(name: str) -> np.ndarray:
        return stream(seed, rep, prefix + name).random(offset + n)[offset:]

    types = list(demand.mix.values())
    shares = [t.share for t in types] if initial != 1 else open_case_shares(scenario)
    u = uniforms("type")
    type_index = _pick(u, shares)
    multipliers = type_multipliers(demand, arrival) if initial == 0 else None
    if multipliers is not None:  # a shock names some types: their share rises while it lasts
        moved = (multipliers != 1.0).any(axis=1)
        type_index[moved] = _pick_each(u[moved], type_shares(demand, multipliers[moved]))
    urgent_share = np.array(
        [demand.urgent_share if t.urgent_share is None else t.urgent_share for t in types]
    )
    urgent = uniforms("urgency") < urgent_share[type_index]
    statutory = np.array([t.statutory for t in types])[type_index]
    need_index = _pick(uniforms("need"), list(demand.needs.values()), none_left=True)
    localities = list(demand.localities.values())
    locality_index = (
        _pick(uniforms("locality"), [loc.share for loc in localities])
        if localities
        else np.full(n, -1)
    )
    work = np.zeros(n)
    u = uniforms("hours")
    for index, kind in enumerate(types):
        mask = type_index == index
        work[mask] = kind.hours.quantile(u[mask])
    miles = np.zeros(n)
    u = uniforms("miles")
    for index, locality in enumerate(localities):
        mask = locality_index == index
        miles[mask] = locality.miles_per_case.quantile(u[mask])
    hours = work + miles / demand.travel_mph
    open_days = np.zeros(n)
    u = uniforms("weeks_open")
    for index, kind in enumerate(types):
        mask = type_index == index
        if kind.weeks_open is not None:
            open_days[mask] = kind.weeks_open.quantile(u[mask]) * DAYS_PER_WEEK
    if initial == 1:  # open on day 0: only what is left of the case remains
        left = uniforms("residual")
        hours, open_days = hours * left, open_days * left
    deadline = arrival + _deadline_days(demand, type_index, urgent, uniforms("deadline"))
    spot = scenario.commissioning.spot
    u = uniforms("spot_arrangement")
    arrangement = (
        spot.arrangement_days.quantile(u) if spot is not None and initial != 1 else np.zeros(n)
    )
    triage_days = commissioning_model(scenario).triage_days(scenario)
    u = uniforms("triage")
    triage = triage_days.quantile(u) if triage_days is not None and initial != 1 else np.zeros(n)
    return {
        "arrival_day": np.asarray(arrival, dtype=float),
        "type_index": type_index,
        "urgent": urgent,
        "statutory": statutory,
        "need_index": need_index,
        "locality_index": locality_index,
        "hours": hours,
        "miles": miles,
        "deadline_day": deadline,
        "arrangement_days": arrangement,
        "triage_days": triage,
        "flex_uniform": uniforms("flex_arrangement"),
        "weight_units": np.array([t.weight_units for t in types], dtype=np.int64)[type_index],
        "open_days": open_days,
        "initial": np.full(n, initial, dtype=np.int8),
        "authority": np.zeros(n, dtype=np.int8),
    }


def draw_other_buyers(
    scenario: Scenario, seed: int, rep: int, until: float
) -> tuple[np.ndarray, np.ndarray]:
    """Other buyers' cases on the spot market before ``until``: arrival days and hours.

    A Poisson stream at ``spot.other_referrals_per_year`` with hours from
    ``spot.other_hours``, each from its own named stream, so our referrals are
    the same with or without them (common random numbers).
    """
    spot = scenario.commissioning.spot
    if spot is None or spot.other_referrals_per_year <= 0 or spot.other_hours is None:
        return np.empty(0), np.empty(0)
    arrivals = stream(seed, rep, "other.arrivals")
    count = arrivals.poisson(spot.other_referrals_per_year / DAYS_PER_YEAR * until)
    days = np.sort(arrivals.uniform(0.0, until, count))
    hours = spot.other_hours.quantile(stream(seed, rep, "other.hours").random(count))
    return days, hours


def _deadline_days(
    demand: Demand, type_index: np.ndarray, urgent: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Days from arrival to each referral's deadline (NaN: none), one uniform each.

    The type's own distribution wins over the global one, and for an urgent
    referral an urgent distribution wins over a standard one.
    """
    days = np.full(len(u), np.nan)
    for index, kind in enumerate(demand.mix.values()):
        standard = kind.deadline_days or demand.deadline_days
        chosen = {
            False: standard,
            True: kind.urgent_deadline_days or demand.urgent_deadline_days or standard,
        }
        for is_urgent, dist in chosen.items():
            mask = (type_index == index) & (urgent == is_urgent)
            if dist is not None and mask.any():
                days[mask] = dist.quantile(u[mask])
    return days


def _pick_each(u: np.ndarray, chances: np.ndarray) -> np.ndarray:
    """Category index for each uniform, each by its own row of ``chances`` (summing to 1),
    by the same inverse transform as ``_pick``."""
    cumulative = np.cumsum(chances, axis=1)
    index: np.ndarray = np.minimum((cumulative <= u[:, None]).sum(axis=1), chances.shape[1] - 1)
    return index


def _pick(u: np.ndarray, shares: list[float], none_left: bool = False) -> np.ndarray:
    """Category index for each uniform; with ``none_left``, -1 past the last share."""
    if not shares:
        return np.full(len(u), -1)
    cumulative = np.cumsum(shares)
    if not none_left:
        cumulative = cumulative / cumulative[-1]
    index = np.searchsorted(cumulative, u, side="right")
    if none_left:
        return np.where(index >= len(shares), -1, index)
    return np.minimum(index, len(shares) - 1)
