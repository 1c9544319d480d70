"""The existing graph a change is checked against, and the change itself.

Owns `Base` (everything already stored: ontology, entities, sources with their derived evidence;
minus what the change removes or replaces), loading it from the build (or building it without the
seed files under validation), the shapes graph, the source texts claims may quote, and `Change`
(the new triples, which file each came from, and the triples the build would derive from them).
It does not check anything.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF

from ..build import SourceText, build_dataset, inputs_fingerprint, load_dataset, load_source_text
from ..errors import BuildError
from ..namespaces import ECO, ONTOLOGY_GRAPH
from ..rdfio import parse_file
from ..settings import Settings
from .locate import SourceFile, show
from .report import Problem

SOURCE_CLASSES = (ECO.Interview, ECO.SourceDocument)


@dataclass
class Base:
    """What is already stored, as one graph (a union `Dataset`), with its ontology and shapes apart."""

    graph: Dataset
    ontology: Graph
    shapes: Graph
    settings: Settings
    _texts: dict = field(default_factory=dict)
    #: held while a change is merged into ``graph`` and taken out again
    lock: threading.RLock = field(default_factory=threading.RLock)

    def source_documents(self, extra: Graph | None = None) -> list[URIRef]:
        found = set()
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
            slug_file = self.settings.seeds_dir / "source.ttl"  # texts live next to the seeds
            self._texts[doc] = load_source_text(description, doc, slug_file)
        return self._texts[doc]


def load_shapes(settings: Settings) -> Graph:
    path = settings.ontology_dir / "shapes.ttl"
    shapes = Graph()
    if path.exists():
        parse_file(path, shapes)
    return shapes


def base_from_dataset(dataset: Dataset, settings: Settings, *, copy: bool = False) -> Base:
    """A `Base` over ``dataset`` (its union graph, the generated metadata included: it describes the
    dataset IRI that linksets point at).

    The gate adds the change to the base while it checks it (and takes it out again afterwards),
    so ``dataset`` must not be read by anyone else meanwhile: pass ``copy=True`` for a dataset
    that others keep using.
    """
    if copy:
        private = Dataset(default_union=True)
        for prefix, namespace in dataset.namespaces():
            private.bind(prefix, namespace)
        for s, p, o, g in dataset.quads((None, None, None, None)):
            private.add((s, p, o, getattr(g, "identifier", g)))
        dataset = private
    else:
        dataset.default_union = True
    return Base(dataset, dataset.graph(ONTOLOGY_GRAPH), load_shapes(settings), settings)


#: the stored graph of the last `load_base`, reused while its inputs are unchanged (the gate takes
#: each change out of it again, under `Base.lock`)
_BASES: dict = {}


def _cache_key(settings: Settings) -> tuple:
    shapes = settings.ontology_dir / "shapes.ttl"
    digest = hashlib.sha256(shapes.read_bytes()).hexdigest() if shapes.exists() else ""
    return (str(settings.build_dir.resolve()), str(settings.seeds_dir.resolve()), inputs_fingerprint(settings), digest)


def _seed_files(settings: Settings) -> set[Path]:
    seeds = settings.seeds_dir.resolve()
    return {p.resolve() for p in seeds.rglob("*") if p.is_file()}


def cached_base(settings: Settings, replacing: list[Path] = ()) -> Base | None:
    """The stored graph `load_base` would return, when it is already loaded in this process (else None)."""
    replacing = [Path(p) for p in replacing]
    if any(p.resolve() in _seed_files(settings) for p in replacing):
        return None
    return _BASES.get(_cache_key(settings))


def load_base(settings: Settings, replacing: list[Path] = ()) -> Base:
    """The stored graph, without the seed files in ``replacing`` (they are what is being validated).

    Files outside seeds/ are new: the base is the current build (reused when up to date). Seed
    files under validation are left out by building from a copy of seeds/ without them, so that
    the base never contains the very triples being checked, even when they would not build.
    """
    seeds = settings.seeds_dir.resolve()
    inside = [p.resolve() for p in replacing if p.resolve() in _seed_files(settings)]
    if not inside:
        key = _cache_key(settings)
        if key in _BASES:
            return _BASES[key]
        try:
            base = base_from_dataset(load_dataset(settings), settings)
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
        result = build_dataset(settings.with_(seeds_dir=copy, build_dir=Path(tmp) / "build"))
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
