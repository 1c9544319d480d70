"""The OWL stage's OWL 2 RL check: for every rule that derives false, a graph that conforms and one that
violates it (tests/validate/data/owl-rl/RULE.conforms.ttl, RULE.violates.ttl); the seed graph is consistent;
the gate rejects an inconsistent change at stage owl with the explanation."""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

from kg.gate.owl_rl import check_rl_consistency
from kg.validate import validate_files

from gate_fixtures import fixture_path

DATA = Path(__file__).parent / "data" / "owl-rl"
RULES = sorted({p.name.split(".")[0] for p in DATA.glob("*.ttl")})
_SCHEMA = {RDFS.subClassOf, RDFS.range, RDFS.domain, OWL.disjointWith, OWL.complementOf, OWL.propertyDisjointWith,
           OWL.onProperty, OWL.onClass, OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.members, RDF.first,
           RDF.rest}


def _split(path: Path) -> tuple[list, list]:
    """(axioms, data) of a fixture: schema triples and declarations apart from assertions."""
    graph = Graph().parse(path)
    axioms, data = [], []
    for s, p, o in graph:
        schema = p in _SCHEMA or (p == RDF.type and str(o).startswith(str(OWL)) and o not in (
            OWL.NegativePropertyAssertion, OWL.AllDifferent))
        (axioms if schema else data).append((s, p, o))
    return axioms, data


def _rule_of(rule: str) -> str:
    return rule.split("-by-")[0].replace("-literal", "")


@pytest.mark.parametrize("rule", RULES)
def test_violating_graph_is_inconsistent_by_its_rule(rule):
    report = check_rl_consistency(*_split(DATA / f"{rule}.violates.ttl"))
    assert not report.consistent
    assert _rule_of(rule) in {f.rule for f in report.findings}, [f.sentence for f in report.findings]
    assert all(f"[OWL 2 RL {f.rule}]" in f.sentence for f in report.findings)


@pytest.mark.parametrize("rule", RULES)
def test_conforming_graph_is_consistent(rule):
    report = check_rl_consistency(*_split(DATA / f"{rule}.conforms.ttl"))
    assert report.consistent, [f.sentence for f in report.findings]


def test_a_projects_names_are_unique_names_too():
    # the same violation with the individuals named in a project's namespace instead of ECO-KG's id/
    project = "https://example.org/speeches/"
    axioms, data = _split(DATA / "prp-fp.violates.ttl")
    moved = [tuple(type(t)(str(t).replace("https://w3id.org/eco-kg/id/", project + "id/"))
                   if str(t).startswith("https://w3id.org/eco-kg/id/") else t for t in triple) for triple in data]
    assert check_rl_consistency(axioms, moved).consistent  # ECO-KG's names only: two IRIs may be one thing
    report = check_rl_consistency(axioms, moved, named=("https://w3id.org/eco-kg/id/", project))
    assert not report.consistent and {f.rule for f in report.findings} == {"prp-fp"}


@pytest.mark.slow
def test_the_seed_graph_is_consistent_under_owl_rl(dataset):
    from kg.gate.owl_rl import logical_axioms
    from kg.namespaces import ONTOLOGY_GRAPH

    ontology = dataset.graph(ONTOLOGY_GRAPH)
    data = [(s, p, o) for s, p, o, g in dataset.quads((None, None, None, None)) if g != ONTOLOGY_GRAPH]
    report = check_rl_consistency(logical_axioms(ontology), data)
    assert report.consistent, [f.sentence for f in report.findings][:5]


def test_gate_explains_a_disjointness_with_the_triples_that_type_the_node(settings, gate_base):
    report = validate_files([fixture_path("disjoint-classes.ttl", None)], settings, owl="rl", base=gate_base)
    assert report.failed_stage == "owl" and report.exit_code == 1
    message = report.problems[0].message
    assert message.startswith("the change makes the graph inconsistent: ecoid:Gwadar is both eco:Port and eco:Region, "
                              "which the ontology declares disjoint "
                              "[OWL 2 RL cax-adc]"), message
    assert "eco:Port (asserted: ecoid:Gwadar a eco:Port)" in message, message
    assert report.problems[0].line is not None
