"""``advocacy-sim recommend``: the cheapest option that meets the requirements, against
theory (Erlang C, Pollaczek-Khinchine), and its inputs and files."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from simulator import study
from simulator.selection import Requirement, parse_requirement, parse_values
from tests import theory
from tests.helpers import build, main, mmc_data, scenario_file

ADVOCATES = "commissioning.providers.0.advocates"


def mmc_options(arrivals_per_day: float = 3.0):
    """M/M/c with service a day on average; a block priced per advocate, so cost rises
    with c and the cheapest option meeting a wait requirement is the smallest c."""
    data = mmc_data(servers=1, arrivals_per_day=arrivals_per_day, horizon_days=400.0)
    data["warm_up_days"] = 40.0
    data["commissioning"]["providers"][0]["block_rate_per_hour"] = 30.0
    return build(data, seed=6100)


@pytest.mark.slow
def test_recommend_returns_the_smallest_c_erlang_c_says_meets_the_wait():
    requirement = 0.25  # days of mean wait
    stable = range(4, 9)  # c <= 3 cannot keep up with 3 a day: the queue grows without end
    smallest = min(c for c in stable if theory.mmc_mean_wait(c, 3.0, 1.0) <= requirement)
    results = study.recommend(
        mmc_options(), {ADVOCATES: [float(c) for c in range(1, 9)]},
        [f"wait_mean_days <= {requirement}"], "cost_total_per_year", max_reps=40,
    )  # fmt: skip
    advice = results.recommendation
    assert advice["values"] == {ADVOCATES: float(smallest)}
    assert advice["meets_requirements"] and advice["separated"]
    # Fewer replications than running every option to the limit (the saving).
    print(f"replications used {advice['replications_used']} of {advice['replications_full_grid']}")
    assert advice["replications_used"] < advice["replications_full_grid"]
    candidates = results.candidates.set_index(ADVOCATES)
    assert candidates.loc[float(smallest), "status"] == "chosen"
    assert candidates.loc[float(smallest - 1), "feasible"] == "no"
    assert "next that meets them" in advice["answer"] and advice["answer"].startswith("Buy ")


@pytest.mark.slow
def test_two_options_equal_in_theory_are_not_separated():
    """M/G/1 waits depend on the service time's first two moments only
    (Pollaczek-Khinchine): lognormal and gamma hours of the same mean and sd give the
    same mean wait, so recommend must say it cannot tell them apart."""
    data = mmc_data(servers=1, arrivals_per_day=0.7, horizon_days=600.0)
    data["warm_up_days"] = 60.0
    hours = [
        {"dist": "lognormal", "mean": 24.0, "sd": 12.0},
        {"dist": "gamma", "mean": 24.0, "sd": 12.0},
    ]
    results = study.recommend(
        build(data, seed=6200), {"demand.mix.care_act.hours": hours},
        ["within_target_share >= 0"], "wait_mean_days", max_reps=20,
    )  # fmt: skip
    advice = results.recommendation
    assert advice["meets_requirements"] and not advice["separated"]
    assert advice["replications_used"] == advice["replications_full_grid"] == 40
    assert "could not be separated" in advice["answer"]
    assert set(results.candidates["status"]) == {"chosen", "not separated"}


def test_when_nothing_meets_the_requirements_it_says_so_and_shows_the_closest():
    results = study.recommend(
        mmc_options(), {ADVOCATES: [1.0, 2.0]}, ["wait_mean_days <= 0.01"],
        "cost_total_per_year", max_reps=4,
    )  # fmt: skip
    advice = results.recommendation
    assert advice["choice"] is None and not advice["meets_requirements"]
    assert "advocates 2.0" in advice["closest"]
    assert advice["answer"].startswith("No option meets mean wait to allocation at most 0.01 days")


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("1..4", [1, 2, 3, 4]),
        ("0.5..1.2:0.1", [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]),
        ("0.6,0.8,1.0", [0.6, 0.8, 1.0]),
        ("fifo,priority", ["fifo", "priority"]),
    ],
)
def test_vary_values_are_a_list_or_a_range(text, values):
    assert parse_values("key", text) == pytest.approx(values) if values[0] != "fifo" else values


def test_requirements_are_read_with_their_group():
    assert parse_requirement("within_target_share[urgency=urgent] >= 0.95") == Requirement(
        "within_target_share", "urgency=urgent", ">=", 0.95
    )
    assert parse_requirement("breaches<10") == Requirement("breaches", "all", "<", 10.0)
    assert Requirement("breaches", "all", "<=", 10).judge(2.0, 9.0) == "met"
    assert Requirement("breaches", "all", "<=", 10).judge(11.0, 19.0) == "not met"
    assert Requirement("breaches", "all", "<=", 10).judge(8.0, 12.0) == "uncertain"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--require", "wait_mean_dayz <= 3"], "unknown metric 'wait_mean_dayz' (did you mean"),
        (["--require", "wait_mean_days == 3"], "expected METRIC[GROUP] OP VALUE"),
        (["--require", "wait_mean_days <= soon"], "'soon' is not a number"),
        (["--vary", "commissioning.block_share=0.9..0.6"], "--vary commissioning.block_share"),
        (["--vary", "block_share"], "expected KEY=VALUES"),
        (["--vary", "commissioning.block_share=0.6..1.0:0.15"], "do not land on its end"),
        (["--vary", "commissioning.block_share=0.6,0.6"], "0.6 is given more than once"),
        (["--vary", "commissioning.block_shar=0.6,0.8"], "--vary commissioning.block_shar=0.6"),
        (["--minimise", "cheapness"], "--minimise 'cheapness': unknown metric"),
        (
            ["--require", "within_target_share[urgency=urgnt] >= 0.9"],
            "no figure within_target_share[urgency=urgnt] in these results (its groups: all,",
        ),
    ],
)
def test_bad_recommend_options_exit_2_naming_the_option(tmp_path, option, message):
    path = scenario_file(tmp_path, "Block")
    args = {"--vary": "commissioning.block_share=0.8,1.0", "--require": "breaches <= 5",
            "--minimise": "cost_total_per_year"}  # fmt: skip
    args[option[0]] = option[1]
    flat = [item for pair in args.items() for item in pair]
    result = main("recommend", str(path), *flat, "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_recommend_writes_its_answer_candidates_and_report(tmp_path):
    path = scenario_file(tmp_path, "Block")
    out = tmp_path / "out"
    result = main(
        "recommend", str(path), "--vary", "commissioning.block_share=0.6,1.0",
        "--require", "within_target_share >= 0.5", "--minimise", "cost_total_per_year",
        "--max-reps", "4", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    advice = json.loads((out / "recommendation.json").read_text("utf-8"))
    candidates = pd.read_csv(out / "candidates.csv", encoding="utf-8-sig")
    assert result.stdout.strip() == advice["answer"]
    assert len(candidates) == 2 and set(candidates["feasible"]) <= {"yes", "no", "uncertain"}
    assert advice["confidence"] == 0.95 and advice["replications_used"] <= 8
    assert "Recommendation" in (out / "report.html").read_text("utf-8")


def test_a_requirement_every_run_meets_exactly_is_not_trusted_before_the_limit():
    """No deadlines, so no breaches in any run: a zero-width interval. After 5 runs that
    says little about a rare event, so the verdict stays uncertain until max_reps and
    every option runs them all; then the cheapest is chosen."""
    results = study.recommend(
        mmc_options(), {ADVOCATES: [4.0, 5.0]}, "breaches <= 0.1", "cost_total_per_year",
        max_reps=6,
    )  # fmt: skip
    advice = results.recommendation
    assert advice["values"] == {ADVOCATES: 4.0}
    assert advice["replications_used"] == advice["replications_full_grid"] == 12


def test_a_provider_is_named_as_the_field_reference_writes_it():
    """``providers[0].advocates`` (the README's notation) and ``providers.0.advocates``
    vary the same field; float steps are named as written (0.8, not 0.7999999999999999)."""
    import numpy as np

    points = study.sweep_scenarios(
        mmc_options(), {"commissioning.providers[0].advocates": [2.0, 3.0]}
    )
    assert [p.commissioning.providers[0].advocates for p in points] == [2.0, 3.0]
    shares = study.grid_points({"commissioning.block_share": np.arange(0.6, 1.0, 0.1)})
    assert [p["commissioning.block_share"] for p in shares] == [0.6, 0.7, 0.8, 0.9]


def test_requirements_read_in_plain_english():
    words = [
        parse_requirement(text).words
        for text in (
            "within_target_share[urgency=urgent] >= 0.9",
            "breaches_per_year <= 6",
            "wait_mean_days[type=imca] < 3",
            "cost_total_per_year <= 400000",
        )
    ]
    assert words == [
        "at least 90% of urgent referrals allocated within target",
        "at most 6 breaches a year (processes going ahead without an advocate)",
        "mean wait to allocation for IMCA referrals less than 3 days",
        "cash cost per year at most £400,000",
    ]


def test_an_unsettled_answer_ends_with_the_command_that_would_settle_it():
    """Two options equal by construction (the same file twice, one value apart in a field
    that changes nothing) cannot be separated: the answer says how it was found, then the
    command with twice the replications."""
    results = study.recommend(
        mmc_options(), {ADVOCATES: [1.0, 2.0]}, ["wait_mean_days <= 0.01"],
        "cost_total_per_year", max_reps=4,
    )  # fmt: skip
    answer = results.recommendation["answer"]
    assert answer.index("Method: ") > answer.index("No option meets")
    command = study.settle_command(
        "county.yaml", {ADVOCATES: [1.0, 2.0]}, [parse_requirement("breaches_per_year <= 6")],
        "cost_total_per_year", 0.95, 8, None,
    )  # fmt: skip
    assert command == (
        "advocacy-sim recommend county.yaml --vary commissioning.providers.0.advocates=1.0,2.0 "
        "--require 'breaches_per_year <= 6' --minimise cost_total_per_year --confidence 0.95 "
        "--max-reps 8"
    )
