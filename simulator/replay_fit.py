"""``replay --fit FIELD``: the value of one field whose simulated waits best match the
recorded ones, with an interval.

The distance is the sum over months of the squared difference between the recorded
mean wait of the month's referrals and the simulated one (the mean over replications),
as ``replay.csv`` counts them (whole days, allocated by the list's end; months with no
recorded allocation left out). Every value runs on the same seed and replications
(common random numbers), so the distance moves with the value, not with the draws.

The search: a coarse grid over the range (by default half to one and a half times the
scenario's value, a share kept to at most 1; ``FIELD=LOW..HIGH`` gives it), then a
finer one between the neighbours of the best coarse point. Between the values run,
each month's simulated mean is interpolated linearly, and the fitted value is the
minimum of the distance on a fine mesh (whole numbers only for a whole-number field).

The interval is from a parametric bootstrap at the fitted value: each replication in
turn stands in for the recorded year (its monthly means at the fitted value,
interpolated) and is fitted, as the list was, against the mean of the other
replications. The spread of those fits is how far the fit moves with what the list
does not record (absences, arrangement times, the hours of open cases), given the
model; the interval is the fitted value plus or minus t (95%, replications less one
degrees of freedom) times their standard deviation, cut at the range searched. (With 20
replications the percentiles of 20 fits would be too narrow: they cannot reach past
the extremes.) ``scripts/replay_fit_coverage.py`` checks how often the interval covers
the truth. It says nothing of how wrong the model may be otherwise.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from simulator.replay_list import Recorded, ReplayError
from simulator.replay_run import allocations
from simulator.replay_waits import monthly_means, whole_day_waits
from simulator.runner import Backend, Progress
from simulator.scenario import Scenario, ScenarioError, set_dotted, validate

COARSE = 9
"""Values in the coarse grid, and again in the fine one."""
MESH = 801
"""Points on which the interpolated distance is minimised."""


@dataclass(frozen=True)
class Fit:
    """What ``replay_fit.json`` holds: the field, the fitted value and its interval, and
    every value run with its distance."""

    field: str
    value: float
    interval: tuple[float, float]
    scenario_value: float
    low: float
    high: float
    values: list[float]
    distance: list[float]
    months: list[str]
    recorded_mean_wait: list[float]
    simulated_mean_wait: list[float]  # at the value run nearest the fitted one
    bootstrap: list[float]
    replications: int
    at_edge: bool = False
    whole: bool = False
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, float):
                return None if math.isnan(value) else round(value, 6)
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return value

        return {key: plain(value) for key, value in self.__dict__.items()}


def parse_fit(text: str) -> tuple[str, tuple[float, float] | None]:
    """``FIELD`` or ``FIELD=LOW..HIGH`` as the field and its range (None: the default).

    Raises
    ------
    ValueError
        A range that is not two numbers, low below high.
    """
    key, sep, span = text.partition("=")
    key = key.strip()
    if not key:
        raise ValueError(f"--fit {text!r}: expected FIELD or FIELD=LOW..HIGH")
    if not sep:
        return key, None
    low, dots, high = span.partition("..")
    try:
        bounds = (float(low), float(high))
    except ValueError:
        bounds = (math.nan, math.nan)
    if not dots or not bounds[0] < bounds[1]:
        raise ValueError(f"--fit {text!r}: expected FIELD=LOW..HIGH with LOW below HIGH")
    return key, bounds


def current_value(scenario: Scenario, key: str) -> float:
    """The scenario's value of a numeric field at a dotted path.

    Raises
    ------
    ScenarioError
        No such field, or not a number.
    """
    node: Any = scenario.to_plain()
    for part in key.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise ScenarioError([f"--fit {key}: the scenario has no such field (give its value "
                                 "in the scenario file, then fit it)"])  # fmt: skip
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise ScenarioError([f"--fit {key}: {node!r} is not a number"])
    return float(node)


def check_fit(scenario: Scenario, listed: Recorded, key: str) -> None:
    """Whether ``key`` can be fitted to the list, before anything runs.

    Raises
    ------
    ScenarioError
        The field is not a number of the scenario.
    ReplayError
        The list has no allocation dates, or too few replications for an interval.
    """
    if not listed.has_allocations:
        raise ReplayError([f"--fit: {listed.path} has no allocated_date: no recorded waits "
                           "to fit"])  # fmt: skip
    if scenario.replications < 3:
        raise ReplayError(["--fit needs at least 3 replications (--reps) for its interval"])
    current_value(scenario, key)


def fit(
    scenario: Scenario,
    listed: Recorded,
    key: str,
    bounds: tuple[float, float] | None = None,
    backend: Backend | None = None,
    progress: Progress | None = None,
) -> Fit:
    """Fit ``key`` of ``scenario`` (already over the list's days) to the list's recorded
    waits (see the module's docstring).

    Raises
    ------
    ScenarioError
        The field is not a number of the scenario, or a value it does not accept.
    ValueError
        The list has no allocation dates, or too few replications for an interval.
    """
    check_fit(scenario, listed, key)
    own = current_value(scenario, key)
    whole = _whole_field(scenario, key)
    low, high = bounds or _default_range(key, own)
    last = listed.span_days - 1
    months = listed.month()
    recorded_waits = whole_day_waits(listed.allocated_day, listed.day, last)
    names, recorded = monthly_means(recorded_waits, months)
    runs: dict[float, np.ndarray] = {}

    def run(values: Sequence[float]) -> None:
        todo = [v for v in dict.fromkeys(values) if v not in runs]
        points = [_point(scenario, key, v) for v in todo]
        for value, allocated in zip(todo, allocations(points, listed, backend, progress),
                                    strict=True):  # fmt: skip
            runs[value] = monthly_means(whole_day_waits(allocated, listed.day, last), months)[1]

    coarse = _grid(low, high, whole)
    run(coarse)
    best = coarse[int(np.argmin([_distance(runs[v].mean(axis=0), recorded) for v in coarse]))]
    at = coarse.index(best)
    run(_grid(coarse[max(at - 1, 0)], coarse[min(at + 1, len(coarse) - 1)], whole))
    values = sorted(runs)
    curves = _filled(np.stack([runs[v] for v in values]))  # values x replications x months
    mesh = _mesh(values, whole)
    estimate = _minimise(values, curves.mean(axis=1), recorded, mesh)
    boot = _bootstrap(values, curves, mesh, estimate)
    half = float(special.stdtrit(len(boot) - 1, 0.975) * np.std(boot, ddof=1))
    interval = (max(estimate - half, values[0]), min(estimate + half, values[-1]))
    nearest = values[int(np.argmin(np.abs(np.array(values) - estimate)))]
    # At the edge, given a range or not, the waits favour a value beyond it: never a
    # confident fit (the interval is cut there, not found there).
    at_edge = estimate in (values[0], values[-1])
    notes = []
    if at_edge:
        notes.append(f"the best value is at the edge of the range searched ({low:g} to "
                     f"{high:g}): the waits may favour a value beyond it; widen it with "
                     f"--fit {key}=LOW..HIGH where the field can go further")  # fmt: skip
    elif interval != (estimate - half, estimate + half):
        notes.append(f"the interval is cut at the range searched ({values[0]:g} to "
                     f"{values[-1]:g})")  # fmt: skip
    return Fit(
        field=key, value=float(estimate), interval=interval, scenario_value=own, low=low,
        high=high, values=[float(v) for v in values],
        distance=[_distance(runs[v].mean(axis=0), recorded) for v in values],
        months=names, recorded_mean_wait=[float(x) for x in recorded],
        simulated_mean_wait=[float(x) for x in runs[nearest].mean(axis=0)],
        bootstrap=[float(b) for b in boot], replications=scenario.replications,
        at_edge=at_edge, whole=whole, notes=tuple(notes),
    )  # fmt: skip


def fitted_data(scenario_data: dict[str, Any], key: str, value: float) -> dict[str, Any]:
    """What a file extending the scenario needs to set ``key`` to ``value``: the path down
    to the field, with a list on the way given whole (``extends:`` replaces lists)."""
    parts = key.split(".")
    data: dict[str, Any] = {}
    node: Any = scenario_data
    for depth, part in enumerate(parts):
        if isinstance(node, list):  # from here the whole list, with the value set
            whole = set_dotted({"items": node}, ".".join(["items", *parts[depth:]]), value)
            return set_dotted(data, ".".join(parts[:depth]), whole["items"])
        node = node[part]
    return set_dotted(data, key, value)


def _at(scenario: Scenario, key: str) -> Any:
    node: Any = scenario.to_plain()
    for part in key.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _default_range(key: str, own: float) -> tuple[float, float]:
    """Half to one and a half times the scenario's value (a share at most 1)."""
    if own <= 0:
        raise ScenarioError([f"--fit {key}: the scenario's value is {own:g}: give a range, "
                             f"--fit {key}=LOW..HIGH"])  # fmt: skip
    high = own * 1.5
    if key.endswith("share"):
        high = min(high, 1.0)
    return own * 0.5, high


def _grid(low: float, high: float, whole: bool) -> list[float]:
    if whole:
        span = np.unique(np.round(np.linspace(math.ceil(low), math.floor(high), COARSE)))
        return [float(v) for v in span]
    return [float(f"{v:.10g}") for v in np.linspace(low, high, COARSE)]


def _mesh(values: list[float], whole: bool) -> np.ndarray:
    if whole:
        return np.array(values)
    return np.linspace(values[0], values[-1], MESH)


def _point(scenario: Scenario, key: str, value: float) -> Scenario:
    """The scenario with ``key`` at ``value``, validated as a file would be."""
    whole = float(value).is_integer() and _whole_field(scenario, key)
    number: float | int = int(value) if whole else value
    data = set_dotted(scenario.to_plain(), key, number, "--fit")
    data["name"] = f"{scenario.name}, {key.split('.')[-1]} {value:g}"
    return validate(data, f"--fit {key}={value:g}")


def _whole_field(scenario: Scenario, key: str) -> bool:
    return isinstance(_at(scenario, key), int) and not isinstance(_at(scenario, key), bool)


def _filled(curves: np.ndarray) -> np.ndarray:
    """A replication's month with nobody allocated takes the other replications' mean (a
    month nobody in any replication was allocated stays empty, and is left out)."""
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(curves, axis=1, keepdims=True)
    return np.where(np.isnan(curves), mean, curves)


def _distance(simulated: np.ndarray, recorded: np.ndarray) -> float:
    """Sum over the months both sides have of the squared difference of mean waits."""
    both = ~np.isnan(simulated) & ~np.isnan(recorded)
    return float(np.sum((simulated[both] - recorded[both]) ** 2))


def _interpolated(values: list[float], curves: np.ndarray, mesh: np.ndarray) -> np.ndarray:
    """Each month's curve (values x months) at every mesh point (mesh x months)."""
    return np.stack([np.interp(mesh, values, curves[:, m]) for m in range(curves.shape[1])],
                    axis=1)  # fmt: skip


def _minimise(
    values: list[float], mean_curves: np.ndarray, target: np.ndarray, mesh: np.ndarray
) -> float:
    """The mesh point whose interpolated monthly means are nearest ``target``."""
    at_mesh = _interpolated(values, mean_curves, mesh)
    both = ~np.isnan(target)
    distance = np.nansum((at_mesh[:, both] - target[both]) ** 2, axis=1)  # empty month: 0
    return float(mesh[int(np.argmin(distance))])


def _bootstrap(
    values: list[float], curves: np.ndarray, mesh: np.ndarray, estimate: float
) -> np.ndarray:
    """Each replication's monthly means at ``estimate`` fitted against the other
    replications' mean (the fit's spread if the model at ``estimate`` were the truth)."""
    reps = curves.shape[1]
    total = curves.sum(axis=1)
    fits = []
    for rep in range(reps):
        pseudo = _interpolated(values, curves[:, rep, :], np.array([estimate]))[0]
        others = (total - curves[:, rep, :]) / (reps - 1)
        fits.append(_minimise(values, others, pseudo, mesh))
    return np.array(fits)
