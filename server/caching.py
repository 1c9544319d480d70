"""Answers at cache speed, with validators: the dataset's version, the result cache, ETags, 304s, Cache-Control.

Owns the version of what is served (`DatasetVersion`: the build's fingerprint, the bulk data files, the code,
the journal's head and the changes the store counts), the byte-bounded `ResultCache` of query answers, the
conditional answers of /sparql (`answer_key`, `kept_answer`, `keep`), the validators of every other GET
(`validate`, after each request) and warming the named queries after a start. Evaluating is `kg.stores`';
choosing a format, `server.formats`'; reading the request, `server.protocol`'s.
"""
from __future__ import annotations

import hashlib
import math
import re
import secrets
import sys
import threading
import time
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path

from flask import Flask, Response, current_app, request

from kg import journal
from kg.errors import EcoKGError, SettingsError
from kg.metadata import dump_path
from kg.settings import Settings
from kg.stores import unescape_codepoints

#: the store's answers kept per dataset version (`ResultCache`), the version itself, in ``app.extensions``
CACHE, VERSION = "ecokg_result_cache", "ecokg_dataset_version"
#: an answer larger than this share of the cache is answered, not kept: one answer never empties the cache
LARGEST_SHARE = 4
#: answers a query gives differently each time it is evaluated (SPARQL 1.1 §17.4): never kept, no validators
_CHANGING = re.compile(r"\b(?:rand|now|uuid|struuid)\s*\(", re.IGNORECASE)
#: the headers of an answer that are part of it, kept with its bytes
KEPT_HEADERS = ("Content-Type", "X-ECOKG-Replaced", "X-ECOKG-Truncated")
#: code whose change changes what is written (a page, an answer), so it is part of the version
_CODE = (Path(__file__).resolve().parent, Path(journal.__file__).resolve().parent)


class ResultCache:
    """Answers (bytes and the headers that go with them) by key, holding at most ``max_bytes`` together.

    Thread-safe; the least recently asked answer goes first; an answer over ``max_bytes / LARGEST_SHARE`` is
    not kept. What is held lives in the server process, beside the requests in flight.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max(0, max_bytes)
        self.largest = self.max_bytes // LARGEST_SHARE
        self.held_bytes = 0
        self._entries: OrderedDict[tuple, tuple[bytes, dict, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: tuple) -> bool:
        """Whether ``key`` is held, without making it recently asked."""
        return key in self._entries

    def get(self, key: tuple) -> tuple[bytes, dict] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
        return found[0], found[1]

    def put(self, key: tuple, body: bytes, headers: dict) -> bool:
        """Keep ``body`` with ``headers`` under ``key``; False when it is too large to keep."""
        size = len(body) + sum(sys.getsizeof(part) for part in key) + 256 + sum(
            len(name) + len(value) for name, value in headers.items())
        if size > self.largest:
            return False
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.held_bytes -= previous[2]
            self._entries[key] = (body, dict(headers), size)
            self.held_bytes += size
            while self.held_bytes > self.max_bytes:
                _key, (_body, _headers, dropped) = self._entries.popitem(last=False)
                self.held_bytes -= dropped
        return True


class DatasetVersion:
    """What is served, as one tag and the time it took effect, for validators and the cache's keys.

    The tag is a digest of the build's fingerprint, the bulk data files (name, size, time), the code that writes
    answers and pages, and the journal's head (its sealed last entry), so it is the same after a restart and in
    every process serving the same files. A change the journal does not account for (the journal off), a store
    on disk (which may hold changes from before) or a store the app was handed adds a random token of this
    start: a client's validator then never vouches for content it did not see. None for a store changed behind
    the server's back (a remote one): its answers get no validators and are not kept.
    """

    def __init__(self, settings: Settings, store, *, opened_here: bool):
        self._store = store
        self._journal = journal.journal_path(settings) if hasattr(store, "apply_change") else None
        digest = hashlib.sha256()
        times = []
        for path in _inputs(settings):
            try:
                stat = path.stat()
            except OSError:
                continue
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
            times.append(stat.st_mtime)
        fingerprint = settings.build_dir / "fingerprint"
        digest.update(fingerprint.read_bytes() if fingerprint.is_file() else b"")
        code, newest = _code_digest()
        digest.update(code)
        times.append(newest)
        self._start_token = secrets.token_hex(16)
        if not opened_here or settings.store_path is not None:
            digest.update(self._start_token.encode())
            times.append(time.time())
        self._base = digest.digest()
        self._since = math.ceil(max(times, default=time.time()))
        self._lock = threading.Lock()
        self._start_changes = getattr(store, "changes", None)
        self._start_head = self._head()[0]
        self._state: tuple[int, str, float] | None = None

    def _head(self) -> tuple[int, bytes, float]:
        """(number, sealed text, time written) of the journal's head; (0, b"", 0) without one."""
        if self._journal is None:
            return 0, b"", 0.0
        path = journal.head_path(self._journal)
        try:
            text = path.read_bytes()
            written = path.stat().st_mtime
        except OSError:
            return 0, b"", 0.0
        match = re.search(rb'"number":\s*(\d+)', text)
        return (int(match.group(1)) if match else 0), text, written

    def current(self) -> tuple[str, float] | None:
        """(tag, time in seconds since the epoch) of what is served now; None when it cannot be known."""
        changes = getattr(self._store, "changes", None)
        if changes is None:
            return None
        state = self._state
        if state is not None and state[0] == changes:
            return state[1], state[2]
        with self._lock:
            state = self._state
            if state is not None and state[0] == changes:
                return state[1], state[2]
            number, head, written = self._head()
            digest = hashlib.sha256(self._base)
            digest.update(head)
            since = max(self._since, math.ceil(written))
            if changes - self._start_changes != number - self._start_head:
                # changes no journal entry accounts for: they do not outlive this start, so neither does the tag
                digest.update(f"\0{changes}\0{self._start_token}".encode())
                since = max(since, math.ceil(time.time()))
            if state is not None and since <= state[2]:
                since = state[2] + 1  # a client's If-Modified-Since of the last version must not match this one
            self._state = (changes, '"' + digest.hexdigest()[:40] + '"', since)
            return self._state[1], self._state[2]


def _inputs(settings: Settings) -> list[Path]:
    """The files whose content the served data comes from, beside the build's fingerprint of the seeds."""
    from kg.stores.bulk import data_files

    paths = [dump_path(settings)]
    try:
        paths += data_files(settings)
    except EcoKGError:  # opening the store reports a missing or unreadable data file; the version only reads them
        pass
    return paths


_code: tuple[bytes, float] | None = None


def _code_digest() -> tuple[bytes, float]:
    """A digest of the code that writes answers and pages (`server`, `kg`) and its newest file's time, read once
    per process: new code may write other bytes for the same data."""
    global _code
    if _code is None:
        digest = hashlib.sha256()
        newest = 0.0
        for folder in _CODE:
            for path in sorted(folder.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts and "data" not in path.relative_to(folder).parts:
                    digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
                    newest = max(newest, path.stat().st_mtime)
        _code = digest.digest(), newest
    return _code


def install(app: Flask, *, opened_here: bool) -> None:
    """Give ``app`` its result cache, its dataset version and the validators of every GET."""
    settings: Settings = app.config["ECOKG_SETTINGS"]
    for name in ("result_cache_mb", "cache_max_age"):
        if getattr(settings, name) < 0:
            flag = "--" + name.replace("_", "-")
            raise SettingsError(f"{name} {getattr(settings, name)} is negative", term=flag,
                                hint=f"give 0 or more ({flag}, ECOKG_{name.upper()})")
    store = app.extensions["ecokg_store"]
    app.extensions[CACHE] = ResultCache(settings.result_cache_mb * 2**20)
    app.extensions[VERSION] = DatasetVersion(settings, store, opened_here=opened_here)
    app.after_request(validate)


# --------------------------------------------------------------------------------------- /sparql

def answer_key(text: str, default_graphs: list[str], named_graphs: list[str], media_type: str,
               shape) -> tuple | None:
    """What a query's answer depends on, or None when it is not kept: an answer of a store that can change
    behind the server, of SERVICE endpoints (theirs to change), or of a query that changes each time."""
    version = current_app.extensions[VERSION].current()
    if version is None or shape.services or _CHANGING.search(unescape_codepoints(text)):
        return None
    settings: Settings = current_app.config["ECOKG_SETTINGS"]
    return (version[0], text.strip(), tuple(default_graphs), tuple(named_graphs), media_type, settings.row_limit)


def _etag(key: tuple) -> str:
    return '"' + hashlib.sha256(repr(key).encode("utf-8", "surrogatepass")).hexdigest()[:40] + '"'


def kept_answer(key: tuple) -> Response | None:
    """The answer to ``key`` without evaluating: 304 when the client's copy holds, the kept bytes when there
    are some; None when the query must run."""
    conditional = request.method in ("GET", "HEAD")
    if conditional and request.if_none_match and request.if_none_match.contains(_etag(key)[1:-1]):
        return _not_modified(key)  # an ETag is given only to a 200 for exactly this key
    kept = current_app.extensions[CACHE].get(key)
    if kept is None:
        return None
    response = Response(kept[0], headers=kept[1])
    response.headers["Vary"] = "Accept"
    return _validated(response, key) if conditional else response


def keep(key: tuple | None, response: Response) -> Response:
    """Keep a fresh 200 under ``key`` and give it its validators; an answer that is not kept gets no-store."""
    if key is None:
        response.headers["Cache-Control"] = "no-store"
        return response
    headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
    current_app.extensions[CACHE].put(key, response.get_data(), headers)
    return _validated(response, key) if request.method in ("GET", "HEAD") else response


def _validated(response: Response, key: tuple) -> Response:
    response.set_etag(_etag(key)[1:-1])
    response.last_modified = _modified(key)
    _control(response)
    if _unchanged(_etag(key)[1:-1], response.last_modified):
        return _not_modified(key)
    return response


def _unchanged(etag: str, modified: datetime) -> bool:
    """Whether the client's copy holds: If-None-Match when given (it wins, RFC 9110 §13.2.2), else
    If-Modified-Since."""
    if request.if_none_match:
        return request.if_none_match.contains(etag)
    since = request.if_modified_since
    return since is not None and modified.replace(microsecond=0) <= since


def _not_modified(key: tuple) -> Response:
    response = Response(status=304)
    response.set_etag(_etag(key)[1:-1])
    response.last_modified = _modified(key)
    response.headers["Vary"] = "Accept"
    _control(response)
    return response


def _modified(key: tuple) -> datetime:
    version = current_app.extensions[VERSION].current()
    since = version[1] if version is not None and version[0] == key[0] else time.time()
    return datetime.fromtimestamp(since, timezone.utc)


def _control(response: Response) -> None:
    settings: Settings = current_app.config["ECOKG_SETTINGS"]
    response.headers["Cache-Control"] = f"public, max-age={settings.cache_max_age}, must-revalidate"


# --------------------------------------------------------------------------------------- every other GET

def validate(response: Response) -> Response:
    """After every request: a GET's 200 (a page, VoID, the ontology, a dump) gets a strong ETag of its bytes
    unless it has one, Last-Modified of the dataset's version and Cache-Control; a matching If-None-Match or
    If-Modified-Since turns it into a 304 with no body. Errors, POST and answers marked no-store are left as
    they are; /sparql's query answers have theirs already."""
    if request.method not in ("GET", "HEAD") or response.status_code not in (200, 304):
        return response
    if "Cache-Control" in response.headers and ("no-store" in response.headers["Cache-Control"]
                                                or "must-revalidate" in response.headers["Cache-Control"]):
        return response
    _control(response)
    if response.status_code != 200 or response.is_streamed or response.direct_passthrough:
        return response  # a file sent as it is (a dump) has its own validators from the file
    if "ETag" not in response.headers:
        response.add_etag()
    version = current_app.extensions[VERSION].current() if VERSION in current_app.extensions else None
    if version is not None and response.last_modified is None:
        response.last_modified = datetime.fromtimestamp(version[1], timezone.utc)
    return response.make_conditional(request)


# --------------------------------------------------------------------------------------- warming

def warm(app: Flask, *, follow: bool = True) -> threading.Thread | None:
    """Ask each named query (those without SERVICE) once, in the background, as SPARQL JSON, so that the first
    person to ask one gets it from the cache; one at a time, so requests arriving meanwhile find workers free.
    With ``follow``, again after each accepted change (checked every second)."""
    from kg.query import named_queries

    settings: Settings = app.config["ECOKG_SETTINGS"]
    store = app.extensions["ecokg_store"]
    if settings.result_cache_mb <= 0 or getattr(store, "changes", None) is None:
        return None

    def run() -> None:
        client = app.test_client()
        while True:
            seen = store.changes
            for query in named_queries(settings):
                if "SERVICE" in query.text.upper():
                    continue
                try:
                    client.get("/sparql", query_string={"query": query.text},
                               headers={"Accept": "application/sparql-results+json"})
                except Exception:  # noqa: BLE001 - warming is a courtesy; a failure shows when the query is asked
                    app.logger.warning("the named query %s could not be warmed", query.name)
            if not follow:
                return
            while store.changes == seen:
                time.sleep(1)

    thread = threading.Thread(target=run, name="warm-named-queries", daemon=True)
    thread.start()
    return thread
