"""The sick-advocate chain in tests/theory.py, checked against what it must reduce to."""

from __future__ import annotations

import itertools

import pytest

from tests import theory


def breakdown_mm1_mean_wait(lam: float, mu: float, xi: float, eta: float) -> float:
    """Closed form: M/M/1, breakdowns at any time (rate xi), repairs (eta), preemptive resume.

    Derived by generating functions, independently of the chain. With k in the
    system and P1, P0 the generating functions of the up and down states, the down
    balance gives P0 = xi P1 / (lam (1 - z) + eta) and the up balance then
    P1(z) = (mu A - lam) / (mu - lam z - xi lam z / (lam (1 - z) + eta)), with
    availability A = eta / (xi + eta). Differentiating at z = 1:
    E[k] = lam A (1 + xi (lam + eta) / eta^2) / (mu A - lam) + xi lam A / eta^2.
    The slot is taken for 1 / (mu A) per case on average (service stretched by
    pauses), so Wq = E[k] / lam - 1 / (mu A) by Little's law.
    """
    a = eta / (xi + eta)
    in_system = lam * a * (1 + xi * (lam + eta) / eta**2) / (mu * a - lam) + xi * lam * a / eta**2
    return in_system / lam - 1 / (mu * a)


@pytest.mark.parametrize("lam, mu", [(0.2, 1.0), (0.5, 1.0), (0.9, 1.0), (3.0, 4.0)])
def test_no_sickness_is_mm1(lam: float, mu: float) -> None:
    wait = theory.sick_server_mean_wait(lam, mu, 0.0, 1.0)
    assert wait == pytest.approx(theory.mmc_mean_wait(1, lam, mu), rel=1e-9)


@pytest.mark.parametrize(
    "lam, mu, xi, eta",
    [
        (0.5, 1.0, 0.2, 1.0),
        (0.3, 1.0, 0.05, 0.1),
        (0.7, 1.0, 0.1, 2.0),
        (2.0, 5.0, 1.0, 0.8),
        (0.7, 1.0, 0.1, 0.5),
    ],
)
def test_matches_the_breakdown_closed_form(lam: float, mu: float, xi: float, eta: float) -> None:
    wait = theory.sick_server_mean_wait(lam, mu, xi, eta)
    assert wait == pytest.approx(breakdown_mm1_mean_wait(lam, mu, xi, eta), rel=1e-8)
    # Sickness must matter here, or the check would not tell the chains apart.
    assert wait > 1.05 * theory.mmc_mean_wait(1, lam, mu)


def test_rises_with_sickness_and_falls_with_recovery() -> None:
    by_sickness = [
        theory.sick_server_mean_wait(0.5, 1.0, xi, 1.0) for xi in (0, 0.05, 0.1, 0.2, 0.4)
    ]
    by_recovery = [theory.sick_server_mean_wait(0.5, 1.0, 0.2, eta) for eta in (0.5, 1, 2, 4)]
    assert all(a < b for a, b in itertools.pairwise(by_sickness))
    assert all(a > b for a, b in itertools.pairwise(by_recovery))


@pytest.mark.parametrize("lam, xi", [(0.9, 0.2), (1 / 1.2, 0.2), (1.0, 0.0), (1.5, 0.0)])
def test_unstable_raises(lam: float, xi: float) -> None:
    # (0.9, 0.2) would be stable without sickness: availability 1/1.2 caps it at 0.833.
    with pytest.raises(ValueError, match="unstable"):
        theory.sick_server_mean_wait(lam, 1.0, xi, 1.0)
