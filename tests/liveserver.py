"""A real HTTP server on 127.0.0.1 for tests: any WSGI app on an ephemeral port, in a thread."""
from __future__ import annotations

import threading

from werkzeug.serving import make_server


class LiveServer:
    """Serve ``app`` on 127.0.0.1 (or ``host``) until `stop`; ``url`` is its base URL without a slash."""

    def __init__(self, app, host: str = "127.0.0.1"):
        self._server = make_server(host, 0, app, threaded=True)
        self.host = host
        self.port = self._server.server_port
        bracketed = f"[{host}]" if ":" in host else host
        self.url = f"http://{bracketed}:{self.port}"
        # stop() waits for the serving loop to look up: every 0.05 s, not the default 0.5 s per server stopped
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> "LiveServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def __enter__(self) -> "LiveServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
