"""advocacy-sim: simulate how a local authority commissions independent advocacy.

The public API: run a scenario, compare several or sweep one over a field
(:func:`run`, :func:`compare`, :func:`sweep`, each giving :class:`Results`);
below them, load a scenario, run one replication or many, and turn the
records into figures. The command line (``advocacy-sim``) is thin glue over it.
"""

__version__ = "0.1.0"

from simulator.metrics import METRICS, paired_differences, per_replication, summarise
from simulator.model import Records, simulate
from simulator.results import Results
from simulator.runner import Backend, ScenarioResult, run_scenario
from simulator.scenario import Scenario, ScenarioError, load_scenario
from simulator.study import compare, run, sweep

__all__ = [
    "METRICS",
    "Backend",
    "Records",
    "Results",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "__version__",
    "compare",
    "load_scenario",
    "paired_differences",
    "per_replication",
    "run",
    "run_scenario",
    "simulate",
    "summarise",
    "sweep",
]
