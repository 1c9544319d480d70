"""The journal of accepted updates: what `POST /update` acknowledged survives a restart and a crash.

Owns one append-only file of sealed JSON lines, one per accepted change (its time, the update text, the quads it
added and removed as N-Quads, an HMAC chained over the entry before it), its key and head beside it, healing a
line a crash cut short, and `replay` on every start (verified, never touching the ontology). Folding into seeds/
is `kg.journal_fold`'s; what is accepted, `server.update`'s and the gate's.
"""
from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
import stat
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .errors import EcoKGError
from .namespaces import ONTOLOGY_GRAPH
from .settings import Settings

#: warnings (a torn line set aside); the command line and the server show them on standard error
log = logging.getLogger(__name__)

#: the journal's file name inside the build folder (setting update_journal overrides the path)
JOURNAL_NAME = "accepted-updates.jsonl"
#: the fields an entry's seal covers
SEALED = ("number", "accepted", "update", "added", "removed")
#: what to do when the journal does not verify: never "remove the line", which would drop an acknowledged update
RESTORE_HINT = ("restore the journal (and its .key and .head files) from a backup; nothing was applied and nothing "
                "in the journal was deleted. If the entries are genuine (e.g. written before entries were sealed), "
                "check them with `ecokg journal list --quads --journal {path}` and vouch for them with "
                "`ecokg journal seal --journal {path}`")


class JournalError(EcoKGError):
    """The journal cannot be read, written or verified (a changed entry, a missing key, a read-only folder)."""


@dataclass
class Entry:
    """One accepted change, with the line it is on and its seal."""

    number: int
    accepted: str
    update: str
    added: list[tuple]
    removed: list[tuple]
    line: int = 0
    mac: str = ""


@dataclass
class Replayed:
    """What a start took from the journal: the changes applied and the torn lines set aside."""

    path: Path | None
    applied: int = 0
    set_aside: list[Path] = field(default_factory=list)

    def report(self) -> list[str]:
        """The lines a start prints (none when there is no journal file)."""
        lines = [f"ECO-KG set aside a journal line cut short by a crash (never acknowledged) in {aside}"
                 for aside in self.set_aside]
        if self.path is not None and self.path.exists():
            lines.append(f"ECO-KG applied {self.applied} accepted update(s) from the journal {self.path}")
        return lines


def key_path(path: Path) -> Path:
    """The key that seals the journal's entries: created beside it on the first entry, readable by its owner only."""
    return path.with_name(path.name + ".key")


def head_path(path: Path) -> Path:
    """The sealed number and seal of the last acknowledged entry, so a journal cut short at its end is noticed."""
    return path.with_name(path.name + ".head")


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
def locked(path: Path) -> Iterator[None]:
    """Hold the journal's lock: appends, replays, folds and seals, in any process, take turns."""
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _canonical(fields: dict) -> bytes:
    return json.dumps({name: fields[name] for name in SEALED}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def _seal(key: bytes, previous: str, fields: dict) -> str:
    # chained: an entry moved, removed or changed breaks the seal of the entry itself or of the next one
    return hmac.new(key, previous.encode("ascii") + b"\n" + _canonical(fields), hashlib.sha256).hexdigest()


def _key(path: Path, *, create: bool = False) -> bytes | None:
    """The journal's key (made on first use with ``create``); None when there is none."""
    keyfile = key_path(path)
    if create:
        try:
            descriptor = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w", encoding="ascii") as out:
                out.write(secrets.token_hex(32) + "\n")
                out.flush()
                os.fsync(out.fileno())
    try:
        mode = stat.S_IMODE(keyfile.stat().st_mode)
        text = keyfile.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise JournalError(f"the journal's key cannot be read: {getattr(error, 'strerror', None) or error}",
                           file=keyfile, hint="run the server as the user who owns the journal and its key") from None
    if mode & 0o077:
        raise JournalError("the journal's key can be read or changed by other users, who could then forge entries",
                           file=keyfile, hint=f"chmod 600 {keyfile}")
    if len(text) < 32:
        raise JournalError("the journal's key is damaged", file=keyfile, hint=RESTORE_HINT.format(path=path))
    return text.encode("ascii")


def _head(path: Path, key: bytes) -> tuple[int, str | None]:
    """(number, seal) of the last acknowledged entry: (0, "") before the first, (0, None) without a head."""
    try:
        record = json.loads(head_path(path).read_text(encoding="utf-8"))
        number, mac, seal = int(record["number"]), str(record["mac"]), str(record["seal"])
    except FileNotFoundError:
        return 0, None
    except (OSError, ValueError, KeyError, TypeError):
        number, mac, seal = 0, "", ""
    expected = hmac.new(key, f"head\n{number}\n{mac}".encode("ascii", "replace"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(seal, expected):
        raise JournalError("the journal's head (the seal of its last acknowledged entry) does not verify",
                           file=head_path(path), hint=RESTORE_HINT.format(path=path))
    return number, mac


def _write_head(path: Path, key: bytes, number: int, mac: str) -> None:
    seal = hmac.new(key, f"head\n{number}\n{mac}".encode("ascii"), hashlib.sha256).hexdigest()
    _replace(head_path(path), json.dumps({"number": number, "mac": mac, "seal": seal}) + "\n")


def _replace(target: Path, text: str) -> None:
    handle, scratch = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(scratch, target)
    except BaseException:
        if os.path.exists(scratch):
            os.unlink(scratch)
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def heal(path: Path) -> list[Path]:
    """Set aside a last line a crash cut short (it was never acknowledged: the 200 follows the fsync of a
    whole line) into ``<journal>.torn-<time>``, so the next entry starts on a fresh line; the side files made."""
    try:
        with open(path, "rb+") as journal:
            data = journal.read()
            if not data or data.endswith(b"\n"):
                return []
            cut = data.rfind(b"\n") + 1
            torn, made = data[cut:], []
            if torn.strip():
                stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
                for attempt in range(1, 1000):
                    aside = path.with_name(f"{path.name}.torn-{stamp}" + (f"-{attempt}" if attempt > 1 else ""))
                    try:
                        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    except FileExistsError:
                        continue
                    with os.fdopen(descriptor, "wb") as out:
                        out.write(torn)
                        out.flush()
                        os.fsync(out.fileno())
                    made.append(aside)
                    break
            journal.truncate(cut)
            journal.flush()
            os.fsync(journal.fileno())
    except FileNotFoundError:
        return []
    _sync_folder(path.parent)
    return made


def _records(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, record) of every whole line; a last line without its newline is left out (see `heal`)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    except OSError as error:
        raise JournalError(f"the journal cannot be read: {error.strerror or error}", file=path) from None
    for number, raw in enumerate(data[:data.rfind(b"\n") + 1].split(b"\n")[:-1], 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
            if not isinstance(record, dict) or not isinstance(record.get("number"), int):
                raise ValueError("not a journal entry")
            for name in SEALED[1:]:
                if not isinstance(record.get(name), str):
                    raise ValueError(f"no {name}")
        except ValueError as error:
            raise JournalError(f"journal line {number} cannot be read ({error})", file=path, line=number,
                               hint=RESTORE_HINT.format(path=path)) from None
        yield number, record


def append(path: Path, update: str, added: list[tuple], removed: list[tuple]) -> int:
    """Add one accepted change to the journal, sealed and durable (fsynced), and return its number.

    A torn last line left by a crash is set aside first (`heal`), never glued to.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with locked(path):
            for aside in heal(path):
                log.warning("ECO-KG set aside a journal line cut short by a crash (never acknowledged) in %s",
                            aside)
            key = _key(path, create=True)
            last = None
            for _line, last in _records(path):
                pass
            head_number, head_mac = _head(path, key)
            if head_mac is None and last is None:  # the head exists before the first entry, so losing it shows
                _write_head(path, key, 0, "")
            number = max(last["number"] if last else 0, head_number) + 1
            record = {"number": number, "accepted": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      "update": update, "added": _nquads(added), "removed": _nquads(removed)}
            record["mac"] = _seal(key, str(last.get("mac", "")) if last else "", record)
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
                os.fsync(out.fileno())
            _sync_folder(path.parent)
            _write_head(path, key, number, record["mac"])
        return number
    except OSError as error:
        raise JournalError(f"the accepted change could not be journalled: {error.strerror or error}",
                           file=path, hint="free disk space or make the folder writable; nothing was changed") from None


def read(path: Path, *, verify: bool = True) -> list[Entry]:
    """Every journalled change, in order, each checked against its seal and the head unless ``verify`` is off.

    A last line cut short by a crash is left out. An entry that does not verify is a `JournalError` naming
    its line; nothing is changed.
    """
    if not path.exists():
        return []
    key = _key(path) if verify else None
    entries: list[Entry] = []
    previous = ""
    for line, record in _records(path):
        if verify:
            if key is None:
                raise JournalError(f"the journal's key {key_path(path)} is missing, so its entries cannot be verified",
                                   file=path, line=line, hint=RESTORE_HINT.format(path=path))
            mac = record.get("mac")
            if not isinstance(mac, str) or not hmac.compare_digest(mac, _seal(key, previous, record)):
                raise JournalError(
                    f"journal entry {record['number']} on line {line} does not verify: it was changed, moved or "
                    "written by hand after the server accepted it (or the entry before it was)",
                    file=path, line=line, hint=RESTORE_HINT.format(path=path))
            previous = mac
        try:
            entries.append(Entry(record["number"], record["accepted"], record["update"], _quads(record["added"]),
                                 _quads(record["removed"]), line, str(record.get("mac", ""))))
        except (ValueError, SyntaxError) as error:
            raise JournalError(f"journal entry {record['number']} on line {line} holds quads that cannot be read: "
                               f"{error}", file=path, line=line, hint=RESTORE_HINT.format(path=path)) from None
    if verify and key is not None:
        number, mac = _head(path, key)
        seals = [entry.mac for entry in entries]
        if mac is None and seals:  # the head is written before the first entry
            raise JournalError(f"the journal does not verify: its head {head_path(path)} is missing, so entries cut "
                               "from its end would go unnoticed", file=path, hint=RESTORE_HINT.format(path=path))
        # the head follows each entry: a crash between the two leaves it one entry behind
        if mac is not None and not (mac in seals[-2:] or (not mac and len(seals) <= 1)):
            raise JournalError(f"the journal does not verify: it ends before the last update it acknowledged (entry "
                               f"{number}): entries were removed from its end", file=path,
                               hint=RESTORE_HINT.format(path=path))
    return entries


def refuse_ontology(path: Path, entries: list[Entry]) -> None:
    """Refuse a journal with an entry that changes the ontology or the default graph, which no update may."""
    for entry in entries:
        for verb, quads in (("adds", entry.added), ("removes", entry.removed)):
            for s, p, o, g in quads:
                if g is None or g == ONTOLOGY_GRAPH:
                    where = "the ontology graph" if g is not None else "the default graph"
                    raise JournalError(
                        f"journal entry {entry.number} on line {entry.line} {verb} {s.n3()} {p.n3()} {o.n3()} in "
                        f"{where}, which replay never changes (the ontology changes only through ontology/)",
                        file=path, line=entry.line, term=str(g) if g is not None else None,
                        hint=RESTORE_HINT.format(path=path))


def replay(store, path: Path | None) -> Replayed:
    """Apply every journalled change to ``store`` in order, after setting aside a torn last line and
    verifying every entry; nothing is applied when one entry does not verify or touches the ontology."""
    if path is None or not path.exists():
        return Replayed(path)
    try:
        with locked(path):
            set_aside = heal(path)
            entries = read(path)
    except OSError:  # a read-only deployment: the torn line, if any, is left where it is and not read
        set_aside, entries = [], read(path)
    refuse_ontology(path, entries)
    for entry in entries:
        store.apply_change(entry.added, entry.removed)
    return Replayed(path, len(entries), set_aside)


def rewrite(path: Path, kept: list[Entry]) -> None:
    """Replace the journal by ``kept`` (numbers kept), sealed again with its key; the head follows."""
    key = _key(path, create=True)
    number = max([_head(path, key)[0], *(entry.number for entry in kept)])
    lines, previous = [], ""
    for entry in kept:
        record = {"number": entry.number, "accepted": entry.accepted, "update": entry.update,
                  "added": _nquads(entry.added), "removed": _nquads(entry.removed)}
        record["mac"] = previous = _seal(key, previous, record)
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    _replace(path, "".join(lines))
    _write_head(path, key, number, previous)


__all__ = ["append", "read", "replay", "heal", "rewrite", "refuse_ontology", "journal_path", "key_path",
           "head_path", "locked", "Entry", "Replayed", "JournalError", "RESTORE_HINT"]
