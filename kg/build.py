"""Build the dataset from `ontology/` and `seeds/`.

Owns which file goes into which named graph, resolving every claim's quote into Web Annotation
evidence, annotating every mention of a named entity, asserting the plain triples of factual
statements, describing the dataset (VoID/DCAT) and writing the dumps and the report. It does not
validate against SHACL or OWL (`kg.checks`) and does not serve (`server`).

Named graphs:
  graph/ontology        ontology/*.ttl (classes, properties, SKOS schemes)
  graph/entities        seeds/entities.ttl (the register of named things)
  graph/background      seeds/background/*.ttl (facts from elsewhere, each with its source)
  graph/wikidata-links  seeds/links/*.ttl (the Wikidata linkset)
  graph/wikidata-enrichment  seeds/enrichment/*.ttl (reviewed snapshots of Wikidata labels and facts)
  graph/source/<slug>   seeds/<slug>.ttl (+ seeds/<slug>.txt): everything taken from one source
  graph/inferred        generated: the OWL 2 RL consequences of the ontology over all the above (`kg.entailment`)
  graph/metadata        the dataset description, generated
"""
from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, VOID, XSD

from . import evidence
from .errors import BuildError, EvidenceError
from .namespaces import (
    BACKGROUND_GRAPH, BASE, DATASET_IRI, ECO, ENTITIES_GRAPH, EVIDENCE, FACT, GRAPH, ID, INFERRED_GRAPH, METADATA_GRAPH,
    OA, ONTOLOGY_GRAPH, ONTOLOGY_IRI, WIKIDATA_ENRICHMENT_GRAPH, WIKIDATA_LINKS_GRAPH, source_graph,
)
from .ontology import claim_kinds
from .rdfio import bind_prefixes, parse_file
from .settings import Settings
from .terms import base_relative, local_name, short

LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")

#: dump file name -> (rdflib format, media type, whether it keeps named graphs)
DUMPS = {
    "eco-kg.trig": ("trig", "application/trig", True),
    "eco-kg.nq": ("nquads", "application/n-quads", True),
    "eco-kg.ttl": ("turtle", "text/turtle", False),
    "eco-kg.jsonld": ("json-ld", "application/ld+json", True),
}
#: the EU file-type authority's IRI for each dump (DCAT-AP wants dct:format as an IRI)
FILE_TYPES = {"eco-kg.trig": "RDF_TRIG", "eco-kg.nq": "RDF_N_QUADS", "eco-kg.ttl": "RDF_TURTLE",
              "eco-kg.jsonld": "JSON_LD"}
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
FOAF_AGENT = URIRef("http://xmlns.com/foaf/0.1/Agent")
FOAF_NAME = URIRef("http://xmlns.com/foaf/0.1/name")

SEGMENT_CLASS = {"heading": ECO.Heading, "question": ECO.Question, "answer": ECO.Answer}


@dataclass
class BuildResult:
    dataset: Dataset
    seconds: float = 0.0
    files: list[Path] = field(default_factory=list)

    def graph_sizes(self) -> dict[str, int]:
        return {str(g.identifier): len(g) for g in self.dataset.graphs() if len(g)}


@dataclass(frozen=True)
class SourceText:
    iri: URIRef
    slug: str
    text: str
    path: Path
    segments: list


def seed_files(settings: Settings) -> dict[str, list[Path]]:
    """The input files, grouped by the named graph they go into (sorted: builds are reproducible)."""
    seeds = settings.seeds_dir
    groups: dict[str, list[Path]] = {
        "ontology": sorted(p for p in settings.ontology_dir.glob("*.ttl") if p.name != "shapes.ttl"),
        "entities": [p for p in [seeds / "entities.ttl"] if p.exists()],
        "background": sorted((seeds / "background").glob("*.ttl")),
        "links": sorted((seeds / "links").glob("*.ttl")),
        "enrichment": sorted((seeds / "enrichment").glob("*.ttl")),
        "sources": sorted(p for p in seeds.glob("*.ttl") if p.name != "entities.ttl"),
    }
    return groups


def _line_of(path: Path, needles: list[str]) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for needle in needles:
        if not needle:
            continue
        for number, line in enumerate(lines, 1):
            if needle in line:
                return number
    return None


def load_source_text(graph: Graph, doc: URIRef, seed_path: Path) -> SourceText:
    """Read the text a source document record points at and check its digest."""
    file_name = graph.value(doc, ECO.textFile)
    if file_name is None:
        raise BuildError(f"source {base_relative(doc)} has no eco:textFile", file=seed_path,
                         line=_line_of(seed_path, [base_relative(doc).split("/")[-1]]),
                         hint="add eco:textFile \"<name>.txt\" naming the text in seeds/")
    text_path = seed_path.parent / str(file_name)
    if not text_path.is_file():
        raise BuildError(f"source text {file_name} not found next to {seed_path.name}", file=seed_path,
                         line=_line_of(seed_path, [str(file_name)]), term=str(file_name))
    raw = text_path.read_bytes()
    digest = graph.value(doc, ECO.sha256)
    actual = hashlib.sha256(raw).hexdigest()
    if digest is not None and str(digest) != actual:
        raise EvidenceError(f"{file_name} has sha256 {actual}, but its record says {digest}", file=seed_path,
                            line=_line_of(seed_path, [str(digest)]),
                            hint="the source must stay byte for byte; restore it or correct eco:sha256")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BuildError(f"source text is not UTF-8 (byte offset {exc.start})", file=text_path) from None
    slug = Path(str(file_name)).stem
    return SourceText(doc, slug, text, text_path, evidence.segment_interview(text))


def add_selectors(graph: Graph, node: URIRef, span: evidence.Span, source: SourceText) -> None:
    """Describe ``node`` as an oa:SpecificResource selecting ``span`` of ``source`` (both selectors)."""
    quote_sel = URIRef(str(node) + "/quote")
    position_sel = URIRef(str(node) + "/position")
    graph.add((node, RDF.type, OA.SpecificResource))
    graph.add((node, OA.hasSource, source.iri))
    graph.add((node, OA.hasSelector, quote_sel))
    graph.add((node, OA.hasSelector, position_sel))
    graph.add((quote_sel, RDF.type, OA.TextQuoteSelector))
    graph.add((quote_sel, OA.exact, Literal(span.exact)))
    graph.add((quote_sel, OA.prefix, Literal(span.prefix)))
    graph.add((quote_sel, OA.suffix, Literal(span.suffix)))
    graph.add((position_sel, RDF.type, OA.TextPositionSelector))
    graph.add((position_sel, OA.start, Literal(span.start, datatype=XSD.nonNegativeInteger)))
    graph.add((position_sel, OA.end, Literal(span.end, datatype=XSD.nonNegativeInteger)))


def segment_iri(source: SourceText, index: int) -> URIRef:
    return URIRef(f"{source.iri}/p{index}")


def add_segments(graph: Graph, source: SourceText) -> None:
    for seg in source.segments:
        node = segment_iri(source, seg.index)
        add_selectors(graph, node, evidence.span_at(source.text, seg.start, seg.end), source)
        graph.add((node, RDF.type, SEGMENT_CLASS[seg.kind]))
        graph.add((node, ECO.segmentIndex, Literal(seg.index, datatype=XSD.nonNegativeInteger)))
        graph.add((node, DCTERMS.isPartOf, source.iri))
        graph.add((node, RDFS.label, Literal(f"{seg.kind} paragraph {seg.index} of {source.slug}", lang="en")))
        if seg.kind == "answer" and seg.question_index is not None:
            graph.add((node, ECO.answers, segment_iri(source, seg.question_index)))


def add_evidence(graph: Graph, subject: URIRef, span: evidence.Span, source: SourceText,
                 motivation: URIRef, prefix: str) -> URIRef:
    annotation = EVIDENCE[f"{prefix}-{span.key(str(source.iri))}"]
    target = URIRef(str(annotation) + "/target")
    graph.add((annotation, RDF.type, OA.Annotation))
    graph.add((annotation, OA.motivatedBy, motivation))
    graph.add((annotation, OA.hasBody, subject))
    graph.add((annotation, OA.hasTarget, target))
    add_selectors(graph, target, span, source)
    seg = evidence.segment_containing(source.segments, span.start, span.end)
    if seg is not None:
        graph.add((target, ECO.inSegment, segment_iri(source, seg.index)))
    return annotation


def resolve_claims(graph: Graph, source: SourceText, seed_path: Path) -> int:
    """Give every claim of ``graph`` that quotes ``source`` its evidence and attribution."""
    speaker = graph.value(source.iri, ECO.speaker)
    interviewer = graph.value(source.iri, ECO.interviewer)
    resolved = 0
    for claim in sorted(set(graph.subjects(ECO.quote, None))):
        derived = set(graph.objects(claim, PROV.wasDerivedFrom))
        if derived and source.iri not in derived:
            continue
        graph.add((claim, PROV.wasDerivedFrom, source.iri))
        for quote in sorted(graph.objects(claim, ECO.quote)):
            prefix = graph.value(claim, ECO.quotePrefix)
            line = _line_of(seed_path, [f'"{quote}"', str(quote), str(quote)[:40], base_relative(claim).split("/")[-1]])
            span = evidence.locate_quote(source.text, str(quote), prefix=str(prefix) if prefix else None,
                                         source_name=source.path.name, subject=base_relative(claim),
                                         file=str(seed_path), line=line)
            annotation = add_evidence(graph, claim, span, source, OA.describing, "q")
            graph.add((claim, ECO.hasEvidence, annotation))
            seg = evidence.segment_containing(source.segments, span.start, span.end)
            if seg is None:
                raise EvidenceError(f"quote of {base_relative(claim)} runs across paragraphs", file=seed_path,
                                    line=line, term=base_relative(claim), hint="quote within one paragraph")
            if not any(graph.objects(claim, PROV.wasAttributedTo)):
                # a question's words are the interviewer's, not the speaker's
                who = interviewer if seg.kind == "question" else speaker
                if who is not None:
                    graph.add((claim, PROV.wasAttributedTo, who))
        resolved += 1
    return resolved


def add_mentions(graph: Graph, source: SourceText, forms_graph: Graph) -> int:
    forms: dict[str, list[str]] = {}
    for entity, form in forms_graph.subject_objects(ECO.surfaceForm):
        forms.setdefault(str(entity), []).append(str(form))
    mentions = evidence.find_mentions(source.text, forms)
    annotations = [(add_evidence(graph, URIRef(entity), span, source, OA.identifying, "m"), span)
                   for entity, span in mentions]
    for inner, inner_span in annotations:
        enclosing = [(outer, span) for outer, span in annotations
                     if span.start <= inner_span.start and inner_span.end <= span.end
                     and (span.end - span.start) > (inner_span.end - inner_span.start)]
        if enclosing:
            # the shortest enclosing mention: 'Persian Gulf' inside 'Persian Gulf Arab states'
            outer, _span = min(enclosing, key=lambda pair: (pair[1].end - pair[1].start, str(pair[0])))
            graph.add((inner, ECO.nestedIn, outer))
    return len(mentions)


def fact_iri(subject, predicate, obj, negated: bool) -> URIRef:
    """A readable IRI for a stated fact, the same on every build: id/fact/[not-]Subject-predicate-Object."""
    return FACT[("not-" if negated else "") + "-".join(local_name(t) for t in (subject, predicate, obj))]


def assert_facts(graph: Graph) -> None:
    """Name every fact a factual statement supports and assert its plain triple.

    A seed names each fact (``eco:assertsFact fact:S-p-O`` with its eco:factSubject, eco:factPredicate,
    eco:factObject) or gives it as a blank node, which the build names fact:[not-]S-p-O; the build types it
    eco:Fact and asserts the triple (an owl:NegativePropertyAssertion instead when the claim is
    eco:negatedFact).
    """
    for claim in sorted(set(graph.subjects(RDF.type, ECO.FactualStatement))):
        negated = graph.value(claim, ECO.negatedFact) == Literal(True)
        for fact in sorted(set(graph.objects(claim, ECO.assertsFact)), key=str):
            subject = graph.value(fact, ECO.factSubject)
            predicate = graph.value(fact, ECO.factPredicate)
            obj = graph.value(fact, ECO.factObject)
            if subject is None or predicate is None or obj is None:
                continue
            named = fact_iri(subject, predicate, obj, negated) if isinstance(fact, BNode) else fact
            if isinstance(fact, BNode):
                for p, o in list(graph.predicate_objects(fact)):
                    graph.remove((fact, p, o))
                    graph.add((named, p, o))
                graph.remove((claim, ECO.assertsFact, fact))
                graph.add((claim, ECO.assertsFact, named))
            graph.add((named, RDF.type, ECO.Fact))
            if negated:
                npa = URIRef(str(named) + "/negation")
                graph.add((npa, RDF.type, OWL.NegativePropertyAssertion))
                graph.add((npa, OWL.sourceIndividual, subject))
                graph.add((npa, OWL.assertionProperty, predicate))
                graph.add((npa, OWL.targetIndividual, obj))
            else:
                graph.add((subject, predicate, obj))


def add_entailments(dataset: Dataset) -> Graph:
    """Materialise what the ontology entails over the data into graph/inferred (only what is new)."""
    from .entailment import entail

    stated = [(s, p, o) for s, p, o, g in dataset.quads((None, None, None, None))
              if g not in (METADATA_GRAPH, INFERRED_GRAPH)]
    known = {(s, p, o) for s, p, o, _g in dataset.quads((None, None, None, None))}
    inferred = dataset.graph(INFERRED_GRAPH)
    for triple in entail(dataset.graph(ONTOLOGY_GRAPH), stated, known):
        inferred.add(triple)
    return inferred


def describe_dataset(dataset: Dataset, sources: list[SourceText]) -> Graph:
    """VoID and DCAT description of the dataset, with its named graphs as subsets.

    Conforms to DCAT-AP 3.0 (its SHACL shapes are a test fixture): agents typed foaf:Agent, formats,
    media types and licences as typed IRIs, every distribution with an access URL, and the SPARQL
    endpoint as a dcat:DataService. Version and release date come from the ontology's header.
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
    for role, agent in ((DCTERMS.publisher, ID.ECOKGProject), (DCTERMS.creator, ID.ECOKGContributors)):
        meta.add((ds, role, agent))
        meta.add((agent, RDF.type, FOAF_AGENT))
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
    for name, (_fmt, media_type, _quads) in DUMPS.items():
        dist = URIRef(BASE + "download/" + name)
        meta.add((ds, DCAT.distribution, dist))
        meta.add((ds, VOID.dataDump, dist))
        meta.add((dist, RDF.type, DCAT.Distribution))
        meta.add((dist, DCAT.accessURL, dist))
        meta.add((dist, DCAT.downloadURL, dist))
        media = URIRef(IANA_MEDIA_TYPES + media_type)
        meta.add((dist, DCAT.mediaType, media))
        meta.add((media, RDF.type, DCTERMS.MediaType))
        file_type = URIRef(FILE_TYPE + FILE_TYPES[name])
        meta.add((dist, DCTERMS["format"], file_type))
        meta.add((file_type, RDF.type, DCTERMS.MediaTypeOrExtent))
        meta.add((dist, DCTERMS.license, LICENCE))
        meta.add((dist, DCTERMS.title, Literal(f"ECO-KG dump ({name.rsplit('.', 1)[1]})", lang="en")))
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
    endpoint_dist = URIRef(BASE + "sparql#distribution")
    meta.add((ds, DCAT.distribution, endpoint_dist))
    meta.add((endpoint_dist, RDF.type, DCAT.Distribution))
    meta.add((endpoint_dist, DCTERMS.title, Literal("ECO-KG through its SPARQL endpoint", lang="en")))
    meta.add((endpoint_dist, DCAT.accessURL, service))
    meta.add((endpoint_dist, DCAT.accessService, service))
    meta.add((endpoint_dist, DCTERMS.license, LICENCE))
    # the record states the agents' types for DCAT-AP; the inferred graph keeps only what nothing states
    inferred = dataset.graph(INFERRED_GRAPH)
    for triple in list(meta):
        inferred.remove(triple)
    total = 0
    for graph in sorted(dataset.graphs(), key=lambda g: str(g.identifier)):
        if graph.identifier == METADATA_GRAPH or not len(graph) or not str(graph.identifier).startswith(str(GRAPH)):
            continue
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
    return meta


def build_dataset(settings: Settings | None = None) -> BuildResult:
    """Build the whole dataset in memory. Raises an `EcoKGError` subclass for bad input."""
    settings = settings or Settings()
    started = time.perf_counter()
    dataset = bind_prefixes(Dataset(default_union=True))
    groups = seed_files(settings)
    files: list[Path] = []

    ontology = dataset.graph(ONTOLOGY_GRAPH)
    for path in groups["ontology"]:
        parse_file(path, ontology)
        files.append(path)
    if not len(ontology):
        raise BuildError("no ontology found", file=settings.ontology_dir, hint="ontology/*.ttl must exist")

    entities = dataset.graph(ENTITIES_GRAPH)
    for path in groups["entities"]:
        parse_file(path, entities)
        files.append(path)
    background = dataset.graph(BACKGROUND_GRAPH)
    for path in groups["background"]:
        parse_file(path, background)
        files.append(path)
    for group, graph_iri in (("links", WIKIDATA_LINKS_GRAPH), ("enrichment", WIKIDATA_ENRICHMENT_GRAPH)):
        graph = dataset.graph(graph_iri)
        for path in groups[group]:
            parse_file(path, graph)
            files.append(path)

    sources: list[SourceText] = []
    for path in groups["sources"]:
        parsed = parse_file(path)
        files.append(path)
        docs = sorted(set(parsed.subjects(RDF.type, ECO.Interview)) | set(parsed.subjects(RDF.type, ECO.SourceDocument)))
        if len(docs) != 1:
            raise BuildError(f"a source file must describe exactly one eco:SourceDocument (found {len(docs)})",
                             file=path, hint="one file per source: the source record first, then its claims")
        source = load_source_text(parsed, docs[0], path)
        if source.slug != path.stem:
            raise BuildError(f"source file {path.name} describes {source.path.name}; the names must match",
                             file=path, term=source.path.name)
        sources.append(source)
        graph = dataset.graph(source_graph(source.slug))
        for triple in parsed:
            graph.add(triple)
        add_segments(graph, source)
        resolve_claims(graph, source, path)
        forms = Graph()
        for s, o in entities.subject_objects(ECO.surfaceForm):
            forms.add((s, ECO.surfaceForm, o))
        for s, o in graph.subject_objects(ECO.surfaceForm):
            forms.add((s, ECO.surfaceForm, o))
        add_mentions(graph, source, forms)
        assert_facts(graph)

    assert_facts(background)
    add_entailments(dataset)
    describe_dataset(dataset, sources)
    return BuildResult(dataset, time.perf_counter() - started, files)


def write_dumps(result: BuildResult, out_dir: Path) -> dict[str, Path]:
    """Write every dump format into ``out_dir`` atomically (a reader never sees half a file)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    dataset = result.dataset
    union = bind_prefixes(Graph())
    for triple in dataset.triples((None, None, None)):
        union.add(triple)
    written = {}
    for name, (fmt, _media, keeps_graphs) in DUMPS.items():
        path = out_dir / name
        tmp = path.with_suffix(path.suffix + ".tmp")
        source = dataset if keeps_graphs else union
        data = source.serialize(format=fmt, auto_compact=True) if fmt == "json-ld" else source.serialize(format=fmt)
        tmp.write_text(data, encoding="utf-8")
        tmp.replace(path)
        written[name] = path
    report = out_dir / "report.txt"
    report.write_text(build_report(result), encoding="utf-8")
    written["report.txt"] = report
    return written


def build_report(result: BuildResult) -> str:
    """Counts by class, claims by kind, triples by named graph."""
    dataset = result.dataset
    lines = [f"ECO-KG build: {len(set(dataset.triples((None, None, None))))} distinct triples "
             f"in {len(result.graph_sizes())} named graphs ({result.seconds:.2f} s)", "", "Triples by named graph:"]
    for name, size in sorted(result.graph_sizes().items()):
        lines.append(f"  {size:>7}  {base_relative(URIRef(name))}")
    classes: Counter = Counter()
    for s, o in set(dataset.subject_objects(RDF.type)):
        if isinstance(o, URIRef) and str(o).startswith(str(ECO)):
            classes[o] += 1
    lines += ["", "Instances by class (eco:):"]
    for cls, count in sorted(classes.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        lines.append(f"  {count:>7}  {short(cls)}")
    lines += ["", "Claims by kind:"]
    for kind in claim_kinds(dataset.graph(ONTOLOGY_GRAPH)):
        lines.append(f"  {len(set(dataset.subjects(RDF.type, kind.iri))):>7}  {short(kind.iri)}")
    mentions = len(set(dataset.subjects(OA.motivatedBy, OA.identifying)))
    lines += ["", f"Entity mentions annotated: {mentions}"]
    return "\n".join(lines) + "\n"


def inputs_fingerprint(settings: Settings) -> str:
    """A digest of every input file (names and bytes) so a build is redone only when something changed."""
    digest = hashlib.sha256()
    paths = [p for group in seed_files(settings).values() for p in group]
    paths += sorted(settings.seeds_dir.glob("*.txt"))
    paths += sorted(Path(__file__).parent.glob("*.py"))
    for path in sorted(set(paths)):
        digest.update(str(path.relative_to(settings.root) if path.is_relative_to(settings.root) else path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build(settings: Settings | None = None) -> tuple[BuildResult, dict[str, Path]]:
    """Build and write the dumps into ``settings.build_dir`` (the `ecokg build` command)."""
    settings = settings or Settings()
    result = build_dataset(settings)
    written = write_dumps(result, settings.build_dir)
    (settings.build_dir / "fingerprint").write_text(inputs_fingerprint(settings), encoding="utf-8")
    return result, written


def is_fresh(settings: Settings) -> bool:
    """True when ``build/eco-kg.nq`` was built from the inputs as they are now."""
    nq = settings.build_dir / "eco-kg.nq"
    fingerprint = settings.build_dir / "fingerprint"
    return (nq.exists() and fingerprint.exists()
            and fingerprint.read_text(encoding="utf-8") == inputs_fingerprint(settings))


def ensure_built(settings: Settings) -> Path:
    """The N-Quads dump, built first when it is missing or stale."""
    if not is_fresh(settings):
        build(settings)
    return settings.build_dir / "eco-kg.nq"


def load_dataset(settings: Settings | None = None, *, rebuild: bool | None = None) -> Dataset:
    """The built dataset as an rdflib `Dataset` (union default graph).

    Reads ``build/eco-kg.nq`` when it is up to date with the inputs; otherwise builds first.
    """
    settings = settings or Settings()
    if rebuild or not is_fresh(settings):
        result, _ = build(settings)
        return result.dataset
    nq = settings.build_dir / "eco-kg.nq"
    dataset = bind_prefixes(Dataset(default_union=True))
    dataset.parse(nq, format="nquads")
    return dataset
