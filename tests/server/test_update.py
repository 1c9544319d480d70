"""POST /update: off by default, bearer token, every change through the validation gate, applied whole
or not at all; over the Flask test client and over real HTTP on 127.0.0.1 (SPARQLWrapper, requests)."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
import requests
from SPARQLWrapper import JSON, POST, POSTDIRECTLY, SPARQLWrapper

from kg.namespaces import GRAPH, ID
from kg.cli import main
from kg.stores import open_store
from liveserver import LiveServer
from server.app import create_app
from server.update import OWL_CONFIG, UpdateConfigError
from until_changed import UntilChanged

TOKEN = "test-update-token-3f9a-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = "application/sparql-update"
SOURCE_GRAPH = GRAPH + "source/iran-pakistan-eco-security-interview"
ADD_GERMAN_LABEL = f'INSERT DATA {{ GRAPH <{GRAPH}entities> {{ ecoid:Pakistan rdfs:label "Pakistan"@de }} }}'
HAS_GERMAN_LABEL = 'ASK { ecoid:Pakistan rdfs:label "Pakistan"@de }'


def claim_update(name: str, quote: str) -> str:
    return f"""INSERT DATA {{ GRAPH <{SOURCE_GRAPH}> {{
  claim:{name} a eco:Proposal ;
    rdfs:label "Pakistan can help ECO's vision in several ways"@en ;
    eco:holder ecoid:Pakistan ;
    eco:modality modality:Offered ;
    eco:forum ecoid:ECO ;
    eco:quote "{quote}" .
}} }}"""


def content(store) -> frozenset[str]:
    """The store's every quad, as N-Quads text: equal sets mean the same content, byte for byte."""
    return frozenset(map(str, store.oxigraph_quads()))


def ask(client, query: str) -> bool:
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["boolean"]


@pytest.fixture()
def update_settings(settings, tmp_path):
    return settings.with_(update_enabled=True, update_token=TOKEN, update_journal=str(tmp_path / "journal.jsonl"))


@pytest.fixture()
def fresh_store(settings, built):
    """A store of its own: these tests change it."""
    return open_store(settings.with_(store="oxigraph"))


@pytest.fixture()
def update_app(update_settings, fresh_store):
    app = create_app(update_settings, fresh_store)
    app.config[OWL_CONFIG] = False  # the OWL stage (HermiT, seconds) has a test of its own
    return app


@pytest.fixture()
def uclient(update_app):
    return update_app.test_client()


@dataclass
class UpdateApp:
    app: object
    store: object


@pytest.fixture(scope="module")
def unchanged_app(settings, built, tmp_path_factory):
    """One app with updates on for the tests whose requests are all refused or change nothing: creating an app
    (its templates, the gate's schema, its store and the store's workers) is most of such a test's time."""
    folder = tmp_path_factory.mktemp("unchanged")

    def make(n: int) -> UpdateApp:
        store = open_store(settings.with_(store="oxigraph"))
        app = create_app(settings.with_(update_enabled=True, update_token=TOKEN,
                                        update_journal=str(folder / f"journal-{n}.jsonl")), store)
        app.config[OWL_CONFIG] = False  # as in `update_app`
        return UpdateApp(app, store)

    shared = UntilChanged(make, lambda made: made.store.close())
    yield shared
    shared.discard()


@pytest.fixture()
def shared_store(unchanged_app):
    """The shared app's store; a test whose request changed it after all fails on its own check, and leaves the
    next test a fresh app rather than its change."""
    with unchanged_app.unchanged() as made:
        yield made.store


@pytest.fixture()
def shared_client(unchanged_app, shared_store):
    return unchanged_app.get().app.test_client()


def post(client, text: str, *, headers: dict | None = None, **kwargs):
    return client.post("/update", data=text.encode("utf-8"),
                       headers={"Content-Type": UPDATE, **AUTH, **(headers or {})}, **kwargs)


# --------------------------------------------------------------------------------------- off by default, token

@pytest.mark.parametrize("method", ["GET", "POST"])
def test_update_is_off_by_default_and_says_how_to_turn_it_on(client, method):
    response = client.open("/update", method=method, data=ADD_GERMAN_LABEL, headers={"Content-Type": UPDATE, **AUTH})
    assert response.status_code == 403
    assert response.mimetype == "text/plain"
    assert "ECOKG_UPDATE_TOKEN=… ecokg serve --enable-update" in response.get_data(as_text=True)


def test_enabling_update_without_a_token_is_refused_at_start_up(settings, fresh_store):
    with pytest.raises(UpdateConfigError, match="no update token"):
        create_app(settings.with_(update_enabled=True), fresh_store)
    with pytest.raises(UpdateConfigError):
        create_app(settings.with_(update_enabled=True, update_token="  "), fresh_store)


def test_ecokg_serve_exits_2_when_update_is_enabled_without_a_token(settings, built, monkeypatch, capsys):
    monkeypatch.setenv("ECOKG_BUILD_DIR", str(settings.build_dir))
    monkeypatch.delenv("ECOKG_UPDATE_TOKEN", raising=False)
    assert main(["serve", "--enable-update", "--port", "0"]) == 2
    error = capsys.readouterr().err
    assert "no update token is set" in error and "--update-token-file" in error


@pytest.mark.slow
@pytest.mark.parametrize("headers, why", [
    ({}, "send `Authorization: Bearer TOKEN`"),
    ({"Authorization": "Bearer not-the-token"}, "not valid"),
    ({"Authorization": f"Basic {TOKEN}"}, "must be `Bearer TOKEN`"),
    ({"Authorization": "Bearer "}, "must be `Bearer TOKEN`"),
])
def test_a_missing_or_wrong_token_is_401_and_changes_nothing(shared_client, shared_store, headers, why):
    before = content(shared_store)
    response = shared_client.post("/update", data=ADD_GERMAN_LABEL, headers={"Content-Type": UPDATE, **headers})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert why in response.get_data(as_text=True)
    assert content(shared_store) == before


# --------------------------------------------------------------------------------------- accepted updates

def test_a_valid_update_is_applied_and_visible_through_sparql(uclient):
    assert not ask(uclient, HAS_GERMAN_LABEL)
    response = post(uclient, ADD_GERMAN_LABEL)
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert text.startswith("ok: 1 triple(s) added, 0 removed")
    assert f"<{GRAPH}entities>: +1 -0" in text
    assert ask(uclient, HAS_GERMAN_LABEL)
    assert ask(uclient, f'ASK {{ GRAPH <{GRAPH}entities> {{ ecoid:Pakistan rdfs:label "Pakistan"@de }} }}')


@pytest.mark.slow
def test_a_new_claim_quoting_the_interview_is_accepted(uclient, update_settings):
    response = post(uclient, claim_update("pk-can-help-in-several-ways", "Concretely, Pakistan can help in several ways."),
                    headers={"Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    summary = response.get_json()
    # the six triples of the update, and the evidence and attribution the build would derive from them
    assert summary["ok"] and summary["added"] > 6 and summary["removed"] == 0
    assert summary["graphs"] == {SOURCE_GRAPH: {"added": summary["added"], "removed": 0}}
    assert {s["name"]: s["status"] for s in summary["stages"]}["evidence"] == "passed"
    assert ask(uclient, f"ASK {{ GRAPH <{SOURCE_GRAPH}> {{ claim:pk-can-help-in-several-ways a eco:Proposal ; "
                        "eco:holder ecoid:Pakistan ; eco:modality modality:Offered } }")
    # the stored claim carries its evidence, as a built one does: selectors that slice the interview
    response = uclient.get("/sparql", headers={"Accept": "application/sparql-results+json"}, query_string={
        "query": "SELECT ?exact ?start ?end ?who WHERE { claim:pk-can-help-in-several-ways eco:hasEvidence ?a ; "
                 "prov:wasAttributedTo ?who . ?a oa:hasTarget/oa:hasSelector ?q, ?p . ?q oa:exact ?exact . "
                 "?p oa:start ?start ; oa:end ?end }"})
    rows = response.get_json()["results"]["bindings"]
    assert [(r["exact"]["value"], r["who"]["value"]) for r in rows] == [
        ("Concretely, Pakistan can help in several ways.", f"{ID}UnnamedPakistaniOfficial")]
    text = (update_settings.seeds_dir / "iran-pakistan-eco-security-interview.txt").read_text(encoding="utf-8")
    assert text[int(rows[0]["start"]["value"]):int(rows[0]["end"]["value"])] == rows[0]["exact"]["value"]


@pytest.mark.slow
def test_a_stored_claim_conforms_to_the_claim_shape(uclient, fresh_store, update_settings):
    from rdflib import Graph, URIRef

    from kg.checks import shacl_results, shapes_graph

    response = post(uclient, claim_update("pk-can-help-in-several-ways", "Concretely, Pakistan can help in several ways."))
    assert response.status_code == 200, response.get_data(as_text=True)
    stored = Graph()
    for s, p, o, _g in fresh_store.quads():
        stored.add((s, p, o))
    claim = URIRef("https://w3id.org/eco-kg/id/claim/pk-can-help-in-several-ways")
    conforms, results = shacl_results(stored, shapes_graph(update_settings), focus_nodes=[claim])
    assert conforms, [r["message"] for r in results]


@pytest.mark.slow
def test_form_encoded_update_and_delete_insert_where(uclient):
    assert post(uclient, ADD_GERMAN_LABEL).status_code == 200
    change = (f"WITH <{GRAPH}entities> DELETE {{ ecoid:Pakistan rdfs:label ?l }} "
              'INSERT { ecoid:Pakistan rdfs:label "Pakistan"@nl } '
              'WHERE { ecoid:Pakistan rdfs:label ?l FILTER(lang(?l) = "de") }')
    response = uclient.post("/update", data={"update": change}, headers=AUTH)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_data(as_text=True).startswith("ok: 1 triple(s) added, 1 removed")
    assert not ask(uclient, HAS_GERMAN_LABEL)
    assert ask(uclient, 'ASK { ecoid:Pakistan rdfs:label "Pakistan"@nl }')


@pytest.mark.slow
def test_an_update_that_changes_nothing_is_ok(shared_client, shared_store):
    before = content(shared_store)
    response = post(shared_client,
                    'DELETE DATA { GRAPH <%sentities> { ecoid:Pakistan rdfs:label "nope"@en } }' % GRAPH)
    assert response.status_code == 200
    assert "changed nothing" in response.get_data(as_text=True)
    assert content(shared_store) == before


@pytest.mark.slow
def test_the_rdflib_backend_is_updated_too(update_settings, built):
    rdflib_settings = update_settings.with_(store="rdflib")
    app = create_app(rdflib_settings, open_store(rdflib_settings))
    app.config[OWL_CONFIG] = False
    client = app.test_client()
    response = post(client, ADD_GERMAN_LABEL)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert ask(client, HAS_GERMAN_LABEL)


# --------------------------------------------------------------------------------------- rejected updates

@pytest.mark.slow
@pytest.mark.parametrize("update, stage, rule", [
    (f"INSERT DATA {{ GRAPH <{GRAPH}entities> {{ ecoid:Pakistan eco:bordersOnto ecoid:Iran }} }}",
     "vocabulary", "unknown-property"),
    (f'INSERT DATA {{ GRAPH <{GRAPH}entities> {{ ecoid:GwadarPort a eco:Port ; rdfs:label "Gwadar Port" }} }}',
     "shacl", None),
    (claim_update("pk-builds-a-wall", "Pakistan will build a wall along the whole border."),
     "evidence", "quote-not-found"),
])
def test_a_change_the_gate_rejects_is_422_with_its_report_and_leaves_the_store_as_it_was(
        shared_client, shared_store, update, stage, rule):
    before = content(shared_store)
    response = post(shared_client, update)
    text = response.get_data(as_text=True)
    assert response.status_code == 422, text
    assert response.mimetype == "text/plain"
    assert "nothing was changed" in text and f"rejected at stage {stage}" in text
    if rule:
        assert f"[{stage}/{rule}]" in text
    assert content(shared_store) == before

    response = post(shared_client, update, headers={"Accept": "application/json"})
    assert response.status_code == 422 and response.mimetype == "application/json"
    report = response.get_json()
    assert report["ok"] is False and report["failed_stage"] == stage
    assert all(p["stage"] == stage for p in report["problems"])
    assert content(shared_store) == before


@pytest.mark.slow
def test_the_owl_stage_rejects_a_disjointness_violation(uclient, update_app, fresh_store):
    update_app.config[OWL_CONFIG] = True
    before = content(fresh_store)
    response = post(uclient, f"INSERT DATA {{ GRAPH <{GRAPH}entities> {{ ecoid:Pakistan a eco:Region }} }}",
                    headers={"Accept": "application/json"})
    assert response.status_code == 422, response.get_data(as_text=True)
    report = response.get_json()
    assert report["failed_stage"] == "owl"
    problem = report["problems"][0]
    assert problem["rule_id"] == "owl/inconsistent" and problem["node"] == "ecoid:Pakistan"
    assert "disjoint" in problem["message"]
    assert content(fresh_store) == before
    assert not ask(uclient, "ASK { ecoid:Pakistan a eco:Region }")


@pytest.mark.slow
@pytest.mark.parametrize("update, expected", [
    ("LOAD <http://example.org/data.ttl>", "LOAD is refused"),
    (f"LOAD SILENT <http://example.org/data.ttl> INTO GRAPH <{GRAPH}entities>", "LOAD is refused"),
    ("CLEAR ALL", "ontology"),
    (f"DROP GRAPH <{GRAPH}ontology>", "ontology"),
    (f"DELETE WHERE {{ GRAPH <{GRAPH}ontology> {{ eco:Region ?p ?o }} }}", "ontology"),
    (f"INSERT DATA {{ GRAPH <{GRAPH}ontology> {{ eco:Region rdfs:comment \"x\"@en }} }}", "ontology"),
    ('INSERT DATA { ecoid:Pakistan rdfs:label "Pakistan"@de }', "default graph"),
    ('INSERT DATA { GRAPH <https://example.org/g> { ecoid:Pakistan rdfs:label "Pakistan"@de } }',
     "would create the graph"),
    ("INSERT { GRAPH <%sentities> { ?s rdfs:label ?l } } WHERE { SERVICE <https://query.wikidata.org/sparql> "
     "{ ?s rdfs:label ?l } }" % GRAPH, "SERVICE is refused"),
    ("SELECT * WHERE { ?s ?p ?o }", "send queries to /sparql"),
])
def test_refused_updates_are_400_and_change_nothing(shared_client, shared_store, update, expected):
    before = content(shared_store)
    response = post(shared_client, update)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    assert expected in response.get_data(as_text=True)
    assert content(shared_store) == before


def test_a_malformed_update_is_400_with_line_and_column(shared_client, shared_store):
    before = content(shared_store)
    response = post(shared_client,
                    f"INSERT DATA {{\n  GRAPH <{GRAPH}entities> {{ ecoid:Pakistan rdfs:label }}\n}}")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert text.startswith("malformed update at line 2, column ")
    assert "Traceback" not in text
    assert content(shared_store) == before


@pytest.mark.slow
@pytest.mark.parametrize("kwargs, status, expected", [
    (dict(method="GET", query_string={"update": ADD_GERMAN_LABEL}), 405, "send updates with POST"),
    (dict(method="POST", data=ADD_GERMAN_LABEL, query_string={"using-graph-uri": GRAPH + "entities"},
          content_type=UPDATE), 400, "using-graph-uri parameter is not supported"),
    (dict(method="POST", data={"update": ADD_GERMAN_LABEL, "using-named-graph-uri": GRAPH + "entities"}),
     400, "using-named-graph-uri parameter is not supported"),
    (dict(method="POST", data=ADD_GERMAN_LABEL, content_type="text/plain"), 415, "unsupported Content-Type"),
    (dict(method="POST", data=ADD_GERMAN_LABEL, content_type="application/sparql-query"), 415,
     "use Content-Type application/sparql-update"),
    (dict(method="POST", data={"update": ""}), 400, "the update is empty"),
    (dict(method="POST", data={"nothing": "here"}), 400, "no update"),
    (dict(method="POST", data=b"INSERT DATA { \xff }", content_type=UPDATE), 400, "not valid UTF-8"),
])
def test_protocol_errors(shared_client, shared_store, kwargs, status, expected):
    before = content(shared_store)
    method = kwargs.pop("method")
    response = shared_client.open("/update", method=method, headers=AUTH, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    assert expected in response.get_data(as_text=True)
    if status == 405:
        assert response.headers["Allow"] == "POST"
    assert content(shared_store) == before


def test_sparql_still_refuses_updates_when_update_is_enabled(shared_client, shared_store):
    before = content(shared_store)
    response = shared_client.post("/sparql", data=ADD_GERMAN_LABEL, headers={"Content-Type": UPDATE, **AUTH})
    assert response.status_code == 400
    assert "read-only" in response.get_data(as_text=True)
    response = shared_client.post("/sparql", data={"query": ADD_GERMAN_LABEL}, headers=AUTH)
    assert response.status_code == 400
    assert content(shared_store) == before


@pytest.mark.slow
def test_queries_running_during_updates_see_each_update_whole(uclient, update_app):
    """Two labels added in one update: a concurrent query counts none or both, never one."""
    counts = []
    stop = threading.Event()
    count_query = ('SELECT (COUNT(*) AS ?n) { ecoid:Iran rdfs:label ?l '
                   'FILTER(lang(?l) IN ("de", "nl")) }')

    def watch():
        client = update_app.test_client()
        while not stop.is_set():
            response = client.get("/sparql", query_string={"query": count_query},
                                  headers={"Accept": "application/sparql-results+json"})
            counts.append(int(response.get_json()["results"]["bindings"][0]["n"]["value"]))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for verb in ("INSERT", "DELETE", "INSERT"):
            response = post(uclient, f'{verb} DATA {{ GRAPH <{GRAPH}entities> {{ '
                                     'ecoid:Iran rdfs:label "Iran"@de , "Iran"@nl } }')
            assert response.status_code == 200, response.get_data(as_text=True)
    finally:
        stop.set()
        watcher.join()
    assert counts and set(counts) <= {0, 2}


# --------------------------------------------------------------------------------------- real HTTP

@pytest.fixture()
def live_update(update_app):
    with LiveServer(update_app) as server:
        yield server


@pytest.mark.slow
@pytest.mark.parametrize("request_method", [POSTDIRECTLY, "urlencoded"])
def test_sparqlwrapper_update_over_http(live_update, request_method):
    client = SPARQLWrapper(live_update.url + "/sparql", updateEndpoint=live_update.url + "/update")
    client.setMethod(POST)
    client.setRequestMethod(request_method)
    client.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    client.setQuery(ADD_GERMAN_LABEL.replace("ecoid:Pakistan", f"<{ID}Pakistan>").replace(
        "rdfs:label", "<http://www.w3.org/2000/01/rdf-schema#label>"))
    result = client.query()
    assert result.response.status == 200
    assert result.response.read().decode("utf-8").startswith("ok: 1 triple(s) added")

    reader = SPARQLWrapper(live_update.url + "/sparql")
    reader.setReturnFormat(JSON)
    reader.setQuery(f'ASK {{ <{ID}Pakistan> <http://www.w3.org/2000/01/rdf-schema#label> "Pakistan"@de }}')
    assert reader.queryAndConvert()["boolean"] is True


@pytest.mark.slow
def test_requests_over_http_token_rejection_and_refusal(live_update, fresh_store):
    url = live_update.url + "/update"
    before = content(fresh_store)
    response = requests.post(url, data=ADD_GERMAN_LABEL.encode(), headers={"Content-Type": UPDATE}, timeout=30)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    response = requests.post(url, data=ADD_GERMAN_LABEL.encode(),
                             headers={"Content-Type": UPDATE, "Authorization": "Bearer wrong"}, timeout=30)
    assert response.status_code == 401

    bad = f"INSERT DATA {{ GRAPH <{GRAPH}entities> {{ ecoid:Pakistan eco:bordersOnto ecoid:Iran }} }}"
    response = requests.post(url, data={"update": bad}, headers={**AUTH, "Accept": "application/json"}, timeout=30)
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["problems"][0]["rule_id"] == "vocabulary/unknown-property"

    response = requests.post(url, data={"update": "LOAD <http://example.org/x.ttl>"}, headers=AUTH, timeout=30)
    assert response.status_code == 400 and "LOAD is refused" in response.text
    assert content(fresh_store) == before

    response = requests.post(url, data={"update": ADD_GERMAN_LABEL}, headers=AUTH, timeout=30)
    assert response.status_code == 200, response.text
    answer = requests.get(live_update.url + "/sparql", params={"query": HAS_GERMAN_LABEL},
                          headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert answer.json()["boolean"] is True
