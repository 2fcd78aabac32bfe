"""What ``advocacy-sim calibrate`` writes: the ``demand:`` block (every figure commented
with its estimate, interval and n), a short fit report for the terminal, and the fit
page (fitted against observed monthly referrals, and each type's hours fits)."""

from __future__ import annotations

import html
import math
import re

import numpy as np

from simulator.calibration import Calibration, DistributionFit, Estimate, Z, frozen
from simulator.caselist import CaseList

SIMPLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HOW_TO_READ = (
    "How to read the charts. Referrals a month: the bars are the list's referrals, the line "
    "the fitted level and growth (with the season only when the data support one), the band "
    "its 95% interval. Hours: for each type, the black steps are the share of its cases "
    "needing more than x hours, counting open cases as needing at least their hours so far "
    "(Kaplan-Meier); each coloured line is a fitted family. The family with the lowest AIC "
    "(Akaike's information criterion: fit less a penalty for each parameter) is written."
)


def demand_yaml(cal: Calibration) -> str:
    """The ``demand:`` block, ready to save and ``extends:`` from a scenario."""
    source, rate = cal.source, cal.rate
    lines = [
        f"# Demand fitted by `advocacy-sim calibrate` from {source.path.name}:",
        f"# {len(source.cases):,} referrals from {rate.start.date()} to "
        f"{(rate.end - np.timedelta64(1, 'D')).date()}; {source.bad_rows} bad rows left out"
        f"{_repeated(source)}.",
        "# Each figure gives its estimate, 95% interval and the referrals behind it (n).",
        "# Use it from a scenario file with `extends: <this file>` and give the contract there.",
        "# Types are statutory unless you add `statutory: false` (e.g. general advocacy).",
        "# A case list has no deadlines: give deadline_days (and urgent_deadline_days) in the",
        "# scenario, or no process ever goes ahead without an advocate and breaches stay 0.",
        "# Growth's interval is written, not drawn: only the rate and mean hours carry doubt.",
        *[f"# Warning: {warning}" for warning in cal.warnings],
        *[f"# Note: {note}" for note in [*rate.notes, *cal.notes]],
        "demand:",
        f"  # The level on {(rate.end - np.timedelta64(1, 'D')).date()}, the end of the data, "
        f"without the season: {_rate(rate.per_year)}.",
        "  # A contract starting later starts higher: x (1 + growth) for each year between.",
        "  # Each replication draws its own rate (gamma: the estimate and its standard error),",
        "  # so the results carry the doubt about demand; write a plain number to remove it.",
        f"  referrals_per_year: {{dist: gamma, mean: {_round(rate.per_year.value)}, sd: "
        f"{_round(rate.per_year.value * rate.log_se)}}}",
    ]
    if rate.growth is not None:
        g = rate.growth
        lines.append(
            f"  growth_per_year: {g.value:.4f}  # {g.value:+.1%} a year (95% CI {g.low:+.1%} to "
            f"{g.high:+.1%}, n={g.n:,})"
        )
    else:
        lines.append("  growth_per_year: 0.0  # fewer than 24 months: no trend fitted")
    if rate.seasonality is not None:
        months = ", ".join(f"{m:.3f}" for m in _sum_to(rate.seasonality, 12.0, 3))
        lines.append(f"  seasonality: [{months}]  # January first (F test p = "
                     f"{rate.seasonality_p:.3f})")  # fmt: skip
    lines.append("  mix:")
    shares = dict(zip(cal.mix, _sum_to([e.value for e in cal.mix.values()], 1.0, 4), strict=True))
    for kind, share in shares.items():
        fit = cal.hours[kind]
        lines += [
            f"    {_key(kind)}:",
            f"      share: {share:.4f}  # {_interval(cal.mix[kind])}",
            f"      urgent_share: {cal.urgent[kind].value:.4f}  # {_interval(cal.urgent[kind])}",
            f"      # {_hours_comment(fit)}",
            f"      hours: {_hours(fit)}",
        ]
    if cal.needs:
        lines.append("  needs:")
        lines += [
            f"    {_key(need)}: {e.value:.4f}  # {_interval(e)}" for need, e in cal.needs.items()
        ]
    if cal.localities:
        lines.append("  localities:")
        values = _sum_to([e.value for e in cal.localities.values()], 1.0, 4)
        for (place, e), share in zip(cal.localities.items(), values, strict=True):
            lines += [f"    {_key(place)}:", f"      share: {share:.4f}  # {_interval(e)}"]
            if place in cal.miles:
                fit = cal.miles[place]
                how = "by AIC" if fit.aic else "as observed (some cases need no travel)"
                lines.append(
                    f"      miles_per_case: {_plain(fit)}  # {fit.family} {how}, n={fit.mean.n:,}"
                )
            else:
                lines.append("      miles_per_case: {dist: fixed, mean: 0}  # no miles given")
    lines.append(
        f"  travel_mph: {cal.travel_mph:g}  # the hours above are net of travel at this speed"
    )
    return "\n".join(lines) + "\n"


def summary_text(cal: Calibration) -> str:
    """The terminal's short fit report."""
    rate = cal.rate
    lines = [
        f"{cal.source.path}: {len(cal.source.cases):,} referrals, {rate.start.date()} to "
        f"{(rate.end - np.timedelta64(1, 'D')).date()} ({len(rate.months)} months); "
        f"{cal.source.bad_rows} bad rows left out{_repeated(cal.source)}",
        f"  referrals a year  {_rate(rate.per_year)} (at the end of the data)",
    ]
    if rate.growth is not None:
        g = rate.growth
        lines.append(f"  growth a year     {g.value:+.1%} (95% CI {g.low:+.1%} to {g.high:+.1%})")
    season = "kept" if rate.seasonality else "left out"
    shown_p = f" (p = {rate.seasonality_p:.2f})" if rate.seasonality_p is not None else ""
    lines.append(f"  seasonality       {season}{shown_p}")
    lines.append("  type               share   urgent  hours (chosen by AIC)")
    for kind, share in cal.mix.items():
        fit = cal.hours[kind]
        lines.append(
            f"  {kind:<18} {share.value:>5.1%}  {cal.urgent[kind].value:>6.1%}  {fit.family} "
            f"mean {fit.mean.value:.1f} h (95% CI {fit.mean.low:.1f} to {fit.mean.high:.1f}), "
            f"n={fit.mean.n:,}, {len(fit.censored)} open"
        )
    lines += [f"  note: {note}" for note in [*rate.notes, *cal.notes]]
    lines += [f"  left out: {problem}" for problem in cal.source.reported]
    return "\n".join(lines)


def _repeated(source: CaseList) -> str:
    """The duplicate rows left out, when there are any."""
    return f", {len(source.duplicates)} duplicate rows" if source.duplicates else ""


def page_text(cal: Calibration) -> str:
    """The fit page's report: the terminal's, with the warnings the terminal shows on
    stderr."""
    return "\n".join([summary_text(cal), *[f"  warning: {w}" for w in cal.warnings]])


def fit_page(cal: Calibration) -> str:
    """The fit report as one HTML page with its plotly charts."""
    import plotly.offline

    charts = [_monthly(cal), _hours_fits(cal)]
    body = "".join(
        f.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})
        for f in charts
    )
    text = html.escape(page_text(cal))
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>advocacy-sim calibrate: {html.escape(cal.source.path.name)}</title>"
        f"<script>{plotly.offline.get_plotlyjs()}</script>"
        "<style>body{font-family:system-ui,sans-serif;max-width:1180px;margin:0 auto;"
        "padding:1rem}pre{background:#f4f6f8;padding:1rem;white-space:pre-wrap}</style>"
        f"</head><body><h1>Demand fitted from {html.escape(cal.source.path.name)}</h1>"
        f"<pre>{text}</pre><p>{html.escape(HOW_TO_READ)}</p>"
        f"{body}</body></html>\n"
    )


def _monthly(cal: Calibration):
    import plotly.graph_objects as go

    months = cal.rate.months
    x = [m.strftime("%Y-%m") for m in months["month"]]
    figure = go.Figure()
    figure.add_scatter(x=x + x[::-1], y=[*months["high"], *months["low"][::-1]], fill="toself",
                       line=dict(width=0), fillcolor="rgba(31,119,180,0.18)", hoverinfo="skip",
                       name="fitted, 95% interval")  # fmt: skip
    figure.add_scatter(x=x, y=months["fitted"], mode="lines", name="fitted")
    figure.add_bar(x=x, y=months["observed"], name="observed", opacity=0.55)
    figure.update_layout(
        title="Referrals a month: observed and fitted", xaxis_title="month",
        yaxis_title="referrals", template="plotly_white",
    )  # fmt: skip
    return figure


def _hours_fits(cal: Calibration):
    """Each type's hours: the Kaplan-Meier survival of the cases (open ones censored)
    against each family's fitted survival."""
    from plotly.subplots import make_subplots
    from statsmodels.duration.survfunc import SurvfuncRight

    kinds = list(cal.hours)
    rows = math.ceil(len(kinds) / 2)
    figure = make_subplots(rows=rows, cols=2, subplot_titles=kinds)
    for index, kind in enumerate(kinds):
        fit = cal.hours[kind]
        row, col = index // 2 + 1, index % 2 + 1
        times = np.concatenate([fit.closed, fit.censored])
        status = np.concatenate([np.ones(len(fit.closed)), np.zeros(len(fit.censored))])
        survival = SurvfuncRight(times, status)
        figure.add_scatter(
            x=survival.surv_times, y=survival.surv_prob, mode="lines",
            line=dict(shape="hv", color="black"), name="cases (Kaplan-Meier)",
            legendgroup="cases", showlegend=index == 0, row=row, col=col,
        )  # fmt: skip
        grid = np.linspace(0, float(np.quantile(times, 0.99)), 120)
        for family, (mean, sd) in fit.fits.items():
            chosen = family == fit.family
            figure.add_scatter(
                x=grid, y=frozen(family, mean, sd).sf(grid), mode="lines",
                name=f"{kind}: {family}{' (chosen)' if chosen else ''}, AIC {fit.aic[family]:,.1f}",
                line=dict(dash="solid" if chosen else "dot", color=COLOURS[family]),
                legendgroup=kind, row=row, col=col,
            )  # fmt: skip
        figure.update_xaxes(title_text="hours of work", row=row, col=col)
        figure.update_yaxes(title_text="share needing more", row=row, col=col)
    figure.update_layout(
        title="Hours per case (travel taken off): share still needing more than x hours",
        height=330 * rows, template="plotly_white", legend=dict(groupclick="togglegroup"),
    )  # fmt: skip
    return figure


COLOURS = {"lognormal": "#1f77b4", "gamma": "#d62728", "exponential": "#2ca02c"}


def _hours(fit: DistributionFit) -> str:
    """The hours distribution with its mean uncertain (gamma: estimate and standard error)."""
    se = fit.mean.value * (math.log(fit.mean.high) - math.log(fit.mean.low)) / (2 * Z)
    mean = f"{{dist: gamma, mean: {_round(fit.mean.value)}, sd: {_round(se)}}}"
    if not math.isfinite(se) or se <= 0:
        mean = _round(fit.mean.value)
    if fit.family == "exponential":
        return f"{{dist: exponential, mean: {mean}}}"
    return f"{{dist: {fit.family}, mean: {mean}, sd: {_round(fit.sd)}}}"


def _hours_comment(fit: DistributionFit) -> str:
    aic = ", ".join(f"{family} {value:,.1f}" for family, value in fit.aic.items())
    return (
        f"{fit.family} by AIC ({aic}); mean {fit.mean.value:.2f} h (95% CI {fit.mean.low:.2f} "
        f"to {fit.mean.high:.2f}), n={fit.mean.n:,} of which {len(fit.censored)} open "
        f"(right-censored){f', {fit.left_out} open with nothing recorded' if fit.left_out else ''}"
    )


def _plain(fit: DistributionFit) -> str:
    if fit.family == "fixed":
        return f"{{dist: fixed, mean: {_round(fit.mean.value)}}}"
    if fit.family == "empirical":
        return f"{{dist: empirical, values: [{', '.join(f'{q:g}' for q in fit.quantiles)}]}}"
    if fit.family == "exponential":
        return f"{{dist: exponential, mean: {_round(fit.mean.value)}}}"
    return f"{{dist: {fit.family}, mean: {_round(fit.mean.value)}, sd: {_round(fit.sd)}}}"


def _interval(e: Estimate) -> str:
    return f"95% CI {e.low:.4f} to {e.high:.4f}, n={e.n:,}"


def _rate(e: Estimate) -> str:
    return f"{e.value:,.0f} (95% CI {e.low:,.0f} to {e.high:,.0f}, n={e.n:,})"


def _round(value: float) -> str:
    """Four significant figures: enough for a fitted figure, short enough to read."""
    return f"{float(f'{value:.4g}'):g}"


def _key(label: str) -> str:
    return label if SIMPLE_KEY.match(label) else '"' + label.replace('"', '\\"') + '"'


def _sum_to(values: list[float], total: float, places: int) -> list[float]:
    """Rounded values that add up to ``total`` exactly (the largest takes the rest)."""
    rounded = [round(v * total / sum(values), places) for v in values]
    largest = max(range(len(rounded)), key=lambda i: rounded[i])
    rounded[largest] = round(total - sum(r for i, r in enumerate(rounded) if i != largest), places)
    return rounded
