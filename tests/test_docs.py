"""The README stays true: every command, scenario field and metric is documented,
CI runs the README's test command, and the shipped scenarios are valid and sane."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import simulator
from simulator.cli import cli
from simulator.metrics import METRICS, per_replication
from simulator.model import simulate
from simulator.scenario import field_reference, load_scenario

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SCENARIOS = sorted((ROOT / "scenarios").glob("**/*.yaml"))


def fenced_commands() -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)


def test_every_command_is_documented():
    for name in cli.commands:
        assert f"advocacy-sim {name}" in README, name


def test_every_scenario_field_is_documented():
    for path, *_ in field_reference():
        assert f"`{path}`" in README, path


def test_every_metric_is_documented():
    for metric in METRICS:
        assert f"`{metric}`" in README, metric


def test_ci_runs_the_readme_test_command():
    test_command = next(c for c in fenced_commands() if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    main_job = fenced_commands()[0]
    assert "advocacy-sim compare scenarios/county-*.yaml" in main_job


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_scenarios_are_valid_and_sane(path):
    scenario = load_scenario(path)
    assert scenario.assumptions, "every shipped scenario lists its assumptions"
    records = simulate(scenario, 0)
    values = per_replication([records], scenario).set_index(["metric", "group"])["value"]
    assert values["referrals", "all"] > 100
    assert values["cannot_be_served", "all"] == 0  # somebody bought can serve every referral
    assert values["cost_total_per_year", "all"] > 0
    if ("block_utilisation", "all") in values.index:
        assert 0.5 < values["block_utilisation", "all"] <= 1.0


@pytest.mark.slow
def test_readme_worked_example_figures_are_what_the_main_job_gives():
    """The table in the README is real: rerun the main job's scenarios and compare."""
    from simulator.metrics import summarise

    files = [
        "county-block",
        "county-block-spot",
        "county-core-flex",
        "county-hub",
        "county-spot-only",
    ]
    for name in files:
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        records = [simulate(scenario, rep) for rep in range(scenario.replications)]
        summary = summarise(per_replication(records, scenario), scenario.name)
        values = summary[summary["group"] == "all"].set_index("metric")["mean"]
        row = next(line for line in README.splitlines() if line.startswith(f"| {scenario.name} |"))
        cells = [cell.strip() for cell in row.split("|")[1:-1]]
        assert cells[1].startswith(f"£{values['cost_to_serve_per_year']:,.0f}"), (name, cells)
        assert cells[2] == f"£{values['cost_total_per_year']:,.0f}", (name, cells)
        assert cells[3].startswith(f"{values['wait_mean_days']:.1f}"), (name, cells)
        assert cells[4].startswith(f"{values['wait_p90_days']:.1f}"), (name, cells)
        assert cells[5] == f"{values['within_target_share']:.0%}", (name, cells)
        assert cells[6].startswith(f"{values['breaches_per_year']:.1f}"), (name, cells)
        assert cells[7] == f"{values['unserved_per_year']:.1f}", (name, cells)


def python_examples() -> list[str]:
    section = README.split("## Python API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)\n```", section, flags=re.S)


def test_readme_python_example_runs(tmp_path, monkeypatch):
    """The analyst's example (run, compare, sweep, a chart) runs as written, from the root."""
    examples = python_examples()
    assert examples, "the Python API section has a python example"
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    for example in examples:
        exec(compile(example, "README.md", "exec"), {"__name__": "__main__"})
    assert (tmp_path / "block-share.html").stat().st_size > 0
    assert (tmp_path / "outputs" / "block-share" / "differences.csv").is_file()
    assert (tmp_path / "options.html").is_file()


def test_python_api_is_documented():
    for name in ("run", "compare", "sweep"):
        assert f"`simulator.{name}(" in README, name
        assert callable(getattr(simulator, name))
    for member in ("summary", "replications", "cases", "daily", "differences"):
        assert f"`.{member}`" in README, member
    for method in ("figures()", "write(folder", "report(path)"):
        assert f"`.{method}" in README, method


def test_readme_reference_tables_are_what_the_code_says():
    """The field and metric tables are written by scripts/readme_reference.py."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "readme_reference", ROOT / "scripts" / "readme_reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.rendered() == README, "run python scripts/readme_reference.py"
