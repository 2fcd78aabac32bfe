"""Everything decided before a replication starts: expected demand and the pools a
contract buys.

The referral rate and its integral (how many referrals to expect), the hours a case
holds a caseload slot (more than its hours when it is kept open longer), how a
``block_share`` block is sized, and the plan of every pool: slots, pace, contracted
hours and price. Nothing here draws a random number or changes during a run;
``demand`` draws the referrals from these figures and ``providers`` holds the live
pools each plan describes. A capacity feature (leave, vacancies, a varied contract)
puts here what the contract expects of it: hours at work, and a block sized to
deliver its hours despite the leave its provider plans for (CONTRIBUTING.md).
"""

from __future__ import annotations

import functools
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pydantic import TypeAdapter

from simulator.commissioning import commissioning_model
from simulator.distributions import Distribution
from simulator.memo import by_scenario
from simulator.schema import Demand, Flex, Provider, Scenario, Shock, Spot, Workforce
from simulator.units import BANK_HOLIDAYS_A_YEAR, DAYS_PER_WEEK, DAYS_PER_YEAR, WORKING_DAYS_A_WEEK
from simulator.vocabulary import Route

GRID_STEP_DAYS = 1.0 / 24.0  # the rate is integrated hourly: exact for constant rates


HELD_GRID = 64  # quantile points per distribution when a case may be kept open longer


def rate_per_day(scenario: Scenario, days: np.ndarray) -> np.ndarray:
    """Referral rate (per day) at each time: base x growth x seasonality x shocks."""
    demand = scenario.demand
    rate: np.ndarray = demand.referrals_per_year_at(days) / DAYS_PER_YEAR
    if scenario.workshops is not None:
        rate *= 1 - scenario.workshops.assumed_referral_reduction
    rate = rate * (1 + demand.growth_per_year) ** (days / DAYS_PER_YEAR)
    if demand.seasonality is not None:
        dates = np.datetime64(scenario.start_date, "D") + np.floor(days).astype("timedelta64[D]")
        month = dates.astype("datetime64[M]").astype(np.int64) % 12
        rate = rate * np.asarray(demand.seasonality)[month]
    for shock in demand.shocks:
        if shocked_types(demand, shock) is not None:
            continue  # multiplies some types only: below
        inside = (days >= shock.start_day) & (days < shock.end_day)
        rate = np.where(inside, rate * shock.multiplier, rate)
    multipliers = type_multipliers(demand, days)
    if multipliers is not None:
        shares = np.array([kind.share for kind in demand.mix.values()])
        rate = rate * (multipliers @ shares) / shares.sum()
    return rate


def shocked_types(demand: Demand, shock: Shock) -> frozenset[str] | None:
    """The advocacy types a shock multiplies, or None when it multiplies every type (no
    ``types``, or all of them): then it multiplies the rate itself, as shocks always have,
    and the type of each referral is drawn from the mix as without it."""
    if not shock.types or set(demand.mix) <= set(shock.types):
        return None
    return frozenset(shock.types)


def type_multipliers(demand: Demand, days: np.ndarray) -> np.ndarray | None:
    """Each type's multiplier at each of ``days`` from the shocks that name some types only
    (rows: days; columns: types in ``demand.mix`` order); None when no shock does.

    A type's rate is the rate x its share x its multiplier, so the rate of all referrals
    is the rate x the share-weighted mean multiplier (``rate_per_day``) and a referral's
    type is drawn from the shares x multipliers (``type_shares``)."""
    typed = [(shock, named) for shock in demand.shocks
             if (named := shocked_types(demand, shock)) is not None]  # fmt: skip
    if not typed:
        return None
    days = np.asarray(days, dtype=float)
    multipliers = np.ones((len(days), len(demand.mix)))
    for shock, named in typed:
        inside = (days >= shock.start_day) & (days < shock.end_day)
        cells = inside[:, None] & np.array([label in named for label in demand.mix])
        multipliers = np.where(cells, multipliers * shock.multiplier, multipliers)
    return multipliers


def type_shares(demand: Demand, multipliers: np.ndarray) -> np.ndarray:
    """The chance a referral is of each type, given its types' multipliers (a row each):
    the shares x the multipliers, over their sum (the shares where every multiplier is 0,
    when no referral arrives anyway)."""
    shares = np.array([kind.share for kind in demand.mix.values()])
    weights = multipliers * shares
    weights = np.where(weights.sum(axis=1, keepdims=True) > 0, weights, shares)
    chances: np.ndarray = weights / weights.sum(axis=1, keepdims=True)
    return chances


def cumulative_rate(scenario: Scenario, end: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Grid of times to ``end`` (default the horizon) and the expected referrals up to each
    (the integrated rate). Read-only arrays, shared by every replication that asks."""
    return _cumulative_rate(scenario, scenario.horizon_days if end is None else end)


@by_scenario
def _cumulative_rate(scenario: Scenario, end: float) -> tuple[np.ndarray, np.ndarray]:
    steps = max(1, int(np.ceil(end / GRID_STEP_DAYS)))
    grid = np.linspace(0.0, end, steps + 1)
    midpoints = (grid[:-1] + grid[1:]) / 2
    expected = np.concatenate([[0.0], np.cumsum(rate_per_day(scenario, midpoints) * np.diff(grid))])
    grid.flags.writeable = expected.flags.writeable = False
    return grid, expected


def expected_referrals(scenario: Scenario) -> float:
    """Expected referrals over the horizon."""
    return float(cumulative_rate(scenario)[1][-1])


HeldWork = Callable[[Demand, str, float], float]
"""``held_work_hours`` or a bound on it: (demand, type label, a slot's hours a week)."""


def held_hours(
    demand: Demand, label: str, case_hours_per_week: float, held: HeldWork | None = None
) -> float:
    """Mean slot-hours a case of this type holds, travel included (see ``held_work_hours``;
    ``held``: a bound on it instead)."""
    work = held_work_hours if held is None else held
    return work(demand, label, case_hours_per_week) + demand.mean_travel_hours


def least_held_work_hours(demand: Demand, label: str, case_hours_per_week: float) -> float:
    """The least ``held_work_hours`` can be: the type's mean hours, since what a case kept
    open longer holds beyond them is never negative. No quantile grids (and no scipy):
    the checks of a file (``validate``) try this bound before the exact figure."""
    return demand.mix[label].hours.expected


def held_work_hours(demand: Demand, label: str, case_hours_per_week: float) -> float:
    """Mean slot-hours a case of this type holds where a whole slot gives
    ``case_hours_per_week``: its hours (travel included), or, when it is kept open
    longer, its weight x that pace x ``weeks_open``, whichever is more; travel's mean
    is left out (added by ``held_hours``), so this is its mean work hours exactly when
    the type is never kept open longer.

    A case of weight w receives w of a slot's hours each week, so it holds
    ``max(hours, w x pace x weeks_open)`` slot-hours. Without ``weeks_open`` that
    is its mean hours exactly; with it, the expected excess over the hours comes
    from quantile grids of the three independent parts (work, travel, weeks).
    """
    kind = demand.mix[label]
    if kind.weeks_open is None:
        return kind.hours.expected
    places = tuple((loc.share, loc.miles_per_case.model_dump_json())
                   for loc in demand.localities.values())  # fmt: skip
    excess = _held_excess(
        kind.hours.model_dump_json(), kind.weeks_open.model_dump_json(), places,
        demand.travel_mph, kind.caseload_weight * case_hours_per_week,
    )  # fmt: skip
    return kind.hours.expected + excess


@functools.lru_cache(maxsize=256)
def _held_excess(
    hours: str,
    weeks_open: str,
    places: tuple[tuple[float, str], ...],
    travel_mph: float,
    pace: float,
) -> float:
    """The expected excess of ``pace x weeks_open`` over a case's hours plus travel, by
    quantile grids; cached by the distributions' JSON (every replication and every
    pool plan asks for the same few figures, and each takes quantile grids of three
    distributions)."""
    read = TypeAdapter(Distribution).validate_json
    u = (np.arange(HELD_GRID) + 0.5) / HELD_GRID
    travel, chance = [np.zeros(1)], [np.ones(1)]
    if places:
        travel = [read(miles).quantile(u) / travel_mph for _, miles in places]
        chance = [np.full(HELD_GRID, share / HELD_GRID) for share, _ in places]
    need = (read(hours).quantile(u)[:, None] + np.concatenate(travel)[None, :]).ravel()
    weight = (np.full(HELD_GRID, 1 / HELD_GRID)[:, None] * np.concatenate(chance)[None, :]).ravel()
    floor = pace * read(weeks_open).quantile(u)
    excess = np.maximum(floor[None, :] - need[:, None], 0.0).mean(axis=1)
    return float(np.sum(weight * excess))


def open_case_shares(scenario: Scenario, held: HeldWork | None = None) -> list[float]:
    """Share of each type among cases open at a random moment: long cases are open for
    longer, so types count by referrals x mean days open (Little's law); ``held``: a
    bound on ``held_work_hours`` to count by instead.

    The pace is the first block provider's, else the spot market's (day-0 cases
    fill the block first); it matters only through ``weeks_open``.
    """
    demand, commissioning = scenario.demand, scenario.commissioning
    providers = commissioning.providers if commissioning_model(scenario).buys_block else []
    first = providers[0] if providers else commissioning.spot
    pace = first.case_hours_per_week if first is not None else 1.0
    return [
        kind.share * held_hours(demand, label, pace, held) / kind.caseload_weight
        for label, kind in demand.mix.items()
    ]


SPOT = "spot"


@dataclass(frozen=True)
class PoolPlan:
    """What a contract buys: slots, their work rate, contracted hours and price."""

    name: str
    slots: int
    advocates: int
    caseload_cap: int
    case_hours_per_week: float  # hours a week one open case receives
    contracted_hours_per_year: float  # 0 for spot: paid by the hour used
    rate_per_hour: float  # as quoted
    rate_includes_vat: bool  # the rate (and spot mileage) as quoted includes VAT
    skills: frozenset[str] | None  # None: serves every type and need
    mean_case_hours: float  # slot-hours a case it can serve holds (its hours, travel included)
    route: Route = Route.BLOCK  # which market it is: a block, a provider's flex, or spot
    arrangement_days: Distribution | None = None  # flex: days to agree a case
    owner: int | None = None  # flex: the index of its provider's block pool
    weekdays: bool = False  # works on working days only (``working_days: weekdays``)
    workforce: Workforce | None = None  # its advocates' leave, sickness and turnover
    # planned changes of the contract: (from_day, slots, contracted hours a year) from then
    changes: tuple[tuple[float, int, float], ...] = ()

    @property
    def posts(self) -> int:
        """Posts the live pool keeps: the most any part of the contract deals slots to (a
        post with no slots in some part of it holds none then)."""
        return max(len(dealt(slots, self.caseload_cap)) for _, slots, _ in self.phases)

    @property
    def phases(self) -> tuple[tuple[float, int, float], ...]:
        """The contract's parts in order: (first day, slots, contracted hours a year)."""
        return ((0.0, self.slots, self.contracted_hours_per_year), *self.changes)

    def post_slots(self, slots: int | None = None) -> list[int]:
        """Each post's caseload slots, as ``providers.Pool`` deals them out (``dealt``):
        the one source of what each post holds, on day 0 or, given a part of a varied
        contract's ``slots``, then (the posts beyond those it needs holding none). A
        post's FTE is its slots / ``caseload_cap``: 8.4 FTE at a cap of 10 is 84 slots
        in 9 posts, three of 1.0 FTE and six of 0.9."""
        each = dealt(self.slots if slots is None else slots, self.caseload_cap)
        return each + [0] * (self.posts - len(each))

    def post_fte(self, slots: int | None = None) -> np.ndarray:
        """Each post's full-time equivalent (its slots / ``caseload_cap``); they add up to
        the pool's ``slots / caseload_cap``."""
        return np.asarray(self.post_slots(slots), dtype=float) / self.caseload_cap

    def over(self, low: float, high: float) -> list[tuple[float, int, float]]:
        """Days of ``[low, high)`` under each part of the contract, with its slots and hours
        a year (parts outside the window give 0 days)."""
        parts = self.phases
        ends = [start for start, _, _ in parts[1:]] + [math.inf]
        return [
            (max(min(end, high) - max(start, low), 0.0), slots, hours)
            for (start, slots, hours), end in zip(parts, ends, strict=True)
        ]

    def contracted_hours(self, low: float, high: float) -> float:
        """Contracted hours over days ``[low, high)``: each part's hours a year for its days."""
        if not self.changes:
            return self.contracted_hours_per_year * ((high - low) / DAYS_PER_YEAR)
        return sum(days * hours / DAYS_PER_YEAR for days, _, hours in self.over(low, high))

    def mean_slots(self, low: float, high: float) -> float:
        """Caseload slots contracted on average over ``[low, high)``."""
        if not self.changes:
            return float(self.slots)
        return sum(days * slots for days, slots, _ in self.over(low, high)) / (high - low)

    @property
    def days_per_hour(self) -> float:
        """Calendar days a case stays open per hour of work it needs."""
        return DAYS_PER_WEEK / self.case_hours_per_week

    @property
    def at_work(self) -> float:
        """The share of its weeks a slot's advocate is at work, as planned (``at_work_share``):
        a slot held a calendar day gives that share of a day's hours at its pace."""
        return at_work_share(self.workforce, self.weekdays)

    @property
    def slot_hours_per_year(self) -> float:
        return self.case_hours_per_week * DAYS_PER_YEAR / DAYS_PER_WEEK

    def serves(self, type_label: str, need_label: str | None) -> bool:
        return self.slots > 0 and self.has_skills(type_label, need_label)

    def has_skills(self, type_label: str, need_label: str | None) -> bool:
        """The skills a referral needs, whether or not the pool has any room (a market of
        no advocates still names the price its cases would be bought at)."""
        if self.skills is None:
            return True
        return type_label in self.skills and (need_label is None or need_label in self.skills)


def held_hours_per_year(
    scenario: Scenario, case_hours_per_week: float, held: HeldWork = held_work_hours
) -> dict[str, float]:
    """Expected slot-hours a year by advocacy type at a pool of this pace (mean rate over
    the horizon): the demand hours, plus what cases kept open longer hold beyond them
    (``held``: or a bound on that). In a joint contract, every authority's."""
    demand = scenario.demand
    by_type = planned_referrals_by_type(scenario)
    own = {
        label: by_type[label] * mean_held_hours(demand, [label], case_hours_per_week, held)
        for label in demand.mix
    }
    for partner in partner_scenarios(scenario):
        theirs = held_hours_per_year(partner, case_hours_per_week, held)
        own = {label: hours + theirs[label] for label, hours in own.items()}
    return own


def partner_scenarios(scenario: Scenario) -> list[Scenario]:
    """The scenario as each partner authority's referrals are drawn and its part of a
    joint block is sized: that authority's demand in place of the scenario's, on its own
    planned referrals (``planned_referrals_per_year`` is the scenario's own authority's;
    each partner's is its own, or its expected referrals)."""
    if scenario.partners is None:
        return []
    return [
        scenario.model_copy(update={
            "demand": authority.demand, "partners": None,
            "commissioning": scenario.commissioning.model_copy(
                update={"planned_referrals_per_year": authority.planned_referrals_per_year}
            ),
            "seed": partner_seed(scenario.seed, authority.name),
        })
        for authority in scenario.partners.authorities
    ]  # fmt: skip


def partner_seed(seed: int, name: str) -> int:
    """A partner authority's root seed, from the scenario's and its name: its referrals
    and its doubt about demand have streams of their own, so two authorities with the
    same demand are not copies."""
    key = zlib.crc32(name.encode("utf-8"))
    return int(np.random.SeedSequence(entropy=seed, spawn_key=(key,)).generate_state(1)[0])


def planned_referrals_by_type(scenario: Scenario) -> dict[str, float]:
    """``planned_referrals_per_year`` by advocacy type: by the mix's shares, or, when the
    figure is the scenario's own expectation and a shock names some types, each type's
    own expected referrals a year (``expected_referrals_by_type``)."""
    demand = scenario.demand
    typed = any(shocked_types(demand, shock) is not None for shock in demand.shocks)
    if scenario.commissioning.planned_referrals_per_year is not None or not typed:
        per_year = planned_referrals_per_year(scenario)
        return {label: per_year * kind.share for label, kind in demand.mix.items()}
    expected = expected_referrals_by_type(scenario)
    return {label: n / scenario.horizon_days * DAYS_PER_YEAR for label, n in expected.items()}


def expected_referrals_by_type(scenario: Scenario, end: float | None = None) -> dict[str, float]:
    """Expected referrals of each type over ``[0, end)`` (default the horizon): the
    integrated rate of each, its share of the rate reweighted where a shock names some
    types (``type_multipliers``). They add up to ``cumulative_rate``'s last figure."""
    demand = scenario.demand
    grid, expected = cumulative_rate(scenario, end)
    midpoints = (grid[:-1] + grid[1:]) / 2
    multipliers = type_multipliers(demand, midpoints)
    if multipliers is None:
        return {label: float(expected[-1] * kind.share) for label, kind in demand.mix.items()}
    counts = np.diff(expected) @ type_shares(demand, multipliers)
    return {label: float(n) for label, n in zip(demand.mix, counts, strict=True)}


def planned_referrals_per_year(scenario: Scenario) -> float:
    """Referrals a year a block sized by ``block_share`` is bought for: the scenario's
    ``planned_referrals_per_year``, else its own expected referrals a year (the mean rate
    over the horizon)."""
    planned = scenario.commissioning.planned_referrals_per_year
    if planned is not None:
        return planned
    return expected_referrals(scenario) / scenario.horizon_days * DAYS_PER_YEAR


def mean_held_hours(
    demand: Demand, types: list[str], case_hours_per_week: float,
    held: HeldWork = held_work_hours,
) -> float:  # fmt: skip
    """Mean slot-hours a case of these types (all when none) holds, by their shares.

    Exactly ``demand.mean_hours_per_case(types)`` when no type is kept open longer.
    """
    chosen = types or list(demand.mix)
    travel = demand.mean_travel_hours
    total_share = sum(demand.mix[t].share for t in chosen)
    if total_share == 0:
        return mean_held_hours(demand, list(demand.mix), case_hours_per_week, held)
    work = sum(demand.mix[t].share * held(demand, t, case_hours_per_week) for t in chosen)
    return work / total_share + travel


def block_size(
    scenario: Scenario, provider: Provider, held: HeldWork = held_work_hours
) -> tuple[int, float]:
    """A block provider's caseload slots and contracted hours a year: as its file says
    (``advocates``, or ``block_hours_per_year``), else sized by ``block_share`` to its
    part of the hours held (shared equally among unsized providers with a type's skill).
    Sizing only grows with the hours held, so ``held`` a lower bound gives fewer slots.

    Bought as hours (``block_hours_per_year``, ``block_share``), the provider staffs to
    deliver them through the absence it plans for (``at_work_share``): more slots, the
    same hours. Bought as ``advocates``, the council pays for their time whether they are
    at work or away (their hours if never away, as their salaries are)."""
    at_work = at_work_share(provider.workforce, provider.working_days == "weekdays")
    slot_hours = provider.case_hours_per_week * DAYS_PER_YEAR / DAYS_PER_WEEK * at_work
    if provider.advocates is not None:
        weekly = provider.advocates * provider.hours_per_week * provider.productive_share
        slots = round(provider.advocates * provider.caseload_cap)
        return slots, weekly * (DAYS_PER_YEAR / DAYS_PER_WEEK)
    if provider.block_hours_per_year is not None:
        contracted = provider.block_hours_per_year
        return max(1, round(contracted / slot_hours)), contracted
    unsized = [
        p for p in scenario.commissioning.providers
        if p.advocates is None and p.block_hours_per_year is None
    ]  # fmt: skip
    held_by_type = held_hours_per_year(scenario, provider.case_hours_per_week, held)
    share_of_demand = sum(
        held_by_type[t] / sum(1 for q in unsized if t in q.skills)
        for t in scenario.demand.mix
        if t in provider.skills
    )
    slots = round(scenario.commissioning.block_share * share_of_demand / slot_hours)
    return slots, slots * slot_hours


def dealt(slots: int, caseload_cap: int) -> list[int]:
    """Each post's slots, as ``providers.Pool`` deals a block's slots out on day 0: over
    ``ceil(slots / caseload_cap)`` posts (one at least), in turn."""
    posts = max(math.ceil(slots / caseload_cap), 1)
    return [len(range(post, slots, posts)) for post in range(posts)]


def varied(provider: Provider) -> tuple[tuple[float, int, float], ...]:
    """A provider's planned ``changes`` as (from_day, slots, contracted hours a year): each
    sized as ``advocates`` is (``block_size``). Only a provider sized by advocates may
    have changes (``scenario`` says so when a file does otherwise)."""
    if not provider.changes:
        return ()
    if provider.advocates is None:
        raise ValueError(f"{provider.name}: changes need the provider sized by advocates")
    return tuple(
        (float(change.from_day), round(change.advocates * provider.caseload_cap),
         change.advocates * provider.hours_per_week * provider.productive_share
         * (DAYS_PER_YEAR / DAYS_PER_WEEK))
        for change in provider.changes
    )  # fmt: skip


def at_work_share(workforce: Workforce | None, weekdays: bool) -> float:
    """The share of an advocate's weeks spent at work: not on the bank holidays (under
    ``weekdays``), leave, sickness and training their provider plans for. Vacancies are
    not counted: a provider staffs to deliver its hours, and an empty post is its
    shortfall."""
    away = 0.0 if workforce is None else workforce.absent_days_per_year
    week = WORKING_DAYS_A_WEEK if weekdays else DAYS_PER_WEEK
    return (working_days_a_year(weekdays) - away) / (DAYS_PER_YEAR * week / DAYS_PER_WEEK)


def working_days_a_year(weekdays: bool) -> float:
    """Days a year an advocate works: every day, or Monday to Friday less the eight England
    and Wales bank holidays of a usual year."""
    if not weekdays:
        return DAYS_PER_YEAR
    return DAYS_PER_YEAR * WORKING_DAYS_A_WEEK / DAYS_PER_WEEK - BANK_HOLIDAYS_A_YEAR


@dataclass(frozen=True)
class Staffing:
    """What a block provider with a workforce is expected to give: its contracted FTE and
    the casework hours they would give never away, and the FTE expected at work (less the
    leave, sickness and training planned, and the posts expected vacant) with their hours."""

    name: str
    fte: float
    hours_never_away: float
    fte_at_work: float
    hours_at_work: float


def expected_staffing(scenario: Scenario) -> list[Staffing]:
    """Each block provider with a workforce: contracted and expected FTE at work. (From
    ``block_size`` alone: a block of given size asks for no quantile grids.)"""
    if not commissioning_model(scenario).buys_block:
        return []
    found = []
    for provider in scenario.commissioning.providers:
        workforce = provider.workforce
        if workforce is None:
            continue
        slots, _ = block_size(scenario, provider)
        fte = slots / provider.caseload_cap
        never_away = slots * provider.case_hours_per_week * DAYS_PER_YEAR / DAYS_PER_WEEK
        at_work = expected_at_work(provider, workforce)
        found.append(Staffing(provider.name, fte, never_away, fte * at_work, never_away * at_work))
    return found


def block_lines(scenario: Scenario) -> list[str]:
    """What each block provider without a workforce is bought as, however its size and
    the demand are given: an analyst sees the slots, FTE, hours and price a year the file
    implies before running (one with a workforce gets :func:`expected_staffing`'s line)."""
    if not commissioning_model(scenario).buys_block:
        return []
    lines = []
    for provider in scenario.commissioning.providers:
        if provider.workforce is not None:
            continue
        slots, hours = block_size(scenario, provider)
        price, fte = hours * provider.block_rate_per_hour, slots / provider.caseload_cap
        lines.append(
            f"{provider.name}: block of {slots} caseload slots ({fte:,.1f} FTE), "
            f"{hours:,.0f} contracted hours a year, GBP {price:,.0f} a year at "
            f"GBP {provider.block_rate_per_hour:g} an hour as quoted"
        )
    return lines


def expected_at_work(provider: Provider, workforce: Workforce) -> float:
    """The share of a provider's contracted FTE expected at work: less the leave, sickness
    and training planned, and the posts expected vacant (renewal reward)."""
    filled = 1.0
    if workforce.turnover_per_year > 0:
        in_post = DAYS_PER_YEAR / workforce.turnover_per_year
        filled = in_post / (in_post + workforce.recruitment_days.expected)
    return at_work_share(workforce, provider.working_days == "weekdays") * filled


@dataclass(frozen=True)
class ContractChange:
    """A block provider's planned change of contract, as ``validate`` prints it: from
    ``from_day``, its FTE and contracted hours a year, and (with a workforce) the FTE
    expected at work."""

    name: str
    from_day: int
    fte: float
    hours_per_year: float
    fte_at_work: float | None


def contract_changes(scenario: Scenario) -> list[ContractChange]:
    """Every block provider's planned ``changes``, in order."""
    if not commissioning_model(scenario).buys_block:
        return []
    found = []
    for provider in scenario.commissioning.providers:
        for change, (_, slots, hours) in zip(provider.changes or [], varied(provider),
                                             strict=True):  # fmt: skip
            fte = slots / provider.caseload_cap
            workforce = provider.workforce
            at_work = None if workforce is None else fte * expected_at_work(provider, workforce)
            found.append(ContractChange(provider.name, change.from_day, fte, hours, at_work))
    return found


def fewest_slots(scenario: Scenario) -> int:
    """At least the caseload slots of ``plan_pools``'s block and spot pools, from the
    least hours each case holds (``least_held_work_hours``): no quantile grids."""
    providers = scenario.commissioning.providers
    blocks = providers if commissioning_model(scenario).buys_block else []
    spot = scenario.commissioning.spot
    spot_slots = 0 if spot is None else round(spot.market_advocates * spot.caseload_cap)
    return sum(block_size(scenario, p, least_held_work_hours)[0] for p in blocks) + spot_slots


@by_scenario
def plan_pools(scenario: Scenario) -> tuple[PoolPlan, ...]:
    """Block providers in scenario order, then their flex hours, then the spot market.
    (Worked out once per scenario: every replication asks.)"""
    commissioning = scenario.commissioning
    demand = scenario.demand
    buys_block = commissioning_model(scenario).buys_block
    providers = list(commissioning.providers) if buys_block else []

    plans = []
    for provider in providers:
        types = [t for t in demand.mix if t in provider.skills]
        pace = provider.case_hours_per_week
        slots, contracted = block_size(scenario, provider)
        plans.append(
            PoolPlan(
                name=provider.name,
                slots=slots,
                advocates=math.ceil(slots / provider.caseload_cap),
                caseload_cap=provider.caseload_cap,
                case_hours_per_week=provider.case_hours_per_week,
                contracted_hours_per_year=contracted,
                rate_per_hour=provider.block_rate_per_hour,
                rate_includes_vat=provider.rate_includes_vat,
                weekdays=provider.working_days == "weekdays",
                workforce=provider.workforce,
                skills=frozenset(provider.skills),
                mean_case_hours=mean_held_hours(demand, types, pace),
                changes=varied(provider),
            )
        )
    for index, provider in enumerate(providers):
        if provider.flex is not None:
            types = [t for t in demand.mix if t in provider.skills]
            plans.append(
                hourly_plan(
                    f"{provider.name} flex", provider.flex, provider.flex.advocates, demand,
                    types, frozenset(provider.skills), Route.FLEX, owner=index,
                )
            )  # fmt: skip
    spot = commissioning.spot
    if spot is not None:
        skills = None if spot.skills is None else frozenset(spot.skills)
        plans.append(hourly_plan(SPOT, spot, spot.market_advocates, demand, [], skills, Route.SPOT))
    return tuple(plans)


def hourly_plan(
    name: str,
    terms: Flex | Spot,
    advocates: float,
    demand: Demand,
    types: list[str],
    skills: frozenset[str] | None,
    route: Route,
    owner: int | None = None,
) -> PoolPlan:
    """A pool bought by the hour (a provider's flex, or the spot market): its advocates'
    slots, paid only for hours used, agreed in its ``arrangement_days``."""
    slots = round(advocates * terms.caseload_cap)
    return PoolPlan(
        name=name,
        slots=slots,
        advocates=math.ceil(slots / terms.caseload_cap),
        caseload_cap=terms.caseload_cap,
        case_hours_per_week=terms.case_hours_per_week,
        contracted_hours_per_year=0.0,
        rate_per_hour=terms.rate_per_hour,
        rate_includes_vat=terms.rate_includes_vat,
        skills=skills,
        mean_case_hours=mean_held_hours(demand, types, terms.case_hours_per_week),
        route=route,
        arrangement_days=terms.arrangement_days,
        owner=owner,
        weekdays=terms.working_days == "weekdays",
        workforce=terms.workforce,
    )


def partner_lines(scenario: Scenario) -> list[str]:
    """What ``validate`` says of a joint contract: each authority and the referrals a year
    it brings (the block is sized for them all)."""
    if scenario.partners is None:
        return []
    names = scenario.partners.names
    each = [planned_referrals_per_year(scenario),
            *(planned_referrals_per_year(p) for p in partner_scenarios(scenario))]  # fmt: skip
    shown = ", ".join(f"{name} {n:,.0f}" for name, n in zip(names, each, strict=True))
    split = scenario.partners.cost_split
    how = split if isinstance(split, str) else "fixed shares"
    return [f"joint contract: referrals a year {shown} ({sum(each):,.0f} in all); cost split {how}"]
