"""The browser --png draws with is found on Linux, macOS and Windows alike: BROWSER_PATH
first, then the PATH, then the platform's usual install places (simulator.browser).

Windows and macOS are played on this machine by passing the platform, the environment
and which files exist, so each rule is checked on every machine the tests run on.
"""

from __future__ import annotations

import pytest

from simulator import browser
from simulator.browser import find_browser_path, install_places

WINDOWS_ENV = {
    "ProgramFiles": r"C:\Program Files",
    "ProgramFiles(x86)": r"C:\Program Files (x86)",
    "LOCALAPPDATA": r"C:\Users\ana\AppData\Local",
}
EDGE = r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"
CHROME = r"C:\Program Files\Google\Chrome\Application\chrome.exe"
USER_CHROME = r"C:\Users\ana\AppData\Local\Google\Chrome\Application\chrome.exe"


def find(platform: str, environ: dict[str, str], files: set[str], path: dict[str, str] = {}):  # noqa: B006
    return find_browser_path(
        environ=environ, platform=platform, which=path.get, is_file=files.__contains__
    )


def test_windows_finds_edge_where_every_windows_10_and_11_has_it():
    assert find("win32", WINDOWS_ENV, {EDGE}) == EDGE


def test_windows_prefers_chrome_to_edge_and_finds_a_per_user_chrome():
    assert find("win32", WINDOWS_ENV, {EDGE, CHROME}) == CHROME
    assert find("win32", WINDOWS_ENV, {EDGE, USER_CHROME}) == USER_CHROME


def test_windows_reads_its_variables_whatever_their_case_and_knows_the_defaults():
    """Windows spells ProgramFiles in any case; without the variable, C:\\Program Files."""
    shouted = {key.upper(): value for key, value in WINDOWS_ENV.items()}
    assert find("win32", shouted, {EDGE}) == EDGE
    assert find("win32", {}, {EDGE}) == EDGE
    elsewhere = {"PROGRAMFILES(X86)": r"D:\Apps"}
    assert find("win32", elsewhere, {r"D:\Apps\Microsoft\Edge\Application\msedge.exe"}) == (
        r"D:\Apps\Microsoft\Edge\Application\msedge.exe"
    )


def test_macos_finds_a_browser_in_applications_or_the_users_own(tmp_path):
    """On macOS a real folder tree: the program inside the .app bundle."""
    home = tmp_path / "home"
    edge = home / "Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"
    edge.parent.mkdir(parents=True)
    edge.write_text("")
    found = find_browser_path(
        environ={"HOME": str(home)}, platform="darwin", which=lambda name: None
    )
    assert found == str(edge)
    chrome = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"
    assert find("darwin", {"HOME": str(home)}, {chrome, str(edge)}) == chrome


def test_the_path_comes_before_the_install_places_and_browser_path_before_both():
    path = {"msedge": r"C:\tools\msedge.exe", "google-chrome": "/usr/bin/google-chrome"}
    assert find("win32", WINDOWS_ENV, {EDGE}, path={"msedge": path["msedge"]}) == path["msedge"]
    assert find("linux", {}, set(), path=path) == "/usr/bin/google-chrome"
    named = {**WINDOWS_ENV, "BROWSER_PATH": r'"D:\Portable\chrome.exe"'}  # quotes as pasted
    assert find("win32", named, {EDGE}, path=path) == r"D:\Portable\chrome.exe"


def test_nothing_anywhere_is_none_and_linux_looks_only_on_the_path():
    assert find("win32", WINDOWS_ENV, set()) is None
    assert find("darwin", {"HOME": "/Users/ana"}, set()) is None
    assert install_places("linux", {"HOME": "/home/ana"}) == []


@pytest.mark.parametrize(
    ("platform", "says"),
    [
        ("win32", "$env:BROWSER_PATH"),
        ("darwin", 'export BROWSER_PATH="/Applications/Google Chrome.app'),
        ("linux", "apt-get install chromium"),
    ],
)
def test_with_no_browser_the_error_says_how_to_name_one_on_each_platform(
    monkeypatch, platform, says
):
    """The one line --png stops with names BROWSER_PATH as the platform's shell sets it."""
    from simulator.report import ImageError, find_browser

    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setattr(browser.sys, "platform", platform)
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    monkeypatch.setattr(browser.os.path, "isfile", lambda path: False)
    with pytest.raises(ImageError) as raised:
        find_browser()
    message = str(raised.value)
    assert message.startswith("--png needs Chromium or Chrome, or Microsoft Edge")
    assert says in message and "\n" not in message


def test_report_uses_the_browser_found_in_an_install_place(monkeypatch, tmp_path):
    """find_browser (what --png calls) takes a browser from the install places."""
    import kaleido  # noqa: F401  (imported before which() is patched: it looks too)

    from simulator.report import find_browser

    home = tmp_path / "home"
    chrome = home / "Applications/Google Chrome.app/Contents/MacOS/Google Chrome"
    chrome.parent.mkdir(parents=True)
    chrome.write_text("#!/bin/sh\n")
    chrome.chmod(0o755)
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(browser.sys, "platform", "darwin")
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    assert find_browser() == str(chrome)
