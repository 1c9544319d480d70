"""Export the claims as nanopublications: one per claim, so each can be cited and reused on its own.

Owns the nanopublication layout (head, assertion with the claim, provenance with its words' selectors,
publication info with the licence of the assertion and the rights of the quoted words), each named by its
trusty URI https://w3id.org/eco-kg/np/RA…, and signed with a key the user gives. The artefact code and the
signature are `kg.trusty`'s; serving the nanopublications is the server's. No HTTP, no SPARQL here.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from . import trusty
from .metadata import LICENCE, NANOPUBS_FILE  # noqa: F401 - the server names the file with the nanopublications
from .namespaces import BASE, CLAIM, DATASET_IRI, ECO, FACT, ID, ONTOLOGY_GRAPH, ONTOLOGY_IRI, PREFIXES
from .ontology import CLAIM_CLASS, claim_kinds
from .settings import Settings

NP = Namespace("http://www.nanopub.org/nschema#")
NPX = Namespace("http://purl.org/nanopub/x/")
NANOPUB_BASE = BASE + "np/"
#: properties of a claim that say where it comes from: provenance, not assertion
PROVENANCE_PROPERTIES = {ECO.hasEvidence, PROV.wasAttributedTo, PROV.wasDerivedFrom}
#: the statement that the CC BY licence of the assertion does not reach the words the provenance quotes
QUOTED_RIGHTS = URIRef(DATASET_IRI + "#rights-of-quoted-text")
QUOTED_RIGHTS_LABEL = (
    "The assertion is under CC BY 4.0. The words this nanopublication quotes from its source (oa:exact, "
    "oa:prefix, oa:suffix) are not: they keep the source's own terms, given by the source's dcterms:license "
    "or dcterms:rights in the dataset's description.")


def _closure(graph: Graph, start, owned) -> set:
    """Triples of ``start`` and of the nodes it points at that ``owned`` says belong to it."""
    triples, pending, seen = set(), [start], set()
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in graph.triples((node, None, None)):
            triples.add(triple)
            if owned(triple[2]):
                pending.append(triple[2])
    return triples


def _skolemised(quads: list[tuple], base: str) -> list[tuple]:
    """Blank nodes as IRIs under the nanopublication (``<np>#_<digest>``), named by what they say, so the
    same graph always gives the same artefact code whatever names a parser gave its blank nodes."""
    def shown(term):
        return "_" if isinstance(term, BNode) else term.n3()
    described: dict[BNode, list[str]] = {}
    for s, p, o, _g in quads:
        if isinstance(s, BNode):
            described.setdefault(s, []).append(f"{shown(p)} {shown(o)}")
        if isinstance(o, BNode):
            described.setdefault(o, []).append(f"^{shown(s)} {shown(p)}")
    names = {node: URIRef(f"{base}#_" + hashlib.sha256("\n".join(sorted(lines)).encode("utf-8")).hexdigest()[:16])
             for node, lines in described.items()}
    return [tuple(names.get(term, term) for term in quad) for quad in quads]


def claim_nanopublication(source_graph: Graph, claim: URIRef, created: Literal | None, key=None) -> Dataset:
    """The nanopublication of ``claim`` (a claim node in ``source_graph``), as a Dataset of four graphs, named
    by its trusty URI; signed first when ``key`` (`kg.trusty.load_private_key`) is given."""
    # a working name until the trusty URI replaces it (a project's claim is named in its own namespace)
    base = URIRef(NANOPUB_BASE + str(claim).rstrip("/").rsplit("/", 1)[-1])
    head, assertion, provenance, pubinfo = (URIRef(f"{base}#{part}") for part in
                                            ("Head", "assertion", "provenance", "pubinfo"))
    nanopub = Dataset()
    for prefix, namespace in PREFIXES.items():
        nanopub.bind(prefix, namespace)
    nanopub.bind("np", NP)
    nanopub.bind("npx", NPX)
    nanopub.bind("this", base + "#")

    head_graph = nanopub.graph(head)
    head_graph.add((base, RDF.type, NP.Nanopublication))
    head_graph.add((base, NP.hasAssertion, assertion))
    head_graph.add((base, NP.hasProvenance, provenance))
    head_graph.add((base, NP.hasPublicationInfo, pubinfo))

    def owned_by_claim(node) -> bool:  # stated facts and linkages are part of what the claim says
        return isinstance(node, BNode) or str(node).startswith(str(FACT)) or (
            isinstance(node, URIRef) and ((node, RDF.type, ECO.Linkage) in source_graph
                                          or (node, ECO.factSubject, None) in source_graph))

    assertion_graph = nanopub.graph(assertion)
    for triple in _closure(source_graph, claim, owned_by_claim):
        if not (triple[0] == claim and triple[1] in PROVENANCE_PROPERTIES):
            assertion_graph.add(triple)

    provenance_graph = nanopub.graph(provenance)
    for predicate in (PROV.wasDerivedFrom, PROV.wasAttributedTo):
        for value in source_graph.objects(claim, predicate):
            provenance_graph.add((assertion, predicate, value))
    for evidence in source_graph.objects(claim, ECO.hasEvidence):
        provenance_graph.add((assertion, PROV.wasQuotedFrom, evidence))
        provenance_graph.add((claim, ECO.hasEvidence, evidence))
        owned = lambda node: isinstance(node, BNode) or str(node).startswith(str(evidence))  # noqa: E731
        for triple in _closure(source_graph, evidence, owned):
            provenance_graph.add(triple)

    pubinfo_graph = nanopub.graph(pubinfo)
    pubinfo_graph.add((assertion, DCTERMS.license, LICENCE))
    pubinfo_graph.add((base, DCTERMS.rights, QUOTED_RIGHTS))
    pubinfo_graph.add((QUOTED_RIGHTS, RDF.type, DCTERMS.RightsStatement))
    pubinfo_graph.add((QUOTED_RIGHTS, RDFS.label, Literal(QUOTED_RIGHTS_LABEL, lang="en")))
    pubinfo_graph.add((base, DCTERMS.creator, ID.ECOKGContributors))
    pubinfo_graph.add((base, DCTERMS.publisher, ID.ECOKGProject))
    pubinfo_graph.add((base, PROV.wasDerivedFrom, URIRef(DATASET_IRI)))
    pubinfo_graph.add((base, NPX.introduces, claim))
    for label in source_graph.objects(claim, RDFS.label):
        pubinfo_graph.add((base, RDFS.label, label))
    if created is not None:
        pubinfo_graph.add((base, DCTERMS.created, created))
    quads = [(s, p, o, getattr(g, "identifier", g)) for s, p, o, g in nanopub.quads((None, None, None, None))]
    quads = _skolemised(quads, str(base))
    if key is not None:
        quads = trusty.sign(quads, str(base), NANOPUB_BASE, pubinfo, key)
    final, quads = trusty.make_trusty(quads, str(base), NANOPUB_BASE)
    made = Dataset()
    for prefix, namespace in nanopub.namespaces():
        if prefix != "this":
            made.bind(prefix, namespace)
    made.bind("this", URIRef(final + "#"))
    for s, p, o, g in quads:
        made.graph(g).add((s, p, o))
    return made


def nanopub_iri(nanopub: Dataset) -> URIRef:
    """The IRI a nanopublication's head names it by."""
    return next(s for s, _p, _o, _g in nanopub.quads((None, RDF.type, NP.Nanopublication, None)))


def claim_nanopublications(dataset: Dataset, key=None, project=None) -> list[tuple[URIRef, Dataset]]:
    """(claim, nanopublication) for every claim of every source graph, ``project``'s (`kg.project.Project`)
    too, sorted by claim IRI; signed with ``key`` when given."""
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    issued = ontology.value(URIRef(ONTOLOGY_IRI), DCTERMS.issued)
    # the release's date at midnight UTC, not the time of export: the same graph always gives the same
    # trusty URIs; "+00:00", not "Z", is the form rdflib reads back unchanged, so the code still verifies
    created = Literal(f"{str(issued)[:10]}T00:00:00+00:00", datatype=XSD.dateTime) if issued is not None else None
    claim_classes = [CLAIM_CLASS, *(kind.iri for kind in claim_kinds(ontology))]
    found = []
    sources = source_graph_prefixes(project)
    for graph in dataset.graphs():
        if not str(graph.identifier).startswith(sources):
            continue
        claims = {s for kind in claim_classes for s in graph.subjects(RDF.type, kind)
                  if isinstance(s, URIRef) and (str(s).startswith(str(CLAIM))
                                                or project is not None and project.owns(str(s)))}
        found += [(claim, claim_nanopublication(graph, claim, created, key)) for claim in claims]
    return sorted(found, key=lambda pair: str(pair[0]))


def source_graph_prefixes(project=None) -> tuple[str, ...]:
    """How the named graphs of sources begin: ECO-KG's, and ``project``'s when there is one."""
    return (BASE + "graph/source/", *((project.graph("source/"),) if project is not None else ()))


def combined_trig(nanopubs: list[tuple[URIRef, Dataset]]) -> str:
    """The nanopublications as one TriG text, each in its own four graphs."""
    combined = Dataset()
    for _claim, nanopub in nanopubs:
        for prefix, namespace in nanopub.namespaces():
            if prefix != "this":
                combined.bind(prefix, namespace)
        for quad in nanopub.quads((None, None, None, None)):
            combined.add(quad)
    return combined.serialize(format="trig")


def with_accepted_updates(dataset: Dataset, settings: Settings) -> Dataset:
    """``dataset`` (the build, as rdflib reads its dump) with the journal's accepted updates applied, as
    `ecokg serve` applies them at start: the nanopublications of what is served, the same from the command
    line and from the server. The store is not read: Oxigraph keeps every integer type as xsd:integer."""
    from .journal import journal_path, read, refuse_ontology

    path = journal_path(settings)
    if path is None or not path.exists():
        return dataset
    entries = read(path)
    refuse_ontology(path, entries)
    for entry in entries:
        for quad in entry.removed:
            dataset.remove(quad)
        for quad in entry.added:
            dataset.add(quad)
    return dataset


def write_nanopublications(dataset: Dataset, output: Path, key=None, project=None) -> int:
    """All claims' nanopublications (``project``'s too) into one TriG file (signed with ``key`` when given);
    returns how many."""
    nanopubs = claim_nanopublications(dataset, key, project)
    text = combined_trig(nanopubs)
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(output.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(output)
    return len(nanopubs)
