"""Folding the journal of accepted updates into seeds/, and sealing the entries a person has checked.

Owns which seed file each named graph is built from (the source graph: seeds/<source>.ttl; entities:
seeds/entities.ttl; background, links, enrichment: an accepted-updates.ttl in their folder; in a project, its
own graphs: claims/<slug>.ttl, and an accepted-updates.ttl in entities/ or background/) and folding each
entry's additions there through the gate (`kg.add.add_file`). Reading, verifying and rewriting the journal
is `kg.journal`'s; what the gate accepts, `kg.validate`'s.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

from rdflib import Graph, URIRef

from . import journal
from .journal import Entry
from .namespaces import BACKGROUND_GRAPH, ENTITIES_GRAPH, GRAPH, WIKIDATA_ENRICHMENT_GRAPH, WIKIDATA_LINKS_GRAPH
from .settings import Settings

#: the file a fold creates in a folder whose every file goes into one graph (never a file a tool regenerates)
FOLDED_NAME = "accepted-updates.ttl"
#: a source's slug, as the build names its seed file and graph
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def seed_file_for(graph: URIRef | None, settings: Settings) -> Path | None:
    """The seed file the build reads ``graph`` from; None for a graph the build generates (or does not know)."""
    seeds = settings.seeds_dir
    folders = {BACKGROUND_GRAPH: "background", WIKIDATA_LINKS_GRAPH: "links", WIKIDATA_ENRICHMENT_GRAPH: "enrichment"}
    if graph == ENTITIES_GRAPH:
        return seeds / "entities.ttl"
    if graph in folders:
        return seeds / folders[graph] / FOLDED_NAME
    if settings.project is not None and graph is not None:
        found = _project_file_for(str(graph), settings.project)
        if found is not None:
            return found
    prefix = str(GRAPH) + "source/"
    if graph is not None and str(graph).startswith(prefix):
        slug = str(graph)[len(prefix):]
        if _SLUG.fullmatch(slug) and slug != "entities" and (seeds / f"{slug}.ttl").is_file():
            return seeds / f"{slug}.ttl"
    return None


def _project_file_for(graph: str, project) -> Path | None:
    """In a project: its entities and background graphs fold into an accepted-updates file of their folder, a
    registered source's graph into that source's claims file (claims/<slug>.ttl, which the build reads into it)."""
    for name in ("entities", "background"):
        if graph == project.graph(name):
            return project.folder(name) / FOLDED_NAME
    prefix = project.graph("source/")
    if graph.startswith(prefix):
        slug = graph[len(prefix):]
        registered = {record.stem for record in project.files()["project-sources"]}
        if _SLUG.fullmatch(slug) and slug in registered:
            return project.claims_dir / f"{slug}.ttl"
    return None


def fold(path: Path, settings: Settings, *, owl: bool = True) -> tuple[int, list[str]]:
    """Move the journal's additions into the seed files of their graphs, through the gate; (triples written,
    notes for a person).

    Each entry's additions are grouped by the seed file of their graph, written to a scratch Turtle file and
    merged with `add_file`, which re-runs the gate against the current seeds. Removals cannot be written into
    curated Turtle safely, so they are listed for a person to make by hand, and their entry stays in the
    journal; so do additions the gate rejects now and those in graphs the build generates.
    """
    from .add import add_file

    if not path.exists():
        return 0, ["the journal is empty"]
    written, notes, kept = 0, [], []
    with journal.locked(path):
        for entry in journal.read(path):
            if entry.removed:
                kept.append(entry)
                notes.extend(f"entry {entry.number}: remove by hand: {s.n3()} {p.n3()} {o.n3()} (graph <{g}>)"
                             for s, p, o, g in entry.removed)
                continue
            groups: dict[Path, list[tuple]] = {}
            left: list[tuple] = []
            for quad in entry.added:
                target = seed_file_for(quad[3], settings)
                if target is None:
                    left.append(quad)
                    notes.append(f"entry {entry.number}: not folded: {quad[0].n3()} {quad[1].n3()} {quad[2].n3()} "
                                 f"is in <{quad[3]}>, which no seed file holds")
                else:
                    groups.setdefault(target, []).append(quad)
            for target, quads in sorted(groups.items()):
                graph = Graph()
                for s, p, o, _g in quads:
                    graph.add((s, p, o))
                target.parent.mkdir(parents=True, exist_ok=True)
                with tempfile.TemporaryDirectory() as scratch:
                    change = Path(scratch) / f"journal-entry-{entry.number}.ttl"
                    graph.serialize(change, format="turtle")
                    report, merged = add_file(change, settings, owl=owl, into=target)
                if not report.ok:
                    left.extend(quads)
                    notes.append(f"entry {entry.number}: the gate rejects it now for {target.name}: {report.summary()}")
                    continue
                written += report.triples or 0
                if merged is not None:
                    notes.append(f"entry {entry.number}: {report.triples} triple(s) written to {merged}")
            if left:
                kept.append(Entry(entry.number, entry.accepted, entry.update, left, [], entry.line, entry.mac))
        journal.rewrite(path, kept)
    return written, notes


def seal(path: Path) -> tuple[list[Path], int]:
    """Vouch for every entry of the journal at ``path`` (a person has checked them): the files a line cut
    short by a crash was set aside into, and how many entries are sealed now."""
    with journal.locked(path):
        set_aside = list(journal.heal(path))
        entries = journal.read(path, verify=False)
        journal.refuse_ontology(path, entries)
        journal.rewrite(path, entries)
    return set_aside, len(entries)


__all__ = ["fold", "seal", "seed_file_for", "FOLDED_NAME"]
