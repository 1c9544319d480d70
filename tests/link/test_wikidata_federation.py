"""The federated named queries (queries/wikidata-*.rq) run by our store and server against a second
SPARQL server on 127.0.0.1 standing in for Wikidata, and the refusals of SERVICE calls elsewhere."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from kg.namespaces import ID, WD
from kg.query import find_query, named_queries, parse_header
from kg.settings import WIKIDATA_SPARQL
from kg.stores import ForbiddenQuery, open_store
from liveserver import LiveServer

FEDERATED = ["wikidata-capitals-populations", "wikidata-eco-members-not-mentioned",
             "wikidata-labels-multilingual", "wikidata-neighbours-of-pakistan"]


@pytest.fixture(scope="module")
def federated_settings(settings, standin):
    """Our settings with Wikidata's SERVICE IRI allow-listed and called at the stand-in."""
    return settings.with_(service_allowlist=(WIKIDATA_SPARQL,),
                          service_endpoint_map=(f"{WIKIDATA_SPARQL}={standin.url}/sparql",),
                          service_timeout=5.0)


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def store(request, federated_settings, dataset):
    return open_store(federated_settings.with_(store=request.param), dataset=dataset)


def answer(store, name):
    result = store.query(find_query(name).text)
    return [dict(zip(result.variables, row)) for row in result.rows]


def test_every_federated_query_has_the_runner_header():
    found = {q.name for q in named_queries() if q.name.startswith("wikidata-")}
    assert found == set(FEDERATED)
    for name in FEDERATED:
        text = find_query(name).text
        lines = text.splitlines()
        assert lines[0].startswith("# title: ") and lines[1].startswith("# question: ")
        title, question = parse_header(text)
        assert title and question.endswith("?")
        assert f"SERVICE <{WIKIDATA_SPARQL}>" in text
        assert "SERVICE wikibase:label" not in text  # answerable by any SPARQL 1.1 mirror


def test_capitals_and_populations_of_mentioned_states(store, standin_requests):
    rows = answer(store, "wikidata-capitals-populations")
    by_state = {str(r["label"]): r for r in rows}
    assert set(by_state) == {"Afghanistan", "China", "Iran", "Pakistan", "Saudi Arabia", "Turkey"}
    assert str(by_state["Pakistan"]["capitalLabel"]) == "Islamabad"
    assert int(by_state["Pakistan"]["population"]) == 1000000
    assert by_state["Pakistan"]["wikidata"] == WD.Q843
    assert any(kind == "sparql" and "wdt:P36" in query for kind, _mode, query in standin_requests)


def test_eco_members_the_interview_does_not_mention(store):
    rows = answer(store, "wikidata-eco-members-not-mentioned")
    assert [str(r["memberLabel"]) for r in rows] == ["Azerbaijan", "Kazakhstan", "Kyrgyzstan", "Tajikistan",
                                                     "Turkmenistan", "Uzbekistan"]
    assert rows[0]["entity"] == ID.Azerbaijan


def test_names_in_the_languages_of_the_region(store):
    rows = answer(store, "wikidata-labels-multilingual")
    names = {(str(r["label"]), str(r["language"])): str(r["name"]) for r in rows}
    assert names[("Pakistan", "ur")] == "پاکستان"
    assert names[("Iran", "zh")] == "伊朗"
    assert names[("Turkey", "tr")] == "Türkiye"
    assert {lang for _label, lang in names} == {"fa", "ur", "tr", "ar", "zh", "ru"}  # not en, not de


def test_mentioned_states_bordering_pakistan(store):
    rows = answer(store, "wikidata-neighbours-of-pakistan")
    assert [r["state"] for r in rows] == [ID.Afghanistan, ID.China, ID.Iran]


@pytest.mark.parametrize("service", ["<http://127.0.0.2:{port}/sparql>", "?endpoint", "<{standin}/sparql>"])
def test_service_outside_the_allow_list_is_refused_by_the_store(store, standin, service):
    target = service.format(port=standin.port, standin=standin.url)
    with pytest.raises(ForbiddenQuery):
        store.query(f"SELECT * WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}")


# ---------------------------------------------------------------------------------- over HTTP

@pytest.fixture(scope="module")
def endpoint(federated_settings, dataset):
    from server.app import create_app

    app = create_app(federated_settings, store=open_store(federated_settings, dataset=dataset))
    with LiveServer(app) as server:
        yield server


def http_query(endpoint, query: str) -> tuple[int, str]:
    url = f"{endpoint.url}/sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def test_federated_query_over_http(endpoint):
    status, body = http_query(endpoint, find_query("wikidata-neighbours-of-pakistan").text)
    assert status == 200, body
    states = [b["state"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert states == [str(ID.Afghanistan), str(ID.China), str(ID.Iran)]


@pytest.mark.parametrize("service", ["<http://127.0.0.2:{port}/sparql>", "?endpoint"])
def test_service_outside_the_allow_list_is_answered_400(endpoint, standin, service):
    target = service.format(port=standin.port)
    status, body = http_query(endpoint, f"SELECT * WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}")
    assert status == 400
    assert "not" in body and "allow" in body
