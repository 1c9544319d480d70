"""The HTTP serving layer of `ecokg serve`: waitress, with limits on how many connections it holds and for how long.

Owns the listening socket, each connection's deadlines (headers, body, idle, send), the caps in all and per
address, and the open-file limit they need; the app is `server.app`'s, the values `kg.settings`'. waitress reads
requests in one event loop, so a held socket costs a descriptor, not a thread (cheroot and gunicorn's gthread
read headers in their threads and were shut out by 1,000 held sockets: measured in SECURITY.md, *Connections*).
"""
from __future__ import annotations

import resource
import time

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from kg.settings import Settings

#: above this share of max_connections in use, an idle connection is kept only PRESSED_IDLE seconds
PRESSURE = 0.5
PRESSED_IDLE = 1.0
#: connections accepted in one turn of the event loop, at most; seconds accepting pauses when out of descriptors
ACCEPTS_AT_ONCE = 64
PAUSE = 0.25
#: file descriptors kept for everything that is not a client connection (store, workers' pipes, logs, dumps)
RESERVED_FILES = 256
#: why a connection is refused at once: every connection of its address, or of all, is busy answering
CROWDED = "too many connections from your address are busy; close some or try again in a few seconds\n"
FULL = "the server holds as many connections as it may, all of them busy; try again in a few seconds\n"


class GuardedChannel(HTTPChannel):
    """A connection that notes when the request it is receiving began and when that request's headers ended."""

    _receiving = None  # the partly received request these times belong to
    request_began = 0.0
    headers_ended = None
    timed_out = False

    def __init__(self, server, sock, addr, adj, map=None):
        super().__init__(server, sock, addr, adj, map=map)
        self.client = addr[0] if isinstance(addr, tuple) else addr
        server.connections_from.setdefault(self.client, set()).add(self)

    def received(self, data):
        now = time.time()
        result = super().received(data)
        request = self.request
        if request is None:
            self._receiving, self.headers_ended = None, None
        else:
            if request is not self._receiving:
                self._receiving, self.request_began, self.headers_ended = request, now, None
            if request.headers_finished and self.headers_ended is None:
                self.headers_ended = now
        return result

    def del_channel(self, map=None):
        counted = self._fileno in self.server.active_channels
        super().del_channel(map)
        if counted:  # close() can run twice (by a deadline, then by the poll loop); count it once
            same = self.server.connections_from.get(self.client, set())
            same.discard(self)
            if not same:
                self.server.connections_from.pop(self.client, None)

    def time_out(self, what: str, seconds: float) -> None:
        """Answer 408 saying which deadline passed, then close (reading nothing more)."""
        self.timed_out = True
        body = (f"the request's {what} did not arrive within {seconds:g} seconds; "
                f"send it at once, or ask the server's operator about its limits\n").encode()
        head = (f"HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\n"
                f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        with self.outbuf_lock:
            self.outbufs[-1].append(head + body)
            self.total_outbufs_len += len(head) + len(body)
        self.close_when_flushed = True


class GuardedServer(TcpWSGIServer):
    """waitress's TCP server with the limits of `Settings` on its connections."""

    channel_class = GuardedChannel
    settings: Settings
    paused_until = 0.0  # accepting resumes then, after accept() found no descriptor free

    def __init__(self, *args, settings: Settings, max_connections: int, **kw):
        self.settings, self.max_connections = settings, max_connections
        self.connections_from: dict[str, set[GuardedChannel]] = {}
        super().__init__(*args, **kw)

    def readable(self):
        # waitress stops accepting at its connection_limit, and then every new client waits in the backlog;
        # here a new client is always accepted, and handle_accept makes room or refuses it with an answer
        now = time.time()
        if now >= self.next_channel_cleanup:
            self.next_channel_cleanup = now + self.adj.cleanup_interval
            self.maintenance(now)
        return self.accepting and now >= self.paused_until

    def handle_accept(self):
        # several at a time: every turn of the event loop walks all connections, so one accept a turn would
        # make a burst of a thousand connections cost a thousand walks
        for _ in range(ACCEPTS_AT_ONCE):
            try:
                accepted = self.accept()
            except OSError:  # out of descriptors: the backlog waits, and the loop does not spin on it meanwhile
                self.paused_until = time.time() + PAUSE
                return
            if accepted is None:
                return
            conn, addr = accepted
            try:
                self.set_socket_options(conn)
            except OSError:  # the client went away between connect and accept
                conn.close()
                continue
            self._admit(conn, addr)

    def _admit(self, conn, addr) -> None:
        per_client = self.settings.max_connections_per_client
        # at its share, an address's new connection replaces its own longest-idle one: clients behind one
        # address (NAT) still get in beside one that holds connections, which keeps no more than its share
        same = self.connections_from.get(addr[0], ())
        if per_client and len(same) >= per_client and not self._make_room(same):
            refuse(conn, CROWDED)
            return
        if len(self.active_channels) >= self.max_connections and not self._make_room(self.active_channels.values()):
            refuse(conn, FULL)
            return
        self.channel_class(self, conn, addr, self.adj, map=self._map)

    @staticmethod
    def _make_room(channels) -> bool:
        """Close the one of ``channels`` idle the longest (receiving counts as idle since its last byte); False
        if every one is running or sending an answer."""
        waiting = [channel for channel in channels if not channel.requests and not channel.total_outbufs_len]
        if not waiting:
            return False
        min(waiting, key=lambda channel: channel.last_activity).handle_close()
        return True

    def maintenance(self, now):
        """Close what has passed its deadline; waitress's own rule (inactivity only) restarts at every byte."""
        settings = self.settings
        idle_for = settings.idle_timeout
        if len(self.active_channels) > PRESSURE * self.max_connections:
            idle_for = min(idle_for, PRESSED_IDLE)
        closing = []
        for channel in list(self.active_channels.values()):
            if channel.total_outbufs_len:
                # an answer the client does not read: nothing else frees its buffer or, past the high-water
                # mark, the thread that writes it
                if now - channel.last_activity > settings.send_timeout:
                    closing.append(channel)
            elif channel.requests or channel.timed_out:
                continue  # running: the query's own deadline applies
            elif channel.request is None:
                if now - channel.last_activity > idle_for:
                    closing.append(channel)
            elif channel.headers_ended is None:
                if now - channel.request_began > settings.header_timeout:
                    channel.time_out("headers", settings.header_timeout)
            elif now - channel.headers_ended > settings.body_timeout:
                channel.time_out("body", settings.body_timeout)
        for channel in closing:
            channel.handle_close()


def refuse(conn, why: str) -> None:
    """Answer a connection 503 with ``why`` and close it, without waiting on it."""
    body = why.encode()
    head = (f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 5\r\n"
            f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    try:
        conn.setblocking(False)
        conn.send(head + body)
    except OSError:
        pass
    finally:
        conn.close()


def open_file_limit(wanted: int) -> int:
    """Raise the soft open-file limit towards ``wanted``; the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return wanted
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        return soft
    return target


def create(app, settings: Settings, threads: int):
    """Bind ``settings.host``:``settings.port``; (the server, whose `run` serves until interrupted, and the
    connection limit in force). An OSError when the address cannot be bound. Connections are capped to what
    the open-file limit allows."""
    others = RESERVED_FILES + 4 * settings.query_workers  # each worker holds a few pipes
    files = open_file_limit(settings.max_connections + others)
    max_connections = max(1, min(settings.max_connections, files - others))
    adj = Adjustments(host=settings.host, port=settings.port, threads=threads, ident="ECO-KG",
                      max_request_body_size=2 * 1024 * 1024, asyncore_use_poll=True, cleanup_interval=1,
                      connection_limit=max_connections + 16)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(threads)
    socket_map: dict = {}
    # a host name may stand for several addresses (localhost: 127.0.0.1 and ::1), one listening socket each
    servers = [GuardedServer(app, socket_map, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo, settings=settings,
                             max_connections=max_connections) for sockinfo in adj.listen]
    if len(servers) == 1:
        return servers[0], max_connections
    listening = [(server.effective_host, server.effective_port) for server in servers]
    return MultiSocketServer(socket_map, adj, listening, dispatcher, servers[0].log_info), max_connections
