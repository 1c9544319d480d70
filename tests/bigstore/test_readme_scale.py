"""The README's examples for a group's own data and for publishing to another store, run as written."""
from __future__ import annotations

import gzip
import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from served import wait_for_sparql

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
ECOKG = str(Path(sys.executable).parent / "ecokg")


def block_after(heading: str) -> list[str]:
    """The command lines of the first ```sh block after ``heading``, comments dropped."""
    section = README[README.index(heading):]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def argv(line: str) -> list[str]:
    words = shlex.split(line)
    assert words[0] == "ecokg"
    return [ECOKG, *words[1:]]


def port_free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.slow
def test_your_own_data_example_runs_as_written(settings, built, tmp_path):
    build, serve = block_after("### Your own data, at scale")
    with gzip.open(tmp_path / "our-data.nt.gz", "wt", encoding="utf-8") as out:
        out.write('<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "A"@en .\n')
    env = dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir), ECOKG_PORT="0")
    done = subprocess.run(argv(build), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "on-disk store eco-kg-store" in done.stdout
    port = next(p for p in range(18700, 18800) if port_free(p))
    env["ECOKG_PORT"] = str(port)
    server = subprocess.Popen(argv(serve), cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        wait_for_sparql(f"http://127.0.0.1:{port}/sparql", server)
        answer = requests.get(f"http://127.0.0.1:{port}/sparql", timeout=10,
                              params={"query": 'ASK { <https://example.org/a> rdfs:label "A"@en }'}).json()
        assert answer["boolean"] is True
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


@pytest.mark.slow
def test_the_publish_example_runs_as_written(settings, built, tmp_path):
    publish, serve = block_after("### Running against a bigger store")
    if not port_free(7878):
        pytest.fail("port 7878, which the README's example uses, is taken on this machine", pytrace=False)
    oxigraph = subprocess.Popen([str(Path(sys.executable).parent / "oxigraph"), "serve", "--location",
                                 str(tmp_path / "oxigraph"), "--bind", "127.0.0.1:7878"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    env = dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir))
    try:
        wait_for_sparql("http://127.0.0.1:7878/query", oxigraph)
        done = subprocess.run(argv(publish), env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        port = next(p for p in range(18800, 18900) if port_free(p))
        env["ECOKG_PORT"] = str(port)
        server = subprocess.Popen(argv(serve), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_for_sparql(f"http://127.0.0.1:{port}/sparql", server)
            answer = requests.get(f"http://127.0.0.1:{port}/sparql", timeout=30,
                                  params={"query": "SELECT (COUNT(?c) AS ?n) { ?c a eco:Claim }"},
                                  headers={"Accept": "application/sparql-results+json"}).json()
            assert answer["results"]["bindings"][0]["n"]["value"] == "51"
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    finally:
        oxigraph.terminate()
        oxigraph.wait(timeout=30)
