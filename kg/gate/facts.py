"""The rule that positions are not facts: a plain triple between two entities needs words or a cited source.

Owns `check_facts`, run in the graph stage: each new triple between entities must be asserted by an
eco:FactualStatement with evidence (eco:assertsFact a fact node naming it), or live in a background graph that
cites its source; the entities register may place and affiliate its own entities. What counts as an entity is
`ENTITY_CLASSES` and their subclasses; where a file's triples go is `kg.add`'s choice, mirrored here.
"""
from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from ..namespaces import BACKGROUND_GRAPH, ECO, ENTITIES_GRAPH
from ..terms import short
from .context import Base, Change
from .report import Problem

STAGE = "graph"
RULE = "unsupported-fact"

#: the things in the world, as opposed to claims, their parts (linkages), evidence and concepts
ENTITY_CLASSES = (ECO.Actor, ECO.Place, ECO.Corridor, ECO.Measure, ECO.Obstacle, ECO.Principle)
#: what the entities register says of its own entities as part of naming them ("Iranian ports" lie in Iran, a
#: port is part of a region, "a Pakistani official" acts for Pakistan): allowed there without a factual
#: statement, nowhere else (in a source's graph they would be read as what the source says)
REGISTER_LINKS = frozenset({ECO.locatedIn, ECO.partOfPlace, PROV.actedOnBehalfOf})
#: how a background node or graph cites where its facts come from
CITATIONS = (DCTERMS.source, PROV.wasDerivedFrom)


def entity_classes(ontology: Graph) -> frozenset:
    """`ENTITY_CLASSES` and every class the ontology puts under them."""
    found, frontier = set(ENTITY_CLASSES), list(ENTITY_CLASSES)
    while frontier:
        for sub in ontology.subjects(RDFS.subClassOf, frontier.pop()):
            if sub not in found:
                found.add(sub)
                frontier.append(sub)
    return frozenset(found)


def check_facts(change: Change, base: Base, quads=None) -> list[Problem]:
    """The new entity-to-entity triples of ``change`` that nothing supports; ``quads`` (added, removed quads
    with their graphs) when an update made the change, else the graph of each triple is that of its file."""
    classes = entity_classes(base.ontology)
    where = _graphs_of(change, base, quads)
    problems, entity = [], _EntityTest(change, base, classes)
    between = [(s, p, o) for s, p, o in change.graph if p != RDF.type and isinstance(o, URIRef) and entity(s) and entity(o)]
    for s, p, o in sorted(between, key=lambda t: tuple(map(str, t))):  # sorted: the report is the same every run
        graphs = where(s, p, o)
        if p in REGISTER_LINKS and graphs and graphs <= _register_graphs(base):
            continue
        if _asserted(change, base, s, p, o):
            continue
        if graphs and graphs <= _background_graphs(base) and all(_cited(change, base, g, s, p, o) for g in graphs):
            continue
        problems.append(change.problem(
            STAGE, RULE, f"{short(s)} {short(p)} {short(o)} is a plain triple between two entities that no "
            "factual statement asserts: positions are not facts, and a plain triple between entities stands only "
            "where a source states it", node=s, prop=p, value=o,
            hint=f"if the text states it, write an eco:FactualStatement with its eco:quote and eco:assertsFact "
                 f"[ eco:factSubject {short(s)} ; eco:factPredicate {short(p)} ; eco:factObject {short(o)} ] "
                 "(the build asserts the triple); if it is a position (proposed, expected, favoured), make it a "
                 "claim with its modality instead; if it comes from elsewhere, put it in a background file with "
                 "the node that cites its source (dcterms:source or prov:wasDerivedFrom)"))
    return problems


class _EntityTest:
    """Whether a node is an entity, by its types in the change or the stored graph (remembered)."""

    def __init__(self, change: Change, base: Base, classes: frozenset):
        self.change, self.base, self.classes, self.known = change, base, classes, {}

    def __call__(self, node) -> bool:
        if not isinstance(node, URIRef):
            return False
        if node not in self.known:
            types = set(self.change.graph.objects(node, RDF.type))
            types.update(o for _s, _p, o, _g in self.base.view.quads(node, RDF.type, None))
            self.known[node] = bool(types & self.classes)
        return self.known[node]


def _register_graphs(base: Base) -> set:
    project = base.settings.project
    return {ENTITIES_GRAPH} | ({URIRef(project.graph("entities"))} if project is not None else set())


def _background_graphs(base: Base) -> set:
    project = base.settings.project
    return {BACKGROUND_GRAPH} | ({URIRef(project.graph("background"))} if project is not None else set())


def _graphs_of(change: Change, base: Base, quads):
    """A function giving the named graphs a triple of the change goes into (an empty set when unknown)."""
    if quads is not None:
        by_triple: dict = {}
        for s, p, o, g in quads[0]:
            by_triple.setdefault((s, p, o), set()).add(g)
        return lambda s, p, o: by_triple.get((s, p, o), set())
    settings, project = base.settings, base.settings.project
    shelves = [(settings.seeds_dir / "background", BACKGROUND_GRAPH)]
    if project is not None:
        shelves.append((project.folder("background"), URIRef(project.graph("background"))))
    register = URIRef(project.graph("entities")) if project is not None else ENTITIES_GRAPH

    def graph_of(path: Path | None, graph: Graph) -> URIRef | None:
        for folder, name in shelves:
            if path is not None and path.resolve().is_relative_to(Path(folder).resolve()):
                return name
        if any(True for prop in (ECO.quote, ECO.hasEvidence) for _ in graph.subjects(prop, None)):
            return None  # a source's graph, as `ecokg add` places it
        return register

    # a change given as triples only goes where `ecokg add` would put it, like a file outside the seeds
    parts = [(Path(f.path), g) for f, g in zip(change.files, change.file_graphs)] or [(None, change.graph)]

    def where(s, p, o) -> set:
        graphs = {graph_of(path, graph) for path, graph in parts if (s, p, o) in graph}
        return set() if None in graphs else graphs

    return where


def _asserted(change: Change, base: Base, s, p, o) -> bool:
    """Whether an eco:FactualStatement with evidence, in the change or stored, asserts s p o (not negated)."""
    for graph in (change.graph, None):
        facts = _subjects(graph, base, ECO.factSubject, s)
        for fact in facts:
            if _value(graph, base, fact, ECO.factPredicate) != p or _value(graph, base, fact, ECO.factObject) != o:
                continue
            for claim in _subjects(graph, base, ECO.assertsFact, fact):
                if _value(graph, base, claim, ECO.negatedFact) == Literal(True):
                    continue
                if not _is_factual(change, base, claim):
                    continue
                if any(_value(g, base, claim, prop) is not None for g in (change.graph, None)
                       for prop in (ECO.quote, ECO.hasEvidence)):
                    return True
    return False


def _is_factual(change: Change, base: Base, claim) -> bool:
    types = set(change.graph.objects(claim, RDF.type)) | {o for *_x, o, _g in base.view.quads(claim, RDF.type, None)}
    return ECO.FactualStatement in types


def _subjects(graph, base: Base, prop, obj) -> set:
    if graph is not None:
        return set(graph.subjects(prop, obj))
    return {s for s, _p, _o, _g in base.view.quads(None, prop, obj)}


def _value(graph, base: Base, node, prop):
    return graph.value(node, prop) if graph is not None else base.view.value(node, prop)


def _cited(change: Change, base: Base, graph_name, s, p, o) -> bool:
    """Whether the background graph itself cites a source, or a background node that cites one describes s p o
    (an rdf:Statement of it, or a node such as an org:Membership that points at both ends). A claim cites its
    source too, but states a position, not a fact: it is not such a node."""
    if any(_value(g, base, graph_name, prop) is not None for g in (change.graph, None) for prop in CITATIONS):
        return True
    backgrounds = _background_graphs(base)
    nodes = {n for n in change.graph.subjects(None, s)
             if not any((n, claimed, None) in change.graph for claimed in (ECO.holder, ECO.quote, ECO.hasEvidence))}
    nodes |= {n for n, _p, _o, g in base.view.quads(None, None, s) if g in backgrounds}
    for node in nodes:
        cites = any((node, prop, None) in change.graph
                    or any(g in backgrounds for *_t, g in base.view.quads(node, prop, None)) for prop in CITATIONS)
        stated = change.graph.value(node, RDF.predicate) or base.view.value(node, RDF.predicate)
        if not cites or (stated is not None and stated != p):
            continue
        if (node, None, o) in change.graph or any(g in backgrounds for *_t, g in base.view.quads(node, None, o)):
            return True
    return False
