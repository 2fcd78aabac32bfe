"""A case list with allocation dates from a known scenario, to check replay against the
truth that made it (``scripts/make_case_list.py``, ``scripts/replay_fit_coverage.py``).

One simulated history of the scenario, recorded as a provider would: each referral
arrives at the start of its referral date (a list records dates, not times, and
replay puts them there), so replaying the list through the same scenario, seed and
replication meets the same referrals at the same moments and draws the same unrecorded
parts: it reproduces the recorded allocation dates, exactly where the hours and miles
as written (hours to 0.01 by default, miles to 0.1) are the ones simulated; the total
hours of a case open at the end are drawn again, and where absences make the history
chaotic, hours rounded can be enough for it to part from the list.

The list is extracted on the scenario's last day; a case allocated after it has no
``allocated_date``, one closed after it no ``closed_date`` and the hours so far (see
:mod:`simulator.synthetic`). Every row has a case reference (``case``), as providers'
lists do, so two referrals alike in every other column stay two.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from simulator import metrics
from simulator.model import every_referral, simulate
from simulator.schema import Scenario
from simulator.synthetic import _hours_so_far


def case_list_with_allocations(
    scenario: Scenario, rep: int = 0, hours_decimals: int = 2
) -> pd.DataFrame:
    """Replication ``rep`` of ``scenario`` as a case list: ``referral_date, type, urgent,
    hours, need, locality, miles, allocated_date, closed_date, case``, in referral order,
    hours (and miles) to ``hours_decimals`` (and 1) decimals.

    Raises
    ------
    ValueError
        A joint contract (a list is one authority's referrals).
    """
    if scenario.partners is not None:
        raise ValueError("a synthetic case list is one authority's: the scenario has partners")
    horizon = scenario.horizon_days
    drawn = every_referral(scenario, rep, horizon + scenario.follow_up_days)
    day = np.where(drawn.initial == 0, np.floor(drawn.arrival_day), drawn.arrival_day)
    records = simulate(scenario, rep, replace(drawn, arrival_day=day))
    cases = metrics.cases_frame([records], scenario)
    cases = cases[cases["carried_over"].isna()]
    start = np.datetime64(scenario.start_date, "D")

    def dates(days: pd.Series, kept: pd.Series) -> pd.Series:
        whole = np.floor(days.where(kept, 0.0).to_numpy(dtype=float)).astype("timedelta64[D]")
        text = pd.Series(np.datetime_as_string(start + whole, unit="D"), index=days.index)
        return text.where(kept, "")

    closed = cases["end_day"] < horizon  # NaN (never allocated) is open
    started = cases["allocated_day"] < horizon
    return pd.DataFrame({
        "referral_date": dates(cases["arrival_day"], cases["arrival_day"].notna()),
        "type": cases["type"].astype(str),
        "urgent": np.where(cases["urgent"], "yes", "no"),
        "hours": _hours_so_far(scenario, cases).round(hours_decimals).where(closed | started),
        "need": cases["need"].astype(object).where(cases["need"].notna(), ""),
        "locality": cases["locality"].astype(object).where(cases["locality"].notna(), ""),
        "miles": cases["miles"].round(1),
        "allocated_date": dates(cases["allocated_day"], started),
        "closed_date": dates(cases["end_day"], closed),
        "case": [f"C{n:05d}" for n in range(1, len(cases) + 1)],
    }).reset_index(drop=True)  # fmt: skip
