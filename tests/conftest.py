"""Shared helpers: build small scenarios in code and run them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from simulator.scenario import Scenario, set_dotted, validate


def mmc_data(
    servers: int = 1,
    arrivals_per_day: float = 0.8,
    mean_service_days: float = 1.0,
    horizon_days: float = 1000.0,
    **extra: Any,
) -> dict[str, Any]:
    """An M/M/c queue as a scenario: one slot per advocate working 24 hours a day.

    ``caseload_cap: 1``, ``productive_share: 1`` and ``hours_per_week: 168`` make a
    case of H hours last H/24 days, so exponential hours of mean 24 x m give an
    exponential service time of mean m days.
    """
    data: dict[str, Any] = {
        "name": f"M/M/{servers}",
        "horizon_days": horizon_days,
        "replications": 1,
        "demand": {
            "referrals_per_year": arrivals_per_day * 365.0,
            "mix": {
                "care_act": {
                    "share": 1.0,
                    "hours": {"dist": "exponential", "mean": 24.0 * mean_service_days},
                }
            },
        },
        "commissioning": {
            "model": "single_provider",
            "providers": [
                {
                    "name": "A",
                    "advocates": float(servers),
                    "caseload_cap": 1,
                    "productive_share": 1.0,
                    "hours_per_week": 168.0,
                    "skills": ["care_act"],
                }
            ],
        },
    }
    for dotted, value in extra.items():
        data = set_dotted(data, dotted.replace("__", "."), value)
    return data


def build(data: dict[str, Any], **changes: Any) -> Scenario:
    """Validate a copy of ``data`` with dotted-path changes (``a__b=1`` sets a.b)."""
    data = copy.deepcopy(data)
    for dotted, value in changes.items():
        data = set_dotted(data, dotted.replace("__", "."), value)
    return validate(data, "<test>")


@pytest.fixture
def mm1() -> dict[str, Any]:
    return mmc_data()
