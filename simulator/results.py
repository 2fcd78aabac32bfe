"""The :class:`Results` of a run, a comparison or a sweep: tables, figures and the folder.

Built by :mod:`simulator.study`; the command line writes them with
:meth:`Results.write`, an analyst reads the tables and charts in a notebook. Results
holds the tables; :mod:`simulator.files` writes and reads them, and
:mod:`simulator.report` draws them.
"""

from __future__ import annotations

import os
import shutil
import weakref
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from simulator import files
from simulator.files import ScenarioResult
from simulator.metrics import SHARE_METRICS
from simulator.runner import Backend
from simulator.scenario import Scenario
from simulator.stats import paired_differences

if TYPE_CHECKING:  # plotly is imported by what draws: a figures-only run never loads it
    import plotly.graph_objects as go


@dataclass(frozen=True, eq=False)
class Results:
    """What a run, a comparison or a sweep gives: tables, figures and the result folder.

    Every table has a ``scenario`` column. Build one with :func:`run`,
    :func:`compare` or :func:`sweep`.
    """

    kind: str
    """``run``, ``compare``, ``sweep`` or ``recommend``."""
    results: tuple[ScenarioResult, ...]
    """One :class:`~simulator.files.ScenarioResult` per scenario, the baseline first."""
    backend: Backend = field(default_factory=Backend)
    wall_time_seconds: float = 0.0
    """Time to run the replications and build the tables, in seconds."""
    sweep_keys: tuple[str, ...] = ()
    """The swept fields (dotted paths), for a sweep."""
    command: tuple[str, ...] | None = None
    """The call recorded in ``manifest.json`` (``None``: the process's command line)."""
    recommendation: dict[str, Any] | None = None
    """For ``recommend``: the choice and its figures (``recommendation.json``)."""
    candidates: pd.DataFrame | None = None
    """For ``recommend``: every option, its replications and verdicts (``candidates.csv``)."""
    baseline_name: str | None = None
    """The scenario differences are taken from, when not the first (a sweep's own value)."""
    demand_doubt: pd.DataFrame | None = None
    """For run and compare, when demand is uncertain: the spread of cost and breaches with
    the doubt and with demand fixed at its means (``demand_doubt.csv``)."""
    tables: Path | None = None
    """A folder holding ``cases.parquet`` and ``daily.parquet`` written during the run (so
    case rows are not held in memory); removed when these results are."""
    figures_only: bool = False
    """The figures alone (``figures_only=True``): no case rows, days, charts or report."""

    def __post_init__(self) -> None:
        if self.tables is not None:
            weakref.finalize(self, shutil.rmtree, self.tables, True)

    def __repr__(self) -> str:
        first = self.results[0].scenario
        names = ", ".join(repr(s.name) for s in self.scenarios)
        return (
            f"<Results {self.kind}: {len(self.results)} scenario(s) x {first.replications} "
            f"replications, seed {first.seed}: {names}>"
        )

    @property
    def scenarios(self) -> list[Scenario]:
        """The scenarios as run (the baseline first)."""
        return [r.scenario for r in self.results]

    @property
    def baseline(self) -> str | None:
        """The scenario the differences are taken from (compare and sweep): the first, or
        for a sweep the point that is the file's own value, when one is."""
        if self.kind == "run":
            return None
        return self.baseline_name or self.results[0].scenario.name

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Mean and 95% interval per metric and group: ``scenario, metric, group, mean,
        ci_low, ci_high, n_reps`` (``summary.csv``)."""
        return pd.concat([r.summary for r in self.results], ignore_index=True)

    @cached_property
    def replications(self) -> pd.DataFrame:
        """Every figure per replication: ``scenario, rep, metric, group, value``
        (``replications.csv``)."""
        return pd.concat(
            [r.per_rep.assign(scenario=r.scenario.name) for r in self.results],
            ignore_index=True,
        )[["scenario", "rep", "metric", "group", "value"]]

    @cached_property
    def cases(self) -> pd.DataFrame:
        """One row per referral and replication, ``scenario`` first (``cases.parquet``).

        Raises
        ------
        FiguresOnlyError
            The run kept its figures alone (``figures_only=True``).
        """
        self._needs_tables("case rows (.cases)")
        return self._tagged("cases")

    @cached_property
    def daily(self) -> pd.DataFrame:
        """One row per measured day and replication, ``scenario`` first (``daily.parquet``).

        Raises
        ------
        FiguresOnlyError
            The run kept its figures alone (``figures_only=True``).
        """
        self._needs_tables("days (.daily)")
        return self._tagged("daily")

    def _needs_tables(self, what: str) -> None:
        if self.figures_only:
            raise FiguresOnlyError(
                f"a figures-only run has no {what}: run it again without figures_only"
            )

    def _tagged(
        self, table: str, columns: list[str] | None = None, *, categories: bool = False
    ) -> pd.DataFrame:
        """A table with ``scenario`` first; ``categories`` reads names as a category
        (the report: a string per row would be most of its memory)."""
        if self.tables is not None:
            names = [s.name for s in self.scenarios]
            return files.read_table(self.tables, table, names, columns, categories=categories)
        frames = []
        for r in self.results:
            frame = getattr(r, table)
            frames.append(frame.assign(scenario=r.scenario.name)[["scenario", *frame.columns]])
        frame = pd.concat(frames, ignore_index=True)
        return frame if columns is None else frame[["scenario", *columns]]

    @cached_property
    def differences(self) -> pd.DataFrame | None:
        """Paired differences from the baseline, replication by replication, with
        intervals (``differences.csv``); ``None`` for a single run."""
        if self.kind == "run":
            return None
        assert self.baseline is not None  # more than one scenario
        return paired_differences(self.replications, self.baseline, SHARE_METRICS)

    @property
    def manifest(self) -> dict[str, Any]:
        """What ``manifest.json`` records: versions, seed, scenario hashes, timings (and
        ``figures_only``, for a run that kept its figures alone)."""
        return files.build_manifest(
            self.results,
            {
                **({"figures_only": True} if self.figures_only else {}),
                "sweep": self._sweep_info(),
                "seed": self.results[0].scenario.seed,
                "replications": self.results[0].scenario.replications,
                "backend": self.backend.name,
                "workers": self.backend.worker_count if self.backend.name == "local" else None,
                "wall_time_seconds": round(self.wall_time_seconds, 3),
            },
            self.command,
        )

    def _daily_columns(self) -> list[str]:
        """The columns of the daily table: its file's, or every scenario's in memory."""
        if self.tables is not None:
            return files.parquet_columns(self.tables, "daily")
        return list(dict.fromkeys(c for r in self.results for c in r.daily.columns))

    def _sweep_info(self) -> dict[str, Any] | None:
        if self.kind not in ("sweep", "recommend"):
            return None
        return {"keys": list(self.sweep_keys), "points": [s.name for s in self.scenarios]}

    def _saved(self) -> files.SavedResults:
        """The tables as the report reads them from a folder, without writing one."""
        scenarios = files.scenario_dicts(files.resolved_yaml(self.scenarios))
        return files.SavedResults(
            folder=Path("."),
            summary=self.summary,
            daily=self._tagged("daily", files.report_daily(self._daily_columns()), categories=True),
            waits=self._waits(scenarios),
            scenarios=scenarios,
            manifest=self.manifest,
            differences=self.differences,
            recommendation=self.recommendation,
            candidates=self.candidates,
            demand_doubt=self.demand_doubt,
        )

    def _waits(self, scenarios: list[dict]) -> pd.DataFrame:
        """The measured referrals' waits the report draws, from the tables on disk when
        the run wrote them there."""
        if self.tables is not None:
            return files.folder_waits(self.tables, scenarios)
        columns = ["arrival_day", "cohort_wait_days", "carried_over"]
        return files.measured_waits(self._tagged("cases", columns), scenarios)

    def figures(self) -> dict[str, go.Figure]:
        """The report's charts as plotly Figures, by name, in the report's order.

        Names: ``cost-lines``, ``cost-vs-wait``, ``wait-distribution``,
        ``waiting-list``, ``within-target``, ``breaches`` and, when there are
        needs or localities, ``equality`` (the PNG names of ``--png``).

        Raises
        ------
        FiguresOnlyError
            The run kept its figures alone (``figures_only=True``).
        """
        self._needs_tables("charts")
        from simulator import report

        return {
            div_id.removeprefix("chart-"): figure
            for div_id, figure in report.figures(self._saved())
        }

    def write(self, folder: str | os.PathLike[str], png: bool = False) -> Path:
        """Write the result folder the command line writes, and return its path.

        ``summary.csv``, ``replications.csv``, ``cases.parquet``, ``daily.parquet``,
        ``scenario.resolved.yaml``, ``manifest.json``, ``differences.csv`` (compare
        and sweep) and ``report.html`` (and with ``png``, ``images/``); for a
        figures-only run, the figures, the scenario and the manifest alone. The folder
        is written aside and renamed, so it is complete or absent.

        Raises
        ------
        simulator.files.OutputError
            The folder exists already, or cannot be created there.
        FiguresOnlyError
            ``png`` for a figures-only run (it has no charts).
        """
        if self.figures_only:
            if png:
                self._needs_tables("charts to draw as PNG")
            return files.write_results(
                Path(folder), self.results, self.manifest, figures_only=True,
                differences=self.differences, demand_doubt=self.demand_doubt,
                recommendation=self.recommendation, candidates=self.candidates,
            )  # fmt: skip
        from simulator.report import ImageError, write_images, write_report

        def report(staging: Path) -> None:
            write_report(staging)
            if png:
                try:
                    write_images(staging)
                except ImageError as error:  # in Python words: png=True, not --png
                    raise ImageError(str(error).replace("--png", "png=True", 1)) from None

        return files.write_results(
            Path(folder), self.results, self.manifest, self.tables,
            differences=self.differences, demand_doubt=self.demand_doubt,
            recommendation=self.recommendation, candidates=self.candidates, report=report,
        )  # fmt: skip

    def report(self, path: str | os.PathLike[str]) -> Path:
        """Write the HTML report alone to ``path`` (a file), and return its path.

        Raises
        ------
        FiguresOnlyError
            The run kept its figures alone (``figures_only=True``).
        """
        self._needs_tables("report")
        from simulator.report import build_html

        return files.write_aside(Path(path), build_html(self._saved()))


class FiguresOnlyError(ValueError):
    """What a figures-only run does not have (case rows, days, charts, a report) was asked
    for."""
