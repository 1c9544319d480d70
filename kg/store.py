"""The store interface and its embedded backends.

Owns one small interface (`Store`) that the server and the library query through, the embedded
default (pyoxigraph, fast) and the rdflib backend, and `open_store` that picks one from `Settings`.
Results come back as `QueryResult` holding rdflib terms, whatever the backend. It does not speak
HTTP (`server.protocol`) and does not build the dataset (`kg.build`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Protocol, Sequence

from rdflib import Graph
from rdflib.term import Node, URIRef

from .settings import Settings


@dataclass
class QueryResult:
    """A backend-neutral SPARQL result.

    ``form`` is "SELECT", "ASK", "CONSTRUCT" or "DESCRIBE". For SELECT, ``variables`` names the
    columns and ``rows`` holds tuples of rdflib terms (None where unbound). For ASK, ``boolean``.
    For CONSTRUCT/DESCRIBE, ``graph`` is an rdflib Graph. ``truncated`` is true when the row
    limit cut the answer.
    """

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    truncated: bool = False


class Store(Protocol):
    """What every backend offers. Implementations must be safe to call from several threads."""

    name: str

    def query(self, sparql: str, *, default_graph_uris: Sequence[str] = (),
              named_graph_uris: Sequence[str] = (), base_iri: str | None = None,
              timeout: float | None = None, row_limit: int | None = None) -> QueryResult: ...

    def graph_names(self) -> list[URIRef]: ...

    def __len__(self) -> int: ...


def open_store(settings: Settings, dataset=None) -> Store:
    """Open the configured backend, loaded with the built dataset (built first if needed)."""
    raise NotImplementedError("store backends are provided by kg.store implementations")


__all__ = ["QueryResult", "Store", "open_store"]
