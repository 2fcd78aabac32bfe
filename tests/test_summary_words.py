"""The committee summary leads with the duty: options that meet the response target and
leave nobody unserved first, every other option's shortfall in one clause, and no option
called the cheapest without its breaches and unserved beside it."""

from __future__ import annotations

import re

import pandas as pd

from simulator.briefing import summary_paragraph
from simulator.vocabulary import share_against

FIGURES = {  # per option: cost to serve, cash, mean wait, within target, breaches, unserved
    "Block": (385_000, 385_000, 0.5, 0.99, 3.7, 0.0),
    "Core and flex": (343_000, 341_000, 0.9, 0.98, 3.5, 0.0),
    "Spot only": (335_000, 334_000, 7.5, 0.64, 100.0, 0.0),
    "Small market": (341_000, 200_000, 366.0, 0.00, 745.0, 200.0),
}
METRICS = ("cost_to_serve_per_year", "cost_total_per_year", "wait_mean_days",
           "within_target_share", "breaches_per_year", "unserved_per_year")  # fmt: skip


def summary(figures: dict[str, tuple]) -> pd.DataFrame:
    rows = [
        {"scenario": name, "metric": metric, "group": "all", "mean": value}
        for name, values in figures.items()
        for metric, value in zip(METRICS, values, strict=True)
    ]
    return pd.DataFrame(rows)


def test_the_summary_leads_with_the_options_that_meet_the_duty():
    text = summary_paragraph(summary(FIGURES))
    assert text.startswith("2 of 4 options allocate 95% or more")
    assert "The cheapest of them to serve everyone referred is Core and flex, at £343,000" in text
    assert "Spot only falls short: only 64% are allocated within the target and 100.0 " in text
    assert "Small market falls short: 200.0 people a year never have an advocate" in text
    # Per breach avoided: (343,000 - 335,000) / (100.0 - 3.5) breaches a year.
    assert "£83 a year for each of 96.5 breaches a year avoided" in text


def test_no_option_is_called_cheapest_without_its_breaches_and_unserved():
    text = summary_paragraph(summary(FIGURES))
    for sentence in re.split(r"(?<=\.) ", text):
        if "cheapest" in sentence or "costs least" in sentence:
            assert "breaches and" in sentence and "unserved a year" in sentence, sentence


def test_making_an_option_worse_never_moves_it_up_the_summary():
    """The small market, failing, is cheaper in cash than all; worse still (smaller, so
    cheaper in cash and with more unserved) it must not gain a word of praise."""
    worse = dict(FIGURES, **{"Small market": (341_000, 90_000, 600.0, 0.0, 750.0, 500.0)})
    for figures in (FIGURES, worse):
        text = summary_paragraph(summary(figures))
        assert "Small market costs least" not in text and "is Small market" not in text
        assert "Small market falls short" in text


def test_with_no_option_meeting_the_duty_it_says_so():
    failing = {k: v for k, v in FIGURES.items() if k in ("Spot only", "Small market")}
    text = summary_paragraph(summary(failing))
    assert text.startswith("No option allocates 95% of referrals within the response target")
    assert "Spot only has the fewest breaches (100.0 breaches and 0.0 people unserved" in text


def test_a_share_short_of_the_duty_never_reads_as_the_duty():
    """94.56% against the 95% duty: "only 95%" would contradict "falls short"."""
    close = dict(FIGURES, **{"Spot only": (335_000, 334_000, 7.5, 0.9456, 100.0, 0.0)})
    text = summary_paragraph(summary(close))
    assert "Spot only falls short: only 94.6% are allocated within the target" in text
    closer = dict(FIGURES, **{"Spot only": (335_000, 334_000, 7.5, 0.94996, 100.0, 0.0)})
    assert "only 94.9% are allocated" in summary_paragraph(summary(closer))
    assert "only 95%" not in text + summary_paragraph(summary(closer))


def test_a_share_keeps_its_side_of_a_threshold_in_words():
    assert share_against(0.9456, 0.95) == "94.6%"
    assert share_against(0.94996, 0.95) == "94.9%"  # rounded down: 95.0% would reach it
    assert share_against(0.64, 0.95) == "64%"  # whole percentages where they keep the side
    assert share_against(0.9501, 0.95) == "95.1%"  # above: rounded up, never "95.0%"
    assert share_against(0.0504, 0.05) == "5.1%"  # a case list's bad rows over the limit
    assert share_against(0.95, 0.95) == "95%"


def test_options_tied_on_breaches_are_named_as_tied_and_the_cheapest_of_them_given():
    """A payment band changes what is paid, not what is delivered: options alike in
    service must not read as one having fewer breaches than the others."""
    same = (335_000, 334_000, 7.5, 0.60, 100.0, 0.0)
    tied = {"Collar 0": same, "Collar 0.9": (355_000, 354_000, *same[2:])}
    text = summary_paragraph(summary(tied))
    assert (
        "Collar 0, Collar 0.9 have the fewest breaches, equally; the cheapest of them to "
        "serve is Collar 0 (100.0 breaches" in text
    )
    assert "Collar 0 has the fewest breaches" not in text
