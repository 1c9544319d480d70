"""The address the service writes about itself: `--public-url` (ECOKG_PUBLIC_URL), else the configured host and
port, never the request's Host header; in VoID/DCAT, the Service Description, the sitemap, robots.txt, the
schema.org block and Link headers. The record is one dcat:Catalog that DCAT-AP 3.0.0's official shapes
(tests/fixtures/dcat-ap-3.0.0/) find nothing to report on, mandatory, range and recommended alike."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDF, SH

from kg.errors import SettingsError
from kg.namespaces import DATASET_IRI
from server.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from liveserver import LiveServer  # noqa: E402  (tests/ is not a package)
from served import Served  # noqa: E402

PUBLIC = "https://kg.example.org/eco/"
FORGED = "evil.example"
DCAT_AP = Path(__file__).resolve().parents[1] / "fixtures" / "dcat-ap-3.0.0"
#: every path that writes the service's own address
SELF_DESCRIBING = {"/.well-known/void": "text/turtle", "/sparql": "text/turtle", "/robots.txt": "text/plain",
                   "/sitemap.xml": "application/xml", "/": "text/html", "/id/Pakistan": "text/turtle",
                   "/ontology": "text/html"}


@pytest.fixture(scope="module")
def public(settings, oxigraph_store):
    """The app with a public URL, over real HTTP on 127.0.0.1."""
    with LiveServer(create_app(settings.with_(public_url=PUBLIC), oxigraph_store)) as server:
        yield server


def fetch(server, path: str, host: str | None = None) -> requests.Response:
    headers = {"Accept": SELF_DESCRIBING.get(path, "text/turtle")}
    if host is not None:
        headers["Host"] = host
    response = requests.get(server.url + path, headers=headers, timeout=30)
    assert response.status_code == 200, (path, response.text[:300])
    return response


def everything_said(response: requests.Response) -> str:
    return response.text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())


@pytest.mark.parametrize("path", sorted(SELF_DESCRIBING))
def test_a_forged_host_is_reflected_nowhere(public, live, path):
    for server in (public, live):
        said = everything_said(fetch(server, path, host=FORGED))
        assert FORGED not in said


def test_the_record_names_the_public_url(public):
    record = Graph().parse(data=fetch(public, "/.well-known/void", host=FORGED).text, format="turtle")
    downloads = {str(o) for o in record.objects(None, DCAT.downloadURL)}
    assert PUBLIC + "download/eco-kg.nq" in downloads and all(d.startswith(PUBLIC) for d in downloads)
    assert set(record.objects(None, DCAT.endpointURL)) == {URIRef(PUBLIC + "sparql")}


def test_without_a_public_url_the_configured_host_and_port_are_named(live):
    record = Graph().parse(data=fetch(live, "/.well-known/void").text, format="turtle")
    assert set(record.objects(None, DCAT.endpointURL)) == {URIRef("http://127.0.0.1:8000/sparql")}
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in fetch(live, "/robots.txt").text.splitlines()


def test_the_service_description_sitemap_and_robots_use_the_public_url(public):
    description = Graph().parse(data=fetch(public, "/sparql").text, format="turtle")
    endpoints = {str(o) for o in description.objects(None, URIRef("http://www.w3.org/ns/sparql-service-description#endpoint"))}
    assert endpoints == {PUBLIC + "sparql"}
    assert f"Sitemap: {PUBLIC}sitemap.xml" in fetch(public, "/robots.txt").text.splitlines()
    locations = re.findall(r"<loc>([^<]*)</loc>", fetch(public, "/sitemap.xml").text)
    assert PUBLIC + "id/Pakistan" in locations and all(loc.startswith(PUBLIC) for loc in locations)


def test_the_schema_org_block_names_the_same_downloads_as_the_record(public):
    page = fetch(public, "/").text
    markup = json.loads(re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, flags=re.S)[0])
    record = Graph().parse(data=fetch(public, "/.well-known/void").text, format="turtle")
    assert {item["contentUrl"] for item in markup["distribution"]} == {
        str(o) for o in record.objects(None, DCAT.downloadURL)}
    assert markup["url"] == PUBLIC


def test_link_headers_name_the_public_url(public):
    response = fetch(public, "/id/Pakistan")
    links = re.findall(r"<([^>]*)>", response.headers["Link"])
    assert links and all(link.startswith(PUBLIC + "id/Pakistan?format=") for link in links)


def test_the_record_is_one_catalog_of_the_dataset_its_dumps_and_the_endpoint(public):
    record = Graph().parse(data=fetch(public, "/.well-known/void").text, format="turtle")
    catalogs = set(record.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogs) == 1
    catalog = catalogs.pop()
    assert set(record.objects(catalog, DCAT.dataset)) == {URIRef(DATASET_IRI)}
    service = URIRef(PUBLIC + "sparql")
    assert set(record.objects(catalog, DCAT.service)) == {service}
    assert (service, DCAT.servesDataset, URIRef(DATASET_IRI)) in record
    assert (service, DCAT.endpointDescription, service) in record
    dumps = {str(d) for d in record.objects(URIRef(DATASET_IRI), DCAT.distribution)}
    assert {PUBLIC + "download/" + name for name in ("eco-kg.trig", "eco-kg.nq", "eco-kg.ttl", "eco-kg.jsonld")} <= dumps


def test_the_catalog_iri_dereferences(public):
    catalog = Graph().parse(data=fetch(public, "/catalog").text, format="turtle")
    assert (URIRef("https://w3id.org/eco-kg/catalog"), RDF.type, DCAT.Catalog) in catalog


@pytest.mark.parametrize("shapes_file", ["shapes.ttl", "range.ttl", "shapes_recommended.ttl"])
def test_the_served_record_gives_no_results_on_dcat_ap_3(public, shapes_file):
    record = Graph().parse(data=fetch(public, "/.well-known/void").text, format="turtle")
    shapes = Graph().parse(DCAT_AP / shapes_file, format="turtle")
    _conforms, report, text = validate(record, shacl_graph=shapes, inference="rdfs")
    results = list(report.subjects(RDF.type, SH.ValidationResult))
    assert not results, text


@pytest.mark.parametrize("bad", ["ftp://kg.example.org/", "https://kg.example.org/?a=1", "https://kg.example.org/#x",
                                 "kg.example.org", "https:///nohost"])
def test_a_public_url_that_cannot_be_one_is_refused(settings, bad):
    with pytest.raises(SettingsError) as caught:
        settings.with_(public_url=bad)
    assert "public_url" in str(caught.value) or "--public-url" in str(caught.value)


def test_a_bad_public_url_stops_ecokg_serve_with_exit_2(settings, built):
    done = subprocess.run([sys.executable, "-m", "kg", "serve", "--public-url", "ftp://kg.example.org/"],
                          capture_output=True, text=True, timeout=60,
                          env={**__import__("os").environ, "ECOKG_BUILD_DIR": str(settings.build_dir)})
    assert done.returncode == 2 and "public" in done.stderr and "http" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_ecokg_serve_takes_the_public_url_from_the_environment(settings, built):
    with Served(settings.build_dir, env={"ECOKG_PUBLIC_URL": "https://kg.example.org/eco"}) as served:
        body = requests.get(served.url + "/robots.txt", headers={"Host": FORGED}, timeout=30).text
    assert "Sitemap: https://kg.example.org/eco/sitemap.xml" in body.splitlines()
