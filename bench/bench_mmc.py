"""Throughput of advocacy-sim against a bare, idiomatic SimPy M/M/c model.

Why: advocacy-sim wraps SimPy in scenario files, named random streams,
commissioning logic, metrics and Parquet output. This benchmark keeps that
overhead honest by timing the same queue, in the same run, three ways:

1. bare SimPy: an arrival generator process, one process per customer doing
   ``with servers.request() as req: yield req; yield env.timeout(service)``,
   waits appended to a list, randomness from a numpy Generator;
2. the engine alone: ``simulator.model.simulate(scenario, rep)`` on one long
   replication (referrals drawn, simulated, records built; no metrics, no I/O);
3. the whole command: ``advocacy-sim run FILE --reps 1 --workers 1 --out DIR``
   in a subprocess, end to end (start-up, metrics, Parquet and the report included).

All three simulate the same one long replication: 50,000 days, about 400,000
referrals (the scale issue's figure: a whole-process ``run`` of a 400k-referral
M/M/10 replication, against bare SimPy, with a target of 2.0).

The queue is M/M/c with c = 10 servers, 8 arrivals a day and a mean service of
one day (utilisation 0.8). In advocacy-sim terms: one provider with
``advocates: 10``, ``caseload_cap: 1``, ``productive_share: 1`` and
``hours_per_week: 168`` (a case of H hours then lasts H/24 days), case hours
``{dist: exponential, mean: 24}`` and ``referrals_per_year: 2920``.

Customers per second: customers who reached a server (bare SimPy, engine), or
the referrals the command reports, divided by wall time. Each timing is the
best of 3 rounds, each running the three in turn. The mean waits should agree
with each other and with Erlang C. The target: the whole command at least twice
as fast as bare SimPy; the benchmark prints whether it is met but never fails
on it.

Run from the repository root:

    python bench/bench_mmc.py            # ~400k customers per timing (about a minute)
    python bench/bench_mmc.py --quick    # ~40k customers per timing (a few seconds)
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import simpy

from simulator.model import simulate
from simulator.scenario import load_scenario

SERVERS = 10
ARRIVALS_PER_DAY = 8.0
MEAN_SERVICE_DAYS = 1.0
REPEATS = 3
TARGETS = {"command / bare": 2.0}  # the scale issue's target for the whole process
SEED = 42
HORIZON_DAYS = 50_000  # ~400k referrals at 8 a day
ORDINARY = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
"""The environment for the commands timed: Python's bytecode cache on, as an ordinary install
has it, even where this shell turns it off (each command would then compile the package
again at every start)."""

SCENARIO_YAML = """\
name: bench-mmc
description: M/M/c benchmark queue (c={c}, lambda={lam:g}/day, mean service {s:g} day)
horizon_days: {horizon}
replications: {reps}
seed: {seed}
demand:
  referrals_per_year: {per_year}
  mix:
    care_act:
      share: 1
      hours: {{dist: exponential, mean: {hours}}}
commissioning:
  model: single_provider
  providers:
    - name: bench
      advocates: {c}
      caseload_cap: 1
      productive_share: 1
      hours_per_week: 168
      working_days: every_day
      skills: [care_act]
"""


def write_scenario(path: Path, horizon_days: float, reps: int) -> Path:
    path.write_text(
        SCENARIO_YAML.format(
            c=SERVERS,
            lam=ARRIVALS_PER_DAY,
            s=MEAN_SERVICE_DAYS,
            horizon=horizon_days,
            reps=reps,
            seed=SEED,
            per_year=ARRIVALS_PER_DAY * 365,
            hours=MEAN_SERVICE_DAYS * 24,
        ),
        encoding="utf-8",
    )
    return path


def erlang_c_wait(c: int, arrival_rate: float, mean_service: float) -> float:
    """Mean wait in queue of M/M/c (Erlang C)."""
    a = arrival_rate * mean_service  # offered load
    top = a**c / math.factorial(c) * c / (c - a)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c / mean_service - arrival_rate)


def best_in_turn(repeats: int, runs: list[Callable[[], Any]]) -> list[tuple[float, Any]]:
    """Fewest seconds of each of ``runs`` over ``repeats`` rounds, and its last result.

    Each round calls every run once, in turn, so a drift of the machine's speed over the
    benchmark falls on all of them alike rather than on whichever ran last.
    """
    best, results = [math.inf] * len(runs), [None] * len(runs)
    for _ in range(repeats):
        for index, run in enumerate(runs):
            started = time.perf_counter()
            results[index] = run()
            best[index] = min(best[index], time.perf_counter() - started)
    return list(zip(best, results, strict=True))


# --------------------------------------------------------------------------- the three ways


def bare_simpy(horizon_days: float, seed: int) -> tuple[int, float]:
    """Idiomatic SimPy M/M/c: customers served and their mean wait (days)."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    waits: list[float] = []

    def customer(env: simpy.Environment, service: float):
        arrived = env.now
        with servers.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(service)

    def arrivals(env: simpy.Environment):
        while True:
            yield env.timeout(rng.exponential(1.0 / ARRIVALS_PER_DAY))
            env.process(customer(env, rng.exponential(MEAN_SERVICE_DAYS)))

    env.process(arrivals(env))
    env.run(until=horizon_days)
    return len(waits), sum(waits) / len(waits)


def engine(scenario_file: Path) -> Callable[[], tuple[int, float]]:
    """One replication of ``simulate``: customers allocated and their mean wait (days)."""
    scenario = load_scenario(scenario_file)  # loading and validation are not timed

    def run() -> tuple[int, float]:
        records = simulate(scenario, 0)
        allocated = ~np.isnan(records.allocated_day)
        waits = records.allocated_day[allocated] - records.referrals.arrival_day[allocated]
        return int(allocated.sum()), float(waits.mean())

    return run


def command_line() -> list[str]:
    """The ``advocacy-sim`` console script of this interpreter's environment."""
    script = shutil.which("advocacy-sim", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "simulator"]


def full_command(scenario_file: Path, reps: int, work: Path) -> Callable[[], tuple[int, float]]:
    """``advocacy-sim run`` end to end: total referrals and the mean wait it reports."""
    runs = itertools.count()  # a fresh --out folder for every repeat

    def run() -> tuple[int, float]:
        out = work / f"out-{next(runs)}"
        args = [*command_line(), "run", str(scenario_file), "--reps", str(reps)]
        args += ["--workers", "1", "--out", str(out)]
        done = subprocess.run(args, capture_output=True, text=True, check=False, env=ORDINARY)
        if done.returncode != 0:
            sys.exit(f"advocacy-sim run failed ({done.returncode}):\n{done.stderr}")
        with open(out / "summary.csv", encoding="utf-8-sig", newline="") as file:
            summary = {
                row["metric"]: float(row["mean"])
                for row in csv.DictReader(file)
                if row["group"] == "all" and row["mean"]  # (no mean: e.g. nobody waited again)
            }
        return round(summary["referrals"] * reps), summary["wait_mean_days"]

    return run


# --------------------------------------------------------------------------- report


def measure(horizon: float, repeats: int = REPEATS) -> list[tuple[str, float, int, float]]:
    """(label, best seconds, customers, mean wait) for bare SimPy, the engine and the
    whole command, each simulating one replication of ``horizon`` days."""
    with tempfile.TemporaryDirectory(prefix="bench-mmc-") as tmp:
        work = Path(tmp)
        scenario_file = write_scenario(work / "mmc.yaml", horizon, 1)
        runs = [lambda: bare_simpy(horizon, SEED), engine(scenario_file),
                full_command(scenario_file, 1, work)]  # fmt: skip
        timings = best_in_turn(repeats, runs)
    labels = ("bare SimPy", "engine: simulate()", "command: run --reps 1")
    pairs = zip(labels, timings, strict=True)
    return [(label, seconds, *result) for label, (seconds, result) in pairs]


def ratios(rows: list[tuple[str, float, int, float]]) -> dict[str, float]:
    """Customers a second of the engine and of the whole command over bare SimPy's."""
    rates = [customers / seconds for _, seconds, customers, _ in rows]
    return {"engine / bare": rates[1] / rates[0], "command / bare": rates[2] / rates[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="~40k customers per timing")
    options = parser.parse_args(argv)
    horizon = HORIZON_DAYS * (0.1 if options.quick else 1.0)
    rows = measure(horizon)

    expected = erlang_c_wait(SERVERS, ARRIVALS_PER_DAY, MEAN_SERVICE_DAYS)
    rho = ARRIVALS_PER_DAY * MEAN_SERVICE_DAYS / SERVERS
    print(
        f"M/M/c: c={SERVERS}, {ARRIVALS_PER_DAY:g} arrivals/day, mean service "
        f"{MEAN_SERVICE_DAYS:g} day (rho={rho:.2f}), one replication of {horizon:,.0f} days; "
        f"best of {REPEATS}"
    )
    print(f"{'':24} {'customers':>10} {'seconds':>8} {'customers/s':>12} {'mean wait':>10}")
    for label, seconds, customers, wait in rows:
        rate = customers / seconds
        print(f"{label:24} {customers:>10,} {seconds:>8.2f} {rate:>12,.0f} {wait:>10.4f}")
    print(f"{'Erlang C':24} {'':>10} {'':>8} {'':>12} {expected:>10.4f}")
    for label, ratio in ratios(rows).items():
        target = TARGETS.get(label)
        verdict = "" if target is None else "met" if ratio >= target else "NOT met"
        print(f"{label:24} {ratio:>5.2f}" + (f"  (target >= {target}: {verdict})" * bool(verdict)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
