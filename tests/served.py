"""`ecokg serve` as a real process on 127.0.0.1, for tests that must see the deployed server: crashes,
restarts, `kill -9`, limits of the HTTP layer."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_sparql(url: str, process: subprocess.Popen | None = None, timeout: float = 120) -> None:
    """Wait until the SPARQL endpoint at ``url`` answers ``ASK {}``; fail if ``process`` exits first."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"the server exited {process.returncode}: {output}")
        try:
            if requests.get(url, params={"query": "ASK {}"}, timeout=2).ok:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or still loading (a busy machine can take more than a poll's timeout)
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout:g} s")
        time.sleep(0.2)


class Served:
    """Start ``ecokg serve ARGS`` with ``env`` added to the environment; ``url`` is its base URL."""

    def __init__(self, build_dir, *args: str, env: dict | None = None, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, ECOKG_BUILD_DIR=str(build_dir), ECOKG_PORT=str(self.port), **(env or {}))
        self.args = list(args)
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> "Served":
        self.process = subprocess.Popen([sys.executable, "-m", "kg", "serve", *self.args], env=self.env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_for_sparql(f"{self.url}/sparql", self.process, timeout)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill_hard(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine or the OOM killer stops it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill_hard()

    def __enter__(self) -> "Served":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class PeakSampler:
    """The most ``measure()`` returned while the ``with`` block ran, sampled every 50 ms in a thread
    (memory of a served process while a test loads it); ``before`` is the first reading."""

    def __init__(self, measure):
        import threading

        self._measure = measure
        self.before = self.peak = measure()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, self._measure())
            time.sleep(0.05)

    @property
    def grown(self) -> int:
        return self.peak - self.before

    def __enter__(self) -> "PeakSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()
