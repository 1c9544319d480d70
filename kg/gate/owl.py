"""Stage 6, OWL: the ontology, the stored graph around the change and the change are consistent together.

Owns turning what a reasoner found into problems about the change. Two engines: "rl" (the default),
the rules of OWL 2 RL that derive false, on the change's neighbourhood (`kg.gate.owl_rl`), fast
enough for every run; and "hermit", HermiT on the same graph (`kg.reasoner`), complete for OWL 2 DL
but seconds per run and a Java runtime. The reasoning and the explanations are theirs.
"""
from __future__ import annotations

from rdflib import Graph, URIRef

from .context import Base, Change
from .report import Problem

STAGE = "owl"
ENGINES = ("rl", "hermit")

_HINT = ("an individual cannot be of two disjoint classes; check rdf:type and the properties whose domain or "
         "range implies a type (rdfs:domain / rdfs:range in ontology/eco.ttl)")
_HINTS = {
    "cax-dw": _HINT, "cax-adc": _HINT, "cls-nothing2": _HINT, "cls-com": _HINT,
    "prp-npa1": "remove the triple, or the negative property assertion (eco:negatedFact) that denies it",
    "prp-npa2": "remove the triple, or the negative property assertion (eco:negatedFact) that denies it",
    "prp-irp": "a thing cannot stand in this relation to itself: use another object",
    "prp-asyp": "keep one direction of the relation",
    "prp-pdw": "the two properties cannot link the same pair: keep the one that is meant",
    "prp-adp": "the two properties cannot link the same pair: keep the one that is meant",
    "eq-diff1": "remove the owl:sameAs or the owl:differentFrom link",
    "eq-diff2": "remove the owl:sameAs link, or take the individual out of owl:AllDifferent",
    "eq-diff3": "remove the owl:sameAs link, or take the individual out of owl:AllDifferent",
    "prp-fp": "keep one value: the property is functional (two IRIs under id/ always name two things)",
    "prp-ifp": "two different individuals cannot share this value: keep it on one of them",
}
_CARDINALITY_HINT = "give the property no more values than the class allows"


def check_owl(change: Change, data: Graph, base: Base | None = None, engine: str = "rl") -> list[Problem]:
    """Check ``data`` (stored graph around the change + change + derived triples) with ``engine``."""
    if engine == "hermit":
        return _check_hermit(change, data)
    from .owl_rl import check_rl_consistency, logical_axioms

    axioms = base.schema.axioms if base is not None else logical_axioms(_ontology_of(data))
    focus = set(change.graph.subjects()) | {o for o in change.graph.objects() if isinstance(o, URIRef)}
    report = check_rl_consistency(axioms, _data_triples(data), focus, stated=lambda: _as_graph(data),
                                  **({"named": base.entity_namespaces} if base is not None else {}))
    problems = []
    for finding in report.findings:
        node = finding.individual if isinstance(finding.individual, URIRef) else None
        problems.append(change.problem(STAGE, "inconsistent", "the change makes the graph inconsistent: "
                                       + finding.sentence, node=node,
                                       hint=_HINTS.get(finding.rule, _CARDINALITY_HINT)))
    return problems


def _ontology_of(data):
    from ..namespaces import ONTOLOGY_GRAPH

    return data.graph(ONTOLOGY_GRAPH) if hasattr(data, "graph") and hasattr(data, "quads") else data


def _data_triples(data):
    from ..namespaces import ONTOLOGY_GRAPH

    if hasattr(data, "contexts"):  # a Dataset: every graph but the ontology, read graph by graph (faster)
        for graph in data.contexts():
            if graph.identifier != ONTOLOGY_GRAPH:
                yield from graph
    else:
        yield from data


def _as_graph(data) -> Graph:
    if not hasattr(data, "quads"):
        return data
    union = Graph()
    for s, p, o, _g in data.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def _check_hermit(change: Change, data: Graph) -> list[Problem]:
    """HermiT on ``data``, and explain what conflicts (`kg.reasoner`)."""
    from ..reasoner import check_consistency

    report = check_consistency(data, change=change.graph)
    problems: list[Problem] = []
    if not report.consistent:
        individuals = [URIRef(i) for i in report.individuals]
        if not report.explanation:
            problems.append(change.problem(STAGE, "inconsistent", "the change makes the graph inconsistent (OWL 2)",
                                           hint="check the types of the new individuals against the ontology"))
        for sentence in report.explanation:
            node = next((i for i in individuals if _mentions(sentence, i)), None)
            problems.append(change.problem(STAGE, "inconsistent", "the change makes the graph inconsistent: "
                                           + sentence, node=node, hint=_HINT))
    else:
        for iri in report.unsatisfiable_classes:
            problems.append(change.problem(STAGE, "unsatisfiable-class",
                                           f"class <{iri}> is unsatisfiable: no individual can belong to it",
                                           node=URIRef(iri), hint="remove the axioms that make it empty"))
    return problems


def _mentions(sentence: str, iri: URIRef) -> bool:
    from ..terms import short

    return short(iri) in sentence
