"""A group's own data beside the interview: bulk RDF files streamed straight into pyoxigraph, never through rdflib.

Owns which files are bulk data (`data_files`: ``--data FILE…`` and every RDF file in the data folder,
``data/`` beside ``seeds/``), which named graph each goes to (`graph_for`), loading them with progress
on a terminal (`load_files`), and the on-disk store's manifest, which lets a restart reopen the store
without reloading when nothing changed (`open_disk_store`). The curated seeds keep their rdflib path
(`kg.build`).
"""
from __future__ import annotations

import gzip
import json
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from ..errors import StoreError
from ..namespaces import GRAPH
from ..settings import Settings

#: progress records (``extra={"progress": …}``) and warnings; the command line shows them (`kg.commands`)
log = logging.getLogger(__name__)

#: file suffix (after an optional .gz) -> pyoxigraph format name
BULK_FORMATS = {".nt": "N_TRIPLES", ".nq": "N_QUADS", ".ttl": "TURTLE", ".trig": "TRIG"}
#: the manifest an on-disk store keeps of what it was loaded from
MANIFEST = "ecokg-store.json"


class BulkDataError(StoreError):
    """A bulk data file that cannot be read or parsed (exit 2, naming the file and the line)."""


@dataclass
class LoadReport:
    """What `load_files` loaded: per file, the graph and the bytes read; the time it took."""

    files: list[tuple[Path, str, int]]
    seconds: float


def _format_of(path: Path):
    import pyoxigraph as ox

    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    name = BULK_FORMATS.get(suffixes[-1] if suffixes else "")
    if name is None:
        raise BulkDataError(f"{path.name} is not a bulk RDF file", file=path,
                            hint="use N-Triples (.nt), N-Quads (.nq), Turtle (.ttl) or TriG (.trig), optionally .gz")
    return getattr(ox.RdfFormat, name)


def data_files(settings: Settings) -> list[Path]:
    """The bulk data files: those named in the settings, then the data folder's RDF files, sorted."""
    named = [Path(p) for p in settings.data_files]
    folder = Path(settings.data_dir) if settings.data_dir is not None else settings.root / "data"
    found = sorted(p for p in folder.glob("**/*") if p.is_file() and _is_bulk(p)) if folder.is_dir() else []
    seen, files = set(), []
    for path in [*named, *found]:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            files.append(path)
    for path in files:
        if not path.is_file():
            raise BulkDataError(f"the data file {path} does not exist", file=path)
        _format_of(path)
    return files


def _is_bulk(path: Path) -> bool:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return bool(suffixes) and suffixes[-1] in BULK_FORMATS


def graph_for(path: Path) -> str:
    """The named graph of a triples file (quads files name their own graphs): ``graph/data/<name>``."""
    name = path.name
    for suffix in reversed(path.suffixes):
        name = name[: -len(suffix)] if name.endswith(suffix) else name
    return GRAPH + "data/" + (re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "data")


class _Progress:
    """Bytes read from a file, reported now and then as a progress record of this module's logger (lines so
    far and the rate); `kg.commands.ProgressHandler` shows them on a terminal."""

    def __init__(self, raw, label: str, total: int, show: bool):
        self._raw, self._label, self._total, self._show = raw, label, total, show
        self.read_bytes = 0
        self.lines = 0
        self._started = self._shown = time.monotonic()

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        self.read_bytes += len(chunk)
        self.lines += chunk.count(b"\n")
        now = time.monotonic()
        if self._show and now - self._shown > 1.0:
            self._shown = now
            rate = self.lines / max(now - self._started, 1e-6)
            share = f" {100 * self._raw_position() / self._total:.0f}%" if self._total else ""
            log.info("  %s:%s %s lines (%s/s)", self._label, share, f"{self.lines:,}", f"{rate:,.0f}",
                     extra={"progress": True})
        return chunk

    def _raw_position(self) -> int:
        inner = getattr(self._raw, "fileobj", None) or self._raw
        try:
            return inner.tell()
        except (OSError, ValueError):
            return 0

    def readable(self) -> bool:
        return True


def load_files(store, paths: Iterable[Path], *, progress: bool | None = None,
               say: Callable[[str], None] | None = None) -> LoadReport:
    """Stream each file into ``store`` (a pyoxigraph Store): triples into `graph_for`, quads where they say."""
    import pyoxigraph as ox

    show = progress is not False
    started = time.monotonic()
    loaded = []
    for path in paths:
        rdf_format = _format_of(path)
        graph = graph_for(path)
        opener = gzip.open if path.suffix.lower() == ".gz" else open
        try:
            with opener(path, "rb") as raw:
                reader = _Progress(raw, path.name, path.stat().st_size, show)
                options = {"format": rdf_format, "base_iri": path.resolve().as_uri()}
                if rdf_format in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE):
                    options["to_graph"] = ox.NamedNode(graph)
                store.bulk_load(reader, **options)
        except SyntaxError as error:
            raise BulkDataError(f"{path.name} does not parse: {error}", file=path,
                                hint="fix the file, or leave it out of --data / the data folder") from None
        except (OSError, EOFError, gzip.BadGzipFile) as error:
            raise BulkDataError(f"{path.name} cannot be read: {error}", file=path) from None
        if show:
            log.info("  %s: %s lines loaded", path.name, f"{reader.lines:,}", extra={"progress": "done"})
        loaded.append((path, graph, reader.read_bytes))
        if say:
            say(f"loaded {path} into <{graph}>")
    return LoadReport(loaded, time.monotonic() - started)


# --------------------------------------------------------------------------------------- on-disk store

def _fingerprint(paths: Iterable[Path]) -> list[dict]:
    """What the store was loaded from: each file's path, size and modification time (cheap to compare)."""
    found = []
    for path in paths:
        status = path.stat()
        found.append({"path": str(path.resolve()), "size": status.st_size, "mtime_ns": status.st_mtime_ns})
    return found


def _manifest(settings: Settings, files: list[Path]) -> dict:
    from ..build import inputs_fingerprint

    # the seeds' inputs, not the dump's bytes: a rebuild of unchanged seeds writes the same graph in
    # another order, and must not cost a reload
    return {"seeds": inputs_fingerprint(settings), "data": _fingerprint(files), "format": 1}


def open_disk_store(settings: Settings, seed_dump: Path, *, progress: bool | None = None):
    """The on-disk pyoxigraph store at ``settings.store_path``, loaded from the seeds' dump and the bulk
    data; reopened as it is when its manifest says nothing changed, reloaded otherwise."""
    import pyoxigraph as ox

    path = Path(settings.store_path)
    files = data_files(settings)
    wanted = _manifest(settings, files)
    recorded = path / MANIFEST
    if settings.store_read_only:
        return _open_read_only(path, recorded, wanted), False
    try:
        path.mkdir(parents=True, exist_ok=True)
        store = ox.Store(str(path))
    except OSError as error:
        raise StoreError(f"the on-disk store cannot be opened: {error}", file=path,
                         hint="another process may have it open for writing; give each writer its own --store-path") from None
    try:
        current = json.loads(recorded.read_text(encoding="utf-8")) if recorded.is_file() else None
    except (OSError, ValueError):
        current = None
    if current == wanted:
        return store, False
    store.clear()
    store.bulk_load(path=str(seed_dump), format=ox.RdfFormat.N_QUADS)
    load_files(store, files, progress=progress)
    store.flush()
    store.optimize()
    recorded.write_text(json.dumps(wanted, indent=1), encoding="utf-8")
    return store, True


def _open_read_only(path: Path, recorded: Path, wanted: dict):
    """The store as several server processes share it: read-only, and only when it is up to date."""
    import pyoxigraph as ox

    try:
        current = json.loads(recorded.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        current = None
    if current != wanted:
        raise StoreError("the on-disk store is missing or older than the seeds and data files, and a read-only "
                         "store cannot be reloaded", file=path,
                         hint="load it first: ecokg build --store-path DIR [--data FILE…]")
    try:
        return ox.Store.read_only(str(path))
    except OSError as error:
        raise StoreError(f"the on-disk store cannot be opened read-only: {error}", file=path) from None


__all__ = ["data_files", "graph_for", "load_files", "open_disk_store", "BulkDataError", "LoadReport", "MANIFEST"]
