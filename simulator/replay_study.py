"""``simulator.replay``: a case list's referrals through one or more contracts.

Does the model reproduce the service? The list's own referrals run through the
scenario's contract, and where the list records when each was allocated, the
simulated waits are set beside the recorded ones by month and type (``replay.csv``).
Last year, bought differently: each other scenario runs the same referrals on the same
seeds, so the committee sees, for the people actually referred, how many would have
waited past target or had no advocate by their deadline, and at what cost. With
``fit``, the value of one field that best reproduces the recorded waits
(``replay_fit.json``, and ``fitted.yaml`` to extend)::

    import simulator

    seen = simulator.replay("examples/case-list.csv", "examples/last-year-contract.yaml",
                            ["scenarios/county-hub.yaml"], reps=20)
    seen.replay            # recorded against simulated, by scenario, month and type
    seen.bought            # the same referrals under each option
    seen.write("outputs/replay")

What is replayed and what is drawn is in :mod:`simulator.replay_list`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from simulator import files, stats, study
from simulator.caselist import read_case_list
from simulator.replay_fit import COARSE, Fit, check_fit, fitted_data
from simulator.replay_fit import fit as fit_field
from simulator.replay_list import Recorded, ReplayError, check, recorded, replay_scenario
from simulator.replay_run import Outcomes, run_on_list
from simulator.replay_waits import replay_table, within_target
from simulator.results import Results
from simulator.runner import Backend
from simulator.scenario import Scenario, set_dotted


@dataclass(frozen=True, eq=False)
class Replayed(Results):
    """:class:`~simulator.results.Results` of a replay: the usual tables (one scenario per
    file given, the first the baseline of the differences) and the replay's own."""

    replay: pd.DataFrame | None = None
    """Recorded against simulated waits by scenario, month and type (``replay.csv``)."""
    bought: pd.DataFrame | None = None
    """The list's referrals under each scenario: past target, breaches, cost."""
    fit: Fit | None = None
    """With ``fit``: the fitted value and its interval (``replay_fit.json``)."""
    listed: dict[str, Any] | None = None
    """The case list replayed: file, days, referrals, what was drawn (the manifest's)."""
    fitted_from: str | None = None
    """The scenario file the fit changes (``fitted.yaml`` extends it), if it is a file."""

    @property
    def manifest(self) -> dict[str, Any]:
        fitted = None if self.fit is None else {"field": self.fit.field, "value": self.fit.value}
        return {**super().manifest, "replay": {**(self.listed or {}), "fit": fitted}}

    def figures(self) -> dict[str, go.Figure]:
        from simulator.replay_chart import recorded_against_simulated

        found = super().figures()
        if self.replay is not None:
            found["replay"] = recorded_against_simulated(self.replay)
        return found

    def write(self, folder: str | os.PathLike[str], png: bool = False) -> Path:
        """The result folder of :meth:`Results.write`, with ``replay.csv`` and, after a
        fit, ``replay_fit.json`` and ``fitted.yaml`` (the scenario with the fitted value,
        extending the scenario file)."""
        from simulator.report import write_images, write_report

        out = Path(folder)

        def extras(staging: Path) -> None:
            if self.replay is not None:
                files.write_csv(self.replay, staging / "replay.csv")
            if self.fit is not None:
                text = json.dumps(self.fit.to_json(), indent=2, allow_nan=False) + "\n"
                (staging / "replay_fit.json").write_text(text, encoding="utf-8")
                (staging / "fitted.yaml").write_text(self.fitted_yaml(out), encoding="utf-8")
            write_report(staging)
            if png:
                write_images(staging)

        return files.write_results(
            out, self.results, self.manifest, self.tables, differences=self.differences,
            report=extras,
        )  # fmt: skip

    def report(self, path: str | os.PathLike[str]) -> Path:
        from simulator.report import build_html

        return files.write_aside(Path(path), build_html(self._saved(), self.replay))

    def fitted_yaml(self, folder: Path) -> str:
        """``fitted.yaml``: the first scenario with the fitted value, extending its file
        (the path from ``folder``), or whole when it was not read from a file."""
        from ruamel.yaml import YAML

        assert self.fit is not None
        scenario = self.results[0].scenario
        fit = self.fit
        value: float | int = round(fit.value) if fit.whole else round(fit.value, 4)
        name = f"{scenario.name}, {fit.field.split('.')[-1]} fitted to the case list"
        if self.fitted_from is not None:
            base = os.path.relpath(Path(self.fitted_from).resolve(), folder.resolve())
            data = {"extends": base, "name": name,
                    **fitted_data(scenario.to_plain(), fit.field, value)}  # fmt: skip
        else:
            data = {**set_dotted(scenario.to_plain(), fit.field, value), "name": name}
        low, high = fit.interval
        head = (
            f"# {fit.field} = {value} fitted by advocacy-sim replay to the recorded waits of\n"
            f"# {(self.listed or {}).get('file')} (95% interval {low:.4g} to {high:.4g}, "
            f"{fit.replications} replications): see replay_fit.json.\n"
            "# Run it, or extends: it from a scenario of your own.\n"
        )
        import io

        text = io.StringIO()
        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = None  # lists and mappings of plain values on one line
        yaml.width = 4096  # and never broken
        yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
        yaml.dump(data, text)
        return head + text.getvalue()


def replay(
    cases: str | os.PathLike[str],
    scenario: study.ScenarioLike,
    others: Sequence[study.ScenarioLike] = (),
    reps: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    *,
    backend: Backend | None = None,
    progress: study.ProgressBar | None = None,
    case_rows: study.CaseRows = "all",
    end: date | None = None,
    dayfirst: bool = False,
    fit: str | None = None,
    fit_range: tuple[float, float] | None = None,
    today: date | None = None,
) -> Replayed:
    """Replay a case list through ``scenario`` (and each of ``others``).

    Parameters
    ----------
    cases
        A case list (``.csv`` or ``.xlsx``), read as ``calibrate`` reads it, optionally
        with ``allocated_date``. Every row must be good (a replay needs every referral).
    scenario, others
        Scenario files or loaded scenarios: the contract as it ran, and other options.
        One seed and number of replications for all (the first's unless given).
    reps, seed, workers, backend, progress
        As for :func:`simulator.run`.
    case_rows
        Case rows kept in ``cases.parquet``: ``"all"``, ``"none"`` or the first N
        replications'.
    end, dayfirst, today
        As for ``calibrate``: the day the list was extracted (default its last referral
        date), DD/MM/YYYY dates, and today's date (for dates in the future).
    fit, fit_range
        A field of ``scenario`` (dotted path) to fit to the recorded waits, and the range
        to search (default half to one and a half times its value).

    Raises
    ------
    simulator.caselist.CaseListError, ReplayError
        The list cannot be read, has bad rows, or has labels a scenario lacks.
    ScenarioError
        A bad scenario, or a field to fit it does not have.
    ReplayError
        Also: a fit without allocation dates or with fewer than 3 replications.
    """
    started = time.perf_counter()
    listed = recorded(read_case_list(Path(cases), end=end, dayfirst=dayfirst, today=today))
    items = [scenario, *others]
    loaded = study.common_scenarios(items, reps, seed)
    problems = [line for item, s in zip(items, loaded, strict=True)
                for line in check(listed, s, _where(item))]  # fmt: skip
    if problems:
        raise ReplayError(problems)
    scenarios = [replay_scenario(s, listed) for s in loaded]
    if fit is not None:
        check_fit(scenarios[0], listed, fit)  # before anything runs
    backend = backend or Backend(workers=workers)
    total = sum(s.replications for s in scenarios)
    tables = Path(tempfile.mkdtemp(prefix="advocacy-sim-"))
    try:
        with study._ticks(progress, total, "replay") as tick:
            results, outcomes = run_on_list(
                scenarios, listed, tables, backend, tick, study.case_rows(case_rows)
            )
        fitted = None
        if fit is not None:
            runs = 2 * COARSE * scenarios[0].replications  # at most
            with study._ticks(progress, runs, f"fit {fit}") as tick:
                fitted = fit_field(scenarios[0], listed, fit, fit_range, backend, tick)
    except BaseException:
        shutil.rmtree(tables, ignore_errors=True)
        raise
    return Replayed(
        kind="compare" if len(scenarios) > 1 else "run",
        results=tuple(results),
        backend=backend,
        wall_time_seconds=time.perf_counter() - started,
        command=study._call("replay", cases, *items, reps=reps, seed=seed, fit=fit),
        tables=tables,
        replay=pd.concat(
            [_table(listed, s.name, o) for s, o in zip(scenarios, outcomes, strict=True)],
            ignore_index=True,
        ),
        bought=bought_differently(listed, scenarios, results, outcomes),
        fit=fitted,
        listed=describe(listed, scenarios[0]),
        fitted_from=str(scenario) if not isinstance(scenario, Scenario) else None,
    )


def _where(item: study.ScenarioLike) -> str:
    return item.name if isinstance(item, Scenario) else str(item)


def _table(listed: Recorded, name: str, outcome: Outcomes) -> pd.DataFrame:
    types = np.array(listed.type.names)[listed.type.codes]
    allocated = listed.allocated_day if listed.has_allocations else None
    last = listed.span_days - 1
    return replay_table(
        name, listed.month(), types, listed.day, allocated, outcome.allocated_day,
        outcome.target_day, last,
    )  # fmt: skip


def describe(listed: Recorded, scenario: Scenario) -> dict[str, Any]:
    """The list replayed, as the manifest records it: file, days, referrals, and what
    each replication draws because the list does not record it."""
    last = listed.start + timedelta(days=listed.span_days - 1)
    return {
        "file": listed.path,
        "first_day": listed.start.isoformat(),
        "last_day": last.isoformat(),
        "referrals": len(listed),
        "open_at_end": listed.open_cases,
        "allocation_dates": listed.has_allocations,
        "drawn": unrecorded(listed, scenario),
        "warnings": list(listed.warnings),
    }


def unrecorded(listed: Recorded, scenario: Scenario) -> list[str]:
    """What replications draw because the list does not record it (they differ in
    nothing else), for this scenario."""
    demand, commissioning = scenario.demand, scenario.commissioning
    kinds = list(demand.mix.values())
    drawn = []
    if (
        demand.deadline_days
        or demand.urgent_deadline_days
        or any(k.deadline_days or k.urgent_deadline_days for k in kinds)
    ):
        drawn.append("deadlines")
    if commissioning.spot is not None:
        drawn.append("spot arrangement days")
    if commissioning.hub is not None:
        drawn.append("hub triage days")
    if any(p.flex is not None for p in commissioning.providers):
        drawn.append("flex arrangement days")
    if any(k.weeks_open is not None for k in kinds):
        drawn.append("weeks a case stays open")
    if listed.open_cases:
        drawn.append(f"the total hours of the {listed.open_cases} cases open at the end")
    if demand.needs and "need" not in listed.columns:
        drawn.append("needs (no need column)")
    blank = int((listed.locality.codes < 0).sum())
    if demand.localities and blank:
        drawn.append(f"the locality of {blank} referrals with none recorded")
    unmiled = int(np.isnan(listed.miles).sum())
    if demand.localities and unmiled:
        drawn.append(f"the miles of {unmiled} referrals with none recorded")
    if demand.initial_open_cases or demand.initial_waiting_list:
        drawn.append("the cases open or waiting on day 0 (the scenario's)")
    pools = [*commissioning.providers, commissioning.spot]
    if any(getattr(p, "workforce", None) is not None for p in pools if p is not None):
        drawn.append("advocates' absences and vacancies")
    if any(p.exit_risk_per_year for p in commissioning.providers):
        drawn.append("provider exits")
    return drawn


def bought_differently(
    listed: Recorded,
    scenarios: Sequence[Scenario],
    results: Sequence[Any],
    outcomes: Sequence[Outcomes],
) -> pd.DataFrame:
    """The list's referrals under each scenario, and as recorded when the list has
    allocation dates: how many waited past their target date (of those whose target
    falls by the list's end), how many had no advocate by their deadline, the cash cost
    over the list's days and the cost to serve everyone a year; means over
    replications with 95% intervals."""
    last = listed.span_days - 1
    rows = []
    if listed.has_allocations:
        met, known = within_target(listed.allocated_day, outcomes[0].target_day, last)
        rows.append({"scenario": "recorded", "referrals": len(listed),
                     "past_target": float((known & ~met).sum())})  # fmt: skip
    for scenario, result, outcome in zip(scenarios, results, outcomes, strict=True):
        met, known = within_target(outcome.allocated_day, outcome.target_day, last)
        row: dict[str, Any] = {"scenario": scenario.name, "referrals": len(listed)}
        per_rep = result.per_rep[result.per_rep["group"] == "all"]
        figures = {
            "past_target": (known & ~met).sum(axis=1).astype(float),
            "breaches": outcome.breached.sum(axis=1).astype(float),
            "cost_total": _metric(per_rep, "cost_total"),
            "cost_to_serve_per_year": _metric(per_rep, "cost_to_serve_per_year"),
        }
        for name, values in figures.items():
            mean, low, high = count_interval(values)
            row.update({name: mean, f"{name}_ci_low": low, f"{name}_ci_high": high})
        rows.append(row)
    return pd.DataFrame(rows)


def count_interval(values: np.ndarray) -> tuple[float, float, float]:
    """The mean of a count or a cost over replications and its 95% interval, cut at 0
    (a t interval of three replications, one with a breach, reaches below none)."""
    mean, low, high, _ = stats.confidence_interval(values)
    return mean, max(low, 0.0), max(high, 0.0)


def _metric(per_rep: pd.DataFrame, metric: str) -> np.ndarray:
    return per_rep.loc[per_rep["metric"] == metric, "value"].to_numpy(dtype=float)


def bought_lines(bought: pd.DataFrame, listed: dict[str, Any]) -> str:
    """The terminal's table of the same referrals under each option."""
    head = (
        f"Last year, bought differently: the {listed['referrals']:,} referrals of "
        f"{listed['file']} (replayed {listed['first_day']} to {listed['last_day']})"
    )
    columns = ["option", "waited past target", "no advocate by deadline",
               "cash cost, list's days", "cost to serve a year"]  # fmt: skip
    table = [columns]
    for row in bought.to_dict("records"):
        table.append([
            str(row["scenario"]), _cell(row, "past_target", "{:,.0f}"),
            _cell(row, "breaches", "{:,.0f}"), _cell(row, "cost_total", "£{:,.0f}"),
            _cell(row, "cost_to_serve_per_year", "£{:,.0f}"),
        ])  # fmt: skip
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
             for line in table]  # fmt: skip
    note = "(means over replications, 95% intervals in brackets; recorded: as the list has it)"
    return "\n".join([head, *lines, note])


def _cell(row: dict[str, Any], name: str, form: str) -> str:
    value = row.get(name)
    if value is None or pd.isna(value):
        return "–"
    low, high = row.get(f"{name}_ci_low"), row.get(f"{name}_ci_high")
    if low is None or pd.isna(low) or form.format(low) == form.format(high):
        return form.format(value)  # no interval, or none to show (a block's price)
    return f"{form.format(value)} ({form.format(low)}–{form.format(high)})"


def summary_lines(replayed: Replayed) -> str:
    """The terminal's account of a replay: recorded against simulated waits for each
    scenario, the same referrals under each option, and the fit."""
    assert replayed.replay is not None and replayed.listed is not None
    listed = replayed.listed
    drawn = ", ".join(listed["drawn"]) or "nothing (every run is the same)"
    lines = [
        f"Replayed {listed['referrals']:,} referrals of {listed['file']} "
        f"({listed['first_day']} to {listed['last_day']}); replications differ only in: {drawn}",
        *(f"warning: {warning}" for warning in listed.get("warnings", [])),
    ]
    overall = replayed.replay[(replayed.replay["month"] == "all")
                              & (replayed.replay["type"] == "all")]  # fmt: skip
    for row in overall.to_dict("records"):
        simulated = (
            f"simulated {row['simulated_wait_mean_days']:.1f} days "
            f"(95% CI {row['simulated_wait_mean_days_ci_low']:.1f} to "
            f"{row['simulated_wait_mean_days_ci_high']:.1f}; replications "
            f"{row['simulated_wait_mean_days_p10']:.1f} to "
            f"{row['simulated_wait_mean_days_p90']:.1f})"
        )
        if pd.isna(row["recorded_wait_mean_days"]):
            lines.append(f"{row['scenario']}: mean wait {simulated}; the list has no "
                         "allocation dates to compare with")  # fmt: skip
            continue
        lines.append(
            f"{row['scenario']}: mean wait recorded {row['recorded_wait_mean_days']:.1f} days, "
            f"{simulated}; within target recorded {row['recorded_within_target_share']:.0%}, "
            f"simulated {row['simulated_within_target_share']:.0%}; KS distance "
            f"{row['ks_statistic']:.2f} (between replications "
            f"{row['ks_between_replications']:.2f})"
        )
    assert replayed.bought is not None
    lines.append(bought_lines(replayed.bought, listed))
    fit = replayed.fit
    if fit is not None:
        low, high = fit.interval
        lines.append(
            f"Fitted {fit.field}: {fit.value:.4g} (95% interval {low:.4g} to {high:.4g}; the "
            f"scenario has {fit.scenario_value:g}; {len(fit.values)} values from {fit.low:g} "
            f"to {fit.high:g}, {fit.replications} replications each)"
        )
        lines += [f"note: {note}" for note in fit.notes]
    return "\n".join(lines)
