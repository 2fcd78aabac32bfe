"""Back tests: fresh runs of every shipped scenario equal the committed summaries, byte for byte.

A failure means a result moved. If the change was meant, regenerate with
``python scripts/regenerate_backtests.py`` and commit the files with a message
that says which change moved which figure and why.
"""

from __future__ import annotations

import importlib.util
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
    assert fresh.read_bytes() == expected.read_bytes(), (
        f"{name}: results moved; if meant, run scripts/regenerate_backtests.py and say why"
    )
