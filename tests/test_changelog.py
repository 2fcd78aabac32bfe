"""CHANGELOG.md keeps its form (Keep a Changelog), and the package's version is its newest
release, the number pyproject.toml's build reads and every result folder records."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import simulator
from simulator import files

ROOT = Path(__file__).resolve().parent.parent
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
RELEASE = re.compile(r"^## \[(\d+)\.(\d+)\.(\d+)\] - (\d{4}-\d{2}-\d{2})$", re.M)


def releases() -> list[tuple[tuple[int, int, int], dt.date]]:
    return [
        ((int(a), int(b), int(c)), dt.date.fromisoformat(day))
        for a, b, c, day in RELEASE.findall(CHANGELOG)
    ]


def test_the_changelog_opens_with_unreleased_then_releases_newest_first():
    headings = re.findall(r"^## .*$", CHANGELOG, re.M)
    assert headings[0] == "## [Unreleased]"
    assert all(RELEASE.match(h) for h in headings[1:]), headings
    found = releases()
    assert len(found) == len(headings) - 1 and found[-1][0] == (0, 1, 0)
    assert [v for v, _ in found] == sorted((v for v, _ in found), reverse=True)
    assert [d for _, d in found] == sorted((d for _, d in found), reverse=True)
    sections = set(re.findall(r"^### (.*)$", CHANGELOG, re.M))
    assert sections <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_the_version_is_the_newest_release():
    newest = ".".join(map(str, releases()[0][0]))
    assert simulator.__version__ == newest


def test_the_build_and_the_manifest_read_the_same_version():
    """hatch reads ``__version__`` from the file [tool.hatch.version] names, as written
    there; the manifest of every result folder records the package's."""
    hatch = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["hatch"]
    source = (ROOT / hatch["version"]["path"]).read_text("utf-8")
    written = re.search(r'^__version__ = "([^"]+)"$', source, re.M)
    assert written and written[1] == simulator.__version__
    manifest = files.build_manifest([], {}, command=["advocacy-sim"])
    assert manifest["advocacy_sim_version"] == simulator.__version__
    assert manifest["versions"]["advocacy-sim"] == simulator.__version__
