"""The ontology plus the built graph is consistent under HermiT, with no unsatisfiable class."""
from __future__ import annotations

import pytest
from rdflib import Graph

from kg.checks import owl_check, union_graph
from kg.namespaces import ECO, ID, ORG
from kg.reasoner import check_consistency

pytestmark = pytest.mark.reasoner


def test_built_graph_is_consistent_with_no_unsatisfiable_class(dataset, settings):
    report = owl_check(dataset, settings)
    assert report.conforms, report.summary()


def test_hermit_catches_a_contradiction_of_the_negative_fact(dataset):
    # "Persian Gulf Arab states are not members of ECO" is a negative property assertion:
    # asserting the opposite must make the graph inconsistent.
    contradiction = Graph()
    contradiction.add((ID.PersianGulfArabStates, ORG.memberOf, ID.ECO))
    graph = union_graph(dataset)
    graph += contradiction
    result = check_consistency(graph, change=contradiction)
    assert not result.consistent
    assert result.explanation


def test_hermit_catches_disjoint_classes(dataset):
    from rdflib.namespace import RDF

    change = Graph()
    change.add((ID.Pakistan, RDF.type, ECO.Region))  # a state is not a region
    graph = union_graph(dataset)
    graph += change
    result = check_consistency(graph, change=change)
    assert not result.consistent
    assert any("Pakistan" in line for line in result.explanation)
