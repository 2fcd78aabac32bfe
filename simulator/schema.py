"""The scenario schema: every field of a scenario file, its type, limits and meaning.

A scenario is an immutable, validated value (pydantic v2, unknown keys
forbidden, no NaN or inf). Reading files, ``extends:``, and the wording of
errors are in ``simulator.scenario``. Nothing here imports SimPy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from ruamel.yaml import YAML

from simulator.distributions import Distribution, MeanDoubt

Share = Annotated[float, Field(ge=0, le=1)]
NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
HOURS_IN_A_WEEK = 168.0
HoursPerWeek = Annotated[float, Field(gt=0, le=HOURS_IN_A_WEEK)]
WorkingDays = Literal["weekdays", "every_day"]
WORKING_DAYS_TEXT = (
    "When advocates allocate and work cases. weekdays: Monday to Friday less bank holidays "
    "and targets.closure_days, a case's weekly hours spread over them (a referral arriving "
    "on a Saturday is allocated on Monday); every_day: every day of the year."
)
"""Hours a week: above 0 and at most the 168 hours a week has (every ``hours_per_week``)."""
SHARE_TOLERANCE = 1e-6
WEIGHT_SCALE = 100
"""Caseload weights are counted in hundredths of a slot, so capacity sums are exact."""


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, allow_inf_nan=False, validate_default=True
    )


class Ramp(_Model):
    """A share that changes steadily over time, e.g. referral practice improving after
    frontline training: ``start`` on day 0, ``end`` from ``over_days`` on."""

    start: Share = Field(description="The share on day 0.")
    end: Share = Field(description="The share once the ramp is over.")
    over_days: Positive = Field(description="Days the change takes (linear).")

    def at(self, days: Any) -> Any:
        """The share on each of ``days`` (an array)."""
        progress = np.clip(np.asarray(days, dtype=float) / self.over_days, 0.0, 1.0)
        return self.start + (self.end - self.start) * progress


class Population(_Model):
    """Referral rate derived from the local population (the Care Act funnel)."""

    adults: NonNegative = Field(description="Adults (18+) in the authority.")
    assessment_rate: Share = Field(
        description="Share of adults who have a needs assessment, review or safeguarding "
        "enquiry in a year."
    )
    substantial_difficulty_share: Share = Field(
        description="Share of those with substantial difficulty in being involved."
    )
    no_appropriate_individual_share: Share = Field(
        description="Share of those with no appropriate individual to support them."
    )
    referral_propensity: Share | Ramp = Field(
        default=1.0,
        description="Share of eligible people actually referred (practice); or a ramp, e.g. "
        "{start: 0.4, end: 0.8, over_days: 730} after frontline training.",
    )

    @property
    def eligible_per_year(self) -> float:
        """People a year who would be referred if practice referred all of them."""
        return (
            self.adults
            * self.assessment_rate
            * self.substantial_difficulty_share
            * self.no_appropriate_individual_share
        )

    @property
    def referrals_per_year(self) -> float:
        """Referrals a year on day 0."""
        return float(self.referrals_per_year_at(np.zeros(1))[0])

    def arithmetic(self) -> str:
        """How the rate is derived, in words and figures (``validate`` and the report)."""
        propensity = self.referral_propensity
        funnel = (
            f"{self.adults:,.0f} adults x {self.assessment_rate:g} assessed a year x "
            f"{self.substantial_difficulty_share:g} with substantial difficulty x "
            f"{self.no_appropriate_individual_share:g} with no appropriate individual"
        )
        if not isinstance(propensity, Ramp):
            return f"{funnel} x {propensity:g} referred = {self.referrals_per_year:,.0f} a year"
        start, end = (self.eligible_per_year * p for p in (propensity.start, propensity.end))
        return (
            f"{funnel} x referral propensity {propensity.start:g} rising to {propensity.end:g} "
            f"over {propensity.over_days:g} days = {start:,.0f} a year on day 0, {end:,.0f} a "
            f"year from day {propensity.over_days:g}"
        )

    def referrals_per_year_at(self, days: Any) -> Any:
        """Referrals a year on each of ``days``, the propensity ramping where it does."""
        propensity = self.referral_propensity
        share = propensity.at(days) if isinstance(propensity, Ramp) else propensity
        return self.eligible_per_year * np.broadcast_to(share, np.shape(days))


class Shock(_Model):
    """A multiplier on the referral rate over a range of days (case law, a flood), of every
    advocacy type or of the ``types`` it names."""

    start_day: NonNegative = Field(description="First day of the shock.")
    end_day: NonNegative = Field(description="Day the shock ends (exclusive).")
    multiplier: NonNegative = Field(description="Referral rate multiplier while it lasts.")
    label: str = Field(default="", description="What the shock stands for.")
    types: list[str] | None = Field(
        default=None,
        description="Advocacy types of demand.mix whose referral rate it multiplies, e.g. "
        "[rpr]; every type when omitted. The other types keep their rate, so the total "
        "rises by the shocked types' share and the mix shifts towards them while it lasts.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Shock:
        if self.end_day <= self.start_day:
            raise ValueError(f"end_day ({self.end_day}) must be after start_day ({self.start_day})")
        return self


class AdvocacyType(_Model):
    """One advocacy type in the demand mix (Care Act, IMCA, IMHA, RPR, ...)."""

    share: Share = Field(description="Share of referrals of this type; the mix sums to 1.")
    hours: Distribution = Field(description="Hours of advocacy work a referral needs.")
    statutory: bool = Field(default=True, description="Statutory types go first under triage.")
    urgent_share: Share | None = Field(
        default=None, description="Share urgent for this type; demand.urgent_share when omitted."
    )
    deadline_days: Distribution | None = Field(
        default=None,
        description="Days until the process goes ahead without an advocate, for this type; "
        "demand.deadline_days when omitted.",
    )
    urgent_deadline_days: Distribution | None = Field(
        default=None,
        description="The same for urgent referrals of this type; demand.urgent_deadline_days "
        "when omitted.",
    )
    weeks_open: Distribution | None = Field(
        default=None,
        description="Weeks a case of this type stays open at least, e.g. an RPR appointment "
        "that lasts as long as the DoLS authorisation; when omitted a case closes when its "
        "hours are done.",
    )
    caseload_weight: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="Share of a caseload slot a case of this type takes, in hundredths, e.g. "
        "0.25 for an RPR appointment; it receives that share of a slot's hours each week.",
    )

    @field_validator("caseload_weight")
    @classmethod
    def _in_hundredths(cls, weight: float) -> float:
        if abs(weight * WEIGHT_SCALE - round(weight * WEIGHT_SCALE)) > 1e-9:
            raise ValueError(f"must be in hundredths of a slot, e.g. 0.25 (got {weight:g})")
        return weight

    @property
    def weight_units(self) -> int:
        """The weight in hundredths of a slot: capacity is counted in whole units."""
        return round(self.caseload_weight * WEIGHT_SCALE)


class Locality(_Model):
    """Where referrals live, which sets travel."""

    share: Share = Field(description="Share of referrals in this locality; shares sum to 1.")
    miles_per_case: Distribution = Field(description="Miles travelled per case.")


class Demand(_Model):
    """Referrals: how many, when, and what each needs."""

    referrals_per_year: NonNegative | MeanDoubt | None = Field(
        default=None,
        description="Base referral rate per year (or give population); or a distribution of "
        "it, e.g. {dist: gamma, mean: 750, sd: 90}: each replication draws its own rate, so "
        "the results carry the doubt about demand.",
    )
    population: Population | None = Field(
        default=None, description="Derive the base rate from population instead."
    )
    growth_per_year: float = Field(
        default=0.0, gt=-1, description="Compound growth of the rate per year, e.g. 0.05."
    )
    seasonality: list[Positive] | None = Field(
        default=None,
        description="12 monthly multipliers (January first) that average 1.",
    )
    shocks: list[Shock] = Field(default_factory=list, description="Temporary rate multipliers.")
    urgent_share: Share = Field(default=0.0, description="Share of referrals that are urgent.")
    arrivals: Literal["poisson", "deterministic"] = Field(
        default="poisson",
        description="poisson: random arrivals; deterministic: evenly spread by the rate.",
    )
    mix: dict[str, AdvocacyType] = Field(
        min_length=1, description="Advocacy types by label; shares sum to 1."
    )
    needs: dict[str, Share] = Field(
        default_factory=dict,
        description="Specialist needs by label (e.g. bsl: 0.02); a referral has at most one, "
        "so shares sum to 1 or less.",
    )
    localities: dict[str, Locality] = Field(
        default_factory=dict, description="Localities by label; shares sum to 1."
    )
    travel_mph: Positive = Field(
        default=20.0,
        description="Average travel speed: miles / travel_mph hours are added to each case.",
    )
    initial_waiting_list: int = Field(
        default=0, ge=0, description="Referrals already waiting on day 0."
    )
    initial_open_cases: int = Field(
        default=0, ge=0, description="Cases already open with providers on day 0."
    )
    deadline_days: Distribution | None = Field(
        default=None,
        description="Days until the process goes ahead without an advocate (a breach).",
    )
    urgent_deadline_days: Distribution | None = Field(
        default=None,
        description="Days until the process goes ahead for urgent referrals (days, not weeks); "
        "deadline_days when omitted. Per type wins over global; urgent wins for urgent "
        "referrals.",
    )
    breach: Literal["keep", "withdraw"] = Field(
        default="keep",
        description="keep: a breached referral is still allocated later; withdraw: it leaves "
        "the list.",
    )

    @model_validator(mode="after")
    def _one_rate(self) -> Demand:
        if (self.referrals_per_year is None) == (self.population is None):
            raise ValueError("give exactly one of referrals_per_year or population")
        return self

    @field_validator("mix")
    @classmethod
    def _mix_sums_to_one(cls, mix: dict[str, AdvocacyType]) -> dict[str, AdvocacyType]:
        _check_sum([t.share for t in mix.values()], exact=True)
        return mix

    @field_validator("needs")
    @classmethod
    def _needs_at_most_one(cls, needs: dict[str, float]) -> dict[str, float]:
        _check_sum(list(needs.values()), exact=False)
        return needs

    @field_validator("localities")
    @classmethod
    def _localities_sum_to_one(cls, localities: dict[str, Locality]) -> dict[str, Locality]:
        if localities:
            _check_sum([loc.share for loc in localities.values()], exact=True)
        return localities

    @field_validator("seasonality")
    @classmethod
    def _twelve_months(cls, value: list[float] | None) -> list[float] | None:
        if value is None:
            return value
        if len(value) != 12:
            raise ValueError(f"needs 12 monthly multipliers (got {len(value)})")
        mean = sum(value) / 12
        if abs(mean - 1) > 0.005:
            raise ValueError(f"the 12 multipliers must average 1 (they average {mean:.4f})")
        return value

    @property
    def base_referrals_per_year(self) -> float:
        """The rate on day 0; its expected value when it is uncertain (what a block is
        sized on)."""
        rate = self.referrals_per_year
        if rate is not None:
            return rate if isinstance(rate, (int, float)) else rate.expected
        assert self.population is not None
        return self.population.referrals_per_year

    def referrals_per_year_at(self, days: Any) -> Any:
        """The rate a year on each of ``days`` before growth, seasonality and shocks."""
        if self.population is not None:
            return self.population.referrals_per_year_at(days)
        return np.full(np.shape(days), self.base_referrals_per_year)

    def rate_arithmetic(self) -> str | None:
        """Where the rate comes from when it is not a plain number (``validate``, report)."""
        rate = self.referrals_per_year
        if self.population is not None:
            return self.population.arithmetic()
        if rate is None or isinstance(rate, (int, float)):
            return None
        low, high = rate.quantile(np.array([0.1, 0.9]))
        return (
            f"uncertain: {rate.dist}, mean {rate.expected:,.0f} a year (10-90%: {low:,.0f} to "
            f"{high:,.0f}), each replication draws its own; the contract is sized on the mean"
        )

    @property
    def uncertain(self) -> bool:
        """The rate or some type's mean hours is a distribution, drawn per replication."""
        rate = self.referrals_per_year
        return (rate is not None and not isinstance(rate, (int, float))) or any(
            getattr(kind.hours, "uncertain", False) for kind in self.mix.values()
        )

    @property
    def mean_travel_hours(self) -> float:
        """Mean travel hours a case adds (miles at ``travel_mph``)."""
        miles = sum(loc.share * loc.miles_per_case.expected for loc in self.localities.values())
        return miles / self.travel_mph

    @property
    def weighted(self) -> bool:
        """Some type takes less than a whole caseload slot."""
        return any(kind.weight_units != WEIGHT_SCALE for kind in self.mix.values())

    def mean_hours_per_case(self, types: list[str] | None = None) -> float:
        """Mean hours a referral (of the given types; all when None) needs, travel included."""
        chosen = [self.mix[t] for t in (types if types is not None else self.mix)]
        total_share = sum(t.share for t in chosen)
        if not chosen or total_share == 0:
            return self.mean_hours_per_case()
        work = sum(t.share * t.hours.expected for t in chosen) / total_share
        return work + self.mean_travel_hours


def _check_sum(shares: list[float], *, exact: bool) -> None:
    total = sum(shares)
    if exact and abs(total - 1) > SHARE_TOLERANCE:
        raise ValueError(f"shares must sum to 1 (they sum to {total:g})")
    if not exact and total > 1 + SHARE_TOLERANCE:
        raise ValueError(f"shares must sum to 1 or less (they sum to {total:g})")


class Targets(_Model):
    """Response targets from the service specification, in working days.

    A working day is Monday to Friday, not an England and Wales bank holiday and
    not one of ``closure_days``.
    """

    urgent_working_days: int = Field(
        default=1, ge=0, description="Urgent referrals allocated within this many working days."
    )
    standard_working_days: int = Field(
        default=5, ge=0, description="Standard referrals allocated within this many working days."
    )
    closure_days: list[Annotated[dt.date, Field(strict=False)]] = Field(
        default_factory=list,
        description="Local closure days (ISO dates, e.g. 2026-12-24) that are not working "
        "days, besides weekends and England and Wales bank holidays.",
    )


class Overflow(_Model):
    """When a referral goes to spot purchase instead of the block provider's queue."""

    rule: Literal["none", "expected_wait", "queue_length", "block_hours"] = Field(
        default="none",
        description="none | expected_wait (the block, counting the advocates at work, would "
        "miss its target and spot is expected sooner) | queue_length (threshold already "
        "waiting) | block_hours (the period's block hours are spent, or as expected_wait).",
    )
    threshold: int | None = Field(
        default=None,
        ge=0,
        description="With queue_length: go to spot when all slots are busy and this many "
        "referrals already wait ahead of it (all of them under fifo triage).",
    )

    period: Literal["month", "quarter", "year"] = Field(
        default="month",
        description="With block_hours (ignored by other rules): the block's hours are "
        "released by this period (a twelfth, a quarter or all of the contract year's hours).",
    )
    rollover: bool = Field(
        default=True,
        description="With block_hours (ignored by other rules): hours unspent in a period "
        "carry into the next one, within the contract year.",
    )

    @model_validator(mode="after")
    def _threshold(self) -> Overflow:
        if self.rule == "queue_length" and self.threshold is None:
            raise ValueError("rule queue_length needs threshold")
        if self.rule != "queue_length" and self.threshold is not None:
            raise ValueError(f"threshold only applies to rule queue_length (rule is {self.rule})")
        return self


MOST_DAYS_AWAY = 200.0
"""Leave, sickness and training a year must stay under this: an advocate who is mostly
away is a typing error (working days in a year are about 253)."""


class Workforce(_Model):
    """The advocates behind a pool as they really work: leave, sickness, training, turnover.

    Days of leave, sickness, training and ``cover_after_days`` count the pool's own working
    days (working days under ``working_days: weekdays``, calendar days under ``every_day``);
    recruitment and a new starter's ramp are calendar days. Every field is optional: the
    default is an advocate who is never away, as without the section.
    """

    leave_days_per_year: NonNegative = Field(
        default=0.0, description="Annual leave days a year per advocate, bank holidays excluded."
    )
    leave_block_days: Positive = Field(
        default=5.0, description="Days of leave taken at a time (a block of leave)."
    )
    leave_month_weights: list[NonNegative] | None = Field(
        default=None,
        description="Twelve weights, January first: how likely a block of leave starts in each "
        "month (e.g. more in August and December). Default: every month alike.",
    )
    sickness_days_per_year: NonNegative = Field(
        default=0.0,
        description="Days lost to sickness a year per advocate in post, on average (episodes "
        "start while at work).",
    )
    # A plain default, validated into a Distribution (see Flex.arrangement_days).
    sickness_episode_days: Distribution = Field(  # type: ignore[assignment]
        default={"dist": "lognormal", "mean": 4.0, "sd": 8.0},
        description="Days one episode of sickness lasts (short ones common, long ones rare).",
    )
    training_days_per_year: NonNegative = Field(
        default=0.0, description="Training days a year per advocate, one day at a time."
    )
    turnover_per_year: NonNegative = Field(
        default=0.0, description="Leavers a year per advocate in post (0.2: one in five a year)."
    )
    recruitment_days: Distribution = Field(  # type: ignore[assignment]
        default={"dist": "fixed", "mean": 90.0},
        description="Calendar days a post stays vacant, from a leaver's last day to the new "
        "starter's first.",
    )
    new_starter_ramp_days: NonNegative = Field(
        default=0.0,
        description="Calendar days over which a new starter's caseload grows from 0 to the cap.",
    )
    cover_after_days: NonNegative = Field(
        default=10.0,
        description="An absence of at most this many days pauses the advocate's cases; a longer "
        "one hands them to colleagues with room, else back to the front of the queue.",
    )
    vacancy_credit: bool = Field(
        default=False,
        description="True: the council pays no block hours for a vacant post; false: it pays "
        "the whole block whatever the provider's vacancies.",
    )

    @field_validator("leave_month_weights")
    @classmethod
    def _twelve_weights(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and len(value) != 12:
            raise ValueError(f"needs 12 numbers, January first (got {len(value)})")
        if value is not None and sum(value) <= 0:
            raise ValueError("needs 12 numbers, not all 0 (got 12, all 0)")
        return value

    @model_validator(mode="after")
    def _time_at_work(self) -> Workforce:
        if self.absent_days_per_year >= MOST_DAYS_AWAY:
            raise ValueError(
                f"leave, sickness and training add up to {self.absent_days_per_year:g} days a "
                f"year; they must leave time at work (under {MOST_DAYS_AWAY:g})"
            )
        return self

    @property
    def absent_days_per_year(self) -> float:
        """Planned and unplanned days away a year per advocate in post (not vacancies)."""
        return self.leave_days_per_year + self.sickness_days_per_year + self.training_days_per_year

    @property
    def away(self) -> bool:
        """Some advocate is ever away or some post ever vacant."""
        return self.absent_days_per_year > 0 or self.turnover_per_year > 0


PRODUCTIVE_TEXT = (
    "Share of hours on casework; with a workforce section, the share of time at work "
    "(leave, sickness and training are counted there, not here)."
)
WORKFORCE_TEXT = (
    "Leave, sickness, training, turnover and recruitment of this pool's advocates "
    "(none: never away)."
)


class Flex(_Model):
    """Sessional or extra hours the same provider supplies beyond its block (core and flex)."""

    rate_per_hour: NonNegative = Field(description="GBP per flex hour used.")
    advocates: float = Field(
        gt=0, description="Advocates' worth of flex capacity (full-time equivalents)."
    )
    caseload_cap: int = Field(default=20, ge=1, description="Open cases a flex advocate holds.")
    hours_per_week: HoursPerWeek = Field(
        default=37.5, description="Hours a flex advocate works a week (at most 168)."
    )
    productive_share: Share = Field(default=0.7, description=PRODUCTIVE_TEXT)
    working_days: WorkingDays = Field(default="weekdays", description=WORKING_DAYS_TEXT)
    workforce: Workforce | None = Field(default=None, description=WORKFORCE_TEXT)
    # A plain default, validated into a Distribution (validate_default): pydantic's Field
    # types its default as the field's type, and a Fixed instance would reorder its keys in
    # the JSON schema (mean before dist).
    arrangement_days: Distribution = Field(  # type: ignore[assignment]
        default={"dist": "fixed", "mean": 1.0},
        description="Days to agree a flex case with the provider (usually a day or two).",
    )
    rate_includes_vat: bool = Field(
        default=False,
        description="True: rate_per_hour includes VAT at costing.vat_rate; false: it is net and "
        "VAT is charged on top.",
    )
    cost_per_purchase: NonNegative = Field(
        default=0.0,
        description="GBP the council spends arranging each flex case (officer time on brokerage, "
        "a purchase order, checking the invoice); no VAT. Default 0.",
    )

    @property
    def case_hours_per_week(self) -> float:
        return self.hours_per_week * self.productive_share / self.caseload_cap


class Change(_Model):
    """A planned change of a block's contracted capacity (a contract variation, or a block
    that grows with a forecast): from ``from_day`` the provider has ``advocates``."""

    from_day: int = Field(
        ge=1,
        description="First day of the changed contract (day 0 is the start; below horizon_days).",
    )
    advocates: Positive = Field(
        description="Advocates (full-time equivalents) from that day on: the new total, not a "
        "difference; the block's hours follow (advocates x hours_per_week x productive_share).",
    )


CHANGES_TEXT = (
    "Planned changes of contracted capacity, in order of from_day (each later than the "
    "last): from each from_day the provider has that many advocates (FTE), paid for and "
    "staffed as the provider's advocates are. Needs the provider sized by advocates. Posts "
    "cut hand their cases on as a leaver does; new posts start as new starters."
)


class Provider(_Model):
    """An advocacy provider under a block contract (or a hub partner)."""

    name: str = Field(min_length=1, description="Provider name, as it appears in results.")
    advocates: float | None = Field(
        default=None,
        gt=0,
        description="Advocates (full-time equivalents); or give block_hours_per_year; or "
        "neither, and the block is sized by block_share.",
    )
    block_hours_per_year: Positive | None = Field(
        default=None, description="Contracted casework hours per year."
    )
    hours_per_week: HoursPerWeek = Field(
        default=37.5, description="Hours an advocate works a week (at most 168)."
    )
    productive_share: Share = Field(
        default=0.7,
        description="Share of those hours spent on casework (travel included); with a "
        "workforce section, the share of time at work (leave, sickness and training are "
        "counted there, not here).",
    )
    working_days: WorkingDays = Field(default="weekdays", description=WORKING_DAYS_TEXT)
    workforce: Workforce | None = Field(default=None, description=WORKFORCE_TEXT)
    caseload_cap: int = Field(default=20, ge=1, description="Open cases an advocate holds at once.")
    skills: list[str] = Field(
        min_length=1,
        description="Advocacy types and specialist needs this provider serves (labels from "
        "demand.mix and demand.needs).",
    )
    block_rate_per_hour: NonNegative = Field(
        default=40.0, description="GBP per contracted hour, paid whether used or not."
    )
    rate_includes_vat: bool = Field(
        default=False,
        description="True: block_rate_per_hour includes VAT at costing.vat_rate; false: it is "
        "net and VAT is charged on top.",
    )
    flex: Flex | None = Field(
        default=None,
        description="Flex hours from this provider beyond the block: overflow goes here before "
        "spot when it is expected sooner (mileage is in the flex rate, as in the block's).",
    )
    contract_management_per_year: NonNegative = Field(
        default=0.0,
        description="GBP a year the council spends managing this provider's contract (officer "
        "time: monitoring, meetings, reports); no VAT. Default 0.",
    )
    # None, not an empty list, when absent: a resolved scenario without changes stays as it was
    changes: list[Change] | None = Field(default=None, description=CHANGES_TEXT)
    exit_risk_per_year: float = Field(
        default=0.0,
        ge=0,
        lt=1,
        description="Chance a year that the provider hands the contract back or fails (its "
        "successor carries the same risk). On an exit its block and flex go: its open cases "
        "go to hub partners with room, else to spot, else back to the queue, and the council "
        "re-tenders (commissioning.retender_days). Default 0.",
    )
    notice_days: int = Field(
        default=90,
        ge=0,
        description="Days from the provider giving notice to leaving (0: it fails without "
        "notice). The council starts its re-tender on the notice. Default 90 (ASSUMPTION: "
        "three months' notice).",
    )
    exit_day: int | None = Field(
        default=None,
        ge=1,
        description="A known exit: the day the provider leaves (its notice given notice_days "
        "before, when the re-tender began). Default none.",
    )

    @model_validator(mode="after")
    def _one_size(self) -> Provider:
        if self.advocates is not None and self.block_hours_per_year is not None:
            raise ValueError("give advocates or block_hours_per_year, not both")
        if self.productive_share == 0:
            raise ValueError("productive_share must be above 0")
        return self

    @property
    def case_hours_per_week(self) -> float:
        """Hours a week one open case receives: the rate at which a slot works."""
        return self.hours_per_week * self.productive_share / self.caseload_cap


class Spot(_Model):
    """Spot purchase: cases bought by the hour from a market of finite capacity."""

    rate_per_hour: NonNegative = Field(default=45.0, description="GBP per hour used.")
    mileage_rate: NonNegative = Field(default=0.45, description="GBP per mile travelled.")
    rate_includes_vat: bool = Field(
        default=False,
        description="True: rate_per_hour and mileage_rate include VAT at costing.vat_rate; "
        "false: they are net and VAT is charged on top.",
    )
    # A plain default, validated into a Distribution (validate_default): pydantic's Field
    # types its default as the field's type, and a Fixed instance would reorder its keys in
    # the JSON schema (mean before dist).
    arrangement_days: Distribution = Field(  # type: ignore[assignment]
        default={"dist": "fixed", "mean": 5.0},
        description="Days to find a provider and agree funding, per purchase.",
    )
    market_advocates: float = Field(
        default=10, gt=0, description="Advocates available to the authority on the spot market."
    )
    caseload_cap: int = Field(default=20, ge=1, description="Open cases a spot advocate holds.")
    hours_per_week: HoursPerWeek = Field(
        default=37.5, description="Hours a spot advocate works a week (at most 168)."
    )
    productive_share: Share = Field(default=0.7, description=PRODUCTIVE_TEXT)
    working_days: WorkingDays = Field(default="weekdays", description=WORKING_DAYS_TEXT)
    workforce: Workforce | None = Field(default=None, description=WORKFORCE_TEXT)
    skills: list[str] | None = Field(
        default=None,
        description="Advocacy types and needs the market can serve (labels from demand.mix and "
        "demand.needs); everything when omitted.",
    )
    other_referrals_per_year: NonNegative = Field(
        default=0.0,
        description="Other buyers' cases a year (other councils, NHS trusts, solicitors) taking "
        "the same market's advocates, first come first served with ours; never counted as ours.",
    )
    other_hours: Distribution | None = Field(
        default=None,
        description="Hours each of the other buyers' cases takes (needed with "
        "other_referrals_per_year).",
    )
    cost_per_purchase: NonNegative = Field(
        default=0.0,
        description="GBP the council spends arranging each spot purchase (officer time on "
        "brokerage, a purchase order, checking the invoice); no VAT. Default 0.",
    )

    @model_validator(mode="after")
    def _other_buyers(self) -> Spot:
        if self.other_referrals_per_year > 0 and self.other_hours is None:
            raise ValueError("other_referrals_per_year needs other_hours (a distribution)")
        return self

    @property
    def case_hours_per_week(self) -> float:
        return self.hours_per_week * self.productive_share / self.caseload_cap


class Hub(_Model):
    """The lead provider's single point of access."""

    triage_hours: NonNegative = Field(default=0.5, description="Lead's hours per referral.")
    triage_days: Distribution | None = Field(
        default=None,
        description="Days from referral to routing while the lead triages (none: same day).",
    )
    triage_rate_per_hour: NonNegative = Field(default=40.0, description="GBP per triage hour.")
    management_fee_per_year: NonNegative = Field(default=0.0, description="GBP per year.")
    queue: Literal["shared", "routed"] = Field(
        default="shared",
        description="shared: after triage a referral waits in one hub queue, in priority order, "
        "and the first partner with a free slot and the skill takes it; routed: it is sent on "
        "arrival to the partner with the shortest expected wait and waits there.",
    )
    rate_includes_vat: bool = Field(
        default=False,
        description="True: triage_rate_per_hour and management_fee_per_year include VAT at "
        "costing.vat_rate; false: they are net and VAT is charged on top.",
    )
    contract_management_per_year: NonNegative = Field(
        default=0.0,
        description="GBP a year the council spends managing the hub arrangement as a whole "
        "(officer time: monitoring, meetings, reports); no VAT. Default 0.",
    )


def financial_year_start(month_day: str) -> tuple[int, int]:
    """``(month, day)`` of an ``MM-DD`` financial year start; a day every year has (not
    29 February), else a ValueError saying how to write it."""
    problem = "not a month and day as MM-DD (e.g. 04-01)"
    parts = month_day.split("-")
    if len(parts) != 2 or not all(len(p) == 2 and p.isdigit() for p in parts):
        raise ValueError(problem)
    month, day = int(parts[0]), int(parts[1])
    try:
        dt.date(2001, month, day)  # a year without 29 February: a start every year has
    except ValueError:
        raise ValueError(f"{problem}, a day every year has") from None
    return month, day


class Payment(_Model):
    """A block paid for the hours it delivered, held within a band of its contracted hours:
    what councils write as "payment on delivery with a floor and a ceiling", so a provider
    is not paid in full for hours it did not work, nor without limit for hours it did."""

    collar_share: Share = Field(
        default=0.0,
        description="The least the council pays in a contract year, as a share of the "
        "block's contracted hours that year (net of vacant posts credited by "
        "workforce.vacancy_credit), whatever was delivered; 0 to 1.",
    )
    cap_share: Annotated[float, Field(ge=1)] = Field(
        default=1.0,
        description="The most the council pays in a contract year, as a share of the same "
        "contracted hours: hours delivered beyond it are not paid; at least 1.",
    )


class Commissioning(_Model):
    """How the authority buys advocacy."""

    model: Literal["single_provider", "hub", "spot_only"] = Field(
        description="single_provider | hub | spot_only."
    )
    block_share: float = Field(
        default=1.0,
        ge=0,
        le=1.5,
        description="Block size as a share of expected demand hours (ignored by spot_only).",
    )
    triage: Literal["fifo", "priority"] = Field(
        default="fifo",
        description="fifo, or priority: urgent first, then statutory (non-preemptive).",
    )
    overflow: Overflow = Field(default_factory=Overflow, description="When to buy spot.")
    providers: list[Provider] = Field(
        default_factory=list, description="Block providers (hub: lead first, then partners)."
    )
    spot: Spot | None = Field(default=None, description="Spot purchase; none when omitted.")
    hub: Hub | None = Field(default=None, description="Hub triage and fee (model hub).")
    planned_referrals_per_year: Positive | None = Field(
        default=None,
        description="Referrals a year the block is sized for (by block_share): the demand the "
        "contract was bought for. Default: the scenario's own expected referrals a year. A "
        "sweep or recommend that varies demand keeps the file's, so the contract stays the "
        "size it was bought at.",
    )
    uplift_per_year: float = Field(
        default=0.0,
        gt=-1,
        description="Annual uplift of the block, flex and spot hourly rates: contract year k "
        "pays (1 + uplift)^(k-1) times the rate as quoted, e.g. 0.03.",
    )
    budget_per_year: NonNegative | None = Field(
        default=None,
        description="Budget for a contract year, in GBP: budget_risk is the chance a year "
        "costs more.",
    )
    breach_tolerance: int | None = Field(
        default=None,
        ge=1,
        description="Breaches in a contract year the council could defend: breach_risk is the "
        "chance a year has at least this many.",
    )
    retender_days: int | None = Field(
        default=180,
        ge=0,
        description="Days from a provider's notice to its successor's first day (a re-tender "
        "or direct award); no provider in between once it has left. null: no re-tender (the "
        "block's referrals go to spot, or wait). Default 180 (ASSUMPTION).",
    )
    mobilisation_days: NonNegative = Field(
        default=90,
        description="Days a successor takes to reach the contracted capacity, from "
        "mobilisation_start_share of it, a slot at a time. Default 90 (ASSUMPTION).",
    )
    mobilisation_start_share: Share = Field(
        default=0.5,
        description="Share of the contracted capacity a successor has on its first day. "
        "Default 0.5 (ASSUMPTION).",
    )
    tupe_share: Share = Field(
        default=0.0,
        description="Share of the leaving provider's advocates who transfer to a successor "
        "starting the day it leaves (TUPE), keeping their open cases; nobody transfers "
        "across a gap. Default 0.",
    )
    payment: Payment | None = Field(
        default=None,
        description="Pay each block provider for the hours it delivered (hours worked, not "
        "held open), per contract year, between collar_share and cap_share of its contracted "
        "hours that year (net of credited vacancy); a part-year measured is banded on its "
        "own days. None: the block is paid its contracted hours in full, used or not.",
    )
    term_years: int | None = Field(
        default=None,
        ge=1,
        description="Years of the contract's initial term (a whole number): the report's "
        "By contract year table gives these years, then any extension years, labelled. "
        "None: every contract year measured. A horizon shorter than the term, or longer "
        "than the term and extensions, is a warning.",
    )
    extension_years: int | None = Field(
        default=None,
        ge=1,
        description="Years the contract may be extended by after its term (a whole number; "
        "needs term_years), tabulated after the term as extension years.",
    )
    financial_year_start: str | None = Field(
        default=None,
        description="Month and day the council's financial year starts, as MM-DD (England: "
        "04-01). Adds each financial year's cost in the measured window (group fy=2027/28, "
        "or fy=2027 when it starts 01-01), days placed in the calendar from start_date. None: "
        "no financial-year rows.",
    )

    @model_validator(mode="after")
    def _model_fits(self) -> Commissioning:
        if self.model == "spot_only":
            if self.spot is None:
                raise ValueError("model spot_only needs a spot section")
        elif not self.providers:
            raise ValueError(f"model {self.model} needs at least one provider")
        if self.model == "hub" and self.hub is None:
            raise ValueError("model hub needs a hub section")
        has_flex = any(p.flex is not None for p in self.providers)
        if self.overflow.rule != "none" and self.spot is None and not has_flex:
            raise ValueError(
                f"overflow rule {self.overflow.rule} needs a spot section or a provider's flex"
            )
        names = [p.name for p in self.providers]
        if len(set(names)) != len(names) or "spot" in names:
            raise ValueError("provider names must be unique and not 'spot'")
        return self

    @field_validator("financial_year_start")
    @classmethod
    def _month_day(cls, value: str | None) -> str | None:
        if value is not None:
            financial_year_start(value)
        return value

    @model_validator(mode="after")
    def _extension_after_a_term(self) -> Commissioning:
        if self.extension_years is not None and self.term_years is None:
            raise ValueError("extension_years needs term_years: an extension follows a term")
        return self

    @property
    def years_with_extensions(self) -> int | None:
        """Years of the contract as written: its term and any extension (None: no term)."""
        if self.term_years is None:
            return None
        return self.term_years + (self.extension_years or 0)


class Workshops(_Model):
    """Self-advocacy workshops: a cost line with an optional, assumed effect on demand."""

    per_year: NonNegative = Field(default=0.0, description="Sessions a year.")
    price: NonNegative = Field(default=225.0, description="GBP per 2.5-hour session.")
    participants: int = Field(default=10, ge=0, description="People per session (8 to 12).")
    assumed_referral_reduction: Share = Field(
        default=0.0,
        description="ASSUMPTION: share by which workshops cut the referral rate (0: no effect).",
    )
    rate_includes_vat: bool = Field(
        default=False,
        description="True: price includes VAT at costing.vat_rate; false: it is net and VAT "
        "is charged on top.",
    )


class Costing(_Model):
    """How prices become the cost to the council: VAT and whether the council recovers it."""

    vat_rate: Share = Field(
        default=0.2, description="VAT rate on advocacy bought (0.2: the UK standard rate)."
    )
    council_recovers_vat: bool = Field(
        default=True,
        description="True: the council recovers the VAT it pays (s.33 VAT Act 1994, statutory "
        "services), so its cost is the net price; false: its cost includes VAT.",
    )


class Authority(_Model):
    """Another authority in a joint contract: its own demand, sharing the contract."""

    name: str = Field(min_length=1, description="The authority's name, as in results.")
    demand: Demand = Field(
        description="Its demand: a demand section, or the path of a file holding one (a "
        "demand: block, as calibrate writes it, or a scenario, whose demand it takes), "
        "relative to the file naming it. Its types, needs and localities must be the "
        "scenario's, in the same order."
    )
    population: Positive | None = Field(
        default=None, description="Adults in the authority (for cost_split: by_population)."
    )
    planned_referrals_per_year: Positive | None = Field(
        default=None,
        description="The authority's referrals a year the joint contract was bought for "
        "(default: its demand's expected referrals). A sweep of its demand keeps this at the "
        "file's figure, so the contract stays the size it was bought at.",
    )


class Partners(_Model):
    """A joint contract: other authorities' referrals share the scenario's providers."""

    name: str = Field(
        min_length=1, description="This scenario's own authority, as in results (its demand "
        "is the scenario's demand)."
    )  # fmt: skip
    population: Positive | None = Field(
        default=None, description="Adults in this authority (for cost_split: by_population)."
    )
    authorities: list[Authority] = Field(
        min_length=1, description="The other authorities in the contract."
    )
    cost_split: Literal["by_use", "by_population"] | dict[str, Share] = Field(
        default="by_use",
        description="How the cost is shared: by_use (each authority's share of the hours of "
        "cases allocated in the measured window), by_population (its share of the adults), "
        "or fixed shares by authority name (summing to 1).",
    )

    @model_validator(mode="after")
    def _split_given(self) -> Partners:
        names = [self.name, *(a.name for a in self.authorities)]
        if len(set(names)) != len(names):
            raise ValueError("authority names must be unique (partners.name among them)")
        if self.cost_split == "by_population" and (
            self.population is None or any(a.population is None for a in self.authorities)
        ):
            raise ValueError("cost_split by_population needs population for every authority")
        return self  # shares by name are checked with the scenario (``_partners_fit``)

    @property
    def names(self) -> list[str]:
        """Every authority in the contract, this scenario's first."""
        return [self.name, *(a.name for a in self.authorities)]


COUNCIL = "council"
"""Who pays what no funder does: its name is reserved (group ``funder=council``)."""
FUNDERS_TEXT = (
    "Who else pays: funder name -> the advocacy types of demand.mix it co-funds and the "
    "share of their cost it pays, e.g. {icb: {types: [imha, nhs_complaints], share: 0.5}}; "
    "the council pays the rest (the name council is its own). Splits cost_total_per_year "
    "and cost_to_serve_per_year into groups funder=NAME and funder=council. None: the "
    "council pays everything."
)


class Funder(_Model):
    """A co-funder of some advocacy types (an Integrated Care Board funding IMHA, say): the
    share of those types' cost it pays; the council pays the rest."""

    types: list[str] = Field(
        min_length=1, description="Advocacy types of demand.mix it co-funds, e.g. [imha]."
    )
    share: Share = Field(
        description="Share of each of those types' cost it pays (0 to 1); for each type the "
        "funders' shares sum to at most 1, the council paying the rest."
    )


class Scenario(_Model):
    """One commissioning scenario: demand, targets and how advocacy is bought."""

    name: str = Field(min_length=1, description="Scenario name, used in results.")
    description: str = Field(default="", description="What the scenario stands for.")
    assumptions: list[str] = Field(
        default_factory=list, description="Assumptions shown in the report header."
    )
    horizon_days: Positive = Field(description="Days simulated in one replication.")
    follow_up_days: NonNegative = Field(
        default=365.0,
        description="Days the referrals of the measured window are followed after the "
        "horizon (referrals still arriving) until each is allocated or withdrawn; waits "
        "count everyone, and anyone still waiting then is counted as such.",
    )
    warm_up_days: NonNegative = Field(
        default=0.0, description="Days discarded from every figure at the start."
    )
    replications: int = Field(default=50, ge=1, description="Replications to run.")
    seed: int = Field(default=42, ge=0, description="Root seed for every random stream.")
    start_date: dt.date = Field(
        default=dt.date(2026, 4, 6),
        strict=False,
        description="Calendar date of day 0: sets weekdays (working-day targets) and months.",
    )
    demand: Demand
    targets: Targets = Field(default_factory=Targets)
    commissioning: Commissioning
    workshops: Workshops | None = Field(default=None, description="Optional workshops.")
    costing: Costing = Field(
        default_factory=Costing,
        description="VAT on prices; cost lines are the cost to the council.",
    )
    partners: Partners | None = Field(
        default=None,
        description="A joint contract with other authorities: their referrals share the "
        "providers, the block is sized for them all, and results are also given per "
        "authority (group authority=NAME). Default none.",
    )
    funders: dict[str, Funder] | None = Field(default=None, description=FUNDERS_TEXT)

    @model_validator(mode="after")
    def _warm_up(self) -> Scenario:
        if self.warm_up_days >= self.horizon_days:
            raise ValueError(
                f"warm_up_days ({self.warm_up_days}) must be below horizon_days "
                f"({self.horizon_days})"
            )
        return self

    _assumptions_replaced: tuple[str, ...] = PrivateAttr(default=())

    @property
    def assumptions_replaced(self) -> tuple[str, ...]:
        """Assumptions a file this scenario extends gives that its own ``assumptions`` do
        not restate (a list replaces the base's under ``extends:``), set when it is read
        from a file: the manifest and the report keep them, so giving the list never
        drops the base's without a word."""
        return self._assumptions_replaced

    @property
    def measured_days(self) -> float:
        return self.horizon_days - self.warm_up_days

    def to_plain(self) -> dict[str, Any]:
        """The resolved scenario as plain data (what ``scenario.resolved.yaml`` holds)."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_yaml(self) -> str:
        stream = io.StringIO()
        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = False
        # ruamel.yaml leaves the flag unannotated and None (its "sort"), so typed as None
        yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
        yaml.dump(self.to_plain(), stream)
        return stream.getvalue()

    def digest(self) -> str:
        """SHA-256 of the resolved scenario: the same scenario gives the same hash."""
        return hashlib.sha256(self.to_yaml().encode()).hexdigest()
