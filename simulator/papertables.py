"""The committee's figures as tables: headline.csv and headline.xlsx, and the tables the
committee paper (:mod:`simulator.paperdoc`) lays out.

One row per option with the figures a committee asks for first (``vocabulary.HEADLINE``),
each rounded as the registry formats it and headed with its unit; the contract years and
financial years where ``summary.csv`` has them; every option's assumptions as its report
card lists them. Read from a saved result folder; the workbook is the one file written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.files import SavedResults
from simulator.report import REPLACED, card_assumptions
from simulator.vocabulary import HEADLINE, METRICS

COLUMNS = {
    "cost_to_serve_per_year": "Cost to serve (GBP a year)",
    "cost_total_per_year": "Cash cost (GBP a year)",
    "wait_mean_days": "Mean wait (days)",
    "wait_p90_days": "p90 wait (days)",
    "within_target_share": "Within target (%)",
    "breaches_per_year": "Breaches (a year)",
    "unserved_per_year": "Unserved (people a year)",
    "block_hours_unused_per_year": "Unused block hours (hours a year)",
}
"""The headline figures' column headings: the terminal's short names, units in brackets."""


def column(metric: str) -> str:
    """A figure's column heading with its unit: the short name where there is one, else
    the registry's label (shares in %, figures a year said so)."""
    if metric in COLUMNS:
        return COLUMNS[metric]
    shown = METRICS[metric]
    unit = "%" if shown.kind == "share" else shown.unit
    unit += (
        " a year" if shown.kind == "per_year" else ", period total" if shown.kind == "total" else ""
    )
    return f"{shown.label} ({unit})"


def decimals(metric: str) -> int:
    """Decimal places a figure is given to: as the registry formats it (pounds whole, days
    to one place), shares as a percentage to one place."""
    places = re.search(r"\.(\d+)[f%]", METRICS[metric].fmt)
    found = int(places[1]) if places else 0
    return found + 1 if METRICS[metric].kind == "share" else found


def rounded(metric: str, value: float) -> int | float | None:
    """A figure as the paper's tables give it: a share as a percentage, rounded to
    :func:`decimals` places (a whole number when none); None where there is no value."""
    if value != value:
        return None
    scaled = value * 100 if METRICS[metric].kind == "share" else value
    places = decimals(metric)
    return round(float(scaled)) if places == 0 else round(float(scaled), places)


def number_format(metric: str) -> str:
    """The spreadsheet's number format for a figure: thousands separated, its decimals."""
    places = decimals(metric)
    return "#,##0" + ("." + "0" * places if places else "")


def options(summary: pd.DataFrame) -> list[str]:
    """The options in the order they ran (the baseline first)."""
    return [str(name) for name in dict.fromkeys(summary["scenario"])]


def means(summary: pd.DataFrame, group: str = "all") -> pd.DataFrame:
    """Option x metric means of one group, options in their order (missing: NaN)."""
    rows = summary[summary["group"] == group]
    table = rows.pivot_table(index="scenario", columns="metric", values="mean", sort=False)
    return table.reindex(options(summary))


def headline_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per option: ``Option`` and the committee's figures (``HEADLINE``) under
    their :func:`column` headings, rounded by :func:`rounded`."""
    table = means(summary)
    rows = []
    for name in table.index:
        row: dict[str, Any] = {"Option": name}
        for metric in HEADLINE:
            row[column(metric)] = (
                rounded(metric, table.at[name, metric]) if metric in table else None
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=["Option", *map(column, HEADLINE)], dtype=object)


YEAR_FIGURES = (
    ("cost_total_per_year", "mean", "Cash cost (GBP a year)"),
    ("cost_total_per_year", "p10", "Cash cost, a good run: 10th percentile (GBP a year)"),
    ("cost_total_per_year", "p90", "Cash cost, a bad run: 90th percentile (GBP a year)"),
    ("referrals", "mean", "Referrals (in the year's measured days)"),
    ("breaches", "mean", "Breaches (in the year's measured days)"),
    ("fte_at_work", "mean", "Block advocates at work (FTE)"),
)
"""A contract year's figures: metric, the summary column read, and its heading."""


def contract_years(results: SavedResults) -> pd.DataFrame:
    """Each option's contract years (groups ``year=N``) with their cost a year, a good
    and a bad run, referrals, breaches and block advocates at work; an option with a
    term gives the years of its term and extensions (labelled), as the report does.
    Empty when the summary has no contract years."""
    summary, terms = results.summary, results.terms
    rows = []
    for name in options(summary):
        mine = summary[summary["scenario"] == name].set_index(["metric", "group"])
        years = {int(g[5:]) for m, g in mine.index if g.startswith("year=")}
        for year in sorted(years):
            contract = _contract(terms.get(name), year)
            if contract is None:
                continue
            row: dict[str, Any] = {"Option": name, "Contract year": year, "Contract": contract}
            for metric, statistic, heading in YEAR_FIGURES:
                key = (metric, f"year={year}")
                value = mine.at[key, statistic] if key in mine.index else float("nan")
                row[heading] = rounded(metric, value)
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["Option", "Contract year", "Contract",
                                        *(h for *_, h in YEAR_FIGURES)], dtype=object)  # fmt: skip
    return frame.dropna(axis=1, how="all") if len(frame) else frame


NO_TERM = "no term set"


def _contract(term: tuple[int, int] | None, year: int) -> str | None:
    """What a contract year is to an option: within its term, an extension year, or None
    when outside its term and extensions; ``no term set`` when it gives none."""
    if term is None:
        return NO_TERM
    if year <= term[0]:
        return "term"
    if year <= term[0] + term[1]:
        return f"extension year {year - term[0]}"
    return None


FINANCIAL_FIGURES = (
    ("mean", "Cash cost in the year's measured days (GBP)"),
    ("p10", "A good run: 10th percentile (GBP)"),
    ("p90", "A bad run: 90th percentile (GBP)"),
)


def financial_years(summary: pd.DataFrame) -> pd.DataFrame:
    """Each option's cost in the measured days of each of the council's financial years
    (groups ``fy=2027/28``), with a good and a bad run; empty without them."""
    rows = summary[(summary["metric"] == "cost_total") & summary["group"].str.startswith("fy=")]
    table = pd.DataFrame(
        {
            "Option": rows["scenario"].astype(str),
            "Financial year": rows["group"].str.removeprefix("fy="),
            **{
                heading: [rounded("cost_total", v) for v in rows[statistic]]
                for statistic, heading in FINANCIAL_FIGURES
            },
        }
    )
    return table.reset_index(drop=True).astype(object)


def assumptions_table(results: SavedResults) -> pd.DataFrame:
    """Every option's assumptions as its report card lists them, one a row, and those of
    the files it extends that its own list replaced (noted so)."""
    rows = []
    for scenario in results.scenarios:
        own, replaced = card_assumptions(scenario, results.manifest)
        rows += [{"Option": scenario["name"], "Assumption": text, "Note": ""} for text in own]
        rows += [{"Option": scenario["name"], "Assumption": text, "Note": REPLACED}
                 for text in replaced]  # fmt: skip
    return pd.DataFrame(rows, columns=["Option", "Assumption", "Note"])


# --------------------------------------------------------------------------- the workbook


def write_workbook(results: SavedResults, path: Path) -> None:
    """``headline.xlsx``: the headline figures, then the contract years and financial
    years where the results have them, then the assumptions, a sheet each."""
    from openpyxl import Workbook

    book = Workbook()
    formats = {column(m): number_format(m) for m in HEADLINE}
    _sheet(book.active, "Headline", headline_table(results.summary), formats)
    sheets = [
        ("Contract years", contract_years(results),
         {h: number_format(m) for m, _, h in YEAR_FIGURES}),
        ("Financial years", financial_years(results.summary),
         {h: number_format("cost_total") for _, h in FINANCIAL_FIGURES}),
        ("Assumptions", assumptions_table(results), {}),
    ]  # fmt: skip
    for title, frame, shown in sheets:
        if len(frame):
            _sheet(book.create_sheet(), title, frame, shown)
    book.save(path)


def _sheet(sheet: Any, title: str, frame: pd.DataFrame, formats: dict[str, str]) -> None:
    """One table on a sheet: bold headings that wrap, the first row frozen, numbers in
    their formats, columns wide enough to read."""
    from openpyxl.styles import Alignment, Font

    sheet.title = title
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([None if _missing(v) else v for v in row])
    for index, name in enumerate(frame.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        head = sheet.cell(row=1, column=index)
        head.font = Font(bold=True)
        head.alignment = Alignment(wrap_text=True, vertical="top")
        longest = max([len(str(v)) for v in frame[name]] + [12])
        sheet.column_dimensions[letter].width = min(longest + 2, 90 if name == "Assumption" else 40)
        for cell in sheet[letter][1:]:
            if name in formats:
                cell.number_format = formats[name]
            if name == "Assumption":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def shown_options(names: Sequence[str], at_once: int = 4) -> list[list[str]]:
    """Options in as few groups of at most ``at_once`` as there can be, as even as can be
    (five are three and two, not four and one): the columns of tables on a portrait page."""
    groups = -(-len(names) // at_once)
    sizes = [len(names) // groups + (i < len(names) % groups) for i in range(groups)]
    starts = [sum(sizes[:i]) for i in range(groups)]
    return [list(names[start : start + size]) for start, size in zip(starts, sizes, strict=True)]
