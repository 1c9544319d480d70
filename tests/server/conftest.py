"""Fixtures for the SPARQL endpoint tests: apps over the built graph (both store backends), a small
W3C-protocol fixture dataset, and real HTTP servers on 127.0.0.1."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import FOAF, RDF

from kg.stores import open_store
from server.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from liveserver import LiveServer  # noqa: E402  (tests/ is not a package)

ECO = "https://w3id.org/eco-kg/ontology/"
ID = "https://w3id.org/eco-kg/id/"
GRAPH = "https://w3id.org/eco-kg/graph/"
KASEI = "http://kasei.us/2009/09/sparql/data/"


@pytest.fixture(scope="session")
def oxigraph_store(settings, built):
    return open_store(settings.with_(store="oxigraph"))


@pytest.fixture(scope="session")
def rdflib_store(settings, built):
    return open_store(settings.with_(store="rdflib"))


@pytest.fixture(scope="session", params=["oxigraph", "rdflib"])
def store(request, oxigraph_store, rdflib_store):
    """Each backend in turn: both must give the same answers."""
    return oxigraph_store if request.param == "oxigraph" else rdflib_store


@pytest.fixture(scope="session")
def app(settings, oxigraph_store):
    return create_app(settings, oxigraph_store)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live(app):
    """The app over real HTTP on 127.0.0.1 (an ephemeral port)."""
    with LiveServer(app) as server:
        yield server


def w3c_dataset() -> Dataset:
    """The graphs the W3C protocol tests assume the service holds: dataN.rdf, each describing itself."""
    dataset = Dataset(default_union=True)
    for n in range(4):
        iri = URIRef(f"{KASEI}data{n}.rdf")
        graph = dataset.graph(iri)
        graph.add((iri, RDF.type, FOAF.Document))
        graph.add((iri, FOAF.name, Literal(f"data{n}")))
    return dataset


@pytest.fixture(scope="session", params=["oxigraph", "rdflib"])
def w3c_app(request, settings):
    w3c_settings = settings.with_(store=request.param)
    return create_app(w3c_settings, open_store(w3c_settings, w3c_dataset()))
