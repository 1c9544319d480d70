"""The store interface (`Store`, `QueryResult`), its backends (pyoxigraph default, rdflib) and `open_store`.

Owns the query gate both backends share: updates refused, FROM only over local graphs, SERVICE only to
allow-listed endpoints (answered by `ServiceClient`), per-query timeout and row limit. Results hold
rdflib terms whatever the backend; the embedded backends also export their quads and apply a change
atomically (`quads`, `apply_change`). It does not speak HTTP (`server.protocol`) or build (`kg.build`).
"""
from __future__ import annotations

import concurrent.futures
import ctypes
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Iterable, Protocol, Sequence
from urllib.parse import urljoin

import rdflib.plugins.sparql
from rdflib import BNode, Dataset, Graph, Literal
from rdflib.namespace import XSD
from rdflib.term import Node, URIRef

from .errors import QueryError, StoreError
from .namespaces import PREFIXES
from . import sandbox
from .build import ensure_built
from .settings import Settings

# rdflib may otherwise dereference FROM / FROM NAMED IRIs over the network.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

#: most bytes read from a SERVICE endpoint's answer
SERVICE_MAX_BYTES = 32 * 1024 * 1024
SERVICE_USER_AGENT = "eco-kg/1.0 (SPARQL 1.1 federated query; https://w3id.org/eco-kg/)"


# --------------------------------------------------------------------------------------- errors

class QuerySyntaxError(QueryError):
    """A query the parser rejects; ``line`` and ``column`` say where (1-based) when known."""


class ForbiddenQuery(QueryError):
    """A well-formed request this endpoint will not run: an update, SERVICE to a non-allow-listed
    endpoint or a variable, FROM/FROM NAMED or a dataset parameter naming no local graph."""


class QueryTimeout(StoreError):
    """The query ran past its time limit (or no worker was free before it)."""


class ServerBusy(StoreError):
    """Every query worker is busy: the request is refused at once; the client should retry shortly."""


class QueryTooLarge(StoreError):
    """The query needed more memory than one query worker may use (setting query_memory_mb)."""


class ServiceFailure(StoreError):
    """An allow-listed SERVICE endpoint failed or answered something unreadable (not SILENT)."""


class ServiceTimeout(ServiceFailure):
    """An allow-listed SERVICE endpoint did not answer in time (not SILENT)."""


# --------------------------------------------------------------------------------------- results

@dataclass
class QueryResult:
    """A backend-neutral SPARQL result.

    ``form`` is "SELECT", "ASK", "CONSTRUCT" or "DESCRIBE". For SELECT, ``variables`` names the
    columns and ``rows`` holds tuples of rdflib terms (None where unbound). For ASK, ``boolean``.
    For CONSTRUCT/DESCRIBE, ``graph`` is an rdflib Graph. ``truncated`` is true when the row
    limit cut the answer. ``row_limit`` is the limit that applied.
    """

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    truncated: bool = False
    row_limit: int | None = None


class Store(Protocol):
    """What every backend offers. Implementations must be safe to call from several threads."""

    name: str

    def query(self, sparql: str, *, default_graph_uris: Sequence[str] = (),
              named_graph_uris: Sequence[str] = (), base_iri: str | None = None,
              timeout: float | None = None, row_limit: int | None = None) -> QueryResult: ...

    def graph_names(self) -> list[URIRef]: ...

    def __len__(self) -> int: ...

    # Backends that can be changed (the embedded ones) also offer `quads()` and `apply_change()`.


#: one quad as rdflib terms; the graph is None for the default graph
QuadTerms = tuple[Node, URIRef, Node, "URIRef | None"]


class UnsupportedTerm(StoreError):
    """A term rdflib cannot hold (an RDF-star quoted triple) in data to be written."""


# --------------------------------------------------------------------------------------- query text

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<pname>(?:[^\W\d][\w.\-]*)?:(?:[\w.:%\-]|\\[_~.\-!$&'()*+,;=/?\#@%])*)
  | (?P<word>[^\W\d][\w]*)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


def unescape_codepoints(text: str) -> str:
    """Apply SPARQL's \\u and \\U escapes, which the grammar processes before parsing (SPARQL 1.1 §19.2)."""
    if "\\u" not in text and "\\U" not in text:
        return text

    def decode(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QuerySyntaxError(f"the escape {match.group()} names no Unicode character", term=match.group(),
                                   **_where(text, match.start()))
        return chr(code)

    return _CODEPOINT.sub(decode, text)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokenize(text: str) -> list[Token]:
    """The query's significant tokens (no whitespace or comments): enough to find keywords safely."""
    return [Token(m.lastgroup, m.group(), m.start(), m.end())
            for m in _TOKEN.finditer(text) if m.lastgroup not in ("ws", "comment")]


@dataclass
class ServiceBlock:
    """One SERVICE clause: its endpoint (None for a variable), where it sits in the text, its group."""

    endpoint: str | None
    term: str
    silent: bool
    start: int
    end: int
    group: str  # the text of the group graph pattern, braces included
    nested: bool


@dataclass
class QueryShape:
    """What the query gate needs to know about a query, found from its tokens."""

    form: str | None  # SELECT / ASK / CONSTRUCT / DESCRIBE, or the update keyword, or None
    prologue: str
    base: str | None
    prefixes: dict[str, str]
    from_default: list[str]
    from_named: list[str]
    dataset_spans: list[tuple[int, int]]
    services: list[ServiceBlock]

    @property
    def is_update(self) -> bool:
        return self.form in UPDATE_KEYWORDS


def _expand(token: Token, prefixes: dict[str, str], base: str | None) -> str | None:
    if token.kind == "iri":
        iri = token.text[1:-1]
        try:
            return urljoin(base, iri) if base else iri
        except ValueError:  # e.g. a "]" where an IPv6 host would end
            raise QuerySyntaxError(f"the IRI {token.text[:80]} is malformed", term=token.text[:80]) from None
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        namespace = prefixes.get(prefix)
        return namespace + re.sub(r"\\(.)", r"\1", local) if namespace is not None else None
    return None


#: deepest nesting of groups, brackets and parentheses a query may have (setting max_query_depth)
MAX_DEPTH = 64
_OPENERS, _CLOSERS = frozenset("{(["), frozenset("})]")


def check_shape_limits(text: str, tokens: list[Token], max_depth: int | None) -> None:
    """Refuse what no engine should be given: escapes that decode to escapes, and deep nesting.

    SPARQL applies \\u escapes once, before parsing; an IRI that still holds a backslash after that
    would be decoded again by an engine and read differently from the way it was checked. Deep
    nesting overflows recursive parsers (pyoxigraph's at a few thousand levels, rdflib's at a few
    dozen), so it is refused here, with a message, before any parser sees it.
    """
    limit = MAX_DEPTH if max_depth is None else max_depth
    depth = 0
    for token in tokens:
        if token.kind == "iri" and "\\" in token.text:
            raise QuerySyntaxError(f"the IRI {token.text[:80]} holds a backslash after its escapes were decoded; "
                                   "IRIs may not contain escapes that decode to further escapes",
                                   term=token.text[:80], **_where(text, token.start))
        if token.kind == "other":
            if token.text in _OPENERS:
                depth += 1
                if depth > limit:
                    raise QuerySyntaxError(f"the query nests groups, brackets or parentheses more than {limit} "
                                           "levels deep; flatten it", term=token.text,
                                           hint=f"at most {limit} levels are accepted (setting max_query_depth)",
                                           **_where(text, token.start))
            elif token.text in _CLOSERS:
                depth -= 1


def analyse(text: str, *, base_iri: str | None = None, prefixes: dict[str, str] | None = None,
            max_depth: int | None = None) -> QueryShape:
    """Find the query form, the dataset clause and the SERVICE clauses of a query (or an update).

    Raises `QuerySyntaxError` for text no engine should see (`check_shape_limits`).
    """
    tokens = tokenize(text)
    check_shape_limits(text, tokens, max_depth)
    known = dict(prefixes or {})
    base = base_iri
    index = 0
    prologue_end = 0
    while index < len(tokens):
        kw = tokens[index].keyword
        if kw == "BASE" and index + 1 < len(tokens) and tokens[index + 1].kind == "iri":
            base = _expand(tokens[index + 1], known, base)
            prologue_end = tokens[index + 1].end
            index += 2
        elif (kw == "PREFIX" and index + 2 < len(tokens) and tokens[index + 1].kind == "pname"
              and tokens[index + 2].kind == "iri"):
            known[tokens[index + 1].text.rstrip(":")] = _expand(tokens[index + 2], known, base) or ""
            prologue_end = tokens[index + 2].end
            index += 3
        else:
            break
    form = None
    if index < len(tokens):
        kw = tokens[index].keyword
        if kw in QUERY_FORMS or kw in UPDATE_KEYWORDS:
            form = kw
    shape = QueryShape(form, text[:prologue_end], base, known, [], [], [], [])
    depth = 0
    # a stack of (depth at which a SERVICE group opened, its block) to find each group's end
    open_services: list[tuple[int, int, Token, Token, bool]] = []
    pending_service: tuple[int, Token, Token, bool] | None = None
    i = index
    while i < len(tokens):
        token = tokens[i]
        kw = token.keyword
        if token.text == "{":
            if pending_service is not None:
                start, keyword_token, term, silent = pending_service
                open_services.append((depth, start, keyword_token, term, silent))
                pending_service = None
                shape_group_start = token.start
                open_services[-1] = open_services[-1] + (shape_group_start,)
            depth += 1
        elif token.text == "}":
            depth -= 1
            if open_services and open_services[-1][0] == depth:
                _depth, start, _kw, term, silent, group_start = open_services.pop()
                endpoint = None if term.kind == "var" else _expand(term, known, base)
                shape.services.append(ServiceBlock(
                    endpoint, term.text, silent, start, token.end, text[group_start:token.end],
                    nested=bool(open_services)))
        elif kw == "SERVICE":
            j = i + 1
            silent = j < len(tokens) and tokens[j].keyword == "SILENT"
            if silent:
                j += 1
            if j < len(tokens) and tokens[j].kind in ("iri", "pname", "var"):
                if tokens[j].kind == "pname" and _expand(tokens[j], known, base) is None:
                    raise ForbiddenQuery(f"SERVICE {tokens[j].text}: the prefix is not declared",
                                         term=tokens[j].text)
                pending_service = (token.start, token, tokens[j], silent)
                i = j
            else:
                raise QuerySyntaxError("SERVICE must be followed by an IRI or a variable and a group {…}",
                                       **_where(text, token.start))
        elif kw == "FROM" and depth == 0:
            j = i + 1
            named = j < len(tokens) and tokens[j].keyword == "NAMED"
            if named:
                j += 1
            if j < len(tokens) and tokens[j].kind in ("iri", "pname"):
                iri = _expand(tokens[j], known, base)
                if iri is None:
                    raise QuerySyntaxError(f"FROM {tokens[j].text}: the prefix is not declared",
                                           term=tokens[j].text, **_where(text, tokens[j].start))
                (shape.from_named if named else shape.from_default).append(iri)
                shape.dataset_spans.append((token.start, tokens[j].end))
                i = j
        i += 1
    shape.services.sort(key=lambda block: block.start)
    return shape


def refuse_engine_service(text: str) -> None:
    """Refuse text that could still make an engine call SERVICE or LOAD after the server's own SERVICE calls.

    For engines that keep their network access (a remote store): the text is decoded until no escape
    is left and read with comments as code, so no escape or comment trick hides the keyword.
    """
    decoded, previous = text, None
    while decoded != previous:
        previous, decoded = decoded, unescape_codepoints(decoded)
    for match in _TOKEN.finditer(decoded):
        kind = match.lastgroup
        words = re.findall(r"[A-Za-z]+", match.group()) if kind in ("comment", "word", "other", "pname") else []
        if any(word.upper() in ("SERVICE", "LOAD") for word in words):
            raise ForbiddenQuery("this store cannot be sent a query in which SERVICE or LOAD remains after the "
                                 "server's own SERVICE calls (escapes and comments included)", term="SERVICE",
                                 hint="write SERVICE clauses plainly, with an allow-listed IRI")


def _where(text: str, offset: int) -> dict:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return {"line": line, "column": column}


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Replace spans by spaces (newlines kept) so the parser's line and column numbers still hold."""
    chars = list(text)
    for start, end in spans:
        for k in range(start, end):
            if chars[k] not in "\r\n":
                chars[k] = " "
    return "".join(chars)


_SYNTAX_POSITION = [re.compile(r"error at (\d+):(\d+)"), re.compile(r"line:(\d+), col:(\d+)")]


def syntax_error(exc: Exception) -> QuerySyntaxError:
    """A `QuerySyntaxError` with the parser's own message and its line and column."""
    raw = str(exc).strip() or type(exc).__name__
    line = column = None
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int) and isinstance(getattr(exc, "col", None), int):
        line, column = lineno, exc.col
    else:
        for pattern in _SYNTAX_POSITION:
            match = pattern.search(raw)
            if match:
                line, column = int(match.group(1)), int(match.group(2))
                break
    message = re.sub(r"^error at \d+:\d+:\s*", "", raw.splitlines()[0])
    if len(message) > 240:  # pyoxigraph lists every token it could have accepted
        message = message[:240].rstrip() + " …"
    where = f" at line {line}, column {column}" if line is not None else ""
    return QuerySyntaxError(f"malformed query{where}: {message}", line=line, column=column)


# --------------------------------------------------------------------------------------- SERVICE

def _sparql_term(term) -> str:
    if isinstance(term, BNode):
        # VALUES cannot hold blank nodes: a remote blank node becomes a fresh IRI, stable in one answer
        return f"<urn:eco-kg:service-bnode:{term}>"
    return term.n3()


class ServiceClient:
    """Answers SERVICE clauses by sending their group to an allow-listed SPARQL endpoint.

    Only exact IRIs in ``allowlist`` are called; redirects are not followed (an allowed endpoint
    must not lead the server elsewhere); answers are read as SPARQL JSON results, capped in size.
    """

    def __init__(self, allowlist: Iterable[str], timeout: float, *, session=None,
                 endpoint_map: Iterable[str] = ()):
        self.allowlist = tuple(allowlist)
        self.timeout = timeout
        self._session = session
        #: SERVICE IRI -> URL actually called (setting service_endpoint_map, "IRI=URL" entries)
        self.endpoint_map = dict(entry.split("=", 1) for entry in endpoint_map if "=" in entry)

    def check(self, block: ServiceBlock) -> None:
        if block.endpoint is None:
            raise ForbiddenQuery(f"SERVICE {block.term}: a variable SERVICE endpoint is not allowed; "
                                 "name one of the allow-listed endpoints", term=block.term,
                                 hint=self._allowed_hint())
        if block.endpoint not in self.allowlist:
            raise ForbiddenQuery(f"SERVICE <{block.endpoint}> is not an allowed endpoint", term=block.endpoint,
                                 hint=self._allowed_hint())

    def _allowed_hint(self) -> str:
        if not self.allowlist:
            return "this server allows no SERVICE endpoints (setting service_allowlist)"
        return "allowed: " + ", ".join(self.allowlist) + " (setting service_allowlist)"

    def select(self, endpoint: str, query: str, *, timeout: float) -> tuple[list[str], list[dict]]:
        """Run ``query`` at ``endpoint``; (variables, bindings as {var: rdflib term})."""
        import requests

        session = self._session or requests
        try:
            response = session.post(
                endpoint, data={"query": query}, timeout=max(0.1, timeout), allow_redirects=False, stream=True,
                headers={"Accept": "application/sparql-results+json", "User-Agent": SERVICE_USER_AGENT})
        except requests.Timeout:
            raise ServiceTimeout(f"SERVICE <{endpoint}> did not answer within {timeout:.1f} s") from None
        except requests.RequestException as exc:
            raise ServiceFailure(f"SERVICE <{endpoint}> could not be reached: {type(exc).__name__}") from None
        with response:
            if response.status_code != 200:
                detail = response.text[:300].strip()
                raise ServiceFailure(f"SERVICE <{endpoint}> answered HTTP {response.status_code}"
                                     + (f": {detail}" if detail else ""))
            body = bytearray()
            try:
                for chunk in response.iter_content(65536):
                    body += chunk
                    if len(body) > SERVICE_MAX_BYTES:
                        raise ServiceFailure(f"SERVICE <{endpoint}> answered more than {SERVICE_MAX_BYTES} bytes")
            except requests.Timeout:
                raise ServiceTimeout(f"SERVICE <{endpoint}> did not answer within {timeout:.1f} s") from None
            except requests.RequestException as exc:
                raise ServiceFailure(f"SERVICE <{endpoint}> broke off: {type(exc).__name__}") from None
        return parse_json_results(bytes(body), source=f"SERVICE <{endpoint}>")

    def substitute(self, text: str, shape: QueryShape, *, deadline: float) -> str:
        """The query with every outermost SERVICE clause replaced by the endpoint's answer as VALUES."""
        pieces = []
        last = 0
        for block in shape.services:
            if block.nested:
                continue  # sent along inside its enclosing SERVICE; the remote endpoint answers it
            inner = f"{shape.prologue}\nSELECT * WHERE {block.group}"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QueryTimeout("the query ran out of time while calling SERVICE endpoints")
            try:
                url = self.endpoint_map.get(block.endpoint, block.endpoint)
                variables, bindings = self.select(url, inner, timeout=min(self.timeout, remaining))
                replacement = values_block(variables, bindings)
            except ServiceFailure:
                if not block.silent:
                    raise
                replacement = "{}"  # SERVICE SILENT: one empty solution, as if the call had succeeded
            pieces.append(text[last:block.start])
            pieces.append(replacement)
            last = block.end
        pieces.append(text[last:])
        return "".join(pieces)


def values_block(variables: list[str], bindings: list[dict]) -> str:
    """Solutions as a SPARQL group ``{ VALUES (...) {...} }``, on one line so later positions keep their line."""
    if not variables:
        return "{}" if bindings else "{ FILTER(false) }"
    head = " ".join("?" + v for v in variables)
    rows = " ".join("(" + " ".join(_sparql_term(b[v]) if v in b else "UNDEF" for v in variables) + ")"
                    for b in bindings)
    return f"{{ VALUES ({head}) {{ {rows} }} }}"


def json_term(value: dict):
    kind = value.get("type")
    text = value.get("value", "")
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in value:
            return Literal(text, lang=value["xml:lang"])
        datatype = value.get("datatype")
        if datatype and datatype != str(XSD.string):
            return Literal(text, datatype=URIRef(datatype), normalize=False)
        return Literal(text)
    raise ValueError(f"unknown term type {kind!r}")


def parse_json_results(body: bytes, *, source: str) -> tuple[list[str], list[dict]]:
    import json

    try:
        data = json.loads(body)
        variables = list(data["head"].get("vars", []))
        bindings = [{k: json_term(v) for k, v in row.items()} for row in data["results"]["bindings"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ServiceFailure(f"{source} answered something that is not SPARQL JSON results ({exc})") from None
    return variables, bindings


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
        if not isinstance(result, bool):
            for _ in result:
                break
    except SyntaxError as exc:
        raise syntax_error(exc) from None
    except OSError:
        pass


class _Cancelled(BaseException):
    """Raised inside a worker to stop an rdflib evaluation that ran past its time limit."""


class _BaseStore:
    """The query gate and time limit shared by both backends; subclasses evaluate."""

    name = "base"
    interruptible = False

    def __init__(self, settings: Settings, *, service_client: ServiceClient | None = None):
        self.settings = settings
        self.default_base = settings.public_base
        self.service_client = service_client or ServiceClient(settings.service_allowlist, settings.service_timeout,
                                                              endpoint_map=settings.service_endpoint_map)
        # evaluating threads cannot open network sockets: an engine never calls SERVICE on its own
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max(1, settings.query_workers), thread_name_prefix=f"{self.name}-query", initializer=sandbox.deny_network)

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
              timeout: float | None = None, row_limit: int | None = None) -> QueryResult:
        timeout = self.settings.query_timeout if timeout is None else timeout
        row_limit = self.settings.row_limit if row_limit is None else row_limit
        deadline = time.monotonic() + timeout
        base = base_iri or self.default_base
        limit = self.settings.max_query_length
        if len(sparql) > limit:
            raise QuerySyntaxError(f"the query is {len(sparql):,} characters long; at most {limit:,} are accepted",
                                   hint="shorten it, or raise max_query_length")
        text = unescape_codepoints(sparql)
        shape = analyse(text, base_iri=base, prefixes=PREFIXES, max_depth=self.settings.max_query_depth)
        if shape.is_update:
            raise ForbiddenQuery(f"{shape.form} is a SPARQL Update operation; the query service does not accept "
                                 "updates", hint="send updates to the update endpoint, when it is enabled")
        if shape.form is None:
            self._check_syntax(text, base, deadline)  # the parser's own message says what is wrong
            raise QuerySyntaxError("malformed query: expected SELECT, ASK, CONSTRUCT or DESCRIBE",
                                   **_where(text, len(shape.prologue)))
        for block in shape.services:
            self.service_client.check(block)
        default_graphs, named_graphs = self._dataset(shape, default_graph_uris, named_graph_uris, base)
        text = _blank(text, shape.dataset_spans)  # the dataset is passed to the engine explicitly
        if shape.services:
            # a malformed query is reported before any endpoint is called
            self._check_syntax(_neutralise_services(text, shape), base, deadline)
            text = self.service_client.substitute(text, shape, deadline=deadline)
        return self._run(text, shape.form, default_graphs, named_graphs, base, row_limit, deadline, timeout)

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
                                     hint="name graphs by absolute IRIs, e.g. https://w3id.org/eco-kg/graph/entities")
        # a graph the dataset does not hold is an empty graph (SPARQL 1.1 Protocol; Oxigraph does the
        # same): nothing is ever fetched from the web to fill it
        return default_graphs, named_graphs

    def _run(self, text, form, default_graphs, named_graphs, base, row_limit, deadline, timeout) -> QueryResult:
        cancelled = threading.Event()
        state = {"thread": None, "done": False}
        lock = threading.Lock()

        def work():
            with lock:
                if cancelled.is_set():
                    return None
                state["thread"] = threading.get_ident()
            try:
                return self._evaluate(text, form, default_graphs=default_graphs, named_graphs=named_graphs,
                                      base=base, row_limit=row_limit, cancelled=cancelled)
            finally:
                with lock:
                    state["done"] = True

        future = self._executor.submit(work)
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except concurrent.futures.TimeoutError:
            with lock:
                cancelled.set()
                future.cancel()
                if self.interruptible and state["thread"] is not None and not state["done"]:
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(state["thread"]),
                                                               ctypes.py_object(_Cancelled))
            raise QueryTimeout(f"the query did not finish within {timeout:g} s",
                               hint="narrow it (LIMIT, more specific patterns) or raise query_timeout") from None


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


class OxigraphStore(_BaseStore):
    """pyoxigraph's in-memory store: named graphs kept, queries see their union as the default graph."""

    name = "oxigraph"

    def __init__(self, settings: Settings, *, nquads_path=None, dataset: Dataset | None = None,
                 service_client: ServiceClient | None = None):
        import pyoxigraph as ox

        self._ox = ox
        super().__init__(settings, service_client=service_client)
        self._store = ox.Store()
        if nquads_path is not None:
            self._store.bulk_load(path=str(nquads_path), format=ox.RdfFormat.N_QUADS)
        elif dataset is not None:
            self._store.bulk_load(input=dataset.serialize(format="nquads").encode("utf-8"),
                                  format=ox.RdfFormat.N_QUADS)
        self._terms: dict = {}
        self._write_lock = threading.Lock()
        self._pool = sandbox.WorkerPool(
            self._evaluate_request, settings.query_workers, memory_bytes=settings.query_memory_mb * 2**20,
            admission_wait=settings.admission_wait)

    def __len__(self) -> int:
        return len(self._store)

    def graph_names(self) -> list[URIRef]:
        return sorted(URIRef(g.value) for g in self._store.named_graphs() if isinstance(g, self._ox.NamedNode))

    def quads(self) -> list[QuadTerms]:
        """Every stored quad as rdflib terms (graph None for the default graph): a consistent snapshot."""
        term = self._term
        return [(term(q.subject), term(q.predicate), term(q.object),
                 None if isinstance(q.graph_name, self._ox.DefaultGraph) else term(q.graph_name))
                for q in self._store]

    def apply_change(self, added: Iterable[QuadTerms], removed: Iterable[QuadTerms]) -> None:
        """Remove then add quads, atomically: queries see the content before or after, never between.

        The change is made on a copy, which then replaces the served store; a query already running
        finishes on the content it started with.
        """
        ox = self._ox
        removing = [oxigraph_quad(q) for q in removed]
        adding = [oxigraph_quad(q) for q in added]
        with self._write_lock:
            fresh = ox.Store()
            fresh.bulk_load(input=self._store.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
            for quad in removing:
                fresh.remove(quad)
            fresh.extend(adding)
            self._store = fresh
            self._pool.refresh()  # workers forked before the change still hold the old content

    def _term(self, term):
        ox = self._ox
        if term is None:
            return None
        if isinstance(term, ox.NamedNode):
            cached = self._terms.get(term.value)
            if cached is None:
                if len(self._terms) > 100_000:
                    self._terms.clear()
                cached = self._terms[term.value] = URIRef(term.value)
            return cached
        if isinstance(term, ox.Literal):
            if term.language:
                return Literal(term.value, lang=term.language)
            datatype = term.datatype.value
            if datatype == _XSD_STRING:
                return Literal(term.value)
            return Literal(term.value, datatype=URIRef(datatype), normalize=False)
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        return Literal(str(term))  # an RDF-star quoted triple, shown as text

    def _options(self, default_graphs, named_graphs, base) -> dict:
        ox = self._ox
        options = {"base_iri": base, "prefixes": PREFIXES}
        if default_graphs is None:
            options["use_default_graph_as_union"] = True
        else:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs] or [ox.DefaultGraph()]
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        return options

    def _check_syntax(self, text: str, base: str | None, deadline: float) -> None:
        if self._isolated:
            self._in_worker(("syntax", text, base), deadline, self.settings.query_timeout)
        else:
            _parse_with_oxigraph(text, base)

    @property
    def _isolated(self) -> bool:
        return self.settings.query_isolation and sandbox.CAN_FORK

    def _in_worker(self, request: tuple, deadline: float, timeout: float):
        try:
            return self._pool.run(request, deadline)
        except sandbox.Late:
            raise QueryTimeout(f"the query did not finish within {timeout:g} s",
                               hint="narrow it (LIMIT, more specific patterns) or raise query_timeout") from None
        except sandbox.Busy:
            raise ServerBusy(f"all {self._pool.size} query workers are busy; try again in a moment",
                             hint="the server runs at most query_workers queries at once") from None
        except sandbox.OutOfMemory:
            raise QueryTooLarge(f"the query needed more than {self.settings.query_memory_mb} MiB of memory and "
                                "was stopped", hint="narrow it (LIMIT, fewer joins or string operations)") from None
        except sandbox.ChildFailed as error:
            raise ServerBusy(f"the query could not be evaluated: {error}; try again",
                             hint="workers were stopped from outside the server (memory pressure?)") from None

    def _run(self, text, form, default_graphs, named_graphs, base, row_limit, deadline, timeout) -> QueryResult:
        """Evaluate in a pooled worker process that is killed at the deadline (`kg.sandbox`).

        pyoxigraph cannot be interrupted: a query with ORDER BY, GROUP BY or an aggregate over a large
        join would otherwise keep a CPU and its memory long after the caller got its 503. Workers are
        forked with the store in memory (shared copy-on-write) and replaced after a timeout or an
        update. With ``settings.query_isolation`` off, queries run in a worker thread instead.
        """
        if not self._isolated:
            return super()._run(text, form, default_graphs, named_graphs, base, row_limit, deadline, timeout)
        return self._in_worker(("query", text, form, default_graphs, named_graphs, base, row_limit), deadline,
                               timeout)

    def _evaluate_request(self, request) -> QueryResult | None:
        """What a pooled worker runs: the request tuple that `_run` or `_check_syntax` sends."""
        if request[0] == "syntax":
            return _parse_with_oxigraph(*request[1:])
        _kind, text, form, default_graphs, named_graphs, base, row_limit = request
        return self._evaluate(text, form, default_graphs=default_graphs, named_graphs=named_graphs,
                              base=base, row_limit=row_limit, cancelled=threading.Event())

    def _evaluate(self, text, form, *, default_graphs, named_graphs, base, row_limit, cancelled) -> QueryResult:
        ox = self._ox
        try:
            answer = self._store.query(text, **self._options(default_graphs, named_graphs, base))
            if isinstance(answer, ox.QueryBoolean) or isinstance(answer, bool):
                return QueryResult("ASK", boolean=bool(answer), row_limit=row_limit)
            if isinstance(answer, ox.QuerySolutions):
                variables = [v.value for v in answer.variables]
                rows = []
                truncated = False
                term = self._term
                for solution in answer:
                    if len(rows) >= row_limit:
                        truncated = True
                        break
                    if cancelled.is_set():
                        return QueryResult("SELECT", variables)
                    rows.append(tuple(term(value) for value in solution))
                return QueryResult("SELECT", variables, rows, truncated=truncated, row_limit=row_limit)
            graph = _result_graph()
            count = 0
            truncated = False
            term = self._term
            for triple in answer:
                if count >= row_limit:
                    truncated = True
                    break
                if cancelled.is_set():
                    break
                graph.add((term(triple.subject), term(triple.predicate), term(triple.object)))
                count += 1
            return QueryResult(form if form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT", graph=graph,
                               truncated=truncated, row_limit=row_limit)
        except SyntaxError as exc:
            raise syntax_error(exc) from None
        except ValueError as exc:  # pyoxigraph: a term it cannot make (an IRI, a literal)
            raise QueryError(f"the query could not be evaluated: {exc}") from None
        except OSError as exc:
            raise StoreError(f"the query could not be evaluated: {exc}") from None


_XSD_STRING = str(XSD.string)


def oxigraph_term(term):
    """An rdflib term (or None for the default graph) as a pyoxigraph term."""
    import pyoxigraph as ox

    if term is None:
        return ox.DefaultGraph()
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    raise UnsupportedTerm(f"cannot store the term {term!r}")


def oxigraph_quad(quad: QuadTerms):
    import pyoxigraph as ox

    s, p, o, g = quad
    return ox.Quad(oxigraph_term(s), oxigraph_term(p), oxigraph_term(o), oxigraph_term(g))


def rdflib_term(term):
    """A pyoxigraph term as an rdflib term (None for the default graph); RDF-star triples are refused."""
    import pyoxigraph as ox

    if isinstance(term, ox.DefaultGraph):
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise UnsupportedTerm(f"RDF-star quoted triples cannot be stored here: {term}", term=str(term))


class RdflibStore(_BaseStore):
    """rdflib's own SPARQL engine over a `Dataset` with a union default graph. Slower; a reference."""

    name = "rdflib"
    interruptible = True

    def __init__(self, settings: Settings, dataset: Dataset, *, service_client: ServiceClient | None = None):
        super().__init__(settings, service_client=service_client)
        self.dataset = dataset
        self._write_lock = threading.Lock()

    def __len__(self) -> int:
        return sum(len(g) for g in self.dataset.graphs() if g.identifier != _RDFLIB_DEFAULT) + len(
            self.dataset.default_graph)

    def graph_names(self) -> list[URIRef]:
        return sorted(URIRef(g.identifier) for g in self.dataset.graphs()
                      if isinstance(g.identifier, URIRef) and g.identifier != _RDFLIB_DEFAULT and len(g))

    def quads(self) -> list[QuadTerms]:
        """Every stored quad (graph None for the default graph)."""
        found = []
        for s, p, o, g in self.dataset.quads((None, None, None, None)):
            name = getattr(g, "identifier", g)
            found.append((s, p, o, None if name in (None, _RDFLIB_DEFAULT) else name))
        return found

    def apply_change(self, added: Iterable[QuadTerms], removed: Iterable[QuadTerms]) -> None:
        """Remove then add quads on a copy of the dataset, which then replaces the served one (atomic for queries)."""
        removed, added = list(removed), list(added)
        with self._write_lock:
            current = self.dataset
            fresh = Dataset(default_union=current.default_union)
            for prefix, namespace in current.namespaces():
                fresh.bind(prefix, namespace, override=True)
            for s, p, o, g in current.quads((None, None, None, None)):
                fresh.add((s, p, o, getattr(g, "identifier", g)))
            for s, p, o, g in removed:
                fresh.remove((s, p, o, fresh.default_graph if g is None else fresh.graph(g)))
            for s, p, o, g in added:
                fresh.add((s, p, o, fresh.default_graph if g is None else fresh.graph(g)))
            self.dataset = fresh

    def _parse(self, text: str, base: str | None):
        from rdflib.plugins.sparql.algebra import translateQuery
        from rdflib.plugins.sparql.parser import parseQuery

        try:
            return translateQuery(parseQuery(text), base=base, initNs=PREFIXES)
        except RecursionError:
            raise QuerySyntaxError("the query nests too deeply for the rdflib backend to parse",
                                   hint="flatten it, or use the oxigraph store") from None
        except Exception as exc:  # pyparsing's ParseException, or rdflib's plain Exception for an unknown prefix
            raise syntax_error(exc) from None

    def _check_syntax(self, text: str, base: str | None, deadline: float) -> None:
        self._parse(text, base)

    def _view(self, default_graphs: list[str], named_graphs: list[str]) -> Dataset:
        """A dataset holding copies of just the chosen graphs: FROM / FROM NAMED without fetching anything."""
        view = Dataset(default_union=False)
        for iri in default_graphs:
            for triple in self.dataset.graph(URIRef(iri)):
                view.default_graph.add(triple)
        for iri in named_graphs:
            target = view.graph(URIRef(iri))
            for triple in self.dataset.graph(URIRef(iri)):
                target.add(triple)
        return view

    def _evaluate(self, text, form, *, default_graphs, named_graphs, base, row_limit, cancelled) -> QueryResult:
        from rdflib.plugins.sparql.evaluate import evalQuery
        from rdflib.plugins.sparql.processor import SPARQLResult

        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # also if someone switched it back on meanwhile
        query = self._parse(text, base)
        if getattr(query.algebra, "datasetClause", None):
            query.algebra.datasetClause = None  # the dataset is given explicitly below; never loaded
        target = self.dataset if default_graphs is None else self._view(default_graphs, named_graphs)
        try:
            result = SPARQLResult(evalQuery(target, query, {}, base))
            if result.type == "ASK":
                return QueryResult("ASK", boolean=bool(result.askAnswer), row_limit=row_limit)
            if result.type == "SELECT":
                variables = [str(v) for v in result.vars]
                rows = []
                truncated = False
                for row in result:
                    if len(rows) >= row_limit:
                        truncated = True
                        break
                    rows.append(tuple(row))
                return QueryResult("SELECT", variables, rows, truncated=truncated, row_limit=row_limit)
            graph = _result_graph()
            count = 0
            truncated = False
            for triple in result.graph:
                if count >= row_limit:
                    truncated = True
                    break
                graph.add(triple)
                count += 1
            return QueryResult(result.type, graph=graph, truncated=truncated, row_limit=row_limit)
        except _Cancelled:
            return QueryResult(form or "SELECT")
        except QueryError:
            raise
        except Exception as exc:
            raise StoreError(f"the query could not be evaluated: {type(exc).__name__}: {exc}") from None


_RDFLIB_DEFAULT = URIRef("urn:x-rdflib:default")


# --------------------------------------------------------------------------------------- opening

def open_store(settings: Settings, dataset=None) -> Store:
    """Open the configured backend, loaded with the built dataset (built first if needed).

    ``settings.store`` chooses: "oxigraph" (default) or "rdflib". With ``dataset`` (an rdflib
    Dataset) that dataset is served instead of the dump in ``settings.build_dir``.
    """
    if settings.store == "remote":
        if not settings.remote_endpoint:
            raise StoreError("the remote store needs the SPARQL endpoint it should query", term="remote",
                             hint="give --remote-endpoint URL or ECOKG_REMOTE_ENDPOINT, e.g. http://127.0.0.1:8890/sparql")
        from .remote_store import RemoteStore

        return RemoteStore(settings, settings.remote_endpoint)
    try:
        if settings.store == "oxigraph":
            if dataset is not None:
                return OxigraphStore(settings, dataset=dataset)
            return OxigraphStore(settings, nquads_path=ensure_built(settings))
        if settings.store == "rdflib":
            if dataset is None:
                from .build import load_dataset

                dataset = load_dataset(settings)
            return RdflibStore(settings, dataset)
    except (OSError, SyntaxError, ValueError) as exc:
        raise StoreError(f"the {settings.store} store could not be loaded: {exc}",
                         file=settings.build_dir / "eco-kg.nq") from None
    raise StoreError(f"unknown store backend {settings.store!r}", term=settings.store,
                     hint="use oxigraph, rdflib or remote (setting store, ECOKG_STORE, --store)")


__all__ = ["QueryResult", "Store", "open_store", "OxigraphStore", "RdflibStore", "ServiceClient",
           "QuerySyntaxError", "ForbiddenQuery", "QueryTimeout", "ServerBusy", "QueryTooLarge", "ServiceFailure",
           "ServiceTimeout", "check_syntax",
           "analyse", "unescape_codepoints", "UnsupportedTerm", "oxigraph_quad", "oxigraph_term", "rdflib_term"]
