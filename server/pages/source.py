"""The page section of a source document: its whole text, questions told from answers.

Owns marking every claim's evidence in the text (numbered, linked to the claim; overlapping quotes
of several claims become one mark) and linking every named thing to its page. The page around it is
`server.pages.resource`; single quotes in their paragraph are `server.pages.evidence`.
"""
from __future__ import annotations

from markupsafe import Markup
from rdflib import URIRef

from .evidence import SELECTION, TextSpan, source_segments, spans_of
from .highlight import Highlight, mark_up
from .site import iri_ref, local_href, select
from .terms import fetch_labels, label_of


def source_text(source: URIRef) -> list[dict]:
    """Every paragraph of a source with the claims' evidence marked and named entities linked."""
    segments = source_segments(source)
    s = iri_ref(source)
    evidence_rows = select(f"""SELECT ?claim ?ann ?src ?start ?end ?exact WHERE {{ GRAPH ?g {{
        ?claim eco:hasEvidence ?ann . ?ann oa:hasTarget ?t . ?t oa:hasSource {s} . BIND({s} AS ?src) {SELECTION} }} }}""")
    evidence = spans_of(evidence_rows, "claim")
    mention_rows = select(f"""SELECT ?entity ?ann ?src ?start ?end ?exact WHERE {{ GRAPH ?g {{
        ?ann oa:motivatedBy oa:identifying ; oa:hasBody ?entity ; oa:hasTarget ?t . ?t oa:hasSource {s} .
        BIND({s} AS ?src) {SELECTION} }} }}""")
    mentions = spans_of(mention_rows, "entity")
    fetch_labels([sp.about for sp in evidence + mentions if sp.about is not None])
    # links cannot nest: of overlapping mentions keep the outermost (longest, then earliest)
    outer: list[TextSpan] = []
    for span in sorted(mentions, key=lambda m: (-(m.end - m.start), m.start)):
        if not any(span.start < o.end and o.start < span.end for o in outer):
            outer.append(span)
    # claims are numbered in reading order: by where their first words stand in the text
    first_words: dict = {}
    for span in evidence:
        first_words[span.about] = min(first_words.get(span.about, (span.start, span.end)), (span.start, span.end))
    numbers = {claim: n for n, claim in enumerate(sorted(first_words, key=lambda c: (first_words[c], str(c))), 1)}
    # overlapping quotes of different claims become one mark, followed by the number of each claim
    clusters: list[list[TextSpan]] = []
    for span in sorted(evidence, key=lambda e: (e.start, e.end)):
        if clusters and span.start < max(e.end for e in clusters[-1]):
            clusters[-1].append(span)
        else:
            clusters.append([span])
    highlights = []
    for cluster in clusters:
        claims = sorted({e.about for e in cluster}, key=lambda c: numbers[c])
        notes = Markup("").join(Markup('<a class="claim-ref" href="{}" title="{}">{}</a>').format(
            local_href(str(c)), label_of(c), numbers[c]) for c in claims)
        title = " · ".join(label_of(c) for c in claims)
        highlights.append(Highlight(cluster[0].start, max(e.end for e in cluster),
                                    str(Markup('<mark class="evidence" title="{}">').format(title)),
                                    "</mark>", 0, str(Markup("<sup>{}</sup>").format(notes))))
    for span in outer:
        highlights.append(Highlight(span.start, span.end, str(Markup('<a class="mention" href="{}" title="{}">').format(
            local_href(str(span.about)), label_of(span.about))), "</a>", 1))
    paragraphs = []
    for segment in segments:
        paragraphs.append({"segment": segment, "html": mark_up(segment.text, segment.start, highlights),
                           "claims": sorted({e.about for e in evidence if segment.start <= e.start < segment.end},
                                            key=lambda c: numbers[c])})
    return paragraphs
