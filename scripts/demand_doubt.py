"""The county comparison with doubt about demand on and off.

"On": every county file's referral rate is a gamma distribution of mean 750 a year
(the base's figure) and sd ``--sd`` (default 90, 12%), drawn per replication. "Off"
is the same replications with the rate fixed at 750, as ``run`` and ``compare`` do
for the comparison they show. Both use the same seeds (common random numbers), so
only the doubt differs. Prints a Markdown table; ``--write`` also writes
``docs/demand-doubt.md``.

    python scripts/demand_doubt.py [--reps 30] [--sd 90] [--write]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import simulator
from simulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
FILES = ["county-block", "county-block-spot", "county-core-flex", "county-hub", "county-spot-only"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--sd", type=float, default=90.0)
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()
    rate = {"dist": "gamma", "mean": 750.0, "sd": options.sd}
    scenarios = [
        load_scenario(ROOT / "scenarios" / f"{name}.yaml",
                      {"demand.referrals_per_year": rate, "replications": options.reps})
        for name in FILES
    ]  # fmt: skip
    results = simulator.compare(scenarios, cases="none")
    doubt = results.demand_doubt.set_index(["scenario", "metric"])
    lines = [
        f"County comparison, {options.reps} replications, referral rate gamma(mean 750, sd "
        f"{options.sd:g}) a year drawn per replication against 750 fixed "
        "(`python scripts/demand_doubt.py --write`). Ranges are the 10th to 90th percentile "
        "of replications; the share is 1 - variance fixed / variance with doubt.",
        "",
        "| scenario | mean cost a year, fixed → with doubt | cost a year, fixed | cost a year, "
        "with doubt | sd ratio | share | breaches a year, fixed → with doubt (mean) | fixed | "
        "with doubt | sd ratio | share |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario in results.scenarios:
        cost = doubt.loc[(scenario.name, "cost_total_per_year")]
        breaches = doubt.loc[(scenario.name, "breaches_per_year")]
        lines.append(
            f"| {scenario.name} | £{cost.mean_demand_fixed:,.0f} → £{cost.mean_with_doubt:,.0f} | "
            f"£{cost.p10_demand_fixed:,.0f} to "
            f"£{cost.p90_demand_fixed:,.0f} | £{cost.p10_with_doubt:,.0f} to "
            f"£{cost.p90_with_doubt:,.0f} | {_ratio(cost)} | "
            f"{cost.share_of_variance_from_doubt:.0%} | {breaches.mean_demand_fixed:.1f} → "
            f"{breaches.mean_with_doubt:.1f} | {breaches.p10_demand_fixed:.1f} to "
            f"{breaches.p90_demand_fixed:.1f} | {breaches.p10_with_doubt:.1f} to "
            f"{breaches.p90_with_doubt:.1f} | {_ratio(breaches)} | "
            f"{breaches.share_of_variance_from_doubt:.0%} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if options.write:
        path = ROOT / "docs" / "demand-doubt.md"
        path.write_text("# Doubt about demand in the county comparison\n\n" + text, "utf-8")
    return 0


def _ratio(row) -> str:
    fixed = row.sd_demand_fixed
    return f"{row.sd_with_doubt / fixed:.1f}x" if fixed > 0 else "fixed cost"


if __name__ == "__main__":
    sys.exit(main())
