"""The reviewed tables of seeds/links/: the verified ID table, the mapping and the list left unlinked.

Owns reading and checking them (a real entity, a well-formed item ID, agreement with the verified
table, no entity or item linked twice) and the register of entities from seeds/entities.ttl. It
does not write the linkset (`kg.link.linkset`) nor ask Wikidata anything (`kg.link.wikidata`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ..errors import LinkError
from ..namespaces import ID, PREFIXES, WD
from ..rdfio import parse_file
from ..settings import Settings
from ..terms import curie

QID_PATTERN = re.compile(r"Q[1-9][0-9]*")
ID_TABLE_FILE = "wikidata-links.tsv"
MAPPING_FILE = "mapping.tsv"
UNLINKED_FILE = "unlinked.tsv"
MAPPING_COLUMNS = ["entity", "wikidata_id", "table_label", "confirmation", "agreeing_sources"]
UNLINKED_COLUMNS = ["entity", "status", "reason"]
GAP_STATUSES = ("unconfirmed", "no-counterpart")


@dataclass(frozen=True)
class TableRow:
    """A row of the verified ID table."""

    label: str
    wikidata_id: str
    agreeing_sources: int
    line: int


@dataclass(frozen=True)
class LinkRecord:
    """One reviewed link: our entity is the same thing as a Wikidata item."""

    entity: URIRef
    wikidata_id: str
    table_label: str
    confirmation: str
    agreeing_sources: int
    line: int = 0


@dataclass(frozen=True)
class UnlinkedRecord:
    entity: URIRef
    status: str
    reason: str


@dataclass
class RegisteredEntity:
    """An entity of seeds/entities.ttl: its IRI, classes and labels."""

    iri: URIRef
    types: list[URIRef]
    label: str
    alt_labels: list[str] = field(default_factory=list)

    @property
    def type_name(self) -> str:
        return ", ".join(curie(t) or str(t) for t in self.types)


def links_dir(settings: Settings) -> Path:
    return settings.seeds_dir / "links"


def entity_iri(name: str) -> URIRef:
    """``Pakistan``, ``ecoid:Pakistan`` (any prefixed name `kg.terms` writes) or the full IRI -> the entity IRI."""
    name = name.strip()
    if name.startswith("http://") or name.startswith("https://"):
        return URIRef(name)
    prefix, colon, local = name.partition(":")
    if colon and prefix in PREFIXES:
        return URIRef(PREFIXES[prefix] + local)
    return ID[name]


def entity_name(iri: URIRef) -> str:
    """An entity as mapping.tsv writes it: its local name under ecoid:, or the IRI itself."""
    text = str(iri)
    return text[len(str(ID)):] if text.startswith(str(ID)) else text


def check_qid(value: str, *, file: Path | str | None = None, line: int | None = None) -> str:
    """``value`` if it is a well-formed Wikidata item ID (Q followed by digits, no leading zero)."""
    candidate = (value or "").strip()
    if candidate.startswith(str(WD)):
        candidate = candidate[len(str(WD)):]
    if not QID_PATTERN.fullmatch(candidate):
        raise LinkError(f"malformed Wikidata item ID {value!r}", file=file, line=line, term=value,
                        hint="an item ID is Q followed by digits, e.g. Q843")
    return candidate


def read_tsv(path: Path, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a tab-separated file with ``#`` comment lines and a header, as (line number, row)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise LinkError("file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LinkError(f"cannot read file: {exc}", file=path) from None
    rows: list[tuple[int, dict[str, str]]] = []
    header: list[str] | None = None
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = [c.strip() for c in cells]
            missing = [c for c in columns if c not in header]
            if missing:
                raise LinkError(f"header lacks column(s) {', '.join(missing)}", file=path, line=number,
                                hint="the header row must name: " + "\t".join(columns))
            continue
        if len(cells) != len(header):
            raise LinkError(f"{len(cells)} tab-separated cells where the header has {len(header)}",
                            file=path, line=number, hint="separate cells with one tab; leave empty cells empty")
        rows.append((number, {h: c.strip() for h, c in zip(header, cells)}))
    if header is None:
        raise LinkError("no header row", file=path, hint="the first non-comment line names the columns")
    return rows


def load_id_table(settings: Settings) -> dict[str, TableRow]:
    """The verified ID table, by Wikidata ID (items and properties)."""
    path = links_dir(settings) / ID_TABLE_FILE
    table: dict[str, TableRow] = {}
    for number, row in read_tsv(path, ["label", "wikidata_id", "independent_sources_agreeing"]):
        wikidata_id = row["wikidata_id"]
        if not re.fullmatch(r"[QP][1-9][0-9]*", wikidata_id):
            raise LinkError(f"malformed Wikidata ID {wikidata_id!r}", file=path, line=number, term=wikidata_id)
        try:
            agreeing = int(row["independent_sources_agreeing"])
        except ValueError:
            raise LinkError("independent_sources_agreeing is not a whole number", file=path, line=number,
                            term=row["independent_sources_agreeing"]) from None
        if wikidata_id in table:
            raise LinkError(f"{wikidata_id} appears twice", file=path, line=number, term=wikidata_id)
        table[wikidata_id] = TableRow(row["label"], wikidata_id, agreeing, number)
    return table


def entity_register(settings: Settings) -> dict[URIRef, RegisteredEntity]:
    """Every typed entity of seeds/entities.ttl with its classes and English labels."""
    graph = parse_file(settings.seeds_dir / "entities.ttl")
    register: dict[URIRef, RegisteredEntity] = {}
    for subject in sorted(set(graph.subjects(RDF.type, None))):
        if not isinstance(subject, URIRef) or not str(subject).startswith(str(ID)):
            continue
        types = sorted(o for o in graph.objects(subject, RDF.type) if isinstance(o, URIRef))
        label = _english(graph.objects(subject, RDFS.label)) or entity_name(subject)
        alt = sorted(str(o) for o in graph.objects(subject, SKOS.altLabel))
        register[subject] = RegisteredEntity(subject, types, label, alt)
    return register


def _english(literals) -> str:
    values = sorted(literals, key=lambda lit: (getattr(lit, "language", None) != "en", str(lit)))
    return str(values[0]) if values else ""


def load_mapping(settings: Settings, register: dict[URIRef, RegisteredEntity] | None = None,
                 table: dict[str, TableRow] | None = None) -> list[LinkRecord]:
    """The reviewed links, each checked: a real entity, a well-formed ID, agreement with the table."""
    path = links_dir(settings) / MAPPING_FILE
    register = entity_register(settings) if register is None else register
    table = load_id_table(settings) if table is None else table
    records: list[LinkRecord] = []
    by_entity: dict[URIRef, int] = {}
    by_item: dict[str, int] = {}
    for number, row in read_tsv(path, MAPPING_COLUMNS):
        entity = entity_iri(row["entity"])
        if entity not in register:
            raise LinkError(f"{row['entity']} is not an entity of seeds/entities.ttl", file=path, line=number,
                            term=row["entity"], hint="use the local name of an entity in the register")
        wikidata_id = check_qid(row["wikidata_id"], file=path, line=number)
        try:
            agreeing = int(row["agreeing_sources"])
        except ValueError:
            raise LinkError("agreeing_sources is not a whole number", file=path, line=number,
                            term=row["agreeing_sources"]) from None
        table_label = row["table_label"]
        if table_label and table_label != "-":
            table_row = table.get(wikidata_id)
            if table_row is None:
                raise LinkError(f"{wikidata_id} is not in the verified ID table", file=path, line=number,
                                term=wikidata_id, hint="only IDs of wikidata-links.tsv, or reviewed candidates "
                                "accepted with `ecokg link --accept` (table_label '-'), may be linked")
            if table_row.label != table_label:
                raise LinkError(f"the verified table calls {wikidata_id} {table_row.label!r}, not {table_label!r}",
                                file=path, line=number, term=table_label)
            if table_row.agreeing_sources != agreeing:
                raise LinkError(f"agreeing_sources {agreeing} differs from the table's "
                                f"{table_row.agreeing_sources} for {wikidata_id}", file=path, line=number)
        elif not row["confirmation"].startswith("reviewed"):
            raise LinkError(f"{wikidata_id} has no table row and no review", file=path, line=number,
                            term=wikidata_id, hint="a link outside the verified table must come from a "
                            "reviewed reconciliation (`ecokg link --accept`)")
        if not row["confirmation"]:
            raise LinkError("empty confirmation: say how the link was confirmed", file=path, line=number)
        if entity in by_entity:
            raise LinkError(f"{row['entity']} is linked twice (also on line {by_entity[entity]})", file=path,
                            line=number, term=row["entity"], hint="an entity is the same as one item at most")
        if wikidata_id in by_item:
            raise LinkError(f"{wikidata_id} is linked from two entities (also on line {by_item[wikidata_id]}); "
                            "owl:sameAs would make them the same thing", file=path, line=number, term=wikidata_id)
        by_entity[entity] = number
        by_item[wikidata_id] = number
        records.append(LinkRecord(entity, wikidata_id, table_label or "-", row["confirmation"], agreeing, number))
    return records


def load_unlinked(settings: Settings) -> dict[URIRef, UnlinkedRecord]:
    path = links_dir(settings) / UNLINKED_FILE
    if not path.exists():
        return {}
    records: dict[URIRef, UnlinkedRecord] = {}
    for number, row in read_tsv(path, UNLINKED_COLUMNS):
        if row["status"] not in GAP_STATUSES:
            raise LinkError(f"unknown status {row['status']!r}", file=path, line=number, term=row["status"],
                            hint="use one of: " + ", ".join(GAP_STATUSES))
        entity = entity_iri(row["entity"])
        records[entity] = UnlinkedRecord(entity, row["status"], row["reason"])
    return records
