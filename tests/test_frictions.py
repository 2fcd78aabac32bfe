"""Small frictions a new analyst met: folder names, where images went, repeated options,
API errors in Python words, did-you-mean for figure names."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from simulator import files, study
from simulator.files import OutputError, compared_name, default_out
from simulator.scenario import ScenarioError
from simulator.selection import Requirement, distinct, option_list
from tests.helpers import build, county, invoke, scenario_file

SHORT = {"horizon_days: 200": "horizon_days: 60", "warm_up_days: 20": "warm_up_days: 5"}


def test_a_compare_folder_is_named_by_what_was_compared(tmp_path, monkeypatch):
    first = scenario_file(tmp_path, "County block", **SHORT)
    second = scenario_file(tmp_path, "County hub", **SHORT)
    monkeypatch.chdir(tmp_path)
    result = invoke("compare", str(first), str(second), "--reps", "2", "--cases", "none")
    assert result.exit_code == 0, result.output
    [folder] = (tmp_path / "outputs").iterdir()
    assert folder.name.startswith("compare-county-block-vs-county-hub-2")
    assert (folder / "summary.csv").is_file()


def test_many_names_are_shortened_and_names_stay_unique(tmp_path, monkeypatch):
    names = ["County block", "County hub", "Spot only", "Block and spot", "Hub 2"]
    assert compared_name("compare", names) == "compare-county-block-vs-county-hub-and-3-more"
    long = compared_name("compare", ["A" * 80, "b"])
    assert long == f"compare-{'a' * 30}-vs-b"
    moment = dt.datetime(2026, 12, 6, 2, 44, 54)
    frozen = SimpleNamespace(datetime=SimpleNamespace(now=lambda: moment))
    monkeypatch.setattr(files, "dt", frozen)  # two runs in one second
    first = default_out("compare-a-vs-b", tmp_path)
    assert first.name == "compare-a-vs-b-20261206-024454"
    first.mkdir()
    second = default_out("compare-a-vs-b", tmp_path)
    assert second.name == "compare-a-vs-b-20261206-024454-2" and not second.exists()


def _fake_images(monkeypatch) -> None:
    """A stand-in for the browser: --png's own drawing is tested in test_report."""
    from simulator import report

    def draw(folder: Path) -> list[Path]:
        (folder / "images").mkdir(exist_ok=True)
        (folder / "images" / "waits.png").write_bytes(b"png")
        return [folder / "images" / "waits.png"]

    monkeypatch.setattr(report, "find_browser", lambda: "browser")
    monkeypatch.setattr(report, "write_images", draw)


def test_png_says_where_the_images_went(tmp_path, monkeypatch):
    _fake_images(monkeypatch)
    first = scenario_file(tmp_path, "County block", **SHORT)
    second = scenario_file(tmp_path, "County hub", **SHORT)
    out = tmp_path / "out"
    ran = invoke("compare", str(first), str(second), "--reps", "2", "--out", str(out), "--png")
    assert ran.exit_code == 0, ran.output
    assert f"images: {out / 'images'} (1 PNG)" in ran.stderr
    again = invoke("report", str(out), "--png")
    assert f"images: {out / 'images'} (1 PNG)" in again.stderr


def test_recommend_runs_options_the_model_cannot_tell_apart_once(tmp_path):
    """Under spot only, block_share sizes no block: three options are one."""
    data = county("spot_only", horizon_days=120.0, warm_up_days=10.0, replications=2)
    file = tmp_path / "spot.yaml"
    file.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    out = tmp_path / "out"
    ran = invoke(
        "recommend", str(file), "--vary", "commissioning.block_share=0.6,0.8,1.0",
        "--require", "wait_mean_days <= 400", "--out", str(out),
    )  # fmt: skip
    assert ran.exit_code == 0, ran.output
    assert "note: 2 of the options repeat another, so ran once: " in ran.stdout
    advice = json.loads((out / "recommendation.json").read_text(encoding="utf-8"))
    assert len(advice["same_as"]) == 2 and len(set(advice["same_as"].values())) == 1
    assert len(pd.read_csv(out / "candidates.csv")) == 1


def test_options_that_size_a_block_differently_all_run():
    sized = build(county("single_provider", horizon_days=120.0, warm_up_days=10.0))
    options = study.sweep_scenarios(sized, {"commissioning.block_share": [0.6, 0.8]}, 2, 1)
    kept, repeats = distinct(option_list(options, [{}, {}]))
    assert len(kept) == 2 and not repeats


def _short_county():
    return build(county("single_provider", horizon_days=120.0, warm_up_days=10.0))


def test_api_errors_speak_python_not_command_line_options(tmp_path):
    results = study.run(_short_county(), reps=1, cases="none")
    (tmp_path / "taken").mkdir()
    with pytest.raises(OutputError) as taken:
        results.write(tmp_path / "taken")
    assert "folder already exists; pass a new path" in str(taken.value)
    with pytest.raises(ScenarioError) as field:
        file = scenario_file(tmp_path, "County block", **SHORT)
        study.sweep(file, {"commissioning.block_shar": [0.6]}, reps=1)
    with pytest.raises(ValueError) as objective:
        study.recommend(_short_county(), {"seed": [1]}, [], minimise="cost_totl_per_year")
    with pytest.raises(ValueError) as requirement:
        study.recommend(_short_county(), {"seed": [1]}, ["breaches <= lots"])
    said = [str(taken.value), str(field.value), str(objective.value), str(requirement.value)]
    assert not [line for line in said if "--" in line], said
    assert str(field.value).startswith("grid commissioning.block_shar=0.6")


def test_the_command_line_still_names_its_options(tmp_path):
    file = scenario_file(tmp_path, "County block", **SHORT)
    (tmp_path / "taken").mkdir()
    taken = invoke("run", str(file), "--out", str(tmp_path / "taken"))
    assert "choose another --out" in taken.stderr
    bad = invoke("recommend", str(file), "--vary", "seed=1,2", "--minimise", "cost_totl")
    assert "error: --minimise 'cost_totl': unknown metric" in bad.stderr


def test_a_misspelt_figure_gets_a_did_you_mean_however_it_is_named():
    with pytest.raises(ValueError, match="did you mean 'breaches_per_year'"):
        Requirement("breaches_per_yeer", "all", "<=", 6.0)
    with pytest.raises(ValueError, match="expected one of >=, <=, >, <"):
        Requirement("breaches_per_year", "all", "=<", 6.0)
    with pytest.raises(ValueError, match="did you mean 'wait_mean_days'"):
        study.recommend(_short_county(), {"seed": [1]}, ["wait_mean_dayz <= 4"])
    with pytest.raises(ValueError, match="did you mean 'cost_to_serve_per_year'"):
        study.recommend(_short_county(), {"seed": [1]}, [], minimise="cost_to_serve_per_yr")


def test_a_misspelt_group_gets_a_did_you_mean():
    with pytest.raises(ValueError, match=r"did you mean \[urgency=urgent\]\?"):
        study.recommend(
            _short_county(), {"seed": [1]}, ["within_target_share[urgency=urgnt] >= 0.5"],
            max_reps=2,
        )  # fmt: skip


def test_the_api_table_gives_cases_and_says_a_sweep_keeps_none():
    page = (Path(__file__).parent.parent / "docs" / "reference" / "python-api.md").read_text(
        encoding="utf-8"
    )
    for call, default in [("run", "all"), ("compare", "all"), ("sweep", "none")]:
        [row] = [line for line in page.splitlines() if line.startswith(f"| `simulator.{call}(")]
        assert f'cases="{default}")`' in row, call
    assert "`sweep(...).cases` is an empty table" in page
    shares = study.sweep(_short_county(), {"seed": [1]}, reps=1)
    assert shares.cases.empty  # as the page says


def test_validate_prints_the_block_a_file_implies(tmp_path):
    """Demand as a rate per adult population and a block sized by block_share: the
    analyst sees the slots, FTE, hours and price a year before running."""
    from simulator.plan import block_size
    from simulator.scenario import load_scenario

    shipped = Path(__file__).parent.parent / "scenarios" / "growing-county.yaml"
    scenario = load_scenario(shipped)
    provider = scenario.commissioning.providers[0]
    slots, hours = block_size(scenario, provider)
    said = invoke("validate", str(shipped))
    assert said.exit_code == 0, said.output
    assert (
        f"  {provider.name}: block of {slots} caseload slots "
        f"({slots / provider.caseload_cap:,.1f} FTE), {hours:,.0f} contracted hours a year, "
        f"GBP {hours * provider.block_rate_per_hour:,.0f} a year at GBP 38 an hour as quoted"
    ) in said.stdout.splitlines()
