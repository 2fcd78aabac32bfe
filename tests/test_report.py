"""The HTML report, opened from disk in a real headless Chromium with the network cut off."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import main
from tests.helpers import scenario_file as scenario

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    files = [
        scenario(tmp, "Block", **{"caseload_cap: 10": "caseload_cap: 10, advocates: 3"}),
        scenario(tmp, "Bigger block", **{"caseload_cap: 10": "caseload_cap: 10, advocates: 3.5"}),
    ]
    out = tmp / "out"
    result = main("compare", *map(str, files), "--reps", "5", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_report_rebuilds_to_the_same_bytes(results, tmp_path):
    original = (results / "report.html").read_bytes()
    copy = tmp_path / "copy"
    shutil.copytree(results, copy)
    (copy / "report.html").unlink()
    assert main("report", str(copy)).returncode == 0
    assert (copy / "report.html").read_bytes() == original
    assert original.count(b"Plotly.newPlot") == 8
    # plotly.js is embedded once, not once per chart.
    assert original.count(b"plotly.js v") <= 2 and len(original) < 8_000_000


def test_every_chart_is_plotly_white_with_the_defaults_of_the_traces_it_draws(results):
    """The charts carry a slim copy of ``plotly_white``: its whole layout, and trace
    defaults only for the kinds the charts draw; a chart drawing another kind (a box, a
    heatmap) would lose its styling silently, so every trace must be of a kept kind."""
    import plotly.io as pio

    from simulator import charts, files, report

    white = pio.templates["plotly_white"]
    drawn = report.figures(files.load(results))
    assert len(drawn) == 8
    for div_id, figure in drawn:
        template = figure.layout.template
        assert template.layout == white.layout, div_id
        kept = {kind for kind in charts.TRACE_TYPES if template.data[kind]}
        assert kept == set(charts.TRACE_TYPES), div_id
        assert all(template.data[kind] == white.data[kind] for kind in kept), div_id
        assert {trace.type for trace in figure.data} <= kept, div_id
        assert len(template.to_plotly_json()["data"]) == len(charts.TRACE_TYPES), div_id


def test_report_of_a_folder_that_is_not_results(tmp_path):
    result = main("report", str(tmp_path))
    assert result.returncode == 2
    assert "summary.csv: missing" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.browser
def test_report_in_a_real_browser_offline(results):
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
        page.goto((results / "report.html").as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 8")
        traces = page.evaluate(
            "[...document.querySelectorAll('.js-plotly-plot')].map(e => [e.id, e.data.length])"
        )
        share = page.evaluate(
            'document.querySelectorAll(\'.modebar-btn--logo, [data-title*="Chart Studio"],'
            ' [data-title*="Edit in"], a[href*="plot.ly"], a[href*="plotly.com"]\').length'
        )
        within = page.evaluate("document.getElementById('chart-within-target').data[0].y")
        cost = page.evaluate(
            "document.getElementById('chart-cost-vs-wait').data.map(t => [t.name, t.y[0]])"
        )
        hover = page.evaluate("document.getElementById('chart-cost-vs-wait').data[0].hovertemplate")
        served = page.evaluate(
            "document.getElementById('chart-markets').data.map(t => [t.name, t.y, t.x])"
        )
        in_short = page.evaluate("document.querySelector('p.answer').innerText")
        glance = page.evaluate(
            "[...document.querySelectorAll('table.glance thead th')].map(th => th.innerText)"
        )
        terms = page.evaluate("document.querySelectorAll('dl.glossary dt').length")
        headings = page.evaluate("[...document.querySelectorAll('h2')].map(h => h.innerText)")
        first_date = page.evaluate("document.getElementById('chart-waiting-list').data[1].x[0]")
        page.screenshot(path=str(results / "report-screenshot.png"), full_page=True)
        browser.close()

    assert errors == []
    assert outside == []
    assert len(traces) == 8 and all(count > 0 for _, count in traces), traces
    assert share == 0
    summary = pd.read_csv(results / "summary.csv", encoding="utf-8-sig")
    target = summary[(summary["metric"] == "within_target_share") & (summary["group"] == "all")]
    assert within == pytest.approx(target["mean"].round(4).tolist(), abs=1e-9)
    # The cost against wait is the cost to serve everyone referred: the committee's figure.
    totals = summary[(summary["metric"] == "cost_to_serve_per_year") & (summary["group"] == "all")]
    assert len(totals) == 2
    assert cost == [
        [name, pytest.approx(round(value, 2), abs=1e-6)]
        for name, value in zip(totals["scenario"], totals["mean"], strict=True)
    ]
    assert "GBP" in hover and "days" in hover
    # The committee's summary: who is cheapest, the tender's figures a year, a glossary,
    # and dates (not day numbers) on the waiting list's time axis.
    assert re.match(r"(\d of 2 options allocate 95%|No option allocates 95%)", in_short)
    assert glance[:4] == [
        "Option",
        "Cost to serve a year",
        "Cash cost a year",
        "Block hours a year",
    ]
    assert "Breaches a year" in glance and terms >= 8
    assert {"In short", "Waits by advocacy type", "By contract year", "Glossary"} <= set(headings)
    assert re.fullmatch(r"20\d\d-\d\d-\d\d", first_date)
    # Which market served each referral: both scenarios are block only, so one trace whose
    # shares are each scenario's block referrals over all its referrals.
    referrals = summary[summary["metric"] == "referrals"].set_index(["scenario", "group"])["mean"]
    assert [name for name, _, _ in served] == ["Block"]
    ((_, names, shares),) = served
    assert shares == [
        pytest.approx(round(referrals[n, "route=block"] / referrals[n, "all"], 4)) for n in names
    ]


def test_png_images_through_kaleido(results, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(results, copy)
    result = main("report", str(copy), "--png")
    assert result.returncode == 0, result.stderr
    images = sorted(p.name for p in (copy / "images").iterdir())
    assert len(images) == 8 and "markets.png" in images
    assert all((copy / "images" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for name in images)


def test_png_in_a_fresh_home_works_on_its_first_run(results, tmp_path):
    """A first start of the browser (no profile, no font cache, no kaleido state) is when
    kaleido's first render could run before its page was ready: it must work first time."""
    import os

    copy = tmp_path / "copy"
    shutil.copytree(results, copy)
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
           "XDG_CONFIG_HOME": str(home / ".config")}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "report", str(copy), "--png"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(list((copy / "images").glob("*.png"))) == 8


def test_png_with_a_browser_that_does_not_start_says_so_in_one_line(results, tmp_path):
    import os

    copy = tmp_path / "copy"
    shutil.copytree(results, copy)
    env = {**os.environ, "BROWSER_PATH": shutil.which("false") or "/bin/false"}
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "report", str(copy), "--png"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2
    [line] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert line.startswith(f"error: --png: the browser at {env['BROWSER_PATH']} did not start: ")
    assert "Traceback" not in result.stderr and "{" not in result.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "simulator", "report", str(copy), "--png"],
        capture_output=True, text=True, env={**env, "BROWSER_PATH": str(tmp_path / "none")},
        timeout=120,
    )  # fmt: skip
    assert missing.returncode == 2
    assert f"--png: no browser at {tmp_path / 'none'}" in missing.stderr


def test_png_without_a_browser_says_what_to_install(results, tmp_path):
    import os

    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    env.pop("BROWSER_PATH", None)
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "report", str(results), "--png"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--png needs Chromium or Chrome" in result.stderr and "Traceback" not in result.stderr


def test_the_wait_chart_marks_the_response_targets_in_days():
    from simulator.charts import wait_ecdf

    waits = pd.DataFrame({"scenario": ["A"] * 4, "wait_days": [0.0, 1.0, 3.0, 9.0]})
    figure = wait_ecdf(waits, {"urgent": 1, "standard": 5})
    assert [shape.x0 for shape in figure.layout.shapes] == [1.0, 7.0]
    notes = [note.text for note in figure.layout.annotations]
    assert notes == [
        "urgent target: 1 working day (about 1 day)",
        "standard target: 5 working days (about 7 days)",
    ]


def test_waiting_list_quantiles_are_pandas_own(tmp_path):
    """The waiting-list band comes from one sort, not a groupby per level: the same
    numbers, bit for bit, as pandas' groupby quantile, gaps and NaN included."""
    import numpy as np

    from simulator.charts import quantiles_by_day

    rng = np.random.default_rng(5)
    for reps in (1, 2, 7, 40):
        daily = pd.DataFrame(
            {"day": np.repeat(np.arange(6), reps)[::-1], "waiting": rng.normal(9, 4, 6 * reps)}
        )
        daily.loc[daily.index[::5], "waiting"] = np.nan
        days, found = quantiles_by_day(daily, (0.1, 0.5, 0.9))
        by_day = daily.groupby("day")["waiting"]
        assert np.array_equal(days, by_day.median().index.to_numpy())
        for level, values in zip((0.1, 0.5, 0.9), found, strict=True):
            assert np.array_equal(values, by_day.quantile(level).to_numpy(), equal_nan=True)


def test_a_single_runs_days_name_their_scenario_as_a_category(tmp_path):
    """The report reads a run's days with the scenario as a category, not a string per
    row and day (at 400 replications that string was 12 MB of the peak)."""
    import simulator
    from simulator import files

    folder = simulator.run(scenario(tmp_path, "Alone"), reps=2, workers=1).write(tmp_path / "o")
    daily = files.load(folder).daily
    assert isinstance(daily["scenario"].dtype, pd.CategoricalDtype)
    assert list(daily["scenario"].cat.categories) == ["Alone"]
