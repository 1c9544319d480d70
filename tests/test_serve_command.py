"""`ecokg serve`, started as the README starts it, builds if needed and answers SPARQL and pages on 127.0.0.1."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import requests
from SPARQLWrapper import JSON, SPARQLWrapper


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_serve_builds_and_answers(tmp_path):
    port = free_port()
    env = dict(os.environ, ECOKG_BUILD_DIR=str(tmp_path / "build"), ECOKG_PORT=str(port))
    server = subprocess.Popen([sys.executable, "-m", "kg", "serve"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                if requests.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "ecokg serve did not answer within 120 s"
            time.sleep(0.3)
        assert (tmp_path / "build" / "eco-kg.nq").exists()  # it built first
        client = SPARQLWrapper(f"{base}/sparql")
        client.setQuery("SELECT ?label WHERE { ecoid:Pakistan rdfs:label ?label }")
        client.setReturnFormat(JSON)
        labels = [b["label"]["value"] for b in client.query().convert()["results"]["bindings"]]
        assert labels == ["Pakistan"]
        page = requests.get(f"{base}/", headers={"Accept": "text/html"}, timeout=10)
        assert page.status_code == 200 and "SPARQL" in page.text
    finally:
        server.terminate()
        server.wait(timeout=20)
