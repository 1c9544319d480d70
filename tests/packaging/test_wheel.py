"""The wheel is self-contained: installed into a fresh venv (not editable), away from any checkout,
`ecokg build`, `ecokg validate` and `ecokg serve` work on the packaged ontology, shapes, seeds and queries."""
from __future__ import annotations

import socket
import subprocess
import tarfile
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

import kg

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parents[2]
TEMPLATE = CHECKOUT / "seeds" / "templates" / "claim.ttl"


def test_wheel_installs_kg_and_server_and_carries_the_data(dists):
    names = zipfile.ZipFile(dists.wheel).namelist()
    assert {name.split("/")[0] for name in names if not name.startswith("eco_kg-")} == {"kg", "server"}
    for required in ("kg/data/ontology/eco.ttl", "kg/data/ontology/shapes.ttl", "kg/data/seeds/entities.ttl",
                     "kg/data/seeds/iran-pakistan-eco-security-interview.txt", "kg/data/seeds/links/wikidata.ttl",
                     "kg/data/queries/working-group-domains.rq", "server/templates/base.html"):
        assert required in names


def test_sdist_carries_the_top_level_data_folders(dists):
    names = tarfile.open(dists.sdist).getnames()
    root = names[0].split("/")[0]
    for required in ("ontology/eco.ttl", "seeds/iran-pakistan-eco-security-interview.txt", "queries/corridors.rq",
                     "setup.py", "CITATION.cff"):
        assert f"{root}/{required}" in names


def test_import_kg_reads_the_packaged_data(installed):
    completed = installed.run(installed.python, "-c",
                              "import kg, kg.settings as s; print(kg.__file__); print(s.Settings().ontology_dir); "
                              "print(s.Settings().build_dir)")
    assert completed.returncode == 0, completed.stderr
    module, ontology, build_dir = completed.stdout.split()
    assert module.startswith(str(installed.venv)) and str(CHECKOUT) not in completed.stdout
    assert ontology.endswith("kg/data/ontology") and build_dir.startswith(installed.env["XDG_CACHE_HOME"])


def test_build_from_any_directory(installed):
    completed = installed.run(installed.ecokg, "build")
    assert completed.returncode == 0, completed.stderr
    assert "51" in completed.stdout or "claims" in completed.stdout
    assert (Path(installed.env["XDG_CACHE_HOME"]) / "eco-kg" / kg.__version__ / "build" / "eco-kg.trig").is_file()


def test_validate_good_and_bad_contributions(installed):
    good = installed.workdir / "good.ttl"
    good.write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    bad = installed.workdir / "bad.ttl"
    bad.write_text(TEMPLATE.read_text(encoding="utf-8")
                   .replace("There are also internal considerations.", "Words the interview never says.")
                   .replace("pk-internal-considerations", "pk-words-never-said"), encoding="utf-8")
    passed = installed.run(installed.ecokg, "validate", "--no-owl", "good.ttl")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.startswith("ok: 1 file(s)")
    rejected = installed.run(installed.ecokg, "validate", "--no-owl", "bad.ttl")
    assert rejected.returncode == 1
    assert "bad.ttl:" in rejected.stdout and "quote-not-found" in rejected.stdout
    missing = installed.run(installed.ecokg, "validate", "missing.ttl")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_queries_and_pages(installed):
    port = _free_port()
    server = subprocess.Popen([installed.ecokg, "serve", "--port", str(port)], cwd=installed.workdir,
                              env=installed.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        query = urllib.parse.urlencode({"query": "SELECT (COUNT(?s) AS ?n) { ?s a eco:State }"})
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql?{query}&format=csv", timeout=10) as answer:
                    body = answer.read().decode()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "ecokg serve did not answer within 120 s"
                time.sleep(0.5)
        assert body.splitlines()[1] == "12"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ontology/eco.ttl", timeout=10) as answer:
            assert b"owl:Ontology" in answer.read()
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_the_readme_commands_for_an_installed_package_run_as_written(installed):
    readme = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Installing it elsewhere"):]
    commands = section[section.index("```sh\n") + len("```sh\n"):section.index("```", section.index("```sh\n") + 5)]
    folder = installed.workdir / "my-contributions"
    folder.mkdir()
    (folder / "my-claim.ttl").write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    completed = installed.run("bash", "-euo", "pipefail", "-c", commands, cwd=folder)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.startswith("ok: 1 file(s)")
    assert "wrote 51 nanopublications to nanopubs.trig" in completed.stdout
    assert (folder / "nanopubs.trig").stat().st_size > 10_000
