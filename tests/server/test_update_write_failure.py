"""An accepted update whose journal cannot be written, over real HTTP on 127.0.0.1: a 503 that asks to try
again, says nothing was changed and names no path of the server's; the path is in the server's log, and
the store is as it was."""
from __future__ import annotations

import logging
import shutil

import pytest
import requests

from kg.stores import open_store
from liveserver import LiveServer
from server.app import create_app
from server.update import OWL_CONFIG

TOKEN = "test-update-token-3f9a-0123456789abcdef"
GRAPH = "https://w3id.org/eco-kg/graph/"
ADD_GERMAN_LABEL = ("PREFIX ecoid: <https://w3id.org/eco-kg/id/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                    f'INSERT DATA {{ GRAPH <{GRAPH}entities> {{ ecoid:Pakistan rdfs:label "Pakistan"@de }} }}')
HAS_GERMAN_LABEL = ('ASK { <https://w3id.org/eco-kg/id/Pakistan> <http://www.w3.org/2000/01/rdf-schema#label> '
                    '"Pakistan"@de }')


@pytest.mark.slow
def test_a_journal_that_cannot_be_written_is_a_503_that_keeps_the_servers_paths_to_itself(settings, built, tmp_path,
                                                                                           caplog):
    folder = tmp_path / "private-journal-folder"
    folder.mkdir()
    journal = folder / "journal.jsonl"
    update_settings = settings.with_(update_enabled=True, update_token=TOKEN, update_journal=str(journal))
    store = open_store(settings.with_(store="oxigraph"))
    app = create_app(update_settings, store)
    app.config[OWL_CONFIG] = False
    shutil.rmtree(folder)
    folder.write_text("a file where the journal's folder was\n")  # the disk changed under the running server
    with LiveServer(app) as server, caplog.at_level(logging.ERROR):
        answer = requests.post(server.url + "/update", data=ADD_GERMAN_LABEL.encode("utf-8"), timeout=120,
                               headers={"Content-Type": "application/sparql-update",
                                        "Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 503, answer.text
        assert answer.headers.get("Retry-After")
        assert "nothing was changed" in answer.text
        assert str(tmp_path) not in answer.text and "private-journal-folder" not in answer.text
        assert "journal.jsonl" not in answer.text
        asked = requests.get(server.url + "/sparql", params={"query": HAS_GERMAN_LABEL},
                             headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert asked.json()["boolean"] is False
    assert str(folder) in caplog.text  # the operator learns which file
