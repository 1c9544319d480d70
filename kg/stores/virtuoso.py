"""Virtuoso, the fast path for a bigger store: its bulk loader through isql, and a throwaway local server.

Owns `load_dataset_into` (the built dump into Virtuoso, named graphs kept) and `LocalVirtuoso` (a Virtuoso
on loopback ports for tests and benchmarks); the `ecokg load` command is `kg.commands.load`'s.
"""
from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence


from ..errors import StoreError
from ..namespaces import GRAPH
from .remote import _first_lines

# --------------------------------------------------------------------------------------- Virtuoso


@dataclass(frozen=True)
class VirtuosoIsql:
    """How to reach a Virtuoso server's SQL port with its isql client (Debian: isql-vt)."""

    port: int = 1111
    host: str = "127.0.0.1"
    user: str = "dba"
    password: str = "dba"
    isql: str = "isql-vt"

    def run(self, script: str, *, timeout: float = 600.0) -> str:
        """Run SQL statements (``;``-separated); their output. A statement that fails raises `StoreError`."""
        binary = shutil.which(self.isql)
        if binary is None:
            raise StoreError(f"{self.isql} (Virtuoso's SQL client) is not installed",
                             hint="apt-get install virtuoso-opensource")
        try:
            done = subprocess.run([binary, f"{self.host}:{self.port}", self.user, self.password],
                                  input=script, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise StoreError(f"Virtuoso at {self.host}:{self.port} did not finish within {timeout:g} s") from None
        output = done.stdout + done.stderr
        errors = [line.strip() for line in output.splitlines() if line.startswith("*** Error")]
        if errors or done.returncode != 0:
            reason = errors[0] if errors else _first_lines(output) or f"isql exit status {done.returncode}"
            hint = None
            if "Connect failed" in output or "Unable to connect" in output or "connection refused" in output.lower():
                hint = "start Virtuoso, or give the SQL port it listens on (ServerPort in [Parameters])"
            elif "access control" in output.lower() or "DirsAllowed" in output:
                hint = "add the dump's directory to DirsAllowed in [Parameters] of virtuoso.ini"
            raise StoreError(f"Virtuoso at {self.host}:{self.port}: {reason.removeprefix('*** ')}", hint=hint)
        return output


@dataclass
class LoadReport:
    path: Path
    graphs: list[str]
    seconds: float


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def dump_graph_names(path: Path) -> list[str]:
    """The named graphs of an N-Quads or TriG dump (read with pyoxigraph's streaming parser)."""
    import pyoxigraph as ox

    fmt = ox.RdfFormat.N_QUADS if path.suffix == ".nq" else ox.RdfFormat.TRIG
    names = {quad.graph_name.value for quad in ox.parse(path=str(path), format=fmt)
             if isinstance(quad.graph_name, ox.NamedNode)}
    return sorted(names)


def load_dataset_into(isql: VirtuosoIsql, dump: str | Path, *, replace: bool = True,
                      default_graph: str = str(GRAPH) + "default") -> LoadReport:
    """Load an N-Quads (.nq) or TriG (.trig) dump into Virtuoso with its named graphs kept.

    Uses Virtuoso's bulk loader (ld_dir, rdf_loader_run, checkpoint) through isql, so the dump must
    be on the Virtuoso server's machine, in a directory listed in DirsAllowed. With ``replace`` the
    dump's graphs are cleared first, so loading twice leaves one copy. Triples outside any named graph
    go to ``default_graph``. Returns the graphs loaded and the wall time.
    """
    path = Path(dump).resolve()
    if not path.is_file():
        raise StoreError(f"no dump to load at {path}", file=path, hint="run `ecokg build` first")
    if path.suffix not in (".nq", ".trig"):
        raise StoreError(f"{path.name}: load an N-Quads (.nq) or TriG (.trig) dump, which keep named graphs",
                         file=path)
    started = time.perf_counter()
    try:
        graphs = dump_graph_names(path)
    except Exception as exc:  # rdflib's parsers raise assorted types
        raise StoreError(f"the dump does not parse: {type(exc).__name__}: {str(exc)[:200]}", file=path) from None
    statements = ["log_enable(3, 1);"]
    statements.append(f"DELETE FROM DB.DBA.LOAD_LIST WHERE ll_file = {_sql_string(str(path))};")
    if replace:
        statements += [f"SPARQL CLEAR GRAPH <{g}>;" for g in graphs]
    statements += [
        f"ld_dir({_sql_string(str(path.parent))}, {_sql_string(path.name)}, {_sql_string(default_graph)});",
        "rdf_loader_run();",
        "checkpoint;",
        f"SELECT 'LOADSTATE', ll_state, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_file = {_sql_string(str(path))};",
    ]
    output = isql.run("\n".join(statements) + "\n")
    state = re.search(r"LOADSTATE\s+(\d+)\s+(.*)", output)
    if state is None:
        raise StoreError(f"Virtuoso did not take {path.name} into its load list",
                         hint="add the dump's directory to DirsAllowed in [Parameters] of virtuoso.ini", file=path)
    if state.group(1) != "2" or state.group(2).strip() not in ("", "NULL"):
        raise StoreError(f"Virtuoso could not load the dump: {state.group(2).strip()}", file=path)
    return LoadReport(path, graphs, time.perf_counter() - started)


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {db}/virtuoso.db
ErrorLogFile       = {db}/virtuoso.log
LockFile           = {db}/virtuoso.lck
TransactionFile    = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {db}/virtuoso-temp.db
TransactionFile    = {db}/virtuoso-temp.trx

[Parameters]
ServerPort         = {host}:{sql_port}
DisableUnixSocket  = 1
CheckpointInterval = 0
DirsAllowed        = {dirs}
NumberOfBuffers    = {buffers}
MaxDirtyBuffers    = {dirty}
ThreadsPerQuery    = 2
MaxClientConnections = 20

[HTTPServer]
ServerPort         = {host}:{http_port}
ServerRoot         = {db}
ServerThreads      = 10
MaxClientConnections = 10
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows   = 1000000
MaxQueryExecutionTime = 120
"""


class LocalVirtuoso:
    """A throwaway Virtuoso (virtuoso-t) with its database in ``directory``, on free loopback ports.

    Not the system service: its own virtuoso.ini, own database files, own ports. ``dirs_allowed``
    are the directories it may bulk-load from (the dump's). `start` waits until /sparql answers.
    """

    def __init__(self, directory: str | Path, *, dirs_allowed: Sequence[str | Path] = (), host: str = "127.0.0.1",
                 binary: str = "virtuoso-t", buffers: int = 10000, dirty_buffers: int = 6000):
        self.directory = Path(directory).resolve()
        self.host = host
        self.binary = binary
        self.dirs_allowed = [self.directory, *(Path(d).resolve() for d in dirs_allowed)]
        self.buffers, self.dirty_buffers = buffers, dirty_buffers
        self.sql_port = self.http_port = 0
        self.process: subprocess.Popen | None = None

    @property
    def sparql_url(self) -> str:
        return f"http://{self.host}:{self.http_port}/sparql"

    @property
    def isql(self) -> VirtuosoIsql:
        return VirtuosoIsql(port=self.sql_port, host=self.host)

    def start(self, timeout: float = 60.0) -> "LocalVirtuoso":
        from ..http import HttpClient, HttpError

        binary = shutil.which(self.binary)
        if binary is None:
            raise StoreError(f"{self.binary} (the Virtuoso server) is not installed",
                             hint="apt-get install virtuoso-opensource")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.sql_port, self.http_port = _free_port(self.host), _free_port(self.host)
        while self.http_port == self.sql_port:
            self.http_port = _free_port(self.host)
        ini = self.directory / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(
            db=self.directory, host=self.host, sql_port=self.sql_port, http_port=self.http_port,
            dirs=", ".join(str(d) for d in self.dirs_allowed), buffers=self.buffers, dirty=self.dirty_buffers),
            encoding="utf-8")
        log = (self.directory / "virtuoso.out").open("wb")
        self.process = subprocess.Popen([binary, "+configfile", str(ini), "+foreground"],
                                        cwd=self.directory, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        probe = HttpClient("Virtuoso start check", timeout=2, connect_timeout=2, retries=0)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StoreError(f"Virtuoso stopped while starting (exit status {self.process.returncode}): "
                                 + _first_lines(self.log_tail(), 400), file=self.directory / "virtuoso.out")
            try:
                answer = probe.request("GET", self.sparql_url, params={"query": "ASK {}"},
                                       headers={"Accept": "application/sparql-results+json"})
                if answer.status == 200:
                    return self
            except HttpError:
                pass
            time.sleep(0.2)
        self.stop()
        raise StoreError(f"Virtuoso did not answer at {self.sparql_url} within {timeout:g} s",
                         file=self.directory / "virtuoso.out")

    def log_tail(self, lines: int = 20) -> str:
        path = self.directory / "virtuoso.out"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 20.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def __enter__(self) -> "LocalVirtuoso":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


__all__ = ["VirtuosoIsql", "LoadReport", "load_dataset_into", "dump_graph_names", "LocalVirtuoso"]
