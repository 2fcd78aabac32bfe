"""The report with a workforce: block advocates at work against the waiting list over
time, and FTE at work in each contract year; neither for scenarios without one."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulator
from simulator import charts, files, report
from simulator.scenario import load_scenario
from tests.helpers import main
from tests.helpers import scenario_file as scenario
from tests.test_report import CHROMIUM, CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parents[1]
COUNTY = ["county-block", "county-hub", "county-spot-only"]
"""One block provider, three block providers (summed), and no block (a workforce in the
spot market only: no block advocates to draw)."""
CHART = "chart-advocates-at-work"


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    """The county scenarios over 455 days (a quarter's warm-up, then a contract year and a
    quarter of the next), two replications."""
    tmp = tmp_path_factory.mktemp("workforce")
    scenarios = [
        load_scenario(ROOT / "scenarios" / f"{name}.yaml", {"horizon_days": 455}) for name in COUNTY
    ]
    return simulator.compare(scenarios, reps=2, workers=1).write(tmp / "out")


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    """A scenario without a workforce."""
    tmp = tmp_path_factory.mktemp("no-workforce")
    path = scenario(tmp, "Block", **{"caseload_cap: 10": "caseload_cap: 10, advocates: 3"})
    out = tmp / "out"
    result = main("run", str(path), "--reps", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def _by_year_section(page: str) -> str:
    start = page.index("<h2>By contract year</h2>")
    return page[start : page.index("</table>", start)]


def test_a_county_report_draws_block_advocates_at_work_against_the_waiting_list(county):
    saved = files.load(county)
    drawn = report.figures(saved)
    ids = [div_id for div_id, _ in drawn]
    assert ids.index(CHART) == ids.index("chart-waiting-list") + 1
    figure = dict(drawn)[CHART]
    assert figure.layout.title.text.startswith("Advocates at work and the waiting list")
    page = (county / "report.html").read_text("utf-8")
    assert page.count("Plotly.newPlot") == len(drawn) and f'"{CHART}"' in page

    # Two panels on one time axis: advocates at work above, the waiting list below.
    assert figure.layout.xaxis.matches == "x2"
    assert figure.layout.yaxis.domain[0] > figure.layout.yaxis2.domain[1]
    upper = [t for t in figure.data if t.yaxis == "y"]
    lower = [t for t in figure.data if t.yaxis == "y2"]
    # Spot only has a workforce (its market's advocates) but no block: not drawn.
    assert [t.name for t in upper] == [t.name for t in lower] == ["County block", "County hub"]
    colours = charts.option_colours(saved.summary["scenario"])
    assert all(t.line.color == colours[t.name] for t in figure.data)

    # Each day's mean over replications, worked from daily.parquet: the block providers'
    # FTE at work summed (the hub's three), and the waiting list.
    daily = pd.read_parquet(county / "daily.parquet")
    providers = {
        "County block": ["County Advocacy Service"],
        "County hub": [
            "County Advocacy Hub", "Deaf and Disability Advocacy", "Community Advocacy Partnership"
        ],
    }  # fmt: skip
    start = np.datetime64(saved.scenarios[0]["start_date"], "D")
    for top, bottom in zip(upper, lower, strict=True):
        own = daily[daily["scenario"] == top.name]
        columns = [f"advocates_at_work[{name}]" for name in providers[top.name]]
        by_day = own.assign(at_work=own[columns].sum(axis=1)).groupby("day")
        at_work, waiting = by_day["at_work"].mean(), by_day["waiting"].mean()
        dates = start + at_work.index.to_numpy().astype("timedelta64[D]")
        assert np.array_equal(np.asarray(top.x, dtype="datetime64[D]"), dates)
        assert np.allclose(top.y, at_work.round(2).to_numpy())
        assert np.allclose(bottom.y, waiting.round(2).to_numpy())
        # Someone is away on some day, and never more FTE at work than the block has.
        assert 0 < min(top.y) < max(top.y) <= own[columns].max().sum() + 0.005


def test_a_county_report_gives_fte_at_work_by_contract_year(county):
    summary = files.load(county).summary
    section = _by_year_section((county / "report.html").read_text("utf-8"))
    assert "FTE at work:" in section  # the note saying what it counts
    rows = re.findall(r"<tr[^>]*>.*?</tr>", section.split("<tbody>")[1])
    names = [re.search(r"<th scope='row'[^>]*>([^<]*)", row)[1] for row in rows]
    # A row under each option whose block has a workforce; none under spot only.
    assert names == [
        "County block", "FTE at work", "County hub", "FTE at work", "County spot only"
    ]  # fmt: skip
    for option, row in ((names[0], rows[1]), (names[2], rows[3])):
        fte = summary[(summary["scenario"] == option) & (summary["metric"] == "fte_at_work")]
        years = sorted(fte["group"], key=lambda g: int(g.removeprefix("year=")))
        assert years == ["year=1", "year=2"]
        expected = [f"{fte.set_index('group').loc[g, 'mean']:,.1f} FTE" for g in years]
        assert re.findall(r"<td>([\d.,]+ FTE)<br>", row) == expected


def test_a_report_without_a_workforce_has_neither(plain):
    saved = files.load(plain)
    assert not any(c.startswith("advocates_at_work[") for c in pd.read_parquet(
        plain / "daily.parquet").columns)  # fmt: skip
    assert report.at_work_days(saved) is None
    assert CHART not in dict(report.figures(saved))
    page = (plain / "report.html").read_text("utf-8")
    assert "<h2>By contract year</h2>" in page
    assert CHART not in page and "FTE at work" not in page and "at work" not in page
    assert page.count("Plotly.newPlot") == 8


def test_the_report_reads_the_advocates_at_work_with_the_days(county):
    """A results folder's days come back with each workforce pool's advocates at work
    (and the chart is drawn from them); a scenario without a workforce has no such column."""
    saved = files.load(county)
    at_work = [c for c in saved.daily.columns if c.startswith(files.AT_WORK)]
    assert at_work, "the days read back carry the advocates at work"
    assert set(files.report_daily(files.parquet_columns(county, "daily"))) == {
        "day", "waiting", *at_work,
    }  # fmt: skip
    drawn = report.at_work_days(saved)
    assert drawn is not None and drawn["at_work"].notna().any()
    assert files.report_daily(["day", "waiting", "open_cases"]) == ["day", "waiting"]


@pytest.mark.browser
def test_the_workforce_chart_in_a_real_browser_offline(county):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is needed: apt-get install chromium"
    outside, errors = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})

        def only_files(route):
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_files)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((county / "report.html").as_uri())
        page.wait_for_function(f"document.querySelector('#{CHART} .main-svg')")
        traces = page.evaluate(
            # the arrays as plotly.js decoded them (the page carries them base64-encoded)
            f"document.getElementById('{CHART}')._fullData.map(t => [t.name, t.yaxis, t.y.length])"
        )
        lines = page.evaluate(f"document.querySelectorAll('#{CHART} .scatterlayer path.js-line')"
                              ".length")  # fmt: skip
        axes = page.evaluate(
            f"[...document.querySelectorAll('#{CHART} .g-ytitle, #{CHART} .g-y2title')]"
            ".map(e => e.textContent)"
        )
        fte = page.evaluate(
            "[...document.querySelectorAll('tr.fte th')].map(th => th.innerText.trim())"
        )
        browser.close()

    assert errors == [] and outside == []
    days = 455 - 90
    assert traces == [
        ["County block", "y", days], ["County block", "y2", days],
        ["County hub", "y", days], ["County hub", "y2", days],
    ]  # fmt: skip
    assert lines == 4
    assert axes == ["block advocates at work (FTE)", "referrals waiting"]
    assert fte == ["FTE at work", "FTE at work"]


@pytest.fixture(scope="module")
def short(tmp_path_factory) -> Path:
    """The county scenarios over 300 days (210 measured after the warm-up: a year's
    figures are not the period's totals), two replications."""
    tmp = tmp_path_factory.mktemp("workforce-short")
    scenarios = [
        load_scenario(ROOT / "scenarios" / f"{name}.yaml", {"horizon_days": 300}) for name in COUNTY
    ]
    return simulator.compare(scenarios, reps=2, workers=1).write(tmp / "out")


def _workforce_rows(page: str) -> dict[str, list[str]]:
    start = page.index("<h2>The workforce behind each option</h2>")
    section = page[start : page.index("</table>", start)]
    rows = re.findall(r"<tr><th scope='row'>([^<]*)</th>(.*?)</tr>", section)
    return {name: re.findall(r"<td>([^<]*)</td>", cells) for name, cells in rows}


def test_the_report_shows_the_workforce_behind_each_option_a_year_at_a_time(short):
    from simulator.vocabulary import METRICS

    page = (short / "report.html").read_text("utf-8")
    shown = _workforce_rows(page)
    # Spot only has a workforce in its market but no block: left out.
    assert list(shown) == ["County block", "County hub"]
    summary = pd.read_csv(short / "summary.csv")
    mean = summary[summary["group"] == "all"].set_index(["scenario", "metric"])["mean"]
    measured = 300 - 90
    for option, cells in shown.items():
        years = summary[
            (summary["scenario"] == option)
            & (summary["metric"] == "fte_at_work")
            & summary["group"].str.startswith("year=")
        ]["mean"]
        assert len(years) == 1  # the measured 210 days are all in the first contract year
        expected = [
            METRICS["block_advocates_fte"].format(mean[option, "block_advocates_fte"]),
            METRICS["advocates_in_post_mean"].format(mean[option, "advocates_in_post_mean"]),
            METRICS["fte_at_work"].format(years.mean()),
        ] + [
            METRICS[total].format(mean[option, total] * 365 / measured)  # a year's worth
            for total in (
                "hours_lost_leave", "hours_lost_sickness", "hours_lost_training",
                "hours_lost_vacancy", "vacancy_days", "cost_block_vacant",
            )
        ]  # fmt: skip
        assert cells == expected, option
        assert mean[option, "hours_lost_vacancy"] > 0  # the vacancies a committee must see
    assert cells[-1].startswith("£")
    section = page[page.index("<h2>The workforce behind each option</h2>") :]
    assert "stood empty between a leaver and a new starter" in section.split("</p>")[0]


def test_a_report_without_a_workforce_has_no_workforce_table(plain):
    page = (plain / "report.html").read_text("utf-8")
    assert "The workforce behind each option" not in page and "Post-days vacant" not in page
