"""The county comparison before and after the market changes (other buyers on the spot
market, the hub's one queue, RPR appointments open for months at a quarter slot).

"Before" is each county file with those three changes undone on today's engine:
no other buyers, hubs routing on arrival, RPR as whole-slot cases of 18 hours
closing when the hours are done, and the day-0 caseload of 136 that matched.
Everything else (demand, rates, rules, seeds) is the same, so the two tables
differ only by the markets. Prints a Markdown table.

    python scripts/market_changes.py [--reps N]
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FILES = ["county-block", "county-block-spot", "county-core-flex", "county-hub", "county-spot-only"]


def before(data: dict) -> dict:
    """The scenario's data with the market changes undone."""
    data = copy.deepcopy(data)
    commissioning = data["commissioning"]
    if "spot" in commissioning:
        commissioning["spot"]["other_referrals_per_year"] = 0.0
    if "hub" in commissioning:
        commissioning["hub"]["queue"] = "routed"
    rpr = data["demand"]["mix"]["rpr"]
    rpr.pop("weeks_open", None)
    rpr["caseload_weight"] = 1.0
    rpr["hours"] = {"dist": "gamma", "mean": 18.0, "sd": 8.0}
    data["demand"]["initial_open_cases"] = 136
    return data


def figures(scenario, reps: int) -> dict[str, float]:
    """Headline figures, market shares and the share of spot waits past the arrangement."""
    from simulator.metrics import cases_frame, per_replication, summarise
    from simulator.model import simulate

    records = [simulate(scenario, rep) for rep in range(reps)]
    summary = summarise(per_replication(records, scenario), scenario.name)
    values = summary.set_index(["metric", "group"])["mean"]
    cases = cases_frame(records, scenario)
    measured = cases[cases["arrival_day"] >= scenario.warm_up_days]
    spot = measured[(measured["route"] == "spot") & measured["allocated_day"].notna()]
    queued_at_spot = spot["allocated_day"] - spot["queued_day"] > 1e-9
    share = {
        route: values.get(("referrals", f"route={route}"), 0.0) / values["referrals", "all"]
        for route in ("block", "flex", "spot")
    }
    return {
        "cost": values["cost_total_per_year", "all"],
        "wait": values["wait_mean_days", "all"],
        "p90": values["wait_p90_days", "all"],
        "within": values["within_target_share", "all"],
        "breaches": values["breaches_per_year", "all"],
        **share,
        "spot_waits_past_arrangement": float(queued_at_spot.mean()) if len(spot) else np.nan,
    }


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from simulator.scenario import load_scenario, validate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=None, help="default: each file's")
    reps_given = parser.parse_args().reps
    print("| scenario | markets | cost per year | mean wait | p90 wait | within target "
          "| breaches a year | block / flex / spot | spot waits past arrangement |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for name in FILES:
        after = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        old = validate(before(after.to_plain()), f"{name} (before)")
        reps = reps_given or after.replications
        for label, scenario in (("before", old), ("after", after)):
            f = figures(scenario, reps)
            spot_waits = "–" if np.isnan(f["spot_waits_past_arrangement"]) else (
                f"{f['spot_waits_past_arrangement']:.0%}"
            )  # fmt: skip
            print(
                f"| {after.name} | {label} | £{f['cost']:,.0f} | {f['wait']:.1f} | {f['p90']:.1f} "
                f"| {f['within']:.0%} | {f['breaches']:.1f} "
                f"| {f['block']:.0%} / {f['flex']:.0%} / {f['spot']:.0%} | {spot_waits} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
