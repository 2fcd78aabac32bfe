"""Shared fixtures; the helpers themselves are in ``tests/helpers.py``."""

from __future__ import annotations

from tests.helpers import build, mmc_data  # noqa: F401  (older imports from conftest)
