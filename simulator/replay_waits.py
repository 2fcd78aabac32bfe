"""Recorded against simulated waits, by month and advocacy type (``replay.csv``).

Waits are counted as a case list counts them: the allocation date less the referral
date, in whole days. Everyone referred counts: a referral not allocated by the list's
last day (on either side: still waiting when the list was extracted, or allocated
later in the simulation, or never) waits to that day, at least, as the model counts
everyone until they leave the list. Counting only those allocated would make a
contract with fewer advocates look quicker: most wait past the end, and the few
allocated got in at once.

Per group (a month of referral and a type, or ``all`` of either):

- ``wait_mean_days`` and ``wait_p90_days`` over every referral (those not allocated by
  the end counted to it);
- ``within_target_share``: of the referrals whose response target falls by the list's
  last day, the share allocated on or before their target date (the scenario's
  working-day targets);
- ``ks_statistic``: the Kolmogorov-Smirnov distance between the recorded waits and a
  replication's (the largest gap between the two cumulative distributions, 0 to 1),
  averaged over replications, with ``ks_between_replications`` beside it: the same
  distance between one replication and the next, what it is when the model is right
  (the noise floor a recorded distance should be read against).

Each simulated figure is the mean over replications with its t-based 95% interval
(``_ci_low``, ``_ci_high``) and the spread of replications (``_p10``, ``_p90``, a bad
and a good year). The recorded list is one year as it happened: it should fall
within the spread, not necessarily within the interval of the mean. ``recorded_*``
columns are empty when the list has no ``allocated_date``.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd

from simulator import stats

FIGURES = ("wait_mean_days", "wait_p90_days", "within_target_share")
ALL = "all"


def whole_day_waits(allocated_day: np.ndarray, day: np.ndarray, last_day: int) -> np.ndarray:
    """Waits in whole days as a list records them, a referral not allocated by
    ``last_day`` (or never: NaN) waiting to it. ``allocated_day`` may be a
    (replications x referrals) matrix."""
    whole = np.fmin(np.floor(allocated_day), last_day)  # fmin: NaN (never) takes last_day
    return whole - day


def allocated_by(allocated_day: np.ndarray, last_day: int) -> np.ndarray:
    """Whether each referral was allocated by the list's last day."""
    with np.errstate(invalid="ignore"):
        return np.floor(allocated_day) <= last_day


def within_target(
    allocated_day: np.ndarray, target_day: np.ndarray, last_day: int
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each referral was allocated on or before its target date, and whether its
    target date falls by the list's last day (else it is not counted either way)."""
    due = np.floor(target_day)
    with np.errstate(invalid="ignore"):
        met = np.floor(allocated_day) <= due
    return met, due <= last_day


def groups(months: np.ndarray, types: np.ndarray) -> Iterator[tuple[str, str, np.ndarray]]:
    """(month, type, referral positions): all, each type, then each month and its types."""
    every = np.arange(len(months))
    kinds = list(dict.fromkeys(types.tolist()))
    yield ALL, ALL, every
    for kind in kinds:
        yield ALL, kind, every[types == kind]
    for month in sorted(set(months.tolist())):
        in_month = months == month
        yield month, ALL, every[in_month]
        for kind in kinds:
            chosen = every[in_month & (types == kind)]
            if len(chosen):
                yield month, kind, chosen


def _figures(
    waits: np.ndarray, allocated: np.ndarray, met: np.ndarray, known: np.ndarray
) -> dict[str, np.ndarray]:
    """Per row of ``waits`` (a replication, or the list): mean and p90 of the waits, the
    share within target of the known, and how many were allocated by the end."""
    count = allocated.sum(axis=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a group with nobody allocated
        mean = np.nanmean(waits, axis=-1)
        p90 = np.nanpercentile(waits, 90, axis=-1)
        share = (met & known).sum(axis=-1) / known.sum() if known.any() else np.nan * count
    return {"wait_mean_days": mean, "wait_p90_days": p90, "within_target_share": share,
            "allocated": count}  # fmt: skip


def _ks(recorded: np.ndarray, simulated: np.ndarray) -> tuple[float, float]:
    """Mean KS distance from the recorded waits to each replication's, and between
    consecutive replications (NaN where a side has no waits)."""
    from scipy.stats import ks_2samp

    def distance(a: np.ndarray, b: np.ndarray) -> float:
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
        return float(ks_2samp(a, b).statistic) if len(a) and len(b) else np.nan

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        to_list = np.nanmean([distance(recorded, row) for row in simulated])
        between = [distance(a, b) for a, b in itertools.pairwise(simulated)]
        return float(to_list), float(np.nanmean(between)) if between else np.nan


def replay_table(
    scenario: str,
    months: np.ndarray,
    types: np.ndarray,
    day: np.ndarray,
    recorded_allocated: np.ndarray | None,
    simulated_allocated: np.ndarray,
    target_day: np.ndarray,
    last_day: int,
) -> pd.DataFrame:
    """``replay.csv``'s rows for one scenario (see the module's docstring).

    ``simulated_allocated`` is (replications x referrals), in the list's order;
    ``recorded_allocated`` None when the list has no allocation dates.
    """
    sim_waits = whole_day_waits(simulated_allocated, day, last_day)
    sim_by = allocated_by(simulated_allocated, last_day)
    sim_met, known = within_target(simulated_allocated, target_day, last_day)
    has_record = recorded_allocated is not None
    if recorded_allocated is not None:
        rec_waits = whole_day_waits(recorded_allocated, day, last_day)
        rec_by = allocated_by(recorded_allocated, last_day)
        rec_met, _ = within_target(recorded_allocated, target_day, last_day)
    rows = []
    for month, kind, chosen in groups(months, types):
        sim = _figures(sim_waits[:, chosen], sim_by[:, chosen], sim_met[:, chosen], known[chosen])
        row: dict[str, object] = {
            "scenario": scenario, "month": month, "type": kind, "referrals": len(chosen),
            "recorded_allocated": np.nan, "simulated_allocated": sim["allocated"].mean(),
        }  # fmt: skip
        rec = None
        if has_record:
            rec = _figures(rec_waits[chosen], rec_by[chosen], rec_met[chosen], known[chosen])
            row["recorded_allocated"] = int(rec["allocated"])
        for figure in FIGURES:
            values = np.asarray(sim[figure], dtype=float)[None, :]
            mean, low, high, _ = stats.intervals(values)
            p10, p90 = stats.spreads(values)
            row[f"recorded_{figure}"] = float(rec[figure]) if rec is not None else np.nan
            row[f"simulated_{figure}"] = mean[0]
            top = 1.0 if figure == "within_target_share" else np.inf  # as summary.csv clips
            row[f"simulated_{figure}_ci_low"] = min(max(low[0], 0.0), top)
            row[f"simulated_{figure}_ci_high"] = min(max(high[0], 0.0), top)
            row[f"simulated_{figure}_p10"] = p10[0]
            row[f"simulated_{figure}_p90"] = p90[0]
        ks = _ks(rec_waits[chosen], sim_waits[:, chosen]) if has_record else (np.nan, np.nan)
        row["ks_statistic"], row["ks_between_replications"] = ks
        rows.append(row)
    return pd.DataFrame(rows)


def monthly_means(waits: np.ndarray, months: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The months and each one's mean wait per row of ``waits`` (rows x months)."""
    names = sorted(set(months.tolist()))
    columns = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for month in names:
            columns.append(np.nanmean(waits[..., months == month], axis=-1))
    return names, np.stack(columns, axis=-1)
