"""Every SHACL shape has one conforming and one violating fixture (tests/shapes/), and the built graph conforms."""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from kg.checks import shacl_check, shacl_results, shape_name
from kg.rdfio import parse_file
from kg.settings import Settings

FIXTURES = Path(__file__).parent / "shapes"
SETTINGS = Settings()
SHAPES_GRAPH = parse_file(SETTINGS.ontology_dir / "shapes.ttl")
ONTOLOGY = Graph()
for path in sorted(SETTINGS.ontology_dir.glob("*.ttl")):
    if path.name != "shapes.ttl":
        parse_file(path, ONTOLOGY)
NODE_SHAPES = sorted(str(s).rsplit("/", 1)[-1] for s in SHAPES_GRAPH.subjects(RDF.type, SH.NodeShape))


def validate_fixture(shape: str, kind: str) -> tuple[bool, list[dict]]:
    data = parse_file(FIXTURES / f"{shape}.{kind}.ttl")
    conforms, results = shacl_results(data, SHAPES_GRAPH, ONTOLOGY)
    # only this shape's verdict matters: a fixture is minimal, other shapes may well fire on it
    own = [r for r in results if shape_name(r["shape"], SHAPES_GRAPH) == shape]
    return not own, own


def test_every_node_shape_has_both_fixtures():
    missing = [f"{s}.{k}.ttl" for s in NODE_SHAPES for k in ("conforms", "violates")
               if not (FIXTURES / f"{s}.{k}.ttl").exists()]
    assert not missing
    assert len(NODE_SHAPES) >= 20


@pytest.mark.parametrize("shape", NODE_SHAPES)
def test_conforming_fixture_conforms(shape):
    conforms, own = validate_fixture(shape, "conforms")
    assert conforms, [r["message"] for r in own]


@pytest.mark.parametrize("shape", NODE_SHAPES)
def test_violating_fixture_violates_its_shape(shape):
    conforms, own = validate_fixture(shape, "violates")
    assert not conforms
    assert all(r["focus"] is not None for r in own)


def test_shapes_cover_every_project_class_the_data_uses(dataset):
    from kg.namespaces import ECO

    used = {o for o in dataset.objects(None, RDF.type) if isinstance(o, URIRef) and str(o).startswith(str(ECO))}
    targeted = set(SHAPES_GRAPH.objects(None, SH.targetClass))
    superclasses = {}
    from rdflib.namespace import RDFS
    for cls in used:
        chain = set(ONTOLOGY.transitive_objects(cls, RDFS.subClassOf))
        superclasses[cls] = chain
    uncovered = sorted(str(c) for c, chain in superclasses.items() if not chain & targeted)
    assert uncovered == []


@pytest.mark.slow
def test_built_graph_conforms(dataset, settings):
    report = shacl_check(dataset, settings)
    assert report.conforms, report.summary()


@pytest.mark.slow
def test_a_claim_without_evidence_is_reported(dataset, settings):
    from rdflib import Dataset

    from kg.namespaces import CLAIM, ECO

    broken = Dataset()
    for quad in dataset.quads((None, None, None, None)):
        if quad[0] == CLAIM["pk-receptive-thematic-working-groups"] and quad[1] == ECO.hasEvidence:
            continue
        broken.add(quad)
    report = shacl_check(broken, settings)
    assert not report.conforms
    assert any("pk-receptive-thematic-working-groups" in p and "evidence" in p for p in report.problems)


#: SHACL Advanced Features terms; `kg.shacl.run_shacl` leaves advanced mode off, so a shape using
#: one of them would be ignored without a word
SHACL_AF = {SH.rule, SH.target, SH.expression, SH.condition, SH.SPARQLRule, SH.TripleRule, SH.SPARQLTarget,
            SH.SPARQLTargetType, SH.SPARQLFunction, SH.Function, SH.JSTarget, SH.JSRule}


def test_the_shapes_use_shacl_core_only():
    used = {term for triple in SHAPES_GRAPH for term in triple if term in SHACL_AF}
    assert used == set()
