"""compare, sweep and the Dask backend: common random numbers and paired differences."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.helpers import main
from tests.helpers import scenario_file as scenario


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("compare")
    first = scenario(tmp, "Block", **{"caseload_cap: 10": "caseload_cap: 10, advocates: 3"})
    second = scenario(
        tmp, "Bigger block", **{"caseload_cap: 10": "caseload_cap: 10, advocates: 3.5"}
    )
    same = scenario(tmp, "Block again", **{"caseload_cap: 10": "caseload_cap: 10, advocates: 3"})
    out = tmp / "out"
    result = main("compare", str(first), str(second), str(same), "--reps", "12", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Bigger block minus Block" in result.stdout
    return out


def test_compare_writes_differences_against_the_first(compared):
    differences = read(compared / "differences.csv")
    assert list(differences.columns) == [
        "scenario", "baseline", "metric", "group", "mean_difference", "ci_low", "ci_high",
        "n_reps", "excludes_zero",
    ]  # fmt: skip
    assert set(differences["scenario"]) == {"Bigger block", "Block again"}
    assert (differences["baseline"] == "Block").all()
    summary = read(compared / "summary.csv")
    assert list(dict.fromkeys(summary["scenario"])) == ["Block", "Bigger block", "Block again"]
    assert (compared / "report.html").is_file()


def test_a_scenario_compared_with_itself_differs_by_exactly_zero(compared):
    differences = read(compared / "differences.csv")
    same = differences[(differences["scenario"] == "Block again")].dropna(
        subset=["mean_difference"]
    )
    assert len(same) > 50
    assert (same["mean_difference"] == 0).all()
    assert (same["ci_low"] == 0).all() and (same["ci_high"] == 0).all()
    assert not same["excludes_zero"].any()


def test_paired_differences_are_tighter_than_unpaired(compared):
    """The point of common random numbers: the same referrals in both arms."""
    per_rep = read(compared / "replications.csv")
    differences = read(compared / "differences.csv").set_index(["scenario", "metric", "group"])
    for metric in ("wait_mean_days", "cost_per_referral", "block_utilisation"):
        rows = per_rep[(per_rep["metric"] == metric) & (per_rep["group"] == "all")]
        a = rows[rows["scenario"] == "Block"].sort_values("rep")["value"].to_numpy()
        b = rows[rows["scenario"] == "Bigger block"].sort_values("rep")["value"].to_numpy()
        # Unpaired (Welch) half-width on the same runs.
        se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        dof = se**4 / (
            (a.var(ddof=1) / len(a)) ** 2 / (len(a) - 1)
            + (b.var(ddof=1) / len(b)) ** 2 / (len(b) - 1)
        )
        unpaired = stats.t.ppf(0.975, dof) * se
        row = differences.loc[("Bigger block", metric, "all")]
        paired = (row["ci_high"] - row["ci_low"]) / 2
        assert row["mean_difference"] == pytest.approx((b - a).mean())
        assert paired < unpaired, metric
    bigger = differences.loc[("Bigger block", "wait_mean_days", "all")]
    assert bigger["mean_difference"] < 0 and bigger["excludes_zero"]


def test_baseline_option_and_bad_baseline(tmp_path):
    a, b = scenario(tmp_path, "A"), scenario(tmp_path, "B")
    out = tmp_path / "out"
    assert (
        main(
            "compare", str(a), str(b), "--reps", "2", "--baseline", "B", "--out", str(out)
        ).returncode
        == 0
    )
    assert set(read(out / "differences.csv")["baseline"]) == {"B"}
    bad = main("compare", str(a), str(b), "--baseline", "C", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "--baseline 'C'" in bad.stderr
    same = main("compare", str(a), str(a), "--out", str(tmp_path / "y"))
    assert same.returncode == 2 and "names must differ" in same.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_sweep_runs_each_value_on_common_random_numbers(tmp_path):
    path = scenario(tmp_path, "County")
    out = tmp_path / "sweep"
    result = main(
        "sweep", str(path), "--set", "commissioning.block_share=0.8,1.0,1.2", "--reps", "3",
        "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = read(out / "summary.csv")
    names = list(dict.fromkeys(summary["scenario"]))
    assert names == [
        "County, block_share 0.8 instead of 1.0", "County", "County, block_share 1.2 instead of 1.0"
    ]  # fmt: skip
    waits = summary[(summary["metric"] == "wait_mean_days") & (summary["group"] == "all")]
    assert waits["mean"].is_monotonic_decreasing
    cost = summary[(summary["metric"] == "cost_block") & (summary["group"] == "all")]
    assert cost["mean"].is_monotonic_increasing
    referrals = summary[(summary["metric"] == "referrals") & (summary["group"] == "all")]
    assert referrals["mean"].nunique() == 1  # the same referrals at every point
    # The report joins the swept points into a cost-against-wait frontier.
    assert '"name":"swept values"' in (out / "report.html").read_text(encoding="utf-8")


def test_sweep_grid_and_bad_settings(tmp_path):
    path = scenario(tmp_path, "County")
    out = tmp_path / "grid"
    result = main(
        "sweep", str(path), "--set", "commissioning.block_share=0.8,1.0",
        "--set", "commissioning.triage=fifo,priority", "--reps", "2", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert read(out / "summary.csv")["scenario"].nunique() == 4
    typo = main(
        "sweep", str(path), "--set", "commissioning.block_shar=0.8", "--out", str(tmp_path / "t")
    )
    assert typo.returncode == 2
    assert "commissioning.block_shar: unknown field; did you mean 'block_share'?" in typo.stderr
    out_of_range = main(
        "sweep", str(path), "--set", "commissioning.block_share=2", "--out", str(tmp_path / "u")
    )
    assert out_of_range.returncode == 2 and "commissioning.block_share: 2" in out_of_range.stderr
    malformed = main("sweep", str(path), "--set", "block_share", "--out", str(tmp_path / "v"))
    assert malformed.returncode == 2 and "KEY=V1,V2" in malformed.stderr


def test_dask_backend_gives_the_same_results_as_local(tmp_path):
    from distributed import LocalCluster

    path = scenario(tmp_path, "County")
    local = tmp_path / "local"
    assert (
        main("run", str(path), "--reps", "4", "--workers", "1", "--out", str(local)).returncode == 0
    )
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        remote = tmp_path / "dask"
        result = main(
            "run", str(path), "--reps", "4", "--backend", "dask", "--scheduler",
            cluster.scheduler_address, "--out", str(remote),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    assert (local / "summary.csv").read_bytes() == (remote / "summary.csv").read_bytes()


def test_a_dask_worker_killed_mid_run_is_retried_and_the_results_are_the_same(tmp_path):
    """Kill a worker process while it holds replications: Dask reruns them elsewhere
    (its nanny starts a new worker), and every output is byte-identical to a local run."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from distributed import Client, LocalCluster

    path = Path("scenarios/county-block-spot.yaml").resolve()
    local = tmp_path / "local"
    ran = main("run", str(path), "--reps", "16", "--workers", "1", "--out", str(local))
    assert ran.returncode == 0, ran.stderr
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as watcher,
    ):
        pids = watcher.run(os.getpid)
        remote = tmp_path / "dask"
        command = [
            sys.executable, "-m", "simulator", "run", str(path), "--reps", "16",
            "--backend", "dask", "--scheduler", cluster.scheduler_address, "--out", str(remote),
        ]  # fmt: skip
        run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        busy: list[str] = []
        while not busy and time.monotonic() < deadline:
            busy = [worker for worker, keys in watcher.processing().items() if keys]
            time.sleep(0.05)
        assert busy and run.poll() is None, "the run ended before a worker could be killed"
        os.kill(pids[busy[0]], signal.SIGKILL)
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr
        assert watcher.run(os.getpid).get(busy[0]) != pids[busy[0]]  # it really died
    for name in ("summary.csv", "replications.csv", "cases.parquet", "daily.parquet"):
        assert (local / name).read_bytes() == (remote / name).read_bytes(), name


def test_the_reports_waits_read_a_few_row_groups_at_a_time_as_from_the_whole_file(compared):
    """``read_waits`` takes the waits from ``cases.parquet`` in batches of row groups, each
    with its own dictionary of scenario names; the same waits, in the same order, as
    ``measured_waits`` of the whole file read at once (36 row groups: three batches)."""
    from simulator import files

    saved = files.load(compared)
    path = compared / "cases.parquet"
    batched = files.read_waits(path, saved.scenarios)
    whole = files.measured_waits(pd.read_parquet(path), saved.scenarios)
    assert len(batched) > 100 and files.ROW_GROUPS_AT_ONCE < 36
    assert list(batched["scenario"].astype(str)) == list(whole["scenario"].astype(str))
    np.testing.assert_array_equal(batched["wait_days"], whole["wait_days"].to_numpy())


def test_workers_lay_out_the_files_tables_as_pandas_would():
    """Each worker lays out its replication's rows for the comparison's files: the
    scenario's name first and, in days, every scenario's provider columns (float, empty,
    where a scenario has no such provider). Built in one frame, it must give the table
    and pandas metadata of pandas' own reindex, astype and assign."""
    import pyarrow as pa

    from simulator.files import Layout
    from simulator.runner import reduce_replication
    from simulator.scenario import load_scenario

    root = Path(__file__).resolve().parent.parent / "scenarios"
    block, hub = (load_scenario(root / f"county-{name}.yaml") for name in ("block", "hub"))
    layout = Layout.of([block, hub])
    assert layout.partial  # the hub's partners are not the block's provider, nor it theirs
    for each in (block, hub):
        for rep in (0, 1):  # replication 0 keeps only the columns of its case rows
            reduced = reduce_replication(each, rep, columns_only=rep == 0)
            daily = reduced.daily.reindex(columns=list(layout.daily))
            daily[list(layout.partial)] = daily[list(layout.partial)].astype("float64")
            for ours, frame in ((reduced.daily, daily), (reduced.cases, reduced.cases)):
                named = frame.assign(scenario=each.name)[["scenario", *frame.columns]]
                expected = pa.Table.from_pandas(named, preserve_index=False)
                got = layout.arrow(ours, each.name)
                assert got.equals(expected, check_metadata=True)
                assert got.schema.metadata == expected.schema.metadata


def test_sweep_points_are_named_by_what_they_are():
    """A file's name often states its values ("block 80"): a point that changes them says
    so in its name and its description, so neither reads as the file's."""
    from simulator.study import point_name, point_note

    own = {"commissioning.block_share": 0.8, "commissioning.triage": "priority"}
    point = {"commissioning.block_share": 0.6, "commissioning.triage": "priority"}
    assert point_name("County block 80 + spot", own, own) == "County block 80 + spot"
    assert point_name("County block 80 + spot", point, own) == (
        "County block 80 + spot, block_share 0.6 instead of 0.8"
    )
    assert point_name("X", {"a.advocates": 3, "b.advocates": 4}, {"a.advocates": None}) == (
        "X, a.advocates 3, b.advocates 4"
    )
    assert point_note(own, own) == ""
    assert point_note(point, own) == (
        "This point sets commissioning.block_share to 0.6; the file's text is written for its "
        "own values (commissioning.block_share 0.8)."
    )


def test_a_sweep_points_card_is_written_from_the_values_run(tmp_path):
    from simulator import study
    from simulator.files import load
    from simulator.report import _scenario_cards

    path = scenario(tmp_path, "County")
    swept = study.sweep(path, {"commissioning.block_share": [0.8, 1.0]}, reps=2, workers=1)
    changed, own = swept.scenarios
    assert changed.description.startswith("This point sets commissioning.block_share to 0.8;")
    assert changed.assumptions[0].startswith("This point sets") and own.description == ""
    cards = _scenario_cards(load(swept.write(tmp_path / "out")))
    assert "block_share 0.8 of expected hours" in cards and "block_share 1 of expected" in cards
    assert "caseload slots" in cards


def test_a_difference_of_shares_has_an_interval_within_100_points_either_way():
    """Three replications where the option allocates everyone within target in two and
    nobody in one, against a baseline that never does: the t interval's top is 2.1
    (210 points), which no difference of two shares can be; a count's is not cut."""
    from simulator.metrics import SHARE_METRICS
    from simulator.stats import paired_differences

    rows = [
        (scenario, rep, metric, "all", value)
        for metric in ("within_target_share", "breaches_per_year")
        for scenario, values in (("base", [0.0, 0.0, 0.0]), ("option", [1.0, 0.0, 1.0]))
        for rep, value in enumerate(values)
    ]
    per_rep = pd.DataFrame(rows, columns=["scenario", "rep", "metric", "group", "value"])
    found = paired_differences(per_rep, "base", SHARE_METRICS).set_index("metric")
    half = stats.t.ppf(0.975, 2) * np.std([1.0, 0.0, 1.0], ddof=1) / np.sqrt(3)
    share, count = found.loc["within_target_share"], found.loc["breaches_per_year"]
    assert share["mean_difference"] == pytest.approx(2 / 3)
    assert (share["ci_low"], share["ci_high"]) == (pytest.approx(2 / 3 - half), 1.0)
    assert (count["ci_low"], count["ci_high"]) == pytest.approx((2 / 3 - half, 2 / 3 + half))
    assert count["ci_high"] > 2
