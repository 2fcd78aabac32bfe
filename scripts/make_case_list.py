"""Write the synthetic example case list from its known scenario.

    python scripts/make_case_list.py [--scenario examples/synthetic-service.yaml]
                                     [--seed 2026] [--out examples/case-list.csv]

The list is one simulated history of the scenario (replication 0, see
``simulator.replay_synthetic``) with the day each referral's advocate was allocated
(``allocated_date``) and a case reference; hours to 0.1, as providers record them. The
same scenario and seed always give the same file. Referrals arrive at the start of
their day, as a list records them, so ``advocacy-sim replay`` of the list through the
same scenario and seed meets every referral when the history did.
``examples/case-list.csv`` is this script's output at the defaults;
docs/how-to/calibrate.md and docs/how-to/replay.md start from it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator.replay_synthetic import case_list_with_allocations
from simulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "examples" / "synthetic-service.yaml"))
    parser.add_argument("--seed", type=int, default=None, help="default: the scenario's")
    parser.add_argument("--out", default=str(ROOT / "examples" / "case-list.csv"))
    options = parser.parse_args()
    overrides = {} if options.seed is None else {"seed": options.seed}
    scenario = load_scenario(options.scenario, overrides)
    cases = case_list_with_allocations(scenario, hours_decimals=1)
    cases.to_csv(options.out, index=False, lineterminator="\n")
    still_open = (cases["closed_date"] == "").sum()
    waiting = (cases["allocated_date"] == "").sum()
    print(
        f"wrote {options.out}: {len(cases)} referrals, {still_open} still open, {waiting} "
        "of them not yet allocated"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
