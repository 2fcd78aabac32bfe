"""Providers that leave (``exit_risk_per_year``, ``exit_day``): the steps of an exit by
hand, the exit process against its theory, replications without an exit unchanged, a
block gone for good against the spot market it falls back on, and never flattering.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.exits import draw_exits
from simulator.metrics import per_replication
from simulator.model import simulate
from simulator.scenario import ScenarioError
from simulator.units import DAYS_PER_YEAR
from tests.helpers import build, county, figures
from tests.micro import market, micro

PROVIDER = "commissioning__providers__0__"


def leaving(day: int, retender: int | None, **changes):
    """``micro``'s two slots with cases of 60 hours (2.5 days), its provider leaving on
    ``day`` without notice; a successor ``retender`` days later with every slot at once."""
    settings = {
        f"{PROVIDER}exit_day": day,
        f"{PROVIDER}notice_days": 0,
        "commissioning__retender_days": retender,
        "commissioning__mobilisation_start_share": 1.0,
        "commissioning__mobilisation_days": 0.0,
    }
    return micro(servers=2, hours=60.0, horizon=12.0, **{**settings, **changes})


def test_an_exit_and_a_successor_worked_by_hand():
    # One referral a day from day 1, cases of 2.5 days. Post 0 takes case 1 (1 to 3.5),
    # post 1 case 2 (2 to 4.5); case 3 waits for post 0 (3.5 to 6.0). On day 4 the
    # provider goes (before the referral due then): cases 2 and 3 go back to the front of
    # the queue, in order, with 0.5 and 2 days left, and with no spot market the referrals
    # of days 4 to 6 wait behind them. The successor starts on day 7 with both slots:
    # case 2 to 7.5, case 3 to 9.0; then case 4 at 7.5, case 5 at 9.0, case 6 at 10.0
    # and case 7 at 11.5 (waits count to the first allocation).
    records = simulate(leaving(4, retender=3), 0)
    assert records.allocated_day[:7].tolist() == [1.0, 2.0, 3.5, 7.5, 9.0, 10.0, 11.5]
    assert np.isnan(records.allocated_day[7:]).all()
    back = records.handed_back
    order = np.argsort(back.referral)  # (recorded as each went to the front: 2, then 1)
    assert back.referral[order].tolist() == [1, 2] and back.day.tolist() == [4.0, 4.0]
    assert back.taken_up_day[order].tolist() == [7.0, 7.0]
    assert records.close_day[1:3].tolist() == [7.5, 9.0]
    exits = records.exits
    assert exits.leave_day.tolist() == [4.0] and exits.start_day.tolist() == [7.0]
    assert exits.without_provider(0.0, 12.0) == 3.0


def test_no_block_is_paid_while_there_is_no_provider():
    # The block is paid each day it has a provider: 9 of the 12 days, at the same rate.
    scenario = leaving(4, retender=3, warm_up_days=0.0)
    base = leaving(4, retender=3, warm_up_days=0.0, **{f"{PROVIDER}exit_day": None})
    left, _ = figures(scenario)
    stayed, _ = figures(base)
    assert left["cost_block", "all"] == pytest.approx(stayed["cost_block", "all"] * 9 / 12)
    assert left["days_without_provider", "all"] == 3.0
    assert left["provider_exits", "all"] == 1.0
    # the three days' price is owed in the cost to serve, not saved
    years = 12 / 365
    owed = stayed["cost_block", "all"] * 3 / 12 / years
    assert left["cost_without_provider_per_year", "all"] == pytest.approx(owed)
    assert ("provider_exits", "all") not in stayed.index  # no risk: no exit figures


def test_without_a_retender_the_provider_stays_gone():
    records = simulate(leaving(4, retender=None), 0)
    assert math.isinf(records.exits.start_day[0])
    assert records.allocated_day[:3].tolist() == [1.0, 2.0, 3.5]
    assert np.isnan(records.allocated_day[3:]).all()  # nobody else: they all wait


def test_a_successor_mobilises_a_slot_at_a_time():
    # Ten slots, a successor on day 100 with 40% of them, the rest over 60 days: one more
    # slot every 10 days from day 110 (5 slots at 110, ..., 10 at 160).
    scenario = micro(
        servers=10, horizon=300.0,
        **{f"{PROVIDER}exit_day": 50, f"{PROVIDER}notice_days": 0,
           "commissioning__retender_days": 50, "commissioning__mobilisation_days": 60.0,
           "commissioning__mobilisation_start_share": 0.4},
    )  # fmt: skip
    changes = simulate(scenario, 0).plans[0].changes
    assert [(day, slots) for day, slots, _ in changes] == [
        (50.0, 0),
        (100.0, 4),
        *((pytest.approx(100.0 + 10 * k), 4 + k) for k in range(1, 7)),
    ]
    assert [hours > 0 for _, _, hours in changes] == [False] + [True] * 7  # paid in full


def test_a_successor_the_day_the_provider_leaves_keeps_the_transferred_cases():
    # A re-tender within the notice: the successor starts as the provider leaves, with
    # half the advocates transferred (TUPE) with their cases; the rest go to the queue.
    scenario = leaving(4, retender=0, **{"commissioning__tupe_share": 0.5,
                                         "commissioning__mobilisation_start_share": 0.5,
                                         "commissioning__mobilisation_days": 30.0})  # fmt: skip
    records = simulate(scenario, 0)
    assert [(d, s) for d, s, _ in records.plans[0].changes] == [(4.0, 1), (4.0, 1), (34.0, 2)]
    # the one slot left is post 0's, with case 3; post 1's case 2 goes back to the queue
    assert records.handed_back.referral.tolist() == [1]


# ------------------------------------------------------------------- theory


@pytest.mark.parametrize("risk,notice", [(0.05, 90), (0.3, 0)])
def test_the_chance_of_an_exit_in_the_term_matches_theory(risk, notice):
    # Notices come as a Poisson process whose chance of one in a year is the risk: the
    # provider leaves within [0, H) when its first notice comes before H - notice.
    scenario = build(county(), **{f"{PROVIDER}exit_risk_per_year": risk,
                                  f"{PROVIDER}notice_days": notice})  # fmt: skip
    horizon, reps = scenario.horizon_days, 4000
    left = np.array([
        draw_exits(list(scenario.commissioning.providers), scenario.commissioning,
                   scenario.seed, rep, horizon).left_within(0.0, horizon) > 0
        for rep in range(reps)
    ])  # fmt: skip
    expected = 1 - (1 - risk) ** ((horizon - notice) / DAYS_PER_YEAR)
    z = (left.mean() - expected) / math.sqrt(expected * (1 - expected) / reps)
    assert abs(z) < 3.5, (left.mean(), expected, z)


# ----------------------------------------------------- unchanged without an exit


def test_replications_without_an_exit_run_as_without_the_risk():
    risky = build(county(), **{f"{PROVIDER}exit_risk_per_year": 0.3})
    safe = build(county())
    compared = {"with": 0, "without": 0}
    for rep in range(8):
        a, b = simulate(risky, rep), simulate(safe, rep)
        if len(a.exits.pool):
            compared["with"] += 1
            continue
        compared["without"] += 1
        assert a.plans == b.plans
        for name in ("allocated_day", "close_day", "pool", "withdrawn", "end_day"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert compared["with"] and compared["without"]  # both kinds were met


# ------------------------------------------------- a block gone, spot after it


def arrivals_after(records, day: float) -> np.ndarray:
    return records.referrals.arrival_day >= day


def test_a_block_gone_for_good_serves_later_referrals_as_spot_only_does():
    # From day 200 the block is gone and never re-tendered: referrals from day 320 on (the
    # queue it left has long been bought spot) wait as they would with spot alone.
    exit_day, after, reps = 200, 320.0, 16
    data = county(
        **{
            "commissioning__overflow": {"rule": "expected_wait"},
            "commissioning__spot__arrangement_days": {"dist": "exponential", "mean": 5},
        }
    )
    gone = build(data, **{f"{PROVIDER}exit_day": exit_day, "commissioning__retender_days": None})
    spot_only = build(data, commissioning__model="spot_only")
    waits = {"gone": [], "spot": []}
    for rep in range(reps):
        for name, scenario in (("gone", gone), ("spot", spot_only)):
            records = simulate(scenario, rep)
            later = arrivals_after(records, after) & records.listed
            wait = records.allocated_day[later] - records.referrals.arrival_day[later]
            waits[name].append(np.nanmean(wait))
    gone_mean, spot_mean = np.mean(waits["gone"]), np.mean(waits["spot"])
    se = math.hypot(*(np.std(waits[k], ddof=1) / math.sqrt(reps) for k in ("gone", "spot")))
    assert abs(gone_mean - spot_mean) < 3 * se, (gone_mean, spot_mean, se)


# ------------------------------------------------------------ never flattering


@pytest.mark.parametrize(
    "leaving",
    [{"exit_day": 300}, {"exit_day": 300, "retender": None}, {"exit_risk_per_year": 0.3}],
    ids=["gap", "gone", "risk"],
)
def test_an_exit_never_makes_a_replication_cheaper_to_serve_even_with_cheap_spot(leaving):
    # Spot at half the block's rate: a gap's unpaid price is owed, not saved, so no
    # replication is cheaper to serve with the exit than the same replication without.
    data = county(commissioning__overflow={"rule": "expected_wait"},
                  commissioning__spot__rate_per_hour=20.0)  # fmt: skip
    leaving = dict(leaving)
    retender = leaving.pop("retender", 180)
    changes = {f"{PROVIDER}{key}": value for key, value in leaving.items()}
    risky = build(data, commissioning__retender_days=retender, **changes)
    safe = build(data)
    reps = range(6)
    cost = {
        name: per_replication([simulate(s, rep) for rep in reps], s)
        .query("metric == 'cost_to_serve_per_year' and group == 'all'")["value"]
        .to_numpy()
        for name, s in (("risky", risky), ("safe", safe))
    }
    assert (cost["risky"] >= cost["safe"] - 1e-6).all(), cost["risky"] - cost["safe"]


@pytest.mark.parametrize(
    ("rule", "retender"),
    [({"rule": "expected_wait"}, 180), ({"rule": "block_hours", "period": "year"}, None)],
    ids=["expected-wait", "block-hours-gone"],
)
def test_an_exit_never_makes_the_option_look_better(rule, retender):
    # block_hours once held people in a queue its hours allowed but its advocates could
    # not start, so an exit with no successor, sending them to spot, cut the mean wait.
    data = county(commissioning__overflow=rule)
    stays = build(data)
    leaves = build(data, commissioning__retender_days=retender, **{f"{PROVIDER}exit_day": 300})
    base, _ = figures(stays, reps=6)
    left, _ = figures(leaves, reps=6)
    assert left["within_target_share", "all"] < base["within_target_share", "all"]
    assert left["breaches", "all"] >= base["breaches", "all"]
    assert left["wait_mean_days", "all"] > base["wait_mean_days", "all"]
    assert left["cost_to_serve_per_year", "all"] >= base["cost_to_serve_per_year", "all"]
    # the gap's hours are owed and delivered to nobody: never fewer unused block hours
    assert left["block_hours_unused", "all"] > base["block_hours_unused", "all"]


# ----------------------------------------------------------------- validation


def test_a_certain_exit_is_refused_with_the_field_named():
    with pytest.raises(ScenarioError, match="exit_risk_per_year"):
        build(county(), **{f"{PROVIDER}exit_risk_per_year": 1.0})


def test_cases_a_provider_left_are_bought_spot_for_the_hours_they_had_left():
    # As the hand-worked exit, with a spot market of 10 one-case advocates agreeing a case
    # at once and no re-tender: on day 4 cases 2 and 3 (0.5 and 2 days left: 12 and 48
    # hours) are bought spot, and so is every referral from day 4 (60 hours each) at
    # once. Spot is paid 12 + 48 + 60 x 8 hours at its net rate (the council recovers
    # VAT by default).
    scenario = leaving(
        4, retender=None, warm_up_days=0.0,
        commissioning__spot={**market(10, 0.0), "rate_per_hour": 50.0, "mileage_rate": 0.0},
        commissioning__overflow={"rule": "expected_wait"},
    )  # fmt: skip
    records = simulate(scenario, 0)
    spot = len(records.plans) - 1
    assert records.pool[1:11].tolist() == [spot] * 10
    assert records.allocated_day[3:11].tolist() == [4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]
    assert records.handed_back.taken_up_day.tolist() == [4.0, 4.0]
    table, _ = figures(scenario)
    assert table["spot_hours", "all"] == pytest.approx(12 + 48 + 60 * 8)
    assert table["cost_spot_hours", "all"] == pytest.approx(50.0 * (12 + 48 + 60 * 8))


def test_the_cost_with_the_risk_is_the_exit_weighted_average_of_the_two_conditional_runs():
    # E[cost] = P(exit) E[cost | exit] + (1 - P(exit)) E[cost | none], with P(exit) from
    # theory (a notice before the run ends less the notice), E[cost | none] from the run
    # without the risk, and E[cost | exit] from the replications in which one left.
    risk, reps = 0.3, 40
    risky = build(county(), **{f"{PROVIDER}exit_risk_per_year": risk})
    safe = build(county())
    runs = {
        name: [simulate(scenario, rep) for rep in range(reps)]
        for name, scenario in (("risky", risky), ("safe", safe))
    }
    cost = {
        name: per_replication(records, scenario)
        .query("metric == 'cost_to_serve_per_year' and group == 'all'")["value"]
        .to_numpy()
        for (name, records), scenario in zip(runs.items(), (risky, safe), strict=True)
    }
    left = np.array([len(records.exits.pool) > 0 for records in runs["risky"]])
    run_days = (
        risky.horizon_days + risky.follow_up_days - risky.commissioning.providers[0].notice_days
    )
    chance = 1 - (1 - risk) ** (run_days / DAYS_PER_YEAR)
    weighted = chance * cost["risky"][left].mean() + (1 - chance) * cost["safe"].mean()
    se = cost["risky"].std(ddof=1) / math.sqrt(reps)
    assert abs(cost["risky"].mean() - weighted) < 3 * se, (cost["risky"].mean(), weighted, se)
    np.testing.assert_array_equal(cost["risky"][~left], cost["safe"][~left])


# -------------------------------------------------------------------- the report


def test_the_report_shows_each_option_where_a_provider_left_and_where_none_did(tmp_path):
    # A known exit on day 300 in one option, none in the other: the split is the
    # option's own figures (every replication had the exit), and the option without
    # the risk has no row.
    import simulator
    from simulator import files, report

    leaves = build(county(name="Leaves"), **{f"{PROVIDER}exit_day": 300})
    stays = build(county(name="Stays"))
    folder = simulator.compare([leaves, stays], reps=2, workers=1).write(tmp_path / "out")
    saved = files.load(folder)
    means = saved.summary.set_index(["scenario", "metric", "group"])["mean"]
    assert means["Leaves", "exit_risk_in_term", "all"] == 1.0
    assert means["Leaves", "cost_to_serve_per_year", "exit=yes"] == pytest.approx(
        means["Leaves", "cost_to_serve_per_year", "all"]
    )
    assert ("Leaves", "cost_to_serve_per_year", "exit=no") not in means.index
    assert ("Stays", "exit_risk_in_term", "all") not in means.index
    page = report.build_html(saved)
    section = page[page.index("<h2>If a provider leaves</h2>") :]
    section = section[: section.index("</table>")]
    assert "Leaves" in section and "Stays" not in section
    assert "100% of 2" in section
    assert "no replication" in section  # where none left: not a figure of zero
    # the option's card says how its provider leaves and what follows
    assert "A: leaves on day 300; 90 days without a provider after its 90 days&#x27; notice" in page


# ------------------------------------------------------------- what validate says


def test_validate_says_the_chance_of_an_exit_and_the_gap(tmp_path):
    from tests.helpers import invoke, scenario_file

    path = scenario_file(
        tmp_path, "Risky",
        **{"caseload_cap: 10}": "caseload_cap: 10, exit_risk_per_year: 0.2, notice_days: 30}"},
    )  # fmt: skip
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output
    # horizon 200 days: 1 - 0.8 ** (170 / 365) = 9.9%; gap 180 - 30 = 150 days
    assert (
        "Provider A: 20% a year exit risk, 10% chance it leaves before the horizon; 150 days "
        "without a provider after its 30 days' notice" in result.output
    )


def test_validate_warns_of_an_exit_after_the_run_and_a_transfer_that_never_happens(tmp_path):
    from tests.helpers import invoke, scenario_file

    path = scenario_file(
        tmp_path, "Late",
        **{"caseload_cap: 10}": "caseload_cap: 10, exit_day: 900}",
           "model: single_provider": "model: single_provider\n  tupe_share: 0.5"},
    )  # fmt: skip
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output
    assert "exit_day: 900 is after the run ends" in result.output
    assert "tupe_share: 0.5 never applies" in result.output


def test_the_exit_risk_in_the_term_counts_exits_within_the_term_only():
    # A known exit on day 400: inside a two-year term, outside a one-year term (both
    # inside the 730-day horizon).
    for term, inside in ((2, 1.0), (1, 0.0)):
        scenario = build(county(), **{f"{PROVIDER}exit_day": 400,
                                      "commissioning__term_years": term})  # fmt: skip
        table, _ = figures(scenario)
        assert table["exit_risk_in_term", "all"] == inside
        assert table["provider_exits", "all"] == 1.0  # in the measured window either way
        # the split is by whether a provider left in the run, whatever the term
        assert ("cost_to_serve_per_year", "exit=yes") in table.index
        assert ("cost_to_serve_per_year", "exit=no") not in table.index


# ------------------------------------------ nobody left waiting for a provider gone


@pytest.mark.parametrize("rule", [{"rule": "queue_length", "threshold": 2},
                                  {"rule": "expected_wait"}, {"rule": "block_hours"}])  # fmt: skip
def test_after_the_block_is_gone_every_referral_spot_can_serve_is_bought_spot(rule):
    # With no provider, the block is full however few wait: under every overflow rule the
    # referrals after the exit go to spot rather than queue for nobody.
    data = county(commissioning__overflow=rule)
    scenario = build(data, **{f"{PROVIDER}exit_day": 200, "commissioning__retender_days": None})
    records = simulate(scenario, 0)
    spot = len(records.plans) - 1
    after = arrivals_after(records, 200.0) & records.listed
    assert (records.pool[after] == spot).all()
    assert not np.isnan(records.allocated_day[after]).any()


def test_in_a_hub_the_only_partner_with_a_specialism_gone_sends_its_referrals_to_spot():
    # Partner B alone has BSL advocates and leaves on day 200 for good: those waiting for
    # it then, its open cases, and every BSL referral after go to spot (which serves
    # BSL); nobody is left in the hub queue for a partner that is gone.
    data = county("hub", commissioning__overflow={"rule": "expected_wait"})
    data["commissioning"]["providers"] = [
        {"name": "A", "skills": ["care_act", "imca"], "working_days": "every_day"},
        {"name": "B", "skills": ["care_act", "imca", "bsl"], "working_days": "every_day",
         "exit_day": 200},
    ]  # fmt: skip
    scenario = build(data, commissioning__retender_days=None)
    for rep in range(3):
        records = simulate(scenario, rep)
        bsl = records.referrals.need_index == 0
        after = arrivals_after(records, 200.0) & bsl & records.listed
        assert after.any()
        assert not np.isnan(records.allocated_day[after]).any()
        back = records.handed_back
        assert not np.isnan(back.taken_up_day).any()  # B's open cases were taken up


# ------------------------------------------- exits outside the measured days


def test_an_exit_in_the_follow_up_counts_as_an_exit_not_as_none():
    # A block of rule none that leaves for good after the horizon, while people referred
    # in the measured days still wait for it: their figures change, so the replication
    # is one where a provider left.
    data = county(commissioning__overflow={"rule": "none"}, commissioning__block_share=0.7)
    horizon = int(data["horizon_days"])
    leaves = build(data, commissioning__retender_days=None,
                   **{f"{PROVIDER}exit_day": horizon + 5})  # fmt: skip
    table, records = figures(leaves)
    assert records[0].followed_to > horizon + 5  # the run went on past the exit
    assert table["provider_exits", "all"] == 1
    assert ("wait_mean_days", "exit=yes") in table.index
    assert ("wait_mean_days", "exit=no") not in table.index


def test_an_exit_in_the_warm_up_counts_as_one_everywhere():
    data = county()
    leaves = build(data, **{f"{PROVIDER}exit_day": 30, f"{PROVIDER}notice_days": 10})
    table, _ = figures(leaves)
    assert table["provider_exits", "all"] == 1
    assert table["exit_risk_in_term", "all"] == 1
    assert ("cost_to_serve_per_year", "exit=yes") in table.index
    assert table["days_without_provider", "all"] > 0  # its gap runs on into the window


def test_validate_warns_of_an_exit_after_the_horizon(tmp_path):
    from tests.helpers import invoke, scenario_file

    path = scenario_file(
        tmp_path, "Late", **{"caseload_cap: 10}": "caseload_cap: 10, exit_day: 210}"}
    )
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output
    assert "exit_day: 210 is after the horizon (day 200)" in result.output


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        (
            {"retender_days": 90, "tupe_share": 1.0},
            "a successor from the day it leaves after its 90 days' notice, with all of the slots "
            "at once (100% of the advocates transfer with their cases)",
        ),
        (
            {"retender_days": 90, "tupe_share": 0.2},
            "with 50% of the slots, all of them after 90 days (20% of the advocates transfer",
        ),
        (
            {"retender_days": 180, "mobilisation_days": 0},
            "90 days without a provider after its 90 days' notice, then a successor with all of "
            "the slots at once",
        ),
        (
            {"retender_days": 180, "tupe_share": 1.0},  # nobody transfers across a gap
            "90 days without a provider after its 90 days' notice, then a successor with 50% of "
            "the slots, all of them after 90 days",
        ),
    ],
    ids=["tupe-all", "tupe-some", "no-ramp", "tupe-across-a-gap"],
)
def test_the_successor_is_described_as_it_runs(settings, words):
    from simulator.exits import exit_lines

    changes = {f"commissioning__{key}": value for key, value in settings.items()}
    scenario = build(county(), **{f"{PROVIDER}exit_day": 300}, **changes)
    commissioning = scenario.commissioning
    [line] = exit_lines(list(commissioning.providers), commissioning, scenario.horizon_days)
    assert words in line, line


def test_the_report_counts_the_replications_its_split_shows_when_the_term_is_shorter(tmp_path):
    # An exit in the second year of a one-year term: outside the term (its chance in the
    # term is 0), but every replication is one where a provider left, as the split says.
    import simulator
    from simulator import files, report

    leaves = build(county(name="Leaves"), commissioning__term_years=1,
                   **{f"{PROVIDER}exit_day": 400})  # fmt: skip
    folder = simulator.run(leaves, reps=2, workers=1).write(tmp_path / "out")
    saved = files.load(folder)
    means = saved.summary.set_index(["metric", "group"])["mean"]
    assert means["exit_risk_in_term", "all"] == 0.0
    page = report.build_html(saved)
    section = page[page.index("<h2>If a provider leaves</h2>") :]
    section = section[: section.index("</table>")]
    assert "100% of 2" in section
