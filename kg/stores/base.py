"""The query gate every backend shares (`_BaseStore`): updates refused, dataset clauses, SERVICE, limits.

Owns the order in which a query is checked and run: length and depth limits, the dataset (graphs it
does not hold are empty), SERVICE through `ServiceClient`, the syntax check in a sandboxed process,
then the backend's `_run`. Backends subclass it and evaluate.
"""
from __future__ import annotations

import concurrent.futures
import re
import threading
import time
from typing import Sequence

import rdflib.plugins.sparql
from rdflib import Graph, URIRef

from .. import sandbox
from ..errors import SettingsError
from ..namespaces import GRAPH, PREFIXES
from ..settings import Settings
from .interface import ForbiddenQuery, QueryResult, QuerySyntaxError, QueryTimeout, QueryTooLarge, ServerBusy
from .query_text import QueryShape, ShapeCache, _blank, _where, syntax_error, unescape_codepoints
from .service import ServiceClient

# rdflib may otherwise dereference FROM / FROM NAMED IRIs over the network.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

# --------------------------------------------------------------------------------------- backends

def check_syntax(text: str, base: str | None, *, timeout: float = 10.0) -> None:
    """Raise `QuerySyntaxError` (line, column) if pyoxigraph's parser rejects ``text``; evaluates nothing.

    The parser runs in a throwaway child process without network access (`kg.sandbox`): untrusted
    text that crashes it costs that child, never the caller.
    """
    try:
        sandbox.run_isolated(_parse_with_oxigraph, text, base, timeout=timeout, memory_bytes=256 * 2**20)
    except sandbox.Late:
        raise QueryTimeout(f"the query could not be parsed within {timeout:g} s") from None
    except sandbox.ChildFailed:
        raise QuerySyntaxError("the query could not be parsed: the parser gave up on it (too large or too "
                               "deeply nested)", hint="simplify the query") from None


def _parse_with_oxigraph(text: str, base: str | None) -> None:
    import pyoxigraph as ox

    try:
        result = ox.Store().query(text, base_iri=base, prefixes=PREFIXES)  # an empty store: parsing only
        if not isinstance(result, (bool, ox.QueryBoolean)):
            for _ in result:
                break
    except SyntaxError as exc:
        raise syntax_error(exc) from None
    except OSError:
        pass


class _BaseStore:
    """The query gate and time limit shared by both backends; subclasses evaluate."""

    name = "base"
    #: whether `query` may be asked for the answer already written (``result_format``); others return terms
    writes_results = False

    def __init__(self, settings: Settings, *, service_client: ServiceClient | None = None):
        self.settings = settings
        self.default_base = settings.public_base
        self.service_client = service_client or ServiceClient(
            settings.service_allowlist, settings.service_timeout, endpoint_map=settings.service_endpoint_map,
            max_bytes=settings.service_max_bytes, max_calls=settings.service_max_calls)
        # SERVICE children of a backend without a pool (`_federate`): half the query places, as in a pool
        self._service_places = threading.BoundedSemaphore(max(1, settings.query_workers // 2))
        self.worker_memory_mb = worker_memory_mb(settings)  # a total too small for the workers stops the start
        self._shapes = ShapeCache(settings.analysis_cache_mb * 2**20)

    # subclasses
    def _evaluate(self, text: str, form: str, *, default_graphs: list[str] | None, named_graphs: list[str] | None,
                  base: str | None, row_limit: int, cancelled: threading.Event) -> QueryResult:
        raise NotImplementedError

    def _check_syntax(self, text: str, base: str | None, deadline: float) -> None:
        """Raise `QuerySyntaxError` if ``text`` does not parse (used before SERVICE endpoints are called)."""

    def graph_names(self) -> list[URIRef]:
        raise NotImplementedError

    def query(self, sparql: str, *, default_graph_uris: Sequence[str] = (),
              named_graph_uris: Sequence[str] = (), base_iri: str | None = None,
              timeout: float | None = None, row_limit: int | None = None,
              result_format: str | None = None, deadline: float | None = None) -> QueryResult:
        """Run a query. With ``result_format`` (a media type), a backend that `writes_results` may return the
        answer already written in it (`QueryResult.payload`); callers fall back to the terms otherwise.
        ``deadline`` (a `time.monotonic` value) is when the answer is due when the time limit started before
        this call (at the request's arrival); by default ``timeout`` from now."""
        timeout = self.settings.query_timeout if timeout is None else timeout
        row_limit = self.settings.row_limit if row_limit is None else row_limit
        deadline = time.monotonic() + timeout if deadline is None else deadline
        base = base_iri or self.default_base
        text, shape = self._read(sparql, base, deadline)
        if shape.is_update:
            raise ForbiddenQuery(f"{shape.form} is a SPARQL Update operation; the query service does not accept "
                                 "updates", hint="send updates to the update endpoint, when it is enabled")
        if shape.form is None:
            self._check_syntax(text, base, deadline)  # the parser's own message says what is wrong
            raise QuerySyntaxError("malformed query: expected SELECT, ASK, CONSTRUCT or DESCRIBE",
                                   **_where(text, len(shape.prologue)))
        for block in shape.services:
            self.service_client.check(block)
        if shape.services:
            self.service_client.check_calls(shape)
        default_graphs, named_graphs = self._dataset(shape, default_graph_uris, named_graph_uris, base)
        text = _blank(text, shape.dataset_spans)  # the dataset is passed to the engine explicitly
        written = {"result_format": result_format} if result_format and self.writes_results else {}
        if shape.services:
            return self._federate(text, shape, default_graphs, named_graphs, base, row_limit, deadline, timeout,
                                  written)
        return self._run(text, shape.form, default_graphs, named_graphs, base, row_limit, deadline, timeout,
                         **written)

    def analyse(self, sparql: str, *, base_iri: str | None = None, deadline: float | None = None) -> QueryShape:
        """What the query gate reads in ``sparql``: the analysis `query` makes of it, kept in this store's cache
        so that a caller looking first and `query` share one. Raises `QuerySyntaxError` for a text too long or
        too deeply nested, `QueryTimeout` when ``deadline`` passes before the text is read."""
        return self._read(sparql, base_iri or self.default_base, deadline)[1]

    def _read(self, sparql: str, base: str, deadline: float | None) -> tuple[str, QueryShape]:
        limit = self.settings.max_query_length
        if len(sparql) > limit:
            raise QuerySyntaxError(f"the query is {len(sparql):,} characters long; at most {limit:,} are accepted",
                                   hint="shorten it, or raise max_query_length")
        text = unescape_codepoints(sparql)
        return text, self._shapes.analyse(text, base_iri=base, prefixes=PREFIXES,
                                          max_depth=self.settings.max_query_depth, deadline=deadline)

    def _federate(self, text, shape, default_graphs, named_graphs, base, row_limit, deadline, timeout,
                  written) -> QueryResult:
        """A query with SERVICE clauses: checked, its endpoints called, their answers written in, then run.

        Here (a backend whose engine runs elsewhere) the calls and the parsing of their answers run in a
        throwaway child with network access, under the query's memory cap and deadline; only the
        query with its VALUES comes back.
        """
        self._check_syntax(_neutralise_services(text, shape), base, deadline)  # before any endpoint is called
        if not self._service_places.acquire(timeout=max(0.0, min(self.settings.admission_wait,
                                                                 deadline - time.monotonic()))):
            raise ServerBusy("the places for queries that call SERVICE endpoints are all taken; try again in a moment",
                             hint="queries with SERVICE take at most half of the query_workers at once")
        memory = self.worker_memory_mb
        try:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QueryTimeout("the query ran out of time before calling SERVICE endpoints")
            text = sandbox.run_isolated(self.service_client.substitute, text, shape, deadline=deadline,
                                        timeout=remaining, memory_bytes=memory * 2**20, network=True)
        except sandbox.Late:
            raise QueryTimeout(f"the query did not finish calling its SERVICE endpoints within {timeout:g} s",
                               hint="narrow the SERVICE patterns, or raise query_timeout") from None
        except sandbox.OutOfMemory:
            raise QueryTooLarge(f"the SERVICE answers needed more than {memory} MiB of memory",
                                hint="narrow the SERVICE patterns, or lower service_max_bytes") from None
        except sandbox.ChildFailed as error:
            raise ServerBusy(f"the SERVICE endpoints could not be called: {error}; try again") from None
        finally:
            self._service_places.release()
        return self._run(text, shape.form, default_graphs, named_graphs, base, row_limit, deadline, timeout,
                         **written)

    def _dataset(self, shape: QueryShape, default_uris: Sequence[str], named_uris: Sequence[str],
                 base: str) -> tuple[list[str] | None, list[str] | None]:
        """The RDF dataset of the query: protocol parameters override the query's FROM clauses."""
        if default_uris or named_uris:
            default_graphs, named_graphs = list(default_uris), list(named_uris)
        elif shape.from_default or shape.from_named:
            default_graphs, named_graphs = shape.from_default, shape.from_named
        else:
            return None, None  # union default graph, every named graph
        for iri in [*default_graphs, *named_graphs]:
            if not _GRAPH_IRI.match(iri):
                raise ForbiddenQuery(f"the graph name {iri!r} is not an absolute IRI", term=iri,
                                     hint=f"name graphs by absolute IRIs, e.g. {GRAPH}entities")
        # a graph the dataset does not hold is an empty graph (SPARQL 1.1 Protocol; Oxigraph does the
        # same): nothing is ever fetched from the web to fill it
        return default_graphs, named_graphs

    def _run(self, text, form, default_graphs, named_graphs, base, row_limit, deadline, timeout) -> QueryResult:
        raise NotImplementedError


class _PooledStore(_BaseStore):
    """A backend that evaluates in this process's memory: each query runs in a pooled worker process.

    The one way a query is stopped at its deadline: its worker is killed (`kg.sandbox`), so no runaway
    evaluation keeps a CPU or memory after its caller got the 503. Workers are forked with the data in
    memory (shared copy-on-write), cannot open network sockets, and are replaced after a change
    (`_changed`). With ``settings.query_isolation`` off (trusted local use) queries run in a thread
    without network access instead, and a late one is only waited for no longer.
    """

    def __init__(self, settings: Settings, *, service_client: ServiceClient | None = None):
        super().__init__(settings, service_client=service_client)
        # evaluating threads cannot open network sockets: an engine never calls SERVICE on its own
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max(1, settings.query_workers), thread_name_prefix=f"{self.name}-query", initializer=sandbox.deny_network)
        self._pool = sandbox.WorkerPool(
            self._evaluate_request, settings.query_workers, memory_bytes=self.worker_memory_mb * 2**20,
            admission_wait=settings.admission_wait)

    # subclasses
    def _parse_only(self, text: str, base: str | None) -> None:
        """Raise `QuerySyntaxError` if the engine's parser rejects ``text``."""
        raise NotImplementedError

    @property
    def _isolated(self) -> bool:
        return self.settings.query_isolation and sandbox.CAN_FORK

    #: changes applied since the store was opened (replayed ones included), counted once the workers holding the
    #: content before it are retired: a query started after reading the count never answers from older content
    changes = 0

    def _changed(self) -> None:
        """The data changed: workers forked before now are replaced."""
        self._pool.refresh()
        self.changes += 1

    def close(self) -> None:
        self._pool.close()

    def _check_syntax(self, text: str, base: str | None, deadline: float) -> None:
        if self._isolated:
            self._in_worker(("syntax", text, base), deadline, self.settings.query_timeout)
        else:
            self._parse_only(text, base)

    def _federate(self, text, shape, default_graphs, named_graphs, base, row_limit, deadline, timeout,
                  written) -> QueryResult:
        """A query with SERVICE clauses, whole, in a worker forked for it with network access (`_evaluate_request`).

        It takes a place in the pool like any query (at most half the places at once), and its memory
        cap and deadline cover the calls, reading and parsing their answers, and the evaluation.
        """
        if not self._isolated:
            return super()._federate(text, shape, default_graphs, named_graphs, base, row_limit, deadline, timeout,
                                     written)
        return self._in_worker(("federated", text, shape, default_graphs, named_graphs, base, row_limit, written,
                                deadline), deadline, timeout, network=True)

    def _evaluate_request(self, request) -> QueryResult | None:
        """What a pooled worker runs: the request tuple that `_run`, `_check_syntax` or `_federate` sends."""
        if request[0] == "syntax":
            return self._parse_only(*request[1:])
        if request[0] == "federated":
            _kind, text, shape, default_graphs, named_graphs, base, row_limit, written, deadline = request
            # a malformed query calls no endpoint; the parser runs in a thread without network, as engines do
            _without_network(self._parse_only, _neutralise_services(text, shape), base)
            text = self.service_client.substitute(text, shape, deadline=deadline)
            sandbox.deny_network()  # the engine sees the query only once this worker has no network either
            return self._evaluate(text, shape.form, default_graphs=default_graphs, named_graphs=named_graphs,
                                  base=base, row_limit=row_limit, cancelled=threading.Event(), **written)
        _kind, text, form, default_graphs, named_graphs, base, row_limit, written = request
        return self._evaluate(text, form, default_graphs=default_graphs, named_graphs=named_graphs,
                              base=base, row_limit=row_limit, cancelled=threading.Event(), **written)

    def _in_worker(self, request: tuple, deadline: float, timeout: float, *, network: bool = False):
        try:
            return self._pool.run(request, deadline, network=network)
        except sandbox.Late:
            raise QueryTimeout(f"the query did not finish within {timeout:g} s",
                               hint="narrow it (LIMIT, more specific patterns) or raise query_timeout") from None
        except sandbox.Busy:
            if network:
                raise ServerBusy(f"the query workers that may call SERVICE endpoints (half of {self._pool.size}) are "
                                 "busy; try again in a moment", hint="queries with SERVICE take at most half of "
                                 "the query_workers, so that the others stay free for the rest") from None
            raise ServerBusy(f"all {self._pool.size} query workers are busy; try again in a moment",
                             hint="the server runs at most query_workers queries at once") from None
        except sandbox.OutOfMemory:
            settings = self.settings
            raise QueryTooLarge(
                f"the query needed more than {self.worker_memory_mb} MiB of memory and was stopped",
                hint=f"narrow it (LIMIT, fewer joins or string operations); each of the {settings.query_workers} "
                     f"query_workers may use query_memory_mb ({settings.query_memory_mb} MiB), and all of them "
                     f"together query_memory_total_mb ({settings.query_memory_total_mb} MiB)") from None
        except sandbox.ChildFailed as error:
            raise ServerBusy(f"the query could not be evaluated: {error}; try again",
                             hint="workers were stopped from outside the server (memory pressure?)") from None

    def _run(self, text, form, default_graphs, named_graphs, base, row_limit, deadline, timeout,
             **written) -> QueryResult:
        if self._isolated:
            return self._in_worker(("query", text, form, default_graphs, named_graphs, base, row_limit, written),
                                   deadline, timeout)
        cancelled = threading.Event()
        future = self._executor.submit(self._evaluate, text, form, default_graphs=default_graphs,
                                       named_graphs=named_graphs, base=base, row_limit=row_limit, cancelled=cancelled,
                                       **written)
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except concurrent.futures.TimeoutError:
            cancelled.set()  # the evaluation stops at its next row; the caller is answered now
            raise QueryTimeout(f"the query did not finish within {timeout:g} s",
                               hint="narrow it (LIMIT, more specific patterns) or raise query_timeout") from None


def limited(items, row_limit: int, cancelled: threading.Event | None = None) -> tuple[list, bool]:
    """The first ``row_limit`` of ``items`` and whether there were more (the answer is then truncated).

    Stops early, with what it has, when ``cancelled`` is set: its caller has already been answered.
    """
    taken = []
    for item in items:
        if len(taken) >= row_limit:
            return taken, True
        if cancelled is not None and cancelled.is_set():
            break
        taken.append(item)
    return taken, False


def _without_network(function, *args):
    """``function(*args)`` in a thread of its own that cannot open sockets (the filter binds that thread only)."""
    outcome: dict = {}

    def confined() -> None:
        sandbox.deny_network()
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # noqa: BLE001 - raised again in the calling thread
            outcome["error"] = error

    thread = threading.Thread(target=confined, name="no-network")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


#: MiB below which a query worker cannot parse and answer even a small query
MIN_WORKER_MEMORY_MB = 16


def worker_memory_mb(settings: Settings) -> int:
    """MiB one query worker may map beyond the server: query_memory_mb, or its share of query_memory_total_mb
    when that is less, so that all the workers together never map more than the total."""
    workers = max(1, settings.query_workers)
    memory = min(settings.query_memory_mb, settings.query_memory_total_mb // workers)
    if memory < MIN_WORKER_MEMORY_MB:
        raise SettingsError(f"query_memory_total_mb {settings.query_memory_total_mb} and query_memory_mb "
                            f"{settings.query_memory_mb} leave each of the {workers} query workers {memory} MiB; "
                            f"a worker needs at least {MIN_WORKER_MEMORY_MB}", term="query_memory_total_mb",
                            hint=f"raise query_memory_total_mb to {MIN_WORKER_MEMORY_MB * workers} or more, "
                                 "or lower query_workers")
    return memory


_GRAPH_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|^`\\]*$")


def _neutralise_services(text: str, shape: QueryShape) -> str:
    """The query with each outermost SERVICE clause replaced by an empty group of the same length."""
    chars = list(text)
    for block in shape.services:
        if block.nested:
            continue
        for k in range(block.start, block.end):
            if chars[k] not in "\r\n":
                chars[k] = " "
        chars[block.start] = "{"
        chars[block.start + 1] = "}"
    return "".join(chars)


def _result_graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


