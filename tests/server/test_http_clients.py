"""The endpoint over real HTTP on 127.0.0.1, through the clients people use: SPARQLWrapper, rdflib's
SPARQLStore and requests; every result and RDF format read back and checked against the interview."""
from __future__ import annotations

import csv
import io

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, TSV, TURTLE, XML, SPARQLWrapper

from kg.namespaces import ECO, GRAPH, ID
from sparql_results import RDF_PARSERS, boolean, graph, media_type, table

STATES = (f"SELECT ?state ?label WHERE {{ ?state a <{ECO}State> ; <{RDFS.label}> ?label "
          "FILTER(lang(?label) = 'en') } ORDER BY ?label")
EXPECTED_STATES = {"Pakistan", "Iran", "Afghanistan", "Turkey", "Turkmenistan"}


def wrapper(live, fmt, method="GET") -> SPARQLWrapper:
    client = SPARQLWrapper(live.url + "/sparql")
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_json_select(live, method):
    client = wrapper(live, JSON, method)
    client.setQuery(STATES)
    bindings = client.queryAndConvert()["results"]["bindings"]
    assert EXPECTED_STATES <= {b["label"]["value"] for b in bindings}
    assert {b["label"]["xml:lang"] for b in bindings} == {"en"}


def test_sparqlwrapper_xml_select(live):
    client = wrapper(live, XML)
    client.setQuery(STATES)
    document = client.queryAndConvert()  # a minidom Document
    values = {node.firstChild.data for node in document.getElementsByTagName("literal")}
    assert EXPECTED_STATES <= values


def test_sparqlwrapper_csv_and_tsv_select(live):
    client = wrapper(live, CSV)
    client.setQuery(STATES)
    rows = list(csv.DictReader(io.StringIO(client.queryAndConvert().decode("utf-8"))))
    assert EXPECTED_STATES <= {row["label"] for row in rows}
    client = wrapper(live, TSV)
    client.setQuery(STATES)
    lines = client.queryAndConvert().decode("utf-8").splitlines()
    assert lines[0] == "?state\t?label"
    assert f'<{ID}Pakistan>\t"Pakistan"@en' in lines


def test_sparqlwrapper_ask_and_construct(live):
    client = wrapper(live, JSON)
    client.setQuery(f"ASK {{ <{ID}Pakistan> a <{ECO}State> }}")
    assert client.queryAndConvert()["boolean"] is True
    client.setQuery(f"ASK {{ <{ID}Pakistan> a <{ECO}Sea> }}")
    assert client.queryAndConvert()["boolean"] is False
    client = wrapper(live, TURTLE)
    client.setQuery(f"CONSTRUCT {{ ?s a <{ECO}State> }} WHERE {{ ?s a <{ECO}State> }}")
    parsed = Graph().parse(data=client.queryAndConvert().decode("utf-8"), format="turtle")
    assert (URIRef(f"{ID}Iran"), RDF.type, URIRef(f"{ECO}State")) in parsed


def test_sparqlwrapper_sees_a_bad_query_as_a_bad_request(live):
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    client = wrapper(live, JSON)
    client.setQuery("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryBadFormed) as caught:
        client.queryAndConvert()
    assert "line 1" in str(caught.value)


def test_rdflib_sparqlstore_reads_the_graph(live):
    remote = Graph(store=SPARQLStore(live.url + "/sparql", returnFormat="json"))
    labels = {str(row.label) for row in remote.query(STATES)}
    assert EXPECTED_STATES <= labels
    assert (URIRef(f"{ID}Pakistan"), RDF.type, URIRef(f"{ECO}State")) in remote
    assert bool(remote.query(f"ASK {{ <{ID}Iran> a <{ECO}State> }}").askAnswer) is True


def test_rdflib_sparqlstore_with_xml_results_and_post(live):
    store = SPARQLStore(live.url + "/sparql", returnFormat="xml", method="POST")
    remote = Graph(store=store)
    labels = {str(row.label) for row in remote.query(STATES)}
    assert EXPECTED_STATES <= labels


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/csv", "text/tab-separated-values"])
def test_requests_select_in_every_result_format(live, accept):
    response = requests.post(live.url + "/sparql", data={"query": STATES}, headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200 and media_type(response) == accept
    variables, rows = table(response)
    assert variables == ["state", "label"]
    assert EXPECTED_STATES <= {row["label"] for row in rows}


@pytest.mark.parametrize("accept", list(RDF_PARSERS))
def test_requests_describe_in_every_rdf_format(live, accept):
    response = requests.get(live.url + "/sparql", params={"query": f"DESCRIBE <{ID}Pakistan>"},
                            headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200 and media_type(response) == accept
    parsed = graph(response)
    assert (URIRef(f"{ID}Pakistan"), RDF.type, URIRef(f"{ECO}State")) in parsed
    assert any(str(o) == "Pakistan" for o in parsed.objects(URIRef(f"{ID}Pakistan"), RDFS.label))


def test_requests_ask_with_a_named_graph(live):
    response = requests.post(live.url + "/sparql", params={"named-graph-uri": GRAPH + "entities"},
                             data=f"ASK {{ GRAPH <{GRAPH}entities> {{ <{ID}Pakistan> a <{ECO}State> }} }}",
                             headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert response.status_code == 200
    assert boolean(response) is True


def test_requests_cors_preflight_over_http(live):
    response = requests.options(live.url + "/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"}, timeout=30)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_service_description_and_void_over_http(live, app):
    description = requests.get(live.url + "/sparql", headers={"Accept": "text/turtle"}, timeout=30)
    parsed = Graph().parse(data=description.text, format="turtle")
    # the configured address (or the public URL) names the endpoint, never the Host the request named
    endpoint = URIRef(app.config["ECOKG_SETTINGS"].service_url + "sparql")
    assert (None, URIRef("http://www.w3.org/ns/sparql-service-description#endpoint"), endpoint) in parsed
    void = requests.get(live.url + "/.well-known/void", headers={"Accept": "application/ld+json"}, timeout=30)
    assert media_type(void) == "application/ld+json"
    parsed = Graph().parse(data=void.text, format="json-ld")
    assert (None, URIRef("http://rdfs.org/ns/void#sparqlEndpoint"), endpoint) in parsed
