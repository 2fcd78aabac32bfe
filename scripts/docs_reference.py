"""Rewrite the documentation's two generated tables from the code: every scenario
field (``docs/reference/scenario.md``) and every metric (``docs/reference/metrics.md``).

The field table comes from the schema's descriptions, the metric table from the
metric registry, so the pages cannot drift from either; ``tests/test_docs.py``
checks each page is what this script writes. Only the table is replaced: the prose
around it is the page's own.

    python scripts/docs_reference.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO_PAGE = ROOT / "docs" / "reference" / "scenario.md"
METRIC_PAGE = ROOT / "docs" / "reference" / "metrics.md"
FIELD_HEADER = "| field | type | default | meaning |"
METRIC_HEADER = "| metric | label | unit | kind |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def field_table() -> list[str]:
    from simulator.scenario import field_reference

    rows = [FIELD_HEADER, "|---|---|---|---|"]
    for path, kind, default, meaning in field_reference():
        cells = (f"`{path}`", kind, default or "(empty)", meaning)
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return rows


def metric_table() -> list[str]:
    from simulator.vocabulary import METRICS

    kinds = {
        "total": "total over the measured period",
        "per_year": "per year",
        "share": "share (0 to 1)",
        "average": "average or percentile",
        "level": "count at a moment",
    }
    rows = [METRIC_HEADER, "|---|---|---|---|"]
    for metric in METRICS.values():
        cells = (f"`{metric.name}`", metric.label, metric.unit, kinds[metric.kind])
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return rows


def replace_table(lines: list[str], header_start: str, table: list[str]) -> list[str]:
    """Swap the table whose header starts with ``header_start`` for ``table``."""
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return lines[:start] + table + lines[end:]


def rendered() -> dict[Path, str]:
    """Each generated page as this script would write it."""
    pages = {SCENARIO_PAGE: ("| field | type |", field_table()),
             METRIC_PAGE: ("| metric | label |", metric_table())}  # fmt: skip
    return {
        page: "\n".join(replace_table(page.read_text(encoding="utf-8").split("\n"), *table))
        for page, table in pages.items()
    }


def main() -> int:
    for page, text in rendered().items():
        page.write_text(text, encoding="utf-8")
        print(f"wrote {page.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
