"""The committee paper as a Word document (python-docx), laid out plainly: the template's
own Title, Heading, List Bullet, Caption and Table Grid styles and nothing of its own,
so an officer can paste it into the council's template and it takes that template's
look. A4 portrait; tables of at most four options side by side.

Every sentence is the report's or the terminal's (:mod:`simulator.briefing`, the
report's cards); every figure is formatted by the metric registry. The document is built
from a saved result folder and nothing here writes a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from simulator import briefing
from simulator.files import SavedResults
from simulator.papertables import (
    FINANCIAL_FIGURES,
    NO_TERM,
    YEAR_FIGURES,
    assumptions_table,
    column,
    contract_years,
    financial_years,
    means,
    options,
    shown_options,
)
from simulator.report import REPLACED, card_facts
from simulator.vocabulary import HEADLINE, METRICS, fixed

PAGE_WIDTH_MM, PAGE_HEIGHT_MM, MARGIN_MM = 210, 297, 25


def build_document(
    results: SavedResults, charts: Sequence[tuple[str, Path]], trouble: str = ""
) -> Any:
    """The paper: what it is from, the recommendation (recommend), In short and its notes,
    the options and what each buys, the options' figures a year at a time, the contract
    and financial years, the differences from the baseline (compare), the charts (or one
    line saying why there are none), the assumptions and the glossary."""
    document = Document()
    _page(document)
    document.add_heading("Commissioning independent advocacy: options for decision", 0)
    document.add_paragraph(_provenance(results))
    _recommendation(document, results)
    document.add_heading("In short", 1)
    document.add_paragraph(briefing.summary_paragraph(results.summary))
    sweep = bool(results.manifest.get("sweep"))
    for note in briefing.notes(results.summary, results.scenarios, sweep):
        document.add_paragraph(note)
    _options(document, results)
    _figures(document, results.summary)
    _contract_years(document, results)
    if not sweep:
        _differences(document, results.differences)
    _charts(document, charts, trouble)
    _assumptions(document, results)
    _glossary(document)
    return document


def _page(document: Any) -> None:
    """A4 portrait with 25 mm margins: the page a council's papers are printed on."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))


def _provenance(results: SavedResults) -> str:
    """Where the figures come from: the scenarios, seed, replications, version and run."""
    manifest = results.manifest
    names = ", ".join(s["name"] for s in results.scenarios)
    seeds = ", ".join(sorted({str(s.get("seed")) for s in results.scenarios}))
    reps = ", ".join(sorted({str(s.get("replications")) for s in results.scenarios}))
    return (
        f"From the result folder {results.folder.resolve().name}: {names}; seed {seeds}, {reps} "
        f"replications; advocacy-sim {manifest.get('advocacy_sim_version', '')}, run "
        f"{manifest.get('created', '')}. Figures are means over replications with 95% "
        "confidence intervals. Costs are in GBP, the cost to the council. The full "
        "report (report.html) and every figure (summary.csv) are in the same folder."
    )


def _recommendation(document: Any, results: SavedResults) -> None:
    """recommend's answer, its confidence, and every option with its verdicts."""
    advice, candidates = results.recommendation, results.candidates
    if advice is None or candidates is None:
        return
    document.add_heading("Recommendation", 1)
    document.add_paragraph().add_run(advice["answer"]).bold = True
    document.add_paragraph(
        f"How it was chosen: {advice['procedure']}. Intervals below are at "
        f"{advice['interval_level']:.2%} each, so that all of them hold together at "
        f"{advice['confidence']:.0%}; "
        f"{advice['replications_used']} replications were run, against "
        f"{advice['replications_full_grid']} for every option at the limit."
    )
    objective = advice["objective"]["metric"]
    shown = METRICS[objective]
    rows = []
    for _, row in candidates.iterrows():
        value = shown.format(row[objective])
        if not fixed(row[objective], row["ci_low"], row["ci_high"]):
            value += f" ({shown.format(row['ci_low'])} to {shown.format(row['ci_high'])})"
        why = row["why"] if isinstance(row["why"], str) else ""
        rows.append([str(row["scenario"]), f"{row['reps']:.0f}", value, str(row["feasible"]),
                     str(row["status"]), why])  # fmt: skip
    head = ["Option", "Replications", f"{shown.label} (interval)", "Meets every requirement",
            "Outcome", "Why"]  # fmt: skip
    _table(document, head, rows)


def _options(document: Any, results: SavedResults) -> None:
    """Each option as its report card states it: its description and what it buys."""
    document.add_heading("The options", 1)
    for scenario in results.scenarios:
        document.add_heading(scenario["name"], 2)
        if scenario.get("description"):
            document.add_paragraph(scenario["description"])
        for fact in card_facts(scenario, results.summary):
            document.add_paragraph(fact, style="List Bullet")


def _figures(document: Any, summary: pd.DataFrame) -> None:
    """The options side by side, a year at a time: the headline figures with their 95%
    intervals, then what a tender needs (the report's at-a-glance figures)."""
    document.add_heading("The options, a year at a time", 1)
    document.add_paragraph(
        "Means over replications; below each headline figure, its 95% interval. "
        "Shares are of the referrals in the measured period."
    )
    table = means(summary)
    lows = summary[summary["group"] == "all"].pivot_table(
        index="scenario", columns="metric", values="ci_low", sort=False
    )
    highs = summary[summary["group"] == "all"].pivot_table(
        index="scenario", columns="metric", values="ci_high", sort=False
    )
    extra = [(m, label) for m, label in briefing.GLANCE if m not in HEADLINE]
    for group in shown_options(options(summary)):
        rows = []
        for metric in HEADLINE:
            cells = [column(metric)]
            for name in group:
                value = table.at[name, metric] if metric in table else float("nan")
                cell = METRICS[metric].format(value)
                low, high = lows.at[name, metric], highs.at[name, metric]
                if value == value and not fixed(value, low, high):
                    cell += f"\n{METRICS[metric].format(low)} to {METRICS[metric].format(high)}"
                cells.append(cell)
            rows.append(cells)
        for metric, label in extra:
            values = [table.at[n, metric] if metric in table else float("nan") for n in group]
            if all(v != v for v in values):
                continue
            rows.append([label, *(METRICS[metric].format(v) if v == v else "none" for v in values)])
        _table(document, ["Figure", *group], rows)


def _contract_years(document: Any, results: SavedResults) -> None:
    """Cash cost a year and breaches in each contract year, an option a row, and the cost
    in each financial year, as headline.xlsx gives them (with a good and a bad run)."""
    money = _shown("cost_total_per_year")
    years = contract_years(results)
    if len(years):
        document.add_heading("By contract year", 2)
        document.add_paragraph(
            "Contract years from day 0, each at its own rates. 'Runs' is the 10th to 90th "
            "percentile across replications: a good and a bad year."
        )
        cost, good, bad, _, breaches, _ = (heading for *_, heading in YEAR_FIGURES)
        cells = {}
        for _, row in years.iterrows():
            label = "" if row["Contract"] in ("term", NO_TERM) else f"{row['Contract']}\n"
            cells[(row["Option"], row["Contract year"])] = (
                f"{label}{money(row[cost])} a year\nruns {money(row[good])} to "
                f"{money(row[bad])}\n{_shown('breaches_per_year')(row[breaches])} breaches"
            )
        _grid(document, "Option", list(dict.fromkeys(years["Option"])),
              sorted(set(years["Contract year"])), cells, "Year {}")  # fmt: skip
    financial = financial_years(results.summary)
    if len(financial):
        document.add_heading("By financial year", 2)
        document.add_paragraph(
            "Cost in the measured days of each of the council's financial years: a part-year "
            "counts only its measured days."
        )
        (_, mean), (_, good), (_, bad) = FINANCIAL_FIGURES
        cells = {
            (row["Option"], row["Financial year"]):
                f"{money(row[mean])}\nruns {money(row[good])} to {money(row[bad])}"
            for _, row in financial.iterrows()
        }  # fmt: skip
        _grid(document, "Option", list(dict.fromkeys(financial["Option"])),
              sorted(set(financial["Financial year"])), cells, "{}")  # fmt: skip


def _differences(document: Any, differences: pd.DataFrame | None) -> None:
    """Each option's headline figures minus the baseline's, paired on the same referrals,
    with the 95% interval and whether it excludes zero (a clear difference)."""
    if differences is None or differences.empty:
        return
    rows = differences[differences["metric"].isin(HEADLINE) & (differences["group"] == "all")]
    if rows.empty:
        return
    document.add_heading(f"Differences from {rows['baseline'].iloc[0]}", 2)
    document.add_paragraph(
        "Paired on the same referrals, so a difference comes from the contract, not from luck. "
        "Differences of shares are in percentage points (pp). Below each difference, its 95% "
        "interval, and whether it is a clear difference (the interval excludes zero)."
    )
    cells = {}
    for _, row in rows.iterrows():
        metric = row["metric"]
        sign = METRICS[metric].difference
        if row["ci_low"] != row["ci_low"]:
            below = "not applicable"
        elif fixed(row["mean_difference"], row["ci_low"], row["ci_high"]):
            clear = "clear" if row["mean_difference"] else "none"
            below = f"the same in every replication\n{clear}"
        else:
            clear = "clear" if row["excludes_zero"] else "not clear"
            below = f"{sign(row['ci_low'], '−')} to {sign(row['ci_high'], '−')}\n{clear}"
        cells[(column(metric), row["scenario"])] = f"{sign(row['mean_difference'], '−')}\n{below}"
    figures = [column(m) for m in HEADLINE if m in set(rows["metric"])]
    _grid(document, "Figure", figures, list(dict.fromkeys(rows["scenario"])), cells, "{}", 3)


def _charts(document: Any, charts: Sequence[tuple[str, Path]], trouble: str) -> None:
    """The key charts, each under its title (a caption kept with its picture); or one line
    saying why there are none."""
    document.add_heading("Charts", 1)
    if not charts:
        document.add_paragraph(
            f"The charts could not be drawn here ({trouble}); they are in report.html, in "
            "the same folder."
        )
        return
    for title, path in charts:
        document.add_paragraph(title, style="Caption").paragraph_format.keep_with_next = True
        document.add_picture(str(path), width=Mm(PAGE_WIDTH_MM - 2 * MARGIN_MM))


def _assumptions(document: Any, results: SavedResults) -> None:
    """Each option's assumptions as its report card lists them; options with the same
    list share it (a sweep's points, say)."""
    document.add_heading("Assumptions", 1)
    table = assumptions_table(results)
    if table.empty:
        document.add_paragraph("No option lists its assumptions.")
        return
    lists: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for name in dict.fromkeys(table["Option"]):
        mine = table[table["Option"] == name]
        lists.setdefault(tuple(zip(mine["Assumption"], mine["Note"], strict=True)), []).append(name)
    for items, names in lists.items():
        if len(lists) > 1:
            document.add_heading(", ".join(names), 2)
        for text, note in items:
            if not note:
                document.add_paragraph(text, style="List Bullet")
        replaced = [text for text, note in items if note]
        if replaced:
            document.add_paragraph(f"{REPLACED}:")
            for text in replaced:
                document.add_paragraph(text, style="List Bullet 2")


def _glossary(document: Any) -> None:
    """The report's glossary, then the name of each headline figure in summary.csv."""
    document.add_heading("Glossary", 1)
    for term, text in briefing.GLOSSARY.items():
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{term}: ").bold = True
        paragraph.add_run(text)
    document.add_paragraph("The headline figures, as summary.csv and headline.csv name them:")
    for metric in HEADLINE:
        document.add_paragraph(
            f"{column(metric)}: {METRICS[metric].label} ({metric})", style="List Bullet"
        )


def _shown(metric: str) -> Any:
    """A figure formatted as the registry formats ``metric``; a dash where there is none."""
    return lambda value: "–" if value is None else METRICS[metric].format(value)


def _grid(
    document: Any,
    corner: str,
    rows: Sequence[Any],
    columns: Sequence[Any],
    cells: dict[tuple[Any, Any], str],
    heading: str,
    at_once: int = 4,
) -> None:
    """A table of ``rows`` by ``columns`` (``cells[(row, column)]``, a dash where there is
    none), at most ``at_once`` columns to a table so that it fits the page's width."""
    for group in shown_options(list(columns), at_once):
        body = [[str(row), *(cells.get((row, c), "–") for c in group)] for row in rows]
        _table(document, [corner, *(heading.format(c) for c in group)], body)


def _table(document: Any, head: Sequence[str], rows: Sequence[Sequence[str]]) -> Any:
    """A plain table (the template's Table Grid): the heading row bold, the first column
    wider, figures right aligned, a line break in a cell a smaller second paragraph, and
    smaller text where many columns share the page."""
    size = Pt(10 if len(head) <= 4 else 9)
    table = document.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(text))
        run.bold, run.font.size = True, size
    for row in rows:
        cells = table.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, row, strict=True)):
            first, *rest = str(text).split("\n")
            cell.text = ""
            cell.paragraphs[0].add_run(first).font.size = size
            for line in rest:
                cell.add_paragraph().add_run(line).font.size = Pt(8)
            if index and _numeric(first):
                for paragraph in cell.paragraphs:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _widths(table, len(head))
    document.add_paragraph()
    return table


def _widths(table: Any, columns: int) -> None:
    """The first column (names) half the page's width beside one other column, a third
    beside two, a quarter beside three or four, and no wider than the rest beside more;
    the rest share what is left (set on the grid and on each cell, as Word and
    LibreOffice each read one of them)."""
    width = PAGE_WIDTH_MM - 2 * MARGIN_MM
    first = width / min(max(columns, 2), 4) if columns <= 5 else width / columns
    rest = (width - first) / max(columns - 1, 1)
    table.autofit = False
    for index, grid in enumerate(table.columns):
        grid.width = Mm(first if index == 0 else rest)
    for row in table.rows:
        for index, cell in enumerate(row.cells):
            cell.width = Mm(first if index == 0 else rest)


def _numeric(text: str) -> bool:
    """Whether a cell holds a figure (aligned right), not words."""
    core = text.strip().lstrip("£+-−").replace(",", "").replace("%", "").replace(" pp", "")
    return core.replace(".", "", 1).isdigit() or text.strip() in ("–", "none")
