"""What the store says about one IRI, ready for a page: statements both ways, grouped by predicate.

Owns reading a resource's outgoing statements (with the blank nodes of OWL axioms and lists) and
incoming ones, ordering them for reading, and picking out what a page leads with: its notes, other
names and links to the same thing elsewhere (Wikidata first). It does not choose sections or render.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from markupsafe import Markup
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from kg.namespaces import ECO, INFERRED_GRAPH
from kg.rdfio import bind_prefixes

from .site import iri_ref, select
from .terms import claim_kind, label_of, term_html

#: most incoming statements a page lists (a class with many instances stays readable)
INCOMING_LIMIT = 2000
NOTE_PREDICATES = [SKOS.definition, RDFS.comment, DCTERMS.description, SKOS.scopeNote]
#: predicates shown first on a page, in this order; the rest follow by label
LEADING_PREDICATES = [RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, DCTERMS.title,
                      SKOS.definition, RDFS.comment, DCTERMS.description, SKOS.scopeNote,
                      ECO.holder, ECO.modality, ECO.forum, ECO.hasEvidence]
#: predicates that say another dataset describes the same thing
SAME_AS = [OWL.sameAs, SKOS.exactMatch, SKOS.closeMatch]
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"


@dataclass
class Description:
    """Everything the store says about one IRI: outgoing and incoming statements, per graph."""

    iri: URIRef
    outgoing: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    incoming: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    bnodes: dict = field(default_factory=lambda: defaultdict(list))
    graph: Graph = field(default_factory=lambda: bind_prefixes(Graph()))
    incoming_truncated: bool = False

    @property
    def exists(self) -> bool:
        return bool(len(self.graph))

    def values(self, predicate) -> list:
        return sorted(self.outgoing.get(predicate, {}), key=lambda v: (not isinstance(v, URIRef), str(v)))

    @property
    def types(self) -> list[URIRef]:
        return [t for t in self.values(RDF.type) if isinstance(t, URIRef)]

    @property
    def incoming_count(self) -> int:
        return sum(len(subjects) for subjects in self.incoming.values())

    def mentioned(self) -> list:
        """Every term a page of this description may name (to fetch their labels at once)."""
        terms = [self.iri, *self.outgoing, *self.incoming]
        for table in (self.outgoing, self.incoming):
            for values in table.values():
                terms += list(values)
                for graphs in values.values():
                    terms += list(graphs)
        for items in self.bnodes.values():
            terms += [x for pv in items for x in pv]
        return terms


def describe(iri: URIRef) -> Description:
    """Outgoing statements (with blank-node detail such as OWL lists) and incoming ones."""
    r = iri_ref(iri)
    description = Description(iri)
    rows = select(f"""SELECT ?dir ?s ?p ?o ?g WHERE {{
        {{ GRAPH ?g {{ {r} ?p ?o }} BIND("out" AS ?dir) BIND({r} AS ?s) }}
        UNION {{ GRAPH ?g {{ {r} ?p0 ?b0 . FILTER(isBlank(?b0))
                 ?b0 (rdf:first|rdf:rest|owl:members|owl:unionOf|owl:intersectionOf|owl:oneOf|owl:someValuesFrom|owl:allValuesFrom)* ?s .
                 FILTER(isBlank(?s)) ?s ?p ?o }} BIND("bnode" AS ?dir) }} }}""")
    incoming = select(f"""SELECT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p {r} }} FILTER(!isBlank(?s)) }}
        ORDER BY ?p ?s LIMIT {INCOMING_LIMIT + 1}""")
    if len(incoming) > INCOMING_LIMIT:
        incoming = incoming[:INCOMING_LIMIT]
        description.incoming_truncated = True
    for row in rows:
        description.graph.add((row["s"], row["p"], row["o"]))
        if str(row["dir"]) == "out":
            description.outgoing[row["p"]][row["o"]].add(row["g"])
        else:
            description.bnodes[row["s"]].append((row["p"], row["o"]))
    for row in incoming:
        description.graph.add((row["s"], row["p"], iri))
        description.incoming[row["p"]][row["s"]].add(row["g"])
    return description


def predicate_order(predicate: URIRef) -> tuple:
    if predicate in LEADING_PREDICATES:
        return (0, LEADING_PREDICATES.index(predicate), "")
    return (1, 0, label_of(predicate).lower())


def inferred_only(values: dict) -> bool:
    """True when every value of a row comes from the entailments alone (graph/inferred)."""
    return all(graphs == {INFERRED_GRAPH} for graphs in values.values())


def property_rows(table: dict) -> list[dict]:
    rows = []
    # what the sources state first, what the reasoner adds after it (a claim's many inferred `about` values
    # would otherwise push its holder and modality off the first screens)
    for predicate in sorted(table, key=lambda p: (inferred_only(table[p]), predicate_order(p))):
        values = sorted(table[predicate], key=lambda v: (not isinstance(v, URIRef), label_of(v).lower(), str(v)))
        rows.append({"predicate": predicate,
                     "values": [{"term": v, "graphs": sorted(table[predicate][v], key=str)} for v in values]})
    return rows


def bnode_html(description: Description, node, depth: int = 0) -> Markup:
    """A blank node's own statements (an OWL axiom, an RDF list) as a nested list."""
    items = description.bnodes.get(node, [])
    if not items or depth > 6:
        return term_html(node)
    parts = []
    for predicate, value in sorted(items, key=lambda pv: (str(pv[0]), str(pv[1]))):
        shown = bnode_html(description, value, depth + 1) if isinstance(value, BNode) else term_html(value)
        parts.append(Markup("<li>{} {}</li>").format(term_html(predicate, with_curie=False), shown))
    return Markup('<ul class="bnode-detail">{}</ul>').format(Markup("").join(parts))


def value_html(description: Description, value) -> Markup:
    return bnode_html(description, value) if isinstance(value, BNode) else term_html(value)


def claim_facts(description: Description) -> dict:
    """What a claim's page leads with: its kind, who holds it, its modality and its forum."""
    return {"kind": claim_kind(description.types), "holders": description.values(ECO.holder),
            "modalities": description.values(ECO.modality), "forums": description.values(ECO.forum)}


def first_note(description: Description) -> list[tuple[str, Literal]]:
    notes = []
    for predicate in NOTE_PREDICATES:
        for value in description.values(predicate):
            if isinstance(value, Literal) and (not value.language or value.language.startswith("en")):
                notes.append((label_of(predicate), value))
    return notes


def other_names(description: Description) -> list[str]:
    """Alternative labels in English or without a language, as a person would list them."""
    return sorted({str(v) for v in description.values(SKOS.altLabel)
                   if isinstance(v, Literal) and (not v.language or v.language.startswith("en"))})


def same_things(description: Description) -> list[dict]:
    """Links to the same thing in other datasets, Wikidata's first: name of the source and IRI."""
    links = []
    for predicate in SAME_AS:
        for value in description.values(predicate):
            if isinstance(value, URIRef) and str(value).startswith(("http://", "https://")):
                iri = str(value)
                wikidata = iri.startswith(WIKIDATA_ENTITY)
                links.append({"iri": iri, "wikidata": wikidata,
                              "text": f"Wikidata {iri[len(WIKIDATA_ENTITY):]}" if wikidata else iri})
    unique = {link["iri"]: link for link in links}
    return sorted(unique.values(), key=lambda link: (not link["wikidata"], link["iri"]))
