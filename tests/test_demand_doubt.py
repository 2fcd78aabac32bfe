"""Doubt about demand: a referral rate or mean hours given as a distribution is drawn once
per replication from its own stream; the contract is sized on the expected values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import simulator
from simulator import uncertainty
from simulator.demand import arrival_days, draw_referrals
from simulator.plan import expected_referrals, plan_pools
from simulator.scenario import ScenarioError
from simulator.stats import spread_table
from simulator.streams import stream
from tests.helpers import build, county

RATE = {"dist": "gamma", "mean": 600.0, "sd": 120.0}  # shape 25, scale 24
REPS = 300


def doubtful(**changes):
    return build(county(), demand__referrals_per_year=RATE, horizon_days=365.0, **changes)


def counts(scenario) -> np.ndarray:
    """Referrals arriving in each replication's year."""
    return np.array([
        len(arrival_days(uncertainty.drawn(scenario, rep), stream(scenario.seed, rep, "arrivals")))
        for rep in range(REPS)
    ])  # fmt: skip


def variance_interval(sample: np.ndarray, level: float = 0.9999) -> tuple[float, float]:
    """Interval for the variance of a near-normal sample (chi-square)."""
    n, var = len(sample), float(np.var(sample, ddof=1))
    tail = (1 - level) / 2
    return var * (n - 1) / stats.chi2.ppf(1 - tail, n - 1), var * (n - 1) / stats.chi2.ppf(
        tail, n - 1
    )


def test_each_replication_draws_its_rate_from_the_distribution():
    scenario = doubtful()
    rates = [uncertainty.drawn(scenario, rep).demand.referrals_per_year for rep in range(REPS)]
    assert len(set(rates)) == REPS
    assert stats.kstest(rates, stats.gamma(25.0, scale=24.0).cdf).pvalue > 0.001


def test_the_doubt_widens_the_spread_of_referrals_as_a_mixed_poisson():
    """Var(N) = E[rate] + Var(rate) for a year of a Poisson process with a random rate:
    600 + 120^2 = 15,000 with the doubt, 600 with the rate fixed at its mean."""
    scenario = doubtful()
    low, high = variance_interval(counts(scenario))
    assert low < 600 + 120**2 < high
    low, high = variance_interval(counts(uncertainty.fixed(scenario)))
    assert low < 600 < high


def test_scenarios_on_the_same_seed_draw_the_same_demand():
    """Common random numbers: another way of buying sees the same rate and referrals."""
    block, spot = doubtful(), doubtful(commissioning__model="spot_only")
    for rep in range(5):
        a, b = (
            draw_referrals(uncertainty.drawn(block, rep), 11, rep),
            draw_referrals(uncertainty.drawn(spot, rep), 11, rep),
        )
        np.testing.assert_array_equal(a.arrival_day, b.arrival_day)
        np.testing.assert_array_equal(a.hours, b.hours)


def test_the_contract_is_sized_on_the_expected_demand():
    scenario, plain = doubtful(), build(county(), horizon_days=365.0)
    assert scenario.demand.base_referrals_per_year == 600.0
    assert expected_referrals(scenario) == pytest.approx(expected_referrals(plain))
    assert plan_pools(scenario) == plan_pools(plain) == plan_pools(uncertainty.fixed(scenario))


def test_a_types_mean_hours_may_be_uncertain():
    """Exponential hours scale with their mean, so every referral's work in a replication
    is the fixed-mean work times drawn mean / expected mean, exactly."""
    hours = {"dist": "exponential", "mean": {"dist": "gamma", "mean": 12.0, "sd": 3.0}}
    scenario = build(county(), demand__mix__care_act__hours=hours, horizon_days=365.0)
    assert scenario.demand.uncertain and scenario.demand.mix["care_act"].hours.expected == 12.0
    fixed = draw_referrals(uncertainty.fixed(scenario), 11, 0)
    means = []
    for rep in range(3):
        drawn = uncertainty.drawn(scenario, rep)
        mean = drawn.demand.mix["care_act"].hours.mean
        means.append(mean)
        referrals = draw_referrals(drawn, 11, rep)
        if rep == 0:
            care = referrals.type_index == 0
            travel = referrals.miles / scenario.demand.travel_mph
            np.testing.assert_allclose(
                (referrals.hours - travel)[care], (fixed.hours - travel)[care] * mean / 12.0
            )
    assert len(set(means)) == 3


def test_doubt_is_refused_where_it_would_not_be_drawn():
    deadline = {"dist": "gamma", "mean": {"dist": "fixed", "mean": 10.0}, "sd": 2.0}
    with pytest.raises(ScenarioError, match=r"demand\.deadline_days\.mean: .*allowed only in"):
        build(county(), demand__deadline_days=deadline)
    nested = {"dist": "gamma", "mean": {"dist": "gamma", "mean": {"dist": "fixed", "mean": 1.0},
                                        "sd": 1.0}, "sd": 1.0}  # fmt: skip
    with pytest.raises(ScenarioError, match="plain number as its mean"):
        build(county(), demand__mix__care_act__hours=nested)


def test_the_share_of_the_spread_from_doubt_is_one_less_the_ratio_of_variances():
    def per_rep(values):
        return pd.DataFrame({
            "rep": range(len(values)), "metric": "cost_total_per_year", "group": "all",
            "value": values,
        })  # fmt: skip

    table = spread_table(
        per_rep([1.0, 3.0, 5.0, 7.0]), per_rep([3.0, 4.0, 4.0, 5.0]), uncertainty.SPREAD_METRICS
    )
    row = table.set_index("metric").loc["cost_total_per_year"]
    var_doubt, var_fixed = np.var([1, 3, 5, 7], ddof=1), np.var([3, 4, 4, 5], ddof=1)
    assert row["share_of_variance_from_doubt"] == pytest.approx(1 - var_fixed / var_doubt)
    assert row["sd_demand_fixed"] == pytest.approx(var_fixed**0.5)
    half = stats.t.ppf(0.975, 3) * (10 / 3) ** 0.5 / 2  # differences -2, -1, 1, 2
    assert (row["difference_ci_low"], row["difference_ci_high"]) == pytest.approx((-half, half))
    assert list(table["metric"]) == ["cost_total_per_year"]  # breaches not in the frames


def test_a_run_with_doubt_shows_the_spread_with_and_without_it(tmp_path):
    wide = {"dist": "gamma", "mean": 600.0, "sd": 240.0}
    scenario = build(  # spot only: the cost follows the hours bought
        county("spot_only"), demand__referrals_per_year=wide, horizon_days=400.0, replications=8
    )
    results = simulator.run(scenario, workers=1, cases="none")
    table = results.demand_doubt.set_index("metric")
    assert list(table.index) == ["cost_total_per_year", "breaches_per_year"]
    cost = table.loc["cost_total_per_year"]
    assert cost["sd_with_doubt"] > 2 * cost["sd_demand_fixed"]
    assert 0.5 < cost["share_of_variance_from_doubt"] <= 1
    folder = results.write(tmp_path / "out")
    written = pd.read_csv(folder / "demand_doubt.csv", encoding="utf-8-sig")
    assert written["scenario"].unique().tolist() == [scenario.name]
    assert "Doubt about demand" in (folder / "report.html").read_text("utf-8")
    plain = simulator.run(build(county(), horizon_days=400.0, replications=2), workers=1)
    assert plain.demand_doubt is None
    assert not (plain.write(tmp_path / "plain") / "demand_doubt.csv").exists()


POPULATION = {
    "adults": 500_000.0,
    "assessment_rate": 0.02,
    "substantial_difficulty_share": 0.5,
    "no_appropriate_individual_share": 0.2,
}  # 1,000 eligible a year


def ramped(horizon_days: float = 1095.0):
    data = county()
    del data["demand"]["referrals_per_year"]
    ramp = {"start": 0.4, "end": 0.8, "over_days": 730.0}
    data["demand"]["population"] = {**POPULATION, "referral_propensity": ramp}
    return build(data, horizon_days=horizon_days)


def test_a_ramping_referral_propensity_integrates_exactly():
    """1,000 eligible a year, referred at 0.4 rising linearly to 0.8 over 730 days, then
    0.8: over three years 1000/365 x (0.4 x 730 + 0.4 x 730 / 2 + 0.8 x 365) = 2,000."""
    scenario = ramped()
    assert scenario.demand.base_referrals_per_year == pytest.approx(400.0)
    assert expected_referrals(scenario) == pytest.approx(1000 / 365 * (292 + 146 + 292))
    arrivals = draw_referrals(scenario, 11, 0).arrival_day
    first, last = (arrivals < 365).sum(), (arrivals >= 730).sum()
    assert last > 1.5 * first  # about 800 against about 500 (0.4 to 0.6 over year one)


def test_validate_and_the_report_show_how_the_rate_is_derived(tmp_path):
    from ruamel.yaml import YAML

    from tests.helpers import invoke

    path = tmp_path / "ramp.yaml"
    YAML().dump(ramped().to_plain(), path)
    shown = invoke("validate", str(path)).output
    assert (
        "referrals: 500,000 adults x 0.02 assessed a year x 0.5 with substantial difficulty x "
        "0.2 with no appropriate individual x referral propensity 0.4 rising to 0.8 over 730 "
        "days = 400 a year on day 0, 800 a year from day 730"
    ) in shown
    report = simulator.run(build(ramped(200.0).to_plain(), replications=1), workers=1)
    assert "rising to 0.8 over 730 days" in report.write(tmp_path / "out").joinpath(
        "report.html"
    ).read_text("utf-8")
