"""The IRIs a user or a tool dereferences resolve: the namespace and version IRIs give the whole ontology,
the ontology and the shapes are downloadable files (RDF/XML for owlready2 and Protégé), shapes IRIs
answer, and named graphs come as TriG / N-Quads with their contents in the named graph."""
from __future__ import annotations

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import OWL, RDF

import kg
from kg.namespaces import ECO, GRAPH, ID, ONTOLOGY_IRI

SH_NODE_SHAPE = URIRef("http://www.w3.org/ns/shacl#NodeShape")
SHAPES = "https://w3id.org/eco-kg/shapes/"


def parsed(response, fmt: str) -> Graph:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return Graph().parse(data=response.get_data(as_text=True), format=fmt)


@pytest.mark.parametrize("path, version", [("/ontology/", kg.__version__), ("/ontology", kg.__version__),
                                           (f"/ontology/{kg.__version__}", kg.__version__),
                                           ("/ontology/1.1.0", "1.1.0"), ("/ontology/1.0.0", "1.0.0")])
@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                         ("application/rdf+xml", "xml"), ("application/n-triples", "nt")])
def test_namespace_and_version_iris_give_the_whole_ontology(client, path, version, accept, fmt):
    graph = parsed(client.get(path, headers={"Accept": accept}), fmt)
    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in graph
    assert (URIRef(ONTOLOGY_IRI), OWL.versionIRI, URIRef(ONTOLOGY_IRI + "/" + version)) in graph
    assert (ECO.Claim, RDF.type, OWL.Class) in graph


def test_the_namespace_iri_is_the_documentation_page_for_a_browser(client):
    response = client.get("/ontology/", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    for name in ("eco.ttl", "eco.owl", "eco.jsonld", "shapes.ttl"):
        assert f"/{name}\" download" in body


@pytest.mark.parametrize("name, media, fmt", [("eco.ttl", "text/turtle", "turtle"),
                                              ("eco.owl", "application/rdf+xml", "xml"),
                                              ("eco.jsonld", "application/ld+json", "json-ld"),
                                              ("eco.nt", "application/n-triples", "nt")])
def test_ontology_files_download_in_their_format_whatever_accept_says(client, name, media, fmt):
    response = client.get(f"/ontology/{name}", headers={"Accept": "text/html"})
    assert response.mimetype == media
    assert f'filename="{name}"' in response.headers["Content-Disposition"]
    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in parsed(response, fmt)


def test_owlready2_reads_the_rdfxml_download(client, tmp_path):
    owlready2 = pytest.importorskip("owlready2")
    path = tmp_path / "eco.owl"
    path.write_bytes(client.get("/ontology/eco.owl").data)
    world = owlready2.World()
    ontology = world.get_ontology(path.as_uri()).load()
    assert ontology.search_one(iri=str(ECO.Claim)) is not None


@pytest.mark.parametrize("name, fmt", [("shapes.ttl", "turtle"), ("shapes.jsonld", "json-ld"), ("shapes.nt", "nt"),
                                       ("shapes.rdf", "xml")])
def test_shapes_download(client, name, fmt):
    graph = parsed(client.get(f"/shapes/{name}"), fmt)
    assert (URIRef(SHAPES + "ClaimShape"), RDF.type, SH_NODE_SHAPE) in graph
    assert len(set(graph.subjects(RDF.type, SH_NODE_SHAPE))) >= 29


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld")])
def test_a_shape_iri_resolves_to_that_shape(client, accept, fmt):
    graph = parsed(client.get("/shapes/ClaimShape", headers={"Accept": accept}), fmt)
    assert set(graph.subjects(RDF.type, SH_NODE_SHAPE)) == {URIRef(SHAPES + "ClaimShape")}
    page = client.get("/shapes/ClaimShape", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "ClaimShape" in page.get_data(as_text=True)


def test_an_unknown_shape_is_404(client):
    assert client.get("/shapes/NoSuchShape", headers={"Accept": "text/turtle"}).status_code == 404


@pytest.mark.parametrize("accept, fmt", [("application/trig", "trig"), ("application/n-quads", "nquads")])
def test_a_named_graph_page_as_quads_keeps_its_contents_in_the_graph(client, accept, fmt):
    response = client.get("/graph/entities", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    dataset = Dataset()
    dataset.parse(data=response.get_data(as_text=True), format=fmt)
    entities = dataset.graph(URIRef(GRAPH["entities"]))
    assert (URIRef(f"{ID}Pakistan"), RDF.type, ECO.State) in entities


def test_n3_is_answered_as_turtle(client):
    response = client.get("/id/Pakistan", headers={"Accept": "text/n3"})
    assert response.mimetype == "text/turtle"
    assert (URIRef(f"{ID}Pakistan"), RDF.type, ECO.State) in parsed(response, "turtle")
