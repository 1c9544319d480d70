"""Running pySHACL: the one place its options are decided.

Owns `run_shacl`, which the gate's SHACL stage (`kg.gate.shacl`) and the whole-graph check
(`kg.checks`) both call, so a node is judged the same way wherever it is validated. What the
shapes say is `ontology/shapes.ttl` (and `kg.gate.shacl.derived_shapes`); reading the results
into problems is each caller's.
"""
from __future__ import annotations

from collections.abc import Iterable

from rdflib import Graph

#: the options every validation uses, and why:
#: - inference "none": the data already holds what the build derives (evidence, attribution); an RDFS
#:   or OWL closure would check the reasoner's output rather than what was written. ``sh:class`` still
#:   sees subclasses through the ontology's rdfs:subClassOf triples, which are in the data (the stored
#:   dataset's graph/ontology) or given as ``ontology``.
#: - advanced off: the shapes use SHACL Core only (tests/test_shapes.py checks that), and SHACL-AF
#:   would make pySHACL copy the whole data graph before every run.
#: - every problem, not the first: a person fixes a file in one pass.
#: - warnings and infos do not make the data fail: only sh:Violation does.
OPTIONS = {"inference": "none", "advanced": False, "abort_on_first": False, "allow_warnings": True,
           "allow_infos": True}


def load() -> None:
    """Import pySHACL now (a process that forks checkers imports it once, before the first fork)."""
    import pyshacl  # noqa: F401


def run_shacl(data: Graph, shapes: Graph, *, ontology: Graph | None = None,
              focus_nodes: Iterable | None = None) -> tuple[bool, Graph]:
    """Validate ``data`` against ``shapes``; return (conforms, the validation report graph).

    ``ontology`` is mixed into a copy of ``data`` (``data`` itself is never changed); ``focus_nodes``
    limits the run to those nodes, so that its cost grows with a change rather than with the graph.
    """
    from pyshacl import validate

    extra = {} if focus_nodes is None else {"focus_nodes": list(focus_nodes)}
    conforms, report, _text = validate(data, shacl_graph=shapes, ont_graph=ontology, **OPTIONS, **extra)
    return bool(conforms), report


__all__ = ["OPTIONS", "run_shacl"]
