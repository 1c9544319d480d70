"""Fixtures for the remote-store tests: one throwaway Virtuoso per session, loaded with the built dump.

Starts virtuoso-t with its own virtuoso.ini and database in a temporary directory, on free loopback
ports, loads the session's build through isql, and stops it at the end. Never the system service.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kg.errors import StoreError
from kg.stores.remote import RemoteStore
from kg.stores.virtuoso import LocalVirtuoso, load_dataset_into
from kg.stores import open_store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from programs import require_program  # noqa: E402  (tests/ is not a package)


@pytest.fixture(scope="session")
def virtuoso_installed() -> None:
    """virtuoso-t and isql-vt, looked for before the dataset is built for them."""
    require_program("virtuoso-t", "isql-vt")


@pytest.fixture(scope="session")
def virtuoso(virtuoso_installed, tmp_path_factory, settings, built):
    """A running Virtuoso holding the session's built dataset (N-Quads dump)."""
    instance = LocalVirtuoso(tmp_path_factory.mktemp("virtuoso"), dirs_allowed=[settings.build_dir])
    try:
        instance.start(timeout=90)
    except StoreError as error:
        pytest.fail(f"Virtuoso did not start: {error}\n{instance.log_tail()}", pytrace=False)
    try:
        instance.load_report = load_dataset_into(instance.isql, settings.build_dir / "eco-kg.nq")
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="session")
def remote(virtuoso, settings) -> RemoteStore:
    return RemoteStore(settings, virtuoso.sparql_url)


@pytest.fixture(scope="session")
def embedded(settings, built):
    return open_store(settings)
