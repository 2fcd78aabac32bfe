"""The command line: real runs into real folders, and bad input that exits 2 cleanly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from simulator.cli import cli
from tests.helpers import SCENARIO, invoke, main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "county.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def test_validate_ok_and_bad(scenario_file, tmp_path):
    assert invoke("validate", str(scenario_file)).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(SCENARIO.replace("urgent_share: 0.2", "urgent_share: 2"), encoding="utf-8")
    result = main("validate", str(scenario_file), str(bad))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {bad}:7: demand.urgent_share: 2: must be less than or equal to 1"
    )
    assert "Traceback" not in result.stderr


def test_run_writes_a_complete_folder(scenario_file, tmp_path):
    out = tmp_path / "result"
    result = invoke("run", str(scenario_file), "--out", str(out), "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "Cost to serve a year" in result.output and "Cash cost a year" in result.output
    names = {p.name for p in out.iterdir()}
    assert names == {
        "summary.csv",
        "replications.csv",
        "cases.parquet",
        "daily.parquet",
        "scenario.resolved.yaml",
        "manifest.json",
        "report.html",
    }
    summary = pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
    assert list(summary.columns) == [
        "scenario", "metric", "group", "mean", "ci_low", "ci_high", "n_reps", "p10", "p90"
    ]  # fmt: skip
    assert (out / "summary.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    required = {
        "referrals", "wait_mean_days", "wait_median_days", "wait_p90_days", "wait_p95_days",
        "within_target_share", "waiting_list_end", "waiting_list_peak", "breaches",
        "block_utilisation", "block_hours_unused", "spot_cases", "spot_hours", "cost_block",
        "cost_spot_hours", "cost_mileage", "cost_triage", "cost_fee", "cost_workshops",
        "cost_total", "cost_total_per_year", "cost_per_referral", "unserved",
    }  # fmt: skip
    assert required <= set(summary["metric"])
    groups = set(summary["group"])
    assert {"all", "type=care_act", "need=bsl", "locality=rural", "urgency=urgent"} <= groups
    assert {"route=block", "provider=Provider A"} <= groups
    assert (summary.loc[summary["metric"] == "referrals", "n_reps"] == 4).all()

    cases = pq.read_table(out / "cases.parquet")
    for column in (
        "rep", "referral_id", "arrival_day", "type", "urgent", "need", "locality", "route",
        "provider", "allocated_day", "end_day", "wait_days", "hours", "miles", "cost",
        "breached", "status",
    ):  # fmt: skip
        assert column in cases.column_names
    # Missing values are nulls, not NaN or sentinels.
    frame = cases.to_pandas()
    waiting = frame["status"] == "waiting"
    assert (
        cases.column("allocated_day").null_count == int(frame["allocated_day"].isna().sum()) > 0
        or not waiting.any()
    )
    assert cases.column("need").null_count > 0
    assert set(frame["status"].dropna().unique()) <= {"completed", "open", "waiting", "unserved"}

    daily = pq.read_table(out / "daily.parquet").to_pandas()
    assert {"rep", "day", "waiting", "open_cases", "spot_open", "open_cases[Provider A]"} <= set(
        daily.columns
    )
    assert daily["day"].min() == 20 and daily["day"].max() == 199
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 42 and manifest["replications"] == 4
    assert len(manifest["scenarios"][0]["sha256"]) == 64
    assert {"python", "simpy", "numpy", "pandas"} <= set(manifest["versions"])
    assert manifest["wall_time_seconds"] > 0
    assert "name: Test county" in (out / "scenario.resolved.yaml").read_text()


def test_same_seed_gives_identical_summary_whatever_the_workers(scenario_file, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert main("run", str(scenario_file), "--workers", "1", "--out", str(one)).returncode == 0
    assert main("run", str(scenario_file), "--workers", "2", "--out", str(two)).returncode == 0
    assert (one / "summary.csv").read_bytes() == (two / "summary.csv").read_bytes()
    pd.testing.assert_frame_equal(
        pd.read_parquet(one / "cases.parquet"), pd.read_parquet(two / "cases.parquet")
    )


def test_seed_and_reps_options(scenario_file, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    invoke("run", str(scenario_file), "--reps", "2", "--seed", "7", "--out", str(a))
    invoke("run", str(scenario_file), "--reps", "2", "--seed", "8", "--out", str(b))
    sa = pd.read_csv(a / "summary.csv", encoding="utf-8-sig")
    sb = pd.read_csv(b / "summary.csv", encoding="utf-8-sig")
    assert (sa["n_reps"].max(), sb["n_reps"].max()) == (2, 2)
    assert not sa["mean"].equals(sb["mean"])
    assert json.loads((a / "manifest.json").read_text())["seed"] == 7


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "missing.yaml"], "missing.yaml: file not found"),
        (["run", "{file}", "--reps", "0"], "--reps"),
        (["run", "{file}", "--workers", "x"], "--workers"),
        (["run", "{file}", "--backend", "dask"], "--backend dask needs --scheduler"),
        (["run", "{file}", "--out", "{exists}"], "already exists"),
        (["run", "{file}", "--out", "{file}/inside/a/file"], "which is not a folder"),
        (["run"], "Missing argument"),
        (["nonsense"], "No such command"),
    ],
)
def test_bad_input_exits_2_without_traceback_or_folder(scenario_file, tmp_path, args, message):
    exists = tmp_path / "exists"
    exists.mkdir()
    before = set(tmp_path.iterdir())
    filled = [a.format(file=scenario_file, exists=exists) for a in args]
    result = main(*filled)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert set(tmp_path.iterdir()) == before  # no output folder, not even a partial one


def test_debug_shows_the_traceback(tmp_path):
    result = main("--debug", "run", str(tmp_path / "missing.yaml"))
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "file not found" in result.stderr


def test_schema_command(tmp_path):
    out = tmp_path / "schema.json"
    assert invoke("schema", "--out", str(out)).exit_code == 0
    assert json.loads(out.read_text())["title"] == "advocacy-sim scenario"


def test_every_command_has_help():
    for name, command in cli.commands.items():
        assert command.help, name
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"{name} {param.name}"


def test_progress_bar_only_on_a_terminal(monkeypatch, capsys):
    from simulator.runner import progress_bar

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    with progress_bar(3, "quiet") as tick:
        tick(3)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.delenv("CI", raising=False)
    with progress_bar(3, "shown") as tick:
        for _ in range(3):
            tick(1)  # drives a real rich bar; must not raise


def _loaded_by(args: list[str], modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh process has imported after running the command line."""
    import subprocess

    code = (
        "import json, sys; from simulator.cli import main; "
        f"sys.argv = ['advocacy-sim', *{args!r}]"
        "\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps([m for m in {modules!r} if m in sys.modules]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_validate_does_not_load_the_heavy_libraries(tmp_path):
    """Checking a file starts quickly: pandas, plotly, pyarrow and scipy load only for
    commands that run (bench/ times the whole process). The county's demand keeps RPR
    cases open for months and opens 168 cases on day 0: they fit by the quick count, so
    the quantile grids of the exact one (scipy.special, slow to load) are not needed. (A
    block sized by block_share with a workforce needs them: validate prints its staffing.)"""
    heavy = ("pandas", "plotly", "pyarrow", "scipy", "simpy", "rich", "statsmodels")
    county = tmp_path / "county.yaml"
    county.write_text(
        f"extends: {ROOT / 'scenarios/county-block.yaml'}\n"
        "commissioning:\n"
        "  providers:\n"
        "    - name: County Advocacy Service\n"
        "      advocates: 7.5\n"
        "      workforce: {leave_days_per_year: 25, turnover_per_year: 0.2}\n"
        "      skills: [care_act, imca, imha, rpr, nhs_complaints, non_statutory,\n"
        "               bsl, learning_disability, autism, community_language]\n",
        encoding="utf-8",
    )
    assert _loaded_by(["validate", str(county)], heavy) == []


def test_validate_reads_each_file_of_an_extends_chain_once(monkeypatch):
    """A scenario and a demand block alone are told apart from the same reading of the
    file: the county file and its base are parsed once each (it was twice)."""
    from simulator import scenario as scenario_module

    read: list[str] = []
    parse = scenario_module._read_yaml
    monkeypatch.setattr(
        scenario_module, "_read_yaml", lambda path: read.append(path.name) or parse(path)
    )
    result = invoke("validate", str(ROOT / "scenarios/county-block.yaml"))
    assert result.exit_code == 0, result.output
    assert sorted(read) == ["county-block.yaml", "county-demand.yaml"]


def test_validate_loads_scipy_when_only_the_exact_count_can_say(tmp_path):
    """Day-0 cases the quick count cannot settle are counted exactly, from the quantile
    grids of the hours held. Here RPR takes a whole slot: its cases, open for months,
    hold far more than their hours, so a block sized from the hours alone is too small
    for the 168, while the block as sized holds them."""
    county = (ROOT / "scenarios/base/county-demand.yaml").read_text("utf-8")
    heavy_rpr = county.replace("caseload_weight: 0.4", "caseload_weight: 1.0")
    assert heavy_rpr != county
    path = tmp_path / "heavy-rpr.yaml"
    block = (ROOT / "scenarios/county-block.yaml").read_text("utf-8")
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "county-demand.yaml").write_text(heavy_rpr, "utf-8")
    path.write_text(block, "utf-8")
    assert _loaded_by(["validate", str(path)], ("scipy.special",)) == ["scipy.special"]


def test_help_loads_no_scenario_or_numeric_library():
    """``--help`` and a command's help start at once: no scenario schema, no numeric library."""
    heavy = ("numpy", "pydantic", "ruamel.yaml", "scipy", "pandas", "importlib.metadata")
    assert _loaded_by(["--help"], heavy) == []
    assert _loaded_by(["run", "--help"], heavy) == []


@pytest.mark.parametrize(
    ("signum", "status", "said"), [(2, 130, "interrupted"), (15, 143, "terminated")]
)
def test_an_interrupted_run_stops_its_workers_and_leaves_no_folder(tmp_path, signum, status, said):
    """Ctrl-C (SIGINT) or SIGTERM mid-run: one line, exit 130 or 143, no result folder
    and no half-written one, and no worker process left running."""
    import signal
    import subprocess
    import time

    scenario = tmp_path / "long.yaml"
    scenario.write_text(SCENARIO.replace("horizon_days: 200", "horizon_days: 3000"), "utf-8")
    out = tmp_path / f"out-{signum}"
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "run", str(scenario), "--reps", "20000",
         "--workers", "2", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        time.sleep(4)  # the workers are busy by now
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.Signals(signum))
        _, stderr = process.communicate(timeout=30)
    finally:  # a failing test leaves nothing running behind it
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == status, stderr
    assert said in stderr and "Traceback" not in stderr
    assert [line for line in stderr.splitlines() if line.strip()][-1].startswith(said)
    assert list(tmp_path.iterdir()) == [scenario]  # no folder, no .partial
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", str(out)], capture_output=True, text=True)
    assert left.stdout.strip() == "", "worker processes still running"


def test_case_rows_are_kept_as_asked_and_never_change_the_figures(tmp_path):
    """--cases N keeps the first N replications' rows; none keeps the columns only; the
    summary is the same bytes whichever (the rows are an output, not an input)."""
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO, "utf-8")
    folders = {}
    for cases in ("all", "1", "none"):
        out = tmp_path / f"out-{cases}"
        result = invoke("run", str(path), "--reps", "3", "--cases", cases, "--out", str(out))
        assert result.exit_code == 0, result.output
        folders[cases] = out
    rows = {c: pq.read_table(f / "cases.parquet").to_pandas() for c, f in folders.items()}
    assert set(rows["all"]["rep"]) == {0, 1, 2} and set(rows["1"]["rep"]) == {0}
    assert len(rows["none"]) == 0 and list(rows["none"].columns) == list(rows["all"].columns)
    summaries = {(f / "summary.csv").read_bytes() for f in folders.values()}
    assert len(summaries) == 1
    bad = invoke("run", str(path), "--cases", "some", "--out", str(tmp_path / "x"))
    assert bad.exit_code == 2 and "expected all, none or a number" in bad.output
