"""Reading SPARQL text before any engine sees it: escapes, tokens, the query form, dataset and SERVICE clauses.

Owns `analyse` (what the query gate needs to know, in one pass over the tokens) and `ShapeCache` (its
answers, within a byte budget), the limits no engine should be given (depth, escapes that decode to
escapes) and turning parser errors into `QuerySyntaxError`. Tokens and escapes are `kg.stores.tokens`'.
It evaluates nothing.
"""
from __future__ import annotations

import re
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import urljoin

from .interface import ForbiddenQuery, QuerySyntaxError, QueryTimeout
from .tokens import Token, decode_fully, scan, tokenize, unescape_codepoints, where as _where

__all__ = ["QUERY_FORMS", "UPDATE_KEYWORDS", "QueryShape", "ServiceBlock", "ShapeCache", "Token", "analyse",
           "check_shape_limits", "decode_fully", "refuse_engine_service", "syntax_error", "tokenize",
           "unescape_codepoints"]

# --------------------------------------------------------------------------------------- query text

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


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
            max_depth: int | None = None, deadline: float | None = None) -> QueryShape:
    """Find the query form, the dataset clause and the SERVICE clauses of a query (or an update).

    Raises `QuerySyntaxError` for text no engine should see (`check_shape_limits`), and `QueryTimeout`
    when ``deadline`` (a `time.monotonic` value: the request's arrival plus its time limit) passes before
    the text is read. One pass over the tokens, whatever the text. The stores keep what it finds in a
    `ShapeCache`, shared by every caller asking about the same text: read it, never change it.
    """
    shape = _analyse(text, base_iri, prefixes or {}, max_depth, deadline)
    if deadline is not None and time.monotonic() > deadline:
        raise QueryTimeout("the query did not finish within its time limit: reading its text took longer",
                           hint="shorten the query, or raise query_timeout")
    return shape


def _analyse(text: str, base_iri: str | None, prefixes: dict[str, str], max_depth: int | None,
             deadline: float | None) -> QueryShape:
    tokens = tokenize(text, deadline)
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


class ShapeCache:
    """What `analyse` found in recently asked texts, holding at most ``max_bytes`` (texts and shapes together).

    A store keeps one, so that the protocol's look at a request and the store's own share one analysis.
    The least recently used text goes first; a text larger than the whole budget is analysed, not kept.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max(0, max_bytes)
        self.held_bytes = 0
        self._entries: OrderedDict[tuple, tuple[QueryShape, int]] = OrderedDict()
        self._lock = threading.Lock()

    def analyse(self, text: str, *, base_iri: str | None, prefixes: dict[str, str], max_depth: int | None,
                deadline: float | None = None) -> QueryShape:
        key = (text, base_iri, tuple(sorted(prefixes.items())), max_depth)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
        if found is not None:
            if deadline is not None and time.monotonic() > deadline:
                raise QueryTimeout("the query did not finish within its time limit",
                                   hint="shorten the query, or raise query_timeout")
            return found[0]
        shape = analyse(text, base_iri=base_iri, prefixes=prefixes, max_depth=max_depth, deadline=deadline)
        size = _footprint(text, shape)
        if size <= self.max_bytes:
            with self._lock:
                if key not in self._entries:
                    self._entries[key] = (shape, size)
                    self.held_bytes += size
                while self.held_bytes > self.max_bytes:
                    _key, (_shape, dropped) = self._entries.popitem(last=False)
                    self.held_bytes -= dropped
        return shape


def _footprint(text: str, shape: QueryShape) -> int:
    """Bytes a cached entry keeps alive (an estimate on the high side: shared strings are counted too)."""
    size = sys.getsizeof(text) + sys.getsizeof(shape.prologue) + sys.getsizeof(shape.prefixes) + 1024
    size += sum(sys.getsizeof(name) + sys.getsizeof(iri) for name, iri in shape.prefixes.items())
    size += sum(sys.getsizeof(iri) + 64 for iri in shape.from_default + shape.from_named + shape.dataset_spans)
    size += sum(sys.getsizeof(block.group) + sys.getsizeof(block.term) + 512 for block in shape.services)
    return size


_LETTERS = re.compile(r"[A-Za-z]+")


def refuse_engine_service(text: str) -> None:
    """Refuse text that could still make an engine call SERVICE or LOAD after the server's own SERVICE calls.

    For engines that keep their network access (a remote store): the text is decoded until no escape
    is left and read with comments as code, so no escape or comment trick hides the keyword.
    """
    decoded = decode_fully(text)
    for kind, start, end in scan(decoded):
        words = _LETTERS.findall(decoded, start, end) if kind in ("comment", "word", "other", "pname") else []
        if any(word.upper() in ("SERVICE", "LOAD") for word in words):
            raise ForbiddenQuery("this store cannot be sent a query in which SERVICE or LOAD remains after the "
                                 "server's own SERVICE calls (escapes and comments included)", term="SERVICE",
                                 hint="write SERVICE clauses plainly, with an allow-listed IRI")


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


