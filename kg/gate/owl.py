"""Stage 6, OWL: the ontology, the stored graph and the change are consistent together (HermiT).

Owns turning a `kg.reasoner.ReasonerReport` into problems about the change: which individuals,
classes and axioms conflict, and which classes became unsatisfiable. The reasoning and the
explanations themselves are `kg.reasoner`'s.
"""
from __future__ import annotations

from rdflib import Graph, URIRef

from ..reasoner import ReasonerReport, check_consistency
from .context import Change
from .report import Problem

STAGE = "owl"


def check_owl(change: Change, data: Graph) -> tuple[list[Problem], ReasonerReport]:
    """Run HermiT on ``data`` (stored graph + change + derived triples) and explain what conflicts."""
    report = check_consistency(data, change=change.graph)
    problems: list[Problem] = []
    if not report.consistent:
        individuals = [URIRef(i) for i in report.individuals]
        if not report.explanation:
            problems.append(change.problem(STAGE, "inconsistent", "the change makes the graph inconsistent (OWL 2)",
                                           hint="check the types of the new individuals against the ontology"))
        for sentence in report.explanation:
            node = next((i for i in individuals if _mentions(sentence, i)), None)
            problems.append(change.problem(
                STAGE, "inconsistent", "the change makes the graph inconsistent: " + sentence, node=node,
                hint="an individual cannot be of two disjoint classes; check rdf:type and the properties "
                     "whose domain or range implies a type (rdfs:domain / rdfs:range in ontology/eco.ttl)"))
    else:
        for iri in report.unsatisfiable_classes:
            problems.append(change.problem(STAGE, "unsatisfiable-class",
                                           f"class <{iri}> is unsatisfiable: no individual can belong to it",
                                           node=URIRef(iri), hint="remove the axioms that make it empty"))
    return problems, report


def _mentions(sentence: str, iri: URIRef) -> bool:
    from ..reasoner import short

    return short(iri) in sentence
