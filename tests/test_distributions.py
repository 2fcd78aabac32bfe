"""Distributions written by their mean (and sd) really have that mean (and sd)."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter

from simulator.distributions import Distribution, Triangular

# A fine, evenly spaced grid of uniforms: the quantile function's average over it is
# the distribution's mean (a deterministic integral, no sampling error to tolerate).
U = (np.arange(2_000_000) + 0.5) / 2_000_000
parse = TypeAdapter(Distribution).validate_python


@pytest.mark.parametrize(
    ("spec", "mean", "sd"),
    [
        ({"dist": "fixed", "mean": 6.0}, 6.0, 0.0),
        ({"dist": "exponential", "mean": 12.0}, 12.0, 12.0),
        ({"dist": "lognormal", "mean": 12.0, "sd": 8.0}, 12.0, 8.0),
        ({"dist": "gamma", "mean": 8.0, "sd": 4.0}, 8.0, 4.0),
        ({"dist": "triangular", "low": 2.0, "mode": 5.0, "high": 14.0}, 7.0, np.sqrt(6.5)),
        ({"dist": "uniform", "low": 2.0, "high": 8.0}, 5.0, np.sqrt(3.0)),
        ({"dist": "empirical", "values": [1.0, 4.0], "weights": [3.0, 1.0]}, 1.75, np.sqrt(1.6875)),
    ],
)
def test_mean_and_sd_are_as_written(spec, mean, sd):
    dist = parse(spec)
    values = dist.quantile(U)
    assert dist.expected == pytest.approx(mean)
    assert values.mean() == pytest.approx(mean, rel=2e-3)
    assert values.std() == pytest.approx(sd, rel=1e-2, abs=1e-9)
    assert (values >= 0).all()
    assert (np.diff(values) >= 0).all()  # monotone: common random numbers couple draws


def test_triangular_stays_within_its_bounds():
    values = parse({"dist": "triangular", "low": 5, "mode": 10, "high": 28}).quantile(U)
    assert values.min() >= 5 and values.max() <= 28


@pytest.mark.parametrize(("low", "mode", "high"), [(5, 15, 40), (0, 0, 3), (2, 9, 9), (13, 26, 52)])
def test_triangular_quantile_is_scipys_to_the_last_bit(low, mode, high):
    """Closed form, so checking a file needs no scipy; the same floats as scipy's ppf, so
    every result is unchanged."""
    from scipy import stats

    u = np.concatenate([np.random.default_rng(3).random(10_000), [0.0, 0.5, 1.0]])
    ours = Triangular(dist="triangular", low=low, mode=mode, high=high).quantile(u)
    c = (mode - low) / (high - low)
    assert np.array_equal(ours, stats.triang.ppf(u, c, loc=low, scale=high - low))
