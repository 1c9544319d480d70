"""The remote store: ECO-KG served from an external SPARQL 1.1 store (Virtuoso, Fuseki, GraphDB …).

Owns `RemoteStore` (the `Store` interface over HTTP, behind the same query gate as the embedded
stores). Loading a store is `kg.stores.publish` (any store) or `kg.stores.virtuoso` (its bulk loader).
"""
from __future__ import annotations

import json
import re
import threading
import time
from typing import Sequence

from rdflib import BNode, Graph, Literal, URIRef

from ..errors import QueryError, StoreError
from ..http import HttpBrokenOff, HttpClient, HttpError, HttpRedirected, HttpTimeout, HttpTooLarge
from ..namespaces import PREFIXES
from ..results import read_json
from ..settings import Settings
from .base import _BaseStore, _result_graph, check_syntax, limited
from .interface import QueryResult, QuerySyntaxError, QueryTimeout
from .query_text import refuse_engine_service, tokenize
from .service import ServiceClient

REMOTE_MAX_BYTES = 256 * 1024 * 1024
#: seconds the list of the dataset's graphs is reused before it is asked for again
GRAPH_LIST_SECONDS = 30.0
#: a graph IRI no store holds: an empty default graph, or no named graphs, in protocol parameters
NO_GRAPH = "urn:eco-kg:no-graph"
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
                 graph_prefix: str | None = None, http: HttpClient | None = None,
                 service_client: ServiceClient | None = None, max_bytes: int = REMOTE_MAX_BYTES,
                 union_default: str | None = None):
        super().__init__(settings, service_client=service_client)
        if not re.match(r"https?://[^/\s]+", endpoint or ""):
            raise StoreError(f"remote store endpoint {endpoint!r} is not an http(s) URL", term=endpoint,
                             hint="give the SPARQL endpoint's URL, e.g. http://127.0.0.1:8890/sparql")
        self.endpoint = endpoint
        self.graph_prefix = settings.public_base if graph_prefix is None else graph_prefix
        if union_default not in (None, "listed", "store"):
            raise StoreError(f"union_default {union_default!r}: use 'listed' or 'store'", term=str(union_default))
        self.union_default = union_default
        self._fixed_graphs = sorted(URIRef(g) for g in graphs) if graphs is not None else None
        self._graphs: tuple[float, list[URIRef]] | None = None
        self._graphs_lock = threading.Lock()
        #: whether the endpoint is Virtuoso (learnt from its Server header): it is then sent the time limit
        self.virtuoso = False
        #: only the endpoint is asked; a busy store (429, 503) is asked again within the query's time limit
        self._http = http or HttpClient("remote store client", allowlist=[endpoint], max_bytes=max_bytes)

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
                rows, truncated = limited(rows, row_limit)
                return QueryResult("SELECT", variables, rows, truncated=truncated, row_limit=row_limit)
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
            variables, rows = read_json(data)
        except ValueError:
            variables, rows = [], []
        if variables == ["__ASK_RETVAL"] and (not rows or "__ASK_RETVAL" in rows[0]):
            return bool(rows) and str(rows[0]["__ASK_RETVAL"]) in ("1", "true")
        raise StoreError(f"the SPARQL store at {self.endpoint} answered an ASK query without a boolean")

    def _prologue(self, text: str, base: str | None) -> str:
        """BASE and the project's prefixes the query uses without declaring, on the query's first line."""
        declared, used = set(), set()
        previous = None
        for token in tokenize(text):  # one linear pass: a prefixed name is read once, whatever follows it
            if token.kind == "pname":
                (declared if previous == "PREFIX" else used).add(token.text.partition(":")[0])
            previous = token.keyword
        pieces = [f"BASE <{base}>"] if base else []
        pieces += [f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items() if p in used and p not in declared]
        return " ".join(pieces) + " " if pieces else ""

    def _select(self, text: str, params: dict, *, timeout: float, limit: float | None = None):
        body = self._post(text, params, "application/sparql-results+json", timeout, limit or timeout)[0]
        try:
            variables, bindings = read_json(_json(body, self.endpoint))
        except ValueError as exc:
            raise StoreError(f"the SPARQL store at {self.endpoint} answered something that is not SPARQL "
                             f"JSON results ({exc})") from None
        return variables, [tuple(_bnode(row[v]) if v in row else None for v in variables) for row in bindings]

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
        triples, truncated = limited(parsed, row_limit)
        graph = _result_graph()
        for s, p, o in triples:
            graph.add((_bnode(s), p, _bnode(o)))
        return QueryResult(form if form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT", graph=graph,
                           truncated=truncated, row_limit=row_limit)

    def _post(self, text: str, params: dict, accept: str, remaining: float, limit: float) -> tuple[bytes, str]:
        """POST one query; (body, media type). Errors become `QueryTimeout`, `QueryError` or `StoreError`."""
        form = {"query": text, **params}
        if self.virtuoso:
            form["timeout"] = str(max(1, int(remaining * 1000)))  # Virtuoso stops the query itself
        remaining = max(0.1, remaining)
        try:
            response = self._http.request("POST", self.endpoint, form=form, headers={"Accept": accept},
                                          timeout=remaining, deadline=time.monotonic() + remaining, read_only=True)
        except HttpTimeout:
            raise QueryTimeout(f"the query did not finish within {limit:g} s (the SPARQL store at "
                               f"{self.endpoint} did not answer in time)",
                               hint="narrow it (LIMIT, more specific patterns) or raise query_timeout") from None
        except HttpTooLarge:
            raise StoreError(f"the SPARQL store at {self.endpoint} answered more than {self._http.max_bytes} "
                             "bytes", hint="narrow the query (LIMIT)") from None
        except HttpRedirected as redirect:
            raise StoreError(f"the SPARQL store at {self.endpoint} answered HTTP {redirect.status}, a redirect to "
                             f"{redirect.location or '?'} that is not followed",
                             hint="give the endpoint's own URL in the remote endpoint setting") from None
        except HttpBrokenOff as error:
            raise StoreError(f"the SPARQL store at {self.endpoint} broke off its answer: {error.reason}") from None
        except HttpError as error:
            raise StoreError(f"the SPARQL store at {self.endpoint} could not be reached: {error.reason}",
                             hint="start the store, or check the remote endpoint setting") from None
        self.virtuoso = "virtuoso" in response.headers.get("Server", "").lower()
        state = response.headers.get("X-SQL-State", "")
        detail = response.body[:2000].decode("utf-8", "replace").strip()
        if state in _VIRTUOSO_TIMEOUT_STATES or any(s in detail[:300] for s in _VIRTUOSO_TIMEOUT_STATES):
            raise QueryTimeout(f"the query did not finish within {limit:g} s",
                               hint="narrow it (LIMIT, more specific patterns) or raise query_timeout")
        if response.status in (400, 414) or 400 <= response.status < 500 and "syntax" in detail.lower():
            raise QueryError(f"the SPARQL store at {self.endpoint} rejected the query: {_first_lines(detail)}")
        if response.status != 200:
            raise StoreError(f"the SPARQL store at {self.endpoint} answered HTTP {response.status}"
                             + (f": {_first_lines(detail)}" if detail else ""))
        return response.body, response.media_type


def _first_lines(text: str, limit: int = 300) -> str:
    text = " ".join(line.strip() for line in text.splitlines()[:4] if line.strip())
    return text if len(text) <= limit else text[:limit].rstrip() + " …"


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
