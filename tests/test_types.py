"""mypy over the package, as pyproject.toml configures it (the engine modules strictly).

The README's test command is how CI runs mypy: this test runs it through ``mypy.api`` and
fails with every error listed. ``PENDING`` holds the errors of files under restructuring
when mypy was brought in, by file and count: a file may have exactly that many and every
other file none. Lower a count as its errors are fixed (remove the file at none), so
that no new error can take a fixed one's place.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ERROR = re.compile(r"^(?P<file>[^:\s]+\.py):\d+: error: ", re.MULTILINE)

PENDING = {
    "simulator/demand.py": 4,
    "simulator/metrics.py": 7,
    "simulator/model.py": 4,
    "simulator/results.py": 1,
    "simulator/uncertainty.py": 6,
}


def test_mypy_finds_no_errors_beyond_those_pending(monkeypatch: pytest.MonkeyPatch) -> None:
    from mypy import api

    monkeypatch.chdir(ROOT)  # paths in the report relative to the root; its cache there
    stdout, stderr, status = api.run(["--config-file", "pyproject.toml"])
    assert status in (0, 1), f"mypy did not run (status {status}):\n{stderr}{stdout}"
    found = Counter(match["file"] for match in ERROR.finditer(stdout))
    assert dict(found) == PENDING, (
        f"mypy's errors by file are {dict(sorted(found.items()))}, expected {PENDING} "
        f"(fix a new one; lower PENDING for one fixed):\n{stdout}"
    )
