"""Write the synthetic example case list from its known scenario.

    python scripts/make_case_list.py [--scenario examples/synthetic-service.yaml]
                                     [--seed 2026] [--out examples/case-list.csv]

The list is one simulated history of the scenario (see ``simulator.synthetic``): the
same scenario and seed always give the same file. ``examples/case-list.csv`` is this
script's output at the defaults; docs/how-to/calibrate.md starts from it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator.scenario import load_scenario
from simulator.synthetic import synthetic_case_list

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "examples" / "synthetic-service.yaml"))
    parser.add_argument("--seed", type=int, default=None, help="default: the scenario's")
    parser.add_argument("--out", default=str(ROOT / "examples" / "case-list.csv"))
    options = parser.parse_args()
    overrides = {} if options.seed is None else {"seed": options.seed}
    scenario = load_scenario(options.scenario, overrides)
    cases = synthetic_case_list(scenario)
    cases.to_csv(options.out, index=False, lineterminator="\n")
    still_open = (cases["closed_date"] == "").sum()
    print(f"wrote {options.out}: {len(cases)} referrals, {still_open} still open")
    return 0


if __name__ == "__main__":
    sys.exit(main())
