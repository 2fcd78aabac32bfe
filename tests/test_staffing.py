"""The workforce's figures, the block's staffing and what a worse workforce does to the
headline: hand-worked arithmetic on spells fixed by the test, and sizing by formula."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import model
from simulator.plan import at_work_share, block_size, expected_staffing, plan_pools
from simulator.units import DAYS_PER_WEEK, DAYS_PER_YEAR
from simulator.workforce import LEAVE, SICKNESS, VACANCY, Absences
from tests.helpers import build, county, figures, invoke

HOURS_PER_DAY = 37.5 * 0.7 / DAYS_PER_WEEK  # a post's casework hours a calendar day


def fixed_spells(**_: object) -> Absences:
    """Post 0 on leave days 100 to 105 (5 days), sick 200 to 202; post 1 vacant from day
    300 to 360, its new starter with every slot on the first day."""
    return Absences(
        advocate=np.array([0, 0, 1]),
        start=np.array([100.0, 200.0, 300.0]),
        end=np.array([105.0, 202.0, 360.0]),
        days=np.array([5.0, 2.0, 60.0]),
        vacant=np.array([False, False, True]),
        piece_advocate=np.array([0, 0, 1]),
        piece_start=np.array([100.0, 200.0, 300.0]),
        piece_end=np.array([105.0, 202.0, 360.0]),
        piece_days=np.array([5.0, 2.0, 60.0]),
        piece_cause=np.array([LEAVE, SICKNESS, VACANCY]),
        grow_advocate=np.array([], dtype=np.int64),
        grow_day=np.array([]),
    )


def two_posts(credit: bool = False):
    """A block of two advocates (40 slots) over a year after a 60-day warm-up."""
    return build(
        county(),
        horizon_days=425.0,
        commissioning__providers__0__advocates=2.0,
        commissioning__providers__0__workforce={
            "turnover_per_year": 0.1,
            "vacancy_credit": credit,
        },
    )


def values_with_fixed_spells(monkeypatch, scenario):
    monkeypatch.setattr(model, "draw_absences", lambda *args, **kwargs: fixed_spells())
    values, _ = figures(scenario)
    return values


def test_a_block_of_advocates_costs_their_time_whatever_their_absence():
    """Bought as advocates, the block's hours and cost do not fall as they are away more."""
    away = {"leave_days_per_year": 30, "sickness_days_per_year": 20}
    plain = build(county(), commissioning__providers__0__advocates=4.0)
    absent = build(plain.to_plain(), commissioning__providers__0__workforce=away)
    assert block_size(absent, absent.commissioning.providers[0]) == block_size(
        plain, plain.commissioning.providers[0]
    )


def test_hours_lost_vacancy_days_and_posts_filled_are_the_spells_worked_by_hand(monkeypatch):
    values = values_with_fixed_spells(monkeypatch, two_posts())
    measured = 425.0 - 60.0
    assert values["hours_lost_leave", "all"] == pytest.approx(5 * HOURS_PER_DAY)
    assert values["hours_lost_sickness", "all"] == pytest.approx(2 * HOURS_PER_DAY)
    assert values["hours_lost_vacancy", "all"] == pytest.approx(60 * HOURS_PER_DAY)
    assert values["vacancy_days", "all"] == pytest.approx(60.0)
    assert values["advocates_in_post_mean", "all"] == pytest.approx(2 - 60 / measured)
    # FTE at work in contract year 1 (days 60 to 365): 2 less the 5 + 2 + 60 days away
    assert values["fte_at_work", "year=1"] == pytest.approx(2 - 67 / 305)


def test_the_council_pays_for_vacant_posts_unless_the_contract_credits_them(monkeypatch):
    paid = values_with_fixed_spells(monkeypatch, two_posts(credit=False))
    credited = values_with_fixed_spells(monkeypatch, two_posts(credit=True))
    share = 60 / (2 * (425.0 - 60.0))  # post-days vacant over post-days contracted
    assert paid["cost_block_vacant", "all"] == pytest.approx(paid["cost_block", "all"] * share)
    assert credited["cost_block_vacant", "all"] == 0.0
    assert credited["cost_block", "all"] == pytest.approx(paid["cost_block", "all"] * (1 - share))


def test_a_block_is_staffed_for_planned_absence_but_not_for_vacancies():
    """Sized by block_share, 30 days' leave a year (every_day) buys 365/335 the slots for
    the same hours; turnover buys no more."""
    plain = build(county())
    leave = build(county(), commissioning__providers__0__workforce={"leave_days_per_year": 30})
    both = build(
        county(),
        commissioning__providers__0__workforce={"leave_days_per_year": 30,
                                                "turnover_per_year": 0.5},
    )  # fmt: skip
    slots, hours = block_size(plain, plain.commissioning.providers[0])
    more, same = block_size(leave, leave.commissioning.providers[0])
    assert at_work_share(leave.commissioning.providers[0].workforce, False) == 335 / 365
    assert more == round(slots * 365 / 335) or abs(more - slots * 365 / 335) < 1
    assert same == pytest.approx(hours, rel=0.02)  # whole slots: within a slot's hours
    assert block_size(both, both.commissioning.providers[0]) == (more, same)
    assert plan_pools(leave)[0].slots == more


def test_validate_prints_the_staffing_a_block_is_expected_to_have(tmp_path):
    scenario = build(
        county(),
        commissioning__providers__0__advocates=5.0,
        commissioning__providers__0__workforce={
            "leave_days_per_year": 36.5, "turnover_per_year": 0.5,
            "recruitment_days": {"dist": "fixed", "mean": 73.0},
        },
    )  # fmt: skip
    (staff,) = expected_staffing(scenario)
    # 5 FTE; at work 90% of days (36.5 of 365) x filled 730 / (730 + 73) of the time
    assert staff.fte == 5.0
    assert staff.fte_at_work == pytest.approx(5 * 0.9 * 730 / 803)
    assert staff.hours_at_work == pytest.approx(staff.hours_never_away * 0.9 * 730 / 803)
    path = tmp_path / "five.yaml"
    path.write_text(scenario.to_yaml(), encoding="utf-8")
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output
    assert "A: 5.0 FTE contracted" in result.output
    assert f"{5 * 0.9 * 730 / 803:,.1f} FTE expected at work" in result.output


@pytest.mark.parametrize("worse", [
    {"turnover_per_year": 0.6},
    {"sickness_days_per_year": 25.0, "turnover_per_year": 0.1},
])  # fmt: skip
def test_a_worse_workforce_never_improves_the_headline(worse):
    """Same referrals (common random numbers), the same block of six advocates, its
    workforce made worse: the cost to serve, the breaches and the share within target
    never look better. (A block bought as hours is staffed for the sickness its provider
    plans for: more sickness buys more slots at the same cost; see the test above.)"""
    better = {"turnover_per_year": 0.1, "recruitment_days": {"dist": "fixed", "mean": 120.0}}
    base = county(commissioning__providers__0__workforce=better,
                  commissioning__providers__0__advocates=6.0)  # fmt: skip
    good, _ = figures(build(base), reps=6)
    bad, _ = figures(
        build(base, commissioning__providers__0__workforce={**better, **worse}), reps=6
    )
    assert bad["cost_to_serve_per_year", "all"] >= good["cost_to_serve_per_year", "all"]
    assert bad["breaches_per_year", "all"] >= good["breaches_per_year", "all"]
    assert bad["within_target_share", "all"] <= good["within_target_share", "all"]
    assert bad["hours_lost_vacancy", "all"] + bad["hours_lost_sickness", "all"] > (
        good["hours_lost_vacancy", "all"] + good["hours_lost_sickness", "all"]
    )


def test_a_workforce_day_counts_a_posts_casework_hours_at_its_working_days():
    """Under weekdays a post's week of casework is given over five days, so a day away
    loses a fifth of a week's hours (a seventh under every_day)."""
    from simulator.staffing import casework_hours_per_day

    weekdays = build(county(), commissioning__providers__0__working_days="weekdays",
                     commissioning__providers__0__advocates=2.0)  # fmt: skip
    every_day = build(county(), commissioning__providers__0__advocates=2.0)
    week = 37.5 * 0.7
    assert casework_hours_per_day(plan_pools(weekdays)[0]) == pytest.approx(week / 5)
    assert casework_hours_per_day(plan_pools(every_day)[0]) == pytest.approx(week / 7)
    assert DAYS_PER_YEAR == 365.0


# ----------------------------------------------------------------- part-time posts


def part_time_posts(credit: bool = False):
    """A block of 1.4 FTE at a caseload of 5: 7 slots dealt out to two posts, 4 and 3, so
    post 0 is 0.8 FTE and post 1 is 0.6 (the spells of ``fixed_spells``: post 0 on leave
    5 days and sick 2, post 1 vacant 60 days)."""
    return build(
        county(),
        horizon_days=425.0,
        commissioning__providers__0__advocates=1.4,
        commissioning__providers__0__caseload_cap=5,
        commissioning__providers__0__workforce={
            "turnover_per_year": 0.1,
            "vacancy_credit": credit,
        },
    )


def test_posts_are_dealt_their_slots_and_fte_from_one_source():
    """``PoolPlan.post_slots`` deals the slots as the live pool does (slot s to post s mod
    the posts); a post's FTE is its slots over the cap, and they add up to the block's."""
    plan = plan_pools(part_time_posts())[0]
    assert plan.slots == 7 and plan.advocates == 2
    assert plan.post_slots() == [4, 3]
    assert plan.post_fte().tolist() == pytest.approx([0.8, 0.6])
    big = plan_pools(build(county(), commissioning__providers__0__advocates=8.4,
                           commissioning__providers__0__caseload_cap=10))[0]  # fmt: skip
    assert big.post_fte().tolist() == pytest.approx([1.0] * 3 + [0.9] * 6)
    assert big.post_fte().sum() == pytest.approx(8.4)
    from simulator.providers import Pool

    assert sorted(Pool(plan, 2).free) == [0, 0, 0, 0, 1, 1, 1]  # the live pool: 4 and 3


def test_part_time_posts_count_by_their_fte_worked_by_hand(monkeypatch):
    """Each post weighs its FTE: the 0.8 post's 5 days' leave lose 5 x 0.8 of a whole-time
    post's casework hours a day, the 0.6 post's 60 days vacant 60 x 0.6; in post and at
    work are 1.4 FTE less the FTE-days away; the council pays for 60 x 0.6 FTE-days of
    1.4 x 365 vacant (counting each post whole gave 2 in post, and 60 days of 2 x 365)."""
    values = values_with_fixed_spells(monkeypatch, part_time_posts())
    measured = 425.0 - 60.0
    assert values["hours_lost_leave", "all"] == pytest.approx(5 * 0.8 * HOURS_PER_DAY)
    assert values["hours_lost_sickness", "all"] == pytest.approx(2 * 0.8 * HOURS_PER_DAY)
    assert values["hours_lost_vacancy", "all"] == pytest.approx(60 * 0.6 * HOURS_PER_DAY)
    assert values["vacancy_days", "all"] == pytest.approx(60.0)  # post-days
    assert values["advocates_in_post_mean", "all"] == pytest.approx(1.4 - 60 * 0.6 / measured)
    assert values["block_advocates_fte", "all"] == pytest.approx(1.4)
    # FTE at work in contract year 1 (days 60 to 365)
    away = 5 * 0.8 + 2 * 0.8 + 60 * 0.6
    assert values["fte_at_work", "year=1"] == pytest.approx(1.4 - away / 305)
    paid = values_with_fixed_spells(monkeypatch, part_time_posts(credit=False))
    credited = values_with_fixed_spells(monkeypatch, part_time_posts(credit=True))
    share = 60 * 0.6 / (1.4 * measured)  # FTE-days vacant over FTE-days contracted
    assert paid["cost_block_vacant", "all"] == pytest.approx(paid["cost_block", "all"] * share)
    assert credited["cost_block", "all"] == pytest.approx(paid["cost_block", "all"] * (1 - share))


def test_part_time_posts_at_work_day_by_day_worked_by_hand(monkeypatch):
    """The daily ``advocates_at_work`` is FTE: 1.4 with nobody away, 0.6 while the 0.8
    post is on leave or sick, 0.8 while the 0.6 post is vacant."""
    from simulator.metrics import daily_frame

    scenario = part_time_posts()
    monkeypatch.setattr(model, "draw_absences", lambda *args, **kwargs: fixed_spells())
    daily = daily_frame([model.simulate(scenario, 0)], scenario).set_index("day")
    at_work = daily["advocates_at_work[A]"]
    expected = {60: 1.4, 99: 1.4, 100: 0.6, 104: 0.6, 105: 1.4, 201: 0.6, 299: 1.4,
                300: 0.8, 359: 0.8, 360: 1.4, 424: 1.4}  # fmt: skip
    for day, fte in expected.items():
        assert at_work[day] == pytest.approx(fte, abs=1e-12), day
