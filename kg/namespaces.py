"""The project's IRIs, written once.

Owns the persistent base (a w3id-style namespace), the namespaces minted under it, the named-graph
IRIs and the prefix table every serialisation binds. Everything else imports from here; no other
module spells the base out.
"""
from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD

BASE = "https://w3id.org/eco-kg/"

ECO = Namespace(BASE + "ontology/")  # ontology terms: classes and properties
ONTOLOGY_IRI = BASE + "ontology"
ID = Namespace(BASE + "id/")  # named entities: states, organisations, places, corridors …
CLAIM = Namespace(BASE + "id/claim/")
DOMAIN = Namespace(BASE + "id/domain/")  # SKOS scheme of cooperation domains
MODALITY = Namespace(BASE + "id/modality/")  # SKOS scheme of modalities and statuses
QUALIFIER = Namespace(BASE + "id/qualifier/")  # SKOS scheme of qualifiers the text gives (low cost, first step …)
FACT = Namespace(BASE + "id/fact/")  # reified plain triples that factual statements support
SOURCE = Namespace(BASE + "id/source/")
EVIDENCE = Namespace(BASE + "id/evidence/")
GRAPH = Namespace(BASE + "graph/")
SHAPES = Namespace(BASE + "shapes/")
DATASET_IRI = BASE + "dataset"
#: the IRIs the build gives blank nodes (RDF 1.1 §3.5 skolem IRIs), so an update can name and delete them
GENID = Namespace(BASE + ".well-known/genid/")

ORG = Namespace("http://www.w3.org/ns/org#")
OA = Namespace("http://www.w3.org/ns/oa#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
VANN = Namespace("http://purl.org/vocab/vann/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SCHEMA = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")

# Named graphs: what the interview says is kept apart from background knowledge.
ONTOLOGY_GRAPH = GRAPH["ontology"]
ENTITIES_GRAPH = GRAPH["entities"]
BACKGROUND_GRAPH = GRAPH["background"]
METADATA_GRAPH = GRAPH["metadata"]
WIKIDATA_LINKS_GRAPH = GRAPH["wikidata-links"]
WIKIDATA_ENRICHMENT_GRAPH = GRAPH["wikidata-enrichment"]
INFERRED_GRAPH = GRAPH["inferred"]  # what the ontology entails over everything else, generated


def source_graph(slug: str):
    """The named graph holding everything extracted from one source document."""
    return GRAPH["source/" + slug]


PREFIXES: dict[str, str] = {
    "eco": str(ECO),
    "ecoid": str(ID),
    "claim": str(CLAIM),
    "domain": str(DOMAIN),
    "modality": str(MODALITY),
    "qualifier": str(QUALIFIER),
    "fact": str(FACT),
    "source": str(SOURCE),
    "evidence": str(EVIDENCE),
    "graph": str(GRAPH),
    "org": str(ORG),
    "oa": str(OA),
    "geo": str(GEO),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "dcat": str(DCAT),
    "void": str(VOID),
    "foaf": str(FOAF),
    "vann": str(VANN),
    "sd": str(SD),
    "sh": str(SH),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "schema": str(SCHEMA),
    "wd": str(WD),
    "wdt": str(WDT),
}


def sparql_prologue() -> str:
    """PREFIX lines for every prefix the project binds, for queries written by hand."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
