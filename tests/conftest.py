"""Shared fixtures: one build of the real seeds per test session (per xdist worker), in a temporary build
directory; and the hooks that apply to every test: the programs its markers need (`programs.py`), and the
xdist group that keeps the tests sharing an expensive server or build on one worker."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kg.build import build
from kg.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from programs import require_for_markers  # noqa: E402  (tests/ is not a package)

#: session fixtures that start something expensive (a database, a browser, a wheel build): every test
#: using one runs on the same xdist worker, so that each starts once per run
SHARED_RESOURCES = {
    "virtuoso": "virtuoso",
    "browser": "chromium",
    "dists": "packaging",
    "wheelhouse": "packaging",
}


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    """The project's settings with build output redirected to a temporary directory (one per xdist worker)."""
    return Settings().with_(build_dir=tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def built(settings):
    """(BuildResult, {dump name: path}) for the real ontology and seeds."""
    return build(settings)


@pytest.fixture(scope="session")
def dataset(built):
    return built[0].dataset


def xdist_group(item: pytest.Item) -> str | None:
    """The group of tests ``item`` must share a worker with (`--dist loadgroup`), or None: any worker.

    Tests using a `SHARED_RESOURCES` fixture go together; so do the tests of a module with a module-scoped
    fixture (a server started for the module), which would otherwise start once on every worker."""
    names = item.fixturenames
    for fixture, group in SHARED_RESOURCES.items():
        if fixture in names:
            return group
    definitions = getattr(item, "_fixtureinfo", None)
    if definitions is not None:
        for name in names:
            defs = definitions.name2fixturedefs.get(name) or ()
            if defs and defs[-1].scope == "module":
                return item.nodeid.split("::", 1)[0]
    return None


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    if getattr(config.option, "dist", "no") != "loadgroup":
        return
    for item in items:
        group = xdist_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A browser test needs Chromium and ChromeDriver, a reasoner test Java: checked before any fixture
    starts, with the one policy for missing programs (skip outside CI, fail with CI=true)."""
    require_for_markers(item)
