"""What the ontology defines, read from it rather than restated in code: the kinds of claim, and its versions.

Owns `claim_kinds`: the subclasses of eco:Claim with their labels and definitions, in the order the
ontology's disjointness axiom lists them, so a kind added to ontology/eco.ttl reaches the report, the gate,
the nanopublications and the sitemap without a code change; and `released_versions` / `released_ontology`,
the releases archived under ontology/versions/X.Y.Z/; and which files hold it (`ontology_files`), which
the build reads. Putting the ontology into its graph is `kg.build`'s.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from .namespaces import ECO
from .settings import Settings
from .terms import local_name

#: the class every claim is an instance of; its direct subclasses are the kinds
CLAIM_CLASS = ECO.Claim


@dataclass(frozen=True)
class ClaimKind:
    """One kind of claim: its class, and how the ontology names and defines it (in English)."""

    iri: URIRef
    label: str
    definition: str = ""


def claim_kinds(ontology: Graph | Settings | None = None) -> tuple[ClaimKind, ...]:
    """The kinds of claim ``ontology`` defines: the direct subclasses of eco:Claim.

    ``ontology`` is a graph holding the ontology (read as it is: a few index look-ups), or the settings
    whose ontology folder is read (default: the project's), parsed once per process. Ordered as the
    owl:AllDisjointClasses axiom over them lists them; a kind it leaves out comes after, by IRI.
    """
    if isinstance(ontology, Graph):
        return _read(ontology)
    return _from_files(tuple(ontology_files(ontology or Settings())))


def ontology_files(settings: Settings) -> list[Path]:
    """The files holding the ontology, which the build puts into graph/ontology: ontology/*.ttl but the shapes
    (sorted, so builds are reproducible)."""
    return sorted(p for p in settings.ontology_dir.glob("*.ttl") if p.name != "shapes.ttl")


@lru_cache(maxsize=8)
def _from_files(paths: tuple) -> tuple[ClaimKind, ...]:
    from .rdfio import parse_file

    graph = Graph()
    for path in paths:
        parse_file(path, graph)
    return _read(graph)


def _read(ontology: Graph) -> tuple[ClaimKind, ...]:
    kinds = {kind for kind in ontology.subjects(RDFS.subClassOf, CLAIM_CLASS) if isinstance(kind, URIRef)}
    listed: list[URIRef] = []
    for axiom in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        members = ontology.value(axiom, OWL.members)
        order = [member for member in Collection(ontology, members)] if members is not None else []
        if order and set(order) <= kinds:
            listed = order
            break
    ordered = listed + sorted(kinds - set(listed), key=str)
    return tuple(ClaimKind(kind, _english(ontology, kind, RDFS.label) or local_name(kind),
                           _english(ontology, kind, SKOS.definition)) for kind in ordered)


def _english(ontology: Graph, subject: URIRef, predicate: URIRef) -> str:
    """The English value of ``predicate`` (else one without a language, else any), or ""."""
    values = sorted((value for value in ontology.objects(subject, predicate) if isinstance(value, Literal)), key=str)
    for wanted in ("en", None):
        for value in values:
            if value.language == wanted:
                return str(value)
    return str(values[0]) if values else ""


#: a release's version: X.Y.Z, as its folder under ontology/versions/ and its version IRI name it
RELEASE = re.compile(r"\d+\.\d+\.\d+")


def released_versions(settings: Settings | None = None) -> tuple[str, ...]:
    """The releases whose ontology files are archived under ``ontology/versions/X.Y.Z/``, oldest first."""
    folder = (settings or Settings()).ontology_dir / "versions"
    found = [path.name for path in folder.iterdir() if path.is_dir() and RELEASE.fullmatch(path.name)] \
        if folder.is_dir() else []
    return tuple(sorted(found, key=lambda name: tuple(int(part) for part in name.split("."))))


def released_ontology(version: str, settings: Settings | None = None) -> Graph | None:
    """The ontology as release ``version`` published it (its files but the shapes), or None when the
    project does not archive that release."""
    if version not in released_versions(settings):
        return None
    return _release_graph(str((settings or Settings()).ontology_dir / "versions" / version))


@lru_cache(maxsize=8)
def _release_graph(folder: str) -> Graph:
    from pathlib import Path

    from .rdfio import parse_file

    graph = Graph()
    for path in sorted(Path(folder).glob("*.ttl")):
        if path.name != "shapes.ttl":
            parse_file(path, graph)
    return graph


__all__ = ["CLAIM_CLASS", "ClaimKind", "RELEASE", "claim_kinds", "released_ontology", "released_versions"]
