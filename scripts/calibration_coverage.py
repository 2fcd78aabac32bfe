"""How often calibration's 95% intervals cover the truth, over many synthetic case lists.

Each list is one simulated history of ``examples/synthetic-service.yaml`` with its own
seed (``simulator.synthetic``); each is calibrated as ``advocacy-sim calibrate`` would,
and every fitted figure's interval is checked against the scenario's true value:

- the referral rate at the end of the data (the scenario's rate grown to that day),
- growth a year, each type's share and urgent share,
- each type's mean work hours and whether AIC chose the true family.

    python scripts/calibration_coverage.py [--lists 60] [--workers 2] [--write]

``--write`` also writes ``docs/calibration-coverage.md``. Takes a few minutes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from simulator.calibration import calibrate
from simulator.caselist import read_case_list
from simulator.scenario import load_scenario
from simulator.synthetic import synthetic_case_list

ROOT = Path(__file__).resolve().parent.parent
TRUTH = ROOT / "examples" / "synthetic-service.yaml"


def one_list(seed: int) -> list[dict]:
    """Calibrate the list of one seed; a row per fitted figure: truth, estimate, covered."""
    scenario = load_scenario(TRUTH, {"seed": seed})
    demand = scenario.demand
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.csv"
        synthetic_case_list(scenario).to_csv(path, index=False)
        fitted = calibrate(read_case_list(path))
    rate = fitted.rate
    years = (rate.end - pd.Timestamp(scenario.start_date)).days / 365.0
    rows = [
        _row(seed, "referrals a year at the end", demand.referrals_per_year
             * (1 + demand.growth_per_year) ** years, rate.per_year),
        _row(seed, "growth a year", demand.growth_per_year, rate.growth),
        {"seed": seed, "figure": "seasonality found (truth: ±15%)", "truth": "yes",
         "estimate": "yes" if rate.seasonality else "no",
         "covered": rate.seasonality is not None},
    ]  # fmt: skip
    for kind, truth in demand.mix.items():
        urgent = truth.urgent_share if truth.urgent_share is not None else demand.urgent_share
        hours = fitted.hours[kind]
        rows += [
            _row(seed, f"share: {kind}", truth.share, fitted.mix[kind]),
            _row(seed, f"urgent share: {kind}", urgent, fitted.urgent[kind]),
            _row(seed, f"mean hours: {kind}", truth.hours.expected, hours.mean),
            {"seed": seed, "figure": f"family: {kind}", "truth": truth.hours.dist,
             "estimate": hours.family, "covered": hours.family == truth.hours.dist},
        ]  # fmt: skip
    return rows


def _row(seed: int, figure: str, truth: float, estimate) -> dict:
    return {
        "seed": seed, "figure": figure, "truth": truth, "estimate": estimate.value,
        "covered": estimate.low <= truth <= estimate.high,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()
    with ProcessPoolExecutor(options.workers) as pool:
        rows = [r for part in pool.map(one_list, range(1, options.lists + 1)) for r in part]
    table = pd.DataFrame(rows)
    summary = table.groupby("figure", sort=False).agg(
        truth=("truth", "first"), mean_estimate=("estimate", _mean_or_mode),
        covered=("covered", "mean"), lists=("covered", "size"),
    )  # fmt: skip
    lines = [
        f"Calibration against the truth over {options.lists} synthetic case lists of "
        "`examples/synthetic-service.yaml` (seeds 1 to "
        f"{options.lists}; `python scripts/calibration_coverage.py --write`).",
        "",
        "'Covered' is the share of lists whose 95% interval holds the truth (for a family: "
        "the share where AIC chose the true family; for the seasonality: the share where "
        "the F test kept it, its power). With "
        f"{options.lists} lists a true 95% shows as 95% ± {_band(options.lists):.0%} (two "
        "standard errors).",
        "",
        "| figure | truth | mean estimate | covered |",
        "|---|---|---|---|",
    ]
    for figure, row in summary.iterrows():
        lines.append(f"| {figure} | {_show(row.truth)} | {_show(row.mean_estimate)} | "
                     f"{row.covered:.0%} |")  # fmt: skip
    text = "\n".join(lines) + "\n"
    print(text)
    if options.write:
        (ROOT / "docs" / "calibration-coverage.md").write_text(
            "# Calibration coverage\n\n" + text, encoding="utf-8"
        )
    return 0


def _mean_or_mode(values: pd.Series):
    numeric = pd.to_numeric(values, errors="coerce")
    return numeric.mean() if numeric.notna().all() else values.mode().iloc[0]


def _band(lists: int) -> float:
    return 2 * (0.95 * 0.05 / lists) ** 0.5


def _show(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    sys.exit(main())
