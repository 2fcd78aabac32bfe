"""The command line: thin glue over the library.

Bad input of any kind (scenario files, options, missing files, an output
folder that exists) exits with status 2 and one line per problem naming the
file and field; never a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from simulator import __version__
from simulator.files import (
    OutputError,
    check_out,
    compared_name,
    default_out,
    without_parquet,
    write_aside,
)

if TYPE_CHECKING:
    from simulator.results import Results
    from simulator.runner import Backend
    from simulator.scenario import Scenario

# Each command imports what it needs when it runs: the scenario (pydantic, numpy) for
# validate and schema, the library (pandas, scipy, plotly) for the commands that run,
# so --help loads none of them and validate only the scenario.


class BadInput(click.ClickException):
    """Bad input: exit status 2, the message as it is (one line per problem)."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        for line in self.format_message().splitlines():
            click.echo(f"error: {line}", err=True)


class InternalError(click.ClickException):
    """A fault in the program, not in the input: exit status 1, pointing at --debug."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(
            f"internal error: {self.format_message()} (run with --debug for the traceback)",
            err=True,
        )


@contextmanager
def bad_input() -> Iterator[None]:
    """The library's bad-input errors as exit-2 messages, one line per problem."""
    from simulator.scenario import ScenarioError

    try:
        yield
    except (ScenarioError, OutputError) as error:
        raise BadInput(str(error)) from None


def warn(files: Sequence[str], scenarios: Sequence[Scenario]) -> None:
    """Each scenario's warnings on stderr before it runs, each line once (a sweep's points
    share their file's); ``files[i]`` is where ``scenarios[i]`` was read from."""
    from simulator.scenario import scenario_warnings

    lines = [
        f"warning: {file}: {warning}"
        for file, scenario in zip(files, scenarios, strict=True)
        for warning in scenario_warnings(scenario)
    ]
    for line in dict.fromkeys(lines):
        click.echo(line, err=True)


def _backend(backend: str, workers: int | None, scheduler: str | None) -> Backend:
    from simulator.runner import Backend

    if backend == "dask" and not scheduler:
        raise BadInput("--backend dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    if backend == "local" and scheduler:
        raise BadInput("--scheduler only applies with --backend dask")
    return Backend(backend, workers, scheduler)


class CaseRowsType(click.ParamType):
    """``--cases all | none | N``: which replications keep their case rows."""

    name = "all|none|N"

    def convert(self, value: Any, param: Any, ctx: Any) -> str | int:
        text = str(value).strip().lower()
        if text in ("all", "none"):
            return text
        if text.isdigit():
            return int(text)
        self.fail(f"{value!r}: expected all, none or a number of replications", param, ctx)


def backend_options(command):
    """--workers, --backend, --scheduler and --cases, shared by every command that runs."""
    command = click.option(
        "--cases",
        type=CaseRowsType(),
        default=None,
        help="Case rows kept in cases.parquet: all, none, or the first N replications' "
        "[default: all for run and compare, none for sweep and recommend].",
    )(command)
    command = click.option(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler address, with --backend dask."
    )(command)
    command = click.option(
        "--backend",
        type=click.Choice(["local", "dask"]),
        default="local",
        show_default=True,
        help="Where replications run: this machine's cores, or an existing Dask cluster.",
    )(command)
    return click.option(
        "--workers",
        type=click.IntRange(min=1),
        help="Local worker processes [default: every core]. Results do not depend on it.",
    )(command)


def paper_option(command):
    """--paper, on the commands whose folder a committee reads (run, compare, recommend)."""
    return click.option(
        "--paper", is_flag=True,
        help="Also write the committee paper (committee-paper.docx, headline.xlsx and .csv).",
    )(command)  # fmt: skip


def figures_only_option(command):
    """--figures-only, on every command that runs replications."""
    return click.option(
        "--figures-only",
        is_flag=True,
        help="The figures alone, for a quick answer: summary.csv, replications.csv, "
        "differences.csv, the resolved scenarios and the manifest (no case rows, days, "
        "report or paper; the same figures).",
    )(command)


def _figures_only(
    figures_only: bool, cases: str | int | None, backend: str, png: bool = False,
    paper: bool = False,
) -> None:  # fmt: skip
    """Refuse with --figures-only what it cannot give, before anything is loaded; then a
    local run needs no Parquet library (``files.without_parquet``). A Dask cluster's
    workers have pyarrow loaded, and their tables of figures need it to be read here."""
    if not figures_only:
        return
    if cases not in (None, "none"):
        raise BadInput("--cases: a --figures-only run keeps no case rows")
    if png:
        raise BadInput("--png: a --figures-only run draws no charts")
    if paper:
        raise BadInput("--paper: a --figures-only run writes no report or paper")
    if backend == "local":
        without_parquet()


def _said_where(target: Path, figures_only: bool) -> None:
    if not figures_only:
        click.echo(f"report: {target / 'report.html'}", err=True)


class Commands(click.Group):
    """The command group: how an error shows depends on ``--debug`` (read from the context)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise
        except click.ClickException:
            if ctx.params.get("debug"):
                traceback.print_exc()
            raise
        except Exception as error:  # an internal fault, not bad input
            if ctx.params.get("debug"):
                raise
            raise InternalError(str(error)) from error


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="advocacy-sim")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
def cli(debug: bool) -> None:
    """Simulate commissioning models for independent advocacy and compare cost and delay."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check scenario FILES; exit 0 when all are valid, 2 otherwise (warnings say what is
    legal but would mislead)."""
    from simulator.exits import exit_lines
    from simulator.plan import block_lines, contract_changes, expected_staffing, partner_lines
    from simulator.scenario import Demand, ScenarioError, load_checked, scenario_warnings

    problems = []
    for path in files:
        try:
            checked = load_checked(path)
            if isinstance(checked, Demand):
                click.echo(f"ok: {path} (a demand block: extend it from a scenario)")
                demand = checked
            else:
                click.echo(f"ok: {path} ({checked.name})")
                demand = checked.demand
            arithmetic = demand.rate_arithmetic()
            if arithmetic:
                click.echo(f"  referrals: {arithmetic}")
            if not isinstance(checked, Demand):
                for line in block_lines(checked):
                    click.echo(f"  {line}")
                for staff in expected_staffing(checked):
                    click.echo(
                        f"  {staff.name}: {staff.fte:,.1f} FTE contracted "
                        f"({staff.hours_never_away:,.0f} casework hours a year if never away); "
                        f"{staff.fte_at_work:,.1f} FTE expected at work after planned leave, "
                        f"sickness, training and vacancies ({staff.hours_at_work:,.0f} hours)"
                    )
                for change in contract_changes(checked):
                    at_work = (
                        ""
                        if change.fte_at_work is None
                        else f"; {change.fte_at_work:,.1f} FTE expected at work"
                    )
                    click.echo(
                        f"  {change.name}: from day {change.from_day}: {change.fte:,.1f} FTE "
                        f"contracted ({change.hours_per_year:,.0f} contracted hours a year"
                        f"{at_work})"
                    )
                for line in exit_lines(list(checked.commissioning.providers),
                                       checked.commissioning, checked.horizon_days):  # fmt: skip
                    click.echo(f"  {line}")
                for line in partner_lines(checked):
                    click.echo(f"  {line}")
                for warning in scenario_warnings(checked):
                    click.echo(f"warning: {path}: {warning}")
        except ScenarioError as error:
            problems.extend(error.problems)
    if problems:
        raise BadInput("\n".join(problems))


@cli.command()
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to a file.")
def schema(out: str | None) -> None:
    """Print the JSON Schema of scenario files (for editors' autocompletion)."""
    from simulator.scenario import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--reps", type=click.IntRange(min=1), help="Replications [default: the file's].")
@click.option("--seed", type=click.IntRange(min=0), help="Root seed [default: the file's, 42].")
@click.option("--out", type=click.Path(file_okay=False), help="Result folder (must not exist).")
@paper_option
@backend_options
@figures_only_option
def run(
    file: str,
    reps: int | None,
    seed: int | None,
    out: str | None,
    paper: bool,
    workers: int | None,
    backend: str,
    scheduler: str | None,
    cases: str | int | None,
    figures_only: bool,
) -> None:
    """Run one scenario's replications and write its result folder and report."""
    _figures_only(figures_only, cases, backend, paper=paper)
    from simulator import study
    from simulator.briefing import doubt_lines, headline
    from simulator.runner import progress_bar

    with bad_input():
        scenario = study.load(file, reps, seed)
    warn([file], [scenario])
    runner = _backend(backend, workers, scheduler)
    target = _target(out, scenario.name)
    click.echo(
        f"{scenario.name}: {scenario.replications} replications, seed {scenario.seed}", err=True
    )
    results = study.run_scenarios(
        [scenario],
        "run",
        backend=runner,
        progress=progress_bar,
        label=scenario.name,
        cases="all" if cases is None else cases,
        figures_only=figures_only,
    )
    _write(results, target)
    click.echo(headline(results.summary))
    if results.demand_doubt is not None:
        click.echo(doubt_lines(results.demand_doubt))
    _said_where(target, figures_only)
    if paper:
        _paper(target)


def _target(out: str | None, label: str) -> Path:
    """The result folder, refused before anything runs when it cannot be written."""
    target = Path(out) if out else default_out(label)
    with bad_input():
        check_out(target, "choose another --out or remove it")
    return target


def _write(results: Results, target: Path, png: bool = False) -> None:
    if results.figures_only:  # no report: nothing of plotly's is loaded
        with bad_input():
            results.write(target)
        click.echo(f"results: {target}", err=True)
        return
    from simulator.report import ImageError

    with bad_input():
        try:
            results.write(target, png=png)
        except ImageError as error:  # the browser failed: one line, nothing written
            raise BadInput(str(error).replace("png=True", "--png", 1)) from None
    click.echo(f"results: {target}", err=True)
    if png:
        _said_images(target / "images")


def _said_images(images: Path) -> None:
    """Where ``--png`` put its images: a line like the report's, so nobody has to look."""
    count = len(list(images.glob("*.png")))
    click.echo(f"images: {images} ({count} PNG)", err=True)


def _run_many(
    scenarios: Sequence[Scenario],
    runner: Backend,
    baseline: str | None,
    out: str | None,
    png: bool,
    label: str,
    sweep_keys: Sequence[str] = (),
    cases: str | int | None = None,
    paper: bool = False,
    figures_only: bool = False,
) -> None:
    """Run scenarios on common random numbers; write summary, differences and the report
    (and with ``paper``, the committee paper).

    A compare puts its baseline first; a sweep keeps its points in order (its lines join
    them) and takes differences from ``baseline``, the file's own value when swept.
    """
    from simulator import study
    from simulator.briefing import (
        demand_note,
        difference_lines,
        doubt_lines,
        headline,
        summary_paragraph,
    )
    from simulator.runner import progress_bar

    if not sweep_keys:
        try:
            scenarios = study.baseline_first(scenarios, baseline)
        except ValueError as error:
            raise BadInput(f"--{error}") from None
    named = label if sweep_keys else compared_name(label, [s.name for s in scenarios])
    target = _target(out, named)
    if png:
        _check_images()
    seed, reps = scenarios[0].seed, scenarios[0].replications
    if len(scenarios) == 1:  # a sweep of one value: nothing to set it beside
        click.echo(
            "warning: one value only, so nothing to compare it with: give the file's own "
            "value as well (e.g. --set KEY=0.7,0.8) for the differences",
            err=True,
        )
    options = "1 scenario" if len(scenarios) == 1 else f"{len(scenarios)} scenarios"
    click.echo(f"{options} x {reps} replications on common random numbers, seed {seed}", err=True)
    results = study.run_scenarios(
        scenarios, "sweep" if sweep_keys else "compare", backend=runner, progress=progress_bar,
        label=label, sweep_keys=sweep_keys, baseline=baseline if sweep_keys else None,
        cases=cases if cases is not None else "none" if sweep_keys else "all",
        figures_only=figures_only,
    )  # fmt: skip
    _write(results, target, png)
    click.echo(headline(results.summary))
    click.echo(difference_lines(results.differences))
    different = None if sweep_keys else demand_note([s.to_plain() for s in scenarios])
    if different:
        click.echo(f"note: {different}")
    if len(scenarios) > 1:
        click.echo(f"In short: {summary_paragraph(results.summary)}")
    if results.demand_doubt is not None:
        click.echo(doubt_lines(results.demand_doubt))
    _said_where(target, figures_only)
    if paper:
        _paper(target)


def _check_images() -> None:
    """Fail before running, not after, when --png cannot work here."""
    from simulator.report import ImageError, find_browser

    try:
        find_browser()
    except ImageError as error:
        raise BadInput(str(error)) from None


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--reps", type=click.IntRange(min=1), help="Replications [default: the first file's]."
)
@click.option("--seed", type=click.IntRange(min=0), help="Root seed [default: the first file's].")
@click.option("--out", type=click.Path(file_okay=False), help="Result folder (must not exist).")
@click.option(
    "--baseline", metavar="NAME", help="Scenario the others are compared with [default: the first]."
)
@click.option("--png", is_flag=True, help="PNG images of the charts too (Chromium, Chrome, Edge).")
@paper_option
@backend_options
@figures_only_option
def compare(
    files,
    reps,
    seed,
    out,
    baseline,
    png,
    paper,
    workers,
    backend,
    scheduler,
    cases,
    figures_only,
) -> None:
    """Run several scenarios on common random numbers; write differences and the report."""
    _figures_only(figures_only, cases, backend, png, paper)
    from simulator import study

    if len(files) < 2:
        raise BadInput("compare needs at least two scenario files (use run for one)")
    with bad_input():
        scenarios = study.common_scenarios(files, reps, seed)
    warn(files, scenarios)
    runner = _backend(backend, workers, scheduler)
    _run_many(scenarios, runner, baseline, out, png, "compare", cases=cases, paper=paper,
              figures_only=figures_only)  # fmt: skip


def _parse_settings(settings: tuple[str, ...]) -> dict[str, list[Any]]:
    """``--set KEY=V1,V2,...`` options as a sweep grid; values read as YAML."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    grid: dict[str, list[Any]] = {}
    for setting in settings:
        key, sep, values = setting.partition("=")
        if not sep or not key.strip() or not values:
            raise BadInput(
                f"--set {setting!r}: expected KEY=V1,V2,... "
                "(e.g. commissioning.block_share=0.6,0.8,1.0)"
            )
        if any(not v.strip() for v in values.split(",")):
            raise BadInput(
                f"--set {setting!r}: an empty value (a comma too many?): write V1,V2,..."
            )
        try:
            items = [YAML(typ="safe", pure=True).load(v) for v in values.split(",")]
        except YAMLError:
            raise BadInput(f"--set {setting!r}: cannot read the values") from None
        if key.strip() in grid:
            raise BadInput(f"--set {key.strip()}: given more than once (list its values once)")
        grid[key.strip()] = items
    return grid


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--set", "settings", multiple=True, required=True, metavar="KEY=V1,V2,...",
              help="A field (dotted path) and its values; repeat for a grid.")  # fmt: skip
@click.option("--reps", type=click.IntRange(min=1), help="Replications [default: the file's].")
@click.option("--seed", type=click.IntRange(min=0), help="Root seed [default: the file's].")
@click.option("--out", type=click.Path(file_okay=False), help="Result folder (must not exist).")
@click.option("--png", is_flag=True, help="PNG images of the charts too (Chromium, Chrome, Edge).")
@backend_options
@figures_only_option
def sweep(
    file, settings, reps, seed, out, png, workers, backend, scheduler, cases, figures_only
) -> None:
    """Run one scenario over a range of one field (or a grid of several)."""
    _figures_only(figures_only, cases, backend, png)
    from simulator import study

    with bad_input():
        base = study.load(file, reps, seed)
    grid = _parse_settings(settings)
    with bad_input():
        try:
            scenarios = study.sweep_scenarios(file, grid, reps, seed, "--set")
        except ValueError as error:
            raise BadInput(f"--set: {error}") from None
    warn([file] * len(scenarios), scenarios)
    runner = _backend(backend, workers, scheduler)
    own = study.own_point(base, grid)
    _run_many(scenarios, runner, own, out, png, f"sweep-{base.name}", tuple(grid), cases,
              figures_only=figures_only)  # fmt: skip


def _parse_vary(settings: tuple[str, ...]) -> dict[str, list[Any]]:
    """``--vary KEY=VALUES`` options: a list (``0.6,0.8``) or a range (``1..16``,
    ``0.5..1.2:0.1``)."""
    grid: dict[str, list[Any]] = {}
    for setting in settings:
        key, sep, values = setting.partition("=")
        key = key.strip()
        if not sep or not key or not values.strip():
            raise BadInput(
                f"--vary {setting!r}: expected KEY=VALUES, a list or a range "
                "(e.g. commissioning.block_share=0.6,0.8,1.0 or "
                "commissioning.providers.0.advocates=1..16)"
            )
        if key in grid:
            raise BadInput(f"--vary {key}: given more than once (list its values once)")
        try:
            from simulator.selection import parse_values

            grid[key] = parse_values(key, values)
        except ValueError as error:
            raise BadInput(str(error)) from None
    return grid


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--vary", "varied", multiple=True, required=True, metavar="KEY=VALUES",
              help="A field (dotted path) and its values: a list (0.6,0.8,1.0) or a range "
                   "(1..16, 0.5..1.2:0.1); repeat for a grid.")  # fmt: skip
@click.option("--require", "required", multiple=True, metavar="'METRIC[GROUP] OP VALUE'",
              help="A requirement every option must meet, e.g. 'within_target_share"
                   "[urgency=urgent] >= 0.95'; repeat for several.")  # fmt: skip
@click.option("--minimise", default="cost_to_serve_per_year", show_default=True, metavar="METRIC",
              help="The summary metric to minimise: by default the cost to serve everyone "
              "referred, which counts people never served at what serving them would cost; "
              "require few breaches or unserved too: a smaller block costs less.")  # fmt: skip
@click.option("--confidence", type=click.FloatRange(0.5, 1.0, max_open=True), default=0.95,
              show_default=True,
              help="Confidence that the choice meets every requirement.")  # fmt: skip
@click.option("--max-reps", type=click.IntRange(min=2),
              help="Most replications any option gets [default: the file's].")  # fmt: skip
@click.option("--seed", type=click.IntRange(min=0), help="Root seed [default: the file's].")
@click.option("--out", type=click.Path(file_okay=False), help="Result folder (must not exist).")
@click.option("--png", is_flag=True, help="PNG images of the charts too (Chromium, Chrome, Edge).")
@paper_option
@backend_options
@figures_only_option
def recommend(
    file, varied, required, minimise, confidence, max_reps, seed, out, png, paper, workers,
    backend, scheduler, cases, figures_only,
) -> None:  # fmt: skip
    """What to buy: the option that minimises METRIC among those meeting every requirement."""
    _figures_only(figures_only, cases, backend, png, paper)
    from simulator import study

    with bad_input():
        base = study.load(file, max_reps, seed)
    grid = _parse_vary(varied)
    try:
        from simulator.selection import check_objective, parse_requirement

        requirements = [parse_requirement(text, "--require") for text in required]
        objective = check_objective(minimise, "--minimise")
    except ValueError as error:
        raise BadInput(str(error)) from None
    with bad_input():
        try:
            points = study.sweep_scenarios(file, grid, max_reps, seed, "--vary")
        except ValueError as error:
            raise BadInput(f"--vary: {error}") from None
    warn([file] * len(points), points)
    runner = _backend(backend, workers, scheduler)
    target = _target(out, f"recommend-{base.name}")
    if png:
        _check_images()
    click.echo(
        f"{len(points)} options, up to {base.replications} replications each, seed {base.seed}",
        err=True,
    )
    try:
        results = study.recommend(
            file, grid, requirements, objective, confidence, max_reps, seed, backend=runner,
            cases="none" if cases is None else cases, figures_only=figures_only,
        )  # fmt: skip
    except ValueError as error:  # e.g. a requirement on a group no option has
        raise BadInput(str(error)) from None
    _write(results, target, png)
    assert results.recommendation is not None
    if results.recommendation.get("same_as"):
        from simulator.selection import repeats_line

        click.echo(f"note: {repeats_line(results.recommendation['same_as'])}")
    click.echo(results.recommendation["answer"])
    _said_where(target, figures_only)
    if paper:
        _paper(target)


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--png", is_flag=True, help="PNG images of the charts too (Chromium, Chrome, Edge).")
def report(folder: str, png: bool) -> None:
    """Rebuild the HTML report from a saved results FOLDER, without re-running."""
    from simulator.files import FolderError
    from simulator.report import ImageError, write_images, write_report

    path = Path(folder)
    if png:
        _check_images()
    try:
        target = write_report(path)
        if png:
            write_images(path)
    except (FolderError, ImageError) as error:
        raise BadInput(str(error)) from None
    click.echo(f"report: {target}", err=True)
    if png:
        _said_images(path / "images")


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False))
def paper(folder: str) -> None:
    """Write the committee paper into a saved results FOLDER: committee-paper.docx (the
    summary, the options a year at a time, any recommendation, the key charts, the
    assumptions and the glossary) and the headline figures, headline.xlsx and .csv."""
    _paper(Path(folder))


def _paper(folder: Path) -> None:
    """Write the paper into ``folder``; a chart that cannot be drawn is a warning line."""
    import warnings

    from simulator.paper import PaperError, PaperWarning, write_paper

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PaperWarning)
        try:
            written = write_paper(folder)
        except PaperError as error:
            raise BadInput(str(error)) from None
    for warning in caught:
        click.echo(f"warning: {warning.message}", err=True)
    for path in (written.docx, written.xlsx, written.csv):
        click.echo(f"paper: {path}", err=True)


@cli.command()
@click.argument("cases", type=click.Path(dir_okay=False))
@click.option(
    "--out", type=click.Path(dir_okay=False),
    help="The demand block to write [default: CASES' name with -demand.yaml, here]; the fit "
    "page is written beside it (-fit.html). Neither may exist.",
)  # fmt: skip
@click.option(
    "--travel-mph", type=click.FloatRange(min=0, min_open=True), default=20.0, show_default=True,
    help="Speed that turns miles into the travel hours taken off each case's hours.",
)  # fmt: skip
@click.option(
    "--end", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
    help="The day the list was extracted: the referrals' window ends there and any date "
    "after it is a bad row [default: the last referral date].",
)  # fmt: skip
@click.option(
    "--dayfirst", is_flag=True,
    help="Read dates written DD/MM/YYYY, as UK spreadsheets often save them (YYYY-MM-DD "
    "dates still read).",
)  # fmt: skip
def calibrate(cases: str, out: str | None, travel_mph: float, end: Any, dayfirst: bool) -> None:
    """Fit a demand block to a provider's case list CASES (.csv or .xlsx).

    Columns referral_date, type, urgent, hours and optionally need, locality, miles,
    closed_date. Writes the demand: block (every figure with its interval and n) and a
    fit page, and prints a short fit report; suspicious but legal input (empty last
    months, say) gets a warning line on stderr.
    """
    from simulator.caselist import CaseListError, read_case_list
    from simulator.fitfiles import demand_yaml, fit_page, summary_text

    target = Path(out) if out else Path(f"{Path(cases).stem}-demand.yaml")
    page = target.with_name(f"{target.stem}-fit.html")
    for path in (target, page):
        if path.exists():
            raise BadInput(f"{path}: exists already; choose another --out or remove it")
    if not target.parent.is_dir():
        raise BadInput(f"--out {target}: folder {target.parent} does not exist")
    from simulator.calibration import CalibrationError
    from simulator.calibration import calibrate as fit

    try:
        listed = read_case_list(cases, end=end.date() if end else None, dayfirst=dayfirst)
        calibration = fit(listed, travel_mph=travel_mph)
    except (CaseListError, CalibrationError) as error:
        raise BadInput(str(error)) from None
    for warning in calibration.warnings:
        click.echo(f"warning: {warning}", err=True)
    write_aside(target, demand_yaml(calibration))
    write_aside(page, fit_page(calibration))
    click.echo(summary_text(calibration))
    click.echo(f"demand block: {target}", err=True)
    click.echo(f"fit page: {page}", err=True)


@cli.command()
@click.argument("case_list", metavar="CASES", type=click.Path(dir_okay=False))
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--reps", type=click.IntRange(min=1), help="Replications [default: the first's].")
@click.option("--seed", type=click.IntRange(min=0), help="Root seed [default: the first file's].")
@click.option("--out", type=click.Path(file_okay=False), help="Result folder (must not exist).")
@click.option("--fit", metavar="FIELD[=LOW..HIGH]",
              help="Fit a field of the first scenario (dotted path, e.g. commissioning."
              "providers.0.productive_share) to the recorded waits.")  # fmt: skip
@click.option("--end", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="The day the list was extracted [default: its last referral date].")  # fmt: skip
@click.option("--dayfirst", is_flag=True, help="Read dates written DD/MM/YYYY.")
@backend_options
def replay(case_list, files, reps, seed, out, fit, end, dayfirst, workers, backend, scheduler,
           cases) -> None:  # fmt: skip
    """Run a case list's own referrals (CASES) through the scenario FILES: recorded against
    simulated waits (replay.csv) for the first, the same people under the others."""
    from simulator import study
    from simulator.caselist import CaseListError
    from simulator.replay_fit import parse_fit
    from simulator.replay_list import ReplayError
    from simulator.replay_study import replay as run_replay
    from simulator.replay_study import summary_lines
    from simulator.runner import progress_bar

    try:
        field, bounds = parse_fit(fit) if fit else (None, None)
    except ValueError as error:
        raise BadInput(str(error)) from None
    with bad_input():
        warn(files, study.common_scenarios(files, reps, seed))
    runner, target = _backend(backend, workers, scheduler), _target(out, "replay")
    with bad_input():
        try:
            results = run_replay(
                case_list, files[0], files[1:], reps, seed, backend=runner,
                progress=progress_bar, case_rows="all" if cases is None else cases,
                end=end.date() if end else None, dayfirst=dayfirst, fit=field, fit_range=bounds,
            )  # fmt: skip
        except (CaseListError, ReplayError) as error:
            raise BadInput(str(error)) from None
    _write(results, target)
    click.echo(summary_lines(results))
    click.echo(f"report: {target / 'report.html'}", err=True)


def _leave(message: str, status: int) -> None:
    """Say one line and exit at once: the workers are stopped and any half-written folder
    removed already, and the process pool's exit hooks would only complain about them."""
    click.echo(message, err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


class Terminated(BaseException):
    """SIGTERM arrived: unwind as Ctrl-C does (workers stopped, no folder left)."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


def main() -> None:
    """Console entry point: bad input exits 2 without a traceback (unless --debug);
    Ctrl-C exits 130 and SIGTERM 143, each with one line, the workers stopped and no
    result folder left behind (it is written aside and renamed only when complete)."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        cli.main(standalone_mode=False)
    except Terminated:
        _leave("terminated: nothing was written", 143)
    except click.exceptions.Abort:
        _leave("interrupted: nothing was written", 130)
    except click.ClickException as error:
        error.show()
        sys.exit(2 if isinstance(error, click.UsageError) else error.exit_code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
