"""advocacy-sim: simulate how a local authority commissions independent advocacy.

The public API is the scenario loader, one replication, the runner and the
metrics; the command line (``advocacy-sim``) is thin glue over these.
"""

__version__ = "0.1.0"

from simulator.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["Scenario", "ScenarioError", "__version__", "load_scenario"]
