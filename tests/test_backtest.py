"""Back tests: fresh runs of every shipped scenario equal the committed summaries.

Every label and count must be the same, and every figure the same to nine significant
digits. Not byte for byte: a clean clone on another processor, or with newer numerical
libraries, moved the 16th digit of a mean (vectorised sums can add in another order).
Any change to the model moves figures in their first few digits, so nine catch it.

A failure means a result moved. If the change was meant, regenerate with
``python scripts/regenerate_backtests.py`` and commit the files with a message
that says which change moved which figure and why.
"""

from __future__ import annotations

import csv
import importlib.util
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "regenerate_backtests", ROOT / "scripts" / "regenerate_backtests.py"
)
assert _spec is not None and _spec.loader is not None
regenerate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regenerate)


def test_every_shipped_scenario_has_a_back_test():
    shipped = {p.stem for p in (ROOT / "scenarios").glob("*.yaml")}
    committed = {p.stem for p in regenerate.BACKTESTS.glob("*.csv")}
    assert shipped and shipped <= committed
    assert committed == set(regenerate.back_tests())


@pytest.mark.parametrize("name", list(regenerate.back_tests()))
def test_fresh_run_equals_the_committed_summary(name: str, tmp_path: Path):
    fresh = tmp_path / "summary.csv"
    regenerate.summary_csv(name, fresh)
    expected = regenerate.BACKTESTS / f"{name}.csv"
    moved = first_difference(read_rows(fresh), read_rows(expected))
    assert moved is None, (
        f"{name}: results moved ({moved}); if meant, run scripts/regenerate_backtests.py "
        "and say why"
    )


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def same_cell(fresh: str, expected: str) -> bool:
    """Equal text, or equal numbers to nine significant digits."""
    if fresh == expected:
        return True
    try:
        return math.isclose(float(fresh), float(expected), rel_tol=1e-9, abs_tol=1e-9)
    except ValueError:
        return False


def first_difference(fresh: list[list[str]], expected: list[list[str]]) -> str | None:
    """Where two summaries first differ (row, then cell), or None when they agree."""
    if len(fresh) != len(expected):
        return f"{len(fresh)} rows against {len(expected)}"
    for number, (new, old) in enumerate(zip(fresh, expected, strict=True), start=1):
        if len(new) != len(old) or not all(map(same_cell, new, old)):
            return f"line {number}: {','.join(new)} against {','.join(old)}"
    return None


def test_the_comparison_ignores_the_last_digits_and_nothing_more():
    row = ["Hub", "cost_total", "all", "1000.0000000000001", "4"]
    assert first_difference([row], [[*row[:3], "1000.0", "4"]]) is None
    assert first_difference([row], [[*row[:3], "1000.001", "4"]]) is not None
    assert first_difference([row], [[*row[:3], "1000.0000000000001", "5"]]) is not None
    assert first_difference([row], [["Spot", *row[1:]]]) is not None
    assert first_difference([row], [row, row]) is not None
