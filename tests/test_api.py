"""The Python API: the same numbers and the same result folder as the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from click.testing import CliRunner

import simulator
from simulator import report
from simulator.cli import cli
from simulator.files import OutputError, load
from tests import helpers
from tests.helpers import scenario_file as scenario

FILES = (
    "summary.csv", "replications.csv", "cases.parquet", "daily.parquet",
    "scenario.resolved.yaml", "manifest.json", "report.html",
)  # fmt: skip


def invoke(*args: str) -> None:
    """Run a command on one worker and check it succeeded."""
    result = helpers.invoke(*args, "--workers", "1")
    assert result.exit_code == 0, result.output


def same_folders(api: Path, command_line: Path) -> None:
    """Byte for byte where the bytes do not hold a time; as tables for Parquet."""
    assert {p.name for p in api.iterdir()} == {p.name for p in command_line.iterdir()}
    for name in ("summary.csv", "replications.csv", "differences.csv", "scenario.resolved.yaml"):
        if (command_line / name).exists():
            assert (api / name).read_bytes() == (command_line / name).read_bytes(), name
    for name in ("cases.parquet", "daily.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(api / name), pd.read_parquet(command_line / name)
        )
    ours, theirs = (json.loads((f / "manifest.json").read_text()) for f in (api, command_line))
    for key in ("seed", "replications", "sweep", "scenarios", "backend", "workers"):
        assert ours[key] == theirs[key], key


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("api")
    block = scenario(tmp, "Block", **{"caseload_cap: 10": "caseload_cap: 10, advocates: 3"})
    bigger = scenario(tmp, "Bigger", **{"caseload_cap: 10": "caseload_cap: 10, advocates: 3.5"})
    return block, bigger


@pytest.fixture(scope="module")
def ran(files) -> simulator.Results:
    return simulator.run(files[0], reps=3, seed=7, workers=1)


@pytest.fixture(scope="module")
def compared(files) -> simulator.Results:
    return simulator.compare(files, reps=3, seed=7, baseline="Bigger", workers=1)


def test_run_gives_what_the_command_line_writes(files, ran, tmp_path):
    invoke("run", str(files[0]), "--reps", "3", "--seed", "7", "--out", str(tmp_path / "cli"))
    written = ran.write(tmp_path / "api")
    assert {p.name for p in written.iterdir()} == set(FILES)
    same_folders(written, tmp_path / "cli")
    # The files of a single run keep their columns; the API's frames add `scenario`.
    cases = pd.read_parquet(written / "cases.parquet")
    pd.testing.assert_frame_equal(ran.cases.drop(columns="scenario"), cases)
    assert ran.differences is None and ran.baseline is None


def test_compare_gives_what_the_command_line_writes(files, compared, tmp_path):
    invoke(
        "compare", *map(str, files), "--reps", "3", "--seed", "7", "--baseline", "Bigger",
        "--out", str(tmp_path / "cli"),
    )  # fmt: skip
    written = compared.write(tmp_path / "api")
    assert {p.name for p in written.iterdir()} == {*FILES, "differences.csv"}
    same_folders(written, tmp_path / "cli")
    assert compared.baseline == "Bigger"
    assert set(compared.differences["baseline"]) == {"Bigger"}
    assert set(compared.differences["scenario"]) == {"Block"}


def test_sweep_gives_what_the_command_line_writes(files, tmp_path):
    invoke(
        "sweep", str(files[0]), "--set", "commissioning.block_share=0.8,1.0",
        "--set", "commissioning.triage=fifo,priority", "--reps", "2",
        "--out", str(tmp_path / "cli"),
    )  # fmt: skip
    swept = simulator.sweep(
        files[0],
        {"commissioning.block_share": [0.8, 1.0], "commissioning.triage": ["fifo", "priority"]},
        reps=2,
        workers=1,
    )
    assert [s.name for s in swept.scenarios] == [
        "Block, block_share 0.8 instead of 1.0",
        "Block, block_share 0.8 instead of 1.0, triage priority instead of fifo",
        "Block", "Block, triage priority instead of fifo",
    ]  # fmt: skip
    written = swept.write(tmp_path / "api")
    same_folders(written, tmp_path / "cli")
    # A numpy array of values (say from np.linspace) names the points as a list does.
    grid = {"commissioning.block_share": np.array([0.8, 1.0]), "commissioning.triage": ["fifo"]}
    assert [s.name for s in simulator.study.sweep_scenarios(files[0], grid)] == [
        "Block, block_share 0.8 instead of 1.0", "Block",
    ]  # fmt: skip
    assert swept.manifest["sweep"]["keys"] == ["commissioning.block_share", "commissioning.triage"]
    assert swept.differences["scenario"].nunique() == 3
    # Differences are from the file's own value (block_share 1.0 and triage fifo, the
    # defaults), the third point here, and the points keep their order.
    own = simulator.load_scenario(files[0])
    assert (own.commissioning.block_share, own.commissioning.triage) == (1.0, "fifo")
    assert swept.baseline == "Block"
    assert set(swept.differences["baseline"]) == {swept.baseline}
    assert swept.scenarios[2].name == swept.baseline


def test_every_frame_has_the_scenario_column(ran, compared):
    for results in (ran, compared):
        names = {s.name for s in results.scenarios}
        for frame in (results.summary, results.replications, results.cases, results.daily):
            assert frame.columns[0] == "scenario"
            assert set(frame["scenario"]) == names
    assert list(compared.differences.columns)[:2] == ["scenario", "baseline"]
    assert repr(compared) == (
        "<Results compare: 2 scenario(s) x 3 replications, seed 7: 'Bigger', 'Block'>"
    )


def test_figures_are_the_reports_charts(compared, tmp_path):
    figures = compared.figures()
    written = compared.write(tmp_path / "out")
    charts = report.figures(load(written))
    assert list(figures) == [div_id.removeprefix("chart-") for div_id, _ in charts]
    for (_, chart), figure in zip(charts, figures.values(), strict=True):
        assert isinstance(figure, go.Figure) and len(figure.data) > 0
        assert [t.name for t in figure.data] == [t.name for t in chart.data]


def test_report_alone_and_write_refuses_an_existing_folder(ran, tmp_path):
    page = ran.report(tmp_path / "block.html")
    text = page.read_text(encoding="utf-8")
    assert text.count("Plotly.newPlot") == len(ran.figures())
    assert [p.name for p in tmp_path.iterdir()] == ["block.html"]
    with pytest.raises(OutputError, match="already exists"):
        ran.write(tmp_path)


def test_loaded_scenarios_and_paths_give_the_same_numbers(files, ran):
    loaded = simulator.load_scenario(files[0])
    again = simulator.run(loaded, reps=3, seed=7, workers=1)
    pd.testing.assert_frame_equal(again.summary, ran.summary)
    assert loaded.replications == 4  # the loaded scenario is not changed by the run


def test_bad_input_raises_before_anything_runs(files):
    with pytest.raises(simulator.ScenarioError, match="did you mean 'block_share'"):
        simulator.sweep(files[0], {"commissioning.block_shar": [0.8, 1.0]})
    with pytest.raises(simulator.ScenarioError, match=r"commissioning\.block_share: 2"):
        simulator.sweep(files[0], {"commissioning.block_share": [1.0, 2]})
    with pytest.raises(ValueError, match="non-empty list"):
        simulator.sweep(files[0], {"commissioning.block_share": 0.8})
    with pytest.raises(ValueError, match="at least two"):
        simulator.compare([files[0]])
    with pytest.raises(ValueError, match="baseline 'Nobody'"):
        simulator.compare(files, baseline="Nobody")
    with pytest.raises(simulator.ScenarioError, match="names must differ"):
        simulator.compare([files[0], files[0]])
    with pytest.raises(simulator.ScenarioError, match="file not found"):
        simulator.run(files[0].with_name("missing.yaml"))


def test_an_internal_fault_shows_one_line_or_with_debug_the_traceback(files, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(simulator.study, "run_scenarios", broken)
    quiet = CliRunner().invoke(cli, ["run", str(files[0])])
    assert quiet.exit_code == 1
    assert "internal error: boom (run with --debug for the traceback)" in quiet.output
    loud = CliRunner().invoke(cli, ["--debug", "run", str(files[0])])
    assert isinstance(loud.exception, RuntimeError)  # raised, so Python shows the traceback


def test_case_rows_and_days_are_streamed_a_replication_at_a_time(tmp_path):
    """Two scenarios with different providers: daily.parquet has both providers' columns
    (empty where a scenario has no such provider), one row group per replication, in
    scenario then replication order; the API reads back what the folder holds."""
    import pyarrow.parquet as pq

    sized = {"caseload_cap: 10": "caseload_cap: 10, advocates: 3"}
    one = scenario(tmp_path, "One", **sized)
    other = scenario(tmp_path, "Other", **sized, **{"name: Provider A": "name: Provider B"})
    both = simulator.compare([one, other], reps=2, workers=2, baseline="One")
    folder = both.write(tmp_path / "out")
    daily = pq.ParquetFile(folder / "daily.parquet")
    assert daily.metadata.num_row_groups == 4
    frame = pd.read_parquet(folder / "daily.parquet")
    assert {"open_cases[Provider A]", "open_cases[Provider B]"} <= set(frame.columns)
    assert frame.loc[frame["scenario"] == "Other", "open_cases[Provider A]"].isna().all()
    assert list(dict.fromkeys(zip(frame["scenario"], frame["rep"], strict=True))) == [
        ("One", 0), ("One", 1), ("Other", 0), ("Other", 1),
    ]  # fmt: skip
    pd.testing.assert_frame_equal(both.daily, frame)
    cases = pq.ParquetFile(folder / "cases.parquet")
    assert cases.metadata.num_row_groups == 4
    pd.testing.assert_frame_equal(both.cases, pd.read_parquet(folder / "cases.parquet"))
