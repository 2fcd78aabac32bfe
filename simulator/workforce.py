"""When each post of a pool is away or empty: drawn before a replication starts.

Every pool with a ``workforce`` section gets, per replication and from its own named
streams (keyed by the pool's name), the spells its advocates are away (leave,
sickness, training) and the vacancies turnover leaves, as plain arrays. The model
schedules each spell once, as two events (away, back), and a new starter's ramp as one
event per slot; nothing is polled per day.

Days of leave, sickness and training count the pool's working days: they are placed
on working time (``WorkCalendar.worked``: working days only under ``weekdays``, the day
clock under ``every_day``) and turned into calendar days with ``finish``. Turnover and
recruitment run on calendar days.

- **Turnover** is a renewal process per post: in post for an exponential time (mean
  365 / ``turnover_per_year`` days), then vacant for a draw of ``recruitment_days``.
  Each post starts the run in that process's long-run state (vacant with the long-run
  chance, for a uniform share of a recruitment draw), as a service that has run for
  years would, so the first year is not a flattering full house. A leaver replaced at
  once (a recruitment draw of 0) with no ramp is no vacancy at all: the new starter
  takes over the post and its cases, as if nobody had left. With a ramp the post
  empties and fills at the same instant (the leaver's cases handed on, the starter's
  slots growing from 0), in that order.
- **Leave** is taken in blocks of ``leave_block_days``, ``leave_days_per_year /
  leave_block_days`` of them in each contract year (the fraction by chance), each
  starting on a day drawn by ``leave_month_weights``; **training** one day at a time.
  A post held for part of a contract year (a new starter, a leaver, a last year cut
  short by the end of the run) gets that part of the year's allowance, prorated to its
  days in post, on days in post. A planned absence that would overlap an earlier one
  moves to just after it; any pushed past the post's last day move back before it.
- **Sickness** episodes start at a constant rate while the advocate is at work (not
  away for any reason), chosen so the days lost a year match
  ``sickness_days_per_year`` (renewal reward: sick share = rate x mean episode /
  (1 + rate x mean episode)); an episode runs round planned leave inside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from simulator.distributions import Distribution
from simulator.plan import PoolPlan
from simulator.schema import Workforce
from simulator.streams import pool_stream
from simulator.units import DAYS_PER_YEAR

CAUSES = ("leave", "sickness", "training", "vacancy")
LEAVE, SICKNESS, TRAINING, VACANCY = range(len(CAUSES))


class Clock(Protocol):
    """Working time on the day clock (``workdays.WorkCalendar`` or ``EveryDay``)."""

    def finish(self, start: float, work: float) -> float: ...

    def worked(self, t: float) -> float: ...

    def moments(self, work: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class Absences:
    """One pool's posts away, in calendar days: the spells the model schedules, and each
    cause's pieces of them (for hours lost). ``days`` counts working days under
    ``weekdays``; a vacant spell is a post empty from a leaver to a new starter, whose
    slots come back one by one at ``grow_day`` when the pool has a ramp."""

    advocate: np.ndarray
    start: np.ndarray
    end: np.ndarray
    days: np.ndarray
    vacant: np.ndarray
    piece_advocate: np.ndarray
    piece_start: np.ndarray
    piece_end: np.ndarray
    piece_days: np.ndarray
    piece_cause: np.ndarray
    grow_advocate: np.ndarray
    grow_day: np.ndarray


Piece = tuple[float, float, int]  # start, end (working time or calendar), cause


def draw_absences(
    plan: PoolPlan,
    workforce: Workforce,
    clock: Clock,
    start_date: dt.date,
    seed: int,
    rep: int,
    until: float,
) -> Absences:
    """Every post's spells away over ``[0, until)`` for replication ``rep``."""
    rngs = {name: pool_stream(seed, rep, f"workforce.{name}", plan.name)
            for name in ("turnover", "recruitment", "leave", "training", "sickness")}  # fmt: skip
    years = _years(workforce, start_date, until)
    working_year = clock.worked(until) / until * DAYS_PER_YEAR
    at_work: list[tuple[int, float, float, float, float, int]] = []  # post, tenure, work time
    vacant: list[tuple[int, float, float, float]] = []  # post, calendar days, working days
    grows: list[tuple[int, float]] = []
    for post, slots in enumerate(_slots_per_post(plan)):
        posts, vacancies = _tenures(workforce, until, rngs["turnover"], rngs["recruitment"])
        for first, last in posts:
            worked = _absences_in_post(workforce, first, last, working_year, years, clock, rngs)
            at_work += [(post, first, last, start, end, cause) for start, end, cause in worked]
            at_work += [(post, first, last, start, end, -1) for start, end in _spells(worked)]
        starts = {first: last for first, last in posts}
        for start, end in vacancies:
            if end <= start and workforce.new_starter_ramp_days == 0:
                continue  # replaced at once with every slot: the post never empties
            vacant.append((post, start, end, clock.worked(end) - clock.worked(start)))
            in_post_to = starts.get(end, until)  # the ramp stops if the starter leaves
            grows += _ramp(post, slots, end, workforce.new_starter_ramp_days, in_post_to)
    return _as_arrays(at_work, vacant, grows, clock)


@dataclass(frozen=True)
class Year:
    """A contract year from ``start`` (calendar day): cumulative chances by its days."""

    start: float
    leave: np.ndarray
    training: np.ndarray


def _years(workforce: Workforce, start_date: dt.date, until: float) -> list[Year]:
    """Each contract year's days, and the chances a block of leave or a training day falls
    on each (the same for every post: worked out once per pool)."""
    months = _month_of_day(start_date, until)
    weights = np.ones(12) if workforce.leave_month_weights is None else np.asarray(
        workforce.leave_month_weights, dtype=float
    )  # fmt: skip
    years = []
    for year_start in np.arange(0.0, until, DAYS_PER_YEAR):
        days = months[int(year_start) : int(min(year_start + DAYS_PER_YEAR, until))]
        years.append(Year(float(year_start), _cumulative(days, weights), _cumulative(days, None)))
    return years


def _cumulative(months: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Cumulative chance of each day of a year, each month as likely as its weight (all
    alike without weights) and the days within a month alike; empty if none can be."""
    if len(months) == 0:
        return np.empty(0)
    per_month = np.bincount(months, minlength=12).astype(float)
    chance = (np.ones(12) if weights is None else weights)[months] / per_month[months]
    total = chance.sum()
    return np.cumsum(chance) / total if total > 0 else np.empty(0)


def _slots_per_post(plan: PoolPlan) -> list[int]:
    """Each post's caseload slots, as ``providers.Pool`` deals them out (the most it has
    under any part of a varied contract: a new starter's ramp stops at its slots then)."""
    held = [plan.post_slots(slots) for _, slots, _ in plan.phases]
    return [max(each) for each in zip(*held, strict=True)]


def _draw(distribution: Distribution, rng: np.random.Generator) -> float:
    return float(distribution.quantile(rng.random(1))[0])


def _tenures(
    workforce: Workforce, until: float, turnover: np.random.Generator,
    recruitment: np.random.Generator,
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:  # fmt: skip
    """One post's spells in post and vacant, in calendar days, starting in the long-run state."""
    if workforce.turnover_per_year == 0:
        return [(0.0, until)], []
    mean_in_post = DAYS_PER_YEAR / workforce.turnover_per_year
    mean_vacant = workforce.recruitment_days.expected
    posts, vacancies = [], []
    t = 0.0
    if turnover.random() * (mean_in_post + mean_vacant) < mean_vacant:
        t = recruitment.random() * _draw(workforce.recruitment_days, recruitment)
        vacancies.append((0.0, t))
    while t < until:
        leaves = t + turnover.exponential(mean_in_post)
        posts.append((t, min(leaves, until)))
        if leaves >= until:
            break
        t = leaves + _draw(workforce.recruitment_days, recruitment)
        vacancies.append((leaves, t))
    return posts, vacancies


def _absences_in_post(
    workforce: Workforce, first: float, last: float, working_year: float, years: list[Year],
    clock: Clock, rngs: dict[str, np.random.Generator],
) -> list[Piece]:  # fmt: skip
    """Leave, training and sickness in working time over one spell in post (calendar days
    ``[first, last)``), in order."""
    start, end = clock.worked(first), clock.worked(last)
    planned = _planned(workforce, first, last, start, end, years, clock, rngs)
    sick = _sickness(workforce, start, end, working_year, planned, rngs["sickness"])
    return sorted(planned + sick)


def _planned(
    workforce: Workforce, first: float, last: float, start: float, end: float,
    years: list[Year], clock: Clock, rngs: dict[str, np.random.Generator],
) -> list[Piece]:  # fmt: skip
    """Blocks of leave and training days inside ``[start, end)`` of working time, the spell
    in post ``[first, last)`` in calendar days: in each contract year it touches, the
    year's allowance prorated to the days of it in post, on days of that part of the
    year. They are moved past each other where they would overlap and, where that takes
    the last past the post's last day, moved back before it, so none is lost."""
    wanted: list[Piece] = []
    block = workforce.leave_block_days
    for year in years:
        low = max(first, year.start)
        high = min(last, year.start + DAYS_PER_YEAR)
        if high <= low:
            continue
        share = (high - low) / DAYS_PER_YEAR
        days = (int(np.floor(low - year.start)), int(np.ceil(high - year.start)))
        leave = workforce.leave_days_per_year * share / block
        for day in _days(year.leave, leave, rngs["leave"], *days):
            begins = float(np.floor(clock.worked(year.start + day)))
            wanted.append((begins, begins + block, LEAVE))
        training = workforce.training_days_per_year * share
        for day in _days(year.training, training, rngs["training"], *days):
            begins = float(np.floor(clock.worked(year.start + day)))
            wanted.append((begins, begins + 1.0, TRAINING))
    kept: list[Piece] = []
    for begins, ends, cause in sorted(wanted):
        moved = max(begins, start, kept[-1][1] if kept else start)
        kept.append((moved, moved + (ends - begins), cause))
    limit = end
    for k in reversed(range(len(kept))):
        begins, ends, cause = kept[k]
        if ends <= limit:
            break
        moved = max(limit - (ends - begins), start)
        kept[k] = (moved, limit, cause)
        limit = moved
    return [piece for piece in kept if piece[0] < piece[1]]


def _days(
    cumulative: np.ndarray, count: float, rng: np.random.Generator, first_day: int, last_day: int
) -> list[float]:
    """``count`` days (the fraction by chance) of days ``[first_day, last_day)`` of one
    contract year, by their chances."""
    whole = int(count) + int(rng.random() < count - int(count))
    last_day = min(last_day, len(cumulative))
    if whole == 0 or last_day <= first_day:
        return []
    drawn = rng.random(whole)
    if first_day > 0 or last_day < len(cumulative):  # part of the year: its chances only
        low = cumulative[first_day - 1] if first_day > 0 else 0.0
        high = cumulative[last_day - 1]
        if high <= low:
            return []
        drawn = low + (high - low) * drawn
    chosen = np.searchsorted(cumulative, drawn, side="right")
    return np.clip(chosen, first_day, last_day - 1).astype(float).tolist()


def _sickness(
    workforce: Workforce, first: float, last: float, working_year: float,
    planned: list[Piece], rng: np.random.Generator,
) -> list[Piece]:  # fmt: skip
    """Episodes over ``[first, last)`` of working time: each starts after an exponential
    time at work (planned absences skipped) and runs round planned ones inside it."""
    sick = workforce.sickness_days_per_year
    if sick == 0:
        return []
    mean_episode = workforce.sickness_episode_days.expected
    at_work = working_year - workforce.leave_days_per_year - workforce.training_days_per_year
    rate = sick / (mean_episode * (at_work - sick))
    pieces: list[Piece] = []
    t, k = first, 0
    while True:
        gap = rng.exponential(1.0 / rate)
        while k < len(planned) and planned[k][0] - t <= gap:
            gap -= max(planned[k][0] - t, 0.0)
            t, k = max(t, planned[k][1]), k + 1
        t += gap
        if t >= last:
            return pieces
        left = _draw(workforce.sickness_episode_days, rng)
        while t < last:
            stop = planned[k][0] if k < len(planned) else np.inf
            if t + left <= min(stop, last):  # the episode ends before anything else
                pieces.append((t, t + left, SICKNESS))
                t += left
                break
            end = min(stop, last)
            if end > t:
                pieces.append((t, end, SICKNESS))
            left -= end - t
            t = end
            if end == stop:  # planned leave inside the episode: it goes on after it
                t, k = planned[k][1], k + 1


def _spells(pieces: list[Piece]) -> list[tuple[float, float]]:
    """Pieces that touch joined into spells: the time a post is away without a break."""
    spells: list[tuple[float, float]] = []
    for start, end, _ in pieces:
        if spells and start <= spells[-1][1]:
            spells[-1] = (spells[-1][0], max(end, spells[-1][1]))
        else:
            spells.append((start, end))
    return spells


def _ramp(post: int, slots: int, first_day: float, ramp_days: float,
          until: float) -> list[tuple[int, float]]:  # fmt: skip
    """A new starter's slots, one at a time, over ``ramp_days`` from the first day (none
    without a ramp: the starter then has every slot from the first day)."""
    if ramp_days == 0:
        return []
    steps = [first_day + ramp_days * k / slots for k in range(1, slots + 1)]
    return [(post, day) for day in steps if day < until]


def _month_of_day(start_date: dt.date, until: float) -> np.ndarray:
    """The calendar month (0 to 11) of each day from day 0."""
    dates = np.datetime64(start_date, "D") + np.arange(int(np.ceil(until)) + 1)
    return (dates.astype("datetime64[M]").astype(np.int64) % 12).astype(np.int64)


def _as_arrays(
    at_work: list[tuple[int, float, float, float, float, int]],
    vacant: list[tuple[int, float, float, float]],
    grows: list[tuple[int, float]],
    clock: Clock,
) -> Absences:
    """Spells and pieces as arrays, working time turned into calendar days at once, each
    inside its spell in post (a spell starting a working day would begin at the end of
    the working day before, which may be before a new starter's first day)."""
    table = np.asarray(at_work, dtype=float).reshape(-1, 6)
    post, first, last, begins, ends, cause = table.T
    start = np.maximum(clock.moments(begins), first)
    end = np.minimum(clock.moments(ends), last)
    gone = np.asarray(vacant, dtype=float).reshape(-1, 4)
    whole = cause < 0  # the spells; the rest are the pieces, by cause
    pieces = ~whole
    spell_start = np.concatenate([start[whole], gone[:, 1]])
    spell_end = np.concatenate([end[whole], gone[:, 2]])
    order = np.lexsort((spell_end > spell_start, spell_start))  # no length first at a tie
    grown = np.asarray(grows, dtype=float).reshape(-1, 2)
    vacancy = np.full(len(gone), VACANCY)
    return Absences(
        advocate=np.concatenate([post[whole], gone[:, 0]]).astype(np.int64)[order],
        start=spell_start[order],
        end=spell_end[order],
        days=np.concatenate([(ends - begins)[whole], gone[:, 3]])[order],
        vacant=np.concatenate([np.zeros(int(whole.sum()), bool), np.ones(len(gone), bool)])[order],
        piece_advocate=np.concatenate([post[pieces], gone[:, 0]]).astype(np.int64),
        piece_start=np.concatenate([start[pieces], gone[:, 1]]),
        piece_end=np.concatenate([end[pieces], gone[:, 2]]),
        piece_days=np.concatenate([(ends - begins)[pieces], gone[:, 3]]),
        piece_cause=np.concatenate([cause[pieces], vacancy]).astype(np.int64),
        grow_advocate=grown[:, 0].astype(np.int64),
        grow_day=grown[:, 1],
    )


def in_contract(absences: Absences, plan: PoolPlan) -> Absences:
    """The spells and pieces of posts while the contract gives them slots (``changes``).

    A post a change adds is drawn from day 0 like the rest (its draws after the others',
    so theirs stay as they were) and counts from that change: vacant then, it is still
    being recruited (the vacancy runs on from the change); otherwise its advocate starts
    that day, at work (an absence the draw has under way is dropped). A post cut stops
    counting at the cut. A spell cut short keeps its share of its days. Unchanged
    without changes."""
    if not plan.changes:
        return absences
    spans = _spans_in_contract(plan)
    advocate, start, end, days, vacant, dropped = _clipped(
        spans, absences.advocate, absences.start, absences.end, absences.days, absences.vacant,
        absences.vacant, [],
    )  # fmt: skip
    order = np.argsort(start, kind="stable")
    piece_advocate, piece_start, piece_end, piece_days, piece_cause, _ = _clipped(
        spans, absences.piece_advocate, absences.piece_start, absences.piece_end,
        absences.piece_days, absences.piece_cause, absences.piece_cause == VACANCY, dropped,
    )  # fmt: skip
    grows = zip(absences.grow_advocate.tolist(), absences.grow_day.tolist(), strict=True)
    kept = np.asarray(
        [j for j, (a, day) in enumerate(grows) if any(lo <= day < hi for lo, hi in spans[a])],
        dtype=np.int64,
    )
    return Absences(
        advocate=advocate[order], start=start[order], end=end[order], days=days[order],
        vacant=vacant[order], piece_advocate=piece_advocate, piece_start=piece_start,
        piece_end=piece_end, piece_days=piece_days, piece_cause=piece_cause,
        grow_advocate=absences.grow_advocate[kept], grow_day=absences.grow_day[kept],
    )  # fmt: skip


def _spans_in_contract(plan: PoolPlan) -> list[list[tuple[float, float]]]:
    """Per post, the calendar spans ``[from, to)`` in which the contract gives it slots."""
    parts = plan.phases
    ends = [start for start, _, _ in parts[1:]] + [float("inf")]
    spans: list[list[tuple[float, float]]] = [[] for _ in range(plan.posts)]
    for (start, slots, _), end in zip(parts, ends, strict=True):
        for post, held in enumerate(plan.post_slots(slots)):
            if held == 0:
                continue
            if spans[post] and spans[post][-1][1] == start:
                spans[post][-1] = (spans[post][-1][0], end)
            else:
                spans[post].append((start, end))
    return spans


Dropped = list[tuple[int, float, float]]  # post, start, end of a spell a new post never had


def _clipped(
    spans: list[list[tuple[float, float]]], post: np.ndarray, start: np.ndarray,
    end: np.ndarray, days: np.ndarray, other: np.ndarray, vacant: np.ndarray,
    dropped: Dropped,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, Dropped]:  # fmt: skip
    """Spells (or pieces) cut to their post's spans in contract, days pro rata; an absence
    under way when a span starts after day 0 (a new post) is dropped, with the pieces of
    a spell dropped (``dropped``: the spells dropped, when cutting pieces)."""
    keep: list[int] = []
    cut: list[tuple[float, float, float]] = []
    gone: Dropped = []
    rows = zip(post.tolist(), start.tolist(), end.tolist(), days.tolist(), vacant.tolist(),
               strict=True)  # fmt: skip
    for j, (a, s, e, d, empty) in enumerate(rows):
        if any(a == b and lo <= s < hi for b, lo, hi in dropped):
            continue
        for low, high in spans[a]:
            begins, ends = max(s, low), min(e, high)
            if ends <= begins:
                continue
            if s < low and not empty:  # the new post's advocate starts at work
                gone.append((a, s, e))
                continue
            keep.append(j)
            cut.append((begins, ends, d * (ends - begins) / (e - s)))
    index = np.asarray(keep, dtype=np.int64)
    table = np.asarray(cut, dtype=float).reshape(-1, 3)
    return post[index], table[:, 0], table[:, 1], table[:, 2], other[index], gone
