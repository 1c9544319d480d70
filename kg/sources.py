"""The registry of source texts: the packaged ones (seeds/) and a project's own (`ecokg source add`).

Owns which source IRI names which text and record, registering a new text in a project (checked options, the
text copied byte for byte with its sha256, a DCTERMS/PROV record, the speaker minted) and listing them. Loading
them into named graphs is `kg.build`'s; reading a text and checking its digest is `kg.annotations`'.
"""
from __future__ import annotations

import datetime as _dt
import difflib
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ProjectError
from .namespaces import ECO, ID, SOURCE, source_graph
from .project import SPDX_LICENCES, Project, check_slug, licence_iri

#: what the dataset says of a text whose licence its record does not give
RIGHTS_UNKNOWN = ("Third-party text whose licence is not known: all rights stay with its author or publisher. "
                  "It is quoted here for research; the graph's own assertions are under the dataset's licence.")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class RegisteredSource:
    """One source text: its IRI, the record describing it, the text itself and its named graph."""

    iri: str
    slug: str
    record: Path
    text: Path
    graph: str
    packaged: bool
    #: the entity its claims are held by unless they say otherwise (project sources, `--holder`)
    holder: str | None = None


def registry(settings) -> dict[str, RegisteredSource]:
    """Every registered source by IRI: the packaged ones, then the project's (``settings.project``)."""
    found: dict[str, RegisteredSource] = {}
    seeds = settings.seeds_dir
    for record in sorted(seeds.glob("*.ttl")):
        text = record.with_suffix(".txt")
        if record.name != "entities.ttl" and text.is_file():
            found[str(SOURCE[record.stem])] = RegisteredSource(str(SOURCE[record.stem]), record.stem, record, text,
                                                               str(source_graph(record.stem)), True)
    project: Project | None = getattr(settings, "project", None)
    if project is not None:
        for record in sorted(project.sources_dir.glob("*.ttl")):
            slug = record.stem
            iri = project.source_iri(slug)
            found[iri] = RegisteredSource(iri, slug, record, record.with_suffix(".txt"), project.source_graph(slug),
                                          False, project.defaults_for(slug).get("holder"))
    return found


def text_folder(settings, iri) -> Path:
    """The folder whose files a source record's eco:textFile names: the project's sources/ for its own
    sources, seeds/ for the packaged ones (and for a source no registry knows, as before projects)."""
    registered = registry(settings).get(str(iri))
    return registered.record.parent if registered is not None else settings.seeds_dir


def _require_project(settings) -> Project:
    project = getattr(settings, "project", None)
    if project is None:
        raise ProjectError("not inside a project: no ecokg.toml here or in a folder above",
                           hint="create one with `ecokg init DIR --namespace IRI`, then run the command inside DIR")
    return project


def check_date(value: str) -> str:
    if not _DATE.match(value or ""):
        raise ProjectError(f"--date {value!r} is not a date", term=value, hint="give it as YYYY-MM-DD, e.g. 2024-05-01")
    try:
        _dt.date.fromisoformat(value)
    except ValueError as error:
        raise ProjectError(f"--date {value!r} is not a date: {error}", term=value,
                           hint="give a real calendar day as YYYY-MM-DD") from None
    return value


def check_language(value: str) -> str:
    from .langtags import language_tag_problem

    why = language_tag_problem(value) if value else "an empty language tag"
    if why is None and not re.match(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$", value):
        why = f"the language of {value!r} is not written in lower case"
    if why:
        raise ProjectError(f"--language {value!r}: {why}", term=value, hint="give a BCP 47 tag such as en, fa, ur, en-GB")
    return value


def _known_entities(settings, project: Project):
    """Labels and IRIs of the packaged entities and the project's own (entities/ and the source records)."""
    from rdflib import Graph
    from rdflib.namespace import RDF, RDFS, SKOS

    from .rdfio import parse_file

    graph = Graph()
    for path in [settings.seeds_dir / "entities.ttl", *sorted(project.entities_dir.glob("*.ttl")),
                 *sorted(project.sources_dir.glob("*.ttl"))]:
        if path.is_file():
            parse_file(path, graph)
    labels: dict[str, set[str]] = {}
    for prop in (RDFS.label, SKOS.altLabel, ECO.surfaceForm):
        for entity, label in graph.subject_objects(prop):
            labels.setdefault(str(label).casefold(), set()).add(str(entity))
    actors = _actor_classes(settings)
    typed = {str(s): any(str(o) in actors for o in graph.objects(s, RDF.type)) for s in graph.subjects(RDF.type, None)}
    return labels, typed, sorted({str(label) for label in graph.objects(None, RDFS.label)})


def _actor_classes(settings) -> set[str]:
    """eco:Actor and its subclasses in the ontology (a holder must be one)."""
    from rdflib import Graph
    from rdflib.namespace import RDFS

    from .rdfio import parse_file

    ontology = Graph()
    for path in sorted(settings.ontology_dir.glob("*.ttl")):
        if path.name != "shapes.ttl":
            parse_file(path, ontology)
    return {str(c) for c in ontology.transitive_subjects(RDFS.subClassOf, ECO.Actor)}


def resolve_holder(settings, project: Project, value: str) -> str:
    """The IRI of the entity ``value`` names (an IRI, ecoid:Name, or a label or surface form)."""
    labels, typed, all_labels = _known_entities(settings, project)
    candidates = {value, str(ID) + value[len("ecoid:"):] if value.startswith("ecoid:") else value}
    iri = next((c for c in candidates if c in typed), None)
    if iri is None:
        owners = labels.get(value.casefold(), set())
        if len(owners) == 1:
            iri = next(iter(owners))
        elif len(owners) > 1:
            actors = sorted(o for o in owners if typed.get(o))
            if len(actors) != 1:
                raise ProjectError(f"--holder {value!r} names {len(owners)} entities: {', '.join(sorted(owners))}",
                                   term=value, hint="give the IRI of the one you mean")
            iri = actors[0]
    if iri is None:
        near = difflib.get_close_matches(value, all_labels, n=3, cutoff=0.6)
        raise ProjectError(f"--holder {value!r} is not a known entity", term=value,
                           hint=(f"did you mean {', '.join(near)}? " if near else "")
                           + "give the label or IRI of an entity of ECO-KG or of the project's entities/")
    if not typed[iri]:
        raise ProjectError(f"--holder {value!r} ({iri}) is not an actor: a claim's holder is a state, an "
                           "organisation, a group or a person whose position it states", term=value,
                           hint="give an actor (e.g. Pakistan, ECO), or leave --holder out")
    return iri


def speaker_iri(project: Project, label: str) -> str:
    words = re.findall(r"\w+", label)
    if not words:
        raise ProjectError(f"--speaker {label!r} has no letters to name the person by", term=label,
                           hint="give the speaker's name as the text gives it")
    return project.iri("".join(word[:1].upper() + word[1:] for word in words))


def _write_atomically(path: Path, data: bytes) -> None:
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    scratch.write_bytes(data)
    os.replace(scratch, path)


def source_record(project: Project, slug: str, digest: str, *, title: str, language: str, date: str | None,
                  publisher: str | None, licence: str | None, speaker: tuple[str, str] | None,
                  holder: str | None = None) -> str:
    """The Turtle record of a source (what `ecokg source add` writes as sources/<slug>.ttl)."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

    from .rdfio import bind_prefixes

    graph = bind_prefixes(Graph())
    graph.bind("src", project.namespace + "id/source/")
    graph.bind("id", project.namespace + "id/")
    doc = URIRef(project.source_iri(slug))
    graph.add((doc, RDF.type, ECO.SourceDocument))
    graph.add((doc, DCTERMS.title, Literal(title)))
    graph.add((doc, DCTERMS.language, Literal(language)))
    graph.add((doc, DCTERMS["format"], Literal("text/plain")))
    graph.add((doc, ECO.textFile, Literal(f"{slug}.txt")))
    graph.add((doc, ECO.sha256, Literal(digest)))
    if date:
        graph.add((doc, DCTERMS.date, Literal(date, datatype=XSD.date)))
    if publisher:
        graph.add((doc, DCTERMS.publisher, Literal(publisher)))
    if licence:
        graph.add((doc, DCTERMS.license, URIRef(licence)))
    else:
        graph.add((doc, DCTERMS.rights, Literal(RIGHTS_UNKNOWN, lang="en")))
    if speaker:
        person, label = speaker
        graph.add((doc, PROV.wasAttributedTo, URIRef(person)))
        graph.add((URIRef(person), RDF.type, ECO.Person))
        graph.add((URIRef(person), RDFS.label, Literal(label, lang=language)))
        graph.add((URIRef(person), ECO.surfaceForm, Literal(label, lang=language)))
        if holder:  # whose positions the speaker's words state: the default holder of the source's claims
            graph.add((URIRef(person), PROV.actedOnBehalfOf, URIRef(holder)))
    head = (f"# The record of source {slug}: written by `ecokg source add`. The text is {slug}.txt, kept byte for\n"
            f"# byte; every build checks its sha256. Claims quoting it go into "
            f"{dict(project.layout)['claims']}/{slug}.ttl.\n")
    return head + graph.serialize(format="turtle")


def add_source(settings, file: Path, *, title: str, holder: str | None = None, speaker: str | None = None,
               date: str | None = None, publisher: str | None = None, licence: str | None = None,
               language: str | None = None) -> RegisteredSource:
    """Register ``file`` in the project: every option is checked before anything is written."""
    project = _require_project(settings)
    file = Path(file)
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise ProjectError(f"cannot read the source text: {error.strerror}", file=file) from None
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProjectError(f"the source text is not UTF-8 (byte offset {error.start})", file=file,
                           hint="convert it to UTF-8 first (e.g. iconv -t UTF-8), then register it") from None
    if not raw.strip():
        raise ProjectError("the source text is empty", file=file)
    slug = check_slug(file.stem, file=file)
    if not title or not title.strip():
        raise ProjectError("--title is empty", hint="give the title as the source gives it")
    if date is not None:
        check_date(date)
    licence = licence_iri(licence) if licence is not None else None
    language = check_language(language) if language is not None else "und"
    holder_iri = resolve_holder(settings, project, holder) if holder is not None else None
    person = (speaker_iri(project, speaker), speaker.strip()) if speaker is not None else None
    known = registry(settings)
    target = project.sources_dir / f"{slug}.txt"
    in_place = target.exists() and target.resolve() == file.resolve()  # put in sources/ by hand, not yet registered
    if any(source.slug == slug for source in known.values()) or (target.exists() and not in_place):
        raise ProjectError(f"a source named {slug} is already registered", file=file, term=slug,
                           hint="rename the file to register another text; a registered text is never replaced")
    digest = hashlib.sha256(raw).hexdigest()
    record = source_record(project, slug, digest, title=title.strip(), language=language, date=date,
                           publisher=publisher, licence=licence, speaker=person, holder=holder_iri)
    project.sources_dir.mkdir(parents=True, exist_ok=True)
    if not in_place:
        _write_atomically(target, raw)
    _write_atomically(project.sources_dir / f"{slug}.ttl", record.encode("utf-8"))
    if holder_iri is not None:
        import json

        with project.file.open("a", encoding="utf-8") as handle:  # TOML has no writer in the standard library
            handle.write(f"\n[sources.{json.dumps(slug)}]\nholder = {json.dumps(holder_iri)}\n")
    return RegisteredSource(project.source_iri(slug), slug, project.sources_dir / f"{slug}.ttl",
                            project.sources_dir / f"{slug}.txt", project.source_graph(slug), False, holder_iri)


__all__ = ["RIGHTS_UNKNOWN", "SPDX_LICENCES", "RegisteredSource", "add_source", "check_date", "check_language",
           "licence_iri", "registry", "resolve_holder", "source_record", "text_folder"]
