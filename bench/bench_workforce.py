"""What the workforce costs the engine on the county files: each file as shipped (its
advocates take leave, fall sick, train and leave their posts) against the same file
with the workforce off (``scripts/workforce_on_off.py``'s ``off``), and a bare SimPy
M/M/c baseline (``bench_mmc.bare_simpy``) measured in the same rounds.

Each timing is one replication of ``simulate`` per county file, summed over the five
files, best of ``--repeats`` rounds, each round running the three in turn. It prints
seconds, the ratio of each to the baseline, and the workforce's slowdown (on / off);
the target is a slowdown of at most 15%. Always exits 0.

    python bench/bench_workforce.py [--repeats 5] [--horizon DAYS]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_mmc import bare_simpy, best_in_turn  # noqa: E402
from workforce_on_off import FILES, off  # noqa: E402

from simulator.model import simulate  # noqa: E402
from simulator.scenario import load_scenario, validate  # noqa: E402

TARGET = 1.15


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--horizon", type=float, default=None, help="default: each file's")
    args = parser.parse_args(argv)
    overrides = {} if args.horizon is None else {"horizon_days": args.horizon}
    on = [load_scenario(ROOT / "scenarios" / f"{name}.yaml", overrides) for name in FILES]
    without = [validate(off(s.to_plain()), f"{s.name} (workforce off)") for s in on]
    for scenario in on + without:  # plans, calendars and caches warm before timing
        simulate(scenario, 0)
    horizon = on[0].horizon_days + on[0].follow_up_days
    runs = [
        lambda: [simulate(s, 0) for s in without],
        lambda: [simulate(s, 0) for s in on],
        lambda: bare_simpy(10 * horizon, 1),
    ]
    (off_s, _), (on_s, _), (bare_s, _) = best_in_turn(args.repeats, runs)
    print(f"bare SimPy M/M/10 over {10 * horizon:,.0f} days: {bare_s:.3f} s")
    print(f"county files, workforce off: {off_s:.3f} s ({off_s / bare_s:.2f} x bare)")
    print(f"county files, workforce on:  {on_s:.3f} s ({on_s / bare_s:.2f} x bare)")
    slowdown = on_s / off_s
    verdict = "met" if slowdown <= TARGET else "NOT met"
    print(f"workforce slowdown: {slowdown:.3f} (target at most {TARGET:.2f}: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
