"""The pages through the Flask test client: every route and representation, content negotiation,
evidence highlighting checked against the built data, errors, escaping and the graph picture."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from pagehtml import SOURCE_SLUG, local
from kg.namespaces import BASE, ECO, ONTOLOGY_IRI
from kg.query import named_queries
from kg.settings import Settings
from pagehtml import links, texts

CLAIM = BASE + "id/claim/pk-receptive-thematic-working-groups"
RESOURCES = [
    BASE + "id/Pakistan",
    BASE + "id/ECO",
    BASE + "id/ChinaPakistanEconomicCorridor",
    BASE + "id/domain/BorderManagement",
    BASE + "id/modality/Proposed",
    CLAIM,
    BASE + "id/source/" + SOURCE_SLUG,
    BASE + "id/source/" + SOURCE_SLUG + "/p3",
    BASE + "ontology/State",
    BASE + "ontology/holder",
    BASE + "graph/entities",
    BASE + "dataset",
]
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


@pytest.mark.parametrize("iri", RESOURCES)
def test_resource_page_is_html_with_its_label_and_links(client, iri):
    response = client.get(local(iri), headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Vary"] == "Accept"
    assert response.headers["Content-Location"] == local(iri) + "?format=html"
    page = response.get_data(as_text=True)
    assert f"<code>{iri}</code>" in page
    assert 'rel="alternate" type="text/turtle"' in page
    assert any(h.startswith("/") for h in links(page))


@pytest.mark.parametrize("media_type,parser", sorted(RDF_TYPES.items()))
@pytest.mark.parametrize("iri", RESOURCES)
def test_resource_negotiates_rdf_that_parses_back(client, iri, media_type, parser):
    response = client.get(local(iri), headers={"Accept": media_type})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == media_type
    assert response.headers["Vary"] == "Accept"
    key = {"turtle": "turtle", "json-ld": "jsonld", "nt": "ntriples", "xml": "rdfxml"}[parser]
    assert response.headers["Content-Location"] == f"{local(iri)}?format={key}"
    graph = Graph().parse(data=response.get_data(as_text=True), format=parser)
    subject = URIRef(iri)
    assert (subject, None, None) in graph or (None, None, subject) in graph
    # the same representation is reachable at the Content-Location named for it
    again = client.get(response.headers["Content-Location"])
    assert again.status_code == 200 and again.mimetype == media_type


def test_description_holds_both_directions(client, dataset):
    graph = Graph().parse(data=client.get("/id/Pakistan", headers={"Accept": "text/turtle"}).get_data(as_text=True),
                          format="turtle")
    pakistan = URIRef(BASE + "id/Pakistan")
    assert (pakistan, RDF.type, ECO.State) in graph
    assert (URIRef(CLAIM), ECO.holder, pakistan) in graph  # incoming link
    expected_out = {(p, o) for p, o in dataset.predicate_objects(pakistan)}
    assert expected_out <= set(graph.predicate_objects(pakistan))


@pytest.mark.parametrize("fmt,media_type", [("turtle", "text/turtle"), ("ttl", "text/turtle"),
                                             ("jsonld", "application/ld+json"), ("nt", "application/n-triples"),
                                             ("rdfxml", "application/rdf+xml"), ("html", "text/html")])
def test_format_parameter_overrides_accept(client, fmt, media_type):
    response = client.get(f"/id/Iran?format={fmt}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == media_type


@pytest.mark.parametrize("accept,media_type", [
    ("*/*", "text/html"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("text/turtle;q=0.9, application/ld+json;q=0.5", "text/turtle"),
    ("application/ld+json, text/turtle;q=0.5", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("text/plain", "application/n-triples"),
])
def test_accept_header_quality_decides(client, accept, media_type):
    response = client.get("/id/Iran", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type


def test_no_accept_header_gets_html(client):
    response = client.get("/id/Iran", headers={"Accept": ""})
    assert response.status_code == 200 and response.mimetype == "text/html"


@pytest.mark.parametrize("path,accept,status,mimetype,words", [
    ("/id/NoSuchThing", "text/html", 404, "text/html", "nothing is known"),
    ("/id/NoSuchThing", "text/turtle", 404, "text/plain", "nothing is known"),
    ("/ontology/NoSuchTerm", "text/html", 404, "text/html", "nothing is known"),
    ("/graph/no-such-graph", "text/html", 404, "text/html", "nothing is known"),
    ("/id/Pakistan", "image/png", 406, "text/plain", "text/turtle"),
    ("/id/Pakistan?format=docx", "text/html", 400, "text/html", "unknown format"),
    ("/id/a%3Eb%20c", "text/html", 404, "text/html", "not a usable IRI"),
    ("/id/a%22%7D%20UNION", "text/html", 404, "text/html", "not a usable IRI"),
    ("/ontology?format=docx", "text/html", 400, "text/html", "unknown format"),
    ("/?name=no-such-query", "text/html", 404, "text/html", "no named query"),
    ("/?query=SELECT+WHERE+%7B", "text/html", 400, "text/html", "could not run"),
    ("/?query=+", "text/html", 400, "text/html", "empty"),
])
def test_bad_input_gets_a_clear_message_and_status(client, path, accept, status, mimetype, words):
    response = client.get(path, headers={"Accept": accept})
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:500]
    assert response.mimetype == mimetype
    assert words in body
    assert "Traceback" not in body


def test_claim_page_marks_the_exact_words(client, facts):
    exacts = [e for c, e, *_ in facts["evidence"] if c == CLAIM]
    assert exacts
    page = client.get(local(CLAIM)).get_data(as_text=True)
    assert texts(page, "mark", "evidence") == exacts
    assert "Answer, paragraph" in page


def test_every_claim_page_marks_its_evidence(client, facts):
    by_claim: dict[str, list[str]] = {}
    for claim, exact, *_ in facts["evidence"]:
        by_claim.setdefault(claim, []).append(exact)
    assert len(by_claim) >= 2
    for claim, exacts in by_claim.items():
        page = client.get(local(claim)).get_data(as_text=True)
        assert sorted(texts(page, "mark", "evidence")) == sorted(exacts), claim


def test_entity_page_lists_its_claims_with_evidence_and_its_mentions(client, facts):
    page = client.get("/id/Pakistan").get_data(as_text=True)
    hrefs = set(links(page))
    for claim in facts["pakistan_claims"]:
        assert local(claim) in hrefs
    marked = texts(page, "mark", "evidence")
    exacts = {e for c, e, *_ in facts["evidence"] if c in facts["pakistan_claims"]}
    assert exacts <= set(marked)
    mentions = texts(page, "mark", "mention")
    assert len(mentions) >= len(facts["pakistan_mentions"])
    assert {m for m, _ in facts["pakistan_mentions"]} == set(mentions)
    assert f'{facts["pakistan_mentions_counted"]}×' in page


def test_source_page_tells_questions_from_answers(client, facts):
    page = client.get(f"/id/source/{SOURCE_SLUG}").get_data(as_text=True)
    assert page.count('class="seg-block seg-question"') == facts["segments"]["Question"]
    assert page.count('class="seg-block seg-answer"') == facts["segments"]["Answer"]
    # every claim's evidence is marked in the text and linked to its claim
    marked = texts(page, "mark", "evidence")
    for _claim, exact, *_ in facts["evidence"]:
        assert any(exact in m for m in marked), exact
    assert len(marked) <= len(facts["evidence"])
    assert {local(c) for c, *_ in facts["evidence"]} <= set(links(page))
    assert 'class="mention" href="/id/Pakistan"' in page


def test_evidence_annotation_page_shows_the_selected_words(client, facts):
    claim, exact, _s, _e, annotation = next(f for f in facts["evidence"] if f[0] == CLAIM)
    page = client.get(local(annotation)).get_data(as_text=True)
    assert exact in texts(page, "mark", "evidence")
    assert local(claim) in links(page)


def test_ontology_page_documents_every_class_and_property(client, facts):
    response = client.get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.headers["Vary"] == "Accept"
    page = response.get_data(as_text=True)
    hrefs = set(links(page))
    for cls in facts["classes"]:
        assert local(cls) in hrefs, cls
    assert "A sovereign state taken as a political actor" in page
    row = page[page.index('id="holder"'):]
    row = row[:row.index("</tr>")]
    assert "/ontology/Claim" in row and "/ontology/Actor" in row  # domain and range


@pytest.mark.parametrize("media_type,parser", sorted(RDF_TYPES.items()))
def test_ontology_iri_serves_the_ontology(client, dataset, media_type, parser):
    response = client.get("/ontology", headers={"Accept": media_type})
    assert response.status_code == 200 and response.mimetype == media_type
    graph = Graph().parse(data=response.get_data(as_text=True), format=parser)
    from kg.namespaces import ONTOLOGY_GRAPH
    assert len(graph) == len(dataset.graph(ONTOLOGY_GRAPH))
    assert (URIRef(ONTOLOGY_IRI), RDF.type, URIRef("http://www.w3.org/2002/07/owl#Ontology")) in graph


def test_term_page_shows_definition_and_links_both_ways(client):
    page = client.get("/ontology/State").get_data(as_text=True)
    assert "A sovereign state taken as a political actor" in page
    hrefs = set(links(page))
    assert "/ontology/Actor" in hrefs  # superclass, outgoing
    assert "/id/Pakistan" in hrefs  # instance, incoming


def test_named_graph_page_lists_its_contents(client):
    page = client.get("/graph/entities").get_data(as_text=True)
    assert "/id/Pakistan" in links(page)
    ttl = client.get("/graph/entities", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    graph = Graph().parse(data=ttl, format="turtle")
    assert (URIRef(BASE + "id/Pakistan"), RDF.type, ECO.State) in graph


def test_query_page_lists_named_queries_with_links(client, pages_settings):
    page = client.get("/").get_data(as_text=True)
    queries = named_queries(pages_settings)
    assert queries
    for query in queries:
        assert f'data-query-name="{query.name}"' in page
        assert query.title in page
    embedded = page[page.index('id="named-queries-data">') + len('id="named-queries-data">'):]
    embedded = json.loads(embedded[:embedded.index("</script>")])
    assert [q["text"] for q in embedded] == [q.text for q in queries]


def test_named_query_runs_without_javascript(client):
    page = client.get("/?name=eco-member-states").get_data(as_text=True)
    assert "10 results" in page
    assert 'href="/id/Pakistan"' in page
    assert texts(page, "th") == ["state", "label"]


def test_ask_and_construct_render_on_the_server(client):
    page = client.get("/?name=is-pakistan-a-state").get_data(as_text=True)
    assert "true — yes" in page
    construct = "CONSTRUCT { ecoid:Iran ?p ?o } WHERE { ecoid:Iran ?p ?o }"
    page = client.get("/", query_string={"query": construct}).get_data(as_text=True)
    assert texts(page, "th") == ["subject", "predicate", "object"]
    assert 'href="/id/Iran"' in page


def test_sparql_endpoint_gives_browsers_the_query_page(client):
    response = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert 'id="query-text"' in response.get_data(as_text=True)


# queries with SERVICE would call Wikidata: tests never leave 127.0.0.1
PROJECT_QUERIES = [q.name for q in named_queries(Settings()) if "SERVICE" not in q.text.upper()]


@pytest.mark.parametrize("name", PROJECT_QUERIES)
def test_every_project_query_runs_on_the_query_page(project_queries_app, name):
    response = project_queries_app.test_client().get("/", query_string={"name": name})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[page.find("error-box"):][:500]
    assert 'class="results"' in page or "boolean" in page


def test_literals_are_escaped(pages_app):
    from server.pages.terms import term_html

    with pages_app.test_request_context("/"):
        html = term_html(Literal('<script>alert("x")</script>', lang="en"))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_query_text_is_escaped_in_the_page(client):
    page = client.get("/", query_string={"query": "SELECT * WHERE { ?s ?p '</textarea><script>x()</script>' }"}
                      ).get_data(as_text=True)
    assert "<script>x()" not in page and "&lt;/textarea&gt;" in page


def test_graph_svg_shows_typed_nodes_linked_to_their_pages(client):
    response = client.get("/graph.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    svg = "{http://www.w3.org/2000/svg}"
    nodes = root.findall(f".//{svg}g[@data-iri]")
    assert len(nodes) >= 20
    kinds = {n.get("class").split()[1] for n in nodes}
    assert {"node-state", "node-organisation", "node-corridor", "node-domain", "node-region"} <= kinds
    iris = {n.get("data-iri") for n in nodes}
    assert BASE + "id/Pakistan" in iris and BASE + "id/domain/BorderManagement" in iris
    anchors = root.findall(f".//{svg}a")
    assert all(a.get("href").startswith("/") for a in anchors)
    titles = [t.text for t in root.iter(f"{svg}title") if t.text]
    assert any(t.startswith("Pakistan — ") and "proposes" in t and "→ border management" in t for t in titles)
    assert any(t.startswith("Pakistan — has defence relationship with → Iran") for t in titles)  # a stated fact
    assert any("member of" in t for t in titles)
    legend = root.find(f".//{svg}g[@class='legend']")
    assert legend is not None and "state" in "".join(legend.itertext())
    assert client.get("/graph.svg").data == response.data  # deterministic


def test_graph_page_embeds_the_picture(client):
    response = client.get("/graph")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg" in page and 'data-iri="https://w3id.org/eco-kg/id/Pakistan"' in page


def test_links_from_a_page_all_resolve(client):
    """Every local link on an entity page and a claim page leads somewhere (no dead ends)."""
    seen = set()
    for start in ["/id/Pakistan", local(CLAIM), "/ontology/Claim"]:
        for href in links(client.get(start).get_data(as_text=True)):
            path = href.split("#", 1)[0]
            if not path.startswith("/") or path in seen or path.startswith("/sparql"):
                continue
            seen.add(path)
            status = client.get(path).status_code
            assert status == 200, (start, path, status)
    assert len(seen) > 30
