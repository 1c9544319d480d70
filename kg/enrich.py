"""Enrichment from Wikidata: labels in the region's languages and a few facts for the linked items.

Owns what `ecokg enrich` does: one SPARQL query for the items of the linkset, the snapshot file
seeds/enrichment/wikidata-snapshot.ttl (for the named graph graph/wikidata-enrichment) and its PROV
record (when, from which endpoint, by which query). It does not decide links (`kg.link`), does not
load the snapshot into the dataset (`kg.build` does) and leaves the command's options to `kg.commands.enrich`.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, XSD

from .errors import LinkError
from .link import QID_PATTERN, WIKIDATA_DATASET_IRI, WikidataClient, load_mapping
from .namespaces import BASE, WD, WDT, WIKIDATA_ENRICHMENT_GRAPH
from .rdfio import bind_prefixes
from .settings import WIKIDATA_SPARQL, Settings

#: the named graph the snapshot is loaded into
ENRICHMENT_GRAPH = WIKIDATA_ENRICHMENT_GRAPH
SNAPSHOT_FILE = Path("enrichment") / "wikidata-snapshot.ttl"
#: English, and the languages of ECO's region and its neighbours
LANGUAGES = ("en", "fa", "ur", "tr", "ar", "zh", "ru")
ECO_ITEM = "Q225950"
ISO3 = re.compile(r"[A-Z]{3}")

#: the facts taken, with their Wikidata property (see seeds/links/wikidata-terms.tsv)
FACT_PROPERTIES = {
    "P298": ("ISO 3166-1 alpha-3 code", OWL.DatatypeProperty),
    "P36": ("capital", OWL.ObjectProperty),
    "P463": ("member of", OWL.ObjectProperty),
}


def enrichment_query(item_ids: list[str], languages: tuple[str, ...] = LANGUAGES) -> str:
    """The one query the snapshot comes from: labels, ISO code, capital (with its English label), ECO membership."""
    values = " ".join(f"wd:{qid}" for qid in sorted(item_ids, key=lambda q: int(q[1:])))
    langs = ", ".join(f'"{lang}"' for lang in languages)
    return f"""PREFIX wd: <{WD}>
PREFIX wdt: <{WDT}>
PREFIX rdfs: <{RDFS}>
SELECT ?item ?label ?iso3 ?capital ?capitalLabel ?ecoMembership WHERE {{
  VALUES ?item {{ {values} }}
  {{
    ?item rdfs:label ?label .
    FILTER(lang(?label) IN ({langs}))
  }} UNION {{
    ?item wdt:P298 ?iso3 .
  }} UNION {{
    ?item wdt:P36 ?capital .
    OPTIONAL {{ ?capital rdfs:label ?capitalLabel . FILTER(lang(?capitalLabel) = "en") }}
  }} UNION {{
    ?item wdt:P463 wd:{ECO_ITEM} .
    BIND(wd:{ECO_ITEM} AS ?ecoMembership)
  }}
}}
"""


@dataclass
class Snapshot:
    graph: Graph
    items: list[str]
    labels: Counter = field(default_factory=Counter)
    iso_codes: int = 0
    capitals: int = 0
    eco_members: int = 0
    skipped: list[str] = field(default_factory=list)
    items_without_data: list[str] = field(default_factory=list)


def _wikidata_item(term) -> URIRef | None:
    """``term`` when it is a Wikidata item's IRI, else None."""
    if isinstance(term, URIRef) and term.startswith(str(WD)) and QID_PATTERN.fullmatch(term[len(str(WD)):]):
        return term
    return None


def _literal(term) -> Literal | None:
    return term if isinstance(term, Literal) else None


def snapshot_graph(rows: list[dict], item_ids: list[str], query: str, endpoint: str,
                   started: datetime, ended: datetime, languages: tuple[str, ...] = LANGUAGES) -> Snapshot:
    """The snapshot graph from the query's answer (rows of variable -> term); values not of the expected
    form are skipped, not guessed."""
    graph = bind_prefixes(Graph())
    snapshot = Snapshot(graph, sorted(item_ids, key=lambda q: int(q[1:])))
    requested = {WD[qid] for qid in item_ids}
    seen_items: set[URIRef] = set()
    for row in rows:
        item = _wikidata_item(row.get("item"))
        if item is None or item not in requested:
            snapshot.skipped.append(f"an answer row for {str(row.get('item', '?'))!r}, not a requested item")
            continue
        if "label" in row:
            label = _literal(row["label"])
            if label is not None and label.language in languages:
                if (item, RDFS.label, Literal(str(label), lang=label.language)) not in graph:
                    graph.add((item, RDFS.label, Literal(str(label), lang=label.language)))
                    snapshot.labels[label.language] += 1
                seen_items.add(item)
            else:
                snapshot.skipped.append(f"label {str(row['label'])!r} of {item} (language not asked for)")
        if "iso3" in row:
            code = _literal(row["iso3"])
            if code is not None and ISO3.fullmatch(str(code)):
                if (item, WDT.P298, Literal(str(code))) not in graph:
                    graph.add((item, WDT.P298, Literal(str(code))))
                    snapshot.iso_codes += 1
                seen_items.add(item)
            else:
                snapshot.skipped.append(f"P298 {str(row['iso3'])!r} of {item} (not three capital letters)")
        if "capital" in row:
            capital = _wikidata_item(row["capital"])
            if capital is not None:
                if (item, WDT.P36, capital) not in graph:
                    graph.add((item, WDT.P36, capital))
                    snapshot.capitals += 1
                label = _literal(row.get("capitalLabel"))
                if label is not None and label.language == "en":
                    graph.add((capital, RDFS.label, Literal(str(label), lang="en")))
                seen_items.add(item)
            else:
                snapshot.skipped.append(f"P36 {str(row['capital'])!r} of {item} (not a Wikidata item)")
        if "ecoMembership" in row:
            if _wikidata_item(row["ecoMembership"]) == WD[ECO_ITEM]:
                if (item, WDT.P463, WD[ECO_ITEM]) not in graph:
                    graph.add((item, WDT.P463, WD[ECO_ITEM]))
                    snapshot.eco_members += 1
                seen_items.add(item)
            else:
                snapshot.skipped.append(f"P463 {str(row['ecoMembership'])!r} of {item} (not ECO)")
    snapshot.items_without_data = [qid for qid in snapshot.items if WD[qid] not in seen_items]

    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    activity = URIRef(f"{BASE}id/activity/wikidata-enrichment-{stamp}")
    query_node = URIRef(f"{activity}/query")
    graph.add((ENRICHMENT_GRAPH, RDF.type, PROV.Entity))
    graph.add((ENRICHMENT_GRAPH, RDFS.label, Literal("Wikidata snapshot: labels and facts of the linked items", lang="en")))
    graph.add((ENRICHMENT_GRAPH, PROV.generatedAtTime, Literal(ended.isoformat(timespec="seconds"), datatype=XSD.dateTime)))
    graph.add((ENRICHMENT_GRAPH, PROV.wasGeneratedBy, activity))
    graph.add((ENRICHMENT_GRAPH, PROV.wasDerivedFrom, WIKIDATA_DATASET_IRI))
    graph.add((ENRICHMENT_GRAPH, DCTERMS.source, URIRef(endpoint)))
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, RDFS.label, Literal("retrieval of labels and facts from Wikidata (ecokg enrich)", lang="en")))
    graph.add((activity, PROV.startedAtTime, Literal(started.isoformat(timespec="seconds"), datatype=XSD.dateTime)))
    graph.add((activity, PROV.endedAtTime, Literal(ended.isoformat(timespec="seconds"), datatype=XSD.dateTime)))
    graph.add((activity, PROV.used, query_node))
    graph.add((activity, PROV.used, URIRef(endpoint)))
    graph.add((query_node, RDF.type, PROV.Entity))
    graph.add((query_node, RDFS.label, Literal("the SPARQL query of the retrieval", lang="en")))
    graph.add((query_node, DCTERMS.format, Literal("application/sparql-query")))
    graph.add((query_node, PROV.value, Literal(query)))
    for pid, (label, kind) in FACT_PROPERTIES.items():
        graph.add((WDT[pid], RDF.type, kind))
        graph.add((WDT[pid], RDFS.label, Literal(label, lang="en")))
    return snapshot


def enrich(settings: Settings, endpoint: str = WIKIDATA_SPARQL, timeout: float = 60.0,
           output: Path | None = None) -> tuple[Path, Snapshot]:
    """Query ``endpoint`` for the linked items and write the snapshot (atomically). Raises `LinkError`."""
    item_ids = [record.wikidata_id for record in load_mapping(settings)]
    if not item_ids:
        raise LinkError("no linked entities to enrich", file=settings.seeds_dir / "links" / "mapping.tsv",
                        hint="link entities first (ecokg link)")
    query = enrichment_query(item_ids)
    client = WikidataClient(endpoint, timeout)
    started = datetime.now(timezone.utc)
    rows = client.select(query)
    ended = datetime.now(timezone.utc)
    snapshot = snapshot_graph(rows, item_ids, query, endpoint, started, ended)
    if len(snapshot.items_without_data) == len(item_ids):
        raise LinkError(f"{endpoint} answered no labels or facts for any of the {len(item_ids)} linked items; "
                        "the snapshot was not written", hint="is --endpoint Wikidata's SPARQL endpoint or a mirror of it?")
    path = output or settings.seeds_dir / SNAPSHOT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (f"# Wikidata snapshot for the named graph <{ENRICHMENT_GRAPH}>: written by `ecokg enrich` from\n"
              f"# {endpoint} at {ended.isoformat(timespec='seconds')}. Review before committing; regenerate, never edit.\n")
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(header + snapshot.graph.serialize(format="turtle"), encoding="utf-8")
    tmp.replace(path)
    return path, snapshot


__all__ = ["ENRICHMENT_GRAPH", "enrich", "enrichment_query", "snapshot_graph"]
