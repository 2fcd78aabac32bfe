"""A shock on some advocacy types only (``shocks[].types``): the named types' referral rate
is multiplied over the shock's days, the others keep theirs, so the total rises by the
named types' share and the mix shifts towards them while it lasts. A shock naming every
type, or none, is the shock of every type it always was."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulator.demand import draw_referrals
from simulator.model import simulate
from simulator.plan import (
    expected_referrals,
    expected_referrals_by_type,
    held_hours_per_year,
    plan_pools,
    rate_per_day,
)
from simulator.scenario import ScenarioError, load_scenario
from tests.helpers import build, county, figures, invoke

ROOT = Path(__file__).resolve().parents[1]
START, END, TIMES = 200.0, 400.0, 3.0  # IMCA referrals treble from day 200 to day 400
PER_DAY = 600.0 / 365.0  # county(): 600 referrals a year, care_act 0.7 and imca 0.3
SHARES = {"care_act": 0.7, "imca": 0.3}
DEADLINES = {"dist": "triangular", "low": 5, "mode": 10, "high": 28}


def shock(types: list[str] | None = None, multiplier: float = TIMES) -> list[dict]:
    given = {"start_day": START, "end_day": END, "multiplier": multiplier, "label": "x"}
    return [given if types is None else {**given, "types": types}]


def shocked(types: list[str] | None = None, multiplier: float = TIMES, **changes):
    return build(county(**changes), demand__shocks=shock(types, multiplier))


CALM = build(county())
IMCA = shocked(["imca"])


# (a) The named type's referrals rise by the multiplier over the window; the others do not.


def test_the_rate_rises_by_the_named_types_share_only_inside_the_window():
    days = np.array([START - 1, START, (START + END) / 2, END - 0.01, END, END + 1])
    ratio = rate_per_day(IMCA, days) / rate_per_day(CALM, days)
    inside = 0.7 + 0.3 * TIMES  # 1.6: care_act as it was, imca trebled
    np.testing.assert_allclose(ratio, [1, inside, inside, inside, 1, 1], rtol=1e-12)


def test_expected_referrals_by_type_add_the_shock_to_the_named_type_alone():
    calm, imca = expected_referrals_by_type(CALM), expected_referrals_by_type(IMCA)
    extra = PER_DAY * (END - START) * SHARES["imca"] * (TIMES - 1)  # 197.3 referrals
    assert imca["imca"] == pytest.approx(calm["imca"] + extra, rel=1e-9)
    assert imca["care_act"] == pytest.approx(calm["care_act"], rel=1e-9)
    assert sum(imca.values()) == pytest.approx(expected_referrals(IMCA), rel=1e-12)
    assert expected_referrals(IMCA) == pytest.approx(expected_referrals(CALM) + extra, rel=1e-9)


def test_seeded_counts_in_the_window_match_their_expectations():
    """200 seeded replications: each type's referrals arriving in the window, against the
    rate x its share (x the multiplier for IMCA). The z-scores measured: care_act +1.08,
    imca -0.25 (seed 5)."""
    reps = 200
    counts = []
    for rep in range(reps):
        ref = draw_referrals(IMCA, 5, rep)
        window = (ref.arrival_day >= START) & (ref.arrival_day < END) & (ref.initial == 0)
        counts.append([np.sum(window & (ref.type_index == t)) for t in (0, 1)])
    found = np.array(counts, dtype=float)
    days = END - START
    expected = np.array([PER_DAY * days * 0.7, PER_DAY * days * 0.3 * TIMES])  # 230.1, 295.9
    z = (found.mean(axis=0) - expected) / (found.std(axis=0, ddof=1) / np.sqrt(reps))
    assert np.all(np.abs(z) < 3), z
    # Poisson: each type's count varies as much as its mean (within a quarter).
    np.testing.assert_allclose(found.var(axis=0, ddof=1), expected, rtol=0.25)


def test_referrals_before_the_shock_are_the_same_referrals():
    """The shock moves nothing before its first day: the same arrivals, types and hours."""
    calm, imca = draw_referrals(CALM, 7, 0), draw_referrals(IMCA, 7, 0)
    before = calm.arrival_day < START
    n = int(before.sum())
    assert n > 250 and np.sum(imca.arrival_day < START) == n
    for name in ("arrival_day", "type_index", "hours", "urgent", "need_index"):
        np.testing.assert_array_equal(getattr(imca, name)[:n], getattr(calm, name)[:n])


def test_a_block_sized_on_expected_hours_counts_the_named_types_own_rise():
    calm, imca = held_hours_per_year(CALM, 10.0), held_hours_per_year(IMCA, 10.0)
    assert imca["care_act"] == pytest.approx(calm["care_act"], rel=1e-9)
    by_type = expected_referrals_by_type(IMCA)["imca"] / expected_referrals_by_type(CALM)["imca"]
    assert imca["imca"] == pytest.approx(calm["imca"] * by_type, rel=1e-9)
    assert plan_pools(IMCA)[0].slots > plan_pools(CALM)[0].slots  # block_share 1: 116 vs 103


# (b) A shock naming every type is the shock of every type, to the last bit.


def test_a_shock_naming_every_type_is_the_untyped_shock():
    every, untyped = shocked(["imca", "care_act"]), shocked(None)
    a, b = draw_referrals(every, 3, 1), draw_referrals(untyped, 3, 1)
    for name in a.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    table_a, _ = figures(every, reps=1)
    table_b, _ = figures(untyped, reps=1)
    assert table_a.equals(table_b)
    assert shocked([]).demand.shocks[0].types == []  # an empty list is every type too
    assert simulate(shocked([]), 0).referrals.type_index.tolist() == (
        simulate(untyped, 0).referrals.type_index.tolist()
    )


# (c) A type the mix does not have is a one-line error naming the file and the field.


def test_an_unknown_type_is_an_error_naming_the_file_line_and_field(tmp_path):
    path = tmp_path / "typed.yaml"
    path.write_text(
        f"extends: {ROOT / 'scenarios' / 'county-block-spot.yaml'}\n"
        "demand:\n"
        "  shocks:\n"
        "    - {start_day: 10, end_day: 20, multiplier: 2, types: [imca, rpx]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert error.value.problems == [
        f"{path}:4: demand.shocks.0.types.1: 'rpx': not an advocacy type of demand.mix; "
        "did you mean 'rpr'? (types: care_act, imca, imha, rpr, nhs_complaints, non_statutory)"
    ]
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert "demand.shocks.0.types.1: 'rpx'" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_type_in_a_demand_block_alone_is_an_error_too(tmp_path):
    path = tmp_path / "demand.yaml"
    path.write_text(
        "demand:\n"
        "  referrals_per_year: 100\n"
        "  mix:\n"
        "    care_act: {share: 1.0, hours: {dist: fixed, mean: 5}}\n"
        "  shocks:\n"
        "    - {start_day: 1, end_day: 5, multiplier: 2, types: [care_akt]}\n",
        encoding="utf-8",
    )
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert (
        f"{path}:6: demand.shocks.0.types.0: 'care_akt': not an advocacy type of demand.mix; "
        "did you mean 'care_act'? (types: care_act)"
    ) in result.output


def test_an_unknown_type_is_reported_beside_other_problems():
    with pytest.raises(ScenarioError) as error:
        build(county(), demand__shocks=shock(["welsh"]), demand__urgent_share=2.0)
    found = "\n".join(error.value.problems)
    assert "demand.urgent_share" in found
    assert "demand.shocks.0.types.0: 'welsh': not an advocacy type of demand.mix " in found


# (d) A typed shock that raises demand never flatters a fixed contract.


def test_raising_one_types_demand_never_lowers_the_cost_to_serve_or_breaches():
    """A block fixed at 6 advocates (about 86% busy without the shock), with deadlines and
    no overflow to spot: trebling IMCA for 200 days must cost no less to serve and breach no
    less, on the same seeds (common random numbers). Measured over 4 replications: breaches
    0.25 -> 802.75 (care_act 0 -> 442.5: the surge beside it delays the other type too),
    cost to serve GBP 328,500 -> 330,209 a year (the block's price is fixed; the people it
    leaves unserved are owed)."""
    fixed = {
        "commissioning__providers": [
            {"name": "A", "advocates": 6.0, "skills": ["care_act", "imca", "bsl"]}
        ],
        "demand__deadline_days": DEADLINES,
    }
    calm = build(county(**fixed))
    imca = build(county(**fixed), demand__shocks=shock(["imca"]))
    a, _ = figures(calm, reps=4)
    b, _ = figures(imca, reps=4)
    assert b["referrals", "type=imca"] > a["referrals", "type=imca"] + 100  # 197 more expected
    assert b["cost_to_serve_per_year", "all"] > a["cost_to_serve_per_year", "all"]
    assert b["breaches_per_year", "all"] >= a["breaches_per_year", "all"]
    assert b["breaches", "type=care_act"] >= a["breaches", "type=care_act"]


def test_a_type_in_capitals_is_told_its_label():
    data = {"demand": {"mix": {"rpr": {}, "imca": {}},
                       "shocks": [{"types": ["RPR"]}]}}  # fmt: skip
    from simulator.scenario import _unknown_shock_types

    ((_, label, message),) = _unknown_shock_types(data)
    assert label == "RPR" and "did you mean 'rpr'?" in message
