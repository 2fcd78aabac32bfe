"""A figure fixed by the contract (a block's cost, the demand it is sized for) is the same
in every replication; summed over replications it can differ in its last bits, and must
still be shown without an interval, never "£398,554 to £398,554"."""

from __future__ import annotations

import pandas as pd

from simulator import report
from simulator.briefing import figure_line, headline
from simulator.vocabulary import fixed

SIZED = 749.9999999998385  # 750 referrals a year, as ten replications' mean gave it


def _summary() -> pd.DataFrame:
    rows = [
        # metric, mean, ci_low, ci_high: fixed (bits apart), and one that varies
        ("cost_total_per_year", 398_554.281, 398_554.28099999996, 398_554.28100000002),
        ("planned_referrals_per_year", SIZED, SIZED - 1e-13, SIZED + 2e-13),
        ("cost_to_serve_per_year", 409_960.0, 382_083.8, 437_836.3),
        ("referrals", 2_000.0, 1_990.0, 2_010.0),
    ]
    return pd.DataFrame(
        [
            {"scenario": "Block", "metric": m, "group": "all", "mean": mean, "ci_low": low,
             "ci_high": high}
            for m, mean, low, high in rows
        ]
        + [{"scenario": "Block", "metric": "referrals", "group": "route=block", "mean": 2_000.0,
            "ci_low": 1_990.0, "ci_high": 2_010.0}]
    )  # fmt: skip


def test_a_figure_the_same_in_every_replication_has_no_interval_in_the_terminal():
    assert figure_line("planned_referrals_per_year", SIZED, SIZED - 1e-13, SIZED + 2e-13) == (
        "  Planned referrals a year 750"
    )
    text = headline(_summary())
    assert "Planned referrals a year 750\n" in text and "750 to 750" not in text
    assert "Cash cost a year         £398,554\n" in text
    assert "(95% CI £382,084 to £437,836)" in text  # a figure that varies keeps its interval


def test_a_figure_the_same_in_every_replication_has_no_interval_in_the_report():
    table = report._headline_table(_summary())
    assert "£398,554</td>" in table and "£398,554 to £398,554" not in table
    assert "£382,084 to £437,836" in table


def test_fixed_means_no_width_not_a_narrow_interval():
    assert fixed(750.0, 750.0, 750.0) and fixed(750.0, SIZED, 750.0000000001)
    assert not fixed(750.0, 749.9, 750.1) and not fixed(0.0, 0.0, 0.001)
    assert fixed(1.0, float("nan"), float("nan"))  # one replication: none to show
