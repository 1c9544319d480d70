"""`validate_graph_change`: the gate for a change to the stored graph (a SPARQL Update, later)."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS

from kg.namespaces import ECO, ID
from kg.validate import GateRejected, validate_graph_change


@pytest.mark.slow
def test_a_good_change_passes_and_the_dataset_is_not_touched(settings, dataset):
    size = len(dataset)
    added = Graph()
    added.add((ID.GwadarPort, RDF.type, ECO.Port))
    added.add((ID.GwadarPort, RDFS.label, Literal("Gwadar Port", lang="en")))
    added.add((ID.GwadarPort, ECO.locatedIn, ID.Pakistan))
    report = validate_graph_change(added, Graph(), settings, dataset, owl=False)
    assert report.ok, report.problems
    assert len(dataset) == size


@pytest.mark.slow
def test_a_bad_change_is_rejected_with_the_reason(settings, dataset):
    added = Graph()
    added.add((ID.GwadarPort, RDF.type, ECO.Port))
    added.add((ID.GwadarPort, RDFS.label, Literal("Gwadar Port")))  # no language tag
    report = validate_graph_change(added, Graph(), settings, dataset, owl=False)
    assert report.exit_code == 1 and report.failed_stage == "shacl"
    assert any(p.property == "rdfs:label" and p.node == "ecoid:GwadarPort" for p in report.problems)
    error = report.to_error()
    assert isinstance(error, GateRejected) and error.exit_code == 1 and "shacl" in str(error)


def test_removing_an_entity_that_others_point_to_is_rejected(settings, dataset):
    removed = Graph()
    for triple in dataset.triples((ID.Turkey, None, None)):
        removed.add(triple)
    assert len(removed) > 0
    report = validate_graph_change(Graph(), removed, settings, dataset, owl=False)
    assert not report.ok
    assert any(p.rule == "dangling-iri" and p.value == "ecoid:Turkey" for p in report.problems) or \
        report.failed_stage == "shacl", report.problems
