"""Every outgoing request goes through `kg.http` (urllib3), and digest authentication is a maintained library's:
no other module of kg/ or server/ opens HTTP connections itself, `requests` is no runtime dependency, and a
store asking for digest authentication (MD5 to SHA-512, their -sess forms) gets an answer it accepts."""
from __future__ import annotations

import ast
import hashlib
import re
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kg.http import HttpClient
from kg.stores.publish import PublishError, _send, client_for

ROOT = Path(__file__).resolve().parent.parent
#: modules that open HTTP connections; only kg/http.py may import them
CLIENT_MODULES = {"requests", "urllib3", "http.client", "urllib.request", "aiohttp", "pycurl"}
#: what a module may take from httpx: authentication, never its client
HTTPX_AUTH = {"DigestAuth", "BasicAuth", "Auth"}


def _python_files():
    for folder in ("kg", "server"):
        yield from sorted((ROOT / folder).rglob("*.py"))


def test_only_kg_http_imports_an_http_client():
    offenders = []
    for path in _python_files():
        where = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if where != "kg/http.py" and any(name == m or name.startswith(m + ".") for m in CLIENT_MODULES):
                    offenders.append(f"{where}:{node.lineno} imports {name}")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "httpx":
                if where != "kg/http.py" and node.attr not in HTTPX_AUTH:
                    offenders.append(f"{where}:{node.lineno} uses httpx.{node.attr}")
    assert offenders == []


def test_requests_is_no_runtime_dependency():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0].lower() for spec in project["dependencies"]}
    assert "requests" not in names
    assert {"urllib3", "httpx"} <= names


def _hash(algorithm: str):
    names = {"MD5": "md5", "SHA": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}
    name = names[algorithm.upper().removesuffix("-SESS")]
    return lambda text: hashlib.new(name, text.encode("utf-8")).hexdigest()


def expected_response(user, password, method, fields, algorithm):
    """RFC 7616's response value, computed here from the Authorization header's own fields."""
    digest = _hash(algorithm)
    secret = digest(f"{user}:{fields['realm']}:{password}")
    if algorithm.upper().endswith("-SESS"):
        secret = digest(f"{secret}:{fields['nonce']}:{fields['cnonce']}")
    return digest(f"{secret}:{fields['nonce']}:{fields['nc']}:{fields['cnonce']}:auth:"
                  + digest(f"{method}:{fields['uri']}"))


class DigestStore(ThreadingHTTPServer):
    """A Graph Store on 127.0.0.1 that takes only requests digest-authenticated as dba/secret."""

    def __init__(self, algorithm: str):
        super().__init__(("127.0.0.1", 0), DigestHandler)
        self.algorithm = algorithm
        self.seen: list[tuple[str, int]] = []  # (method, status answered)

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/store"


class DigestHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        sent = self.headers.get("Authorization", "")
        algorithm = self.server.algorithm
        ok = False
        if sent.startswith("Digest "):
            fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(sent[7:]))
            ok = (fields.get("algorithm", "").upper() == algorithm and fields.get("nonce") == "n0nce"
                  and fields.get("response") == expected_response("dba", "secret", self.command, fields, algorithm))
        status = 204 if ok else 401
        self.server.seen.append((self.command, status))
        self.send_response(status)
        if not ok:
            self.send_header("WWW-Authenticate",
                             f'Digest realm="SPARQL", nonce="n0nce", qop="auth", opaque="0p", algorithm={algorithm}')
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PUT = do_POST = do_GET = _answer


@pytest.mark.parametrize("algorithm", ["MD5", "MD5-SESS", "SHA-256", "SHA-256-SESS", "SHA-512", "SHA-512-SESS"])
def test_a_store_asking_for_digest_authentication_accepts_what_is_sent(algorithm):
    with DigestStore(algorithm) as store:
        session = client_for("digest", "dba", "secret", None)
        _send(session, "PUT", store.url + "?graph=g", b"<a> <b> <c> .\n", 10)
        _send(session, "POST", store.url + "?graph=g", b"<a> <b> <d> .\n", 10)
    # one challenge, then the PUT answered and the POST authenticated from the start
    assert store.seen == [("PUT", 401), ("PUT", 204), ("POST", 204)]


def test_wrong_credentials_are_a_publish_error_naming_the_status():
    with DigestStore("MD5") as store:
        session = client_for("digest", "dba", "not the password", None)
        with pytest.raises(PublishError, match="answered HTTP 401"):
            _send(session, "PUT", store.url + "?graph=g", b"<a> <b> <c> .\n", 10)
    assert store.seen == [("PUT", 401), ("PUT", 401)]


def test_a_challenge_no_library_can_answer_is_a_publish_error_not_a_traceback():
    with DigestStore("SHA-999") as store:
        session = client_for("digest", "dba", "secret", None)
        with pytest.raises(PublishError, match="Digest authentication in a form ECO-KG cannot answer"):
            _send(session, "PUT", store.url + "?graph=g", b"<a> <b> <c> .\n", 10)


def test_the_client_of_every_request_is_kg_http():
    session = client_for("digest", "dba", "secret", None)
    assert isinstance(session, HttpClient)
