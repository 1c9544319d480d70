"""The w3id redirect file (w3id/.htaccess), unchanged, in Debian's Apache on 127.0.0.1 in front of a real
`ecokg serve`: every IRI is one redirect (303 for things, 302 for documents, 308 for the endpoint) carrying
`Vary: Accept`, and the service chooses the format (q-values honoured): HTML, Turtle, JSON-LD, RDF/XML and
N-Triples; SPARQL clients query through it, owlready2 loads the ontology through it."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

sys.path.insert(0, str(Path(__file__).resolve().parent))
from programs import missing, require_program  # noqa: E402  (tests/ is not a package)

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parents[1]
MODULES = Path("/usr/lib/apache2/modules")
BASE = "https://w3id.org/eco-kg/"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            requests.get(url, timeout=5, allow_redirects=False)
            return
        except requests.ConnectionError:
            assert process.poll() is None, f"{what} exited with {process.returncode}"
            assert time.monotonic() < deadline, f"{what} did not answer within {seconds} s"
            time.sleep(0.2)


@pytest.fixture(scope="module")
def apache2() -> str:
    """Debian's Apache with mod_rewrite, found before anything is started for it."""
    (binary,) = require_program("apache2")
    if not (MODULES / "mod_rewrite.so").exists():
        missing(f"Apache's mod_rewrite ({MODULES})", "apt-get install apache2")
    return binary


@pytest.fixture(scope="module")
def ecokg_serve(settings, built):
    port = free_port()
    process = subprocess.Popen([str(Path(sys.executable).parent / "ecokg"), "serve", "--port", str(port)],
                               env=dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir)),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/sparql", process, "ecokg serve")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def apache(apache2, ecokg_serve):
    # a world-readable folder: Apache started as root reads .htaccess as www-data
    root = Path(tempfile.mkdtemp(prefix="ecokg-w3id-", dir="/tmp"))
    try:
        os.chmod(root, 0o755)
        (root / "www" / "eco-kg").mkdir(parents=True)
        (root / "run").mkdir()
        shutil.copyfile(CHECKOUT / "w3id" / ".htaccess", root / "www" / "eco-kg" / ".htaccess")
        for folder in (root / "www", root / "www" / "eco-kg"):
            os.chmod(folder, 0o755)
        port = free_port()
        user = "User www-data\nGroup www-data\n" if os.geteuid() == 0 else ""
        (root / "httpd.conf").write_text(f"""
ServerRoot {root}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {root}/run/httpd.pid
DefaultRuntimeDir {root}/run
ErrorLog {root}/error.log
LogLevel warn
{user}LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule rewrite_module {MODULES}/mod_rewrite.so
LoadModule headers_module {MODULES}/mod_headers.so
LoadModule setenvif_module {MODULES}/mod_setenvif.so
DocumentRoot {root}/www
<Directory {root}/www>
    AllowOverride All
    Options FollowSymLinks
    Require all granted
</Directory>
SetEnvIf Request_URI "^" ECOKG_TARGET={ecokg_serve}
""", encoding="utf-8")
        process = subprocess.Popen([apache2, "-f", str(root / "httpd.conf"), "-DFOREGROUND"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_for(f"http://127.0.0.1:{port}/", process, "apache2", 30)
            yield f"http://127.0.0.1:{port}/eco-kg/"
        finally:
            process.terminate()
            process.wait(timeout=30)
    finally:
        shutil.rmtree(root, ignore_errors=True)


IRIS = {
    "id/Pakistan": (URIRef(BASE + "id/Pakistan"), RDF.type, URIRef(BASE + "ontology/State")),
    "ontology/Claim": (URIRef(BASE + "ontology/Claim"), RDF.type, OWL.Class),
    "ontology/": (URIRef(BASE + "ontology"), RDF.type, OWL.Ontology),
    "ontology/1.1.0": (URIRef(BASE + "ontology"), OWL.versionIRI, URIRef(BASE + "ontology/1.1.0")),
    "graph/entities": (URIRef(BASE + "id/Pakistan"), RDF.type, URIRef(BASE + "ontology/State")),
    "shapes/ClaimShape": (URIRef(BASE + "shapes/ClaimShape"), RDF.type,
                          URIRef("http://www.w3.org/ns/shacl#NodeShape")),
}
FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml",
           "application/n-triples": "nt"}


@pytest.mark.parametrize("accept", list(FORMATS))
@pytest.mark.parametrize("path", list(IRIS))
def test_a_thing_redirects_303_to_its_description_in_the_accepted_format(apache, ecokg_serve, path, accept):
    first = requests.get(apache + path, headers={"Accept": accept}, allow_redirects=False, timeout=30)
    assert first.status_code == 303
    assert first.headers["Location"] == f"{ecokg_serve}/{path}"  # the service negotiates, not the rules
    assert "Accept" in first.headers["Vary"]
    final = requests.get(apache + path, headers={"Accept": accept}, timeout=60)
    assert final.status_code == 200 and final.headers["Content-Type"].split(";")[0] == accept
    assert len(final.history) == 1
    graph = Graph().parse(data=final.text, format=FORMATS[accept])
    assert IRIS[path] in graph


@pytest.mark.parametrize("path", list(IRIS) + ["", "dataset"])
def test_a_browser_gets_the_page(apache, path):
    final = requests.get(apache + path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, timeout=60)
    assert final.status_code == 200 and final.headers["Content-Type"].startswith("text/html")
    assert final.history and final.history[0].status_code == 303


@pytest.mark.parametrize("name, media", [("ontology/eco.owl", "application/rdf+xml"),
                                         ("ontology/eco.ttl", "text/turtle"),
                                         ("shapes/shapes.ttl", "text/turtle"), ("robots.txt", "text/plain")])
def test_files_pass_through(apache, name, media):
    final = requests.get(apache + name, timeout=60)
    assert final.status_code == 200 and final.headers["Content-Type"].startswith(media)
    assert final.history[0].status_code == 302


def test_the_endpoint_keeps_a_post(apache):
    answer = requests.post(apache + "sparql", data={"query": "ASK { ?s a eco:State }"},
                           headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert answer.history[0].status_code == 308
    assert answer.json()["boolean"] is True


@pytest.mark.parametrize("path, accept, media", [
    ("ontology/", "text/turtle;q=0, application/rdf+xml", "application/rdf+xml"),
    ("ontology/", "application/rdf+xml;q=0.5, text/turtle", "text/turtle"),
    ("id/Pakistan", "text/html;q=0.1, application/ld+json", "application/ld+json"),
    ("id/Pakistan", "application/n-triples, text/turtle;q=0.9", "application/n-triples"),
])
def test_q_values_are_honoured_through_the_redirect(apache, path, accept, media):
    final = requests.get(apache + path, headers={"Accept": accept}, timeout=60)
    assert final.status_code == 200 and final.headers["Content-Type"].split(";")[0] == media


@pytest.fixture(scope="module")
def nanopub_path(ecokg_serve) -> str:
    text = requests.get(ecokg_serve + "/download/eco-kg-nanopubs.trig", timeout=60).text
    return "np/" + re.search(r"<https://w3id\.org/eco-kg/np/(RA[A-Za-z0-9_-]{43})#Head>", text).group(1)


@pytest.mark.parametrize("path, status", [
    ("", 303), ("id/Pakistan", 303), ("id/claim/gas-pipeline-under-discussion", 303), ("ontology", 303),
    ("ontology/", 303), ("ontology/Claim", 303), ("ontology/1.1.0", 303), ("graph/entities", 303),
    ("shapes/ClaimShape", 303), ("dataset", 303), ("ontology/eco.ttl", 302), ("download/eco-kg.nq", 302),
    ("NP", 302), (".well-known/void", 302), ("robots.txt", 302), ("sparql?query=ASK%7B%7D", 308),
])
@pytest.mark.parametrize("accept", ["text/html", "text/turtle", None])
def test_every_iri_is_one_redirect_with_vary_accept(apache, ecokg_serve, nanopub_path, path, status, accept):
    path = nanopub_path if path == "NP" else path
    headers = {"Accept": accept} if accept else {"Accept": None}
    first = requests.get(apache + path, headers=headers, allow_redirects=False, timeout=30)
    assert first.status_code == status
    assert first.headers["Location"] == f"{ecokg_serve}/{path}"
    assert [v.strip() for v in first.headers["Vary"].split(",")].count("Accept") == 1
    second = requests.get(first.headers["Location"], headers=headers, allow_redirects=False, timeout=60)
    assert second.status_code == 200, (path, second.status_code)


def _urllib_follows_posts() -> None:
    """The README's handler, run as the README gives it (Python's urllib re-sends no body on a redirect)."""
    readme = (CHECKOUT / "w3id" / "README.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", readme, re.S)
    exec(code, {})


@pytest.fixture()
def urllib_opener():
    """Whatever opener a test installs for urllib is removed after it."""
    yield
    urllib.request.install_opener(None)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_queries_through_the_redirect(apache, urllib_opener, method):
    from SPARQLWrapper import GET, JSON, POST, SPARQLWrapper

    if method == "POST":
        _urllib_follows_posts()
    client = SPARQLWrapper(apache + "sparql")
    client.setMethod(POST if method == "POST" else GET)
    client.setReturnFormat(JSON)
    client.setQuery("PREFIX eco: <https://w3id.org/eco-kg/ontology/> SELECT (COUNT(*) AS ?n) { ?s a eco:State }")
    assert int(client.queryAndConvert()["results"]["bindings"][0]["n"]["value"]) > 0


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore_queries_through_the_redirect(apache, urllib_opener, method):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    if method != "GET":
        _urllib_follows_posts()
    graph = Graph(SPARQLStore(apache + "sparql", method=method, returnFormat="json"))
    rows = list(graph.query("ASK { ?s a <https://w3id.org/eco-kg/ontology/State> }"))
    assert rows == [True]


def test_a_post_from_urllib_without_the_handler_stops_at_the_308_naming_where_to_go(apache, ecokg_serve,
                                                                                    urllib_opener):
    request = urllib.request.Request(apache + "sparql", data=b"query=ASK%7B%7D",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=30)
    assert raised.value.code == 308 and raised.value.headers["Location"] == f"{ecokg_serve}/sparql"


def test_a_client_sending_no_accept_gets_the_ontology_as_rdf_xml(apache):
    with urllib.request.urlopen(apache + "ontology", timeout=60) as answer:  # urllib sends no Accept header
        assert answer.headers["Content-Type"].startswith("application/rdf+xml")
        graph = Graph().parse(data=answer.read(), format="xml")
    assert (URIRef(BASE + "ontology"), RDF.type, OWL.Ontology) in graph


def test_owlready2_loads_the_ontology_through_the_redirect(apache):
    owlready2 = pytest.importorskip("owlready2")
    world = owlready2.World()
    ontology = world.get_ontology(apache + "ontology").load()
    assert ontology.base_iri.startswith(BASE + "ontology")
    names = {cls.name for cls in ontology.classes()}
    assert {"Claim", "Proposal", "State"} <= names
