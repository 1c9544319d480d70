"""`ecokg publish` pushes every named graph into any SPARQL 1.1 store through the Graph Store Protocol, and
`ecokg serve --store remote` fronts it: tested against Oxigraph's own server (PyPI `oxigraph`) and
Debian's Virtuoso, both started on 127.0.0.1 by the tests."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from kg.query import named_queries
from answers import rows_as_strings
from kg.stores.remote import RemoteStore
from programs import require_program
from served import free_port, wait_for_sparql

pytestmark = pytest.mark.slow  # Oxigraph's server and Virtuoso started for the module

LOCAL_QUERIES = [q for q in named_queries() if "SERVICE" not in q.text]



@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    (binary,) = require_program("oxigraph")
    port = free_port()
    process = subprocess.Popen([binary, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
                                "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for_sparql(f"{url}/query", process, timeout=30)
    yield url
    process.terminate()
    process.wait(timeout=20)


def ecokg(settings, *args):
    env = dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir))
    return subprocess.run([sys.executable, "-m", "kg", *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def published(settings, built, oxigraph_server):
    done = ecokg(settings, "publish", "--to", f"{oxigraph_server}/store", "--batch", "1000")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_named_graph_arrives_whole(published, oxigraph_server, embedded):
    counts = requests.get(f"{oxigraph_server}/query", headers={"Accept": "application/sparql-results+json"},
                          params={"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},
                          timeout=30).json()["results"]["bindings"]
    theirs = {row["g"]["value"]: int(row["n"]["value"]) for row in counts}
    ours = {str(g): int(n) for g, n in embedded.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").rows}
    assert theirs == ours
    assert "published" in published and f"{sum(ours.values()):,} triples" in published


@pytest.mark.parametrize("query", LOCAL_QUERIES, ids=lambda q: q.name)
def test_named_queries_answer_the_same_through_the_published_store(published, oxigraph_server, settings, embedded,
                                                                   query):
    remote = RemoteStore(settings, f"{oxigraph_server}/query")
    theirs, ours = remote.query(query.text), embedded.query(query.text)
    assert theirs.variables == ours.variables
    assert rows_as_strings(theirs, query.text) == rows_as_strings(ours, query.text)


def test_serve_fronts_the_published_store(published, oxigraph_server, settings):
    from served import Served

    with Served(settings.build_dir, "--store", "remote", "--remote-endpoint", f"{oxigraph_server}/query") as server:
        answer = requests.get(f"{server.url}/sparql", params={"query": "SELECT (COUNT(?c) AS ?n) { ?c a eco:Claim }"},
                              headers={"Accept": "application/sparql-results+json"}, timeout=30).json()
        assert answer["results"]["bindings"][0]["n"]["value"] == "51"


def test_publishing_to_nothing_is_exit_2_with_a_reason(settings, built):
    done = ecokg(settings, "publish", "--to", f"http://127.0.0.1:{free_port()}/store")
    assert done.returncode == 2
    assert "failed" in done.stderr and "Graph Store Protocol URL" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_store_that_refuses_is_exit_2_with_its_status(settings, built, oxigraph_server):
    done = ecokg(settings, "publish", "--to", f"{oxigraph_server}/no-such-route")
    assert done.returncode == 2
    assert "HTTP 404" in done.stderr


def test_publishing_into_virtuoso_with_digest_authentication(settings, built, virtuoso, embedded):
    """Virtuoso's Graph Store endpoint needs a user: the same command, with --auth digest."""
    env_password = {"ECOKG_PUBLISH_PASSWORD": "dba"}
    graph = "https://w3id.org/eco-kg/graph/entities"
    env = dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir), **env_password)
    done = subprocess.run([sys.executable, "-m", "kg", "publish", "--to",
                           virtuoso.sparql_url.replace("/sparql", "/sparql-graph-crud-auth"), "--auth", "digest",
                           "--user", "dba", "--graph", graph], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    expected = embedded.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").rows[0][0]
    remote = RemoteStore(settings, virtuoso.sparql_url)
    got = remote.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").rows[0][0]
    assert int(got) == int(expected)
