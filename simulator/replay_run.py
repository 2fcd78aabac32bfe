"""Replications of scenarios on a case list's referrals (see :mod:`simulator.replay_list`).

The runner's machinery (one pool for every scenario's replications, case rows and days
written as they come), with each replication's referrals built from the list in the
worker, and what the comparison needs kept beside its figures: where each of the
list's referrals was allocated, its target and whether its process went ahead without
an advocate. Every scenario runs on the same seed and replications, so replication k
of each draws the same unrecorded parts (common random numbers): their differences are
the contracts' alone.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from simulator import metrics
from simulator.files import Layout, ScenarioResult, TableWriter
from simulator.model import simulate
from simulator.replay_list import Recorded, list_referrals, listed_positions
from simulator.runner import Backend, Progress, Reduced, _map_tasks, assemble
from simulator.schema import Scenario


@dataclass(frozen=True)
class Outcomes:
    """What became of the list's referrals, replication by replication (rows), in the
    list's order (columns): allocation day (NaN: never, by the end of the follow-up),
    and whether the process went ahead without an advocate; each one's target day."""

    allocated_day: np.ndarray
    breached: np.ndarray
    target_day: np.ndarray


def _replicate(
    scenario: Scenario, rep: int, listed: Recorded, keep_below: int, layout: Layout | None
) -> tuple[Reduced | None, np.ndarray, np.ndarray, np.ndarray]:
    """One replication on the list: its tables for the files (none without ``layout``: a
    fit needs only the allocations), and the list's allocation days, breaches and targets."""
    records = simulate(scenario, rep, list_referrals(scenario, listed, rep))
    at = listed_positions(records.referrals)
    found = (records.allocated_day[at], np.zeros(len(at), dtype=bool), records.target_day[at])
    if layout is None:
        return None, *found
    found = (found[0], metrics.breached(records, scenario)[at], found[2])
    keep = rep < keep_below
    cases = None
    if keep or rep == 0:  # the first replication's columns, so an empty file has them
        cases = metrics.cases_frame([records], scenario)
        cases = layout.arrow(cases if keep else cases.iloc[:0], scenario.name)
    daily = layout.arrow(metrics.daily_frame([records], scenario), scenario.name)
    return Reduced(metrics.per_replication([records], scenario), daily, cases), *found


def allocations(
    scenarios: Sequence[Scenario],
    listed: Recorded,
    backend: Backend | None = None,
    progress: Progress | None = None,
) -> list[np.ndarray]:
    """Each scenario's allocation days of the list's referrals (replications x referrals):
    all a fit needs, on one pool."""
    tasks = [(s, rep) for s in scenarios for rep in range(s.replications)]
    work = partial(_replicate, listed=listed, keep_below=0, layout=None)
    found = _map_tasks(work, tasks, backend, progress)
    out, start = [], 0
    for scenario in scenarios:
        out.append(np.stack([f[1] for f in found[start : start + scenario.replications]]))
        start += scenario.replications
    return out


def run_on_list(
    scenarios: Sequence[Scenario],
    listed: Recorded,
    tables: Path,
    backend: Backend | None = None,
    progress: Progress | None = None,
    cases: int | None = None,
) -> tuple[list[ScenarioResult], list[Outcomes]]:
    """Every replication of every scenario on the list, on one pool: each scenario's
    result tables (case rows and days written into ``tables`` as they come, for the first
    ``cases`` replications; None: all) and the list's outcomes."""
    keep = sys.maxsize if cases is None else cases
    tasks = [(s, rep) for s in scenarios for rep in range(s.replications)]
    owner = [number for number, s in enumerate(scenarios) for _ in range(s.replications)]
    per_rep: list[list[pd.DataFrame]] = [[] for _ in scenarios]
    found: list[list[tuple[np.ndarray, ...]]] = [[] for _ in scenarios]
    work = partial(_replicate, listed=listed, keep_below=keep, layout=Layout.of(scenarios))
    with TableWriter(tables) as writer:

        def consume(index: int, result: tuple) -> None:
            reduced, *outcome = result
            per_rep[owner[index]].append(reduced.per_rep)
            found[owner[index]].append(tuple(outcome))
            writer.add(reduced.cases, reduced.daily)

        _map_tasks(work, tasks, backend, progress, consume)
    results = [
        assemble(scenario, [Reduced(frame, pd.DataFrame(), None) for frame in frames])
        for scenario, frames in zip(scenarios, per_rep, strict=True)
    ]
    outcomes = [
        Outcomes(np.stack([f[0] for f in rows]), np.stack([f[1] for f in rows]), rows[0][2])
        for rows in found
    ]
    return results, outcomes
