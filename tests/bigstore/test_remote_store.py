"""ECO-KG in Virtuoso through `RemoteStore`: the same answers as the embedded store, the same gate.

Every local named query is run through a real Virtuoso and through the embedded pyoxigraph store and
the answers compared as sets of rows; named graphs, the query gate, the HTTP endpoint in front of the
remote store, and the errors a person sees when the store is slow, absent or misconfigured.
"""
from __future__ import annotations


import pytest
import requests
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic

from kg.errors import StoreError
from kg.query import named_queries
from answers import rows_as_strings
from kg.stores.remote import RemoteStore
from kg.stores.virtuoso import VirtuosoIsql, _free_port, load_dataset_into
from kg.stores import ForbiddenQuery, QuerySyntaxError, QueryTimeout
from liveserver import LiveServer
from test_queries import ACROSS_SOURCES
from server.app import create_app

pytestmark = pytest.mark.slow  # a Virtuoso started for the session

LOCAL_QUERIES = [q for q in named_queries() if not q.name.startswith("wikidata-")]
GRAPH = "https://w3id.org/eco-kg/graph/"
XSD_BOOLEAN = URIRef("http://www.w3.org/2001/XMLSchema#boolean")
SOURCE_GRAPH = GRAPH + "source/iran-pakistan-eco-security-interview"

#: answers Virtuoso 7.2 (Debian bookworm) gets wrong, each checked to still be wrong (strict xfail)
VIRTUOSO_DEVIATIONS: dict[str, str] = {}


def booleans(result) -> set[str]:
    return {variable for row in result.rows for variable, term in zip(result.variables, row)
            if isinstance(term, Literal) and term.datatype == XSD_BOOLEAN}


@pytest.mark.parametrize("query", [
    pytest.param(q, marks=pytest.mark.xfail(strict=True, reason=VIRTUOSO_DEVIATIONS[q.name]))
    if q.name in VIRTUOSO_DEVIATIONS else q for q in LOCAL_QUERIES], ids=lambda q: q.name)
def test_named_query_answers_the_same_in_virtuoso(remote, embedded, query):
    expected = embedded.query(query.text)
    answer = remote.query(query.text)
    assert answer.variables == expected.variables
    assert expected.rows or query.name in ACROSS_SOURCES, "the embedded store answers every local named query"
    assert rows_as_strings(answer, query.text, booleans(expected)) == rows_as_strings(expected, query.text)


@pytest.mark.xfail(strict=True, reason="Virtuoso 7.2 answers EXISTS and other boolean expressions as xsd:integer 1/0")
def test_boolean_values_come_back_as_booleans(remote, embedded):
    text = "SELECT (EXISTS {{ ?s ?p ?o }} AS ?any) WHERE {{}}"
    assert remote.query(text).rows == embedded.query(text).rows == [(Literal(True),)]


def test_the_dumps_named_graphs_are_the_remote_dataset(virtuoso, remote, embedded):
    assert [str(g) for g in remote.graph_names()] == virtuoso.load_report.graphs
    assert remote.graph_names() == embedded.graph_names()
    assert SOURCE_GRAPH in virtuoso.load_report.graphs
    assert len(remote) == len(embedded) > 6000


def test_each_named_graph_holds_what_it_holds_embedded(remote, embedded):
    text = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    ours = {str(g) for g in embedded.graph_names()}
    counts = {str(g): int(n) for g, n in remote.query(text).rows if str(g) in ours}
    assert counts == {str(g): int(n) for g, n in embedded.query(text).rows}


@pytest.mark.parametrize("dataset", ["FROM <{g}>", "FROM NAMED <{g}>"])
def test_from_clauses_choose_local_graphs(remote, embedded, dataset):
    text = ("SELECT (COUNT(*) AS ?n) " + dataset.format(g=GRAPH + "ontology")
            + " WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    in_graph = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}ontology> {{ ?s ?p ?o }} }}"
    assert remote.query(text).rows == embedded.query(text).rows == embedded.query(in_graph).rows
    assert int(remote.query(text).rows[0][0]) > 500


def test_a_fixed_graph_list_is_the_whole_dataset(settings, virtuoso, embedded):
    ontology_only = RemoteStore(settings, virtuoso.sparql_url, graphs=[GRAPH + "ontology"])
    assert ontology_only.graph_names() == [URIRef(GRAPH + "ontology")]
    assert len(ontology_only) == int(embedded.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}ontology> {{ ?s ?p ?o }} }}").rows[0][0])
    # a graph outside the store's list is an empty graph, even when the server behind it holds it
    assert ontology_only.query(f"SELECT * FROM <{SOURCE_GRAPH}> WHERE {{ ?s ?p ?o }}").rows == []


def test_construct_and_ask(remote, embedded):
    text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH}metadata> {{ ?s ?p ?o }} }}"
    remote_graph, embedded_graph = remote.query(text).graph, embedded.query(text).graph
    assert len(remote_graph) == len(embedded_graph) > 100
    # Virtuoso 7.2 loads GeoSPARQL WKT literals as its own geometry type and writes their numbers back in
    # single precision: the places' shapes are compared by where they stand, the rest term for term
    wkt = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")
    shapes = [(s, p) for s, p, o in embedded_graph if getattr(o, "datatype", None) == wkt]
    assert shapes and sorted(shapes) == sorted((s, p) for s, p, o in remote_graph if (s, p) in set(shapes))
    for graph in (remote_graph, embedded_graph):
        for s, p in shapes:
            graph.remove((s, p, None))
    assert isomorphic(remote_graph, embedded_graph)
    ask = "PREFIX ecoid: <https://w3id.org/eco-kg/id/> ASK { ecoid:Pakistan ?p ecoid:ECO }"
    assert remote.query(ask).boolean is True
    assert remote.query(ask.replace("Pakistan", "Atlantis")).boolean is False


def test_row_limit_cuts_and_says_so(remote):
    result = remote.query("SELECT ?s WHERE { ?s ?p ?o }", row_limit=7)
    assert len(result.rows) == 7 and result.truncated


@pytest.mark.parametrize("update", [
    "INSERT DATA { GRAPH <https://w3id.org/eco-kg/graph/entities> { <urn:x> <urn:y> <urn:z> } }",
    "DELETE WHERE { ?s ?p ?o }",
    "CLEAR ALL",
])
def test_updates_are_refused_and_change_nothing(remote, embedded, update):
    with pytest.raises(ForbiddenQuery, match="SPARQL Update"):
        remote.query(update)
    assert len(remote) == len(embedded)


def test_a_graph_outside_the_dataset_is_an_empty_graph(remote):
    """Virtuoso's own system graphs are not part of the dataset: naming them shows nothing."""
    assert remote.query("SELECT * FROM <http://www.openlinksw.com/schemas/virtrdf#> WHERE { ?s ?p ?o }").rows == []
    assert remote.query("SELECT * FROM NAMED <http://www.openlinksw.com/schemas/virtrdf#> "
                        "WHERE { GRAPH ?g { ?s ?p ?o } }").rows == []


def test_a_malformed_query_says_where(remote):
    with pytest.raises(QuerySyntaxError) as caught:
        remote.query("SELECT ?s WHERE {\n  ?s ?p \n}")
    assert caught.value.line is not None and "malformed query" in str(caught.value)


def test_the_endpoint_answers_from_virtuoso_over_http(settings, remote):
    app = create_app(settings, store=remote)
    text = next(q.text for q in LOCAL_QUERIES if q.name == "working-group-domains")
    with LiveServer(app) as server:
        answer = requests.post(server.url + "/sparql", data={"query": text}, timeout=30,
                               headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200
    domains = sorted(b[v]["value"] for b in answer.json()["results"]["bindings"] for v in b
                     if b[v].get("type") == "literal")
    assert domains == ["border management", "counter-narcotics", "cyber issues", "disaster response",
                       "maritime safety"]


def test_a_slow_query_times_out_and_the_store_still_answers(remote):
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with pytest.raises(QueryTimeout, match="did not finish within 1 s"):
        remote.query(runaway, timeout=1.0)
    assert remote.query("ASK { ?s ?p ?o }").boolean is True


def test_an_unreachable_store_is_a_clear_store_error(settings):
    absent = RemoteStore(settings, f"http://127.0.0.1:{_free_port()}/sparql")
    with pytest.raises(StoreError, match="could not be reached") as caught:
        absent.query("ASK { ?s ?p ?o }")
    assert "127.0.0.1" in str(caught.value) and "Traceback" not in str(caught.value)


def test_the_endpoint_reports_an_unreachable_store(settings):
    absent = RemoteStore(settings, f"http://127.0.0.1:{_free_port()}/sparql")
    with LiveServer(create_app(settings, store=absent)) as server:
        answer = requests.get(server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert "could not be reached" in answer.text


def test_an_endpoint_that_is_not_a_url_is_refused(settings):
    with pytest.raises(StoreError, match="not an http"):
        RemoteStore(settings, "localhost:8890/sparql")


def test_loading_twice_keeps_one_copy(virtuoso, remote, embedded, settings):
    report = load_dataset_into(virtuoso.isql, settings.build_dir / "eco-kg.trig")
    assert report.graphs == virtuoso.load_report.graphs
    assert len(remote) == len(embedded)


def test_loading_a_dump_that_does_not_parse(virtuoso, tmp_path):
    broken = tmp_path / "eco-kg.nq"
    broken.write_text('<urn:a> <urn:b> "no closing quote <https://w3id.org/eco-kg/graph/x> .\n', encoding="utf-8")
    with pytest.raises(StoreError, match="does not parse") as caught:
        load_dataset_into(virtuoso.isql, broken)
    assert caught.value.file == str(broken.resolve())


def test_loading_a_missing_dump_or_into_no_server(settings, tmp_path):
    with pytest.raises(StoreError, match="no dump to load"):
        load_dataset_into(VirtuosoIsql(), tmp_path / "eco-kg.nq")
    with pytest.raises(StoreError, match="start Virtuoso"):
        load_dataset_into(VirtuosoIsql(port=_free_port()), settings.build_dir / "eco-kg.nq")
