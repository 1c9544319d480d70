"""What a SPARQL update would change in a stored graph, and the validation gate's verdict on that change.

Owns running an update on one scratch pyoxigraph store (never on the served one), reading the added
and removed quads off it, refusing changes to the ontology, the default graph or graphs that do not
exist, and handing the change and its quads (graphs emptied or copied) to the gate
(`kg.validate.validate_graph_change`) with the quads the build derives from it. An update made only of
INSERT DATA / DELETE DATA touches no more than the quads it names, so its scratch store holds just those;
any other update runs on a full copy. It does not read requests, check tokens or apply the change
(`server.update`; the stores' `apply_change`).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from rdflib import Graph

from .namespaces import ECO, ONTOLOGY_GRAPH, PREFIXES
from .rdfio import skolemise_quads
from .settings import Settings
from .stores import ForbiddenQuery, QuerySyntaxError, UnsupportedTerm, oxigraph_quad, rdflib_term, syntax_error, tokenize
from .validate import validate_graph_change


class UpdateRefused(ForbiddenQuery):
    """A well-formed update this service will not run (LOAD, SERVICE, a change to the ontology …)."""


class UpdateSyntaxError(QuerySyntaxError):
    """An update the parser rejects; ``line`` and ``column`` say where."""


@dataclass
class Outcome:
    """What an update would do, worked out away from the served store: the quads and the gate's report."""

    added: list[tuple]
    removed: list[tuple]
    report: object | None


class _Stored:
    """The lookups the change needs in the stored graph: through pyoxigraph's indexes when the store is
    the embedded one, else over every stored quad (read once, only when asked)."""

    def __init__(self, store):
        self.store = store
        self._raw = getattr(store, "_store", None) if hasattr(store, "oxigraph_quads") else None
        self._all = None

    def everything(self) -> list[tuple]:
        if self._all is None:
            self._all = self.store.quads()
        return self._all

    def held(self, quads) -> list:
        """The pyoxigraph ``quads`` the store holds."""
        if self._raw is not None:
            return [q for q in quads if q in self._raw]
        present = {oxigraph_quad(q) for q in self.everything()}
        return [q for q in quads if q in present]

    def copy(self):
        """Every stored quad, as pyoxigraph quads."""
        if self._raw is not None:
            return self.store.oxigraph_quads()
        return [oxigraph_quad(q) for q in self.everything()]

    def graphs_holding(self, triple) -> int:
        """In how many graphs the store holds the rdflib ``triple``."""
        if self._raw is not None:
            quad = oxigraph_quad((*triple, None))
            return sum(1 for _ in self._raw.quads_for_pattern(quad.subject, quad.predicate, quad.object, None))
        return sum(1 for s, p, o, _g in self.everything() if (s, p, o) == triple)

    def contains(self, quad) -> bool:
        if self._raw is not None:
            return oxigraph_quad(quad) in self._raw
        return quad in set(self.everything())


def work_out_change(store, text: str, settings: Settings, owl: bool | str) -> Outcome:
    """Run ``text`` on a scratch store and the gate on the change it makes; ``store`` is only read.

    Meant to run in a sandboxed child (`kg.sandbox.run_isolated`), which also bounds its time.
    """
    stored = _Stored(store)
    added, removed = preview(stored, text, settings)
    if not added and not removed:
        return Outcome([], [], None)
    check_graphs(added, removed, store)
    # the gate reads the served store itself (inherited by a forked child), only around the change
    report = validate_graph_change(*gate_graphs(added, removed, stored), settings, _gate_view(store, stored),
                                   owl=owl, quads=(added, removed))
    if not report.ok:
        report.derived = None
        return Outcome([], [], report)
    # new blank nodes get IRIs, which a later update can delete by, also after a restart
    added = skolemise_quads(added + derived_quads(report.derived, added, stored))
    report.derived = None
    return Outcome(added, removed, report)


def data_only(text: str) -> bool:
    """Whether every operation of the update is INSERT DATA or DELETE DATA (ground quads, no pattern)."""
    tokens = tokenize(text)
    depth = 0
    operations = 0
    for index, token in enumerate(tokens):
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif depth == 0 and token.kind == "word":
            keyword = token.keyword
            if keyword in ("INSERT", "DELETE"):
                if index + 1 >= len(tokens) or tokens[index + 1].keyword != "DATA":
                    return False
                operations += 1
            elif keyword not in ("DATA", "PREFIX", "BASE"):
                return False
    return operations > 0


def _named_quads(text: str, settings: Settings) -> list:
    """Every quad the DATA blocks of ``text`` name, to add or to remove (read by running the update with
    each DELETE DATA turned into INSERT DATA on an empty store)."""
    import pyoxigraph as ox

    chars = list(text)
    tokens = tokenize(text)
    depth = 0
    for token in tokens:
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif depth == 0 and token.keyword == "DELETE":
            chars[token.start:token.end] = list("INSERT")  # the same length: positions stay put
    probe = ox.Store()
    probe.update("".join(chars), base_iri=settings.public_base, prefixes=PREFIXES)
    return list(probe)


def preview(stored: _Stored, text: str, settings: Settings) -> tuple[list[tuple], list[tuple]]:
    """(added quads, removed quads) that ``text`` would make on the stored graph; nothing else is touched.

    The update runs on one scratch pyoxigraph store: for INSERT DATA / DELETE DATA only, holding the
    stored quads the update names; otherwise a full copy of the stored graph.
    """
    import pyoxigraph as ox

    scratch = ox.Store()
    try:
        if data_only(text):
            scratch.extend(stored.held(_named_quads(text, settings)))
        else:
            scratch.extend(stored.copy())
        original = set(scratch)
        scratch.update(text, base_iri=settings.public_base, prefixes=PREFIXES)
    except SyntaxError as exc:
        error = syntax_error(exc)
        raise UpdateSyntaxError(error.message.replace("malformed query", "malformed update", 1),
                                line=error.line, column=error.column) from None
    except OSError as exc:
        raise UpdateRefused(f"the update could not be run: {exc}") from None
    except Exception as exc:  # pyoxigraph reports evaluation errors with several types
        raise UpdateRefused(f"the update could not be run: {type(exc).__name__}: {exc}") from None
    after = set(scratch)
    try:
        return [_quad_terms(q) for q in after - original], [_quad_terms(q) for q in original - after]
    except UnsupportedTerm as error:
        raise UpdateRefused(error.message, term=error.term) from None


def _quad_terms(quad) -> tuple:
    return (rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object),
            rdflib_term(quad.graph_name))


def check_graphs(added: list[tuple], removed: list[tuple], store) -> None:
    """The ontology is changed only by editing ontology/; every triple lives in an existing named graph."""
    local = set(store.graph_names())
    hint = "named graphs: " + ", ".join(f"<{g}>" for g in sorted(local))
    for verb, quads in (("remove", removed), ("add", added)):
        for s, p, o, g in quads:
            if g == ONTOLOGY_GRAPH:
                raise UpdateRefused(f"the update would {verb} ontology axioms in <{g}> ({s.n3()} {p.n3()} {o.n3()}); "
                                    "the ontology is not changed through /update",
                                    hint="propose ontology changes to ontology/eco.ttl, reviewed on their own")
            if g is None:
                raise UpdateRefused(f"the update would {verb} a triple in the default graph ({s.n3()} {p.n3()} "
                                    f"{o.n3()}); every triple of this dataset lives in a named graph",
                                    hint="wrap the triples in GRAPH <…> { … } or use WITH <…>; " + hint)
            if verb == "add" and g not in local:
                raise UpdateRefused(f"the update would create the graph <{g}>; only existing graphs are changed "
                                    "through /update", term=str(g), hint=hint)


def gate_graphs(added: list[tuple], removed: list[tuple], stored: _Stored) -> tuple[Graph, Graph]:
    """The change as the gate sees it (triples of the union graph): every added triple, and the
    removed triples that no graph holds any more."""
    added_graph, removed_graph = Graph(), Graph()
    for s, p, o, _g in added:
        added_graph.add((s, p, o))
    gone = Counter((s, p, o) for s, p, o, _g in removed)
    held = Counter({triple: stored.graphs_holding(triple) for triple in gone})
    for s, p, o, _g in added:
        held[(s, p, o)] += 1
    for triple, count in gone.items():
        if held[triple] <= count:
            removed_graph.add(triple)
    return added_graph, removed_graph


def _gate_view(store, stored: _Stored):
    """The stored graph as the gate reads it: the store's own pyoxigraph store when it has one."""
    from .gate.view import StoredGraph

    try:
        return StoredGraph.of(store)
    except TypeError:
        return StoredGraph.from_quads(stored.everything())


def derived_quads(derived, added: list[tuple], stored: _Stored) -> list[tuple]:
    """The triples the build derives from an accepted change (a claim's evidence selectors, its
    attribution), as quads in the graph the claim went into, leaving out what is already stored."""
    if not derived:
        return []
    claim_graphs = sorted({g for _s, p, _o, g in added if p == ECO.quote and g is not None}, key=str)
    if not claim_graphs:
        return []
    graph = claim_graphs[0]
    new = set(added)
    return [(s, p, o, graph) for s, p, o in derived
            if (s, p, o, graph) not in new and not stored.contains((s, p, o, graph))]


__all__ = ["Outcome", "UpdateRefused", "UpdateSyntaxError", "work_out_change", "preview", "data_only",
           "check_graphs", "gate_graphs", "derived_quads"]
