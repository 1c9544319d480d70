"""The journal of accepted updates: what `POST /update` acknowledged survives a restart and a crash.

Owns one append-only file of JSON lines, one per accepted change (its time, the update text, the
quads it added and removed as N-Quads), written and fsynced before the server answers 200; `replay`
applies it to a freshly opened store on start, and `ecokg journal fold` moves its additions into
seeds/ through the validation gate (`kg.add.add_file`), so the next build holds them. It does
not decide what is accepted (`server.update` and the gate do).
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .errors import EXIT_OK, EXIT_VIOLATIONS, EcoKGError
from .settings import Settings

#: the journal's file name inside the build folder (setting update_journal overrides the path)
JOURNAL_NAME = "accepted-updates.jsonl"


class JournalError(EcoKGError):
    """The journal cannot be read or written (unreadable line, read-only folder, full disk)."""


@dataclass
class Entry:
    """One accepted change."""

    number: int
    accepted: str
    update: str
    added: list[tuple]
    removed: list[tuple]


def journal_path(settings: Settings) -> Path | None:
    """Where accepted updates are journalled; None when the deployment turned the journal off."""
    configured = settings.update_journal
    if configured is None:
        return settings.build_dir / JOURNAL_NAME
    text = str(configured).strip()
    return Path(text) if text else None


def _nquads(quads: Iterable[tuple]) -> str:
    import pyoxigraph as ox

    from .stores import oxigraph_quad

    return ox.serialize([oxigraph_quad(q) for q in quads], format=ox.RdfFormat.N_QUADS).decode("utf-8")


def _quads(text: str) -> list[tuple]:
    import pyoxigraph as ox

    from .stores import rdflib_term

    return [(rdflib_term(q.subject), rdflib_term(q.predicate), rdflib_term(q.object), rdflib_term(q.graph_name))
            for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS)]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def append(path: Path, update: str, added: list[tuple], removed: list[tuple]) -> int:
    """Add one accepted change to the journal, durably (fsynced), and return its number."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path):
            number = sum(1 for _ in _lines(path)) + 1
            record = {"number": number, "accepted": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      "update": update, "added": _nquads(added), "removed": _nquads(removed)}
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
                os.fsync(out.fileno())
            directory = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        return number
    except OSError as error:
        raise JournalError(f"the accepted change could not be journalled: {error.strerror or error}",
                           file=path, hint="free disk space or make the folder writable; nothing was changed") from None


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    if not path.exists():
        return
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                yield number, line


def read(path: Path) -> list[Entry]:
    """Every journalled change, in order. A line cut short by a crash while it was written is left out."""
    entries = []
    try:
        for line_number, line in _lines(path):
            try:
                record = json.loads(line)
                entries.append(Entry(record["number"], record["accepted"], record["update"],
                                     _quads(record["added"]), _quads(record["removed"])))
            except (ValueError, KeyError, TypeError, SyntaxError) as error:
                if not line.endswith("\n"):
                    break  # the last write never finished, so it was never acknowledged
                raise JournalError(f"journal entry {line_number} cannot be read: {error}", file=path,
                                   line=line_number, hint="restore the file from a backup or remove that line") from None
    except OSError as error:
        raise JournalError(f"the journal cannot be read: {error.strerror or error}", file=path) from None
    return entries


def replay(store, path: Path | None) -> int:
    """Apply every journalled change to ``store`` in order; the number of changes applied."""
    if path is None or not path.exists():
        return 0
    entries = read(path)
    for entry in entries:
        store.apply_change(entry.added, entry.removed)
    return len(entries)


def fold(settings: Settings, *, owl: bool = True) -> tuple[int, list[str]]:
    """Move the journal's additions into seeds/ through the gate; (triples written, notes for a person).

    Each entry's additions are written to a scratch Turtle file and merged with `add_file`, which
    re-runs the gate against the current seeds. Removals cannot be written into curated Turtle
    safely, so they are listed for a person to make by hand, and the entry stays in the journal.
    """
    from rdflib import Graph

    from .add import add_file

    path = journal_path(settings)
    if path is None or not path.exists():
        return 0, ["the journal is empty"]
    written, notes, kept = 0, [], []
    with _locked(path):
        for entry in read(path):
            if entry.removed:
                kept.append(entry)
                notes.extend(f"entry {entry.number}: remove by hand: {s.n3()} {p.n3()} {o.n3()} (graph <{g}>)"
                             for s, p, o, g in entry.removed)
                continue
            graph = Graph()
            for s, p, o, _g in entry.added:
                graph.add((s, p, o))
            with tempfile.TemporaryDirectory() as scratch:
                change = Path(scratch) / f"journal-entry-{entry.number}.ttl"
                graph.serialize(change, format="turtle")
                report, target = add_file(change, settings, owl=owl)
            if not report.ok:
                kept.append(entry)
                notes.append(f"entry {entry.number}: the gate rejects it now: {report.summary()}")
                continue
            written += report.triples or 0
            if target is not None:
                notes.append(f"entry {entry.number}: {report.triples} triple(s) written to {target}")
        _rewrite(path, kept)
    return written, notes


def _rewrite(path: Path, kept: list[Entry]) -> None:
    handle, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        for entry in kept:
            out.write(json.dumps({"number": entry.number, "accepted": entry.accepted, "update": entry.update,
                                  "added": _nquads(entry.added), "removed": _nquads(entry.removed)},
                                 ensure_ascii=False) + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(scratch, path)


# ------------------------------------------------------------------------------------------------
# Command line
# ------------------------------------------------------------------------------------------------

def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("action", choices=["list", "fold"],
                        help="list: the accepted updates not yet in seeds/; fold: write their additions into seeds/")
    parser.add_argument("--no-owl", action="store_true", help="fold without the gate's OWL stage")


def command(args: argparse.Namespace, settings: Settings) -> int:
    path = journal_path(settings)
    if path is None:
        raise JournalError("the journal is turned off (setting update_journal is empty)", term="update_journal")
    if args.action == "list":
        entries = read(path)
        for entry in entries:
            print(f"{entry.number}\t{entry.accepted}\t+{len(entry.added)} -{len(entry.removed)}\t"
                  + " ".join(entry.update.split())[:100])
        print(f"{len(entries)} accepted update(s) in {path}")
        return EXIT_OK
    written, notes = fold(settings, owl=not args.no_owl)
    for note in notes:
        print(note)
    print(f"{written} triple(s) folded into seeds/")
    return EXIT_VIOLATIONS if any("remove by hand" in n or "rejects" in n for n in notes) else EXIT_OK


__all__ = ["append", "read", "replay", "fold", "journal_path", "Entry", "JournalError"]
