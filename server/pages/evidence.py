"""Where words in the sources back the graph: paragraphs, evidence of claims, mentions of things.

Owns a source's paragraphs, the spans annotations select (a claim's evidence, an entity's mentions, what an
annotation selects itself) and showing spans in their paragraph. A source's whole marked-up text is
`server.pages.source`; the marking itself `server.pages.highlight`.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import g
from markupsafe import Markup
from rdflib import URIRef

from kg.namespaces import ECO

from .highlight import Highlight, mark_up
from .site import iri_ref, select, values_clause
from .terms import label_of

SEGMENT_KINDS = {ECO.Question: "question", ECO.Answer: "answer", ECO.Heading: "heading"}
#: a selection of text: the target ?t, its source and offsets, and its exact words when recorded
SELECTION = """?t oa:hasSource ?src ; oa:hasSelector ?ps .
    ?ps a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
    OPTIONAL { ?t oa:hasSelector ?qs . ?qs a oa:TextQuoteSelector ; oa:exact ?exact }"""


@dataclass(frozen=True)
class Segment:
    iri: URIRef
    source: URIRef
    index: int
    kind: str
    start: int
    end: int
    text: str


@dataclass
class TextSpan:
    """A selected span of a source: what selects it (annotation, claim) and its offsets."""

    source: URIRef
    start: int
    end: int
    about: URIRef | None = None  # the claim or entity the span is evidence or a mention of
    annotation: URIRef | None = None
    exact: str = ""


def source_segments(source: URIRef) -> list[Segment]:
    """The paragraphs of a source document, in order, as the build recorded them."""
    cache = g.setdefault("ecokg_segments", {})
    if source in cache:
        return cache[source]
    rows = select(f"""SELECT ?seg ?type ?index ?start ?end ?exact WHERE {{ GRAPH ?g {{
        ?seg dcterms:isPartOf {iri_ref(source)} ; a ?type ; eco:segmentIndex ?index ;
             oa:hasSelector ?ps , ?qs .
        ?ps a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
        ?qs a oa:TextQuoteSelector ; oa:exact ?exact .
        VALUES ?type {{ eco:Question eco:Answer eco:Heading }} }} }}""")
    segments = {}
    for row in rows:
        segments[row["seg"]] = Segment(row["seg"], source, int(row["index"]), SEGMENT_KINDS[row["type"]],
                                       int(row["start"]), int(row["end"]), str(row["exact"]))
    cache[source] = sorted(segments.values(), key=lambda s: s.index)
    return cache[source]


def segment_for(source: URIRef, start: int, end: int) -> Segment | None:
    for segment in source_segments(source):
        if segment.start <= start and end <= segment.end:
            return segment
    return None


def paragraphs_with(spans: list[TextSpan], make) -> list[dict]:
    """The paragraphs that contain ``spans``, each with its spans wrapped by ``make(span)``.

    Returns dicts for the templates: the segment, its HTML and the spans it holds. A span that
    fits no recorded paragraph (a source without segments) is shown on its own.
    """
    grouped: dict[Segment, list[TextSpan]] = defaultdict(list)
    loose: list[TextSpan] = []
    for span in spans:
        segment = segment_for(span.source, span.start, span.end)
        if segment is None:
            loose.append(span)
        else:
            grouped[segment].append(span)
    out = []
    for segment in sorted(grouped, key=lambda s: (str(s.source), s.index)):
        highlights = [make(span) for span in grouped[segment]]
        out.append({"segment": segment, "html": mark_up(segment.text, segment.start, highlights),
                    "spans": grouped[segment]})
    for span in loose:
        out.append({"segment": None, "html": Markup("<mark>{}</mark>").format(span.exact), "spans": [span]})
    return out


def evidence_mark(span: TextSpan) -> Highlight:
    title = label_of(span.about) if span.about is not None else "evidence"
    return Highlight(span.start, span.end,
                     str(Markup('<mark class="evidence" title="{}">').format(title)), "</mark>", 0)


def mention_mark(span: TextSpan) -> Highlight:
    return Highlight(span.start, span.end, '<mark class="mention">', "</mark>", 1)


def spans_of(rows, about_key: str | None) -> list[TextSpan]:
    """Distinct spans from query rows with ?src ?start ?end (and ?exact, ?ann, ``about_key``)."""
    seen, spans = set(), []
    for row in rows:
        key = (row["src"], int(row["start"]), int(row["end"]), row.get(about_key) if about_key else None)
        if key in seen:
            continue
        seen.add(key)
        spans.append(TextSpan(row["src"], int(row["start"]), int(row["end"]),
                              row.get(about_key) if about_key else None, row.get("ann"),
                              str(row.get("exact") or "")))
    return sorted(spans, key=lambda s: (str(s.source), s.start, s.end))


def claim_evidence(claims) -> list[TextSpan]:
    """The evidence spans of the given claims."""
    claims = list(claims)
    if not claims:
        return []
    rows = select(f"""SELECT ?claim ?ann ?src ?start ?end ?exact WHERE {{ {values_clause('claim', claims)}
        GRAPH ?g {{ ?claim eco:hasEvidence ?ann . ?ann oa:hasTarget ?t . {SELECTION} }} }}""")
    return spans_of(rows, "claim")


def entity_mentions(entity: URIRef) -> list[TextSpan]:
    rows = select(f"""SELECT ?ann ?src ?start ?end ?exact WHERE {{ GRAPH ?g {{
        ?ann oa:motivatedBy oa:identifying ; oa:hasBody {iri_ref(entity)} ; oa:hasTarget ?t . {SELECTION} }} }}""")
    spans = spans_of(rows, None)
    for span in spans:
        span.about = entity
    return spans


def mention_count(entity: URIRef) -> int:
    """How often the texts name ``entity``, counted as the named query `mentions-per-entity` counts: a stretch of
    text once, so a name inside a longer name of something else (`eco:nestedIn`) is left out."""
    rows = select(f"""SELECT (COUNT(?mention) AS ?n) WHERE {{
        ?mention oa:motivatedBy oa:identifying ; oa:hasBody {iri_ref(entity)} .
        FILTER NOT EXISTS {{ ?mention eco:nestedIn ?longer }} }}""")
    return int(rows[0]["n"]) if rows else 0


def selected_spans(resource: URIRef) -> list[TextSpan]:
    """Text that ``resource`` selects itself: an annotation, its target, a selector or a paragraph."""
    r = iri_ref(resource)
    rows = select(f"""SELECT ?src ?start ?end ?exact WHERE {{
        {{ GRAPH ?g {{ {r} oa:hasTarget ?t . {SELECTION} }} }}
        UNION {{ GRAPH ?g {{ BIND({r} AS ?t) {SELECTION} }} }}
        UNION {{ GRAPH ?g {{ ?t oa:hasSelector {r} . {SELECTION} }} }} }}""")
    return spans_of(rows, None)
