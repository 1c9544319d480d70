"""Honest versions: /ontology/X.Y.Z serves the ontology of that release where ontology/versions/X.Y.Z/ archives
it (404 naming the versions that exist otherwise), every owl:priorVersion and the current owl:versionIRI
resolve, and the package, the ontology, CITATION.cff, the record and the docs agree on the version, which
says when the tree is unreleased."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import requests
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, OWL

import kg
from kg.namespaces import DATASET_IRI, METADATA_GRAPH, ONTOLOGY_GRAPH, ONTOLOGY_IRI
from kg.ontology import released_versions

CHECKOUT = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


@pytest.fixture(scope="module")
def live(settings, built):
    import sys

    from kg.stores import open_store
    from server.app import create_app

    sys.path.insert(0, str(CHECKOUT / "tests"))
    from liveserver import LiveServer

    with LiveServer(create_app(settings, open_store(settings))) as server:
        yield server


def ontology_at(live, version: str) -> requests.Response:
    return requests.get(f"{live.url}/ontology/{version}", headers={"Accept": "text/turtle"}, timeout=30)


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_an_archived_release_serves_its_own_ontology(live, version):
    response = ontology_at(live, version)
    assert response.status_code == 200, response.text
    graph = Graph().parse(data=response.text, format="turtle")
    assert graph.value(URIRef(ONTOLOGY_IRI), OWL.versionInfo) == Literal(version)
    assert graph.value(URIRef(ONTOLOGY_IRI), OWL.versionIRI) == URIRef(f"{ONTOLOGY_IRI}/{version}")


def test_the_first_release_lacks_what_came_later(live):
    first = Graph().parse(data=ontology_at(live, "1.0.0").text, format="turtle")
    later = Graph().parse(data=ontology_at(live, "1.1.0").text, format="turtle")
    qualifier = URIRef(ONTOLOGY_IRI + "/qualifier")
    assert (qualifier, None, None) not in first and (qualifier, None, None) in later


@pytest.mark.parametrize("version", ["9.9.9", "0.0.1", "1.1.1"])
def test_a_version_never_released_is_404_naming_those_that_exist(live, version):
    response = ontology_at(live, version)
    assert response.status_code == 404
    assert version in response.text and "1.1.0" in response.text and "1.0.0" in response.text
    assert "@prefix" not in response.text


def test_every_version_iri_the_ontology_names_resolves(live, dataset):
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    named = {ontology.value(URIRef(ONTOLOGY_IRI), OWL.versionIRI), *ontology.objects(URIRef(ONTOLOGY_IRI),
                                                                                     OWL.priorVersion)}
    for release in released_versions():  # and every archived release's own prior versions
        archived = Graph().parse(data=ontology_at(live, release).text, format="turtle")
        named |= set(archived.objects(URIRef(ONTOLOGY_IRI), OWL.priorVersion))
    assert len(named) >= 3
    for iri in named:
        response = ontology_at(live, str(iri).rsplit("/", 1)[1])
        assert response.status_code == 200, iri
        assert (URIRef(ONTOLOGY_IRI), OWL.versionIRI, iri) in Graph().parse(data=response.text, format="turtle")


def test_an_archived_release_has_an_html_page(live):
    response = requests.get(f"{live.url}/ontology/1.0.0", headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200 and "1.0.0" in response.text and "text/html" in response.headers["Content-Type"]


def test_the_tree_says_it_is_unreleased_and_everything_agrees(dataset):
    citation = yaml.safe_load((CHECKOUT / "CITATION.cff").read_text(encoding="utf-8"))
    released = [line for line in (CHECKOUT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
                if re.match(r"^## \[\d+\.\d+\.\d+\] - ", line)]
    latest = released[0].split("[")[1].split("]")[0]
    assert ".dev" in VERSION and VERSION > latest  # a tree past its last release says so
    assert kg.__version__ == VERSION == str(citation["version"])
    assert "date-released" not in citation  # nothing unreleased has a release date
    header = URIRef(ONTOLOGY_IRI)
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    assert ontology.value(header, OWL.versionInfo) == Literal(VERSION)
    assert ontology.value(header, OWL.versionIRI) == URIRef(f"{ONTOLOGY_IRI}/{VERSION}")
    assert set(ontology.objects(header, OWL.priorVersion)) == {URIRef(f"{ONTOLOGY_IRI}/{latest}")}
    assert latest in released_versions()
    record = dataset.graph(METADATA_GRAPH)
    assert record.value(URIRef(DATASET_IRI), DCAT.version) == Literal(VERSION)


def test_the_docs_pin_nothing_that_does_not_exist():
    """No `@vX.Y.Z` or `rev: vX.Y.Z` of a tag the repository does not have, and no `<owner>` placeholder."""
    texts = {path: path.read_text(encoding="utf-8") for path in
             [CHECKOUT / "README.md", CHECKOUT / "action.yml", CHECKOUT / ".pre-commit-hooks.yaml",
              CHECKOUT / ".github" / "workflows" / "validate.yml", CHECKOUT / "kg" / "project.py"]}
    for path, text in texts.items():
        assert not re.search(r"(@|rev: )v\d+\.\d+\.\d+", text), path
        assert "<owner>" not in text, path
    assert f"eco_kg-{VERSION}-py3-none-any.whl" in texts[CHECKOUT / "README.md"]
    assert f"~/.cache/eco-kg/{VERSION}/build/" in texts[CHECKOUT / "README.md"]
