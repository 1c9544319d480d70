"""Answers a client can always read, over real HTTP on 127.0.0.1: XML answers (SPARQL XML results,
RDF/XML, the sitemap) are well-formed XML 1.0 whatever the data holds, characters XML cannot carry
written as U+FFFD (and said so in a header); a graph RDF/XML cannot write is a 406 that names the
predicate and suggests Turtle, never a 500."""
from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph, Literal, URIRef

from kg import results
from kg.stores import QueryResult, open_store
from liveserver import LiveServer
from server import formats
from server.app import create_app

SPARQL_XML = "application/sparql-results+xml"
RDF_XML = "application/rdf+xml"
SR = "{http://www.w3.org/2005/sparql-results#}"
#: characters XML 1.0 does not allow, each in a literal
NOT_XML = ["\u0001", "\u0008", "\u000b", "\u000c", "\u001f", "\ufffe", "\uffff"]


def fetch(url: str, accept: str):
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def query_url(server, query: str) -> str:
    return server.url + "/sparql?" + urllib.parse.urlencode({"query": query})


def escaped(char: str) -> str:
    return f"\\u{ord(char):04X}"


@pytest.fixture(scope="module")
def rdflib_live(settings, rdflib_store):
    """The endpoint over the rdflib store, whose results `kg.results` writes (not pyoxigraph)."""
    with LiveServer(create_app(settings.with_(store="rdflib"), rdflib_store)) as server:
        yield server


@pytest.fixture(params=["oxigraph", "rdflib"])
def server(request, live, rdflib_live):
    return live if request.param == "oxigraph" else rdflib_live


@pytest.mark.parametrize("char", NOT_XML, ids=escaped)
def test_sparql_xml_results_are_well_formed_whatever_a_literal_holds(server, char):
    query = f'SELECT ?x ?y WHERE {{ BIND("a{escaped(char)}b" AS ?x) BIND("plain" AS ?y) }}'
    status, headers, body = fetch(query_url(server, query), SPARQL_XML)
    assert status == 200
    root = ET.fromstring(body)  # raises on a document that is not well-formed
    values = [literal.text for literal in root.iter(SR + "literal")]
    assert values == ["a\ufffdb", "plain"]
    assert "1" in headers["X-ECOKG-Replaced"] and "U+FFFD" in headers["X-ECOKG-Replaced"]


def test_an_answer_without_such_characters_is_untouched(server):
    query = 'SELECT ?x WHERE { BIND("tab\\there\\r\\nnew line é ☃" AS ?x) }'
    status, headers, body = fetch(query_url(server, query), SPARQL_XML)
    assert status == 200 and "X-ECOKG-Replaced" not in headers
    assert [literal.text for literal in ET.fromstring(body).iter(SR + "literal")] == ["tab\there\r\nnew line é ☃"]


@pytest.mark.parametrize("char", NOT_XML, ids=escaped)
def test_rdf_xml_is_well_formed_whatever_a_literal_holds(server, char):
    query = f'CONSTRUCT {{ <urn:a> <http://example.org/p> "a{escaped(char)}b" }} WHERE {{}}'
    status, headers, body = fetch(query_url(server, query), RDF_XML)
    assert status == 200 and headers.get_content_type() == RDF_XML
    graph = Graph().parse(data=body, format="xml")  # an XML parser underneath: fails on what XML forbids
    assert list(graph.objects()) == [Literal("a\ufffdb")]


@pytest.mark.parametrize("predicate", ["urn:x:1", "http://example.org/1", "http://example.org/p/"])
def test_rdf_xml_that_cannot_be_written_is_a_406_naming_the_predicate(server, predicate):
    status, headers, body = fetch(query_url(server, f'CONSTRUCT {{ <urn:a> <{predicate}> "v" }} WHERE {{}}'), RDF_XML)
    text = body.decode("utf-8")
    assert status == 406, text
    assert f"<{predicate}>" in text and "Turtle" in text
    assert "Traceback" not in text and "internal error" not in text
    # the same query in Turtle is answered
    status, _headers, body = fetch(query_url(server, f'CONSTRUCT {{ <urn:a> <{predicate}> "v" }} WHERE {{}}'),
                                   "text/turtle")
    assert status == 200 and (URIRef("urn:a"), URIRef(predicate), Literal("v")) in Graph().parse(data=body,
                                                                                                format="turtle")


def test_a_sparql_xml_ask_and_an_empty_answer_are_well_formed(server):
    for query in ("ASK {}", "SELECT ?x WHERE { FILTER(false) }"):
        status, _headers, body = fetch(query_url(server, query), SPARQL_XML)
        assert status == 200
        ET.fromstring(body)


def test_the_sitemap_is_well_formed_xml(live, app):
    status, headers, body = fetch(live.url + "/sitemap.xml", "application/xml")
    assert status == 200
    locations = [loc.text for loc in ET.fromstring(body).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    # the configured address (or the public URL), never the Host the request named
    base = app.config["ECOKG_SETTINGS"].service_url
    assert locations and all(location.startswith(base) for location in locations)


@pytest.fixture(scope="module")
def odd_data_server(settings):
    """A resource whose label holds a control character and whose predicate RDF/XML cannot name."""
    from rdflib import Dataset
    from rdflib.namespace import RDFS

    dataset = Dataset(default_union=True)
    graph = dataset.graph(URIRef("https://w3id.org/eco-kg/graph/entities"))
    graph.add((URIRef("https://w3id.org/eco-kg/id/Odd"), RDFS.label, Literal("Odd\u0001one")))
    graph.add((URIRef("https://w3id.org/eco-kg/id/Unnamed"), URIRef("urn:x:1"), Literal("v")))
    with LiveServer(create_app(settings, open_store(settings, dataset))) as server:
        yield server


def test_a_pages_rdf_xml_is_well_formed_and_a_predicate_it_cannot_name_is_a_406(odd_data_server):
    status, _headers, body = fetch(odd_data_server.url + "/id/Odd?format=rdfxml", RDF_XML)
    assert status == 200
    assert Literal("Odd\ufffdone") in set(Graph().parse(data=body, format="xml").objects())
    status, _headers, body = fetch(odd_data_server.url + "/id/Unnamed?format=rdfxml", "text/plain")
    assert status == 406 and "<urn:x:1>" in body.decode("utf-8") and "Turtle" in body.decode("utf-8")


def test_the_results_writer_replaces_what_xml_cannot_carry():
    """`kg.results` (used wherever results are written without pyoxigraph) writes well-formed XML too."""
    result = QueryResult("SELECT", ["x", "y"], [(Literal("a\u0000b\ud800c"), URIRef("http://example.org/\u0007"))])
    document = results.results_xml(result)
    root = ET.fromstring(document.encode("utf-8", "surrogatepass"))
    assert [literal.text for literal in root.iter(SR + "literal")] == ["a\ufffdb\ufffdc"]
    assert [uri.text for uri in root.iter(SR + "uri")] == ["http://example.org/\ufffd"]


def test_graph_formats_raise_a_clear_error_for_rdf_xml():
    graph = Graph()
    graph.add((URIRef("urn:a"), URIRef("urn:x:1"), Literal("v")))
    with pytest.raises(formats.Unwritable) as caught:
        formats.serialize_graph(graph, formats.GRAPH_FORMATS[formats.RDFXML])
    assert "<urn:x:1>" in str(caught.value)


FIRST_REQUESTS = """
import socket, sys, threading
from kg.settings import Settings
from server.app import create_app
from waitress.server import create_server

app = create_app(Settings.from_env())
server = create_server(app, host="127.0.0.1", port=0, threads=4)
threading.Thread(target=server.run, daemon=True).start()
loaded = set(sys.modules)
for path in sys.argv[1:]:
    with socket.create_connection(("127.0.0.1", server.effective_port)) as connection:
        accept = "text/html" if "html" in path else "*/*"
        connection.sendall(f"GET {path} HTTP/1.1\\r\\nHost: localhost\\r\\nAccept: {accept}\\r\\n"
                           "Connection: close\\r\\n\\r\\n".encode())
        answer = b"".join(iter(lambda: connection.recv(65536), b""))
        print(path, answer.split(b"\\r\\n", 1)[0].decode())
print("imported while answering:", " ".join(sorted(set(sys.modules) - loaded)))
"""
#: the first requests of every kind a fresh server gets, each writer and page among them
FIRST_PATHS = ["/robots.txt", "/sparql", "/graph?html", "/graph.svg", "/id/Pakistan?format=jsonld",
               "/id/Pakistan?format=rdfxml", "/id/Pakistan?format=turtle", "/id/Pakistan?format=trig",
               "/id/Pakistan?format=nquads", "/id/Pakistan?format=ntriples", "/id/Pakistan?html", "/shapes/?html",
               "/ontology?html", "/sitemap.xml", "/.well-known/void",
               "/sparql?" + urllib.parse.urlencode({"query": "SELECT * { ?s ?p ?o } LIMIT 2", "format": "xml"}),
               "/sparql?" + urllib.parse.urlencode({"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2",
                                                    "format": "jsonld"})]


@pytest.mark.slow
def test_a_fresh_server_imports_nothing_while_answering_its_first_requests(settings, built, tmp_path):
    """What the first requests need is imported at start: requests arriving together after a start would
    otherwise import the same modules from several threads at once (a 500 when one sees a module half made)."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir))
    run = subprocess.run([sys.executable, "-c", FIRST_REQUESTS, *FIRST_PATHS], env=env, capture_output=True,
                         text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    assert all(" 200 " in line for line in lines[:-1]), run.stdout
    assert lines[-1].strip() == "imported while answering:", lines[-1]
