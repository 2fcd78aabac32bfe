"""Shared fixtures; the helpers themselves are in ``tests/helpers.py``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import build, mmc_data  # noqa: F401  (older imports from conftest)


@pytest.fixture
def mm1() -> dict[str, Any]:
    return mmc_data()
