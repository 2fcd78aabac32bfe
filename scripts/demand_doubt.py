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
from simulator import uncertainty
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
    rates = (
        sum(
            uncertainty.drawn(scenarios[0], rep).demand.referrals_per_year
            for rep in range(options.reps)
        )
        / options.reps
    )
    lines = [
        f"County comparison, {options.reps} replications, referral rate gamma(mean 750, sd "
        f"{options.sd:g}) a year drawn per replication against 750 fixed, on the same seeds "
        "(`python scripts/demand_doubt.py --write`). Means with the paired 95% interval of "
        "the change; ranges are the 10th to 90th percentile of replications; the share is "
        f"1 - variance fixed / variance with doubt. The {options.reps} draws of the rate "
        f"average {rates:,.1f} a year.",
        "",
        "| scenario | cost a year, fixed | with doubt | change (95% CI) | range fixed | range "
        "with doubt | share | breaches a year, fixed | with doubt | change (95% CI) | range "
        "fixed | range with doubt | share |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario in results.scenarios:
        cells = []
        for metric, show in (("cost_total_per_year", _money), ("breaches_per_year", _count)):
            row = doubt.loc[(scenario.name, metric)]
            fixed = row.sd_with_doubt == 0 and row.sd_demand_fixed == 0
            cells += [
                show(row.mean_demand_fixed), show(row.mean_with_doubt),
                f"{show(row.mean_with_doubt - row.mean_demand_fixed, True)} "
                f"({show(row.difference_ci_low, True)} to {show(row.difference_ci_high, True)})",
                f"{show(row.p10_demand_fixed)} to {show(row.p90_demand_fixed)}",
                f"{show(row.p10_with_doubt)} to {show(row.p90_with_doubt)}",
                "fixed" if fixed else f"{row.share_of_variance_from_doubt:.0%}",
            ]  # fmt: skip
        lines.append(f"| {scenario.name} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if options.write:
        path = ROOT / "docs" / "demand-doubt.md"
        path.write_text("# Doubt about demand in the county comparison\n\n" + text, "utf-8")
    return 0


def _money(value: float, signed: bool = False) -> str:
    sign = "+" if signed and value > 0 else "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.0f}"


def _count(value: float, signed: bool = False) -> str:
    return f"{value:+.1f}" if signed else f"{value:.1f}"


if __name__ == "__main__":
    sys.exit(main())
