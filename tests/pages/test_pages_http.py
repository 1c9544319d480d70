"""The pages over real HTTP on 127.0.0.1: content negotiation read back with rdflib, headers,
the query page and the picture, as a Linked Data client sees them."""
from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from pagehtml import SOURCE_SLUG
from kg.namespaces import BASE, ECO, ONTOLOGY_IRI

FORMATS = [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
           ("application/n-triples", "nt"), ("application/rdf+xml", "xml")]


def fetch(url: str, accept: str = "text/html"):
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.parametrize("accept,parser", FORMATS)
@pytest.mark.parametrize("path", ["/id/Pakistan", "/id/claim/pk-receptive-thematic-working-groups",
                                  f"/id/source/{SOURCE_SLUG}", "/ontology/Corridor"])
def test_conneg_over_http_parses_back(live, path, accept, parser):
    status, headers, body = fetch(live.url + path, accept)
    assert status == 200
    assert headers.get_content_type() == accept
    assert headers["Vary"] == "Accept"
    assert headers["Content-Location"].startswith(path + "?format=")
    assert 'rel="alternate"' in headers["Link"]
    graph = Graph().parse(data=body, format=parser)
    assert (URIRef(BASE + path.lstrip("/")), None, None) in graph


def test_rdflib_dereferences_a_page_by_itself(live):
    """rdflib's own fetch (its Accept header, no format given) gets RDF, not HTML."""
    graph = Graph()
    graph.parse(live.url + "/id/Pakistan")
    assert (URIRef(BASE + "id/Pakistan"), RDF.type, ECO.State) in graph


def test_ontology_over_http(live):
    status, headers, body = fetch(live.url + "/ontology", "text/turtle")
    assert status == 200 and headers["Vary"] == "Accept"
    graph = Graph().parse(data=body, format="turtle")
    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in graph
    assert (ECO.State, RDF.type, OWL.Class) in graph
    status, headers, body = fetch(live.url + "/ontology", "text/html")
    assert status == 200 and b"Classes" in body and b'href="/ontology/State"' in body


def test_unknown_iri_is_404_over_http(live):
    status, headers, body = fetch(live.url + "/id/Atlantis")
    assert status == 404 and headers.get_content_type() == "text/html" and b"Atlantis" in body


@pytest.mark.parametrize("path", ["/no/route/serves/this", "/favicon-missing.ico"])
def test_an_address_no_route_serves_is_the_sites_error_page_or_plain_text(live, path):
    status, headers, body = fetch(live.url + path, "text/html")
    page = body.decode("utf-8")
    assert status == 404 and headers.get_content_type() == "text/html"
    assert 'name="viewport"' in page and f"nothing is served at {path}" in page and 'href="/"' in page
    status, headers, body = fetch(live.url + path, "text/plain")
    assert (status, headers.get_content_type(), body) == (404, "text/plain", f"nothing is served at {path}\n".encode())


def test_a_method_a_page_does_not_take_is_405_naming_the_ones_it_does(live):
    request = urllib.request.Request(live.url + "/graph", method="DELETE", headers={"Accept": "text/plain"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=20)
    assert refused.value.code == 405 and refused.value.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert refused.value.read() == b"DELETE is not accepted at /graph\n"


def test_query_page_and_picture_over_http(live):
    status, headers, body = fetch(live.url + "/?name=eco-member-states")
    assert status == 200 and b'href="/id/Pakistan"' in body
    status, headers, body = fetch(live.url + "/graph.svg", "image/svg+xml")
    assert status == 200 and headers.get_content_type() == "image/svg+xml" and body.startswith(b"<svg")
    status, headers, body = fetch(live.url + "/pages-static/query.js", "*/*")
    assert status == 200 and b"fetch(" in body
