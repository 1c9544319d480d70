"""Build the dataset from `ontology/` and `seeds/`: which file goes into which named graph, and the dumps.

Owns `build_dataset` (inputs into named graphs, then evidence, stated facts, entailments and the description),
the dumps and the report, and knowing when the dump is stale (`ensure_built`, `load_dataset`). Evidence in RDF
is `kg.annotations`'s, the description `kg.metadata`'s (re-exported here); checking is `kg.checks`'.
"""
from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF

from .annotations import (
    SEGMENT_CLASS, SourceText, add_evidence, add_mentions, add_segments, add_selectors, load_source_text,
    resolve_claims, segment_iri,
)
from .errors import BuildError
from .metadata import DUMPS, FILE_TYPES, LICENCE, describe_dataset, dump_path
from .namespaces import (
    BACKGROUND_GRAPH, ECO, ENTITIES_GRAPH, FACT, INFERRED_GRAPH, METADATA_GRAPH, OA, ONTOLOGY_GRAPH,
    WIKIDATA_ENRICHMENT_GRAPH, WIKIDATA_LINKS_GRAPH, source_graph,
)
from .ontology import claim_kinds, ontology_files
from .rdfio import bind_prefixes, parse_file, skolemise
from .settings import Settings
from .terms import base_relative, local_name, short

# The named graphs, and what goes into each:
#   graph/ontology             ontology/*.ttl (classes, properties, SKOS schemes)
#   graph/entities             seeds/entities.ttl (the register of named things)
#   graph/background           seeds/background/*.ttl (facts from elsewhere, each with its source)
#   graph/wikidata-links       seeds/links/*.ttl (the Wikidata linkset)
#   graph/wikidata-enrichment  seeds/enrichment/*.ttl (reviewed snapshots of Wikidata labels and facts)
#   graph/source/<slug>        seeds/<slug>.ttl (+ seeds/<slug>.txt): everything taken from one source
#   graph/inferred             generated: the OWL 2 RL consequences of the ontology over the above (`kg.entailment`)
#   graph/metadata             generated: the dataset's description (`kg.metadata`)

__all__ = [
    "BuildResult", "add_entailments", "assert_facts", "build", "build_dataset", "build_report", "ensure_built",
    "fact_iri", "inputs_fingerprint", "is_fresh", "load_dataset", "seed_files", "write_dumps",
    # re-exported: evidence in RDF (`kg.annotations`) and the dataset's description (`kg.metadata`)
    "DUMPS", "FILE_TYPES", "LICENCE", "SEGMENT_CLASS", "SourceText", "add_evidence", "add_mentions", "add_segments",
    "add_selectors", "describe_dataset", "load_source_text", "resolve_claims", "segment_iri",
]


@dataclass
class BuildResult:
    dataset: Dataset
    seconds: float = 0.0
    files: list[Path] = field(default_factory=list)

    def graph_sizes(self) -> dict[str, int]:
        return {str(g.identifier): len(g) for g in self.dataset.graphs() if len(g)}


def seed_files(settings: Settings) -> dict[str, list[Path]]:
    """The input files, grouped by the named graph they go into (sorted: builds are reproducible)."""
    seeds = settings.seeds_dir
    groups: dict[str, list[Path]] = {
        "ontology": ontology_files(settings),
        "entities": [p for p in [seeds / "entities.ttl"] if p.exists()],
        "background": sorted((seeds / "background").glob("*.ttl")),
        "links": sorted((seeds / "links").glob("*.ttl")),
        "enrichment": sorted((seeds / "enrichment").glob("*.ttl")),
        "sources": sorted(p for p in seeds.glob("*.ttl") if p.name != "entities.ttl"),
    }
    if settings.project is not None:  # a researcher's project: its files beside the packaged ones
        own = settings.project.files()
        groups["sources"] += own["project-sources"]
        groups.update(own)
    return groups


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

    project = settings.project
    if project is not None:
        _add_project_files(dataset, project, groups, files)
    sources: list[SourceText] = []
    for path in groups["sources"]:
        parsed = parse_file(path)
        files.append(path)
        own = project is not None and path in groups["project-sources"]
        if own:
            _add_claims(parsed, path, project, groups, files)
        docs = sorted(set(parsed.subjects(RDF.type, ECO.Interview)) | set(parsed.subjects(RDF.type, ECO.SourceDocument)))
        if len(docs) != 1:
            raise BuildError(f"a source file must describe exactly one eco:SourceDocument (found {len(docs)})",
                             file=path, hint="one file per source: the source record first, then its claims")
        source = load_source_text(parsed, docs[0], path)
        if source.slug != path.stem:
            raise BuildError(f"source file {path.name} describes {source.path.name}; the names must match",
                             file=path, term=source.path.name)
        if own and (docs[0], ECO.sha256, None) not in parsed:
            raise BuildError(f"the record of {source.path.name} gives no eco:sha256", file=path, term=source.slug,
                             hint="register texts with `ecokg source add`, which records it")
        sources.append(source)
        graph = dataset.graph(URIRef(project.source_graph(source.slug)) if own else source_graph(source.slug))
        for triple in parsed:
            graph.add(triple)
        add_segments(graph, source)
        resolve_claims(graph, source, path)
        forms = Graph()
        for s, o in entities.subject_objects(ECO.surfaceForm):
            forms.add((s, ECO.surfaceForm, o))
        if project is not None:
            for s, o in dataset.graph(URIRef(project.graph("entities"))).subject_objects(ECO.surfaceForm):
                forms.add((s, ECO.surfaceForm, o))
        for s, o in graph.subject_objects(ECO.surfaceForm):
            forms.add((s, ECO.surfaceForm, o))
        add_mentions(graph, source, forms)
        assert_facts(graph)

    assert_facts(background)
    if project is not None:
        assert_facts(dataset.graph(URIRef(project.graph("background"))))
    for graph in list(dataset.graphs()):
        # stable names, so a deletion survives a reload; OWL class expressions and lists in the ontology stay blank
        if isinstance(graph.identifier, URIRef) and graph.identifier != ONTOLOGY_GRAPH:
            skolemise(graph, str(graph.identifier))
    add_entailments(dataset)
    describe_dataset(dataset, sources, project)
    return BuildResult(dataset, time.perf_counter() - started, files)


def _add_project_files(dataset: Dataset, project, groups: dict[str, list[Path]], files: list[Path]) -> None:
    """A project's entities and background facts, each in the project's graph of that name."""
    for group, name in (("project-entities", "entities"), ("project-background", "background")):
        graph = dataset.graph(URIRef(project.graph(name)))
        for path in groups[group]:
            parse_file(path, graph)
            files.append(path)
    slugs = {path.stem for path in groups["project-sources"]}
    for path in groups["project-claims"]:
        if path.stem not in slugs:
            raise BuildError(f"claims file {path.name} names no registered source", file=path, term=path.stem,
                             hint="name it after the source its claims quote (claims/<slug>.ttl), and register "
                                  "the text first with `ecokg source add`; known: " + (", ".join(sorted(slugs)) or "none"))


def _add_claims(parsed: Graph, record: Path, project, groups: dict[str, list[Path]], files: list[Path]) -> None:
    """The curated claims of a project's source (claims/<slug>.ttl), read into its record's graph."""
    for path in groups["project-claims"]:
        if path.stem == record.stem:
            parse_file(path, parsed)
            files.append(path)


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
    nq = dump_path(settings)
    fingerprint = settings.build_dir / "fingerprint"
    return (nq.exists() and fingerprint.exists()
            and fingerprint.read_text(encoding="utf-8") == inputs_fingerprint(settings))


def ensure_built(settings: Settings) -> Path:
    """The N-Quads dump, built first when it is missing or stale."""
    if not is_fresh(settings):
        build(settings)
    return dump_path(settings)


def load_dataset(settings: Settings | None = None, *, rebuild: bool | None = None) -> Dataset:
    """The built dataset as an rdflib `Dataset` (union default graph).

    Reads ``build/eco-kg.nq`` when it is up to date with the inputs; otherwise builds first.
    """
    settings = settings or Settings()
    if rebuild or not is_fresh(settings):
        result, _ = build(settings)
        return result.dataset
    nq = dump_path(settings)
    dataset = bind_prefixes(Dataset(default_union=True))
    dataset.parse(nq, format="nquads")
    return dataset
