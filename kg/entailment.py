"""The entailment graph: OWL 2 RL consequences of the ontology over the data, materialised by a reasoner.

Owns choosing what the reasoner sees (the ontology's class and property hierarchy, inverses,
symmetric and transitive properties, domains and ranges; the data's object-property triples and
types, without owl:sameAs links) and what is kept of its answer (new triples between IRIs: types by
superclass, super-properties, inverses, symmetric and transitive closures; no owl:Thing or
rdfs:Resource typing, no reflexive or owl:sameAs triples, no schema vocabulary). The reasoner is
`reasonable`, a compiled OWL 2 RL engine. Checking that the consequences conform (SHACL, HermiT)
belongs to `kg.checks`; putting them in their named graph, to `kg.build`.
"""
from __future__ import annotations

from typing import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

#: ontology axioms handed to the reasoner: the ones whose consequences are wanted and sound
SCHEMA_PREDICATES = {RDFS.subClassOf, RDFS.subPropertyOf, OWL.inverseOf, OWL.equivalentClass,
                     OWL.equivalentProperty, RDFS.domain, RDFS.range}
SCHEMA_TYPES = {OWL.SymmetricProperty, OWL.TransitiveProperty}
#: objects that say nothing when inferred as a type or a class
TRIVIAL = {OWL.Thing, RDFS.Resource, OWL.Nothing, RDFS.Literal, RDFS.Class, OWL.Class}
#: data predicates never handed to the reasoner: identity links would copy every triple onto Wikidata IRIs
EXCLUDED_DATA_PREDICATES = {OWL.sameAs, OWL.differentFrom}
#: inferred predicates kept from the schema vocabularies (everything else of RDF/RDFS/OWL is noise)
SCHEMA_KEPT = {RDF.type, RDFS.subClassOf, RDFS.subPropertyOf}


def _is_schema_vocabulary(term) -> bool:
    text = str(term)
    return text.startswith((str(RDF), str(RDFS), str(OWL), str(XSD)))


def reasoner_input(ontology: Graph, data: Iterable[tuple]) -> Graph:
    """The axioms and facts the reasoner sees."""
    given = Graph()
    for s, p, o in ontology:
        if isinstance(s, BNode) or isinstance(o, (BNode, Literal)):
            continue
        if p in SCHEMA_PREDICATES and o not in TRIVIAL and not (p == RDFS.range and _is_schema_vocabulary(o)):
            given.add((s, p, o))
        elif p == RDF.type and o in SCHEMA_TYPES:
            given.add((s, p, o))
    for s, p, o in data:
        if isinstance(s, URIRef) and isinstance(o, URIRef) and p not in EXCLUDED_DATA_PREDICATES:
            if p == RDF.type and _is_schema_vocabulary(o):
                continue
            given.add((s, p, o))
    return given


def keep(triple: tuple) -> bool:
    """Whether an inferred triple is a wanted consequence rather than noise."""
    s, p, o = triple
    if not (isinstance(s, URIRef) and isinstance(p, URIRef) and isinstance(o, URIRef)):
        return False
    if s == o and p != RDF.type:
        return False
    if _is_schema_vocabulary(p) and p not in SCHEMA_KEPT:
        return False
    if p == RDF.type and (o in TRIVIAL or _is_schema_vocabulary(o)):
        return False
    if p in (RDFS.subClassOf, RDFS.subPropertyOf) and (o in TRIVIAL or _is_schema_vocabulary(o)
                                                       or _is_schema_vocabulary(s)):
        return False
    return True


def entail(ontology: Graph, data: Iterable[tuple], known: set | None = None) -> Graph:
    """The new consequences of ``ontology`` over ``data`` (triples already in ``known`` left out)."""
    import reasonable

    given = reasoner_input(ontology, data)
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(given)
    inferred = Graph()
    for triple in reasoner.reason():
        triple = tuple(URIRef(str(t)) if isinstance(t, URIRef) else t for t in triple)
        if triple in given or not keep(triple):
            continue
        if known is not None and triple in known:
            continue
        inferred.add(triple)
    return inferred
