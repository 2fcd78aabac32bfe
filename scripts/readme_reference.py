"""Rewrite the README's two generated tables from the code: every scenario field
(``## Scenario reference``) and every metric (``### Metrics``).

The field table comes from the schema's descriptions, the metric table from the
metric registry, so the README cannot drift from either; ``tests/test_docs.py``
checks the README is what this script writes.

    python scripts/readme_reference.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
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


def rendered() -> str:
    lines = README.read_text(encoding="utf-8").split("\n")
    lines = replace_table(lines, "| field | type |", field_table())
    lines = replace_table(lines, "| metric | label |", metric_table())
    return "\n".join(lines)


def main() -> int:
    README.write_text(rendered(), encoding="utf-8")
    print(f"wrote {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
