"""SERVICE against a real second SPARQL endpoint on 127.0.0.1: a second instance of this server
holding a small fixture, allow-listed by its exact URL, joined with the interview's graph; and the
refusals, checked against a listening server on 127.0.0.2 that must never be called."""
from __future__ import annotations

import pytest
import requests
from rdflib import Dataset, Literal, URIRef

from kg.namespaces import ID
from liveserver import LiveServer
from kg.stores import ForbiddenQuery, ServiceFailure, open_store
from server.app import create_app
from sparql_results import table

EX = "http://example.org/capitals#"


def capitals() -> Dataset:
    dataset = Dataset(default_union=True)
    graph = dataset.graph(URIRef("http://example.org/capitals"))
    graph.add((URIRef(f"{ID}Pakistan"), URIRef(EX + "capital"), Literal("Islamabad")))
    graph.add((URIRef(f"{ID}Iran"), URIRef(EX + "capital"), Literal("Tehran", lang="en")))
    graph.add((URIRef("http://example.org/Atlantis"), URIRef(EX + "capital"), Literal("Poseidonia")))
    return dataset


class Recorder:
    """WSGI middleware that remembers the requests an app receives."""

    def __init__(self, app):
        self.app = app
        self.requests: list[str] = []

    def __call__(self, environ, start_response):
        self.requests.append(environ.get("REQUEST_METHOD", "") + " " + environ.get("PATH_INFO", ""))
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def remote(settings):
    """A second ECO-KG endpoint serving only the capitals fixture."""
    remote_settings = settings.with_(service_allowlist=())
    app = Recorder(create_app(remote_settings, open_store(remote_settings, capitals())))
    with LiveServer(app) as server:
        server.recorder = app
        yield server


@pytest.fixture(scope="module")
def bystander():
    """A server on 127.0.0.2 (loopback, but not allow-listed) that must never be called."""
    app = Recorder(lambda environ, start: start("200 OK", [("Content-Type", "text/plain")]) or [b"ok"])
    try:
        server = LiveServer(app, host="127.0.0.2")
    except OSError:
        pytest.skip("127.0.0.2 cannot be bound here")
    with server:
        server.recorder = app
        yield server


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def federating(request, settings, remote, built):
    local = settings.with_(store=request.param, service_allowlist=(remote.url + "/sparql",), service_timeout=5.0)
    return open_store(local)


def federated_query(endpoint: str, silent: str = "") -> str:
    return (f"SELECT ?label ?capital WHERE {{ ?state a eco:State ; rdfs:label ?label . "
            f"FILTER(lang(?label) = 'en') SERVICE {silent} <{endpoint}> {{ ?state <{EX}capital> ?capital }} }} "
            "ORDER BY ?label")


@pytest.mark.slow
def test_federated_query_joins_our_states_with_the_remote_capitals(federating, remote):
    before = len(remote.recorder.requests)
    result = federating.query(federated_query(remote.url + "/sparql"))
    assert [(str(label), str(capital)) for label, capital in result.rows] == [("Iran", "Tehran"), ("Pakistan", "Islamabad")]
    assert result.rows[0][1].language == "en"  # terms keep their language tags across the hop
    assert len(remote.recorder.requests) == before + 1


@pytest.mark.slow
def test_federated_query_through_our_http_endpoint(settings, remote, federating):
    app = create_app(settings.with_(service_allowlist=(remote.url + "/sparql",)), federating)
    with LiveServer(app) as server:
        response = requests.get(server.url + "/sparql", params={"query": federated_query(remote.url + "/sparql")},
                                headers={"Accept": "text/csv"}, timeout=30)
        assert response.status_code == 200, response.text
        assert table(response)[1] == [{"label": "Iran", "capital": "Tehran"}, {"label": "Pakistan", "capital": "Islamabad"}]
        refused = requests.get(server.url + "/sparql", params={
            "query": "SELECT * { SERVICE <http://127.0.0.2/sparql> { ?s ?p ?o } }"}, timeout=30)
        assert refused.status_code == 400
        assert "not an allowed endpoint" in refused.text


def test_only_the_exact_allow_listed_iri_is_called(federating, remote):
    for near_miss in [remote.url + "/sparql/", remote.url + "/sparql?x=1", remote.url.replace("127.0.0.1", "localhost") + "/sparql"]:
        with pytest.raises(ForbiddenQuery, match="not an allowed endpoint"):
            federating.query(federated_query(near_miss))


def test_silent_service_that_fails_is_one_empty_solution(settings, built):
    dead = "http://127.0.0.1:9/sparql"  # discard port: nothing answers
    store = open_store(settings.with_(service_allowlist=(dead,), service_timeout=2.0))
    result = store.query(f"SELECT ?s {{ <{ID}Pakistan> a ?s SERVICE SILENT <{dead}> {{ ?a ?b ?c }} }}")
    assert URIRef("https://w3id.org/eco-kg/ontology/State") in {row[0] for row in result.rows}
    with pytest.raises(ServiceFailure, match="could not be reached"):
        store.query(f"SELECT * {{ SERVICE <{dead}> {{ ?a ?b ?c }} }}")


def test_failing_service_answers_502_over_http(settings, built):
    dead = "http://127.0.0.1:9/sparql"
    app = create_app(settings.with_(service_allowlist=(dead,), service_timeout=2.0))
    response = app.test_client().get("/sparql", query_string={"query": f"SELECT * {{ SERVICE <{dead}> {{ ?a ?b ?c }} }}"})
    assert response.status_code == 502
    assert "could not be reached" in response.get_data(as_text=True)


@pytest.mark.parametrize("template", [
    "SELECT * {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * {{ BIND(<{url}/sparql> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * FROM <{url}/data.ttl> {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}/data.ttl> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "LOAD <{url}/data.ttl>",
])
def test_refused_targets_are_never_contacted(federating, bystander, template):
    query = template.format(url=bystander.url)
    if query.startswith("SELECT * FROM"):  # a graph the dataset does not hold is empty, not fetched
        assert federating.query(query).rows == []
    else:
        with pytest.raises(ForbiddenQuery):
            federating.query(query)
    assert bystander.recorder.requests == []


@pytest.mark.slow
def test_a_redirect_from_an_allowed_endpoint_is_not_followed(settings, bystander, built):
    """An allow-listed endpoint cannot send the server on to somewhere else."""
    def redirector(environ, start_response):
        start_response("307 Temporary Redirect", [("Location", bystander.url + "/sparql")])
        return [b""]

    with LiveServer(redirector) as hop:
        store = open_store(settings.with_(service_allowlist=(hop.url + "/sparql",), service_timeout=2.0))
        with pytest.raises(ServiceFailure, match="HTTP 307"):
            store.query(f"SELECT * {{ SERVICE <{hop.url}/sparql> {{ ?s ?p ?o }} }}")
    assert bystander.recorder.requests == []
