"""/graph and /graph.svg through the Flask test client: filters by claim kind and by actor (links and
a form, no JavaScript needed), zoom, full names, bad choices answered clearly, and a picture that
follows the store when it changes."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from kg.namespaces import BASE, ECO, GRAPH
from kg.stores import open_store
from server.app import create_app
from pagehtml import links

SVG = "{http://www.w3.org/2000/svg}"
PAKISTAN, IRAN = BASE + "id/Pakistan", BASE + "id/Iran"


def picture(client, query: str = "") -> ET.Element:
    response = client.get("/graph.svg" + query)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    return ET.fromstring(response.data)


def edges(root: ET.Element) -> list[dict]:
    return [{"class": p.get("class").split(), "source": p.get("data-source"), "target": p.get("data-target"),
             "title": p.find(f"{SVG}title").text} for p in root.iter(f"{SVG}path") if "edge" in p.get("class", "")]


@pytest.mark.parametrize("kind", ["proposal", "stance", "assessment", "factual"])
def test_a_claim_kind_keeps_only_claims_of_that_kind(client, kind):
    shown = edges(picture(client, f"?kind={kind}"))
    assert shown
    assert all("edge-claim" in e["class"] and f"style-{kind}" in e["class"] for e in shown)


def test_stated_relations_only_has_no_claims(client):
    shown = edges(picture(client, "?kind=relations"))
    assert shown and not any("edge-claim" in e["class"] for e in shown)
    assert any(e["title"] == "Pakistan — has defence relationship with → Iran" for e in shown)


def test_an_actor_keeps_its_claims_and_its_stated_relations(client):
    shown = edges(picture(client, "?actor=Iran"))
    claims = [e for e in shown if "edge-claim" in e["class"]]
    assert claims and {e["source"] for e in claims} == {IRAN}
    assert all(IRAN in (e["source"], e["target"]) for e in shown)
    everything = edges(picture(client))
    assert len(shown) < len(everything)


def test_filters_combine(client):
    shown = edges(picture(client, "?actor=Pakistan&kind=proposal"))
    assert shown and all(e["source"] == PAKISTAN and "style-proposal" in e["class"] for e in shown)


def test_the_page_offers_every_choice_as_a_link_or_a_form(client):
    page = client.get("/graph?kind=stance").get_data(as_text=True)
    hrefs = set(links(page))
    assert {"/graph", "/graph?kind=proposal", "/graph?kind=relations", "/graph?kind=stance&zoom=200"} <= hrefs
    assert '<select id="actor" name="actor">' in page and '<option value="Iran"' in page
    assert '<input type="hidden" name="kind" value="stance">' in page  # the form keeps the other choice
    assert 'aria-current="true">stances' in page


def test_counts_beside_the_choices_are_claims_not_lines(client, pages_store):
    rows = pages_store.query("""PREFIX eco: <https://w3id.org/eco-kg/ontology/>
        SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a eco:Proposal ; eco:holder ?h }""").rows
    page = client.get("/graph").get_data(as_text=True)
    assert f'data-kind="proposal" >proposals <span class="n">{int(rows[0][0])}</span>' in page


def test_zoom_sets_the_pictures_width(client):
    page = client.get("/graph?zoom=150").get_data(as_text=True)
    width = int(picture(client).get("width"))
    assert f"--zoom-width: {round(width * 1.5)}px" in page
    assert "--zoom-width" not in client.get("/graph").get_data(as_text=True)


def test_names_are_whole_and_distinct(client):
    root = picture(client)
    names = {}
    for node in root.iter(f"{SVG}g"):
        if node.get("data-iri"):
            shown = " ".join(t.text for t in node.iter(f"{SVG}tspan"))
            names[node.get("data-iri")] = shown
            assert node.find(f"{SVG}title").text.startswith(shown + " (")
    assert len(set(names.values())) == len(names)
    assert names[BASE + "id/TradeRoutes"] == "trade routes between the ECO region and the Persian Gulf"


@pytest.mark.parametrize("query,status,words", [
    ("?kind=rumour", 400, "unknown kind"),
    ("?actor=Atlantis", 404, "no actor"),
    ("?actor=domain/BorderManagement", 404, "no actor"),
    ("?zoom=7", 400, "unknown zoom"),
])
def test_a_bad_choice_is_answered_clearly(client, query, status, words):
    for path in ("/graph", "/graph.svg"):
        response = client.get(path + query, headers={"Accept": "text/html"})
        assert response.status_code == status and words in response.get_data(as_text=True)


def test_pictures_are_kept_on_the_app_not_in_a_module(client, pages_app):
    import server.pages.graph as graph_module

    client.get("/graph.svg")
    kept = pages_app.extensions["ecokg_pictures"]
    assert kept and len(kept) <= graph_module.KEPT_PICTURES
    assert not [name for name, value in vars(graph_module).items() if isinstance(value, dict) and value is kept]


def test_a_changed_store_gets_a_new_picture(settings, dataset):
    """A kept picture is never stale: an accepted change to the store shows in the next picture."""
    from rdflib import URIRef

    store = open_store(settings, dataset)
    client = create_app(settings, store=store).test_client()
    before = client.get("/graph.svg").get_data(as_text=True)
    assert "Iran — has defence relationship with → China" not in before
    store.apply_change([(URIRef(IRAN), ECO.hasDefenceRelationshipWith, URIRef(BASE + "id/China"),
                         URIRef(GRAPH["entities"]))], [])
    after = client.get("/graph.svg").get_data(as_text=True)
    assert "Iran — has defence relationship with → China" in after
