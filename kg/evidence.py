"""Evidence: from quoted words to W3C Web Annotation selectors, and back.

Owns locating a curated quote in its source text (unique, exact), computing
`oa:TextQuoteSelector` (exact, prefix, suffix) and `oa:TextPositionSelector` (start, end),
splitting a question-and-answer text into paragraphs, and finding every mention of an entity's
surface forms. Offsets are Python ``str`` code-point indices, end exclusive, so
``text[start:end] == exact`` always holds. It does not build RDF; see `kg.annotations`.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .errors import EvidenceError

#: characters of context kept on each side of a quote (as annotation clients such as Hypothesis do)
CONTEXT_CHARS = 32


@dataclass(frozen=True)
class Span:
    """A located quote: ``text[start:end] == exact``."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str

    def key(self, source_iri: str) -> str:
        """A short stable digest of the source and the span, for minting IRIs."""
        digest = hashlib.sha1(f"{source_iri}|{self.start}|{self.end}".encode("utf-8")).hexdigest()
        return digest[:12]


def span_at(text: str, start: int, end: int) -> Span:
    return Span(start, end, text[start:end], text[max(0, start - CONTEXT_CHARS):start],
                text[end:end + CONTEXT_CHARS])


def locate_quote(text: str, quote: str, *, prefix: str | None = None, source_name: str = "",
                 subject: str = "", file: str | None = None, line: int | None = None) -> Span:
    """Find the one place where ``quote`` occurs in ``text``.

    ``prefix`` (words just before the quote) disambiguates a quote that occurs more than once.
    Raises `EvidenceError` when the quote is empty, absent or ambiguous.
    """
    where = f" (claim {subject})" if subject else ""
    if not quote or not quote.strip():
        raise EvidenceError(f"empty quote{where}", file=file, line=line, term=subject,
                            hint="give the exact words of the source in eco:quote")
    starts = [m.start() for m in re.finditer(re.escape(quote), text)]
    if prefix:
        starts = [s for s in starts if text[:s].endswith(prefix)]
    if not starts:
        near = _closest_line(text, quote)
        hint = "copy the words exactly as they are in the source (quotes, dashes and apostrophes included)"
        if near:
            hint += f"; the closest line in the source starts: {near!r}"
        raise EvidenceError(f"quote not found in source {source_name}{where}: {quote!r}", file=file,
                            line=line, term=subject, hint=hint)
    if len(starts) > 1:
        raise EvidenceError(
            f"quote occurs {len(starts)} times in source {source_name}{where}: {quote!r}",
            file=file, line=line, term=subject,
            hint="quote more words, or give the words just before it in eco:quotePrefix")
    start = starts[0]
    return span_at(text, start, start + len(quote))


def _closest_line(text: str, quote: str) -> str:
    words = set(re.findall(r"\w+", quote.lower()))
    best, best_score = "", 0
    for paragraph in text.splitlines():
        score = len(words & set(re.findall(r"\w+", paragraph.lower())))
        if score > best_score:
            best, best_score = paragraph, score
    return best[:60]


@dataclass(frozen=True)
class Segment:
    """One paragraph of a question-and-answer text."""

    index: int
    kind: str  # "heading" | "question" | "answer"
    start: int
    end: int
    question_index: int | None  # for an answer: the question it answers, if the text has one


def segment_interview(text: str, heading_lines: int = 2) -> list[Segment]:
    """Split a one-paragraph-a-line interview into headings, questions and answers.

    The first ``heading_lines`` non-empty lines are headings (title, page marker); a paragraph that
    ends with a question mark is a question; every other paragraph is an answer to the last
    question before it (or to none, when the text starts mid-answer).
    """
    segments: list[Segment] = []
    offset = 0
    current_question: int | None = None
    seen_nonempty = 0
    for index, line in enumerate(text.split("\n")):
        start, end = offset, offset + len(line)
        offset = end + 1
        if not line.strip():
            continue
        seen_nonempty += 1
        if seen_nonempty <= heading_lines:
            kind = "heading"
        elif line.rstrip().endswith("?"):
            kind = "question"
            current_question = index
        else:
            kind = "answer"
        segments.append(Segment(index, kind, start, end, current_question if kind == "answer" else None))
    return segments


def segment_containing(segments: list[Segment], start: int, end: int) -> Segment | None:
    for segment in segments:
        if segment.start <= start and end <= segment.end:
            return segment
    return None


def find_mentions(text: str, surface_forms: dict[str, list[str]]) -> list[tuple[str, Span]]:
    """Every occurrence of every surface form of every entity.

    ``surface_forms`` maps an entity IRI to the strings that name it. Matches respect word
    boundaries, so "Iran" is found in "Iran-Pakistan" and "Iran’s" but not in "Iranian".
    Mentions of different entities may nest ("Persian Gulf" inside "Persian Gulf Arab states" is
    a mention of the sea inside a mention of the group); two matches of the same entity that
    overlap keep the longer one. Returns (entity IRI, span) pairs in text order.
    """
    candidates: list[tuple[int, int, str]] = []
    for entity, forms in surface_forms.items():
        for form in forms:
            pattern = r"(?<!\w)" + re.escape(form) + r"(?!\w)"
            for match in re.finditer(pattern, text):
                candidates.append((match.start(), match.end(), entity))
    # longest first, then earliest, so that of two overlapping names of one entity the longer wins
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0], c[2]))
    taken: dict[str, list[tuple[int, int]]] = {}
    chosen: list[tuple[str, Span]] = []
    for start, end, entity in candidates:
        spans = taken.setdefault(entity, [])
        if any(start < t_end and t_start < end for t_start, t_end in spans):
            continue
        spans.append((start, end))
        chosen.append((entity, span_at(text, start, end)))
    chosen.sort(key=lambda pair: (pair[1].start, pair[0]))
    return chosen
