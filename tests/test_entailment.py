"""The entailment graph (graph/inferred) is served in the default union and answers what users mean."""
from __future__ import annotations

import subprocess
import sys

import pytest
import requests
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, VOID

from kg.build import build_report
from kg.checks import owl_check, shacl_check
from kg.namespaces import CLAIM, DATASET_IRI, DOMAIN, ECO, ID, INFERRED_GRAPH, ORG, SOURCE
from kg.query import run_query
from kg.stores import open_store

from liveserver import LiveServer

COUNT_CLAIMS = "SELECT (COUNT(*) AS ?n) WHERE { ?c a eco:Claim }"


@pytest.fixture(scope="module")
def inferred(dataset):
    return dataset.graph(INFERRED_GRAPH)


def count(result) -> int:
    return int(result.rows[0][0])


def test_claims_are_typed_by_their_superclass_in_process(settings, built):
    assert count(run_query(COUNT_CLAIMS, settings)) == 51


@pytest.mark.slow
def test_claims_are_typed_by_their_superclass_on_the_command_line(settings, built, tmp_path):
    query = tmp_path / "claims.rq"
    query.write_text(COUNT_CLAIMS, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "kg", "query", str(query), "--format", "csv"],
                         env={**__import__("os").environ, "ECOKG_BUILD_DIR": str(settings.build_dir)},
                         capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["n", "51"]


@pytest.mark.slow
def test_claims_are_typed_by_their_superclass_over_http(settings, built):
    from server.app import create_app

    with LiveServer(create_app(settings, store=open_store(settings))) as live:
        answer = requests.get(live.url + "/sparql", params={"query": COUNT_CLAIMS},
                              headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert answer.status_code == 200
        assert answer.json()["results"]["bindings"][0]["n"]["value"] == "51"
        # naming the graphs leaves the entailments out
        named = requests.get(live.url + "/sparql", params={
            "query": COUNT_CLAIMS, "default-graph-uri": "https://w3id.org/eco-kg/graph/source/iran-pakistan-eco-security-interview"},
            headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert named.json()["results"]["bindings"][0]["n"]["value"] == "0"


@pytest.mark.parametrize("cls, expected", [
    (ECO.Claim, 51), (ECO.Measure, 14), (ECO.Obstacle, 4), (ECO.Place, 13), (ECO.Corridor, 8), (ECO.Actor, 20),
])
def test_every_class_has_its_superclass_instances(dataset, cls, expected):
    assert len(set(dataset.subjects(RDF.type, cls))) == expected


def test_about_groups_everything_a_claim_is_about(dataset):
    about = set(dataset.objects(CLAIM["pk-tie-iranian-ports-to-cpec"], ECO.about))
    assert {ID.Iran, ID.IranianPorts, ID.ChinaPakistanEconomicCorridor, DOMAIN.Transport,
            ID.IranianPortsAndZonesTieToCPEC} <= about
    assert ID.Pakistan not in about  # the holder is not what the claim is about


def test_symmetric_inverse_and_transitive_properties_hold_both_ways(dataset):
    assert (ID.Iran, ECO.hasDefenceRelationshipWith, ID.Pakistan) in dataset
    assert (ID.Iran, ECO.cooperatesWith, ID.Pakistan) in dataset
    assert (ID.ECO, ORG.hasMember, ID.Pakistan) in dataset
    assert (DOMAIN.Security, SKOS.narrower, DOMAIN.CyberIssues) in dataset
    assert (DOMAIN.CyberHygiene, SKOS.broaderTransitive, DOMAIN.Security) in dataset
    assert (DOMAIN.Trade, SKOS.related, DOMAIN.TradeCorridorProtection) in dataset


def test_only_new_wanted_triples_are_inferred(dataset, inferred):
    assert len(inferred) > 500
    stated = {(s, p, o) for s, p, o, g in dataset.quads((None, None, None, None)) if g != INFERRED_GRAPH}
    for s, p, o in inferred:
        assert not isinstance(s, (BNode, Literal)) and not isinstance(o, (BNode, Literal)), (s, p, o)
        assert (s, p, o) not in stated
        assert p not in (OWL.sameAs, OWL.differentFrom)
        assert s != o or p == RDF.type
        assert o not in (OWL.Thing, RDFS.Resource, OWL.Class, OWL.NamedIndividual)
    # owl:sameAs links to Wikidata are not followed: nothing is copied onto Wikidata IRIs
    assert not any(str(s).startswith("http://www.wikidata.org/") for s in inferred.subjects())


def test_the_inferred_graph_is_described_in_void(dataset):
    assert (URIRef(DATASET_IRI), VOID.subset, INFERRED_GRAPH) in dataset
    assert int(dataset.value(INFERRED_GRAPH, VOID.triples)) == len(dataset.graph(INFERRED_GRAPH))


def test_the_build_report_counts_claims_by_kind(built):
    report = build_report(built[0])
    assert "graph/inferred" in report
    assert "51  eco:Claim" in report


@pytest.mark.slow
def test_entailments_conform_to_the_shapes(dataset, settings):
    report = shacl_check(dataset, settings)
    assert report.conforms, report.summary()


@pytest.mark.reasoner
def test_entailments_are_consistent_under_hermit(dataset, settings):
    report = owl_check(dataset, settings)
    assert report.conforms, report.summary()


def test_the_source_document_is_typed_as_a_document(dataset):
    assert (SOURCE["iran-pakistan-eco-security-interview"], RDF.type, ECO.SourceDocument) in dataset
