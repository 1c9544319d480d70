"""SERVICE, performed by the server: `ServiceClient` calls allow-listed endpoints and answers as VALUES.

Owns the allow-list check, the call (through `kg.http`: no redirects, time and size limits) and
writing the answer, read by `kg.results.read_json`, into the query as VALUES. The engines never call
SERVICE themselves (they run without network access, `kg.sandbox`).
"""
from __future__ import annotations

import json
import time
from typing import Iterable

from rdflib import BNode

from ..http import HttpBrokenOff, HttpClient, HttpError, HttpNotAllowed, HttpRedirected, HttpTimeout, HttpTooLarge
from ..results import read_json
from .interface import ForbiddenQuery, QueryTimeout, ServiceFailure, ServiceTimeout
from .query_text import QueryShape, ServiceBlock

SERVICE_MAX_BYTES = 32 * 1024 * 1024

# --------------------------------------------------------------------------------------- SERVICE

def _sparql_term(term) -> str:
    if isinstance(term, BNode):
        # VALUES cannot hold blank nodes: a remote blank node becomes a fresh IRI, stable in one answer
        return f"<urn:eco-kg:service-bnode:{term}>"
    return term.n3()


class ServiceClient:
    """Answers SERVICE clauses by sending their group to an allow-listed SPARQL endpoint.

    Only exact IRIs in ``allowlist`` are called, at the URL ``endpoint_map`` gives for them or at
    the IRI itself; redirects are not followed (an allowed endpoint must not lead the server
    elsewhere); answers are read as SPARQL JSON results, capped in size. A busy endpoint (429, 503)
    is asked again within the SERVICE time limit: a query only reads.
    """

    def __init__(self, allowlist: Iterable[str], timeout: float, *, http: HttpClient | None = None,
                 endpoint_map: Iterable[str] = ()):
        self.allowlist = tuple(allowlist)
        self.timeout = timeout
        #: SERVICE IRI -> URL actually called (setting service_endpoint_map, "IRI=URL" entries)
        self.endpoint_map = dict(entry.split("=", 1) for entry in endpoint_map if "=" in entry)
        self._http = http or HttpClient(
            "SPARQL 1.1 federated query", max_bytes=SERVICE_MAX_BYTES,
            allowlist=[self.endpoint_map.get(iri, iri) for iri in self.allowlist])

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
        timeout = max(0.1, timeout)
        try:
            response = self._http.request(
                "POST", endpoint, form={"query": query}, timeout=timeout, deadline=time.monotonic() + timeout,
                read_only=True, headers={"Accept": "application/sparql-results+json"})
        except HttpNotAllowed:
            raise ForbiddenQuery(f"SERVICE <{endpoint}> is not an allowed endpoint", term=endpoint,
                                 hint=self._allowed_hint()) from None
        except HttpTimeout:
            raise ServiceTimeout(f"SERVICE <{endpoint}> did not answer within {timeout:.1f} s") from None
        except HttpRedirected as redirect:
            raise ServiceFailure(f"SERVICE <{endpoint}> answered HTTP {redirect.status}, a redirect to "
                                 f"{redirect.location or '?'} that is not followed") from None
        except HttpTooLarge:
            raise ServiceFailure(f"SERVICE <{endpoint}> answered more than {SERVICE_MAX_BYTES} bytes") from None
        except HttpBrokenOff as error:
            raise ServiceFailure(f"SERVICE <{endpoint}> broke off: {error.reason}") from None
        except HttpError as error:
            raise ServiceFailure(f"SERVICE <{endpoint}> could not be reached: {error.reason}") from None
        if response.status != 200:
            detail = response.text[:300].strip()
            raise ServiceFailure(f"SERVICE <{endpoint}> answered HTTP {response.status}"
                                 + (f": {detail}" if detail else ""))
        try:
            return read_json(json.loads(response.body))
        except ValueError as exc:  # not JSON (json's error is a ValueError), or JSON but not SPARQL results
            raise ServiceFailure(f"SERVICE <{endpoint}> answered something that is not SPARQL JSON results "
                                 f"({exc})") from None

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
