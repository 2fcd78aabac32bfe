"""Joint commissioning (``partners``): other authorities' referrals share the contract.

Two authorities with the same demand sharing one block are one M/M/2c queue with twice
the arrivals; each alone with half the block is an M/M/c queue: pooling, checked against
Erlang C. The cost split adds up to the whole, the block is sized for every authority,
each authority draws its own referrals, and a file names a partner's demand file.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from simulator.model import simulate
from simulator.plan import plan_pools
from simulator.scenario import ScenarioError, load_scenario
from tests import theory
from tests.helpers import build, county, figures, mmc_data

RHO = 0.8


def joint(data: dict, names: tuple[str, str] = ("East", "West"), **split) -> dict:
    """``data`` as the first authority of a joint contract with a second of the same demand."""
    data = copy.deepcopy(data)
    data["partners"] = {
        "name": names[0],
        "authorities": [{"name": names[1], "demand": copy.deepcopy(data["demand"])}],
        **split,
    }
    return data


def waits_in_window(scenario, reps: int) -> np.ndarray:
    """Each replication's mean wait of the referrals arriving in its middle 80%."""
    horizon = scenario.horizon_days
    means = []
    for rep in range(reps):
        records = simulate(scenario, rep)
        arrival = records.referrals.arrival_day
        inside = (arrival >= 0.1 * horizon) & (arrival < 0.9 * horizon)
        means.append(np.nanmean(records.allocated_day[inside] - arrival[inside]))
    return np.array(means)


def z_score(values: np.ndarray, expected: float) -> float:
    return (values.mean() - expected) / (values.std(ddof=1) / math.sqrt(len(values)))


def test_two_authorities_sharing_one_block_wait_as_erlang_c_says_and_less_than_alone():
    # Each authority alone: one advocate-slot, arrivals at 0.8 a day, service of one day
    # (M/M/1: mean wait 0.8 / (1 x 0.2) = 4 days). Together with both slots: M/M/2 at
    # 1.6 a day (mean wait about 1.78 days).
    alone = build(mmc_data(servers=1, arrivals_per_day=RHO, horizon_days=4000.0))
    together = build(joint(mmc_data(servers=2, arrivals_per_day=RHO, horizon_days=4000.0)))
    by_alone, by_joint = waits_in_window(alone, 24), waits_in_window(together, 24)
    expected_alone = theory.mmc_mean_wait(1, RHO, 1.0)
    expected_joint = theory.mmc_mean_wait(2, 2 * RHO, 1.0)
    z_alone, z_joint = z_score(by_alone, expected_alone), z_score(by_joint, expected_joint)
    print(f"alone z={z_alone:+.2f}, joint z={z_joint:+.2f}")
    assert abs(z_alone) < 3.5 and abs(z_joint) < 3.5
    assert by_joint.mean() < by_alone.mean() / 2  # pooling: 1.78 days against 4


def test_each_authority_draws_its_own_referrals_and_results_name_it():
    scenario = build(joint(county()))
    records = simulate(scenario, 0)
    authority = records.referrals.authority
    east, west = (
        records.referrals.arrival_day[authority == 0],
        records.referrals.arrival_day[authority == 1],
    )
    assert len(east) and len(west)
    assert not np.array_equal(east[: min(len(east), len(west))], west[: min(len(east), len(west))])
    # the scenario's own referrals are exactly those it draws alone
    alone = simulate(build(county()), 0).referrals
    np.testing.assert_array_equal(east, alone.arrival_day)
    table, _ = figures(scenario)
    together = table["referrals", "all"]
    assert table["referrals", "authority=East"] + table["referrals", "authority=West"] == together


def test_a_joint_block_is_sized_for_every_authority():
    alone = plan_pools(build(county()))[0]
    together = plan_pools(build(joint(county())))[0]
    assert together.contracted_hours_per_year == pytest.approx(2 * alone.contracted_hours_per_year)
    assert abs(together.slots - 2 * alone.slots) <= 1  # each rounds to whole slots


@pytest.mark.parametrize(
    "split",
    ["by_use", "by_population", {"East": 0.25, "West": 0.75}],
)
def test_the_cost_split_adds_up_to_the_whole(split):
    data = joint(county(), cost_split=split)
    if split == "by_population":
        data["partners"]["population"] = 100_000
        data["partners"]["authorities"][0]["population"] = 300_000
    table, _ = figures(build(data), reps=2)
    for metric in ("cost_total_per_year", "cost_to_serve_per_year"):
        east, west = table[metric, "authority=East"], table[metric, "authority=West"]
        assert east + west == pytest.approx(table[metric, "all"], rel=1e-12)
        if split == "by_population":
            assert east == pytest.approx(0.25 * table[metric, "all"], rel=1e-12)
        if isinstance(split, dict):
            assert west == pytest.approx(0.75 * table[metric, "all"], rel=1e-12)


def test_by_use_shares_follow_the_hours_of_the_cases_allocated():
    # West's demand is three times East's: it pays about three quarters.
    data = joint(county())
    data["partners"]["authorities"][0]["demand"]["referrals_per_year"] = 1800.0
    table, _ = figures(build(data), reps=2)
    share = table["cost_total_per_year", "authority=West"] / table["cost_total_per_year", "all"]
    assert 0.70 < share < 0.80


def test_a_partner_whose_types_differ_is_refused_with_the_field_named():
    data = joint(county())
    data["partners"]["authorities"][0]["demand"]["mix"] = {
        "imca": data["demand"]["mix"]["imca"] | {"share": 0.3},
        "care_act": data["demand"]["mix"]["care_act"],
    }
    with pytest.raises(ScenarioError, match=r"partners\.authorities\.0\.demand\.mix"):
        build(data)


def test_shares_that_miss_an_authority_are_refused():
    with pytest.raises(ScenarioError, match="cost_split"):
        build(joint(county(), cost_split={"East": 1.0}))


def test_a_partner_demand_file_is_read_relative_to_the_scenario(tmp_path):
    from ruamel.yaml import YAML

    data = joint(county())
    partner_demand = data["partners"]["authorities"][0].pop("demand")
    yaml = YAML(typ="safe", pure=True)
    (tmp_path / "demand").mkdir()
    with (tmp_path / "demand" / "west.yaml").open("w") as f:
        yaml.dump({"demand": partner_demand}, f)
    data["partners"]["authorities"][0]["demand"] = "demand/west.yaml"
    data["commissioning"]["providers"][0]["working_days"] = "every_day"
    with (tmp_path / "joint.yaml").open("w") as f:
        yaml.dump(data, f)
    scenario = load_scenario(tmp_path / "joint.yaml")
    assert scenario.partners is not None
    assert scenario.partners.authorities[0].demand.referrals_per_year == 600.0
    data["partners"]["authorities"][0]["demand"] = "demand/missing.yaml"
    with (tmp_path / "broken.yaml").open("w") as f:
        yaml.dump(data, f)
    with pytest.raises(ScenarioError, match=r"broken.yaml:\d+: partners.authorities.0.demand: "
                       "demand file not found"):  # fmt: skip
        load_scenario(tmp_path / "broken.yaml")
