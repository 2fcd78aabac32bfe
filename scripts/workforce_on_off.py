"""The county comparison with the workforce off and on, side by side.

"Off" is each county file with its ``workforce`` sections removed and each
``productive_share`` lowered to give the same casework hours a year as the planned
leave, sickness and training leave (so every advocate gives the hours the provider
planned for, spread evenly over every working day, and no post is ever vacant); "on"
is the file as shipped. Both work weekdays, and demand, rates, rules and seeds are
the same, so the rows differ only by absences coming in spells, and by vacancies.
Prints a Markdown table and the ranking each way: the options meeting the duty (95%
within target, nobody unserved) cheapest first by cost to serve, then the rest; then
the README's worked-example table (the "on" runs, with their 95% intervals), which
``tests/test_docs.py`` checks against the main job and holds equal to the copy in
``docs/explanation/ranking.md``.

    python scripts/workforce_on_off.py [--reps N]
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ["county-block", "county-block-spot", "county-core-flex", "county-hub", "county-spot-only"]
DUTY = 0.95


def off(data: dict) -> dict:
    """The scenario's data without a workforce: advocates never away, giving the casework
    hours a year the planned absences leave."""
    from simulator.plan import at_work_share
    from simulator.schema import Workforce

    data = copy.deepcopy(data)
    commissioning = data["commissioning"]
    markets = [*commissioning.get("providers", []), commissioning.get("spot")]
    markets += [p.get("flex") for p in commissioning.get("providers", [])]
    for market in markets:
        if market and "workforce" in market:
            weekdays = market.get("working_days", "weekdays") == "weekdays"
            planned = Workforce.model_validate(market.pop("workforce"))
            share = at_work_share(planned, weekdays) / at_work_share(None, weekdays)
            market["productive_share"] = market.get("productive_share", 0.7) * share
    return data


def figures(scenario, reps: int) -> dict[str, float]:
    """Headline figures and the share of referrals bought spot."""
    from simulator.metrics import per_replication, summarise
    from simulator.model import simulate

    records = [simulate(scenario, rep) for rep in range(reps)]
    summary = summarise(per_replication(records, scenario), scenario.name)
    table = summary.set_index(["metric", "group"])
    values = table["mean"]
    spot = values.get(("referrals", "route=spot"), 0.0) / values["referrals", "all"]
    return {
        "serve": values["cost_to_serve_per_year", "all"],
        "wait": values["wait_mean_days", "all"],
        "p90": values["wait_p90_days", "all"],
        "within": values["within_target_share", "all"],
        "breaches": values["breaches_per_year", "all"],
        "unserved": values["unserved_per_year", "all"],
        "spot": spot,
        "handed_back": values["handed_back", "all"] / values["referrals", "all"],
        "again": values.get(("wait_again_mean_days", "all"), float("nan")),
        "row": worked_example_row(scenario.name, table),
    }


def worked_example_row(name: str, table) -> str:
    """The scenario's row of the README's worked-example table: means, with the 95%
    interval over replications where the table gives one."""

    def mean(metric: str, form: str) -> str:
        return form.format(table.loc[(metric, "all"), "mean"])

    def interval(metric: str, form: str) -> str:
        low, high = table.loc[(metric, "all"), ["ci_low", "ci_high"]]
        return f"{mean(metric, form)} ({form.format(low)} to {form.format(high)})"

    unused = (
        mean("block_hours_unused_per_year", "{:,.0f}")
        if ("block_hours_unused_per_year", "all") in table.index
        else "–"
    )
    cells = [
        name,
        "£" + interval("cost_to_serve_per_year", "{:,.0f}"),
        "£" + mean("cost_total_per_year", "{:,.0f}"),
        interval("wait_mean_days", "{:.1f}"),
        interval("wait_p90_days", "{:.1f}"),
        mean("within_target_share", "{:.0%}"),
        interval("breaches_per_year", "{:.1f}"),
        mean("unserved_per_year", "{:.1f}"),
        unused,
    ]
    return "| " + " | ".join(cells) + " |"


def handed(f: dict[str, float]) -> str:
    """The share of referrals handed back to the queue, and their mean wait again."""
    if not f["handed_back"]:
        return "none"
    return f"{f['handed_back']:.1%} ({f['again']:.1f} days)"


def ranking(results: dict[str, dict[str, float]]) -> str:
    """Options meeting the duty cheapest first, then the others cheapest first."""
    meets = [n for n, f in results.items() if f["within"] >= DUTY and f["unserved"] < 0.05]
    rest = [n for n in results if n not in meets]
    by_cost = sorted(meets, key=lambda n: results[n]["serve"])
    others = sorted(rest, key=lambda n: results[n]["serve"])
    return f"meet the duty: {', '.join(by_cost) or 'none'}; fall short: {', '.join(others)}"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from simulator.scenario import load_scenario, validate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=None, help="default: each file's")
    reps_given = parser.parse_args().reps
    print("| scenario | workforce | cost to serve a year | mean wait | p90 wait | within target "
          "| breaches a year | unserved a year | bought spot "
          "| handed back (wait again) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    both: dict[str, dict[str, dict[str, float]]] = {"off": {}, "on": {}}
    for name in FILES:
        shipped = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        without = validate(off(shipped.to_plain()), f"{name} (workforce off)")
        reps = reps_given or shipped.replications
        for label, scenario in (("off", without), ("on", shipped)):
            f = both[label][shipped.name] = figures(scenario, reps)
            print(
                f"| {shipped.name} | {label} | £{f['serve']:,.0f} | {f['wait']:.1f} "
                f"| {f['p90']:.1f} | {f['within']:.0%} | {f['breaches']:.1f} "
                f"| {f['unserved']:.1f} | {f['spot']:.0%} | {handed(f)} |"
            )
    for label, results in both.items():
        print(f"\nWorkforce {label}: {ranking(results)}")
    print("\nThe worked example (workforce on, 95% intervals):\n")
    for f in both["on"].values():
        print(f["row"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
