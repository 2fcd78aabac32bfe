"""The committee paper, read back by the libraries a council's officer would open it with:
committee-paper.docx by python-docx, headline.xlsx by openpyxl, headline.csv as text.
Its figures are summary.csv's means rounded as shown; bad input is one line and exit 2,
and nothing is left half-written."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest

import simulator
from simulator import briefing, paper
from simulator.paper import PAPER_FILES, PaperError, PaperWarning, write_paper
from simulator.vocabulary import HEADLINE, METRICS
from tests.helpers import invoke, main, scenario_file

# What the committee reads, written out here rather than taken from the code under test:
# each headline figure's column heading and the decimals it is rounded to (shares in %).
HEADINGS = {
    "cost_to_serve_per_year": ("Cost to serve (GBP a year)", 0),
    "cost_total_per_year": ("Cash cost (GBP a year)", 0),
    "wait_mean_days": ("Mean wait (days)", 1),
    "wait_p90_days": ("p90 wait (days)", 1),
    "within_target_share": ("Within target (%)", 1),
    "breaches_per_year": ("Breaches (a year)", 1),
    "unserved_per_year": ("Unserved (people a year)", 1),
    "block_hours_unused_per_year": ("Unused block hours (hours a year)", 0),
}

EXTRA = {
    "horizon_days: 200": "horizon_days: 200\nstart_date: 2026-01-01\nassumptions:\n"
    "  - 'ASSUMPTION: 300 referrals a year, as the test county had.'\n"
    "  - 'Source: hours per case from the provider.'",
    "model: single_provider": "model: single_provider\n  financial_year_start: '04-01'",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A tiny run (2 replications, 200 days) written with --paper by the real command."""
    tmp = tmp_path_factory.mktemp("paper")
    path = scenario_file(tmp, "Block", **EXTRA)
    out = tmp / "out"
    result = main("run", str(path), "--reps", "2", "--out", str(out), "--paper")
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("paper: ")] == [
        f"paper: {out / name}" for name in PAPER_FILES
    ]
    assert "the paper has no charts" not in result.stderr
    return out


@pytest.fixture(scope="module")
def summary(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "summary.csv", encoding="utf-8-sig")


def expected(summary: pd.DataFrame, metric: str, group: str = "all", column: str = "mean"):
    """summary.csv's figure rounded as the committee's tables show it."""
    row = summary[(summary["metric"] == metric) & (summary["group"] == group)]
    value = float(row[column].iloc[0])
    places = HEADINGS[metric][1] if metric in HEADINGS else 0
    value = value * 100 if METRICS[metric].kind == "share" else value
    return round(value) if places == 0 else round(value, places)


def test_run_with_paper_leaves_the_three_files_and_nothing_else(folder):
    assert all((folder / name).is_file() for name in PAPER_FILES)
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_headline_csv_is_summary_means_rounded_with_units_in_the_headings(folder, summary):
    with open(folder / "headline.csv", encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["Option", *(HEADINGS[m][0] for m in HEADLINE)]
    assert len(rows) == 2 and rows[1][0] == "Block"
    for metric, text in zip(HEADLINE, rows[1][1:], strict=True):
        assert float(text) == expected(summary, metric), metric
        assert ("." in text) == (HEADINGS[metric][1] > 0), (metric, text)


def test_headline_xlsx_has_the_same_figures_and_the_year_sheets(folder, summary):
    book = openpyxl.load_workbook(folder / "headline.xlsx")
    assert book.sheetnames == ["Headline", "Contract years", "Financial years", "Assumptions"]
    head, *rows = book["Headline"].iter_rows(values_only=True)
    assert list(head) == ["Option", *(HEADINGS[m][0] for m in HEADLINE)]
    assert [row[0] for row in rows] == ["Block"]
    assert list(rows[0][1:]) == [expected(summary, m) for m in HEADLINE]
    assert book["Headline"]["B2"].number_format == "#,##0"
    assert book["Headline"]["D2"].number_format == "#,##0.0"

    head, *years = book["Contract years"].iter_rows(values_only=True)
    assert head[:4] == ("Option", "Contract year", "Contract", "Cash cost (GBP a year)")
    assert [(r[0], r[1], r[2]) for r in years] == [("Block", 1, "no term set")]
    assert years[0][3] == expected(summary, "cost_total_per_year", "year=1")

    head, *fys = book["Financial years"].iter_rows(values_only=True)
    groups = sorted(g for g in summary["group"].unique() if g.startswith("fy="))
    assert groups == ["fy=2025/26", "fy=2026/27"]
    assert [r[1] for r in fys] == ["2025/26", "2026/27"]
    assert [r[2] for r in fys] == [expected(summary, "cost_total", g) for g in groups]

    listed = [row[1] for row in book["Assumptions"].iter_rows(min_row=2, values_only=True)]
    assert listed == [
        "ASSUMPTION: 300 referrals a year, as the test county had.",
        "Source: hours per case from the provider.",
    ]


def test_committee_paper_docx_reads_back(folder, summary):
    document = docx.Document(str(folder / "committee-paper.docx"))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    wanted = ["In short", "The options", "The options, a year at a time", "By contract year",
              "By financial year", "Charts", "Assumptions", "Glossary"]  # fmt: skip
    assert [h for h in headings if h in wanted] == wanted
    texts = [p.text for p in document.paragraphs]
    assert texts[1].startswith("From the result folder out: Block; seed 42, 2 replications")
    assert briefing.summary_paragraph(summary) in texts  # the report's words, unchanged
    assert "ASSUMPTION: 300 referrals a year, as the test county had." in texts
    assert any(t.startswith("Breach: a referral whose assessment") for t in texts)
    assert len(document.inline_shapes) == len(paper.CHARTS)  # the charts, as pictures
    styles = {p.style.name for p in document.paragraphs} | {t.style.name for t in document.tables}
    assert styles <= {"Normal", "Title", "Heading 1", "Heading 2", "List Bullet",
                      "List Bullet 2", "Caption", "Table Grid"}  # fmt: skip
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)

    figures = document.tables[0]  # the options, a year at a time
    assert [c.text for c in figures.rows[0].cells] == ["Figure", "Block"]
    cells = {row.cells[0].text: row.cells[1].paragraphs[0].text for row in figures.rows[1:]}
    means = summary[summary["group"] == "all"].set_index("metric")["mean"]
    for metric in HEADLINE:
        assert cells[HEADINGS[metric][0]] == METRICS[metric].format(means[metric]), metric


@pytest.fixture(scope="module")
def recommended(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("recommend")
    out = tmp / "out"
    result = main(
        "recommend", str(scenario_file(tmp, "Block")), "--vary",
        "commissioning.block_share=0.6,1.0", "--require", "within_target_share >= 0.5",
        "--max-reps", "2", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


def test_the_python_call_writes_a_recommendation_and_says_when_charts_cannot_be_drawn(
    recommended, monkeypatch
):
    monkeypatch.setenv("BROWSER_PATH", str(recommended / "no-browser"))
    with pytest.warns(PaperWarning, match="no browser at .*the paper has no charts"):
        written = simulator.write_paper(recommended)
    assert written.charts == 0 and written.docx == recommended / "committee-paper.docx"
    advice = json.loads((recommended / "recommendation.json").read_text("utf-8"))
    document = docx.Document(str(written.docx))
    texts = [p.text for p in document.paragraphs]
    answer = texts.index("Recommendation") + 1
    assert texts[answer] == advice["answer"] and document.paragraphs[answer].runs[0].bold
    assert "so that all of them hold together at 95%" in texts[answer + 1]
    said = [t for t in texts if t.startswith("The charts could not be drawn here")]
    assert len(said) == 1 and "report.html" in said[0]
    assert len(document.inline_shapes) == 0
    candidates = pd.read_csv(recommended / "candidates.csv", encoding="utf-8-sig")
    verdicts = document.tables[0]
    assert [row.cells[0].text for row in verdicts.rows[1:]] == list(candidates["scenario"])
    with open(written.csv, encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert [row[0] for row in rows[1:]] == list(candidates["scenario"])


def test_paper_needs_a_result_folder(tmp_path):
    missing = invoke("paper", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2
    assert missing.stderr == f"error: {tmp_path / 'nowhere'}: no such folder\n"
    empty = invoke("paper", str(tmp_path))
    assert empty.exit_code == 2 and len(empty.stderr.splitlines()) == 1
    assert "summary.csv: missing" in empty.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_paper_is_never_replaced(folder):
    before = {name: (folder / name).read_bytes() for name in PAPER_FILES}
    result = invoke("paper", str(folder))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {folder / 'committee-paper.docx'}: exists already; remove it to write the "
        "paper again\n"
    )
    assert {name: (folder / name).read_bytes() for name in PAPER_FILES} == before


def copy_without_paper(folder: Path, to: Path) -> Path:
    """The result folder's own files, without its paper."""
    to.mkdir()
    for path in folder.iterdir():
        if path.name not in PAPER_FILES:
            (to / path.name).write_bytes(path.read_bytes())
    return to


def test_a_broken_result_file_is_one_line_and_nothing_is_written(folder, tmp_path):
    copy = copy_without_paper(folder, tmp_path / "copy")
    (copy / "manifest.json").write_text("{not json", encoding="utf-8")
    result = invoke("paper", str(copy))
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    assert "cannot read results" in result.stderr
    assert not [p for p in copy.iterdir() if p.name in PAPER_FILES or p.name.startswith(".")]


def test_a_failure_while_writing_leaves_no_paper(folder, tmp_path, monkeypatch):
    """Written aside and renamed: a failure before the last rename leaves none of the
    three files (those already renamed go again) and no partial folder."""
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-browser"))  # quick: no charts
    copy = copy_without_paper(folder, tmp_path / "copy")
    renamed, real = [], os.replace

    def fail_at_the_csv(source, target):
        if Path(target).name == "headline.csv":
            raise OSError("disk full")
        renamed.append(Path(target).name)
        real(source, target)

    monkeypatch.setattr(paper.os, "replace", fail_at_the_csv)
    with pytest.warns(PaperWarning), pytest.raises(OSError, match="disk full"):
        write_paper(copy)
    assert renamed == ["committee-paper.docx", "headline.xlsx"]
    assert not [p for p in copy.iterdir() if p.name in PAPER_FILES or p.name.startswith(".")]
    monkeypatch.setattr(paper.os, "replace", real)
    with pytest.warns(PaperWarning):
        assert write_paper(copy).csv.is_file()  # and it can be written again


def test_paper_error_names_the_file_in_the_api(tmp_path):
    with pytest.raises(PaperError, match=r"summary\.csv: missing"):
        write_paper(tmp_path)


@pytest.mark.parametrize("command", ["run", "compare", "recommend"])
def test_the_commands_a_committee_reads_offer_paper(command):
    result = invoke(command, "--help")
    said = " ".join(result.output.split())
    assert "--paper Also write the committee paper" in said


@pytest.mark.parametrize(
    ("count", "at_once", "sizes"),
    [(0, 4, []), (1, 4, [1]), (4, 4, [4]), (5, 4, [3, 2]), (7, 3, [3, 2, 2]), (9, 4, [3, 3, 3])],
)
def test_options_side_by_side_in_groups_as_even_as_can_be(count, at_once, sizes):
    from simulator.papertables import shown_options

    groups = shown_options([f"option {i}" for i in range(count)], at_once)
    assert [len(g) for g in groups] == sizes
    assert [name for g in groups for name in g] == [f"option {i}" for i in range(count)]
