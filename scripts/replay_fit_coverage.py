"""How often ``replay --fit``'s 95% interval covers the truth, over many synthetic lists.

Each list is three years (April 2023 to March 2026, as the shipped example) of the contract of
``examples/last-year-contract.yaml`` with its true ``productive_share`` (0.84, that of
``examples/synthetic-service.yaml``) and its own seed, written with allocation dates as
``scripts/make_case_list.py`` writes them (``simulator.replay_synthetic``). Each is fitted
as ``advocacy-sim replay LIST examples/last-year-contract.yaml --fit
commissioning.providers.0.productive_share --reps 20`` would: from the file's guess
(0.7), on the file's seed (42, never a list's), searching 0.35 to 1.0. Also counted:
whether the list's recorded mean wait falls within the spread (10th to 90th percentile)
of replications of the true contract, as an 80% band should four times in five.

    python scripts/replay_fit_coverage.py [--lists 30] [--reps 20] [--workers 2]

Takes about a quarter of an hour on two cores at the defaults.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from simulator.caselist import read_case_list
from simulator.replay_fit import fit
from simulator.replay_list import recorded, replay_scenario
from simulator.replay_run import allocations
from simulator.replay_synthetic import case_list_with_allocations
from simulator.replay_waits import whole_day_waits
from simulator.runner import Backend
from simulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "examples" / "last-year-contract.yaml"
FIELD = "commissioning.providers.0.productive_share"
TRUE_SHARE = 0.84
YEAR = {"start_date": "2023-04-01", "horizon_days": 1096}  # 2024 is a leap year


def one_list(seed: int, reps: int) -> dict:
    """Fit one list; its truth, estimate, interval, and the spread check."""
    truth = load_scenario(CONTRACT, {**YEAR, "seed": seed, FIELD: TRUE_SHARE})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cases.csv"
        case_list_with_allocations(truth, hours_decimals=1).to_csv(path, index=False)
        end = truth.start_date + dt.timedelta(days=int(truth.horizon_days) - 1)
        listed = recorded(read_case_list(path, end=end))
    guess = replay_scenario(load_scenario(CONTRACT, {**YEAR, "replications": reps}), listed)
    found = fit(guess, listed, FIELD, backend=Backend(workers=1))
    at_truth = replay_scenario(load_scenario(CONTRACT, {**YEAR, "replications": reps,
                                                        FIELD: TRUE_SHARE}), listed)  # fmt: skip
    (allocated,) = allocations([at_truth], listed, Backend(workers=1))
    last = listed.span_days - 1
    simulated = np.nanmean(whole_day_waits(allocated, listed.day, last), axis=1)
    recorded_mean = float(np.nanmean(whole_day_waits(listed.allocated_day, listed.day, last)))
    p10, p90 = np.percentile(simulated, [10, 90])
    low, high = found.interval
    return {
        "seed": seed, "referrals": len(listed), "recorded_wait": recorded_mean,
        "estimate": found.value, "low": low, "high": high,
        "covered": low <= TRUE_SHARE <= high, "at_edge": found.at_edge,
        "in_spread": bool(p10 <= recorded_mean <= p90),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=int, default=30)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    seeds = range(1, options.lists + 1)
    with ProcessPoolExecutor(options.workers) as pool:
        rows = list(pool.map(one_list, seeds, [options.reps] * len(seeds)))
    print("| list seed | referrals | recorded mean wait (days) | fitted | 95% interval | covers |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['seed']} | {row['referrals']} | {row['recorded_wait']:.1f} | "
            f"{row['estimate']:.3f} | {row['low']:.3f} to {row['high']:.3f} | "
            f"{'yes' if row['covered'] else 'no'} |"
        )
    covered = sum(row["covered"] for row in rows)
    spread = sum(row["in_spread"] for row in rows)
    widths = [row["high"] - row["low"] for row in rows]
    estimates = [row["estimate"] for row in rows]
    print(
        f"\nproductive_share {TRUE_SHARE}: the 95% interval covered it in {covered} of "
        f"{len(rows)} lists ({covered / len(rows):.0%}); estimates {np.mean(estimates):.3f} on "
        f"average (sd {np.std(estimates, ddof=1):.3f}); median interval width "
        f"{np.median(widths):.3f}; {sum(r['at_edge'] for r in rows)} at the edge of the range"
    )
    print(
        f"recorded mean wait within the 10th-90th percentile of replications at the truth: "
        f"{spread} of {len(rows)} lists ({spread / len(rows):.0%}; an 80% band)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
