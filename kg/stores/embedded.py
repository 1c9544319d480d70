"""The embedded default store: pyoxigraph, in memory or on disk, queried in sandboxed worker processes.

Owns `OxigraphStore` and converting rdflib terms to pyoxigraph's (the other way is `kg.terms.rdflib_term`). It
does not build the dump (`kg.build`) or choose the backend (`kg.stores.open_store`).
"""
from __future__ import annotations

import threading
from typing import Iterable

from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import XSD

from ..errors import QueryError, StoreError
from ..namespaces import PREFIXES
from ..settings import Settings
from ..terms import rdflib_term
from .base import _PooledStore, _parse_with_oxigraph, _result_graph, limited
from .interface import QuadTerms, QueryResult, UnsupportedTerm
from .query_text import syntax_error
from .service import ServiceClient

#: bytes the IRIs converted to rdflib terms may keep (counted from their length): long IRIs cannot grow it past this
TERM_CACHE_BYTES = 32 * 2**20
_TERM_OVERHEAD = 200  # the two objects and the dictionary entry


class OxigraphStore(_PooledStore):
    """pyoxigraph's store, in memory or on disk: named graphs kept, queries see their union as the default graph.

    Give one of ``nquads_path`` (the built dump, plus ``data_paths``, bulk files streamed in beside it),
    ``dataset`` (an rdflib Dataset) or ``opened`` (a pyoxigraph Store already loaded, e.g. on disk).
    """

    name = "oxigraph"
    writes_results = True  # answers are written by pyoxigraph in the worker (see `_BaseStore.query`)

    def __init__(self, settings: Settings, *, nquads_path=None, dataset: Dataset | None = None,
                 opened=None, data_paths=(), service_client: ServiceClient | None = None):
        import pyoxigraph as ox

        self._ox = ox
        super().__init__(settings, service_client=service_client)
        self._store = opened if opened is not None else ox.Store()
        self.on_disk = opened is not None and settings.store_path is not None and not settings.store_read_only
        if nquads_path is not None:
            self._store.bulk_load(path=str(nquads_path), format=ox.RdfFormat.N_QUADS)
        elif dataset is not None:
            self._store.bulk_load(input=dataset.serialize(format="nquads").encode("utf-8"),
                                  format=ox.RdfFormat.N_QUADS)
        if data_paths:
            from .bulk import load_files

            load_files(self._store, data_paths)
        self._terms: dict = {}
        self._terms_bytes = 0
        self._write_lock = threading.Lock()

    def oxigraph_quads(self, graph: str | None = None):
        """The stored quads as pyoxigraph terms, streamed (of one named graph with ``graph``)."""
        name = self._ox.NamedNode(graph) if graph is not None else None
        return self._store.quads_for_pattern(None, None, None, name)

    def has_blank_nodes(self, graph: str) -> bool:
        """Whether the named graph holds a blank node (as subject or object)."""
        for quad in self._store.quads_for_pattern(None, None, None, self._ox.NamedNode(graph)):
            if isinstance(quad.subject, self._ox.BlankNode) or isinstance(quad.object, self._ox.BlankNode):
                return True
        return False

    def close(self) -> None:
        """Stop the workers and release the store (an on-disk store's lock with it)."""
        super().close()
        if self.on_disk:
            self._store.flush()
        self._store = None

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

        The change is one SPARQL update (one transaction, durable on disk); queries already running
        in workers finish on the content they were forked with. A change holding blank nodes, which
        DELETE DATA cannot name, is made on a copy that then replaces the served (in-memory) store.
        """
        ox = self._ox
        removing = [oxigraph_quad(q) for q in removed]
        adding = [oxigraph_quad(q) for q in added]
        if not any(isinstance(term, ox.BlankNode) for quad in removing for term in quad):
            operations = []
            if removing:
                operations.append("DELETE DATA { " + " ".join(_quad_text(q) for q in removing) + " }")
            if adding:
                operations.append("INSERT DATA { " + " ".join(_quad_text(q) for q in adding) + " }")
            with self._write_lock:
                if operations:
                    self._store.update(" ;\n".join(operations))
                    if self.on_disk:
                        self._store.flush()
                self._changed()
            return
        if self.on_disk:
            with self._write_lock:
                for quad in removing:
                    self._store.remove(quad)
                self._store.extend(adding)
                self._store.flush()
                self._changed()
            return
        with self._write_lock:
            fresh = ox.Store()
            fresh.bulk_load(input=self._store.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
            for quad in removing:
                fresh.remove(quad)
            fresh.extend(adding)
            self._store = fresh
            self._changed()  # workers forked before the change still hold the old content

    def _term(self, term):
        if term is None:
            return None
        if isinstance(term, self._ox.NamedNode):  # IRIs repeat: kept within TERM_CACHE_BYTES
            value = term.value
            cached = self._terms.get(value)
            if cached is None:
                size = 2 * len(value) + _TERM_OVERHEAD  # the key and the URIRef each hold the text
                if self._terms_bytes + size > TERM_CACHE_BYTES:
                    self._terms.clear()
                    self._terms_bytes = 0
                cached = self._terms[value] = URIRef(value)
                self._terms_bytes += size
            return cached
        return rdflib_term(term, rdf12_as_text=True)

    def _options(self, default_graphs, named_graphs, base) -> dict:
        ox = self._ox
        options = {"base_iri": base, "prefixes": PREFIXES}
        if default_graphs is None:
            options["use_default_graph_as_union"] = True
        else:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs] or [ox.DefaultGraph()]
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        return options

    def _parse_only(self, text: str, base: str | None) -> None:
        _parse_with_oxigraph(text, base)

    def _evaluate(self, text, form, *, default_graphs, named_graphs, base, row_limit, cancelled,
                  result_format: str | None = None) -> QueryResult:
        ox = self._ox
        try:
            answer = self._store.query(text, **self._options(default_graphs, named_graphs, base))
            if isinstance(answer, ox.QueryBoolean) or isinstance(answer, bool):
                # one boolean: written by `kg.results`, whose CSV/TSV carry the `_askResult` column clients read
                return QueryResult("ASK", boolean=bool(answer), row_limit=row_limit)
            if isinstance(answer, ox.QuerySolutions):
                written = ox.QueryResultsFormat.from_media_type(result_format) if result_format else None
                if written is not None:
                    return self._written_solutions(answer, written, result_format, row_limit, cancelled)
                return self._solutions(answer, row_limit, cancelled)
            written = ox.RdfFormat.from_media_type(result_format) if result_format else None
            if written in _WRITTEN_GRAPH_FORMATS:
                return self._written_triples(answer, form, written, result_format, row_limit, cancelled)
            return self._triples(answer, form, row_limit, cancelled)
        except SyntaxError as exc:
            raise syntax_error(exc) from None
        except ValueError as exc:  # pyoxigraph: a term it cannot make (an IRI, a literal)
            raise QueryError(f"the query could not be evaluated: {exc}") from None
        except RuntimeError as exc:  # pyoxigraph: a well-formed query it cannot evaluate (a custom function)
            raise QueryError(f"the query could not be evaluated: {exc}") from None
        except OSError as exc:
            raise StoreError(f"the query could not be evaluated: {exc}") from None

    def _solutions(self, answer, row_limit: int, cancelled) -> QueryResult:
        variables = [v.value for v in answer.variables]
        solutions, truncated = limited(answer, row_limit, cancelled)
        term = self._term
        rows = [tuple(term(value) for value in solution) for solution in solutions]
        return QueryResult("SELECT", variables, rows, truncated=truncated, row_limit=row_limit)

    def _written_solutions(self, answer, written, media_type: str, row_limit: int, cancelled) -> QueryResult:
        """SELECT results written by pyoxigraph's own serialiser, cut at the row limit.

        The solutions are first taken as SPARQL TSV (a term's text is already its TSV form), so the
        row limit can be applied, then handed to the serialiser of the wanted format.
        """
        ox = self._ox
        variables = [v.value for v in answer.variables]
        solutions, truncated = limited(answer, row_limit, cancelled)
        lines = ["\t".join("?" + name for name in variables)]
        lines += ["\t".join("" if value is None else str(value) for value in solution) for solution in solutions]
        lines.append("")
        table = "\n".join(lines).encode("utf-8")
        if written == ox.QueryResultsFormat.TSV:
            payload = table
        else:
            payload = ox.parse_query_results(table, format=ox.QueryResultsFormat.TSV).serialize(format=written)
        return QueryResult("SELECT", variables, truncated=truncated, row_limit=row_limit, payload=payload,
                           payload_type=media_type)

    def _triples(self, answer, form: str, row_limit: int, cancelled) -> QueryResult:
        triples, truncated = limited(answer, row_limit, cancelled)
        graph = _result_graph()
        term = self._term
        for triple in triples:
            graph.add((term(triple.subject), term(triple.predicate), term(triple.object)))
        return QueryResult(form if form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT", graph=graph,
                           truncated=truncated, row_limit=row_limit)

    def _written_triples(self, answer, form: str, written, media_type: str, row_limit: int,
                         cancelled) -> QueryResult:
        """CONSTRUCT/DESCRIBE results written by pyoxigraph's serialiser, with the prefixes they use."""
        ox = self._ox
        triples, truncated = limited(answer, row_limit, cancelled)
        if written == ox.RdfFormat.N_QUADS:
            written = ox.RdfFormat.N_TRIPLES  # a graph's N-Triples are N-Quads in the default graph
        prefixes = _used_prefixes(triples) if written in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
        payload = ox.serialize(triples, format=written, prefixes=prefixes)
        return QueryResult(form if form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT", truncated=truncated,
                           row_limit=row_limit, payload=payload, payload_type=media_type)


_NAMESPACE_PREFIXES = {namespace: prefix for prefix, namespace in PREFIXES.items()}


def _used_prefixes(triples) -> dict[str, str]:
    """The declared prefixes whose namespace some IRI in ``triples`` (or a literal's datatype) uses."""
    import pyoxigraph as ox

    used = {}
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.Literal):
                term = term.datatype
            if isinstance(term, ox.NamedNode):
                iri = term.value
                namespace = iri[:max(iri.rfind("/"), iri.rfind("#")) + 1]
                prefix = _NAMESPACE_PREFIXES.get(namespace)
                if prefix is not None:
                    used[prefix] = namespace
    return used


def _written_graph_formats() -> frozenset:
    import pyoxigraph as ox

    # JSON-LD and RDF/XML keep rdflib's writers: their compacted / abbreviated output is what clients know
    return frozenset({ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG})


_WRITTEN_GRAPH_FORMATS = _written_graph_formats()



def _quad_text(quad) -> str:
    """One quad as SPARQL data: ``GRAPH <g> { s p o . }`` (pyoxigraph terms print as N-Triples terms)."""
    import pyoxigraph as ox

    triple = f"{quad.subject} {quad.predicate} {quad.object} ."
    if isinstance(quad.graph_name, ox.DefaultGraph):
        return triple
    return f"GRAPH {quad.graph_name} {{ {triple} }}"


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




