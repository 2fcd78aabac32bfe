"""Joint commissioning (``partners``): other authorities' referrals share the contract.

Two authorities with the same demand sharing one block are one M/M/2c queue with twice
the arrivals; each alone with half the block is an M/M/c queue: pooling, checked against
Erlang C. The cost split adds up to the whole, the block is sized for every authority,
each authority draws its own referrals, and a file names a partner's demand file.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

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
    # the cash by the split; the cost to serve adds each one's own follow-up and owed
    cash = table["cost_total_per_year", "all"]
    if split == "by_population":
        assert table["cost_total_per_year", "authority=East"] == pytest.approx(0.25 * cash)
    if isinstance(split, dict):
        assert table["cost_total_per_year", "authority=West"] == pytest.approx(0.75 * cash)


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
    # a partner's file starting on another day: its seasons and shocks would fall on the
    # wrong days of the joint contract (the same day as the scenario's default is fine)
    for start, refused in (("2026-04-06", False), ("2027-01-04", True)):
        with (tmp_path / "demand" / "west.yaml").open("w") as f:
            yaml.dump({"start_date": start, "demand": partner_demand}, f)
        if not refused:
            load_scenario(tmp_path / "joint.yaml")
            continue
        said = (r"joint.yaml:\d+: partners.authorities.0.demand: demand/west.yaml starts on "
                "2027-01-04, the scenario on 2026-04-06")  # fmt: skip
        with pytest.raises(ScenarioError, match=said):
            load_scenario(tmp_path / "joint.yaml")


def test_the_report_gives_each_authority_its_waits_and_its_part_of_the_cost(tmp_path):
    import simulator
    from simulator import files, report

    joint_contract = build(joint(county(name="Joint")))
    folder = simulator.run(joint_contract, reps=2, workers=1).write(tmp_path / "out")
    page = report.build_html(files.load(folder))
    section = page[page.index("<h2>By authority</h2>") :]
    section = section[: section.index("</table>")]
    assert "Joint: East" in section and "Joint: West" in section


@pytest.mark.parametrize("joint_first", [True, False])
def test_a_joint_contract_compared_with_one_authority_alone_writes_one_case_table(
    tmp_path, joint_first
):
    # The case table of a run names each referral's authority when any option is joint;
    # the option of one authority alone has the column too, empty.
    import pandas as pd

    from tests.helpers import invoke, scenario_file

    alone = scenario_file(tmp_path, "Alone")
    together = tmp_path / "joint.yaml"
    together.write_text(
        f"extends: {alone.name}\nname: Joint\npartners:\n  name: Here\n  authorities:\n"
        f"    - name: There\n      demand: {alone.name}\n",
        encoding="utf-8",
    )
    files = [together, alone] if joint_first else [alone, together]
    result = invoke("compare", *map(str, files), "--reps", "2", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    cases = pd.read_parquet(tmp_path / "out" / "cases.parquet")
    by = cases.groupby("scenario", observed=True)["authority"]
    assert set(by.get_group("Joint").dropna()) == {"Here", "There"}
    assert by.get_group("Alone").isna().all()


def test_a_partner_missing_a_type_is_one_line_naming_it_not_a_crash():
    data = joint(county())
    del data["partners"]["authorities"][0]["demand"]["mix"]["imca"]
    data["partners"]["authorities"][0]["demand"]["mix"]["care_act"]["share"] = 1.0
    with pytest.raises(ScenarioError) as error:
        build(data)
    assert error.value.problems == [
        error.value.problems[0].split(": partners.")[0]
        + ": partners.authorities.0.demand.mix: [care_act]: must list the scenario's "
        "demand.mix in the same order: ['care_act', 'imca']; missing imca"
    ]


def test_shares_naming_a_stranger_say_who():
    with pytest.raises(ScenarioError, match="no share for West; not an authority of the "
                       "contract: Wset"):  # fmt: skip
        build(joint(county(), cost_split={"East": 0.5, "Wset": 0.5}))


def test_a_partner_without_deadlines_is_warned_of():
    from simulator.scenario import scenario_warnings

    data = joint(county())
    data["demand"]["deadline_days"] = {"dist": "fixed", "mean": 10}
    warned = scenario_warnings(build(data))
    assert any(w.startswith("partners.authorities[0].demand.deadline_days") for w in warned)
    data["partners"]["authorities"][0]["demand"]["deadline_days"] = {"dist": "fixed", "mean": 10}
    assert not any("partners" in w for w in scenario_warnings(build(data)))


def test_an_authority_whose_residents_go_unserved_pays_what_they_are_owed():
    # West's referrals half need BSL. Without a BSL advocate anywhere they go unserved:
    # what they are owed is West's (it once fell to East by the split of use, so West's
    # cost to serve fell as its residents went unserved).
    data = joint(county())
    data["partners"]["authorities"][0]["demand"]["needs"] = {"bsl": 0.5}
    served, _ = figures(build(data), reps=3)
    for market in (data["commissioning"]["providers"][0], data["commissioning"]["spot"]):
        market["skills"] = ["care_act", "imca"]
    unserved, _ = figures(build(data), reps=3)
    west = "authority=West"
    assert unserved["unserved_per_year", west] > 100 > served["unserved_per_year", west]
    assert unserved["cost_to_serve_per_year", west] > served["cost_to_serve_per_year", west]
    parts = sum(unserved["cost_to_serve_per_year", f"authority={n}"] for n in ("East", "West"))
    assert parts == pytest.approx(unserved["cost_to_serve_per_year", "all"], rel=1e-12)


def test_each_authority_draws_its_own_doubt_about_demand_and_fixed_fixes_them_all():
    from simulator import uncertainty
    from simulator.plan import partner_scenarios

    data = county()
    data["demand"]["referrals_per_year"] = {"dist": "gamma", "mean": 600.0, "sd": 120.0}
    scenario = build(joint(data))
    (partner,) = partner_scenarios(scenario)
    drawn = [
        (uncertainty.drawn(scenario, rep).demand.referrals_per_year,
         uncertainty.drawn(partner, rep).demand.referrals_per_year)
        for rep in range(6)
    ]  # fmt: skip
    assert all(own != theirs for own, theirs in drawn)  # not one draw for both
    expected = uncertainty.fixed(scenario)
    assert expected.demand.referrals_per_year == 600.0
    assert expected.partners.authorities[0].demand.referrals_per_year == 600.0


def test_the_case_table_names_each_referrals_authority():
    from simulator.metrics import cases_frame

    scenario = build(joint(county()))
    records = simulate(scenario, 0)
    frame = cases_frame([records], scenario)
    assert list(frame["authority"].cat.categories) == ["East", "West"]
    assert (frame["authority"] == "West").sum() == (records.referrals.authority == 1).sum()
    assert "authority" not in cases_frame([simulate(build(county()), 0)], build(county()))


def test_validate_and_the_terminal_name_each_authority(tmp_path):
    from tests.helpers import invoke

    path = Path(__file__).resolve().parents[1] / "scenarios/library/small-unitaries-joint.yaml"
    result = invoke("validate", str(path))
    assert result.exit_code == 0
    assert (
        "joint contract: referrals a year East 225, West 195 (420 in all); cost split by_use"
        in result.output
    )
    out = tmp_path / "out"
    result = invoke("run", str(path), "--reps", "2", "--out", str(out), "--workers", "1")
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    assert any(line.startswith("East ") and "mean wait" in line for line in lines)
    assert any(line.startswith("West ") and "cost to serve £" in line for line in lines)


def test_doubt_about_a_partners_demand_alone_gets_the_doubt_table():
    import simulator

    data = joint(county(name="Joint"))
    data["partners"]["authorities"][0]["demand"]["referrals_per_year"] = {
        "dist": "gamma", "mean": 600.0, "sd": 120.0,
    }  # fmt: skip
    result = simulator.run(build(data), reps=3, workers=1, cases="none")
    assert result.demand_doubt is not None and not result.demand_doubt.empty


def test_a_sweep_of_a_partners_demand_keeps_the_joint_block_as_bought():
    # More referrals from the other authority than the contract was bought for show as
    # waits, not as a bigger block (which made this authority's waits shorter).
    from simulator import study

    base = build(joint(county()))
    rates = {"partners.authorities.0.demand.referrals_per_year": [600.0, 900.0]}
    points = study.sweep_scenarios(base, rates)
    slots = [sum(p.slots for p in plan_pools(s)) for s in points]
    assert slots == [sum(p.slots for p in plan_pools(base))] * 2
    planned = [s.partners.authorities[0].planned_referrals_per_year for s in points]
    assert planned == pytest.approx([600.0, 600.0], rel=1e-3)
    # and a partner's own planned figure sizes its part when given
    bought_for_more = build(
        joint(county()), **{"partners__authorities__0__planned_referrals_per_year": 900.0}
    )
    assert sum(p.slots for p in plan_pools(bought_for_more)) > slots[0]
