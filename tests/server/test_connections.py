"""Connections held open against `ecokg serve`, a real process on 127.0.0.1: idle sockets, keep-alives,
headers trickled a line at a time, bodies sent a byte at a time, a thousand of them from one client.

A normal client is answered while they are held, and the server closes them by its documented deadlines:
a request's headers must arrive within `header_timeout` of its first byte and its body within
`body_timeout` of its headers, however steadily the bytes trickle in (408), an idle connection is closed
after `idle_timeout`, a client address holds at most `max_connections_per_client` connections (its
longest-idle one making room for its new one), and at `max_connections` the longest-idle connection of all
makes room for a new one.
"""
from __future__ import annotations

import os
import re
import resource
import selectors
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from served import Served, free_port, wait_for_sparql

pytestmark = pytest.mark.slow  # real `ecokg serve` processes and a thousand sockets held for seconds

#: the attacker's address: loopback, but not the normal client's 127.0.0.1 (Linux routes all of 127/8 to lo)
ATTACKER = "127.0.0.2"
HELD = 1000
#: seconds between the trickled lines or bytes: far shorter than any deadline, so an inactivity timer never fires
DRIP = 0.25
#: the deadlines the short-deadline server runs with, and how long past them the test waits for the closes
DEADLINE = 1
GRACE = 8

OPENINGS = {
    "idle": b"",
    "keep-alive": b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: eco-kg\r\n\r\n",
    "trickled header": b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: eco-kg\r\n",
    "slow body": (b"POST /sparql HTTP/1.1\r\nHost: eco-kg\r\nContent-Type: application/sparql-query\r\n"
                  b"Content-Length: 100000\r\n\r\nASK"),
}
#: what each kind keeps sending, every DRIP seconds (nothing: it only holds the socket)
DRIPS = {"idle": b"", "keep-alive": b"", "trickled header": b"X-Drip: 1\r\n", "slow body": b" "}


@pytest.fixture(scope="module", autouse=True)
def enough_file_descriptors():
    """A thousand sockets here (and as many in the server, which raises its own limit): raise the soft limit;
    and the attacker's address must be one of this machine's."""
    with socket.socket() as probe:
        try:
            probe.bind((ATTACKER, 0))
        except OSError:
            pytest.skip(f"{ATTACKER} is not a loopback address here (Linux routes all of 127/8 to lo)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * HELD
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"the hard limit of open files is {hard}; these tests hold {HELD} sockets (ulimit -Hn)")
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


class Holder:
    """``count`` connections of one kind from ``source`` to ``port``, kept dripping in a thread until `release`."""

    def __init__(self, port: int, kind: str, count: int = HELD, source: str = ATTACKER):
        self.kind, self.sockets, self.refused = kind, [], 0
        for _ in range(count):
            sock = socket.socket()
            sock.bind((source, 0))
            try:
                sock.settimeout(5)
                sock.connect(("127.0.0.1", port))
                if OPENINGS[kind]:
                    sock.sendall(OPENINGS[kind])
            except OSError:
                self.refused += 1
                sock.close()
                continue
            sock.setblocking(False)
            self.sockets.append(sock)
        self.received = {sock: b"" for sock in self.sockets}
        self.closed: set = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drip, daemon=True)
        self._thread.start()

    def _drip(self) -> None:
        selector = selectors.DefaultSelector()
        for sock in self.sockets:
            selector.register(sock, selectors.EVENT_READ)
        next_drip = time.monotonic()
        while not self._stop.is_set():
            for key, _ in selector.select(timeout=0.1):
                self._read(key.fileobj, selector)
            if DRIPS[self.kind] and time.monotonic() >= next_drip:
                next_drip = time.monotonic() + DRIP
                for sock in self.sockets:
                    if sock not in self.closed:
                        try:
                            sock.send(DRIPS[self.kind])
                        except OSError:
                            self._closed(sock, selector)
        selector.close()

    def _read(self, sock, selector) -> None:
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self.received[sock] += data
        else:
            self._closed(sock, selector)

    def _closed(self, sock, selector) -> None:
        if sock not in self.closed:
            self.closed.add(sock)
            selector.unregister(sock)

    def open_count(self) -> int:
        return len(self.sockets) - len(self.closed)

    def wait_until_all_closed(self, timeout: float) -> int:
        """Wait up to ``timeout`` s for the server to close every connection; the number still open."""
        deadline = time.monotonic() + timeout
        while self.open_count() and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.open_count()

    def wait_until_open_at_most(self, most: int, timeout: float) -> int:
        """Wait up to ``timeout`` s until at most ``most`` connections are open (connections the kernel queued
        before the server took them are closed as it takes them); the number still open."""
        deadline = time.monotonic() + timeout
        while self.open_count() > most and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.open_count()

    def wait_until_answered(self, timeout: float) -> None:
        """Wait up to ``timeout`` s until every connection has had an answer (or been closed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(
                not self.received[sock] and sock not in self.closed for sock in self.sockets):
            time.sleep(0.1)

    def release(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


def server_end_established(server_port: int, client_port: int) -> bool:
    """Whether the server's end of the connection from ``client_port`` is still open (ESTABLISHED in the
    kernel's table); once the server closes it, it is closing (FIN_WAIT1, its answer still queued) or gone."""
    with open("/proc/net/tcp", encoding="ascii") as table:
        for line in table.readlines()[1:]:
            local, remote, state = line.split()[1:4]
            if (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16)) == (server_port, client_port):
                return state == "01"
    return False


def ask(server: Served) -> requests.Response:
    """A normal client's `ASK {}`, on a fresh connection from 127.0.0.1."""
    return requests.get(f"{server.url}/sparql", params={"query": "ASK {}"}, timeout=10,
                        headers={"Connection": "close"})


@pytest.fixture(scope="module")
def short_deadlines(settings, built):
    """No per-client cap (one client may hold all thousand), and every deadline DEADLINE seconds."""
    deadlines = [f"--{which}-timeout={DEADLINE}" for which in ("header", "body", "idle", "send")]
    with Served(settings.build_dir, "--max-connections-per-client", "0", *deadlines) as running:
        yield running


@pytest.mark.parametrize("kind", list(OPENINGS))
def test_a_thousand_held_connections_leave_a_normal_client_answered_and_are_closed_by_their_deadline(
        short_deadlines, kind):
    holder = Holder(short_deadlines.port, kind)
    try:
        assert holder.refused == 0
        if kind == "keep-alive":  # held once answered: the thousand answers are not the normal client's rivals
            holder.wait_until_answered(30)
        started = time.monotonic()
        answer = ask(short_deadlines)
        assert answer.status_code == 200 and answer.json()["boolean"] is True
        assert holder.wait_until_all_closed(DEADLINE + GRACE) == 0, (
            f"{holder.open_count()} of {HELD} {kind} connections still open "
            f"{time.monotonic() - started:.0f} s after a {DEADLINE} s deadline")
    finally:
        holder.release()
    assert short_deadlines.alive()


@pytest.mark.parametrize("kind", ["trickled header", "slow body"])
def test_a_request_too_slow_to_arrive_is_told_408_before_the_close(short_deadlines, kind):
    holder = Holder(short_deadlines.port, kind, count=1, source="127.0.0.1")
    try:
        assert holder.wait_until_all_closed(DEADLINE + GRACE) == 0
        said = holder.received[holder.sockets[0]].decode("latin-1")
        assert said.startswith("HTTP/1.1 408 ") and "seconds" in said, said
    finally:
        holder.release()


def test_an_answer_the_client_stops_reading_is_dropped_after_the_send_deadline(short_deadlines):
    """Forty dumps asked for at once and none read: past the high-water mark the thread writing them waits for the
    client, and only the send deadline frees it."""
    dump = requests.get(f"{short_deadlines.url}/download/eco-kg.nq", timeout=30)
    assert dump.status_code == 200
    wanted = 40
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", short_deadlines.port))
        sock.sendall(b"GET /download/eco-kg.nq HTTP/1.1\r\nHost: eco-kg\r\n\r\n" * wanted)
        # reading nothing until the server has let go of its end: the client cannot see the close before it
        # reads, since the server's FIN waits behind the answer bytes queued for this full window
        client_port = sock.getsockname()[1]
        deadline = time.monotonic() + DEADLINE + GRACE
        while server_end_established(short_deadlines.port, client_port) and time.monotonic() < deadline:
            time.sleep(0.1)
        sock.settimeout(10)
        received = 0
        try:
            while chunk := sock.recv(1 << 20):
                received += len(chunk)
        except ConnectionResetError:
            pass
        except TimeoutError:
            pytest.fail(f"the connection was still open, {received} bytes read, long after the send deadline")
    assert received < wanted * len(dump.content)
    assert ask(short_deadlines).status_code == 200


@pytest.fixture(scope="module")
def share_of_50(settings, built):
    """Each client address may hold 50 connections; the tests release every connection they open."""
    with Served(settings.build_dir, "--max-connections-per-client", "50") as running:
        yield running


def test_one_address_holds_at_most_its_share(share_of_50):
    holder = Holder(share_of_50.port, "idle")
    try:
        deadline = time.monotonic() + GRACE  # the server closes the excess as it accepts it
        while holder.open_count() > 50 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert holder.open_count() <= 50
        answer = ask(share_of_50)  # from another address: not counted against the attacker's share
        assert answer.status_code == 200 and answer.json()["boolean"] is True
    finally:
        holder.release()


@pytest.fixture(scope="module")
def small_limit(settings, built):
    """Room for 200 connections, an idle timeout far longer than any wait here, no per-client cap."""
    with Served(settings.build_dir, "--max-connections", "200", "--max-connections-per-client", "0",
                "--idle-timeout", "600") as running:
        yield running


def test_a_client_sharing_the_attackers_address_still_gets_in(share_of_50):
    """Behind one NAT address: at its share, a new connection from the address replaces that address's
    longest-idle one, so the normal client is answered while the attacker keeps at most its share."""
    holder = Holder(share_of_50.port, "trickled header", source="127.0.0.1")
    try:
        for _ in range(3):
            answer = ask(share_of_50)
            assert answer.status_code == 200 and answer.json()["boolean"] is True
        assert holder.wait_until_open_at_most(50, GRACE) <= 50
    finally:
        holder.release()


def test_at_the_connection_limit_the_longest_idle_connection_makes_room(small_limit):
    holder = Holder(small_limit.port, "idle")
    try:
        for _ in range(3):  # each new client is let in, whoever arrived first
            answer = ask(small_limit)
            assert answer.status_code == 200 and answer.json()["boolean"] is True
        assert holder.wait_until_open_at_most(200, GRACE) <= 200
    finally:
        holder.release()


def test_with_half_the_connections_in_use_an_idle_one_is_closed_within_seconds(small_limit):
    holder = Holder(small_limit.port, "keep-alive", count=150)
    try:
        assert holder.wait_until_all_closed(GRACE) == 0  # not after the 600 s idle timeout
        # each was answered before it was closed: 200, or at once "busy" (503 with Retry-After) when 150 queries
        # arrive together on a loaded machine and a worker is not free within admission_wait
        statuses = [said[:12] for said in holder.received.values()]
        assert set(statuses) <= {b"HTTP/1.1 200", b"HTTP/1.1 503"} and b"HTTP/1.1 200" in statuses, set(statuses)
        assert all(b"Retry-After:" in said for said in holder.received.values() if said.startswith(b"HTTP/1.1 503"))
    finally:
        holder.release()


@pytest.mark.parametrize("args", [["--idle-timeout", "0"], ["--header-timeout", "-1"], ["--max-connections", "0"],
                                  ["--max-connections-per-client", "-5"]])
def test_a_limit_that_would_shut_every_client_out_is_refused_at_start(settings, args):
    started = subprocess.run([sys.executable, "-m", "kg", "serve", *args], capture_output=True, text=True, timeout=60,
                             env=dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir)))
    assert started.returncode == 2
    said = started.stderr
    assert args[0] in said and "would shut every client out" in said and "Traceback" not in said


def test_a_low_open_file_limit_lowers_the_connection_limit_and_the_start_says_so(settings, built):
    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (512, 512))

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve"], preexec_fn=low_limit, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir), ECOKG_PORT=str(port)))
    try:
        wait_for_sparql(f"http://127.0.0.1:{port}/sparql", process)
    finally:
        process.terminate()
        said = process.communicate(timeout=30)[0]
    allowed = re.search(r"at most (\d+) connections at once \(max_connections 4000\)", said)
    assert allowed and 0 < int(allowed.group(1)) < 512 and "ulimit -n" in said, said
