"""Recommend what to buy: the option that minimises an objective among those that meet
every requirement, with a stated confidence, using as few replications as it can.

The procedure is screen-and-add on common random numbers, after the
screen-then-select idea of Nelson, Swann, Goldsman and Song ("Simple procedures
for selecting the best simulated system when the number of alternatives is
large", Operations Research 49(6), 2001), with feasibility checks as in
Andradottir and Kim ("Fully sequential procedures for comparing constrained
systems via simulation", Naval Research Logistics 57(5), 2010):

1. Every option runs ``first_reps`` replications (replication k of each sees the
   same referrals).
2. Each requirement of each option is judged on a t interval of its mean:
   met (the whole interval meets it), not met (none of it does: the option is
   dropped) or uncertain.
3. Among the options that meet every requirement, the one with the lowest mean
   objective is the incumbent; any other option whose paired interval of the
   objective difference (over the replications both ran) lies above zero is
   clearly worse and dropped.
4. If one option is left and it meets every requirement, it is the answer and
   it is *separated*. Otherwise the options left double their replications (up
   to ``max_reps``) and go back to 2; at ``max_reps`` the best that meets every
   requirement is chosen, *not separated* from those still left.

Every interval is at ``1 - (1 - confidence) / (intervals per look x looks)``
(Bonferroni over every interval a decision rests on, and over the looks the
doubling allows), so the stated confidence is a floor: the procedure is
conservative, never optimistic.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulator.briefing import readable
from simulator.files import ScenarioResult
from simulator.scenario import Scenario
from simulator.stats import confidence_interval
from simulator.vocabulary import METRICS

PROCEDURE = (
    "screen-and-add on common random numbers with Bonferroni t intervals, in the spirit "
    "of the screening of Nelson, Swann, Goldsman and Song (2001) and of the feasibility "
    "checks of Andradottir and Kim (2010), but without their indifference zone or "
    "tolerance levels: options closer than the intervals can resolve are reported as "
    "not separated rather than ranked"
)
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
FIRST_REPS = 5
BOUNDS = {">=": "at least", "<=": "at most", ">": "more than", "<": "less than"}
ROUTES = {
    "block": "referrals served by the block",
    "spot": "referrals bought spot",
    "flex": "referrals served by the provider's flex",
}


def group_words(group: str) -> str:
    """A summary group as the referrals it counts: ``urgency=urgent`` -> "urgent
    referrals", ``type=imca`` -> "IMCA referrals"."""
    if group == "all":
        return "referrals"
    kind, _, value = group.partition("=")
    if kind == "urgency" or kind == "type":
        return f"{readable(value)} referrals"
    if kind == "need":
        return (
            "referrals with no specialist need"
            if value == "none"
            else (f"referrals needing {readable(value)}")
        )
    if kind == "locality":
        return f"referrals from {readable(value)}"
    if kind == "route":
        return ROUTES.get(value, f"referrals served by {value}")
    if kind == "provider":
        return f"referrals served by {value}"
    return f"referrals in {group}"


_REQUIREMENT = re.compile(
    r"^\s*(?P<metric>[a-z_0-9]+)\s*(\[(?P<group>[^\]]+)\])?\s*(?P<op>>=|<=|>|<)\s*"
    r"(?P<value>\S+)\s*$"
)


@dataclass(frozen=True)
class Requirement:
    """``METRIC[GROUP] OP VALUE``, e.g. ``within_target_share[urgency=urgent] >= 0.95``."""

    metric: str
    group: str
    op: str
    value: float

    def __post_init__(self) -> None:
        """A Requirement built in Python is checked as the text form is: a misspelt
        figure would otherwise surface only after the runs, as a figure no option has."""
        if self.metric not in METRICS:
            raise ValueError(f"Requirement {self.metric!r}: unknown metric{_close(self.metric)}")
        if self.op not in OPERATORS:
            raise ValueError(f"Requirement op {self.op!r}: expected one of {', '.join(OPERATORS)}")

    @property
    def text(self) -> str:
        group = "" if self.group == "all" else f"[{self.group}]"
        return f"{self.metric}{group} {self.op} {self.value:g}"

    @property
    def words(self) -> str:
        """The requirement as a committee reads it: ``within_target_share[urgency=urgent]
        >= 0.9`` is "at least 90% of urgent referrals allocated within target"."""
        metric = METRICS[self.metric]
        bound, who = BOUNDS[self.op], group_words(self.group)
        among = "" if self.group == "all" else f" for {who}"
        label = metric.label.split(" (")[0]
        label = label[0].lower() + label[1:]
        if metric.kind == "share":
            amount = f"{self.value * 100:g}%"
            if self.metric == "within_target_share":
                return f"{bound} {amount} of {who} allocated within target"
            return f"{label}{among} {bound} {amount}"
        if self.metric.startswith("breaches"):
            return (
                f"{bound} {self.value:g} {label}{among} (processes going ahead without an advocate)"
            )
        if metric.unit.startswith("GBP"):
            return f"{label}{among} {bound} £{self.value:,g}"
        return f"{label}{among} {bound} {self.value:g} {metric.unit}"

    def judge(self, low: float, high: float) -> str:
        """``met``, ``not met`` or ``uncertain`` for an interval of the metric's mean."""
        if np.isnan(low):
            return "uncertain"
        meets = OPERATORS[self.op]
        if meets(low, self.value) and meets(high, self.value):
            return "met"
        if not meets(low, self.value) and not meets(high, self.value):
            return "not met"
        return "uncertain"


def parse_requirement(text: str, option: str = "requirement") -> Requirement:
    """Read ``METRIC[GROUP] OP VALUE``; a ValueError names what is wrong, and ``option``
    where it came from (the command line says ``--require``)."""
    found = _REQUIREMENT.match(text)
    if not found:
        raise ValueError(
            f"{option} {text!r}: expected METRIC[GROUP] OP VALUE with OP one of >=, <=, >, <"
            " (e.g. 'within_target_share[urgency=urgent] >= 0.95')"
        )
    metric = found["metric"]
    if metric not in METRICS:
        raise ValueError(f"{option} {text!r}: unknown metric {metric!r}{_close(metric)}")
    try:
        value = float(found["value"])
    except ValueError:
        raise ValueError(f"{option} {text!r}: {found['value']!r} is not a number") from None
    return Requirement(metric, (found["group"] or "all").strip(), found["op"], value)


def check_objective(metric: str, option: str = "minimise") -> str:
    """The metric to minimise; a ValueError when it is not a summary metric."""
    if metric not in METRICS:
        raise ValueError(f"{option} {metric!r}: unknown metric{_close(metric)}")
    return metric


def _close(metric: str) -> str:
    import difflib

    near = difflib.get_close_matches(metric, list(METRICS), n=1)
    return f" (did you mean {near[0]!r}?)" if near else ""


def parse_values(key: str, text: str) -> list[Any]:
    """``--vary`` values: a list (``0.6,0.8,1.0``) or a range (``1..16``,
    ``0.5..1.2:0.1``, ends included); a ValueError names the key."""
    ranged = re.fullmatch(r"\s*([-\d.eE+]+)\.\.([-\d.eE+]+)(?::([-\d.eE+]+))?\s*", text)
    if not ranged:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            return [YAML(typ="safe", pure=True).load(v) for v in text.split(",")]
        except YAMLError:
            raise ValueError(f"--vary {key}: cannot read the values {text!r}") from None
    start, stop, step = ranged.groups()
    try:
        numbers = [float(start), float(stop), float(step or 1)]
    except ValueError:
        raise ValueError(
            f"--vary {key}: {text!r} is not a range like 1..16 or 0.5..1.2:0.1"
        ) from None
    low, high, by = numbers
    if by <= 0 or high < low:
        raise ValueError(f"--vary {key}: {text!r} needs start <= end and a step above 0")
    steps = (high - low) / by
    if abs(steps - round(steps)) > 1e-9:
        raise ValueError(
            f"--vary {key}: the steps of {text!r} do not land on its end {stop} "
            "(ranges include both ends; give a step that divides the range, or a list)"
        )
    values = [round(low + k * by, 10) for k in range(round(steps) + 1)]
    whole = all(float(x).is_integer() for x in (start, stop, step or 1))
    return [int(v) for v in values] if whole else values


@dataclass
class Option:
    """One candidate while the procedure runs: its batches of replications and verdicts."""

    scenario: Scenario
    chosen: dict[str, Any]
    parts: list[ScenarioResult] = field(default_factory=list)
    verdicts: dict[str, str] = field(default_factory=dict)
    dropped: str = ""
    worse_than: Option | None = None  # dropped as clearly worse than this option

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def reps(self) -> int:
        return sum(int(p.per_rep["rep"].nunique()) for p in self.parts)

    def values(self, metric: str, group: str) -> np.ndarray:
        """The metric per replication, in replication order (NaN where it has none)."""
        rows = pd.concat([p.per_rep for p in self.parts], ignore_index=True)
        rows = rows[(rows["metric"] == metric) & (rows["group"] == group)]
        by_rep = rows.set_index("rep")["value"]
        return by_rep.reindex(range(self.reps)).to_numpy(dtype=float)

    @property
    def feasible(self) -> str:
        verdicts = set(self.verdicts.values())
        if "not met" in verdicts:
            return "no"
        return "uncertain" if "uncertain" in verdicts else "yes"


@dataclass(frozen=True)
class Outcome:
    """What the procedure found (``recommendation.json`` holds it)."""

    options: list[Option]
    choice: Option | None  # the best that meets every requirement; None: nothing does
    closest: Option | None  # when nothing meets them: the nearest
    separated: bool
    level: float  # the confidence of each interval the decisions rest on
    requirements: tuple[Requirement, ...]
    objective: str
    confidence: float
    max_reps: int


def interval_level(confidence: float, options: int, requirements: int, looks: int) -> float:
    """Bonferroni: each interval's level so that all of them hold at ``confidence``."""
    per_look = options * requirements + max(options - 1, 1)
    return 1 - (1 - confidence) / (per_look * looks)


def looks_allowed(first: int, max_reps: int) -> int:
    """How many times the options are judged: after the first batch and each doubling."""
    return 1 + max(0, math.ceil(math.log2(max_reps / first))) if max_reps > first else 1


def select(
    options: list[Option],
    requirements: Sequence[Requirement],
    objective: str,
    run_batch: Callable[[Option, range], ScenarioResult],
    confidence: float = 0.95,
    max_reps: int = 40,
    first_reps: int = FIRST_REPS,
) -> Outcome:
    """Screen and add replications until the best feasible option is separated, or
    ``max_reps`` (see the module docstring). ``run_batch(option, reps)`` runs those
    replications of one option."""
    first = min(first_reps, max_reps)
    level = interval_level(
        confidence, len(options), len(requirements), looks_allowed(first, max_reps)
    )
    target = first
    while True:
        _reinstate(options)
        active = [o for o in options if not o.dropped]
        for option in active:  # up to the target; one put back catches up
            if option.reps < target:
                option.parts.append(run_batch(option, range(option.reps, target)))
        if target == first:
            _check_groups(options, requirements, objective)
        _screen(active, requirements, objective, level, final=target >= max_reps)
        active = [o for o in active if not o.dropped]
        settled = len(active) == 1 and active[0].feasible == "yes"
        if not active or target >= max_reps or (settled and not _reinstatable(options)):
            break
        target = min(2 * target, max_reps)
    return _outcome(options, requirements, objective, level, confidence, max_reps)


def _reinstate(options: list[Option]) -> None:
    """Put back options dropped as worse than one that no longer meets every requirement
    with confidence (or was dropped itself): the comparison they lost no longer counts."""
    for option in _reinstatable(options):
        option.dropped, option.worse_than = "", None


def _reinstatable(options: list[Option]) -> list[Option]:
    return [
        o for o in options
        if o.worse_than is not None
        and (o.worse_than.dropped or o.worse_than.feasible != "yes")
    ]  # fmt: skip


def _check_groups(
    options: list[Option], requirements: Sequence[Requirement], objective: str
) -> None:
    """A requirement on a group no option has (a typo, or no urgent referrals) is an
    error, not a silent 'nothing meets it'."""
    rows = pd.concat([p.per_rep for o in options for p in o.parts], ignore_index=True)
    present = set(zip(rows["metric"], rows["group"], strict=True))
    wanted = [(r.metric, r.group, f"requirement {r.text!r}") for r in requirements]
    for metric, group, option in [*wanted, (objective, "all", f"minimise {objective!r}")]:
        if (metric, group) not in present:
            import difflib

            groups = sorted({g for m, g in present if m == metric})
            near = difflib.get_close_matches(group, groups, n=1)
            raise ValueError(
                f"{option}: no figure {metric}[{group}] in these results "
                f"(its groups: {', '.join(groups) or 'none'})"
                + (f"; did you mean [{near[0]}]?" if near else "")
            )


def _screen(
    active: list[Option],
    requirements: Sequence[Requirement],
    objective: str,
    level: float,
    final: bool = False,
) -> None:
    """Judge every requirement, drop the infeasible, then drop those clearly worse.

    A requirement whose replications so far all gave the same value (no breaches in any
    run, say) stays uncertain until ``final`` (``max_reps``): a zero-width interval from
    a few runs says nothing about a rare event.
    """
    for option in active:
        for requirement in requirements:
            values = option.values(requirement.metric, requirement.group)
            _, low, high, _ = confidence_interval(values, level)
            verdict = requirement.judge(low, high)
            if low == high and not final:
                verdict = "uncertain"
            option.verdicts[requirement.text] = verdict
        if option.feasible == "no":
            failed = [t for t, v in option.verdicts.items() if v == "not met"]
            option.dropped = f"does not meet {'; '.join(failed)}"
    feasible = [o for o in active if o.feasible == "yes"]
    if not feasible:
        return
    best = min(feasible, key=lambda o: np.nanmean(o.values(objective, "all")))
    for option in active:
        if option is best or option.dropped:
            continue
        mean, low, _, _ = paired(option, best, objective, level)
        if low > 0:
            shown = METRICS[objective].format
            option.dropped = f"{objective} higher than {best.name} by {shown(mean)}"
            option.worse_than = best


def shown_interval(
    values: np.ndarray, metric: str, level: float
) -> tuple[float, float, float, int]:
    """Mean and interval as reported: clipped to what the metric can be (0 to 1 for
    shares, never below 0), as ``summary.csv`` clips them. Decisions use the raw one."""
    mean, low, high, n = confidence_interval(values, level)
    top = 1.0 if METRICS[metric].kind == "share" else np.inf
    return mean, float(np.clip(low, 0.0, top)), float(np.clip(high, 0.0, top)), n


def paired(
    option: Option, other: Option, metric: str, level: float = 0.95
) -> tuple[float, float, float, int]:
    """Mean and interval of ``option - other`` over the replications both ran."""
    a, b = option.values(metric, "all"), other.values(metric, "all")
    n = min(len(a), len(b))
    return confidence_interval(a[:n] - b[:n], level)


def _outcome(
    options: list[Option],
    requirements: Sequence[Requirement],
    objective: str,
    level: float,
    confidence: float,
    max_reps: int,
) -> Outcome:
    feasible = [o for o in options if o.feasible == "yes" and not o.dropped]
    choice = min(feasible, key=lambda o: np.nanmean(o.values(objective, "all")), default=None)
    left = [o for o in options if not o.dropped]
    separated = choice is not None and left == [choice]
    closest = None
    if choice is None:
        closest = min(options, key=lambda o: _shortfall(o, requirements, objective))
    return Outcome(
        options, choice, closest, separated, level, tuple(requirements), objective,
        confidence, max_reps,
    )  # fmt: skip


def _shortfall(option: Option, requirements: Sequence[Requirement], objective: str):
    """How far an option is from meeting the requirements: one that might still meet them
    first, then unmet requirements (by their mean), the largest relative miss, the
    objective."""
    misses = []
    for requirement in requirements:
        mean = np.nanmean(option.values(requirement.metric, requirement.group))
        if not OPERATORS[requirement.op](mean, requirement.value):
            misses.append(abs(mean - requirement.value) / max(abs(requirement.value), 1e-9))
    could_meet = 0 if option.feasible == "uncertain" else 1
    objective_mean = np.nanmean(option.values(objective, "all"))
    return could_meet, len(misses), max(misses, default=0.0), objective_mean


# ----------------------------------------------------------------------------- telling it


def next_best(outcome: Outcome) -> tuple[Option, float] | None:
    """The next option by objective that meets every requirement, and how much more its
    objective is than the choice's (paired mean over the replications both ran)."""
    if outcome.choice is None:
        return None
    others = [o for o in outcome.options if o is not outcome.choice and o.feasible == "yes"]
    if not others:
        return None
    runner_up = min(others, key=lambda o: np.nanmean(o.values(outcome.objective, "all")))
    return runner_up, paired(runner_up, outcome.choice, outcome.objective)[0]


def candidates_frame(outcome: Outcome) -> pd.DataFrame:
    """``candidates.csv``: every option, its replications, objective and requirements with
    intervals (at the procedure's level), feasibility and why it was dropped."""
    rows = []
    for option in outcome.options:
        mean, low, high, _ = shown_interval(
            option.values(outcome.objective, "all"), outcome.objective, outcome.level
        )
        row: dict[str, Any] = {"scenario": option.name, **option.chosen, "reps": option.reps}
        row.update({outcome.objective: mean, "ci_low": low, "ci_high": high})
        for requirement in outcome.requirements:
            values = option.values(requirement.metric, requirement.group)
            r_mean, r_low, r_high, _ = shown_interval(values, requirement.metric, outcome.level)
            row[f"{requirement.text} mean"] = r_mean
            row[f"{requirement.text} ci_low"] = r_low
            row[f"{requirement.text} ci_high"] = r_high
            row[f"{requirement.text} met"] = option.verdicts.get(requirement.text, "uncertain")
        row["feasible"] = option.feasible
        row["status"] = (
            "chosen" if option is outcome.choice
            else "dropped" if option.dropped
            else "not separated"
        )  # fmt: skip
        row["why"] = option.dropped
        rows.append(row)
    return pd.DataFrame(rows)


def recommendation(outcome: Outcome) -> dict[str, Any]:
    """``recommendation.json``: the choice, its figures with intervals, what it cost."""
    picked = outcome.choice or outcome.closest
    assert picked is not None
    runner_up = next_best(outcome)

    def figure(option: Option, metric: str, group: str) -> dict[str, float]:
        mean, low, high, n = shown_interval(option.values(metric, group), metric, outcome.level)
        return {"mean": mean, "ci_low": low, "ci_high": high, "n_reps": n}

    used = sum(o.reps for o in outcome.options)
    return {
        "choice": outcome.choice.name if outcome.choice else None,
        "meets_requirements": outcome.choice is not None,
        "closest": outcome.closest.name if outcome.closest else None,
        "values": picked.chosen,
        "objective": {"metric": outcome.objective, **figure(picked, outcome.objective, "all")},
        "requirements": [
            {
                "requirement": r.text,
                "verdict": picked.verdicts.get(r.text, "uncertain"),
                **figure(picked, r.metric, r.group),
            }
            for r in outcome.requirements
        ],
        "separated": outcome.separated,
        "confidence": outcome.confidence,
        "interval_level": outcome.level,
        "replications_used": used,
        "replications_full_grid": len(outcome.options) * outcome.max_reps,
        "next_best": None
        if runner_up is None
        else {
            "scenario": runner_up[0].name,
            "objective_difference": runner_up[1],
        },
        "procedure": PROCEDURE,
    }


def answer(outcome: Outcome, settle: str | None = None) -> str:
    """The terminal's one plain paragraph: the choice and why, in words, then how it was
    found (the method note), then, when an option is left unsettled, what would settle it:
    ``settle``, the command that reruns the same question with more replications."""
    conf = f"{outcome.confidence:.0%}"
    wanted = _joined([r.words for r in outcome.requirements])
    metric = METRICS[outcome.objective]
    objective = metric.label.lower()
    used = sum(o.reps for o in outcome.options)
    method = (
        f" Method: {used} replications in all, up to {outcome.max_reps} an option, on common "
        f"random numbers; each requirement judged with {conf} confidence."
    )
    words = {r.text: r.words for r in outcome.requirements}
    if outcome.choice is None:
        closest = outcome.closest
        assert closest is not None
        misses = [words.get(t, t) for t, v in closest.verdicts.items() if v != "met"]
        state = "might still meet" if closest.feasible == "uncertain" else "does not meet"
        text = (
            f"No option meets {wanted} with {conf} confidence. The "
            f"closest is {closest.name}, which {state} {_joined(misses) or wanted} after "
            f"{closest.reps} replications."
        )
        unsettled = closest.feasible == "uncertain"
        return text + method + (_settle(settle, outcome) if unsettled else "")
    choice = outcome.choice
    mean = np.nanmean(choice.values(outcome.objective, "all"))
    meeting = f"that meet {wanted}" if wanted else "(no requirement)"
    shown = metric.format(mean)
    text = f"Buy {choice.name}: the lowest {objective} ({shown}) of the options {meeting}."
    runner_up = next_best(outcome)
    if runner_up is not None:
        more = metric.format(runner_up[1])
        text += f" The next that meets them, {runner_up[0].name}, is {more} higher."
    left = [o for o in outcome.options if not o.dropped and o is not choice]
    unsure = [o.name for o in left if o.feasible == "uncertain"]
    tied = [o.name for o in left if o.feasible == "yes"]
    if unsure:
        verb = "meets" if len(unsure) == 1 else "meet"
        text += f" Whether {_joined(unsure)} also {verb} them is still uncertain."
    if tied:
        text += (
            f" It could not be separated from {_joined(tied)}: the runs do not show which "
            f"has the lower {objective}."
        )
    return text + method + (_settle(settle, outcome) if unsure or tied else "")


def _joined(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    return " and ".join(items) if len(items) < 3 else f"{', '.join(items[:-1])} and {items[-1]}"


def _settle(command: str | None, outcome: Outcome) -> str:
    """The closing sentence: the command that would settle what is left open."""
    if command:
        return f" To settle it, run: {command}"
    return f" To settle it, run it again with more replications (max_reps {2 * outcome.max_reps})."


def option_list(scenarios: Sequence[Scenario], points: Sequence[Mapping[str, Any]]) -> list[Option]:
    return [Option(s, dict(p)) for s, p in zip(scenarios, points, strict=True)]


def what_runs(scenario: Scenario) -> str:
    """The scenario as the model sees it: without its name and words, and without a
    ``block_share`` that sizes no block (spot only, or every block sized by its file), so
    options the model cannot tell apart compare equal."""
    import json

    from simulator.metrics import sized_by_share

    plain = scenario.to_plain()
    for words in ("name", "description", "assumptions"):
        plain.pop(words, None)
    if not sized_by_share(scenario):
        plain["commissioning"].pop("block_share", None)
    return json.dumps(plain, sort_keys=True, default=str)


def distinct(options: Sequence[Option]) -> tuple[list[Option], dict[str, str]]:
    """The options that differ, and each repeat's name with the first option it repeats:
    running an option twice would spend replications and split a tie for nothing."""
    first: dict[str, Option] = {}
    repeats: dict[str, str] = {}
    for option in options:
        kept = first.setdefault(what_runs(option.scenario), option)
        if kept is not option:
            repeats[option.name] = kept.name
    return list(first.values()), repeats


def repeats_line(repeats: Mapping[str, str]) -> str:
    """One line saying which options were the same as another and ran once."""
    pairs = "; ".join(f"{name!r} is {kept!r}" for name, kept in repeats.items())
    return f"{len(repeats)} of the options repeat another, so ran once: {pairs}"


__all__ = [
    "Option",
    "Outcome",
    "Requirement",
    "answer",
    "candidates_frame",
    "parse_requirement",
    "parse_values",
    "recommendation",
    "select",
]
