"""A source text cut up for drafting claims: paragraphs, sentences, cue words, capitalised names.

Owns paragraphs (blank lines, or one per line) as headings, questions and answers; sentences (pysbd, never across
a line, where the build's evidence lies); the cue words that suggest a claim's kind and modality; unknown names.
What names refer to is `kg.gazetteer`'s; turning all this into claims is `kg.extract`'s."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .namespaces import ECO, MODALITY


@dataclass(frozen=True)
class Paragraph:
    index: int  # the build's paragraph number for a one-paragraph-a-line text: the line number from 0
    kind: str  # "heading" | "question" | "answer"
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    index: int  # counted from 1 over the whole text
    paragraph: Paragraph
    start: int
    end: int
    text: str


#: a paragraph that states a question where the text marks one this way
_QUESTION_MARK = re.compile(r"^\s*(?:Q\s*[:.]|Question\s*:)|\?[\"”’)]*\s*$")
#: what ends a sentence (an ellipsis does not: "Iran-Pakistan security ..." is a title)
_SENTENCE_END = re.compile(r"(?<!\.\.)[.!?:;][\"”’)]*\s*$")


def paragraphs(text: str) -> list[Paragraph]:
    """Blocks between blank lines; in a text without blank lines (an interview as one paragraph a line),
    each line. A short line that ends without a sentence's punctuation is a heading; a paragraph that ends
    with a question mark or starts with "Q:" is a question; the rest are answers."""
    lines: list[tuple[int, int, int]] = []  # (line number, start, end)
    offset = 0
    for number, line in enumerate(text.split("\n")):
        lines.append((number, offset, offset + len(line)))
        offset += len(line) + 1
    blocks: list[list[tuple[int, int, int]]] = []
    blank_lines = any(not text[s:e].strip() for _n, s, e in lines[1:-1])
    current: list[tuple[int, int, int]] = []
    for entry in lines:
        if not text[entry[1]:entry[2]].strip():
            if current:
                blocks.append(current)
            current = []
        elif blank_lines:
            current.append(entry)
        else:
            blocks.append([entry])
    if current:
        blocks.append(current)
    found = []
    for block in blocks:
        number, start, end = block[0][0], block[0][1], block[-1][2]
        words = text[start:end].split()
        if len(block) == 1 and len(words) < 12 and not _SENTENCE_END.search(text[start:end]):
            kind = "heading"
        elif _QUESTION_MARK.search(text[start:end]):
            kind = "question"
        else:
            kind = "answer"
        found.append(Paragraph(number, kind, start, end))
    return found


@lru_cache(maxsize=4)
def _segmenter(language: str):
    import pysbd  # rule-based sentence boundaries, no model to download

    try:
        return pysbd.Segmenter(language=language, clean=False)
    except ValueError:  # a language pysbd has no rules for: English punctuation rules serve
        return pysbd.Segmenter(language="en", clean=False)


def sentences(text: str, found: list[Paragraph], language: str = "en") -> list[Sentence]:
    """The sentences of every paragraph that is not a heading, with their offsets in ``text``."""
    segmenter = _segmenter((language or "en").split("-")[0].lower())
    result: list[Sentence] = []
    for paragraph in found:
        if paragraph.kind == "heading":
            continue
        offset = paragraph.start
        while offset < paragraph.end:
            line_end = text.find("\n", offset, paragraph.end)
            line_end = paragraph.end if line_end < 0 else line_end
            line = text[offset:line_end]
            cursor = 0
            for piece in segmenter.segment(line) if line.strip() else []:
                at = line.find(piece, cursor)
                if at < 0:  # the segmenter changed the words: fall back to the stripped piece
                    at = line.find(piece.strip(), cursor)
                    piece = piece.strip()
                    if at < 0:
                        continue
                cursor = at + len(piece)
                stripped = piece.strip()
                if not stripped:
                    continue
                start = offset + at + (len(piece) - len(piece.lstrip()))
                result.append(Sentence(len(result) + 1, paragraph, start, start + len(stripped), stripped))
            offset = line_end + 1
    return result


# -- cue words: the kind and modality a sentence suggests ------------------------------------------------

#: an actor's own offer: "Pakistan can", "Islamabad can also", "It could" (not "If ECO can", a condition)
ACTOR_CAN = (r"(?<![Ii]f )(?:{actor}|\bIt|\bit|\bWe|\bwe)\s+(?:\w+\s+)?(?:can|could)\b"
             r"(?!\s+(?:help\s+)?(?:reduce|slow|create))")
#: (pattern, kind, modality) in the order they are tried on a sentence: the first that matches decides.
#: ``{actor}`` stands for the names of the actors the sentence mentions.
CUES: tuple[tuple[str, str, str], ...] = (
    (r"\b(?:described|said|stated|told|declared|announced|remarked)\b", "ReportedStatement", "Observed"),
    (r"\b(?:is|are|was|were)\s+not\b|\b(?:isn’t|aren’t|isn't|aren't)\b", "FactualStatement", "NotTheCase"),
    (r"\bcan be (?:shared|offered|made available)\b|\bstands? ready\b|\boffers? to\b", "Proposal", "Offered"),
    (r"\bwould welcome\b|\bfavou?rs?\b|\bsupports?\b|\bwelcomes?\b|\bprefers?\b|\bendorses?\b",
     "Stance", "Favoured"),
    (r"\breceptive\b|\bpropos|\bfirst step\b|\bsuggests?\b|\bway forward\b|\bcalls? for\b", "Proposal", "Proposed"),
    (r"\bshould\b|\bmust\b|\bneeds? to\b|\bwould need\b|\bha(?:s|ve) to\b|\brequires?\b", "Stance", "Required"),
    (r"\bobstacles?\b|\bprevents?\b|\bcomplex\b|\bcaution\b|\bconstrain|\bslows?\b|\bdelicate\b|\bchalleng"
     r"|\bdifferent external\b|\blimits?\b|\bhinders?\b|\bfactors\b|\binstability\b|\binsecurity\b"
     r"|\btensions?\b", "Assessment", "Constraining"),
    (ACTOR_CAN, "Proposal", "Offered"),
    (r"\balready\b|\bwas (?:originally )?(?:created|founded|established)\b|\bcooperates?\b", "FactualStatement",
     "Existing"),
    (r"\bunder discussion\b|\bdiscussion\b|\bdiscussed\b|\bnegotiat", "Assessment", "UnderDiscussion"),
    (r"\bexpects?\b|\bexpected\b|\bwill\b|\bwould\b|\bcan help\b|\bcan\b|\bcould\b|\bmay\b|\bmight\b",
     "Assessment", "Expected"),
    (r"\bsees?\b|\bbelieves?\b|\bconsiders?\b|\bviews?\b|\bperspective\b|\bposition\b", "Stance", "Observed"),
)
#: what a question's words can state (its other cues are the interviewer's asking, not a position)
QUESTION_KINDS = {"ReportedStatement", "FactualStatement", "Assessment"}
QUESTION_MODALITIES = {"Observed", "NotTheCase", "Constraining", "UnderDiscussion", "Existing"}


def suggest(sentence: str, actor_names: list[str], *, question: bool) -> tuple[object, object, str]:
    """(kind class, modality concept, the cue words that decided it) for a sentence.

    A question's words are the interviewer's premise: only cues of what is (reported, not the case, existing,
    constraining, under discussion) count there. With no cue, a plain statement of how things are (an observed
    assessment)."""
    actors = "|".join(re.escape(name) for name in sorted(actor_names, key=len, reverse=True)) or r"(?!x)x"
    for pattern, kind, modality in CUES:
        match = re.search(pattern.replace("{actor}", actors), sentence)
        if match and (not question or kind in QUESTION_KINDS and modality in QUESTION_MODALITIES):
            return ECO[kind], MODALITY[modality], match.group(0).strip()
    return ECO.Assessment, MODALITY.Observed, ""


# -- capitalised names no entity knows --------------------------------------------------------------------

_NAME = re.compile(r"(?<![\w’'-])[A-Z][\w’'-]*(?:\s+(?:of\s+the\s+|of\s+|the\s+|and\s+|for\s+)?[A-Z][\w’'-]*)*")
#: words that start a sentence capitalised without being a name
_FUNCTION_WORDS = set("""A An And As At But By Both Each Finally For From Given How If In It Its On Or Over Our
Several So Such That The Their There These They This Those Through To We What When Where Which While Who Why
With Within Yes No Concretely Recent Parts All Any Many Most Some However Also First Second Third""".split())


def unknown_names(text: str, sentence_list: list[Sentence], known: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """(name, first offset, times) of every capitalised name outside the known mentions, in text order.

    A single word is taken only when it is not the first word of its sentence or occurs capitalised
    elsewhere too, so "Finally" or "Concretely" are not names; possessive endings are cut off."""
    starts = {sentence.start for sentence in sentence_list}
    covered = {offset for k_start, k_end in known for offset in range(k_start, k_end)}
    seen: dict[str, list[int]] = {}
    for sentence in sentence_list:
        for match in _NAME.finditer(text, sentence.start, sentence.end):
            name = re.sub(r"(?:’s|'s)$", "", match.group(0))
            start, end = match.start(), match.start() + len(name)
            if any(offset in covered for offset in range(start, end)):
                continue
            words = name.split()
            if len(words) == 1 and (name in _FUNCTION_WORDS or name.isupper() and len(name) == 1):
                continue
            if words[0] in _FUNCTION_WORDS and start in starts:
                name = " ".join(words[1:])
                start = text.find(name, start)
                if not name or not name[:1].isupper():
                    continue
            seen.setdefault(name, []).append(start)
    found = []
    for name, places in seen.items():
        if " " not in name and len(places) == 1 and places[0] in starts:
            continue
        found.append((name, places[0], len(places)))
    return sorted(found, key=lambda item: (item[1], item[0]))


__all__ = ["CUES", "Paragraph", "Sentence", "paragraphs", "sentences", "suggest", "unknown_names"]
