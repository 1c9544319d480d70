"""One error, one status, whichever route meets it: /sparql, the pages and /update answer a library error with the
status `server.errors.ERROR_STATUS` gives its type (a store that cannot be reached: 503 on /sparql and the pages,
with Retry-After; a query the parser rejects: 400 on all three; an allow-listed SERVICE endpoint that fails: 502)."""
from __future__ import annotations

import socket

import pytest

from kg.errors import EcoKGError, QueryError, StoreError
from kg.stores.interface import (ForbiddenQuery, QuerySyntaxError, QueryTimeout, QueryTooLarge, ServerBusy,
                                 ServiceFailure, ServiceTimeout)
from kg.stores import open_store
from kg.stores.remote import RemoteStore
from server.app import create_app
from server.errors import ERROR_STATUS, status_for

TOKEN = "test-update-token-5c1d-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def unreachable(settings, built):
    """The app over a remote store whose endpoint nothing listens on (a remote store takes no updates: 501)."""
    absent = RemoteStore(settings, f"http://127.0.0.1:{_closed_port()}/sparql")
    return create_app(settings, store=absent).test_client()


def test_an_unreachable_store_is_503_with_retry_after_on_sparql_and_the_pages(unreachable):
    answers = {
        "/sparql": unreachable.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}),
        "query page": unreachable.get("/", query_string={"query": "ASK { ?s ?p ?o }"},
                                      headers={"Accept": "text/html"}),
        "entity page": unreachable.get("/id/Pakistan", headers={"Accept": "text/html"}),
    }
    statuses = {route: answer.status_code for route, answer in answers.items()}
    assert statuses == dict.fromkeys(answers, 503)
    for route, answer in answers.items():
        assert "could not be reached" in answer.get_data(as_text=True), route
        assert "Traceback" not in answer.get_data(as_text=True), route
    assert answers["/sparql"].headers["Retry-After"] == answers["entity page"].headers["Retry-After"] == "5"


@pytest.mark.slow
def test_a_query_the_parser_rejects_is_400_on_sparql_the_query_page_and_update(settings, built):
    app_settings = settings.with_(store="oxigraph", update_enabled=True, update_token=TOKEN, update_journal="")
    client = create_app(app_settings, open_store(app_settings)).test_client()
    assert client.get("/sparql", query_string={"query": "SELECT WHERE {"}).status_code == 400
    assert client.get("/", query_string={"query": "SELECT WHERE {"},
                      headers={"Accept": "text/html"}).status_code == 400
    assert client.post("/update", data="INSERT DATA {", headers=AUTH).status_code == 400


@pytest.mark.slow
def test_an_allowed_service_that_fails_is_502_on_sparql_and_the_query_page(settings, built):
    endpoint = f"http://127.0.0.1:{_closed_port()}/sparql"
    app_settings = settings.with_(store="oxigraph", service_allowlist=(endpoint,))
    client = create_app(app_settings, open_store(app_settings)).test_client()
    query = f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
    answers = [client.get("/sparql", query_string={"query": query}),
               client.get("/", query_string={"query": query}, headers={"Accept": "text/html"})]
    assert [answer.status_code for answer in answers] == [502, 502]


@pytest.mark.parametrize("error, status", [
    (QuerySyntaxError("x"), 400), (ForbiddenQuery("x"), 400), (QueryError("x"), 400), (EcoKGError("x"), 400),
    (QueryTimeout("x"), 503), (ServerBusy("x"), 503), (QueryTooLarge("x"), 503), (StoreError("x"), 503),
    (ServiceFailure("x"), 502), (ServiceTimeout("x"), 504)])
def test_the_table_gives_each_library_error_its_status(error, status):
    assert status_for(error) == status


def test_the_table_lists_a_subclass_before_its_base():
    kinds = [kind for kind, _status in ERROR_STATUS]
    for later, kind in enumerate(kinds):
        assert not any(issubclass(sub, kind) for sub in kinds[later + 1:] if sub is not kind), kind
