"""Fixtures for the pages' tests: the real app over the real built store, served by the Flask test
client, on 127.0.0.1 over real HTTP, and to headless Chromium; plus facts read from the built
dataset with rdflib so that tests compare the pages against the data, not against themselves.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kg.stores import open_store
from server.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from chromium import headless_chromium  # noqa: E402  (tests/ is not a package)
from liveserver import LiveServer  # noqa: E402

HERE = Path(__file__).resolve().parent
#: queries the browser tests click; the project's own queries/ are tested separately
FIXTURE_QUERIES = HERE / "queries"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def pages_store(settings, dataset):
    return open_store(settings, dataset)


@pytest.fixture(scope="session")
def pages_settings(settings):
    return settings.with_(queries_dir=FIXTURE_QUERIES)


@pytest.fixture(scope="session")
def pages_app(pages_settings, pages_store):
    app = create_app(pages_settings, store=pages_store)
    app.config["TESTING"] = True
    return app


@pytest.fixture(scope="session")
def project_queries_app(settings, pages_store):
    """The app with the project's own named queries (queries/)."""
    return create_app(settings, store=pages_store)


@pytest.fixture()
def client(pages_app):
    return pages_app.test_client()


@pytest.fixture(scope="session")
def live(pages_app):
    with LiveServer(pages_app) as server:
        yield server


def ask_dataset(store, sparql: str) -> list:
    """Rows of a SELECT over the built store (union of its graphs), as lists of rdflib terms."""
    return [list(row) for row in store.query(sparql).rows]


@pytest.fixture(scope="session")
def facts(pages_store):
    """What the pages must show, read straight from the built data."""
    prologue = """PREFIX eco: <https://w3id.org/eco-kg/ontology/> PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX ecoid: <https://w3id.org/eco-kg/id/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX owl: <http://www.w3.org/2002/07/owl#> """
    evidence = ask_dataset(pages_store, prologue + """SELECT ?claim ?exact ?start ?end ?ann WHERE {
        ?claim eco:hasEvidence ?ann . ?ann oa:hasTarget ?t . ?t oa:hasSelector ?q , ?p .
        ?q a oa:TextQuoteSelector ; oa:exact ?exact . ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end }
        ORDER BY ?claim ?start""")
    pakistan_claims = ask_dataset(pages_store, prologue + """SELECT DISTINCT ?claim WHERE {
        ?claim eco:holder ecoid:Pakistan ; eco:hasEvidence ?a } ORDER BY ?claim""")
    pakistan_mentions = ask_dataset(pages_store, prologue + """SELECT ?exact ?start WHERE {
        ?a oa:motivatedBy oa:identifying ; oa:hasBody ecoid:Pakistan ; oa:hasTarget ?t .
        ?t oa:hasSelector ?q , ?p . ?q a oa:TextQuoteSelector ; oa:exact ?exact .
        ?p a oa:TextPositionSelector ; oa:start ?start } ORDER BY ?start""")
    # a name inside a longer name of something else is marked but not counted again (eco:nestedIn)
    pakistan_nested = ask_dataset(pages_store, prologue + """SELECT (COUNT(?a) AS ?n) WHERE {
        ?a oa:motivatedBy oa:identifying ; oa:hasBody ecoid:Pakistan ; eco:nestedIn ?longer }""")
    classes = ask_dataset(pages_store, prologue + """SELECT ?c WHERE { ?c a owl:Class
        FILTER(STRSTARTS(STR(?c), "https://w3id.org/eco-kg/ontology/")) } ORDER BY ?c""")
    segments = ask_dataset(pages_store, prologue + """SELECT ?kind (COUNT(?s) AS ?n) WHERE { ?s a ?kind
        VALUES ?kind { eco:Question eco:Answer } } GROUP BY ?kind""")
    return {
        "evidence": [(str(c), str(e), int(s), int(n), str(a)) for c, e, s, n, a in evidence],
        "pakistan_claims": [str(r[0]) for r in pakistan_claims],
        "pakistan_mentions": [(str(e), int(s)) for e, s in pakistan_mentions],
        "pakistan_mentions_counted": len(pakistan_mentions) - int(pakistan_nested[0][0]),
        "classes": [str(r[0]) for r in classes],
        "segments": {str(k).rsplit("/", 1)[-1]: int(n) for k, n in segments},
    }


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through chromedriver; never downloads a driver or a browser."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip(f"needs {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)")
    with headless_chromium("--window-size=1400,1000") as driver:
        yield driver
