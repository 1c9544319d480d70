"""rdflib's own SPARQL engine as a store: slower, a reference the embedded store is compared with.
"""
from __future__ import annotations

import threading
from typing import Iterable

import rdflib.plugins.sparql
from rdflib import Dataset, URIRef

from ..errors import QueryError, StoreError
from ..namespaces import PREFIXES
from ..settings import Settings
from .base import _PooledStore, _result_graph, limited
from .interface import QuadTerms, QueryResult, QuerySyntaxError
from .query_text import syntax_error
from .service import ServiceClient

class RdflibStore(_PooledStore):
    """rdflib's own SPARQL engine over a `Dataset` with a union default graph. Slower; a reference."""

    name = "rdflib"

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
            self._changed()  # workers forked before hold the old dataset

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

    def _parse_only(self, text: str, base: str | None) -> None:
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
                rows, truncated = limited(result, row_limit, cancelled)
                return QueryResult("SELECT", [str(v) for v in result.vars], [tuple(row) for row in rows],
                                   truncated=truncated, row_limit=row_limit)
            triples, truncated = limited(result.graph, row_limit, cancelled)
            graph = _result_graph()
            for triple in triples:
                graph.add(triple)
            return QueryResult(result.type, graph=graph, truncated=truncated, row_limit=row_limit)
        except QueryError:
            raise
        except Exception as exc:
            raise StoreError(f"the query could not be evaluated: {type(exc).__name__}: {exc}") from None


_RDFLIB_DEFAULT = URIRef("urn:x-rdflib:default")


