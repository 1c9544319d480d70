"""OWL 2 RL consistency of a change with the graph around it: the rules that derive false, explained.

Owns materialising the OWL 2 RL closure of the ontology's axioms over the change's neighbourhood
(with `reasonable`, a compiled OWL 2 RL engine) and looking in it for what makes a graph inconsistent:
an individual in disjoint classes (cax-dw, cax-adc), in owl:Nothing (cls-nothing2) or in a class and
its complement (cls-com); a property assertion denied by a negative one (prp-npa1, prp-npa2), on an
irreflexive property (prp-irp), in both directions of an asymmetric one (prp-asyp), or under two
disjoint properties (prp-pdw, prp-adp); an individual said to be both the same as and different from
another (eq-diff1-3); a value where a maximum cardinality of 0 allows none (cls-maxc1, cls-maxqc1-2);
and, under the graph's unique-name assumption (two IRIs under id/ name two individuals unless
owl:sameAs joins them), two values of a functional property (prp-fp), two holders of an
inverse-functional value (prp-ifp) or two values where a maximum cardinality of 1 allows one
(cls-maxc2, cls-maxqc3-4). Each finding is a sentence naming the individuals, the classes or
properties and the axiom. HermiT (`kg.reasoner`) stays the complete check, in `ecokg check` and
`ecokg validate --owl hermit`.
"""
from __future__ import annotations

import itertools
import time
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ..namespaces import ID
from ..reasoner import type_reasons
from ..terms import short

#: ontology triples that carry no logic: left out of what the reasoner sees
_ANNOTATIONS = {RDFS.label, RDFS.comment, RDFS.isDefinedBy, RDFS.seeAlso, SKOS.definition, SKOS.scopeNote,
                SKOS.example, SKOS.note, SKOS.prefLabel, SKOS.altLabel, SKOS.editorialNote, SKOS.historyNote,
                SKOS.changeNote, OWL.versionInfo, URIRef("http://purl.org/dc/terms/description"),
                URIRef("http://purl.org/dc/terms/title"), URIRef("http://purl.org/vocab/vann/usageNote"),
                URIRef("http://purl.org/vocab/vann/example")}


@dataclass
class Finding:
    """One way the graph derives false: the OWL 2 RL rule, a sentence, and the individual concerned."""

    rule: str
    sentence: str
    individual: object = None


@dataclass
class RLReport:
    consistent: bool
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    closure_size: int = 0


def logical_axioms(ontology: Graph) -> list[tuple]:
    """The ontology's triples without annotations (labels, comments, definitions): what reasoning needs."""
    return [t for t in ontology if t[1] not in _ANNOTATIONS]


def _rdf_list(graph, head) -> list:
    items = []
    while head is not None and head != RDF.nil and len(items) < 10_000:
        first = graph.value(head, RDF.first)
        if first is not None:
            items.append(first)
        head = graph.value(head, RDF.rest)
    return items


def _is_named(term, named: tuple[str, ...]) -> bool:
    """An individual the unique-name assumption covers: an IRI the graph names (under ECO-KG's id/ or a
    project's namespace: ``named``)."""
    return isinstance(term, URIRef) and str(term).startswith(named)


def _distinct_values(a, b, same, named: tuple[str, ...]) -> bool:
    """Whether ``a`` and ``b`` must be two things: two unequal data values, or two named individuals
    no owl:sameAs joins."""
    if isinstance(a, Literal) and isinstance(b, Literal):
        try:
            return not a.eq(b)
        except TypeError:  # values of unrelated datatypes are different values
            return a != b
    if isinstance(a, Literal) or isinstance(b, Literal):
        return False
    return _is_named(a, named) and _is_named(b, named) and a != b and b not in same.get(a, ())


def check_rl_consistency(axioms: list[tuple], data, focus: set | None = None, *,
                         stated=None, named: tuple[str, ...] = (str(ID),)) -> RLReport:
    """Materialise the OWL 2 RL closure of ``axioms`` (logical ontology triples) over ``data`` (triples)
    and list what in it derives false.

    ``focus`` (the change's nodes) orders the findings so those about them come first; ``stated``
    (a function giving ontology + data as written) lets a disjointness be explained by the triples
    that type the node; ``named``: the namespaces whose IRIs are each one individual (unique names).
    """
    import reasonable

    started = time.perf_counter()
    given = _Triples()
    inverse_functional = set()
    for triple in axioms:
        if triple[1] == RDF.type and triple[2] == OWL.InverseFunctionalProperty:
            # reasonable's prp-ifp joins holders of different values; the rule is checked below instead
            inverse_functional.add(triple[0])
            continue
        given.add(triple)
    for triple in data:
        given.add(triple[:3])
    stated_same = _identity_classes(given)  # the unique-name assumption yields to stated identities only
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(list(given))
    closure = given  # the closure holds what was given
    for triple in reasoner.reason():
        closure.add(tuple(URIRef(str(t)) if isinstance(t, URIRef) else t for t in triple))
    findings = _false_rules(closure, stated if stated is not None else closure.as_graph, stated_same,
                            inverse_functional, named)
    if focus:
        findings.sort(key=lambda f: (f.individual not in focus,))
    return RLReport(not findings, findings, time.perf_counter() - started, len(closure))


class _Triples:
    """A set of triples indexed for the lookups the rules make (by predicate, subject+predicate and
    predicate+object): the closure of a change's neighbourhood, built and read far faster than an rdflib
    graph. Offers the few `rdflib.Graph` methods the rules use, with the same answers."""

    def __init__(self):
        self._all: set = set()
        self._by_p: dict = defaultdict(list)
        self._by_sp: dict = defaultdict(list)
        self._by_po: dict = defaultdict(list)

    def add(self, triple) -> None:
        if triple in self._all:
            return
        self._all.add(triple)
        s, p, o = triple
        self._by_p[p].append((s, o))
        self._by_sp[(s, p)].append(o)
        self._by_po[(p, o)].append(s)

    def __contains__(self, triple) -> bool:
        return triple in self._all

    def __iter__(self):
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)

    def subject_objects(self, predicate):
        return iter(list(self._by_p.get(predicate, ())))

    def subjects(self, predicate, obj=None):
        if obj is None:
            return iter([s for s, _o in self._by_p.get(predicate, ())])
        return iter(list(self._by_po.get((predicate, obj), ())))

    def objects(self, subject, predicate):
        return iter(list(self._by_sp.get((subject, predicate), ())))

    def value(self, subject, predicate):
        found = self._by_sp.get((subject, predicate))
        return found[0] if found else None

    def as_graph(self) -> Graph:
        graph = Graph()
        for triple in self._all:
            graph.add(triple)
        return graph


def _identity_classes(graph) -> dict:
    """node -> every node owl:sameAs links join it to as stated (both ways, transitively)."""
    linked: dict = defaultdict(set)
    for a, b in graph.subject_objects(OWL.sameAs):
        linked[a].add(b)
        linked[b].add(a)
    classes: dict = {}
    for start in list(linked):
        if start in classes:
            continue
        members, stack = {start}, [start]
        while stack:
            for other in linked[stack.pop()]:
                if other not in members:
                    members.add(other)
                    stack.append(other)
        for member in members:
            classes[member] = members
    return classes


def _false_rules(g: _Triples, stated, stated_same: dict, inverse_functional: set = frozenset(),
                 named: tuple[str, ...] = (str(ID),)) -> list[Finding]:
    found: list[Finding] = []
    seen: set = set()

    def report(rule, sentence, who):
        if sentence not in seen:
            seen.add(sentence)
            found.append(Finding(rule, sentence, who))

    same: dict = defaultdict(set)
    for a, b in g.subject_objects(OWL.sameAs):
        same[a].add(b)
        same[b].add(a)
    types: dict = defaultdict(set)
    for x, c in g.subject_objects(RDF.type):
        types[x].add(c)

    # cax-dw, cax-adc: an individual in two disjoint classes
    disjoint: dict = defaultdict(set)
    for a, b in g.subject_objects(OWL.disjointWith):
        disjoint[a].add(b)
        disjoint[b].add(a)
    for node in g.subjects(RDF.type, OWL.AllDisjointClasses):
        for a, b in itertools.permutations(_rdf_list(g, g.value(node, OWL.members)), 2):
            disjoint[a].add(b)
    subclass: dict = defaultdict(set)
    for a, b in g.subject_objects(RDFS.subClassOf):
        if a != b:
            subclass[a].add(b)
    classes = set(disjoint)
    for x, xtypes in types.items():
        if isinstance(x, Literal) or x in classes:
            continue
        pairs = [(a, b) for a, b in itertools.combinations(sorted(xtypes & classes, key=str), 2) if b in disjoint[a]]
        # name the most specific pair: a pair is left out when a pair of its subclasses is there too
        def below(c, a):
            return c == a or a in subclass[c]

        specific = [(a, b) for a, b in pairs if not any(
            (c, d) != (a, b) and ((below(c, a) and below(d, b)) or (below(c, b) and below(d, a))) for c, d in pairs)]
        if specific:
            reasons = type_reasons(stated(), x)
        for a, b in specific:
            rule = "cax-dw" if (a, OWL.disjointWith, b) in g or (b, OWL.disjointWith, a) in g else "cax-adc"
            why_a = reasons.get(a, "derived by the OWL 2 RL rules")
            why_b = reasons.get(b, "derived by the OWL 2 RL rules")
            # the conclusion first: a long report is cut at its end, where the reasons stand
            report(rule, f"{short(x)} is both {short(a)} and {short(b)}, which the ontology declares disjoint "
                         f"[OWL 2 RL {rule}]; why each: {short(a)} ({why_a}), {short(b)} ({why_b})", x)
    # cls-nothing2
    for x in g.subjects(RDF.type, OWL.Nothing):
        report("cls-nothing2", f"{short(x)} is a member of owl:Nothing, the class no individual can belong to "
                               "[OWL 2 RL cls-nothing2]", x)
    # cls-com
    for c1, c2 in g.subject_objects(OWL.complementOf):
        for x in set(g.subjects(RDF.type, c1)) & set(g.subjects(RDF.type, c2)):
            report("cls-com", f"{short(x)} is both {short(c1)} and {short(c2)}, its complement "
                              "[OWL 2 RL cls-com]", x)
    # prp-npa1, prp-npa2
    for npa in g.subjects(RDF.type, OWL.NegativePropertyAssertion):
        s = g.value(npa, OWL.sourceIndividual)
        p = g.value(npa, OWL.assertionProperty)
        for key, rule in ((OWL.targetIndividual, "prp-npa1"), (OWL.targetValue, "prp-npa2")):
            o = g.value(npa, key)
            if None not in (s, p, o) and (s, p, o) in g:
                report(rule, f"{short(s)} {short(p)} {short(o)} holds, and the negative property assertion "
                             f"{short(npa)} denies it [OWL 2 RL {rule}]", s)
    # prp-irp
    for p in g.subjects(RDF.type, OWL.IrreflexiveProperty):
        for x, y in g.subject_objects(p):
            if x == y:
                report("prp-irp", f"{short(x)} {short(p)} {short(x)}, but {short(p)} is irreflexive "
                                  "[OWL 2 RL prp-irp]", x)
    # prp-asyp
    for p in g.subjects(RDF.type, OWL.AsymmetricProperty):
        for x, y in g.subject_objects(p):
            if (y, p, x) in g and str(x) <= str(y):
                report("prp-asyp", f"{short(x)} {short(p)} {short(y)} and {short(y)} {short(p)} {short(x)}, but "
                                   f"{short(p)} is asymmetric [OWL 2 RL prp-asyp]", x)
    # prp-pdw, prp-adp
    disjoint_props: set = set()
    for p1, p2 in g.subject_objects(OWL.propertyDisjointWith):
        disjoint_props.add((p1, p2, "prp-pdw"))
    for node in g.subjects(RDF.type, OWL.AllDisjointProperties):
        for p1, p2 in itertools.combinations(_rdf_list(g, g.value(node, OWL.members)), 2):
            disjoint_props.add((p1, p2, "prp-adp"))
    for p1, p2, rule in disjoint_props:
        for x, y in g.subject_objects(p1):
            if (x, p2, y) in g:
                report(rule, f"{short(x)} {short(p1)} {short(y)} and {short(x)} {short(p2)} {short(y)}, but the "
                             f"ontology declares {short(p1)} and {short(p2)} disjoint [OWL 2 RL {rule}]", x)
    # eq-diff1, eq-diff2, eq-diff3
    different = [(a, b, "eq-diff1") for a, b in g.subject_objects(OWL.differentFrom)]
    for node in g.subjects(RDF.type, OWL.AllDifferent):
        for key, rule in ((OWL.members, "eq-diff2"), (OWL.distinctMembers, "eq-diff3")):
            for a, b in itertools.combinations(_rdf_list(g, g.value(node, key)), 2):
                different.append((a, b, rule))
    for a, b, rule in different:
        if a == b or b in same.get(a, ()):
            report(rule, f"{short(a)} and {short(b)} are declared different, but are the same individual "
                         f"[OWL 2 RL {rule}]", a)
    # cardinality restrictions of 0 and 1
    for restriction in set(g.subjects(OWL.onProperty, None)):
        p = g.value(restriction, OWL.onProperty)
        for key, qualified in ((OWL.maxCardinality, False), (OWL.maxQualifiedCardinality, True),
                               (OWL.cardinality, False), (OWL.qualifiedCardinality, True)):
            limit = g.value(restriction, key)
            if limit is None:
                continue
            try:
                limit = int(limit)
            except (TypeError, ValueError):
                continue
            if limit > 1:
                continue
            on_class = g.value(restriction, OWL.onClass) if qualified else None
            for x in g.subjects(RDF.type, restriction):
                values = [y for y in g.objects(x, p)
                          if on_class is None or on_class == OWL.Thing or (y, RDF.type, on_class) in g]
                what = f" of class {short(on_class)}" if on_class is not None else ""
                rule = ("cls-maxqc" if qualified else "cls-maxc") + ("1" if limit == 0 else "2")
                if limit == 0 and values:
                    report(rule, f"{short(x)} {short(p)} {short(values[0])}, but {short(x)} belongs to a class "
                                 f"that allows no value{what} of {short(p)} [OWL 2 RL {rule}]", x)
                elif limit == 1:
                    for y1, y2 in itertools.combinations(sorted(values, key=str), 2):
                        if _distinct_values(y1, y2, stated_same, named):
                            report(rule, f"{short(x)} has two values{what} of {short(p)}, {short(y1)} and "
                                         f"{short(y2)}, but belongs to a class that allows at most one, and the "
                                         f"two are different [OWL 2 RL {rule}]", x)
                            break
    # prp-fp, prp-ifp under the unique-name assumption
    for p in g.subjects(RDF.type, OWL.FunctionalProperty):
        values: dict = defaultdict(set)
        for x, y in g.subject_objects(p):
            values[x].add(y)
        for x, ys in values.items():
            for y1, y2 in itertools.combinations(sorted(ys, key=str), 2):
                if _distinct_values(y1, y2, stated_same, named) or (y1, OWL.differentFrom, y2) in g or (y2, OWL.differentFrom, y1) in g:
                    report("prp-fp", f"{short(x)} has two values for {short(p)}, a functional property: {short(y1)} "
                                     f"and {short(y2)}, which are different [OWL 2 RL prp-fp]", x)
                    break
    for p in set(g.subjects(RDF.type, OWL.InverseFunctionalProperty)) | set(inverse_functional):
        holders: dict = defaultdict(set)
        for x, y in g.subject_objects(p):
            holders[y].add(x)
        for y, xs in holders.items():
            for x1, x2 in itertools.combinations(sorted(xs, key=str), 2):
                if _distinct_values(x1, x2, stated_same, named) or (x1, OWL.differentFrom, x2) in g:
                    report("prp-ifp", f"{short(x1)} and {short(x2)} both have {short(p)} {short(y)}, an "
                                      f"inverse-functional property, but are different individuals "
                                      f"[OWL 2 RL prp-ifp]", x1)
                    break
    return found

