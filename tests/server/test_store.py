"""The store backends in process: the same answers from pyoxigraph and rdflib, the dataset rules,
the query gate (updates, FROM, SERVICE), row limit and timeout."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import rdflib.plugins.sparql
from rdflib import URIRef

from kg.namespaces import ECO, GRAPH, ID
from kg.stores import ForbiddenQuery, QuerySyntaxError, QueryTimeout, analyse


def labels(result, column=1) -> set[str]:
    return {str(row[column]) for row in result.rows}


@pytest.mark.slow
def test_ask_pakistan_is_a_state(store):
    assert store.query(f"ASK {{ <{ID}Pakistan> a <{ECO}State> }}").boolean is True
    assert store.query(f"ASK {{ <{ID}Pakistan> a <{ECO}Port> }}").boolean is False


def test_select_states_names_the_interviews_states(store):
    result = store.query("SELECT ?s ?label { ?s a eco:State ; rdfs:label ?label FILTER(lang(?label) = 'en') }")
    assert result.form == "SELECT" and result.variables == ["s", "label"]
    assert {"Pakistan", "Iran", "Afghanistan", "Turkey"} <= labels(result)
    assert URIRef(f"{ID}Iran") in {row[0] for row in result.rows}


def test_backends_agree(oxigraph_store, rdflib_store):
    query = "SELECT ?s ?label { ?s a eco:State ; rdfs:label ?label } ORDER BY ?s ?label"
    assert oxigraph_store.query(query).rows == rdflib_store.query(query).rows
    describe = f"DESCRIBE <{ID}Pakistan>"
    assert set(oxigraph_store.query(describe).graph) == set(rdflib_store.query(describe).graph)
    assert oxigraph_store.graph_names() == rdflib_store.graph_names()
    assert len(oxigraph_store) == len(rdflib_store) > 1000


def test_graph_names_are_the_built_named_graphs(store):
    names = store.graph_names()
    assert URIRef(GRAPH + "entities") in names and URIRef(GRAPH + "metadata") in names
    assert all(str(name).startswith(GRAPH) for name in names)


@pytest.mark.slow
def test_default_graph_is_the_union_and_graph_keeps_them_apart(store):
    everything = store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }").rows[0][0].toPython()
    per_graph = store.query("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").rows
    assert len(per_graph) == len(store.graph_names())
    assert everything >= max(n.toPython() for _, n in per_graph)


def test_from_and_from_named_use_local_graphs(store):
    count = store.query(f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}entities> {{ ?s ?p ?o }}").rows[0][0].toPython()
    whole = store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }").rows[0][0].toPython()
    assert 0 < count < whole
    named = store.query(f"SELECT DISTINCT ?g FROM NAMED <{GRAPH}ontology> {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert [row[0] for row in named.rows] == [URIRef(GRAPH + "ontology")]
    # FROM alone: the dataset has no named graphs
    assert store.query(f"ASK FROM <{GRAPH}entities> {{ GRAPH ?g {{ ?s ?p ?o }} }}").boolean is False


def test_protocol_dataset_replaces_from(store):
    result = store.query(f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}ontology> {{ ?s ?p ?o }}",
                         default_graph_uris=[GRAPH + "entities"])
    entities = store.query(f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}entities> {{ ?s ?p ?o }}")
    assert result.rows == entities.rows


def test_relative_iris_resolve_against_the_base(store):
    assert store.query("ASK { <id/Pakistan> a <ontology/State> }").boolean is True
    assert store.query("ASK { <Pakistan> a ?t }", base_iri=ID).boolean is True
    assert store.query("BASE <https://w3id.org/eco-kg/id/> ASK { <Iran> a ?t }").boolean is True


def test_row_limit_truncates(store):
    result = store.query("SELECT * { ?s ?p ?o }", row_limit=7)
    assert len(result.rows) == 7 and result.truncated and result.row_limit == 7
    small = store.query(f"SELECT ?p {{ <{ID}Pakistan> ?p ?o }} LIMIT 2", row_limit=7)
    assert not small.truncated


@pytest.mark.slow
def test_timeout_raises_a_typed_error(store):
    with pytest.raises(QueryTimeout, match="did not finish within 0.3 s"):
        store.query("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=0.3)
    # the store still answers afterwards
    assert store.query("ASK {}").boolean is True


def test_syntax_errors_say_where(store):
    with pytest.raises(QuerySyntaxError) as caught:
        store.query("SELECT * WHERE {\n  ?s ?p ?o\n  FILTR(?o)\n}")
    assert caught.value.line == 3
    assert "line 3" in str(caught.value)


@pytest.mark.parametrize("update", [
    "INSERT DATA { <a:s> <a:p> <a:o> }", "DELETE WHERE { ?s ?p ?o }", "LOAD <http://example.org/x.ttl>",
    "CLEAR ALL", "DROP GRAPH <https://w3id.org/eco-kg/graph/entities>", "PREFIX ex: <http://ex/>\nCREATE GRAPH ex:g",
    "WITH <a:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "load <http://example.org/x.ttl>",
])
def test_updates_are_refused(store, update):
    before = len(store)
    with pytest.raises(ForbiddenQuery, match="SPARQL Update"):
        store.query(update)
    assert len(store) == before


@pytest.mark.parametrize("query,words", [
    ("SELECT * { SERVICE <http://127.0.0.2/sparql> { ?s ?p ?o } }", "not an allowed endpoint"),
    ("SELECT * { SERVICE <http://127.0.0.2:8000/sparql> { ?s ?p ?o } }", "not an allowed endpoint"),
    ("SELECT * { SERVICE <file:///etc/passwd> { ?s ?p ?o } }", "not an allowed endpoint"),
    ("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "not an allowed endpoint"),
    ("SELECT * { SERVICE <https://query.wikidata.org/sparql/> { ?s ?p ?o } }", "not an allowed endpoint"),
    ("SELECT * { SERVICE SILENT <http://127.0.0.2/sparql> { ?s ?p ?o } }", "not an allowed endpoint"),
    ("SELECT * { ?x a eco:State . SERVICE ?x { ?s ?p ?o } }", "variable SERVICE"),
    ("SELECT * { VALUES ?e { <http://127.0.0.2/sparql> } SERVICE $e { ?s ?p ?o } }", "variable SERVICE"),
    ("PREFIX h: <http://127.0.0.2/> SELECT * { SERVICE h:sparql { ?s ?p ?o } }", "not an allowed endpoint"),
    ("SELECT * { \\u0053ERVICE <http://127.0.0.2/sparql> { ?s ?p ?o } }", "not an allowed endpoint"),
    ("SELECT * { service <http://127.0.0.2/sparql> { ?s ?p ?o } }", "not an allowed endpoint"),
    ("SELECT * { OPTIONAL { { SELECT * { SERVICE <http://127.0.0.2/> { ?s ?p ?o } } } } }", "not an allowed endpoint"),
])
def test_refused_service(store, query, words):
    with pytest.raises(ForbiddenQuery, match=words):
        store.query(query)


@pytest.mark.parametrize("query", [
    "SELECT * FROM <http://127.0.0.2/data.ttl> { ?s ?p ?o }",
    "SELECT * FROM NAMED <file:///etc/hosts> { GRAPH ?g { ?s ?p ?o } }",
    "PREFIX h: <http://127.0.0.2/> SELECT * FROM h:data { ?s ?p ?o }",
])
def test_from_naming_a_graph_the_dataset_lacks_is_an_empty_graph(store, query):
    assert store.query(query).rows == []


def test_protocol_dataset_naming_a_url_is_an_empty_graph(store):
    assert store.query("ASK { ?s ?p ?o }", default_graph_uris=["http://127.0.0.2/data.ttl"]).boolean is False
    assert store.query("ASK { GRAPH ?g { ?s ?p ?o } }", named_graph_uris=["http://127.0.0.2/data.ttl"]).boolean is False


def test_service_words_in_strings_comments_and_names_are_not_service(store):
    query = ('SELECT ?s { # SERVICE <http://127.0.0.2/> { }\n'
             '  ?s rdfs:label ?l FILTER(?l != "SERVICE <http://127.0.0.2/> { ?a ?b ?c }") '
             '  BIND(<http://example.org/service> AS ?service) } LIMIT 1')
    assert len(store.query(query).rows) == 1


class _CountingHandler(BaseHTTPRequestHandler):
    """An HTTP server that counts requests and serves a Turtle graph to anyone who asks."""

    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.path)
        body = b"<http://example.org/s> <http://example.org/p> <http://example.org/o> ."
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture()
def counting_server():
    _CountingHandler.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)  # quick stop
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _CountingHandler.hits
    server.shutdown()
    thread.join(5)


@pytest.mark.slow
def test_from_a_url_that_serves_rdf_is_never_fetched(store, counting_server):
    url, hits = counting_server
    for query in [f"SELECT * FROM <{url}/data.ttl> {{ ?s ?p ?o }}",
                  f"SELECT * FROM NAMED <{url}/data.ttl> {{ GRAPH ?g {{ ?s ?p ?o }} }}"]:
        assert store.query(query).rows == []
    for query in [f"SELECT * {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}", f"LOAD <{url}/data.ttl>"]:
        with pytest.raises(ForbiddenQuery):
            store.query(query)
    assert hits == []
    assert rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is False


def test_analyse_finds_form_dataset_and_services():
    shape = analyse("PREFIX w: <https://query.wikidata.org/>\nSELECT * FROM <a:g> FROM NAMED <a:h> "
                    "{ SERVICE SILENT w:sparql { ?s ?p ?o SERVICE ?x { } } }")
    assert shape.form == "SELECT"
    assert shape.from_default == ["a:g"] and shape.from_named == ["a:h"]
    outer, inner = shape.services
    assert outer.endpoint == "https://query.wikidata.org/sparql" and outer.silent and not outer.nested
    assert inner.endpoint is None and inner.nested
