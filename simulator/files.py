"""The output folder: written aside, then renamed, so it is complete or absent.

Every folder describes itself: the resolved scenario(s), the seed, the
versions of Python and every dependency, the command line, the scenario hash
and the wall time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from simulator import __version__

if TYPE_CHECKING:  # heavy: imported where a folder is written, not for checking one
    import pandas as pd

    from simulator.runner import ScenarioResult

DEPENDENCIES = (
    "simpy", "numpy", "scipy", "pandas", "pyarrow", "plotly", "click", "pydantic", "ruamel.yaml",
    "rich",
)  # fmt: skip
RESOLVED = "scenario.resolved.yaml"


class OutputError(Exception):
    """The output folder cannot be written where asked."""


def slug(text: str) -> str:
    """A file-name-safe form of a scenario name."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "scenario"


def default_out(name: str, root: Path = Path("outputs")) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / f"{slug(name)}-{stamp}"


def check_out(out: Path) -> None:
    """Refuse to overwrite: a result folder is evidence and is never silently replaced."""
    if out.exists():
        raise OutputError(f"{out}: already exists; choose another --out or remove it")
    ancestor = out.resolve().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"{out}: cannot create it inside {ancestor}, which is not a folder")
    if not os.access(ancestor, os.W_OK):
        raise OutputError(f"{out}: cannot create it: {ancestor} is not writable")


def versions() -> dict[str, str]:
    import importlib.metadata  # a few hundredths of a second: only runs that write a manifest

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


def write_results(
    out: Path,
    results: Sequence[ScenarioResult],
    manifest: dict,
    extra: Callable[[Path], None] | None = None,
    tables: Path | None = None,
) -> Path:
    """Write a complete result folder at ``out`` (aside first, then renamed).

    ``manifest`` is written as ``manifest.json`` (see :func:`build_manifest`);
    ``extra(staging)`` adds files built from the others (differences, the report).
    ``tables``: a folder whose ``cases.parquet`` and ``daily.parquet`` were written
    during the run; they are copied rather than written from the results.
    """
    import pandas as pd

    check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    staging.chmod(0o755)
    try:
        several = len(results) > 1

        def tagged(frame: pd.DataFrame, result: ScenarioResult) -> pd.DataFrame:
            if not several:
                return frame
            return frame.assign(scenario=result.scenario.name)[["scenario", *frame.columns]]

        write_csv(
            pd.concat([r.summary for r in results], ignore_index=True), staging / "summary.csv"
        )
        write_replications(results, staging / "replications.csv")
        for table in ("cases", "daily"):
            target = staging / f"{table}.parquet"
            if tables is not None:
                shutil.copyfile(tables / f"{table}.parquet", target)
            else:
                frames = [tagged(getattr(r, table), r) for r in results]
                write_parquet(pd.concat(frames, ignore_index=True), target)
        (staging / RESOLVED).write_text(
            "---\n".join(r.scenario.to_yaml() for r in results), encoding="utf-8"
        )
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        if extra is not None:
            extra(staging)  # e.g. differences and the report, built from the files above
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out
