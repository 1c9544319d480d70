"""Stage 7, graph: the change fits the graph it joins, judged on the stored graph around it.

Owns dangling object IRIs in the project namespace (also after a removal), a new entity with the label and type
of another (labels compared as a reader sees them), two entities linked to one Wikidata item, and identity
links that would make two entities one. The form of Wikidata IRIs is `kg.gate.vocabulary`'s.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ..terms import short
from .context import Change
from .report import Problem
from .view import label_key
from .wellformed import WIKIDATA_ENTITY

STAGE = "graph"

#: links whose object names the same thing elsewhere
_IDENTITY_LINKS = (OWL.sameAs, SKOS.exactMatch)
#: predicates whose objects are terms or documents, not project entities that need describing
_NOT_ENTITY_LINKS = {RDF.type}


def _described(node, *graphs: Graph) -> bool:
    return any((node, None, None) in g for g in graphs)


def check_graph(change: Change, base: Graph, derived: Graph, *, own: Callable[[object], bool],
                entities: tuple[str, ...]) -> list[Problem]:
    """Dangling IRIs among the graph's own (``own``: `Base.is_own`), duplicate labels, identity links merging
    two of its entities (IRIs under ``entities``: `Base.entity_namespaces`), and one entity per Wikidata item."""
    problems: list[Problem] = []
    graph = change.graph
    # dangling IRIs
    reported = set()
    for s, p, o in sorted(graph, key=lambda t: tuple(map(str, t))):
        if p in _NOT_ENTITY_LINKS or not isinstance(o, URIRef) or not own(o) or o in reported:
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
                by_key[(label_key(label), label.language, cls)].add(entity)
    new_keys = defaultdict(set)
    for entity, label in graph.subject_objects(RDFS.label):
        if not isinstance(entity, URIRef) or not isinstance(label, Literal):
            continue
        for cls in set(graph.objects(entity, RDF.type)) | set(base.objects(entity, RDF.type)):
            key = (label_key(label), label.language, cls)
            others = (by_key.get(key, set()) | new_keys[key]) - {entity}
            new_keys[key].add(entity)
            if others:
                other = min(others, key=str)
                problems.append(change.problem(
                    STAGE, "duplicate-label", f"{short(entity)} has the label {str(label)!r} and the type "
                    f"{short(cls)}, like the existing {short(other)}", node=entity, prop=RDFS.label, value=label,
                    hint=f"if it is the same thing, use {short(other)}; otherwise make the labels tell them apart"))
    problems += _merged_entities(change, base, entities)
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


def _is_entity(node, entities: tuple[str, ...]) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(entities) and str(node) not in entities


class _Identities:
    """Which IRIs identity links make one individual, and the graph's entities among each (union by size)."""

    def __init__(self, entities: tuple[str, ...]):
        self.namespaces = entities
        self.root: dict = {}
        self.entities: dict = {}  # root -> the graph's entities in its individual

    def find(self, node):
        path = []
        while self.root.get(node, node) != node:
            path.append(node)
            node = self.root[node]
        for step in path:
            self.root[step] = node
        return node

    def entities_of(self, node) -> set:
        root = self.find(node)
        return self.entities.get(root, {node} if _is_entity(node, self.namespaces) else set())

    def join(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        ea, eb = self.entities_of(ra), self.entities_of(rb)
        if len(ea) < len(eb):
            ra, rb, ea, eb = rb, ra, eb, ea
        self.root[rb] = ra
        self.entities[ra] = ea | eb
        self.entities.pop(rb, None)


def _merged_entities(change: Change, base: Graph, entities: tuple[str, ...]) -> list[Problem]:
    """Identity links of the change that make two distinct entities of the graph the same individual."""
    identities = _Identities(entities)
    for prop in _IDENTITY_LINKS:  # what is stored already: owl:sameAs and skos:exactMatch are transitive
        for s, o in base.subject_objects(prop):
            # the base holds the change while the gate checks it: its links are judged below, one by one
            if isinstance(s, URIRef) and isinstance(o, URIRef) and (s, prop, o) not in change.graph:
                identities.join(s, o)
    problems = []
    for prop in _IDENTITY_LINKS:
        for s, o in sorted(change.graph.subject_objects(prop), key=lambda pair: tuple(map(str, pair))):
            if not (isinstance(s, URIRef) and isinstance(o, URIRef)) or s == o:
                continue
            left, right = identities.entities_of(s), identities.entities_of(o)
            if identities.find(s) != identities.find(o) and left and right:
                first, second = min(left, key=str), min(right, key=str)
                via = "" if {s, o} == {first, second} else f" (through {short(o if s in left else s)})"
                problems.append(change.problem(
                    STAGE, "entities-made-same", f"{short(s)} {short(prop)} {short(o)} would make {short(first)} and "
                    f"{short(second)}, two distinct entities of the graph, the same individual{via}",
                    node=s, prop=prop, value=o,
                    hint=f"link an entity with {short(prop)} only to the same thing outside the graph (its Wikidata "
                         f"item); if {short(first)} and {short(second)} really are one, merge them by hand in "
                         "seeds/entities.ttl"))
            identities.join(s, o)
    return problems
