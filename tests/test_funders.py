"""Who pays (``funders:``): a co-funder's share of the advocacy types it funds, the council
paying the rest. The groups add up to the whole, two tiny runs are costed by hand, a
scenario without funders is unchanged, bad funders are one-line errors, and the report
says who pays what.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulator.metrics import per_replication
from simulator.model import simulate
from simulator.scenario import ScenarioError, load_scenario
from tests.helpers import build, county, figures, invoke
from tests.micro import market, micro

ROOT = Path(__file__).resolve().parents[1]
METRICS = ("cost_total_per_year", "cost_to_serve_per_year")
ICB = {"icb": {"types": ["imca"], "share": 0.5}}


def table(scenario, reps: int = 2):
    return per_replication([simulate(scenario, rep) for rep in range(reps)], scenario)


def funded(model: str = "single_provider", funders=None, **changes):
    """``county`` with an ICB paying half of IMCA and a trust a quarter of both types."""
    funders = funders or {
        **ICB,
        "trust": {"types": ["care_act", "imca"], "share": 0.25},
    }
    data = county(model, funders=funders, **changes)
    if model == "hub":
        data["commissioning"]["providers"].append(
            {"name": "B", "skills": ["imca"], "working_days": "every_day"}
        )
    return build(data)


# ------------------------------------------------------ the groups add up to the whole


@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param(lambda: funded(commissioning__block_share=0.6), id="block and spot"),
        pytest.param(lambda: funded("hub"), id="hub of two"),
        pytest.param(lambda: funded("spot_only"), id="spot only"),
        pytest.param(
            lambda: funded(
                commissioning__block_share=0.7,
                commissioning__uplift_per_year=0.03,
                commissioning__payment={"collar_share": 0.8, "cap_share": 1.0},
                commissioning__spot__cost_per_purchase=30.0,
                commissioning__providers__0__contract_management_per_year=5_000.0,
                warm_up_days=0.0,
                demand__initial_open_cases=20,
                demand__initial_waiting_list=10,
            ),
            id="banded, uplifted, day-0 cases",
        ),
    ],
)
def test_the_funders_and_the_council_add_up_to_the_whole(scenario):
    per_rep = table(scenario())
    for metric in METRICS:
        mine = per_rep[per_rep["metric"] == metric].pivot(index="rep", columns="group")["value"]
        payers = mine[["funder=icb", "funder=trust", "funder=council"]]
        np.testing.assert_allclose(payers.sum(axis=1), mine["all"], rtol=1e-9, atol=0)
        assert (payers >= -1e-6).all().all()
        # The trust pays a quarter of everything: it funds every type.
        np.testing.assert_allclose(mine["funder=trust"], 0.25 * mine["all"], rtol=1e-9)


def test_half_a_type_is_half_of_what_paying_all_of_it_would_be():
    whole, _ = figures(funded(funders={"icb": {"types": ["imca"], "share": 1.0}}))
    half, _ = figures(funded(funders=ICB))
    for metric in METRICS:
        assert 0 < whole[metric, "funder=icb"] < whole[metric, "all"]
        assert half[metric, "funder=icb"] == pytest.approx(
            0.5 * whole[metric, "funder=icb"], rel=1e-12
        )
        assert half[metric, "all"] == whole[metric, "all"]


# ------------------------------------------------------------------- costed by hand

TWO_TYPES = {
    "care_act": {"share": 0.5, "hours": {"dist": "fixed", "mean": 24.0}},
    "imha": {"share": 0.5, "hours": {"dist": "fixed", "mean": 24.0}},
}
IMHA_HALF = {"icb": {"types": ["imha"], "share": 0.5}}


def test_a_block_is_shared_by_the_hours_each_type_used_by_hand():
    # One slot, a case of 24 hours a day, referrals on days 1 to 9, each done the next
    # day; the run is 10 days at 10 GBP an hour: 8,760 hours a year x 10 x 10/365 = 2,400.
    scenario = micro(
        horizon=10.0,
        follow_up_days=5.0,
        demand__mix=TWO_TYPES,
        commissioning__providers__0__skills=["care_act", "imha"],
        commissioning__providers__0__block_rate_per_hour=10.0,
        funders=IMHA_HALF,
    )
    means, records = figures(scenario)
    # The seed's types, in arrival order: six IMHA, three Care Act (0 care_act, 1 imha).
    assert records[0].referrals.type_index.tolist() == [1, 1, 1, 0, 1, 1, 0, 1, 0]
    assert means["cost_block", "all"] == pytest.approx(2_400.0)
    # IMHA worked 6 x 24 = 144 of the 216 hours: 2,400 x 144/216 = 1,600; the ICB pays
    # half, 800 in 10 days, 800 x 36.5 = 29,200 a year; the council the other 58,400.
    assert means["cost_total_per_year", "funder=icb"] == pytest.approx(29_200.0, rel=1e-12)
    assert means["cost_total_per_year", "funder=council"] == pytest.approx(58_400.0, rel=1e-12)
    # Everyone served in the window: the cost to serve is the cash, split alike.
    assert means["cost_to_serve_per_year", "funder=icb"] == pytest.approx(29_200.0, rel=1e-12)


def test_spot_hours_mileage_and_purchases_go_by_the_cases_bought_by_hand():
    # Spot only, bought a day after referral; IMHA 48 hours, Care Act 24, each plus half
    # an hour's travel (10 miles at 20 mph), at 45 GBP an hour, 0.5 a mile and 20 GBP of
    # officer time a purchase. Referrals on days 1 to 9: the last is bought on day 10,
    # in the follow-up.
    mix = {**TWO_TYPES, "imha": {"share": 0.5, "hours": {"dist": "fixed", "mean": 48.0}}}
    spot = {**market(20, 1.0), "rate_per_hour": 45.0, "mileage_rate": 0.5}
    scenario = micro(
        horizon=10.0,
        follow_up_days=5.0,
        demand__mix=mix,
        demand__localities={
            "here": {"share": 1.0, "miles_per_case": {"dist": "fixed", "mean": 10.0}}
        },
        commissioning__model="spot_only",
        commissioning__providers=[],
        commissioning__spot={**spot, "cost_per_purchase": 20.0},
        funders=IMHA_HALF,
    )
    means, records = figures(scenario)
    assert records[0].referrals.type_index.tolist() == [1, 1, 1, 0, 1, 1, 0, 1, 0]
    # Bought in the window: six IMHA (1, 2, 3, 5, 6, 8) and two Care Act (4, 7).
    # IMHA: 6 x 48.5 x 45 + 6 x 10 x 0.5 + 6 x 20 = 13,095 + 30 + 120 = 13,245.
    # Care Act: 2 x 24.5 x 45 + 2 x 5 + 2 x 20 = 2,205 + 10 + 40 = 2,255.
    assert means["cost_total", "all"] == pytest.approx(15_500.0)
    icb = 0.5 * 13_245 * 36.5  # a year: 10 days x 36.5
    assert means["cost_total_per_year", "funder=icb"] == pytest.approx(icb, rel=1e-12)
    assert means["cost_total_per_year", "funder=council"] == pytest.approx(
        (15_500 - 0.5 * 13_245) * 36.5, rel=1e-12
    )
    # The cost to serve adds the Care Act case bought on day 10 (24.5 x 45 + 5 + 20 =
    # 1,127.50): all the council's.
    assert means["cost_follow_up_per_year", "all"] == pytest.approx(1_127.5 * 36.5)
    assert means["cost_to_serve_per_year", "funder=icb"] == pytest.approx(icb, rel=1e-12)
    assert means["cost_to_serve_per_year", "funder=council"] == pytest.approx(
        (15_500 + 1_127.5 - 0.5 * 13_245) * 36.5, rel=1e-12
    )


def test_the_unserved_are_owed_by_their_own_type():
    # The block serves Care Act only and there is no spot: every IMHA referral is owed
    # (at the block's rate, the dearest route), none of it paid in cash; the ICB pays
    # half the owed IMHA hours, and nothing of the Care Act block.
    scenario = micro(
        horizon=10.0,
        follow_up_days=5.0,
        demand__mix=TWO_TYPES,
        commissioning__providers__0__block_rate_per_hour=10.0,
        funders=IMHA_HALF,
    )
    means, _ = figures(scenario)
    assert means["cost_total_per_year", "funder=icb"] == 0.0
    owed = means["cost_owed_per_year", "all"]
    assert owed == pytest.approx(6 * 24 * 10 * 36.5)  # six IMHA referrals of 24 hours
    assert means["cost_to_serve_per_year", "funder=icb"] == pytest.approx(owed / 2, rel=1e-12)


# ------------------------------------------------------ without funders, as before


def test_without_funders_there_are_no_funder_groups_and_nothing_changes():
    plain = build(county(commissioning__block_share=0.6))
    with_funders = funded(commissioning__block_share=0.6)
    before, after = table(plain), table(with_funders)
    assert not before["group"].str.startswith("funder=").any()
    assert "funders" not in plain.to_plain()
    kept = after[~after["group"].str.startswith("funder=")].reset_index(drop=True)
    assert kept.equals(before)


# ------------------------------------------------------------------------ validation


def write(tmp_path: Path, funders: str) -> Path:
    path = tmp_path / "funded.yaml"
    path.write_text(
        f"extends: {ROOT / 'scenarios' / 'county-block-spot.yaml'}\nfunders:\n{funders}",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "funders, expected",
    [
        (
            "  icb: {types: [imha, imah], share: 0.5}\n",
            ":3: funders.icb.types.1: 'imah': not an advocacy type of demand.mix; did you "
            "mean 'imha'? (types: care_act, imca, imha, rpr, nhs_complaints, non_statutory)",
        ),
        (
            "  icb: {types: [imha], share: 0.6}\n  trust: {types: [imha, rpr], share: 0.5}\n",
            ":4: funders.trust.share: 0.5: the funders of imha would pay 1.1 of its cost "
            "(icb 0.6, trust 0.5): shares of a type sum to at most 1, the council paying "
            "the rest",
        ),
        (
            "  council: {types: [imha], share: 0.5}\n",
            ":3: funders.council: 'council': the name council is reserved",
        ),
    ],
    ids=["unknown type", "shares over 1", "reserved name"],
)
def test_bad_funders_are_one_line_errors_naming_the_file_line_and_field(
    tmp_path, funders, expected
):
    path = write(tmp_path, funders)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert len(error.value.problems) == 1
    assert error.value.problems[0].startswith(f"{path}{expected}")
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_good_funders_validate(tmp_path):
    path = write(tmp_path, "  icb: {types: [imha, nhs_complaints], share: 0.5}\n")
    assert load_scenario(path).funders["icb"].share == 0.5


# ---------------------------------------------------------------------------- report


def test_the_report_says_who_pays_for_each_option(tmp_path):
    import simulator
    from simulator import briefing, files, report

    shared = build(county(name="Shared", funders=ICB))
    alone = build(county(name="Alone"))
    folder = simulator.compare([shared, alone], reps=2, workers=1).write(tmp_path / "out")
    saved = files.load(folder)
    means = saved.summary.set_index(["scenario", "metric", "group"])["mean"]
    icb = means["Shared", "cost_to_serve_per_year", "funder=icb"]
    council = means["Shared", "cost_to_serve_per_year", "funder=council"]
    whole = means["Shared", "cost_to_serve_per_year", "all"]
    assert icb + council == pytest.approx(whole, rel=1e-9)
    assert ("Alone", "cost_to_serve_per_year", "funder=council") not in means.index
    page = report.build_html(saved)
    section = page[page.index("<h2>Who pays</h2>") :]
    section = section[: section.index("</table>")]
    assert "<th>ICB</th><th>council</th>" in section
    assert f"£{icb:,.0f}<br><small>{icb / whole:.0%}</small>" in section
    alone_row = section[section.index("Alone") :]
    assert alone_row.startswith("Alone</th><td>–</td>")
    assert f"£{means['Alone', 'cost_to_serve_per_year', 'all']:,.0f}<br><small>100%" in alone_row
    plain = saved.summary[saved.summary["scenario"] == "Alone"]
    assert briefing.who_pays(plain) == ""


def test_a_gaps_owed_price_is_shared_as_the_block_it_stands_for(monkeypatch):
    # The block's price owed for days with no provider goes to each funder by the block's
    # own mix of hours (cost_block's shares), not by the mix of what spot bought meanwhile.
    import simulator.metrics as metrics

    scenario = funded(funders=ICB, commissioning__providers__0__exit_day=300)
    records = simulate(scenario, 0)
    index = metrics.Windows.of(records, scenario)
    rows = [row[1:] for row in metrics.replication_metrics(records, scenario)]
    with_gap = dict(((m, g), v) for m, g, v in rows)
    years = (scenario.horizon_days - scenario.warm_up_days) / 365
    gap = metrics.without_provider_owed(records, scenario) / years
    assert gap > 0
    block_imca = metrics.line_type_shares(records, scenario, index)["cost_block"][1]
    monkeypatch.setattr(metrics, "without_provider_owed", lambda records, scenario: 0.0)
    no_gap = metrics.funder_rows(records, scenario, index, [
        (m, g, v - (gap if m == "cost_to_serve_per_year" and g == "all" else 0.0))
        for m, g, v in rows
    ])  # fmt: skip
    icb_without = next(
        v for m, g, v in no_gap if (m, g) == ("cost_to_serve_per_year", "funder=icb")
    )
    icb_with = with_gap["cost_to_serve_per_year", "funder=icb"]
    assert icb_with - icb_without == pytest.approx(gap * block_imca * 0.5, rel=1e-9)


def test_the_terminal_says_who_pays_the_cost_to_serve():
    from simulator.briefing import headline
    from simulator.metrics import summarise

    scenario = funded(funders=ICB)
    summary = summarise(table(scenario), scenario.name)
    line = next(x for x in headline(summary).splitlines() if "Cost to serve paid by" in x)
    assert "icb £" in line and "council £" in line and "%)" in line
