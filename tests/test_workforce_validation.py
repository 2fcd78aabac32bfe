"""Mistakes in a workforce section a new user makes, each told in one line that names the
file, the line and the field, and says what to write instead (exit status 2); and a
turnover written as a percentage, legal but almost surely meant as a share, warned of."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import invoke

COUNTY = Path(__file__).resolve().parents[1] / "scenarios" / "county-block.yaml"


def _county_with(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The county block file with one line changed, in ``tmp_path`` with the base it
    extends (``base/county-demand.yaml``); the path and the changed line's number."""
    text = COUNTY.read_text("utf-8")
    assert text.count(old) == 1, old
    shutil.copytree(COUNTY.parent / "base", tmp_path / "base", dirs_exist_ok=True)
    path = tmp_path / COUNTY.name
    path.write_text(text.replace(old, new), "utf-8")
    line = text[: text.index(old)].count("\n") + 1
    return path, line


def _error(tmp_path: Path, old: str, new: str) -> tuple[str, Path, int]:
    path, line = _county_with(tmp_path, old, new)
    result = invoke("validate", str(path))
    assert result.exit_code == 2, result.output
    lines = [x for x in result.output.splitlines() if x.startswith("error:")]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0], path, line


def test_a_plain_number_where_a_distribution_goes_says_what_to_write(tmp_path):
    said, path, line = _error(
        tmp_path, "recruitment_days: {dist: gamma, mean: 180, sd: 60}", "recruitment_days: 180"
    )
    assert said == (
        f"error: {path}:{line}: commissioning.providers.0.workforce.recruitment_days: 180: "
        "must be a distribution, not a plain number: for exactly 180 write "
        "{dist: fixed, mean: 180} (or a spread, e.g. {dist: gamma, mean: 180, sd: 60})"
    )


def test_leave_month_weights_of_the_wrong_length_says_how_many_it_got(tmp_path):
    said, path, line = _error(
        tmp_path, "leave_month_weights: [0.8, 0.8,", "leave_month_weights: [0.8,"
    )
    assert said == (
        f"error: {path}:{line}: commissioning.providers.0.workforce.leave_month_weights: "
        "needs 12 numbers, January first (got 11)"
    )


def test_a_turnover_written_as_a_percentage_is_warned_of(tmp_path):
    path, _ = _county_with(tmp_path, "turnover_per_year: 0.175 ", "turnover_per_year: 20 ")
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output
    assert (
        "commissioning.providers.0.workforce.turnover_per_year: 20: leavers a year per post: "
        "20 means each post turns over 20 times a year; for 20% write 0.2"
    ) in result.output
    assert "turnover_per_year" not in invoke("validate", str(COUNTY)).output
