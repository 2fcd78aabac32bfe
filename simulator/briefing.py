"""Every sentence for people, written from the results: the report's answer (In short,
the recommendation), its notes, the figures a tender needs a year at a time, waits by
advocacy type and the glossary, and the lines the command line prints after a run.
Text and HTML strings from the result tables; no SimPy, and no file read or written.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import pandas as pd

from simulator import pricing
from simulator.vocabulary import HEADLINE, METRICS, fixed, share_against

KNOWN_LABELS = {
    "care_act": "Care Act",
    "imca": "IMCA",
    "imha": "IMHA",
    "rpr": "RPR",
    "nhs_complaints": "NHS complaints",
    "non_statutory": "non-statutory",
    "bsl": "BSL",
    "icb": "ICB",
}


def readable(label: str) -> str:
    """A type, need or locality key as a committee reads it: ``learning_disability`` ->
    ``learning disability``, ``imca`` -> ``IMCA``."""
    return KNOWN_LABELS.get(label, label.replace("_", " "))


def _means(summary: pd.DataFrame, group: str = "all") -> pd.DataFrame:
    """Scenario x metric means of one group, scenarios in their order."""
    rows = summary[summary["group"] == group]
    table = rows.pivot_table(index="scenario", columns="metric", values="mean", sort=False)
    return table.reindex(list(dict.fromkeys(summary["scenario"])))


MEANINGFUL_DAYS = 0.5  # a smaller gap in mean wait is not priced per day
NOBODY = 0.05  # unserved a year below this shows as 0.0: nobody left unserved


def _cost_metric(means: pd.DataFrame) -> str:
    """The cost a committee compares: the cost to serve everyone referred; the cash cost
    only for results saved before it existed."""
    return "cost_to_serve_per_year" if "cost_to_serve_per_year" in means else "cost_total_per_year"


def _duty(means: pd.DataFrame, name: str) -> str:
    """Breaches and unserved a year, said beside every cost so that none stands alone."""
    row = means.loc[name]
    return (
        f"{row['breaches_per_year']:,.1f} breaches and "
        f"{row.get('unserved_per_year', 0.0):,.1f} people unserved a year"
    )


def _falls_short(means: pd.DataFrame, name: str, target_share: float) -> str:
    """Why an option does not meet the duty, in one clause."""
    row = means.loc[name]
    reasons = []
    unserved = row.get("unserved_per_year", 0.0)
    if unserved >= NOBODY:
        reasons.append(f"{unserved:,.1f} people a year never have an advocate")
    within = row["within_target_share"]
    if within < target_share:  # never "only 95%" for 94.6% against 95%
        reasons.append(
            f"only {share_against(within, target_share)} are allocated within the target"
        )
    if row["breaches_per_year"] >= NOBODY:
        reasons.append(
            f"{row['breaches_per_year']:,.1f} processes a year go ahead without the advocate "
            "the law requires"
        )
    return (
        " and ".join([", ".join(reasons[:-1]), reasons[-1]])
        if len(reasons) > 1
        else ("".join(reasons))
    )


def summary_paragraph(summary: pd.DataFrame, target_share: float = 0.95) -> str:
    """What the figures support, in plain words: first the options that allocate
    ``target_share`` of referrals within the response target and leave nobody unserved,
    and the cheapest of them to serve; then, in one clause each, why every other option
    falls short; then what the cheapest option would save against what it costs the
    people waiting, priced per breach avoided and per day of mean wait. No option is
    called cheapest without its breaches and unserved beside it. These are means: the
    differences table says which gaps are clear."""
    means = _means(summary)
    cost = means[_cost_metric(means)]
    money = METRICS["cost_to_serve_per_year"].format
    target = f"{target_share:.0%}"
    if len(means) == 1:
        name = means.index[0]
        return (
            f"{name} costs {money(cost[name])} a year to serve everyone referred; people "
            f"wait {METRICS['wait_mean_days'].format(means['wait_mean_days'][name])} days for "
            f"an advocate on average, {means['within_target_share'][name]:.0%} are allocated "
            f"within the response target, with {_duty(means, name)}."
        )
    unserved = means.get("unserved_per_year", pd.Series(0.0, index=means.index))
    meets = means.index[
        (means["within_target_share"] >= target_share) & (unserved < NOBODY)
    ].tolist()
    parts = []
    if meets:
        best = cost[meets].idxmin()
        parts.append(
            f"{len(meets)} of {len(means)} options "
            f"{'allocates' if len(meets) == 1 else 'allocate'} {target} or more of referrals "
            f"within the response target and {'leaves' if len(meets) == 1 else 'leave'} "
            f"nobody unserved: {', '.join(meets)}. "
            + (
                f"It costs {money(cost[best])} a year to serve everyone referred"
                if len(meets) == 1
                else f"The cheapest of them to serve everyone referred is {best}, at "
                f"{money(cost[best])} a year"
            )
            + f" ({_duty(means, best)})."
        )
    else:
        best = None
        breaches = means["breaches_per_year"]
        tied = list(means.index[breaches == breaches.min()])
        fewest = cost[tied].idxmin()  # of options equally few breaches, the cheapest
        has = (
            f"{fewest} has the fewest breaches" if len(tied) == 1
            else f"{', '.join(tied)} have the fewest breaches, equally; the cheapest of them "
            f"to serve is {fewest}"
        )  # fmt: skip
        parts.append(
            f"No option allocates {target} of referrals within the response target and leaves "
            f"nobody unserved. {has} ({_duty(means, fewest)}, "
            f"{money(cost[fewest])} a year to serve)."
        )
    for name in means.index:
        if name not in meets:
            parts.append(f"{name} falls short: {_falls_short(means, name, target_share)}.")
    cheapest = cost.idxmin()
    if best is not None and cheapest != best:
        parts.append(_trade_off(means, cost, cheapest, best))
    return " ".join(parts)


def _trade_off(means: pd.DataFrame, cost: pd.Series, cheap: str, best: str) -> str:
    """What the cheapest option saves against ``best``, per breach and per day of wait."""
    money = METRICS["cost_to_serve_per_year"].format
    saving = cost[best] - cost[cheap]
    text = (
        f"{cheap} costs least to serve ({money(cost[cheap])} a year, {_duty(means, cheap)}): "
        f"{money(saving)} a year less than {best}"
    )
    prices = []
    fewer = means["breaches_per_year"][cheap] - means["breaches_per_year"][best]
    if fewer >= NOBODY:
        prices.append(f"{money(saving / fewer)} a year for each of {fewer:,.1f} breaches a year "
                      "avoided")  # fmt: skip
    shorter = means["wait_mean_days"][cheap] - means["wait_mean_days"][best]
    if shorter >= MEANINGFUL_DAYS:
        prices.append(f"{money(saving / shorter)} a year for each of {shorter:,.1f} days less of "
                      "mean wait")  # fmt: skip
    said = f"; the difference buys {' and '.join(prices)}" if prices else ""
    return f"{text}{said} (means; the differences say which gaps are clear)."


def in_short(summary: pd.DataFrame, recommendation: dict | None) -> str:
    """The recommendation's answer, or a summary written from the figures."""
    if recommendation is not None:
        return recommendation["answer"]
    return summary_paragraph(summary)


def recommendation(advice: dict | None, candidates: pd.DataFrame | None) -> str:
    """For recommend: the answer, and every option with its verdicts."""
    if advice is None or candidates is None:
        return ""
    objective = advice["objective"]["metric"]
    shown = METRICS[objective]
    head = ["Option", "Replications", f"{shown.label} (interval)", "Meets every requirement",
            "Outcome", "Why"]  # fmt: skip
    rows = []
    for _, row in candidates.iterrows():
        value = f"{shown.format(row[objective])} ({shown.format(row['ci_low'])} to " + (
            f"{shown.format(row['ci_high'])})"
        )
        if fixed(row[objective], row["ci_low"], row["ci_high"]):
            value = shown.format(row[objective])  # fixed by design: no interval
        why = row["why"] if isinstance(row["why"], str) else ""
        cells = [row["scenario"], f"{row['reps']:.0f}", value, row["feasible"], row["status"], why]
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    level = advice["interval_level"]
    return (
        "<h2>Recommendation</h2>"
        f"<p class='answer'><strong>{html.escape(advice['answer'])}</strong></p>"
        f"<p class='meta'>{html.escape(advice['procedure'])}. Intervals below are at "
        f"{level:.2%} each, so that all of them hold together at "
        f"{advice['confidence']:.0%}; {advice['replications_used']} replications were run, "
        f"against {advice['replications_full_grid']} for every option at the limit.</p>"
        "<table><thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head)
        + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )  # fmt: skip


GLANCE = [
    ("cost_to_serve_per_year", "Cost to serve a year"),
    ("cost_total_per_year", "Cash cost a year"),
    ("block_hours_contracted_per_year", "Block hours a year"),
    ("block_advocates_fte", "Block advocates (FTE)"),
    ("block_slots", "Caseload slots"),
    ("planned_referrals_per_year", "Block sized for (referrals a year)"),
    ("referrals_per_year", "Referrals a year"),
    ("flex_cases_per_year", "Bought as flex a year"),
    ("spot_cases_per_year", "Bought spot a year"),
    ("unserved_per_year", "Unserved a year"),
    ("breaches_per_year", "Breaches a year"),
]


def at_a_glance(summary: pd.DataFrame) -> str:
    """The figures a tender needs, a year at a time, one row per option."""
    means = _means(summary)
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in GLANCE)
    body = []
    for name, row in means.iterrows():
        cells = []
        for metric, _ in GLANCE:
            value = row.get(metric, float("nan"))
            cells.append(f"<td>{METRICS[metric].format(value) if value == value else 'none'}</td>")
        body.append(f"<tr><th scope='row'>{html.escape(str(name))}</th>{''.join(cells)}</tr>")
    return (
        "<table class='glance'><thead><tr><th>Option</th>" + head + "</tr></thead><tbody>"
        + "".join(body) + "</tbody></table>"
    )  # fmt: skip


LOST = ("leave", "sickness", "training", "vacancy")
"""The causes of casework hours lost, in the order the workforce table gives them."""


def workforce_figures(summary: pd.DataFrame, measured_days: dict[str, float]) -> pd.DataFrame:
    """Per option whose block has a workforce (``advocates_in_post_mean`` in group
    ``all``): block FTE contracted, FTE in post, FTE at work (the mean of its contract
    years' ``fte_at_work``; NaN without them), and a year at a time, as the ``*_per_year``
    metrics are made (the period total over ``pricing.years`` of the measured days): hours
    lost by cause, post-days vacant and the block paid for vacant posts. Rows are options
    in their order; none when no option's block has a workforce."""
    means = _means(summary)
    rows = {}
    for name, row in means.iterrows():
        if row.get("advocates_in_post_mean", float("nan")) != row.get("advocates_in_post_mean"):
            continue
        years = pricing.years(measured_days[str(name)])
        by_year = summary[
            (summary["scenario"] == name)
            & (summary["metric"] == "fte_at_work")
            & summary["group"].astype(str).str.startswith("year=")
        ]["mean"]
        figures = {
            "block_advocates_fte": row.get("block_advocates_fte", float("nan")),
            "advocates_in_post_mean": row["advocates_in_post_mean"],
            "fte_at_work": by_year.mean() if len(by_year) else float("nan"),
        }
        for total in [f"hours_lost_{cause}" for cause in LOST] + [
            "vacancy_days",
            "cost_block_vacant",
        ]:
            figures[total] = row.get(total, float("nan")) / years
        rows[name] = figures
    return pd.DataFrame.from_dict(rows, orient="index")


WORKFORCE_NOTE = (
    "Means over replications. FTE in post counts the block's posts filled, FTE at work "
    "those filled and not away (the average of the contract years). Hours lost a year are "
    "the casework hours the advocates the council buys from (the block's, and a provider's "
    "flex hours where bought) could not give because they were on leave, off sick or in "
    "training or because their post stood empty between a leaver and a new starter; the "
    "block is paid for its vacant posts unless its contract credits them."
)


def workforce(summary: pd.DataFrame, measured_days: dict[str, float]) -> str:
    """The workforce behind each option whose block has one: the FTE contracted, in post
    and at work, the hours lost a year by cause, the posts' vacant days a year and what
    the block was paid for vacant posts a year (:func:`workforce_figures`); nothing when
    no option has one."""
    table = workforce_figures(summary, measured_days)
    if table.empty:
        return ""
    columns = ["block_advocates_fte", "advocates_in_post_mean", "fte_at_work"]
    columns += [f"hours_lost_{cause}" for cause in LOST] + ["vacancy_days", "cost_block_vacant"]
    body = []
    for name, row in table.iterrows():
        cells = "".join(f"<td>{METRICS[m].format(row[m])}</td>" for m in columns)
        body.append(f"<tr><th scope='row'>{html.escape(str(name))}</th>{cells}</tr>")
    return (
        "<h2>The workforce behind each option</h2>"
        "<table class='workforce'><thead><tr><th rowspan='2'>Option</th>"
        "<th rowspan='2'>Block FTE contracted</th><th rowspan='2'>FTE in post</th>"
        "<th rowspan='2'>FTE at work</th><th colspan='4'>Casework hours lost a year</th>"
        "<th rowspan='2'>Post-days vacant a year</th>"
        "<th rowspan='2'>Block paid for vacant posts a year</th></tr>"
        "<tr><th>leave</th><th>sickness</th><th>training</th><th>vacant posts</th></tr>"
        "</thead><tbody>" + "".join(body) + "</tbody></table>"
        f"<p class='meta'>{html.escape(WORKFORCE_NOTE)}</p>"
    )


EXIT_COLUMNS = ("cost_to_serve_per_year", "within_target_share", "breaches_per_year")


def if_a_provider_leaves(summary: pd.DataFrame) -> str:
    """For each option whose providers may leave: how often one did before the horizon,
    and its cost to serve, waits within target and breaches in the replications where
    one left beside those where none did (the risk a single provider carries, shown, not
    averaged away); nothing when no option carries the risk."""
    chance = _means(summary).get("exit_risk_in_term")
    if chance is None or chance.dropna().empty:
        return ""
    split = {group: _means(summary, f"exit={group}") for group in ("no", "yes")}
    reps = summary[summary["metric"] == "cost_to_serve_per_year"]
    counts = reps[reps["group"] == "all"].set_index("scenario")["n_reps"]
    left = reps[reps["group"] == "exit=yes"].set_index("scenario")["n_reps"]
    body = []
    for name in chance.dropna().index:
        share = left.get(name, 0) / counts[name]  # the replications split, as the columns are
        cells = [f"<td>{share:.0%} of {int(counts[name])}</td>"]
        for group in ("no", "yes"):
            means = split[group]
            for metric in EXIT_COLUMNS:
                value = means[metric].get(name) if metric in means else None
                shown = (
                    "no replication" if value is None or pd.isna(value)
                    else METRICS[metric].format(value)
                )  # fmt: skip
                cells.append(f"<td>{shown}</td>")
        body.append(f"<tr><th scope='row'>{html.escape(str(name))}</th>{''.join(cells)}</tr>")
    heads = "".join(f"<th>{html.escape(METRICS[m].label)}</th>" for m in EXIT_COLUMNS) * 2
    return (
        "<h2>If a provider leaves</h2>"
        "<table class='workforce'><thead><tr><th rowspan='2'>Option</th>"
        "<th rowspan='2'>Replications in which a provider left before the run ended</th>"
        "<th colspan='3'>Where none left</th><th colspan='3'>Where one left</th></tr>"
        f"<tr>{heads}</tr></thead><tbody>" + "".join(body) + "</tbody></table>"
        f"<p class='meta'>{html.escape(EXIT_NOTE)}</p>"
    )


AUTHORITY_COLUMNS = (
    "referrals_per_year", "wait_mean_days", "within_target_share", "breaches_per_year",
    "unserved_per_year", "cost_to_serve_per_year", "cost_total_per_year",
)  # fmt: skip


def by_authority(summary: pd.DataFrame) -> str:
    """For each joint contract, each authority's referrals, waits, breaches and unserved,
    and its part of the cost by the contract's split (groups ``authority=NAME``); nothing
    when no option is a joint contract."""
    rows = summary[summary["group"].str.startswith("authority=")]
    if rows.empty:
        return ""
    body = []
    for (name, group), mine in rows.groupby(["scenario", "group"], sort=False):
        means = mine.set_index("metric")["mean"]
        cells = "".join(
            f"<td>{METRICS[m].format(means[m]) if m in means and pd.notna(means[m]) else '–'}</td>"
            for m in AUTHORITY_COLUMNS
        )
        who = html.escape(group.split("=", 1)[1])
        body.append(f"<tr><th scope='row'>{html.escape(str(name))}: {who}</th>{cells}</tr>")
    heads = "".join(f"<th>{html.escape(METRICS[m].heading)}</th>" for m in AUTHORITY_COLUMNS)
    return (
        "<h2>By authority</h2><table><thead><tr><th>Option: authority</th>" + heads
        + "</tr></thead><tbody>" + "".join(body) + "</tbody></table>"
        "<p class='meta'>A joint contract's figures for each authority's residents, and "
        "each authority's part of the cost by the contract's cost_split (partners): the "
        "parts add up to the option's cost.</p>"
    )  # fmt: skip


EXIT_NOTE = (
    "A provider leaves at random (exit_risk_per_year) or on a known day; unless the file "
    "says there is no re-tender (retender_days: null), the council re-tenders and a "
    "successor mobilises (each option's card says when). The headline figures average "
    "over every replication; this table splits them, so a rare exit's cost is seen, not "
    "averaged away. The two sides are different replications: with few exits they also "
    "differ by chance; the exit's own cost is the option's change from the same option "
    "without the risk. The cost to serve counts the block's price for days with no "
    "provider as owed, not saved."
)


def who_pays(summary: pd.DataFrame) -> str:
    """Per option, what each funder and the council pay of the cost to serve a year, and
    its share of it (``funder=`` groups, when a scenario gives ``funders``); an option
    without funders has the council pay it all. Nothing when no option has funders."""
    rows = summary[summary["metric"] == "cost_to_serve_per_year"]
    groups = [g for g in dict.fromkeys(rows["group"].astype(str)) if g.startswith("funder=")]
    if not groups:
        return ""
    payers = [g for g in groups if g != "funder=council"] + ["funder=council"]
    money = METRICS["cost_to_serve_per_year"].format
    body = []
    for name in dict.fromkeys(summary["scenario"]):
        mine = rows[rows["scenario"] == name].set_index("group")["mean"]
        whole = mine.get("all")
        cells = []
        for group in payers:
            value = mine.get(group)
            if value is None and group == "funder=council":
                value = whole  # no funders: the council pays it all
            if value is None or pd.isna(value):
                cells.append("<td>–</td>")
                continue
            share = f"{value / whole:.0%}" if whole else "–"
            cells.append(f"<td>{money(value)}<br><small>{share}</small></td>")
        body.append(f"<tr><th scope='row'>{html.escape(str(name))}</th>{''.join(cells)}</tr>")
    heads = "".join(f"<th>{html.escape(readable(g[len('funder=') :]))}</th>" for g in payers)
    return (
        "<h2>Who pays</h2>"
        "<table><thead><tr><th>Option</th>" + heads + "</tr></thead><tbody>"
        + "".join(body) + "</tbody></table>"
        f"<p class='meta'>{html.escape(WHO_PAYS_NOTE)}</p>"
    )  # fmt: skip


WHO_PAYS_NOTE = (
    "Each payer's cost to serve a year (mean over replications) and its share of the "
    "option's. A funder pays its share of the cost of the advocacy types it co-funds "
    "(funders:); the council pays the rest. Each cost line is shared by type: a block by "
    "the hours each type used, hours bought by the cases bought, what the never served "
    "are owed by their types, triage and fixed costs by the types' shares of referrals."
)


def waits_by_type(summary: pd.DataFrame) -> str:
    """Mean wait (and share within target) by advocacy type, one row per option."""
    groups = [g for g in dict.fromkeys(summary["group"]) if g.startswith("type=")]
    if not groups:
        return ""
    head = "".join(f"<th>{html.escape(readable(g.removeprefix('type=')))}</th>" for g in groups)
    body = []
    for name in dict.fromkeys(summary["scenario"]):
        cells = []
        for group in groups:
            rows = summary[(summary["scenario"] == name) & (summary["group"] == group)]
            by = rows.set_index("metric")["mean"]
            wait, within = by.get("wait_mean_days"), by.get("within_target_share")
            text = "none referred" if wait is None or wait != wait else (
                f"{wait:.1f} d<br><small>{within:.0%} within target</small>"
            )  # fmt: skip
            cells.append(f"<td>{text}</td>")
        body.append(f"<tr><th scope='row'>{html.escape(str(name))}</th>{''.join(cells)}</tr>")
    return (
        "<h2>Waits by advocacy type</h2><p class='meta'>Mean wait for an advocate in days, "
        "and the share allocated within the response target.</p>"
        "<table><thead><tr><th>Option</th>" + head + "</tr></thead><tbody>"
        + "".join(body) + "</tbody></table>"
    )  # fmt: skip


GLOSSARY = {
    "Response target": "the working days a service specification allows from referral to "
    "an advocate being allocated (urgent and standard).",
    "Breach": "a referral whose assessment, review or meeting went ahead before an advocate "
    "was allocated: the process happened without the advocate the law requires.",
    "Mean wait, p90 wait": "the average wait for an advocate, and the wait nine referrals in "
    "ten are within (the 90th percentile). Everyone referred counts; someone never "
    "allocated counts the days until they left the list (a lower bound).",
    "95% interval": "the range the true mean lies in with 95% confidence, from the "
    "replications (repeated runs with different referrals). A figure fixed by the "
    "contract, such as a block's cost, has none.",
    "Paired difference": "an option minus the baseline, run by run on the same referrals, so "
    "the difference comes from the contract, not from luck. Differences of shares are in "
    "percentage points (pp).",
    "Unused block hours": "hours the block contract pays for that no open case took.",
    "Flex": "extra hours bought from the block provider itself at its flex rate when the "
    "block is full (core and flex).",
    "Spot": "a case bought by the hour from the open market, after days to arrange it.",
    "Unserved": "people referred who never had an advocate: nobody in the scenario could serve "
    "them, they were withdrawn after a breach, they were still waiting when the follow-up "
    "ended, or their case was handed back to the queue (their advocate away for long or gone) "
    "and nobody took it up again before the follow-up ended.",
    "Cost to serve": "what serving everyone referred costs a year: the cash cost, less what it "
    "paid for people referred before the period, plus the cases of people referred in it that "
    "were served only after it (block hours at the block rate), plus what the hours of those "
    "never served would cost by the dearest route open to them.",
    "10th to 90th percentile": "the range of a figure across replications leaving out the "
    "best and the worst tenth: a good and a bad run (with few replications, close to the "
    "best and the worst).",
    "Doubt about demand": "not knowing next year's referral rate (or hours per case): when "
    "a scenario gives it as a distribution, each replication draws its own, and the same "
    "replications are run again with demand fixed at its expected value to show how much "
    "of the spread the doubt makes.",
}


def wait_notes(summary: pd.DataFrame) -> list[str]:
    """One sentence per scenario whose waits are lower bounds (someone never allocated), and
    one per scenario where people waited again after their advocate went: the waits are
    to first allocation, so without it their second wait would go unsaid."""
    rows = summary[summary["group"] == "all"].set_index(["scenario", "metric"])["mean"]
    notes = []
    for scenario in dict.fromkeys(summary["scenario"]):
        handed_back = rows.get((scenario, "handed_back"), 0.0)
        if handed_back >= NOBODY:
            again = rows.get((scenario, "wait_again_mean_days"), float("nan"))
            notes.append(
                f"{scenario}: on average {handed_back:,.1f} people referred in the measured "
                "period had their case handed back to the queue (their advocate away for long "
                f"or gone, and no colleague with room) and waited {again:,.1f} days again, on "
                "average, for another advocate. The waits above are to the first allocation; "
                "these people are on the waiting list while they wait again."
            )
        unserved = rows.get((scenario, "unserved"), 0.0)
        if unserved > 0:
            parts = {
                "nobody could serve": rows.get((scenario, "cannot_be_served"), 0.0),
                "withdrawn after a breach": rows.get((scenario, "withdrawn"), 0.0),
                "still waiting when the follow-up ended": rows.get(
                    (scenario, "still_waiting_after_follow_up"), 0.0
                ),
                "handed back to the queue and never taken up again": rows.get(
                    (scenario, "never_taken_up_again"), 0.0
                ),
            }
            said = ", ".join(f"{value:,.1f} {why}" for why, value in parts.items() if value > 0)
            notes.append(
                f"{scenario}: on average {unserved:,.1f} people referred in the measured period "
                "never had an advocate "
                f"({said}); the cost to serve counts what their hours would cost. Wait figures "
                "are lower bounds: each counts its days to the end of the follow-up or to "
                "leaving the list, so a few very long waits can lift the mean above the 90th "
                "percentile."
            )
    return notes


def demand_note(scenarios: list[dict]) -> str | None:
    """A comparison whose scenarios have different demand: say so, because their paired
    differences then include the demand, not only the way it is bought."""
    if len(scenarios) < 2:
        return None

    def served(scenario: dict) -> tuple:  # whose referrals: its demand, and its partners'
        return scenario.get("demand"), scenario.get("partners", {}).get("authorities")

    first = served(scenarios[0])
    others = [s["name"] for s in scenarios[1:] if served(s) != first]
    if not others:
        return None
    return (
        f"Demand differs between these scenarios ({', '.join(others)} against "
        f"{scenarios[0]['name']}): their differences include the demand, not only how it is "
        "bought, and they are not alternatives for the same referrals."
    )


def notes(summary: pd.DataFrame, scenarios: list[dict], sweep: bool) -> list[str]:
    """The wait notes, and for a comparison (not a sweep) of different demand, that note;
    then what ``validate`` warns of in the scenarios (legal, but the figures mislead)."""
    from simulator.scenario import saved_warnings

    said = wait_notes(summary)
    demand = demand_note(scenarios)
    if demand and not sweep:
        said.append(demand)
    return said + [f"Warning: {warning}" for warning in saved_warnings(scenarios)]


def glossary() -> str:
    items = "".join(
        f"<dt>{html.escape(term)}</dt><dd>{html.escape(text)}</dd>"
        for term, text in GLOSSARY.items()
    )
    return f"<h2>Glossary</h2><dl class='glossary'>{items}</dl>"


def by_contract_year(summary: pd.DataFrame, terms: dict[str, tuple[int, int]] | None = None) -> str:
    """Cost a year and breaches in each contract year (with a bad and a good run), and the
    budget and breach risks when the scenario gives a budget or a tolerance. ``terms``:
    each option's ``(term_years, extension_years)`` where it gives a term; then the years
    tabulated are those of the contract as written (an option's extension years labelled,
    a year outside its contract a dash), not every year measured."""
    years = sorted({g for g in summary["group"] if g.startswith("year=")}, key=lambda g: int(g[5:]))
    terms = terms or {}
    names = list(dict.fromkeys(summary["scenario"]))
    if terms and all(name in terms for name in names):
        longest = max(sum(terms[name]) for name in names)
        years = [g for g in years if int(g[5:]) <= longest]
    if not years:
        return ""
    money = METRICS["cost_total_per_year"].format
    head = "".join(f"<th>Year {g[5:]}</th>" for g in years)
    body = []
    for name in dict.fromkeys(summary["scenario"]):
        mine = summary[summary["scenario"] == name].set_index(["metric", "group"])
        cells = []
        for group in years:
            label = _term_label(terms.get(str(name)), int(group[5:]))
            if label is None:
                cells.append("<td>–</td>")
                continue
            cost = _with_runs(mine.loc[("cost_total_per_year", group)], money, " a year")
            breaches = mine.loc[("breaches", group), "mean"]
            cells.append(f"<td>{label}{cost}<br>{breaches:.1f} breaches</td>")
        risks = [
            f"{METRICS[m].label}: {mine.loc[(m, 'all'), 'mean']:.0%}"
            for m in ("budget_risk", "breach_risk")
            if (m, "all") in mine.index
        ]
        risk = f"<br><small>{html.escape('; '.join(risks))}</small>" if risks else ""
        body.append(f"<tr><th scope='row'>{html.escape(str(name))}{risk}</th>{''.join(cells)}</tr>")
        staffed = _fte_at_work_row(mine, years)
        if staffed:
            body.append(staffed)
    fte = (
        " FTE at work: the block's advocates at work on average in the year (its posts less "
        "leave, sickness, training and vacancies, by the calendar), in full-time equivalents."
        if any(row.startswith("<tr class='fte'>") for row in body)
        else ""
    )
    return (
        "<h2>By contract year</h2><p class='meta'>Contract years from day 0, each at its own "
        "rates (with any uplift). A year cut by the warm-up or the horizon counts only its "
        "measured days: its cost is given a year's worth, its breaches as counted. 'Runs' is "
        f"the 10th to 90th percentile across replications: a good and a bad year.{fte}"
        f"{TERM_NOTE if terms else ''}</p>"
        "<table><thead><tr><th>Option</th>" + head + "</tr></thead><tbody>"
        + "".join(body) + "</tbody></table>"
    )  # fmt: skip


def by_financial_year(summary: pd.DataFrame) -> str:
    """Cost in the measured part of each of the council's financial years (``fy=`` groups,
    when a scenario gives ``financial_year_start``), with a good and a bad run."""
    years = sorted({g for g in summary["group"] if g.startswith("fy=")})
    if not years:
        return ""
    money = METRICS["cost_total"].format
    head = "".join(f"<th>{html.escape(g[3:])}</th>" for g in years)
    body = []
    for name in dict.fromkeys(summary["scenario"]):
        mine = summary[summary["scenario"] == name].set_index(["metric", "group"])
        cells = []
        for group in years:
            if ("cost_total", group) not in mine.index:
                cells.append("<td>–</td>")
                continue
            cells.append(f"<td>{_with_runs(mine.loc[('cost_total', group)], money)}</td>")
        body.append(f"<tr><th scope='row'>{html.escape(str(name))}</th>{''.join(cells)}</tr>")
    return (
        "<h2>By financial year</h2><p class='meta'>Cost in the measured days of each of the "
        "council's financial years (commissioning.financial_year_start), days placed in the "
        "calendar from the start date: a part-year counts only its measured days, not a "
        "year's worth. The years add up to the measured period's cost.</p>"
        "<table><thead><tr><th>Option</th>" + head + "</tr></thead><tbody>"
        + "".join(body) + "</tbody></table>"
    )  # fmt: skip


def _with_runs(cost: pd.Series, money: Callable[[float], str], per: str = "") -> str:
    """A cost's mean, then its good and bad run (10th to 90th percentile of replications)."""
    return (
        f"{money(cost['mean'])}{per}<br><small>runs {money(cost['p10'])} to "
        f"{money(cost['p90'])}</small>"
    )


TERM_NOTE = (
    " An option with a contract term (commissioning.term_years) shows its term's years, "
    "then its extension years, labelled; a dash is a year outside its term and extensions."
)


def _term_label(term: tuple[int, int] | None, year: int) -> str | None:
    """What a contract year is to an option with a term: nothing to say within the term,
    an extension year labelled, and None for a year outside its term and extensions (no
    contract as written). No term: every year measured is a contract year."""
    if term is None or year <= term[0]:
        return ""
    if year <= term[0] + term[1]:
        return f"<small>extension year {year - term[0]}</small><br>"
    return None


def _fte_at_work_row(mine: pd.DataFrame, years: list[str]) -> str:
    """An option's row of block advocates at work in each contract year (``fte_at_work``),
    under its own row; none when its block providers have no workforce (a spot-only
    option's figure is a block of nobody: no row)."""
    if ("advocates_in_post_mean", "all") not in mine.index:
        return ""
    if not any(("fte_at_work", group) in mine.index for group in years):
        return ""
    shown = METRICS["fte_at_work"].format
    cells = []
    for group in years:
        if ("fte_at_work", group) not in mine.index:
            cells.append("<td>–</td>")
            continue
        row = mine.loc[("fte_at_work", group)]
        cells.append(
            f"<td>{shown(row['mean'])} FTE<br><small>runs {shown(row['p10'])} to "
            f"{shown(row['p90'])}</small></td>"
        )
    return (
        "<tr class='fte'><th scope='row' style='font-weight:normal;padding-left:1.2rem'>"
        f"FTE at work</th>{''.join(cells)}</tr>"
    )


def _share(row) -> str:  # type: ignore[no-untyped-def]
    if row.sd_with_doubt == 0 and row.sd_demand_fixed == 0:
        return "none: fixed by the contract"
    return f"{row.share_of_variance_from_doubt:.0%}"


def demand_doubt(table: pd.DataFrame | None) -> str:
    """How much of the spread of cost and breaches is doubt about demand (the rate, the
    hours) rather than chance: the same replications with demand fixed at its means."""
    if table is None or table.empty:
        return ""
    body = []
    for row in table.itertuples(index=False):
        metric = METRICS[row.metric]
        shown = metric.format
        body.append(
            f"<tr><th scope='row'>{html.escape(str(row.scenario))}</th>"
            f"<td>{html.escape(metric.label)}</td>"
            f"<td>{shown(row.mean_with_doubt)}<br><small>{shown(row.p10_with_doubt)} to "
            f"{shown(row.p90_with_doubt)}</small></td>"
            f"<td>{shown(row.mean_demand_fixed)}<br><small>{shown(row.p10_demand_fixed)} to "
            f"{shown(row.p90_demand_fixed)}</small></td>"
            f"<td>{shown(row.mean_with_doubt - row.mean_demand_fixed)}<br><small>95% CI "
            f"{shown(row.difference_ci_low)} to {shown(row.difference_ci_high)}</small></td>"
            f"<td>{_share(row)}</td></tr>"
        )
    return (
        "<h2>Doubt about demand</h2><p class='meta'>Demand is uncertain in these scenarios "
        "(a referral rate or mean hours given as a distribution): each replication drew its "
        "own. The same replications were run again with demand fixed at its expected value. "
        "Each cell gives the mean and, below it, the 10th to 90th percentile across "
        "replications; the change in the mean has a paired 95% interval, since the "
        "replications' draws of demand average its mean only roughly. The share is how "
        "much of the variance goes when demand is known (1 − variance fixed ÷ variance with "
        "doubt), an estimate from this many replications. The contract is sized on the "
        "expected demand either way.</p>"
        "<table><thead><tr><th>Option</th><th>Figure</th><th>With doubt about demand</th>"
        "<th>Demand fixed at its mean</th><th>Change in the mean</th>"
        "<th>Share of the spread from doubt</th></tr>"
        "</thead><tbody>" + "".join(body) + "</tbody></table>"
    )


# The lines the command line prints after a run, for the same readers as the report.

HEADINGS = {
    "cost_to_serve_per_year": "Cost to serve a year",
    "cost_total_per_year": "Cash cost a year",
    "wait_mean_days": "Mean wait (days)",
    "wait_p90_days": "p90 wait (days)",
    "within_target_share": "Within target",
    "referrals_per_year": "Referrals a year",
    "planned_referrals_per_year": "Planned referrals a year",
    "breaches_per_year": "Breaches a year",
    "unserved_per_year": "Unserved a year",
    "block_hours_unused_per_year": "Unused block h a year",
    "budget_risk": "Years over budget",
    "breach_risk": "Years at breach limit",
}  # the terminal's short headings for vocabulary.HEADLINE


def figure_line(metric: str, mean: float, low: float, high: float, difference: bool = False) -> str:
    """One headline figure with its interval, formatted by the metric registry; no interval
    where the figure is fixed by design (a block's cost), and differences signed."""
    shown = METRICS[metric]
    text = shown.difference if difference else shown.format
    interval = "" if fixed(mean, low, high) else f"  (95% CI {text(low)} to {text(high)})"
    return f"  {HEADINGS[metric]:<24} {text(mean)}{interval}"


def headline(summary: pd.DataFrame) -> str:
    """The few numbers a commissioner asks for first, one scenario a row."""

    rows = summary[summary["group"] == "all"]
    lines = []
    for name, frame in rows.groupby("scenario", sort=False):
        values = frame.set_index("metric")
        lines.append(f"{name}")
        shown = (*HEADLINE, "referrals_per_year", "planned_referrals_per_year")
        for metric in (*shown, "budget_risk", "breach_risk"):
            if metric in values.index and values.loc[metric, "mean"] == values.loc[metric, "mean"]:
                row = values.loc[metric]
                lines.append(figure_line(metric, row["mean"], row["ci_low"], row["ci_high"]))
        shares = served_by(summary[summary["scenario"] == name]).iloc[0]
        served = [
            f"{label.lower()} {shares[route]:.0%}" for route, label in MARKETS if shares[route]
        ]
        lines.append(f"  {'Served by':<24} {', '.join(served)}")
        lines += _who_lines(summary[summary["scenario"] == name])
    lines.extend(f"note: {note}" for note in wait_notes(summary))
    return "\n".join(lines)


def _who_lines(mine: pd.DataFrame) -> list[str]:
    """A joint contract's authorities (waits, within target, cost to serve each) and, with
    funders, who pays the cost to serve: a line each, under the option's figures."""
    means = mine.set_index(["metric", "group"])["mean"]
    lines = []
    for group in dict.fromkeys(g for g in mine["group"] if g.startswith("authority=")):
        wait, within = (
            means.get(("wait_mean_days", group)),
            means.get(("within_target_share", group)),
        )
        serve = means.get(("cost_to_serve_per_year", group))
        lines.append(
            f"  {group.split('=', 1)[1]:<24} mean wait {wait:.1f} days, {within:.0%} within "
            f"target, cost to serve {METRICS['cost_to_serve_per_year'].format(serve)} a year"
        )
    payers = [g for g in dict.fromkeys(mine["group"]) if g.startswith("funder=")]
    if payers:
        total = means[("cost_to_serve_per_year", "all")]
        paid = [
            f"{g.split('=', 1)[1]} {METRICS['cost_to_serve_per_year'].format(v)} ({v / total:.0%})"
            for g in payers if (v := means.get(("cost_to_serve_per_year", g))) is not None
        ]  # fmt: skip
        lines.append(f"  {'Cost to serve paid by':<24} {', '.join(paid)}")
    return lines


def difference_lines(differences: pd.DataFrame) -> str:
    """Headline differences from the baseline, with their intervals."""
    lines = []
    wanted = differences[differences["group"] == "all"].set_index(["scenario", "metric"])
    for scenario in dict.fromkeys(differences["scenario"]):
        lines.append(f"{scenario} minus {differences['baseline'].iloc[0]}")
        for metric in HEADLINE:
            if (scenario, metric) not in wanted.index:
                continue
            row = wanted.loc[(scenario, metric)]
            if row["mean_difference"] == row["mean_difference"]:
                mean, low, high = row["mean_difference"], row["ci_low"], row["ci_high"]
                lines.append(figure_line(metric, mean, low, high, difference=True))
    return "\n".join(lines)


def doubt_lines(table: pd.DataFrame | None) -> str:
    """The terminal's lines on doubt about demand: the 10-90% range of cost and breaches a
    year with it and with demand fixed, and the share of the variance it makes."""
    if table is None or table.empty:
        return ""
    lines = [
        "Doubt about demand (mean, 10-90% of replications; same seeds, demand fixed at its mean)"
    ]
    for row in table.itertuples(index=False):
        show = METRICS[row.metric].format
        lines.append(
            f"  {row.scenario}: {METRICS[row.metric].label.lower()} "
            f"{show(row.mean_with_doubt)}, {show(row.p10_with_doubt)} to "
            f"{show(row.p90_with_doubt)} (fixed: {show(row.mean_demand_fixed)}, "
            f"{show(row.p10_demand_fixed)} to {show(row.p90_demand_fixed)}); "
            + (
                "fixed by the contract"
                if row.sd_with_doubt == 0 and row.sd_demand_fixed == 0
                else f"{row.share_of_variance_from_doubt:.0%} of its variance is the doubt "
                f"({row.n_reps} replications)"
            )
        )
    return "\n".join(lines)


MARKETS = [("block", "Block"), ("flex", "Provider's flex"), ("spot", "Spot market")]


def served_by(summary: pd.DataFrame) -> pd.DataFrame:
    """Share of each scenario's referrals served by each market (block, flex, spot), from
    the ``referrals`` rows of its route groups; rows are scenarios, columns markets."""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    total = metric_rows(summary, "referrals").reindex(scenarios)["mean"]
    shares = {
        route: metric_rows(summary, "referrals", f"route={route}").reindex(scenarios)["mean"]
        / total
        for route, _ in MARKETS
    }
    return pd.DataFrame(shares).fillna(0.0)


def metric_rows(summary: pd.DataFrame, metric: str, group: str = "all") -> pd.DataFrame:
    """One metric's summary rows in one group, by scenario."""
    rows = summary[(summary["metric"] == metric) & (summary["group"] == group)]
    return rows.set_index("scenario")
