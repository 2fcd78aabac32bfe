"""The package's layers as docs/development.md draws them, checked against the code's imports.

Every import of a package module counts (at the top, inside a function, or for type
checking only): a module imports only from its own row of docs/development.md's ``layers``
block or the rows below it, nothing imports in a circle, and the leaves import
nothing of the package.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "simulator"


def modules() -> set[str]:
    return {path.stem for path in PACKAGE.glob("*.py")}


def imports(module: str) -> set[str]:
    """The package modules ``module`` imports, wherever the import is written."""
    known, found = modules(), set()
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            name = node.module or ""
            if node.level == 0 and not name.startswith("simulator"):
                continue
            parts = name.split(".")[1:] if node.level == 0 else name.split(".")
            if parts and parts[0]:
                found.add(parts[0])
            else:  # from simulator import x, or from . import x
                found |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("simulator.")}
    return (found & known) - {module}


def readme_rows() -> list[list[str]]:
    """The layers of docs/development.md, top row first."""
    text = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    block = re.search(r"```text\n(cli, .*?)```", text, re.S)
    assert block, "docs/development.md has no layers block"
    return [
        [name.strip() for name in line.split("|")[0].split(",")]
        for line in block.group(1).splitlines()
        if line.strip()
    ]


def test_the_readme_names_every_module_once():
    names = [name for row in readme_rows() for name in row]
    assert sorted(names) == sorted(modules())


def test_imports_run_down_the_readme_layers():
    row = {name: depth for depth, names in enumerate(readme_rows()) for name in names}
    upward = [
        f"{module} imports {other}"
        for module in sorted(modules())
        for other in sorted(imports(module))
        if row[other] < row[module]
    ]
    assert upward == []


def test_no_module_imports_in_a_circle():
    graph = {module: imports(module) for module in modules()}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module in done:
            return
        for other in sorted(graph[module]):
            visit(other, (*path, module))
        done.add(module)

    for module in sorted(graph):
        visit(module, ())


def test_the_leaves_import_nothing_of_the_package():
    for module in readme_rows()[-1]:
        assert imports(module) == set(), module


def test_only_the_model_imports_simpy():
    users = [
        path.stem
        for path in PACKAGE.glob("*.py")
        if re.search(r"^\s*(import simpy|from simpy)", path.read_text(encoding="utf-8"), re.M)
    ]
    assert users == ["model"]
