"""A canary on 127.0.0.1: an HTTP server that records every request it gets and answers each one
with something an attacker would want (a SPARQL JSON row, a Turtle triple, a JSON-LD context)."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROW = (b'{"head": {"vars": ["s", "p", "o"]}, "results": {"bindings": [{"s": {"type": "uri", "value": '
       b'"http://canary.example/secret"}, "p": {"type": "uri", "value": "http://canary.example/p"}, '
       b'"o": {"type": "literal", "value": "inside the host network"}}]}}')


class Canary:
    """``url`` is its base URL; ``hits`` lists "METHOD path" for every request it received."""

    def __init__(self, host: str = "127.0.0.1"):
        hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                hits.append(f"{self.command} {self.path}")
                body = ROW
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_HEAD = _answer

            def log_message(self, *args):
                pass

        self.hits = hits
        self._server = ThreadingHTTPServer((host, 0), Handler)
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "Canary":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(5)
