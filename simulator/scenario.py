"""Scenario files: reading YAML, resolving ``extends:``, and wording every problem.

Every problem in a file is reported at once, one line each, naming the file,
the line where known, the dotted field path, the value and what is allowed.
The schema itself is in ``simulator.schema``; this module also builds the
JSON Schema and the documentation's field reference from it. Nothing here imports SimPy.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from simulator.commissioning import commissioning_model
from simulator.distributions import DIST_NAMES, _ByMean
from simulator.plan import (
    fewest_slots,
    least_held_work_hours,
    open_case_shares,
    partner_scenarios,
    plan_pools,
)
from simulator.schema import (  # noqa: F401  (re-exported: the scenario's public names)
    COUNCIL,
    SHARE_TOLERANCE,
    AdvocacyType,
    Commissioning,
    Demand,
    Funder,
    Hub,
    Locality,
    Overflow,
    Population,
    Provider,
    Scenario,
    Shock,
    Spot,
    Targets,
    Workshops,
)
from simulator.units import DAYS_PER_YEAR
from simulator.vocabulary import Route

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails


class ScenarioError(Exception):
    """Bad input: every problem found, one line each, ready to print."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


_Source = dict[tuple[Any, ...], tuple[str, int]]


def _read_yaml(path: Path) -> tuple[dict[str, Any], _Source]:
    """Read one YAML 1.2 file into plain data, with the line of every key."""
    label = str(path)
    if not path.exists():
        raise ScenarioError([f"{label}: file not found"])
    if path.is_dir():
        raise ScenarioError([f"{label}: is a folder, not a scenario file"])
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([f"{label}: not a text file (expected UTF-8 YAML)"]) from None
    except OSError as error:
        raise ScenarioError([f"{label}: cannot read ({error.strerror})"]) from None
    if "\x00" in text:
        raise ScenarioError([f"{label}: not a text file (expected UTF-8 YAML)"])
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ScenarioError([f"{label}{where}: not valid YAML: {problem}"]) from None
    if data is None:
        raise ScenarioError([f"{label}: empty file (expected a scenario mapping)"])
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        raise ScenarioError([f"{label}: expected a mapping of scenario fields, got {kind}"])
    source: _Source = {}
    return _plain(data, (), label, source), source


def _plain(node: Any, path: tuple[Any, ...], label: str, source: _Source) -> Any:
    """Turn ruamel's round-trip nodes into plain Python, noting key lines."""
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            line = node.lc.key(key)[0] + 1
            source[(*path, key)] = (label, line)
            out[key] = _plain(value, (*path, key), label, source)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            source[(*path, index)] = (label, node.lc.item(index)[0] + 1)
            items.append(_plain(value, (*path, index), label, source))
        return items
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def _merge(
    base: dict[str, Any], override: dict[str, Any], path: tuple[Any, ...] = ()
) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """Key-by-key override: mappings merge, anything else replaces, and a null removes an
    inherited key that cannot be null (:func:`_removable`). Also returns the paths whose
    base value is gone (replaced or removed), so the base's lines under them are dropped."""
    merged, gone = dict(base), []
    for key, value in override.items():
        here = (*path, key)
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key], inner = _merge(merged[key], value, here)
            gone += inner
            continue
        if key in merged:
            gone.append(here)
        if value is None and key in merged and _removable(here):
            del merged[key]
        else:
            merged[key] = value
    return merged, gone


def _removable(path: tuple[Any, ...]) -> bool:
    """A null here in a file with ``extends:`` removes the inherited value: the field
    cannot be null and may be left out, so null has no other meaning. That is a label of
    a mapping you key (``demand.mix``, ``demand.needs``, ``demand.localities``), which is
    then gone, or a field with a default, which then takes it. Where a field may be null
    (``deadline_days``, ``seasonality``, ``spot``, ...), null keeps meaning null; a
    required field or an unknown key keeps its null, and with it its error."""
    annotation: Any = Scenario
    for part in path[:-1]:
        annotation = _step(annotation, part, None)
    model = _model_of(annotation, None)
    if model is not None:
        field = model.model_fields.get(str(path[-1]))
        if field is None or field.is_required():
            return False
        annotation = field.annotation
    else:
        annotation = _step(annotation, path[-1], None)
    return annotation is not None and type(None) not in set(_flatten(annotation))


def _resolve(
    path: Path, chain: tuple[Path, ...], label: str | None = None
) -> tuple[dict[str, Any], _Source]:
    data, source = _read_yaml(path)
    _partner_demand_files(data, path, source)
    if label is not None:  # a base: named beside the file extending it, ``..`` tidied away
        source = {key: (label, line) for key, (_, line) in source.items()}
    base_name = data.pop("extends", None)
    if base_name is None:
        return data, source
    line = source.get(("extends",), (str(path), 0))[1]
    if not isinstance(base_name, str) or not base_name:
        raise ScenarioError([f"{path}:{line}: extends: must name a base file (a relative path)"])
    base_path = (path.parent / base_name).resolve()
    if base_path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, base_path))
        raise ScenarioError([f"{path}:{line}: extends: cycle: {cycle}"])
    if not base_path.exists():
        raise ScenarioError([f"{path}:{line}: extends: base file not found: {base_path}"])
    shown = os.path.normpath(os.path.join(os.path.dirname(label or str(path)), base_name))
    base, base_source = _resolve(base_path, (*chain, base_path), shown)
    merged, gone = _merge(base, data)
    if "assumptions" in data and isinstance(base.get("assumptions"), list):
        given = [*base.get(_GIVEN, []), *base["assumptions"]]
        merged[_GIVEN] = [a for a in dict.fromkeys(given) if a not in (data["assumptions"] or [])]
    return merged, {**_without(base_source, gone), **source}


def _partner_demand_files(data: dict[str, Any], path: Path, source: _Source) -> None:
    """A partner authority's ``demand`` given as a file (relative to this file: a
    ``demand:`` block, as calibrate writes it, or a scenario, whose demand it takes) is
    read in place: the resolved scenario holds every
    authority's demand, so a saved run can be repeated from it alone."""
    authorities = _section(data, "partners").get("authorities")
    for k, authority in enumerate(authorities if isinstance(authorities, list) else []):
        given = authority.get("demand") if isinstance(authority, dict) else None
        if not isinstance(given, str):
            continue
        where = ("partners", "authorities", k, "demand")
        line = source.get(where, (str(path), 0))[1]
        demand_path = (path.parent / given).resolve()
        if not demand_path.exists():
            raise ScenarioError([
                f"{path}:{line}: partners.authorities.{k}.demand: demand file not found: "
                f"{demand_path}"
            ])  # fmt: skip
        block, _ = resolve_file(demand_path)
        if not isinstance(block.get("demand"), dict):
            raise ScenarioError([
                f"{path}:{line}: partners.authorities.{k}.demand: {given} has no demand: "
                "section (give a demand: block, as calibrate writes it, or a scenario)"
            ])  # fmt: skip
        authority["demand"] = block["demand"]
        if block.get("start_date") is not None:  # checked once the scenario's is known
            authority[_STARTS] = (str(block["start_date"]), f"{path}:{line}", given)


_GIVEN = "\x00assumptions replaced"
"""Where :func:`_resolve` keeps, beside the data, the assumptions of files extended that
a file's own list replaced (no scenario key can hold a NUL)."""


def _replaced_assumptions(data: dict[str, Any]) -> list[str]:
    """Take the replaced assumptions out of resolved data (see ``_GIVEN``)."""
    return [a for a in data.pop(_GIVEN, []) if a not in (data.get("assumptions") or [])]


def _without(source: _Source, gone: list[tuple[Any, ...]]) -> _Source:
    """A base's lines except those inside values a file replaced or removed: a list of
    three providers replaced by one leaves no line for the base's second provider."""
    return {
        key: where
        for key, where in source.items()
        if not any(len(key) > len(cut) and key[: len(cut)] == cut for cut in gone)
    }


def resolve_file(path: str | Path) -> tuple[dict[str, Any], _Source]:
    """The file's data with its ``extends:`` chain applied (not yet validated)."""
    data, source = _resolved_with_replaced(path)
    data.pop(_GIVEN, None)
    return data, source


_STARTS = "\x00start_date"
"""Where ``_partner_demand_files`` keeps a partner demand file's own start date, for
``_partners_start_with_us`` once the scenario's own is known (no key can hold a NUL)."""


def _resolved_with_replaced(path: str | os.PathLike[str]) -> tuple[dict[str, Any], _Source]:
    path = Path(path)
    data, source = _resolve(path, (path.resolve(),))
    _partners_start_with_us(data)
    return data, source


def _partners_start_with_us(data: dict[str, Any]) -> None:
    """A partner's demand file that starts on another date than the scenario would have its
    seasons and shocks fall on the wrong days of the joint contract: refused."""
    from simulator.schema import Scenario

    ours = str(data.get("start_date") or Scenario.model_fields["start_date"].default)
    authorities = _section(data, "partners").get("authorities")
    for k, authority in enumerate(authorities if isinstance(authorities, list) else []):
        if not isinstance(authority, dict) or _STARTS not in authority:
            continue
        theirs, where, given = authority.pop(_STARTS)
        if theirs != ours:
            raise ScenarioError([
                f"{where}: partners.authorities.{k}.demand: {given} starts on {theirs}, the "
                f"scenario on {ours}: a partner's seasons and shocks count from the joint "
                "contract's start; give both files the same start_date"
            ])  # fmt: skip


def _noting_replaced(scenario: Scenario, replaced: list[str]) -> Scenario:
    """The scenario, knowing the assumptions of files it extends that its list replaced."""
    scenario._assumptions_replaced = tuple(replaced)
    return scenario


def load_scenario(
    path: str | os.PathLike[str], overrides: dict[str, Any] | None = None, option: str = "--set"
) -> Scenario:
    """Load, resolve and validate one scenario file.

    ``overrides`` maps dotted field paths to values (from ``--set``, ``--vary`` or
    ``--reps``; ``option`` names it in errors); they are validated like the file.
    Raises :class:`ScenarioError` listing every problem.
    """
    data, source = _resolved_with_replaced(path)
    replaced = _replaced_assumptions(data)
    for dotted, value in (overrides or {}).items():
        data = set_dotted(data, dotted, value, option)
        # A problem in an overridden field is the option's, not the file's.
        source[tuple(dotted_keys(dotted))] = (f"{option} {dotted}={value}", 0)
    if set(data) == {"demand"}:
        raise ScenarioError([
            f"{path}: a demand block alone (as calibrate writes it): extend it from a scenario "
            "file (extends: its path) that gives name, horizon_days and commissioning"
        ])  # fmt: skip
    return _noting_replaced(validate(data, str(path), source), replaced)


def dotted_keys(dotted: str) -> list[Any]:
    """A dotted field path's keys, list items by index: ``providers.0.advocates``, or as
    the field reference writes it, ``providers[0].advocates``."""
    plain = re.sub(r"\[(\d+)\]", r".\1", dotted)
    return [int(k) if k.isdigit() else k for k in plain.split(".")]


def set_dotted(
    data: dict[str, Any], dotted: str, value: Any, option: str = "--set"
) -> dict[str, Any]:
    """A copy of ``data`` with the field at a dotted path set (list items by index)."""
    keys = dotted_keys(dotted)

    def put(node: Any, rest: list[Any]) -> Any:
        key, tail = rest[0], rest[1:]
        if isinstance(node, list) and isinstance(key, int) and key < len(node):
            items = list(node)
            items[key] = put(node[key], tail) if tail else value
            return items
        if not isinstance(node, dict):
            raise ScenarioError([f"{option} {dotted}: {key!r} is not inside a mapping"])
        copy = dict(node)
        copy[key] = put(node.get(key, {}), tail) if tail else value
        return copy

    return put(data, keys)


def load_checked(path: str | Path) -> Scenario | Demand:
    """What ``validate`` checks in a file, resolved and read once: a scenario, or a
    ``demand:`` block alone (what ``calibrate`` writes, to be extended from a scenario
    rather than run). Raises :class:`ScenarioError` listing every problem."""
    data, source = _resolved_with_replaced(path)
    replaced = _replaced_assumptions(data)
    if set(data) == {"demand"}:
        return _demand_block(data, source, path)
    return _noting_replaced(validate(data, str(path), source), replaced)


def load_demand_block(path: str | Path) -> Demand:
    """Validate a file holding only a ``demand:`` block; every problem, one line each."""
    return _demand_block(*resolve_file(path), path)


def _demand_block(data: dict[str, Any], source: _Source, path: str | Path) -> Demand:
    try:
        demand = Demand.model_validate(data["demand"])
    except ValidationError as error:
        problems = []
        for item in error.errors():
            inside: ErrorDetails = {**item, "loc": ("demand", *item["loc"])}
            if not _other_branch(inside):
                problems.append(_describe(inside, str(path), source, data))
        raise ScenarioError(list(dict.fromkeys(problems))) from None
    unknown = _unknown_shock_types(data)
    if unknown:
        raise ScenarioError(_lines(unknown, str(path), source))
    return demand


def validate(data: dict[str, Any], label: str, source: _Source | None = None) -> Scenario:
    """Validate plain data as a scenario; every problem becomes one line.

    First the schema (field by field); then the checks that look across
    sections of a valid scenario (:func:`_unknown_skills`, :func:`_open_cases_fit`).
    """
    source = source or {}

    def lines(problems: list[_Problem]) -> list[str]:
        return _lines(problems, label, source)

    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        errors = [item for item in error.errors() if not _other_branch(item)]
        schema = list(dict.fromkeys(_describe(item, label, source, data) for item in errors))
        found = _unknown_skills(data) + _unknown_shock_types(data) + _funders_fit(data)
        raise ScenarioError(schema + lines(found)) from None
    partners = _partners_fit(scenario)
    if partners:  # sizing and the checks after it read every authority's types
        raise ScenarioError(lines(partners))
    problems = [
        *_unknown_skills(data),
        *_unknown_shock_types(data),
        *_funders_fit(data),
        *_takes_no_referral(scenario),
        *_doubt_where_drawn(scenario),
        *_changes_fit(scenario),
        *_open_cases_fit(scenario),
    ]
    if problems:
        raise ScenarioError(lines(problems))
    return scenario


def _lines(problems: list[_Problem], label: str, source: _Source) -> list[str]:
    """Each problem as one line: where it is (file:line), the field, its value, what is wrong."""
    out = []
    for loc, value, message in problems:
        where, origin = _where(loc, label, source)
        out.append(f"{where}: {_field(loc)}: {_show(value)}{origin}: {message}")
    return out


def _doubt_where_drawn(node: Any, loc: tuple[Any, ...] = ()) -> list[_Problem]:
    """A distribution given as some distribution's mean anywhere but a type's hours: only
    the rate and the hours are drawn per replication, so elsewhere it would silently
    stand for its mean."""
    problems: list[_Problem] = []
    hours = len(loc) == 4 and loc[:2] == ("demand", "mix") and loc[3] == "hours"
    if isinstance(node, _ByMean) and node.uncertain and not hours:
        message = (
            "a distribution of the mean is allowed only in demand.mix.<type>.hours "
            "(and demand.referrals_per_year takes one directly)"
        )
        problems.append(((*loc, "mean"), node.mean.model_dump(), message))
    children = (
        node.__dict__.items() if isinstance(node, BaseModel)
        else node.items() if isinstance(node, dict)
        else enumerate(node) if isinstance(node, list | tuple)
        else ()
    )  # fmt: skip
    for key, child in children:
        problems += _doubt_where_drawn(child, (*loc, key))
    return problems


_Problem = tuple[tuple[Any, ...], Any, str]  # (field path, value, what is wrong)


def _changes_fit(scenario: Scenario) -> list[_Problem]:
    """Each provider's ``changes`` fall inside the run, in order, on a block sized by
    ``advocates``.

    A change says how many advocates (FTE) the provider has from its day: an absolute
    figure, paid for and staffed as ``advocates`` is. A block sized by ``block_share`` or
    ``block_hours_per_year`` is bought as hours and staffed through planned absence with
    more slots, so a change in advocates would mean something else there: refused, not
    guessed. Why here and not in ``simulator.schema``: ``from_day`` is checked against
    ``horizon_days``, another section, and each problem names its item's own field.
    """
    problems: list[_Problem] = []
    horizon = scenario.horizon_days
    for p, provider in enumerate(scenario.commissioning.providers):
        path = ("commissioning", "providers", p, "changes")
        changes = provider.changes or []
        if changes and provider.advocates is None:
            sized = "block_hours_per_year" if provider.block_hours_per_year else "block_share"
            problems.append((
                path, [change.model_dump() for change in changes],
                f"changes give the advocates (FTE) from each from_day, so the provider must be "
                f"sized by advocates too (it is sized by {sized}): give advocates",
            ))  # fmt: skip
        for k, change in enumerate(changes):
            at = (*path, k, "from_day")
            if change.from_day >= horizon:
                problems.append((at, change.from_day, f"must be below horizon_days ({horizon:g})"))
            if k and change.from_day <= changes[k - 1].from_day:
                previous = changes[k - 1].from_day
                problems.append((
                    at, change.from_day,
                    f"must be later than changes.{k - 1}.from_day ({previous}): list changes "
                    "in order, one a day at most",
                ))  # fmt: skip
    return problems


def _partners_fit(scenario: Scenario) -> list[_Problem]:
    """Each partner authority's demand has the scenario's advocacy types, needs and
    localities, in the same order: one contract serves them all by the same labels (a
    referral's type, need and locality are read by their place in those lists)."""
    if scenario.partners is None:
        return []
    demand = scenario.demand
    problems: list[_Problem] = []
    for k, authority in enumerate(scenario.partners.authorities):
        theirs = authority.demand
        for field, ours, given in (
            ("mix", list(demand.mix), list(theirs.mix)),
            ("needs", list(demand.needs), list(theirs.needs)),
            ("localities", list(demand.localities), list(theirs.localities)),
        ):
            if given != ours:
                missing = [label for label in ours if label not in given]
                extra = [label for label in given if label not in ours]
                said = "".join([
                    f"; missing {', '.join(missing)}" if missing else "",
                    f"; not the scenario's: {', '.join(extra)}" if extra else "",
                ])  # fmt: skip
                problems.append((
                    ("partners", "authorities", k, "demand", field), given,
                    f"must list the scenario's demand.{field} in the same order: {ours}{said}",
                ))  # fmt: skip
    split = scenario.partners.cost_split
    if isinstance(split, dict):
        names = scenario.partners.names
        missing = [name for name in names if name not in split]
        unknown = [name for name in split if name not in names]
        if missing or unknown:
            wrong = [
                f"no share for {', '.join(missing)}" if missing else "",
                f"not an authority of the contract: {', '.join(unknown)}" if unknown else "",
            ]
            problems.append((
                ("partners", "cost_split"), split,
                f"{'; '.join(filter(None, wrong))} (authorities: {', '.join(names)})",
            ))  # fmt: skip
        elif abs(sum(split.values()) - 1) > 1e-9:
            problems.append((
                ("partners", "cost_split"), split,
                f"shares must sum to 1 (they sum to {sum(split.values()):g})",
            ))  # fmt: skip
    return problems


def _section(data: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _unknown_skills(data: dict[str, Any]) -> list[_Problem]:
    """Every provider or spot skill that is neither an advocacy type nor a need of the scenario.

    Such a skill (a misspelt need, say) would serve nobody, and the people who
    need the skill it was meant to be would be left unserved without a word.
    Read from the plain data, so it is reported beside any other problem in the file.
    """
    types, needs = list(_section(data, "demand", "mix")), list(_section(data, "demand", "needs"))
    labels = types + needs
    commissioning = _section(data, "commissioning")
    providers = commissioning.get("providers")
    listed: list[tuple[tuple[Any, ...], Any]] = [
        (("commissioning", "providers", p), provider.get("skills"))
        for p, provider in enumerate(providers if isinstance(providers, list) else [])
        if isinstance(provider, dict)
    ]
    listed.append((("commissioning", "spot"), _section(commissioning, "spot").get("skills")))
    problems: list[_Problem] = []
    for path, skills in listed:
        for index, skill in enumerate(skills if isinstance(skills, list) else []):
            if not isinstance(skill, str) or skill in labels:
                continue
            suggestion = _suggestion(skill, labels)
            allowed = f"types: {', '.join(types)}; needs: {', '.join(needs) or '(none)'}"
            problems.append(
                (
                    (*path, "skills", index),
                    skill,
                    f"not an advocacy type or need of this scenario{suggestion} ({allowed})",
                )
            )
    return problems


def _unknown_shock_types(data: dict[str, Any]) -> list[_Problem]:
    """Every advocacy type a shock's ``types`` names that ``demand.mix`` does not have: a
    misspelt one would silently shock nothing. Read from the plain data, as
    :func:`_unknown_skills` is, so it is reported beside any other problem in the file."""
    demand = _section(data, "demand")
    types, shocks = list(_section(demand, "mix")), demand.get("shocks")
    problems: list[_Problem] = []
    for k, shock in enumerate(shocks if isinstance(shocks, list) else []):
        named = shock.get("types") if isinstance(shock, dict) else None
        for index, label in enumerate(named if isinstance(named, list) else []):
            if not isinstance(label, str) or label in types:
                continue
            suggestion = _suggestion(label, types)
            problems.append((
                ("demand", "shocks", k, "types", index), label,
                f"not an advocacy type of demand.mix{suggestion} (types: {', '.join(types)})",
            ))  # fmt: skip
    return problems


def _suggestion(given: str, known: list[str]) -> str:
    """The hint for an unknown label: the nearest known one, case aside (RPR for rpr)."""
    by_lower = {label.lower(): label for label in known}
    hint = difflib.get_close_matches(given.lower(), list(by_lower), n=1)
    return f"; did you mean '{by_lower[hint[0]]}'?" if hint else ""


def _funders_fit(data: dict[str, Any]) -> list[_Problem]:
    """``funders`` that can be costed: no funder called ``council`` (the name of whoever
    pays the rest), every type named one of ``demand.mix`` (a misspelt one would fund
    nothing), and for each type the funders' shares summing to at most 1. Read from the
    plain data, as :func:`_unknown_shock_types` is, so each is reported beside any other
    problem in the file."""
    funders = data.get("funders")
    types = list(_section(data, "demand", "mix"))
    problems: list[_Problem] = []
    paying: dict[str, list[tuple[str, float]]] = {}
    for name, funder in funders.items() if isinstance(funders, dict) else ():
        if str(name).lower() == COUNCIL:
            problems.append((
                ("funders", name), name,
                "the name council is reserved: the council pays what no funder does "
                "(group funder=council); name the co-funder, e.g. icb",
            ))  # fmt: skip
        named = funder.get("types") if isinstance(funder, dict) else None
        share = funder.get("share") if isinstance(funder, dict) else None
        for index, label in enumerate(named if isinstance(named, list) else []):
            if not isinstance(label, str):
                continue
            if label not in types:
                suggestion = _suggestion(label, types)
                problems.append((
                    ("funders", name, "types", index), label,
                    f"not an advocacy type of demand.mix{suggestion} (types: {', '.join(types)})",
                ))  # fmt: skip
            elif isinstance(share, int | float) and not isinstance(share, bool) and share <= 1:
                paying.setdefault(label, []).append((str(name), float(share)))
    for label, shares in paying.items():
        total = sum(share for _, share in shares)
        if total > 1 + SHARE_TOLERANCE:
            name, share = shares[-1]
            each = ", ".join(f"{who} {part:g}" for who, part in shares)
            problems.append((
                ("funders", name, "share"), share,
                f"the funders of {label} would pay {total:g} of its cost ({each}): shares of "
                "a type sum to at most 1, the council paying the rest",
            ))  # fmt: skip
    return problems


def _types_in_demand(scenario: Scenario) -> list[str]:
    """The advocacy types referrals can have: those of ``demand.mix`` with a share above 0."""
    return [label for label, kind in scenario.demand.mix.items() if kind.share > 0]


def _takes_no_referral(scenario: Scenario) -> list[_Problem]:
    """Every bought provider (block or hub partner, with its flex) and a spot market whose
    skills name no advocacy type referrals can have.

    A provider serves a referral only when its skills list the referral's type (and its
    need, if any), so ``skills: [bsl]`` alone serves nobody: a block would be paid in full
    for nothing, a spot market would take no overflow. Under spot_only the providers
    are not bought, so only the spot market is checked.
    """
    mix, types = scenario.demand.mix, _types_in_demand(scenario)
    commissioning = scenario.commissioning
    holders: list[tuple[tuple[Any, ...], str, list[str]]] = []
    if commissioning_model(scenario).buys_block:
        for index, provider in enumerate(commissioning.providers):
            path = ("commissioning", "providers", index, "skills")
            holders.append((path, provider.name, provider.skills))
    spot = commissioning.spot
    if spot is not None and spot.skills is not None:
        holders.append((("commissioning", "spot", "skills"), "the spot market", spot.skills))
    problems: list[_Problem] = []
    for path, name, skills in holders:
        if any(skill in types for skill in skills):
            continue
        idle = [skill for skill in skills if skill in mix]
        why = (
            f"its advocacy types ({', '.join(idle)}) have share 0 in demand.mix, whose "
            f"referrals are {', '.join(types)}"
            if idle
            else f"its skills name no advocacy type of demand.mix ({', '.join(types)})"
        )
        hint = (
            "; omit skills for a market that serves every type and need"
            if path[1] == "spot"
            else ""
        )
        problems.append((path, skills, f"{name} can take no referral: {why}{hint}"))
    return problems


def scenario_warnings(scenario: Scenario) -> list[str]:
    """What is legal in a scenario but makes its figures mislead, one sentence each naming
    the field: referrals of a type or need nobody bought can serve (all counted unserved),
    and a scenario where no referral has a deadline (breaches can never be counted, so
    every option looks breach-free). ``validate``, the commands that run and the report
    show them; they do not stop a run."""
    return [
        *_unservable(scenario), *_no_deadlines(scenario), *_backlog_in_warm_up(scenario),
        *_casework_share_without_workforce(scenario), *_turnover_as_a_percentage(scenario),
        *_exits_that_never_count(scenario),
        *_horizon_against_the_term(scenario), *_dates_outside_the_run(scenario),
        *_providers_spot_only_ignores(scenario),
    ]  # fmt: skip


def _providers_spot_only_ignores(scenario: Scenario) -> list[str]:
    """Block providers in a spot-only scenario (kept from a file it extends, say): nothing
    is bought from them, so their sizes and rates change no figure."""
    commissioning = scenario.commissioning
    if commissioning.model != "spot_only" or not commissioning.providers:
        return []
    names = ", ".join(p.name for p in commissioning.providers)
    return [
        f"commissioning.providers: {names} ignored: model spot_only buys no block (remove "
        "them, or choose single_provider or hub)"
    ]


def _dates_outside_the_run(scenario: Scenario) -> list[str]:
    """Closure days that fall outside the run's calendar (a year typed as 2062 for 2026:
    the day stays open with no word), and a financial year that starts on a day other
    than the 1st (``01-04``, meant as 1 April day first, is 4 January: MM-DD)."""
    from datetime import timedelta

    from simulator.schema import financial_year_start

    start = scenario.start_date
    end = start + timedelta(days=scenario.horizon_days + scenario.follow_up_days)
    found = [
        f"targets.closure_days: {day} is outside the run ({start} to {end}): it closes nothing"
        for day in scenario.targets.closure_days
        if not start <= day < end
    ]
    given = scenario.commissioning.financial_year_start
    if given is not None and financial_year_start(given)[1] != 1:
        month, day = financial_year_start(given)
        found.append(
            f"commissioning.financial_year_start: {given} is month {month}, day {day} (MM-DD); "
            "a financial year starting 1 April is 04-01"
        )
    return found


def _exits_that_never_count(scenario: Scenario) -> list[str]:
    """A known ``exit_day`` after the run ends (the provider never leaves in it), and a
    ``tupe_share`` that never applies (every re-tender outlasts its notice, so each
    successor starts after a gap, and nobody transfers across a gap)."""
    commissioning = scenario.commissioning
    horizon = scenario.horizon_days
    ends = horizon + scenario.follow_up_days
    found = [
        f"commissioning.providers[{k}].exit_day: {p.exit_day} is after the run ends (day "
        f"{ends:g}): the provider never leaves in it"
        if p.exit_day >= ends
        else f"commissioning.providers[{k}].exit_day: {p.exit_day} is after the horizon (day "
        f"{horizon:g}): it leaves in the follow-up, so only people referred earlier and still "
        "waiting or open then meet it (their replications count as exit=yes)"
        for k, p in enumerate(commissioning.providers)
        if p.exit_day is not None and p.exit_day >= horizon
    ]
    leaving = [p for p in commissioning.providers
               if p.exit_risk_per_year > 0 or p.exit_day is not None]  # fmt: skip
    retender = commissioning.retender_days
    if (
        commissioning.tupe_share > 0
        and leaving
        and all(retender is None or retender > p.notice_days for p in leaving)
    ):
        found.append(
            f"commissioning.tupe_share: {commissioning.tupe_share:g} never applies: every "
            "re-tender takes longer than the provider's notice_days, so nobody is left to "
            "transfer when the successor starts"
        )
    return found


def _horizon_against_the_term(scenario: Scenario) -> list[str]:
    """A horizon that stops before the contract's term ends (its later years unmeasured),
    or runs past the term and any extension (years the contract as written never buys):
    legal, as a question asked of part of a contract or of a renewal, but worth a word."""
    commissioning = scenario.commissioning
    term, whole = commissioning.term_years, commissioning.years_with_extensions
    if term is None or whole is None:
        return []
    horizon = scenario.horizon_days
    if horizon < term * DAYS_PER_YEAR:
        return [
            f"horizon_days: {horizon:g} is shorter than commissioning.term_years: {term} "
            f"({term * DAYS_PER_YEAR:g} days): the term's later years are not measured"
        ]
    if horizon > whole * DAYS_PER_YEAR:
        return [
            f"horizon_days: {horizon:g} is longer than the term and extensions ({whole} years, "
            f"{whole * DAYS_PER_YEAR:g} days): the years after them are outside the contract "
            "as written and not in the By contract year table"
        ]
    return []


AWAY_IN_SHARE = 0.8  # above this share of paid hours on casework, leave and sickness are missing


def _casework_share_without_workforce(scenario: Scenario) -> list[str]:
    """A pool with no ``workforce`` whose ``productive_share`` is above 0.8: its advocates
    are never away, so that share must count their leave, sickness and training too, and
    casework beyond 80% of paid hours leaves them almost none (the county files' 0.84 is
    a share of time at work, for pools with a workforce: copied to a pool without one, it
    quietly gives it a sixth more hours)."""
    return [
        f"{path}.productive_share: {pool.productive_share:g} with no workforce section: its "
        "advocates are never away, so this share of paid hours must also leave room for "
        "leave, sickness and training (0.7 is usual); with a workforce section it is the "
        "share of time at work"
        for path, pool in _pools(scenario)
        if pool.workforce is None and pool.productive_share > AWAY_IN_SHARE
    ]


def _pools(scenario: Scenario) -> list[tuple[str, Any]]:
    """Every pool of advocates with its path in the file: the providers, their flex and
    the spot market."""
    commissioning = scenario.commissioning
    pools: list[tuple[str, Any]] = [
        (f"commissioning.providers.{i}", p) for i, p in enumerate(commissioning.providers)
    ]
    pools += [(f"commissioning.providers.{i}.flex", p.flex)
              for i, p in enumerate(commissioning.providers) if p.flex is not None]  # fmt: skip
    if commissioning.spot is not None:
        pools.append(("commissioning.spot", commissioning.spot))
    return pools


def _turnover_as_a_percentage(scenario: Scenario) -> list[str]:
    """``turnover_per_year`` above 1: leavers a year per post, so 20 is each post turning
    over twenty times a year; almost surely meant as 20% (0.2)."""
    return [
        f"{path}.workforce.turnover_per_year: {pool.workforce.turnover_per_year:g}: leavers a "
        f"year per post: {pool.workforce.turnover_per_year:g} means each post turns over "
        f"{pool.workforce.turnover_per_year:g} times a year; for "
        f"{pool.workforce.turnover_per_year:g}% write {pool.workforce.turnover_per_year / 100:g}"
        for path, pool in _pools(scenario)
        if pool.workforce is not None and pool.workforce.turnover_per_year > 1
    ]


def _backlog_in_warm_up(scenario: Scenario) -> list[str]:
    """A day-0 waiting list inside a warm-up is left out of every figure: its waits, its
    breaches and what buying its cases costs vanish without a word unless said."""
    waiting, warm_up = scenario.demand.initial_waiting_list, scenario.warm_up_days
    if waiting == 0 or warm_up == 0:
        return []
    return [
        f"demand.initial_waiting_list: the {waiting} people waiting on day 0 fall in the "
        f"{warm_up:g}-day warm-up, so their waits, breaches and costs are in no figure; set "
        "warm_up_days: 0 to count them"
    ]


def _skill_sets(scenario: Scenario) -> list[frozenset[str] | None]:
    """The skills of every market that takes referrals (None: serves everything): the
    bought providers (their flex has the same skills) and the spot market."""
    commissioning = scenario.commissioning
    sets: list[frozenset[str] | None] = []
    if commissioning_model(scenario).buys_block:
        sets += [frozenset(provider.skills) for provider in commissioning.providers]
    if commissioning.spot is not None:
        spot = commissioning.spot.skills
        sets.append(None if spot is None else frozenset(spot))
    return sets


def _unservable(scenario: Scenario) -> list[str]:
    """Types and needs (share above 0) no market can serve: a need is served only with a
    type, by a market whose skills list both."""
    types, sets = _types_in_demand(scenario), _skill_sets(scenario)
    if None in sets:
        return []
    known = [skills for skills in sets if skills is not None]
    warnings = [
        f"demand.mix.{label}: no provider, flex or spot market lists {label} in its skills: "
        "its referrals will all be counted unserved"
        for label in types
        if not any(label in skills for skills in known)
    ]
    for need, share in scenario.demand.needs.items():
        if share > 0 and not any(need in s and any(t in s for t in types) for s in known):
            warnings.append(
                f"demand.needs.{need}: {share:g}: no provider, flex or spot market lists "
                f"{need} with an advocacy type in its skills: referrals with this need will "
                "all be counted unserved"
            )
    return warnings


def _no_deadlines(scenario: Scenario) -> list[str]:
    """No referral can draw a deadline: none is given globally or for a type whose
    referrals (standard or urgent) exist; in a joint contract, for each authority (a
    partner's demand file written without deadlines would give it no breaches)."""
    found = _no_deadline_in(scenario.demand, "demand")
    if scenario.partners is not None:
        for k, authority in enumerate(scenario.partners.authorities):
            found += _no_deadline_in(authority.demand, f"partners.authorities[{k}].demand")
    return found


def _no_deadline_in(demand: Demand, where: str) -> list[str]:
    for kind in demand.mix.values():
        if kind.share == 0:
            continue
        standard = kind.deadline_days or demand.deadline_days
        urgent = kind.urgent_deadline_days or demand.urgent_deadline_days or standard
        urgent_share = demand.urgent_share if kind.urgent_share is None else kind.urgent_share
        if (standard is not None and urgent_share < 1) or (urgent is not None and urgent_share > 0):
            return []
    return [
        f"{where}.deadline_days: no referral has a deadline (no deadline_days or "
        "urgent_deadline_days applies to any type): breaches can never be counted, so "
        "every option looks breach-free"
    ]


def saved_warnings(scenarios: list[dict[str, Any]]) -> list[str]:
    """:func:`scenario_warnings` of resolved scenarios read back from a results folder,
    each once, naming the scenarios it concerns when not all of them (the report's
    notes). A scenario that no longer validates (an older folder) is passed over."""
    found: dict[str, list[str]] = {}
    for plain in scenarios:
        try:
            scenario = Scenario.model_validate(plain)
        except ValidationError:
            continue
        for warning in scenario_warnings(scenario):
            found.setdefault(warning, []).append(scenario.name)
    return [
        warning if len(names) == len(scenarios) else f"{', '.join(names)}: {warning}"
        for warning, names in found.items()
    ]


def _open_cases_fit(scenario: Scenario) -> list[_Problem]:
    """``demand.initial_open_cases`` must fit on the caseload slots the contracts buy.

    Cases open on day 0 are already on advocates' caseloads: the block's slots
    (single_provider, hub: every provider's together), then, when the scenario
    buys spot, the spot market's (``market_advocates x caseload_cap``), where the
    running service's caseload beyond the block sits (see
    ``Replication.open_on_day0``). spot_only has only the spot market's. More
    would silently wait on day 0. This is a total: a case still needs a slot
    with its skill.

    Why here and not in ``simulator.schema``: the block's slots come from sizing
    (``simulator.plan.plan_pools``), which needs the expected referrals
    over the horizon (``simulator.plan.expected_referrals``, the integrated
    referral rate). That is the model's arithmetic, not a field's limit, so it
    runs on the validated scenario and the schema stays free of it. Neither
    module imports SimPy.
    """
    wanted = scenario.demand.initial_open_cases + sum(
        partner.demand.initial_open_cases for partner in partner_scenarios(scenario)
    )  # a joint contract's caseload on day 0 holds every authority's cases
    if wanted == 0 or _open_cases_surely_fit(scenario, wanted):
        return []
    plans = plan_pools(scenario)
    block = [plan for plan in plans if plan.route == Route.BLOCK]
    spot = [plan for plan in plans if plan.route == Route.SPOT]
    slots = sum(plan.slots for plan in block + spot)
    if wanted * mean_open_weight(scenario) <= slots:
        return []
    parts = []
    if commissioning_model(scenario).buys_block:
        each = ", ".join(f"{plan.name} {plan.slots}" for plan in block)
        parts.append(f"the block's {sum(plan.slots for plan in block)} ({each})")
    if spot:
        parts.append(f"the spot market's {spot[0].slots}")
    hint = "" if spot else "; with a spot section the rest would sit with spot advocates"
    weighted = scenario.demand.weighted
    at_most = math.floor(slots / mean_open_weight(scenario)) if weighted else slots
    counted = " (counting each by its type's caseload_weight)" if weighted else ""
    return [
        (
            ("demand", "initial_open_cases"),
            wanted,
            f"more cases open on day 0 than caseload slots to hold them{counted}: "
            f"{' + '.join(parts)}; must be at most {at_most}{hint}",
        )
    ]


def _open_cases_surely_fit(scenario: Scenario, wanted: int) -> bool:
    """The day-0 cases fit even counted against bounds that need no quantile grids (so
    ``validate`` needs no scipy): slots sized from the least hours each case holds
    (``fewest_slots``), and the most the mean weight can be. Cases kept open longer may
    hold more than their hours; that only moves the mean weight towards theirs, so it is
    at most the larger of the mean at the least hours and the heaviest such type's weight.
    When this says no, the exact figures decide."""
    mix = scenario.demand.mix.values()
    least = open_case_shares(scenario, least_held_work_hours)
    if not sum(least):
        return False
    kept_open = [kind.caseload_weight for kind in mix if kind.weeks_open is not None]
    heaviest = max([_mean_weight(scenario, least), *kept_open])
    return wanted * heaviest * (1 + 1e-9) <= fewest_slots(scenario)


def mean_open_weight(scenario: Scenario) -> float:
    """The mean ``caseload_weight`` of a case open on day 0 (types as open at a random
    moment, ``open_case_shares``): 1 when every case takes a whole slot."""
    shares = open_case_shares(scenario)
    if not sum(shares):  # no case holds any time: day-0 cases take their types' shares
        shares = [kind.share for kind in scenario.demand.mix.values()]
    return _mean_weight(scenario, shares)


def _mean_weight(scenario: Scenario, shares: list[float]) -> float:
    """The types' ``caseload_weight`` averaged by ``shares``."""
    weights = [kind.caseload_weight for kind in scenario.demand.mix.values()]
    return sum(s * w for s, w in zip(shares, weights, strict=True)) / sum(shares)


def _where(loc: tuple[Any, ...], label: str, source: _Source) -> tuple[str, str]:
    """Where a problem is, and where its value came from when a base file gave it.

    ``file:line`` of the deepest part of the field path the files define, else the label.
    A value inherited through ``extends:`` is the problem of the file being read
    (``label``), and the second part, `` (from base.yaml:31)``, says where it came from.
    """
    for cut in range(len(loc), 0, -1):
        if loc[:cut] in source:
            file_label, line = source[loc[:cut]]
            if _inherited(file_label, line, label):
                return label, f" (from {file_label}:{line})"
            return (f"{file_label}:{line}" if line else file_label), ""
    return label, ""


def _inherited(file_label: str, line: int, label: str) -> bool:
    """A line of a base file (an option such as ``--set`` has no line)."""
    return file_label != label and line > 0


def _context(
    loc: tuple[Any, ...], data: Any, message: str, label: str, source: _Source, named: bool
) -> str:
    """What to add to a problem about a mapping so that no part of it hides in a base
    file: for shares that must sum, each share and where it came from; otherwise (with
    ``named``: the mapping is the file's own) the inherited values the message names,
    such as a ``threshold`` the base gave."""
    node = _at(data, loc)
    if not isinstance(node, dict):
        return ""
    if "shares must sum" in message:
        parts = []
        for key, entry in node.items():
            share = entry.get("share") if isinstance(entry, dict) else entry
            at = (*loc, key, "share") if isinstance(entry, dict) else (*loc, key)
            file_label, line = source.get(at, source.get((*loc, key), (label, 0)))
            origin = (
                f"from {file_label}:{line}"
                if _inherited(file_label, line, label)
                else (f"line {line}" if line else file_label)
            )
            parts.append(f"{key} {_show(share)} ({origin})")
        return f": {', '.join(parts)}"
    found = []
    for key, value in node.items() if named else ():
        file_label, line = source.get((*loc, key), (label, 0))
        if (
            _inherited(file_label, line, label)
            and not isinstance(value, dict | list)
            and re.search(rf"\b{re.escape(str(key))}\b", message)
        ):
            found.append(f"{key} {_show(value)} from {file_label}:{line}")
    return f" (inherited: {'; '.join(found)})" if found else ""


def _at(data: Any, loc: tuple[Any, ...]) -> Any:
    """The value at a field path of plain data (None where there is none)."""
    for part in loc:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


NUMBER_ERRORS = ("float_parsing", "int_parsing", "float_type", "int_type")


def _describe(item: ErrorDetails, label: str, source: _Source, data: Any) -> str:
    loc = _clean_loc(item["loc"], data)
    field = _field(loc)
    where, origin = _where(loc, label, source)
    kind = item["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], data)
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        allowed_text = ", ".join(allowed)
        return f"{where}: {field}{origin}: unknown field{suggestion} (allowed: {allowed_text})"
    if kind == "missing":
        return f"{where}: {field}{origin}: required field is missing"
    message = item["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
    value = item.get("input")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        given = value.get("dist") if isinstance(value, dict) else None
        hint = difflib.get_close_matches(str(given), DIST_NAMES, n=1) if given else []
        guess = f" (got {given!r}; did you mean '{hint[0]}'?)" if hint else ""
        message = f"dist must be one of {', '.join(DIST_NAMES)}{guess}"
    if isinstance(value, str) and kind in ("int_parsing", "int_type"):
        message += " (write a whole number, such as 20: no units)"
    elif isinstance(value, str) and kind in NUMBER_ERRORS:
        message += " (write a plain number, such as 0.8 or 150000: no %, £ or commas)"
    if kind.startswith(("date_", "datetime_")):
        message += " (write dates as YYYY-MM-DD, e.g. 2026-04-06)"
    if isinstance(value, float) and not math.isfinite(value):
        message = "must be a finite number"
    elif kind == "model_attributes_type" and _wants_distribution(loc, data):
        message = _distribution_hint(value)
    extra = _context(loc, data, message, label, source, named=not origin)
    if isinstance(value, dict | list):
        return f"{where}: {field}{origin}: {message}{extra}"
    return f"{where}: {field}: {_show(value)}{origin}: {message}{extra}"


def _show(value: Any) -> str:
    """A value as the file would write it: text quoted, a list of labels as ``[a, b]``."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return f"[{', '.join(value)}]"
    return repr(value) if isinstance(value, str) else str(value)


def _branch_label(part: Any) -> bool:
    """A label pydantic puts in an error's location for a branch of a union (a number or a
    distribution, a share or a ramp): never a field name, which are lower snake case."""
    return isinstance(part, str) and (
        part in DIST_NAMES
        or part in ("float", "int", "bool", "str")
        or "[" in part
        or "-" in part
        or part[:1].isupper()
    )


def _other_branch(item: ErrorDetails) -> bool:
    """An error from the branch of a union the value was plainly not meant for: a number
    where a mapping was given, or a mapping where a number (or text) was."""
    loc = item["loc"]
    if not loc or not _branch_label(loc[-1]) or loc[-1] in DIST_NAMES:
        return False  # the error is inside the branch, about the value it names
    given = item.get("input")
    wants_number = item["type"] in NUMBER_ERRORS
    wants_mapping = item["type"] in ("model_type", "dict_type", "model_attributes_type")
    return (wants_number and isinstance(given, dict)) or (
        wants_mapping and isinstance(given, int | float | str) and not isinstance(given, bool)
    )


def _clean_loc(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """Drop the union branch labels pydantic inserts (distributions, number or mapping)."""
    out: list[Any] = []
    node = data
    for part in loc:
        if _branch_label(part) and not (isinstance(node, dict) and part in node):
            continue
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(out)


def _allowed_keys(loc: tuple[Any, ...], data: Any) -> list[str]:
    """Field names allowed at a location, for 'did you mean' hints."""
    annotation: Any = Scenario
    node = data
    for part in loc:
        annotation = _step(annotation, part, node)
        node = (
            node.get(part)
            if isinstance(node, dict)
            else (node[part] if isinstance(node, list) and isinstance(part, int) else None)
        )
    model = _model_of(annotation, node)
    return list(model.model_fields) if model else []


def _distribution_hint(value: Any) -> str:
    """What to write for a distribution given as a plain number (or as text)."""
    try:
        mean = float(value)
    except (TypeError, ValueError):
        return "must be a distribution, e.g. {dist: fixed, mean: 180}"
    if not math.isfinite(mean) or isinstance(value, bool):
        return "must be a distribution, e.g. {dist: fixed, mean: 180}"
    return (
        f"must be a distribution, not a plain number: for exactly {mean:g} write "
        f"{{dist: fixed, mean: {mean:g}}} (or a spread, e.g. {{dist: gamma, mean: {mean:g}, "
        f"sd: {mean / 3:g}}})"
    )


def _wants_distribution(loc: tuple[Any, ...], data: Any) -> bool:
    """Whether the field at ``loc`` takes a distribution (``{dist: ..., ...}``)."""
    annotation: Any = Scenario
    node = data
    for part in loc:
        if annotation is None:
            return False
        annotation = _step(annotation, part, node)
        node = (
            node.get(part)
            if isinstance(node, dict)
            else (node[part] if isinstance(node, list) and isinstance(part, int) else None)
        )
    return any(
        isinstance(c, type) and issubclass(c, BaseModel) and "dist" in c.model_fields
        for c in _flatten(annotation)
    )


def _model_of(annotation: Any, node: Any) -> type[BaseModel] | None:
    for candidate in _flatten(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            tag = candidate.model_fields.get("dist")
            if tag is None or (
                isinstance(node, dict) and node.get("dist") in get_args(tag.annotation)
            ):
                return candidate
    return None


def _step(annotation: Any, part: Any, node: Any) -> Any:
    model = _model_of(annotation, node)
    if model is not None:
        field = model.model_fields.get(str(part))
        return field.annotation if field else None
    for candidate in _flatten(annotation):
        origin = get_origin(candidate)
        if origin is dict:
            return get_args(candidate)[1]
        if origin is list:
            return get_args(candidate)[0]
    return None


def _flatten(annotation: Any) -> Iterator[Any]:
    origin = get_origin(annotation)
    if origin is Annotated:
        yield from _flatten(get_args(annotation)[0])
    elif origin is Union or str(origin) == "<class 'types.UnionType'>":
        for arg in get_args(annotation):
            yield from _flatten(arg)
    else:
        yield annotation


def json_schema() -> dict[str, Any]:
    """JSON Schema of a scenario file, for editors' autocompletion."""
    schema = Scenario.model_json_schema()
    schema["properties"] = {
        "extends": {"type": "string", "description": "Base scenario file (relative path)."},
        **schema["properties"],
    }
    schema["title"] = "advocacy-sim scenario"
    return schema


def field_reference() -> list[tuple[str, str, str, str]]:
    """Every scenario field as ``(dotted path, type, default, description)``.

    ``<label>`` stands for a key you choose (an advocacy type, need or locality)
    and ``[]`` for an item of a list. The scenario reference (docs/reference/scenario.md)
    is built from this, and a test checks that every field is documented there.
    """
    rows: list[tuple[str, str, str, str]] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            path = f"{prefix}{name}"
            annotation = field.annotation
            nested = _nested_model(annotation)
            default = "required" if field.is_required() else _default_text(field)
            rows.append((path, _type_text(annotation), default, field.description or ""))
            if nested is not None and nested[0] is Demand and path != "demand":
                continue  # a partner's demand is a demand section: documented once, above
            if nested is not None:
                model_type, suffix = nested
                walk(model_type, f"{path}{suffix}.")

    walk(Scenario, "")
    return rows


def _nested_model(annotation: Any) -> tuple[type[BaseModel], str] | None:
    for candidate in _flatten(annotation):
        origin = get_origin(candidate)
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            if "dist" in candidate.model_fields:
                return None  # distributions are documented once, not per field
            return candidate, ""
        if origin in (dict, list):
            inner = get_args(candidate)[-1]
            for item in _flatten(inner):
                if isinstance(item, type) and issubclass(item, BaseModel):
                    return item, ".<label>" if origin is dict else "[]"
    return None


def _type_text(annotation: Any) -> str:
    parts = []
    for candidate in _flatten(annotation):
        origin = get_origin(candidate)
        if candidate is type(None):
            parts.append("null")
        elif isinstance(candidate, type) and issubclass(candidate, BaseModel):
            parts.append("distribution" if "dist" in candidate.model_fields else "mapping")
        elif origin is Literal:
            parts.append(" | ".join(str(a) for a in get_args(candidate)))
        elif origin is dict:
            parts.append("mapping of label to " + _type_text(get_args(candidate)[1]))
        elif origin is list:
            parts.append("list of " + _type_text(get_args(candidate)[0]))
        elif candidate is dt.date:
            parts.append("date")
        else:
            names = {float: "number", int: "whole number", str: "text", bool: "true | false"}
            parts.append(names.get(candidate, getattr(candidate, "__name__", str(candidate))))
    unique = list(dict.fromkeys(parts))
    if "distribution" in unique:
        unique = [p for p in unique if p != "distribution"] + ["distribution"]
    return " or ".join(unique)


def _default_text(field: Any) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
        value = value.model_dump(exclude_none=True) if isinstance(value, BaseModel) else value
    else:
        value = field.default
    if value is None:
        return "null"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
