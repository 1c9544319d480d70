"""How RDF terms read on a page: labels, links, literals, and what the ontology says a class is.

Owns the best (English) label of many IRIs at once, a term as HTML (http(s) IRIs linked, literals escaped), the
class hierarchy and the kinds of claim that entity pages count and the picture colours (the ontology's,
`kg.ontology.claim_kinds`); all remembered for one request (`flask.g`). It lays out no page.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from flask import g
from markupsafe import Markup, escape
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS, XSD

from kg.ontology import CLAIM_CLASS, claim_kinds
from kg.query import term_text
from kg.terms import local_name

from .site import UNSAFE_IRI, is_project_iri, linkable, local_href, public_base, select, settings, values_clause

LABEL_PREDICATES = [RDFS.label, SKOS.prefLabel, DCTERMS.title]


@dataclass(frozen=True)
class ClaimKind:
    """A kind of claim: its class, the key used in links and the picture, how it reads."""

    cls: URIRef
    key: str
    plural: str
    verb: str


#: how the picture's edges read for a kind's key (wording only: which kinds there are is the ontology's)
VERBS = {"proposal": "proposes", "stance": "takes a stance on", "assessment": "assesses", "reported": "speaks of",
         "factual": "states"}
#: a claim of no kind the ontology defines
PLAIN_CLAIM = ClaimKind(CLAIM_CLASS, "claim", "Other claims", "says about")


def _shown(kind) -> ClaimKind:
    """A `kg.ontology.ClaimKind` as the pages show it: the key is the first word of its local name (the
    stylesheet's kind-… colours), the plural its label's."""
    key = re.match(r"[A-Z]?[^A-Z]*", local_name(kind.iri)).group(0).lower() or local_name(kind.iri).lower()
    label = kind.label[:1].upper() + kind.label[1:]
    plural = (label[:-1] + "ies" if re.search(r"[^aeiou]y$", label)
              else label + "es" if re.search(r"(?:s|x|ch|sh)$", label) else label + "s")
    return ClaimKind(kind.iri, key, plural, VERBS.get(key, PLAIN_CLAIM.verb))


class ShownKinds(Sequence):
    """The kinds of claim the served ontology defines (`kg.ontology.claim_kinds`, its order), then a plain claim;
    read when used, since the settings, and so the ontology, are the app's. A claim is of the first kind whose
    class it is an instance of."""

    def _kinds(self) -> list[ClaimKind]:
        return [*(_shown(kind) for kind in claim_kinds(settings())), PLAIN_CLAIM]

    def __getitem__(self, index):
        return self._kinds()[index]

    def __len__(self) -> int:
        return len(self._kinds())

    def __iter__(self):
        return iter(self._kinds())


CLAIM_KINDS = ShownKinds()


def _label_rank(literal: Literal, predicate: URIRef) -> tuple:
    lang = (literal.language or "").lower()
    return (0 if lang == "en" else 1 if not lang else 2, LABEL_PREDICATES.index(predicate), str(literal))


def fetch_labels(iris) -> dict[str, str]:
    """Best label of each IRI (English first), fetched in batches; remembered for the request."""
    known: dict[str, str] = g.setdefault("ecokg_labels", {})
    wanted = sorted({str(i) for i in iris if isinstance(i, URIRef)} - set(known))
    for chunk_start in range(0, len(wanted), 200):
        chunk = [URIRef(i) for i in wanted[chunk_start:chunk_start + 200] if not UNSAFE_IRI.search(i)]
        if not chunk:
            continue
        rows = select(f"""SELECT ?x ?p ?label WHERE {{ {values_clause('x', chunk)}
            VALUES ?p {{ rdfs:label skos:prefLabel dcterms:title }}
            GRAPH ?g {{ ?x ?p ?label }} FILTER(isLiteral(?label)) }}""")
        best: dict[str, tuple] = {}
        for row in rows:
            rank = _label_rank(row["label"], row["p"])
            key = str(row["x"])
            if key not in best or rank < best[key][0]:
                best[key] = (rank, str(row["label"]))
        for key, (_rank, label) in best.items():
            known[key] = label
    for i in wanted:
        known.setdefault(i, "")
    return known


def compact(term) -> str:
    return term_text(term) if term is not None else ""


def label_of(term) -> str:
    labels = g.get("ecokg_labels", {})
    if isinstance(term, URIRef):
        return labels.get(str(term)) or compact(term)
    return str(term)


def term_html(term, *, with_curie: bool = True) -> Markup:
    """One RDF term as HTML: http(s) IRIs linked (locally when under the base), other IRIs and literals as
    escaped text."""
    if term is None:
        return Markup('<span class="unbound">—</span>')
    if isinstance(term, URIRef):
        label = label_of(term)
        curie = compact(term)
        if not linkable(str(term)):  # javascript:, data:, urn: …: shown, never followed
            link = Markup('<span class="iri" title="{}">{}</span>').format(str(term), label)
        else:
            external = "" if str(term).startswith(public_base()) or is_project_iri(str(term)) else ' class="external"'
            link = Markup('<a href="{}" title="{}"{}>{}</a>').format(local_href(str(term)), str(term),
                                                                     Markup(external), label)
        if with_curie and label != curie:
            link += Markup(' <span class="curie">{}</span>').format(curie)
        return link
    if isinstance(term, BNode):
        return Markup('<span class="bnode">_:{}</span>').format(str(term)[:12])
    if isinstance(term, Literal):
        text = Markup('<span class="literal">{}</span>').format(str(term))
        if term.language:
            text += Markup('<span class="lang">@{}</span>').format(term.language)
        elif term.datatype and term.datatype != XSD.string:
            text += Markup('<span class="datatype">{}</span>').format(compact(term.datatype))
        return text
    return Markup(escape(str(term)))


def class_closure() -> dict[URIRef, set[URIRef]]:
    """Each class with all its superclasses (itself included), from the ontology."""
    if "ecokg_classes" in g:
        return g.ecokg_classes
    rows = select("SELECT ?c ?s WHERE { GRAPH ?g { ?c rdfs:subClassOf ?s } FILTER(isIRI(?c) && isIRI(?s)) }")
    direct: dict[URIRef, set] = defaultdict(set)
    for row in rows:
        direct[row["c"]].add(row["s"])
    closure: dict[URIRef, set] = {}

    def supers(cls, seen=()):
        if cls in closure:
            return closure[cls]
        found = {cls}
        for parent in direct.get(cls, ()):
            if parent not in seen:
                found |= supers(parent, seen + (cls,))
        closure[cls] = found
        return found

    for cls in list(direct):
        supers(cls)
    g.ecokg_classes = defaultdict(set, closure)
    return g.ecokg_classes


def ancestors(cls: URIRef) -> set[URIRef]:
    closure = class_closure()
    return closure.get(cls, {cls})


def claim_classes() -> set[URIRef]:
    return {c for c, supers in class_closure().items() if CLAIM_CLASS in supers} | {CLAIM_CLASS}


def is_claim(types) -> bool:
    return any(t in claim_classes() for t in types)


def claim_kind(types) -> ClaimKind:
    """The most specific kind of claim among ``types`` (a claim of no known kind is a plain claim)."""
    supers: set = set()
    for t in types:
        supers |= ancestors(t)
    return next((kind for kind in CLAIM_KINDS if kind.cls in supers), CLAIM_KINDS[-1])


def leading_types(types) -> list[URIRef]:
    """The most specific of ``types``: those that are no superclass of another one given."""
    return [t for t in types if not any(t != other and t in ancestors(other) for other in types)]
