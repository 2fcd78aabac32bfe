"""One colour per option across every chart of a report; cost lines, markets and urgency
in palettes of their own, so no reader takes a cost line's colour for an option."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import main
from tests.helpers import scenario_file as scenario

NAMES = ["Small block", "Middle block", "Bigger block"]
PER_OPTION = [
    "chart-cost-vs-wait",
    "chart-wait-distribution",
    "chart-waiting-list",
    "chart-breaches",
    "chart-equality",
]


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("colours")
    files = [
        scenario(tmp, name, **{"caseload_cap: 10": f"caseload_cap: 10, advocates: {advocates}"})
        for name, advocates in zip(NAMES, (2.5, 3, 3.5), strict=True)
    ]
    out = tmp / "out"
    result = main("compare", *map(str, files), "--reps", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def _option_colours(figure, names: list[str]) -> list[tuple[str, str]]:
    """(scenario, colour) for every trace or bar this figure draws for one scenario: a
    trace named after it (a line, a marker, a bar), or one bar of a trace whose bars are
    the scenarios, each in its own colour."""
    found = []
    for trace in figure.data:
        name = (trace.name or "").removesuffix(" (recommended)")
        if name in names:
            lines = trace.type == "scatter" and "lines" in trace.mode
            colour = trace.line.color if lines else trace.marker.color
            assert isinstance(colour, str), (name, colour)
            found.append((name, colour))
        elif trace.type == "bar" and not isinstance(trace.marker.color, str | None):
            along = trace.y if trace.orientation == "h" else trace.x
            if set(along) <= set(names):
                found += list(zip(along, trace.marker.color, strict=True))
    return found


def _colours(figure) -> set[str]:
    return {trace.marker.color for trace in figure.data if isinstance(trace.marker.color, str)}


def test_each_option_has_one_colour_in_every_chart(results):
    from simulator import charts, files, report

    saved = files.load(results)
    assert list(dict.fromkeys(saved.summary["scenario"])) == NAMES
    drawn = dict(report.figures(saved))
    assert set(PER_OPTION) <= set(drawn)
    seen: dict[str, set[str]] = {name: set() for name in NAMES}
    for div_id, figure in drawn.items():
        pairs = _option_colours(figure, NAMES)
        if div_id in PER_OPTION:
            assert {name for name, _ in pairs} == set(NAMES), div_id
        for name, colour in pairs:
            seen[name].add(colour)
    assert all(len(colours) == 1 for colours in seen.values()), seen
    options = [colours.pop() for colours in seen.values()]
    assert len(set(options)) == len(NAMES), options
    # In the scenario order, from the start of the option palette.
    assert options == charts.OPTION_PALETTE[: len(NAMES)]

    palette = set(charts.OPTION_PALETTE)
    cost_lines = _colours(drawn["chart-cost-lines"])
    assert cost_lines and not cost_lines & palette, cost_lines
    assert set(charts.COST_LINE_COLOURS.values()).isdisjoint(palette)
    urgency = _colours(drawn["chart-within-target"])
    assert len(urgency) == 3 and not urgency & palette, urgency
    assert set(charts.URGENCY_COLOURS.values()).isdisjoint(palette)
    assert set(charts.URGENCY_COLOURS.values()).isdisjoint(charts.COST_LINE_COLOURS.values())
    served = _colours(drawn["chart-markets"])
    assert served and not served & palette, served
    # The wait chart's response targets are drawn in their urgency's colour.
    targets = {shape.line.color for shape in drawn["chart-wait-distribution"].layout.shapes}
    assert targets and targets <= set(charts.URGENCY_COLOURS.values()), targets


def test_an_option_missing_from_one_chart_does_not_shift_the_others():
    """A scenario with no waits (or no equality rows) draws nothing in that chart; the
    scenarios after it keep their own colours rather than taking the next free one."""
    from simulator import charts

    colours = charts.option_colours(["A", "B", "C"])
    waits = pd.DataFrame({"scenario": ["B", "B", "C", "C"], "wait_days": [1.0, 2.0, 3.0, 4.0]})
    figure = charts.wait_ecdf(waits, colours=colours)
    assert [(t.name, t.line.color) for t in figure.data] == [
        ("B", colours["B"]),
        ("C", colours["C"]),
    ]
    assert colours["A"] != colours["B"] != colours["C"] != colours["A"]


def _summary(metrics: dict[str, dict[str, float]]) -> pd.DataFrame:
    rows = [
        dict(scenario=scenario, metric=metric, group="all", mean=value,
             ci_low=value * 0.9, ci_high=value * 1.1)
        for metric, by_scenario in metrics.items()
        for scenario, value in by_scenario.items()
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_cost_against_wait_plots_the_cost_to_serve_and_falls_back_to_cash():
    from simulator import charts

    wait = {"A": 10.0, "B": 5.0}
    both = _summary(
        {
            "wait_p90_days": wait,
            "cost_total_per_year": {"A": 100.0, "B": 200.0},
            "cost_to_serve_per_year": {"A": 150.0, "B": 260.0},
        }
    )
    figure = charts.cost_against_wait(both)
    assert [(t.name, t.y[0]) for t in figure.data] == [("A", 150.0), ("B", 260.0)]
    assert figure.layout.title.text.startswith("Cost to serve everyone referred, a year, ")
    assert figure.layout.yaxis.title.text == "cost to serve, GBP per year"
    older = both[both["metric"] != "cost_to_serve_per_year"]
    figure = charts.cost_against_wait(older)
    assert [(t.name, t.y[0]) for t in figure.data] == [("A", 100.0), ("B", 200.0)]
    assert figure.layout.title.text.startswith("Cash cost per year, ")
    assert figure.layout.yaxis.title.text == "cash cost, GBP per year"


def test_every_cost_line_has_a_colour_of_its_own():
    from simulator import pricing
    from simulator.charts import COST_LINE_COLOURS, OPTION_PALETTE

    assert set(COST_LINE_COLOURS) == set(pricing.COST_LINES)
    assert len(set(COST_LINE_COLOURS.values())) == len(COST_LINE_COLOURS)
    assert not set(COST_LINE_COLOURS.values()) & set(OPTION_PALETTE)
