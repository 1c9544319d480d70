"""Writing RDF terms for people: prefixed names, local names, literals, in messages and tables.

Owns every short form of a term the library prints: `short` (messages: eco:State, ecoid:Pakistan,
<iri> when no prefix fits), `term_text` (query tables: a prefixed name only when it is valid
Turtle, else the full IRI), `curie`, `local_name` and `base_relative`; and `rdflib_term`, the one
conversion of a pyoxigraph term to rdflib's. The prefixes are `kg.namespaces.PREFIXES`; the SPARQL
result formats are written elsewhere, by their own rules.
"""
from __future__ import annotations

import re

from rdflib import BNode, Literal, URIRef

from .errors import UnsupportedTerm
from .namespaces import BASE, PREFIXES

#: (prefix, namespace), longest namespace first: the most specific prefix wins (claim: before ecoid:)
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))
#: a local part that may follow a prefix in Turtle and SPARQL as it is
_PLAIN_LOCAL = re.compile(r"[\w\-.]*")


def curie(iri, *, strict: bool = False) -> str | None:
    """``prefix:local`` under the longest namespace ``iri`` starts with, or None when none does.

    With ``strict``, only a local part made of word characters, ``-`` and ``.`` counts (a name Turtle
    reads back as written); a namespace whose local part is not such is skipped for a shorter one."""
    text = str(iri)
    for prefix, namespace in _BY_LENGTH:
        if text.startswith(namespace):
            local = text[len(namespace):]
            if not strict or _PLAIN_LOCAL.fullmatch(local):
                return f"{prefix}:{local}"
    return None


def short(term) -> str:
    """A compact form of any term for messages: eco:State, ecoid:Pakistan, <iri>, 'text', "1"^^xsd:integer, _:b0."""
    if isinstance(term, Literal):
        return repr(str(term)) if term.datatype is None else f'"{term}"^^{short(term.datatype)}'
    if isinstance(term, BNode):
        return f"_:{term}"
    return curie(term) or f"<{term}>"


def term_text(term, compact: bool = True) -> str:
    """A term as a table cell: IRIs prefixed when ``compact`` and valid as written, literals as their text."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return (curie(term, strict=True) if compact else None) or str(term)
    if isinstance(term, BNode):
        return "_:" + str(term)
    return str(term)


def local_name(iri) -> str:
    """The last segment of an IRI's path or its fragment: Pakistan for …/id/Pakistan, label for …#label."""
    return re.split(r"[/#]", str(iri).rstrip("/#"))[-1]


def base_relative(iri) -> str:
    """An IRI under the project's base without it (id/claim/…, graph/entities); any other IRI whole."""
    text = str(iri)
    return text[len(BASE):] if text.startswith(BASE) else text


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def rdflib_term(term, *, iris: dict | None = None, blank_prefix: str = "", rdf12_as_text: bool = False):
    """A pyoxigraph term as an rdflib term: every reader of pyoxigraph (answers, stores, the gate) uses this one.

    The default graph is None; an xsd:string literal has no datatype, as rdflib parses it; other literals keep
    their lexical form as written (``"01"^^xsd:integer`` stays "01"). A blank node's label gets ``blank_prefix``
    (so two parses' labels never meet). ``iris``, when given, keeps each IRI's URIRef for the next (a large read
    repeats few IRIs many times). An RDF 1.2 term rdflib cannot hold, a quoted triple or a literal with a base
    direction, raises `UnsupportedTerm` where data is kept, or, with ``rdf12_as_text``, is a plain literal of
    its N-Triples text (an answer shows what is there rather than something else).
    """
    # dispatched on the class name so that this module, which most commands import, does not load pyoxigraph
    kind = type(term).__name__
    if kind == "NamedNode":
        value = term.value
        if iris is None:
            return URIRef(value)
        found = iris.get(value)
        if found is None:
            found = iris[value] = URIRef(value)
        return found
    if kind == "Literal" and getattr(term, "direction", None) is None:
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype), normalize=False)
    if kind == "BlankNode":
        return BNode(blank_prefix + term.value)
    if kind == "DefaultGraph":
        return None
    if rdf12_as_text:
        return Literal(f"<<( {term} )>>" if kind == "Triple" else str(term))  # pyoxigraph prints a triple bare
    what = "a quoted triple" if kind == "Triple" else "a literal with a base direction" if kind == "Literal" else kind
    raise UnsupportedTerm(f"{what} is RDF 1.2, which rdflib cannot hold: {term}", term=str(term),
                          hint="state it without RDF 1.2 terms (a quoted triple as an rdf:Statement)")


__all__ = ["base_relative", "curie", "local_name", "rdflib_term", "short", "term_text"]
