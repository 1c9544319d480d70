"""A group's own data beside the interview: `--data` files streamed into the store, and the on-disk store
that a restart reopens without reloading and that keeps accepted updates."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys

import pytest
import requests
from rdflib import Literal, URIRef

from kg.stores import open_store
from kg.stores.bulk import MANIFEST, graph_for

pytestmark = pytest.mark.slow  # stores on disk and `ecokg` processes: seconds each

GRAPH = "https://w3id.org/eco-kg/graph/"
EX = "https://example.org/group/"
TOKEN = "bulk-test-token-0123456789abcdef0123456789"


@pytest.fixture()
def data_folder(tmp_path):
    folder = tmp_path / "bulk"
    folder.mkdir()
    with gzip.open(folder / "people.nt.gz", "wt", encoding="utf-8") as out:
        for n in range(500):
            out.write(f'<{EX}person/{n}> <http://www.w3.org/2000/01/rdf-schema#label> "Person {n}"@en .\n')
    (folder / "places.ttl").write_text(f"@prefix ex: <{EX}> .\nex:Quetta ex:near ex:Zahedan .\n", encoding="utf-8")
    (folder / "events.nq").write_text(f"<{EX}e1> <{EX}in> <{EX}Quetta> <{EX}graph/events> .\n", encoding="utf-8")
    (folder / "notes.trig").write_text(f"<{EX}graph/notes> {{ <{EX}n1> <{EX}says> \"hello\" . }}\n", encoding="utf-8")
    return folder


def count(store, graph: str) -> int:
    return int(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").rows[0][0])


def test_bulk_files_land_in_their_own_named_graphs(settings, built, data_folder):
    files = tuple(str(p) for p in sorted(data_folder.iterdir()))
    store = open_store(settings.with_(data_files=files))
    assert count(store, GRAPH + "data/people") == 500
    assert count(store, GRAPH + "data/places") == 1
    assert count(store, EX + "graph/events") == 1  # quads keep the graph they name
    assert count(store, EX + "graph/notes") == 1
    claims = store.query("SELECT (COUNT(?c) AS ?n) WHERE { ?c a eco:Claim }").rows[0][0]
    assert int(claims) == 51  # the interview is still there beside them


def test_the_data_folder_is_loaded_without_naming_files(settings, built, data_folder):
    store = open_store(settings.with_(data_dir=data_folder))
    assert count(store, graph_for(data_folder / "people.nt.gz")) == 500


def test_the_on_disk_store_reopens_without_reloading_and_keeps_changes(settings, built, data_folder, tmp_path):
    disk = settings.with_(store_path=tmp_path / "store", data_dir=data_folder)
    first = open_store(disk)
    assert count(first, GRAPH + "data/people") == 500
    manifest = (tmp_path / "store" / MANIFEST).stat().st_mtime_ns
    label = (URIRef(EX + "person/1"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Persona 1", lang="es"),
             URIRef(GRAPH + "data/people"))
    first.apply_change([label], [])
    first.close()
    second = open_store(disk)
    assert (tmp_path / "store" / MANIFEST).stat().st_mtime_ns == manifest  # not reloaded
    assert second.query(f'ASK {{ <{EX}person/1> rdfs:label "Persona 1"@es }}').boolean is True


def test_a_changed_data_file_reloads_the_on_disk_store(settings, built, data_folder, tmp_path):
    disk = settings.with_(store_path=tmp_path / "store", data_dir=data_folder)
    first = open_store(disk)
    assert count(first, GRAPH + "data/places") == 1
    first.close()
    (data_folder / "places.ttl").write_text(f"@prefix ex: <{EX}> .\nex:Quetta ex:near ex:Zahedan, ex:Gwadar .\n",
                                            encoding="utf-8")
    assert count(open_store(disk), GRAPH + "data/places") == 2


def run_ecokg(settings, *args):
    env = dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir))
    return subprocess.run([sys.executable, "-m", "kg", *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("content, words", [
    ("<a> <b> .\n", "line 1"),
    ("@prefix ex: <http://ex/> .\nex:a ex:b \"unterminated .\n", "line 2"),
])
def test_a_broken_data_file_is_exit_2_with_its_name_and_line(settings, built, tmp_path, monkeypatch, capsys,
                                                           content, words):
    """The command line in this process (its parsing and exit codes); the next test runs it as a process."""
    from kg.cli import main

    monkeypatch.setenv("ECOKG_BUILD_DIR", str(settings.build_dir))
    broken = tmp_path / "broken.ttl"
    broken.write_text(content, encoding="utf-8")
    code = main(["build", "--quiet", "--data", str(broken)])
    stderr = capsys.readouterr().err
    assert code == 2, stderr
    assert "broken.ttl" in stderr and words in stderr
    assert "Traceback" not in stderr


def test_a_data_file_of_another_kind_is_exit_2(settings, built, tmp_path):
    other = tmp_path / "table.csv"
    other.write_text("a,b\n", encoding="utf-8")
    done = run_ecokg(settings, "build", "--quiet", "--data", str(other))
    assert done.returncode == 2 and "not a bulk RDF file" in done.stderr


def test_build_reports_the_store_and_a_second_build_does_not_reload(settings, built, data_folder, tmp_path):
    args = ["build", "--data", str(data_folder / "people.nt.gz"), "--store-path", str(tmp_path / "store")]
    first = run_ecokg(settings, *args)
    assert first.returncode == 0, first.stderr
    assert "on-disk store" in first.stdout and "not reloaded" not in first.stdout
    second = run_ecokg(settings, *args)
    assert second.returncode == 0 and "unchanged, not reloaded" in second.stdout


def test_an_update_accepted_by_a_server_on_disk_survives_a_restart_without_a_journal(settings, built, tmp_path):
    from served import Served

    env = {"ECOKG_UPDATE_TOKEN": TOKEN, "ECOKG_UPDATE_JOURNAL": "", "ECOKG_NO_OWL": "1"}
    args = ["--enable-update", "--store-path", str(tmp_path / "store")]
    label = f'INSERT DATA {{ GRAPH <{GRAPH}entities> {{ ecoid:Pakistan rdfs:label "Pakistan"@nl }} }}'
    with Served(settings.build_dir, *args, env=env) as first:
        response = requests.post(f"{first.url}/update", data=label.encode(), timeout=60,
                                 headers={"Content-Type": "application/sparql-update",
                                          "Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.text
        assert "persisted" in response.text and "NOT persisted" not in response.text
        first.kill_hard()
    with Served(settings.build_dir, *args, env=env) as second:
        asked = requests.get(f"{second.url}/sparql", params={"query": 'ASK { ecoid:Pakistan rdfs:label "Pakistan"@nl }'},
                             timeout=10)
        assert asked.json()["boolean"] is True


def test_several_processes_share_a_read_only_store(settings, built, data_folder, tmp_path):
    """What `server.wsgi` does in each gunicorn process: open the loaded store read-only and answer."""
    disk = settings.with_(store_path=tmp_path / "store", data_dir=data_folder)
    open_store(disk).close()  # loaded once by a writer
    readers = [open_store(disk.with_(store_read_only=True)) for _ in range(2)]
    for reader in readers:
        assert count(reader, GRAPH + "data/people") == 500
    for reader in readers:
        reader.close()


def test_a_read_only_store_that_is_stale_is_refused(settings, built, data_folder, tmp_path):
    from kg.errors import StoreError

    disk = settings.with_(store_path=tmp_path / "store", data_dir=data_folder)
    open_store(disk).close()
    (data_folder / "places.ttl").write_text(f"@prefix ex: <{EX}> .\nex:A ex:near ex:B .\n", encoding="utf-8")
    with pytest.raises(StoreError, match="read-only store cannot be reloaded"):
        open_store(disk.with_(store_read_only=True))


def test_the_wsgi_application_is_built_from_the_environment(settings, built, tmp_path):
    done = subprocess.run([sys.executable, "-c", "from server.wsgi import app; print(app.name)"],
                          env=dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir)), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "server.app" in done.stdout, done.stderr
