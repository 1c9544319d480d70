"""Accepting reviewed candidates: rows of a review file marked accept become links, through the gate.

Owns checking the review file, asking the validation gate (`kg.validate.validate_graph_change`)
about the new links and, when its `Report` is ok, appending them to mapping.tsv, dropping the
entities from unlinked.tsv and regenerating the linkset. It does not find candidates.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import VOID, XSD

from ..errors import LinkError, ValidationFailure
from ..settings import Settings
from ..terms import short
from .linkset import LINKSET_IRI, links_graph, write_linkset
from .tables import (
    MAPPING_FILE, UNLINKED_FILE, LinkRecord, check_qid, entity_iri, entity_name, entity_register, links_dir,
    load_id_table, load_mapping, read_tsv,
)

if TYPE_CHECKING:
    from ..validate import Report


def accepted_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    rows = read_tsv(path, ["entity", "candidate_qid", "decision"])
    accepted = []
    seen: dict[str, int] = {}
    for number, row in rows:
        decision = row["decision"].strip().lower()
        if decision in {"", "reject", "skip"}:
            continue
        if decision != "accept":
            raise LinkError(f"unknown decision {row['decision']!r}", file=path, line=number, term=row["decision"],
                            hint="write accept, reject, or leave the cell empty")
        check_qid(row["candidate_qid"], file=path, line=number)
        if row["entity"] in seen:
            raise LinkError(f"two candidates accepted for {row['entity']} (also line {seen[row['entity']]})",
                            file=path, line=number, term=row["entity"], hint="accept at most one per entity")
        seen[row["entity"]] = number
        accepted.append((number, row))
    return accepted


def accept(settings: Settings, review_path: Path, reviewer: str | None = None) -> list[LinkRecord]:
    """Turn the rows of a review file marked accept into links, through the validation gate.

    Appends to mapping.tsv, drops the entities from unlinked.tsv and regenerates wikidata.ttl.
    Raises `LinkError` for a bad review file, `ValidationFailure` when the gate rejects the links.
    """
    register = entity_register(settings)
    table = load_id_table(settings)
    existing = load_mapping(settings, register, table)
    linked = {r.entity: r for r in existing}
    items = {r.wikidata_id: r for r in existing}
    new_records: list[LinkRecord] = []
    for number, row in accepted_rows(review_path):
        entity = entity_iri(row["entity"])
        qid = check_qid(row["candidate_qid"], file=review_path, line=number)
        if entity not in register:
            raise LinkError(f"{row['entity']} is not an entity of seeds/entities.ttl", file=review_path,
                            line=number, term=row["entity"])
        if entity in linked:
            if linked[entity].wikidata_id == qid:
                continue
            raise LinkError(f"{row['entity']} is already linked to {linked[entity].wikidata_id}",
                            file=review_path, line=number, term=row["entity"],
                            hint="remove the old row from seeds/links/mapping.tsv first if it is wrong")
        if qid in items:
            raise LinkError(f"{qid} is already linked from {short(items[qid].entity)}; owl:sameAs "
                            "would make the two entities the same thing", file=review_path, line=number, term=qid)
        table_row = table.get(qid)
        who = f" by {reviewer}" if reviewer else ""
        confirmation = (f"reviewed{who} on {date.today().isoformat()}: candidate {qid} "
                        f"{row.get('candidate_label', '')!s} (score {row.get('score', '?')}) from reconciliation")
        record = LinkRecord(entity, qid, table_row.label if table_row else "-",
                            confirmation, table_row.agreeing_sources if table_row else 1)
        new_records.append(record)
        linked[entity] = record
        items[qid] = record
    if not new_records:
        return []

    added = links_graph(new_records)
    removed = Graph()
    count = Literal(len(existing), datatype=XSD.integer)
    removed.add((LINKSET_IRI, VOID.triples, count))
    added.add((LINKSET_IRI, VOID.triples, Literal(len(existing) + len(new_records), datatype=XSD.integer)))
    # the dataset and the gate (pySHACL, owlready2) are loaded only when there are links to check
    from ..build import load_dataset
    from ..validate import validate_graph_change

    report: Report = validate_graph_change(added, removed, settings, load_dataset(settings))
    if not report.ok:
        raise ValidationFailure("the validation gate rejected the accepted links; nothing was written:\n"
                                + report.text, file=review_path)

    mapping_path = links_dir(settings) / MAPPING_FILE
    text = mapping_path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    for record in new_records:
        text += "\t".join([entity_name(record.entity), record.wikidata_id, record.table_label,
                           record.confirmation.replace("\t", " "), str(record.agreeing_sources)]) + "\n"
    mapping_path.write_text(text, encoding="utf-8")
    _drop_unlinked(settings, {r.entity for r in new_records})
    write_linkset(settings)
    return new_records


def _drop_unlinked(settings: Settings, entities: set[URIRef]) -> None:
    path = links_dir(settings) / UNLINKED_FILE
    if not path.exists():
        return
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines():
        name = line.split("\t", 1)[0]
        if line.startswith("#") or not line.strip() or name == "entity" or entity_iri(name) not in entities:
            kept.append(line)
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
