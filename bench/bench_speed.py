"""Answers at the speed of a conversation: the five figures of the speed issue, measured in
one run on this machine, each against its target.

Why: a commissioner asking "what if the block were 70%?" in a committee meeting wants the
answer while the question is still on the table. ``--figures-only`` runs keep the figures
(summary.csv, replications.csv, the manifest) and skip the case rows, days, Parquet and
report; this benchmark says how fast that is, and what a full comparison still costs:

a. the engine against bare, idiomatic SimPy on ``bench_mmc.py``'s M/M/10 (about 400,000
   referrals): customers a second, best of 3 rounds in turn; target at least 2.0x.
b. the whole ``advocacy-sim run`` of the same queue with ``--figures-only --workers 1
   --reps 1`` against bare SimPy, measured in the same rounds; target at least 1.5x.
c. the county comparison (the four files ``scenarios/county-{block,block-spot,hub,
   spot-only}.yaml``) over a five-year term (``extends:`` each file, ``horizon_days:
   1825``, as ``bench_scale.py`` does), ``--reps 50 --figures-only``, default workers:
   whole process by GNU time, median of 3; target under 5 s.
d. the same five-year comparison at ``--reps 200`` with every output (report included):
   wall and peak resident memory (one run, or the median of ``--full-runs``); target
   under 20 s and under 500 MB.
e. two workers against one: the county comparison (the four files as shipped, ``--reps
   100 --figures-only``) on 1 then 2 workers, ``--pairs`` pairs (3), the ratio taken
   within each pair, median; beside it what two bare processes at once give here
   (``bench_scale.two_process_ceiling``). Target: at least 0.95 of that ceiling.

It prints a Markdown table (figure | measured | target | met?); ``--write`` puts it, with
the machine and the date, in the section "## Speed: answers at the speed of a
conversation" of ``bench/RESULTS.md`` (replaced if there, else appended; every other
section kept). Commands run with Python's bytecode cache on (``bench_mmc.ORDINARY``). A
figure that cannot be measured (a command that fails) is reported as such; the script
always exits 0.

Run it from the repository root with the interpreter advocacy-sim is installed in:

    python bench/bench_speed.py --write   # a few minutes, on a quiet machine
    python bench/bench_speed.py --quick   # small counts, to try it out (under a minute)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bench_mmc
from bench_scale import COMMAND, COUNTY, ROOT, five_year_files, listed, timed, two_process_ceiling

SECTION = "## Speed: answers at the speed of a conversation"
RESULTS = ROOT / "bench" / "RESULTS.md"


@dataclass(frozen=True)
class Counts:
    """How much each figure runs: the issue's counts, or small ones with ``--quick``."""

    mmc_days: float = bench_mmc.HORIZON_DAYS  # ~400k referrals
    rounds: int = bench_mmc.REPEATS  # best of, for (a) and (b)
    lean_reps: int = 50  # (c)
    lean_repeats: int = 3  # (c), median of
    full_reps: int = 200  # (d)
    workers_reps: int = 100  # (e)


QUICK = Counts(mmc_days=bench_mmc.HORIZON_DAYS / 10, rounds=1, lean_reps=4, lean_repeats=1,
               full_reps=8, workers_reps=8)  # fmt: skip


@dataclass(frozen=True)
class Row:
    figure: str
    measured: str
    target: str
    met: bool | None  # None: not measured

    def cells(self) -> str:
        verdict = "not measured" if self.met is None else "yes" if self.met else "NO"
        return f"| {self.figure} | {self.measured} | {self.target} | {verdict} |"


# --------------------------------------------------------------------------- (a) and (b)


def figures_only_run(scenario_file: Path, work: Path) -> Callable[[], tuple[int, float]]:
    """``advocacy-sim run --figures-only --workers 1 --reps 1`` end to end: the referrals
    and the mean wait it reports (``bench_mmc.full_command`` without the report)."""
    runs = itertools.count()  # a fresh --out folder for every round

    def run() -> tuple[int, float]:
        out = work / f"lean-{next(runs)}"
        args = [COMMAND, "run", str(scenario_file), "--reps", "1", "--workers", "1"]
        args += ["--figures-only", "--out", str(out)]
        subprocess.run(args, capture_output=True, text=True, check=True, env=bench_mmc.ORDINARY)
        with open(out / "summary.csv", encoding="utf-8-sig", newline="") as file:
            summary = {
                row["metric"]: float(row["mean"])
                for row in csv.DictReader(file)
                if row["group"] == "all" and row["mean"]
            }
        shutil.rmtree(out)
        return round(summary["referrals"]), summary["wait_mean_days"]

    return run


def mmc(days: float, rounds: int, work: Path) -> list[Row]:
    """(a) the engine and (b) the figures-only command, each against bare SimPy, in the
    same rounds (``bench_mmc.best_in_turn``)."""
    scenario_file = bench_mmc.write_scenario(work / "mmc.yaml", days, 1)
    runs = [lambda: bench_mmc.bare_simpy(days, bench_mmc.SEED), bench_mmc.engine(scenario_file),
            figures_only_run(scenario_file, work)]  # fmt: skip
    (bare_s, (bare_n, bare_w)), (engine_s, (engine_n, engine_w)), (lean_s, (lean_n, lean_w)) = (
        bench_mmc.best_in_turn(rounds, runs)
    )
    bare_rate = bare_n / bare_s
    engine_ratio, lean_ratio = engine_n / engine_s / bare_rate, lean_n / lean_s / bare_rate
    erlang = bench_mmc.erlang_c_wait(
        bench_mmc.SERVERS, bench_mmc.ARRIVALS_PER_DAY, bench_mmc.MEAN_SERVICE_DAYS
    )
    best = "one round" if rounds == 1 else f"best of {rounds} rounds in turn"
    print(
        f"M/M/10 over {days:,.0f} days, {best}: bare SimPy {bare_s:.2f} s, engine "
        f"{engine_s:.2f} s, run --figures-only {lean_s:.2f} s; mean waits {bare_w:.4f}, "
        f"{engine_w:.4f}, {lean_w:.4f} (Erlang C {erlang:.4f})",
        file=sys.stderr,
    )
    referrals = f"{days * bench_mmc.ARRIVALS_PER_DAY:,.0f}-referral M/M/10 replication"
    return [
        Row(f"(a) the engine (`simulate`) vs bare SimPy, a {referrals}, customers a second "
            f"({best})",
            f"{engine_ratio:.2f}x ({engine_n / engine_s:,.0f} against {bare_rate:,.0f})",
            "at least 2.0x", engine_ratio >= 2.0),
        Row("(b) whole `advocacy-sim run --figures-only --workers 1 --reps 1` vs bare SimPy, "
            "the same replication and rounds",
            f"{lean_ratio:.2f}x ({lean_n / lean_s:,.0f} a second, {lean_s:.2f} s)",
            "at least 1.5x", lean_ratio >= 1.5),
    ]  # fmt: skip


# --------------------------------------------------------------------------- (c) and (d)


def comparison(files: list[str], reps: int, out: Path, *extra: str) -> tuple[float, float]:
    """Wall seconds and peak memory (MB) of one whole ``compare``; its folder removed."""
    measured = timed([COMMAND, "compare", *files, "--reps", str(reps), *extra, "--out", str(out)])
    shutil.rmtree(out)
    return measured


def lean_comparison(files: list[str], reps: int, repeats: int, work: Path) -> Row:
    """(c) the five-year comparison, figures only, default workers: median of ``repeats``."""
    walls = [
        comparison(files, reps, work / f"lean-five-{run}", "--figures-only")[0]
        for run in range(repeats)
    ]
    wall = statistics.median(walls)
    median = "one run" if repeats == 1 else f"median of {repeats}"
    return Row(
        f"(c) county comparison, 4 scenarios x {reps} reps x 5 years, `--figures-only`, "
        f"default workers ({os.cpu_count()} here): whole process, {median}",
        f"{wall:.2f} s ({', '.join(f'{w:.2f}' for w in walls)})",
        "under 5 s",
        wall < 5.0,
    )


def full_comparison(files: list[str], reps: int, runs: int, work: Path) -> Row:
    """(d) the five-year comparison with every output: wall and peak memory, median of
    ``runs``."""
    measured = [comparison(files, reps, work / f"full-{run}") for run in range(runs)]
    wall = statistics.median(m[0] for m in measured)
    peak = statistics.median(m[1] for m in measured)
    how = "one run" if runs == 1 else f"median of {runs}"
    return Row(
        f"(d) the same comparison at {reps} reps with every output (report included): "
        f"wall, peak memory ({how})",
        f"{wall:.1f} s, {peak:.0f} MB",
        "under 20 s, under 500 MB",
        wall < 20.0 and peak < 500.0,
    )


# --------------------------------------------------------------------------- (e)


def workers(reps: int, pairs: int, work: Path) -> Row:
    """(e) the county comparison, figures only, on 1 then 2 workers, ``pairs`` times (the
    ratio within each pair: a shared machine's speed drifts over minutes); then what two
    bare SimPy processes at once give here, ``pairs`` rounds."""
    ones, twos, ratios = [], [], []
    for pair in range(pairs):
        one, two = (
            comparison(COUNTY, reps, work / f"workers-{n}-{pair}", "--figures-only",
                       "--workers", str(n))[0]
            for n in (1, 2)
        )  # fmt: skip
        ones.append(one)
        twos.append(two)
        ratios.append(one / two)
    ceilings = two_process_ceiling(pairs)
    ratio, ceiling = statistics.median(ratios), statistics.median(ceilings)
    medians = "one pair" if pairs == 1 else f"medians of {pairs} pairs"
    return Row(
        f"(e) county comparison, 4 scenarios x {reps} reps, `--figures-only`: 1 worker, "
        f"2 workers, {medians} and each pair's ratio; then two bare SimPy "
        "processes at once against one (each round), and the ratio's share of that ceiling",
        f"{statistics.median(ones):.1f} s, {statistics.median(twos):.1f} s: {ratio:.2f}x "
        f"(pairs {listed(ratios)}); two processes {ceiling:.2f}x ({listed(ceilings)}): "
        f"{ratio / ceiling:.3f} of it",
        "at least 0.95 of the two-process ceiling",
        ratio >= 0.95 * ceiling,
    )


# --------------------------------------------------------------------------- report


def attempt(figure: str, target: str, measure: Callable[[], list[Row]]) -> list[Row]:
    """The figure's rows, or one row saying why it could not be measured (a command that
    failed): the other figures are still measured, and the script still exits 0."""
    try:
        return measure()
    except subprocess.CalledProcessError as error:
        lines = [line.strip() for line in (error.stderr or "").splitlines() if line.strip()]
        why = next((line for line in lines if line.startswith("error:")), None)
        words = [str(word) for word in error.cmd]
        command = " ".join(["advocacy-sim", *words[words.index(COMMAND) + 1 :]])
        said = why or (lines[0] if lines else f"exit status {error.returncode}")
        return [Row(figure, f"failed: `{command}`: {said}", target, None)]


def machine() -> str:
    """The machine, for the record: architecture, cores, processor model, Python."""
    model = ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next(
            (line.split(":", 1)[1].strip() for line in lscpu.splitlines()
             if line.startswith("Model name:")), ""
        )  # fmt: skip
    except OSError:  # no lscpu (macOS, Windows)
        pass
    cores = f"{os.cpu_count()} cores" + (f" ({model})" if model else "")
    return f"{platform.machine()}, {cores}, Python {platform.python_version()}"


def section(table: str, today: dt.date, command: str) -> str:
    return (
        f"{SECTION}\n\n`{command}` on {today.isoformat()}, "
        f"{machine()}. The five figures of the speed issue, measured in one run; whole "
        "processes timed, and their peak resident memory read, by GNU time (`/usr/bin/time "
        "-v`), except (a) and (b), timed in the script as `bench_mmc.py` does. "
        "`bench/README.md` says how each is measured.\n\n" + table + "\n"
    )


def write_section(results: Path, text: str) -> None:
    """Put ``text`` in place of the speed section of ``results`` (from its heading to the
    next ``## `` heading), or after the last section; every other section kept as it is."""
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    ours = re.search(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", old, flags=re.M | re.S)
    if ours is None:
        new = old.rstrip("\n") + "\n\n" + text if old else text
    else:
        later = old[ours.end() :]
        new = old[: ours.start()] + text + ("\n" + later if later else "")
    results.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts, to try it out")
    parser.add_argument("--write", action="store_true", help="write the section of RESULTS.md")
    parser.add_argument("--pairs", type=int, default=3, help="1- and 2-worker pairs for (e)")
    parser.add_argument("--full-runs", type=int, default=1, help="runs of (d), median of")
    options = parser.parse_args(argv)
    counts = QUICK if options.quick else Counts()
    pairs, full_runs = (1, 1) if options.quick else (options.pairs, options.full_runs)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as tmp:
        work = Path(tmp)
        five = five_year_files(work / "scenarios")
        figures: list[tuple[str, str, Callable[[], list[Row]]]] = [
            ("(a), (b) M/M/10", "at least 2.0x; at least 1.5x",
             lambda: mmc(counts.mmc_days, counts.rounds, work)),
            ("(c) five-year comparison, figures only", "under 5 s",
             lambda: [lean_comparison(five, counts.lean_reps, counts.lean_repeats, work)]),
            ("(d) five-year comparison, every output", "under 20 s, under 500 MB",
             lambda: [full_comparison(five, counts.full_reps, full_runs, work)]),
            ("(e) two workers against one", "at least 0.95 of the ceiling",
             lambda: [workers(counts.workers_reps, pairs, work)]),
        ]  # fmt: skip
        for figure, target, measure in figures:
            rows += attempt(figure, target, measure)
    table = "\n".join(
        ["| figure | measured | target | met? |", "|---|---|---|---|", *(r.cells() for r in rows)]
    )
    print(table)
    if options.write and options.quick:
        print("--quick: small counts, not the issue's figures; RESULTS.md left as it is",
              file=sys.stderr)  # fmt: skip
    elif options.write:
        given = sys.argv[1:] if argv is None else argv
        command = " ".join(["python bench/bench_speed.py", *given])
        write_section(RESULTS, section(table, dt.date.today(), command))
        print(f"written: {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
