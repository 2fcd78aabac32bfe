"""advocacy-sim: simulate how a local authority commissions independent advocacy.

The public API: run a scenario, compare several, sweep one over a field or find
what to buy (:func:`run`, :func:`compare`, :func:`sweep`, :func:`recommend`,
each giving :class:`Results`), and write a saved result folder's committee paper
(:func:`write_paper`); below them, load a scenario, run one replication
or many, and turn the records into figures; :func:`replay` runs a case list's own
referrals through contracts. The command line (``advocacy-sim``)
is thin glue over it.

Names are imported when first used (PEP 562), so ``import simulator`` and the
command line's quick commands (``validate``, ``--help``) do not load pandas,
scipy or plotly.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.8.0"

_WHERE = {
    "METRICS": "simulator.vocabulary",
    "paired_differences": "simulator.stats",
    "per_replication": "simulator.metrics",
    "summarise": "simulator.metrics",
    "Records": "simulator.model",
    "simulate": "simulator.model",
    "Results": "simulator.results",
    "Backend": "simulator.runner",
    "ScenarioResult": "simulator.runner",
    "run_scenario": "simulator.runner",
    "Scenario": "simulator.scenario",
    "ScenarioError": "simulator.scenario",
    "load_scenario": "simulator.scenario",
    "compare": "simulator.study",
    "recommend": "simulator.study",
    "replay": "simulator.replay_study",
    "run": "simulator.study",
    "sweep": "simulator.study",
    "write_paper": "simulator.paper",
}

__all__ = ["__version__", *sorted(_WHERE)]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
