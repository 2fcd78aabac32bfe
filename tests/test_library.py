"""The scenario library (scenarios/library/): one file per situation of the national survey of
English advocacy commissioning. Every file validates, runs, shows what its situation is
about in a short run, and says where each of its numbers comes from."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulator
from simulator.plan import expected_referrals_by_type, plan_pools, rate_per_day
from simulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "scenarios" / "library"
FILES = sorted(LIBRARY.glob("*.yaml"))

# The situations the library must cover, by file.
SITUATIONS = {
    "rural-county-block",
    "city-hub-specialists",
    "spot-only",
    "block-spot-80-20",
    "core-and-flex",
    "demand-shock-case-law",
    "lps-replaces-dols",
    "growth-1-4-percent",
    "under-referral-training",
    "small-unitary-east",
    "small-unitary-west",
    "small-unitaries-joint",
}

SMALL_BLOCKS = {"small-unitary-east", "small-unitary-west", "small-unitaries-joint"}
"""Files whose point is that a small block fails: a vacancy in a team of two leaves
people waiting for months (checked apart, in test_two_small_unitaries_...)."""

SHORT = {"horizon_days": 240.0, "warm_up_days": 30.0, "replications": 2, "seed": 42}
TWO_YEARS = {"horizon_days": 730.0, "warm_up_days": 0.0, "replications": 2, "seed": 42}


def path_of(name: str) -> Path:
    return LIBRARY / f"{name}.yaml"


@cache
def results(name: str, without_shocks: bool = False, cases: str = "none"):
    """A short run of a library file (cached: several tests read the same run)."""
    overrides = {**SHORT, **({"demand.shocks": []} if without_shocks else {})}
    return simulator.run(load_scenario(path_of(name), overrides), workers=1, cases=cases)


def figure(summary: pd.DataFrame, metric: str, group: str = "all") -> float:
    row = summary[(summary["metric"] == metric) & (summary["group"] == group)]
    assert len(row) == 1, (metric, group)
    return float(row["mean"].iloc[0])


# (a) Every file validates, and the library covers every situation.


def test_the_library_covers_every_situation():
    assert {p.stem for p in FILES} >= SITUATIONS


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_file_validates(path):
    scenario = load_scenario(path)
    assert scenario.name
    assert scenario.assumptions, "the assumptions are listed for the report"


def test_each_file_is_its_situation():
    """What makes each situation is in the resolved scenario, not only in its name."""
    s = {name: load_scenario(path_of(name)) for name in SITUATIONS}

    rural = s["rural-county-block"]
    assert rural.commissioning.model == "single_provider"
    assert len(rural.commissioning.providers) == 1 and rural.commissioning.spot is None
    assert rural.demand.localities["rural"].share >= 0.5
    assert rural.demand.localities["rural"].miles_per_case.expected >= 50  # long round trips

    hub = s["city-hub-specialists"]
    assert hub.commissioning.model == "hub"
    lead, *partners = hub.commissioning.providers
    assert "bsl" not in lead.skills and "learning_disability" not in lead.skills
    assert [p.name for p in partners if "bsl" in p.skills] == ["Deaf Advocacy Partner"]
    assert [p.name for p in partners if "learning_disability" in p.skills] == [
        "Learning Disability Advocacy"
    ]

    assert s["spot-only"].commissioning.model == "spot_only"
    for name in ("block-spot-80-20", "core-and-flex"):
        assert s[name].commissioning.block_share == 0.8
        assert s[name].commissioning.spot is not None
    assert s["core-and-flex"].commissioning.providers[0].flex is not None
    assert s["block-spot-80-20"].commissioning.providers[0].flex is None

    (law,) = s["demand-shock-case-law"].demand.shocks
    assert (law.types, law.multiplier) == (["rpr"], 3.0)
    (lps,) = s["lps-replaces-dols"].demand.shocks
    assert (lps.types, lps.multiplier, lps.start_day, lps.end_day) == (["rpr"], 1.5, 365, 1095)
    assert s["growth-1-4-percent"].demand.growth_per_year == 0.014

    propensity = s["under-referral-training"].demand.population.referral_propensity
    assert (propensity.start, propensity.end, propensity.over_days) == (0.4, 0.8, 730)  # a ramp


# (b) Each runs briefly and shows what its situation is about.


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_file_runs_short(path):
    summary = results(path.stem).summary
    assert set(summary["scenario"]) == {load_scenario(path).name}
    assert figure(summary, "referrals") > 100
    assert figure(summary, "cost_total_per_year") > 0
    assert figure(summary, "wait_mean_days") >= 0
    if path.stem not in SMALL_BLOCKS:
        assert figure(summary, "unserved") == 0
        assert figure(summary, "wait_mean_days") < 30
    assert (summary["n_reps"] <= SHORT["replications"]).all()


def test_spot_only_waits_longer_than_block_and_spot():
    spot = results("spot-only").summary
    block = results("block-spot-80-20").summary
    assert figure(spot, "referrals") == figure(block, "referrals")  # the same referrals
    assert figure(spot, "wait_mean_days") > figure(block, "wait_mean_days") + 2
    assert figure(spot, "within_target_share") < figure(block, "within_target_share")
    assert figure(spot, "cost_block") == 0
    # Every referral waits at least the shortest arrangement, 2 days.
    assert figure(spot, "wait_mean_days", "route=spot") >= 2


def test_block_and_spot_fills_the_block_then_buys_spot():
    summary = results("block-spot-80-20").summary
    # the county's workforce leaves posts vacant: paid for, holding no cases (about 8%)
    assert figure(summary, "block_utilisation") > 0.75
    assert figure(summary, "spot_cases") > 0
    assert figure(summary, "flex_cases") == 0
    spot_share = figure(summary, "spot_hours") / figure(summary, "hours_delivered")
    assert 0.05 < spot_share < 0.5  # the "20%", give or take what a short run shows


def test_core_and_flex_buys_the_rest_from_the_providers_flex():
    summary = results("core-and-flex").summary
    # most of the rest: flex's own advocates are away at times too (the county workforce)
    assert figure(summary, "flex_cases") > 1.5 * figure(summary, "spot_cases")
    assert figure(summary, "cost_flex_hours") > 0
    block = results("block-spot-80-20").summary
    # Flex is agreed in a day or two, spot in 2 to 10 days.
    assert figure(summary, "wait_p90_days") < figure(block, "wait_p90_days")


def test_rural_block_buys_no_spot_and_travel_slows_rural_cases():
    summary = results("rural-county-block").summary
    assert figure(summary, "spot_cases") == 0
    assert figure(summary, "cost_mileage") == 0  # mileage is in the block rate
    rural = figure(summary, "referrals", "locality=rural")
    urban = figure(summary, "referrals", "locality=urban")
    assert rural > 2 * urban
    # Round trips of 20 to 110 miles against 2 to 25: rural cases stay open longer.
    assert figure(summary, "time_to_close_mean_days", "locality=rural") > figure(
        summary, "time_to_close_mean_days", "locality=urban"
    )


def test_city_hub_routes_each_need_to_its_specialist():
    run = results("city-hub-specialists", cases="all")
    cases = run.cases
    allocated = cases[cases["allocated_day"].notna()]
    bsl = allocated[allocated["need"] == "bsl"]
    assert len(bsl) > 0
    assert set(bsl["provider"].astype(str)) == {"Deaf Advocacy Partner"}
    learning = allocated[allocated["need"] == "learning_disability"]
    assert len(learning) > 0
    assert set(learning["provider"].astype(str)) <= {"Learning Disability Advocacy", "spot"}
    general = allocated[allocated["need"].isna()]
    assert "City Advocacy Hub" in set(general["provider"].astype(str))
    summary = run.summary
    assert figure(summary, "referrals", "provider=Deaf Advocacy Partner") > 0
    assert figure(summary, "cost_triage") > 0 and figure(summary, "cost_fee") > 0


def test_the_shock_raises_referrals_spot_and_cost_but_not_the_block():
    # The judgment lands on day 180, inside the short run's measured days 30 to 240.
    shocked = results("demand-shock-case-law").summary
    calm = results("demand-shock-case-law", without_shocks=True).summary
    assert figure(shocked, "referrals") > figure(calm, "referrals") + 20
    assert figure(shocked, "spot_cases") > figure(calm, "spot_cases")
    assert figure(shocked, "cost_total") > figure(calm, "cost_total")
    assert figure(shocked, "cost_block") == figure(calm, "cost_block")  # bought before it


def test_lps_raises_rpr_alone_and_spot_but_not_the_block():
    """The LPS change RPR demand alone from day 365: in expectation 90 a year become 135
    from then on (90 more over the contract's last two years) and no other type moves; the
    block was bought for the demand before them."""
    lps = load_scenario(path_of("lps-replaces-dols"))
    dols = load_scenario(path_of("lps-replaces-dols"), {"demand.shocks": []})
    with_lps, without = expected_referrals_by_type(lps), expected_referrals_by_type(dols)
    for label in without:
        rise = 90.0 if label == "rpr" else 0.0
        assert with_lps[label] == pytest.approx(without[label] + rise, rel=1e-9), label
    assert plan_pools(lps) == plan_pools(dols)  # the block is not resized
    # Two years (days 30 to 730): the second year has the LPS; the same seeds.
    two_years = {**TWO_YEARS, "warm_up_days": 30.0}
    runs = [
        simulator.run(load_scenario(path_of("lps-replaces-dols"), {**two_years, **more}),
                      workers=1, cases="none").summary
        for more in ({}, {"demand.shocks": []})
    ]  # fmt: skip
    shocked, calm = runs
    # 45 more RPR referrals a replication expected (42.5 measured, seed 42)
    assert figure(shocked, "referrals", "type=rpr") > figure(calm, "referrals", "type=rpr") + 20
    assert figure(shocked, "referrals", "year=1") == figure(calm, "referrals", "year=1")
    assert figure(shocked, "spot_cases") > figure(calm, "spot_cases")
    assert figure(shocked, "cost_total") > figure(calm, "cost_total")
    assert figure(shocked, "cost_block") == figure(calm, "cost_block")


def test_two_small_unitaries_wait_less_together_and_the_split_adds_up():
    """One block for both (110% of their joint hours) against each alone with 110% of its
    own: the same hours pool, so each authority's mean wait is shorter together, and
    their parts of the cost add up to the contract's."""

    def summary(name: str) -> pd.DataFrame:
        scenario = load_scenario(path_of(name), {"replications": 12})
        return simulator.run(scenario, workers=1, cases="none").summary

    joint = summary("small-unitaries-joint")
    for name in ("east", "west"):
        alone = summary(f"small-unitary-{name}")
        together = figure(joint, "wait_mean_days", f"authority={name.title()}")
        assert together < figure(alone, "wait_mean_days"), name
        within = figure(joint, "within_target_share", f"authority={name.title()}")
        assert within > figure(alone, "within_target_share"), name
    parts = sum(figure(joint, "cost_total_per_year", f"authority={n}") for n in ("East", "West"))
    assert parts == pytest.approx(figure(joint, "cost_total_per_year"), rel=1e-12)


def test_growth_is_1_4_percent_a_year():
    scenario = load_scenario(path_of("growth-1-4-percent"), TWO_YEARS)
    rate = rate_per_day(scenario, np.array([0.0, 365.0, 730.0]))
    assert rate[1] / rate[0] == pytest.approx(1.014)
    assert rate[2] / rate[1] == pytest.approx(1.014)
    # Evenly spread arrivals take out the noise: year 2 has 1.4% more referrals than year 1.
    even = {**TWO_YEARS, "replications": 1, "demand.arrivals": "deterministic"}
    summary = simulator.run(
        load_scenario(path_of("growth-1-4-percent"), even), workers=1, cases="none"
    ).summary
    year1, year2 = figure(summary, "referrals", "year=1"), figure(summary, "referrals", "year=2")
    assert year2 / year1 == pytest.approx(1.014, abs=0.004)


def test_training_raises_referrals_year_on_year():
    short = results("under-referral-training").summary
    assert figure(short, "referrals_per_year") < 600  # still under-referring in the first months
    summary = simulator.run(
        load_scenario(path_of("under-referral-training"), TWO_YEARS), workers=1, cases="none"
    ).summary
    year1, year2 = figure(summary, "referrals", "year=1"), figure(summary, "referrals", "year=2")
    # Mean propensity 0.5 in year 1 and 0.7 in year 2: about 40% more referrals.
    assert year2 > 1.2 * year1


# (c) Every file says where its numbers come from.

SOURCE_WORDS = re.compile(
    r"ASSUMPTION|survey|Care Forum|Newham|Reading|VAT Act|Care Act|Mental Capacity Act|"
    r"Cheshire West|UKSC|county-demand|county-[a-z-]+\.yaml|rural-county\.yaml|HMRC",
)
NUMBER = re.compile(r"\d")
KEYED = re.compile(r"^(\s*)(?:-\s+)?([A-Za-z_][\w]*):\s?(.*)$")
PROSE_KEYS = {"name", "description", "label"}  # text for readers, not model numbers


def header(lines: list[str]) -> list[str]:
    block = []
    for line in lines:
        if not line.startswith("#"):
            break
        block.append(line)
    return block


def numbered_lines_without_a_source(lines: list[str]) -> list[str]:
    """Lines giving a number with no comment of a few words on the line and no comment line
    in the 3 lines above (the leading comment block does not count).

    Prose is skipped: the leading comment block, text values (name, description,
    labels), block scalars and the assumptions list (itself the list of assumptions).
    """
    first = len(header(lines))
    missing = []
    in_text_below: int | None = None  # indentation of a block scalar or the assumptions list
    for index, line in enumerate(lines[first:], start=first):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if in_text_below is not None:
            if indent > in_text_below or stripped.startswith("- "):
                continue
            in_text_below = None
        match = KEYED.match(line)
        if match is None:
            continue  # the rest of a flow list (skills)
        key, value = match.group(2), match.group(3)
        code, _, comment = value.partition("#")
        if key == "assumptions" or code.strip() in {">-", ">", "|", "|-"}:
            in_text_below = indent
            continue
        if key in PROSE_KEYS or not NUMBER.search(code):
            continue
        above = [ln for ln in lines[max(first, index - 3) : index] if ln.strip().startswith("#")]
        if len(comment.split()) >= 3 or above:
            continue
        missing.append(f"{index + 1}: {stripped}")
    return missing


def unexplained_assumptions(lines: list[str]) -> list[str]:
    """Comments below the header with an ASSUMPTION marker and no reason after it."""
    bare = []
    for index, line in enumerate(lines[len(header(lines)) :], start=len(header(lines))):
        comment = line.partition("#")[2]
        for after in re.findall(r"ASSUMPTIONS?\b(.*)", comment):
            if len(re.findall(r"[A-Za-z0-9]+", after)) < 2:
                bare.append(f"{index + 1}: {line.strip()}")
    return bare


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_file_says_where_its_numbers_come_from(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    block = "\n".join(header(lines))
    assert len(header(lines)) >= 5, "a leading comment block says what the file represents"
    assert re.search(r"where the numbers come from", block, re.I), block
    assert SOURCE_WORDS.search(block), "the header names a source or an assumption"
    assert numbered_lines_without_a_source(lines) == []
    assert unexplained_assumptions(lines) == []


def test_the_source_check_catches_a_bare_number():
    lines = [
        "# header",
        "name: Test 1",
        "demand:",
        "  referrals_per_year: 750",
        "  growth_per_year: 0.01  # ASSUMPTION: a planning figure",
        "  # ASSUMPTION: long trips",
        "  travel_mph: 25",
    ]
    assert numbered_lines_without_a_source(lines) == ["4: referrals_per_year: 750"]
    assert unexplained_assumptions(["# header", "  travel_mph: 25  # ASSUMPTION"]) == [
        "2: travel_mph: 25  # ASSUMPTION"
    ]
