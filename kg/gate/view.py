"""The stored graph as the gate reads it: the nodes a change touches and their neighbourhood, nothing more.

Owns `StoredGraph`, a read-only view of a pyoxigraph store (the build's dump loaded in memory, the
on-disk store, or a scratch copy in a server's update child), and `neighbourhood`, which copies into
an rdflib `Dataset` only what the stages need about a change: the nodes it names with their triples
both ways, the types and descriptions of what those point at, the source documents, everything
identity links join to them, and the entities sharing a label with a new one. So the gate's cost
grows with the change, not with the stored graph. It does not check anything (`kg.gate` stages).
"""
from __future__ import annotations

import re
import threading
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Iterator

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ..namespaces import ECO, ONTOLOGY_GRAPH
from ..terms import rdflib_term
from .wellformed import INVISIBLE

#: links whose ends are one individual (followed both ways, transitively)
IDENTITY_LINKS = (OWL.sameAs, SKOS.exactMatch)
SOURCE_CLASSES = (ECO.Interview, ECO.SourceDocument)
#: a node pointed at by many (a country, a class) contributes this many subjects per property: enough
#: for the rules that need "one" (a range, a dangling reference) or "two" (an inverse-functional value)
INBOUND_PER_PROPERTY = 3
#: a store larger than this is not read whole for a label index (labels are looked up as written)
LABEL_INDEX_MAX_QUADS = 200_000
#: most nodes that identity links may join into one neighbourhood
MAX_IDENTITY_NODES = 10_000



def label_key(label: Literal) -> str:
    """A label as a reader sees it: NFKC, no invisible characters, single spaces, case folded (the key of
    the label index, and what the graph stage compares labels by)."""
    text = INVISIBLE.sub("", unicodedata.normalize("NFKC", str(label)))
    return re.sub(r"\s+", " ", text).strip().casefold()


def _ox():
    import pyoxigraph

    return pyoxigraph


class QuadIndex:
    """Quads held as parsed, indexed by subject, predicate and object, answering `quads_for_pattern` like a
    pyoxigraph store. A pyoxigraph `Store` gives literals of types derived from xsd:integer back as
    xsd:integer; the gate must see the datatypes as stored, so the dump is read into this instead."""

    def __init__(self, quads: Iterable):
        self.by_subject: dict = defaultdict(list)
        self.by_predicate: dict = defaultdict(list)
        self.by_object: dict = defaultdict(list)
        self.size = 0
        for quad in quads:
            self.by_subject[quad.subject].append(quad)
            self.by_predicate[quad.predicate].append(quad)
            self.by_object[quad.object].append(quad)
            self.size += 1

    def __len__(self) -> int:
        return self.size

    def quads_for_pattern(self, s=None, p=None, o=None, g=None):
        if s is not None:
            candidates = self.by_subject.get(s, ())
        elif o is not None:
            candidates = self.by_object.get(o, ())
        elif p is not None:
            candidates = self.by_predicate.get(p, ())
        else:
            candidates = (q for quads in self.by_subject.values() for q in quads)
        for quad in candidates:
            if (p is None or quad.predicate == p) and (o is None or quad.object == o) \
                    and (s is None or quad.subject == s) and (g is None or quad.graph_name == g):
                yield quad


class StoredGraph:
    """Read access to a pyoxigraph store (or a `QuadIndex`), in rdflib terms, for the patterns the gate asks about."""

    def __init__(self, store, *, graphs_to_skip: Iterable[URIRef] = ()):
        self.store = store
        self.skip = {str(g) for g in graphs_to_skip}
        self._labels: dict | None = None
        self._size: int | None = None
        self._lock = threading.Lock()
        self._term_cache: dict = {}

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_nquads(cls, path: Path) -> "StoredGraph":
        ox = _ox()
        return cls(QuadIndex(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)))

    @classmethod
    def from_quads(cls, quads: Iterable[tuple]) -> "StoredGraph":
        """From rdflib quads (graph None or a Graph/IRI)."""
        ox = _ox()
        term = cls(None)._to_ox
        return cls(QuadIndex(ox.Quad(term(s), term(p), term(o), term(getattr(g, "identifier", g)) or ox.DefaultGraph())
                             for s, p, o, g in quads))

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> "StoredGraph":
        return cls.from_quads(dataset.quads((None, None, None, None)))

    @classmethod
    def of(cls, store) -> "StoredGraph":
        """A view of whatever holds the stored graph: a pyoxigraph store, the embedded backend, or a view."""
        if isinstance(store, StoredGraph):
            return store
        raw = getattr(store, "oxigraph", None) or getattr(store, "_store", None)
        if raw is not None and hasattr(raw, "quads_for_pattern"):
            return cls(raw)
        if hasattr(store, "quads_for_pattern"):
            return cls(store)
        if isinstance(store, Dataset):
            return cls.from_dataset(store)
        if isinstance(store, Graph):
            return cls.from_quads((s, p, o, None) for s, p, o in store)
        raise TypeError(f"cannot read a stored graph from {type(store).__name__}")

    # ------------------------------------------------------------------ terms
    def _to_ox(self, term):
        from ..stores.embedded import oxigraph_term

        return None if term is None else oxigraph_term(term)  # None: any term, in a pattern

    def _to_rdflib(self, term):
        return rdflib_term(term, iris=self._term_cache)

    def quads(self, s=None, p=None, o=None) -> Iterator[tuple]:
        """Stored quads matching the pattern, as rdflib terms (graph None for the default graph)."""
        if isinstance(s, Literal):
            return
        conv = self._to_rdflib
        for quad in self.store.quads_for_pattern(self._to_ox(s), self._to_ox(p), self._to_ox(o), None):
            graph = conv(quad.graph_name)
            if graph is not None and str(graph) in self.skip:
                continue
            yield conv(quad.subject), conv(quad.predicate), conv(quad.object), graph

    def contains(self, triple) -> bool:
        return next(self.quads(*triple), None) is not None

    def describes(self, node) -> bool:
        return next(self.quads(node, None, None), None) is not None

    def value(self, s, p):
        return next((o for _s, _p, o, _g in self.quads(s, p, None)), None)

    def count_in(self, graph, stop: int | None = None) -> int:
        """How many triples the named ``graph`` holds, counted no further than ``stop`` (a cap keeps the
        cost with the change, not the graph)."""
        count = 0
        for _quad in self.store.quads_for_pattern(None, None, None, self._to_ox(graph)):
            count += 1
            if stop is not None and count >= stop:
                break
        return count

    def source_documents(self) -> set:
        return {s for cls in SOURCE_CLASSES for s, _p, _o, _g in self.quads(None, RDF.type, cls)
                if isinstance(s, URIRef)}

    def label_owners(self, keys: set, labels: Iterable[Literal] = ()) -> set:
        """Subjects with an rdfs:label whose reader's form (`label_key`) is in ``keys``.

        A store of more than `LABEL_INDEX_MAX_QUADS` quads is not indexed: there the labels as written in
        ``labels`` are looked up, with their lower-case and capitalised forms.
        """
        if self._size is None:
            self._size = len(self.store)
        if self._labels is None and self._size > LABEL_INDEX_MAX_QUADS:
            found = set()
            for label in labels:
                for text in {str(label), str(label).lower(), str(label).capitalize(), str(label).title()}:
                    variant = Literal(text, lang=label.language, datatype=label.datatype)
                    found |= {s for s, _p, _o, _g in self.quads(None, RDFS.label, variant) if isinstance(s, URIRef)}
            return found
        with self._lock:
            if self._labels is None:
                index = defaultdict(set)
                for s, _p, label, _g in self.quads(None, RDFS.label, None):
                    if isinstance(s, URIRef) and isinstance(label, Literal):
                        index[label_key(label)].add(s)
                self._labels = dict(index)
        found = set()
        for key in keys:
            found |= self._labels.get(key, set())
        return found

    def inbound(self, node) -> Iterator[tuple]:
        """Quads pointing at ``node``, at most `INBOUND_PER_PROPERTY` per property (identity links: all);
        the rest are skipped before they are converted."""
        if isinstance(node, Literal):
            return
        counts: dict = defaultdict(int)
        identity = {self._to_ox(link) for link in IDENTITY_LINKS}
        conv = self._to_rdflib
        for quad in self.store.quads_for_pattern(None, None, self._to_ox(node), None):
            predicate = quad.predicate
            if counts[predicate] >= INBOUND_PER_PROPERTY and predicate not in identity:
                continue
            graph = conv(quad.graph_name)
            if graph is not None and str(graph) in self.skip:
                continue
            counts[predicate] += 1
            yield conv(quad.subject), conv(predicate), node, graph


def _is_node(term) -> bool:
    return isinstance(term, (URIRef, BNode))


def neighbourhood(view: StoredGraph, ontology: Graph, nodes: set, *, labels: set = frozenset(),
                  ontology_terms: set = frozenset(), label_literals: Iterable[Literal] = ()) -> Dataset:
    """The part of the stored graph the stages need about ``nodes`` (the nodes a change names), as a
    union `Dataset` holding the ontology in its named graph and the rest in the graphs they are stored in.

    ``labels`` are the reader's forms of the change's labels (entities with one of them come along);
    ``ontology_terms`` (classes, properties) are not expanded: the ontology graph has them.
    """
    dataset = Dataset(default_union=True)
    target = dataset.graph(ONTOLOGY_GRAPH)
    for triple in ontology:
        target.add(triple)
    graphs: dict = {}

    def add(quad):
        s, p, o, g = quad
        if g is None or g == ONTOLOGY_GRAPH:
            return
        graph = graphs.get(g)
        if graph is None:
            graph = graphs[g] = dataset.graph(g)
        graph.add((s, p, o))

    wanted = {n for n in nodes if _is_node(n) and n not in ontology_terms}
    # every source document's own record (a quote may come from any of them), but not its parts: with
    # many sources their paragraphs and mentions would outweigh the change many times over
    for document in view.source_documents() - wanted:
        for quad in view.quads(document, None, None):
            add(quad)
    if labels:
        wanted |= view.label_owners(labels, label_literals)
    # identity links join individuals: follow them both ways, transitively
    frontier = [n for n in wanted if isinstance(n, URIRef)]
    while frontier and len(wanted) < MAX_IDENTITY_NODES:
        node = frontier.pop()
        for link in IDENTITY_LINKS:
            for _s, _p, other, _g in view.quads(node, link, None):
                if _is_node(other) and other not in wanted:
                    wanted.add(other)
                    frontier.append(other)
            for other, _p, _o, _g in view.quads(None, link, node):
                if other not in wanted:
                    wanted.add(other)
                    frontier.append(other)
    pointed_at = set()
    for node in wanted:
        for quad in view.quads(node, None, None):
            add(quad)
            if _is_node(quad[2]) and quad[2] not in wanted and quad[2] not in ontology_terms:
                pointed_at.add(quad[2])
        for quad in view.inbound(node):
            add(quad)
            if quad[0] not in wanted:
                pointed_at.add(quad[0])
    # what the neighbours are: their types and descriptions (sh:class, domains and ranges, disjointness)
    for node in pointed_at:
        for quad in view.quads(node, None, None):
            add(quad)
    return dataset
