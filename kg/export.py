"""Export the claims as nanopublications: one per claim, so each can be cited and reused on its own.

Owns the nanopublication layout (https://nanopub.net/guidelines/working_draft/): a head graph naming
an assertion, a provenance and a publication-info graph. The assertion holds the claim node with what it
is about (and its stated facts and linkages); the provenance says where its words are (the Web Annotation
evidence with its selectors, the source, the speaker); the publication info says who publishes it under
which licence. Nanopublications are written unsigned, under https://w3id.org/eco-kg/np/<claim>; signing
and trusty URIs belong to whoever publishes them to the nanopublication network. No HTTP, no SPARQL here.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from .build import load_dataset
from .errors import EXIT_OK, EcoKGError
from .metadata import LICENCE
from .namespaces import BASE, CLAIM, DATASET_IRI, ECO, FACT, ID, ONTOLOGY_GRAPH, ONTOLOGY_IRI, PREFIXES
from .ontology import CLAIM_CLASS, claim_kinds
from .settings import Settings

NP = Namespace("http://www.nanopub.org/nschema#")
NPX = Namespace("http://purl.org/nanopub/x/")
NANOPUB_BASE = BASE + "np/"
#: properties of a claim that say where it comes from: provenance, not assertion
PROVENANCE_PROPERTIES = {ECO.hasEvidence, PROV.wasAttributedTo, PROV.wasDerivedFrom}


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


def claim_nanopublication(source_graph: Graph, claim: URIRef, created: Literal | None) -> Dataset:
    """The nanopublication of ``claim`` (a claim node in ``source_graph``), as a Dataset of four graphs."""
    slug = str(claim)[len(str(CLAIM)):]
    base = URIRef(NANOPUB_BASE + slug)
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
            isinstance(node, URIRef) and (node, RDF.type, ECO.Linkage) in source_graph)

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
    pubinfo_graph.add((base, DCTERMS.license, LICENCE))
    pubinfo_graph.add((base, DCTERMS.creator, ID.ECOKGContributors))
    pubinfo_graph.add((base, DCTERMS.publisher, ID.ECOKGProject))
    pubinfo_graph.add((base, PROV.wasDerivedFrom, URIRef(DATASET_IRI)))
    pubinfo_graph.add((base, NPX.introduces, claim))
    for label in source_graph.objects(claim, RDFS.label):
        pubinfo_graph.add((base, RDFS.label, label))
    if created is not None:
        pubinfo_graph.add((base, DCTERMS.created, created))
    return nanopub


def claim_nanopublications(dataset: Dataset) -> list[tuple[URIRef, Dataset]]:
    """(claim, nanopublication) for every claim of every source graph, sorted by claim IRI."""
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    created = ontology.value(URIRef(ONTOLOGY_IRI), DCTERMS.issued)
    created = Literal(str(created), datatype=XSD.date) if created is not None else None
    claim_classes = [CLAIM_CLASS, *(kind.iri for kind in claim_kinds(ontology))]
    found = []
    for graph in dataset.graphs():
        if not str(graph.identifier).startswith(BASE + "graph/source/"):
            continue
        claims = {s for kind in claim_classes for s in graph.subjects(RDF.type, kind)
                  if isinstance(s, URIRef) and str(s).startswith(str(CLAIM))}
        found += [(claim, claim_nanopublication(graph, claim, created)) for claim in claims]
    return sorted(found, key=lambda pair: str(pair[0]))


def write_nanopublications(dataset: Dataset, output: Path) -> int:
    """All claims' nanopublications into one TriG file (each in its own four graphs); returns how many."""
    combined = Dataset()
    nanopubs = claim_nanopublications(dataset)
    for _claim, nanopub in nanopubs:
        for prefix, namespace in nanopub.namespaces():
            if prefix != "this":
                combined.bind(prefix, namespace)
        for quad in nanopub.quads((None, None, None, None)):
            combined.add(quad)
    text = combined.serialize(format="trig")
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(output.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(output)
    return len(nanopubs)


def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--nanopub", action="store_true", required=True,
                        help="one nanopublication per claim (assertion, provenance, publication info), as TriG")
    parser.add_argument("--output", "-o", type=Path,
                        help="file to write (default: build/eco-kg-nanopubs.trig; '-' for standard output)")


def command(args: argparse.Namespace, settings: Settings) -> int:
    dataset = load_dataset(settings)
    if str(args.output) == "-":
        combined = Dataset()
        for _claim, nanopub in claim_nanopublications(dataset):
            for quad in nanopub.quads((None, None, None, None)):
                combined.add(quad)
        sys.stdout.write(combined.serialize(format="trig"))
        return EXIT_OK
    output = args.output or settings.build_dir / "eco-kg-nanopubs.trig"
    try:
        count = write_nanopublications(dataset, output)
    except OSError as error:
        raise EcoKGError(f"cannot write the nanopublications: {error.strerror or error}", file=output) from None
    print(f"wrote {count} nanopublications to {output}")
    return EXIT_OK
