"""Helpers shared by the tests: small scenarios built in code, and running the program."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from simulator.cli import cli
from simulator.metrics import per_replication
from simulator.model import simulate
from simulator.scenario import Scenario, set_dotted, validate


def mmc_data(
    servers: int = 1,
    arrivals_per_day: float = 0.8,
    mean_service_days: float = 1.0,
    horizon_days: float = 1000.0,
    **extra: Any,
) -> dict[str, Any]:
    """An M/M/c queue as a scenario: one slot per advocate working 24 hours a day, every day.

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
                    "working_days": "every_day",
                    "skills": ["care_act"],
                }
            ],
        },
    }
    for dotted, value in extra.items():
        data = set_dotted(data, dotted.replace("__", "."), value)
    return data


def build(data: dict[str, Any], **changes: Any) -> Scenario:
    """Validate a copy of ``data`` with dotted-path changes (``a__b=1`` sets a.b).

    Advocates who are not told their ``working_days`` work every day here: the queueing
    theory and the hand-worked timelines these scenarios are checked against have no
    weekends (a test of weekdays says ``working_days: weekdays``)."""
    data = copy.deepcopy(data)
    for dotted, value in changes.items():
        data = set_dotted(data, dotted.replace("__", "."), value)
    return validate(every_day_unless_said(data), "<test>")


def every_day_unless_said(data: dict[str, Any]) -> dict[str, Any]:
    """``working_days: every_day`` on each provider, flex and spot market that gives none."""
    commissioning = data.get("commissioning", {})
    markets = [*commissioning.get("providers", []), commissioning.get("spot")]
    markets += [p.get("flex") for p in commissioning.get("providers", [])]
    for market in markets:
        if isinstance(market, dict):
            market.setdefault("working_days", "every_day")
    return data


SPOT = {
    "rate_per_hour": 45.0,
    "mileage_rate": 0.45,
    "arrangement_days": {"dist": "fixed", "mean": 5.0},
    "market_advocates": 50.0,
    "caseload_cap": 20,
    "working_days": "every_day",
}


def county(model: str = "single_provider", **changes: Any) -> dict[str, Any]:
    """A small county: two types, one specialist need, rural travel; its advocates work
    every day, as every scenario did before ``working_days`` (tests of weekdays say so)."""
    data: dict[str, Any] = {
        "name": model,
        "horizon_days": 730.0,
        "warm_up_days": 60.0,
        "seed": 11,
        "demand": {
            "referrals_per_year": 600.0,
            "urgent_share": 0.1,
            "mix": {
                "care_act": {"share": 0.7, "hours": {"dist": "lognormal", "mean": 12, "sd": 8}},
                "imca": {"share": 0.3, "hours": {"dist": "gamma", "mean": 8, "sd": 4}},
            },
            "needs": {"bsl": 0.05},
            "localities": {
                "urban": {"share": 0.6, "miles_per_case": {"dist": "fixed", "mean": 5}},
                "rural": {"share": 0.4, "miles_per_case": {"dist": "fixed", "mean": 40}},
            },
        },
        "commissioning": {
            "model": model,
            "block_share": 1.0,
            "providers": [
                {"name": "A", "skills": ["care_act", "imca", "bsl"], "working_days": "every_day"}
            ],
            "spot": copy.deepcopy(SPOT),
        },
    }
    if model == "hub":
        data["commissioning"]["hub"] = {
            "triage_hours": 0.5,
            "triage_rate_per_hour": 40.0,
            "management_fee_per_year": 10_000.0,
        }
    for dotted, value in changes.items():
        data = set_dotted(data, dotted.replace("__", "."), value)
    return data


def figures(scenario, reps: int = 1):
    records = [simulate(scenario, rep) for rep in range(reps)]
    table = per_replication(records, scenario)
    return table.groupby(["metric", "group"])["value"].mean(), records


SCENARIO = """\
name: Test county
horizon_days: 200
warm_up_days: 20
replications: 4
demand:
  referrals_per_year: 300
  urgent_share: 0.2
  mix:
    care_act: {share: 0.7, hours: {dist: lognormal, mean: 12, sd: 8}}
    imca: {share: 0.3, hours: {dist: gamma, mean: 8, sd: 4}}
  needs: {bsl: 0.05}
  localities:
    urban: {share: 0.6, miles_per_case: {dist: fixed, mean: 4}}
    rural: {share: 0.4, miles_per_case: {dist: uniform, low: 20, high: 60}}
  deadline_days: {dist: triangular, low: 5, mode: 10, high: 28}
commissioning:
  model: single_provider
  providers:
    - {name: Provider A, skills: [care_act, imca], caseload_cap: 10}
"""


def scenario_file(tmp_path: Path, name: str, **replace: str) -> Path:
    """The CLI test scenario under another name, with text replacements, written to a file."""
    text = SCENARIO.replace("name: Test county", f"name: {name}")
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / f"{name.replace(' ', '-')}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def main(*args: str) -> subprocess.CompletedProcess:
    """Run the real entry point, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args], capture_output=True, text=True, timeout=600
    )


def invoke(*args: str):
    """Run a command in-process (click's test runner); exceptions propagate."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)
