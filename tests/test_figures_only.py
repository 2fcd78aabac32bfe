"""The figures-only path: the same figures as a full run, and nothing else built or loaded.

``--figures-only`` (``figures_only=True``) is for a quick answer: the folder holds the
figures, the resolved scenario and the manifest; no replication builds case rows or
days, the process loads neither pyarrow nor plotly, and no report is written.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import simulator
from simulator import metrics
from simulator.results import FiguresOnlyError
from tests.helpers import invoke, main, scenario_file

LEAN = {"summary.csv", "replications.csv", "scenario.resolved.yaml", "manifest.json"}


@pytest.fixture
def county(tmp_path: Path) -> Path:
    return scenario_file(tmp_path, "Test county")


def test_a_figures_only_run_writes_the_same_figures_and_nothing_else(county, tmp_path):
    full, lean = tmp_path / "full", tmp_path / "lean"
    assert invoke("run", str(county), "--workers", "1", "--out", str(full)).exit_code == 0
    result = invoke("run", str(county), "--workers", "1", "--figures-only", "--out", str(lean))
    assert result.exit_code == 0, result.output
    assert "Cost to serve a year" in result.output and "report:" not in result.stderr
    assert {p.name for p in lean.iterdir()} == LEAN
    for name in ("summary.csv", "replications.csv", "scenario.resolved.yaml"):
        assert (lean / name).read_bytes() == (full / name).read_bytes(), name
    manifest = json.loads((lean / "manifest.json").read_text("utf-8"))
    assert manifest["figures_only"] is True and manifest["replications"] == 4
    assert "figures_only" not in json.loads((full / "manifest.json").read_text("utf-8"))


def test_a_figures_only_comparison_and_sweep_keep_their_differences(county, tmp_path):
    other = scenario_file(tmp_path, "Bigger", **{"caseload_cap: 10": "caseload_cap: 14"})
    files = [str(county), str(other), "--reps", "3", "--workers", "2"]
    assert invoke("compare", *files, "--out", str(tmp_path / "full")).exit_code == 0
    lean = tmp_path / "lean"
    assert invoke("compare", *files, "--figures-only", "--out", str(lean)).exit_code == 0
    assert {p.name for p in lean.iterdir()} == {*LEAN, "differences.csv"}
    for name in ("summary.csv", "replications.csv", "differences.csv"):
        assert (lean / name).read_bytes() == (tmp_path / "full" / name).read_bytes(), name
    swept = tmp_path / "swept"
    caps = "commissioning.providers.0.caseload_cap=8,12"
    result = invoke("sweep", str(county), "--set", caps, "--reps", "2", "--workers", "1",
                    "--figures-only", "--out", str(swept))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert {p.name for p in swept.iterdir()} == {*LEAN, "differences.csv"}


def test_no_replication_builds_case_rows_or_days(county, monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("a figures-only run built a table")

    monkeypatch.setattr(metrics, "cases_frame", refused)
    monkeypatch.setattr(metrics, "daily_frame", refused)
    results = simulator.run(county, reps=2, workers=1, figures_only=True)
    summary = results.summary
    assert set(summary.loc[summary["metric"] == "referrals", "n_reps"]) == {2}
    assert results.tables is None
    for asked in (lambda: results.cases, lambda: results.daily, results.figures):
        with pytest.raises(FiguresOnlyError, match="figures-only"):
            asked()
    with pytest.raises(FiguresOnlyError, match="PNG"):
        results.write(county.parent / "images", png=True)
    assert not (county.parent / "images").exists()


def _loaded_by(args: list[str]) -> dict[str, bool]:
    """Whether a fresh process running the command line loaded pyarrow, plotly, pandas."""
    code = (
        "import json, sys; from simulator.cli import main; "
        f"sys.argv = ['advocacy-sim', *{args!r}]"
        "\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps({name: sys.modules.get(name) is not None "
        "for name in ('pyarrow', 'plotly', 'pandas')}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_figures_only_process_loads_neither_pyarrow_nor_plotly(county, tmp_path):
    common = ["run", str(county), "--reps", "2", "--workers", "2"]
    lean = _loaded_by([*common, "--figures-only", "--out", str(tmp_path / "lean")])
    assert lean == {"pyarrow": False, "plotly": False, "pandas": True}
    assert (tmp_path / "lean" / "summary.csv").is_file()
    full = _loaded_by([*common, "--out", str(tmp_path / "full")])  # the same run with tables
    assert full == {"pyarrow": True, "plotly": True, "pandas": True}


def test_cases_none_builds_no_replication_s_whole_case_table(county, monkeypatch, tmp_path):
    """Replication 0 gives the case file its columns from no referrals, not all its rows."""
    built: list[int] = []
    cases_frame = metrics.cases_frame

    def counted(all_records, scenario):
        frame = cases_frame(all_records, scenario)
        built.append(len(frame))
        return frame

    monkeypatch.setattr(metrics, "cases_frame", counted)
    none = simulator.run(county, reps=2, workers=1, cases="none")
    assert built == [0]
    none.write(tmp_path / "none")
    simulator.run(county, reps=2, workers=1, cases=1).write(tmp_path / "one")
    assert built[1] > 0
    rowless = pq.read_table(tmp_path / "none" / "cases.parquet")
    assert rowless.num_rows == 0
    assert rowless.schema == pq.read_table(tmp_path / "one" / "cases.parquet").schema


def test_a_figures_only_recommendation_gives_the_same_answer(county, tmp_path):
    caps = "commissioning.providers.0.caseload_cap=8,12"
    options = ["recommend", str(county), "--vary", caps, "--require",
               "within_target_share >= 0.5", "--max-reps", "4", "--workers", "1"]  # fmt: skip
    assert invoke(*options, "--out", str(tmp_path / "full")).exit_code == 0
    lean = tmp_path / "lean"
    assert invoke(*options, "--figures-only", "--out", str(lean)).exit_code == 0
    assert {p.name for p in lean.iterdir()} == {
        *LEAN, "differences.csv", "recommendation.json", "candidates.csv"
    }  # fmt: skip
    for name in ("recommendation.json", "candidates.csv", "summary.csv"):
        assert (lean / name).read_bytes() == (tmp_path / "full" / name).read_bytes(), name


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--cases", "2"], "error: --cases: a --figures-only run keeps no case rows"),
        (["--png"], "error: --png: a --figures-only run draws no charts"),
    ],
)
def test_what_figures_only_cannot_give_is_refused_before_running(county, tmp_path, extra, message):
    out = tmp_path / "out"
    command = "compare" if "--png" in extra else "run"
    files = [str(county), str(county)] if command == "compare" else [str(county)]
    result = main(command, *files, "--figures-only", *extra, "--out", str(out))
    assert (result.returncode, result.stderr.strip()) == (2, message)
    assert not out.exists()


def test_the_report_of_a_figures_only_folder_says_why_there_is_none(county, tmp_path):
    lean = tmp_path / "lean"
    assert invoke("run", str(county), "--reps", "2", "--workers", "1", "--figures-only",
                  "--out", str(lean)).exit_code == 0  # fmt: skip
    result = main("report", str(lean))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {lean}: a figures-only folder")
    assert not (lean / "report.html").exists()
    paper = invoke("paper", str(lean))  # not "daily.parquet: missing": it is a results folder
    assert paper.exit_code == 2
    assert paper.stderr.strip() == (
        f"error: {lean}: a figures-only folder (summary.csv and replications.csv) has no "
        "tables to write a paper from; run again without --figures-only for one"
    )
    assert not (lean / "committee-paper.docx").exists()


def test_a_sweep_of_one_value_says_there_is_nothing_to_compare_it_with(county, tmp_path):
    swept = tmp_path / "one"
    cap = "commissioning.providers.0.caseload_cap=8"
    result = invoke("sweep", str(county), "--set", cap, "--reps", "2", "--workers", "1",
                    "--figures-only", "--out", str(swept))  # fmt: skip
    assert result.exit_code == 0, result.output
    told = result.stderr.splitlines()
    assert told[told.index("1 scenario x 2 replications on common random numbers, seed 42") - 1 :][
        :2
    ] == [
        "warning: one value only, so nothing to compare it with: give the file's own value "
        "as well (e.g. --set KEY=0.7,0.8) for the differences",
        "1 scenario x 2 replications on common random numbers, seed 42",
    ]


def test_a_comma_too_many_in_a_sweep_is_named(county, tmp_path):
    caps = "commissioning.providers.0.caseload_cap=8,12,"
    result = invoke("sweep", str(county), "--set", caps, "--out", str(tmp_path / "x"))
    assert result.exit_code == 2 and not (tmp_path / "x").exists()
    assert result.stderr.strip() == (
        f"error: --set '{caps}': an empty value (a comma too many?): write V1,V2,..."
    )


def test_a_figures_only_run_on_a_dask_cluster_gives_the_local_figures(county, tmp_path):
    """The cluster's workers have pyarrow loaded, so the command line keeps it there to
    read their figures (only a local run goes without it)."""
    from distributed import LocalCluster

    local = tmp_path / "local"
    common = ["run", str(county), "--reps", "2", "--figures-only"]
    assert main(*common, "--workers", "1", "--out", str(local)).returncode == 0
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        remote = tmp_path / "dask"
        result = main(*common, "--backend", "dask", "--scheduler", cluster.scheduler_address,
                      "--out", str(remote))  # fmt: skip
        assert result.returncode == 0, result.stderr
    assert (remote / "summary.csv").read_bytes() == (local / "summary.csv").read_bytes()
