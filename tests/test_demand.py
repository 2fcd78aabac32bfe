"""Referral demand: the rate over time, and what each referral draws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.demand import draw_referrals
from simulator.plan import expected_referrals
from simulator.scenario import Population
from tests.helpers import build, mmc_data


def demand(**changes):
    data = mmc_data(arrivals_per_day=1.0, horizon_days=730.0)
    return build(data, **changes)


def test_constant_rate():
    assert expected_referrals(demand()) == pytest.approx(730.0)


def test_compound_growth():
    scenario = demand(demand__growth_per_year=0.10)
    # Integral of 365 (1.1)^(t/365) over two years.
    exact = 365.0 * (1.1**2 - 1) / math.log(1.1)
    assert expected_referrals(scenario) == pytest.approx(exact, rel=1e-6)


def test_population_funnel():
    funnel = Population(
        adults=500_000.0,
        assessment_rate=0.02,
        substantial_difficulty_share=0.5,
        no_appropriate_individual_share=0.2,
        referral_propensity=0.75,
    )
    assert funnel.referrals_per_year == pytest.approx(750.0)
    data = mmc_data(horizon_days=365.0)
    del data["demand"]["referrals_per_year"]
    data["demand"]["population"] = funnel.model_dump()
    assert expected_referrals(build(data)) == pytest.approx(750.0)


def test_seasonality_and_shocks_shape_deterministic_arrivals():
    seasonal = [2.0] + [10.0 / 11.0] * 11  # January twice the average month
    scenario = demand(
        demand__arrivals="deterministic",
        demand__seasonality=seasonal,
        demand__shocks=[{"start_day": 400.0, "end_day": 410.0, "multiplier": 3.0, "label": "x"}],
        start_date="2027-01-01",
    )
    arrivals = draw_referrals(scenario, 1, 0).arrival_day
    january = ((arrivals >= 0) & (arrivals < 31)).sum()
    assert abs(january - 62) <= 1
    february = ((arrivals >= 31) & (arrivals < 59)).sum()
    assert abs(february - 28 * 10 / 11) <= 1
    shock = ((arrivals >= 400) & (arrivals < 410)).sum()  # 5-15 February 2028
    assert abs(shock - 30 * 10 / 11) <= 1


def test_workshops_assumed_effect_cuts_the_rate():
    scenario = demand(workshops={"per_year": 4.0, "assumed_referral_reduction": 0.25})
    assert expected_referrals(scenario) == pytest.approx(0.75 * 730.0)


def test_poisson_counts_match_the_integrated_rate():
    scenario = demand(demand__growth_per_year=0.2)
    counts = np.array([len(draw_referrals(scenario, 5, rep)) for rep in range(200)])
    expected = expected_referrals(scenario)
    z = (counts.mean() - expected) / (counts.std(ddof=1) / np.sqrt(len(counts)))
    assert abs(z) < 4
    assert counts.var(ddof=1) == pytest.approx(expected, rel=0.25)  # Poisson: variance = mean


def test_attributes_follow_their_shares():
    data = mmc_data(arrivals_per_day=20.0, horizon_days=365.0)
    data["demand"]["mix"] = {
        "care_act": {"share": 0.7, "hours": {"dist": "fixed", "mean": 10.0}, "urgent_share": 0.5},
        "imca": {"share": 0.3, "hours": {"dist": "fixed", "mean": 4.0}},
    }
    data["demand"]["urgent_share"] = 0.1
    data["demand"]["needs"] = {"bsl": 0.05, "ld": 0.15}
    data["demand"]["localities"] = {
        "urban": {"share": 0.6, "miles_per_case": {"dist": "fixed", "mean": 0.0}},
        "rural": {"share": 0.4, "miles_per_case": {"dist": "fixed", "mean": 40.0}},
    }
    data["demand"]["travel_mph"] = 20.0
    ref = draw_referrals(build(data), 3, 0)
    n = len(ref)

    def close(observed: float, share: float, count: int) -> None:
        assert abs(observed - share) < 4 * math.sqrt(share * (1 - share) / count)

    care = ref.type_index == 0
    close(care.mean(), 0.7, n)
    close(ref.urgent[care].mean(), 0.5, care.sum())  # the type's own urgent share
    close(ref.urgent[~care].mean(), 0.1, (~care).sum())  # the default
    close((ref.need_index == 0).mean(), 0.05, n)
    close((ref.need_index == 1).mean(), 0.15, n)
    close((ref.need_index == -1).mean(), 0.80, n)
    rural = ref.locality_index == 1
    close(rural.mean(), 0.4, n)
    # Hours = work + travel: 40 miles at 20 mph adds 2 hours to rural cases.
    expected = np.where(care, 10.0, 4.0) + np.where(rural, 2.0, 0.0)
    np.testing.assert_allclose(ref.hours, expected)
    assert (ref.miles[rural] == 40.0).all() and (ref.miles[~rural] == 0.0).all()


def test_common_random_numbers_couple_hours_monotonically():
    light = demand()
    heavy = demand(demand__mix__care_act__hours={"dist": "lognormal", "mean": 30.0, "sd": 40.0})
    a, b = draw_referrals(light, 9, 4), draw_referrals(heavy, 9, 4)
    np.testing.assert_array_equal(a.arrival_day, b.arrival_day)
    # The same uniform gives both cases: their ranks agree exactly.
    np.testing.assert_array_equal(np.argsort(a.hours), np.argsort(b.hours))
