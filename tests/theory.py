"""Queueing theory the simulator is checked against (textbook formulas, no simulation)."""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import spsolve


def erlang_c(servers: int, offered: float) -> float:
    """Probability an arrival waits in M/M/c (offered load a = lambda / mu < c)."""
    top = offered**servers / math.factorial(servers) * servers / (servers - offered)
    bottom = sum(offered**k / math.factorial(k) for k in range(servers)) + top
    return top / bottom


def mmc_mean_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean wait in queue, Wq = C(c, a) / (c mu - lambda)."""
    offered = arrival_rate / service_rate
    return erlang_c(servers, offered) / (servers * service_rate - arrival_rate)


def mmc_wait_exceeds(servers: int, arrival_rate: float, service_rate: float, t: float) -> float:
    """P(Wq > t) = C(c, a) exp(-(c mu - lambda) t)."""
    offered = arrival_rate / service_rate
    return erlang_c(servers, offered) * math.exp(-(servers * service_rate - arrival_rate) * t)


def mmck(servers: int, capacity: int, arrival_rate: float, service_rate: float):
    """M/M/c/K: (blocking probability, mean wait of admitted customers).

    ``capacity`` K counts customers in service and waiting; an arrival finding K
    is turned away (here: sent to spot purchase).
    """
    offered = arrival_rate / service_rate
    rho = offered / servers
    weights = [
        offered**n / math.factorial(n)
        if n <= servers
        else offered**servers / math.factorial(servers) * rho ** (n - servers)
        for n in range(capacity + 1)
    ]
    total = sum(weights)
    p = [w / total for w in weights]
    queue = sum((n - servers) * p[n] for n in range(servers + 1, capacity + 1))
    admitted = arrival_rate * (1 - p[capacity])
    return p[capacity], queue / admitted


def priority_waits_mg1(rates: list[float], second_moments: list[float], loads: list[float]):
    """Cobham: mean wait per class in M/G/1 with non-preemptive priority (class 0 first)."""
    residual = sum(lam * m2 for lam, m2 in zip(rates, second_moments, strict=True)) / 2
    waits, above = [], 0.0
    for load in loads:
        waits.append(residual / ((1 - above) * (1 - above - load)))
        above += load
    return waits


def priority_waits_mmc(servers: int, rates: list[float], service_rate: float):
    """M/M/c with non-preemptive priority and one service rate (class 0 first)."""
    total = sum(rates)
    base = erlang_c(servers, total / service_rate) / (servers * service_rate)
    waits, above = [], 0.0
    for lam in rates:
        load = lam / (servers * service_rate)
        waits.append(base / ((1 - above) * (1 - above - load)))
        above += load
    return waits


def sick_server_mean_wait(
    arrival_rate: float,
    service_rate: float,
    sickness_rate: float,
    recovery_rate: float,
    max_queue: int | None = None,
) -> float:
    """Mean wait for allocation with one advocate who falls sick, from the exact Markov chain.

    The advocate falls sick at ``sickness_rate`` while at work, busy or not, and is
    away for an exponential time (``recovery_rate``). While away the open case is
    paused, to resume with them, and nothing is allocated. State (n waiting, busy,
    away); a return or a completion with people waiting allocates one at once, so
    (n > 0, free, at work) never occurs. The chain is truncated at ``max_queue``
    waiting (arrivals beyond it are lost); by default the truncation doubles until
    the answer moves by under 1e-10 relative, so the lost tail is negligible.
    Wq = E[n] / arrival_rate by Little's law.
    """
    if min(arrival_rate, service_rate, recovery_rate) <= 0 or sickness_rate < 0:
        raise ValueError("rates must be positive (sickness_rate may be 0)")
    availability = recovery_rate / (sickness_rate + recovery_rate)
    if arrival_rate >= service_rate * availability:
        raise ValueError("unstable: arrival_rate >= service_rate * availability")
    if max_queue is None:
        size, previous = 64, math.inf
        while True:
            wait = sick_server_mean_wait(
                arrival_rate, service_rate, sickness_rate, recovery_rate, size
            )
            if abs(wait - previous) <= 1e-10 * wait:
                return wait
            size, previous = 2 * size, wait

    # Index 0 is (0, free, at work); then (n, busy, at work), (n, free, away), (n, busy, away).
    def index(n: int, kind: int) -> int:
        return 1 + 3 * n + kind

    rows: list[int] = []
    cols: list[int] = []
    rates: list[float] = []

    def move(source: int, target: int, rate: float) -> None:
        rows.append(source)
        cols.append(target)
        rates.append(rate)

    lam, mu, xi, eta = arrival_rate, service_rate, sickness_rate, recovery_rate
    move(0, index(0, 0), lam)
    move(0, index(0, 1), xi)
    for n in range(max_queue + 1):
        working, free_away, busy_away = index(n, 0), index(n, 1), index(n, 2)
        if n < max_queue:
            move(working, index(n + 1, 0), lam)
            move(free_away, index(n + 1, 1), lam)
            move(busy_away, index(n + 1, 2), lam)
        move(working, index(n - 1, 0) if n else 0, mu)
        move(working, busy_away, xi)
        move(free_away, index(n - 1, 0) if n else 0, eta)
        move(busy_away, working, eta)
    states = index(max_queue, 2) + 1
    generator = sparse.csr_matrix((rates, (rows, cols)), shape=(states, states))
    generator -= sparse.diags(np.asarray(generator.sum(axis=1)).ravel())
    # pi Q = 0 with sum(pi) = 1: the last balance equation is replaced by the normalisation.
    system = generator.T.tolil()
    system[states - 1, :] = 1.0
    rhs = np.zeros(states)
    rhs[-1] = 1.0
    pi = spsolve(system.tocsc(), rhs)
    waiting = np.zeros(states)
    waiting[1:] = np.repeat(np.arange(max_queue + 1), 3)
    return float(pi @ waiting / arrival_rate)
