"""The documentation stays true: every command, scenario field and metric is documented,
the generated reference pages are what the code says, CI runs the README's test command,
the README's and the pages' code runs, and the shipped scenarios are valid and sane.

Code blocks, in ``README.md`` and every ``docs/**/*.md`` page, follow one convention
(docs/development.md says it for writers):

- a ``python`` block runs, in order with the page's other ``python`` blocks, in one
  namespace a page, from a folder holding copies of ``scenarios/`` and ``examples/``;
- a ``sh`` block's commands run as the command line (``advocacy-sim ...`` through
  click's test runner; ``*`` expanded as a shell would), and each must exit 0; any
  other command in a block that is run is an error, so nothing is silently skipped;
- a ``yaml`` block whose first line is a comment naming a path
  (``# scenarios/my-council.yaml``) is written there, for the blocks after it;
- a block right after an HTML comment starting ``<!-- not run`` is shown, not run (the
  comment says why). Blocks in other languages are shown only.
"""

from __future__ import annotations

import glob
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

import simulator
from simulator.cli import cli
from simulator.metrics import METRICS, per_replication
from simulator.model import simulate
from simulator.scenario import field_reference, load_scenario

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
SCENARIOS = sorted((ROOT / "scenarios").glob("**/*.yaml"))
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def page_text(relative: str) -> str:
    return (DOCS / relative).read_text(encoding="utf-8")


def name(page: Path) -> str:
    return str(page.relative_to(DOCS if page.is_relative_to(DOCS) else ROOT))


# Code blocks


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    language: str
    code: str
    run: bool

    @property
    def where(self) -> str:
        return f"{name(self.page)}:{self.line}"


FENCE = re.compile(r"^(?P<indent> *)```(?P<language>[\w-]*)[^\n]*$")


def code_blocks(page: Path) -> list[Block]:
    """The page's fenced code blocks, indented ones included, in order."""
    lines = page.read_text(encoding="utf-8").split("\n")
    blocks, index = [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent = opening["indent"]
        end = next(
            i for i in range(index + 1, len(lines)) if lines[i].strip() == "```"
        )  # an unclosed fence is a broken page: StopIteration fails the test
        body = [line.removeprefix(indent) for line in lines[index + 1 : end]]
        before = [line.strip() for line in lines[:index] if line.strip()]
        marked = bool(before) and before[-1].startswith("<!-- not run")
        blocks.append(Block(page, index + 1, opening["language"], "\n".join(body), not marked))
        index = end + 1
    return blocks


def commands(code: str) -> list[list[str]]:
    """A sh block's commands as argument lists: continuation lines joined, comments
    dropped, ``*`` expanded against the working folder as a shell would."""
    joined = re.sub(r"\\\n\s*", " ", code)
    found = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            found.append([m for w in words for m in (sorted(glob.glob(w)) or [w])])
    return found


def yaml_target(block: Block) -> str | None:
    """The path a yaml block names on its first line (``# scenarios/x.yaml``), if any."""
    first = block.code.split("\n", 1)[0]
    named = re.fullmatch(r"#\s*(\S+\.ya?ml)\s*", first)
    return named[1] if named else None


def runnable(block: Block) -> bool:
    if not block.run:
        return False
    return block.language in ("python", "sh") or (
        block.language == "yaml" and yaml_target(block) is not None
    )


ALL_BLOCKS = [block for page in PAGES for block in code_blocks(page)]
RUN_PAGES = sorted({block.page for block in ALL_BLOCKS if runnable(block)})

# What a page's examples leave behind, checked after they run (beyond each succeeding).
LEFT_BEHIND = {
    "reference/python-api.md": [
        "block-share.html",
        "outputs/block-share/differences.csv",
        "options.html",
    ],
    "how-to/calibrate.md": [
        "my-demand.yaml",
        "my-demand-fit.html",
        "outputs/case-list-answer/recommendation.json",
    ],
    "tutorial/first-recommendation.md": [
        "outputs/first-look/report.html",
        "outputs/first-recommendation/candidates.csv",
    ],
    "how-to/model-your-authority.md": ["scenarios/my-council.yaml", "scenario.schema.json"],
    "how-to/read-the-report.md": ["outputs/hub/report.html"],
    "how-to/quick-answers.md": [
        "outputs/block-70/differences.csv",
        "outputs/county-quick/summary.csv",
        "scenarios/block-70.yaml",
        "outputs/block-70-report/report.html",
    ],
}


def run_block(block: Block, namespace: dict) -> None:
    from click.testing import CliRunner

    if block.language == "python":
        exec(compile(block.code, block.where, "exec"), namespace)
    elif block.language == "yaml":
        target = Path(yaml_target(block) or "")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.code + "\n", encoding="utf-8")
    else:
        for words in commands(block.code):
            assert words[0] == "advocacy-sim", (
                f"{block.where}: {' '.join(words)}: only advocacy-sim commands run; "
                "mark the block <!-- not run: why --> if it cannot"
            )
            result = CliRunner().invoke(cli, words[1:], catch_exceptions=False)
            assert result.exit_code == 0, f"{block.where}: {' '.join(words)}\n{result.output}"


@pytest.mark.parametrize("page", RUN_PAGES, ids=name)
def test_the_pages_code_runs_as_written(page, tmp_path, monkeypatch):
    """Every block of the page that is run runs, in order, from a folder like the
    repository's root; then what it says it writes is there."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    for block in code_blocks(page):
        if runnable(block):
            run_block(block, namespace)
    for written in LEFT_BEHIND.get(name(page), []):
        assert (tmp_path / written).is_file(), f"{name(page)} should have written {written}"


def test_blocks_that_are_not_run_say_why_and_run_blocks_are_commands():
    """A block left out must say so in its page; a sh block that runs holds only
    advocacy-sim commands (checked without running them, so it fails fast)."""
    for block in ALL_BLOCKS:
        if not block.run:
            before = block.page.read_text(encoding="utf-8").split("\n")[: block.line - 1]
            note = [line for line in before if line.strip()][-1]
            assert re.match(r"\s*<!-- not run: \S.*-->", note), f"{block.where}: say why"
        elif block.language == "sh":
            for words in commands(block.code):
                assert words[0] == "advocacy-sim", f"{block.where}: {words[0]} does not run"


def test_the_convention_reads_the_blocks_it_should():
    """The reader of blocks itself: marks, indented fences, yaml targets, continuations."""
    blocks = {block.where: block for block in ALL_BLOCKS}
    assert not blocks["README.md:" + str(README.split("\n").index("```sh") + 1)].run
    calibrate = [b for b in ALL_BLOCKS if name(b.page) == "how-to/calibrate.md"]
    assert [b.run for b in calibrate if b.language == "sh"] == [True, True, True, False]
    [recommend] = [b for b in calibrate if b.run and "recommend" in b.code]
    [words] = commands(recommend.code)
    assert words[:2] == ["advocacy-sim", "recommend"] and "--max-reps" in words
    assert "within_target_share[urgency=urgent] >= 0.9" in words
    own = [b for b in ALL_BLOCKS if b.language == "yaml" and yaml_target(b)]
    assert [yaml_target(b) for b in own] == ["scenarios/my-council.yaml", "scenarios/block-70.yaml"]
    assert commands("advocacy-sim validate a.yaml   # a comment\n\n") == [
        ["advocacy-sim", "validate", "a.yaml"]
    ]


# The README


def fenced_commands() -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)


def test_ci_runs_the_readme_test_command_then_builds_the_docs():
    test_command = next(c for c in fenced_commands() if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci
    assert "mkdocs build --strict" in ci.split(test_command, 1)[1]
    main_job = fenced_commands()[0]
    assert "advocacy-sim compare scenarios/county-*.yaml" in main_job
    assert main_job in page_text("tutorial/install.md")  # the Linux set-up, unchanged


def test_the_readme_links_to_pages_that_exist():
    """The README is read on its own, outside the site: each of its links lands."""
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README):
        if "://" not in target:
            assert (ROOT / target).exists(), target


def test_the_readme_county_table_is_the_ranking_pages():
    """The worked example's table is in the README and on the ranking page: one table."""

    def rows(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith("| County ")]

    assert len(rows(README)) == 5
    assert rows(README) == rows(page_text("explanation/ranking.md"))[:5]


@pytest.mark.slow
def test_readme_worked_example_figures_are_what_the_main_job_gives():
    """The table in the README is real: rerun the main job's scenarios and compare."""
    from simulator.metrics import summarise

    files = [
        "county-block",
        "county-block-spot",
        "county-core-flex",
        "county-hub",
        "county-spot-only",
    ]
    for file in files:
        scenario = load_scenario(ROOT / "scenarios" / f"{file}.yaml")
        records = [simulate(scenario, rep) for rep in range(scenario.replications)]
        summary = summarise(per_replication(records, scenario), scenario.name)
        values = summary[summary["group"] == "all"].set_index("metric")["mean"]
        row = next(line for line in README.splitlines() if line.startswith(f"| {scenario.name} |"))
        cells = [cell.strip() for cell in row.split("|")[1:-1]]
        assert cells[1].startswith(f"£{values['cost_to_serve_per_year']:,.0f}"), (file, cells)
        assert cells[2] == f"£{values['cost_total_per_year']:,.0f}", (file, cells)
        assert cells[3].startswith(f"{values['wait_mean_days']:.1f}"), (file, cells)
        assert cells[4].startswith(f"{values['wait_p90_days']:.1f}"), (file, cells)
        assert cells[5] == f"{values['within_target_share']:.0%}", (file, cells)
        assert cells[6].startswith(f"{values['breaches_per_year']:.1f}"), (file, cells)
        assert cells[7] == f"{values['unserved_per_year']:.1f}", (file, cells)


# The reference pages


def test_every_command_is_documented():
    text = page_text("reference/cli.md")
    for command in cli.commands:
        assert f"`advocacy-sim {command}" in text, command
        assert cli.commands[command].help, f"{command} has help text for the generated page"


def test_every_scenario_field_is_documented():
    text = page_text("reference/scenario.md")
    for path, *_ in field_reference():
        assert f"`{path}`" in text, path


def test_every_metric_is_documented():
    text = page_text("reference/metrics.md")
    for metric in METRICS:
        assert f"`{metric}`" in text, metric


def test_every_shipped_scenario_is_named_on_the_scenarios_page():
    text = page_text("reference/scenario-library.md")
    for path in SCENARIOS:
        assert f"{path.name}`" in text, path.name


def test_python_api_is_documented():
    text = page_text("reference/python-api.md")
    for function in ("run", "compare", "sweep", "recommend"):
        assert f"`simulator.{function}(" in text, function
        assert callable(getattr(simulator, function))
        assert f"::: simulator.study.{function}" in text, function  # from its docstring
    for member in ("summary", "replications", "cases", "daily", "differences"):
        assert f"`.{member}`" in text, member
    for method in ("figures()", "write(folder", "report(path)"):
        assert f"`.{method}" in text, method


def test_reference_tables_are_what_the_code_says():
    """The field and metric tables are written by scripts/docs_reference.py."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "docs_reference", ROOT / "scripts" / "docs_reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for page, text in module.rendered().items():
        assert page.read_text(encoding="utf-8") == text, (
            f"{page.relative_to(ROOT)}: run python scripts/docs_reference.py"
        )


# The shipped scenarios


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_scenarios_are_valid_and_sane(path):
    scenario = load_scenario(path)
    assert scenario.assumptions, "every shipped scenario lists its assumptions"
    records = simulate(scenario, 0)
    values = per_replication([records], scenario).set_index(["metric", "group"])["value"]
    assert values["referrals", "all"] > 100
    assert values["cannot_be_served", "all"] == 0  # somebody bought can serve every referral
    assert values["cost_total_per_year", "all"] > 0
    if ("block_utilisation", "all") in values.index:
        assert 0.5 < values["block_utilisation", "all"] <= 1.0


# The Python API page's docstrings


def test_api_docstrings_are_made_readable_for_the_site(monkeypatch):
    """scripts/griffe_docstrings.py (loaded by mkdocs.yml) turns Sphinx roles into code
    and splits parameters described together, so each shows its own type."""
    import importlib.util
    import inspect
    import sys
    import types

    from simulator import study

    # griffe comes with the docs extra; the text rewriting needs none of it.
    fake = types.SimpleNamespace(Extension=object, Object=object)
    monkeypatch.setitem(sys.modules, "griffe", fake)
    spec = importlib.util.spec_from_file_location(
        "griffe_docstrings", ROOT / "scripts" / "griffe_docstrings.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    roles = ":func:`run`, :class:`~simulator.runner.Backend` or :mod:`simulator.selection`"
    assert module.ROLE.sub(module._code, roles) == "`run`, `Backend` or `simulator.selection`"
    sweep = module._split_groups(inspect.cleandoc(study.sweep.__doc__))
    assert "reps, seed" not in sweep
    for name in ("reps", "seed", "workers", "backend", "progress", "cases"):
        assert f"\n{name}\n    As for :func:`run`" in sweep, name
    assert (
        sweep.split("Raises\n------\n")[1]
        == inspect.cleandoc(study.sweep.__doc__).split("Raises\n------\n")[1]
    )  # the sections after Parameters are untouched
