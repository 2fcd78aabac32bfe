"""Plotly figures for the report: a DataFrame in, a Figure out.

Labels and units come from the one metric registry in ``vocabulary.METRICS``.
Hover text speaks in plain units (GBP, days, people). No SimPy here.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from simulator.briefing import MARKETS, metric_rows, readable, served_by
from simulator.pricing import COST_LINES
from simulator.vocabulary import METRICS

OPTION_PALETTE = [
    "#1f5fa8",  # blue
    "#d9822b",  # orange
    "#2a9d8f",  # teal
    "#b5179e",  # magenta
    "#6a4c93",  # purple
    "#588157",  # green
    "#c9a227",  # gold
    "#4cc9f0",  # sky
]
"""The options' colours, in the order of ``summary["scenario"]``: the first option is
blue in every chart of a report. Saturated hues only; the greys, sands and reds below
are kept for what is not an option, so a cost line or an urgency never reads as one."""

COST_LINE_COLOURS = {
    "cost_block": "#5b5f66",  # slate
    "cost_flex_hours": "#9a8c73",  # taupe
    "cost_spot_hours": "#c8b68e",  # sand
    "cost_mileage": "#e3d9c2",  # pale sand
    "cost_triage": "#7d8b91",  # blue-grey
    "cost_fee": "#b3bcc0",  # pale grey
    "cost_workshops": "#8a7f8d",  # dusk
    "cost_purchasing": "#a39e93",  # stone
    "cost_contract_management": "#7a5c3e",  # umber
}
"""One colour per cost line (``pricing.COST_LINES``): greys and sands, none an option's."""

MARKET_COLOURS = {
    "block": COST_LINE_COLOURS["cost_block"],
    "flex": COST_LINE_COLOURS["cost_flex_hours"],
    "spot": COST_LINE_COLOURS["cost_spot_hours"],
}
"""Each market in the colour of its cost line: block is slate wherever it is drawn."""

URGENCY_COLOURS = {"all": "#343a40", "urgent": "#b3001b", "standard": "#de7b89"}
"""All referrals, urgent and standard (the within-target bars and the wait chart's
response targets): charcoal, deep red and rose, none an option's."""

NEUTRAL = "#a5a5a5"
"""Lines that join options without being one (a sweep's frontier)."""


def option_colours(scenarios) -> dict[str, str]:
    """Scenario -> colour from the scenarios in order (``summary["scenario"]``, repeats
    ignored), cycling through ``OPTION_PALETTE`` after eight options. Pass the same
    mapping to every chart of a report, so one option is one colour throughout."""
    names = dict.fromkeys(str(name) for name in scenarios)
    return {name: OPTION_PALETTE[i % len(OPTION_PALETTE)] for i, name in enumerate(names)}


def _colours_for(colours: dict[str, str] | None, scenarios) -> dict[str, str]:
    """The report's mapping when given, with any scenario it lacks added after its own
    (a chart called alone colours its scenarios in their order)."""
    found = dict(colours or {})
    for name in dict.fromkeys(str(s) for s in scenarios):
        if name not in found:
            found[name] = OPTION_PALETTE[len(found) % len(OPTION_PALETTE)]
    return found


LAYOUT = dict(
    font=dict(family="system-ui, -apple-system, Segoe UI, sans-serif", size=13),
    margin=dict(l=70, r=20, t=95, b=60),
    legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0),
    title_y=0.97,
    title_yanchor="top",
    height=430,
)


TRACE_TYPES = ("scatter", "bar")
"""The kinds of trace the charts draw: the only ones whose defaults they carry."""


@functools.cache
def chart_template() -> go.layout.Template:
    """Plotly's ``plotly_white`` as these charts use it: its layout, and its defaults for
    the trace types they draw (``TRACE_TYPES``) only. The full template sets defaults for
    two dozen kinds of trace: checking and copying them made every figure slower to build,
    and every chart carried a copy of them in the report."""
    white = pio.templates["plotly_white"]
    return go.layout.Template(
        layout=white.layout, data={kind: white.data[kind] for kind in TRACE_TYPES}
    )


def new_figure() -> go.Figure:
    """An empty figure in the charts' template (and not plotly's default first)."""
    return go.Figure(layout={"template": chart_template()})


def _error(rows: pd.DataFrame, scale: float | np.ndarray = 1.0) -> dict:
    return dict(
        type="data",
        symmetric=False,
        array=((rows["ci_high"] - rows["mean"]) * scale).fillna(0).tolist(),
        arrayminus=((rows["mean"] - rows["ci_low"]) * scale).fillna(0).tolist(),
        thickness=1.5,
    )


def cost_by_line(summary: pd.DataFrame, measured_days: dict[str, float]) -> go.Figure:
    """Cost per year by line, stacked, one bar per scenario."""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    figure = new_figure()
    for line in COST_LINES:
        rows = metric_rows(summary, line).reindex(scenarios)
        per_year = rows["mean"].fillna(0) * [365.0 / measured_days[s] for s in scenarios]
        if not per_year.any():
            continue
        figure.add_bar(
            name=METRICS[line].label,
            x=scenarios,
            y=per_year.round(2).tolist(),
            marker_color=COST_LINE_COLOURS[line],
            hovertemplate=f"%{{x}}<br>{METRICS[line].label}: GBP %{{y:,.0f}} a year<extra></extra>",
        )
    figure.update_layout(
        title="Cost per year by line (mean over replications)",
        barmode="stack",
        yaxis_title="GBP per year",
        yaxis_tickprefix="£",
        yaxis_tickformat=",.0f",
        **LAYOUT,
    )
    return figure


def wait_ecdf(
    cases: pd.DataFrame,
    targets: dict[str, int] | None = None,
    colours: dict[str, str] | None = None,
) -> go.Figure:
    """Distribution of the cohort's waits: share of referrals waiting at most x days.

    Everyone who arrived in the measured window counts; a referral never allocated
    counts its wait to the end of the follow-up or to leaving the list (a lower bound).
    The axis stops at the largest 99th percentile, so the tail does not squash the rest.
    ``targets`` (label -> working days) draws each response target where it falls in
    calendar days without a bank holiday (5 working days: 7 days), in its urgency's
    colour. ``colours``: scenario -> colour (``option_colours``).
    """
    figure = new_figure()
    levels = np.linspace(0, 1, 201)
    longest = 0.0
    groups = cases.groupby("scenario", sort=False, observed=True)
    colours = _colours_for(colours, [scenario for scenario, _ in groups])
    for scenario, frame in groups:
        waits = frame["wait_days"].dropna().to_numpy()
        if len(waits) == 0:
            continue
        longest = max(longest, float(np.quantile(waits, 0.99)))
        figure.add_scatter(
            name=scenario,
            x=np.round(np.quantile(waits, levels), 4).tolist(),
            y=levels.round(3).tolist(),
            mode="lines",
            line=dict(color=colours[str(scenario)], width=2.5, shape="hv"),
            hovertemplate=scenario + "<br>%{y:.0%} waited at most %{x:.1f} days<extra></extra>",
        )
    figure.update_layout(
        title="Wait for an advocate: share of referrals that waited at most x days "
        "(everyone referred; all replications)",
        xaxis_title="days from referral to allocation (never allocated: to leaving the list "
        "or the end of the follow-up)",
        xaxis_range=[0, max(longest, 1.0) * 1.05],
        yaxis_title="share of referrals",
        yaxis_tickformat=".0%",
        **LAYOUT,
    )
    if not figure.data:  # run with --cases none: the waits are not in the results
        figure.add_annotation(
            text="No case rows were kept (--cases none): rerun with --cases all to see waits",
            x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
        )  # fmt: skip
    for index, (label, working_days) in enumerate((targets or {}).items()):
        days = working_days_as_days(working_days)
        figure.add_vline(
            x=days, line=dict(color=URGENCY_COLOURS.get(label, URGENCY_COLOURS["all"]),
                              dash="dash" if index else "dot", width=1.5),
            annotation_text=f"{label} target: {working_days} working "
            f"day{'s' if working_days != 1 else ''} (about {days:g} "
            f"day{'s' if days != 1 else ''})",
            annotation_position="bottom right" if index else "top right",
        )  # fmt: skip
    return figure


def working_days_as_days(working_days: int) -> float:
    """Calendar days that span this many working days in an ordinary week (no bank
    holiday): 5 working days from a Monday end the next Monday, 7 days on."""
    weeks, rest = divmod(working_days, 5)
    return float(7 * weeks + rest)


def waiting_list(
    daily: pd.DataFrame,
    start_dates: dict[str, str] | None = None,
    colours: dict[str, str] | None = None,
) -> go.Figure:
    """Waiting list over time: median across replications and a 10-90% band, on dates
    (each scenario's ``start_date`` plus the day) when they are given. ``colours``:
    scenario -> colour (``option_colours``)."""
    figure = new_figure()
    groups = daily.groupby("scenario", sort=False, observed=True)
    colours = _colours_for(colours, [scenario for scenario, _ in groups])
    for scenario, frame in groups:
        colour = colours[str(scenario)]
        days, (low, mid, high) = quantiles_by_day(frame, (0.1, 0.5, 0.9))
        days = on_dates(days, start_dates, scenario)
        # arrays, not lists: plotly takes a day a point for years of days much faster
        figure.add_scatter(
            x=np.concatenate([days, days[::-1]]),
            y=np.concatenate([high, low[::-1]]).round(2),
            fill="toself",
            fillcolor=_fade(colour),
            line=dict(width=0),
            hoverinfo="skip",
            showlegend=False,
            name=f"{scenario} 10-90%",
        )
        figure.add_scatter(
            name=scenario,
            x=days,
            y=mid.round(2),
            mode="lines",
            line=dict(color=colour, width=2),
            hovertemplate=scenario + "<br>%{x}: %{y:.0f} waiting (median)<extra></extra>",
        )
    figure.update_layout(
        title="Waiting list over time (median across replications, band: 10th-90th percentile)",
        xaxis_title="date" if start_dates else "day",
        yaxis_title="referrals waiting",
        **LAYOUT,
    )
    return figure


def on_dates(days: np.ndarray, start_dates: dict[str, str] | None, scenario) -> np.ndarray:
    """Day numbers as dates, from the scenario's ``start_date`` when one is given.

    Dates as datetime64, not strings: plotly writes the same dates, but copies an array
    of strings item by item, which is slow for years of days."""
    if not start_dates or scenario not in start_dates:
        return days
    start = np.datetime64(str(start_dates[scenario]), "D")
    return start + days.astype("timedelta64[D]")


def at_work_and_waiting(
    daily: pd.DataFrame,
    start_dates: dict[str, str] | None = None,
    colours: dict[str, str] | None = None,
) -> go.Figure:
    """Block advocates at work (above) and the waiting list (below) over time, on one
    time axis: each the mean across replications of each day. ``daily``: ``scenario,
    day, waiting, at_work`` (the block providers' advocates at work at the day's start,
    not away and not vacant, summed in full-time equivalents). Dates as in
    ``waiting_list``; ``colours``: scenario -> colour (``option_colours``), one option
    one colour in both panels."""
    figure = new_figure()
    groups = daily.groupby("scenario", sort=False, observed=True)
    colours = _colours_for(colours, [scenario for scenario, _ in groups])
    for scenario, frame in groups:
        colour = colours[str(scenario)]
        means = frame.groupby("day", sort=True)[["at_work", "waiting"]].mean()
        days = on_dates(means.index.to_numpy(), start_dates, scenario)
        # arrays, not lists: plotly takes a day a point for years of days much faster
        panels = (("at_work", "", "block FTE at work"), ("waiting", "2", "waiting"))
        for column, axis, what in panels:
            figure.add_scatter(
                name=scenario,
                legendgroup=str(scenario),
                showlegend=column == "at_work",
                x=days,
                y=means[column].to_numpy().round(2),
                mode="lines",
                line=dict(color=colour, width=2),
                xaxis="x" + axis,
                yaxis="y" + axis,
                hovertemplate=scenario + f"<br>%{{x}}: %{{y:.1f}} {what} (mean)<extra></extra>",
            )
    figure.update_layout(
        title="Advocates at work and the waiting list (mean across replications, each day)",
        xaxis=dict(domain=[0, 1], anchor="y", matches="x2", showticklabels=False),
        yaxis=dict(domain=[0.54, 1], title="block advocates at work (FTE)", rangemode="tozero"),
        xaxis2=dict(domain=[0, 1], anchor="y2", title="date" if start_dates else "day"),
        yaxis2=dict(domain=[0, 0.46], title="referrals waiting", rangemode="tozero"),
        **{**LAYOUT, "height": 560},
    )
    return figure


def quantiles_by_day(
    daily: pd.DataFrame, levels: tuple[float, ...]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The days in order and, for each level, the waiting list's quantile across
    replications on each day: pandas' ``groupby("day").quantile(level)``, number for
    number (its linear interpolation), from one sort of two arrays. A groupby sorts and
    copies the table for every level; over hundreds of replications of years of days
    that was most of the report's memory and time."""
    day = daily["day"].to_numpy()
    waiting = daily["waiting"].to_numpy(dtype=float)
    order = np.lexsort((waiting, day))  # by day, then waiting; NaN last in each day
    day, waiting = day[order], waiting[order]
    if len(day) == 0:
        return day, [waiting for _ in levels]
    first = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
    count = np.add.reduceat(~np.isnan(waiting), first)  # the day's values, NaN aside
    last = first + np.maximum(count - 1, 0)
    found = []
    for level in levels:
        position = level * (count - 1).astype(float)
        below = first + np.maximum(position, 0).astype(np.int64)
        fraction = position % 1
        low = waiting[below]
        high = waiting[np.minimum(below + 1, last)]
        value = np.where(fraction == 0.0, low, low + (high - low) * fraction)
        found.append(np.where(count > 0, value, np.nan))
    return day[first], found


def _fade(colour: str, alpha: float = 0.18) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def within_target(summary: pd.DataFrame) -> go.Figure:
    """Share allocated within the response target, by urgency (each in its own colour,
    ``URGENCY_COLOURS``), with 95% intervals."""
    figure = new_figure()
    groups = [
        ("all", "All referrals"),
        ("urgency=urgent", "Urgent"),
        ("urgency=standard", "Standard"),
    ]
    scenarios = list(dict.fromkeys(summary["scenario"]))
    for group, label in groups:
        rows = metric_rows(summary, "within_target_share", group).reindex(scenarios)
        if rows["mean"].isna().all():
            continue
        figure.add_bar(
            name=label,
            x=scenarios,
            y=rows["mean"].round(4).tolist(),
            error_y=_error(rows),
            marker_color=URGENCY_COLOURS[group.removeprefix("urgency=")],
            hovertemplate="%{x}<br>" + label + ": %{y:.1%} within target<extra></extra>",
        )
    figure.update_layout(
        title="Allocated within the response target (mean, 95% interval)",
        barmode="group",
        yaxis_title="share within target",
        yaxis_tickformat=".0%",
        yaxis_range=[0, 1.05],
        **LAYOUT,
    )
    return figure


def markets(summary: pd.DataFrame) -> go.Figure:
    """Which market served each referral: shares by route, with each route's mean wait;
    each market in its cost line's colour (``MARKET_COLOURS``)."""
    shares = served_by(summary)
    figure = new_figure()
    for route, label in MARKETS:
        if not shares[route].any():
            continue
        waits = metric_rows(summary, "wait_mean_days", f"route={route}").reindex(shares.index)[
            "mean"
        ]
        labels = [
            f"{share:.0%}, {wait:.1f} d" if share >= 0.06 and wait == wait else ""
            for share, wait in zip(shares[route], waits, strict=True)
        ]
        figure.add_bar(
            name=label,
            y=shares.index.tolist(),
            x=shares[route].round(4).tolist(),
            orientation="h",
            text=labels,
            textposition="inside",
            customdata=waits.round(1).tolist(),
            marker_color=MARKET_COLOURS[route],
            hovertemplate="%{y}<br>" + label
            + ": %{x:.1%} of referrals, mean wait %{customdata} days<extra></extra>",
        )  # fmt: skip
    figure.update_layout(
        title="Which market served each referral: share, and mean wait in days",
        barmode="stack",
        legend_traceorder="normal",
        xaxis_title="share of referrals",
        xaxis_tickformat=".0%",
        xaxis_range=[0, 1],
        yaxis_autorange="reversed",
        **LAYOUT,
    )
    return figure


def breaches(
    summary: pd.DataFrame,
    measured_days: dict[str, float],
    colours: dict[str, str] | None = None,
) -> go.Figure:
    """Breaches a year: processes that went ahead without an advocate, with 95% intervals;
    each option's bar in its colour (``colours``: scenario -> colour)."""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    colours = _colours_for(colours, scenarios)
    rows = metric_rows(summary, "breaches").reindex(scenarios)
    scale = np.array([365.0 / measured_days[s] for s in scenarios])
    figure = new_figure()
    figure.add_bar(
        name="Breaches a year",
        x=scenarios,
        y=(rows["mean"] * scale).round(3).tolist(),
        error_y=_error(rows, scale),
        marker_color=[colours[str(s)] for s in scenarios],
        showlegend=False,
        hovertemplate="%{x}<br>%{y:.1f} processes a year went ahead without an advocate"
        "<extra></extra>",
    )
    figure.update_layout(
        title="Breaches a year: the process went ahead without an advocate (mean, 95% interval)",
        yaxis_title="breaches per year",
        **LAYOUT,
    )
    return figure


COST_AXIS = {"cost_to_serve_per_year": "cost to serve", "cost_total_per_year": "cash cost"}


def plotted_cost(summary: pd.DataFrame) -> str:
    """The cost the charts plot: the cost to serve everyone referred a year (the
    committee's figure), or the cash cost a year for saved results from before it."""
    if metric_rows(summary, "cost_to_serve_per_year")["mean"].notna().any():
        return "cost_to_serve_per_year"
    return "cost_total_per_year"


def cost_against_wait(
    summary: pd.DataFrame,
    frontier: bool = False,
    chosen: str | None = None,
    colours: dict[str, str] | None = None,
) -> go.Figure:
    """The cost to serve a year (``plotted_cost``) against the p90 wait, with 95%
    intervals on both; a sweep joins the points, and a recommendation's choice is a star.
    ``colours``: scenario -> colour (``option_colours``)."""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    colours = _colours_for(colours, scenarios)
    metric = plotted_cost(summary)
    label = METRICS[metric].label
    cost = metric_rows(summary, metric).reindex(scenarios)
    wait = metric_rows(summary, "wait_p90_days").reindex(scenarios)
    figure = new_figure()
    if frontier:
        figure.add_scatter(
            name="swept values",
            x=wait["mean"].round(4).tolist(),
            y=cost["mean"].round(2).tolist(),
            mode="lines+markers",
            line=dict(color=NEUTRAL, dash="dot"),
            hoverinfo="skip",
        )
    for scenario in scenarios:
        figure.add_scatter(
            name=f"{scenario} (recommended)" if scenario == chosen else scenario,
            x=[round(float(wait.loc[scenario, "mean"]), 4)],
            y=[round(float(cost.loc[scenario, "mean"]), 2)],
            error_x=_error(wait.loc[[scenario]]),
            error_y=_error(cost.loc[[scenario]]),
            mode="markers",
            marker=dict(
                size=20 if scenario == chosen else 13,
                symbol="star" if scenario == chosen else "circle",
                color=colours[str(scenario)],
            ),
            hovertemplate=f"{scenario}<br>p90 wait %{{x:.1f}} days<br>{label}: "
            "GBP %{y:,.0f}<extra></extra>",
        )
    figure.update_layout(
        title=f"{label}, against the 90th percentile wait (mean, 95% intervals)",
        xaxis_title="90th percentile wait (days)",
        yaxis_title=f"{COST_AXIS[metric]}, GBP per year",
        yaxis_tickprefix="£",
        yaxis_tickformat=",.0f",
        **LAYOUT,
    )
    return figure


def equality(summary: pd.DataFrame, colours: dict[str, str] | None = None) -> go.Figure | None:
    """Mean wait by specialist need and locality: who waits longer (the equality view).
    ``colours``: scenario -> colour (``option_colours``)."""
    rows = summary[
        (summary["metric"] == "wait_mean_days")
        & summary["group"].str.match(r"^(need|locality)=")
        & summary["mean"].notna()
    ]
    if rows.empty:
        return None
    figure = new_figure()
    colours = _colours_for(colours, summary["scenario"])
    for scenario, frame in rows.groupby("scenario", sort=False):
        figure.add_bar(
            name=scenario,
            x=[f"{g.split('=')[0]}: {readable(g.split('=', 1)[1])}" for g in frame["group"]],
            y=frame["mean"].round(4).tolist(),
            error_y=_error(frame),
            marker_color=colours[str(scenario)],
            hovertemplate=scenario + "<br>%{x}: mean wait %{y:.1f} days<extra></extra>",
        )
    figure.update_layout(
        title="Mean wait by specialist need and locality (mean, 95% interval)",
        barmode="group",
        yaxis_title="mean wait (days)",
        **LAYOUT,
    )
    return figure
