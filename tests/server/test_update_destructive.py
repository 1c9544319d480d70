"""POST /update over real HTTP on 127.0.0.1: an update that empties a curated graph, copies one graph into
another or leaves a node without a label is a 422 with the gate's report and changes nothing; ordinary
edits (one label for another, removing what an update added) are accepted."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests

from kg.namespaces import GRAPH
from kg.stores import open_store
from liveserver import LiveServer
from server.app import create_app
from server.update import OWL_CONFIG
from until_changed import UntilChanged

pytestmark = pytest.mark.slow  # updates run the gate in a child process each; accepted edits start servers of their own

TOKEN = "test-update-token-3f9a-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ENTITIES, BACKGROUND, LINKS = f"<{GRAPH}entities>", f"<{GRAPH}background>", f"<{GRAPH}wikidata-links>"
SOURCE = f"<{GRAPH}source/iran-pakistan-eco-security-interview>"
PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def serve(settings, journal):
    """A server over real HTTP, updates on, on a store of its own: (LiveServer, store), the server started."""
    store = open_store(settings.with_(store="oxigraph"))
    app = create_app(settings.with_(update_enabled=True, update_token=TOKEN, update_journal=str(journal)), store)
    app.config[OWL_CONFIG] = False  # the OWL stage (seconds per update) is not what these tests are about
    return LiveServer(app).start(), store


@pytest.fixture()
def served(settings, built, tmp_path):
    """A server of its own on a store of its own, for a test that changes the store; yields (url, store)."""
    server, store = serve(settings, tmp_path / "journal.jsonl")
    try:
        yield server.url, store
    finally:
        server.stop()
        store.close()


@dataclass
class RefusingServer:
    url: str
    store: object
    server: object
    #: what it served when started: (graph sizes, every quad), read over HTTP (blank node labels differ from
    #: one loaded store to the next)
    baseline: tuple


@pytest.fixture(scope="module")
def unchanged_server(settings, built, tmp_path_factory):
    """One server for the tests whose updates are all refused: starting a server and its store is most of such a
    test's time, and a refused update leaves the store as it was."""
    folder = tmp_path_factory.mktemp("unchanged")

    def make(n: int) -> RefusingServer:
        server, store = serve(settings, folder / f"journal-{n}.jsonl")
        return RefusingServer(server.url, store, server, (graph_sizes(server.url), everything(server.url)))

    def close(made: RefusingServer) -> None:
        made.server.stop()
        made.store.close()

    shared = UntilChanged(make, close)
    yield shared
    shared.discard()


@pytest.fixture()
def refusing(unchanged_server):
    """The shared server as (url, its baseline); a test whose update got through after all (a gate that let it
    pass) fails, and leaves the next test a fresh server rather than its changes."""
    with unchanged_server.unchanged() as made:
        yield made.url, made.baseline


def update(url: str, text: str, *, json: bool = False) -> requests.Response:
    headers = {"Content-Type": "application/sparql-update", **AUTH}
    if json:
        headers["Accept"] = "application/json"
    return requests.post(url + "/update", data=text.encode("utf-8"), headers=headers, timeout=120)


def select(url: str, query: str) -> list[dict]:
    answer = requests.get(url + "/sparql", params={"query": query},
                          headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]["bindings"]


def graph_sizes(url: str) -> dict[str, int]:
    return {row["g"]["value"]: int(row["n"]["value"]) for row in select(url, PER_GRAPH)}


def everything(url: str) -> set[tuple]:
    rows = select(url, "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {tuple(tuple(sorted(row[name].items())) for name in ("g", "s", "p", "o")) for row in rows}


DESTRUCTIVE = [
    pytest.param(f"WITH {ENTITIES} DELETE {{ ?s rdfs:label ?l }} WHERE {{ ?s rdfs:label ?l }}",
                 "label-removed", id="every-entity-label"),
    pytest.param(f"DELETE WHERE {{ GRAPH {ENTITIES} {{ ?s rdfs:label ?l }} }}", "label-removed",
                 id="delete-where-labels"),
    pytest.param(f'DELETE DATA {{ GRAPH {ENTITIES} {{ ecoid:Azerbaijan rdfs:label "Azerbaijan"@en }} }}',
                 "label-removed", id="delete-data-only-label"),
    pytest.param(f"DROP GRAPH {LINKS}", "graph-emptied", id="drop-linkset"),
    pytest.param(f"DROP SILENT GRAPH {ENTITIES}", "graph-emptied", id="drop-entities"),
    pytest.param(f"CLEAR GRAPH {BACKGROUND}", "graph-emptied", id="clear-background"),
    pytest.param(f"DROP GRAPH {SOURCE}", "graph-emptied", id="drop-source"),
    pytest.param(f"CLEAR GRAPH <{GRAPH}metadata>", "graph-emptied", id="clear-metadata"),
    pytest.param(f"DROP GRAPH <{GRAPH}inferred>", "graph-emptied", id="drop-inferred"),
    pytest.param(f"DELETE WHERE {{ GRAPH {BACKGROUND} {{ ?s ?p ?o }} }}", "graph-emptied",
                 id="delete-where-everything"),
    pytest.param(f"ADD {ENTITIES} TO {BACKGROUND}", "graph-copied", id="add"),
    pytest.param(f"COPY {ENTITIES} TO {BACKGROUND}", "graph-copied", id="copy"),
    pytest.param(f"MOVE {BACKGROUND} TO {ENTITIES}", "graph-emptied", id="move"),
    pytest.param(f"INSERT {{ GRAPH {BACKGROUND} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {ENTITIES} {{ ?s ?p ?o }} }}",
                 "graph-copied", id="insert-where-copy"),
    pytest.param(f"INSERT {{ GRAPH {BACKGROUND} {{ ?s rdfs:label ?l }} }} WHERE {{ GRAPH {ENTITIES} "
                 "{ ?s rdfs:label ?l } }", "triple-duplicated", id="labels-duplicated"),
]


@pytest.mark.parametrize("text, rule", DESTRUCTIVE)
def test_a_destructive_update_is_422_with_the_gates_report_and_nothing_changes(refusing, text, rule):
    url, (sizes, before) = refusing

    response = update(url, text)
    assert response.status_code == 422, response.text
    assert "nothing was changed" in response.text and "rejected at stage change" in response.text
    assert f"[change/{rule}]" in response.text and "fix:" in response.text

    response = update(url, text, json=True)
    assert response.status_code == 422, response.text
    report = response.json()
    assert report["ok"] is False and report["failed_stage"] == "change"
    problem = next(p for p in report["problems"] if p["rule_id"] == f"change/{rule}")
    assert problem["message"] and problem["hint"]
    assert graph_sizes(url) == sizes and everything(url) == before


def test_removing_every_label_names_the_entities_left_without_one(refusing):
    url, _baseline = refusing
    response = update(url, f"WITH {ENTITIES} DELETE {{ ?s rdfs:label ?l }} WHERE {{ ?s rdfs:label ?l }}",
                      json=True)
    assert response.status_code == 422, response.text
    problems = response.json()["problems"]
    nodes = {p["node"] for p in problems if p["rule_id"] == "change/label-removed"}
    assert "ecoid:Azerbaijan" in nodes and "ecoid:Pakistan" in nodes
    assert len(nodes) == len(select(url, f"SELECT DISTINCT ?s WHERE {{ GRAPH {ENTITIES} {{ ?s rdfs:label ?l }} }}"))


def test_dropping_the_linkset_names_the_graph_and_its_size(refusing):
    url, _baseline = refusing
    response = update(url, f"DROP GRAPH {LINKS}")
    assert response.status_code == 422, response.text
    assert f"{GRAPH}wikidata-links" in response.text or "graph:wikidata-links" in response.text
    assert str(graph_sizes(url)[f"{GRAPH}wikidata-links"]) in response.text


ACCEPTED = [
    pytest.param([f'DELETE DATA {{ GRAPH {ENTITIES} {{ ecoid:Azerbaijan rdfs:label "Azerbaijan"@en }} }} ;\n'
                  f'INSERT DATA {{ GRAPH {ENTITIES} {{ ecoid:Azerbaijan rdfs:label "Republic of Azerbaijan"@en }} }}'],
                 id="one-label-for-another"),
    pytest.param([f"WITH {ENTITIES} DELETE {{ ecoid:Azerbaijan rdfs:label ?l }} "
                  f'INSERT {{ ecoid:Azerbaijan rdfs:label "Azerbaijan Republic"@en }} '
                  "WHERE { ecoid:Azerbaijan rdfs:label ?l }"], id="relabel-with-where"),
    pytest.param([f'INSERT DATA {{ GRAPH {ENTITIES} {{ ecoid:Pakistan rdfs:label "Pakistan"@de }} }}',
                  f'DELETE DATA {{ GRAPH {ENTITIES} {{ ecoid:Pakistan rdfs:label "Pakistan"@de }} }}'],
                 id="remove-what-was-added"),
    pytest.param([f"DELETE WHERE {{ GRAPH {ENTITIES} {{ ecoid:Pakistan skos:scopeNote ?note }} }}"],
                 id="remove-a-note"),
]


@pytest.mark.parametrize("texts", ACCEPTED)
def test_ordinary_edits_are_accepted(served, texts):
    url, _store = served
    for text in texts:
        response = update(url, text)
        assert response.status_code == 200, response.text
        assert response.text.startswith("ok:")
