"""Named random streams: ``(root seed, replication, stream name) -> Generator``.

Each source of randomness has its own stream, keyed by a hash of its *name*
rather than its position, so adding a stream never renumbers the others and
replication k of every scenario sees the same referrals (common random
numbers). Never use the global ``random`` or ``np.random`` state.
"""

from __future__ import annotations

import zlib

import numpy as np

_REFERRAL_STREAMS = (
    "arrivals",
    "type",
    "urgency",
    "need",
    "locality",
    "hours",
    "miles",
    "deadline",
    "spot_arrangement",
    "residual",
    "triage",
    "flex_arrangement",
    "weeks_open",
)
# The registry only grows: add names at the end, never rename or remove one.
STREAMS: tuple[str, ...] = (
    *_REFERRAL_STREAMS,
    *(f"initial.{n}" for n in _REFERRAL_STREAMS),
    "other.arrivals",  # other buyers' cases on the spot market
    "other.hours",
    "doubt.referrals_per_year",  # this replication's referral rate, when it is uncertain
    "doubt.hours_mean",  # this replication's mean hours per type, where uncertain
    "workforce.turnover",  # per pool (see pool_stream): when posts empty
    "workforce.recruitment",  # how long each stays vacant
    "workforce.leave",  # when blocks of leave are taken
    "workforce.training",  # training days
    "workforce.sickness",  # when episodes of sickness start, and how long they last
    "contract.exit",  # per provider (see pool_stream): when it gives notice
)


def stream(seed: int, rep: int, name: str) -> np.random.Generator:
    """The generator for one named source of randomness in one replication."""
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(rep, _key(name))))


def pool_stream(seed: int, rep: int, name: str, pool: str) -> np.random.Generator:
    """One named source of randomness for one pool (a provider, its flex, the spot market),
    keyed by the pool's name, so adding a provider never changes another's draws."""
    spawn_key = (rep, _key(name), zlib.crc32(pool.encode("utf-8")))
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=spawn_key))


def _key(name: str) -> int:
    if name not in STREAMS:
        raise KeyError(f"unknown random stream {name!r}; register it in STREAMS")
    return zlib.crc32(name.encode("utf-8"))
