"""Web Annotation evidence in RDF: what the build writes about a source text and the words taken from it.

Owns reading a source's text (digest checked), its paragraphs, every claim's quote as an oa:Annotation with
quote and position selectors, attribution to speaker or interviewer, and every entity mention. Finding words
in the text is `kg.evidence`'s; which graph they go in is `kg.build`'s.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from . import evidence
from .errors import BuildError, EvidenceError
from .namespaces import ECO, EVIDENCE, OA
from .terms import base_relative

SEGMENT_CLASS = {"heading": ECO.Heading, "question": ECO.Question, "answer": ECO.Answer}


@dataclass(frozen=True)
class SourceText:
    iri: URIRef
    slug: str
    text: str
    path: Path
    segments: list


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
    # an interview names its speaker; any other source, whom its words are attributed to
    speaker = graph.value(source.iri, ECO.speaker) or graph.value(source.iri, PROV.wasAttributedTo)
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


__all__ = ["SEGMENT_CLASS", "SourceText", "add_evidence", "add_mentions", "add_segments", "add_selectors",
           "load_source_text", "resolve_claims", "segment_iri"]
