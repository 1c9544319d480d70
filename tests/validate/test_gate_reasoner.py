"""kg.reasoner: HermiT on the whole graph, and the explanations it does not give by itself."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, XSD

from kg.namespaces import ECO, ID
from kg.reasoner import check_consistency, explain_inconsistency

pytestmark = pytest.mark.reasoner


def test_built_graph_is_consistent(dataset):
    report = check_consistency(dataset)
    assert report.consistent and report.unsatisfiable_classes == [] and report.explanation == []
    assert report.seconds > 0


def test_unsatisfiable_class_is_named(dataset):
    ontology = Graph()
    for triple in dataset.graph(URIRef_ontology()):
        ontology.add(triple)
    ontology.add((ECO.PortState, RDF.type, OWL.Class))
    ontology.add((ECO.PortState, RDFS.subClassOf, ECO.Port))
    ontology.add((ECO.PortState, RDFS.subClassOf, ECO.State))
    report = check_consistency(ontology)
    assert report.consistent
    assert report.unsatisfiable_classes == [str(ECO.PortState)]
    assert "class eco:PortState is unsatisfiable" in report.explanation[0]
    assert ("because it is a subclass of eco:Port and of eco:State, and the ontology declares eco:Actor and "
            "eco:Place disjoint") in report.explanation[0]


def URIRef_ontology():
    from kg.namespaces import ONTOLOGY_GRAPH
    return ONTOLOGY_GRAPH


def test_explanations_without_running_hermit(dataset):
    """The explanation is computed on the RDF: disjoint types (asserted or by domain/range), functional
    properties with two values, a negative assertion contradicted."""
    graph = Graph()
    for triple in dataset.graph(URIRef_ontology()):
        graph.add(triple)
    graph.add((ID.Gwadar, RDF.type, ECO.Port))
    graph.add((ID.Something, ECO.holder, ID.Gwadar))  # the range of eco:holder is eco:Actor
    graph.add((ID.Segment, ECO.segmentIndex, Literal(1, datatype=XSD.nonNegativeInteger)))
    graph.add((ID.Segment, ECO.segmentIndex, Literal(2, datatype=XSD.nonNegativeInteger)))
    found = [text for text, _who in explain_inconsistency(graph, {ID.Gwadar, ID.Segment, ID.Something})]
    assert any("ecoid:Gwadar is both eco:Actor" in t and "range of eco:holder is eco:Actor" in t
               and "eco:Place" in t for t in found), found
    assert any("ecoid:Segment has 2 values for eco:segmentIndex, a functional property" in t for t in found), found
