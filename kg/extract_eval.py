"""How good a draft is: `ecokg extract SLUG --evaluate` compares it with the source's curated claims.

Owns the measures and their report: mention precision and recall on exact spans (entity, start, end) against
the mentions the build annotates, the share of curated claims whose evidence sentence got a candidate, and how
often the candidate's modality (and kind) is the curated one. Making the draft is `kg.extract`'s.
"""
from __future__ import annotations

import json

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from .build import seed_files
from .errors import EcoKGError, ExtractionError
from .evidence import find_mentions, locate_quote
from .extract import Draft, draft
from .namespaces import ECO
from .rdfio import parse_file
from .settings import Settings
from .terms import short


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def curated_mentions(result: Draft, record: Graph, entities: Graph) -> set[tuple[str, int, int]]:
    """The mentions the build annotates in the source: every surface form of the entities and of the
    source's own file (as `kg.build` gathers them), on word boundaries."""
    forms: dict[str, list[str]] = {}
    for graph in (entities, record):
        for entity, form in graph.subject_objects(ECO.surfaceForm):
            forms.setdefault(str(entity), []).append(str(form))
    return {(entity, span.start, span.end) for entity, span in find_mentions(result.text, forms)}


def evaluate(slug: str, settings: Settings, result: Draft | None = None) -> dict:
    """The measures as a nested dictionary: ``mentions.precision``, ``mentions.recall``,
    ``claims.sentence_recall``, ``modality.agreement`` (and the counts behind each)."""
    result = result or draft(slug, settings)
    record = Graph()
    for path in result.source.claims:
        parse_file(path, record)
    entities = Graph()
    groups = seed_files(settings)
    for path in groups["entities"] + groups.get("project-entities", []):
        parse_file(path, entities)
    gold = curated_mentions(result, record, entities)
    drafted = {(str(m.entity), m.span.start, m.span.end) for m in result.mentions}
    same = drafted & gold
    claims = sorted({c for c in record.subjects(ECO.quote, None) if isinstance(c, URIRef)}, key=str)
    if not claims:
        raise ExtractionError(f"source {slug} has no curated claims to compare the draft with",
                              file=result.source.claims[-1], term=slug,
                              hint="curate some of the draft's claims first (ecokg add), then evaluate")
    by_sentence = {c.sentence.index: c for c in result.candidates}
    covered, modality_same, kind_same, compared = 0, 0, 0, 0
    missed = []
    for claim in claims:
        prefix = record.value(claim, ECO.quotePrefix)
        try:
            span = locate_quote(result.text, str(record.value(claim, ECO.quote)),
                                prefix=str(prefix) if prefix else None, subject=short(claim))
        except EcoKGError:
            missed.append(short(claim))
            continue  # a quote the build would refuse: no sentence to find it in
        overlapping = [s for s in result.sentences if s.start < span.end and span.start < s.end]
        candidate = next((by_sentence[s.index] for s in overlapping if s.index in by_sentence), None)
        if candidate is None:
            missed.append(short(claim))
            continue
        covered += 1
        compared += 1
        modality_same += candidate.modality == record.value(claim, ECO.modality)
        kind_same += candidate.kind in set(record.objects(claim, RDF.type))
    return {
        "source": slug,
        "mentions": {"precision": _ratio(len(same), len(drafted)), "recall": _ratio(len(same), len(gold)),
                     "drafted": len(drafted), "curated": len(gold), "same": len(same)},
        "claims": {"sentence_recall": _ratio(covered, len(claims)), "curated": len(claims),
                   "with_candidate": covered, "candidates": len(result.candidates), "missed": missed},
        "modality": {"agreement": _ratio(modality_same, compared), "compared": compared, "same": modality_same},
        "kind": {"agreement": _ratio(kind_same, compared), "compared": compared, "same": kind_same},
    }


def render(scores: dict, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(scores, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    m, c, mo, k = scores["mentions"], scores["claims"], scores["modality"], scores["kind"]
    lines = [f"draft of {scores['source']} against its {c['curated']} curated claims",
             f"mentions   precision {m['precision']}  recall {m['recall']}  ({m['drafted']} drafted, "
             f"{m['curated']} annotated by the build, {m['same']} with the same entity and span)",
             f"claims     sentence recall {c['sentence_recall']}  ({c['with_candidate']} of {c['curated']} curated "
             f"claims have a candidate on their sentence; {c['candidates']} candidates)",
             f"modality   agreement {mo['agreement']}  ({mo['same']} of {mo['compared']})",
             f"kind       agreement {k['agreement']}  ({k['same']} of {k['compared']})"]
    if c["missed"]:
        lines.append("curated claims without a candidate: " + ", ".join(c["missed"]))
    return "\n".join(lines) + "\n"


__all__ = ["curated_mentions", "evaluate", "render"]
