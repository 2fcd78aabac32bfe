"""Scenario files: loading, extends, and a clear one-line error for every bad field."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest

from simulator.scenario import (
    ScenarioError,
    field_reference,
    json_schema,
    load_scenario,
    set_dotted,
    validate,
)

FULL: dict[str, Any] = {
    "name": "Full",
    "horizon_days": 365.0,
    "warm_up_days": 30.0,
    "replications": 3,
    "seed": 1,
    "start_date": "2026-04-06",
    "description": "every section present",
    "assumptions": ["an assumption"],
    "demand": {
        "referrals_per_year": 300.0,
        "growth_per_year": 0.05,
        "seasonality": [1.0] * 12,
        "shocks": [{"start_day": 10.0, "end_day": 20.0, "multiplier": 1.5, "label": "flood"}],
        "urgent_share": 0.1,
        "arrivals": "poisson",
        "mix": {
            "care_act": {
                "share": 0.8,
                "hours": {"dist": "lognormal", "mean": 12.0, "sd": 8.0},
                "statutory": True,
                "urgent_share": 0.2,
            },
            "other": {"share": 0.2, "hours": {"dist": "fixed", "mean": 6.0}, "statutory": False},
        },
        "needs": {"bsl": 0.02},
        "localities": {
            "urban": {"share": 0.7, "miles_per_case": {"dist": "fixed", "mean": 5.0}},
            "rural": {"share": 0.3, "miles_per_case": {"dist": "exponential", "mean": 40.0}},
        },
        "travel_mph": 25.0,
        "initial_waiting_list": 3,
        "initial_open_cases": 2,
        "deadline_days": {"dist": "triangular", "low": 5.0, "mode": 10.0, "high": 28.0},
        "breach": "keep",
    },
    "targets": {"urgent_working_days": 1, "standard_working_days": 5},
    "commissioning": {
        "model": "hub",
        "block_share": 0.8,
        "triage": "priority",
        "overflow": {"rule": "queue_length", "threshold": 3},
        "providers": [
            {
                "name": "Lead",
                "advocates": 3.0,
                "hours_per_week": 37.5,
                "productive_share": 0.7,
                "caseload_cap": 20,
                "skills": ["care_act", "other", "bsl"],
                "block_rate_per_hour": 38.0,
                "changes": [{"from_day": 200, "advocates": 4.0}],
            },
            {"name": "Partner", "block_hours_per_year": 2000.0, "skills": ["care_act"]},
        ],
        "spot": {
            "rate_per_hour": 45.0,
            "mileage_rate": 0.45,
            "arrangement_days": {"dist": "fixed", "mean": 5.0},
            "market_advocates": 10.0,
            "caseload_cap": 20,
            "hours_per_week": 37.5,
            "productive_share": 0.7,
            "skills": ["care_act", "other"],
        },
        "hub": {"triage_hours": 0.5, "triage_rate_per_hour": 40.0, "management_fee_per_year": 1.0},
    },
    "workshops": {
        "per_year": 4.0,
        "price": 225.0,
        "participants": 10,
        "assumed_referral_reduction": 0.0,
    },
}
FULL["partners"] = {
    "name": "Here",
    "population": 100000.0,
    "authorities": [{"name": "There", "demand": copy.deepcopy(FULL["demand"]), "population": 1.0}],
    "cost_split": "by_use",
}
WITH_POPULATION = {
    **FULL,
    "demand": {
        **{k: v for k, v in FULL["demand"].items() if k != "referrals_per_year"},
        "population": {
            "adults": 500000.0,
            "assessment_rate": 0.02,
            "substantial_difficulty_share": 0.5,
            "no_appropriate_individual_share": 0.2,
            "referral_propensity": 0.8,
        },
    },
}
LABELS = {"demand.mix": "care_act", "demand.localities": "rural"}


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        validate(data, "s.yaml")
    return caught.value.problems


RAMP = {"start": 0.4, "end": 0.8, "over_days": 730.0}


def concrete(path: str) -> str:
    for prefix, label in LABELS.items():
        path = path.replace(f"{prefix}.<label>", f"{prefix}.{label}")
    return path.replace("[]", ".0")


def test_full_example_is_valid():
    validate(copy.deepcopy(FULL), "s.yaml")
    validate(copy.deepcopy(WITH_POPULATION), "s.yaml")


@pytest.mark.parametrize("path", [row[0] for row in field_reference()])
def test_every_field_rejects_a_bad_value_and_names_it(path):
    base = copy.deepcopy(WITH_POPULATION if path.startswith("demand.population") else FULL)
    if path.startswith("demand.population.referral_propensity."):  # inside a ramp
        base["demand"]["population"]["referral_propensity"] = dict(RAMP)
    if path.startswith("demand.referrals_per_year."):  # inside a distribution of the rate
        base["demand"]["referrals_per_year"] = {"dist": "gamma", "mean": 600.0, "sd": 60.0}
    field = concrete(path)
    wrong: Any = {"not": "this"}
    kind = next(row[1] for row in field_reference() if row[0] == path)
    if kind.startswith(("mapping", "list")) or kind == "distribution":
        wrong = 12345
    found = problems(set_dotted(copy.deepcopy(base), field, wrong))
    # a field that also takes a mapping (a ramp, a distribution) names the part that is wrong
    assert any(f": {field}:" in line or f": {field}." in line for line in found), found
    assert all(line.startswith("s.yaml") for line in found)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("demand.urgent_share", 1.5, "less than or equal to 1"),
        ("demand.mix.care_act.share", -0.1, "greater than or equal to 0"),
        ("commissioning.block_share", 1.6, "less than or equal to 1.5"),
        ("commissioning.spot.rate_per_hour", -45.0, "greater than or equal to 0"),
        ("commissioning.providers.0.block_rate_per_hour", -1.0, "greater than or equal to 0"),
        ("demand.referrals_per_year", -5.0, "greater than or equal to 0"),
        ("demand.referrals_per_year", math.nan, "finite"),
        ("horizon_days", math.inf, "finite"),
        ("horizon_days", 0.0, "greater than 0"),
        ("replications", 0, "greater than or equal to 1"),
        ("replications", True, "valid integer"),
        ("demand.seasonality", [1.0] * 11, "12 monthly"),
        ("demand.seasonality", [2.0] * 12, "average 1"),
        ("demand.mix.care_act.hours", {"dist": "weibull", "mean": 3.0}, "dist must be one of"),
        ("demand.deadline_days", {"dist": "triangular", "low": 9, "mode": 5, "high": 8}, "low"),
        ("demand.needs", {"bsl": 0.7, "ld": 0.6}, "sum to 1 or less"),
        ("commissioning.overflow", {"rule": "queue_length"}, "needs threshold"),
        ("warm_up_days", 400.0, "below horizon_days"),
        ("demand.shocks.0.end_day", 5.0, "after start_day"),
    ],
)
def test_bad_values_are_explained(field, value, expected):
    found = problems(set_dotted(copy.deepcopy(FULL), field, value))
    assert any(expected in line for line in found), found


def test_mix_must_sum_to_one():
    data = set_dotted(copy.deepcopy(FULL), "demand.mix.other.share", 0.3)
    assert any("demand.mix:" in p and "sum to 1 (they sum to 1.1)" in p for p in problems(data))


def test_every_problem_is_reported_at_once_with_did_you_mean():
    data = copy.deepcopy(FULL)
    data["demand"]["referals_per_year"] = data["demand"].pop("referrals_per_year")
    data["horizon_days"] = -1.0
    data["commissioning"]["providers"][0]["caseload_cap"] = "20"
    found = problems(data)
    assert len(found) >= 3
    assert any("did you mean 'referrals_per_year'?" in line for line in found)
    assert any("horizon_days: -1.0" in line for line in found)
    assert any("providers.0.caseload_cap: '20'" in line for line in found)


def test_missing_required_field():
    data = {k: v for k, v in FULL.items() if k != "name"}
    assert any("name: required field is missing" in p for p in problems(data))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
name: Minimal
horizon_days: 100
demand:
  referrals_per_year: 50
  mix:
    care_act: {share: 1.0, hours: {dist: exponential, mean: 12}}
commissioning:
  model: single_provider
  providers:
    - name: A
      advocates: 1
      skills: [care_act]
"""


def test_errors_name_the_file_and_line(tmp_path):
    path = write(tmp_path, "s.yaml", MINIMAL.replace("advocates: 1", "advocates: -1"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.problems == [
        f"{path}:11: commissioning.providers.0.advocates: -1: must be greater than 0"
    ]


def test_extends_overrides_key_by_key(tmp_path):
    write(tmp_path, "base.yaml", MINIMAL)
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\nname: Child\ndemand:\n  referrals_per_year: 80\n",
    )
    scenario = load_scenario(child)
    assert scenario.name == "Child"
    assert scenario.demand.referrals_per_year == 80
    assert scenario.demand.mix["care_act"].hours.mean == 12  # kept from the base


def test_extends_errors_name_the_file_and_where_an_inherited_value_came_from(tmp_path):
    base = write(tmp_path, "base.yaml", MINIMAL.replace("mean: 12", "mean: -12"))
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nname: Child\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    assert caught.value.problems == [
        f"{child}: demand.mix.care_act.hours.mean: -12 (from {base}:6): must be greater than 0"
    ]


def test_extends_cycle_and_missing_base(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: A\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: B\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.yaml")
    write(tmp_path, "c.yaml", "extends: nowhere.yaml\n")
    with pytest.raises(ScenarioError, match="base file not found"):
        load_scenario(tmp_path / "c.yaml")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty file"),
        (b"- a\n- b\n", "got a list"),
        (b"\x00\x01\x02\xff\xfe", "not a text file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
        (b"name: [unclosed\n", "not valid YAML"),
        (b"name: a\nname: b\n", "not valid YAML"),  # duplicate keys are errors
        (b"just a string\n", "got a str"),
    ],
)
def test_unusable_files_get_one_line(tmp_path, content, expected):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(str(path))
    assert expected in caught.value.problems[0]


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError, match="is a folder"):
        load_scenario(tmp_path)


def test_yaml_1_2_keeps_no_as_a_string(tmp_path):
    text = MINIMAL.replace("care_act", "NO")
    scenario = load_scenario(write(tmp_path, "s.yaml", text))
    assert list(scenario.demand.mix) == ["NO"]


def test_scenario_is_immutable_and_a_run_does_not_change_it():
    from simulator.model import simulate

    scenario = validate(copy.deepcopy(FULL), "s.yaml")
    before = scenario.model_dump()
    with pytest.raises(Exception, match="frozen"):
        scenario.horizon_days = 5.0  # type: ignore[misc]
    simulate(scenario, 0)
    assert scenario.model_dump() == before


def test_resolved_scenario_round_trips(tmp_path):
    scenario = validate(copy.deepcopy(FULL), "s.yaml")
    path = write(tmp_path, "resolved.yaml", scenario.to_yaml())
    again = load_scenario(path)
    assert again == scenario
    assert again.digest() == scenario.digest()


def test_json_schema_lists_every_top_level_field():
    schema = json_schema()
    json.dumps(schema)
    assert {"extends", "name", "demand", "commissioning"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


BASE = """\
name: Base
horizon_days: 100
demand:
  referrals_per_year: 50
  mix:
    care_act: {share: 0.6, hours: {dist: exponential, mean: 12}}
    imca: {share: 0.4, hours: {dist: exponential, mean: 12}}
  needs: {bsl: 0.02, autism: 0.05}
  localities:
    urban: {share: 0.5, miles_per_case: {dist: fixed, mean: 4}}
    rural: {share: 0.5, miles_per_case: {dist: fixed, mean: 40}}
  deadline_days: {dist: fixed, mean: 10}
commissioning:
  model: single_provider
  overflow: {rule: queue_length, threshold: 3}
  providers:
    - name: A
      advocates: 1
      skills: [care_act, imca, bsl, autism]
    - name: B
      advocates: 1
      skills: [care_act]
  spot: {}
"""


def chain(tmp_path: Path, child: str) -> Path:
    """A base in ``base/`` and a child in ``sub/`` that extends it; the working folder is
    ``tmp_path``, so files are named as a user would name them (relative)."""
    (tmp_path / "base").mkdir(exist_ok=True)
    (tmp_path / "sub").mkdir(exist_ok=True)
    write(tmp_path / "base", "b.yaml", BASE)
    return write(tmp_path / "sub", "c.yaml", "extends: ../base/b.yaml\nname: Child\n" + child)


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value.problems


def test_a_null_removes_an_inherited_label_or_gives_a_field_its_default(tmp_path, monkeypatch):
    """A null on a key whose field cannot be null removes what the base gave: a locality,
    a type, a need, or a field with a default (which then takes it)."""
    monkeypatch.chdir(tmp_path)
    child = chain(
        tmp_path,
        "demand:\n  mix:\n    imca: null\n    care_act: {share: 1.0}\n"
        "  needs: {bsl: null}\n  localities:\n    rural: null\n    urban: {share: 1.0}\n"
        "commissioning:\n  overflow: null\n  providers:\n    - {name: A, skills: [care_act]}\n",
    )
    scenario = load_scenario(Path("sub/c.yaml"))
    assert child.exists()
    assert list(scenario.demand.mix) == ["care_act"]
    assert scenario.demand.needs == {"autism": 0.05}
    assert list(scenario.demand.localities) == ["urban"]
    assert scenario.commissioning.overflow.rule == "none"


def test_a_null_keeps_meaning_null_where_the_field_may_be_null(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    chain(tmp_path, "demand: {deadline_days: null}\ncommissioning: {spot: null, overflow: null}\n")
    scenario = load_scenario(Path("sub/c.yaml"))
    assert scenario.demand.deadline_days is None
    assert scenario.commissioning.spot is None
    chain(tmp_path, "horizon_days: null\n")  # required: null is still an error, not removal
    [problem] = problems_of(Path("sub/c.yaml"))
    assert problem.startswith("sub/c.yaml:3: horizon_days: None: must be a valid number")


def test_a_rule_changed_over_an_inherited_threshold_names_the_threshold(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    chain(tmp_path, "commissioning:\n  overflow: {rule: expected_wait}\n")
    assert problems_of(Path("sub/c.yaml")) == [
        "sub/c.yaml:4: commissioning.overflow: threshold only applies to rule queue_length "
        "(rule is expected_wait) (inherited: threshold 3 from base/b.yaml:15)"
    ]


def test_an_inherited_value_names_the_base_file_and_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    chain(tmp_path, "commissioning:\n  overflow: {rule: queue_length}\n  block_share: 2\n")
    write(tmp_path / "base", "b.yaml", BASE.replace("threshold: 3", "threshold: -1"))
    assert problems_of(Path("sub/c.yaml")) == [
        "sub/c.yaml:5: commissioning.block_share: 2: must be less than or equal to 1.5",
        "sub/c.yaml: commissioning.overflow.threshold: -1 (from base/b.yaml:15): must be "
        "greater than or equal to 0",
    ]


def test_a_share_sum_error_lists_every_share_and_where_it_came_from(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    chain(tmp_path, "demand:\n  mix:\n    imca: {share: 0.5}\n")
    assert problems_of(Path("sub/c.yaml")) == [
        "sub/c.yaml:4: demand.mix: shares must sum to 1 (they sum to 1.1): "
        "care_act 0.6 (from base/b.yaml:6), imca 0.5 (line 5)"
    ]


def test_a_replaced_list_leaves_no_line_of_the_base_behind(tmp_path, monkeypatch):
    """The child's one provider has no skills: the error is the child's, not a line of
    the base's provider it replaced."""
    monkeypatch.chdir(tmp_path)
    chain(tmp_path, "commissioning:\n  providers:\n    - {name: Only}\n")
    [problem] = problems_of(Path("sub/c.yaml"))
    assert problem == "sub/c.yaml:5: commissioning.providers.0.skills: required field is missing"


def test_assumptions_a_file_replaces_are_kept_for_the_report(tmp_path, monkeypatch):
    """A list replaces the base's, so a file that gives its own ``assumptions`` drops the
    base's; those it does not restate are kept on the scenario (and so in the manifest
    and the report), also for a file that extends it in turn."""
    monkeypatch.chdir(tmp_path)
    text = BASE.replace("horizon_days: 100\n", "horizon_days: 100\nassumptions: [a, b]\n")
    chain(tmp_path, "assumptions: [b, c]\n")
    write(tmp_path / "base", "b.yaml", text)
    scenario = load_scenario(Path("sub/c.yaml"))
    assert scenario.assumptions == ["b", "c"]
    assert scenario.assumptions_replaced == ("a",)
    write(tmp_path / "sub", "d.yaml", "extends: c.yaml\nname: Grandchild\n")
    assert load_scenario(Path("sub/d.yaml")).assumptions_replaced == ("a",)
    assert load_scenario(Path("base/b.yaml")).assumptions_replaced == ()


def test_the_report_shows_the_base_assumptions_a_file_replaced(tmp_path):
    import json

    import simulator

    text = BASE.replace("horizon_days: 100\n", "horizon_days: 100\nassumptions: [Old base]\n")
    (tmp_path / "base").mkdir()
    write(tmp_path / "base", "b.yaml", text)
    child = write(tmp_path, "c.yaml", "extends: base/b.yaml\nname: Child\nassumptions: [New]\n")
    folder = simulator.run(child, reps=2, workers=1).write(tmp_path / "out")
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["scenarios"][0]["assumptions_replaced"] == ["Old base"]
    page = (folder / "report.html").read_text("utf-8")
    assert "not restated in its own list" in page and "<li>Old base</li>" in page
