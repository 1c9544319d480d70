"""The w3id redirect file (w3id/.htaccess), unchanged, in Debian's Apache on 127.0.0.1 in front of a real
`ecokg serve`: entities, ontology terms, the namespace, version IRIs, graphs, shapes and the dataset
resolve in HTML, Turtle, JSON-LD, RDF/XML and N-Triples; files and the endpoint pass through."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
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
    assert first.headers["Location"].startswith(f"{ecokg_serve}/{path}?format=")
    final = requests.get(apache + path, headers={"Accept": accept}, timeout=60)
    assert final.status_code == 200 and final.headers["Content-Type"].split(";")[0] == accept
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
    assert answer.history[0].status_code == 307
    assert answer.json()["boolean"] is True
