"""Stage change: what an update takes away, judged on its quads and the stored graph, before anything else.

Owns the rules a file cannot break (a file only adds): a named graph emptied or mostly removed (DROP, CLEAR,
MOVE, DELETE WHERE), one graph's triples copied into another (ADD, COPY, MOVE, INSERT … WHERE), triples
put into a graph while another still holds them, a node that keeps its description but loses its last
rdfs:label. Which graphs may be changed at all (the ontology, new graphs) is `kg.updates`'.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from rdflib.namespace import RDFS

from ..namespaces import INFERRED_GRAPH
from ..terms import short
from .context import Base, Change
from .report import Problem

STAGE = "change"

#: a graph of at least this many triples counts as gutted (or copied) when more than half of it goes (or
#: goes into another graph); a smaller one only when all of it does
MOST_FROM = 10
#: graphs whose triples may be stated again elsewhere: what the build entails is also what a writer may assert
RESTATABLE = frozenset({INFERRED_GRAPH})


def check_change(change: Change, base: Base, quads: tuple[list, list] | None) -> list[Problem]:
    """The problems of ``change`` (its triples, the union graph's view) and of ``quads`` ((added, removed)
    quads with their graphs, when the change was made by an update), against the stored graph."""
    problems = []
    if quads is not None:  # first: one problem for a whole graph tells more than many about its nodes
        added, removed = quads
        problems += _graphs_emptied(added, removed, base) + _graphs_copied(added, removed, base)
    return problems + _labels_removed(change, base)


def _most(part: int, whole: int) -> bool:
    return part >= whole if whole < MOST_FROM else 2 * part > whole


def _graph_name(graph) -> str:
    return short(graph)


def _labels_removed(change: Change, base: Base) -> list[Problem]:
    """Nodes whose last rdfs:label the change removes while the graph goes on describing them."""
    problems = []
    losing = defaultdict(list)
    for s, p, o in change.removed:
        if p == RDFS.label:
            losing[s].append(o)
    for node in sorted(losing, key=str):
        if (node, RDFS.label, None) in change.graph:
            continue
        # what the build entails about a node does not keep it described: it goes with the statements it came from
        kept = [(p, o) for _s, p, o, g in base.view.quads(node, None, None)
                if (node, p, o) not in change.removed and g not in RESTATABLE]
        if any(p == RDFS.label for p, _o in kept) or not (kept or (node, None, None) in change.graph):
            continue  # still labelled, or described no more (references to it are the graph stage's)
        labels = ", ".join(sorted(_show(o) for o in losing[node]))
        problems.append(change.problem(
            STAGE, "label-removed", f"{short(node)} would be left without an rdfs:label (removed: {labels}) while "
            f"the graph still describes it with {len(kept)} other triple(s)", node=node, prop=RDFS.label,
            value=min(losing[node], key=str),
            hint="replace the label in the same update (DELETE { … } INSERT { … new label … } WHERE { … }), "
                 "or remove the node's whole description and the references to it"))
    return problems


def _show(term) -> str:
    language = getattr(term, "language", None)
    return f'"{term}"@{language}' if language else short(term)


def _graphs_emptied(added: list, removed: list, base: Base) -> list[Problem]:
    """Graphs the change removes all, or most, of the triples of."""
    problems = []
    taken = Counter(g for *_triple, g in removed if g is not None)
    put = Counter(g for *_triple, g in added if g is not None)
    for graph in sorted(taken, key=str):
        gone = taken[graph]
        size = base.view.count_in(graph, stop=2 * gone + 1)  # enough to tell "most" from "some"
        if not _most(gone, size):
            continue
        whole = "all" if gone >= size else "most"
        refill = f", putting {put[graph]:,} other triple(s) in their place" if put[graph] else ""
        problems.append(Problem(
            STAGE, "graph-emptied", f"the update would remove {whole} of the triples of the curated graph "
            f"{_graph_name(graph)} ({gone:,} of {size:,}{refill}); DROP, CLEAR, MOVE and sweeping deletes of a "
            "curated graph are not made through /update", node=_graph_name(graph), value=f"{gone}",
            hint="remove the triples that are wrong, one by one or by a pattern that names them; a graph is "
                 "rebuilt from seeds/ by `ecokg build`, not emptied on the server"))
    return problems


def _graphs_copied(added: list, removed: list, base: Base) -> list[Problem]:
    """Triples the change puts into one graph that another held before: a whole graph copied (ADD, COPY,
    MOVE), or triples stated again while the graph that holds them keeps them."""
    gone = {(s, p, o, g) for s, p, o, g in removed}
    copied: dict = defaultdict(Counter)  # target graph -> source graph -> triples of it put into the target
    still: dict = defaultdict(Counter)   # the same, for sources that keep the triple
    example: dict = {}
    for s, p, o, target in added:
        for _s, _p, _o, source in base.view.quads(s, p, o):
            if source is None or source == target:
                continue
            copied[target][source] += 1
            if (s, p, o, source) not in gone and source not in RESTATABLE:
                still[target][source] += 1
                example.setdefault((target, source), (s, p, o))
    problems = []
    for target in sorted(copied, key=str):
        for source in sorted(copied[target], key=str):
            count = copied[target][source]
            size = base.view.count_in(source, stop=2 * count + 1)
            if _most(count, size):
                problems.append(Problem(
                    STAGE, "graph-copied", f"the update would copy {'all' if count >= size else 'most'} of the "
                    f"curated graph {_graph_name(source)} ({count:,} of {size:,} triples) into "
                    f"{_graph_name(target)}; ADD, COPY and MOVE between curated graphs are not made through /update",
                    node=_graph_name(target), value=_graph_name(source),
                    hint=f"each triple lives in the one graph of its kind: add to {_graph_name(target)} only the new "
                         "triples that belong there"))
            elif still[target][source]:
                s, p, o = example[(target, source)]
                problems.append(Problem(
                    STAGE, "triple-duplicated", f"the update would put {still[target][source]:,} triple(s) into "
                    f"{_graph_name(target)} that {_graph_name(source)} already holds (e.g. {short(s)} {short(p)} "
                    f"{_show(o)})", node=_graph_name(target), property=short(p), value=_graph_name(source),
                    hint=f"leave out what {_graph_name(source)} already says, or move it: delete it there in the "
                         "same update"))
    return problems
