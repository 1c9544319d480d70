"""The gap report: every entity without a Wikidata link, its type, label and why it has none.

Owns `gap_report` and the table, CSV and JSON output of `ecokg link --report`. It does not look
for candidates (`kg.link.reconciliation`).
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass

from ..query import text_table
from ..settings import Settings
from ..terms import short
from .tables import entity_register, load_mapping, load_unlinked


@dataclass(frozen=True)
class GapRow:
    entity: str
    type: str
    label: str
    status: str
    reason: str


def gap_report(settings: Settings) -> list[GapRow]:
    """Every entity of the register without a link, with its type, label and why it has none."""
    register = entity_register(settings)
    linked = {record.entity for record in load_mapping(settings, register)}
    unlinked = load_unlinked(settings)
    rows = []
    for iri, entity in register.items():
        if iri in linked:
            continue
        note = unlinked.get(iri)
        rows.append(GapRow(short(iri), entity.type_name, entity.label,
                           note.status if note else "not reviewed",
                           note.reason if note else "no row in seeds/links/unlinked.tsv"))
    order = {"not reviewed": 0, "unconfirmed": 1, "no-counterpart": 2}
    return sorted(rows, key=lambda r: (order.get(r.status, 3), r.type, r.entity))


def format_rows(rows: list, columns: list[str], fmt: str) -> str:
    """Dataclass rows as an aligned table, CSV or a JSON array."""
    dicts = [asdict(row) if not isinstance(row, dict) else row for row in rows]
    if fmt == "json":
        return json.dumps(dicts, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(dicts)
        return buffer.getvalue()
    return text_table(columns, [[str(d.get(c, "")) for c in columns] for d in dicts], widest=70)
