"""A FAIR, citable release: the dataset description conforms to DCAT-AP 3.0.0 (the official SHACL shapes,
copied into tests/fixtures/dcat-ap-3.0.0/), the JSON-LD dump keeps the named graphs, and the package,
the ontology, CITATION.cff, the changelog and the dataset record agree on the version and release date."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from pyshacl import validate
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, SH, XSD

import kg
from kg.namespaces import DATASET_IRI, GRAPH, METADATA_GRAPH, ONTOLOGY_GRAPH, ONTOLOGY_IRI

CHECKOUT = Path(__file__).resolve().parents[1]
DCAT_AP = CHECKOUT / "tests" / "fixtures" / "dcat-ap-3.0.0"


@pytest.mark.parametrize("shapes_file", ["shapes.ttl", "range.ttl", "shapes_recommended.ttl"])
def test_the_dataset_description_conforms_to_dcat_ap_3(dataset, shapes_file):
    record = Graph()
    for triple in dataset.graph(METADATA_GRAPH):
        record.add(triple)
    shapes = Graph().parse(DCAT_AP / shapes_file, format="turtle")
    conforms, report, text = validate(record, shacl_graph=shapes, inference="rdfs")
    results = list(report.subjects(RDF.type, SH.ValidationResult))  # warnings of the recommended shapes too
    print(f"DCAT-AP 3.0.0 {shapes_file}: {len(results)} result(s)")
    assert conforms and not results, text


def test_the_endpoint_is_a_data_service_serving_the_dataset(dataset):
    record = dataset.graph(METADATA_GRAPH)
    services = set(record.subjects(RDF.type, DCAT.DataService))
    assert services and all((service, DCAT.servesDataset, URIRef(DATASET_IRI)) in record for service in services)


@pytest.mark.slow
def test_the_jsonld_dump_keeps_the_named_graphs(built):
    _result, written = built
    dump = Dataset()
    dump.parse(written["eco-kg.jsonld"], format="json-ld")
    names = {str(graph.identifier) for graph in dump.graphs() if len(graph)}
    assert {str(GRAPH["entities"]), str(GRAPH["ontology"]), str(METADATA_GRAPH)} <= names


def test_version_and_release_date_agree_everywhere(dataset):
    """One version everywhere; the ontology was first issued with the first release; a released version has
    its date in CITATION.cff and the changelog, an unreleased tree (X.Y.Z.devN) has none."""
    version = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    citation = yaml.safe_load((CHECKOUT / "CITATION.cff").read_text(encoding="utf-8"))
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    header = URIRef(ONTOLOGY_IRI)
    assert kg.__version__ == version == str(citation["version"])
    assert ontology.value(header, OWL.versionInfo) == Literal(version)
    assert ontology.value(header, OWL.versionIRI) == URIRef(f"{ONTOLOGY_IRI}/{version}")
    record = dataset.graph(METADATA_GRAPH)
    assert record.value(URIRef(DATASET_IRI), URIRef(str(DCAT) + "version")) == Literal(version)
    changelog = (CHECKOUT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d\d-\d\d)$", changelog, flags=re.M)
    assert ontology.value(header, DCTERMS.issued) == Literal(releases[-1][1], datatype=XSD.date)
    if ".dev" in version:
        assert "date-released" not in citation and "## [Unreleased]" in changelog
    else:
        assert (version, str(citation["date-released"])) in releases
