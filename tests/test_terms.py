"""Contract terms: term_years and extension_years set the years the report tabulates,
are whole numbers of years, and a horizon that does not fit them is a warning."""

from __future__ import annotations

import pytest

from simulator.briefing import by_contract_year
from simulator.files import SavedResults
from simulator.metrics import per_replication, summarise
from simulator.model import simulate
from simulator.scenario import ScenarioError, scenario_warnings
from tests.micro import micro


def three_years(**changes):
    """A micro block over three contract years (1,095 days), a 12-hour case a day."""
    return micro(hours=12.0, horizon=1095.0, **changes)


def test_term_and_extension_are_positive_whole_years():
    three_years(commissioning__term_years=2, commissioning__extension_years=1)
    for field, value, problem in (
        ("term_years", 0, "commissioning.term_years: 0: must be greater than or equal to 1"),
        ("term_years", 2.5, "commissioning.term_years: 2.5: must be a valid integer"),
        ("extension_years", -1, "commissioning.extension_years: -1: must be greater than"),
    ):
        with pytest.raises(ScenarioError) as error:
            three_years(**{"commissioning__term_years": 2, f"commissioning__{field}": value})
        assert error.value.problems[0].startswith(f"<test>: {problem}"), error.value.problems


def test_an_extension_needs_a_term():
    with pytest.raises(ScenarioError) as error:
        three_years(commissioning__extension_years=1)
    assert error.value.problems == [
        "<test>: commissioning: extension_years needs term_years: an extension follows a term"
    ]


def test_a_horizon_short_of_the_term_or_past_its_extensions_is_a_warning_not_an_error():
    fits = three_years(commissioning__term_years=2, commissioning__extension_years=1)
    assert not [w for w in scenario_warnings(fits) if "term" in w]
    short = three_years(commissioning__term_years=5)
    assert (
        "horizon_days: 1095 is shorter than commissioning.term_years: 5 (1825 days): the "
        "term's later years are not measured"
    ) in scenario_warnings(short)
    long = three_years(commissioning__term_years=1, commissioning__extension_years=1)
    assert any(
        w.startswith("horizon_days: 1095 is longer than the term and extensions (2 years")
        for w in scenario_warnings(long)
    )
    assert not [w for w in scenario_warnings(three_years()) if "term" in w]


def test_the_report_tabulates_the_term_then_its_extension_years_labelled():
    scenario = three_years(commissioning__term_years=1, commissioning__extension_years=1)
    summary = summarise(per_replication([simulate(scenario, 0)], scenario), scenario.name)
    assert {"year=1", "year=2", "year=3"} <= set(summary["group"])  # every year is measured
    plain = by_contract_year(summary)
    assert "<th>Year 3</th>" in plain and "extension" not in plain
    table = by_contract_year(summary, {scenario.name: (1, 1)})
    assert "<th>Year 1</th>" in table and "<th>Year 2</th>" in table
    assert "<th>Year 3</th>" not in table  # past the term and its extension
    assert table.count("extension year 1") == 1
    assert "extension years, labelled" in table


def test_a_results_folder_reads_each_options_term_back():
    scenarios = [
        {"name": "a", "commissioning": {"term_years": 3, "extension_years": 2}},
        {"name": "b", "commissioning": {"term_years": 2}},
        {"name": "c", "commissioning": {}},
    ]
    saved = SavedResults(
        folder=None,  # type: ignore[arg-type]
        summary=None,  # type: ignore[arg-type]
        daily=None,  # type: ignore[arg-type]
        waits=None,  # type: ignore[arg-type]
        scenarios=scenarios,
        manifest={},
        differences=None,
    )
    assert saved.terms == {"a": (3, 2), "b": (2, 0)}
