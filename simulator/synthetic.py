"""A synthetic case list from a known scenario: what a provider would send, made from one
simulated history, so calibration can be checked against the truth that made it.

The scenario's history runs from ``start_date`` for ``horizon_days``; the list is
extracted on the last day. Each referral of the history is a row; a case closed by
then has its ``closed_date`` and its hours (travel included, as providers record
them); one still open has the hours worked so far (at its caseload slot's pace since
allocation), and one not yet allocated has none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.scenario import Scenario
from simulator.units import DAYS_PER_WEEK


def synthetic_case_list(scenario: Scenario) -> pd.DataFrame:
    """The case list of replication 0 of ``scenario`` (``referral_date, type, urgent,
    hours, need, locality, miles, closed_date``), in referral order."""
    from simulator import study

    one = scenario.model_copy(update={"replications": 1})
    results = study.run_scenarios([one], "run", workers=1, cases="all")
    cases = results.cases
    arrived = cases["carried_over"].isna() & (cases["arrival_day"] < scenario.horizon_days)
    cases = cases[arrived]
    start = np.datetime64(scenario.start_date, "D")

    def dates(days: pd.Series) -> pd.Series:
        whole = np.floor(days.to_numpy(dtype=float)).astype("timedelta64[D]")
        return pd.Series(np.datetime_as_string(start + whole, unit="D"), index=days.index)

    closed = cases["end_day"] < scenario.horizon_days  # NaN (never allocated) is open
    started = cases["allocated_day"].notna()
    return pd.DataFrame({
        "referral_date": dates(cases["arrival_day"]),
        "type": cases["type"].astype(str),
        "urgent": np.where(cases["urgent"], "yes", "no"),
        "hours": _hours_so_far(scenario, cases).round(1).where(closed | started),
        "need": cases["need"].astype(object).where(cases["need"].notna(), ""),
        "locality": cases["locality"].astype(object).where(cases["locality"].notna(), ""),
        "miles": cases["miles"].round(1),
        "closed_date": dates(cases["end_day"].where(closed, 0.0)).where(closed, ""),
    }).reset_index(drop=True)  # fmt: skip


def _hours_so_far(scenario: Scenario, cases: pd.DataFrame) -> pd.Series:
    """Each case's hours worked by the extract day: all of them once closed, else the days
    since allocation at the case's pace (its share of a slot's hours at its provider)."""
    from simulator.plan import plan_pools

    pace = np.array([plan.case_hours_per_week / DAYS_PER_WEEK for plan in plan_pools(scenario)])
    weight = np.array([kind.caseload_weight for kind in scenario.demand.mix.values()])
    types = {label: index for index, label in enumerate(scenario.demand.mix)}
    allocated = cases["allocated_day"].to_numpy(dtype=float)
    provider = cases["provider"].cat.codes.to_numpy()
    per_day = pace[np.maximum(provider, 0)] * weight[cases["type"].astype(str).map(types)]
    worked = np.maximum(scenario.horizon_days - allocated, 0.0) * per_day
    so_far = pd.Series(np.minimum(cases["hours"].to_numpy(), worked), index=cases.index)
    closed = cases["end_day"] < scenario.horizon_days  # NaN: not closed when the run ended
    return so_far.where(~closed, cases["hours"])
