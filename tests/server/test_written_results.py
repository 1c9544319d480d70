"""The embedded store's answers written by pyoxigraph in the worker: the same results as the terms written
by `kg.results`, for awkward terms too, cut at the row limit, and the fallback where it writes nothing."""
from __future__ import annotations

import csv
import io
import json

import pytest
from rdflib import Graph

from kg import results
from kg.namespaces import ID

# every kind of term a result can hold: IRIs, language tags, datatypes, escapes, blank nodes, unbound
AWKWARD = """SELECT ?a ?b WHERE {
  VALUES (?a ?b) {
    (<https://example.org/x> "tab\\there, newline\\nthere, quote \\" and backslash \\\\"@en)
    ("42"^^<http://www.w3.org/2001/XMLSchema#integer> "plain")
    ("explicit string"^^<http://www.w3.org/2001/XMLSchema#string> UNDEF)
    ("ایران"@fa "CR\\r and comma, in \\"quotes\\"")
  }
}"""

JSON = "application/sparql-results+json"
TSV = "text/tab-separated-values"
CSV = "text/csv"


def test_json_written_by_pyoxigraph_equals_the_terms_written_by_kg_results(oxigraph_store):
    written = oxigraph_store.query(AWKWARD, result_format=JSON)
    assert written.payload is not None and written.payload_type == JSON and written.rows == []
    expected = json.loads(results.results_json(oxigraph_store.query(AWKWARD)))
    assert json.loads(written.payload) == expected
    first = expected["results"]["bindings"][0]["b"]
    assert first == {"type": "literal", "value": 'tab\there, newline\nthere, quote " and backslash \\',
                     "xml:lang": "en"}
    assert "datatype" not in expected["results"]["bindings"][2]["a"]  # xsd:string is a plain literal


@pytest.mark.parametrize("media_type", [TSV, CSV])
def test_tsv_and_csv_read_back_to_the_same_rows(oxigraph_store, media_type):
    written = oxigraph_store.query(AWKWARD, result_format=media_type).payload.decode("utf-8")
    terms = oxigraph_store.query(AWKWARD)
    if media_type == CSV:
        rows = list(csv.reader(io.StringIO(written, newline="")))
        assert rows[0] == ["a", "b"]
        assert rows[1:] == [["" if t is None else str(t) for t in row] for row in terms.rows]
    else:
        lines = written.split("\n")
        assert lines[0] == "?a\t?b" and lines[-1] == ""
        assert lines[1:-1] == ["\t".join(results.tsv_term(t) for t in row) for row in terms.rows]


def test_row_limit_cuts_the_written_answer_and_says_so(oxigraph_store):
    text = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s"
    cut = oxigraph_store.query(text, result_format=JSON, row_limit=7)
    assert cut.truncated and cut.row_limit == 7
    bindings = json.loads(cut.payload)["results"]["bindings"]
    assert [b["s"]["value"] for b in bindings] == [str(row[0]) for row in oxigraph_store.query(text, row_limit=7).rows]
    whole = oxigraph_store.query("SELECT ?s WHERE { VALUES ?s { 1 2 3 } }", result_format=JSON, row_limit=3)
    assert not whole.truncated and len(json.loads(whole.payload)["results"]["bindings"]) == 3


def test_construct_in_turtle_declares_only_the_prefixes_it_uses(oxigraph_store):
    text = f"CONSTRUCT {{ <{ID}Pakistan> ?p ?o }} WHERE {{ <{ID}Pakistan> ?p ?o }}"
    written = oxigraph_store.query(text, result_format="text/turtle")
    turtle = written.payload.decode("utf-8")
    declared = [line.split()[1] for line in turtle.splitlines() if line.startswith("@prefix")]
    assert "ecoid:" in declared and "dcat:" not in declared
    assert set(Graph().parse(data=turtle, format="turtle")) == set(oxigraph_store.query(text).graph)


@pytest.mark.parametrize("media_type", ["text/html", "application/ld+json", "application/rdf+xml"])
def test_formats_pyoxigraph_does_not_write_here_come_back_as_terms(oxigraph_store, media_type):
    form = "SELECT ?s { ?s a ?o } LIMIT 2" if media_type == "text/html" else "CONSTRUCT WHERE { ?s a ?o } LIMIT 2"
    result = oxigraph_store.query(form, result_format=media_type)
    assert result.payload is None
    assert result.rows or result.graph is not None


def test_ask_is_never_written_by_pyoxigraph(oxigraph_store):
    # its CSV/TSV would lack the _askResult column clients read
    assert oxigraph_store.query("ASK {}", result_format=CSV).payload is None


def test_rdflib_backend_ignores_the_request(rdflib_store):
    assert rdflib_store.query("SELECT * { ?s ?p ?o } LIMIT 1", result_format=JSON).payload is None


def test_http_answer_is_pyoxigraphs_bytes(client, oxigraph_store):
    response = client.post("/sparql", data={"query": AWKWARD}, headers={"Accept": JSON})
    assert response.status_code == 200
    assert response.data == oxigraph_store.query(AWKWARD, result_format=JSON).payload
