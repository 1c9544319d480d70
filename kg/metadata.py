"""The dataset's description, graph/metadata: VoID and DCAT-AP 3.0, made from the built graphs.

Owns `describe_dataset` (one dcat:Catalog of the dataset, its dumps and the SPARQL endpoint as a
dcat:DataService; the named graphs as VoID subsets), `served_record` (the record at the service's public
address), `DUMPS`, the files the dataset is offered as, and `dump_path`, where each lies (the only place a
dump's path is made). Writing the dumps is `kg.build`'s.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from typing import TYPE_CHECKING

from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from .annotations import SourceText
from .namespaces import BASE, DATASET_IRI, ECO, GRAPH, ID, INFERRED_GRAPH, METADATA_GRAPH, ONTOLOGY_GRAPH, ONTOLOGY_IRI
from .terms import base_relative

if TYPE_CHECKING:
    from pathlib import Path

    from .settings import Settings

LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")

#: dump file name -> (rdflib format, media type, whether it keeps named graphs)
DUMPS = {
    "eco-kg.trig": ("trig", "application/trig", True),
    "eco-kg.nq": ("nquads", "application/n-quads", True),
    "eco-kg.ttl": ("turtle", "text/turtle", False),
    "eco-kg.jsonld": ("json-ld", "application/ld+json", True),
}
#: the dump the stores load and the freshness check reads
NQUADS_DUMP = "eco-kg.nq"
#: the file of the claims' nanopublications, offered beside the dumps (made by `kg.export`, not by the build)
NANOPUBS_FILE = "eco-kg-nanopubs.trig"
#: the EU file-type authority's IRI for each dump (DCAT-AP wants dct:format as an IRI)
FILE_TYPES = {"eco-kg.trig": "RDF_TRIG", "eco-kg.nq": "RDF_N_QUADS", "eco-kg.ttl": "RDF_TURTLE",
              "eco-kg.jsonld": "JSON_LD"}
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
FOAF_AGENT = URIRef("http://xmlns.com/foaf/0.1/Agent")
FOAF_NAME = URIRef("http://xmlns.com/foaf/0.1/name")
CATALOG_IRI = URIRef(BASE + "catalog")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
EU = "http://publications.europa.eu/resource/authority/"
GEO_WKT = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")
#: the EU data themes the dataset falls under: international issues; government and public sector
THEMES = (URIRef(EU + "data-theme/INTR"), URIRef(EU + "data-theme/GOVE"))
#: the preferred labels of the controlled terms the record uses (DCAT-AP wants each concept labelled)
CONCEPT_LABELS = {
    EU + "data-theme/INTR": "International issues", EU + "data-theme/GOVE": "Government and public sector",
    EU + "planned-availability/AVAILABLE": "Available", "http://purl.org/adms/licencetype/Attribution": "Attribution",
    "http://purl.org/adms/publishertype/PrivateIndividual(s)": "Private Individual(s)",
}
#: the places the interview is about, as the EU country authority names them, with a bounding box rounded
#: outwards to a tenth of a degree and an approximate centre (longitude latitude, WGS 84)
PLACES = {
    "IRN": ("Iran", "POLYGON((44.0 25.0, 63.4 25.0, 63.4 39.8, 44.0 39.8, 44.0 25.0))", "POINT(53.7 32.4)"),
    "PAK": ("Pakistan", "POLYGON((60.8 23.6, 77.9 23.6, 77.9 37.1, 60.8 37.1, 60.8 23.6))", "POINT(69.3 30.4)"),
}
#: an open-source project's contributors act as themselves, not for an organisation with a legal form
PUBLISHER_TYPE = URIRef("http://purl.org/adms/publishertype/PrivateIndividual(s)")
#: the dumps and the endpoint are kept for the medium term, as long as the service runs
AVAILABLE = URIRef(EU + "planned-availability/AVAILABLE")


def describe_dataset(dataset: Dataset, sources: list[SourceText], project=None) -> Graph:
    """VoID and DCAT description of the dataset, with its named graphs as subsets.

    Conforms to DCAT-AP 3.0 (its SHACL shapes are a test fixture): agents typed foaf:Agent, formats,
    media types and licences as typed IRIs, every distribution with an access URL, and the SPARQL
    endpoint as a dcat:DataService. Version and release date come from the ontology's header.
    The graph's own assertions are CC BY; the words quoted from each source keep that source's terms
    (`_describe_rights`). ``project`` (a `kg.project.Project`) adds its named graphs, under its licence.
    """
    meta = dataset.graph(METADATA_GRAPH)
    ds = URIRef(DATASET_IRI)
    ontology_graph = dataset.graph(ONTOLOGY_GRAPH)
    ontology = URIRef(ONTOLOGY_IRI)
    meta.add((ds, RDF.type, VOID.Dataset))
    meta.add((ds, RDF.type, DCAT.Dataset))
    meta.add((ds, DCTERMS.title, Literal("ECO-KG: Iran–Pakistan security cooperation within ECO", lang="en")))
    meta.add((ds, DCTERMS.description, Literal(
        "A knowledge graph of the positions, obstacles, measures, corridors and cooperation domains in an "
        "interview with a Pakistani official on Iran–Pakistan security cooperation within the Economic "
        "Cooperation Organization, every claim tied to the exact words it came from.", lang="en")))
    meta.add((ds, DCTERMS.license, LICENCE))
    meta.add((LICENCE, RDF.type, DCTERMS.LicenseDocument))
    meta.add((LICENCE, DCTERMS.type, URIRef("http://purl.org/adms/licencetype/Attribution")))
    for role, agent in ((DCTERMS.publisher, ID.ECOKGProject), (DCTERMS.creator, ID.ECOKGContributors)):
        meta.add((ds, role, agent))
        meta.add((agent, RDF.type, FOAF_AGENT))
        meta.add((agent, DCTERMS.type, PUBLISHER_TYPE))
        for name in ontology_graph.objects(agent, FOAF_NAME):
            meta.add((agent, FOAF_NAME, name))
    for header, target in ((OWL.versionInfo, URIRef(str(DCAT) + "version")), (DCTERMS.issued, DCTERMS.issued),
                           (DCTERMS.modified, DCTERMS.modified)):
        for value in ontology_graph.objects(ontology, header):
            meta.add((ds, target, value))
    meta.add((ds, DCAT.landingPage, URIRef(BASE)))
    meta.add((URIRef(BASE), RDF.type, FOAF.Document))
    meta.add((ds, VOID.uriSpace, Literal(BASE + "id/")))
    meta.add((ds, VOID.sparqlEndpoint, URIRef(BASE + "sparql")))
    meta.add((ds, VOID.rootResource, URIRef(ONTOLOGY_IRI)))
    meta.add((ds, DCAT.keyword, Literal("Economic Cooperation Organization", lang="en")))
    meta.add((ds, DCAT.keyword, Literal("Iran–Pakistan relations", lang="en")))
    meta.add((ds, DCAT.keyword, Literal("security cooperation", lang="en")))
    for vocab in ["http://www.w3.org/ns/org#", "http://www.w3.org/ns/prov#", "http://www.w3.org/ns/oa#",
                  "http://www.w3.org/2004/02/skos/core#", "http://www.opengis.net/ont/geosparql#",
                  "http://purl.org/dc/terms/", str(ECO)]:
        meta.add((ds, VOID.vocabulary, URIRef(vocab)))
    for source in sources:  # the texts it was made from (not datasets, so not dct:source in DCAT-AP's sense)
        meta.add((ds, PROV.wasDerivedFrom, source.iri))
    quoted = _describe_rights(dataset, meta, sources)
    meta.add((ds, DCTERMS.rights, quoted))
    for name, (_fmt, media_type, _quads) in DUMPS.items():
        _describe_download(meta, ds, name, media_type, FILE_TYPES[name], quoted,
                           title=f"ECO-KG dump ({name.rsplit('.', 1)[1]})",
                           description=f"Every named graph of ECO-KG as {media_type}"
                                       + (", the graphs kept" if _quads else ", the graphs merged into one") + ".")
    # the SPARQL endpoint: a data service, and a distribution reached through it
    service = URIRef(BASE + "sparql")
    meta.add((service, RDF.type, DCAT.DataService))
    meta.add((service, DCTERMS.title, Literal("ECO-KG SPARQL 1.1 query service", lang="en")))
    meta.add((service, DCAT.endpointURL, service))
    meta.add((service, DCAT.endpointDescription, service))
    protocol = URIRef("https://www.w3.org/TR/sparql11-protocol/")
    meta.add((service, DCTERMS.conformsTo, protocol))
    meta.add((protocol, RDF.type, DCTERMS.Standard))
    meta.add((service, DCAT.servesDataset, ds))
    meta.add((service, DCTERMS.license, LICENCE))
    meta.add((service, DCTERMS.publisher, ID.ECOKGProject))
    _describe_catalog(meta, ds, service, ontology_graph)
    endpoint_dist = URIRef(BASE + "sparql#distribution")
    meta.add((ds, DCAT.distribution, endpoint_dist))
    meta.add((endpoint_dist, RDF.type, DCAT.Distribution))
    meta.add((endpoint_dist, DCTERMS.title, Literal("ECO-KG through its SPARQL endpoint", lang="en")))
    meta.add((endpoint_dist, DCAT.accessURL, service))
    meta.add((endpoint_dist, DCAT.accessService, service))
    meta.add((endpoint_dist, DCTERMS.license, LICENCE))
    meta.add((endpoint_dist, DCTERMS.description, Literal(
        "SPARQL 1.1 queries over the union of the named graphs, answered as SPARQL results or RDF.", lang="en")))
    meta.add((endpoint_dist, DCATAP.availability, AVAILABLE))
    results = URIRef(FILE_TYPE + "SPARQLQRES")
    meta.add((endpoint_dist, DCTERMS["format"], results))
    meta.add((results, RDF.type, DCTERMS.MediaTypeOrExtent))
    _describe_nanopubs(meta, ds, quoted)
    # the record states the agents' types for DCAT-AP; the inferred graph keeps only what nothing states
    inferred = dataset.graph(INFERRED_GRAPH)
    for triple in list(meta):
        inferred.remove(triple)
    total = 0
    for graph in sorted(dataset.graphs(), key=lambda g: str(g.identifier)):
        own = project is not None and project.owns(str(graph.identifier))
        if graph.identifier == METADATA_GRAPH or not len(graph) or not (str(graph.identifier).startswith(str(GRAPH))
                                                                         or own):
            continue
        if own and project.licence:
            from .project import licence_iri

            meta.add((graph.identifier, DCTERMS.license, URIRef(licence_iri(project.licence))))
        total += len(graph)
        meta.add((ds, VOID.subset, graph.identifier))
        meta.add((graph.identifier, RDF.type, VOID.Dataset))
        meta.add((graph.identifier, VOID.triples, Literal(len(graph), datatype=XSD.integer)))
        meta.add((graph.identifier, RDFS.label, Literal("named graph " + base_relative(graph.identifier), lang="en")))
        classes = Counter(o for o in graph.objects(None, RDF.type) if isinstance(o, URIRef))
        for cls in sorted(classes):
            partition = URIRef(f"{graph.identifier}/class/{hashlib.sha1(str(cls).encode()).hexdigest()[:10]}")
            meta.add((graph.identifier, VOID.classPartition, partition))
            meta.add((partition, VOID["class"], cls))
            meta.add((partition, VOID.entities, Literal(classes[cls], datatype=XSD.integer)))
    if (ds, VOID.subset, INFERRED_GRAPH) in meta:
        meta.add((INFERRED_GRAPH, DCTERMS.description, Literal(
            "What the ontology entails over the other graphs under OWL 2 RL: types by superclass, super-properties "
            "(eco:about), inverses, symmetric and transitive properties, skos:broaderTransitive. Part of the "
            "default graph; name the other graphs (FROM, default-graph-uri) to leave it out.", lang="en")))
        for graph_iri in sorted(meta.objects(ds, VOID.subset)):
            if graph_iri not in (INFERRED_GRAPH, ONTOLOGY_GRAPH):
                meta.add((INFERRED_GRAPH, PROV.wasDerivedFrom, graph_iri))
        meta.add((INFERRED_GRAPH, PROV.wasDerivedFrom, ONTOLOGY_GRAPH))
    meta.add((ds, VOID.triples, Literal(total, datatype=XSD.integer)))
    for concept, label in CONCEPT_LABELS.items():
        meta.add((URIRef(concept), RDF.type, SKOS.Concept))
        meta.add((URIRef(concept), SKOS.prefLabel, Literal(label, lang="en")))
    return meta


def _describe_catalog(meta: Graph, ds: URIRef, service: URIRef, ontology_graph: Graph) -> None:
    """The catalog holding the dataset and its service, and what DCAT-AP 3.0 recommends for both: contact
    point, themes, places, period, language, keywords."""
    catalog = CATALOG_IRI
    meta.add((catalog, RDF.type, DCAT.Catalog))
    meta.add((catalog, DCTERMS.title, Literal("ECO-KG catalogue", lang="en")))
    meta.add((catalog, DCTERMS.description, Literal(
        "The ECO-KG dataset, its dumps and its SPARQL query service.", lang="en")))
    meta.add((catalog, DCTERMS.publisher, ID.ECOKGProject))
    meta.add((catalog, DCAT.dataset, ds))
    meta.add((catalog, DCAT.service, service))
    meta.add((catalog, DCTERMS.license, LICENCE))
    meta.add((catalog, FOAF.homepage, URIRef(BASE)))
    english = URIRef(EU + "language/ENG")
    meta.add((english, RDF.type, DCTERMS.LinguisticSystem))
    taxonomy = URIRef(EU + "data-theme")
    meta.add((taxonomy, RDF.type, SKOS.ConceptScheme))
    meta.add((taxonomy, DCTERMS.title, Literal("Data theme", lang="en")))
    meta.add((catalog, DCAT.themeTaxonomy, taxonomy))
    for header, target in ((DCTERMS.issued, DCTERMS.issued), (DCTERMS.modified, DCTERMS.modified)):
        for value in ontology_graph.objects(URIRef(ONTOLOGY_IRI), header):
            meta.add((catalog, target, value))
    contact = URIRef(DATASET_IRI + "#contact")
    meta.add((contact, RDF.type, VCARD.Kind))
    meta.add((contact, RDF.type, VCARD.Organization))
    meta.add((contact, VCARD.fn, Literal("ECO-KG contributors", lang="en")))
    meta.add((contact, VCARD.hasURL, URIRef(contact_url())))
    period = URIRef(DATASET_IRI + "#period")
    meta.add((period, RDF.type, DCTERMS.PeriodOfTime))
    meta.add((period, DCAT.startDate, Literal("1985", datatype=XSD.gYear)))
    meta.add((period, DCAT.endDate, Literal("2026-11-26", datatype=XSD.date)))
    meta.add((period, RDFS.comment, Literal(
        "The interview is undated. What it says falls within the Economic Cooperation Organization's existence "
        "(founded in 1985) and before 2026-11-26, when its text was recorded in this dataset.", lang="en")))
    for subject in (catalog, ds, service):
        meta.add((subject, DCTERMS.language, english))
        for theme in THEMES:
            meta.add((subject, DCAT.theme, theme))
            meta.add((theme, RDF.type, SKOS.Concept))
            meta.add((theme, SKOS.inScheme, taxonomy))
    for subject in (ds, service):
        meta.add((subject, DCAT.contactPoint, contact))
    for keyword in ("Economic Cooperation Organization", "Iran–Pakistan relations", "security cooperation"):
        meta.add((service, DCAT.keyword, Literal(keyword, lang="en")))
    meta.add((ds, DCTERMS.temporal, period))
    for code, (name, box, centre) in PLACES.items():
        place = URIRef(EU + "country/" + code)
        meta.add((place, RDF.type, DCTERMS.Location))
        meta.add((place, RDFS.label, Literal(name, lang="en")))
        meta.add((place, DCAT.bbox, Literal(box, datatype=GEO_WKT)))
        meta.add((place, DCAT.centroid, Literal(centre, datatype=GEO_WKT)))
        for subject in (catalog, ds):
            meta.add((subject, DCTERMS.spatial, place))


def contact_url() -> str:
    """Where to reach the people behind the dataset: the issue tracker the package names (a Project-URL
    labelled Issues), else the dataset's home page under its base."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls = metadata("eco-kg").get_all("Project-URL") or []
    except PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("issues", "bug tracker", "tracker") and url.strip().startswith("https://"):
            return url.strip()
    return BASE


def served_record(record: Graph, public_base: str, service_url: str) -> Graph:
    """``record`` as the service publishes it: the endpoint, its distribution and the dumps named at the
    service's public address (``service_url``) instead of under the graph's base, which redirects there."""
    def moved(term):
        text = str(term)
        if (isinstance(term, URIRef) and public_base != service_url
                and (text.startswith(public_base + "sparql") or text.startswith(public_base + "download/"))):
            return URIRef(service_url + text[len(public_base):])
        return term

    served = Graph(bind_namespaces="none")
    for prefix, namespace in record.namespaces():
        served.bind(prefix, namespace)
    for s, p, o in record:
        served.add((moved(s), p, moved(o)))
    return served


def _describe_rights(dataset: Dataset, meta: Graph, sources: list[SourceText]) -> URIRef:
    """Each source's own licence (its record's dcterms:license), or a statement that it is not known; and the
    rights statement of what the dumps quote, which the CC BY licence of the graph's assertions does not cover."""
    from .sources import RIGHTS_UNKNOWN

    unknown = URIRef(DATASET_IRI + "#rights-of-unlicensed-text")
    for source in sources:
        licences = sorted(set(dataset.objects(source.iri, DCTERMS.license)))
        for licence in licences:
            meta.add((source.iri, DCTERMS.license, licence))
            meta.add((licence, RDF.type, DCTERMS.LicenseDocument))
        if not licences:
            meta.add((source.iri, DCTERMS.rights, unknown))
            meta.add((unknown, RDF.type, DCTERMS.RightsStatement))
            meta.add((unknown, RDFS.label, Literal(RIGHTS_UNKNOWN, lang="en")))
    quoted = URIRef(DATASET_IRI + "#rights-of-quoted-text")
    meta.add((quoted, RDF.type, DCTERMS.RightsStatement))
    meta.add((quoted, RDFS.label, Literal(
        "The graph's own assertions are under CC BY 4.0. The words it quotes from its sources (oa:exact, oa:prefix, "
        "oa:suffix, the paragraphs) are not: each keeps its source's own terms, given by the source's dcterms:license "
        "or dcterms:rights.", lang="en")))
    return quoted


def _describe_nanopubs(meta: Graph, ds: URIRef, quoted: URIRef) -> None:
    """The claims' nanopublications (`kg.export`), served as one TriG file beside the dumps."""
    _describe_download(meta, ds, NANOPUBS_FILE, "application/trig", "RDF_TRIG", quoted,
                       title="ECO-KG nanopublications (trig)",
                       description="One nanopublication per claim (assertion, provenance with the quoted words, "
                                   "publication info), each named by its trusty URI under https://w3id.org/eco-kg/np/.")


def _describe_download(meta: Graph, ds: URIRef, name: str, media_type: str, file_type_code: str, quoted: URIRef, *,
                       title: str, description: str) -> None:
    """One file under /download/ as a DCAT distribution (and VoID dump) of ``ds``, with what DCAT-AP asks of it."""
    dist = URIRef(BASE + "download/" + name)
    meta.add((ds, DCAT.distribution, dist))
    meta.add((ds, VOID.dataDump, dist))
    meta.add((dist, RDF.type, DCAT.Distribution))
    meta.add((dist, DCAT.accessURL, dist))
    meta.add((dist, DCAT.downloadURL, dist))
    media = URIRef(IANA_MEDIA_TYPES + media_type)
    meta.add((dist, DCAT.mediaType, media))
    meta.add((media, RDF.type, DCTERMS.MediaType))
    file_type = URIRef(FILE_TYPE + file_type_code)
    meta.add((dist, DCTERMS["format"], file_type))
    meta.add((file_type, RDF.type, DCTERMS.MediaTypeOrExtent))
    meta.add((dist, DCTERMS.license, LICENCE))
    meta.add((dist, DCTERMS.rights, quoted))
    meta.add((dist, DCTERMS.title, Literal(title, lang="en")))
    meta.add((dist, DCTERMS.description, Literal(description, lang="en")))
    meta.add((dist, DCATAP.availability, AVAILABLE))


def dump_path(settings: Settings, name: str = NQUADS_DUMP) -> Path:
    """Where the dump ``name`` (one of `DUMPS`, or `NANOPUBS_FILE`) lies in ``settings``' build folder."""
    if name not in DUMPS and name != NANOPUBS_FILE:
        raise ValueError(f"no dump named {name}; the dumps are {', '.join([*DUMPS, NANOPUBS_FILE])}")
    return settings.build_dir / name


__all__ = ["CATALOG_IRI", "DUMPS", "FILE_TYPES", "LICENCE", "NANOPUBS_FILE", "NQUADS_DUMP", "describe_dataset",
           "dump_path", "served_record"]
