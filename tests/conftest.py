"""Shared fixtures: one build of the real seeds per test session, in a temporary build directory."""
from __future__ import annotations

import pytest

from kg.build import build
from kg.settings import Settings


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    """The project's settings with build output redirected to a temporary directory."""
    return Settings().with_(build_dir=tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def built(settings):
    """(BuildResult, {dump name: path}) for the real ontology and seeds."""
    return build(settings)


@pytest.fixture(scope="session")
def dataset(built):
    return built[0].dataset
