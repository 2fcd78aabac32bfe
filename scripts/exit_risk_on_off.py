"""The county comparison without and with a risk that each block provider leaves.

"Without" is each county file as shipped; "with" gives every block provider (each hub
partner too) ``exit_risk_per_year`` (default 0.05) and keeps the files' re-tender and
mobilisation (the schema's defaults where a file gives none). Demand, rates, rules and
seeds are the same, and a replication in which nobody leaves runs exactly as without
the risk, so the rows differ only by the exits. Prints a Markdown table, the ranking
each way (the options meeting the duty, 95% within target and nobody unserved,
cheapest first by cost to serve, then the rest), and each option's figures in the
replications where a provider left beside those where none did.

    python scripts/exit_risk_on_off.py [--reps N] [--risk 0.05]
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from workforce_on_off import FILES, ranking  # noqa: E402


def at_risk(data: dict, risk: float) -> dict:
    """The scenario's data with every block provider leaving at ``risk`` a year."""
    data = copy.deepcopy(data)
    for provider in data["commissioning"].get("providers", []):
        provider["exit_risk_per_year"] = risk
    return data


def figures(scenario, reps: int) -> dict[str, float]:
    """Headline figures, and the exit split where the scenario has one."""
    from simulator.metrics import per_replication, summarise
    from simulator.model import simulate

    records = [simulate(scenario, rep) for rep in range(reps)]
    summary = summarise(per_replication(records, scenario), scenario.name)
    values = summary.set_index(["metric", "group"])["mean"]
    found = {
        "serve": values["cost_to_serve_per_year", "all"],
        "wait": values["wait_mean_days", "all"],
        "within": values["within_target_share", "all"],
        "breaches": values["breaches_per_year", "all"],
        "unserved": values["unserved_per_year", "all"],
        "exits": values.get(("exit_risk_in_term", "all"), 0.0),
        "gap": values.get(("days_without_provider", "all"), 0.0),
    }
    for group in ("yes", "no"):
        for key, metric in (("serve", "cost_to_serve_per_year"),
                            ("within", "within_target_share"),
                            ("breaches", "breaches_per_year")):  # fmt: skip
            found[f"{key}_{group}"] = values.get((metric, f"exit={group}"), float("nan"))
    return found


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from simulator.scenario import load_scenario, validate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=None, help="default: each file's")
    parser.add_argument("--risk", type=float, default=0.05)
    args = parser.parse_args()
    print("| scenario | exit risk a year | cost to serve a year | mean wait | within target "
          "| breaches a year | unserved a year | replications with an exit "
          "| days without a provider |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    both: dict[str, dict[str, dict[str, float]]] = {"without": {}, "with": {}}
    for name in FILES:
        shipped = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        risky = validate(at_risk(shipped.to_plain(), args.risk), f"{name} (exit risk)")
        reps = args.reps or shipped.replications
        for label, scenario, risk in (("without", shipped, 0.0), ("with", risky, args.risk)):
            f = both[label][shipped.name] = figures(scenario, reps)
            print(
                f"| {shipped.name} | {risk:.0%} | £{f['serve']:,.0f} | {f['wait']:.1f} "
                f"| {f['within']:.1%} | {f['breaches']:.1f} | {f['unserved']:.1f} "
                f"| {f['exits']:.0%} | {f['gap']:.1f} |"
            )
    for label, results in both.items():
        print(f"\nExit risk {label}: {ranking(results)}")
    print("\nWith the risk, where a provider left and where none did:\n")
    print("| scenario | cost to serve (none left / one left) | within target | breaches a year |")
    print("|---|---|---|---|")
    for name, f in both["with"].items():
        print(
            f"| {name} | £{f['serve_no']:,.0f} / £{f['serve_yes']:,.0f} "
            f"| {f['within_no']:.1%} / {f['within_yes']:.1%} "
            f"| {f['breaches_no']:.1f} / {f['breaches_yes']:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
