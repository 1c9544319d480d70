"""Clients as they are, over real HTTP on 127.0.0.1: SPARQLWrapper in every return format with every
query form and method (45 combinations), rdflib's SPARQLStore asking CONSTRUCT as SPARQL results, and a
client outside Python (Comunica's comunica-sparql, from npm)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, RDF as RDF_FORMAT, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from kg.namespaces import ECO, ID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from programs import require_npm  # noqa: E402  (tests/ is not a package)

QUERIES = {
    "SELECT": f"SELECT ?label WHERE {{ <{ID}Pakistan> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}",
    "ASK": f"ASK {{ <{ID}Pakistan> a <{ECO}State> }}",
    "CONSTRUCT": f"CONSTRUCT {{ ?s a <{ECO}State> }} WHERE {{ ?s a <{ECO}State> }}",
    "DESCRIBE": f"DESCRIBE <{ID}Pakistan>",
}
RETURN_FORMATS = [JSON, XML, CSV, TSV, N3, TURTLE, RDF_FORMAT, RDFXML, JSONLD]
FORM_METHODS = [("SELECT", GET), ("SELECT", POST), ("ASK", GET), ("CONSTRUCT", GET), ("DESCRIBE", POST)]


def as_text(converted) -> str:
    if isinstance(converted, Graph):
        return converted.serialize(format="nt")
    if isinstance(converted, bytes):
        return converted.decode("utf-8")
    if hasattr(converted, "toxml"):
        return converted.toxml()
    return json.dumps(converted)


@pytest.mark.parametrize("form, method", FORM_METHODS)
@pytest.mark.parametrize("return_format", RETURN_FORMATS)
def test_sparqlwrapper_every_format_form_and_method(live, return_format, form, method):
    client = SPARQLWrapper(live.url + "/sparql")
    client.setReturnFormat(return_format)
    client.setMethod(method)
    client.setQuery(QUERIES[form])
    text = as_text(client.query().convert())
    if form == "ASK":
        assert "true" in text
    elif form == "SELECT":
        assert "Pakistan" in text
    else:
        assert f"{ID}Pakistan" in text or "Pakistan" in text


@pytest.mark.parametrize("returnFormat", ["json", "xml"])
def test_rdflib_sparqlstore_construct_asked_as_sparql_results(live, returnFormat):
    store = SPARQLStore(live.url + "/sparql", returnFormat=returnFormat)
    graph = Graph(store=store)
    result = graph.query(QUERIES["CONSTRUCT"])
    triples = set(result)
    assert (URIRef(f"{ID}Pakistan"), RDF.type, URIRef(f"{ECO}State")) in triples
    assert len(triples) == 12


def comunica(live, query: str, media_type: str) -> subprocess.CompletedProcess:
    binary = require_npm("@comunica/query-sparql", ".bin/comunica-sparql")
    return subprocess.run([str(binary), f"sparql@{live.url}/sparql", query, "-t", media_type],
                          capture_output=True, text=True, timeout=180, env={**os.environ, "NO_COLOR": "1"})


@pytest.mark.slow
def test_comunica_select_through_the_endpoint(live):
    completed = comunica(live, QUERIES["SELECT"], "application/sparql-results+json")
    assert completed.returncode == 0, completed.stderr[-2000:]
    labels = {row["label"]["value"] for row in json.loads(completed.stdout)["results"]["bindings"]}
    assert "Pakistan" in labels


@pytest.mark.slow
def test_comunica_construct_through_the_endpoint(live):
    completed = comunica(live, QUERIES["CONSTRUCT"], "application/n-triples")
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert f"<{ID}Pakistan> <{RDF.type}> <{ECO}State> ." in completed.stdout
