"""The model against queueing theory, over many seeded replications.

Each check compares the mean over replications of a per-replication figure with
its theoretical value, in units of the standard error of that mean: |z| < 4.
The tolerance comes from the replications' own spread, so it cannot be loose
by construction; with fixed seeds the test is deterministic.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator.model import simulate
from tests import theory
from tests.conftest import build, mmc_data

REPS = 20
Z_LIMIT = 4.0


def z_score(values: np.ndarray, expected: float) -> float:
    se = values.std(ddof=1) / np.sqrt(len(values))
    return float((values.mean() - expected) / se)


def run_waits(servers: int, rho: float, customers: int) -> list[np.ndarray]:
    """Waits of customers arriving in the middle 80% of the horizon, one array per replication.

    The first 10% is a warm-up from the empty start; the last 10% is left out so
    that no customer's wait is cut short (censored) by the horizon.
    """
    service_rate = 1.0  # per day
    arrival_rate = rho * servers * service_rate
    horizon = customers / arrival_rate
    # A seed per case keeps the cases' errors independent (common random numbers
    # would otherwise make every case err the same way).
    scenario = build(
        mmc_data(servers=servers, arrivals_per_day=arrival_rate, horizon_days=horizon),
        seed=1000 * servers + round(100 * rho),
    )
    waits = []
    for rep in range(REPS):
        records = simulate(scenario, rep)
        arrival = records.referrals.arrival_day
        keep = (arrival >= 0.1 * horizon) & (arrival < 0.9 * horizon)
        assert not np.isnan(records.allocated_day[keep]).any()
        waits.append(records.allocated_day[keep] - arrival[keep])
    return waits


CASES = [(1, 0.5), (1, 0.7), (1, 0.9), (2, 0.5), (2, 0.8), (2, 0.9), (10, 0.5), (10, 0.9)]


@pytest.mark.slow
@pytest.mark.parametrize(("servers", "rho"), CASES)
def test_mmc_matches_erlang_c(servers, rho):
    customers = 40_000 if rho >= 0.9 else 15_000
    waits = run_waits(servers, rho, customers)
    lam, mu = rho * servers, 1.0
    t = 1.0  # one mean service time
    checks = {
        "mean wait": (np.array([w.mean() for w in waits]), theory.mmc_mean_wait(servers, lam, mu)),
        "P(wait > 0)": (
            np.array([(w > 0).mean() for w in waits]),
            theory.erlang_c(servers, lam / mu),
        ),
        "P(wait > 1 day)": (
            np.array([(w > t).mean() for w in waits]),
            theory.mmc_wait_exceeds(servers, lam, mu, t),
        ),
    }
    scores = {name: z_score(values, expected) for name, (values, expected) in checks.items()}
    print(f"M/M/{servers} rho={rho}: " + ", ".join(f"{k} z={v:+.2f}" for k, v in scores.items()))
    for name, z in scores.items():
        assert abs(z) < Z_LIMIT, f"{name}: z = {z:.2f}"
