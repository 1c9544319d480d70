"""`kg.http` over real HTTP on 127.0.0.1, and each caller's errors: a busy server (429, 503 with
Retry-After) is asked again within bounds, a redirect is never followed, a slow one times out, a URL
off the allow-list is never connected to (digest authentication: tests/test_one_client.py)."""
from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kg.errors import LinkError, StoreError
from kg.http import RETRIES, HttpClient, HttpNotAllowed, HttpRedirected, HttpTooLarge
from kg.link import WikidataClient
from kg.settings import Settings
from kg.stores import ForbiddenQuery, ServiceClient
from kg.stores.interface import QueryTimeout, ServiceFailure, ServiceTimeout
from kg.stores.remote import RemoteStore

SELECT_ANSWER = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal",
                                                                                     "value": "1"}}]}}).encode()
JSON = {"Content-Type": "application/sparql-results+json"}


@dataclass
class Answer:
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0


@dataclass
class Hit:
    at: float
    method: str
    path: str
    headers: dict


class Scripted:
    """A server on 127.0.0.1 giving each request the next `Answer` of its script (the last one repeats);
    ``hits`` records every request it receives."""

    def __init__(self, *answers: Answer):
        self.answers = list(answers)
        self.hits: list[Hit] = []
        script = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                script.hits.append(Hit(time.monotonic(), self.command, self.path, dict(self.headers)))
                chosen = script.answers[min(len(script.hits), len(script.answers)) - 1]
                time.sleep(chosen.delay)
                self.send_response(chosen.status)
                for name, value in chosen.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(chosen.body)))
                self.end_headers()
                self.wfile.write(chosen.body)

            do_GET = do_POST = do_PUT = answer

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads, self._server.block_on_close = True, False
        self._server.handle_error = lambda request, address: None  # a client that gave up is not an error here
        self.url = f"http://127.0.0.1:{self._server.server_port}/sparql"
        # shutdown() waits for the serve loop to look at its flag: a short poll keeps that wait out of each test
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    def __enter__(self) -> "Scripted":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def service_select(url: str, timeout: float = 5.0):
    return ServiceClient([url], timeout).select(url, "SELECT * { ?s ?p ?o }", timeout=timeout)


def remote_select(url: str, timeout: float = 5.0):
    store = RemoteStore(Settings(), url, graphs=["http://example.org/g"], union_default="listed")
    return store.query("SELECT * WHERE { ?s ?p ?o }", timeout=timeout)


def wikidata_select(url: str, timeout: float = 5.0):
    return WikidataClient(url, timeout).select("SELECT * WHERE { ?s ?p ?o }")


def wikidata_search(url: str, timeout: float = 5.0):
    return WikidataClient(url, timeout).search("Pakistan")


#: every caller of kg.http that reads, and the error it raises for an answer it cannot use
CALLERS = {
    "service": (service_select, ServiceFailure),
    "remote store": (remote_select, StoreError),
    "wikidata sparql": (wikidata_select, LinkError),
    "wikidata api": (wikidata_search, LinkError),
}


def test_a_503_with_retry_after_is_asked_again_after_that_wait_and_then_answers():
    with Scripted(Answer(503, {"Retry-After": "1"}, b"busy"), Answer(200, {}, b"ok")) as server:
        response = HttpClient("test").request("GET", server.url)
    assert (response.status, response.body) == (200, b"ok")
    assert len(server.hits) == 2
    assert server.hits[1].at - server.hits[0].at >= 0.9
    assert server.hits[0].headers["User-Agent"].startswith("eco-kg/")


def test_a_429_with_retry_after_is_honoured_for_a_service_query():
    with Scripted(Answer(429, {"Retry-After": "1"}), Answer(200, JSON, SELECT_ANSWER)) as server:
        variables, bindings = service_select(server.url)
    assert variables == ["x"] and str(bindings[0]["x"]) == "1"
    assert [hit.method for hit in server.hits] == ["POST", "POST"]
    assert server.hits[1].at - server.hits[0].at >= 0.9


@pytest.mark.parametrize("caller, error", CALLERS.values(), ids=CALLERS.keys())
def test_a_server_busy_every_time_is_given_up_on_with_the_callers_error(caller, error):
    with Scripted(Answer(503, {"Retry-After": "0"}, b"still busy")) as server:
        with pytest.raises(error, match="HTTP 503"):
            caller(server.url)
    assert len(server.hits) == 1 + RETRIES


def test_a_retry_after_longer_than_the_wait_allowed_is_not_waited_for():
    started = time.monotonic()
    with Scripted(Answer(503, {"Retry-After": "30"})) as server:
        with pytest.raises(ServiceFailure, match="HTTP 503"):
            service_select(server.url)
    assert len(server.hits) == 1
    assert time.monotonic() - started < 5


def test_a_retry_that_would_end_past_the_callers_deadline_is_not_made():
    with Scripted(Answer(503, {"Retry-After": "2"})) as server:
        with pytest.raises(ServiceFailure, match="HTTP 503"):
            service_select(server.url, timeout=1.5)
    assert len(server.hits) == 1


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_a_graph_store_write_is_never_sent_twice(method):
    with Scripted(Answer(503, {"Retry-After": "0"})) as server:
        response = HttpClient("test").request(method, server.url + "?graph=g", body=b"<a> <b> <c> .\n")
    assert response.status == 503
    assert len(server.hits) == 1


def test_a_post_the_caller_calls_read_only_is_retried():
    with Scripted(Answer(503, {"Retry-After": "0"}), Answer(200, {}, b"ok")) as server:
        response = HttpClient("test").request("POST", server.url, form={"query": "ASK {}"}, read_only=True)
    assert response.status == 200 and len(server.hits) == 2


@pytest.mark.parametrize("caller, error", CALLERS.values(), ids=CALLERS.keys())
def test_a_redirect_is_the_callers_error_and_the_other_host_is_never_asked(caller, error):
    with Scripted(Answer(200, JSON, SELECT_ANSWER)) as elsewhere:
        with Scripted(Answer(307, {"Location": elsewhere.url})) as hop:
            with pytest.raises(error, match="HTTP 307"):
                caller(hop.url)
    assert len(hop.hits) == 1
    assert elsewhere.hits == []


def test_the_client_reports_where_a_redirect_pointed():
    with Scripted(Answer(302, {"Location": "http://127.0.0.1:9/elsewhere"})) as hop:
        with pytest.raises(HttpRedirected) as raised:
            HttpClient("test").request("GET", hop.url)
    assert (raised.value.status, raised.value.location) == (302, "http://127.0.0.1:9/elsewhere")


@pytest.mark.parametrize("caller, error, message", [
    (service_select, ServiceTimeout, "did not answer within 0.3 s"),
    (remote_select, QueryTimeout, "did not finish within 0.3 s"),
    (wikidata_select, LinkError, "did not answer within 0.3 s"),
], ids=["service", "remote store", "wikidata"])
def test_a_server_slower_than_the_timeout_is_the_callers_timeout_error(caller, error, message):
    started = time.monotonic()
    with Scripted(Answer(200, JSON, SELECT_ANSWER, delay=3.0)) as server:
        with pytest.raises(error, match=message):
            caller(server.url, timeout=0.3)
    assert time.monotonic() - started < 2.5
    assert len(server.hits) == 1


@pytest.fixture()
def listener():
    """A socket listening on 127.0.0.1 that records whether anyone connected to it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        probe.listen()
        yield f"http://127.0.0.1:{probe.getsockname()[1]}/sparql", probe


def assert_never_connected(probe) -> None:
    # on loopback a connection waits in the listen queue as soon as connect() returns, and the client connects
    # in the calling thread: an empty queue now means no connection was ever made, without waiting for one
    probe.setblocking(False)
    with pytest.raises(BlockingIOError):
        probe.accept()


def test_a_url_off_the_allow_list_is_refused_without_a_connection(listener):
    url, probe = listener
    with pytest.raises(HttpNotAllowed):
        HttpClient("test", allowlist=["http://127.0.0.1:9/sparql"]).request("GET", url)
    assert_never_connected(probe)


def test_service_refuses_an_endpoint_off_its_allow_list_without_a_connection(listener):
    url, probe = listener
    with pytest.raises(ForbiddenQuery, match="not an allowed endpoint"):
        ServiceClient(["http://127.0.0.1:9/sparql"], 5.0).select(url, "ASK {}", timeout=5.0)
    assert_never_connected(probe)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "http:///no-host"])
def test_only_http_urls_are_asked(url):
    with pytest.raises(HttpNotAllowed):
        HttpClient("test").request("GET", url)


def test_an_answer_longer_than_the_cap_is_refused():
    with Scripted(Answer(200, {}, b"x" * 200_000)) as server:
        with pytest.raises(HttpTooLarge, match="more than 1000 bytes"):
            HttpClient("test", max_bytes=1000).request("GET", server.url)
