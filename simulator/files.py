"""The result folder, written and read: the one place that knows its file names, the
Parquet layout of case rows and days (one scenario's tables have no ``scenario`` column,
several scenarios' do) and how the report reads it back. It runs and renders nothing.

A folder is written aside, then renamed, so it is complete or absent. Every folder
describes itself: the resolved scenario(s), the seed, the versions of Python and every
dependency, the command line, the scenario hash and the wall time.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator import __version__

if TYPE_CHECKING:  # heavy: imported where a folder is written, not for checking one
    import pandas as pd

    from simulator.scenario import Scenario

DEPENDENCIES = (
    "simpy", "numpy", "scipy", "pandas", "pyarrow", "plotly", "click", "pydantic", "ruamel.yaml",
    "rich",
)  # fmt: skip
RESOLVED = "scenario.resolved.yaml"


def without_parquet() -> None:
    """Before pandas is imported, in a process that writes no Parquet (a figures-only run):
    pandas imports pyarrow whenever it is installed, for its string columns, and pyarrow
    is the largest import of a run; marked missing (Python's own way: ``None`` in
    ``sys.modules``), pandas keeps strings as Python objects and the figures and their
    files are the same. Nothing is done when pandas or pyarrow is loaded already (a
    notebook): they stay as they are; nor where worker processes start afresh rather than
    as forks of this one (macOS, Windows): they would load pyarrow, and their tables
    need it to be read here."""
    import multiprocessing

    if multiprocessing.get_context().get_start_method() != "fork":
        return
    if "pandas" not in sys.modules and "pyarrow" not in sys.modules:
        sys.modules["pyarrow"] = None  # type: ignore[assignment]


def has_scenario_column(names: Sequence[str]) -> bool:
    """The tables of several scenarios start each row with its scenario's name; one
    scenario's tables have no such column."""
    return len(names) > 1


class OutputError(Exception):
    """The output folder cannot be written where asked."""


def slug(text: str) -> str:
    """A file-name-safe form of a scenario name."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "scenario"


def compared_name(kind: str, names: Sequence[str], shown: int = 2) -> str:
    """A result folder's name that says what ran (``compare-block-vs-hub``): a folder
    list of bare timestamps cannot be told apart. Past ``shown`` scenarios the rest are
    counted (``-and-3-more``) and each name is cut to 30 characters, to keep paths short."""
    parts = [slug(name)[:30].strip("-") for name in names[:shown]]
    rest = len(names) - len(parts)
    return "-".join([kind, "-vs-".join(parts), *([f"and-{rest}-more"] if rest > 0 else [])])


def default_out(name: str, root: Path = Path("outputs")) -> Path:
    """``root/NAME-TIMESTAMP``, with ``-2``, ``-3``... when two runs start in one second."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = root / f"{slug(name)}-{stamp}"
    target, n = base, 1
    while target.exists():
        n += 1
        target = base.with_name(f"{base.name}-{n}")
    return target


def check_out(out: Path, ask: str = "pass a new path or remove it") -> None:
    """Refuse to overwrite: a result folder is evidence and is never silently replaced.
    ``ask`` says what to do in the caller's words (the command line's: another --out)."""
    if out.exists():
        raise OutputError(f"{out}: folder already exists; {ask}")
    ancestor = out.resolve().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"{out}: cannot create it inside {ancestor}, which is not a folder")
    if not os.access(ancestor, os.W_OK):
        raise OutputError(f"{out}: cannot create it: {ancestor} is not writable")


def versions() -> dict[str, str]:
    import importlib.metadata  # slow to import: only runs that write a manifest

    found = {"python": platform.python_version(), "advocacy-sim": __version__}
    for name in DEPENDENCIES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover
            found[name] = "not installed"
    return found


def command_line() -> list[str]:
    """This process's command line, as the manifest records it."""
    return [Path(sys.argv[0]).name, *sys.argv[1:]]


def build_manifest(
    results: Sequence[ScenarioResult], fields: dict, command: Sequence[str] | None = None
) -> dict:
    """What ``manifest.json`` holds: versions, the command, each scenario's hash, seed and
    replications (and the assumptions of files it extends that its own list replaced,
    when there are some), then ``fields`` (sweep, seed, replications, backend, workers, wall time).

    ``command`` defaults to this process's command line.
    """
    return {
        "advocacy_sim_version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": list(command) if command is not None else command_line(),
        "versions": versions(),
        "scenarios": [
            {
                "name": r.scenario.name,
                "sha256": r.scenario.digest(),
                "replications": r.scenario.replications,
                "seed": r.scenario.seed,
                **(
                    {"assumptions_replaced": list(r.scenario.assumptions_replaced)}
                    if r.scenario.assumptions_replaced
                    else {}
                ),
            }
            for r in results
        ],
        **fields,
    }


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 with BOM so spreadsheet programs keep a GBP sign intact."""
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def write_replications(results: Sequence[ScenarioResult], path: Path) -> None:
    """``replications.csv``, a scenario at a time (never every figure of every run in one
    frame): the same bytes as writing them all at once."""
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        for number, result in enumerate(results):
            frame = result.per_rep.assign(scenario=result.scenario.name)
            frame[["scenario", "rep", "metric", "group", "value"]].to_csv(
                out, index=False, header=number == 0, lineterminator="\n"
            )


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Parquet with NaN stored as null: missing values are nulls, not sentinels."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, path)


def resolved_yaml(scenarios: Iterable[Scenario]) -> str:
    """``scenario.resolved.yaml``: each scenario as run, one YAML document each."""
    return "---\n".join(scenario.to_yaml() for scenario in scenarios)


def write_results(
    out: Path,
    results: Sequence[ScenarioResult],
    manifest: dict,
    tables: Path | None = None,
    *,
    differences: pd.DataFrame | None = None,
    demand_doubt: pd.DataFrame | None = None,
    recommendation: dict | None = None,
    candidates: pd.DataFrame | None = None,
    report: Callable[[Path], None] | None = None,
    figures_only: bool = False,
) -> Path:
    """Write a complete result folder at ``out`` (aside first, then renamed).

    ``manifest`` is written as ``manifest.json`` (see :func:`build_manifest`).
    ``tables``: a folder whose ``cases.parquet`` and ``daily.parquet`` were written
    during the run (:class:`TableWriter`); they are copied rather than written from the
    results. ``differences``, ``demand_doubt``, and ``recommendation`` with its
    ``candidates``, are written when given; then ``report(staging)`` adds what is built
    from the files (the report). ``figures_only``: no ``cases.parquet`` or
    ``daily.parquet`` (the run built none).
    """
    check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    staging.chmod(0o755)
    try:
        _write_tables(staging, results, tables, figures_only)
        (staging / RESOLVED).write_text(
            resolved_yaml(r.scenario for r in results), encoding="utf-8"
        )
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        _write_findings(staging, differences, demand_doubt, recommendation, candidates)
        if report is not None:
            report(staging)  # built from the files above
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def _write_tables(
    staging: Path, results: Sequence[ScenarioResult], tables: Path | None, figures_only: bool
) -> None:
    """``summary.csv``, ``replications.csv``, ``cases.parquet`` and ``daily.parquet`` (not
    these two for a figures-only run)."""
    import pandas as pd

    several = has_scenario_column([r.scenario.name for r in results])

    def tagged(frame: pd.DataFrame, result: ScenarioResult) -> pd.DataFrame:
        if not several:
            return frame
        return frame.assign(scenario=result.scenario.name)[["scenario", *frame.columns]]

    write_csv(pd.concat([r.summary for r in results], ignore_index=True), staging / "summary.csv")
    write_replications(results, staging / "replications.csv")
    if figures_only:
        return
    for table in ("cases", "daily"):
        target = staging / f"{table}.parquet"
        if tables is not None:
            shutil.copyfile(tables / f"{table}.parquet", target)
        else:
            frames = [tagged(getattr(r, table), r) for r in results]
            write_parquet(pd.concat(frames, ignore_index=True), target)


def _write_findings(
    staging: Path,
    differences: pd.DataFrame | None,
    demand_doubt: pd.DataFrame | None,
    recommendation: dict | None,
    candidates: pd.DataFrame | None,
) -> None:
    """``differences.csv``, ``demand_doubt.csv``, ``recommendation.json`` and
    ``candidates.csv``, each when there is one."""
    if differences is not None:
        write_csv(differences, staging / "differences.csv")
    if demand_doubt is not None:
        write_csv(demand_doubt, staging / "demand_doubt.csv")
    if recommendation is not None and candidates is not None:
        (staging / "recommendation.json").write_text(
            json.dumps(_plain(recommendation), indent=2, allow_nan=False) + "\n",
            encoding="utf-8",
        )
        write_csv(candidates, staging / "candidates.csv")


def _plain(value: Any) -> Any:
    """For JSON: numpy numbers as plain numbers, NaN (no interval) as null, throughout."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def write_aside(path: Path, text: str) -> Path:
    """Write a text file complete or not at all (aside, then renamed)."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path


# Case rows and days written during a run, a replication at a time


@dataclass(frozen=True)
class Layout:
    """How a replication's case rows and days are laid out in the files of a run: with
    several scenarios each row starts with its scenario's name, and days have every
    scenario's provider columns, in order of appearance (empty, so float, where a
    scenario has no such provider). Workers use it to shape and convert their own
    tables, so the main process only writes them."""

    names: tuple[str, ...]
    daily: tuple[str, ...]
    partial: frozenset[str]
    authorities: tuple[str, ...] = ()  # every joint contract's authorities; () if none

    @classmethod
    def of(cls, scenarios: Sequence[Scenario]) -> Layout:
        from simulator.metrics import daily_columns
        from simulator.plan import plan_pools

        columns = [daily_columns(plan_pools(s)) for s in scenarios]
        daily = tuple(dict.fromkeys(c for cs in columns for c in cs))
        partial = frozenset(c for c in daily if not all(c in cs for cs in columns))
        joint = [s.partners.names for s in scenarios if s.partners is not None]
        authorities = tuple(dict.fromkeys(name for names in joint for name in names))
        return cls(tuple(s.name for s in scenarios), daily, partial, authorities)

    def arrow(self, frame: pd.DataFrame, scenario: str) -> Any:
        """A frame of one scenario as the file's Arrow table.

        The columns are laid out by building one frame from them, not by pandas'
        reindex, astype and assign (each copies the frame): the same table and pandas
        metadata, without the copies.
        """
        import pandas as pd
        import pyarrow as pa

        several = has_scenario_column(self.names)
        if "day" in frame.columns and several:
            columns = {column: self._day_column(frame, column) for column in self.daily}
            frame = pd.DataFrame(columns, index=frame.index)
        if "day" not in frame.columns and self.authorities and "authority" not in frame:
            # a single authority compared with a joint contract: its cases name no partner
            frame = frame.assign(authority=pd.Categorical.from_codes(
                [-1] * len(frame), self.authorities
            ))  # fmt: skip
        if several:
            frame = frame.copy(deep=False)
            frame.insert(0, "scenario", scenario)
        # One thread: Arrow's own thread pool costs more than it saves on columns this
        # short; the workers are the parallelism.
        return pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)

    def _day_column(self, days: pd.DataFrame, column: str) -> Any:
        """A column of the file's days from one scenario's: empty (float) where the
        scenario has no such provider, float where some other scenario has none."""
        import numpy as np

        if column not in days.columns:
            return np.full(len(days), np.nan)
        if column in self.partial:
            return days[column].to_numpy(dtype="float64")
        return days[column]


class TableWriter:
    """``cases.parquet`` and ``daily.parquet`` written a replication at a time, in order,
    from Arrow tables laid out by ``Layout``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.writers: dict[str, Any] = {}

    def __enter__(self) -> TableWriter:
        return self

    def add(self, cases: Any, daily: Any) -> None:
        """A replication's case rows (None: none kept) and days, as Arrow tables."""
        import pyarrow.parquet as pq

        for name, table in (("cases", cases), ("daily", daily)):
            if table is None or (table.num_rows == 0 and name in self.writers):
                continue  # no rows, and the file has its columns already
            if name not in self.writers:
                self.writers[name] = pq.ParquetWriter(
                    self.folder / f"{name}.parquet", table.schema,
                    use_dictionary=_labels(table.schema),
                )  # fmt: skip
            schema = self.writers[name].schema
            # Cast only a table laid out otherwise (a label column with no rows in the first
            # replication, say): the cast of an equal schema still costs time.
            self.writers[name].write_table(table if table.schema == schema else table.cast(schema))

    def __exit__(self, *exc: object) -> None:
        for writer in self.writers.values():
            writer.close()


def _labels(schema: Any) -> list[str]:
    """The columns worth dictionary-encoding in Parquet: the labels (scenario, type,
    route...). Trying it on the numbers costs the main process time for nothing, and
    the labels alone make a smaller file."""
    import pyarrow as pa

    def label(kind: Any) -> bool:
        return (
            pa.types.is_dictionary(kind) or pa.types.is_string(kind)
            or pa.types.is_large_string(kind)
        )  # fmt: skip

    return [field.name for field in schema if label(field.type)]


# Reading a folder back


class FolderError(Exception):
    """The folder is not a complete result folder."""


@dataclass(frozen=True)
class SavedResults:
    """What a results folder holds, read back for the report."""

    folder: Path
    summary: pd.DataFrame
    daily: pd.DataFrame
    waits: pd.DataFrame  # scenario, wait_days of measured, allocated referrals
    scenarios: list[dict]
    manifest: dict
    differences: pd.DataFrame | None
    recommendation: dict | None = None  # recommend: recommendation.json
    candidates: pd.DataFrame | None = None  # recommend: candidates.csv
    demand_doubt: pd.DataFrame | None = None  # uncertain demand: demand_doubt.csv

    @property
    def measured_days(self) -> dict[str, float]:
        return {
            s["name"]: float(s["horizon_days"]) - float(s.get("warm_up_days", 0.0))
            for s in self.scenarios
        }

    @property
    def terms(self) -> dict[str, tuple[int, int]]:
        """Each scenario's contract term and extension years, for those that give a term."""
        terms = {}
        for s in self.scenarios:
            commissioning = s.get("commissioning", {})
            if "term_years" in commissioning:
                extension = int(commissioning.get("extension_years", 0))
                terms[s["name"]] = (int(commissioning["term_years"]), extension)
        return terms


REQUIRED = ("summary.csv", "daily.parquet", "cases.parquet", RESOLVED, "manifest.json")


def load(folder: Path) -> SavedResults:
    """Read a results folder for the report; a missing or broken file is a FolderError
    naming it."""
    if not folder.is_dir():
        raise FolderError(f"{folder}: not a results folder")
    if is_figures_only(folder):
        raise FolderError(
            f"{folder}: a figures-only folder (summary.csv and replications.csv) has no "
            "tables to draw a report from; run again without --figures-only for one"
        )
    for name in REQUIRED:
        if not (folder / name).is_file():
            raise FolderError(f"{folder / name}: missing (is {folder} a results folder?)")
    try:
        summary = read_csv(folder / "summary.csv")
        scenarios = scenario_dicts((folder / RESOLVED).read_text("utf-8"))
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        # Only the columns the charts use: a 50-replication cases file is tens of MB.
        names = [s["name"] for s in scenarios]
        daily = read_table(
            folder, "daily", names, report_daily(parquet_columns(folder, "daily")), categories=True
        )
        waits = folder_waits(folder, scenarios)
        differences = read_csv(folder / "differences.csv", missing_ok=True)
        doubt = read_csv(folder / "demand_doubt.csv", missing_ok=True)
        advice, candidates = None, None
        if (folder / "recommendation.json").is_file():
            advice = json.loads((folder / "recommendation.json").read_text("utf-8"))
            candidates = read_csv(folder / "candidates.csv")
    except Exception as error:  # a corrupt file: name it, no traceback
        raise FolderError(f"{folder}: cannot read results ({error})") from None
    return SavedResults(
        folder, summary, daily, waits, scenarios, manifest, differences, advice, candidates, doubt
    )


def is_figures_only(folder: Path) -> bool:
    """The folder's manifest says its run kept its figures alone."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False  # no readable manifest: load names what is missing
    return isinstance(manifest, dict) and manifest.get("figures_only") is True


def read_csv(path: Path, missing_ok: bool = False) -> pd.DataFrame | None:
    """A CSV table of the folder (None when ``missing_ok`` and there is none)."""
    import pandas as pd

    if missing_ok and not path.is_file():
        return None
    return pd.read_csv(path, encoding="utf-8-sig")


def scenario_dicts(text: str) -> list[dict]:
    """The scenarios of a ``scenario.resolved.yaml``, as plain values."""
    from ruamel.yaml import YAML

    return list(YAML(typ="safe", pure=True).load_all(text))


AT_WORK = "advocates_at_work["
"""Daily columns of advocates at work: ``advocates_at_work[NAME]``, per pool with a workforce."""


def report_daily(columns: Sequence[str]) -> list[str]:
    """The daily columns the report draws, of those a table has: the day, the waiting list
    and the advocates at work of each pool with a workforce."""
    return ["day", "waiting", *[c for c in columns if c.startswith(AT_WORK)]]


def parquet_columns(folder: Path, table: str) -> list[str]:
    """The columns of a folder's ``cases`` or ``daily`` file, from its schema alone."""
    import pyarrow.parquet as pq

    return list(pq.read_schema(folder / f"{table}.parquet").names)


def read_table(
    folder: Path,
    table: str,
    names: Sequence[str],
    columns: list[str] | None = None,
    *,
    categories: bool = False,
) -> pd.DataFrame:
    """``cases`` or ``daily`` of a folder written by a run of the scenarios ``names``
    (only ``columns``, when given), ``scenario`` first: one scenario's file has no such
    column, so its name is added. ``categories`` reads names as a category (a string per
    row would be most of the report's memory)."""
    import pandas as pd

    several = has_scenario_column(names)
    wanted = None if columns is None else (["scenario", *columns] if several else columns)
    dictionary = ["scenario"] if several and categories else None
    frame = pd.read_parquet(folder / f"{table}.parquet", columns=wanted, read_dictionary=dictionary)
    if not several:
        frame.insert(0, "scenario", one_name(names[0], len(frame)) if categories else names[0])
    return frame


def one_name(name: str, rows: int) -> pd.Categorical:
    """A single run's scenario column as a category: a string per row and day was a
    large part of the report's peak memory."""
    import numpy as np
    import pandas as pd

    return pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), categories=[name])


def folder_waits(folder: Path, scenarios: list[dict]) -> pd.DataFrame:
    """The measured referrals' waits the report draws, from a folder's ``cases.parquet``."""
    return read_waits(folder / "cases.parquet", scenarios)


ROW_GROUPS_AT_ONCE = 16
"""Row groups (replications) ``read_waits`` reads in one call: a call per replication
spent more time on the calls than on the data, and sixteen five-year replications' four
columns are still little memory."""


def read_waits(path: Path, scenarios: list[dict]) -> pd.DataFrame:
    """``measured_waits`` straight from ``cases.parquet``, a few row groups at a time:
    only the kept waits are held, never the file's rows (a 5-year comparison of 4
    scenarios x 200 replications has three million), and scenario names are read as
    codes."""
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    names = [s["name"] for s in scenarios]
    warm_up = np.array([float(s.get("warm_up_days", 0.0)) for s in scenarios])
    several = has_scenario_column(names)
    file = pq.ParquetFile(path, read_dictionary=["scenario"] if several else None)
    columns = [*(["scenario"] if several else []), "arrival_day", "cohort_wait_days",
               "carried_over"]  # fmt: skip
    codes, waits = [np.empty(0, dtype=np.int16)], [np.empty(0)]
    for first in range(0, file.num_row_groups, ROW_GROUPS_AT_ONCE):
        groups = range(first, min(first + ROW_GROUPS_AT_ONCE, file.num_row_groups))
        table = file.read_row_groups(groups, columns=columns)
        which = _scenario_codes(table, names) if several else np.zeros(table.num_rows, np.int16)
        arrival = table["arrival_day"].to_numpy(zero_copy_only=False)
        fresh = table["carried_over"].is_null().to_numpy(zero_copy_only=False)
        keep = fresh & (arrival >= warm_up[which])
        waits.append(table["cohort_wait_days"].to_numpy(zero_copy_only=False)[keep])
        codes.append(which[keep])
    scenario = pd.Categorical.from_codes(np.concatenate(codes), categories=names)
    return pd.DataFrame({"scenario": scenario, "wait_days": np.concatenate(waits)})


def _scenario_codes(table: Any, names: list[str]) -> Any:
    """Each row's scenario as its position in ``names``, from the dictionary-encoded
    column (no string per row); each row group read has its own dictionary."""
    import numpy as np

    parts = [np.empty(0, dtype=np.int16)]
    for chunk in table["scenario"].chunks:
        position = np.array([names.index(n) for n in chunk.dictionary.to_pylist()], np.int16)
        parts.append(position[chunk.indices.to_numpy(zero_copy_only=False)])
    return np.concatenate(parts)


def measured_waits(cases: pd.DataFrame, scenarios: list[dict]) -> pd.DataFrame:
    """``scenario, wait_days`` of the cohort: referrals that arrived after the warm-up,
    each with the wait the figures count (a lower bound for those never allocated)."""
    warm_up = {s["name"]: float(s.get("warm_up_days", 0.0)) for s in scenarios}
    starts = cases["scenario"].map(warm_up).astype(float)  # float even with no rows
    measured = cases["carried_over"].isna() & (cases["arrival_day"] >= starts)
    waits = cases.loc[measured, ["scenario", "cohort_wait_days"]]
    return waits.rename(columns={"cohort_wait_days": "wait_days"})


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's replications turned into result tables."""

    scenario: Scenario
    cases: pd.DataFrame
    daily: pd.DataFrame
    per_rep: pd.DataFrame
    summary: pd.DataFrame
