"""Statistics over replications: intervals, spreads, summaries and paired differences.

A leaf: it imports nothing of the package, so the arithmetic a reviewer checks against
theory (t intervals, percentiles, differences on common random numbers) reads alone.
Which metrics are shares, and which figures the doubt table covers, are told by the
caller.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
from scipy import special

SUMMARY_COLUMNS = [
    "scenario", "metric", "group", "mean", "ci_low", "ci_high", "n_reps", "p10", "p90",
]  # fmt: skip


def confidence_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and t-based interval (95% unless ``level`` says) over replications, ignoring
    NaN (no data)."""
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    mean = float(values.mean())
    if n == 1:
        return mean, np.nan, np.nan, 1
    # special.stdtrit is scipy.stats.t.ppf's own arithmetic, without importing scipy.stats
    half = float(special.stdtrit(n - 1, 0.5 + level / 2) * values.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n


def spread(values: np.ndarray) -> tuple[float, float]:
    """The 10th and 90th percentiles across replications (a bad and a good run, not the
    interval of the mean), NaN with fewer than two values."""
    values = values[~np.isnan(values)]
    if len(values) < 2:
        return np.nan, np.nan
    p10, p90 = np.percentile(values, [10, 90])
    return float(p10), float(p90)


def summarise(
    per_rep: pd.DataFrame, scenario_name: str, shares: Collection[str] = ()
) -> pd.DataFrame:
    """Mean with a t-based 95% interval for every metric and group, and the spread across
    replications (10th and 90th percentiles) (``summary.csv``).

    Every metric is a count, a share or an amount, so an interval is clipped to what
    the metric can be (0 to 1 for the metrics named in ``shares``, never below 0): a
    t interval past those limits only says the sample is small.
    """
    table = by_replication(per_rep)
    if table is None:
        metrics, groups, listed = [], [], []
        for (metric, group), values in per_rep.groupby(["metric", "group"], sort=False)["value"]:
            metrics.append(metric)
            groups.append(group)
            listed.append(values.to_numpy(dtype=float))
        rows: Sequence[np.ndarray] | np.ndarray = listed
    else:
        metrics, groups, rows = table
    mean, low, high, n = intervals(rows)
    top = np.array([1.0 if m in shares else np.inf for m in metrics])
    p10, p90 = spreads(rows)
    return pd.DataFrame(
        {
            "scenario": [scenario_name] * len(metrics), "metric": metrics, "group": groups,
            "mean": mean, "ci_low": np.clip(low, 0.0, top), "ci_high": np.clip(high, 0.0, top),
            "n_reps": n, "p10": p10, "p90": p90,
        },
        columns=SUMMARY_COLUMNS,
    )  # fmt: skip


def by_replication(per_rep: pd.DataFrame) -> tuple[list, list, np.ndarray] | None:
    """Metrics, groups and a (metric-group x replication) matrix of values, when every
    replication has the same rows in the same order (as the runner gives them); None
    otherwise. Each group's values are a contiguous row, in replication order, as a
    groupby gives them, so numpy sums them exactly as it sums that group alone."""
    reps = per_rep["rep"].to_numpy()
    starts = np.flatnonzero(np.r_[True, reps[1:] != reps[:-1]]) if len(reps) else reps
    count = len(starts)
    if count < 2 or len(reps) % count:
        return None
    size = len(reps) // count
    metric = per_rep["metric"].to_numpy(dtype=object).reshape(count, size)
    group = per_rep["group"].to_numpy(dtype=object).reshape(count, size)
    first = list(zip(metric[0], group[0], strict=True))
    if (
        not np.array_equal(starts, np.arange(count) * size)
        or not (metric == metric[0]).all() or not (group == group[0]).all()
        or len(set(first)) != size or pd.isna(metric[0]).any() or pd.isna(group[0]).any()
    ):  # fmt: skip
        return None
    values = per_rep["value"].to_numpy(dtype=float).reshape(count, size)
    return list(metric[0]), list(group[0]), np.ascontiguousarray(values.T)


def intervals(rows: Sequence[np.ndarray] | np.ndarray, level: float = 0.95) -> tuple:
    """``confidence_interval`` of every row (means, lows, highs, counts), number for
    number: a matrix of rows without NaN at once (a loop over thousands of groups was
    most of the time after a run), the others one at a time."""
    count = len(rows)
    mean, low, high = np.full(count, np.nan), np.full(count, np.nan), np.full(count, np.nan)
    n = np.zeros(count, dtype=np.int64)
    whole = _whole(rows)
    if len(whole):
        matrix = np.asarray(rows)[whole]  # whole rows exist only in a matrix (no copy)
        size = matrix.shape[1]
        mean[whole] = matrix.mean(axis=1)
        half = special.stdtrit(size - 1, 0.5 + level / 2) * matrix.std(axis=1, ddof=1)
        half = half / np.sqrt(size)
        low[whole], high[whole], n[whole] = mean[whole] - half, mean[whole] + half, size
    for i in sorted(set(range(count)) - set(whole.tolist())):
        mean[i], low[i], high[i], n[i] = confidence_interval(rows[i], level)
    return mean, low, high, n


def spreads(rows: Sequence[np.ndarray] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``spread`` of every row (10th and 90th percentiles), number for number."""
    count = len(rows)
    p10, p90 = np.full(count, np.nan), np.full(count, np.nan)
    whole = _whole(rows)
    if len(whole):
        matrix = np.asarray(rows)[whole]
        p10[whole], p90[whole] = np.percentile(matrix, [10, 90], axis=1)
    for i in sorted(set(range(count)) - set(whole.tolist())):
        p10[i], p90[i] = spread(rows[i])
    return p10, p90


def _whole(rows: Sequence[np.ndarray] | np.ndarray) -> np.ndarray:
    """The rows that can go as one matrix: all of one length of at least 2, no NaN."""
    if isinstance(rows, np.ndarray) and rows.ndim == 2 and rows.shape[1] >= 2:
        return np.flatnonzero(~np.isnan(rows).any(axis=1))
    return np.empty(0, dtype=np.int64)


DIFFERENCE_COLUMNS = [
    "scenario", "baseline", "metric", "group", "mean_difference", "ci_low", "ci_high",
    "n_reps", "excludes_zero",
]  # fmt: skip


def paired_differences(
    per_rep: pd.DataFrame, baseline: str, shares: Collection[str] = ()
) -> pd.DataFrame:
    """Each scenario minus the baseline, replication by replication (``differences.csv``).

    ``per_rep`` holds ``scenario, rep, metric, group, value`` for scenarios run on
    common random numbers, so replication k of each saw the same referrals; the
    difference is taken within each replication, then averaged with a t-based 95%
    interval. Replications where either side has no value are left out. A difference
    of two shares (the metrics named in ``shares``) is at most 100 points either way,
    and its interval is clipped to that (a t interval of few replications can pass it).
    """
    wide = per_rep.pivot_table(
        index=["metric", "group", "rep"], columns="scenario", values="value", dropna=False,
        sort=False,
    )  # fmt: skip
    scenarios = [s for s in dict.fromkeys(per_rep["scenario"]) if s != baseline]
    blocks = _rep_blocks(wide.index)
    frames = []
    for scenario in scenarios:
        differences = wide[scenario] - wide[baseline]
        if blocks is None:
            keys, rows = [], []
            for key, values in differences.groupby(level=[0, 1], sort=False):
                keys.append(key)
                rows.append(values.to_numpy(dtype=float))
        else:
            keys, size = blocks
            rows = differences.to_numpy(dtype=float).reshape(len(keys), size)
        mean, low, high, n = intervals(rows)
        bound = np.array([1.0 if key[0] in shares else np.inf for key in keys])
        low, high = np.maximum(low, -bound), np.minimum(high, bound)
        frames.append(pd.DataFrame({
            "scenario": [scenario] * len(keys), "baseline": [baseline] * len(keys),
            "metric": [k[0] for k in keys], "group": [k[1] for k in keys],
            "mean_difference": mean, "ci_low": low, "ci_high": high, "n_reps": n,
            "excludes_zero": (n > 1) & ((low > 0) | (high < 0)),
        }))  # fmt: skip
    if not frames:
        return pd.DataFrame(columns=DIFFERENCE_COLUMNS)
    return pd.concat(frames, ignore_index=True)[DIFFERENCE_COLUMNS]


def _rep_blocks(index: pd.MultiIndex) -> tuple[list[tuple], int] | None:
    """The (metric, group) keys in order and the replications a key, when the index is
    every key with every replication in one block, as the pivot gives it (so a groupby
    meets the keys in that order, each key's values in block order); None otherwise."""
    metric, group, rep = (np.asarray(codes) for codes in index.codes)
    size = len(index.levels[2])
    if (
        size < 1
        or len(rep) % size
        or not np.array_equal(rep, np.tile(np.arange(size), len(rep) // size))
    ):
        return None
    metric, group = metric.reshape(-1, size), group.reshape(-1, size)
    if not ((metric == metric[:, :1]).all() and (group == group[:, :1]).all()):
        return None
    keys = list(zip(index.levels[0][metric[:, 0]], index.levels[1][group[:, 0]], strict=True))
    return (keys, size) if len(set(keys)) == len(keys) else None


def spread_table(
    with_doubt: pd.DataFrame, demand_fixed: pd.DataFrame, metrics: Sequence[str]
) -> pd.DataFrame:
    """How much of the spread across replications comes from doubt about demand.

    ``with_doubt`` and ``demand_fixed`` are the per-replication figures (``rep, metric,
    group, value``) of a scenario run as written and with its uncertain figures at their
    means, on the same seeds. The share from doubt is ``1 - var(fixed) / var(with doubt)``
    (0 when the doubt adds nothing measurable): the rest is the chance of arrivals and
    case lengths that remains even when the rate is known.
    """
    rows = []
    for metric in metrics:
        doubt = _values(with_doubt, metric)
        known = _values(demand_fixed, metric)
        if len(doubt) < 2 or len(known) < 2:
            continue
        var_doubt, var_known = float(np.var(doubt, ddof=1)), float(np.var(known, ddof=1))
        # the change in the mean needs its own interval: the draws average the mean only roughly
        _, low, high, _ = confidence_interval(doubt - known)
        share = max(0.0, 1.0 - var_known / var_doubt) if var_doubt > 0 else 0.0
        rows.append({
            "metric": metric,
            "mean_with_doubt": float(np.mean(doubt)),
            "mean_demand_fixed": float(np.mean(known)),
            "difference_ci_low": low,  # 95% interval of the mean change the doubt makes
            "difference_ci_high": high,
            "sd_with_doubt": var_doubt**0.5,
            "sd_demand_fixed": var_known**0.5,
            "p10_with_doubt": float(np.quantile(doubt, 0.1)),
            "p90_with_doubt": float(np.quantile(doubt, 0.9)),
            "p10_demand_fixed": float(np.quantile(known, 0.1)),
            "p90_demand_fixed": float(np.quantile(known, 0.9)),
            "share_of_variance_from_doubt": share,
            "n_reps": len(doubt),
        })  # fmt: skip
    return pd.DataFrame(rows)


def _values(per_rep: pd.DataFrame, metric: str) -> np.ndarray:
    chosen = per_rep[(per_rep["metric"] == metric) & (per_rep["group"] == "all")]
    return chosen.sort_values("rep")["value"].to_numpy(dtype=float)
