"""Wikidata links: the reviewed mapping, the generated linkset, the gap report and reconciliation.

Owns seeds/links/ (the verified ID table, the mapping of our entities to Wikidata items, the list
of entities left unlinked on purpose, the generated linkset wikidata.ttl), the `ecokg link`
command and the small Wikidata HTTP client that `kg.enrich` shares. It does not build the dataset
(`kg.build`), judge data beyond link syntax (`kg.validate`) or answer federated queries (`kg.stores`).
"""
from __future__ import annotations

import argparse
import csv
import difflib
import io
import json
import re
import sys
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, VOID, XSD

from .errors import EXIT_OK, EXIT_VIOLATIONS, LinkError, ValidationFailure
from .namespaces import BASE, DATASET_IRI, ECO, ID, SOURCE, WD
from .rdfio import parse_file
from .settings import Settings

#: Wikidata's action API (wbsearchentities, wbgetentities): the default for `--reconcile`
WIKIDATA_API = "https://www.wikidata.org/w/api.php"
#: sent with every request; Wikidata asks clients to identify themselves
USER_AGENT = "ECO-KG/1.0 (https://w3id.org/eco-kg/; knowledge-graph linking)"

QID_PATTERN = re.compile(r"Q[1-9][0-9]*")
LINKSET_IRI = URIRef(BASE + "id/linkset/wikidata")
WIKIDATA_DATASET_IRI = URIRef(BASE + "id/dataset/wikidata")
LINK_TABLE_IRI = SOURCE["wikidata-link-table"]

ID_TABLE_FILE = "wikidata-links.tsv"
MAPPING_FILE = "mapping.tsv"
UNLINKED_FILE = "unlinked.tsv"
LINKSET_FILE = "wikidata.ttl"
MAPPING_COLUMNS = ["entity", "wikidata_id", "table_label", "confirmation", "agreeing_sources"]
UNLINKED_COLUMNS = ["entity", "status", "reason"]
GAP_STATUSES = ("unconfirmed", "no-counterpart")

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


# ------------------------------------------------------------------------------------------------
# The reviewed tables in seeds/links/
# ------------------------------------------------------------------------------------------------

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
        return ", ".join("eco:" + str(t)[len(str(ECO)):] if str(t).startswith(str(ECO)) else str(t)
                         for t in self.types)


def links_dir(settings: Settings) -> Path:
    return settings.seeds_dir / "links"


def entity_iri(name: str) -> URIRef:
    """``Pakistan``, ``ecoid:Pakistan`` or the full IRI -> the entity IRI."""
    name = name.strip()
    if name.startswith("ecoid:"):
        name = name[len("ecoid:"):]
    if name.startswith("http://") or name.startswith("https://"):
        return URIRef(name)
    return ID[name]


def entity_name(iri: URIRef) -> str:
    """The local name of an entity IRI under ecoid:, or the IRI itself."""
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


# ------------------------------------------------------------------------------------------------
# The generated linkset
# ------------------------------------------------------------------------------------------------

def _turtle_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


_PREFIXES = [
    "@prefix eco:     <https://w3id.org/eco-kg/ontology/> .",
    "@prefix ecoid:   <https://w3id.org/eco-kg/id/> .",
    "@prefix source:  <https://w3id.org/eco-kg/id/source/> .",
    "@prefix wd:      <http://www.wikidata.org/entity/> .",
    "@prefix owl:     <http://www.w3.org/2002/07/owl#> .",
    "@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .",
    "@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .",
    "@prefix void:    <http://rdfs.org/ns/void#> .",
    "@prefix dcterms: <http://purl.org/dc/terms/> .",
    "@prefix prov:    <http://www.w3.org/ns/prov#> .",
]


def _link_lines(record: LinkRecord) -> list[str]:
    """One link: the owl:sameAs triple and its annotated axiom (how it was confirmed)."""
    subject = f"ecoid:{entity_name(record.entity)}"
    target = f"wd:{record.wikidata_id}"
    lines = [
        f"{subject} owl:sameAs {target} .",
        f"[] a owl:Axiom ; owl:annotatedSource {subject} ; owl:annotatedProperty owl:sameAs ; "
        f"owl:annotatedTarget {target} ;",
        f"    dcterms:description {_turtle_string(record.confirmation)}@en ;",
        f'    eco:agreeingSources "{record.agreeing_sources}"^^xsd:nonNegativeInteger ;',
    ]
    if record.table_label != "-":
        lines.append(f"    rdfs:comment {_turtle_string('verified ID table row: ' + record.table_label)}@en ;")
        lines.append("    dcterms:source source:wikidata-link-table .")
    else:
        lines.append(f"    dcterms:source <{WIKIDATA_DATASET_IRI}> .")
    return lines


def linkset_turtle(records: list[LinkRecord]) -> str:
    """The linkset as Turtle, written the same way on every run (sorted, no blank-node labels)."""
    records = sorted(records, key=lambda r: entity_name(r.entity))
    out = [
        "# The Wikidata linkset: owl:sameAs from entities of seeds/entities.ttl to Wikidata items.",
        "# GENERATED by `ecokg link --write` from seeds/links/mapping.tsv and seeds/links/wikidata-links.tsv;",
        "# edit those and regenerate (`ecokg link --check` fails when this file is out of date).",
        "# Each link is also an OWL 2 annotated axiom (owl:Axiom): dcterms:description says how it was",
        "# confirmed, eco:agreeingSources how many independent files agreed on the ID. VoID describes the set.",
        "",
        *_PREFIXES,
        "",
        f"<{LINKSET_IRI}> a void:Linkset ;",
        '    rdfs:label "ECO-KG to Wikidata linkset"@en ;',
        '    dcterms:description "owl:sameAs links from the entities of ECO-KG to the Wikidata items that are the '
        'same thing, each confirmed against the verified ID table; entities without a confirmed item stay '
        'unlinked (ecokg link --report)."@en ;',
        "    void:linkPredicate owl:sameAs ;",
        f"    void:subjectsTarget <{DATASET_IRI}> ;",
        f"    void:objectsTarget <{WIKIDATA_DATASET_IRI}> ;",
        f'    void:triples "{len(records)}"^^xsd:integer ;',
        "    dcterms:source source:wikidata-link-table .",
        "",
        f"<{WIKIDATA_DATASET_IRI}> a void:Dataset ;",
        '    rdfs:label "Wikidata"@en ;',
        "    rdfs:seeAlso <https://www.wikidata.org/> ;",
        "    void:sparqlEndpoint <https://query.wikidata.org/sparql> ;",
        f'    void:uriSpace "{WD}" .',
        "",
        "source:wikidata-link-table a prov:Entity ;",
        '    rdfs:label "verified Wikidata ID table (seeds/links/wikidata-links.tsv)"@en ;',
        '    rdfs:comment "Wikidata IDs checked offline against public data files that pair the ID with the name: '
        "country tables with ISO codes, Natural Earth's WIKIDATAID column, organisation lists; each row counts "
        'the independent files that agreed."@en .',
    ]
    for record in records:
        out += [""] + _link_lines(record)
    return "\n".join(out) + "\n"


def links_graph(records: list[LinkRecord]) -> Graph:
    """Only the links of ``records`` (sameAs triples and their axioms), without the linkset description."""
    graph = Graph()
    body = [line for record in records for line in _link_lines(record)]
    graph.parse(data="\n".join(_PREFIXES + body) + "\n", format="turtle")
    return graph


def linkset_path(settings: Settings) -> Path:
    return links_dir(settings) / LINKSET_FILE


def write_linkset(settings: Settings, records: list[LinkRecord] | None = None) -> Path:
    """Regenerate seeds/links/wikidata.ttl from the reviewed tables (atomically)."""
    records = load_mapping(settings) if records is None else records
    path = linkset_path(settings)
    tmp = path.with_suffix(".ttl.tmp")
    tmp.write_text(linkset_turtle(records), encoding="utf-8")
    tmp.replace(path)
    return path


def linkset_is_current(settings: Settings) -> bool:
    path = linkset_path(settings)
    return path.exists() and path.read_text(encoding="utf-8") == linkset_turtle(load_mapping(settings))


# ------------------------------------------------------------------------------------------------
# The gap report
# ------------------------------------------------------------------------------------------------

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
        rows.append(GapRow(f"ecoid:{entity_name(iri)}", entity.type_name, entity.label,
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
    widths = [min(70, max([len(c)] + [len(str(d.get(c, ""))) for d in dicts])) for c in columns]

    def fit(value: str, width: int) -> str:
        return value if len(value) <= width else value[: width - 1] + "…"

    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(fit(str(d.get(c, "")), w).ljust(w) for c, w in zip(columns, widths)) for d in dicts]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------
# Talking to Wikidata (or anything that answers like it)
# ------------------------------------------------------------------------------------------------

class WikidataClient:
    """The few Wikidata calls linking and enrichment need, with errors a person can act on."""

    def __init__(self, endpoint: str, timeout: float):
        import requests  # imported here: the offline commands never need it

        self.endpoint = endpoint
        self.timeout = timeout
        self._requests = requests
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT

    def _call(self, method: str, params: dict | None = None, data: dict | None = None,
              accept: str = "application/json"):
        requests = self._requests
        try:
            response = self._session.request(method, self.endpoint, params=params, data=data,
                                             headers={"Accept": accept}, timeout=self.timeout)
        except requests.exceptions.Timeout:
            raise LinkError(f"{self.endpoint} did not answer within {self.timeout:g} s",
                            hint="try again later, or raise --timeout") from None
        except requests.exceptions.RequestException as exc:
            reason = str(exc).split("(Caused by")[-1].strip(" )") or type(exc).__name__
            raise LinkError(f"cannot reach {self.endpoint}: {reason[:200]}",
                            hint="check the network and --endpoint") from None
        if response.status_code != 200:
            detail = " ".join(re.sub(r"<[^>]*>", " ", response.text).split())[:200] or response.reason
            raise LinkError(f"{self.endpoint} answered HTTP {response.status_code}: {detail}",
                            hint="Wikidata may be busy (try later), or --endpoint is not the right service")
        try:
            return response.json()
        except ValueError:
            raise LinkError(f"{self.endpoint} answered with something that is not JSON "
                            f"({response.headers.get('Content-Type', 'no content type')}): "
                            f"{response.text.strip()[:80]!r}",
                            hint="--endpoint must be a Wikidata API or SPARQL endpoint") from None

    def _api(self, params: dict) -> dict:
        answer = self._call("GET", params={**params, "format": "json"})
        if not isinstance(answer, dict):
            raise LinkError(f"{self.endpoint} answered JSON of an unexpected shape (not an object)")
        if "error" in answer:
            error = answer["error"] if isinstance(answer["error"], dict) else {}
            raise LinkError(f"Wikidata API error {error.get('code', '?')}: {error.get('info', answer['error'])}",
                            hint="--endpoint must be Wikidata's w/api.php")
        return answer

    def search(self, text: str, language: str = "en", limit: int = 5) -> list[dict]:
        """wbsearchentities: items whose label or alias matches ``text``."""
        answer = self._api({"action": "wbsearchentities", "search": text, "language": language,
                            "uselang": language, "type": "item", "limit": limit})
        found = answer.get("search", [])
        if not isinstance(found, list):
            raise LinkError(f"{self.endpoint} answered wbsearchentities without a 'search' list")
        return [hit for hit in found if isinstance(hit, dict) and QID_PATTERN.fullmatch(str(hit.get("id", "")))]

    def entities(self, ids: list[str], props: str = "claims|labels", language: str = "en") -> dict[str, dict]:
        """wbgetentities: the entities of ``ids`` (50 per request, as the API allows)."""
        found: dict[str, dict] = {}
        for start in range(0, len(ids), 50):
            chunk = ids[start:start + 50]
            answer = self._api({"action": "wbgetentities", "ids": "|".join(chunk), "props": props,
                                "languages": language})
            entities = answer.get("entities", {})
            if not isinstance(entities, dict):
                raise LinkError(f"{self.endpoint} answered wbgetentities without an 'entities' object")
            found.update({k: v for k, v in entities.items() if isinstance(v, dict)})
        return found

    def select(self, query: str) -> list[dict]:
        """A SPARQL SELECT (POSTed, as long queries need) -> the JSON result bindings."""
        answer = self._call("POST", data={"query": query}, accept="application/sparql-results+json")
        bindings = answer.get("results", {}).get("bindings") if isinstance(answer, dict) else None
        if not isinstance(bindings, list):
            raise LinkError(f"{self.endpoint} answered JSON that is not a SPARQL SELECT result",
                            hint="--endpoint must be a SPARQL endpoint such as https://query.wikidata.org/sparql")
        return bindings


def p31_of(entity: dict) -> list[str]:
    """The item IDs an entity of wbgetentities is an instance of (P31), in order."""
    ids = []
    for statement in entity.get("claims", {}).get("P31", []) or []:
        value = (((statement or {}).get("mainsnak") or {}).get("datavalue") or {}).get("value")
        if isinstance(value, dict) and QID_PATTERN.fullmatch(str(value.get("id", ""))):
            ids.append(value["id"])
    return ids


def label_of(entity: dict, language: str = "en") -> str:
    return str(((entity.get("labels") or {}).get(language) or {}).get("value", ""))


# ------------------------------------------------------------------------------------------------
# Reconciliation: candidates for unlinked entities, ranked, for a person to review
# ------------------------------------------------------------------------------------------------

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
            ranked.append(Candidate(f"ecoid:{entity_name(entity.iri)}", entity.label, entity.type_name, qid,
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
        lines.append(f"# no candidates: ecoid:{entity_name(entity.iri)} ({entity.label})")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
    writer.writerow(REVIEW_COLUMNS)
    for candidate in candidates:
        row = asdict(candidate)
        writer.writerow([str(row[c]).replace("\t", " ").replace("\n", " ") for c in REVIEW_COLUMNS])
    path.write_text("\n".join(lines) + "\n" + buffer.getvalue(), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------------
# Accepting reviewed candidates
# ------------------------------------------------------------------------------------------------

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
            raise LinkError(f"{qid} is already linked from ecoid:{entity_name(items[qid].entity)}; owl:sameAs "
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
    from .build import load_dataset
    from .validate import validate_graph_change

    report = validate_graph_change(added, removed, settings, load_dataset(settings))
    if not report.ok:
        raise ValidationFailure("the validation gate rejected the accepted links; nothing was written:\n"
                                + report.text(), file=review_path)

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


# ------------------------------------------------------------------------------------------------
# The command line
# ------------------------------------------------------------------------------------------------

def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--report", action="store_true",
                      help="list the entities without a Wikidata link, with type, label and reason (default)")
    mode.add_argument("--reconcile", action="store_true",
                      help="ask Wikidata for candidates for unlinked entities and write a review file (network)")
    mode.add_argument("--accept", metavar="FILE", type=Path,
                      help="turn the rows of a reviewed file marked 'accept' into links")
    mode.add_argument("--write", action="store_true",
                      help="regenerate seeds/links/wikidata.ttl from mapping.tsv and wikidata-links.tsv")
    mode.add_argument("--check", action="store_true",
                      help="exit 1 when seeds/links/wikidata.ttl is not what the tables generate")
    parser.add_argument("--format", choices=["table", "csv", "json"], default="table",
                        help="output of --report (default table)")
    parser.add_argument("--endpoint", default=WIKIDATA_API,
                        help=f"Wikidata API for --reconcile (default {WIKIDATA_API})")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per request (default 20)")
    parser.add_argument("--entity", action="append", metavar="NAME",
                        help="reconcile only this entity (local name, ecoid:Name or IRI); repeatable")
    parser.add_argument("--limit", type=int, default=5, help="candidates per entity (default 5)")
    parser.add_argument("--language", default="en", help="search language (default en)")
    parser.add_argument("--output", type=Path, help="review file of --reconcile (default build/wikidata-review.tsv)")
    parser.add_argument("--reviewer", help="name recorded with links made by --accept")
    parser.epilog = (parser.epilog or "") + (
        "\n\n--reconcile exits 2 when Wikidata cannot be reached, times out or answers an error;"
        "\n--accept exits 2 for a malformed review file, 1 when the validation gate rejects the links;"
        "\n--check exits 1 when the linkset is out of date.")


def command(args: argparse.Namespace, settings: Settings) -> int:
    if args.write:
        path = write_linkset(settings)
        print(f"wrote {path} ({len(load_mapping(settings))} links)")
        return EXIT_OK
    if args.check:
        if linkset_is_current(settings):
            print(f"{linkset_path(settings)} is up to date ({len(load_mapping(settings))} links)")
            return EXIT_OK
        print(f"{linkset_path(settings)} is out of date: run `ecokg link --write`", file=sys.stderr)
        return EXIT_VIOLATIONS
    if args.reconcile:
        if args.timeout <= 0 or args.limit <= 0:
            raise LinkError("--timeout and --limit must be positive")
        client = WikidataClient(args.endpoint, args.timeout)
        candidates, without = reconcile(settings, client, args.entity, args.limit, args.language)
        output = args.output or settings.build_dir / "wikidata-review.tsv"
        write_review(candidates, without, output, args.endpoint)
        entities = len({c.entity for c in candidates})
        print(f"wrote {output}: {len(candidates)} candidates for {entities} entities; "
              f"{len(without)} entities without candidates")
        for entity in without:
            print(f"  no candidates: ecoid:{entity_name(entity.iri)} ({entity.label})")
        print(f"next: mark the right rows 'accept', then run: ecokg link --accept {output}")
        return EXIT_OK
    if args.accept:
        added = accept(settings, args.accept, args.reviewer)
        if not added:
            print(f"no new links: no row of {args.accept} is marked accept (or all are linked already)")
            return EXIT_OK
        for record in added:
            print(f"linked ecoid:{entity_name(record.entity)} owl:sameAs wd:{record.wikidata_id}")
        print(f"wrote {linkset_path(settings)} ({len(load_mapping(settings))} links)")
        return EXIT_OK
    rows = gap_report(settings)
    sys.stdout.write(format_rows(rows, ["entity", "type", "label", "status", "reason"], args.format))
    if args.format == "table":
        linked = len(load_mapping(settings))
        print(f"({len(rows)} entities without a Wikidata link; {linked} linked)")
    return EXIT_OK


__all__ = [
    "LinkRecord", "Candidate", "GapRow", "WikidataClient", "accept", "gap_report", "linkset_turtle",
    "load_mapping", "load_id_table", "reconcile", "write_linkset", "write_review",
]
