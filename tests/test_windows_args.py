"""On Windows the shell leaves ``scenarios/county-*.yaml`` as it is: the entry point
expands it, as a Linux shell would, so the README's main job runs in PowerShell as
written (docs/tutorial/install.md says so). Played here by making click see Windows."""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import click
import pytest

from simulator import cli

ROOT = Path(__file__).resolve().parent.parent


class WindowsToClick(types.ModuleType):
    """``os`` as click.core sees it: Windows by name, this machine for the rest."""

    name = "nt"

    def __getattr__(self, attribute: str):
        return getattr(os, attribute)


def test_the_entry_point_expands_a_wildcard_on_windows(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "argv", ["advocacy-sim", "validate", "scenarios/county-*.yaml"])
    with pytest.raises(SystemExit) as unexpanded:  # elsewhere the shell's job: not done here
        cli.main()
    assert unexpanded.value.code == 2
    capsys.readouterr()
    monkeypatch.setattr(click.core, "os", WindowsToClick("os"))  # click alone sees Windows
    cli.main()  # returns: every file valid
    shown = capsys.readouterr().out
    for name in ("block", "block-spot", "core-flex", "hub", "spot-only"):
        assert f"ok: scenarios/county-{name}.yaml" in shown, name
