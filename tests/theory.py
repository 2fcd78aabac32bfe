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
