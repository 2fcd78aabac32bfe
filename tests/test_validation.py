"""Checks across sections: hours in a week, skills the scenario knows, day-0 caseloads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.metrics import cases_frame
from simulator.model import simulate
from simulator.scenario import ScenarioError, load_scenario, scenario_warnings
from tests.helpers import SPOT, build, invoke, mmc_data

ROOT = Path(__file__).resolve().parents[1]

SCENARIO = """\
name: checks
horizon_days: 30
demand:
  referrals_per_year: 100
  mix:
    care_act:
      share: 1
      hours: {{dist: fixed, mean: 5}}
  needs:
    learning_disability: 0.1
commissioning:
  model: single_provider
  providers:
    - name: A
      advocates: 2
      caseload_cap: 3
      hours_per_week: {hours}
      skills: [care_act, {skill}]
  spot:
    hours_per_week: {spot_hours}
    skills: [care_act, {spot_skill}]
"""


def write(tmp_path, **fields):
    values = {
        "hours": 37.5,
        "skill": "learning_disability",
        "spot_hours": 37.5,
        "spot_skill": "learning_disability",
    }
    path = tmp_path / "checks.yaml"
    path.write_text(SCENARIO.format(**{**values, **fields}))
    return path


def problems(path) -> list[str]:
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    return error.value.problems


def test_the_example_is_valid(tmp_path):
    load_scenario(write(tmp_path))


def test_hours_per_week_above_the_168_hours_of_a_week_is_an_error(tmp_path):
    path = write(tmp_path, hours=169, spot_hours=200)
    assert problems(path) == [
        f"{path}:17: commissioning.providers.0.hours_per_week: 169: "
        "must be less than or equal to 168",
        f"{path}:20: commissioning.spot.hours_per_week: 200: must be less than or equal to 168",
    ]
    load_scenario(write(tmp_path, hours=168, spot_hours=168))


def test_a_misspelt_skill_is_an_error_with_did_you_mean(tmp_path):
    path = write(tmp_path, skill="learning_disabilty", spot_skill="care_akt")
    allowed = "(types: care_act; needs: learning_disability)"
    assert problems(path) == [
        f"{path}:18: commissioning.providers.0.skills.1: 'learning_disabilty': not an advocacy "
        f"type or need of this scenario; did you mean 'learning_disability'? {allowed}",
        f"{path}:21: commissioning.spot.skills.1: 'care_akt': not an advocacy type or need of "
        f"this scenario; did you mean 'care_act'? {allowed}",
    ]


def test_a_skill_like_nothing_in_the_scenario_lists_what_is_allowed(tmp_path):
    (line,) = problems(write(tmp_path, skill="welsh"))
    assert line.endswith(
        "commissioning.providers.0.skills.1: 'welsh': not an advocacy type or need of this "
        "scenario (types: care_act; needs: learning_disability)"
    )


def test_the_cli_exits_2_on_a_bad_skill_without_a_traceback(tmp_path):
    result = invoke("validate", str(write(tmp_path, skill="learning_disabilty")))
    assert result.exit_code == 2
    assert "did you mean 'learning_disability'?" in result.output
    assert "Traceback" not in result.output


# ------------------------------------------------------------ cases open on day 0


def test_open_cases_beyond_the_block_slots_are_an_error_naming_the_slots(tmp_path):
    # Two advocates with a cap of one: the block has 2 slots and no spot to hold more.
    data = mmc_data(servers=2, horizon_days=10)
    build(data, demand__initial_open_cases=2)
    with pytest.raises(ScenarioError) as error:
        build(data, demand__initial_open_cases=3)
    assert error.value.problems == [
        "<test>: demand.initial_open_cases: 3: more cases open on day 0 than caseload slots to "
        "hold them: the block's 2 (A 2); must be at most 2; with a spot section the rest would "
        "sit with spot advocates"
    ]


def test_open_cases_error_names_the_file_and_line_and_exits_2(tmp_path):
    path = tmp_path / "open.yaml"
    without_spot = write(tmp_path).read_text().split("  spot:")[0]
    path.write_text(without_spot.replace("  mix:", "  initial_open_cases: 7\n  mix:"))
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {path}:5: demand.initial_open_cases: 7: more cases open on day 0 than caseload "
        "slots to hold them: the block's 6 (A 6); must be at most 6; with a spot section the rest "
        "would sit with spot advocates"
    )


def test_a_hub_counts_every_providers_slots():
    data = mmc_data(servers=2, horizon_days=10)
    data["commissioning"]["model"] = "hub"
    data["commissioning"]["hub"] = {}
    partner = {**data["commissioning"]["providers"][0], "name": "B", "advocates": 3.0}
    data["commissioning"]["providers"].append(partner)
    build(data, demand__initial_open_cases=5)
    with pytest.raises(ScenarioError, match=r"the block's 5 \(A 2, B 3\); must be at most 5"):
        build(data, demand__initial_open_cases=6)


def test_spot_only_open_cases_sit_with_the_spot_market():
    data = mmc_data(horizon_days=10)
    data["commissioning"] = {
        "model": "spot_only",
        "spot": {**SPOT, "market_advocates": 2.0, "caseload_cap": 5},
    }
    build(data, demand__initial_open_cases=10)
    with pytest.raises(ScenarioError, match=r"the spot market's 10; must be at most 10$"):
        build(data, demand__initial_open_cases=11)


def test_open_cases_beyond_the_block_are_with_spot_on_day_zero_never_queued():
    # A 2-slot block topped up by spot (overflow rule none): 5 cases open on day 0
    # are 2 on the block's caseloads and 3 with spot advocates, none waiting.
    data = mmc_data(servers=2, arrivals_per_day=0.1, horizon_days=10)
    data["commissioning"]["spot"] = {**SPOT, "market_advocates": 1.0, "caseload_cap": 3}
    with pytest.raises(ScenarioError, match=r"the block's 2 \(A 2\) \+ the spot market's 3;"):
        build(data, demand__initial_open_cases=6)
    scenario = build(data, demand__initial_open_cases=5)
    records = simulate(scenario, 0)
    cases = cases_frame([records], scenario)
    open_on_day0 = cases[cases["carried_over"] == "open"]
    assert len(open_on_day0) == 5
    assert (open_on_day0["allocated_day"] == 0).all()
    assert open_on_day0["route"].tolist().count("spot") == 3
    assert np.all(records.queued_day[:5] == 0)


def test_a_misspelt_skill_is_reported_with_every_other_problem_at_once(tmp_path):
    path = tmp_path / "all.yaml"
    path.write_text(
        "name: x\nhorizon_days: 100\ndemand:\n  referrals_per_year: 100\n  mix:\n"
        "    care_act: {share: 1.05, hours: {dist: fixed, mean: 5}}\n"
        "commissioning:\n  model: single_provider\n  block_share: '80%'\n  providers:\n"
        "    - {name: A, skills: [care_act, learning_disabilty]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    problems = error.value.problems
    assert len(problems) == 3
    assert any("share: 1.05" in p for p in problems)
    assert any("'80%'" in p and "write a plain number" in p for p in problems)
    assert any(p.startswith(f"{path}:11:") and "learning_disabilty" in p for p in problems)


def test_a_bad_override_names_the_option_not_the_file():
    shipped = Path(__file__).resolve().parent.parent / "scenarios" / "county-block-spot.yaml"
    with pytest.raises(ScenarioError) as error:
        load_scenario(shipped, {"commissioning.block_shar": 0.6})
    [problem] = error.value.problems
    assert problem.startswith("--set commissioning.block_shar=0.6: commissioning.block_shar:")
    assert "did you mean 'block_share'" in problem


HUB = """\
name: Hub with a BSL partner
horizon_days: 100
demand:
  referrals_per_year: 100
  mix:
    care_act: {share: 1.0, hours: {dist: fixed, mean: 5}}
    imca: {share: 0.0, hours: {dist: fixed, mean: 5}}
  needs: {bsl: 0.02}
  deadline_days: {dist: fixed, mean: 10}
commissioning:
  model: hub
  hub: {}
  providers:
    - {name: Lead, advocates: 1, skills: [care_act, bsl]}
    - name: Partner C
      advocates: 1
      skills: [bsl]
"""


def test_a_hub_partner_with_no_advocacy_type_is_an_error_naming_it(tmp_path):
    """Partner C (skills: [bsl]) serves nobody yet its block is paid in full: validate
    says so on one line with the file, line and field, and exits 2."""
    path = tmp_path / "hub.yaml"
    path.write_text(HUB, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {path}:17: commissioning.providers.1.skills: [bsl]: Partner C can take no "
        "referral: its skills name no advocacy type of demand.mix (care_act)"
    )


def test_a_provider_whose_types_have_no_referrals_takes_none(tmp_path):
    path = tmp_path / "hub.yaml"
    path.write_text(HUB.replace("skills: [bsl]", "skills: [imca, bsl]"), encoding="utf-8")
    [problem] = problems(path)
    assert "Partner C can take no referral: its advocacy types (imca) have share 0" in problem


def test_a_spot_market_that_serves_no_type_is_an_error(tmp_path):
    path = tmp_path / "spot.yaml"
    path.write_text(HUB + "  spot: {skills: [bsl]}\n", encoding="utf-8")
    found = problems(path)
    assert any(
        p.startswith(f"{path}:18: commissioning.spot.skills: [bsl]: the spot market can take")
        for p in found
    )


def test_spot_only_does_not_check_the_providers_it_does_not_buy(tmp_path):
    path = tmp_path / "spot-only.yaml"
    text = HUB.replace("model: hub", "model: spot_only") + "  spot: {}\n"
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path).commissioning.model == "spot_only"


def test_validate_warns_of_a_need_nobody_can_serve_and_still_exits_0(tmp_path):
    path = tmp_path / "hub.yaml"
    text = HUB.replace("[care_act, bsl]", "[care_act]").replace(
        "skills: [bsl]", "skills: [care_act]"
    )
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {path}: demand.needs.bsl: 0.02: no provider, flex or spot market lists bsl "
        "with an advocacy type in its skills: referrals with this need will all be counted "
        "unserved"
    ]


def test_warnings_name_a_type_nobody_serves_and_a_scenario_without_deadlines(tmp_path):
    path = tmp_path / "hub.yaml"
    text = HUB.replace("imca: {share: 0.0", "imca: {share: 0.5").replace(
        "care_act: {share: 1.0", "care_act: {share: 0.5"
    )
    text = text.replace("  deadline_days: {dist: fixed, mean: 10}\n", "")
    path.write_text(text.replace("skills: [bsl]", "skills: [care_act]"), encoding="utf-8")
    found = scenario_warnings(load_scenario(path))
    assert [w.split(":")[0] for w in found] == ["demand.mix.imca", "demand.deadline_days"]
    assert "breaches can never be counted" in found[1]


def test_a_deadline_only_urgent_referrals_could_have_is_no_deadline(tmp_path):
    """urgent_deadline_days with no urgent referrals gives nobody a deadline; with some
    urgent referrals it does."""
    path = tmp_path / "hub.yaml"
    text = HUB.replace("  deadline_days:", "  urgent_deadline_days:")
    text = text.replace("skills: [bsl]", "skills: [care_act, bsl]")
    path.write_text(text, encoding="utf-8")
    assert [w.split(":")[0] for w in scenario_warnings(load_scenario(path))] == [
        "demand.deadline_days"
    ]
    path.write_text(text.replace("  needs:", "  urgent_share: 0.1\n  needs:"), encoding="utf-8")
    assert scenario_warnings(load_scenario(path)) == []


def test_run_prints_warnings_on_stderr_and_the_report_keeps_them(tmp_path):
    path = tmp_path / "hub.yaml"
    text = HUB.replace("skills: [bsl]", "skills: [care_act]").replace("  deadline_days", "  x_")
    path.write_text(text.replace("  x_: {dist: fixed, mean: 10}\n", ""), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(path), "--reps", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    warning = f"warning: {path}: demand.deadline_days: no referral has a deadline"
    assert sum(line.startswith(warning) for line in result.stderr.splitlines()) == 1
    page = (out / "report.html").read_text("utf-8")
    assert "Warning: demand.deadline_days: no referral has a deadline" in page


def test_a_casework_share_for_time_at_work_warns_on_a_pool_that_is_never_away():
    """The county files' productive_share 0.84 is a share of time at work: right beside a
    workforce section, a sixth too many hours on a pool whose advocates are never away."""
    county = load_scenario(ROOT / "scenarios" / "county-block.yaml")
    assert not any("productive_share" in w for w in scenario_warnings(county))
    provider = county.commissioning.providers[0].model_copy(update={"workforce": None})
    commissioning = county.commissioning.model_copy(update={"providers": [provider]})
    found = scenario_warnings(county.model_copy(update={"commissioning": commissioning}))
    assert [w for w in found if "productive_share" in w] == [
        "commissioning.providers.0.productive_share: 0.84 with no workforce section: its "
        "advocates are never away, so this share of paid hours must also leave room for "
        "leave, sickness and training (0.7 is usual); with a workforce section it is the "
        "share of time at work"
    ]


@pytest.mark.parametrize(
    ("changes", "warned"),
    [
        (
            {"targets__closure_days": ["2062-12-29"]},
            "targets.closure_days: 2062-12-29 is outside the run",
        ),
        (
            {"commissioning__financial_year_start": "01-04"},
            "commissioning.financial_year_start: 01-04 is month 1, day 4 (MM-DD)",
        ),
    ],
    ids=["closure-day-typo", "day-first-financial-year"],
)
def test_dates_that_cannot_mean_what_was_meant_are_warned_of(changes, warned):
    from tests.helpers import county

    assert not [w for w in scenario_warnings(build(county())) if "outside the run" in w]
    assert any(warned in w for w in scenario_warnings(build(county(), **changes)))


def test_block_providers_under_spot_only_are_warned_of_as_ignored():
    from tests.helpers import county

    spot_only = build(county("spot_only"))
    assert spot_only.commissioning.providers  # the fixture keeps its block provider
    assert any("ignored: model spot_only buys no block" in w for w in scenario_warnings(spot_only))
    assert not any("spot_only buys no block" in w for w in scenario_warnings(build(county())))
