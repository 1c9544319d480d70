"""SERVICE in its box, against a stand-in endpoint on 127.0.0.1: an answer past the byte cap is a 502
naming the endpoint and the setting, and the server process never holds it; more calls than the cap is
a 400 before any call; slow answers hold query workers, never the HTTP threads a normal client needs."""
from __future__ import annotations

import concurrent.futures
import functools
import json
import threading
import time

import pytest
import requests

from kg.stores import open_store
from liveserver import LiveServer
from served import PeakSampler, Served
from server.app import create_app

pytestmark = pytest.mark.slow  # real `ecokg serve` processes and answers held on purpose

SMALL = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "a"}}]}})


@functools.cache  # built once: the stand-ins only read it
def big_answer(megabytes: int) -> bytes:
    row = json.dumps({"x": {"type": "literal", "value": "v" * 200}})
    rows = megabytes * 2**20 // (len(row) + 1)
    return ('{"head": {"vars": ["x"]}, "results": {"bindings": [' + ",".join([row] * rows) + "]}}").encode()


class StandIn:
    """A SPARQL endpoint standing in for Wikidata: /big answers 30 MB, /slow holds its answer until
    `release`, anything else answers one row; ``requests`` counts what it received."""

    def __init__(self):
        self.big = big_answer(30)
        self.requests = 0
        self.held = 0
        self.released = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            self.requests += 1
        path = environ.get("PATH_INFO", "")
        body = SMALL.encode()
        if path.startswith("/big"):
            body = self.big
        elif path.startswith("/slow"):
            with self._lock:
                self.held += 1
            self.released.wait(90)
        start_response("200 OK", [("Content-Type", "application/sparql-results+json"),
                                  ("Content-Length", str(len(body)))])
        return [body]


@pytest.fixture()
def stand_in():
    app = StandIn()
    with LiveServer(app) as server:
        server.app = app
        yield server
        app.released.set()


def resident_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def test_an_answer_past_the_byte_cap_is_a_502_and_the_server_never_holds_it(settings, built, stand_in):
    endpoint = stand_in.url + "/big"
    query = f"SELECT (COUNT(*) AS ?n) {{ SERVICE <{endpoint}> {{ ?x ?y ?z }} }}"
    with Served(settings.build_dir, "--service-allowlist", endpoint) as served:
        pid = served.process.pid
        with PeakSampler(lambda: resident_bytes(pid)) as memory:
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(lambda _: requests.get(served.url + "/sparql", params={"query": query},
                                                               timeout=60), range(4)))
        for answer in answers:
            assert answer.status_code == 502, answer.text
            assert endpoint in answer.text and "service_max_bytes" in answer.text
        # the answers (4 x 30 MB) were read and refused where the query's memory cap applies
        assert memory.grown < 48 * 2**20, f"the server grew by {memory.grown // 2**20} MiB"
        assert requests.get(served.url + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200


def test_more_service_clauses_than_the_cap_is_a_400_and_no_endpoint_is_called(settings, built, stand_in):
    endpoint = stand_in.url + "/small"
    app = allowing(settings, endpoint)
    query = (f"PREFIX s: <{stand_in.url}/> SELECT * {{ "
             + " ".join("SERVICE s:small { ?a ?b ?c }" for _ in range(4000)) + " }")
    with LiveServer(app) as server:
        answer = requests.post(server.url + "/sparql", data={"query": query}, timeout=60)
        assert answer.status_code == 400, answer.text
        assert "4,000 SERVICE" in answer.text and "service_max_calls" in answer.text
        assert stand_in.app.requests == 0
        two = requests.post(server.url + "/sparql", data={"query": query.replace(
            " SERVICE s:small { ?a ?b ?c }" * 3998, "")}, headers={"Accept": "application/sparql-results+json"},
            timeout=60)
        assert two.status_code == 200, two.text
        assert stand_in.app.requests == 2


def test_slow_service_answers_hold_query_workers_not_the_threads_a_normal_client_needs(settings, built,
                                                                                      stand_in):
    endpoint = stand_in.url + "/slow"
    query = f"SELECT * {{ SERVICE <{endpoint}> {{ ?x ?y ?z }} }}"
    # without the SERVICE calls inside admission, 30 such queries hold all 12 HTTP threads for a minute
    with Served(settings.build_dir, "--service-allowlist", endpoint, "--query-workers", "4",
                "--query-timeout", "60", "--service-timeout", "60") as served:
        pool = concurrent.futures.ThreadPoolExecutor(30)
        try:
            attack = [pool.submit(requests.get, served.url + "/sparql", params={"query": query}, timeout=120)
                      for _ in range(30)]
            for _ in range(600):
                if stand_in.app.held >= 2:
                    break
                time.sleep(0.05)
            normal = requests.get(served.url + "/sparql", params={"query": "ASK {}"}, timeout=20)
            assert normal.status_code == 200, normal.text
            assert not stand_in.app.released.is_set()  # answered while every SERVICE answer is still held
            # the two held ones never finish while held: wait for the others only, not for every one
            waited_until = time.monotonic() + 20
            while sum(f.done() for f in attack) < 30 - 2 and time.monotonic() < waited_until:
                time.sleep(0.05)
            refused = [f.result() for f in attack if f.done()]
            assert len(refused) >= 30 - 2, "SERVICE queries beyond the workers' share wait outside admission"
            assert all(r.status_code == 503 and r.headers.get("Retry-After") for r in refused)
            assert stand_in.app.held <= 2  # half of the 4 workers call SERVICE endpoints at most
        finally:
            stand_in.app.released.set()
            pool.shutdown(wait=True)


TRICKY = ['a "quoted" word', "back\\slash", "two\nlines", "an escape \\u0022 kept as text", "ﬁ ∀ 漢字"]


def answers_with(bindings):
    """An endpoint answering ``bindings`` (a list) as SPARQL JSON results, or a string as it is."""
    body = (bindings if isinstance(bindings, str) else
            json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": bindings}})).encode()

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/sparql-results+json")])
        return [body]
    return app


def test_an_answer_is_written_into_the_query_as_the_same_terms(settings, built):
    bindings = [{"x": {"type": "literal", "value": text}} for text in TRICKY]
    bindings.append({"x": {"type": "literal", "value": "Tehran", "xml:lang": "en"}})
    with LiveServer(answers_with(bindings)) as endpoint:
        url = endpoint.url + "/sparql"
        store = open_store(settings.with_(service_allowlist=(url,)))
        result = store.query(f"SELECT ?x {{ SERVICE <{url}> {{ ?x ?y ?z }} }}")
        assert [str(row[0]) for row in result.rows] == TRICKY + ["Tehran"]
        assert result.rows[-1][0].language == "en"


class Answering:
    """An endpoint answering what ``body`` holds at the time it is asked."""

    body = b""

    def __call__(self, environ, start_response):
        start_response("200 OK", [("Content-Type", "application/sparql-results+json")])
        return [self.body]


@pytest.fixture(scope="module")
def endpoint_and_server(settings, built):
    """One stand-in endpoint and one server allowed to call it, for the cases that differ only in what the
    endpoint answers: each case sets its answer before it asks."""
    answering = Answering()
    with LiveServer(answering) as endpoint:
        endpoint.answering = answering
        with LiveServer(allowing(settings, endpoint.url + "/sparql")) as server:
            yield endpoint, server


@pytest.mark.parametrize("binding", [
    {"type": "uri", "value": "http://a/> } SERVICE <http://127.0.0.2/x> { ?s ?p ?o"},
    {"type": "literal", "value": "x", "xml:lang": "en } SERVICE <http://127.0.0.2/x> {"},
    {"type": "literal", "value": "x", "datatype": "http://a/> } SERVICE <http://127.0.0.2/x> {"},
])
def test_an_answer_that_would_write_query_text_of_its_own_is_a_502(endpoint_and_server, binding):
    assert_502_for(*endpoint_and_server, [{"x": binding}], "cannot be written into a query")


def test_an_answer_nested_past_any_parser_is_a_502(endpoint_and_server):
    assert_502_for(*endpoint_and_server, "[" * 100_000 + "]" * 100_000, "not JSON")


def allowing(settings, endpoint: str):
    """An app over the built graph whose SERVICE allow-list holds ``endpoint``."""
    allowed = settings.with_(service_allowlist=(endpoint,))
    return create_app(allowed, open_store(allowed))


def assert_502_for(endpoint, server, bindings, message: str):
    endpoint.answering.body = (bindings if isinstance(bindings, str) else
                               json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": bindings}})).encode()
    url = endpoint.url + "/sparql"
    answer = requests.get(server.url + "/sparql", params={
        "query": f"SELECT ?x {{ SERVICE <{url}> {{ ?x ?y ?z }} }}"}, timeout=30)
    assert answer.status_code == 502, answer.text
    assert url in answer.text and message in answer.text


def test_a_malformed_query_with_service_is_a_400_and_no_endpoint_is_called(settings, built, stand_in):
    endpoint = stand_in.url + "/small"
    with LiveServer(allowing(settings, endpoint)) as server:
        answer = requests.get(server.url + "/sparql", params={
            "query": f"SELECT * {{ SERVICE <{endpoint}> {{ ?a ?b ?c }} FILTER( }}"}, timeout=30)
    assert answer.status_code == 400, answer.text
    assert "malformed query at line 1" in answer.text
    assert stand_in.app.requests == 0
