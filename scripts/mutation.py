"""Mutation testing of the engine: run mutmut, then score each module.

    python scripts/mutation.py                  # run mutmut (2 workers), then report
    python scripts/mutation.py --workers 4
    python scripts/mutation.py --no-run         # report on the last run's results

mutmut (``pip install mutmut``) mutates the modules listed under ``[tool.mutmut]``
in ``pyproject.toml`` and runs, for each mutant, the fast tests that cover the
mutated function. A module's score is killed / (mutants - equivalent mutants); a
timeout counts as killed, and a mutant no test reaches as surviving.

An equivalent mutant changes the code but not what it computes, so no test can
kill it. They are listed in ``scripts/equivalent_mutants.toml``, each with its
reason, keyed by module, function and the line before and after mutation (mutant
numbers change whenever the code does). The report lists the survivors that are
not there, and entries that no longer match a survivor. The exit status is 1
when a module scores under ``--min-score`` (95 by default).

This is not part of the default test run: a full run takes tens of minutes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = Path(__file__).resolve().parent / "equivalent_mutants.toml"
KILLED = {1, 3, 24, 36, 37, 152, 255, -24}  # killed, pytest error, timeouts, type check


@dataclass(frozen=True)
class Mutant:
    name: str
    module: str  # e.g. simulator/model.py
    function: str  # e.g. Replication.run
    exit_code: int | None

    @property
    def killed(self) -> bool:
        return self.exit_code in KILLED


def modules() -> list[str]:
    """The modules mutated, from ``[tool.mutmut] only_mutate`` in pyproject.toml."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["mutmut"]["only_mutate"])


def function_of(name: str) -> str:
    """``simulator.model.xǁReplicationǁrun__mutmut_12`` -> ``Replication.run``."""
    mangled = name.rsplit("__mutmut_", 1)[0].rsplit(".", 1)[-1]
    if mangled.startswith("xǁ"):
        return ".".join(part for part in mangled[2:].split("ǁ") if part)
    return mangled.removeprefix("x_")


def results(module: str) -> list[Mutant]:
    meta = ROOT / "mutants" / f"{module}.meta"
    if not meta.exists():
        sys.exit(f"error: no results for {module}; run without --no-run first")
    codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return [Mutant(name, module, function_of(name), code) for name, code in codes.items()]


def changed_lines(mutant: Mutant) -> tuple[str, str]:
    """The mutated line(s) before and after, stripped (joined by ' / ' when several)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    diff = get_diff_for_mutant(mutant.name, path=mutant.module).splitlines()
    before = [d[1:].strip() for d in diff if d.startswith("-") and not d.startswith("---")]
    after = [d[1:].strip() for d in diff if d.startswith("+") and not d.startswith("+++")]
    return " / ".join(before), " / ".join(after)


def equivalents() -> list[dict[str, str]]:
    return tomllib.loads(EQUIVALENT.read_text(encoding="utf-8")).get("mutant", [])


def key(module: str, function: str, line: str, mutant: str) -> tuple[str, str, str, str]:
    return (module, function, line, mutant)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="report on the last run only")
    parser.add_argument("--workers", type=int, default=2, help="mutants tested at once")
    parser.add_argument("--min-score", type=float, default=95.0, help="percent, per module")
    args = parser.parse_args()

    if not args.no_run:
        command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.workers)]
        subprocess.run(command, cwd=ROOT, check=False)

    listed = {
        key(e["module"], e["function"], e["line"], e["mutant"]): e["reason"] for e in equivalents()
    }
    used: set[tuple[str, str, str, str]] = set()
    rows, survivors, equivalent = [], [], []
    for module in modules():
        mutants = results(module)
        killed = sum(m.killed for m in mutants)
        same = 0
        for mutant in mutants:
            if mutant.killed:
                continue
            line, changed = changed_lines(mutant)
            k = key(module, mutant.function, line, changed)
            if k in listed:
                same += 1
                used.add(k)
                equivalent.append((mutant, line, changed, listed[k]))
            else:
                survivors.append((mutant, line, changed))
        counted = len(mutants) - same
        score = 100.0 * killed / counted if counted else 100.0
        rows.append((module, len(mutants), killed, same, counted - killed, score))

    print(f"{'module':<28} {'mutants':>7} {'killed':>7} {'equiv.':>7} {'alive':>6} {'score':>7}")
    for module, total, killed, same, alive, score in rows:
        print(f"{module:<28} {total:>7} {killed:>7} {same:>7} {alive:>6} {score:>6.1f}%")
    total = sum(r[1] for r in rows)
    killed = sum(r[2] for r in rows)
    same = sum(r[3] for r in rows)
    overall = 100.0 * killed / (total - same) if total > same else 100.0
    alive = total - killed - same
    print(f"{'all':<28} {total:>7} {killed:>7} {same:>7} {alive:>6} {overall:>6.1f}%")

    print(f"\nEquivalent mutants ({len(equivalent)}), from {EQUIVALENT.relative_to(ROOT)}:")
    for mutant, line, changed, reason in equivalent:
        print(f"  {mutant.name}\n    {line}\n -> {changed}\n    because {reason}")
    print(f"\nSurviving mutants ({len(survivors)}); `mutmut show NAME` gives the diff:")
    for mutant, line, changed in survivors:
        print(f"  {mutant.name} [exit {mutant.exit_code}]\n    {line}\n -> {changed}")
    stale = set(listed) - used
    if stale:
        print(f"\nListed as equivalent but no longer surviving ({len(stale)}):")
        for module, function, line, changed in sorted(stale):
            print(f"  {module} {function}: {line} -> {changed}")
    low = [r[0] for r in rows if r[5] < args.min_score]
    if low:
        print(f"\nUnder {args.min_score:.0f}%: {', '.join(low)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
