"""The stored graph a change is checked against, and the change itself.

Owns `Base` (what is stored, read through a `kg.gate.view.StoredGraph`; each check gets a private copy of its
change's neighbourhood), loading it, the `Schema` derived once from the ontology and shapes (cached on disk),
the source texts claims quote, and `Change` (the new triples and their files). It checks nothing.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from ..annotations import SourceText, load_source_text
from ..build import build_dataset, ensure_built, inputs_fingerprint
from ..errors import BuildError
from ..namespaces import BASE, ECO, ID, ONTOLOGY_GRAPH
from ..rdfio import parse_file
from ..project import widen_shapes
from ..settings import Settings
from ..sources import text_folder
from .locate import SourceFile, show
from .report import Problem
from .shapes import derived_shapes
from .view import SOURCE_CLASSES, StoredGraph, label_key, neighbourhood


@dataclass
class Schema:
    """What the gate derives from the ontology and the shapes once, and reuses across runs (on disk) and
    changes (in memory): the ontology, the shapes with those derived from it, the known terms."""

    ontology: Graph
    shapes: Graph
    all_shapes: Graph
    vocabulary: object
    #: classes and properties: nodes the neighbourhood of a change does not expand
    terms: frozenset
    #: the ontology without annotations: what the OWL 2 RL check reasons with
    axioms: list
    #: a pickled union `Dataset` holding the ontology in its graph: each base starts from a copy of it,
    #: made several times faster by unpickling than by adding the triples again
    base_template: bytes = b""

    def base_dataset(self) -> Dataset:
        import pickle

        if self.base_template:
            return pickle.loads(self.base_template)
        return _ontology_dataset(self.ontology)


def _ontology_dataset(ontology: Graph) -> Dataset:
    dataset = Dataset(default_union=True)
    ontology_graph = dataset.graph(ONTOLOGY_GRAPH)
    for triple in ontology:
        ontology_graph.add(triple)
    return dataset


#: Schemas by digest of their inputs, in this process (a server warms it before it forks)
_SCHEMAS: dict = {}


def _schema_inputs(settings: Settings) -> list[Path]:
    code = Path(__file__).parent
    return (sorted(settings.ontology_dir.glob("*.ttl")) + sorted(code.glob("*.py"))
            + [code.parent / "namespaces.py", code.parent / "reasoner.py"])


def schema_digest(settings: Settings) -> str:
    digest = hashlib.sha256()
    if settings.project is not None:  # a project's namespaces widen the shapes' IRI patterns
        digest.update(" ".join(settings.project.namespaces).encode())
    for path in _schema_inputs(settings):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def load_schema(settings: Settings) -> Schema:
    """The ontology, shapes and known terms: from memory, else from the build folder's cache, else parsed.

    The cache file is keyed by a digest of ontology/*.ttl and of the gate's own code, so an edit to
    either makes a new one; it is written atomically and a cache that cannot be read is ignored.
    """
    import pickle

    key = schema_digest(settings)
    if key in _SCHEMAS:
        return _SCHEMAS[key]
    cache = settings.build_dir / f"gate-schema-{key}.pickle"
    schema = None
    if cache.is_file():
        try:
            with cache.open("rb") as handle:
                schema = pickle.load(handle)
        except Exception:  # a cache from another version, a partial write: parse again
            schema = None
    if not isinstance(schema, Schema):
        schema = _parse_schema(settings)
        try:
            settings.build_dir.mkdir(parents=True, exist_ok=True)
            for stale in settings.build_dir.glob("gate-schema-*.pickle"):
                stale.unlink(missing_ok=True)
            scratch = cache.with_suffix(f".{os.getpid()}.tmp")
            scratch.write_bytes(pickle.dumps(schema, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(scratch, cache)
        except OSError:
            pass  # a read-only build folder: parse each time
    _SCHEMAS.clear()
    _SCHEMAS[key] = schema
    return schema


def _parse_schema(settings: Settings) -> Schema:
    from ..build import seed_files
    from .owl_rl import logical_axioms
    from .known_terms import CLASS_TYPES, PROPERTY_TYPES, Vocabulary

    ontology = Graph()
    for path in seed_files(settings)["ontology"]:
        parse_file(path, ontology)
    shapes = load_shapes(settings)
    combined = Graph()
    for triple in shapes:
        combined.add(triple)
    for triple in derived_shapes(ontology):
        combined.add(triple)
    terms = frozenset(s for s, o in ontology.subject_objects(RDF.type)
                      if isinstance(s, URIRef) and o in (CLASS_TYPES | PROPERTY_TYPES))
    import pickle

    template = pickle.dumps(_ontology_dataset(ontology), protocol=pickle.HIGHEST_PROTOCOL)
    return Schema(ontology, shapes, combined, Vocabulary(ontology), terms, logical_axioms(ontology), template)


@dataclass
class Base:
    """What is already stored, read through a view, with the ontology and shapes apart.

    The stored graph is read through ``view`` (`kg.gate.view.StoredGraph`), never changed; ``graph`` is a
    union `Dataset` of this base's own. For the base a caller holds, it is the ontology only; `scoped`
    gives each check a new base whose ``graph`` is a private copy of the neighbourhood of its change,
    which the check may add the change to. So one base serves many checks, at once too.
    """

    graph: Dataset
    ontology: Graph
    shapes: Graph
    settings: Settings
    view: StoredGraph
    schema: Schema
    _texts: dict = field(default_factory=dict)

    def scoped(self, change: "Change") -> "Base":
        """The base a check of ``change`` reads: the neighbourhood of its nodes, copied out of the view."""
        nodes = set(change.graph.subjects()) | set(change.graph.objects())
        nodes |= set(change.removed.subjects()) | set(change.removed.objects())
        literals = [o for o in change.graph.objects(None, RDFS.label) if isinstance(o, Literal)]
        labels = {label_key(o) for o in literals}
        dataset = neighbourhood(self.view, self.ontology, nodes, labels=labels, ontology_terms=self.schema.terms,
                                label_literals=literals)
        return Base(dataset, self.ontology, self.shapes, self.settings, self.view, self.schema, _texts=self._texts)

    @property
    def own_namespaces(self) -> tuple[str, ...]:
        """Where the graph's own IRIs are: ECO-KG's and the project's namespaces (a dangling one is a mistake)."""
        project = self.settings.project
        return (BASE, *(project.namespaces if project is not None else ()))

    @property
    def entity_namespaces(self) -> tuple[str, ...]:
        """Where the graph names its things (one name, one thing): ECO-KG's ``id/`` and the project's namespaces."""
        project = self.settings.project
        return (str(ID), *(project.namespaces if project is not None else ()))

    def is_own(self, node) -> bool:
        """An IRI of the graph's own (not a term of the ECO-KG vocabulary)."""
        text = str(node)
        return isinstance(node, URIRef) and text.startswith(self.own_namespaces) and not text.startswith(str(ECO))

    def include(self, nodes) -> None:
        """Copy what the stored graph says about ``nodes`` into a scoped base (e.g. the paragraphs that
        evidence derived from the change points at)."""
        for node in nodes:
            if isinstance(node, URIRef) and node not in self.schema.terms:
                for s, p, o, g in self.view.quads(node, None, None):
                    if g is not None and g != ONTOLOGY_GRAPH:
                        self.graph.graph(g).add((s, p, o))

    def holds(self, triple) -> bool:
        """Whether the stored graph has ``triple`` (in any named graph)."""
        return self.view.contains(triple)

    def value(self, subject, predicate):
        return self.view.value(subject, predicate)

    def source_documents(self, extra: Graph | None = None) -> list[URIRef]:
        found = set(self.view.source_documents())
        for graph in (self.graph, extra):
            if graph is None:
                continue
            for cls in SOURCE_CLASSES:
                found.update(s for s in graph.subjects(RDF.type, cls) if isinstance(s, URIRef))
        return sorted(found)

    def source_text(self, doc: URIRef, record: Graph) -> SourceText:
        """The text of source ``doc`` (read and digest-checked once), as the build reads it."""
        if doc not in self._texts:
            description = Graph()
            for triple in record.triples((doc, None, None)):
                description.add(triple)
            for triple in self.graph.triples((doc, None, None)):
                description.add(triple)
            for s, p, o, _g in self.view.quads(doc, None, None):
                description.add((s, p, o))
            # the text lives beside its record: seeds/ for a packaged source, the project's sources/ for its own
            record = text_folder(self.settings, doc) / "source.ttl"
            self._texts[doc] = load_source_text(description, doc, record)
        return self._texts[doc]


def load_shapes(settings: Settings) -> Graph:
    path = settings.ontology_dir / "shapes.ttl"
    shapes = Graph()
    if path.exists():
        parse_file(path, shapes)
    widen_shapes(shapes, settings.project)
    return shapes


def base_from_view(view: StoredGraph, settings: Settings) -> Base:
    """A `Base` that reads the stored graph through ``view``, with the cached ontology and shapes."""
    schema = load_schema(settings)
    return Base(schema.base_dataset(), schema.ontology, schema.shapes, settings, view=view, schema=schema)


def base_from_dataset(dataset: Dataset, settings: Settings) -> Base:
    """A `Base` over ``dataset`` (its union graph, the generated metadata included: it describes the
    dataset IRI that linksets point at), read through a view like any stored graph."""
    return base_from_view(StoredGraph.from_dataset(dataset), settings)


#: the stored graph of the last `load_base`, reused while its inputs are unchanged
_BASES: dict = {}


def _cache_key(settings: Settings) -> tuple:
    shapes = settings.ontology_dir / "shapes.ttl"
    digest = hashlib.sha256(shapes.read_bytes()).hexdigest() if shapes.exists() else ""
    return (str(settings.build_dir.resolve()), str(settings.seeds_dir.resolve()), inputs_fingerprint(settings), digest)


def _seed_files(settings: Settings) -> set[Path]:
    seeds = settings.seeds_dir.resolve()
    stored = {p.resolve() for p in seeds.rglob("*") if p.is_file()}
    return stored | (settings.project.data_files() if settings.project is not None else set())


def cached_base(settings: Settings, replacing: list[Path] = ()) -> Base | None:
    """The stored graph `load_base` would return, when it is already loaded in this process (else None)."""
    replacing = [Path(p) for p in replacing]
    if any(p.resolve() in _seed_files(settings) for p in replacing):
        return None
    return _BASES.get(_cache_key(settings))


def load_base(settings: Settings, replacing: list[Path] = (), *, store=None) -> Base:
    """The stored graph, without the seed files in ``replacing`` (they are what is being validated).

    ``store`` (a pyoxigraph store, the embedded backend or a `StoredGraph`) is read as the stored
    graph: only the neighbourhood of each change is copied out of it. Without one, files outside
    seeds/ are new: the base is the current build's dump (built when stale), loaded into an in-memory
    pyoxigraph store. Seed files under validation are left out by building from a copy of seeds/
    without them, so that the base never contains the very triples being checked.
    """
    if store is not None:
        return base_from_view(StoredGraph.of(store), settings)
    seeds = settings.seeds_dir.resolve()
    on_disk = getattr(settings, "store_path", None)
    if on_disk is not None and Path(on_disk).is_dir() and not replacing:
        import pyoxigraph

        # the on-disk store (`--store-path`), opened read-only: nothing of it is copied but the neighbourhoods
        return base_from_view(StoredGraph(pyoxigraph.Store.read_only(str(on_disk))), settings)
    inside = [p.resolve() for p in replacing if p.resolve() in _seed_files(settings)]
    if not inside:
        key = _cache_key(settings)
        if key in _BASES:
            return _BASES[key]
        try:
            base = base_from_view(StoredGraph.from_nquads(ensure_built(settings)), settings)
        except BuildError as error:
            raise BuildError(f"the existing seeds do not build, so there is nothing to validate against: {error.message}",
                             file=error.file, line=error.line, hint=error.hint) from None
        _BASES.clear()  # one stored graph at a time
        _BASES[key] = base
        return base
    with tempfile.TemporaryDirectory(prefix="ecokg-base-") as tmp:
        copy = Path(tmp) / "seeds"
        skip = set(inside)
        shutil.copytree(seeds, copy, ignore=lambda d, names: [n for n in names if (Path(d) / n).resolve() in skip])
        project = settings.project.without(skip) if settings.project is not None else None
        result = build_dataset(settings.with_(seeds_dir=copy, build_dir=Path(tmp) / "build", project=project))
        return base_from_dataset(result.dataset, settings)


@dataclass
class Change:
    """New triples, the file each came from, and the triples the build would derive from them."""

    graph: Graph = field(default_factory=Graph)
    removed: Graph = field(default_factory=Graph)
    files: list[SourceFile] = field(default_factory=list)
    file_graphs: list[Graph] = field(default_factory=list)  # what each file says, in the order of ``files``
    derived: Graph = field(default_factory=Graph)
    #: problems located in their file so far, and the most that are (locating one reads the file)
    located: int = 0
    max_located: int = 100

    @property
    def problems_full(self) -> bool:
        """Whether enough problems were located: a stage may skip costly extras (suggestions) for the rest."""
        return self.located >= self.max_located

    def add_file(self, source: SourceFile, graph: Graph) -> None:
        self.files.append(source)
        self.file_graphs.append(graph)
        if not len(self.graph):  # the first file's graph becomes the change: no copy of a large file
            for prefix, namespace in self.graph.namespaces():
                graph.bind(prefix, namespace, override=False)
            self.graph = graph
            return
        if any(self.graph is g for g in self.file_graphs[:-1]):  # a second file: the first keeps only its own
            merged = Graph()
            for prefix, namespace in self.graph.namespaces():
                merged.bind(prefix, namespace, override=False)
            for triple in self.graph:
                merged.add(triple)
            self.graph = merged
        for prefix, namespace in graph.namespaces():
            self.graph.bind(prefix, namespace, override=False)
        for triple in graph:
            self.graph.add(triple)

    def _origin(self, triple) -> SourceFile | None:
        for source, graph in zip(self.files, self.file_graphs):
            if triple in graph:
                return source
        return None

    def file_of(self, node=None, prop=None, value=None) -> SourceFile | None:
        """The file where a triple about ``node`` was written (first match)."""
        if not self.files:
            return None
        if len(self.files) == 1:
            return self.files[0]
        for triple in self.graph.triples((node if node is not None else None, prop, value)):
            return self._origin(triple)
        if node is not None:
            for triple in self.graph.triples((None, None, node)):
                return self._origin(triple)
        return None

    def subjects(self) -> set:
        return set(self.graph.subjects())

    def anchor(self, node):
        """The node of the change that ``node`` was derived from (a claim for its evidence nodes)."""
        frontier, seen = [node], set()
        while frontier:
            current = frontier.pop(0)
            if current in seen:
                continue
            seen.add(current)
            if (current, None, None) in self.graph:
                return current
            frontier.extend(self.derived.subjects(None, current))
        return None

    def problem(self, stage: str, rule: str, message: str, *, node=None, prop=None, value=None,
                hint: str | None = None, file: SourceFile | None = None) -> Problem:
        """A problem about a node (and property, value) of the change, located in its file."""
        source = file or self.file_of(node, prop, value)
        line = column = None
        if self.problems_full:  # counted, not listed: neither found in the file nor described
            return Problem(stage, rule, message, file=source.name if source else None, hint=hint)
        self.located += 1
        if node is not None and (node, None, None) not in self.graph and len(self.derived):
            anchor = self.anchor(node)
            if anchor is not None:
                source = file or self.file_of(anchor)
                if source is not None:
                    line, column = source.locate(anchor)
        elif source is not None:
            line, column = source.locate(node, prop, value)
        return Problem(stage, rule, message, file=source.name if source else None, line=line, column=column,
                       node=show(node), property=show(prop), value=show(value), hint=hint)
