"""Stage 7, graph: the change fits the graph it joins.

Owns the rules that need the whole graph: object IRIs in the project namespace that nothing
describes (dangling, also after a removal), a new entity with the same rdfs:label and type as
another, and two entities linked to the same Wikidata item. The form of Wikidata IRIs is checked
earlier, in `kg.gate.vocabulary`.
"""
from __future__ import annotations

from collections import defaultdict

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ..namespaces import BASE, ECO
from ..reasoner import short
from .context import Change
from .report import Problem
from .vocabulary import WIKIDATA_ENTITY

STAGE = "graph"

#: links whose object names the same thing elsewhere
_IDENTITY_LINKS = (OWL.sameAs, SKOS.exactMatch)
#: predicates whose objects are terms or documents, not project entities that need describing
_NOT_ENTITY_LINKS = {RDF.type}


def _described(node, *graphs: Graph) -> bool:
    return any((node, None, None) in g for g in graphs)


def check_graph(change: Change, base: Graph, derived: Graph) -> list[Problem]:
    problems: list[Problem] = []
    graph = change.graph
    # dangling IRIs
    reported = set()
    for s, p, o in sorted(graph, key=lambda t: tuple(map(str, t))):
        if p in _NOT_ENTITY_LINKS or not isinstance(o, URIRef) or not str(o).startswith(BASE) \
                or str(o).startswith(str(ECO)) or o in reported:
            continue
        if not _described(o, graph, base, derived):
            reported.add(o)
            problems.append(change.problem(STAGE, "dangling-iri", f"{short(o)} is not described anywhere in the graph",
                                           node=s, prop=p, value=o,
                                           hint=f"describe {short(o)} (at least its rdf:type and rdfs:label), "
                                                "or correct the IRI if it is a typo of an existing entity"))
    for s, p, o in sorted(change.removed, key=lambda t: tuple(map(str, t))):
        # a removal that leaves references to a node nothing describes any more
        if _described(s, base, graph) or s in reported:
            continue
        for referrer, prop in base.subject_predicates(s):
            if prop in _NOT_ENTITY_LINKS:
                continue
            reported.add(s)
            problems.append(Problem(STAGE, "dangling-iri",
                                    f"removing the description of {short(s)} leaves {short(referrer)} "
                                    f"{short(prop)} {short(s)} pointing at nothing",
                                    node=short(referrer), property=short(prop), value=short(s),
                                    hint="remove or redirect the references too"))
            break
    # duplicate labels: same label and same asserted type as another entity
    by_key = defaultdict(set)
    for entity, label in base.subject_objects(RDFS.label):
        if isinstance(entity, URIRef) and isinstance(label, Literal):
            for cls in base.objects(entity, RDF.type):
                by_key[(str(label).casefold().strip(), label.language, cls)].add(entity)
    new_keys = defaultdict(set)
    for entity, label in graph.subject_objects(RDFS.label):
        if not isinstance(entity, URIRef) or not isinstance(label, Literal):
            continue
        for cls in set(graph.objects(entity, RDF.type)) | set(base.objects(entity, RDF.type)):
            key = (str(label).casefold().strip(), label.language, cls)
            others = (by_key.get(key, set()) | new_keys[key]) - {entity}
            new_keys[key].add(entity)
            if others:
                other = min(others, key=str)
                problems.append(change.problem(
                    STAGE, "duplicate-label", f"{short(entity)} has the label {str(label)!r} and the type "
                    f"{short(cls)}, like the existing {short(other)}", node=entity, prop=RDFS.label, value=label,
                    hint=f"if it is the same thing, use {short(other)}; otherwise make the labels tell them apart"))
    # one entity per Wikidata item
    owners = defaultdict(set)
    for prop in _IDENTITY_LINKS:
        for entity, target in base.subject_objects(prop):
            if WIKIDATA_ENTITY.match(str(target)):
                owners[target].add(entity)
    for prop in _IDENTITY_LINKS:
        for entity, target in graph.subject_objects(prop):
            if not WIKIDATA_ENTITY.match(str(target)):
                continue
            others = owners[target] - {entity}
            owners[target].add(entity)
            if others:
                other = min(others, key=str)
                problems.append(change.problem(
                    STAGE, "duplicate-wikidata-id", f"{short(entity)} and {short(other)} are both linked to "
                    f"Wikidata item {str(target).rsplit('/', 1)[-1]}", node=entity, prop=prop, value=target,
                    hint=f"one entity per Wikidata item: if they are the same, use {short(other)}; otherwise "
                         "correct the Q-number"))
    return problems
