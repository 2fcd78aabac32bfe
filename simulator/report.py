"""The self-contained HTML report, built from a saved results folder.

One file, offline: plotly.js is embedded once, every chart has a fixed div id
(so the same results give the same bytes), and the plotly logo and the cloud
"share"/"edit" buttons are off, so a commissioner's data is never one click
from an upload. ``advocacy-sim report DIR`` rebuilds it without re-running.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.offline
import pyarrow.parquet as pq
from ruamel.yaml import YAML

from simulator import briefing, charts
from simulator.commissioning import MODELS as COMMISSIONING_MODELS
from simulator.files import write_aside
from simulator.schema import Demand
from simulator.vocabulary import HEADLINE, METRICS

PLOT_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "responsive": True,
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


class ReportError(Exception):
    """The folder is not a complete results folder."""


@dataclass(frozen=True)
class SavedResults:
    """What a results folder holds, read back for the report."""

    folder: Path
    summary: pd.DataFrame
    daily: pd.DataFrame
    waits: pd.DataFrame  # scenario, wait_days of measured, allocated referrals
    scenarios: list[dict]
    manifest: dict
    differences: pd.DataFrame | None
    recommendation: dict | None = None  # recommend: recommendation.json
    candidates: pd.DataFrame | None = None  # recommend: candidates.csv
    demand_doubt: pd.DataFrame | None = None  # uncertain demand: demand_doubt.csv

    @property
    def measured_days(self) -> dict[str, float]:
        return {
            s["name"]: float(s["horizon_days"]) - float(s.get("warm_up_days", 0.0))
            for s in self.scenarios
        }


REQUIRED = ("summary.csv", "daily.parquet", "cases.parquet", "scenario.resolved.yaml",
            "manifest.json")  # fmt: skip


def load(folder: Path) -> SavedResults:
    """Read a results folder; a missing or broken file is a ReportError naming it."""
    if not folder.is_dir():
        raise ReportError(f"{folder}: not a results folder")
    for name in REQUIRED:
        if not (folder / name).is_file():
            raise ReportError(f"{folder / name}: missing (is {folder} a results folder?)")
    try:
        summary = pd.read_csv(folder / "summary.csv", encoding="utf-8-sig")
        scenarios = list(YAML(typ="safe", pure=True).load_all(
            (folder / "scenario.resolved.yaml").read_text("utf-8")
        ))  # fmt: skip
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        # Only the columns the charts use: a 50-replication cases file is tens of MB.
        several = "scenario" in pq.read_schema(folder / "cases.parquet").names
        tag = ["scenario"] if several else []
        daily = pd.read_parquet(  # names as a category: not a string per row and day
            folder / "daily.parquet", columns=[*tag, "day", "waiting"], read_dictionary=tag or None
        )
        waits = read_waits(folder / "cases.parquet", scenarios)
        differences = (
            pd.read_csv(folder / "differences.csv", encoding="utf-8-sig")
            if (folder / "differences.csv").is_file()
            else None
        )
        doubt_file = folder / "demand_doubt.csv"
        doubt = pd.read_csv(doubt_file, encoding="utf-8-sig") if doubt_file.is_file() else None
        advice, candidates = None, None
        if (folder / "recommendation.json").is_file():
            advice = json.loads((folder / "recommendation.json").read_text("utf-8"))
            candidates = pd.read_csv(folder / "candidates.csv", encoding="utf-8-sig")
    except Exception as error:  # a corrupt file: name it, no traceback
        raise ReportError(f"{folder}: cannot read results ({error})") from None
    names = [s["name"] for s in scenarios]
    if not several:
        daily = daily.assign(scenario=one_name(names[0], len(daily)))
    return SavedResults(
        folder,
        summary,
        daily,
        waits,
        scenarios,
        manifest,
        differences,
        advice,
        candidates,
        doubt,
    )


def one_name(name: str, rows: int) -> pd.Categorical:
    """A single run's scenario column as a category: a string per row and day of 400
    replications was 12 MB of the report's peak memory."""
    import numpy as np

    return pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), categories=[name])


ROW_GROUPS_AT_ONCE = 16
"""Row groups (replications) ``read_waits`` reads in one call: a call per replication
spent more time on the calls than on the data (0.41 s against 0.23 s for a five-year
comparison's 800), and 16 five-year replications' four columns are about 1.5 MB."""


def read_waits(path: Path, scenarios: list[dict]) -> pd.DataFrame:
    """``measured_waits`` straight from ``cases.parquet``, a few row groups at a time:
    only the kept waits are held, never the file's rows (a 5-year comparison of 4
    scenarios x 200 replications has three million), and scenario names are read as
    codes."""
    import numpy as np

    names = [s["name"] for s in scenarios]
    warm_up = np.array([float(s.get("warm_up_days", 0.0)) for s in scenarios])
    several = "scenario" in pq.read_schema(path).names
    file = pq.ParquetFile(path, read_dictionary=["scenario"] if several else None)
    columns = [*(["scenario"] if several else []), "arrival_day", "cohort_wait_days",
               "carried_over"]  # fmt: skip
    codes, waits = [np.empty(0, dtype=np.int16)], [np.empty(0)]
    for first in range(0, file.num_row_groups, ROW_GROUPS_AT_ONCE):
        groups = range(first, min(first + ROW_GROUPS_AT_ONCE, file.num_row_groups))
        table = file.read_row_groups(groups, columns=columns)
        which = _scenario_codes(table, names) if several else np.zeros(table.num_rows, np.int16)
        arrival = table["arrival_day"].to_numpy(zero_copy_only=False)
        fresh = table["carried_over"].is_null().to_numpy(zero_copy_only=False)
        keep = fresh & (arrival >= warm_up[which])
        waits.append(table["cohort_wait_days"].to_numpy(zero_copy_only=False)[keep])
        codes.append(which[keep])
    scenario = pd.Categorical.from_codes(np.concatenate(codes), categories=names)
    return pd.DataFrame({"scenario": scenario, "wait_days": np.concatenate(waits)})


def _scenario_codes(table: Any, names: list[str]) -> Any:
    """Each row's scenario as its position in ``names``, from the dictionary-encoded
    column (no string per row); each row group read has its own dictionary."""
    import numpy as np

    parts = [np.empty(0, dtype=np.int16)]
    for chunk in table["scenario"].chunks:
        position = np.array([names.index(n) for n in chunk.dictionary.to_pylist()], np.int16)
        parts.append(position[chunk.indices.to_numpy(zero_copy_only=False)])
    return np.concatenate(parts)


def measured_waits(cases: pd.DataFrame, scenarios: list[dict]) -> pd.DataFrame:
    """``scenario, wait_days`` of the cohort: referrals that arrived after the warm-up,
    each with the wait the figures count (a lower bound for those never allocated)."""
    warm_up = {s["name"]: float(s.get("warm_up_days", 0.0)) for s in scenarios}
    starts = cases["scenario"].map(warm_up).astype(float)  # float even with no rows
    measured = cases["carried_over"].isna() & (cases["arrival_day"] >= starts)
    waits = cases.loc[measured, ["scenario", "cohort_wait_days"]]
    return waits.rename(columns={"cohort_wait_days": "wait_days"})


def response_targets(results: SavedResults) -> dict[str, int]:
    """The urgent and standard response targets, when every scenario has the same ones."""
    found = {
        (t.get("urgent_working_days", 1), t.get("standard_working_days", 5))
        for t in (s.get("targets") or {} for s in results.scenarios)
    }
    if len(found) != 1:
        return {}
    urgent, standard = found.pop()
    return {"urgent": urgent, "standard": standard}


def start_dates(results: SavedResults) -> dict[str, str]:
    """Each scenario's day 0 as a date (its ``start_date``), for time axes."""
    return {s["name"]: str(s["start_date"]) for s in results.scenarios if s.get("start_date")}


def figures(results: SavedResults) -> list[tuple[str, go.Figure]]:
    """Every chart of the report, with its fixed div id, in reading order."""
    summary, days = results.summary, results.measured_days
    sweep = bool(results.manifest.get("sweep"))
    chosen = (results.recommendation or {}).get("choice")
    colours = charts.option_colours(summary["scenario"])  # one colour per option throughout
    found = [
        ("chart-cost-lines", charts.cost_by_line(summary, days)),
        ("chart-cost-vs-wait",
         charts.cost_against_wait(summary, frontier=sweep, chosen=chosen, colours=colours)),
        ("chart-wait-distribution",
         charts.wait_ecdf(results.waits, response_targets(results), colours)),
        ("chart-markets", charts.markets(summary)),
        ("chart-waiting-list", charts.waiting_list(results.daily, start_dates(results), colours)),
        ("chart-within-target", charts.within_target(summary)),
        ("chart-breaches", charts.breaches(summary, days, colours)),
    ]  # fmt: skip
    equality = charts.equality(summary, colours)
    if equality is not None:
        found.append(("chart-equality", equality))
    return found


def _headline_table(summary: pd.DataFrame) -> str:
    scenarios = list(dict.fromkeys(summary["scenario"]))
    head = "".join(f"<th>{html.escape(METRICS[m].heading)}</th>" for m in HEADLINE)
    body = []
    for scenario in scenarios:
        cells = []
        for metric in HEADLINE:
            row = summary[
                (summary["scenario"] == scenario)
                & (summary["metric"] == metric)
                & (summary["group"] == "all")
            ]
            cells.append(f"<td>{_format(metric, row.iloc[0]) if len(row) else '–'}</td>")
        body.append(f"<tr><th scope='row'>{html.escape(scenario)}</th>{''.join(cells)}</tr>")
    return (
        f"<table><thead><tr><th>Scenario</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _value(metric: str, value: float) -> str:
    return METRICS[metric].format(value)


def _format(metric: str, row: pd.Series) -> str:
    interval = ""
    if row["ci_low"] == row["ci_low"] and row["ci_low"] != row["ci_high"]:
        interval = (
            f"<br><small>{_value(metric, row['ci_low'])} to {_value(metric, row['ci_high'])}"
            "</small>"
        )
    return f"{_value(metric, row['mean'])}{interval}"


def _differences_table(differences: pd.DataFrame | None) -> str:
    if differences is None or differences.empty:
        return ""
    rows = differences[differences["metric"].isin(HEADLINE) & (differences["group"] == "all")]
    order = {metric: index for index, metric in enumerate(HEADLINE)}
    rows = rows.sort_values("metric", key=lambda m: m.map(order), kind="stable")
    rows = rows.sort_values("scenario", key=lambda s: s.map(_first_seen(rows)), kind="stable")
    body = []
    for _, row in rows.iterrows():
        metric = row["metric"]
        if row["ci_low"] != row["ci_low"]:
            interval, mark = "not applicable", "not applicable"
        elif row["ci_low"] == row["ci_high"]:
            interval, mark = "fixed by design", "yes" if row["mean_difference"] else "no"
        else:
            interval = f"{_signed(metric, row['ci_low'])} to {_signed(metric, row['ci_high'])}"
            mark = "yes" if row["excludes_zero"] else "no"
        body.append(
            "<tr>"
            f"<td>{html.escape(str(row['scenario']))}</td>"
            f"<td>{html.escape(METRICS[metric].heading)}</td>"
            f"<td>{_signed(metric, row['mean_difference'])}</td>"
            f"<td>{interval}</td><td>{mark}</td></tr>"
        )
    baseline = html.escape(str(rows["baseline"].iloc[0])) if len(rows) else ""
    return (
        f"<h2>Differences from {baseline} (paired, same referrals)</h2>"
        "<table class='diff'><thead><tr><th>Scenario</th><th>Metric</th><th>Difference</th>"
        "<th>95% interval</th><th>Clear difference (interval excludes zero)</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _first_seen(rows: pd.DataFrame) -> dict[str, int]:
    return {name: index for index, name in enumerate(dict.fromkeys(rows["scenario"]))}


def _signed(metric: str, value: float) -> str:
    """A difference, signed; shares in percentage points."""
    return METRICS[metric].difference(value, minus="−")


MODEL_WORDS = {
    "single_provider": "one block provider",
    "hub": "a hub (a lead provider and partners)",
    "spot_only": "spot purchase only, no block",
}


def _buys_block(commissioning: dict) -> bool:
    """Whether the scenario's commissioning model buys a block, as its registry entry says
    (spot only buys none: every referral is bought spot)."""
    return COMMISSIONING_MODELS[commissioning["model"]].buys_block


def _block_words(scenario: dict, summary: pd.DataFrame) -> str:
    """The block as run: how it was sized, and the hours and slots that gave (from the
    summary, so the card states what ran, whatever the file's text says)."""
    commissioning = scenario["commissioning"]
    if not _buys_block(commissioning):
        return MODEL_WORDS[commissioning["model"]]
    sizes = []
    for provider in commissioning.get("providers", []):
        if provider.get("advocates") is not None:
            sized = f"{provider['advocates']:g} advocates"
        elif provider.get("block_hours_per_year") is not None:
            sized = f"{provider['block_hours_per_year']:,.0f} block hours a year"
        else:
            sized = f"block_share {commissioning.get('block_share', 1.0):g} of expected hours"
        rate = provider.get("block_rate_per_hour")
        priced = f" at £{rate:,.2f} an hour" if rate is not None else ""
        sizes.append(f"{provider['name']}: {sized}{priced}")
    rows = summary[(summary["scenario"] == scenario["name"]) & (summary["group"] == "all")]
    means = rows.set_index("metric")["mean"]
    hours, slots = means.get("block_hours_contracted_per_year"), means.get("block_slots")
    ran = ""
    if hours is not None and slots is not None and hours == hours:
        ran = f" (as run: {hours:,.0f} block hours a year, {slots:,.0f} caseload slots)"
    return f"{MODEL_WORDS[commissioning['model']]}, {'; '.join(sizes)}{ran}"


def _overflow_words(commissioning: dict) -> str:
    """The overflow rule as run, in words."""
    overflow = commissioning.get("overflow") or {}
    rule = overflow.get("rule", "none")
    if not _buys_block(commissioning):
        return "every referral bought spot"
    if rule == "queue_length":
        waiting = overflow.get("threshold")
        return (
            f"bought spot when every block slot is full and {waiting} "
            f"referral{'s' if waiting != 1 else ''} already wait ahead (queue_length {waiting})"
        )
    return {
        "none": "no spot purchase: referrals wait for the block",
        "expected_wait": "bought spot when the block would miss the response target and spot "
        "is expected sooner (expected_wait)",
        "block_hours": f"bought spot once the {overflow.get('period', 'month')}'s block hours "
        "are spent (block_hours)",
    }.get(rule, rule)


def _scenario_cards(results: SavedResults) -> str:
    """A card per option, its facts written from the values run (a sweep point's file text
    may state other values: the point's description says which it changed)."""
    cards = []
    for scenario in results.scenarios:
        commissioning = scenario["commissioning"]
        triage = commissioning.get("triage", "fifo")
        facts = [
            f"buys: {_block_words(scenario, results.summary)}",
            f"overflow: {_overflow_words(commissioning)}",
            "triage: " + ("urgent first, then statutory" if triage == "priority" else "in turn"),
            f"horizon {scenario['horizon_days']:g} days, "
            f"warm-up {scenario.get('warm_up_days', 0):g}",
            f"seed {scenario.get('seed')}, {scenario.get('replications')} replications",
        ]
        assumptions = list(scenario.get("assumptions", []))
        arithmetic = Demand.model_validate(scenario["demand"]).rate_arithmetic()
        if arithmetic:
            facts.append(f"referrals: {arithmetic}")
        reduction = (scenario.get("workshops") or {}).get("assumed_referral_reduction", 0)
        if reduction:
            assumptions.append(
                f"ASSUMPTION: self-advocacy workshops cut the referral rate by {reduction:.0%}"
                " (an assumed effect, not evidence)."
            )
        items = "".join(f"<li>{html.escape(a)}</li>" for a in assumptions) or "<li>none given</li>"
        replaced = _replaced(results.manifest, scenario["name"])
        if replaced:
            items += (
                "<li>Given by the file it extends and not restated in its own list (which "
                "replaces the base's): check they still hold<ul>"
                + "".join(f"<li>{html.escape(a)}</li>" for a in replaced)
                + "</ul></li>"
            )
        cards.append(
            "<section class='card'>"
            f"<h3>{html.escape(scenario['name'])}</h3>"
            f"<p>{html.escape(scenario.get('description', ''))}</p>"
            f"<p class='facts'>{html.escape(' · '.join(facts))}</p>"
            f"<details><summary>Assumptions</summary><ul>{items}</ul></details>"
            "</section>"
        )
    return "".join(cards)


def _replaced(manifest: dict, name: str) -> list[str]:
    """A scenario's base assumptions its own list replaced, as the manifest records them."""
    for entry in manifest.get("scenarios", []):
        if entry.get("name") == name:
            return list(entry.get("assumptions_replaced", []))
    return []


STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1180px;
padding:1rem 1.5rem 3rem;color:#1d2733;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;font-size:1.25rem}
.meta{color:#55606e;font-size:.9rem}.cards{display:grid;gap:.8rem;
grid-template-columns:repeat(auto-fill,minmax(320px,1fr))}
.card{border:1px solid #d7dde4;border-radius:8px;padding:.2rem 1rem .6rem}
.card h3{margin:.6rem 0 .2rem;font-size:1.05rem}.facts{color:#55606e;font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}
th,td{border-bottom:1px solid #e3e7ec;padding:.35rem .5rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}thead th{background:#f3f5f8}
small{color:#6b7685}.chart{margin:1.2rem 0}
table.diff td:nth-child(2),table.diff th:nth-child(2){text-align:left}
table.diff td:nth-child(3),table.diff td:nth-child(4){white-space:nowrap}
.answer{font-size:1.05rem;background:#f3f7fb;border-left:4px solid #1f5fa8;padding:.6rem .9rem}
dl.glossary dt{font-weight:600;margin-top:.5rem}dl.glossary dd{margin-left:1rem;color:#33404d}
"""


def build_html(results: SavedResults) -> str:
    """The report as one HTML string (deterministic for the same results)."""
    manifest = results.manifest
    names = ", ".join(s["name"] for s in results.scenarios)
    seeds = sorted({str(s.get("seed")) for s in results.scenarios})
    reps = sorted({str(s.get("replications")) for s in results.scenarios})
    answer = briefing.in_short(results.summary, results.recommendation)
    sweep = bool(manifest.get("sweep"))
    notes = briefing.notes(results.summary, results.scenarios, sweep)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>advocacy-sim report: {html.escape(names)}</title>",
        f"<style>{STYLE}</style>",
        f"<script>{plotly.offline.get_plotlyjs()}</script>",
        "</head><body>",
        "<h1>Commissioning independent advocacy: simulation report</h1>",
        f"<p class='meta'>Scenarios: {html.escape(names)} · seed {', '.join(seeds)} · "
        f"{', '.join(reps)} replications · advocacy-sim "
        f"{html.escape(str(manifest.get('advocacy_sim_version', '')))} · run "
        f"{html.escape(str(manifest.get('created', '')))}. Figures are means over replications"
        " with 95% confidence intervals. Costs are in GBP; counts, hours and costs not"
        " marked 'per year' are totals over the measured period (the horizon less the"
        " warm-up).</p>",
        briefing.recommendation(results.recommendation, results.candidates),
        "<h2>In short</h2>",
        f"<p class='answer'>{html.escape(answer)}</p>",
        briefing.at_a_glance(results.summary),
        f"<div class='cards'>{_scenario_cards(results)}</div>",
        "<h2>Headline figures</h2>",
        _headline_table(results.summary),
        "".join(f"<p class='note'>{html.escape(n)}</p>" for n in notes),
        _differences_table(results.differences),
        briefing.waits_by_type(results.summary),
        briefing.by_contract_year(results.summary),
        briefing.demand_doubt(results.demand_doubt),
        "<h2>Charts</h2>",
    ]
    for div_id, figure in figures(results):
        parts.append(
            "<div class='chart'>"
            + figure.to_html(
                full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOT_CONFIG
            )
            + "</div>"
        )
    parts.append(briefing.glossary())
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_report(folder: Path) -> Path:
    """Write ``report.html`` into a results folder (aside, then renamed)."""
    return write_aside(folder / "report.html", build_html(load(folder)))


class ImageError(Exception):
    """Static images cannot be written (no browser for kaleido)."""


def find_browser() -> str:
    """The Chromium or Chrome kaleido will drive; an ImageError saying what to install."""
    found = os.environ.get("BROWSER_PATH") or next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
    )
    if found is None:
        raise ImageError(
            "--png needs Chromium or Chrome for kaleido: install it (e.g. apt-get install "
            "chromium) or set BROWSER_PATH"
        )
    if not os.access(found, os.X_OK):
        raise ImageError(
            f"--png: no browser at {found} (BROWSER_PATH): set it to Chromium or Chrome"
        )
    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise ImageError("--png needs kaleido: pip install 'advocacy-sim[images]'") from None
    return found


IMAGE_SIZE = {"format": "png", "width": 1100, "height": 520, "scale": 2}


def write_images(folder: Path) -> list[Path]:
    """PNG of every chart, through kaleido and the system's Chromium, in one browser.

    One browser renders them all (a browser each took 48 s for a report's 8 charts; one
    takes 8 s). Any failure of the browser is an ImageError of one line, not kaleido's
    DevTools message.
    """
    import asyncio

    browser = find_browser()
    results = load(folder)
    images = folder / "images"
    images.mkdir(exist_ok=True)
    specs = [
        {"fig": figure, "path": images / f"{div_id.removeprefix('chart-')}.png", "opts": IMAGE_SIZE}
        for div_id, figure in figures(results)
    ]
    try:
        asyncio.run(_render(specs, browser))
    except Exception as error:  # the browser's or kaleido's: one line saying which
        raise ImageError(_browser_trouble(browser, error)) from None
    return [spec["path"] for spec in specs]


async def _render(specs: list[dict[str, Any]], browser: str) -> None:
    """Render ``specs`` in one kaleido session, once its page is ready.

    ``mathjax=False``: the charts have no LaTeX, and kaleido's default fetches MathJax
    from a CDN, so the page would wait on the network (or its failure) before loading.

    The readiness step: kaleido's first navigation records the page's JavaScript
    context from ``Runtime.enable``, which it sends after ``Page.navigate``; when the
    browser is slow to commit that navigation (a first start, on a fresh profile), the
    context recorded can be the blank page's, and the first render fails with
    "kaleido_scopes is not defined". Kaleido reloads a tab after every render, listening
    for the new context before it reloads; doing that once before the first render
    gives every render a context that has kaleido's scripts.
    """
    import kaleido

    async with kaleido.Kaleido(n=1, mathjax=False, path=browser) as session:
        for _ in range(session.tabs_ready.qsize()):
            tab = await session.tabs_ready.get()
            await tab.reload()
            await session.tabs_ready.put(tab)
        await session.write_fig_from_object(specs)


def _browser_trouble(browser: str, error: Exception) -> str:
    """One line for a failure of the browser or of kaleido: the kind of failure and the
    first line of its message (a JavaScript error's own text, not the DevTools reply)."""
    first = error.args[0] if error.args else ""
    text = (first if isinstance(first, str) else str(error)).strip()
    script = re.search(r"\b([A-Z]\w*Error: [^'\"\\]+)", text)
    detail = script[1] if script else (text.splitlines() or [type(error).__name__])[0]
    detail = detail[:200].rstrip(". ")
    started = not isinstance(error, _start_errors())
    what = "did not render the charts" if started else "did not start"
    return (
        f"--png: the browser at {browser} {what}: {detail}; check that it runs "
        f"({browser} --headless --version) or set BROWSER_PATH to another Chromium or Chrome"
    )


def _start_errors() -> tuple[type[BaseException], ...]:
    """The errors choreographer raises when the browser does not start."""
    from choreographer.errors import BrowserClosedError, BrowserFailedError, ChromeNotFoundError

    return (BrowserFailedError, BrowserClosedError, ChromeNotFoundError, OSError)
