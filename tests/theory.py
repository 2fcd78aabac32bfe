"""Queueing theory the simulator is checked against (textbook formulas, no simulation)."""

from __future__ import annotations

import math


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
