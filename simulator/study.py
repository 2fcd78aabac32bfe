"""Studies: run, compare and sweep scenarios, and the :class:`Results` they give.

This is the library the command line is glue over, and what an analyst calls
from a notebook::

    import simulator

    block = simulator.run("scenarios/county-block.yaml", reps=10)
    block.summary                      # a DataFrame, one row per metric and group
    both = simulator.compare(["scenarios/county-block.yaml", "scenarios/county-hub.yaml"])
    both.differences                   # paired differences from the first (the baseline)
    shares = simulator.sweep(
        "scenarios/county-block-spot.yaml", {"commissioning.block_share": [0.6, 0.8, 1.0]}
    )
    shares.figures()["cost-vs-wait"]   # a plotly Figure
    shares.write("outputs/block-share")  # the same folder ``advocacy-sim sweep`` writes

Every scenario of a comparison or a sweep runs with one seed and one number of
replications (the first scenario's unless given), so replication k of each sees
the same referrals (common random numbers). The same scenario and seed give the
same numbers here and on the command line, whatever the workers or backend.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator import selection, stats, uncertainty
from simulator.plan import partner_scenarios, planned_referrals_per_year
from simulator.results import Results
from simulator.runner import (
    Backend,
    Progress,
    ScenarioResult,
    joined,
    run_scenario,
    run_together,
)
from simulator.scenario import Scenario, ScenarioError, load_scenario, set_dotted, validate

ScenarioLike = str | os.PathLike[str] | Scenario
"""A scenario file's path, or a :class:`~simulator.scenario.Scenario` already loaded."""

CaseRows = int | str | None
"""Case rows to keep: ``"all"``, ``"none"`` or the first N replications' (an int)."""

ProgressBar = Callable[[int, str], AbstractContextManager[Progress]]
"""``progress(total, label)``: a context manager giving ``tick(done)``, e.g.
:func:`simulator.runner.progress_bar`."""


# --------------------------------------------------------------------------- scenarios


def load(item: ScenarioLike, reps: int | None = None, seed: int | None = None) -> Scenario:
    """One scenario, from a file or as given, with ``reps`` and ``seed`` applied.

    Raises
    ------
    ScenarioError
        Every problem in the file (or the overrides), one line each.
    """
    overrides = {k: v for k, v in {"replications": reps, "seed": seed}.items() if v is not None}
    if isinstance(item, Scenario):
        return _override(item, overrides)
    return load_scenario(item, overrides, "override")


def _override(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A scenario with dotted-path changes, validated like a file (the original is kept)."""
    if all(_get(scenario, key) == value for key, value in overrides.items()):
        return scenario
    data = scenario.to_plain()
    for dotted, value in overrides.items():
        data = set_dotted(data, dotted, value)
    return validate(data, scenario.name)


def _get(scenario: Scenario, dotted: str) -> Any:
    """The value at a dotted path (``commissioning.providers.0.advocates``), None where
    the scenario has none."""
    node: Any = scenario
    for part in dotted.split("."):
        if isinstance(node, list | tuple):
            node = node[int(part)] if part.isdigit() and int(part) < len(node) else None
        else:
            node = getattr(node, part, None)
    return node


def common_scenarios(
    items: Sequence[ScenarioLike], reps: int | None = None, seed: int | None = None
) -> list[Scenario]:
    """Scenarios to compare: one seed and one number of replications for all.

    ``reps`` and ``seed`` default to the first scenario's. Every problem in every
    file is reported at once; names must differ.

    Raises
    ------
    ScenarioError
        A bad file, or two scenarios with the same name.
    """
    if not items:
        raise ValueError("no scenarios given")
    first = load(items[0])
    reps = first.replications if reps is None else reps
    seed = first.seed if seed is None else seed
    scenarios, problems = [], []
    for item in items:
        try:
            scenarios.append(load(item, reps, seed))
        except ScenarioError as error:
            problems.extend(error.problems)
    if problems:
        raise ScenarioError(problems)
    names = [s.name for s in scenarios]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ScenarioError([f"scenario names must differ to be compared: {', '.join(repeated)}"])
    return scenarios


def baseline_first(scenarios: Sequence[Scenario], baseline: str | None = None) -> list[Scenario]:
    """The scenarios with the baseline (by name; default the first) moved to the front.

    Raises
    ------
    ValueError
        ``baseline`` is not one of the scenarios' names.
    """
    names = [s.name for s in scenarios]
    baseline = baseline or names[0]
    if baseline not in names:
        raise ValueError(f"baseline {baseline!r}: not one of the scenarios ({', '.join(names)})")
    return sorted(scenarios, key=lambda s: s.name != baseline)


def case_rows(cases: CaseRows) -> int | None:
    """``cases`` as replications to keep case rows for: None for all, else a count.

    Raises
    ------
    ValueError
        Anything but "all", "none" or a whole number of at least 0.
    """
    if cases is None or cases == "all":
        return None
    if cases == "none":
        return 0
    if isinstance(cases, str) and cases.isdigit():
        cases = int(cases)
    if isinstance(cases, bool) or not isinstance(cases, int) or cases < 0:
        raise ValueError(f"cases {cases!r}: expected all, none or a number of replications")
    return cases


def own_point(base: Scenario, grid: Mapping[str, Sequence[Any]]) -> str | None:
    """The name of the sweep point that is the file's own value of every swept field (the
    baseline its differences are taken from), or None when no point is."""
    own = file_values(base, grid)
    for chosen in grid_points(grid):
        if chosen == own:
            return point_name(base.name, chosen, own)
    return None


def file_values(base: Scenario, grid: Mapping[str, Any]) -> dict[str, Any]:
    """The file's own value of each swept field (None where the file has none)."""
    return {key: _get(base, key) for key in grid}


def point_name(base: str, chosen: Mapping[str, Any], own: Mapping[str, Any] | None = None) -> str:
    """A sweep point's scenario name, saying what it is: the file's name for the point that
    is the file's own values, else the file's name and what the point changes, e.g.
    ``"County block 80 + spot, block_share 0.6 instead of 0.8"``.

    A file's name often states its own values ("block 80"): a point that changed them
    says so, so its name never reads as the file's. ``own`` is the file's value of each
    field (:func:`file_values`); without it every value is named.
    """
    own = own or {}
    short = _short_keys(list(chosen))
    changes = []
    for key, value in chosen.items():
        was = own.get(key)
        if key in own and was == value:
            continue
        instead = f" instead of {_shown(was)}" if was is not None else ""
        changes.append(f"{short[key]} {_shown(value)}{instead}")
    return ", ".join([base, *changes])


def _short_keys(keys: list[str]) -> dict[str, str]:
    """Each dotted key by its last part, or whole where two keys end alike."""
    ends = [key.split(".")[-1] for key in keys]
    return {k: e if ends.count(e) == 1 else k for k, e in zip(keys, ends, strict=True)}


def _shown(value: Any) -> str:
    return "none" if value is None else str(value)


def point_note(chosen: Mapping[str, Any], own: Mapping[str, Any]) -> str:
    """What a point changes from its file, for its description and assumptions (empty for
    the file's own values): the file's text was written for the file's values."""
    changed = [key for key in chosen if own.get(key) != chosen[key]]
    if not changed:
        return ""
    sets = ", ".join(f"{key} to {_shown(chosen[key])}" for key in changed)
    was = ", ".join(f"{key} {_shown(own.get(key))}" for key in changed)
    return f"This point sets {sets}; the file's text is written for its own values ({was})."


def _plain_value(value: Any) -> Any:
    """A grid value as a file would hold it: numpy numbers as Python ones, and floats
    rounded to 12 significant digits (``np.arange(0.6, 1.0, 0.1)`` gives 0.8, not
    0.7999999999999999)."""
    value = value.item() if isinstance(value, np.generic) else value
    return float(f"{value:.12g}") if isinstance(value, float) else value


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, the first key varying slowest.

    Raises
    ------
    ValueError
        An empty grid, a key that is not a dotted field path, or values that are
        not a non-empty list (any iterable: a list, a range, a numpy array).
    """
    if not grid:
        raise ValueError("a sweep needs at least one field and its values")
    columns = {}
    for key, values in grid.items():
        if not isinstance(key, str) or not key.strip() or key != key.strip():
            raise ValueError(f"sweep key {key!r}: expected a dotted field path")
        if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
            raise ValueError(
                f"sweep key {key!r}: expected a non-empty list of values, got {values!r}"
            )
        # numpy values (e.g. from np.linspace) as plain Python numbers, as in a file
        columns[key] = [_plain_value(v) for v in values]
        if not columns[key]:
            raise ValueError(f"sweep key {key!r}: expected a non-empty list of values, got []")
        repeated = [v for i, v in enumerate(columns[key]) if v in columns[key][:i]]
        if repeated:
            raise ValueError(f"sweep key {key!r}: {repeated[0]!r} is given more than once")
    keys = list(columns)
    return [dict(zip(keys, point, strict=True)) for point in itertools.product(*columns.values())]


def sweep_scenarios(
    item: ScenarioLike,
    grid: Mapping[str, Sequence[Any]],
    reps: int | None = None,
    seed: int | None = None,
    option: str = "grid",
) -> list[Scenario]:
    """One scenario per point of the grid, named by :func:`point_name`.

    Raises
    ------
    ScenarioError
        A bad file, or a value or field the scenario does not accept (an unknown
        field comes with a "did you mean").
    ValueError
        A malformed grid (see :func:`grid_points`).
    """
    return _sweep(item, grid, reps, seed, option)[1]


def planned_demand(base: Scenario, grid: Mapping[str, Sequence[Any]]) -> dict[str, float]:
    """When a grid varies demand, the file's planned referrals a year, kept for every point:
    the contract stays the size it was bought at, so "what if demand is 20% above what we
    bought for?" gets the honest answer (a block resized to each demand would hide it).
    The same for each partner authority of a joint contract whose demand the grid varies."""
    pinned = {}
    key = "commissioning.planned_referrals_per_year"
    varies_demand = any(k == "demand" or k.startswith("demand.") for k in grid)
    if varies_demand and key not in grid and not base.commissioning.planned_referrals_per_year:
        pinned[key] = planned_referrals_per_year(base)
    partners = [] if base.partners is None else base.partners.authorities
    drawn_as = partner_scenarios(base)
    for index, (authority, drawn) in enumerate(zip(partners, drawn_as, strict=True)):
        mine = f"partners.authorities.{index}"
        key = f"{mine}.planned_referrals_per_year"
        varies = any(k in (mine, f"{mine}.demand") or k.startswith(f"{mine}.demand.") for k in grid)
        if varies and key not in grid and authority.planned_referrals_per_year is None:
            pinned[key] = planned_referrals_per_year(drawn)
    return pinned


def _sweep(
    item: ScenarioLike,
    grid: Mapping[str, Sequence[Any]],
    reps: int | None,
    seed: int | None,
    option: str = "grid",
) -> tuple[Scenario, list[Scenario]]:
    base = load(item, reps, seed)
    common = {"replications": base.replications, "seed": base.seed, **planned_demand(base, grid)}
    points = grid_points(grid)
    own = file_values(base, grid)
    scenarios, problems = [], []
    for chosen in points:
        overrides = {**common, **chosen, "name": point_name(base.name, chosen, own)}
        note = point_note(chosen, own)
        if note:  # the file's description and assumptions, marked as the file's
            overrides["description"] = f"{note} The file's description: {base.description}"
            overrides["assumptions"] = [note, *base.assumptions]
        try:
            if isinstance(item, Scenario):
                scenarios.append(_override(item, overrides))
            else:
                scenarios.append(load_scenario(item, overrides, option))
        except ScenarioError as error:
            for problem in error.problems:  # say which point, unless the option says it
                named = problem if option in problem else f"{overrides['name']}: {problem}"
                if named not in problems:
                    problems.append(named)
    if problems:
        raise ScenarioError(problems)
    return base, scenarios


# --------------------------------------------------------------------------- studies


def _ticks(progress: ProgressBar | None, total: int, label: str):
    return nullcontext(lambda done: None) if progress is None else progress(total, label)


def run_scenarios(
    scenarios: Sequence[Scenario],
    kind: str = "compare",
    *,
    workers: int | None = None,
    backend: Backend | None = None,
    progress: ProgressBar | None = None,
    label: str | None = None,
    sweep_keys: Sequence[str] = (),
    command: Sequence[str] | None = None,
    baseline: str | None = None,
    cases: CaseRows = "all",
    figures_only: bool = False,
) -> Results:
    """Run scenarios as given, in order (the first is the baseline), into :class:`Results`.

    The step :func:`run`, :func:`compare` and :func:`sweep` end with, once their
    scenarios are loaded; the command line calls it after checking its output
    folder. ``kind`` is ``run``, ``compare`` or ``sweep``; ``label`` names the
    progress bar; ``command`` is what ``manifest.json`` records (default: this
    process's command line); ``baseline`` names the scenario differences are taken
    from when it is not the first; ``figures_only``: see :func:`run`.
    """
    if kind not in ("run", "compare", "sweep"):
        raise ValueError(f"kind {kind!r}: expected run, compare or sweep")
    keep = _figures_only_cases(cases, figures_only)
    if backend is None:
        backend = Backend(workers=workers)
    elif workers is not None:
        raise ValueError("give workers or backend, not both (a Backend has its own workers)")
    started = time.perf_counter()
    # run and compare also rerun a scenario with doubt about demand at its means, to show
    # how much of the spread is that doubt (sweeps and recommend only compare means)
    doubtful = [s for s in scenarios if uncertainty.doubtful(s)] if kind != "sweep" else []
    total = sum(s.replications for s in [*scenarios, *doubtful])
    # case rows and days go to files as they come (none with figures_only)
    tables = None if figures_only else Path(tempfile.mkdtemp(prefix="advocacy-sim-"))
    try:
        with _ticks(progress, total, label or kind) as tick:
            results = run_together(scenarios, backend, tick, keep, tables, figures_only)
            spread = _demand_doubt(results, doubtful, backend, tick)
    except BaseException:
        if tables is not None:
            shutil.rmtree(tables, ignore_errors=True)
        raise
    return Results(
        kind=kind,
        results=tuple(results),
        backend=backend,
        wall_time_seconds=time.perf_counter() - started,
        sweep_keys=tuple(sweep_keys),
        command=None if command is None else tuple(command),
        baseline_name=baseline,
        tables=tables,
        demand_doubt=spread,
        figures_only=figures_only,
    )


def _figures_only_cases(cases: CaseRows, figures_only: bool) -> int | None:
    """``cases`` as replications to keep case rows for (:func:`case_rows`); a figures-only
    run keeps none, so asking it for some is a mistake, not a silent nothing.

    Raises
    ------
    ValueError
        ``figures_only`` with case rows asked for, or a bad ``cases``.
    """
    keep = case_rows(cases)
    if figures_only and keep != 0 and cases != "all":
        raise ValueError(f"cases {cases!r}: a figures-only run keeps no case rows")
    return 0 if figures_only else keep


def _demand_doubt(
    results: Sequence[ScenarioResult], doubtful: list[Scenario], backend: Backend, tick: Any
) -> pd.DataFrame | None:
    """Each scenario with doubt about demand, run again with it fixed at its means (same
    seeds, figures only: nothing else of these runs is kept): the spread of cost and
    breaches with and without the doubt."""
    if not doubtful:
        return None
    fixed_scenarios = [uncertainty.fixed(s) for s in doubtful]
    fixed = run_together(fixed_scenarios, backend, tick, 0, None, figures_only=True)
    by_name = {r.scenario.name: r for r in results}
    frames = [
        stats.spread_table(
            by_name[s.name].per_rep, known.per_rep, uncertainty.SPREAD_METRICS
        ).assign(scenario=s.name)
        for s, known in zip(doubtful, fixed, strict=True)
    ]
    table = pd.concat(frames, ignore_index=True)
    return table[["scenario", *[c for c in table.columns if c != "scenario"]]]


def _call(name: str, *args: Any, **kwargs: Any) -> tuple[str, ...]:
    """The API call as ``manifest.json`` records it."""
    shown = [a.name if isinstance(a, Scenario) else str(a) for a in args]
    shown += [f"{k}={v}" for k, v in kwargs.items() if v is not None]
    return (f"simulator.{name}", *shown)


def run(
    scenario: ScenarioLike,
    reps: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    *,
    backend: Backend | None = None,
    progress: ProgressBar | None = None,
    cases: CaseRows = "all",
    figures_only: bool = False,
) -> Results:
    """Run one scenario's replications.

    Parameters
    ----------
    scenario
        A scenario file's path, or a loaded :class:`~simulator.scenario.Scenario`.
    reps, seed
        Replications and root seed (default: the scenario's).
    workers
        Local worker processes (default: every core). Results do not depend on it.
    backend
        Where replications run, instead of ``workers``: a
        :class:`~simulator.runner.Backend` (``Backend("dask", scheduler=ADDRESS)``).
    progress
        ``progress(total, label)`` giving ``tick(done)``, e.g.
        :func:`simulator.runner.progress_bar`.
    cases
        Case rows kept (``.cases``, ``cases.parquet``): ``"all"``, ``"none"`` or the
        first N replications' (default: all for run and compare, none for sweep and
        recommend, whose many runs would otherwise fill memory with rows).
    figures_only
        The figures alone, for a quick answer: ``.summary``, ``.replications`` (and
        ``.differences``), the same numbers as a full run, but no replication builds
        case rows or days, so there are no ``.cases``, ``.daily``, charts or report;
        :meth:`Results.write` writes ``summary.csv``, ``replications.csv``, the
        resolved scenario and ``manifest.json``.

    Raises
    ------
    ScenarioError
        The scenario is not valid (every problem, one line each).
    ValueError
        ``figures_only`` with case rows asked for (``cases`` a number).
    """
    loaded = load(scenario, reps, seed)
    return run_scenarios(
        [loaded], "run", workers=workers, backend=backend, progress=progress,
        label=loaded.name, command=_call("run", scenario, reps=reps, seed=seed), cases=cases,
        figures_only=figures_only,
    )  # fmt: skip


def compare(
    scenarios: Sequence[ScenarioLike],
    reps: int | None = None,
    seed: int | None = None,
    baseline: str | None = None,
    workers: int | None = None,
    *,
    backend: Backend | None = None,
    progress: ProgressBar | None = None,
    cases: CaseRows = "all",
    figures_only: bool = False,
) -> Results:
    """Run several scenarios on common random numbers; ``.differences`` from the baseline.

    Parameters
    ----------
    scenarios
        Two or more scenario files or loaded scenarios, with different names.
    reps, seed
        One number of replications and one root seed for all (default: the first's).
    baseline
        The name of the scenario the others are compared with (default: the first).
    workers, backend, progress, cases, figures_only
        As for :func:`run`.

    Raises
    ------
    ScenarioError
        A bad file, or two scenarios with the same name.
    ValueError
        Fewer than two scenarios, or a baseline that is not one of them.
    """
    if isinstance(scenarios, str | os.PathLike | Scenario) or len(scenarios) < 2:
        raise ValueError("compare needs at least two scenarios (use run for one)")
    loaded = baseline_first(common_scenarios(scenarios, reps, seed), baseline)
    return run_scenarios(
        loaded, "compare", workers=workers, backend=backend, progress=progress,
        command=_call("compare", *scenarios, reps=reps, seed=seed, baseline=baseline),
        cases=cases, figures_only=figures_only,
    )  # fmt: skip


def sweep(
    scenario: ScenarioLike,
    grid: Mapping[str, Sequence[Any]],
    reps: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    *,
    backend: Backend | None = None,
    progress: ProgressBar | None = None,
    cases: CaseRows = "none",
    figures_only: bool = False,
) -> Results:
    """Run one scenario over a range of one field, or a grid of several.

    Parameters
    ----------
    scenario
        A scenario file's path, or a loaded scenario.
    grid
        Dotted field paths and their values, e.g.
        ``{"commissioning.block_share": [0.6, 0.8, 1.0]}``; several keys make a
        grid of every combination. Each point is named by :func:`point_name`,
        e.g. ``"County, block_share 0.6 instead of 0.8"``. The baseline of the differences is
        the point that is the file's own value, when one is, else the first.
    reps, seed, workers, backend, progress, cases, figures_only
        As for :func:`run` (cases: none unless asked).

    Raises
    ------
    ScenarioError
        A bad file, or a field or value the scenario does not accept (an unknown
        field comes with a "did you mean").
    ValueError
        A malformed grid.
    """
    base, points = _sweep(scenario, grid, reps, seed)
    return run_scenarios(
        points, "sweep", workers=workers, backend=backend, progress=progress,
        label=f"sweep-{base.name}", sweep_keys=tuple(grid),
        command=_call("sweep", scenario, dict(grid), reps=reps, seed=seed),
        baseline=own_point(base, grid), cases=cases, figures_only=figures_only,
    )  # fmt: skip


def recommend(
    scenario: ScenarioLike,
    vary: Mapping[str, Sequence[Any]],
    require: Sequence[str | selection.Requirement],
    minimise: str = "cost_to_serve_per_year",
    confidence: float = 0.95,
    max_reps: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    *,
    backend: Backend | None = None,
    cases: CaseRows = "none",
    figures_only: bool = False,
) -> Results:
    """The option that minimises ``minimise`` among those meeting every requirement.

    Parameters
    ----------
    scenario
        A scenario file's path, or a loaded scenario.
    vary
        Dotted field paths and their values, as for :func:`sweep`: the options are
        every combination.
    require
        Requirements, as text (``"within_target_share[urgency=urgent] >= 0.95"``)
        or :class:`~simulator.selection.Requirement`.
    minimise
        The summary metric to minimise; by default ``cost_to_serve_per_year`` (the cash
        cost, ``cost_total_per_year``, falls as an option leaves people unserved).
    confidence
        The confidence the choice meets every requirement and beats the rest.
    max_reps
        Most replications any option gets (default: the scenario's).
    seed, workers, backend, cases
        As for :func:`run` (cases: none unless asked).
    figures_only
        As for :func:`run`: every option's runs build their figures alone (the choice
        needs nothing else), and the folder holds the figures, ``recommendation.json``
        and ``candidates.csv``, with no report.

    Returns
    -------
    Results
        ``kind == "recommend"``: every option's tables (each with the replications
        it ran), ``.recommendation`` (``recommendation.json``) and ``.candidates``
        (``candidates.csv``). See :mod:`simulator.selection` for the procedure.

    Raises
    ------
    ScenarioError
        A bad file, or a field or value the scenario does not accept.
    ValueError
        A malformed grid, requirement or objective.
    """
    if isinstance(require, str | selection.Requirement):
        require = [require]  # one requirement given alone
    requirements = [
        r if isinstance(r, selection.Requirement) else selection.parse_requirement(r)
        for r in require
    ]
    objective = selection.check_objective(minimise)
    if not 0.5 <= confidence < 1:
        raise ValueError(f"confidence {confidence}: expected at least 0.5 and below 1")
    base, scenarios = _sweep(scenario, vary, max_reps, seed, "vary")
    reps = base.replications
    if reps < 2:
        raise ValueError("max_reps must be at least 2 (intervals need two replications)")
    if backend is None:
        backend = Backend(workers=workers)
    started = time.perf_counter()
    keep = _figures_only_cases(cases, figures_only)
    options, repeats = selection.distinct(selection.option_list(scenarios, grid_points(vary)))
    outcome = selection.select(
        options, requirements, objective,
        lambda option, batch: run_scenario(option.scenario, backend, None, batch, keep,
                                           figures_only),
        confidence, reps,
    )  # fmt: skip
    results = [_as_run(option) for option in options]
    advice = selection.recommendation(outcome)
    settle = settle_command(scenario, vary, requirements, objective, confidence, 2 * reps, seed)
    advice["answer"] = selection.answer(outcome, settle)
    if repeats:
        advice["same_as"] = repeats  # option name -> the option it repeats
    return Results(
        kind="recommend",
        results=tuple(results),
        backend=backend,
        wall_time_seconds=time.perf_counter() - started,
        sweep_keys=tuple(vary),
        command=_call("recommend", scenario, dict(vary), list(require), minimise,
                      confidence=confidence, max_reps=max_reps, seed=seed),
        recommendation=advice,
        candidates=selection.candidates_frame(outcome),
        baseline_name=advice["choice"] or advice["closest"],  # differences from the answer
        figures_only=figures_only,
    )  # fmt: skip


def settle_command(
    scenario: ScenarioLike,
    vary: Mapping[str, Sequence[Any]],
    requirements: Sequence[selection.Requirement],
    objective: str,
    confidence: float,
    max_reps: int,
    seed: int | None,
) -> str | None:
    """The ``advocacy-sim recommend`` command that asks the same question with
    ``max_reps`` replications, or None when it cannot be written out (a scenario given
    as a value, or values that are not plain numbers or words)."""
    import shlex

    if isinstance(scenario, Scenario):
        return None
    values = {key: [_plain_value(v) for v in vals] for key, vals in vary.items()}
    if any(not isinstance(v, str | int | float) for vals in values.values() for v in vals):
        return None
    words = ["advocacy-sim", "recommend", str(scenario)]
    for key, vals in values.items():
        words += ["--vary", f"{key}={','.join(str(v) for v in vals)}"]
    for requirement in requirements:
        words += ["--require", requirement.text]
    words += ["--minimise", objective, "--confidence", f"{confidence:g}"]
    words += ["--max-reps", str(max_reps)] + (["--seed", str(seed)] if seed is not None else [])
    return shlex.join(words)


def _as_run(option: selection.Option) -> ScenarioResult:
    """An option's tables over the replications it ran, its scenario saying how many."""
    ran = joined(option.parts)
    return replace(ran, scenario=_override(option.scenario, {"replications": option.reps}))
