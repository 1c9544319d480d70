"""The remote store: ECO-KG served from an external SPARQL 1.1 store (Virtuoso, Fuseki, GraphDB …).

Owns `RemoteStore` (the `kg.store.Store` interface over HTTP, behind the same query gate as the
embedded stores), loading the built dump into Virtuoso through isql (`load_dataset_into`), and
`LocalVirtuoso`, a throwaway Virtuoso on loopback ports for tests and benchmarks. It does not build
the dump (`kg.build`) and does not choose the backend from settings (`kg.store.open_store`).

    python -m kg.remote_store load build/eco-kg.nq --isql-port 1111
    python -m kg.remote_store virtuoso /tmp/eco-virtuoso      # start one, load the dump, serve until Ctrl-C
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from rdflib import BNode, Graph, Literal, URIRef

from .errors import EcoKGError, QueryError, StoreError
from .namespaces import PREFIXES
from .settings import Settings
from .store import (QueryResult, QuerySyntaxError, QueryTimeout, ServiceClient, _BaseStore, analyse,
                    refuse_engine_service,
                    check_syntax, json_term)

#: most bytes read from the store's answer to one query
REMOTE_MAX_BYTES = 256 * 1024 * 1024
#: seconds the list of the dataset's graphs is reused before it is asked for again
GRAPH_LIST_SECONDS = 30.0
#: a graph IRI no store holds: an empty default graph, or no named graphs, in protocol parameters
NO_GRAPH = "urn:eco-kg:no-graph"
USER_AGENT = "eco-kg/1.0 (remote store client; https://w3id.org/eco-kg/)"
#: Virtuoso's SQL states for a query stopped by its time limit (partial answer / error)
_VIRTUOSO_TIMEOUT_STATES = ("S1TAT", "S1T00")
_GRAPH_MEDIA = {"application/n-triples": "nt", "text/plain": "nt", "text/turtle": "turtle",
                "application/x-turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld",
                "text/rdf+n3": "n3"}


class RemoteStore(_BaseStore):
    """The dataset held by an external SPARQL 1.1 endpoint, queried over HTTP.

    The dataset is the endpoint's graphs whose IRI starts with ``graph_prefix`` (the settings'
    public base by default) or exactly ``graphs`` when given; FROM and the dataset parameters may
    only name those. For a query without FROM, ``union_default`` says what the default graph is:
    "listed" sends those graphs as default-graph-uri and named-graph-uri (exact, for standard
    stores); "store" sends no dataset, so the store's own default applies, which for Virtuoso is the
    union of all its graphs, its few system graphs included (Virtuoso 7.2 evaluates ``*`` and ``+``
    property paths wrongly over a listed dataset); None picks "store" for Virtuoso (recognised by
    its Server header), else "listed". Updates are refused and SERVICE goes only to allow-listed
    endpoints, as for the embedded stores. Virtuoso is told the query's time limit; any store's
    answer is cut off after it.
    """

    name = "remote"

    def __init__(self, settings: Settings, endpoint: str, *, graphs: Sequence[str] | None = None,
                 graph_prefix: str | None = None, session=None, service_client: ServiceClient | None = None,
                 max_bytes: int = REMOTE_MAX_BYTES, union_default: str | None = None):
        import requests

        super().__init__(settings, service_client=service_client)
        if not re.match(r"https?://[^/\s]+", endpoint or ""):
            raise StoreError(f"remote store endpoint {endpoint!r} is not an http(s) URL", term=endpoint,
                             hint="give the SPARQL endpoint's URL, e.g. http://127.0.0.1:8890/sparql")
        self.endpoint = endpoint
        self.graph_prefix = settings.public_base if graph_prefix is None else graph_prefix
        self.max_bytes = max_bytes
        if union_default not in (None, "listed", "store"):
            raise StoreError(f"union_default {union_default!r}: use 'listed' or 'store'", term=str(union_default))
        self.union_default = union_default
        self._fixed_graphs = sorted(URIRef(g) for g in graphs) if graphs is not None else None
        self._graphs: tuple[float, list[URIRef]] | None = None
        self._graphs_lock = threading.Lock()
        #: whether the endpoint is Virtuoso (learnt from its Server header): it is then sent the time limit
        self.virtuoso = False
        if session is None:
            session = requests.Session()
            adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=16)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        self._session = session

    # ------------------------------------------------------------------------------- the dataset

    def graph_names(self) -> list[URIRef]:
        if self._fixed_graphs is not None:
            return list(self._fixed_graphs)
        with self._graphs_lock:
            if self._graphs is not None and time.monotonic() - self._graphs[0] < GRAPH_LIST_SECONDS:
                return list(self._graphs[1])
        prefix_filter = (f"FILTER(STRSTARTS(STR(?g), {Literal(self.graph_prefix).n3()}))"
                         if self.graph_prefix else "")
        text = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {prefix_filter} }}"
        variables, rows = self._select(text, {}, timeout=self.settings.query_timeout)
        names = sorted(row[0] for row in rows if isinstance(row[0], URIRef))
        with self._graphs_lock:
            self._graphs = (time.monotonic(), names)
        return list(names)

    def refresh(self) -> None:
        """Forget the cached list of graphs (after loading new ones)."""
        with self._graphs_lock:
            self._graphs = None

    def __len__(self) -> int:
        graphs = self.graph_names()
        if not graphs:
            return 0
        names = " ".join(f"<{g}>" for g in graphs)
        text = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {names} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        _variables, rows = self._select(text, {}, timeout=self.settings.query_timeout)
        try:
            return int(rows[0][0])
        except (IndexError, TypeError, ValueError):
            raise StoreError(f"the SPARQL store at {self.endpoint} did not count its quads") from None

    # ------------------------------------------------------------------------------- queries

    def _check_syntax(self, text: str, base: str | None, deadline: float) -> None:
        check_syntax(text, base, timeout=max(0.1, deadline - time.monotonic()))

    def _run(self, text, form, default_graphs, named_graphs, base, row_limit, deadline, timeout) -> QueryResult:
        """Send the gated query to the endpoint in the calling thread; its HTTP time limit is the deadline."""
        if default_graphs is None:
            ours = [str(g) for g in self.graph_names()] or [NO_GRAPH]
            if self.union_default is None:
                if self._fixed_graphs is not None:  # no request seen yet: learn what the store is
                    self._post("ASK {}", {}, "application/sparql-results+json", remaining=min(5.0, timeout),
                               limit=timeout)
                self.union_default = "store" if self.virtuoso else "listed"
            default_graphs, named_graphs = (None, None) if self.union_default == "store" else (ours, ours)
        if default_graphs is not None:
            # only the dataset's own graphs are passed on: another graph of the server is an empty graph here
            ours = {str(g) for g in self.graph_names()}
            default_graphs = [g for g in default_graphs if g in ours]
            named_graphs = [g for g in (named_graphs or ()) if g in ours]
        params = {} if default_graphs is None else {
            "default-graph-uri": list(default_graphs) or [NO_GRAPH],
            "named-graph-uri": list(named_graphs or ()) or [NO_GRAPH]}
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise QueryTimeout(f"the query did not finish within {timeout:g} s")
        refuse_engine_service(text)  # the remote engine has network access: it must get no SERVICE to run
        sent = self._prologue(text, base) + text
        try:
            if form == "ASK":
                body = self._post(sent, params, "application/sparql-results+json", remaining, timeout)[0]
                return QueryResult("ASK", boolean=self._boolean(_json(body, self.endpoint)), row_limit=row_limit)
            if form == "SELECT":
                variables, rows = self._select(sent, params, timeout=remaining, limit=timeout)
                truncated = len(rows) > row_limit
                return QueryResult("SELECT", variables, rows[:row_limit], truncated=truncated, row_limit=row_limit)
            body, media = self._post(sent, params, "application/n-triples, text/turtle;q=0.9", remaining, timeout)
            return self._graph_result(body, media, form, row_limit)
        except QuerySyntaxError:
            raise
        except QueryError as rejected:
            self._check_syntax(text, base, deadline)  # a malformed query gets the embedded stores' message
            raise rejected

    def _boolean(self, data: dict) -> bool:
        """An ASK answer: SPARQL JSON's "boolean", or Virtuoso's one-row table of ``__ASK_RETVAL`` (1 or 0)."""
        if isinstance(data.get("boolean"), bool):
            return data["boolean"]
        try:
            if data["head"]["vars"] == ["__ASK_RETVAL"]:
                bindings = data["results"]["bindings"]
                return bool(bindings) and bindings[0]["__ASK_RETVAL"]["value"] in ("1", "true")
        except (KeyError, TypeError, IndexError):
            pass
        raise StoreError(f"the SPARQL store at {self.endpoint} answered an ASK query without a boolean")

    def _prologue(self, text: str, base: str | None) -> str:
        """BASE and the project's prefixes the query uses without declaring, on the query's first line."""
        declared = analyse(text).prefixes
        used = set(re.findall(r"(?<![\w<?$])([A-Za-z][\w\-.]*|):[^\s]", text))
        pieces = [f"BASE <{base}>"] if base else []
        pieces += [f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items() if p in used and p not in declared]
        return " ".join(pieces) + " " if pieces else ""

    def _select(self, text: str, params: dict, *, timeout: float, limit: float | None = None):
        body = self._post(text, params, "application/sparql-results+json", timeout, limit or timeout)[0]
        data = _json(body, self.endpoint)
        try:
            variables = list(data["head"].get("vars", []))
            rows = [tuple(_term(binding[v]) if v in binding else None for v in variables)
                    for binding in data["results"]["bindings"]]
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise StoreError(f"the SPARQL store at {self.endpoint} answered something that is not SPARQL "
                             f"JSON results ({exc})") from None
        return variables, rows

    def _graph_result(self, body: bytes, media: str, form: str, row_limit: int) -> QueryResult:
        fmt = _GRAPH_MEDIA.get(media)
        if fmt is None:
            raise StoreError(f"the SPARQL store at {self.endpoint} answered a graph as {media or 'no media type'}, "
                             "which ECO-KG cannot read")
        parsed = Graph()
        try:
            parsed.parse(data=body.decode("utf-8"), format=fmt)
        except Exception as exc:  # rdflib's parsers raise assorted types
            raise StoreError(f"the SPARQL store at {self.endpoint} answered an unreadable {media} graph: "
                             f"{type(exc).__name__}: {str(exc)[:200]}") from None
        graph = Graph(bind_namespaces="none")
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace, override=True, replace=True)
        truncated = False
        for count, (s, p, o) in enumerate(parsed):
            if count >= row_limit:
                truncated = True
                break
            graph.add((_bnode(s), p, _bnode(o)))
        return QueryResult(form if form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT", graph=graph,
                           truncated=truncated, row_limit=row_limit)

    def _post(self, text: str, params: dict, accept: str, remaining: float, limit: float) -> tuple[bytes, str]:
        """POST one query; (body, media type). Errors become `QueryTimeout`, `QueryError` or `StoreError`."""
        import requests

        form = {"query": text, **params}
        if self.virtuoso:
            form["timeout"] = str(max(1, int(remaining * 1000)))  # Virtuoso stops the query itself
        try:
            response = self._session.post(
                self.endpoint, data=form, stream=True, allow_redirects=False,
                timeout=(min(5.0, max(0.1, remaining)), max(0.1, remaining)),
                headers={"Accept": accept, "User-Agent": USER_AGENT})
        except requests.Timeout:
            raise QueryTimeout(f"the query did not finish within {limit:g} s (the SPARQL store at "
                               f"{self.endpoint} did not answer in time)",
                               hint="narrow it (LIMIT, more specific patterns) or raise query_timeout") from None
        except requests.RequestException as exc:
            raise StoreError(f"the SPARQL store at {self.endpoint} could not be reached: {_reason(exc)}",
                             hint="start the store, or check the remote endpoint setting") from None
        with response:
            self.virtuoso = "virtuoso" in response.headers.get("Server", "").lower()
            state = response.headers.get("X-SQL-State", "")
            body = bytearray()
            try:
                for chunk in response.iter_content(65536):
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise StoreError(f"the SPARQL store at {self.endpoint} answered more than "
                                         f"{self.max_bytes} bytes", hint="narrow the query (LIMIT)")
            except requests.Timeout:
                raise QueryTimeout(f"the query did not finish within {limit:g} s") from None
            except requests.RequestException as exc:
                raise StoreError(f"the SPARQL store at {self.endpoint} broke off its answer: {_reason(exc)}") from None
        detail = bytes(body[:2000]).decode("utf-8", "replace").strip()
        if state in _VIRTUOSO_TIMEOUT_STATES or any(s in detail[:300] for s in _VIRTUOSO_TIMEOUT_STATES):
            raise QueryTimeout(f"the query did not finish within {limit:g} s",
                               hint="narrow it (LIMIT, more specific patterns) or raise query_timeout")
        if response.status_code in (400, 414) or 400 <= response.status_code < 500 and "syntax" in detail.lower():
            raise QueryError(f"the SPARQL store at {self.endpoint} rejected the query: {_first_lines(detail)}")
        if response.status_code != 200:
            raise StoreError(f"the SPARQL store at {self.endpoint} answered HTTP {response.status_code}"
                             + (f": {_first_lines(detail)}" if detail else ""))
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        return bytes(body), media


def _first_lines(text: str, limit: int = 300) -> str:
    text = " ".join(line.strip() for line in text.splitlines()[:4] if line.strip())
    return text if len(text) <= limit else text[:limit].rstrip() + " …"


def _reason(exc) -> str:
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^')\]]+)", text)
    return f"{type(exc).__name__} ({match.group(1).strip()})" if match else type(exc).__name__


def _json(body: bytes, endpoint: str) -> dict:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise StoreError(f"the SPARQL store at {endpoint} answered something that is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise StoreError(f"the SPARQL store at {endpoint} answered something that is not SPARQL JSON results")
    return data


def _bnode(term):
    """Virtuoso names blank nodes ``nodeID://b123``; rdflib's and the protocol's blank nodes want ``b123``."""
    if isinstance(term, BNode) and str(term).startswith("nodeID://"):
        return BNode(str(term)[len("nodeID://"):])
    if isinstance(term, URIRef) and str(term).startswith("nodeID://"):
        return BNode(str(term)[len("nodeID://"):])
    return term


def _term(value: dict):
    """An rdflib term from one SPARQL JSON binding (Virtuoso's "typed-literal" included)."""
    return _bnode(json_term(value))


# --------------------------------------------------------------------------------------- Virtuoso


@dataclass(frozen=True)
class VirtuosoIsql:
    """How to reach a Virtuoso server's SQL port with its isql client (Debian: isql-vt)."""

    port: int = 1111
    host: str = "127.0.0.1"
    user: str = "dba"
    password: str = "dba"
    isql: str = "isql-vt"

    def run(self, script: str, *, timeout: float = 600.0) -> str:
        """Run SQL statements (``;``-separated); their output. A statement that fails raises `StoreError`."""
        binary = shutil.which(self.isql)
        if binary is None:
            raise StoreError(f"{self.isql} (Virtuoso's SQL client) is not installed",
                             hint="apt-get install virtuoso-opensource")
        try:
            done = subprocess.run([binary, f"{self.host}:{self.port}", self.user, self.password],
                                  input=script, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise StoreError(f"Virtuoso at {self.host}:{self.port} did not finish within {timeout:g} s") from None
        output = done.stdout + done.stderr
        errors = [line.strip() for line in output.splitlines() if line.startswith("*** Error")]
        if errors or done.returncode != 0:
            reason = errors[0] if errors else _first_lines(output) or f"isql exit status {done.returncode}"
            hint = None
            if "Connect failed" in output or "Unable to connect" in output or "connection refused" in output.lower():
                hint = "start Virtuoso, or give the SQL port it listens on (ServerPort in [Parameters])"
            elif "access control" in output.lower() or "DirsAllowed" in output:
                hint = "add the dump's directory to DirsAllowed in [Parameters] of virtuoso.ini"
            raise StoreError(f"Virtuoso at {self.host}:{self.port}: {reason.removeprefix('*** ')}", hint=hint)
        return output


@dataclass
class LoadReport:
    path: Path
    graphs: list[str]
    seconds: float


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def dump_graph_names(path: Path) -> list[str]:
    """The named graphs of an N-Quads or TriG dump (read with pyoxigraph's streaming parser)."""
    import pyoxigraph as ox

    fmt = ox.RdfFormat.N_QUADS if path.suffix == ".nq" else ox.RdfFormat.TRIG
    names = {quad.graph_name.value for quad in ox.parse(path=str(path), format=fmt)
             if isinstance(quad.graph_name, ox.NamedNode)}
    return sorted(names)


def load_dataset_into(isql: VirtuosoIsql, dump: str | Path, *, replace: bool = True,
                      default_graph: str = "https://w3id.org/eco-kg/graph/default") -> LoadReport:
    """Load an N-Quads (.nq) or TriG (.trig) dump into Virtuoso with its named graphs kept.

    Uses Virtuoso's bulk loader (ld_dir, rdf_loader_run, checkpoint) through isql, so the dump must
    be on the Virtuoso server's machine, in a directory listed in DirsAllowed. With ``replace`` the
    dump's graphs are cleared first, so loading twice leaves one copy. Triples outside any named graph
    go to ``default_graph``. Returns the graphs loaded and the wall time.
    """
    path = Path(dump).resolve()
    if not path.is_file():
        raise StoreError(f"no dump to load at {path}", file=path, hint="run `ecokg build` first")
    if path.suffix not in (".nq", ".trig"):
        raise StoreError(f"{path.name}: load an N-Quads (.nq) or TriG (.trig) dump, which keep named graphs",
                         file=path)
    started = time.perf_counter()
    try:
        graphs = dump_graph_names(path)
    except Exception as exc:  # rdflib's parsers raise assorted types
        raise StoreError(f"the dump does not parse: {type(exc).__name__}: {str(exc)[:200]}", file=path) from None
    statements = ["log_enable(3, 1);"]
    statements.append(f"DELETE FROM DB.DBA.LOAD_LIST WHERE ll_file = {_sql_string(str(path))};")
    if replace:
        statements += [f"SPARQL CLEAR GRAPH <{g}>;" for g in graphs]
    statements += [
        f"ld_dir({_sql_string(str(path.parent))}, {_sql_string(path.name)}, {_sql_string(default_graph)});",
        "rdf_loader_run();",
        "checkpoint;",
        f"SELECT 'LOADSTATE', ll_state, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_file = {_sql_string(str(path))};",
    ]
    output = isql.run("\n".join(statements) + "\n")
    state = re.search(r"LOADSTATE\s+(\d+)\s+(.*)", output)
    if state is None:
        raise StoreError(f"Virtuoso did not take {path.name} into its load list",
                         hint="add the dump's directory to DirsAllowed in [Parameters] of virtuoso.ini", file=path)
    if state.group(1) != "2" or state.group(2).strip() not in ("", "NULL"):
        raise StoreError(f"Virtuoso could not load the dump: {state.group(2).strip()}", file=path)
    return LoadReport(path, graphs, time.perf_counter() - started)


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {db}/virtuoso.db
ErrorLogFile       = {db}/virtuoso.log
LockFile           = {db}/virtuoso.lck
TransactionFile    = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {db}/virtuoso-temp.db
TransactionFile    = {db}/virtuoso-temp.trx

[Parameters]
ServerPort         = {host}:{sql_port}
DisableUnixSocket  = 1
CheckpointInterval = 0
DirsAllowed        = {dirs}
NumberOfBuffers    = {buffers}
MaxDirtyBuffers    = {dirty}
ThreadsPerQuery    = 2
MaxClientConnections = 20

[HTTPServer]
ServerPort         = {host}:{http_port}
ServerRoot         = {db}
ServerThreads      = 10
MaxClientConnections = 10
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows   = 1000000
MaxQueryExecutionTime = 120
"""


class LocalVirtuoso:
    """A throwaway Virtuoso (virtuoso-t) with its database in ``directory``, on free loopback ports.

    Not the system service: its own virtuoso.ini, own database files, own ports. ``dirs_allowed``
    are the directories it may bulk-load from (the dump's). `start` waits until /sparql answers.
    """

    def __init__(self, directory: str | Path, *, dirs_allowed: Sequence[str | Path] = (), host: str = "127.0.0.1",
                 binary: str = "virtuoso-t", buffers: int = 10000, dirty_buffers: int = 6000):
        self.directory = Path(directory).resolve()
        self.host = host
        self.binary = binary
        self.dirs_allowed = [self.directory, *(Path(d).resolve() for d in dirs_allowed)]
        self.buffers, self.dirty_buffers = buffers, dirty_buffers
        self.sql_port = self.http_port = 0
        self.process: subprocess.Popen | None = None

    @property
    def sparql_url(self) -> str:
        return f"http://{self.host}:{self.http_port}/sparql"

    @property
    def isql(self) -> VirtuosoIsql:
        return VirtuosoIsql(port=self.sql_port, host=self.host)

    def start(self, timeout: float = 60.0) -> "LocalVirtuoso":
        import requests

        binary = shutil.which(self.binary)
        if binary is None:
            raise StoreError(f"{self.binary} (the Virtuoso server) is not installed",
                             hint="apt-get install virtuoso-opensource")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.sql_port, self.http_port = _free_port(self.host), _free_port(self.host)
        while self.http_port == self.sql_port:
            self.http_port = _free_port(self.host)
        ini = self.directory / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(
            db=self.directory, host=self.host, sql_port=self.sql_port, http_port=self.http_port,
            dirs=", ".join(str(d) for d in self.dirs_allowed), buffers=self.buffers, dirty=self.dirty_buffers),
            encoding="utf-8")
        log = (self.directory / "virtuoso.out").open("wb")
        self.process = subprocess.Popen([binary, "+configfile", str(ini), "+foreground"],
                                        cwd=self.directory, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StoreError(f"Virtuoso stopped while starting (exit status {self.process.returncode}): "
                                 + _first_lines(self.log_tail(), 400), file=self.directory / "virtuoso.out")
            try:
                answer = requests.get(self.sparql_url, params={"query": "ASK {}"}, timeout=2,
                                      headers={"Accept": "application/sparql-results+json"})
                if answer.status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise StoreError(f"Virtuoso did not answer at {self.sparql_url} within {timeout:g} s",
                         file=self.directory / "virtuoso.out")

    def log_tail(self, lines: int = 20) -> str:
        path = self.directory / "virtuoso.out"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 20.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def __enter__(self) -> "LocalVirtuoso":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --------------------------------------------------------------------------------------- command line

def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    """Arguments of `ecokg load` (and `python -m kg.remote_store load`)."""
    parser.add_argument("dump", type=Path, nargs="?", default=None,
                        help="the dump to load (default: build/eco-kg.nq, built first if needed)")
    parser.add_argument("--isql-port", type=int, default=1111, help="Virtuoso's SQL port (default 1111)")
    parser.add_argument("--isql-host", default="127.0.0.1")
    parser.add_argument("--user", default="dba")
    parser.add_argument("--password", default="dba")
    parser.add_argument("--keep", action="store_true", help="add to the graphs instead of replacing them")


def command(args: argparse.Namespace, settings: Settings) -> int:
    """`ecokg load`: bulk-load the built dump into a running Virtuoso."""
    dump = args.dump
    if dump is None:
        from .build import ensure_built

        dump = ensure_built(settings)
    report = load_dataset_into(VirtuosoIsql(args.isql_port, args.isql_host, args.user, args.password),
                               dump, replace=not args.keep)
    print(f"loaded {report.path} ({len(report.graphs)} graphs) in {report.seconds:.2f} s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kg.remote_store",
                                     description="Load ECO-KG into Virtuoso, or run a throwaway Virtuoso with it.")
    commands = parser.add_subparsers(dest="command", required=True)
    configure_parser(commands.add_parser("load", help="bulk-load a .nq or .trig dump into a running Virtuoso"), "load")
    local = commands.add_parser("virtuoso", help="start a throwaway Virtuoso in DIRECTORY, load the dump, "
                                                 "serve until interrupted")
    local.add_argument("directory", type=Path)
    local.add_argument("--dump", type=Path, default=Settings().build_dir / "eco-kg.nq")
    args = parser.parse_args(argv)
    try:
        if args.command == "load":
            return command(args, Settings.from_env())
        with LocalVirtuoso(args.directory, dirs_allowed=[args.dump.resolve().parent]) as virtuoso:
            report = load_dataset_into(virtuoso.isql, args.dump)
            print(f"Virtuoso: SPARQL {virtuoso.sparql_url}, SQL {virtuoso.host}:{virtuoso.sql_port} (dba/dba); "
                  f"loaded {len(report.graphs)} graphs in {report.seconds:.2f} s. Ctrl-C stops it.", flush=True)
            try:
                virtuoso.process.wait()
            except KeyboardInterrupt:
                pass
        return 0
    except EcoKGError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code


__all__ = ["RemoteStore", "VirtuosoIsql", "LoadReport", "load_dataset_into", "dump_graph_names", "LocalVirtuoso"]

if __name__ == "__main__":
    sys.exit(main())
