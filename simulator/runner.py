"""Many replications: on this machine's cores or on a Dask cluster.

Runner only runs replications and reduces them to result tables; it writes no file
(a run's case rows and days go to :class:`simulator.files.TableWriter` as they come).
Replication k of a scenario depends only on (scenario, seed, k), so the results are
identical whatever the number of workers or the backend; they are always returned in
replication order.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from simulator import metrics
from simulator.files import Layout, ScenarioResult, TableWriter
from simulator.model import HandedBack, Records, simulate
from simulator.scenario import Scenario


@dataclass(frozen=True)
class Backend:
    """Where replications run: ``local`` (a process pool) or ``dask`` (a scheduler address)."""

    name: str = "local"
    workers: int | None = None  # local: processes (default: every core)
    scheduler: str | None = None  # dask: scheduler address, e.g. tcp://127.0.0.1:8786

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1


Progress = Callable[[int], None]


def _map(
    work: Callable[[Scenario, int], Any],
    scenario: Scenario,
    backend: Backend | None,
    progress: Progress | None,
    reps: Sequence[int] | None,
) -> list[Any]:
    """``work(scenario, rep)`` for every replication, on the backend; in replication order."""
    reps = range(scenario.replications) if reps is None else reps
    return _map_tasks(work, [(scenario, rep) for rep in reps], backend, progress)


def _map_tasks(
    work: Callable[[Scenario, int], Any],
    tasks: Sequence[tuple[Scenario, int]],
    backend: Backend | None,
    progress: Progress | None,
    consume: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """``work(scenario, rep)`` for every task, on one pool (or cluster) for all of them, so
    the workers stay busy from one scenario to the next; results in task order.

    With ``consume``, each result is handed to ``consume(index, result)`` in task order
    as soon as it and every earlier one are done, and not kept (the list is empty): the
    main process holds only the results that finished ahead of their turn.
    """
    backend = backend or Backend()
    work = partial(_on_one_thread, work)
    tick = progress or (lambda done: None)
    ordered = _InOrder(consume)
    if backend.name == "dask":
        _run_dask(work, tasks, backend, tick, ordered.put)
        return ordered.results
    if backend.worker_count == 1 or len(tasks) == 1:
        for index, (scenario, rep) in enumerate(tasks):
            ordered.put(index, work(scenario, rep))
            tick(1)
        return ordered.results
    pool = ProcessPoolExecutor(
        max_workers=min(backend.worker_count, len(tasks)), initializer=_worker_signals
    )
    try:
        # Each future says when it is done by putting itself in a queue: a constant cost a
        # result, where wait() on every pending future costs a waiter on each of them per
        # call, which grows with the square of the tasks. as_completed() would keep every
        # future, and so every result, until the last one is done; here each is dropped
        # once handed on.
        finished: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()
        futures: dict[Future[Any], int] = {}
        for index, task in enumerate(tasks):
            future = pool.submit(work, *task)
            futures[future] = index
            future.add_done_callback(finished.put)
        while futures:
            future = finished.get()
            ordered.put(futures.pop(future), future.result())
            tick(1)
            del future
    except BaseException:  # Ctrl-C, SIGTERM or a failure: stop the workers now
        _stop(pool)
        raise
    pool.shutdown()
    return ordered.results


def _on_one_thread(work: Callable[[Scenario, int], Any], scenario: Scenario, rep: int) -> Any:
    """``work(scenario, rep)`` with numpy's linear algebra (BLAS) on one thread.

    Replications run in parallel as processes, one a core. A BLAS call on more than one
    thread (the few matrix products of the figures and days) leaves OpenBLAS's threads
    spinning for a while after it, on the cores the other workers need: with two
    workers, each took about half the other's core, and a county replication's tables
    cost twice the processor time. The limit is lifted when the work returns, so a
    notebook that calls the runner keeps its own BLAS threads."""
    with threadpool_limits(limits=1, user_api="blas"):
        return work(scenario, rep)


class _InOrder:
    """Results arriving in any order, passed on in task order (kept, or consumed)."""

    def __init__(self, consume: Callable[[int, Any], None] | None):
        self.consume = consume
        self.results: list[Any] = []
        self.waiting: dict[int, Any] = {}
        self.next = 0

    def put(self, index: int, result: Any) -> None:
        self.waiting[index] = result
        while self.next in self.waiting:
            ready = self.waiting.pop(self.next)
            if self.consume is None:
                self.results.append(ready)
            else:
                self.consume(self.next, ready)
            self.next += 1


def _worker_signals() -> None:
    """In a worker: Ctrl-C is the main process's to handle (it stops the workers), so a
    terminal's interrupt does not print a traceback from every worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers without waiting for their
    replications (``shutdown`` alone would wait for the running ones to finish)."""
    processes = list(getattr(pool, "_processes", {}).values())  # no public handle in 3.11
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)


def _run_dask(
    work: Callable[[Scenario, int], Any],
    tasks: Sequence[tuple[Scenario, int]],
    backend: Backend,
    tick: Progress,
    put: Callable[[int, Any], None],
) -> None:
    """The tasks on a Dask cluster, each result handed to ``put`` as it completes (and
    released on the cluster), so the client holds only what is out of order."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as error:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "the dask backend needs dask.distributed: pip install '.[dask]' in the repository"
        ) from error
    with Client(backend.scheduler, timeout="10s") as client:
        scenarios, reps = [t[0] for t in tasks], [t[1] for t in tasks]
        futures = client.map(work, scenarios, reps, pure=False)
        index = {future.key: number for number, future in enumerate(futures)}
        completed = dask_completed(futures)
        del futures  # only the iterator holds them: each is released once consumed
        for future in completed:
            put(index[future.key], future.result())
            future.release()
            tick(1)


@dataclass(frozen=True)
class Reduced:
    """One replication reduced to what the outputs need: its figures, its days and, when
    asked, its case rows. Built in the worker, so only these cross to the main process."""

    per_rep: pd.DataFrame
    daily: Any  # a DataFrame, or for files written during the run an Arrow table (Layout)
    cases: Any  # the same, or None when no case rows are kept


def reduce_replication(
    scenario: Scenario,
    rep: int,
    keep_cases: bool = True,
    columns_only: bool = False,
) -> Reduced:
    """Simulate replication ``rep`` and reduce it; case rows only with ``keep_cases``
    (``columns_only``: none, but the columns, so a file of no case rows still has them)."""
    records = simulate(scenario, rep)
    cases = None
    if keep_cases:
        cases = metrics.cases_frame([records], scenario)
    elif columns_only:  # the table's columns from no referrals, not every row then none
        cases = metrics.cases_frame([nobody(records)], scenario)
    return Reduced(
        per_rep=metrics.per_replication([records], scenario),
        daily=metrics.daily_frame([records], scenario),
        cases=cases,
    )


def nobody(records: Records) -> Records:
    """A replication's records cut to no referrals: what a case table's columns and their
    types are built from when no case rows are kept."""
    referrals = records.referrals
    none: dict[str, Any] = {
        field.name: value[:0]
        for field in fields(records)
        if isinstance(value := getattr(records, field.name), np.ndarray)
        and len(value) == len(referrals)
    }
    cut = replace(referrals, **{f.name: getattr(referrals, f.name)[:0] for f in fields(referrals)})
    return replace(records, referrals=cut, handed_back=HandedBack.none(), **none)


def figures_of(scenario: Scenario, rep: int) -> pd.DataFrame:
    """Simulate replication ``rep`` and reduce it to its figures alone (``per_replication``):
    no case rows, no days. The figures-only path: nothing else crosses to the main process."""
    return metrics.per_replication([simulate(scenario, rep)], scenario)


def figures_result(scenario: Scenario, frames: Sequence[pd.DataFrame]) -> ScenarioResult:
    """Replications' figures (in replication order) -> the scenario's result tables, with
    no case rows and no days."""
    per_rep = pd.concat(frames, ignore_index=True)
    return ScenarioResult(
        scenario=scenario,
        cases=pd.DataFrame(),
        daily=pd.DataFrame(),
        per_rep=per_rep,
        summary=metrics.summarise(per_rep, scenario.name),
    )


def assemble(scenario: Scenario, reduced: Sequence[Reduced]) -> ScenarioResult:
    """Replications' reductions (in replication order) -> the scenario's result tables."""
    per_rep = pd.concat([r.per_rep for r in reduced], ignore_index=True)
    kept = [r.cases for r in reduced if r.cases is not None]
    return ScenarioResult(
        scenario=scenario,
        cases=pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(),
        daily=pd.concat([r.daily for r in reduced], ignore_index=True),
        per_rep=per_rep,
        summary=metrics.summarise(per_rep, scenario.name),
    )


def run_scenario(
    scenario: Scenario,
    backend: Backend | None = None,
    progress: Progress | None = None,
    reps: Sequence[int] | None = None,
    cases: int | None = None,
    figures_only: bool = False,
) -> ScenarioResult:
    """Replications of one scenario (``reps``, default all), as result tables.

    Each worker reduces its replication; case rows are kept for the first ``cases``
    replications (None: all; 0: none), so memory does not grow with case rows nobody
    asked for. ``figures_only``: the figures alone, no case rows and no days.
    """
    if figures_only:
        return figures_result(scenario, _map(figures_of, scenario, backend, progress, reps))
    keep = scenario.replications if cases is None else cases
    work = partial(_reduce_keeping, keep_below=keep)
    return assemble(scenario, _map(work, scenario, backend, progress, reps))


def run_together(
    scenarios: Sequence[Scenario],
    backend: Backend | None = None,
    progress: Progress | None = None,
    cases: int | None = None,
    tables: Path | None = None,
    figures_only: bool = False,
) -> list[ScenarioResult]:
    """Every replication of every scenario on one pool, as each scenario's result tables
    (case rows for the first ``cases`` replications of each; None: all).

    With ``tables`` (a folder), case rows and days are handed to a
    :class:`~simulator.files.TableWriter` there as the replications finish, in order,
    and not kept: the results then hold only the figures, so memory does not grow with
    replications. ``figures_only``: no replication builds case rows or days at all.
    """
    tasks = [(s, rep) for s in scenarios for rep in range(s.replications)]
    if figures_only:
        frames = _map_tasks(figures_of, tasks, backend, progress)
        return _per_scenario(scenarios, frames, figures_result)
    keep = sys.maxsize if cases is None else cases
    work = partial(_reduce_keeping, keep_below=keep)
    if tables is None:
        return _per_scenario(scenarios, _map_tasks(work, tasks, backend, progress), assemble)
    per_rep: list[list[pd.DataFrame]] = [[] for _ in scenarios]
    owner = [number for number, s in enumerate(scenarios) for _ in range(s.replications)]
    layout = Layout.of(scenarios)
    shaped = partial(_reduce_for_files, keep_below=keep, layout=layout)
    with TableWriter(tables) as writer:

        def consume(index: int, reduced: Reduced) -> None:
            per_rep[owner[index]].append(reduced.per_rep)
            writer.add(reduced.cases, reduced.daily)

        _map_tasks(shaped, tasks, backend, progress, consume)
    return [
        assemble(scenario, [Reduced(frame, pd.DataFrame(), None) for frame in frames])
        for scenario, frames in zip(scenarios, per_rep, strict=True)
    ]


def _per_scenario(
    scenarios: Sequence[Scenario],
    done: Sequence[Any],
    build: Callable[[Scenario, Sequence[Any]], ScenarioResult],
) -> list[ScenarioResult]:
    """Every scenario's result, built from its run of ``done`` (the tasks' results, each
    scenario's replications in turn)."""
    results, start = [], 0
    for scenario in scenarios:
        results.append(build(scenario, done[start : start + scenario.replications]))
        start += scenario.replications
    return results


def _reduce_for_files(scenario: Scenario, rep: int, keep_below: int, layout: Layout) -> Reduced:
    """A replication reduced, its case rows and days already Arrow tables for the files."""
    reduced = _reduce_keeping(scenario, rep, keep_below)
    cases = None if reduced.cases is None else layout.arrow(reduced.cases, scenario.name)
    return Reduced(reduced.per_rep, layout.arrow(reduced.daily, scenario.name), cases)


def _reduce_keeping(scenario: Scenario, rep: int, keep_below: int) -> Reduced:
    return reduce_replication(scenario, rep, keep_cases=rep < keep_below, columns_only=rep == 0)


def joined(parts: Sequence[ScenarioResult]) -> ScenarioResult:
    """One scenario's result tables from batches of replications (in the order given)."""
    first = parts[0]
    if len(parts) == 1:
        return first
    per_rep = pd.concat([p.per_rep for p in parts], ignore_index=True)
    return ScenarioResult(
        scenario=first.scenario,
        cases=pd.concat([p.cases for p in parts], ignore_index=True),
        daily=pd.concat([p.daily for p in parts], ignore_index=True),
        per_rep=per_rep,
        summary=metrics.summarise(per_rep, first.scenario.name),
    )


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Progress]:
    """A progress bar on a terminal (done, rate, time left); nothing on a pipe or in CI."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield lambda done: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as RichProgress
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task) -> Text:  # type: ignore[no-untyped-def]
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:.1f} reps/s")

    with RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeRemainingColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.advance(task, done)
