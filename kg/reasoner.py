"""OWL 2 consistency checking with HermiT (through owlready2), and explanations a person can act on.

Owns running HermiT on any union of rdflib graphs (`check_consistency`), listing unsatisfiable
classes, and explaining an inconsistency, which HermiT itself does not do: disjoint types of one
individual, functional properties with two values, negative assertions contradicted, and, for a
small change, the smallest set of its triples without which the graph is consistent again.
It does not decide what data is allowed (SHACL, vocabulary rules: `kg.gate`).
"""
from __future__ import annotations

import contextlib
import io
import itertools
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from .errors import EcoKGError, EXIT_INTERNAL
from .sandbox import program_memory
from .terms import short

#: HermiT runs in one JVM per check; its heap (MB). Plenty for graphs of this size.
JAVA_MEMORY_MB = 1000

#: the minimal conflicting set is searched for only when the change has at most this many triples
#: (each probe is a HermiT run of about a second)
MINIMISE_MAX_TRIPLES = 40
#: and only within this many seconds
MINIMISE_BUDGET_SECONDS = 30.0

_LOCK = threading.Lock()  # owlready2 keeps global state; one reasoning run at a time


class ReasonerUnavailable(EcoKGError):
    """HermiT cannot run here (no Java, or owlready2 is missing)."""

    exit_code = EXIT_INTERNAL


@dataclass
class ReasonerReport:
    """The outcome of one HermiT run."""

    consistent: bool
    unsatisfiable_classes: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: for an inconsistent change: the triples of the change that together cause it, when found
    conflicting_triples: list[tuple] = field(default_factory=list)
    #: individuals (IRIs) named in the explanation
    individuals: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable_classes


def _union(graph_or_graphs) -> Graph:
    if isinstance(graph_or_graphs, Dataset):
        union = Graph()
        for s, p, o, _g in graph_or_graphs.quads((None, None, None, None)):
            union.add((s, p, o))
        return union
    if isinstance(graph_or_graphs, Graph):
        return graph_or_graphs
    union = Graph()
    for graph in graph_or_graphs:
        source = graph.quads((None, None, None, None)) if isinstance(graph, Dataset) else graph
        for triple in source:
            union.add(triple[:3])
    return union


def _run_hermit(graph: Graph) -> tuple[bool, list[str]]:
    """(consistent, unsatisfiable class IRIs) for ``graph``, in a fresh owlready2 World."""
    try:
        import owlready2
        from owlready2 import OwlReadyInconsistentOntologyError, World, sync_reasoner_hermit
    except ImportError as exc:  # pragma: no cover - owlready2 is a dependency
        raise ReasonerUnavailable(f"owlready2 is not installed ({exc})", hint="pip install owlready2") from None
    if shutil.which(owlready2.JAVA_EXE) is None:
        raise ReasonerUnavailable("the OWL reasoner HermiT needs Java, and no `java` is on PATH",
                                  hint="install a Java runtime (17 or later), or skip the OWL stage with --no-owl")
    owlready2.reasoning.JAVA_MEMORY = JAVA_MEMORY_MB
    with tempfile.TemporaryDirectory(prefix="ecokg-owl-") as tmp:
        path = Path(tmp) / "union.nt"
        path.write_bytes(graph.serialize(format="nt", encoding="utf-8"))
        world = World()
        sink = io.StringIO()
        try:
            with contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink):
                ontology = world.get_ontology(path.as_uri()).load(format="ntriples")
                try:
                    with program_memory():  # the JVM's heap is capped by JAVA_MEMORY_MB instead
                        sync_reasoner_hermit(ontology, infer_property_values=False, debug=0,
                                             ignore_unsupported_datatypes=True)
                except OwlReadyInconsistentOntologyError:
                    return False, []
            unsatisfiable = sorted(str(c.iri) for c in world.inconsistent_classes()
                                   if getattr(c, "iri", None) and str(c.iri) != str(OWL.Nothing))
            return True, unsatisfiable
        except owlready2.OwlReadyJavaError as exc:
            message = str(exc).strip().splitlines()
            raise ReasonerUnavailable("HermiT failed: " + " ".join(message[-3:])[:500],
                                      hint="run with ECOKG_DEBUG=1; the graph may use a construct HermiT rejects") from None
        finally:
            with contextlib.suppress(Exception):
                world.close()


def check_consistency(graph_or_graphs, *, change: Graph | None = None, minimise: bool = True) -> ReasonerReport:
    """Run HermiT on the union of ``graph_or_graphs`` (a Graph, a Dataset, or an iterable of them).

    ``change`` (optional) is the part that is new: an inconsistency is then explained in terms of
    its nodes and, when no disjointness/functional/negation conflict explains it and the change is
    small, narrowed down to a minimal set of its triples that causes it.
    Raises `ReasonerUnavailable` when Java or owlready2 is missing.
    """
    started = time.perf_counter()
    union = _union(graph_or_graphs)
    with _LOCK:
        consistent, unsatisfiable = _run_hermit(union)
        report = ReasonerReport(consistent, unsatisfiable)
        if not consistent:
            focus = set(change.subjects()) | {o for o in change.objects() if isinstance(o, URIRef)} if change else None
            found = explain_inconsistency(union, focus)
            report.explanation = [text for text, _who in found]
            report.individuals = sorted({who for _text, who in found if who})
            if change is not None and minimise and not found and len(change) <= MINIMISE_MAX_TRIPLES:
                conflict = minimal_conflict(union, change, started + MINIMISE_BUDGET_SECONDS)
                if conflict:
                    report.conflicting_triples = conflict
                    report.explanation.append(
                        "these triples of the change are enough, with the existing graph, to make it "
                        "inconsistent (a minimal conflicting set): "
                        + "; ".join(f"{short(s)} {short(p)} {short(o)}" for s, p, o in conflict))
            if not report.explanation:
                report.explanation.append(
                    "HermiT found the graph inconsistent, but no disjointness, functional-property or "
                    "negative-assertion conflict explains it; look for owl:sameAs, cardinality or "
                    "complement axioms involving the new nodes")
        if unsatisfiable:
            disjoint = disjoint_pairs(union)
            up = superclasses(union)
        for iri in unsatisfiable:
            cls = URIRef(iri)
            text = f"class {short(cls)} is unsatisfiable: no individual can belong to it"
            parents = sorted(up(cls), key=str)
            clashes = [(a, b) for a, b in itertools.combinations(parents, 2) if b in disjoint.get(a, ())]
            if clashes:
                # the most specific pair: the classes with the most ancestors of their own
                a, b = min(clashes, key=lambda pair: (-len(up(pair[0])) - len(up(pair[1])), str(pair)))
                direct = sorted((c for c in union.objects(cls, RDFS.subClassOf) if isinstance(c, URIRef)), key=str)
                via = [d for d in direct if a in up(d) or b in up(d)]
                text += (f", because it is a subclass of {' and of '.join(short(d) for d in via) or short(a)}, "
                         f"and the ontology declares {short(a)} and {short(b)} disjoint")
            report.explanation.append(text)
    report.seconds = time.perf_counter() - started
    return report


# ------------------------------------------------------------------------------------------------
# Explanations, computed on the RDF itself (HermiT says only "inconsistent")
# ------------------------------------------------------------------------------------------------

def _rdf_list(graph: Graph, head) -> list:
    items = []
    while head and head != RDF.nil and len(items) < 10_000:
        first = graph.value(head, RDF.first)
        if first is not None:
            items.append(first)
        head = graph.value(head, RDF.rest)
    return items


def disjoint_pairs(graph: Graph) -> dict:
    """class -> set of classes declared disjoint with it (owl:disjointWith and owl:AllDisjointClasses)."""
    pairs: dict = defaultdict(set)
    for a, b in graph.subject_objects(OWL.disjointWith):
        pairs[a].add(b)
        pairs[b].add(a)
    for node in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = _rdf_list(graph, graph.value(node, OWL.members))
        for a, b in itertools.permutations(members, 2):
            pairs[a].add(b)
    return pairs


def _upward(direct: dict):
    """A function giving each node with every node above it in ``direct`` (reflexive, transitive; cached)."""
    closure: dict = {}

    def up(node):
        if node not in closure:
            seen, stack = {node}, [node]
            while stack:
                for parent in direct.get(stack.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        stack.append(parent)
            closure[node] = seen
        return closure[node]

    return up


def superclasses(graph: Graph):
    """class -> every class it is a subclass of (reflexive, transitive; owl:equivalentClass both ways)."""
    direct: dict = defaultdict(set)
    for a, b in graph.subject_objects(RDFS.subClassOf):
        if isinstance(b, URIRef):
            direct[a].add(b)
    for a, b in graph.subject_objects(OWL.equivalentClass):
        if isinstance(a, URIRef) and isinstance(b, URIRef):
            direct[a].add(b)
            direct[b].add(a)
    return _upward(direct)


def _superproperties(graph: Graph):
    direct: dict = defaultdict(set)
    for a, b in graph.subject_objects(RDFS.subPropertyOf):
        direct[a].add(b)
    return _upward(direct)


def type_reasons(graph: Graph, node) -> dict:
    """class -> why ``node`` has it: asserted, or by a property's rdfs:domain / rdfs:range."""
    up_class = superclasses(graph)
    up_prop = _superproperties(graph)
    reasons: dict = {}

    def note(cls, why):
        for sup in up_class(cls):
            reasons.setdefault(sup, why if sup == cls else f"{why}, and {short(cls)} is a subclass of {short(sup)}")

    for cls in graph.objects(node, RDF.type):
        if isinstance(cls, URIRef):
            note(cls, f"asserted: {short(node)} a {short(cls)}")
    for prop, value in graph.predicate_objects(node):
        for sup in up_prop(prop):
            for dom in graph.objects(sup, RDFS.domain):
                if isinstance(dom, URIRef) and dom != OWL.Thing:
                    note(dom, f"{short(node)} {short(prop)} {short(value)}, and the domain of {short(sup)} is {short(dom)}")
    for subject, prop in graph.subject_predicates(node):
        if prop == RDF.type:
            continue
        for sup in up_prop(prop):
            for rng in graph.objects(sup, RDFS.range):
                if isinstance(rng, URIRef) and rng != OWL.Thing:
                    note(rng, f"{short(subject)} {short(prop)} {short(node)}, and the range of {short(sup)} is {short(rng)}")
    return reasons


def explain_inconsistency(graph: Graph, focus: set | None = None) -> list[tuple[str, str | None]]:
    """Sentences naming the individuals, classes and axioms in conflict, with the individual concerned.

    ``focus`` restricts the search to those nodes (the new ones); without it every node is looked at.
    """
    disjoint = disjoint_pairs(graph)
    found: list[tuple[str, str | None]] = []
    nodes = focus if focus is not None else set(graph.subjects()) | {o for o in graph.objects() if isinstance(o, URIRef)}
    classes = set(graph.subjects(RDF.type, OWL.Class)) | set(graph.subjects(RDF.type, RDFS.Class))
    for node in sorted(nodes, key=str):
        if node in classes or not isinstance(node, (URIRef, BNode)):
            continue
        reasons = type_reasons(graph, node)
        reported = set()
        for a, b in itertools.combinations(sorted(reasons, key=str), 2):
            if b in disjoint.get(a, ()) and frozenset((a, b)) not in reported:
                reported.add(frozenset((a, b)))
                found.append((f"{short(node)} is both {short(a)} ({reasons[a]}) and {short(b)} ({reasons[b]}), "
                              f"but the ontology declares {short(a)} and {short(b)} disjoint", str(node)))
    functional = set(graph.subjects(RDF.type, OWL.FunctionalProperty))
    for prop in sorted(functional, key=str):
        values: dict = defaultdict(set)
        for s, o in graph.subject_objects(prop):
            if focus is None or s in focus:
                values[s].add(o)
        for subject, objects in values.items():
            literals = {o for o in objects if isinstance(o, Literal)}
            if len(literals) > 1 and len({o.toPython() for o in literals}) > 1:
                found.append((f"{short(subject)} has {len(literals)} values for {short(prop)}, a functional property: "
                              + ", ".join(sorted(short(o) for o in literals)), str(subject)))
            iris = {o for o in objects if not isinstance(o, Literal)}
            if len(iris) > 1:
                found.append((f"{short(subject)} has {len(iris)} values for {short(prop)}, a functional property, so "
                              f"they must be the same individual: " + ", ".join(sorted(short(o) for o in iris))
                              + " (inconsistent if they are of disjoint classes or declared different)", str(subject)))
    for npa in graph.subjects(RDF.type, OWL.NegativePropertyAssertion):
        s = graph.value(npa, OWL.sourceIndividual)
        p = graph.value(npa, OWL.assertionProperty)
        o = graph.value(npa, OWL.targetIndividual) or graph.value(npa, OWL.targetValue)
        if s is not None and p is not None and o is not None and (s, p, o) in graph:
            if focus is None or s in focus or o in focus or npa in focus:
                found.append((f"{short(s)} {short(p)} {short(o)} is asserted, and also denied by the negative "
                              f"property assertion {short(npa)}", str(s)))
    for a, b in graph.subject_objects(OWL.differentFrom):
        if (a, OWL.sameAs, b) in graph or (b, OWL.sameAs, a) in graph:
            found.append((f"{short(a)} and {short(b)} are declared both the same and different", str(a)))
    return found


def minimal_conflict(base_and_change: Graph, change: Graph, deadline: float) -> list[tuple]:
    """A minimal set of ``change`` triples that is inconsistent together with the rest (linear deletion).

    Drops one triple at a time and keeps it out while the remainder stays inconsistent; one HermiT
    run per triple. Returns [] when the time budget runs out or the graph without the change is
    already inconsistent (then the change is not to blame).
    """
    base = Graph()
    change_triples = set(change)
    for triple in base_and_change:
        if triple not in change_triples:
            base.add(triple)

    def consistent_with(triples: Iterable) -> bool:
        probe = Graph()
        for t in base:
            probe.add(t)
        for t in triples:
            probe.add(t)
        return _run_hermit(probe)[0]

    if time.perf_counter() > deadline or not consistent_with([]):
        return []  # the existing graph is inconsistent on its own: the change is not to blame
    # shrink: drop each triple if the rest is still inconsistent
    needed = sorted(change_triples, key=lambda t: (t[1] != RDF.type, str(t)))
    index = 0
    while index < len(needed):
        if time.perf_counter() > deadline:
            return []
        trial = needed[:index] + needed[index + 1:]
        if not consistent_with(trial):
            needed = trial
        else:
            index += 1
    return needed
