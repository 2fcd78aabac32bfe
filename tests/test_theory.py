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
from tests.helpers import build, mmc_data

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


def middle_mean_waits(scenario, horizon: float, reps: int) -> np.ndarray:
    """Per replication, the mean wait of those arriving in the middle 80% of the horizon."""
    means = []
    for rep in range(reps):
        records = simulate(scenario, rep)
        arrival = records.referrals.arrival_day
        keep = (arrival >= 0.1 * horizon) & (arrival < 0.9 * horizon)
        means.append((records.allocated_day[keep] - arrival[keep]).mean())
    return np.array(means)


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


def window(records, horizon):
    arrival = records.referrals.arrival_day
    return (arrival >= 0.1 * horizon) & (arrival < 0.9 * horizon)


@pytest.mark.slow
@pytest.mark.parametrize(("servers", "threshold", "rho"), [(1, 3, 0.9), (2, 2, 0.8), (5, 5, 1.1)])
def test_queue_length_overflow_is_mmck(servers, threshold, rho):
    """With overflow at `threshold` waiting, the block provider is an M/M/c/K queue."""
    lam, customers = rho * servers, 20_000
    horizon = customers / lam
    data = mmc_data(servers=servers, arrivals_per_day=lam, horizon_days=horizon)
    data["commissioning"]["overflow"] = {"rule": "queue_length", "threshold": threshold}
    data["commissioning"]["spot"] = {
        "market_advocates": 1000.0,
        "arrangement_days": {"dist": "fixed", "mean": 0.0},
    }
    scenario = build(data, seed=7000 + servers)
    blocked, waits = [], []
    for rep in range(REPS):
        records = simulate(scenario, rep)
        keep = window(records, horizon)
        to_block = keep & (records.pool == 0)
        blocked.append((records.pool[keep] == 1).mean())
        waits.append((records.allocated_day - records.referrals.arrival_day)[to_block].mean())
    p_block, wait = theory.mmck(servers, servers + threshold, lam, 1.0)
    z_block, z_wait = z_score(np.array(blocked), p_block), z_score(np.array(waits), wait)
    print(f"M/M/{servers}/{servers + threshold}: blocking z={z_block:+.2f}, wait z={z_wait:+.2f}")
    assert abs(z_block) < Z_LIMIT and abs(z_wait) < Z_LIMIT


def two_class_scenario(servers, lam_high, lam_low, mean_high, mean_low, horizon, seed):
    """Two statutory/non-statutory classes under priority triage; hours differ by class."""
    lam = lam_high + lam_low
    data = mmc_data(servers=servers, arrivals_per_day=lam, horizon_days=horizon)
    data["demand"]["mix"] = {
        "statutory": {
            "share": lam_high / lam,
            "hours": {"dist": "exponential", "mean": 24.0 * mean_high},
        },
        "other": {
            "share": lam_low / lam,
            "hours": {"dist": "exponential", "mean": 24.0 * mean_low},
            "statutory": False,
        },
    }
    data["commissioning"]["providers"][0]["skills"] = ["statutory", "other"]
    data["commissioning"]["triage"] = "priority"
    return build(data, seed=seed)


def class_waits(scenario, horizon):
    high, low = [], []
    for rep in range(REPS):
        records = simulate(scenario, rep)
        keep = window(records, horizon)
        wait = records.allocated_day - records.referrals.arrival_day
        statutory = records.referrals.statutory
        high.append(wait[keep & statutory].mean())
        low.append(wait[keep & ~statutory].mean())
    return np.array(high), np.array(low)


@pytest.mark.slow
def test_two_priority_classes_on_one_server_match_cobham():
    lam_high, lam_low, mean_high, mean_low = 0.3, 0.4, 1.0, 1.25  # rho = 0.3 + 0.5 = 0.8
    horizon = 30_000 / (lam_high + lam_low)
    scenario = two_class_scenario(1, lam_high, lam_low, mean_high, mean_low, horizon, seed=8001)
    high, low = class_waits(scenario, horizon)
    expected = theory.priority_waits_mg1(
        [lam_high, lam_low],
        [2 * mean_high**2, 2 * mean_low**2],
        [lam_high * mean_high, lam_low * mean_low],
    )
    z = [z_score(high, expected[0]), z_score(low, expected[1])]
    print(f"Cobham M/M/1 two classes: statutory z={z[0]:+.2f}, other z={z[1]:+.2f}")
    assert all(abs(v) < Z_LIMIT for v in z)
    assert high.mean() < low.mean()


@pytest.mark.slow
def test_priority_classes_on_c_servers_match_the_mmc_formula():
    servers, lam_high, lam_low = 3, 1.2, 1.2  # rho = 0.8, equal mean service of 1 day
    horizon = 30_000 / (lam_high + lam_low)
    scenario = two_class_scenario(servers, lam_high, lam_low, 1.0, 1.0, horizon, seed=8002)
    high, low = class_waits(scenario, horizon)
    expected = theory.priority_waits_mmc(servers, [lam_high, lam_low], 1.0)
    z = [z_score(high, expected[0]), z_score(low, expected[1])]
    print(f"M/M/3 priority: statutory z={z[0]:+.2f}, other z={z[1]:+.2f}")
    assert all(abs(v) < Z_LIMIT for v in z)


@pytest.mark.slow
def test_a_shared_queue_hub_is_one_mmc_over_all_partners_slots():
    """Hub with one queue: partners with every skill, FIFO, no triage, is M/M/c with c the
    sum of the partners' slots (here 1 + 2 + 2 = 5), whatever their sizes."""
    servers, rho = 5, 0.8
    lam = rho * servers
    horizon = 15_000 / lam
    data = mmc_data(servers=1, arrivals_per_day=lam, horizon_days=horizon)
    one = data["commissioning"]["providers"][0]
    data["commissioning"]["model"] = "hub"
    data["commissioning"]["hub"] = {"triage_hours": 0.0, "queue": "shared"}
    data["commissioning"]["providers"] = [
        {**one, "name": name, "advocates": advocates}
        for name, advocates in (("Lead", 1.0), ("P1", 2.0), ("P2", 2.0))
    ]
    scenario = build(data, seed=5080)
    means = middle_mean_waits(scenario, horizon, REPS)
    z = z_score(means, theory.mmc_mean_wait(servers, lam, 1.0))
    print(f"shared-queue hub as M/M/5 at rho 0.8: mean wait z={z:+.2f}")
    assert abs(z) < Z_LIMIT
    # Routed on arrival to the shortest expected wait, the same hub waits longer.
    routed = build(data, seed=5080, commissioning__hub__queue="routed")
    routed_means = middle_mean_waits(routed, horizon, 5)
    assert np.mean(routed_means) > np.mean(means[:5])


@pytest.mark.slow
def test_spot_wait_with_other_buyers_is_the_arrangement_plus_erlang_c_for_the_combined_load():
    """Spot only, 5 spot slots, our referrals at 2 a day after a fixed half-day arrangement,
    other buyers' cases at 2 a day, exponential hours of a day: the market is M/M/5 at
    rho 0.8 for both streams, and our wait is 0.5 + Wq(M/M/5, lambda 4)."""
    ours, others, servers = 2.0, 2.0, 5
    horizon = 15_000 / (ours + others)
    data = mmc_data(servers=1, arrivals_per_day=ours, horizon_days=horizon)
    data["commissioning"] = {
        "model": "spot_only",
        "spot": {
            "market_advocates": float(servers),
            "caseload_cap": 1,
            "hours_per_week": 168.0,
            "productive_share": 1.0,
            "arrangement_days": {"dist": "fixed", "mean": 0.5},
            "other_referrals_per_year": others * 365.0,
            "other_hours": {"dist": "exponential", "mean": 24.0},
        },
    }
    scenario = build(data, seed=5090)
    means = middle_mean_waits(scenario, horizon, REPS)
    expected = 0.5 + theory.mmc_mean_wait(servers, ours + others, 1.0)
    z = z_score(means, expected)
    print(f"spot with other buyers (M/M/5, rho 0.8, plus 0.5 days): mean wait z={z:+.2f}")
    assert abs(z) < Z_LIMIT
    # Without the other buyers the same market is nearly free: the wait is the arrangement.
    alone = build(data, seed=5090, commissioning__spot__other_referrals_per_year=0.0)
    records = simulate(alone, 0)
    assert np.mean(records.allocated_day - records.referrals.arrival_day) < expected - 0.5
