"""Publishing to any SPARQL 1.1 store: every named graph pushed through the Graph Store HTTP Protocol.

Owns `publish` (its command line is `kg.commands.publish`'s): each named graph of the dataset (the built
seeds, the bulk data, the on-disk store if there is one) is read from pyoxigraph and sent as N-Triples, the
first part with PUT (replacing the graph) and the rest with POST (appending), in parts of
``--batch`` triples, so Fuseki, Oxigraph's server, GraphDB, Virtuoso, QLever- or Neptune-style
services all load it the same way. Basic, digest (httpx's DigestAuth) and bearer authentication;
requests go through `kg.http`, which never sends a PUT or POST twice for a busy store (an append sent twice would
double it). Once loaded, `ecokg serve --store remote --remote-endpoint URL` fronts that store
(`kg.stores.remote`).
"""
from __future__ import annotations

import logging
import sys
import time
from base64 import b64encode
from dataclasses import dataclass, field
from urllib.parse import quote

from ..errors import StoreError
from ..http import HttpAuthUnanswerable, HttpClient, HttpError, HttpRedirected

#: progress records (``extra={"progress": …}``) and warnings; the command line shows them (`kg.commands`)
log = logging.getLogger(__name__)

#: triples per request; a graph larger than this is sent as one PUT and further POSTs
BATCH = 100_000


class PublishError(StoreError):
    """The target store refused or could not be reached (exit 2, with its status and answer)."""


@dataclass
class PublishReport:
    """Per graph, the triples sent; the requests made; the time it took."""

    graphs: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    seconds: float = 0.0


def client_for(auth: str | None, user: str | None, password: str | None, token: str | None) -> HttpClient:
    """The client that talks to the store, with its credentials; it never retries a PUT or POST."""
    headers, digest = {}, None
    if auth == "bearer":
        if not token:
            raise PublishError("bearer authentication needs a token", term="--auth bearer",
                               hint="set ECOKG_PUBLISH_TOKEN or give --token-file FILE")
        headers["Authorization"] = f"Bearer {token}"
    elif auth in ("basic", "digest"):
        if not user:
            raise PublishError(f"{auth} authentication needs a user", term="--user")
        if auth == "digest":
            import httpx  # only publishing with --auth digest needs it

            digest = httpx.DigestAuth(user, password or "")
        else:
            headers["Authorization"] = "Basic " + b64encode(f"{user}:{password or ''}".encode("utf-8")).decode()
    return HttpClient("SPARQL 1.1 Graph Store Protocol client", timeout=300.0, connect_timeout=30.0,
                      headers=headers, auth=digest)


def _send(session: HttpClient, method: str, url: str, body: bytes, timeout: float) -> None:
    where = f"{method} {url.split('?')[0]}"
    hint = ("check the URL (e.g. Oxigraph …/store, Fuseki …/DATASET/data, Virtuoso …/sparql-graph-crud-auth) "
            "and the credentials")
    try:
        response = session.request(method, url, body=body, timeout=timeout,
                                   headers={"Content-Type": "application/n-triples"})
    except HttpRedirected as redirect:
        raise PublishError(f"{where} answered HTTP {redirect.status}, a redirect to {redirect.location or '?'} "
                           "that is not followed", hint=hint) from None
    except HttpAuthUnanswerable as error:
        raise PublishError(f"{where} failed: {error.reason}",
                           hint="use --auth basic or bearer if the store allows them") from None
    except HttpError as error:
        raise PublishError(f"{where} failed: {error.reason}",
                           hint="is the store running, and is this its Graph Store Protocol URL?") from None
    if response.status not in (200, 201, 204):
        detail = " ".join(response.text.split())[:300]
        raise PublishError(f"{where} answered HTTP {response.status}" + (f": {detail}" if detail else ""), hint=hint)


def publish(store, to: str, *, session: HttpClient, batch: int = BATCH, timeout: float = 300.0,
            graphs: list[str] | None = None, progress: bool | None = None) -> PublishReport:
    """Send every named graph of ``store`` (an `OxigraphStore`) to the Graph Store at ``to``."""
    import pyoxigraph as ox

    show = progress is not False
    report = PublishReport()
    started = time.monotonic()
    names = graphs if graphs is not None else [str(g) for g in store.graph_names()]
    for name in names:
        target = f"{to}{'&' if '?' in to else '?'}graph={quote(name, safe='')}"
        method, sent, part = "PUT", 0, []
        quads = store.oxigraph_quads(graph=name)
        # blank node labels hold only within one request: a graph with blank nodes goes in one piece
        size = sys.maxsize if store.has_blank_nodes(name) else batch
        while True:
            part.clear()
            for quad in quads:
                part.append(ox.Triple(quad.subject, quad.predicate, quad.object))
                if len(part) >= size:
                    break
            if not part and method == "POST":
                break
            _send(session, method, target, ox.serialize(part, format=ox.RdfFormat.N_TRIPLES), timeout)
            report.requests += 1
            sent += len(part)
            if show:
                log.info("  <%s>: %s triples", name, f"{sent:,}", extra={"progress": True})
            method = "POST"
            if len(part) < size:
                break
        if show:
            log.info("  <%s>: %s triples", name, f"{sent:,}", extra={"progress": "done"})
        report.graphs[name] = sent
    report.seconds = time.monotonic() - started
    return report


__all__ = ["publish", "client_for", "PublishReport", "PublishError", "BATCH"]
