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
)


def stream(seed: int, rep: int, name: str) -> np.random.Generator:
    """The generator for one named source of randomness in one replication."""
    if name not in STREAMS:
        raise KeyError(f"unknown random stream {name!r}; register it in STREAMS")
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(rep, key)))
