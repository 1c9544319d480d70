"""A project's own IRIs on its service: they are not under the service's address, so they are described at
/describe?iri=… (a page, or RDF by negotiation), and every page links them there rather than to an address
that may not resolve. Over real HTTP on 127.0.0.1."""
from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import quote, urlencode

import pytest
from rdflib import Graph, Literal, URIRef

from liveserver import LiveServer
from test_project import CLAIM, NAMESPACE, ecokg, make_project

pytestmark = pytest.mark.slow

CLAIM_IRI = NAMESPACE + "id/claim/pk-turkey-trade-ties"
WORDS = "Pakistan favours closer ties with Turkey in trade and transit."


@pytest.fixture(scope="module")
def project_site(tmp_path_factory):
    from kg.settings import Settings
    from server.app import create_app

    folder = make_project(tmp_path_factory.mktemp("work") / "speeches")
    (folder / "new-claim.ttl").write_text(CLAIM.format(subject=CLAIM_IRI, quote=WORDS), encoding="utf-8")
    done = ecokg("add", "--no-owl", "new-claim.ttl", cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    with LiveServer(create_app(Settings.from_env({"ECOKG_PROJECT": str(folder)}))) as server:
        server.folder = folder
        yield server


@pytest.fixture(scope="module")
def site(project_site):
    return project_site.url


def fetch(url: str, accept: str = "text/html"):
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8")


def describe(iri: str) -> str:
    return "/describe?" + urlencode({"iri": iri})


def test_an_entity_page_links_the_projects_claim_to_its_page_here(site):
    status, _headers, page = fetch(site + "/id/Pakistan")
    assert status == 200
    assert f'href="{describe(CLAIM_IRI)}"'.replace("&", "&amp;") in page or f'href="{describe(CLAIM_IRI)}"' in page


def test_the_claims_page_shows_its_words_holder_and_source(site):
    status, headers, page = fetch(site + describe(CLAIM_IRI))
    assert status == 200 and headers.get_content_type() == "text/html"
    assert WORDS in page and "Pakistan" in page and "Remarks at the trade forum" in page
    assert headers["Content-Location"] == describe(CLAIM_IRI) + "&format=html"
    assert 'rel="alternate"' in headers["Link"] and quote(CLAIM_IRI, safe="") in headers["Link"]


@pytest.mark.parametrize("accept,parser", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                           ("application/n-triples", "nt")])
def test_the_claim_reads_back_as_rdf(site, accept, parser):
    status, headers, body = fetch(site + describe(CLAIM_IRI), accept)
    assert status == 200 and headers.get_content_type() == accept and headers["Vary"] == "Accept"
    graph = Graph().parse(data=body, format=parser)
    assert (URIRef(CLAIM_IRI), URIRef("https://w3id.org/eco-kg/ontology/quote"), Literal(WORDS)) in graph


def test_the_projects_source_graph_lists_its_contents(site):
    status, _headers, page = fetch(site + describe(NAMESPACE + "graph/source/trade-forum"))
    assert status == 200 and "pk-turkey-trade-ties" in page


def test_an_iri_of_the_service_itself_is_sent_to_its_own_address(site):
    request = urllib.request.Request(site + describe("https://w3id.org/eco-kg/id/Pakistan"))
    opener = urllib.request.build_opener(type("NoRedirect", (urllib.request.HTTPRedirectHandler,),
                                              {"redirect_request": lambda *args: None}))
    with pytest.raises(urllib.error.HTTPError) as sent:
        opener.open(request, timeout=30)
    assert sent.value.code == 303 and sent.value.headers["Location"].endswith("/id/Pakistan")


@pytest.mark.parametrize("query,status,words", [
    ("", 400, "give one IRI"),
    ("?iri=", 400, "give one IRI"),
    ("?" + urlencode([("iri", CLAIM_IRI), ("iri", CLAIM_IRI)]), 400, "give one IRI"),
    ("?" + urlencode({"iri": "https://elsewhere.example/thing"}), 404, "not in a namespace of this service's project"),
    ("?" + urlencode({"iri": NAMESPACE + "id/claim/never-made"}), 404, "nothing is known"),
    ("?" + urlencode({"iri": NAMESPACE + "id/x> } ; DROP ALL ; <y"}), 404, "not a usable IRI"),
    ("?" + urlencode({"iri": NAMESPACE + "x" * 5000}), 400, "at most 2,048"),
    ("?" + urlencode({"iri": "\x00\x01 https://elsewhere.example/"}), 404, "not a usable IRI"),
])
def test_a_bad_request_is_answered_in_words(site, query, status, words):
    code, headers, body = fetch(site + "/describe" + query, "text/plain")
    assert (code, headers.get_content_type()) == (status, "text/plain") and words in body


def test_without_a_project_nothing_is_described_there(client):
    response = client.get("/describe?" + urlencode({"iri": NAMESPACE + "id/claim/x"}), headers={"Accept": "text/plain"})
    assert response.status_code == 404 and b"not in a namespace" in response.data


def test_the_projects_claim_is_a_nanopublication_exported_and_served_alike(project_site, tmp_path):
    from rdflib import Dataset

    done = ecokg("export", "--nanopub", "--output", str(tmp_path / "np.trig"), cwd=project_site.folder)
    assert done.returncode == 0, done.stdout + done.stderr
    exported = Dataset().parse(tmp_path / "np.trig", format="trig")
    introduces = URIRef("http://purl.org/nanopub/x/introduces")
    [nanopub] = [s for s, _p, _o, _g in exported.quads((None, introduces, URIRef(CLAIM_IRI), None))]
    assert str(nanopub).startswith("https://w3id.org/eco-kg/np/RA")
    quote_of = URIRef("https://w3id.org/eco-kg/ontology/quote")
    assert WORDS in {str(o) for _s, _p, o, _g in exported.quads((None, quote_of, None, None))}
    # the service of the project serves the same nanopublication at the same address, and in its download
    status, _headers, body = fetch(project_site.url + "/np/" + str(nanopub).rsplit("/", 1)[1], "application/trig")
    assert status == 200 and CLAIM_IRI in body
    assert str(nanopub) in fetch(project_site.url + "/download/eco-kg-nanopubs.trig", "application/trig")[2]
