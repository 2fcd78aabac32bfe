"""Payment bands: a block paid for the hours it delivered, held between a collar and a
cap of its contracted hours, worked by hand on micro scenarios (tests/micro.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

import simulator.model
from simulator.metrics import per_replication
from simulator.model import simulate
from simulator.scenario import ScenarioError
from tests.helpers import invoke
from tests.micro import micro
from tests.test_workforce import hand_built

ROOT = Path(__file__).resolve().parents[1]

RATE = 40.0  # the default block rate, GBP an hour, net of VAT (recovered)
WINDOW = 10.0 / 365.0  # the micro runs' 10 measured days, in years


def figures(scenario):
    return per_replication([simulate(scenario, 0)], scenario).set_index(["metric", "group"])[
        "value"
    ]


def twelve_hour_cases(**changes):
    """One slot working 24 hours a day over 10 days: 240 hours contracted. A 12-hour case
    a day, days 1 to 9, each done in half a day: 9 x 12 = 108 hours delivered."""
    return micro(hours=12.0, horizon=10.0, **changes)


def test_without_a_band_the_block_is_paid_its_contracted_hours():
    table = figures(twelve_hour_cases())
    assert table["hours_delivered", "all"] == pytest.approx(108.0)
    assert table["block_hours_contracted", "all"] == pytest.approx(240.0)
    assert table["cost_block", "all"] == pytest.approx(240.0 * RATE)  # GBP 9,600


def test_delivered_below_the_collar_is_paid_the_collar():
    # collar 0.6 x 240 = 144 hours > 108 delivered: GBP 5,760; the 36 hours paid and not
    # delivered are the unused hours' cost, GBP 1,440.
    table = figures(twelve_hour_cases(commissioning__payment={"collar_share": 0.6}))
    assert table["cost_block", "all"] == pytest.approx(144.0 * RATE)
    assert table["cost_block", "provider=A"] == pytest.approx(5760.0)
    assert table["cost_block_unused", "all"] == pytest.approx(36.0 * RATE)
    assert table["cost_total", "year=1"] == pytest.approx(5760.0)


def test_delivered_inside_the_band_is_paid_as_delivered():
    # collar 0.4 x 240 = 96 <= 108 <= 240: GBP 4,320, nothing paid for hours not delivered.
    payment = {"collar_share": 0.4, "cap_share": 1.0}
    table = figures(twelve_hour_cases(commissioning__payment=payment))
    assert table["cost_block", "all"] == pytest.approx(108.0 * RATE)
    assert table["cost_block_unused", "all"] == 0.0
    assert table["cost_total", "all"] == pytest.approx(4320.0)


def test_delivered_above_the_cap_is_paid_the_cap(monkeypatch):
    # 8,760 block hours a year staffed through half the year planned away: two slots at
    # work every day, as nobody is away. A 36-hour case a day (1.5 days each), days 1 to 9:
    # cases 1 to 8 done, case 9 a third done by day 10 (24 hours): 312 hours delivered,
    # 240 contracted, cap 1.2 x 240 = 288 hours paid: GBP 11,520.
    monkeypatch.setattr(simulator.model, "draw_absences", lambda *args: hand_built([]))
    provider = "commissioning__providers__0__"
    scenario = micro(
        hours=36.0,
        horizon=10.0,
        commissioning__payment={"cap_share": 1.2},
        **{
            f"{provider}advocates": None,
            f"{provider}block_hours_per_year": 8760.0,
            f"{provider}workforce": {"leave_days_per_year": 182.5, "cover_after_days": 10.0},
        },
    )
    table = figures(scenario)
    assert table["hours_delivered", "all"] == pytest.approx(312.0)
    assert table["block_hours_contracted", "all"] == pytest.approx(240.0)
    assert table["cost_block", "all"] == pytest.approx(288.0 * RATE)


@pytest.mark.parametrize("credit", [True, False])
def test_credited_vacancy_comes_off_the_contracted_hours_of_the_band(monkeypatch, credit):
    # Two posts, post 1 vacant all 10 days, post 0 working the 108 hours. Contracted 480
    # hours, half of them vacant. With the credit the band is on 240 hours: collar 144,
    # GBP 5,760. Without it on 480: collar 288 hours, GBP 11,520, of which 180 hours (288
    # less 108) were paid and not delivered, all within the vacant post's 240: GBP 7,200.
    monkeypatch.setattr(
        simulator.model, "draw_absences", lambda *args: hand_built([(1, 0.0, 10.0, True)])
    )
    workforce = {"turnover_per_year": 0.1, "cover_after_days": 10.0, "vacancy_credit": credit}
    scenario = twelve_hour_cases(
        servers=2,
        commissioning__providers__0__workforce=workforce,
        commissioning__payment={"collar_share": 0.6},
    )
    table = figures(scenario)
    assert table["hours_delivered", "all"] == pytest.approx(108.0)
    paid = 144.0 if credit else 288.0
    assert table["cost_block", "all"] == pytest.approx(paid * RATE)
    assert table["cost_block_unused", "all"] == pytest.approx((paid - 108.0) * RATE)
    assert table["cost_block_vacant", "all"] == pytest.approx(0.0 if credit else 180.0 * RATE)


def test_fewer_hours_delivered_never_make_a_band_cheaper_to_serve(monkeypatch):
    """The advocate off sick from day 8.25 to day 12 (a pause: cover after 10 days): case 8
    stops with a share of its 12 hours done, case 9 waits for the return. The band pays
    for fewer hours in the window, but the cohort's hours are all still counted: case 8's
    rest, worked after the horizon, and case 9, taken up in the follow-up, each at the
    block rate. Every one of the 9 people's 12 hours at GBP 40: GBP 4,320 either way."""
    workforce = {"turnover_per_year": 0.1, "cover_after_days": 10.0}
    tables = {}
    for name, spells in (("well", []), ("sick", [(0, 8.25, 12.0, False)])):
        monkeypatch.setattr(simulator.model, "draw_absences", lambda *a, s=spells: hand_built(s))
        scenario = twelve_hour_cases(
            follow_up_days=10.0,
            commissioning__providers__0__workforce=workforce,
            commissioning__payment={"collar_share": 0.0},
        )
        tables[name] = figures(scenario)
    well, sick = tables["well"], tables["sick"]
    assert sick["hours_delivered", "all"] < well["hours_delivered", "all"] == 108.0
    assert sick["cost_total", "all"] < well["cost_total", "all"] == pytest.approx(4320.0)
    assert well["cost_to_serve_per_year", "all"] * WINDOW == pytest.approx(9 * 12.0 * RATE)
    assert sick["cost_to_serve_per_year", "all"] * WINDOW == pytest.approx(9 * 12.0 * RATE)
    assert sick["cost_owed_per_year", "all"] == 0.0


@pytest.mark.parametrize("payment", [{"collar_share": 1.0, "cap_share": 1.0}, None])
def test_a_band_that_never_moves_costs_to_serve_what_no_band_does(monkeypatch, payment):
    """Collar and cap both 1: the block is paid its contracted hours whatever it delivers,
    as with no band, so the work case 8 puts off past the horizon costs the later period
    nothing more and the cost to serve is the cash, with no band or this one."""
    workforce = {"turnover_per_year": 0.1, "cover_after_days": 10.0}
    monkeypatch.setattr(
        simulator.model, "draw_absences", lambda *a: hand_built([(0, 8.25, 12.0, False)])
    )
    changes = {"commissioning__payment": payment} if payment else {}
    scenario = twelve_hour_cases(
        follow_up_days=10.0, commissioning__providers__0__workforce=workforce, **changes
    )
    table = figures(scenario)
    assert table["cost_block", "all"] == pytest.approx(240.0 * RATE)
    assert table["cost_follow_up_per_year", "all"] * WINDOW == pytest.approx(12.0 * RATE)
    # case 9, served in the follow-up at the block rate, is all the follow-up adds
    assert table["cost_to_serve_per_year", "all"] * WINDOW == pytest.approx(
        240.0 * RATE + 12.0 * RATE
    )
    # paid for every contracted hour: unused is what open cases did not take, either way
    unused = 240.0 - table["block_hours_used", "all"]
    assert table["block_hours_unused", "all"] == pytest.approx(unused)
    assert table["cost_block_unused", "all"] == pytest.approx(unused * RATE)


def test_a_band_paying_only_hours_delivered_leaves_no_hour_paid_for_and_unused():
    # collar 0: paid the 108 hours delivered, so none of the 240 contracted is paid and
    # unused (the headline's "block hours paid for and unused").
    table = figures(twelve_hour_cases(commissioning__payment={"collar_share": 0.0}))
    assert table["cost_block", "all"] == pytest.approx(108.0 * RATE)
    assert table["block_hours_unused", "all"] == 0.0
    assert table["block_hours_unused", "provider=A"] == 0.0
    assert table["cost_block_unused", "all"] == 0.0


@pytest.mark.parametrize(
    ("payment", "problem"),
    [
        ({"collar_share": 1.5}, "commissioning.payment.collar_share: 1.5: must be less than"),
        ({"collar_share": -0.1}, "commissioning.payment.collar_share: -0.1: must be greater"),
        ({"cap_share": 0.9}, "commissioning.payment.cap_share: 0.9: must be greater than or"),
        ({"floor": 0.5}, "commissioning.payment.floor"),
    ],
)
def test_a_band_outside_0_collar_1_cap_is_an_error_naming_the_field(payment, problem):
    with pytest.raises(ScenarioError) as error:
        twelve_hour_cases(commissioning__payment=payment)
    assert len(error.value.problems) == 1
    assert error.value.problems[0].startswith(f"<test>: {problem}")


def test_the_cli_names_the_file_and_field_of_a_bad_band_and_exits_2(tmp_path):
    path = tmp_path / "band.yaml"
    path.write_text(
        f"extends: {ROOT / 'scenarios' / 'county-block.yaml'}\n"
        "commissioning:\n  payment: {collar_share: 0.5, cap_share: 0.8}\n"
    )
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.output.strip() == (
        f"error: {path}:3: commissioning.payment.cap_share: 0.8: must be greater than or equal to 1"
    )
