"""Every route that answers RDF chooses the same format for the same Accept header and writes the same graph the
same way: /sparql, the pages and the ontology share one registry of formats, one negotiation and one writer each."""
from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.namespaces import ONTOLOGY_GRAPH

ONTOLOGY_QUERY = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"
ENTITY_QUERY = "DESCRIBE <https://w3id.org/eco-kg/id/Pakistan>"
ROUTES = {
    "sparql-construct": "/sparql?" + urllib.parse.urlencode({"query": ONTOLOGY_QUERY}),
    "sparql-describe": "/sparql?" + urllib.parse.urlencode({"query": ENTITY_QUERY}),
    "ontology": "/ontology",
    "entity page": "/id/Pakistan",
    "void": "/.well-known/void",
}
#: Accept header -> the media type every RDF route answers with it
ACCEPTED = {
    "text/turtle": "text/turtle",
    "application/ld+json": "application/ld+json",
    "application/n-triples": "application/n-triples",
    "application/rdf+xml": "application/rdf+xml",
    "application/trig": "application/trig",
    "application/n-quads": "application/n-quads",
    "text/plain": "application/n-triples",
    "application/json": "application/ld+json",
    "text/n3": "text/turtle",
    "application/x-turtle": "text/turtle",
    "text/turtle;q=0.5, application/n-triples": "application/n-triples",
    "application/ld+json;q=0.9, text/turtle;q=0.8, */*;q=0.1": "application/ld+json",
    "application/*;q=0.2, text/turtle;q=0.3": "text/turtle",
}
#: the same ontology graph in each RDF format, from /ontology and from a CONSTRUCT of its named graph
RDF_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
               "application/rdf+xml": "xml"}


def fetch(url: str, accept: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


@pytest.mark.parametrize("accept", list(ACCEPTED))
@pytest.mark.parametrize("route", list(ROUTES))
def test_each_route_answers_the_same_media_type(live, route, accept):
    status, content_type, _body = fetch(live.url + ROUTES[route], accept)
    assert status == 200
    assert content_type.split(";")[0] == ACCEPTED[accept], (route, accept, content_type)


@pytest.mark.parametrize("media_type", list(RDF_FORMATS))
def test_ontology_page_and_construct_give_the_same_graph(live, media_type):
    _s, _t, page = fetch(live.url + ROUTES["ontology"], media_type)
    _s, _t, answer = fetch(live.url + ROUTES["sparql-construct"], media_type)
    from_page = Graph().parse(data=page, format=RDF_FORMATS[media_type])
    from_query = Graph().parse(data=answer, format=RDF_FORMATS[media_type])
    assert len(from_page) > 100
    assert isomorphic(from_page, from_query)


def test_json_ld_is_written_one_way(live):
    """The same graph as JSON-LD from the ontology route and from /sparql: the same context, the same compaction."""
    _s, _t, page = fetch(live.url + ROUTES["ontology"], "application/ld+json")
    _s, _t, answer = fetch(live.url + ROUTES["sparql-construct"], "application/ld+json")
    from_page, from_query = json.loads(page), json.loads(answer)
    assert from_page["@context"] == from_query["@context"]
    assert "eco" in from_query["@context"]  # the project's prefixes, so that it reads like the Turtle
    assert sorted(from_page) == sorted(from_query)
    assert len(from_page["@graph"]) == len(from_query["@graph"])


STATES = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?state ?label WHERE { GRAPH ?g1 { ?state org:memberOf <https://w3id.org/eco-kg/id/ECO> }
  GRAPH ?g2 { ?state rdfs:label ?label } } ORDER BY ?label"""


def _results_table(html: str) -> str:
    start = html.index('<table class="results">')
    return html[start:html.index("</table>", start) + len("</table>")]


def test_sparql_html_and_the_query_page_show_the_same_table(live):
    """A browser following a query link to /sparql and the query page running it show one table, written once."""
    query = urllib.parse.urlencode({"query": STATES})
    _s, content_type, answer = fetch(f"{live.url}/sparql?{query}", "text/html")
    _s, _t, page = fetch(f"{live.url}/?{query}", "text/html")
    assert content_type.startswith("text/html")
    answer, page = answer.decode("utf-8"), page.decode("utf-8")
    assert _results_table(answer) == _results_table(page)
    assert 'href="/id/Pakistan"' in _results_table(answer)  # the dataset's own IRIs open their pages here


SELECT_QUERY = "/sparql?" + urllib.parse.urlencode({"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"})


@pytest.mark.parametrize(("path", "accept", "expected"), [
    # a media range the client refuses (q=0) stays refused, whatever wildcard comes beside it
    (ROUTES["sparql-construct"], "text/turtle;q=0, text/*", "application/n-triples"),
    (SELECT_QUERY, "application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
    (ROUTES["entity page"], "text/html;q=0, */*;q=0.1", "text/turtle"),
    (ROUTES["ontology"], "text/html;q=0, application/xhtml+xml;q=0, */*;q=0.1", "text/turtle"),
    # the most specific range sets a type's quality: Turtle at 0.1 loses to other text at 0.5
    (ROUTES["sparql-construct"], "text/*;q=0.5, text/turtle;q=0.1", "application/n-triples"),
    (ROUTES["entity page"], "text/*;q=0.5, text/html;q=0.2, text/turtle;q=0.1", "application/n-triples"),
])
def test_the_most_specific_media_range_decides(live, path, accept, expected):
    status, content_type, _body = fetch(live.url + path, accept)
    assert status == 200 and content_type.split(";")[0] == expected, (path, accept, content_type)
