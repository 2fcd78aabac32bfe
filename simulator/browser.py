"""Where the Chromium-family browser that draws PNG images is, on Linux, macOS or Windows.

kaleido renders plotly charts to PNG through a Chromium-family browser (Chromium,
Google Chrome or Microsoft Edge). On Linux one is usually on the PATH; on macOS and
Windows browsers are rarely on the PATH but sit in well-known install folders, and
every Windows 10 and 11 machine has Edge. ``BROWSER_PATH`` names one explicitly and is
always tried first. Nothing here starts a browser: this only finds one.
"""

from __future__ import annotations

import ntpath
import os
import posixpath
import shutil
import sys
from collections.abc import Callable, Mapping

BROWSER_VARIABLE = "BROWSER_PATH"

# Names a browser's program has on the PATH, most specific first.
PATH_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
    "microsoft-edge-stable",
    "msedge",
)

# macOS: the program inside each application bundle, under /Applications or ~/Applications.
MAC_APPS = (
    "Google Chrome.app/Contents/MacOS/Google Chrome",
    "Chromium.app/Contents/MacOS/Chromium",
    "Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
)

# Windows: (environment variable of the base folder, path below it). Chrome installs for
# all users under Program Files or for one user under LocalAppData; Edge is under
# Program Files (x86) even on 64-bit Windows.
WINDOWS_INSTALLS = (
    ("PROGRAMFILES", r"Google\Chrome\Application\chrome.exe"),
    ("PROGRAMFILES(X86)", r"Google\Chrome\Application\chrome.exe"),
    ("LOCALAPPDATA", r"Google\Chrome\Application\chrome.exe"),
    ("LOCALAPPDATA", r"Chromium\Application\chrome.exe"),
    ("PROGRAMFILES(X86)", r"Microsoft\Edge\Application\msedge.exe"),
    ("PROGRAMFILES", r"Microsoft\Edge\Application\msedge.exe"),
)
WINDOWS_DEFAULTS = {
    "PROGRAMFILES": r"C:\Program Files",
    "PROGRAMFILES(X86)": r"C:\Program Files (x86)",
}


def install_places(platform: str, environ: Mapping[str, str]) -> list[str]:
    """The usual install paths of a Chromium-family browser on ``platform``
    (``sys.platform``'s values: ``darwin``, ``win32``, ``linux``), in the order tried."""
    if platform == "darwin":
        home = environ.get("HOME", "")
        roots = ["/Applications", *([posixpath.join(home, "Applications")] if home else [])]
        return [posixpath.join(root, app) for app in MAC_APPS for root in roots]
    if platform == "win32":
        places = []
        for variable, below in WINDOWS_INSTALLS:
            base = _windows_variable(environ, variable) or WINDOWS_DEFAULTS.get(variable)
            if base:
                places.append(ntpath.join(base, below))
        return list(dict.fromkeys(places))
    return []  # Linux and the rest: the PATH is where browsers are


def _windows_variable(environ: Mapping[str, str], name: str) -> str | None:
    """An environment variable as Windows reads it: without regard to case."""
    wanted = name.upper()
    return next((value for key, value in environ.items() if key.upper() == wanted), None)


def find_browser_path(
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    which: Callable[[str], str | None] | None = None,
    is_file: Callable[[str], bool] | None = None,
) -> str | None:
    """The browser to use: ``BROWSER_PATH`` when set (as given, even if nothing is
    there, so the caller can say so), else the first browser on the PATH, else the
    first in the platform's usual install places; ``None`` when there is none.

    ``environ``, ``platform``, ``which`` and ``is_file`` default to this machine's; a
    test passes its own to play another platform."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    which = shutil.which if which is None else which
    is_file = os.path.isfile if is_file is None else is_file
    named = environ.get(BROWSER_VARIABLE, "").strip().strip('"')
    if named:
        return named
    on_path = next(filter(None, map(which, PATH_NAMES)), None)
    if on_path:
        return on_path
    return next((place for place in install_places(platform, environ) if is_file(place)), None)


def how_to_name_one(platform: str | None = None) -> str:
    """How to point ``BROWSER_PATH`` at a browser, in the words of the platform's shell."""
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        return (
            f"set {BROWSER_VARIABLE} to its chrome.exe or msedge.exe (PowerShell: $env:"
            f'{BROWSER_VARIABLE} = "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\'
            f'msedge.exe")'
        )
    if platform == "darwin":
        return (
            f"install Google Chrome, Chromium or Microsoft Edge in /Applications, or set "
            f'{BROWSER_VARIABLE} (export {BROWSER_VARIABLE}="/Applications/Google Chrome.app/'
            f'Contents/MacOS/Google Chrome")'
        )
    return (
        f"install it (e.g. apt-get install chromium) or set {BROWSER_VARIABLE} "
        f"(export {BROWSER_VARIABLE}=/path/to/chrome)"
    )
