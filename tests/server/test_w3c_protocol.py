"""The W3C SPARQL 1.1 Protocol tests (w3c/rdf-tests sparql/sparql11/protocol/manifest.ttl) that apply
to a read-only query service, each with the suite's expectation.

The service holds the suite's graphs http://kasei.us/2009/09/sparql/data/dataN.rdf as local named
graphs (the suite's ut:graphData); it never fetches a dataset IRI from the web. The update tests
that expect 2xx do not apply to a read-only service: here they must be refused with 4xx and leave the
data as it was. Each test runs against both store backends.
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

from sparql_results import boolean, graph, media_type, table

KASEI = "http://kasei.us/2009/09/sparql/data/"
DATA0, DATA1, DATA2, DATA3 = (f"{KASEI}data{n}.rdf" for n in range(4))
BOOLEAN_TYPES = {"application/sparql-results+xml", "application/sparql-results+json"}
TABULAR_TYPES = BOOLEAN_TYPES | {"text/tab-separated-values", "text/csv"}
RDF_TYPES = {"application/rdf+xml", "text/turtle", "application/n-triples", "application/ld+json",
             "application/trig", "application/n-quads"}


@pytest.fixture()
def w3c(w3c_app):
    return w3c_app.test_client()


def ok_boolean(response, expected: bool = True) -> None:
    assert 200 <= response.status_code < 400, response.get_data(as_text=True)
    assert media_type(response) in BOOLEAN_TYPES
    assert boolean(response) is expected


def is_client_error(response) -> bool:
    return 400 <= response.status_code < 500


# ------------------------------------------------------------------ queries that must succeed

def test_query_get(w3c):
    ok_boolean(w3c.get("/sparql?query=ASK%20%7B%7D&default-graph-uri=" + quote(DATA0, safe="")))


def test_query_post_form(w3c):
    ok_boolean(w3c.post("/sparql?default-graph-uri=" + quote(DATA0, safe=""), data="query=ASK%20%7B%7D",
                        content_type="application/x-www-form-urlencoded"))


def test_query_post_direct(w3c):
    ok_boolean(w3c.post("/sparql", data="ASK {}", content_type="application/sparql-query"))


ASK_BOTH_DEFAULT = f"ASK {{ <{DATA1}> a ?type . <{DATA2}> a ?type . }}"
ASK_BOTH_NAMED = f"ASK {{ GRAPH ?g1 {{ <{DATA1}> a ?type }} GRAPH ?g2 {{ <{DATA2}> a ?type }} }}"


def test_query_dataset_default_graphs_get(w3c):
    query = urlencode([("query", ASK_BOTH_DEFAULT), ("default-graph-uri", DATA1), ("default-graph-uri", DATA2)])
    ok_boolean(w3c.get("/sparql?" + query))


def test_query_dataset_default_graphs_post(w3c):
    query = urlencode([("default-graph-uri", DATA1), ("default-graph-uri", DATA2)])
    ok_boolean(w3c.post("/sparql?" + query, data=ASK_BOTH_DEFAULT, content_type="application/sparql-query"))


def test_query_dataset_named_graphs_post(w3c):
    query = urlencode([("named-graph-uri", DATA1), ("named-graph-uri", DATA2)])
    ok_boolean(w3c.post("/sparql?" + query, data=ASK_BOTH_NAMED, content_type="application/sparql-query"))


def test_query_dataset_named_graphs_get(w3c):
    query = urlencode([("query", ASK_BOTH_NAMED), ("named-graph-uri", DATA1), ("named-graph-uri", DATA2)])
    ok_boolean(w3c.get("/sparql?" + query))


def test_query_dataset_full(w3c):
    text = (f"ASK {{\n  <{DATA3}> a ?type\n  GRAPH ?g1 {{ <{DATA1}> a ?type }}\n"
            f"  GRAPH ?g2 {{ <{DATA2}> a ?type }}\n}}")
    query = urlencode([("default-graph-uri", DATA3), ("named-graph-uri", DATA1), ("named-graph-uri", DATA2)])
    ok_boolean(w3c.post("/sparql?" + query, data=text, content_type="application/sparql-query"))


def test_query_multiple_dataset(w3c):
    """The protocol's dataset replaces the query's FROM: data3 is then not the default graph, yet the
    named graphs data1 and data2 are there. (The manifest percent-encodes the second `&named-graph-uri=`
    into the first value; the two parameters are sent as intended.)"""
    text = (f"ASK FROM <{DATA3}> {{ GRAPH ?g1 {{ <{DATA1}> a ?type }} GRAPH ?g2 {{ <{DATA2}> a ?type }} }}")
    query = urlencode([("named-graph-uri", DATA1), ("named-graph-uri", DATA2)])
    ok_boolean(w3c.post("/sparql?" + query, data=text, content_type="application/sparql-query"))
    # and the protocol really did replace FROM: data3 is not in the default graph
    replaced = w3c.post("/sparql?" + query, data=f"ASK FROM <{DATA3}> {{ <{DATA3}> a ?type }}",
                        content_type="application/sparql-query")
    ok_boolean(replaced, expected=False)


def test_query_content_type_select(w3c):
    response = w3c.post("/sparql?default-graph-uri=" + quote(DATA0, safe=""), data="SELECT (1 AS ?value) {}",
                        content_type="application/sparql-query")
    assert response.status_code == 200
    assert media_type(response) in TABULAR_TYPES
    assert table(response) == (["value"], [{"value": "1"}])


def test_query_content_type_ask(w3c):
    response = w3c.post("/sparql?default-graph-uri=" + quote(DATA0, safe=""), data="ASK {}",
                        content_type="application/sparql-query")
    ok_boolean(response)


def test_query_content_type_describe(w3c):
    response = w3c.post("/sparql?default-graph-uri=" + quote(DATA0, safe=""), data="DESCRIBE <http://example.org/>",
                        content_type="application/sparql-query")
    assert response.status_code == 200
    assert media_type(response) in RDF_TYPES
    assert len(graph(response)) == 0  # nothing is known about http://example.org/


def test_query_content_type_construct(w3c):
    response = w3c.post("/sparql?default-graph-uri=" + quote(DATA0, safe=""),
                        data="CONSTRUCT { <s> <p> 1 } WHERE {}", content_type="application/sparql-query")
    assert response.status_code == 200
    assert media_type(response) in RDF_TYPES
    parsed = graph(response)
    assert len(parsed) == 1
    (s, p, o), = parsed
    assert str(o) == "1" and str(s).endswith("/s")  # <s> resolved against the service's base IRI


# ------------------------------------------------------------------ requests that must fail with 4xx

def test_bad_query_method(w3c):
    response = w3c.put("/sparql?query=ASK%20%7B%7D&default-graph-uri=" + quote(DATA0, safe=""),
                       content_type="application/x-www-form-urlencoded")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"] and "POST" in response.headers["Allow"]


def test_bad_multiple_queries(w3c):
    response = w3c.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert response.status_code == 400
    assert "2 times" in response.get_data(as_text=True)


def test_bad_query_wrong_media_type(w3c):
    response = w3c.post("/sparql", data="ASK {}", content_type="text/plain")
    assert response.status_code == 415


def test_bad_query_missing_form_type(w3c):
    response = w3c.post("/sparql", data="query=ASK%20%7B%7D")
    assert is_client_error(response)
    assert "Content-Type" in response.get_data(as_text=True)


def test_bad_query_missing_direct_type(w3c):
    response = w3c.post("/sparql", data="ASK {}")
    assert is_client_error(response)


def test_bad_query_non_utf8(w3c):
    response = w3c.post("/sparql", data="ASK {}".encode("utf-16"),
                        content_type="application/sparql-query; charset=UTF-16")
    assert is_client_error(response)
    assert "UTF-8" in response.get_data(as_text=True)


def test_bad_query_syntax(w3c):
    response = w3c.get("/sparql?query=ASK%20%7B")
    assert response.status_code == 400
    assert "line 1, column" in response.get_data(as_text=True)


# ------------------------------------------------------------------ update tests: refused, data unchanged

UPDATE_REQUESTS = {
    "update_post_form": dict(method="POST", path="/sparql", data="update=CLEAR+ALL",
                             content_type="application/x-www-form-urlencoded"),
    "update_post_direct": dict(method="POST", path="/sparql", data="CLEAR ALL", content_type="application/sparql-update"),
    "update_dataset_default_graph": dict(
        method="POST", path="/sparql?using-graph-uri=" + quote(DATA1, safe=""),
        data=f"CLEAR ALL ; INSERT DATA {{ GRAPH <{DATA1}> {{ <{DATA1}> a <http://xmlns.com/foaf/0.1/Document> }} }}",
        content_type="application/sparql-update"),
    "bad_update_get": dict(method="GET", path="/sparql?update=CLEAR%20ALL"),
    "bad_multiple_updates": dict(method="POST", path="/sparql", data="update=CLEAR%20NAMED&update=CLEAR%20DEFAULT",
                                 content_type="application/x-www-form-urlencoded"),
    "bad_update_wrong_media_type": dict(method="POST", path="/sparql", data="CLEAR NAMED", content_type="text/plain"),
    "bad_update_missing_form_type": dict(method="POST", path="/sparql", data="update=CLEAR%20NAMED"),
    "bad_update_non_utf8": dict(method="POST", path="/sparql", data="CLEAR NAMED".encode("utf-16"),
                                content_type="application/sparql-update; charset=UTF-16"),
    "bad_update_syntax": dict(method="POST", path="/sparql", data="update=CLEAR%20XYZ",
                              content_type="application/x-www-form-urlencoded"),
    "bad_update_dataset_conflict": dict(
        method="POST", path="/sparql?using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople",
        data="PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nWITH <http://example/addresses>\n"
             "DELETE { ?person foaf:givenName 'Bill' }\nINSERT { ?person foaf:givenName 'William' }\n"
             "WHERE { ?person foaf:givenName 'Bill' }",
        content_type="application/sparql-update"),
    "update_as_query_parameter": dict(method="POST", path="/sparql", data="query=CLEAR%20ALL",
                                      content_type="application/x-www-form-urlencoded"),
}


@pytest.mark.parametrize("name", list(UPDATE_REQUESTS))
def test_updates_are_refused_and_change_nothing(w3c, name):
    spec = dict(UPDATE_REQUESTS[name])
    response = w3c.open(spec.pop("path"), **spec)
    assert is_client_error(response), response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain")
    after = w3c.get("/sparql", query_string={"query": f"ASK {{ GRAPH <{DATA1}> {{ <{DATA1}> a ?t }} }}"})
    ok_boolean(after, expected=True)
