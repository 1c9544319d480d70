"""Drafting claims from a registered source: `ecokg extract SLUG` writes Turtle for a curator to correct.

Owns the source's defaults (holder, attribution), a candidate claim per sentence that mentions an entity, the
mentions as Web Annotations, unknown names as comments, and each claim's `eco:curationStatus eco:Draft` line.
Cutting the text is `kg.extract_text`'s, finding names `kg.gazetteer`'s, scoring `kg.extract_eval`'s.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from .build import seed_files
from .errors import ExtractionError
from .evidence import CONTEXT_CHARS
from .extract_text import Paragraph, Sentence, paragraphs, sentences, suggest, unknown_names
from .gazetteer import Gazetteer, Mention
from .namespaces import CLAIM, ECO, EVIDENCE, PREFIXES, SOURCE
from .rdfio import parse_file
from .settings import Settings
from .terms import curie

#: the prefixes a draft declares (all it uses)
DRAFT_PREFIXES = ("eco", "ecoid", "claim", "domain", "modality", "source", "evidence", "oa", "prov", "rdfs", "xsd")


@dataclass(frozen=True)
class SourceDefaults:
    """What a registered source says its claims default to, and where its words are."""

    iri: URIRef
    slug: str
    record: Path  # the file that describes the source
    text_path: Path
    language: str
    holder: URIRef | None  # whose positions the words state, unless a sentence says otherwise
    speaker: URIRef | None  # whom the words of answers are attributed to
    interviewer: URIRef | None  # whom the words of questions are attributed to
    claims: tuple[Path, ...] = ()  # the files holding its curated claims

    def claim_iri(self, local: str) -> URIRef:
        """A claim of this source, in the namespace its own IRI is in (ECO-KG's, or a project's)."""
        if str(self.iri).startswith(str(SOURCE)):
            return CLAIM[local]
        return URIRef(str(self.iri).rsplit("/source/", 1)[0] + "/claim/" + local)


def source_defaults(slug: str, settings: Settings, data: Graph | None = None) -> SourceDefaults:
    """The registered source ``slug`` (`kg.sources.registry`: packaged or the project's), read from its record.

    Holder: the project's default for the source (``--holder``), else whom its speaker acts for, else the
    speaker. Attribution: eco:speaker, else the record's prov:wasAttributedTo; questions: eco:interviewer."""
    from .sources import registry

    found = [source for source in registry(settings).values() if source.slug == slug]
    if not found:
        known = ", ".join(sorted(source.slug for source in registry(settings).values())) or "none"
        raise ExtractionError(f"no registered source {slug!r}", file=settings.seeds_dir, term=slug,
                              hint=f"give the slug of a registered source (the stem of its text file): {known}")
    source = found[0]
    graph = data if data is not None else parse_file(source.record)
    doc = URIRef(source.iri)
    speaker = graph.value(doc, ECO.speaker) or graph.value(doc, PROV.wasAttributedTo)
    holder = (URIRef(source.holder) if source.holder else None) or \
        (graph.value(speaker, PROV.actedOnBehalfOf) if speaker else None)
    language = str(graph.value(doc, DCTERMS.language) or "en")
    claims = [source.record]
    project = getattr(settings, "project", None)
    if not source.packaged and project is not None and (project.claims_dir / f"{slug}.ttl").is_file():
        claims.append(project.claims_dir / f"{slug}.ttl")
    return SourceDefaults(doc, slug, source.record, source.text, language, holder or speaker, speaker,
                          graph.value(doc, ECO.interviewer), tuple(claims))


def knowledge(settings: Settings) -> tuple[Graph, Graph]:
    """(the ontology, everything the seeds and the project say): the names, kinds and defaults of a draft."""
    groups = seed_files(settings)
    ontology, data = Graph(), Graph()
    for path in groups["ontology"]:
        parse_file(path, ontology)
    for name in ("entities", "background", "sources", "project-entities", "project-background", "project-claims"):
        for path in groups.get(name, ()):
            parse_file(path, data)
    return ontology, data


@dataclass
class Candidate:
    """A drafted claim for one sentence."""

    iri: URIRef
    sentence: Sentence
    kind: URIRef
    modality: URIRef
    cue: str
    holder: URIRef | None
    attributed_to: URIRef | None
    about: dict[URIRef, list[URIRef]] = field(default_factory=dict)  # claim property -> values
    quote_prefix: str | None = None


@dataclass
class Draft:
    source: SourceDefaults
    text: str
    paragraphs: list[Paragraph]
    sentences: list[Sentence]
    mentions: list[Mention]
    candidates: list[Candidate]
    unknown: list[tuple[str, int, int]]


def _domain_names(ontology: Graph) -> list[tuple[re.Pattern, URIRef]]:
    """The cooperation domains by their English labels, as case-insensitive word patterns."""
    names = []
    for concept in ontology.subjects(RDF.type, ECO.CooperationDomain):
        for prop in (SKOS.prefLabel, SKOS.altLabel):
            for label in ontology.objects(concept, prop):
                if isinstance(label, Literal) and label.language in (None, "en") and len(str(label)) > 3:
                    names.append((str(label), concept))
    return [(re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)", re.IGNORECASE), concept)
            for name, concept in sorted(names, key=lambda item: (-len(item[0]), item[0], str(item[1])))]


def draft(slug: str, settings: Settings) -> Draft:
    """The draft for one registered source (same input, same draft)."""
    ontology, data = knowledge(settings)
    source = source_defaults(slug, settings, data)
    try:
        text = source.text_path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ExtractionError(f"cannot read the text of {slug}: {error.strerror}", file=source.text_path,
                              hint="the text file must sit beside its record in seeds/") from None
    except UnicodeDecodeError as error:
        raise ExtractionError(f"the text of {slug} is not UTF-8 (byte offset {error.start})",
                              file=source.text_path, hint="save the text as UTF-8") from None
    gazetteer = Gazetteer.from_graph(data, ontology)
    found = paragraphs(text)
    sentence_list = sentences(text, found, source.language)
    mentions = gazetteer.find(text)
    domains = _domain_names(ontology)
    candidates: list[Candidate] = []
    short_slug = re.sub(r"[^A-Za-z0-9-]+", "-", slug).strip("-") or "source"
    starts = [m.span.start for m in mentions]  # in text order
    for sentence in sentence_list:
        first = bisect.bisect_left(starts, sentence.start)
        inside = [m for m in mentions[first:bisect.bisect_left(starts, sentence.end)] if m.span.end <= sentence.end]
        if not inside:
            continue
        top = [m for m in inside if m.nested_in is None or mentions[m.nested_in] not in inside]
        actor_names = [m.span.exact for m in top if gazetteer.about.get(m.entity) == ECO.involves]
        question = sentence.paragraph.kind == "question"
        kind, modality, cue = suggest(sentence.text, actor_names, question=question)
        attributed = (source.interviewer if question else None) or source.speaker
        holder = (source.interviewer if question else None) or source.holder
        if kind == ECO.ReportedStatement and top and gazetteer.about.get(top[0].entity) == ECO.involves:
            holder = top[0].entity  # "Araghchi described …": the position is the one reported
        candidate = Candidate(source.claim_iri(f"{short_slug}-s{sentence.index:03d}"), sentence, kind, modality, cue, holder,
                              attributed)
        for mention in top:
            prop = gazetteer.about.get(mention.entity)
            if prop is None:
                continue  # a linkage or another claim's part: a mention, but nothing a new claim is about by name
            if mention.entity in gazetteer.organisations:
                prop = ECO.forum
            if mention.entity != holder or prop != ECO.involves:
                _add(candidate.about, prop, mention.entity)
            for concept in sorted(gazetteer.domains.get(mention.entity, ())):
                _add(candidate.about, ECO.cooperationDomain, concept)
        for pattern, concept in domains:
            if pattern.search(sentence.text):
                _add(candidate.about, ECO.cooperationDomain, concept)
        candidate.quote_prefix = _disambiguating_prefix(text, sentence)
        candidates.append(candidate)
    known_spans = [(m.span.start, m.span.end) for m in mentions]
    return Draft(source, text, found, sentence_list, mentions, candidates,
                 unknown_names(text, sentence_list, known_spans))


def _add(about: dict, prop: URIRef, value: URIRef) -> None:
    values = about.setdefault(prop, [])
    if value not in values:
        values.append(value)


def _disambiguating_prefix(text: str, sentence: Sentence) -> str | None:
    """None when the sentence occurs once; else the fewest words before it that single it out."""
    if text.count(sentence.text) < 2:
        return None
    for width in range(1, sentence.start + 1):
        prefix = text[sentence.start - width:sentence.start]
        if not prefix.strip():
            continue
        places = [m.start() for m in re.finditer(re.escape(sentence.text), text)]
        if [p for p in places if text[:p].endswith(prefix)] == [sentence.start]:
            return prefix
    return None


# -- Turtle, written by hand: one claim's draft mark on a line of its own -----------------------------------

def _iri(term: URIRef) -> str:
    return curie(term, strict=True) or f"<{term}>"


def _string(value: str, lang: str | None = None) -> str:
    return Literal(value, lang=lang).n3()


def _language_tag(language: str) -> str:
    """The source's language as the label's tag (its words are the source's), English when it gives none."""
    return language if re.fullmatch(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*", language or "") else "en"


def _label(sentence: str, limit: int = 120) -> str:
    words = sentence.rstrip(".?!;: ")
    return words if len(words) <= limit else words[:limit].rsplit(" ", 1)[0] + " …"


def to_turtle(result: Draft, *, tool: str = "ecokg extract") -> str:
    """The draft as Turtle, the same bytes for the same draft."""
    source = result.source
    out = [f"# Draft claims for {_iri(source.iri)}, written by `{tool} {source.slug}` from {source.text_path.name}.",
           "# Nothing here is curated yet. For each claim: correct its kind, modality, holder and what it is about,",
           "# delete the claims the words do not support, and accept a claim by deleting its line",
           "#     claim:… eco:curationStatus eco:Draft .",
           "# The gate refuses a claim still marked draft. Mentions are Web Annotations of every known name.",
           ""]
    out += [f"@prefix {prefix}: <{namespace}> ." for prefix, namespace in _prefixes()]
    out.append("")
    by_paragraph: dict[int, list[Candidate]] = {}
    for candidate in result.candidates:
        by_paragraph.setdefault(candidate.sentence.paragraph.index, []).append(candidate)
    for paragraph in result.paragraphs:
        drafted = by_paragraph.get(paragraph.index)
        if not drafted:
            continue
        opening = _label(result.text[paragraph.start:paragraph.end], 70)
        out.append(f"# --- paragraph {paragraph.index} ({paragraph.kind}): {opening}")
        for candidate in drafted:
            # the sentence number keeps the label apart from a curated claim that reads the same
            label = f"{_label(candidate.sentence.text)} (sentence {candidate.sentence.index})"
            out += _claim_lines(candidate, label, source)
            out.append(f"{_iri(candidate.iri)} eco:curationStatus eco:Draft .")
            out.append("")
    out += _mention_lines(result)
    out += _unknown_lines(result)
    return "\n".join(out).rstrip("\n") + "\n"


def _prefixes():
    return [(prefix, PREFIXES[prefix]) for prefix in DRAFT_PREFIXES]


def _claim_lines(candidate: Candidate, label: str, source: SourceDefaults) -> list[str]:
    cue = f" (cue: “{candidate.cue}”)" if candidate.cue else " (no cue word: an observation)"
    lines = [f"# sentence {candidate.sentence.index}{cue}",
             f"{_iri(candidate.iri)} a {_iri(candidate.kind)} ;",
             f"    rdfs:label {_string(label, _language_tag(source.language))} ;"]
    if candidate.holder is not None:
        lines.append(f"    eco:holder {_iri(candidate.holder)} ;")
    lines.append(f"    eco:modality {_iri(candidate.modality)} ;")
    for prop in (ECO.forum, ECO.involves, ECO.concernsPlace, ECO.concernsMeasure, ECO.identifiesObstacle,
                 ECO.invokesPrinciple, ECO.cooperationDomain):
        values = candidate.about.get(prop)
        if values:
            lines.append(f"    {_iri(prop)} {' , '.join(_iri(v) for v in values)} ;")
    lines.append(f"    eco:quote {_string(candidate.sentence.text)} ;")
    if candidate.quote_prefix:
        lines.append(f"    eco:quotePrefix {_string(candidate.quote_prefix)} ;")
    if candidate.attributed_to is not None:
        lines.append(f"    prov:wasAttributedTo {_iri(candidate.attributed_to)} ;")
    lines.append(f"    prov:wasDerivedFrom {_iri(source.iri)} .")
    return lines


def mention_iri(source: SourceDefaults, mention: Mention) -> URIRef:
    """The annotation of a mention: named as the build names it, so an accepted mention is the build's own."""
    return EVIDENCE[f"m-{mention.span.key(str(source.iri))}"]


def _mention_lines(result: Draft) -> list[str]:
    if not result.mentions:
        return []
    out = ["# --- mentions of known entities (oa:identifying), in text order; offsets are code points, end exclusive",
           f"# (prefix and suffix: up to {CONTEXT_CHARS} characters of context)"]
    bodies: dict[URIRef, list[Mention]] = {}
    for mention in result.mentions:
        bodies.setdefault(mention_iri(result.source, mention), []).append(mention)
    for annotation, group in bodies.items():
        span = group[0].span
        target = f"<{annotation}/target>"
        out.append(f"<{annotation}> a oa:Annotation ; oa:motivatedBy oa:identifying ;")
        out.append(f"    oa:hasBody {' , '.join(_iri(m.entity) for m in group)} ;")
        nested = sorted({mention_iri(result.source, result.mentions[m.nested_in]) for m in group
                         if m.nested_in is not None} - {annotation}, key=str)
        if nested:
            out.append(f"    eco:nestedIn {' , '.join(f'<{n}>' for n in nested)} ;")
        out.append(f"    oa:hasTarget {target} .")
        out.append(f"{target} a oa:SpecificResource ; oa:hasSource {_iri(result.source.iri)} ;")
        out.append(f"    oa:hasSelector <{annotation}/target/quote> , <{annotation}/target/position> .")
        out.append(f"<{annotation}/target/quote> a oa:TextQuoteSelector ; oa:exact {_string(span.exact)} ;")
        out.append(f"    oa:prefix {_string(span.prefix)} ; oa:suffix {_string(span.suffix)} .")
        out.append(f"<{annotation}/target/position> a oa:TextPositionSelector ;")
        out.append(f'    oa:start "{span.start}"^^xsd:nonNegativeInteger ; oa:end "{span.end}"^^xsd:nonNegativeInteger .')
    out.append("")
    return out


def _unknown_lines(result: Draft) -> list[str]:
    if not result.unknown:
        return []
    out = ["# --- capitalised names no entity knows: candidate new entities (describe one in seeds/entities.ttl",
           "# with its type, label and eco:surfaceForm, and the next draft annotates it)"]
    for name, offset, times in result.unknown:
        out.append(f"#     {name!r} at offset {offset}" + (f", {times} times" if times > 1 else ""))
    return out


def write_draft(slug: str, settings: Settings, output: Path | None = None) -> str:
    """Draft ``slug``'s claims; write them to ``output`` (atomically) when given; return the Turtle."""
    text = to_turtle(draft(slug, settings))
    if output is not None:
        write_text(output, text)
    return text


def write_text(output: Path, text: str) -> None:
    """Write ``text`` to ``output`` whole or not at all (a scratch file beside it, then renamed)."""
    output = Path(output)
    if output.is_dir():
        raise ExtractionError(f"{output} is a folder", file=output, hint="give a file name, e.g. draft.ttl")
    scratch = output.with_name(f".{output.name}.part")
    try:
        scratch.write_text(text, encoding="utf-8")
        scratch.replace(output)
    except OSError as error:
        scratch.unlink(missing_ok=True)
        raise ExtractionError(f"cannot write {output}: {error.strerror}", file=output,
                              hint="check that the folder exists and is writable") from None


__all__ = ["Candidate", "Draft", "SourceDefaults", "draft", "knowledge", "mention_iri", "source_defaults",
           "to_turtle", "write_draft", "write_text"]
