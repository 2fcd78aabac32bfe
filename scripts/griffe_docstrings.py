"""A griffe extension for the documentation site's Python API page (mkdocs.yml loads it).

The package's docstrings are NumPy style, written to read well in ``help()`` and an
editor, and two habits of theirs do not render as meant by mkdocstrings:

- Sphinx roles (``:func:`run```, ``:class:`~simulator.runner.Backend```) show as text
  with the role's name; they become plain code (the last part of a ``~`` name).
- Parameters described together (``reps, seed``) are each given the first one's type
  by griffe's NumPy parser; they are split into one entry each with the same text, so
  each takes its own type from the signature.

Only the text griffe parses is changed, never the code's docstrings.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:func|class|mod|meth|attr|data|exc|obj):`(~?)([\w.]+)`")
GROUP = re.compile(r"^(?P<indent>[ \t]*)(?P<names>\w+(?:, \w+)+)[ \t]*\n", re.M)


def _code(match: re.Match[str]) -> str:
    short, dotted = match.groups()
    return f"`{dotted.rsplit('.', 1)[-1] if short else dotted}`"


def _split_groups(text: str) -> str:
    """``reps, seed\\n    text`` under Parameters -> ``reps\\n    text\\nseed\\n    text``."""
    head, found, rest = text.partition("Parameters\n----------\n")
    if not found:
        return text
    section, gap, tail = rest.partition("\n\n")
    lines, out, index = section.split("\n"), [], 0
    while index < len(lines):
        names = GROUP.match(lines[index] + "\n")
        if not names:
            out.append(lines[index])
            index += 1
            continue
        body, index = [], index + 1
        while index < len(lines) and lines[index].startswith((" ", "\t")) and lines[index].strip():
            body.append(lines[index])
            index += 1
        for name in names["names"].split(", "):
            out.extend([names["indent"] + name, *body])
    return head + found + "\n".join(out) + gap + tail


class ReadableDocstrings(griffe.Extension):
    """Rewrite the text of every docstring griffe loads, before it is parsed."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _split_groups(ROLE.sub(_code, obj.docstring.value))
