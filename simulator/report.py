"""The self-contained HTML report, built from a saved results folder.

Report only renders: the page, its tables, its charts (through :mod:`simulator.charts`)
and their PNG images. It reads a folder only through :func:`simulator.files.load`; the
answer, the notes and the summary sections are written by :mod:`simulator.briefing`.

One file, offline: plotly.js is embedded once, every chart has a fixed div id
(so the same results give the same bytes), and the plotly logo and the cloud
"share"/"edit" buttons are off, so a commissioner's data is never one click
from an upload. ``advocacy-sim report DIR`` rebuilds it without re-running.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from simulator import briefing, charts
from simulator.commissioning import MODELS as COMMISSIONING_MODELS
from simulator.commissioning import overflow_words
from simulator.exits import exit_lines
from simulator.files import SavedResults, load, write_aside
from simulator.schema import Commissioning, Demand, Overflow
from simulator.vocabulary import HEADLINE, METRICS, fixed

PLOT_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "responsive": True,
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


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
    staffed = at_work_days(results)
    if staffed is not None:
        at_work = charts.at_work_and_waiting(staffed, start_dates(results), colours)
        after = [div_id for div_id, _ in found].index("chart-waiting-list") + 1
        found.insert(after, ("chart-advocates-at-work", at_work))
    equality = charts.equality(summary, colours)
    if equality is not None:
        found.append(("chart-equality", equality))
    return found


def block_at_work_columns(summary: pd.DataFrame) -> dict[str, list[str]]:
    """Scenario -> the ``daily.parquet`` columns of its block providers' advocates at work
    (``advocates_at_work[NAME]``): those block providers with a workforce, as the summary
    reports them (``advocates_in_post_mean`` under ``provider=NAME``; the flex and spot
    pools are under ``pool=NAME``). Scenarios with no such provider are left out."""
    rows = summary[
        (summary["metric"] == "advocates_in_post_mean")
        & summary["group"].astype(str).str.startswith("provider=")
    ]
    found: dict[str, list[str]] = {}
    for scenario, group in zip(rows["scenario"], rows["group"], strict=True):
        column = f"advocates_at_work[{group.removeprefix('provider=')}]"
        found.setdefault(str(scenario), []).append(column)
    return found


def at_work_days(results: SavedResults) -> pd.DataFrame | None:
    """``scenario, day, waiting, at_work`` for the scenarios whose block providers have a
    workforce: ``at_work`` the block's FTE at work at each day's start (its providers'
    columns summed, from ``results.daily``); None when no scenario has one."""
    wanted = block_at_work_columns(results.summary)
    if not wanted:
        return None
    daily = results.daily
    parts = []
    for scenario, own in wanted.items():
        frame = daily[daily["scenario"] == scenario]
        parts.append(
            pd.DataFrame(
                {
                    "scenario": frame["scenario"],
                    "day": frame["day"],
                    "waiting": frame["waiting"],
                    "at_work": frame[own].sum(axis=1, min_count=len(own)),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


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
    if not fixed(row["mean"], row["ci_low"], row["ci_high"]):
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
        elif fixed(row["mean_difference"], row["ci_low"], row["ci_high"]):
            interval = "the same in every replication"
            mark = "yes" if row["mean_difference"] else "no"
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


def _buys_block(commissioning: dict) -> bool:
    """Whether the scenario's commissioning model buys a block, as its registry entry says
    (spot only buys none: every referral is bought spot)."""
    return COMMISSIONING_MODELS[commissioning["model"]].buys_block


def _block_words(scenario: dict, summary: pd.DataFrame) -> str:
    """The block as run: how it was sized, and the hours and slots that gave (from the
    summary, so the card states what ran, whatever the file's text says)."""
    commissioning = scenario["commissioning"]
    if not _buys_block(commissioning):
        return COMMISSIONING_MODELS[commissioning["model"]].words
    sizes = []
    providers = commissioning.get("providers", [])
    by_share = [
        p for p in providers if p.get("advocates") is None and p.get("block_hours_per_year") is None
    ]
    for provider in providers:
        if provider.get("advocates") is not None:
            sized = f"{provider['advocates']:g} advocates"
        elif provider.get("block_hours_per_year") is not None:
            sized = f"{provider['block_hours_per_year']:,.0f} block hours a year"
        else:
            together = " (together with the other providers so sized)" if len(by_share) > 1 else ""
            sized = (f"block_share {commissioning.get('block_share', 1.0):g} of expected "
                     f"hours{together}")  # fmt: skip
        rate = provider.get("block_rate_per_hour")
        priced = f" at £{rate:,.2f} an hour" if rate is not None else ""
        sizes.append(f"{provider['name']}: {sized}{priced}")
    rows = summary[(summary["scenario"] == scenario["name"]) & (summary["group"] == "all")]
    means = rows.set_index("metric")["mean"]
    hours, slots = means.get("block_hours_contracted_per_year"), means.get("block_slots")
    ran = ""
    if hours is not None and slots is not None and hours == hours:
        ran = f" (as run: {hours:,.0f} block hours a year, {slots:,.0f} caseload slots)"
    return f"{COMMISSIONING_MODELS[commissioning['model']].words}, {'; '.join(sizes)}{ran}"


def _overflow_words(commissioning: dict) -> str:
    """The overflow rule as run, in words."""
    if not _buys_block(commissioning):
        return "every referral bought spot"
    return overflow_words(Overflow.model_validate(commissioning.get("overflow") or {}))


REPLACED = (
    "Given by the file it extends and not restated in its own list (which replaces the "
    "base's): check they still hold"
)
"""Said above the assumptions of the files an option extends that its own list replaced."""


def _scenario_cards(results: SavedResults) -> str:
    """A card per option, its facts written from the values run (a sweep point's file text
    may state other values: the point's description says which it changed)."""
    cards = []
    for scenario in results.scenarios:
        facts = card_facts(scenario, results.summary)
        assumptions, replaced = card_assumptions(scenario, results.manifest)
        items = "".join(f"<li>{html.escape(a)}</li>" for a in assumptions) or "<li>none given</li>"
        if replaced:
            items += (
                f"<li>{REPLACED}<ul>"  # no markup in it: as written
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


def card_facts(scenario: dict, summary: pd.DataFrame) -> list[str]:
    """What an option's card states of it as run: what it buys, its overflow rule and
    triage, the horizon, seed and replications, the referrals' arithmetic and the
    contract's terms (the committee paper states the same)."""
    commissioning = scenario["commissioning"]
    triage = commissioning.get("triage", "fifo")
    facts = [
        f"buys: {_block_words(scenario, summary)}",
        f"overflow: {_overflow_words(commissioning)}",
        "triage: " + ("urgent first, then statutory" if triage == "priority" else "in turn"),
        f"horizon {scenario['horizon_days']:g} days, warm-up {scenario.get('warm_up_days', 0):g}",
        f"seed {scenario.get('seed')}, {scenario.get('replications')} replications",
    ]
    arithmetic = Demand.model_validate(scenario["demand"]).rate_arithmetic()
    if arithmetic:
        facts.append(f"referrals: {arithmetic}")
    return facts + _contract_facts(scenario)


def card_assumptions(scenario: dict, manifest: dict) -> tuple[list[str], list[str]]:
    """An option's assumptions as its card lists them (its own, with the assumed effect of
    any workshops), and those of the files it extends that its own list replaced."""
    assumptions = list(scenario.get("assumptions", []))
    reduction = (scenario.get("workshops") or {}).get("assumed_referral_reduction", 0)
    if reduction:
        assumptions.append(
            f"ASSUMPTION: self-advocacy workshops cut the referral rate by {reduction:.0%}"
            " (an assumed effect, not evidence)."
        )
    return assumptions, _replaced(manifest, scenario["name"])


def _contract_facts(scenario: dict) -> list[str]:
    """What a card says of the contract beyond its size: a provider that may leave (as
    ``validate`` words it), a payment band, the term, a joint contract, and the shocks."""
    commissioning = Commissioning.model_validate(scenario["commissioning"])
    facts = exit_lines(list(commissioning.providers), commissioning,
                       float(scenario["horizon_days"]))  # fmt: skip
    payment = commissioning.payment
    if payment is not None:
        facts.append(f"paid for hours delivered between {payment.collar_share:.0%} and "
                     f"{payment.cap_share:.0%} of the contracted hours")  # fmt: skip
    if commissioning.term_years is not None:
        extension = commissioning.extension_years
        facts.append(f"term {commissioning.term_years} years"
                     + (f" + {extension} extension" if extension else ""))  # fmt: skip
    partners = scenario.get("partners")
    if partners:
        names = [partners["name"], *(a["name"] for a in partners["authorities"])]
        split = partners.get("cost_split", "by_use")
        shown = split if isinstance(split, str) else "fixed shares"
        facts.append(f"joint contract: {', '.join(names)} (cost split {shown})")
    for shock in scenario["demand"].get("shocks", []):
        types = ", ".join(shock.get("types") or ["every type"])
        facts.append(f"shock: {types} x{shock['multiplier']:g} from day {shock['start_day']:g} "
                     f"to {shock['end_day']:g}")  # fmt: skip
    return facts


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
table.workforce thead tr:first-child th{vertical-align:bottom}
table.workforce thead tr+tr th{text-align:right}
table.diff td:nth-child(2),table.diff th:nth-child(2){text-align:left}
table.diff td:nth-child(3),table.diff td:nth-child(4){white-space:nowrap}
.answer{font-size:1.05rem;background:#f3f7fb;border-left:4px solid #1f5fa8;padding:.6rem .9rem}
dl.glossary dt{font-weight:600;margin-top:.5rem}dl.glossary dd{margin-left:1rem;color:#33404d}
"""


def build_html(results: SavedResults, replay: pd.DataFrame | None = None) -> str:
    """The report as one HTML string (deterministic for the same results); with
    ``replay`` (``replay.csv``), the recorded against simulated waits first among the
    charts."""
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
        briefing.workforce(results.summary, results.measured_days),
        briefing.if_a_provider_leaves(results.summary),
        briefing.by_authority(results.summary),
        briefing.who_pays(results.summary),
        briefing.waits_by_type(results.summary),
        briefing.by_contract_year(results.summary, results.terms),
        briefing.by_financial_year(results.summary),
        briefing.demand_doubt(results.demand_doubt),
        "<h2>Charts</h2>",
    ]
    shown = figures(results)
    if replay is not None:
        shown.insert(0, ("chart-replay", _replay_chart(replay)))
        parts.append(_replay_words(results.manifest.get("replay") or {}))
    for div_id, figure in shown:
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
    replay = folder / "replay.csv"
    recorded = pd.read_csv(replay, encoding="utf-8-sig") if replay.is_file() else None
    return write_aside(folder / "report.html", build_html(load(folder), recorded))


def _replay_chart(replay: pd.DataFrame) -> go.Figure:
    from simulator.replay_chart import recorded_against_simulated

    return recorded_against_simulated(replay)


def _replay_words(listed: dict) -> str:
    """What a replay ran on: the list's referrals, and what replications draw."""
    drawn = ", ".join(listed.get("drawn") or []) or "nothing"
    text = (
        f"Replayed: the {listed.get('referrals', 0):,} referrals of {listed.get('file')} "
        f"(replayed {listed.get('first_day')} to {listed.get('last_day')}) instead of drawn "
        "demand. "
        f"Replications differ only in what the list does not record: {drawn}."
    )
    return f"<p class='note'>{html.escape(text)}</p>"


class ImageError(Exception):
    """Static images cannot be written (no browser for kaleido)."""


def find_browser() -> str:
    """The Chromium, Chrome or Edge kaleido will drive (``BROWSER_PATH``, the PATH, then
    the platform's usual install places: :mod:`simulator.browser`); an ImageError saying
    what to install, or how to name one, when there is none."""
    from simulator.browser import BROWSER_VARIABLE, find_browser_path, how_to_name_one

    found = find_browser_path()
    if found is None:
        raise ImageError(
            "--png needs Chromium or Chrome, or Microsoft Edge, for kaleido: none on the "
            f"PATH or where they are usually installed; {how_to_name_one()}"
        )
    if not os.access(found, os.X_OK):
        raise ImageError(
            f"--png: no browser at {found} ({BROWSER_VARIABLE}): set it to Chromium, Chrome or Edge"
        )
    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise ImageError(
            "--png needs kaleido: pip install '.[images]' from the repository folder"
        ) from None
    return found


IMAGE_SIZE = {"format": "png", "width": 1100, "height": 520, "scale": 2}


def write_images(folder: Path) -> list[Path]:
    """PNG of every chart, through kaleido and the system's Chromium, in one browser.

    One browser renders them all, since starting a browser for each chart is most of the
    time. Any failure of the browser is an ImageError of one line, not kaleido's DevTools
    message.
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
        f"({browser} --headless --version) or set BROWSER_PATH to another Chromium, Chrome or Edge"
    )


def _start_errors() -> tuple[type[BaseException], ...]:
    """The errors choreographer raises when the browser does not start."""
    from choreographer.errors import BrowserClosedError, BrowserFailedError, ChromeNotFoundError

    return (BrowserFailedError, BrowserClosedError, ChromeNotFoundError, OSError)
