"""Regenerate the back tests: ``tests/data/backtest/<scenario>.csv``.

Every shipped scenario is run small (settings in ``tests/data/backtest/settings.json``)
and its ``summary.csv`` is written beside the settings. ``tests/test_backtest.py``
reruns them and compares them (labels and counts exactly, figures to nine significant
digits), so any change to a result fails a test until this script is run and its output
committed with a message that says which change moved which figure, and why.

    python scripts/regenerate_backtests.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKTESTS = ROOT / "tests" / "data" / "backtest"
SCENARIOS = ROOT / "scenarios"


def settings() -> dict:
    return json.loads((BACKTESTS / "settings.json").read_text(encoding="utf-8"))


def back_tests() -> dict[str, tuple[Path, dict]]:
    """Name -> (scenario file, overrides): every shipped scenario (the bases in
    scenarios/base are only extended), then the variants that reach rules no
    shipped file uses."""
    common = {key: settings()[key] for key in ("replications", "seed", "horizon_days")}
    cases = {path.stem: (path, common) for path in sorted(SCENARIOS.glob("*.yaml"))}
    for name, changes in settings()["variants"].items():
        cases[name] = (SCENARIOS / f"{name.split('.')[0]}.yaml", {**common, **changes})
    return cases


def summary_csv(name: str, out: Path) -> None:
    """Run one back test; write its ``summary.csv`` to ``out``."""
    from simulator.files import write_csv
    from simulator.runner import Backend, run_scenario
    from simulator.scenario import load_scenario

    path, overrides = back_tests()[name]
    scenario = load_scenario(path, overrides)
    write_csv(run_scenario(scenario, Backend(workers=1)).summary, out)


def main() -> int:
    for stale in BACKTESTS.glob("*.csv"):
        stale.unlink()
    for name in back_tests():
        out = BACKTESTS / f"{name}.csv"
        summary_csv(name, out)
        print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
