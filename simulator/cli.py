"""The command line: thin glue over the library.

Bad input of any kind (scenario files, options, missing files, an output
folder that exists) exits with status 2 and one line per problem naming the
file and field; never a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import click

from simulator import __version__
from simulator.files import OutputError, default_out, write_results
from simulator.runner import Backend, ScenarioResult, progress_bar, run_scenario
from simulator.scenario import ScenarioError, json_schema, load_scenario

HEADLINE = (
    ("cost_total_per_year", "Cost per year (GBP)", "{:,.0f}"),
    ("wait_mean_days", "Mean wait (days)", "{:.1f}"),
    ("wait_p90_days", "p90 wait (days)", "{:.1f}"),
    ("within_target_share", "Within target", "{:.0%}"),
    ("breaches", "Breaches", "{:.1f}"),
    ("block_hours_unused", "Unused block hours", "{:,.0f}"),
)


class BadInput(click.ClickException):
    """Bad input: exit status 2, the message as it is (one line per problem)."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        for line in self.format_message().splitlines():
            click.echo(f"error: {line}", err=True)


def _load(path: str, overrides: dict[str, Any] | None = None):
    try:
        return load_scenario(path, overrides)
    except ScenarioError as error:
        raise BadInput("\n".join(error.problems)) from None


def _backend(backend: str, workers: int | None, scheduler: str | None) -> Backend:
    if backend == "dask" and not scheduler:
        raise BadInput("--backend dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    if backend == "local" and scheduler:
        raise BadInput("--scheduler only applies with --backend dask")
    return Backend(backend, workers, scheduler)


def backend_options(command):
    """--workers, --backend and --scheduler, shared by every command that runs."""
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


def headline(summary) -> str:
    """The few numbers a commissioner asks for first, one scenario a row."""
    rows = summary[summary["group"] == "all"]
    lines = []
    for name, frame in rows.groupby("scenario", sort=False):
        values = frame.set_index("metric")
        lines.append(f"{name}")
        for metric, label, fmt in HEADLINE:
            if metric in values.index and values.loc[metric, "mean"] == values.loc[metric, "mean"]:
                row = values.loc[metric]
                interval = ""
                if row["ci_low"] == row["ci_low"]:
                    interval = (
                        f"  (95% CI {fmt.format(row['ci_low'])} to {fmt.format(row['ci_high'])})"
                    )
                lines.append(f"  {label:<22} {fmt.format(row['mean'])}{interval}")
    return "\n".join(lines)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="advocacy-sim")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Simulate commissioning models for independent advocacy and compare cost and delay."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check scenario FILES; exit 0 when all are valid, 2 otherwise."""
    problems = []
    for path in files:
        try:
            scenario = load_scenario(path)
            click.echo(f"ok: {path} ({scenario.name})")
        except ScenarioError as error:
            problems.extend(error.problems)
    if problems:
        raise BadInput("\n".join(problems))


@cli.command()
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to a file.")
def schema(out: str | None) -> None:
    """Print the JSON Schema of scenario files (for editors' autocompletion)."""
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
@backend_options
def run(
    file: str,
    reps: int | None,
    seed: int | None,
    out: str | None,
    workers: int | None,
    backend: str,
    scheduler: str | None,
) -> None:
    """Run one scenario's replications and write its result folder."""
    overrides = {k: v for k, v in {"replications": reps, "seed": seed}.items() if v is not None}
    scenario = _load(file, overrides)
    runner = _backend(backend, workers, scheduler)
    target = Path(out) if out else default_out(scenario.name)
    try:
        from simulator.files import check_out

        check_out(target)
    except OutputError as error:
        raise BadInput(str(error)) from None
    click.echo(
        f"{scenario.name}: {scenario.replications} replications, seed {scenario.seed}", err=True
    )
    started = time.perf_counter()
    with progress_bar(scenario.replications, scenario.name) as tick:
        result = run_scenario(scenario, runner, tick)
    _write(target, [result], runner, started)
    click.echo(headline(result.summary))


def _write(target: Path, results: list[ScenarioResult], runner: Backend, started: float, **extra):
    manifest = {
        "seed": results[0].scenario.seed,
        "replications": results[0].scenario.replications,
        "backend": runner.name,
        "workers": runner.worker_count if runner.name == "local" else None,
        "wall_time_seconds": round(time.perf_counter() - started, 3),
    }
    try:
        write_results(target, results, manifest, **extra)
    except OutputError as error:
        raise BadInput(str(error)) from None
    click.echo(f"results: {target}", err=True)


def main() -> None:
    """Console entry point: bad input exits 2 without a traceback."""
    debug = "--debug" in sys.argv[1:]
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        if debug:
            traceback.print_exc()
        error.show()
        sys.exit(2 if isinstance(error, click.UsageError) else error.exit_code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except Exception as error:  # an internal fault, not bad input
        if debug:
            raise
        click.echo(f"internal error: {error} (run with --debug for the traceback)", err=True)
        sys.exit(1)
