"""A case list's referrals as a scenario's demand: what ``advocacy-sim replay`` runs.

Trace-driven simulation: the referrals a service really had go through the modelled
contract instead of drawn ones, so the model's waits can be checked against the waits
the list records, and "what if we had bought differently" asked of the same people.

**Day 0 is the first day of the month of the list's first referral**: the scenario's
``start_date`` is set to it, so weekends, bank holidays, months and working-day targets
fall as they did and every month of the comparison is a whole calendar month; and
``horizon_days`` becomes the days from then to the list's end (both included).
``warm_up_days`` is 0: every referral on the list counts. Each referral arrives at the
start of its referral date (a list records dates, not times). A list that starts on
the 20th leaves the service idle but for its cases open on day 0 for 19 days; a
list made from a scenario starting on the 1st (``scripts/make_case_list.py``) replays
on the same days as the history it records, so its unrecorded draws (absences, say)
fall on the same dates.

**Recorded, used as recorded**: referral date, type, urgency, need, locality, miles, and
the hours of a closed case (travel included, as the list gives them).

**Drawn in each replication** from the scenario's own named streams, the k-th referral
of the list taking the k-th draw of each (as the k-th referral of a run would): the
deadline (where the type has one), the spot arrangement days, the hub's triage days,
the flex arrangement, the weeks a case stays open (where the type has ``weeks_open``);
the need when the list has no ``need`` column; the locality when it has no
``locality`` column or the cell is blank; the miles when not recorded (from the
locality's distribution); and the total hours of a case still open when the list was
extracted: a list gives the hours so far (or none), so the total is drawn from the
type's hours distribution above what is recorded so far (plus travel). The caseload
weight is the type's (a rule, not a draw).

**The service as it stood on day 0** is the scenario's: its ``initial_open_cases`` and
``initial_waiting_list`` are drawn as any run draws them, and in a joint contract the
partner authorities' referrals are drawn as usual (the list is the scenario's own
authority's). Replications therefore differ only in what the list does not record
and in the workforce's absences and exits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulator import uncertainty
from simulator.caselist import CaseList, Problem, summarise
from simulator.commissioning import commissioning_model
from simulator.demand import Referrals, _deadline_days, _pick, draw_referrals, joined
from simulator.plan import partner_scenarios
from simulator.schema import Scenario
from simulator.streams import stream
from simulator.units import DAYS_PER_WEEK

QUANTILE_GRID = 4096
"""Points on which a distribution's quantiles are inverted (an open case's hours)."""


class ReplayError(ValueError):
    """A case list that cannot be replayed through a scenario: one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Labels:
    """A column of labels as codes into ``names`` (-1: blank), small to send to workers."""

    codes: np.ndarray
    names: tuple[str, ...]

    @classmethod
    def of(cls, values: pd.Series) -> Labels:
        present = values.where(values.notna() & (values != ""), None)
        codes, names = pd.factorize(present, use_na_sentinel=True)
        return cls(codes.astype(np.int32), tuple(str(n) for n in names))

    def indices(self, known: list[str]) -> np.ndarray:
        """The codes as indices into ``known`` (-1 stays -1; a name not known is -2)."""
        table = np.array([known.index(n) if n in known else -2 for n in self.names] + [-1])
        return table[self.codes]  # code -1 picks the last entry: -1


@dataclass(frozen=True)
class Recorded:
    """The referrals of a case list as arrays, in referral order (then file order).

    ``day`` is whole days from day 0 (the first day of the first referral's month);
    ``hours`` the hours recorded (for an open case, those so far; NaN: none); ``miles``
    NaN where not recorded; ``allocated_day`` whole days from day 0 to the recorded
    allocation (NaN: none recorded, or the list has no ``allocated_date``).
    """

    path: str
    start: dt.date
    span_days: int  # day 0 to the list's end, both included
    line: np.ndarray
    day: np.ndarray
    type: Labels
    urgent: np.ndarray
    need: Labels
    locality: Labels
    hours: np.ndarray
    miles: np.ndarray
    still_open: np.ndarray
    allocated_day: np.ndarray
    columns: tuple[str, ...]  # the optional columns the list has
    warnings: tuple[str, ...] = ()  # what the list left out and why (repeated rows, --end)

    def __len__(self) -> int:
        return len(self.day)

    @property
    def has_allocations(self) -> bool:
        return "allocated_date" in self.columns

    @property
    def open_cases(self) -> int:
        return int(self.still_open.sum())

    def month(self) -> np.ndarray:
        """Each referral's calendar month, e.g. ``2024-04``."""
        dates = np.datetime64(self.start, "D") + self.day.astype("timedelta64[D]")
        return np.datetime_as_string(dates.astype("datetime64[M]"), unit="M")


def recorded(listed: CaseList) -> Recorded:
    """A checked case list as replay's referrals.

    Raises
    ------
    ReplayError
        The list has bad rows: replay needs every referral (calibrate leaves a few
        out; a replay without them would have fewer people than the service had).
    """
    if listed.issues:
        raise ReplayError([
            f"{listed.path}: {listed.bad_rows} of {listed.rows} rows are bad; replay needs "
            "every referral, so fix them and run again:",
            *summarise(listed.issues),
        ])  # fmt: skip
    cases = listed.cases.sort_values(["referral_date", "line"], kind="stable")
    start = cases["referral_date"].min().to_period("M").to_timestamp()  # its month's 1st
    day = (cases["referral_date"] - start).dt.days.to_numpy(dtype=np.int64)
    allocated = cases.get("allocated_date", pd.Series(pd.NaT, index=cases.index))
    allocated_day = (pd.to_datetime(allocated) - start).dt.days.to_numpy(dtype=float)
    return Recorded(
        path=str(listed.path),
        start=start.date(),
        span_days=int((listed.end - start).days) + 1,
        line=cases["line"].to_numpy(dtype=np.int64),
        day=day,
        type=Labels.of(cases["type"]),
        urgent=cases["urgent"].to_numpy(dtype=bool),
        need=Labels.of(cases["need"]),
        locality=Labels.of(cases["locality"]),
        hours=pd.to_numeric(cases["hours"]).to_numpy(dtype=float),
        miles=pd.to_numeric(cases["miles"]).to_numpy(dtype=float),
        still_open=cases["open"].to_numpy(dtype=bool),
        allocated_day=allocated_day,
        columns=listed.columns,
        warnings=tuple(listed.warnings),
    )


def check(listed: Recorded, scenario: Scenario, where: str) -> list[str]:
    """Every label of the list the scenario does not know, as ``file:line: column: ...``
    (several alike in one line); ``where`` names the scenario (its file)."""
    demand, path = scenario.demand, Path(listed.path)
    problems: list[Problem] = []
    for column, labels, known, what in (
        ("type", listed.type, list(demand.mix), "an advocacy type"),
        ("need", listed.need, list(demand.needs), "a need"),
        ("locality", listed.locality, list(demand.localities), "a locality"),
    ):
        unknown = labels.indices(known) == -2
        names = ", ".join(known) or "none"
        for row in np.flatnonzero(unknown):
            value = labels.names[labels.codes[row]]
            message = f"not {what} of {where} ({names})"
            problems.append(Problem(path, int(listed.line[row]), column, value, message))
    problems.sort(key=lambda p: p.line)
    return summarise(problems)


def replay_scenario(scenario: Scenario, listed: Recorded) -> Scenario:
    """The scenario over the list's days: day 0 the first day of its first referral's
    month, the horizon to its end, no warm-up (its contract, prices and follow-up as they are)."""
    update = {"start_date": listed.start, "horizon_days": float(listed.span_days),
              "warm_up_days": 0.0}  # fmt: skip
    return scenario.model_copy(update=update)


def list_referrals(scenario: Scenario, listed: Recorded, rep: int) -> Referrals:
    """Replication ``rep``'s referrals: the list's as recorded, the rest drawn (see the
    module's docstring), after the scenario's own cases open or waiting on day 0."""
    drawn = uncertainty.drawn(scenario, rep)
    demand, seed, n = drawn.demand, scenario.seed, len(listed)

    def uniforms(name: str) -> np.ndarray:
        return stream(seed, rep, name).random(n)

    types = list(demand.mix.values())
    type_index = listed.type.indices(list(demand.mix))
    if (type_index < 0).any():
        raise ValueError("replay: a type the scenario lacks (check() the list first)")
    need_index = _recorded_or_drawn(
        listed.need.indices(list(demand.needs)), "need" in listed.columns,
        uniforms("need"), list(demand.needs.values()), none_left=True,
    )  # fmt: skip
    localities = list(demand.localities.values())
    locality_index = _recorded_or_drawn(
        listed.locality.indices(list(demand.localities)), False,
        uniforms("locality"), [loc.share for loc in localities],
    )  # fmt: skip
    miles = listed.miles.copy()
    u = uniforms("miles")
    for index, locality in enumerate(localities):
        unrecorded = np.isnan(miles) & (locality_index == index)
        miles[unrecorded] = locality.miles_per_case.quantile(u[unrecorded])
    miles = np.nan_to_num(miles)  # no locality, no miles recorded: none
    hours = _hours(drawn, listed, type_index, miles, uniforms("hours"))
    open_days = np.zeros(n)
    u = uniforms("weeks_open")
    for index, kind in enumerate(types):
        if kind.weeks_open is not None:
            mask = type_index == index
            open_days[mask] = kind.weeks_open.quantile(u[mask]) * DAYS_PER_WEEK
    arrival = listed.day.astype(float)
    urgent = listed.urgent
    spot = scenario.commissioning.spot
    u = uniforms("spot_arrangement")
    arrangement = spot.arrangement_days.quantile(u) if spot is not None else np.zeros(n)
    triage_days = commissioning_model(scenario).triage_days(scenario)
    u = uniforms("triage")
    triage = triage_days.quantile(u) if triage_days is not None else np.zeros(n)
    own = Referrals(
        arrival_day=arrival,
        type_index=type_index,
        urgent=urgent,
        statutory=np.array([t.statutory for t in types])[type_index],
        need_index=need_index,
        locality_index=locality_index,
        hours=hours,
        miles=miles,
        deadline_day=arrival + _deadline_days(demand, type_index, urgent, uniforms("deadline")),
        arrangement_days=arrangement,
        triage_days=triage,
        flex_uniform=uniforms("flex_arrangement"),
        weight_units=np.array([t.weight_units for t in types], dtype=np.int64)[type_index],
        open_days=open_days,
        initial=np.zeros(n, dtype=np.int8),
        authority=np.zeros(n, dtype=np.int8),
    )
    on_day0 = draw_referrals(drawn, seed, rep, until=0.0)  # arrivals before day 0: none
    own = _concat([on_day0, own])
    if scenario.partners is None:
        return own
    until = scenario.horizon_days + scenario.follow_up_days
    theirs = [
        draw_referrals(uncertainty.drawn(partner, rep), partner.seed, rep, until=until)
        for partner in partner_scenarios(scenario)
    ]
    return joined([own, *theirs])


def listed_positions(referrals: Referrals) -> np.ndarray:
    """Where the list's referrals are among a replication's (in the list's order)."""
    return np.flatnonzero((referrals.initial == 0) & (referrals.authority == 0))


def _recorded_or_drawn(
    index: np.ndarray, recorded_blank_is_none: bool, u: np.ndarray, shares: list[float],
    none_left: bool = False,
) -> np.ndarray:  # fmt: skip
    """Recorded indices, and draws where blank (-1), unless a blank in a column the list
    has means "none" (``recorded_blank_is_none``: a need); nothing to draw from: -1."""
    if recorded_blank_is_none or not shares:
        return index
    drawn = _pick(u, shares, none_left=none_left)
    return np.where(index >= 0, index, drawn)


def _hours(
    scenario: Scenario, listed: Recorded, type_index: np.ndarray, miles: np.ndarray,
    u: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Hours, travel included: a closed case's as recorded; an open case's total drawn
    from its type's hours above the work recorded so far (inverse transform of the
    uniform over the part of the distribution above it), plus travel."""
    hours = listed.hours.copy()
    travel = miles / scenario.demand.travel_mph
    so_far = np.nan_to_num(listed.hours)
    grid = (np.arange(QUANTILE_GRID) + 0.5) / QUANTILE_GRID
    for index, kind in enumerate(scenario.demand.mix.values()):
        mask = listed.still_open & (type_index == index)
        if not mask.any():
            continue
        points = np.maximum.accumulate(kind.hours.quantile(grid))
        done = np.interp(np.maximum(so_far[mask] - travel[mask], 0.0), points, grid, left=0.0)
        work = kind.hours.quantile(done + u[mask] * (1.0 - done))
        hours[mask] = np.maximum(work + travel[mask], so_far[mask])
    return hours


def _concat(parts: list[Referrals]) -> Referrals:
    return Referrals(**{
        name: np.concatenate([getattr(part, name) for part in parts])
        for name in Referrals.__dataclass_fields__
    })  # fmt: skip
