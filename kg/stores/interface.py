"""The store interface: `Store`, `QueryResult`, and the errors every backend raises.

Owns what callers of any backend see; it does not evaluate (the backends) or speak HTTP (`server`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

from rdflib import Graph, URIRef
from rdflib.term import Node

from ..errors import QueryError, StoreError, UnsupportedTerm  # noqa: F401  (the stores and kg.updates import it here)

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
    limit cut the answer. ``row_limit`` is the limit that applied. ``payload`` is the answer already
    written in the media type ``payload_type`` (the embedded store writes it with pyoxigraph when asked;
    ``rows`` and ``graph`` are then empty).
    """

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    truncated: bool = False
    row_limit: int | None = None
    payload: bytes | None = None
    payload_type: str | None = None


class Store(Protocol):
    """What every backend offers. Implementations must be safe to call from several threads."""

    name: str

    def query(self, sparql: str, *, default_graph_uris: Sequence[str] = (),
              named_graph_uris: Sequence[str] = (), base_iri: str | None = None,
              timeout: float | None = None, row_limit: int | None = None,
              result_format: str | None = None, deadline: float | None = None) -> QueryResult: ...

    def analyse(self, sparql: str, *, base_iri: str | None = None, deadline: float | None = None): ...

    def graph_names(self) -> list[URIRef]: ...

    def __len__(self) -> int: ...

    # Backends that can be changed (the embedded ones) also offer `quads()` and `apply_change()`.


#: one quad as rdflib terms; the graph is None for the default graph
QuadTerms = tuple[Node, URIRef, Node, "URIRef | None"]


