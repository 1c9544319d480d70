"""The synthetic data of the scale benchmarks has the shapes the real data has: the copies pass SHACL."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.namespace import RDF

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from synthetic import generate  # noqa: E402

pytestmark = pytest.mark.slow  # SHACL over twice the graph

ECO = "https://w3id.org/eco-kg/ontology/"


def test_synthetic_copies_pass_the_shapes_beside_the_real_data(settings, built, tmp_path):
    import pyshacl

    out = tmp_path / "synthetic.nq.gz"
    written = generate(5000, out, settings.build_dir / "eco-kg.nq")
    assert written >= 5000
    dataset = Dataset(default_union=True)
    dataset.parse(settings.build_dir / "eco-kg.nq", format="nquads")
    dataset.parse(__import__("gzip").open(out), format="nquads")
    union = Graph()
    for triple in dataset.triples((None, None, None)):
        union.add(triple)
    claims = {s for s in union.subjects(RDF.type, __import__("rdflib").URIRef(ECO + "Claim"))}
    assert len(claims) == 51 * 2  # the real claims and one renamed copy of each
    shapes = Graph().parse(settings.ontology_dir / "shapes.ttl")
    conforms, _graph, text = pyshacl.validate(union, shacl_graph=shapes, inference="none")
    assert conforms, text[:2000]
