"""The local worker pool works when processes start by 'spawn', as on Windows and macOS.

Linux starts pool workers by forking, so a worker inherits the parent's memory; under
'spawn' (Windows' only method, and macOS' default) each worker is a fresh interpreter
that imports the package and receives its work pickled. A script run in its own
process sets 'spawn' as a Windows user's script would run, compares two scenarios on two
workers, and checks the figures equal one process's, byte for byte in summary.csv.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor

import simulator
from simulator.scenario import load_scenario

started_by = []
_init = ProcessPoolExecutor.__init__


def recording_init(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    started_by.append(self._mp_context.get_start_method())


if __name__ == "__main__":  # a spawned worker imports this file again: it must do nothing
    multiprocessing.set_start_method("spawn")
    ProcessPoolExecutor.__init__ = recording_init
    short = {"horizon_days": 300, "warm_up_days": 30, "follow_up_days": 120}
    scenarios = [
        load_scenario(f"{sys.argv[1]}/scenarios/{name}.yaml", short)
        for name in ("county-block-spot", "county-hub")
    ]
    pooled = simulator.compare(scenarios, reps=3, workers=2)
    alone = simulator.compare(scenarios, reps=3, workers=1)
    pooled.write("pooled")
    alone.write("alone")
    print("started by", ",".join(started_by))
"""


def test_a_compare_on_a_spawned_pool_gives_the_same_figures_as_one_process(tmp_path):
    script = tmp_path / "compare_spawned.py"
    script.write_text(SCRIPT, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), str(ROOT)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started by spawn"  # one pool, and it spawned
    pooled = (tmp_path / "pooled" / "summary.csv").read_bytes()
    assert pooled == (tmp_path / "alone" / "summary.csv").read_bytes()
    assert b"County hub" in pooled
