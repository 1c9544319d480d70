"""SERVICE, performed by the server: `ServiceClient` calls allow-listed endpoints and answers as VALUES.

Owns the allow-list, the cap on calls per query, the call (`kg.http`: no redirects, the deadline, a cap on
bytes while reading) and writing the answer into the query as VALUES. Where that runs is the stores'
choice (`kg.stores.base`: a query worker that drops its network before the engine starts, inside the
memory cap and deadline); the engines never call SERVICE themselves (`kg.sandbox`).
"""
from __future__ import annotations

import json
import re
import time
from typing import Iterable
from urllib.parse import quote

from ..http import HttpBrokenOff, HttpClient, HttpError, HttpNotAllowed, HttpRedirected, HttpTimeout, HttpTooLarge
from ..results import read_json
from .interface import ForbiddenQuery, QueryTimeout, ServiceFailure, ServiceTimeout
from .query_text import QueryShape, ServiceBlock

#: most bytes one SERVICE answer may have unless the caller says otherwise (setting service_max_bytes)
SERVICE_MAX_BYTES = 16 * 2**20
#: most SERVICE endpoints one query may call unless the caller says otherwise (setting service_max_calls)
SERVICE_MAX_CALLS = 8

# --------------------------------------------------------------------------------------- SERVICE

class ServiceClient:
    """Answers SERVICE clauses by sending their group to an allow-listed SPARQL endpoint.

    Only exact IRIs in ``allowlist`` are called, at the URL ``endpoint_map`` gives for them or at
    the IRI itself; redirects are not followed (an allowed endpoint must not lead the server
    elsewhere); answers are read as SPARQL JSON results, capped in size. A busy endpoint (429, 503)
    is asked again within the SERVICE time limit: a query only reads.
    """

    def __init__(self, allowlist: Iterable[str], timeout: float, *, http: HttpClient | None = None,
                 endpoint_map: Iterable[str] = (), max_bytes: int = SERVICE_MAX_BYTES,
                 max_calls: int = SERVICE_MAX_CALLS):
        self.allowlist = tuple(allowlist)
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_calls = max_calls
        #: SERVICE IRI -> URL actually called (setting service_endpoint_map, "IRI=URL" entries)
        self.endpoint_map = dict(entry.split("=", 1) for entry in endpoint_map if "=" in entry)
        self._http = http or HttpClient(
            "SPARQL 1.1 federated query", max_bytes=max_bytes,
            allowlist=[self.endpoint_map.get(iri, iri) for iri in self.allowlist])

    def check(self, block: ServiceBlock) -> None:
        if block.endpoint is None:
            raise ForbiddenQuery(f"SERVICE {block.term}: a variable SERVICE endpoint is not allowed; "
                                 "name one of the allow-listed endpoints", term=block.term,
                                 hint=self._allowed_hint())
        if block.endpoint not in self.allowlist:
            raise ForbiddenQuery(f"SERVICE <{block.endpoint}> is not an allowed endpoint", term=block.endpoint,
                                 hint=self._allowed_hint())

    def check_calls(self, shape: QueryShape) -> None:
        """Refuse a query that would call more endpoints than ``max_calls``, before any is called."""
        calls = sum(1 for block in shape.services if not block.nested)
        if calls > self.max_calls:
            raise ForbiddenQuery(f"the query has {calls:,} SERVICE clauses; at most {self.max_calls} endpoint calls "
                                 "are made for one query", term="SERVICE",
                                 hint=f"join fewer remote patterns, or raise service_max_calls ({self.max_calls})")

    def _allowed_hint(self) -> str:
        if not self.allowlist:
            return "this server allows no SERVICE endpoints (setting service_allowlist)"
        return "allowed: " + ", ".join(self.allowlist) + " (setting service_allowlist)"

    def select(self, endpoint: str, query: str, *, timeout: float) -> tuple[list[str], list[dict]]:
        """Run ``query`` at ``endpoint``; (variables, bindings as {var: rdflib term})."""
        try:
            return read_json(self._answer(endpoint, query, timeout=timeout))
        except ValueError as exc:  # JSON, but not SPARQL results
            raise ServiceFailure(f"SERVICE <{endpoint}> answered something that is not SPARQL JSON results "
                                 f"({exc})") from None

    def values(self, endpoint: str, query: str, *, timeout: float) -> str:
        """Run ``query`` at ``endpoint``; its solutions as a VALUES group (`values_from_json`)."""
        try:
            return values_from_json(self._answer(endpoint, query, timeout=timeout))
        except ValueError as exc:
            raise ServiceFailure(f"SERVICE <{endpoint}> answered something that is not SPARQL JSON results, or "
                                 f"terms that cannot be written into a query ({exc})") from None

    def _answer(self, endpoint: str, query: str, *, timeout: float):
        """The endpoint's answer to ``query``, parsed as JSON; its bytes are capped while they are read."""
        timeout = max(0.1, timeout)
        try:
            response = self._http.request(
                "POST", endpoint, form={"query": query}, timeout=timeout, deadline=time.monotonic() + timeout,
                read_only=True,
                # no connection outlives its call: the worker that made it drops its network right after
                headers={"Accept": "application/sparql-results+json", "Connection": "close"})
        except HttpNotAllowed:
            raise ForbiddenQuery(f"SERVICE <{endpoint}> is not an allowed endpoint", term=endpoint,
                                 hint=self._allowed_hint()) from None
        except HttpTimeout:
            raise ServiceTimeout(f"SERVICE <{endpoint}> did not answer within {timeout:.1f} s") from None
        except HttpRedirected as redirect:
            raise ServiceFailure(f"SERVICE <{endpoint}> answered HTTP {redirect.status}, a redirect to "
                                 f"{redirect.location or '?'} that is not followed") from None
        except HttpTooLarge:
            raise ServiceFailure(f"SERVICE <{endpoint}> answered more than {self.max_bytes:,} bytes and was cut off",
                                 term=endpoint, hint="narrow the SERVICE pattern (LIMIT, fewer variables), or raise "
                                 f"service_max_bytes ({self.max_bytes})") from None
        except HttpBrokenOff as error:
            raise ServiceFailure(f"SERVICE <{endpoint}> broke off: {error.reason}") from None
        except HttpError as error:
            raise ServiceFailure(f"SERVICE <{endpoint}> could not be reached: {error.reason}") from None
        if response.status != 200:
            detail = response.text[:300].strip()
            raise ServiceFailure(f"SERVICE <{endpoint}> answered HTTP {response.status}"
                                 + (f": {detail}" if detail else ""))
        body = response.body
        del response  # only the body stays while it is parsed
        try:
            return json.loads(body)
        except ValueError as exc:  # json's error is a ValueError
            raise ServiceFailure(f"SERVICE <{endpoint}> answered something that is not JSON ({exc})") from None
        except RecursionError:
            raise ServiceFailure(f"SERVICE <{endpoint}> answered something that is not JSON results (nested too "
                                 "deeply to read)") from None

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
                replacement = self.values(url, inner, timeout=min(self.timeout, remaining))
            except ServiceFailure:
                if not block.silent:
                    raise
                replacement = "{}"  # SERVICE SILENT: one empty solution, as if the call had succeeded
            pieces.append(text[last:block.start])
            pieces.append(replacement)
            last = block.end
        pieces.append(text[last:])
        return "".join(pieces)


_VARIABLE = re.compile(r"\w+")
_IRI = re.compile(r'[^<>"{}|^`\\\x00-\x20]*')
_LANGUAGE = re.compile(r"[A-Za-z]+(?:-[A-Za-z0-9]+)*")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_STRING_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def values_from_json(data) -> str:
    """Parsed SPARQL JSON results as a group ``{ VALUES (...) {...} }``, on one line so later positions keep
    their line.

    Written straight from the JSON, without a term object per value (a large answer costs its text, not
    ten times that), and checked as it is written: a variable, IRI or language tag that would end its
    token early is refused with `ValueError`, so no answer can write query text of its own.
    """
    try:
        variables = list(data["head"].get("vars", []))
        bindings = data["results"]["bindings"]
        for name in variables:
            if not isinstance(name, str) or not _VARIABLE.fullmatch(name):
                raise ValueError(f"the variable name {str(name)[:40]!r} cannot be written into a query")
        if not variables:
            return "{}" if bindings else "{ FILTER(false) }"
        rows = []
        for binding in bindings:
            rows.append("(" + " ".join(_json_term(binding[v]) if v in binding else "UNDEF" for v in variables) + ")")
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{exc.__class__.__name__}: {exc}") from None
    head = " ".join("?" + v for v in variables)
    return f"{{ VALUES ({head}) {{ {' '.join(rows)} }} }}"


def _json_term(value: dict) -> str:
    kind, text = value["type"], value["value"]
    if not isinstance(text, str):
        raise ValueError(f"a binding's value must be a string, not {type(text).__name__}")
    if kind == "uri":
        return "<" + _checked_iri(text) + ">"
    if kind == "bnode":
        # VALUES cannot hold blank nodes: a remote blank node becomes a fresh IRI, stable in one answer
        return "<urn:eco-kg:service-bnode:" + quote(text, safe="") + ">"
    if kind not in ("literal", "typed-literal"):
        raise ValueError(f"unknown term type {str(kind)[:40]!r}")
    literal = '"' + text.translate(_STRING_ESCAPES) + '"'
    language = value.get("xml:lang")
    if language is not None:
        if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
            raise ValueError(f"the language tag {str(language)[:40]!r} is malformed")
        return literal + "@" + language
    datatype = value.get("datatype")
    if datatype and datatype != _XSD_STRING:
        return literal + "^^<" + _checked_iri(datatype) + ">"
    return literal


def _checked_iri(text) -> str:
    if not isinstance(text, str) or not _IRI.fullmatch(text):
        raise ValueError(f"the IRI {str(text)[:80]!r} holds characters an IRI cannot")
    return text
