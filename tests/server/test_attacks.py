"""Hostile requests against `ecokg serve` running as a real process on 127.0.0.1.

No request reaches a host outside the SERVICE allow-list (a canary on loopback counts every hit, and
must count none), no request takes the server down, runaway queries and updates are stopped, a full
pool answers 503 at once, and an acknowledged update survives `kill -9`.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest
import requests

from canary import Canary
from served import Served

pytestmark = pytest.mark.slow  # real `ecokg serve` processes, killed and restarted

TOKEN = "attack-test-token-0123456789abcdef0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = "application/sparql-update"
GRAPH = "https://w3id.org/eco-kg/graph/"
WIKIDATA = "https://query.wikidata.org/sparql"


def ssrf_queries(url: str) -> list[str]:
    """Ways to make a server call ``url``: escapes, comments, BASE and PREFIX, relative IRIs, nesting."""
    host = url.removeprefix("http://")
    return [
        # the escape that decodes to an escape, hiding the rest of the line behind a "#"
        f"SELECT * WHERE {{ BIND(<http://a/\\u005Cu0041#> AS ?x) SERVICE <{url}/x> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<http://a/\\u005Cu0023> AS ?x) SERVICE <{url}/x> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <\\u0068ttp://{host}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <http\\u003A//{host}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE\n<{url}/sparql>\n{{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE#comment\n<{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ # \\u000A SERVICE <{url}/sparql> {{ ?s ?p ?o }}\n }}",
        f"BASE <{url}/> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        f"BASE <{url}/> SELECT * WHERE {{ SERVICE <> {{ ?s ?p ?o }} }}",
        f"PREFIX c: <{url}/> SELECT * WHERE {{ SERVICE c:sparql {{ ?s ?p ?o }} }}",
        f"PREFIX c: <{url}/> PREFIX c: <{WIKIDATA}> SELECT * WHERE {{ SERVICE c: {{ ?s ?p ?o }} }}",
        f"PREFIX w: <{WIKIDATA}#> BASE <{url}/> SELECT * WHERE {{ SERVICE <./sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <{WIKIDATA}> {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ FILTER EXISTS {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * WHERE {{ OPTIONAL {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ BIND(<{url}/sparql> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <{url.replace('127.0.0.1', '127.1')}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <{url.replace('http', 'HTTP')}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <{WIKIDATA}\\u0000{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <{WIKIDATA}> {{ ?s ?p ?o }} }} # \\u003E SERVICE <{url}/sparql> {{ }}",
        f'SELECT * WHERE {{ BIND("\\u0022" AS ?x) SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}',
        f"SELECT * WHERE {{ BIND('''\\u0027''' AS ?x) SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"LOAD <{url}/data.ttl>",
        f"SELECT * WHERE {{ SERVICE <ｈttp://{host}/sparql> {{ ?s ?p ?o }} }}",  # a full-width look-alike
    ]


def ssrf_updates(url: str) -> list[str]:
    return [
        f"LOAD <{url}/data.ttl> INTO GRAPH <{GRAPH}entities>",
        f"LOAD SILENT <{url}/data.ttl>",
        f"\\u004cOAD <{url}/data.ttl> INTO GRAPH <{GRAPH}entities>",
        f"INSERT {{ GRAPH <{GRAPH}entities> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"INSERT {{ GRAPH <{GRAPH}entities> {{ ?s ?p ?o }} }} WHERE {{ BIND(<http://a/\\u005Cu0041#> AS ?x) "
        f"SERVICE <{url}/x> {{ ?s ?p ?o }} }}",
        f"INSERT {{ GRAPH <{GRAPH}entities> {{ ?s ?p ?o }} }} WHERE {{ # \\u000A SERVICE <{url}/x> {{ ?s ?p ?o }}\n }}",
        f"INSERT {{ GRAPH <{GRAPH}entities> {{ ?s ?p ?o }} }} USING <{url}/data.ttl> WHERE {{ ?s ?p ?o }}",
    ]


@pytest.fixture(scope="module")
def canary():
    with Canary() as running:
        yield running


@pytest.fixture(scope="module")
def server(settings, built, tmp_path_factory):
    """Short time limits, so that the tests that run a query or an update into its limit wait seconds, not
    minutes; every other query and update here is answered in a fraction of a second."""
    journal = tmp_path_factory.mktemp("journal") / "accepted.jsonl"
    with Served(settings.build_dir, "--enable-update",
                env={"ECOKG_UPDATE_TOKEN": TOKEN, "ECOKG_UPDATE_JOURNAL": str(journal), "ECOKG_NO_OWL": "1",
                     "ECOKG_QUERY_WORKERS": "4", "ECOKG_QUERY_TIMEOUT": "3", "ECOKG_UPDATE_TIMEOUT": "2"}) as running:
        yield running


def test_no_query_or_update_reaches_a_host_outside_the_allow_list(server, canary):
    queries, updates = ssrf_queries(canary.url), ssrf_updates(canary.url)
    statuses = []
    for query in queries:
        statuses.append(requests.get(f"{server.url}/sparql", params={"query": query}, timeout=30).status_code)
        statuses.append(requests.post(f"{server.url}/sparql", data={"query": query}, timeout=30).status_code)
    for update in updates:
        statuses.append(requests.post(f"{server.url}/update", data=update.encode(), timeout=30,
                                      headers={"Content-Type": UPDATE, **AUTH}).status_code)
    attempts = 2 * len(queries) + len(updates)
    print(f"SSRF attempts: {attempts}, canary hits: {len(canary.hits)}")
    assert canary.hits == []
    assert all(status in (200, 400, 502) for status in statuses), statuses
    assert server.alive()
    gone = requests.get(f"{server.url}/sparql", params={"query": "ASK { ?s <http://canary.example/p> ?o }"},
                        timeout=10)
    assert gone.json()["boolean"] is False  # nothing fetched found its way into the graph


def test_the_query_engine_itself_cannot_reach_the_network(settings, built, canary):
    """Whatever text reaches the engine, it has no network: SERVICE is the server's job, not the engine's."""
    from kg.stores import open_store

    store = open_store(settings)
    with pytest.raises(Exception):
        store._in_worker(("query", f"SELECT * {{ SERVICE <{canary.url}/sparql> {{ ?s ?p ?o }} }}", "SELECT",
                          None, None, None, 10), time.monotonic() + 10, 10)
    assert canary.hits == []


def test_ecokg_query_does_not_reach_a_host_outside_the_allow_list(settings, built, canary, tmp_path):
    query = tmp_path / "ssrf.rq"
    query.write_text(ssrf_queries(canary.url)[0], encoding="utf-8")
    env = dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir))
    done = subprocess.run([sys.executable, "-m", "kg", "query", str(query)], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert canary.hits == []


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> {?x ?y ?z} " + "{ " * 10000 + "?s ?p ?o"
    + " }" * 10000 + " }",
    "SELECT * WHERE { " + "{ " * 10000 + "?s ?p ?o" + " }" * 10000 + " }",
    "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    "SELECT * WHERE { ?s ?p " + "[ <a:p> " * 3000 + "?o" + " ]" * 3000 + " }",
])
def test_deep_nesting_is_a_400_and_the_server_keeps_serving(server, query):
    response = requests.post(f"{server.url}/sparql", data={"query": query}, timeout=30)
    assert response.status_code == 400, response.text[:300]
    assert "levels deep" in response.text
    assert "Traceback" not in response.text
    assert server.alive()
    assert requests.get(f"{server.url}/sparql", params={"query": "ASK {}"}, timeout=10).ok


def test_a_query_that_doubles_a_string_is_stopped_and_the_server_keeps_serving(server):
    binds = " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(27))
    query = f'SELECT (STRLEN(?s27) AS ?n) WHERE {{ BIND("ab" AS ?s0) {binds} }}'
    started = time.monotonic()
    response = requests.get(f"{server.url}/sparql", params={"query": query}, timeout=60)
    assert response.status_code == 503, response.text[:300]
    assert "memory" in response.text or "did not finish" in response.text
    assert time.monotonic() - started < 15
    assert requests.get(f"{server.url}/sparql", params={"query": "ASK { ecoid:Pakistan ?p ?o }"}, timeout=10).ok


def test_a_full_pool_answers_503_with_retry_after_at_once(server):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    runners = [threading.Thread(target=lambda: requests.get(f"{server.url}/sparql", params={"query": slow},
                                                            timeout=30)) for _ in range(4)]
    for runner in runners:
        runner.start()
    time.sleep(1.0)
    started = time.monotonic()
    # a text no earlier request asked, so no cached answer stands in for evaluation
    fresh = f'ASK {{ FILTER("{time.time_ns()}" != "") }}'
    response = requests.get(f"{server.url}/sparql", params={"query": fresh}, timeout=30)
    waited = time.monotonic() - started
    for runner in runners:
        runner.join()
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    assert "busy" in response.text
    assert waited < 2
    assert requests.get(f"{server.url}/sparql", params={"query": "ASK {}"}, timeout=10).ok


def test_an_update_past_its_time_limit_is_stopped(server):
    heavy = (f"INSERT {{ GRAPH <{GRAPH}entities> {{ ?a <https://w3id.org/eco-kg/ontology/x> ?c }} }} "
             "WHERE { GRAPH ?w { ?a ?b ?c } GRAPH ?x { ?d ?e ?f } GRAPH ?y { ?g ?h ?i } GRAPH ?z { ?j ?k ?l } }")
    started = time.monotonic()
    response = requests.post(f"{server.url}/update", data=heavy.encode(), headers={"Content-Type": UPDATE, **AUTH},
                             timeout=60)
    assert response.status_code == 503, response.text
    assert "nothing was changed" in response.text
    assert time.monotonic() - started < 20
    time.sleep(0.5)
    children = subprocess.run(["ps", "--ppid", str(server.process.pid), "-o", "pid=,stat=,pcpu="],
                              capture_output=True, text=True).stdout.split("\n")
    busy = [line for line in children if line.strip() and float(line.split()[-1]) > 50]
    assert busy == []  # nothing left burning CPU


@pytest.mark.parametrize("update, status, words", [
    (f'INSERT DATA {{ GRAPH <{GRAPH}entities> {{ <x> <y> "z" }} }}', 400, "relative IRI"),
    ("", 400, "the update is empty"),
])
def test_update_protocol_corners(server, update, status, words):
    response = requests.post(f"{server.url}/update", data=update.encode(), timeout=30,
                             headers={"Content-Type": UPDATE, **AUTH})
    assert response.status_code == status, response.text
    assert words in response.text


def test_an_update_in_the_url_with_an_empty_body_is_refused(server):
    label = f'INSERT DATA {{ GRAPH <{GRAPH}entities> {{ ecoid:Pakistan rdfs:label "Url-Pakistan"@en }} }}'
    response = requests.post(f"{server.url}/update", params={"update": label}, headers=AUTH, timeout=30)
    assert response.status_code == 400
    assert "in the URL" in response.text
    asked = requests.get(f"{server.url}/sparql", params={"query": 'ASK { ?s rdfs:label "Url-Pakistan"@en }'},
                         timeout=10)
    assert asked.json()["boolean"] is False


def test_an_acknowledged_update_survives_kill_9(settings, built, tmp_path):
    journal = tmp_path / "accepted.jsonl"
    env = {"ECOKG_UPDATE_TOKEN": TOKEN, "ECOKG_UPDATE_JOURNAL": str(journal), "ECOKG_NO_OWL": "1"}
    label = f'INSERT DATA {{ GRAPH <{GRAPH}entities> {{ ecoid:Pakistan rdfs:label "Pakistan"@fr }} }}'
    check = 'ASK { ecoid:Pakistan rdfs:label "Pakistan"@fr }'
    first = Served(settings.build_dir, "--enable-update", env=env).start()
    try:
        response = requests.post(f"{first.url}/update", data=label.encode(), timeout=60,
                                 headers={"Content-Type": UPDATE, **AUTH})
        assert response.status_code == 200, response.text
        assert "persisted" in response.text and "NOT persisted" not in response.text
        first.kill_hard()
    finally:
        first.stop()
    with Served(settings.build_dir, "--enable-update", env=env) as second:
        asked = requests.get(f"{second.url}/sparql", params={"query": check}, timeout=10)
        assert asked.json()["boolean"] is True
    with Served(settings.build_dir, env={"ECOKG_UPDATE_JOURNAL": str(journal)}) as read_only:  # updates off: served
        asked = requests.get(f"{read_only.url}/sparql", params={"query": check}, timeout=10)
        assert asked.json()["boolean"] is True
    listed = subprocess.run([sys.executable, "-m", "kg", "journal", "list"], capture_output=True, text=True,
                            env=dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir),
                                     ECOKG_UPDATE_JOURNAL=str(journal)), timeout=60)
    assert listed.returncode == 0 and "1 accepted update(s)" in listed.stdout  # … and kept for folding


@pytest.fixture(scope="module")
def token_file_no_journal(settings, built, tmp_path_factory):
    """Updates turned on by a token file (no token in the environment), with the journal turned off."""
    token_file = tmp_path_factory.mktemp("token") / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    environment = {"ECOKG_UPDATE_JOURNAL": "", "ECOKG_NO_OWL": "1"}
    with Served(settings.build_dir, "--enable-update", "--update-token-file", str(token_file),
                env=environment) as running:
        yield running


def test_a_journal_turned_off_is_said_in_the_answer(token_file_no_journal):
    label = f'INSERT DATA {{ GRAPH <{GRAPH}entities> {{ ecoid:Pakistan rdfs:label "Pakistan"@it }} }}'
    response = requests.post(f"{token_file_no_journal.url}/update", data=label.encode(), timeout=60,
                             headers={"Content-Type": UPDATE, **AUTH})
    assert response.status_code == 200
    assert "NOT persisted" in response.text


@pytest.mark.parametrize("args, env, words", [
    (["--enable-update"], {"ECOKG_UPDATE_TOKEN": "short-token"}, "at least 32"),
    (["--enable-update", "--update-token", TOKEN], {}, "not taken from the command line"),
])
def test_weak_or_visible_tokens_are_refused_at_start(settings, built, args, env, words):
    environment = dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir), **env)
    environment.pop("ECOKG_UPDATE_TOKEN", None) if not env else None
    done = subprocess.run([sys.executable, "-m", "kg", "serve", "--port", "0", *args], env=environment,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert words in done.stderr
    assert "Traceback" not in done.stderr


def test_a_token_file_turns_updates_on(token_file_no_journal):
    label = f'INSERT DATA {{ GRAPH <{GRAPH}entities> {{ ecoid:Iran rdfs:label "Iran"@fr }} }}'
    response = requests.post(f"{token_file_no_journal.url}/update", data=label.encode(), timeout=60,
                             headers={"Content-Type": UPDATE, **AUTH})
    assert response.status_code == 200, response.text


def test_workers_killed_under_load_cost_no_client_a_5xx(server):
    """Query workers killed from outside (an OOM killer, an operator) are replaced; their requests retried."""
    import signal

    statuses, bodies = [], []
    stop = time.monotonic() + 4

    def client():
        session = requests.Session()
        while time.monotonic() < stop:
            response = session.get(f"{server.url}/sparql", timeout=30,
                                   params={"query": "SELECT ?s WHERE { ?s a eco:State } LIMIT 3"})
            statuses.append(response.status_code)
            if response.status_code != 200:
                bodies.append(response.text[:300])

    runners = [threading.Thread(target=client) for _ in range(3)]
    for runner in runners:
        runner.start()
    killed = 0
    while time.monotonic() < stop:
        listing = subprocess.run(["ps", "--ppid", str(server.process.pid), "-o", "pid="], capture_output=True,
                                 text=True).stdout.split()
        for pid in listing[:1]:  # one at a time, as an out-of-memory killer would
            try:
                os.kill(int(pid), signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        time.sleep(0.25)
    for runner in runners:
        runner.join()
    print(f"workers killed: {killed}, requests: {len(statuses)}, statuses: {sorted(set(statuses))}")
    assert killed > 0
    assert statuses and all(status == 200 for status in statuses), bodies[:3]
    assert server.alive()
