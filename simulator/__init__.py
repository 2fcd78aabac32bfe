"""advocacy-sim: simulate how a local authority commissions independent advocacy.

The public API: load a scenario, run one replication or many, and turn the
records into figures. The command line (``advocacy-sim``) is thin glue over it.
"""

__version__ = "0.1.0"

from simulator.metrics import METRICS, paired_differences, per_replication, summarise
from simulator.model import Records, simulate
from simulator.runner import Backend, ScenarioResult, run_scenario
from simulator.scenario import Scenario, ScenarioError, load_scenario

__all__ = [
    "METRICS",
    "Backend",
    "Records",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "__version__",
    "load_scenario",
    "paired_differences",
    "per_replication",
    "run_scenario",
    "simulate",
    "summarise",
]
