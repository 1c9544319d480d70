"""Reconciliation: candidates from Wikidata for unlinked entities, ranked, for a person to review.

Owns choosing the entities to look up, scoring candidates (label similarity and whether their P31
classes are expected for our type) and writing the review file. It links nothing: `ecokg link
--accept` does, through `kg.link.acceptance`.
"""
from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from rdflib import URIRef

from ..errors import LinkError
from ..namespaces import ECO
from ..settings import Settings
from ..terms import short
from .tables import RegisteredEntity, entity_iri, entity_register, load_mapping, load_unlinked
from .wikidata import WikidataClient, label_of, p31_of

#: Wikidata classes a candidate's P31 should contain for each of our classes (see
#: seeds/links/wikidata-terms.tsv), and words its class labels may contain instead; the class
#: labels come from Wikidata at reconcile time, so regions and seas need no class IDs here.
TYPE_EXPECTATIONS: dict[URIRef, tuple[frozenset[str], tuple[str, ...]]] = {
    ECO.State: (frozenset({"Q3624078", "Q6256"}), ("sovereign state", "country")),
    ECO.Organisation: (frozenset({"Q484652"}), ("international organization", "intergovernmental organization")),
    ECO.IntergovernmentalOrganisation: (frozenset({"Q484652"}), ("international organization",
                                                                 "intergovernmental organization")),
    ECO.RegionalOrganisation: (frozenset({"Q484652"}), ("international organization", "regional organization",
                                                        "intergovernmental organization")),
    ECO.StateGroup: (frozenset(), ("group of countries", "group of states", "states")),
    ECO.Person: (frozenset(), ("human",)),
    ECO.Region: (frozenset(), ("region", "continent", "subcontinent", "geographic area")),
    ECO.Sea: (frozenset(), ("sea", "gulf", "bay", "ocean", "strait")),
    ECO.Port: (frozenset(), ("port", "harbor", "harbour")),
    ECO.SpecialEconomicZone: (frozenset(), ("economic zone", "free zone", "free-trade zone")),
    ECO.EconomicCorridor: (frozenset(), ("corridor", "infrastructure project")),
    ECO.TransportCorridor: (frozenset(), ("corridor", "road", "railway", "route")),
    ECO.EnergyCorridor: (frozenset(), ("corridor", "pipeline")),
    ECO.Pipeline: (frozenset(), ("pipeline",)),
    ECO.ElectricityInterconnection: (frozenset(), ("interconnector", "transmission line", "power line")),
    ECO.TradeRoute: (frozenset(), ("trade route", "route")),
    ECO.InvestmentCorridor: (frozenset(), ("corridor",)),
    ECO.TransitSystem: (frozenset(), ("convention", "treaty", "customs", "transit system")),
}
LABEL_WEIGHT = 0.6
TYPE_WEIGHT = 0.4

REVIEW_COLUMNS = ["entity", "entity_label", "entity_type", "candidate_qid", "candidate_label",
                  "candidate_description", "score", "label_similarity", "type_match", "p31", "decision"]


@dataclass
class Candidate:
    entity: str
    entity_label: str
    entity_type: str
    candidate_qid: str
    candidate_label: str
    candidate_description: str
    score: float
    label_similarity: float
    type_match: float
    p31: str
    decision: str = ""


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


def label_similarity(ours: list[str], theirs: list[str]) -> float:
    """The best similarity (0..1) between any of our labels and any of the candidate's."""
    best = 0.0
    for a in filter(None, map(normalise, ours)):
        for b in filter(None, map(normalise, theirs)):
            best = max(best, 1.0 if a == b else difflib.SequenceMatcher(None, a, b).ratio())
    return round(best, 3)


def type_match(entity_types: list[URIRef], p31: list[str], class_labels: dict[str, str]) -> float:
    """1 when the candidate is an instance of a class expected for our type, 0 when it is not,
    0.5 when nothing is known (no P31, or no expectation for our type)."""
    expectations = [TYPE_EXPECTATIONS[t] for t in entity_types if t in TYPE_EXPECTATIONS]
    if not expectations or not p31:
        return 0.5
    for ids, words in expectations:
        if ids & set(p31):
            return 1.0
        for qid in p31:
            label = normalise(class_labels.get(qid, ""))
            if any(re.search(rf"\b{re.escape(normalise(w))}\b", label) for w in words):
                return 1.0
    return 0.0


def reconcile_targets(settings: Settings, names: list[str] | None = None) -> list[RegisteredEntity]:
    """Unlinked entities to look up: those named, or all except the ones with no counterpart."""
    register = entity_register(settings)
    linked = {record.entity for record in load_mapping(settings, register)}
    unlinked = load_unlinked(settings)
    if names:
        chosen = []
        for name in names:
            iri = entity_iri(name)
            if iri not in register:
                raise LinkError(f"{name} is not an entity of seeds/entities.ttl", term=name,
                                hint="`ecokg link --report` lists the unlinked entities")
            if iri in linked:
                raise LinkError(f"{name} is already linked", term=name, hint="see seeds/links/mapping.tsv")
            chosen.append(register[iri])
        return chosen
    return [entity for iri, entity in register.items()
            if iri not in linked and (unlinked.get(iri) is None or unlinked[iri].status != "no-counterpart")]


def reconcile(settings: Settings, client: WikidataClient, names: list[str] | None = None,
              limit: int = 5, language: str = "en") -> tuple[list[Candidate], list[RegisteredEntity]]:
    """(ranked candidates, entities for which Wikidata offered none)."""
    targets = reconcile_targets(settings, names)
    hits_by_entity: dict[URIRef, dict[str, dict]] = {}
    for entity in targets:
        hits: dict[str, dict] = {}
        for text in [entity.label] + entity.alt_labels:
            for hit in client.search(text, language, limit):
                hits.setdefault(hit["id"], hit)
        hits_by_entity[entity.iri] = hits
    all_ids = sorted({qid for hits in hits_by_entity.values() for qid in hits}, key=lambda q: int(q[1:]))
    details = client.entities(all_ids, "claims|labels", language) if all_ids else {}
    class_ids = sorted({c for qid in all_ids for c in p31_of(details.get(qid, {}))}, key=lambda q: int(q[1:]))
    class_entities = client.entities(class_ids, "labels", language) if class_ids else {}
    class_labels = {qid: label_of(entity, language) for qid, entity in class_entities.items()}

    candidates: list[Candidate] = []
    without: list[RegisteredEntity] = []
    for entity in targets:
        hits = hits_by_entity[entity.iri]
        if not hits:
            without.append(entity)
            continue
        ranked = []
        for qid, hit in hits.items():
            their_labels = [str(hit.get("label", ""))] + [str(a) for a in hit.get("aliases", []) or []]
            match = hit.get("match") or {}
            if match.get("text"):
                their_labels.append(str(match["text"]))
            similarity = label_similarity([entity.label] + entity.alt_labels, their_labels)
            p31 = p31_of(details.get(qid, {}))
            typed = type_match(entity.types, p31, class_labels)
            score = round(LABEL_WEIGHT * similarity + TYPE_WEIGHT * typed, 3)
            p31_text = "; ".join(f"{c} {class_labels.get(c, '')}".strip() for c in p31)
            ranked.append(Candidate(short(entity.iri), entity.label, entity.type_name, qid,
                                    str(hit.get("label", "")), str(hit.get("description", "")), score,
                                    similarity, typed, p31_text))
        ranked.sort(key=lambda c: (-c.score, int(c.candidate_qid[1:])))
        candidates += ranked[:limit]
    return candidates, without


def write_review(candidates: list[Candidate], without: list[RegisteredEntity], path: Path, endpoint: str) -> Path:
    """The review file: one row per candidate, the decision column left for the reviewer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# Wikidata candidates for unlinked ECO-KG entities, from {endpoint} on {date.today().isoformat()}.",
        "# Review each row against Wikidata: write 'accept' in the decision column of the one candidate that",
        "# is truly the same thing as the entity (at most one per entity), 'reject' or nothing otherwise;",
        "# then run: ecokg link --accept " + path.name,
        "# score = 0.6 * label_similarity + 0.4 * type_match (1: an expected class, 0: another, 0.5: unknown).",
    ]
    for entity in without:
        lines.append(f"# no candidates: {short(entity.iri)} ({entity.label})")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
    writer.writerow(REVIEW_COLUMNS)
    for candidate in candidates:
        row = asdict(candidate)
        writer.writerow([str(row[c]).replace("\t", " ").replace("\n", " ") for c in REVIEW_COLUMNS])
    path.write_text("\n".join(lines) + "\n" + buffer.getvalue(), encoding="utf-8")
    return path
