"""The gate's change stage on its own (`validate_graph_change` with the change's quads): what an update takes
away is judged first, against the stored graph; ordinary edits pass it. Over HTTP: tests/server/."""
from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.namespace import RDFS

from kg.namespaces import BACKGROUND_GRAPH, ENTITIES_GRAPH, ID, INFERRED_GRAPH
from kg.validate import validate_graph_change


def graph_quads(base, graph) -> list[tuple]:
    return [q for q in base.view.quads() if q[3] == graph]


def triples(quads) -> Graph:
    graph = Graph()
    for s, p, o, _g in quads:
        graph.add((s, p, o))
    return graph


def rules(report) -> set[str]:
    return {p.rule_id() for p in report.problems}


def test_removing_the_only_label_of_a_described_entity_is_rejected_first(settings, gate_base):
    label = (ID.Azerbaijan, RDFS.label, Literal("Azerbaijan", lang="en"))
    assert gate_base.holds(label)
    removed = Graph()
    removed.add(label)
    report = validate_graph_change(Graph(), removed, settings, gate_base, owl=False)
    assert report.failed_stage == "change" and rules(report) == {"change/label-removed"}
    (problem,) = report.problems
    assert problem.node == "ecoid:Azerbaijan" and problem.property == "rdfs:label" and "Azerbaijan" in problem.message


def test_a_label_replaced_passes_the_change_stage(settings, gate_base):
    removed, added = Graph(), Graph()
    removed.add((ID.Azerbaijan, RDFS.label, Literal("Azerbaijan", lang="en")))
    added.add((ID.Azerbaijan, RDFS.label, Literal("Republic of Azerbaijan", lang="en")))
    report = validate_graph_change(added, removed, settings, gate_base, owl=False,
                                   quads=([(*t, ENTITIES_GRAPH) for t in added], [(*t, ENTITIES_GRAPH) for t in removed]))
    assert report.ok, report.problems
    assert [s.status for s in report.stages if s.name == "change"] == ["passed"]


def test_a_graph_emptied_is_rejected_with_its_size(settings, gate_base):
    removed = graph_quads(gate_base, BACKGROUND_GRAPH)
    report = validate_graph_change(Graph(), triples(removed), settings, gate_base, owl=False, quads=([], removed))
    assert report.failed_stage == "change"
    (problem,) = [p for p in report.problems if p.rule == "graph-emptied"]
    assert problem.node == "graph:background" and f"{len(removed)} of {len(removed)}" in problem.message
    assert [s.status for s in report.stages][report.stages.index(next(s for s in report.stages
                                                                       if s.name == "change")) + 1:] == ["skipped"] * 5


def test_most_of_a_graph_removed_is_rejected_but_a_little_is_not(settings, gate_base):
    stored = graph_quads(gate_base, BACKGROUND_GRAPH)
    most = stored[: len(stored) // 2 + 1]
    report = validate_graph_change(Graph(), triples(most), settings, gate_base, owl=False, quads=([], most))
    assert any(p.rule == "graph-emptied" and "most of the triples" in p.message for p in report.problems)


def test_a_graph_copied_into_another_is_rejected(settings, gate_base):
    added = [(s, p, o, BACKGROUND_GRAPH) for s, p, o, _g in graph_quads(gate_base, ENTITIES_GRAPH)]
    report = validate_graph_change(triples(added), Graph(), settings, gate_base, owl=False, quads=(added, []))
    assert report.failed_stage == "change" and rules(report) == {"change/graph-copied"}
    assert report.problems[0].value == "graph:entities" and report.problems[0].node == "graph:background"


def test_a_triple_stated_again_in_another_graph_is_rejected_unless_only_inferred(settings, gate_base):
    (label,) = [q for q in graph_quads(gate_base, ENTITIES_GRAPH) if q[:2] == (ID.Azerbaijan, RDFS.label)]
    added = [(*label[:3], BACKGROUND_GRAPH)]
    report = validate_graph_change(triples(added), Graph(), settings, gate_base, owl=False, quads=(added, []))
    assert rules(report) == {"change/triple-duplicated"} and "graph:entities already holds" in report.problems[0].message

    inferred = graph_quads(gate_base, INFERRED_GRAPH)[0]
    added = [(*inferred[:3], ENTITIES_GRAPH)]
    report = validate_graph_change(triples(added), Graph(), settings, gate_base, owl=False, quads=(added, []))
    assert not {r for r in rules(report) if r.startswith("change/")}
