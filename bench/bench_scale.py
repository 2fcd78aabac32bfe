"""Scale benchmarks: whole processes, timed and their peak memory read by GNU time.

Each figure is measured in one run of this script, on this machine, and printed as a
Markdown table; ``--write`` also writes it to ``bench/RESULTS.md`` with the machine
and the date. Run it with the interpreter advocacy-sim is installed in.

- validate: ``advocacy-sim validate`` of a county file, whole process, median of 5.
- workers: the county comparison (4 scenarios) on 1 and on 2 workers, and the ratio: the
  median of 5 pairs, each ratio taken within its pair (all five printed); beside it,
  what two processes at once give on this machine (bare SimPy alone, then twice at once).
- memory: peak memory of ``run`` county-block-spot at many and at few replications.
- five years: the county comparison with each file's term set to five years (``extends:``
  its county file, ``horizon_days: 1825``), wall time and peak memory.
- M/M/10: ``bench_mmc.py``'s whole-process ``run`` of a 400k-referral replication against
  bare SimPy, best of 3 rounds in turn.

Commands run with Python's bytecode cache on, as in an ordinary install (``bench_mmc.ORDINARY``).

    python bench/bench_scale.py [--reps 100] [--memory-reps 400] [--write]

It takes a few minutes at the defaults; ``--quick`` uses small counts to try it out.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import bench_mmc

ROOT = Path(__file__).resolve().parent.parent
COMMAND = str(Path(sys.executable).with_name("advocacy-sim"))
COUNTY = [f"scenarios/county-{name}.yaml" for name in ("block", "block-spot", "hub", "spot-only")]


def timed(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one whole process, by GNU time."""
    result = subprocess.run(
        ["/usr/bin/time", "-v", *args], cwd=ROOT, capture_output=True, text=True, check=True,
        env=bench_mmc.ORDINARY,
    )  # fmt: skip
    wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    assert wall is not None, result.stderr
    hours, minutes, seconds = (float(x) if x else 0.0 for x in wall.groups())
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    assert peak is not None
    return hours * 3600 + minutes * 60 + seconds, int(peak.group(1)) / 1024


def validate_time() -> float:
    """Median of 5, after one run that is not counted (it writes the bytecode cache)."""
    timed([COMMAND, "validate", "scenarios/county-block.yaml"])
    runs = [timed([COMMAND, "validate", "scenarios/county-block.yaml"])[0] for _ in range(5)]
    return statistics.median(runs)


def workers_ratio(reps: int, out: Path, pairs: int) -> tuple[float, float, list[float]]:
    """Wall time of the county comparison on 1 and on 2 workers, and 1 / 2: medians over
    ``pairs`` pairs run one after the other, the ratio taken within each pair (a shared
    machine's speed drifts over minutes; one pair can be several percent off)."""
    ones, twos, ratios = [], [], []
    for pair in range(pairs):
        walls = []
        for workers in (1, 2):
            folder = out / f"workers-{workers}-{pair}"
            args = [COMMAND, "compare", *COUNTY, "--reps", str(reps), "--workers", str(workers)]
            walls.append(timed([*args, "--out", str(folder)])[0])
            shutil.rmtree(folder)
        ones.append(walls[0])
        twos.append(walls[1])
        ratios.append(walls[0] / walls[1])
    return statistics.median(ones), statistics.median(twos), ratios


CEILING_DAYS = bench_mmc.HORIZON_DAYS / 3  # bare SimPy for a few seconds
BARE_RUN = (
    "import sys, time; sys.path.insert(0, {bench!r}); import bench_mmc; "
    "started = time.perf_counter(); bench_mmc.bare_simpy({days}, bench_mmc.SEED); "
    "print(time.perf_counter() - started)"
)


def two_process_ceiling(rounds: int) -> list[float]:
    """What two processes at once can give here over one: bare SimPy (``bench_mmc``) run
    alone, then twice at once; 2 x alone / the slower of the two, in each of ``rounds``.
    A shared machine's two processors need not be two whole cores: two pure-Python
    processes here each ran 10 to 30% slower together than alone, which bounds any
    two-worker ratio below 2 whatever the program."""
    code = BARE_RUN.format(bench=str(ROOT / "bench"), days=CEILING_DAYS)

    def seconds(processes: int) -> float:
        started = [
            subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
            for _ in range(processes)
        ]
        return max(float(process.communicate()[0]) for process in started)

    return [2 * seconds(1) / seconds(2) for _ in range(rounds)]


def memory(many: int, few: int, out: Path) -> tuple[float, float]:
    """Peak memory (MB) of run county-block-spot at ``many`` and at ``few`` replications."""
    peaks = []
    for reps in (many, few):
        args = [COMMAND, "run", "scenarios/county-block-spot.yaml", "--reps", str(reps)]
        peaks.append(timed([*args, "--out", str(out / f"memory-{reps}")])[1])
    return peaks[0], peaks[1]


def five_year_files(folder: Path) -> list[str]:
    """The county files over a five-year term, written into a copy of ``scenarios/``: each
    ``extends:`` its county file with ``horizon_days: 1825``."""
    shutil.copytree(ROOT / "scenarios", folder)
    names = []
    for path in COUNTY:
        name = f"five-{Path(path).name}"
        (folder / name).write_text(f"extends: {Path(path).name}\nhorizon_days: 1825\n", "utf-8")
        names.append(str(folder / name))
    return names


def five_years(reps: int, out: Path) -> tuple[float, float]:
    """Wall seconds and peak memory (MB) of the county comparison over a 5-year term."""
    folder = out / "five-years"
    names = five_year_files(folder)
    args = [COMMAND, "compare", *names, "--reps", str(reps), "--out", str(folder / "out")]
    return timed(args)


def listed(ratios: list[float]) -> str:
    return ", ".join(f"{ratio:.2f}" for ratio in ratios)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100, help="comparison replications")
    parser.add_argument("--memory-reps", type=int, default=400)
    parser.add_argument("--five-year-reps", type=int, default=200)
    parser.add_argument("--pairs", type=int, default=5, help="1- and 2-worker pairs")
    parser.add_argument("--quick", action="store_true", help="small counts, to try it out")
    parser.add_argument("--write", action="store_true", help="write bench/RESULTS.md")
    options = parser.parse_args()
    reps, many, long, pairs = (
        (8, 40, 8, 1) if options.quick
        else (options.reps, options.memory_reps, options.five_year_reps, options.pairs)
    )  # fmt: skip
    few = max(many // 8, 2)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        check = validate_time()
        one, two, ratios = workers_ratio(reps, out, pairs)
        ceilings = two_process_ceiling(pairs)
        peak_many, peak_few = memory(many, few, out)
        long_wall, long_peak = five_years(long, out)
    mmc_horizon = bench_mmc.HORIZON_DAYS * (0.1 if options.quick else 1.0)
    mmc = bench_mmc.ratios(bench_mmc.measure(mmc_horizon))
    rows = [
        ("`advocacy-sim validate` of a county file, whole process (median of 5)",
         f"{check:.2f} s", "under 0.4 s"),
        (f"county comparison, 4 scenarios x {reps} reps: 1 worker, 2 workers, medians of "
         f"{pairs} pairs, and each pair's ratio; then what two processes at once give here "
         "(bare SimPy alone and twice at once, each round)",
         f"{one:.1f} s, {two:.1f} s: {statistics.median(ratios):.2f}x (pairs {listed(ratios)}); "
         f"two processes {statistics.median(ceilings):.2f}x ({listed(ceilings)})",
         "at least 1.85x"),
        (f"peak memory, `run` county-block-spot at {many} vs {few} reps (cases: all)",
         f"{peak_many:.0f} MB vs {peak_few:.0f} MB: {peak_many / peak_few:.2f}x",
         "at most 1.25x"),
        (f"county comparison, 4 scenarios x {long} reps x 5 years: wall, peak memory",
         f"{long_wall:.1f} s, {long_peak:.0f} MB", "under 8 s, under 500 MB"),
        (f"whole-process `run` of a {mmc_horizon * bench_mmc.ARRIVALS_PER_DAY:,.0f}-referral "
         "M/M/10 replication vs bare SimPy (best of 3 rounds in turn; the engine alone in "
         "brackets)",
         f"{mmc['command / bare']:.2f}x ({mmc['engine / bare']:.2f}x)", "at least 2.0x"),
    ]  # fmt: skip
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        "| figure | measured | target |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
    ]
    table = "\n".join(lines)
    print(table)
    if options.write:
        header = (
            f"# Scale benchmarks\n\n`python bench/bench_scale.py --write` on "
            f"{dt.date.today().isoformat()}, {machine}. Whole processes, timed and their peak "
            "resident memory read by GNU time (`/usr/bin/time -v`).\n\n"
        )
        results = ROOT / "bench" / "RESULTS.md"
        kept = results.read_text(encoding="utf-8").partition("\n## ")[1:]  # later sections
        results.write_text(header + table + "\n" + "".join(kept), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
