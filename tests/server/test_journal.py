"""The journal of accepted updates, against `ecokg serve` running as a real process on 127.0.0.1: what was
acknowledged is served after every restart (read-only or not), a line cut short by a crash is set aside and
never glued to, an entry that does not verify or that touches the ontology stops the start without deleting
anything, blank nodes stay deletable across restarts, and `ecokg journal fold` writes each triple into the
seed file of its graph."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kg import journal
from kg.build import build_dataset, inputs_fingerprint, is_fresh
from kg.namespaces import ECO, ENTITIES_GRAPH, ID, ONTOLOGY_GRAPH, WIKIDATA_LINKS_GRAPH, source_graph
from kg.settings import PROJECT_ROOT, Settings
from served import Served

TOKEN = "journal-test-token-0123456789abcdef01234567"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = "application/sparql-update"
SOURCE = source_graph("iran-pakistan-eco-security-interview")
CLAIM = URIRef("https://w3id.org/eco-kg/id/claim/pk-bilateral-experience-informs-eco")


def label_update(language: str) -> str:
    return f'INSERT DATA {{ GRAPH <{ENTITIES_GRAPH}> {{ ecoid:Pakistan rdfs:label "Pakistan"@{language} }} }}'


def has_label(url: str, language: str) -> bool:
    asked = requests.get(f"{url}/sparql", params={"query": f'ASK {{ ecoid:Pakistan rdfs:label "Pakistan"@{language} }}'},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert asked.status_code == 200, asked.text
    return asked.json()["boolean"]


def post(url: str, text: str) -> requests.Response:
    return requests.post(f"{url}/update", data=text.encode("utf-8"), timeout=120,
                         headers={"Content-Type": UPDATE, **AUTH})


def env_for(path: Path) -> dict:
    return {"ECOKG_UPDATE_TOKEN": TOKEN, "ECOKG_UPDATE_JOURNAL": str(path), "ECOKG_NO_OWL": "1",
            "ECOKG_QUERY_WORKERS": "2"}


def output_of(served: Served) -> str:
    """Everything the server printed, once it has stopped."""
    served.stop()
    return served.process.stdout.read() if served.process.stdout else ""


def refused_start(build_dir, *args: str, env: dict) -> tuple[int, str]:
    """(exit code, output) of an `ecokg serve` that must not start."""
    served = Served(build_dir, *args, env=env)
    try:
        served.start(timeout=120)
    except RuntimeError as error:
        return served.process.returncode, str(error)
    served.stop()
    pytest.fail("the server started and served")


# --------------------------------------------------------------------------------------- the library

def test_each_entry_is_appended_on_a_fresh_line_after_a_torn_one_set_aside(tmp_path):
    path = tmp_path / "accepted.jsonl"
    label = (ID["Pakistan"], RDFS.label, Literal("Pakistan", lang="fr"), ENTITIES_GRAPH)
    journal.append(path, "first", [label], [])
    with open(path, "a", encoding="utf-8") as torn:
        torn.write('{"number": 2, "accepted": "2026-')  # the process died inside this write
    second = (ID["Iran"], RDFS.label, Literal("Iran", lang="fr"), ENTITIES_GRAPH)
    journal.append(path, "second", [second], [])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and all(json.loads(line) for line in lines)
    assert [entry.update for entry in journal.read(path)] == ["first", "second"]
    aside = list(tmp_path.glob("accepted.jsonl.torn-*"))
    assert len(aside) == 1 and aside[0].read_text(encoding="utf-8") == '{"number": 2, "accepted": "2026-'


def test_the_key_beside_the_journal_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "accepted.jsonl"
    journal.append(path, "first", [(ID["Iran"], RDFS.label, Literal("Iran", lang="fr"), ENTITIES_GRAPH)], [])
    key = journal.key_path(path)
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600


@pytest.mark.parametrize("edit", ["added", "removed", "update", "swap", "drop-middle", "drop-last", "drop-head-and-last"])
def test_an_edited_journal_does_not_verify_and_says_where(tmp_path, edit):
    path = tmp_path / "accepted.jsonl"
    for language in ("fr", "it", "es"):
        journal.append(path, f"label {language}", [(ID["Iran"], RDFS.label, Literal("Iran", lang=language),
                                                    ENTITIES_GRAPH)], [])
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    records = [json.loads(line) for line in lines]
    forged = f"<{ID}Iran> <{OWL.sameAs}> <javascript:alert(1)> <{ENTITIES_GRAPH}> .\n"
    if edit in ("added", "removed", "update"):
        records[1][edit] = forged if edit != "update" else "something else"
        lines[1] = json.dumps(records[1], ensure_ascii=False) + "\n"
    elif edit == "swap":
        lines[0], lines[1] = lines[1], lines[0]
    elif edit == "drop-middle":
        del lines[1]
    else:
        del lines[2]
        if edit == "drop-head-and-last":
            journal.head_path(path).unlink()
    before = "".join(lines)
    path.write_text(before, encoding="utf-8")
    with pytest.raises(journal.JournalError) as raised:
        journal.read(path)
    error = raised.value
    assert error.file == str(path) and "does not verify" in error.message
    assert error.line is not None or edit.startswith("drop-") and "last" in edit
    assert "restore" in error.hint and "remove" not in error.hint
    assert path.read_text(encoding="utf-8") == before


def test_a_journal_written_before_entries_were_sealed_is_refused_until_a_person_seals_it(tmp_path, capsys):
    from kg.cli import main

    path = tmp_path / "accepted.jsonl"
    quad = f'<{ID}Iran> <{RDFS.label}> "Iran"@fr <{ENTITIES_GRAPH}> .\n'
    path.write_text(json.dumps({"number": 1, "accepted": "2026-01-01T00:00:00Z", "update": "INSERT DATA { … }",
                                "added": quad, "removed": ""}) + "\n", encoding="utf-8")
    with pytest.raises(journal.JournalError, match="key .* is missing"):
        journal.read(path)
    assert main(["journal", "list", "--quads", "--journal", str(path)]) == 1
    listed = capsys.readouterr().out
    assert "NOT verified" in listed and f'+ <{ID}Iran> <{RDFS.label}> "Iran"@fr <{ENTITIES_GRAPH}>' in listed
    assert main(["journal", "seal", "--journal", str(path)]) == 0
    assert "1 journal entry sealed" in capsys.readouterr().out
    assert [entry.number for entry in journal.read(path)] == [1]
    assert main(["journal", "list", "--journal", str(path)]) == 0


def test_built_blank_nodes_get_the_same_well_known_iris_on_every_build(settings, built):
    first = built[0].dataset
    again = build_dataset(settings).dataset
    outside_ontology = {(s, p, o, g) for s, p, o, g in first.quads((None, None, None, None)) if g != ONTOLOGY_GRAPH}
    assert not any(term.__class__.__name__ == "BNode" for quad in outside_ontology for term in quad[:3])
    axioms = set(first.graph(WIKIDATA_LINKS_GRAPH).subjects(RDF.type, OWL.Axiom))
    assert len(axioms) > 10
    assert all(str(a).startswith("https://w3id.org/eco-kg/.well-known/genid/") for a in axioms)
    assert axioms == set(again.graph(WIKIDATA_LINKS_GRAPH).subjects(RDF.type, OWL.Axiom))


# --------------------------------------------------------------------------------------- over HTTP

#: some of the linkset's annotated axioms (blank nodes in seeds/links/): a sweeping delete is the gate's to refuse
SOME_AXIOMS = "VALUES ?x { ecoid:Pakistan ecoid:Iran ecoid:Afghanistan } ?a a owl:Axiom ; owl:annotatedSource ?x ; ?p ?o"


def axioms(url: str) -> int:
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{WIKIDATA_LINKS_GRAPH}> {{ {SOME_AXIOMS} }} }}"
    answer = requests.get(f"{url}/sparql", params={"query": count}, timeout=30,
                          headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


class Restarts:
    """One journal through three starts of `ecokg serve`, what each start said and what it served: the
    first (updates on) accepts a label and a delete of blank-node statements and stops; a crash then leaves a
    torn last line; the second (updates on) sets it aside and accepts another label; the third is read-only.
    The servers start once for the tests below, each of which asserts its own part."""

    def __init__(self, build_dir, path: Path):
        self.path = path
        with Served(build_dir, "--enable-update", env=env_for(path)) as first:
            self.axioms_at_first = axioms(first.url)
            self.label = post(first.url, label_update("fr"))
            self.delete = post(first.url, f"WITH <{WIKIDATA_LINKS_GRAPH}> DELETE {{ ?a ?p ?o }} "
                                          f"WHERE {{ {SOME_AXIOMS} }}")
            self.axioms_after_delete = axioms(first.url)
        with open(path, "a", encoding="utf-8") as torn:
            torn.write('{"number": 3, "accepted": "2026-12-06T07:00:00Z", "update": "INSERT DA')  # a crash mid-append
        second = Served(build_dir, "--enable-update", env=env_for(path)).start()
        try:
            self.axioms_at_second = axioms(second.url)
            self.label_at_second = has_label(second.url, "fr")
            self.genid = requests.get(f"{second.url}/.well-known/genid/no-such-node", timeout=30).status_code
            self.next_label = post(second.url, label_update("it"))
        finally:
            self.second_said = output_of(second)
        self.set_aside = list(path.parent.glob(f"{path.name}.torn-*"))
        without_token = {k: v for k, v in env_for(path).items() if k != "ECOKG_UPDATE_TOKEN"}
        read_only = Served(build_dir, env=without_token).start()
        try:
            self.read_only_labels = {language: has_label(read_only.url, language) for language in ("fr", "it")}
            self.read_only_axioms = axioms(read_only.url)
            self.read_only_update = requests.post(f"{read_only.url}/update", data=label_update("es").encode(),
                                                  timeout=30, headers={"Content-Type": UPDATE, **AUTH})
        finally:
            self.read_only_said = output_of(read_only)


@pytest.fixture(scope="module")
def restarts(settings, built, tmp_path_factory) -> Restarts:
    return Restarts(settings.build_dir, tmp_path_factory.mktemp("restarts") / "accepted.jsonl")


@pytest.mark.slow
def test_a_torn_last_line_is_set_aside_at_start_and_the_next_update_is_served_after_a_restart(restarts):
    assert restarts.next_label.status_code == 200, restarts.next_label.text
    assert "persisted: journalled" in restarts.next_label.text, restarts.next_label.text
    said = restarts.second_said
    assert "set aside" in said and ".torn-" in said, said
    assert "applied 2 accepted update(s)" in said and restarts.label_at_second, said
    assert len(restarts.set_aside) == 1
    assert restarts.read_only_labels == {"fr": True, "it": True}
    assert "applied 3 accepted update(s)" in restarts.read_only_said, restarts.read_only_said


@pytest.mark.slow
def test_an_accepted_update_is_served_after_a_read_only_restart_and_the_start_says_so(restarts):
    assert restarts.label.status_code == 200, restarts.label.text
    assert "persisted: journalled" in restarts.label.text, restarts.label.text
    assert restarts.read_only_labels["fr"]
    assert restarts.read_only_update.status_code == 403
    said = restarts.read_only_said
    assert f"applied 3 accepted update(s) from the journal {restarts.path}" in said, said


@pytest.mark.slow
def test_a_forged_journal_entry_stops_the_start_with_a_clear_error_and_nothing_is_deleted(settings, built, tmp_path):
    path = tmp_path / "accepted.jsonl"
    journal.append(path, label_update("fr"), [(ID["Pakistan"], RDFS.label, Literal("Pakistan", lang="fr"),
                                               ENTITIES_GRAPH)], [])
    record = json.loads(path.read_text(encoding="utf-8"))
    record["added"] = f"<{ID}Pakistan> <{OWL.sameAs}> <javascript:alert(1)> <{ENTITIES_GRAPH}> .\n"
    record["removed"] = f"<{ECO}Claim> <{RDF.type}> <{OWL.Class}> <{ENTITIES_GRAPH}> .\n"
    forged = json.dumps(record) + "\n"
    path.write_text(forged, encoding="utf-8")
    for args in (("--enable-update",), ()):
        code, said = refused_start(settings.build_dir, *args, env=env_for(path))
        assert code == 2, said
        assert str(path) in said and "line 1" in said and "does not verify" in said, said
        assert "Traceback" not in said and "remove that line" not in said
    assert path.read_text(encoding="utf-8") == forged


@pytest.mark.slow
def test_a_journal_entry_that_touches_the_ontology_is_refused_at_start(settings, built, tmp_path):
    path = tmp_path / "accepted.jsonl"
    journal.append(path, "DELETE DATA { … }", [], [(ECO["Claim"], RDF.type, OWL.Class, ONTOLOGY_GRAPH)])
    before = path.read_bytes()
    code, said = refused_start(settings.build_dir, "--enable-update", env=env_for(path))
    assert code == 2, said
    assert "ontology" in said and "line 1" in said and str(path) in said, said
    assert path.read_bytes() == before


@pytest.mark.slow
def test_deleted_blank_node_statements_stay_deleted_after_a_restart(restarts):
    assert restarts.axioms_at_first > 12
    assert restarts.delete.status_code == 200, restarts.delete.text
    assert restarts.axioms_after_delete == 0
    assert restarts.axioms_at_second == 0 and restarts.read_only_axioms == 0
    assert restarts.genid == 404


@pytest.mark.slow
def test_a_blank_node_an_update_added_can_be_deleted_after_a_restart(settings, built, tmp_path):
    from kg.stores import open_store
    from server.app import create_app
    from server.update import OWL_CONFIG

    served = settings.with_(update_enabled=True, update_token=TOKEN, update_journal=str(tmp_path / "accepted.jsonl"))
    find = 'ASK { GRAPH ?g { ecoid:Pakistan rdfs:seeAlso ?note . ?note rdfs:label "a note on Pakistan"@en } }'

    def started():
        app = create_app(served, open_store(served.with_(store="oxigraph")))
        app.config[OWL_CONFIG] = False
        return app.test_client()

    def found(client) -> bool:
        answer = client.get("/sparql", query_string={"query": find}, headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.get_json()["boolean"]

    def update(client, text: str) -> None:
        answer = client.post("/update", data=text.encode("utf-8"), headers={"Content-Type": UPDATE, **AUTH})
        assert answer.status_code == 200, answer.get_data(as_text=True)

    first = started()
    update(first, f'INSERT DATA {{ GRAPH <{ENTITIES_GRAPH}> {{ ecoid:Pakistan rdfs:seeAlso '
                  '[ rdfs:label "a note on Pakistan"@en ] } }')
    assert found(first)
    second = started()
    assert found(second)
    update(second, f"WITH <{ENTITIES_GRAPH}> DELETE {{ ecoid:Pakistan rdfs:seeAlso ?note . ?note ?p ?o }} "
                   "WHERE { ecoid:Pakistan rdfs:seeAlso ?note . ?note ?p ?o }")
    assert not found(second)
    assert not found(started())


# --------------------------------------------------------------------------------------- fold

@pytest.fixture()
def project(tmp_path, settings, built) -> Settings:
    """A copy of the project whose build is the session's, for a fold that writes into seeds/."""
    root = tmp_path / "project"
    for name in ("ontology", "seeds", "queries"):
        shutil.copytree(PROJECT_ROOT / name, root / name)
    copy = Settings().with_(root=root, seeds_dir=root / "seeds", ontology_dir=root / "ontology",
                            queries_dir=root / "queries", build_dir=root / "build")
    copy.build_dir.mkdir()
    for dumped in settings.build_dir.iterdir():
        if dumped.is_file() and (dumped.name.startswith("eco-kg.") or dumped.name == "report.txt"):
            shutil.copy2(dumped, copy.build_dir / dumped.name)
    (copy.build_dir / "fingerprint").write_text(inputs_fingerprint(copy), encoding="utf-8")
    assert is_fresh(copy)
    return copy


@pytest.mark.slow
def test_fold_writes_each_triple_into_the_seed_file_of_its_graph_from_any_journal_path(project, tmp_path):
    path = tmp_path / "elsewhere" / "my-journal.jsonl"
    comment = (CLAIM, RDFS.comment, Literal("Folded into the source it belongs to."), SOURCE)
    label = (ID["Pakistan"], RDFS.label, Literal("Pakistan", lang="fr"), ENTITIES_GRAPH)
    journal.append(path, "INSERT DATA { … }", [comment, label], [])
    entities_before = (project.seeds_dir / "entities.ttl").read_text(encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "kg", "--root", str(project.root), "journal", "fold", "--no-owl",
                           "--journal", str(path)], capture_output=True, text=True, timeout=600,
                          env={k: v for k, v in os.environ.items() if not k.startswith("ECOKG_")})
    assert done.returncode == 0, done.stdout + done.stderr
    source_text = (project.seeds_dir / "iran-pakistan-eco-security-interview.ttl").read_text(encoding="utf-8")
    entities_text = (project.seeds_dir / "entities.ttl").read_text(encoding="utf-8")
    assert "Folded into the source it belongs to." in source_text
    assert "Folded into the source it belongs to." not in entities_text
    assert entities_text != entities_before and '"Pakistan"@fr' in entities_text
    assert journal.read(path) == []
    dataset = build_dataset(project).dataset
    assert (CLAIM, RDFS.comment, comment[2]) in dataset.graph(SOURCE)
    assert (label[0], RDFS.label, label[2]) in dataset.graph(ENTITIES_GRAPH)
