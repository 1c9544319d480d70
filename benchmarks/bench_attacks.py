"""What each kind of attack costs a normal client: `ASK {}` sent by one client, a fresh connection each time,
while one attacker on the same machine holds connections open or sends costly requests; its success rate and
p50/p99 latency beside the no-attack baseline of the same run, and the server's memory (PSS, its workers
included) at the peak.

Usage: .venv/bin/python benchmarks/bench_attacks.py [--window 10] [--connections 1000] [--attacks idle,trickle,…]
       [--server ecokg|waitress|gunicorn|cheroot] [--attacker-address 127.0.0.2]
The attacker binds to --attacker-address (another loopback address, as another machine would be); the
other servers (plain waitress, gunicorn's gthread worker, cheroot) serve `server.wsgi` for comparison.
"""
from __future__ import annotations

import argparse
import errno
import json
import os
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

BIN = Path(sys.executable).parent
PROBE_TIMEOUT = 5.0
RECONNECTS = 200
#: what a held connection sends first, and then every `interval` seconds (nothing: it only holds the socket)
HOLDS = {
    "idle": (b"", b"", 0),
    "keepalive": (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: eco-kg\r\n\r\n", b"", 0),
    "trickle": (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: eco-kg\r\n", b"X-Trickle: 1\r\n", 15),
    "slowbody": (b"POST /sparql HTTP/1.1\r\nHost: eco-kg\r\nContent-Type: application/sparql-query\r\n"
                  b"Content-Length: 100000\r\n\r\nASK", b" ", 1),
}
FLOODS = ["newlines", "tokenizer", "service", "heavy"]
#: each attack's row in the table
LABELS = {"idle": "idle sockets", "keepalive": "keep-alive connections", "trickle": "header trickle (a line / 15 s)",
          "slowbody": "slow body (a byte / s)", "newlines": "GET with 85,000 newlines (2 clients)",
          "tokenizer": "26 × 16K `a.a.a.` queries", "service": "12 × 30 MB SERVICE answers",
          "heavy": "16 heavy queries"}
HEAVY = ("SELECT ?x { ?a ?b ?c . ?d ?e ?f BIND(CONCAT(STR(?a), STR(?c), STR(?f)) AS ?x) } ORDER BY ?x")


class Holder:
    """``count`` connections from ``source``, each sending its opening and then its drip; a connection the
    server closes is opened again, so the attacker holds as many as the server lets it."""

    def __init__(self, port: int, kind: str, count: int, source: str):
        self.address, self.count, self.source = ("127.0.0.1", port), count, source
        self.opening, self.drip, self.interval = HOLDS[kind]
        self.selector = selectors.DefaultSelector()
        self.open: dict[socket.socket, float] = {}  # socket → when it last dripped
        self.opened = self.closed_by_server = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "Holder":
        self._thread.start()
        return self

    def _connect(self) -> None:
        sock = socket.socket()
        sock.setblocking(False)
        try:
            sock.bind((self.source, 0))
            code = sock.connect_ex(self.address)
        except OSError:
            sock.close()
            return
        if code not in (0, errno.EINPROGRESS):
            sock.close()
            return
        self.selector.register(sock, selectors.EVENT_WRITE, "connecting")

    def _drop(self, sock: socket.socket, by_server: bool) -> None:
        try:
            self.selector.unregister(sock)
        except (KeyError, ValueError):
            pass
        self.open.pop(sock, None)
        self.closed_by_server += by_server
        sock.close()

    def _run(self) -> None:
        allowed, refilled = float(RECONNECTS), time.monotonic()
        while not self._stop.is_set():
            pending = len(self.selector.get_map()) - len(self.open)
            # at most RECONNECTS a second: this attacker holds connections; a flood of connects is a rate
            # limit's job (SECURITY.md)
            now = time.monotonic()
            allowed, refilled = min(RECONNECTS, allowed + (now - refilled) * RECONNECTS), now
            for _ in range(min(int(allowed), self.count - len(self.open) - pending)):
                allowed -= 1
                self._connect()
            for key, _ in self.selector.select(timeout=0.1):
                sock = key.fileobj
                if key.data == "connecting":
                    if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        self._drop(sock, False)
                        continue
                    self.selector.modify(sock, selectors.EVENT_READ, "open")
                    self.open[sock] = time.monotonic()
                    self.opened += 1
                    try:
                        sock.send(self.opening)
                    except OSError:
                        self._drop(sock, True)
                    continue
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    self._drop(sock, True)
            if self.drip:
                now = time.monotonic()
                for sock, last in list(self.open.items()):
                    if now - last >= self.interval:
                        self.open[sock] = now
                        try:
                            sock.send(self.drip)
                        except OSError:
                            self._drop(sock, True)
        for sock in list(self.selector.get_map().values()):
            sock.fileobj.close()
        self.selector.close()

    def stop(self) -> str:
        held = len(self.open)
        self._stop.set()
        self._thread.join(timeout=10)
        return f"attacker held {held}, {self.closed_by_server} closed by the server"


class Flood:
    """``threads`` threads sending ``send()`` in a loop until stopped."""

    def __init__(self, threads: int, send):
        self.send, self.sent, self.failed = send, 0, 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def start(self) -> "Flood":
        for thread in self._threads:
            thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                status = self.send()
                self.sent += 1
                self.failed += status >= 500
            except requests.RequestException:
                self.failed += 1
                time.sleep(0.1)

    def stop(self) -> str:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=0.1)  # some wait on a long answer; they are daemons and stop with the run
        return f"{self.sent} attack requests, {self.failed} of them 5xx or failed"


class StandIn:
    """A loopback SPARQL endpoint whose every answer is ``megabytes`` of SPARQL JSON results."""

    def __init__(self, megabytes: int):
        row = {"s": {"type": "uri", "value": "http://example.org/s/" + "x" * 60},
               "p": {"type": "uri", "value": "http://example.org/p"}, "o": {"type": "literal", "value": "y" * 40}}
        one = len(json.dumps(row)) + 2
        body = json.dumps({"head": {"vars": ["s", "p", "o"]},
                           "results": {"bindings": [row] * (megabytes * 2**20 // one)}}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def probe(url: str, seconds: float, stop: threading.Event | None = None) -> list[float | None]:
    """A normal client's `ASK {}` about ten times a second for ``seconds``: each latency, or None when it
    was not answered 200 within PROBE_TIMEOUT."""
    results: list[float | None] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        try:
            answer = requests.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=PROBE_TIMEOUT,
                                  headers={"Connection": "close"})
            results.append(time.monotonic() - started if answer.status_code == 200 else None)
        except requests.RequestException:
            results.append(None)
        time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))
    return results


def memory_mib(pid: int) -> float:
    """PSS of ``pid`` and its descendants, in MiB (shared pages counted once across them)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as rollup:
                total += next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
            for task in os.listdir(f"/proc/{current}/task"):  # a child forked by any thread is listed under it
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo += [int(child) for child in children.read().split()]
        except (OSError, StopIteration):
            pass
    return total / 1024


class PeakMemory:
    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.peak = max(self.peak, memory_mib(self.pid))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


def start_server(kind: str, build_dir: Path, port: int, standin: str, options: list[str]) -> subprocess.Popen:
    from served import wait_for_sparql

    env = dict(os.environ, ECOKG_BUILD_DIR=str(build_dir), ECOKG_PORT=str(port), ECOKG_SERVICE_ALLOWLIST=standin)
    commands = {
        "ecokg": [sys.executable, "-m", "kg", "serve", *options],
        "waitress": [str(BIN / "waitress-serve"), "--threads=24", f"--listen=127.0.0.1:{port}", "server.wsgi:app"],
        "gunicorn": [str(BIN / "gunicorn"), "-k", "gthread", "--threads", "24", "-w", "1", "-b", f"127.0.0.1:{port}",
                     "server.wsgi:app"],
        "cheroot": [sys.executable, "-c", "import sys; from cheroot.wsgi import Server; from server.wsgi import app; "
                    f"Server(('127.0.0.1', {port}), app, numthreads=24).start()"],
    }
    process = subprocess.Popen(commands[kind], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_sparql(f"http://127.0.0.1:{port}/sparql", process, timeout=300)
    return process


def attack(name: str, url: str, port: int, args, standin: str):
    if name in HOLDS:
        holder = Holder(port, name, args.connections, args.attacker_address).start()
        deadline = time.monotonic() + 20
        while holder.opened < args.connections and time.monotonic() < deadline:
            time.sleep(0.2)
        return holder
    if name == "newlines":
        text = "%0A" * 85_000 + "ASK%7B%7D"
        send = lambda: requests.get(f"{url}/?query={text}", timeout=120).status_code  # noqa: E731
        return Flood(2, send).start()
    if name == "tokenizer":
        query = "SELECT * { ?s ?p " + "a." * 8_000 + "a }"
        send = lambda: requests.post(f"{url}/sparql", data={"query": query}, timeout=300).status_code  # noqa: E731
        return Flood(26, send).start()
    if name == "service":
        query = f"SELECT * {{ SERVICE <{standin}> {{ ?s ?p ?o }} }} LIMIT 1"
        send = lambda: requests.post(f"{url}/sparql", data={"query": query}, timeout=300).status_code  # noqa: E731
        return Flood(12, send).start()
    if name == "heavy":
        send = lambda: requests.post(f"{url}/sparql", data={"query": HEAVY}, timeout=300).status_code  # noqa: E731
        return Flood(16, send).start()
    raise ValueError(name)


def row(name: str, latencies: list[float | None], peak: float, note: str) -> str:
    answered = sorted(x for x in latencies if x is not None)
    within = sum(x <= 1.0 for x in answered)
    if answered:
        p50 = statistics.median(answered) * 1000
        p99 = answered[min(len(answered) - 1, int(0.99 * len(answered)))] * 1000
        times = f"{p50:.0f} | {p99:.0f}"
    else:
        times = "— | —"
    total = len(latencies) or 1
    return (f"| {name} | {len(latencies)} | {100 * len(answered) / total:.0f} % | {100 * within / total:.0f} % | "
            f"{times} | {peak:.0f} | {note} |")


def main() -> int:
    from kg.build import build
    from kg.settings import Settings
    from served import free_port

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window", type=float, default=10.0, help="seconds the normal client is measured per attack")
    parser.add_argument("--connections", type=int, default=1000, help="connections each holding attack keeps open")
    parser.add_argument("--attacks", default=",".join([*HOLDS, *FLOODS]), help="comma-separated names (default: all)")
    parser.add_argument("--server", choices=["ecokg", "waitress", "gunicorn", "cheroot"], default="ecokg")
    parser.add_argument("--attacker-address", default="127.0.0.2",
                        help="loopback address the attacker's connections come from (127.0.0.1: the client's own)")
    parser.add_argument("--service-megabytes", type=int, default=30)
    parser.add_argument("--serve-options", default="", help="more options of ecokg serve, e.g. "
                        "'--max-connections-per-client 0'")
    args = parser.parse_args()
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = args.connections + 1024
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard),
                                                    hard))
    names = [name.strip() for name in args.attacks.split(",") if name.strip()]
    unknown = [name for name in names if name not in LABELS]
    if unknown:
        parser.error(f"no attack named {', '.join(unknown)}; choose from {', '.join(LABELS)}")
    work = Path(tempfile.mkdtemp(prefix="ecokg-attacks-"))
    standin = StandIn(args.service_megabytes)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    rows = []
    try:
        settings = Settings().with_(build_dir=work / "build")
        build(settings)
        server = start_server(args.server, settings.build_dir, port, standin.url, args.serve_options.split())
        try:
            peak = PeakMemory(server.pid)
            rows.append(row("no attack (baseline)", probe(url, args.window), peak.stop(), ""))
            for name in names:
                peak = PeakMemory(server.pid)
                running = attack(name, url, port, args, standin.url)
                latencies = probe(url, args.window)
                note = running.stop()
                rows.append(row(LABELS[name], latencies, peak.stop(), note))
                print(rows[-1], flush=True)
                recovered = probe(url, 0.1)  # let it settle before the next attack
                settle = time.monotonic() + 60
                while not (recovered and recovered[-1] is not None) and time.monotonic() < settle:
                    time.sleep(1)
                    recovered = probe(url, 0.1)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    finally:
        standin.server.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nserver: {args.server}; normal client: ASK {{}} ~10/s for {args.window:g} s per row, fresh connection "
          f"each, {PROBE_TIMEOUT:g} s timeout; attacker from {args.attacker_address}, {args.connections} connections "
          f"per holding attack, opened again as the server closes them (at most {RECONNECTS}/s); "
          f"{args.serve_options or 'default options'}; {os.cpu_count()} cores")
    print("| attack | probes | answered | within 1 s | p50 ms | p99 ms | peak MiB (PSS) | attacker |")
    print("|---|---|---|---|---|---|---|---|")
    for line in rows:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
