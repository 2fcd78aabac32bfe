"""The committee paper: a result folder's findings in the files a council works in.

``advocacy-sim paper DIR`` (and ``--paper`` on run, compare and recommend) adds three
files to a saved result folder:

- ``committee-paper.docx``: the plain-words summary, the options a year at a time, the
  recommendation and its confidence where there is one, the key charts, the assumptions
  and the glossary, in plain Word headings and tables an officer pastes into the
  council's own template (laid out by :mod:`simulator.paperdoc`);
- ``headline.csv`` and ``headline.xlsx``: one row per option with the committee's
  figures (``vocabulary.HEADLINE``), rounded as the tables show them, units in the
  column headings; the workbook adds the contract years, the financial years and the
  assumptions, a sheet each (:mod:`simulator.papertables`).

The words are the report's and the terminal's (:mod:`simulator.briefing`, the report's
cards); the figures are ``summary.csv``'s means. The three files are written aside in
the folder and renamed, so each is there whole or not at all, and none is ever replaced:
a result folder is evidence.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from simulator import files, report
from simulator.files import FolderError, SavedResults
from simulator.paperdoc import build_document
from simulator.papertables import headline_table, write_workbook

DOCUMENT = "committee-paper.docx"
WORKBOOK = "headline.xlsx"
TABLE = "headline.csv"
PAPER_FILES = (DOCUMENT, WORKBOOK, TABLE)


class PaperError(Exception):
    """The paper cannot be written into this folder (one line saying why)."""


class PaperWarning(UserWarning):
    """The paper was written without something it would have had (its charts)."""


@dataclass(frozen=True)
class Paper:
    """The files :func:`write_paper` wrote, and how many charts the document has."""

    docx: Path
    xlsx: Path
    csv: Path
    charts: int


def write_paper(folder: str | os.PathLike[str]) -> Paper:
    """Write ``committee-paper.docx``, ``headline.xlsx`` and ``headline.csv`` into a saved
    result folder (one that ``run``, ``compare``, ``sweep`` or ``recommend`` wrote).

    The charts are drawn by kaleido and Chromium; where they cannot be, the document
    says so in one line, has none, and a :class:`PaperWarning` says why.

    Raises
    ------
    PaperError
        The folder is missing or not a result folder, or has a paper already.
    """
    target = Path(folder)
    check_folder(target)
    try:
        results = files.load(target)
    except FolderError as error:
        raise PaperError(str(error)) from None
    staging = Path(tempfile.mkdtemp(prefix=".paper.partial-", dir=target))
    try:
        charts, trouble = chart_images(results, staging)
        if trouble:
            warnings.warn(f"{trouble}; the paper has no charts", PaperWarning, stacklevel=2)
        build_document(results, charts, trouble).save(str(staging / DOCUMENT))
        write_workbook(results, staging / WORKBOOK)
        files.write_csv(headline_table(results.summary), staging / TABLE)
        _move_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Paper(target / DOCUMENT, target / WORKBOOK, target / TABLE, len(charts))


def check_folder(folder: Path) -> None:
    """Refuse, before anything is drawn, a folder that is missing, is not a result folder
    or has a paper already (a paper is never replaced: remove it to write it again)."""
    if not folder.exists():
        raise PaperError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise PaperError(f"{folder}: not a folder (give a result folder)")
    if files.is_figures_only(folder):
        raise PaperError(
            f"{folder}: a figures-only folder (summary.csv and replications.csv) has no "
            "tables to write a paper from; run again without --figures-only for one"
        )
    for name in files.REQUIRED:
        if not (folder / name).is_file():
            raise PaperError(f"{folder / name}: missing (is {folder} a results folder?)")
    for name in PAPER_FILES:
        if (folder / name).exists():
            raise PaperError(f"{folder / name}: exists already; remove it to write the paper again")


def _move_in(staging: Path, folder: Path) -> None:
    """Rename the finished files into the folder; any already moved go again if one fails,
    so the paper is there whole or not at all."""
    moved: list[Path] = []
    try:
        for name in PAPER_FILES:
            os.replace(staging / name, folder / name)
            moved.append(folder / name)
    except BaseException:
        for path in moved:
            path.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- the charts

CHARTS = ("cost-vs-wait", "cost-lines", "wait-distribution", "breaches")
"""The report's charts the paper carries: cost against wait, what the cost is made of,
how long people wait and the breaches a year."""

CHART_SIZE = {"format": "png", "width": 900, "height": 500, "scale": 2}


def chart_images(results: SavedResults, folder: Path) -> tuple[list[tuple[str, Path]], str]:
    """PNGs of the paper's charts in ``folder``, drawn in one browser as ``--png`` draws
    the report's, each with its title (the document's caption, so taken out of the
    picture); or none, and one line saying why not."""
    import asyncio

    import plotly.graph_objects as go

    drawn = {d.removeprefix("chart-"): f for d, f in report.figures(results)}
    titled, specs = [], []
    for name in (c for c in CHARTS if c in drawn):
        picture = go.Figure(drawn[name]).update_layout(title=None, margin={"t": 30})
        specs.append({"fig": picture, "path": folder / f"{name}.png", "opts": CHART_SIZE})
        titled.append((str(drawn[name].layout.title.text or name), folder / f"{name}.png"))
    try:
        browser = report.find_browser()
    except report.ImageError as error:
        return [], str(error).replace("--png", "drawing charts", 1)
    try:
        asyncio.run(report._render(specs, browser))
    except Exception as error:  # the browser's or kaleido's: one line saying which
        return [], report._browser_trouble(browser, error).replace("--png", "drawing charts", 1)
    return titled, ""
