"""The workforce's figures worked by hand: hours worked with absences modelled, people
handed back and never taken up again, and the workforce totals of group ``all``."""

from __future__ import annotations

import numpy as np
import pytest

import simulator.model
from simulator.briefing import wait_notes
from simulator.metrics import cases_frame, council_rate, owed_costs, per_replication, summarise
from simulator.model import simulate
from tests.helpers import build, mmc_data
from tests.micro import micro
from tests.test_workforce import hand_built

REPS = 10

LEAVE = {"leave_days_per_year": 10.0, "leave_block_days": 10.0, "cover_after_days": 10.0}


def figures(records, scenario):
    return per_replication([records], scenario).set_index(["metric", "group"])["value"]


def test_hours_delivered_are_the_hours_worked_when_absences_are_modelled(monkeypatch):
    # One advocate working every day, 24 hours a day, cases of exactly 12 hours, one a day
    # from day 1 to day 364; a year's leave is one block of 10 days (326 to 336), which
    # pauses the case then open. Every case is done by day 365: 364 x 12 = 4,368 hours were
    # worked. The planned share at work (355 / 365) must not scale them down again: the
    # run already took the leave out (4,368 x 0.9726 = 4,248.33 would count it twice).
    monkeypatch.setattr(
        simulator.model, "draw_absences", lambda *args: hand_built([(0, 326.0, 336.0, False)])
    )
    scenario = micro(hours=12.0, horizon=365.0, commissioning__providers__0__workforce=LEAVE)
    records = simulate(scenario, 0)
    assert (records.end_day < 365.0).all() and len(records.end_day) == 364
    figure = figures(records, scenario)
    assert figure["hours_delivered", "all"] == pytest.approx(4368.0, rel=1e-12)
    assert figure["block_hours_used", "all"] == pytest.approx(4368.0, rel=1e-12)
    contracted = figure["block_hours_contracted", "all"]
    assert contracted == pytest.approx(168.0 * 365 / 7)  # bought as one advocate: 8,760
    assert figure["block_hours_unused", "all"] == pytest.approx(contracted - 4368.0)
    assert figure["block_utilisation", "all"] == pytest.approx(4368.0 / contracted)
    cost = figure["cost_total", "all"]
    assert figure["cost_per_hour_delivered", "all"] == pytest.approx(cost / 4368.0)


def test_hours_worked_split_exactly_across_a_hand_back(monkeypatch):
    # The timeline of tests/test_workforce.py: two posts, cases of 36 hours (1.5 days), one
    # a day from day 1 to day 9, post 0 vacant from 3.25 to 6.25. Case 3 (day 3) is handed
    # back at 3.25 with 30 hours left (1.25 of its 1.5 days) and taken up again at 3.5.
    # Cases 1 to 8 are done by the horizon (9.5): 8 x 36 hours; case 9 runs 9.25 to 10.75,
    # a sixth of it inside: 6 hours. 294 hours in all, case 3's split 6 + 30.
    monkeypatch.setattr(
        simulator.model, "draw_absences", lambda *args: hand_built([(0, 3.25, 6.25, True)])
    )
    workforce = {"turnover_per_year": 0.1, "cover_after_days": 10.0, **LEAVE}
    scenario = micro(servers=2, hours=36.0, commissioning__providers__0__workforce=workforce)
    records = simulate(scenario, 0)
    assert records.handed_back.hours_left.tolist() == [30.0]
    assert figures(records, scenario)["hours_delivered", "all"] == pytest.approx(294.0)


def leaver(monkeypatch, vacant_until: float, **changes):
    """One post, half-day cases one a day from day 1; the advocate leaves at 3.25 (case 3,
    from day 3, half done) and the post stands vacant until ``vacant_until``."""
    monkeypatch.setattr(
        simulator.model, "draw_absences", lambda *a: hand_built([(0, 3.25, vacant_until, True)])
    )
    workforce = {"turnover_per_year": 0.1, "new_starter_ramp_days": 0.0}
    scenario = micro(hours=12.0, commissioning__providers__0__workforce=workforce, **changes)
    return scenario, simulate(scenario, 0)


def test_a_person_handed_back_and_never_taken_up_again_is_unserved(monkeypatch):
    # The horizon is 9.5 and the follow-up 5 days, to 14.5; the post is vacant to day 100.
    # Case 3 is handed back at 3.25 and nobody takes it up again: with cases 4 to 9, never
    # allocated, that is 7 people unserved. Its wait (0) and its allocation within target
    # stay measured to its first allocation.
    scenario, records = leaver(monkeypatch, 100.0, follow_up_days=5.0)
    assert records.handed_back.referral.tolist() == [2]
    assert np.isnan(records.handed_back.taken_up_day).all()
    figure = figures(records, scenario)
    assert figure["unserved", "all"] == 7
    assert figure["never_taken_up_again", "all"] == 1
    assert figure["still_waiting_after_follow_up", "all"] == 6
    assert figure["unserved_per_year", "all"] == pytest.approx(7 / (9.5 / 365))
    # cases 1 to 3 within target, of the 7 whose target has passed or who were allocated
    assert figure["within_target_share", "all"] == pytest.approx(3 / 7)
    cases = cases_frame([records], scenario)
    assert cases["outcome"].tolist()[:4] == [
        "allocated", "allocated", "never_taken_up_again", "still_waiting",
    ]  # fmt: skip
    assert cases["wait_days"].tolist()[2] == 0.0
    # Owed: cases 4 to 9's 12 hours each and the 6 hours case 3 had left, at the block rate
    # (the only route): an option whose advocate leaves is not cheaper for what it left undone.
    plan = records.plans[0]
    rate = council_rate(plan, plan.rate_per_hour, scenario.costing)
    assert owed_costs(records, scenario) == pytest.approx((6 * 12.0 + 6.0) * rate)
    [note] = wait_notes(summarise(per_replication([records], scenario), "S"))[1:]
    assert "1.0 handed back to the queue and never taken up again" in note


def test_the_follow_up_runs_on_while_a_person_waits_again(monkeypatch):
    # Referrals at days 1, 2 and 3 only (horizon 3.5): everyone is allocated by the horizon,
    # but case 3 waits again from 3.25. The follow-up goes on until the new starter (day 6)
    # takes it up again, not stopping at the horizon with it counted unserved.
    scenario, records = leaver(monkeypatch, 6.0, horizon=3.5, follow_up_days=5.0)
    assert records.handed_back.taken_up_day.tolist() == [6.0]
    assert records.followed_to == 6.0
    figure = figures(records, scenario)
    assert figure["unserved", "all"] == 0 and figure["never_taken_up_again", "all"] == 0


def test_more_turnover_never_leaves_fewer_people_unserved():
    # Common random numbers: the same referrals under each turnover. Leavers hand their
    # cases back and their posts stand empty, so more of them must never serve more people.
    def unserved(turnover: float) -> np.ndarray:
        workforce = {
            "turnover_per_year": turnover,
            "recruitment_days": {"dist": "fixed", "mean": 120.0},
            "cover_after_days": 0.0,
        }
        scenario = build(
            mmc_data(servers=3, arrivals_per_day=2.0, mean_service_days=1.2, horizon_days=365.0),
            commissioning__providers__0__workforce=workforce, follow_up_days=20.0,
        )  # fmt: skip
        values = []
        for rep in range(REPS):
            figure = figures(simulate(scenario, rep), scenario)
            values.append(figure["unserved", "all"])
        return np.array(values)

    low, high = unserved(0.5), unserved(3.0)
    difference = high - low
    half_width = 2.0 * difference.std(ddof=1) / np.sqrt(REPS)
    assert difference.mean() > half_width  # more turnover: clearly more unserved
    assert difference.mean() + half_width >= 0


def test_workforce_totals_add_up_the_block_and_its_flex_not_spot(monkeypatch):
    # A block slot and a flex slot from provider A, and a spot market; each with a workforce
    # and its own spells: the block's advocate off sick a day, the flex post vacant 2 days,
    # a spot post vacant 3. Group "all" adds the block and its flex (the council's own
    # providers), not the spot market, whose advocates work for other buyers too.
    from tests.test_markets import core_and_flex

    spells = {"A": [(0, 1.0, 2.0, False)], "A flex": [(0, 2.0, 4.0, True)]}
    monkeypatch.setattr(
        simulator.model,
        "draw_absences",
        lambda plan, *rest: hand_built(spells.get(plan.name, [(0, 1.0, 4.0, True)])),
    )
    workforce = {"turnover_per_year": 0.1, "cover_after_days": 10.0}
    scenario = build(
        core_and_flex(3.0),
        commissioning__providers__0__workforce=workforce,
        commissioning__providers__0__flex__workforce=workforce,
        commissioning__spot__workforce=workforce,
    )
    figure = figures(simulate(scenario, 0), scenario)
    spot = next(g for m, g in figure.index if m == "vacancy_days" and g.startswith("pool=spot"))
    assert figure["vacancy_days", "provider=A"] == 0
    assert figure["vacancy_days", "pool=A flex"] == 2
    assert figure["vacancy_days", spot] == 3
    assert figure["vacancy_days", "all"] == 2  # not 0 (the block alone), nor 5 (with spot)
    assert figure["hours_lost_sickness", "all"] == figure["hours_lost_sickness", "provider=A"] > 0
    assert figure["hours_lost_vacancy", "all"] == pytest.approx(48.0)  # flex: 2 days x 24 hours
    assert figure["advocates_in_post_mean", "all"] == figure["advocates_in_post_mean", "provider=A"]
