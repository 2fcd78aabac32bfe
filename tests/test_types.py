"""mypy over the package, as pyproject.toml configures it (the engine modules strictly).

The README's test command is how CI runs mypy: this test runs it through ``mypy.api`` and
fails with every error listed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    from mypy import api

    monkeypatch.chdir(ROOT)  # paths in the report relative to the root; its cache there
    stdout, stderr, status = api.run(["--config-file", "pyproject.toml"])
    assert status == 0, f"mypy (status {status}):\n{stderr}{stdout}"
