"""Fitting demand to a provider's case list (``advocacy-sim calibrate``).

What is fitted, and how:

- **Referral rate**: monthly counts by a Poisson log-linear model (statsmodels GLM, days
  in the month as exposure, quasi-Poisson scale so overdispersed counts widen the
  intervals). With at least :data:`MIN_MONTHS` months it has a trend (growth a year,
  with its interval) and month effects; the seasonality is written only when an F test
  of the deviance against none gives p < :data:`KEEP_P`, but the level and trend are
  always net of it. With fewer months neither is fitted and the notes say why. The
  rate written is the level at the end of the data (the scenario starts there),
  without the season. The data end at the list's end (``--end``, the extraction date,
  or the last referral date; see :mod:`simulator.caselist`), never at a later
  closure: a list of referrals to October with outcomes to July has no referrals
  from November because none were listed, not because none came. When the last whole
  months of the window hold no referral although, at the list's average rate, the
  chance of none is under :data:`EMPTY_END_CHANCE`, a warning says the extract
  looks cut short.
- **Type mix, urgent share per type, needs and localities**: shares with Wilson
  intervals.
- **Hours per type**: lognormal, gamma and exponential fitted by maximum likelihood with
  open cases right-censored at their hours so far; the lowest AIC wins. The mean's
  interval is from the observed information (the likelihood's curvature). Travel
  (miles / ``travel_mph``) is taken off first: the simulation adds it back from miles.
- **Miles per locality**: the same three families, by AIC.

Hours that cannot be right are doubted, not fitted: a case whose hours are above both
its type's far-out fence (upper quartile plus :data:`FAR_IQRS` interquartile ranges of
the log hours of the type's closed cases, Tukey's rule on the scale where hours are
roughly symmetric) and :data:`FAR_MEDIANS` times the type's median is named by line in
a warning and left out of the hours fit (it still counts as a referral): one complaint
of 1,873 hours among the example's moved complaints' mean hours from 10.7 to 12.0. A type
whose median hours is above :data:`MINUTES_MEDIAN_HOURS` is warned about as probably
recorded in minutes, and fitted as given: the list may be right, and only its provider
can say.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize, stats

from simulator.caselist import CaseList, Problem, summarise
from simulator.units import DAYS_PER_YEAR  # the simulator's year: growth compounds per 365 days

if TYPE_CHECKING:
    from statsmodels.genmod.generalized_linear_model import GLMResults

Z = float(stats.norm.ppf(0.975))
MIN_MONTHS = 24
"""Months of data needed to fit a trend and seasonality (two of each calendar month)."""
KEEP_P = 0.05
"""Seasonality is kept when the data reject its absence at this level."""
EMPTY_END_CHANCE = 0.01
"""Empty last months are warned about when none at all at the list's rate is this unlikely."""
FAR_IQRS = 3.0
"""Interquartile ranges of log hours above the upper quartile that make hours far out."""
FAR_MEDIANS = 10.0
"""Far-out hours are also above this many times the type's median (a narrow type's
fence alone could sit just above its usual hours)."""
MINUTES_MEDIAN_HOURS = 100.0
"""A type's median hours above this is warned about as probably minutes."""
MIN_CLOSED = 10
"""Closed cases of a type needed to choose among hours distributions."""
FAMILIES = ("lognormal", "gamma", "exponential")


@dataclass(frozen=True)
class Estimate:
    """A fitted figure with its 95% interval and the cases behind it."""

    value: float
    low: float
    high: float
    n: int


@dataclass(frozen=True)
class RateFit:
    per_year: Estimate  # the level at the end of the data, without the season
    log_se: float  # standard error of its logarithm
    growth: Estimate | None  # a year, compound; None when the data are too short for one
    seasonality: list[float] | None  # 12 multipliers averaging 1, January first
    seasonality_p: float | None
    months: pd.DataFrame  # month, days, observed, fitted, low, high
    start: pd.Timestamp
    end: pd.Timestamp  # the day after the last month
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DistributionFit:
    """The chosen family by AIC, its mean (with interval) and sd, and every family's fit."""

    family: str
    mean: Estimate
    sd: float
    aic: dict[str, float]
    fits: dict[str, tuple[float, float]]  # family -> (mean, sd)
    closed: np.ndarray  # values observed in full
    censored: np.ndarray  # open cases: at least this much
    left_out: int  # open cases with nothing recorded yet
    quantiles: tuple[float, ...] = ()  # an empirical fit (miles with some at 0)


@dataclass(frozen=True)
class Calibration:
    source: CaseList
    rate: RateFit
    mix: dict[str, Estimate]
    urgent: dict[str, Estimate]
    hours: dict[str, DistributionFit]
    needs: dict[str, Estimate]
    localities: dict[str, Estimate]
    miles: dict[str, DistributionFit]
    travel_mph: float
    notes: list[str]
    warnings: list[str] = field(default_factory=list)  # suspicious but legal: said on stderr


class CalibrationError(ValueError):
    """A case list that cannot give a fit (too short, a type with no closed case)."""


MIN_REFERRALS = 20
"""Referrals needed to fit anything (and at least :data:`MIN_SPAN_MONTHS` months)."""
MIN_SPAN_MONTHS = 3


def calibrate(source: CaseList, travel_mph: float = 20.0) -> Calibration:
    """Every fitted figure of a checked case list."""
    cases = source.cases
    notes: list[str] = []
    closed = pd.to_datetime(cases["closed_date"]).dropna()
    _enough(source, source.end)
    late = closed[closed > source.end]
    if len(late):
        notes.append(
            f"{len(late)} cases closed after the last referral ({source.end.date()}), the "
            f"latest on {late.max().date()}: kept as closed with their hours (a list of "
            "referrals to a date with outcomes since); the rate ends at the last referral."
        )
    if "closed_date" not in source.columns:
        notes.append(
            "The list has no closed_date: every case with hours is taken as closed, so the "
            "hours so far of cases still open would read as complete (leaning short)."
        )
    located = _localities(source, notes)
    far, doubts = _implausible_hours(located, source)
    work = _work_hours(located, travel_mph, notes)
    work[far] = np.nan
    hours = _hours_by_type(located, work, notes, source)
    places = located[located["locality"].notna()]
    rate = fit_rate(source.referral_dates, source.end)
    warned = [*source.warnings, *[w for w in [_empty_end(rate, source)] if w], *doubts]
    return Calibration(
        source=source,
        rate=rate,
        mix=shares(cases["type"]),
        urgent={
            str(kind): proportion(int(rows["urgent"].sum()), len(rows))
            for kind, rows in cases.groupby("type")
        },
        hours=hours,
        needs={
            str(need): proportion(count, len(cases))
            for need, count in cases["need"].value_counts().items()
        },
        localities=shares(places["locality"]) if len(places) else {},
        miles={
            str(place): fit_miles(rows["miles"].to_numpy(dtype=float))
            for place, rows in places.groupby("locality")
            if "miles" in source.columns and rows["miles"].notna().any()
        },
        travel_mph=travel_mph,
        notes=notes,
        warnings=warned,
    )


def _implausible_hours(cases: pd.DataFrame, source: CaseList) -> tuple[np.ndarray, list[str]]:
    """The cases whose hours are far out for their type (left out of the hours fit) and
    the warnings: those cases by line, and types whose hours look like minutes. Each
    type's spread is its own closed cases' (at least :data:`MIN_CLOSED` of them)."""
    hours = cases["hours"].to_numpy(dtype=float)
    closed = ~cases["open"].to_numpy(dtype=bool) & (hours > 0)
    far = np.zeros(len(cases), dtype=bool)
    problems, minutes = [], []
    for kind in sorted(cases["type"].unique()):
        mine = (cases["type"] == kind).to_numpy()
        logs = np.log(hours[mine & closed])
        if len(logs) < MIN_CLOSED:
            continue
        low, median, high = np.quantile(logs, [0.25, 0.5, 0.75])
        if math.exp(median) > MINUTES_MEDIAN_HOURS:
            minutes.append(
                f"{source.path}: type {kind}: median {math.exp(median):,.0f} hours over "
                f"{len(logs)} closed cases (more than {MINUTES_MEDIAN_HOURS:g}): the hours may "
                "be recorded in minutes; fitted as given (divide them by 60 if so)"
            )
        limit = max(math.exp(high + FAR_IQRS * (high - low)), FAR_MEDIANS * math.exp(median))
        beyond = mine & (hours > limit)
        far |= beyond
        message = (
            f"far beyond {kind}'s other cases (above {limit:,.0f} hours): left out of the "
            "hours fit, still a referral"
        )
        problems += [
            Problem(source.path, int(line), "hours", f"{value:g}", message)
            for line, value in zip(cases["line"][beyond], hours[beyond], strict=True)
        ]
    return far, [*summarise(problems), *minutes]


def _empty_end(rate: RateFit, source: CaseList) -> str | None:
    """A warning when the window's last whole months hold no referral although, at the
    rate of the months before, none at all had less than :data:`EMPTY_END_CHANCE` of
    happening: the extract was probably cut, or ``--end`` is later than it was made."""
    months = rate.months
    observed = months["observed"].to_numpy()
    empty = len(observed) - len(np.trim_zeros(observed, "b"))
    if empty == 0 or empty == len(observed):
        return None
    tail, before = months.iloc[-empty:], months.iloc[:-empty]
    whole = int((tail["days"] == tail["month"].dt.days_in_month).sum())
    per_day = before["observed"].sum() / before["days"].sum()
    if whole == 0 or math.exp(-per_day * tail["days"].sum()) >= EMPTY_END_CHANCE:
        return None
    last_day = (rate.end - pd.Timedelta(days=1)).date()
    return (
        f"{source.path}: no referrals from {tail['month'].iloc[0].date()} to {last_day} "
        f"({whole} whole month(s)) against {per_day * DAYS_PER_YEAR / 12:.0f} a month before: "
        "the list looks cut short, and the rate counts those months as none; give --end as "
        "the day the list was extracted, or leave it out to end at the last referral"
    )


def _hours_by_type(
    cases: pd.DataFrame, work: np.ndarray, notes: list[str], source: CaseList
) -> dict[str, DistributionFit]:
    """Each type's hours fit, with a note where too few cases closed to choose a family."""
    hours = {}
    is_open = cases["open"].to_numpy(dtype=bool)
    for kind in sorted(cases["type"].unique()):
        mine = (cases["type"] == kind).to_numpy()
        try:
            fit = fit_distribution(work[mine], is_open[mine])
        except CalibrationError as error:
            raise CalibrationError(f"{source.path}: type {kind}: {error}") from None
        if len(fit.closed) < MIN_CLOSED:
            notes.append(
                f"{kind}: only {len(fit.closed)} closed cases, too few to choose a "
                "distribution: exponential, and its interval is wide."
            )
        hours[str(kind)] = fit
    return hours


def _enough(source: CaseList, last: pd.Timestamp) -> None:
    first = source.referral_dates.min()
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if len(source.referral_dates) < MIN_REFERRALS or months < MIN_SPAN_MONTHS:
        raise CalibrationError(
            f"{source.path}: {len(source.referral_dates)} referrals over {months} month(s): at "
            f"least {MIN_REFERRALS} referrals over {MIN_SPAN_MONTHS} months are needed to fit "
            "a rate"
        )


def _localities(source: CaseList, notes: list[str]) -> pd.DataFrame:
    """The cases with every row's locality known when the list has miles: without a
    locality column they are all one locality (``all``), so the travel taken off the
    hours is added back by the simulation."""
    cases = source.cases
    if "miles" in source.columns and "locality" not in source.columns:
        notes.append("The list has miles but no locality: one locality, 'all', holds them.")
        return cases.assign(locality="all")
    missing = int(cases["locality"].isna().sum())
    if "locality" in source.columns and missing:
        notes.append(
            f"{missing} rows have no locality: left out of the locality shares and miles (the "
            "simulation gives them the localities of the rest)."
        )
    return cases


def _work_hours(cases: pd.DataFrame, travel_mph: float, notes: list[str]) -> np.ndarray:
    """Each case's hours less its travel (miles / ``travel_mph``); a blank miles is taken
    as its locality's mean. Closed cases with no work left after travel (0 hours, or
    hours no more than the travel) and open ones with none yet stay out of the fit."""
    hours = cases["hours"].to_numpy(dtype=float)
    is_open = cases["open"].to_numpy(dtype=bool)
    if "miles" in cases and cases["miles"].notna().any():
        by_place = cases.groupby("locality", dropna=False)["miles"].transform("mean")
        miles = cases["miles"].fillna(by_place).fillna(cases["miles"].mean())
        blank = int(cases["miles"].isna().sum())
        if blank:
            notes.append(f"{blank} rows have no miles: their locality's mean miles is used.")
        work = hours - miles.to_numpy(dtype=float) / travel_mph
        notes.append(
            f"Hours are the list's hours less travel at {travel_mph:g} mph (miles / "
            f"{travel_mph:g}); the simulation adds travel back from each locality's miles."
        )
    else:
        work = hours.copy()
        notes.append("The list has no miles: hours include travel and no travel is added.")
    unused = ~np.isnan(work) & (work <= 0)
    closed_none, open_none = int((unused & ~is_open).sum()), int((unused & is_open).sum())
    if closed_none:
        notes.append(
            f"{closed_none} closed cases have no hours beyond their travel (0 hours, or hours "
            "no more than miles / mph): counted as referrals, left out of the hours fit. If "
            "the list's hours leave travel out, say so with a higher --travel-mph."
        )
    if open_none:
        notes.append(
            f"{open_none} open cases have no hours beyond their travel yet: left out of the "
            "hours fit (a case not started says nothing about its length)."
        )
    blank = int((is_open & np.isnan(hours)).sum())
    if blank:
        notes.append(
            f"{blank} open cases have no hours recorded yet: left out of the hours fit (if "
            "the list leaves hours blank for cases under way too, the fit leans short)."
        )
    work[unused] = np.nan
    return work


# --------------------------------------------------------------------------- shares


def proportion(count: int, total: int) -> Estimate:
    """A share with its Wilson 95% interval."""
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(count, total, alpha=0.05, method="wilson")
    low = 0.0 if count == 0 else float(low)  # exact at the ends (not 1e-17 off them)
    high = 1.0 if count == total else float(high)
    return Estimate(count / total, low, high, total)


def shares(labels: pd.Series) -> dict[str, Estimate]:
    counts = labels.value_counts()
    return {str(k): proportion(int(v), len(labels)) for k, v in counts.sort_index().items()}


# --------------------------------------------------------------------------- the rate


def fit_rate(dates: pd.Series, last: pd.Timestamp | None = None) -> RateFit:
    """Monthly referrals: level, trend and seasonality (see the module's docstring). The
    list covers its first referral's day to ``last`` (the list's end: its extraction
    date, default the last referral): a part month counts only its days."""
    span = _referral_months(dates, last)
    if len(span.months) < MIN_MONTHS:
        model = _quasi_poisson(span, [np.ones(len(span.months))])
        season = _Season(p=None, kept=False, multipliers=None, level_factor=1.0)
        growth = None
        notes = [
            f"The data span {len(span.months)} months: at least {MIN_MONTHS} are needed to tell"
            " a trend from the seasons, so neither is fitted (growth 0, no seasonality)."
        ]
    else:
        model, season = _trend_and_season(span)
        growth = _growth(model, int(span.counts.sum()))
        notes = _trend_notes(growth, season)
    return RateFit(
        _level(model, season.level_factor, int(span.counts.sum())), float(model.bse[0]),
        growth, season.multipliers, season.p, _monthly_table(model, span, season),
        span.start, span.end, notes,
    )  # fmt: skip


@dataclass(frozen=True)
class _Months:
    """The list's window cut into calendar months: what the rate model is fitted to."""

    start: pd.Timestamp  # the first referral's day
    end: pd.Timestamp  # the day after the window
    months: pd.PeriodIndex
    days: np.ndarray  # each month's days inside the window: the exposure
    years: np.ndarray  # each month's middle, in years before the end (negative)
    counts: np.ndarray  # referrals in each month


@dataclass(frozen=True)
class _Season:
    """What the month effects came to: the F test, whether kept, and the scale of the level."""

    p: float | None  # None when no month effects were fitted (too few months)
    kept: bool
    multipliers: list[float] | None  # only when kept
    level_factor: float  # the arithmetic mean month over the geometric (1 without effects)


SEASON_COLUMNS = 11
"""Month effects in the design: twelve months coded to sum to zero take eleven columns."""


def _referral_months(dates: pd.Series, last: pd.Timestamp | None) -> _Months:
    """Referrals counted by calendar month over the window, with each month's days in it.

    The window runs from the first referral's day to ``last`` (or the last referral): a
    part month at either end counts only its days, so a list starting on the 20th does
    not read as a quiet month. Time is measured back from the end so that the model's
    intercept is the level at the end of the data, the day the scenario starts."""
    dates = pd.Series(pd.to_datetime(dates)).reset_index(drop=True)
    start = dates.min().normalize()
    end = (dates.max() if last is None else max(last, dates.max())).normalize()
    end += pd.Timedelta(days=1)
    months = pd.period_range(start, end - pd.Timedelta(days=1), freq="M")
    observed = dates.dt.to_period("M").value_counts().reindex(months, fill_value=0)
    first_days = np.array([max(m.start_time, start) for m in months], dtype="datetime64[ns]")
    next_days = np.array(
        [min(m.end_time.normalize() + pd.Timedelta(days=1), end) for m in months],
        dtype="datetime64[ns]",
    )
    days = ((next_days - first_days) / np.timedelta64(1, "D")).astype(float)
    middle = ((first_days - np.datetime64(end)) / np.timedelta64(1, "D")) + days / 2
    years = middle / DAYS_PER_YEAR  # 0 at the end of the data: the intercept is that level
    counts = observed.to_numpy(dtype=float)
    return _Months(start, end, months, days, years, counts)


def _month_contrasts(months: pd.PeriodIndex) -> list[np.ndarray]:
    """Eleven month-of-year columns coded to sum to zero (December is minus the rest), so
    the intercept and the trend are those of the average month, not of January."""
    month_of_year = np.array([m.month for m in months])
    return [
        np.where(month_of_year == k, 1.0, 0.0) - np.where(month_of_year == 12, 1.0, 0.0)
        for k in range(1, SEASON_COLUMNS + 1)
    ]


def _quasi_poisson(span: _Months, design: list[np.ndarray]) -> GLMResults:
    """A Poisson GLM of the monthly counts with the month's days as exposure, its scale
    then widened to Pearson's when the counts are overdispersed: monthly referrals often
    vary more than Poisson allows, and Poisson's intervals would then be too narrow."""
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # perfect fits of tiny lists warn; the fit stands
        model = sm.GLM(span.counts, np.column_stack(design), family=sm.families.Poisson(),
                       offset=np.log(span.days))  # fmt: skip
        poisson = model.fit(scale=1.0)
        # quasi-Poisson: Pearson's scale widens the intervals for overdispersed counts,
        # but never narrows them below Poisson's
        dispersion = poisson.pearson_chi2 / poisson.df_resid if poisson.df_resid > 0 else 1
        return model.fit(scale=float(dispersion)) if dispersion > 1 else poisson


def _trend_and_season(span: _Months) -> tuple[GLMResults, _Season]:
    """The level, trend and month effects fitted together, and whether the season is kept.

    The model returned always has the month effects: a season too weak to keep would
    still tilt a trend fitted without it (three winters at the end of three years). The
    F test (on the deviance, since the quasi-Poisson scale is estimated) only decides
    whether the block is given the season."""
    trend = [np.ones(len(span.months)), span.years]
    trend_only = _quasi_poisson(span, trend)
    full = _quasi_poisson(span, trend + _month_contrasts(span.months))
    extra = (trend_only.deviance - full.deviance) / SEASON_COLUMNS
    p = float(stats.f.sf(extra / full.scale, SEASON_COLUMNS, full.df_resid))
    kept = p < KEEP_P
    effects = full.params[-SEASON_COLUMNS:]
    raw = np.exp(np.append(effects, -effects.sum()))
    level_factor = float(raw.mean())  # the arithmetic mean month, not the geometric
    multipliers = (raw / level_factor).tolist() if kept else None
    return full, _Season(p, kept, multipliers, level_factor)


def _growth(model: GLMResults, n: int) -> Estimate:
    """Growth a year, compound, from the trend's slope on the log scale (its second
    parameter), with the interval of the slope carried through ``expm1``."""
    slope, slope_se = model.params[1], model.bse[1]
    return Estimate(
        math.expm1(slope), math.expm1(slope - Z * slope_se), math.expm1(slope + Z * slope_se),
        n,
    )  # fmt: skip


def _trend_notes(growth: Estimate, season: _Season) -> list[str]:
    """What the reader should know of the trend and season: growth that may be none is
    still the best estimate, and a season left out still shaped the level and growth."""
    notes = []
    if growth.low <= 0.0 <= growth.high:
        notes.append(
            f"Growth of {growth.value:+.1%} a year has a 95% interval ({growth.low:+.1%} "
            f"to {growth.high:+.1%}) that includes no growth: kept as the best estimate."
        )
    if not season.kept:
        notes.append(
            f"No seasonality the data can support (F test against none: p = {season.p:.2f}"
            f", needs p < {KEEP_P}): left out of the block (the level and growth are still "
            "estimated net of month effects)."
        )
    return notes


def _level(model: GLMResults, level_factor: float, n: int) -> Estimate:
    """Referrals a year at the end of the data (the intercept), in the average month:
    the intercept is the geometric mean month, so it is scaled to the arithmetic mean
    that a year of referrals adds up to."""
    log_level, log_se = model.params[0], model.bse[0]
    per_day = math.exp(log_level) * level_factor
    return Estimate(
        per_day * DAYS_PER_YEAR,
        math.exp(log_level - Z * log_se) * level_factor * DAYS_PER_YEAR,
        math.exp(log_level + Z * log_se) * level_factor * DAYS_PER_YEAR,
        n,
    )


def _monthly_table(model: GLMResults, span: _Months, season: _Season) -> pd.DataFrame:
    """Each month's observed and fitted referrals with the fit's 95% band, for the fit
    page. The fitted line is what the block says: with the season when it is kept, else
    the trend alone (month effects set to zero, scaled to the average month)."""
    exog = model.model.exog.copy()
    offset = np.log(span.days)
    if not season.kept:
        if season.p is not None:  # month effects fitted but not kept: take them out
            exog[:, -SEASON_COLUMNS:] = 0.0
        offset = offset + math.log(season.level_factor)
    band = model.get_prediction(exog=exog, offset=offset).summary_frame(alpha=0.05)
    return pd.DataFrame({
        "month": span.months.to_timestamp(), "days": span.days, "observed": span.counts,
        "fitted": band["mean"].to_numpy(), "low": band["mean_ci_lower"].to_numpy(),
        "high": band["mean_ci_upper"].to_numpy(),
    })  # fmt: skip


# --------------------------------------------------------------------------- hours and miles


def fit_distribution(values: np.ndarray, still_open: np.ndarray) -> DistributionFit:
    """Lognormal, gamma and exponential by maximum likelihood, open values right-censored;
    the lowest AIC is chosen. Missing values (NaN) are left out and counted; with fewer
    than :data:`MIN_CLOSED` closed values only the exponential is fitted."""
    values = np.asarray(values, dtype=float)
    known = ~np.isnan(values) & (values > 0)
    closed = values[known & ~still_open]
    censored = values[known & still_open]
    left_out = int((~known & still_open).sum())
    if len(closed) == 0:
        raise CalibrationError("no closed case with hours to fit its hours from")
    fits, aic, spread = {}, {}, {}
    for family in FAMILIES if len(closed) >= MIN_CLOSED else ("exponential",):
        theta, loglik, se = _maximise(family, closed, censored)
        fits[family] = (math.exp(theta[0]), math.exp(theta[-1]) if family != "exponential"
                        else math.exp(theta[0]))  # fmt: skip
        aic[family] = 2 * len(theta) - 2 * loglik
        spread[family] = (theta[0], se)
    family = min(aic, key=aic.__getitem__)
    centre, se = spread[family]
    mean = Estimate(
        math.exp(centre), math.exp(centre - Z * se), math.exp(centre + Z * se),
        len(closed) + len(censored),
    )  # fmt: skip
    return DistributionFit(family, mean, fits[family][1], aic, fits, closed, censored, left_out)


def fit_miles(values: np.ndarray) -> DistributionFit:
    """Miles per case in one locality: by AIC among the three families when every value
    is above 0; with some at 0 (no travel) the observed distribution itself (20 quantiles,
    ``quantiles``), and all at 0 a fixed 0."""
    values = values[~np.isnan(values)]
    if (values > 0).all():
        return fit_distribution(values, np.zeros(len(values), bool))
    levels = (np.arange(20) + 0.5) / 20
    family = "fixed" if (values == 0).all() else "empirical"
    mean = Estimate(float(values.mean()), float(values.mean()), float(values.mean()), len(values))
    return DistributionFit(
        family, mean, float(values.std()), {}, {}, values, np.empty(0), 0,
        tuple(np.round(np.quantile(values, levels), 1).tolist()),
    )  # fmt: skip


def frozen(family: str, mean: float, sd: float):
    """The scipy distribution with this mean and sd, as the scenario files write it."""
    if family == "exponential":
        return stats.expon(scale=mean)
    if family == "gamma":
        return stats.gamma((mean / sd) ** 2, scale=sd**2 / mean)
    sigma2 = math.log1p((sd / mean) ** 2)
    return stats.lognorm(math.sqrt(sigma2), scale=math.exp(math.log(mean) - sigma2 / 2))


def _maximise(family: str, closed: np.ndarray, censored: np.ndarray):
    """The maximum-likelihood (log mean[, log sd]), its log-likelihood and the standard
    error of the log mean from the observed information."""
    from statsmodels.tools.numdiff import approx_hess3

    def negative(theta: np.ndarray) -> float:
        mean = math.exp(theta[0])
        sd = math.exp(theta[1]) if len(theta) > 1 else mean
        dist = frozen(family, mean, sd)
        total = dist.logpdf(closed).sum() + dist.logsf(censored).sum()
        return -total if np.isfinite(total) else 1e300

    everything = np.concatenate([closed, censored])
    start = [math.log(everything.mean())]
    if family != "exponential":
        start.append(math.log(max(everything.std(), 1e-3 * everything.mean())))
    best = optimize.minimize(negative, np.array(start), method="Nelder-Mead",
                             options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})  # fmt: skip
    with np.errstate(all="ignore"):
        covariance = np.linalg.pinv(approx_hess3(best.x, negative))
    se = math.sqrt(covariance[0, 0]) if covariance[0, 0] > 0 else float("nan")
    return best.x, -best.fun, se
