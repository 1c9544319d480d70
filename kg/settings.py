"""Configuration, in one place.

A small frozen settings object with documented defaults. Only the entry points build it: the command
line from flags and the environment, the WSGI module from the environment alone (`Settings.from_env`);
everything below takes it as an argument.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import SettingsError
from .namespaces import BASE
from .project import Project, project_at

#: a checkout: the folder holding ontology/, seeds/, queries/ beside kg/
CHECKOUT_ROOT = Path(__file__).resolve().parent.parent
#: an installed wheel: the same folders carried as package data of `kg` (kg/data/ontology, …)
PACKAGE_DATA_ROOT = Path(__file__).resolve().parent / "data"


def _data_root() -> Path:
    """Where the ontology, seeds and queries are: the checkout when there is one, else the package data."""
    if (CHECKOUT_ROOT / "ontology" / "eco.ttl").is_file() or not (PACKAGE_DATA_ROOT / "ontology").is_dir():
        return CHECKOUT_ROOT
    return PACKAGE_DATA_ROOT


def _default_build_dir(root: Path) -> Path:
    """build/ of a checkout; for the packaged data (read-only in site-packages) a per-user cache folder,
    one per installed version, so an upgrade never reads an older build."""
    if root != PACKAGE_DATA_ROOT:
        return root / "build"
    from importlib.metadata import PackageNotFoundError, version
    try:
        release = version("eco-kg")
    except PackageNotFoundError:
        release = "unknown"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "eco-kg" / release / "build"


PROJECT_ROOT = _data_root()

#: Wikidata's public SPARQL endpoint: the one SERVICE target allowed by default.
WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"

# The gate's default limits (`kg.gate.limits.GateLimits` reads them from here, as the settings below do)
#: default largest file the gate reads: 5 MiB
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
#: default seconds one stage may take (HermiT on the whole graph needs about 10 s on a busy machine)
DEFAULT_STAGE_SECONDS = 60.0
#: default memory the gate's child process may map beyond what the command had when it started
DEFAULT_MEMORY_MB = 1024
#: default most prefix (namespace) declarations in one file: rdflib binds each one at a cost that
#: grows with the number already bound, so 90,000 of them took minutes
DEFAULT_MAX_PREFIXES = 1000
#: default most problems a stage lists; the rest are counted ("… and N more")
DEFAULT_MAX_PROBLEMS = 100


@dataclass(frozen=True)
class Settings:
    """Everything a command or the server may be configured with.

    Environment variables (read by the CLI only) are the upper-case field names prefixed
    with ``ECOKG_``, e.g. ``ECOKG_PORT=8080``; lists are comma-separated.
    """

    root: Path = PROJECT_ROOT
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    ontology_dir: Path = PROJECT_ROOT / "ontology"
    queries_dir: Path = PROJECT_ROOT / "queries"
    build_dir: Path = _default_build_dir(PROJECT_ROOT)
    host: str = "127.0.0.1"
    port: int = 8000
    #: store backend: "oxigraph" (fast embedded default), "rdflib", or "remote" (a SPARQL endpoint such as Virtuoso)
    store: str = "oxigraph"
    #: the SPARQL query URL of the remote store (store = "remote")
    remote_endpoint: str | None = None
    #: a folder for pyoxigraph's on-disk store (None: in memory); reopened without reloading when nothing changed
    store_path: Path | None = None
    #: open the on-disk store read-only, as several server processes can (it must have been built; no updates)
    store_read_only: bool = False
    #: bulk RDF files loaded beside the seeds, straight into the store (N-Triples, N-Quads, Turtle, TriG; .gz)
    data_files: tuple[str, ...] = ()
    #: a folder whose RDF files are all bulk data (None: data/ beside seeds/)
    data_dir: Path | None = None
    #: seconds a query may run before the server answers 503
    query_timeout: float = 10.0
    #: most result rows a SELECT returns through the endpoint
    row_limit: int = 10_000
    #: evaluate each embedded (pyoxigraph) query in a child process killed at the time limit
    query_isolation: bool = True
    #: queries evaluated at once (pooled worker processes); more are refused with 503 and Retry-After
    query_workers: int = 16
    #: memory one query worker may use beyond the server's own, in MiB; a query that needs more gets 503
    query_memory_mb: int = 512
    #: memory all query workers together may use beyond the server's own, in MiB: each worker's cap is
    #: lowered to its share (query_memory_total_mb / query_workers) when query_memory_mb would exceed it
    query_memory_total_mb: int = 4096
    #: seconds a request waits for a free query worker before it is refused with 503
    admission_wait: float = 0.25
    #: longest query or update text accepted, in characters (400 beyond)
    max_query_length: int = 200_000
    #: deepest nesting of groups, brackets and parentheses accepted (400 beyond)
    max_query_depth: int = 64
    #: memory the store's cache of analysed query texts may hold, in MiB (0: no cache; texts are then read twice)
    analysis_cache_mb: int = 32
    #: memory the server's cache of query answers may hold, in MiB (0: no cache); an answer over a quarter of it
    #: is answered, not kept. The dataset is read-only between accepted updates, so an answer asked again is
    #: the same bytes until one is accepted
    result_cache_mb: int = 64
    #: seconds a browser, proxy or CDN may reuse an answer (Cache-Control max-age) before asking again, with
    #: its ETag or Last-Modified, whether it still holds (a 304 then costs no evaluation)
    cache_max_age: int = 60
    #: HTTP threads of `ecokg serve`; 0: query_workers + 8, so the server can always answer "busy" at once
    server_threads: int = 0
    #: connections `ecokg serve` holds open at once; at the limit the longest-idle one is closed for a new one
    #: (lowered to what the open-file limit allows, which the server raises towards it)
    max_connections: int = 4000
    #: connections one client address may hold open; at that share a new one replaces the address's longest-idle
    #: one, or is answered 503 when all are busy (0: no cap; behind a reverse proxy every client has the proxy's
    #: address, so turn it off there)
    max_connections_per_client: int = 100
    #: seconds from a request's first byte until its headers are complete, however steadily they trickle (408)
    header_timeout: float = 10.0
    #: seconds from the end of a request's headers until its body is complete (408)
    body_timeout: float = 30.0
    #: seconds a connection may wait without a request in progress (keep-alive), 1 s when half the
    #: max_connections are open
    idle_timeout: float = 15.0
    #: seconds an answer may wait for the client to read any of it before the connection is closed
    send_timeout: float = 60.0
    #: seconds an update (its validation included) may take before it is stopped and answered 503
    update_timeout: float = 60.0
    #: memory the validation of one update may use beyond the server's own, in MiB
    update_memory_mb: int = 2048
    #: file of accepted updates, replayed on start (default: build/accepted-updates.jsonl; "" turns it off,
    #: and then an accepted update lives only in memory, which its 200 answer says)
    update_journal: str | None = None
    #: SERVICE targets the endpoint may forward to (exact IRIs)
    service_allowlist: tuple[str, ...] = (WIKIDATA_SPARQL,)
    #: where an allow-listed SERVICE IRI is actually called, as "IRI=URL" entries (split at the
    #: first "="), e.g. Wikidata's IRI pointed at a mirror; the allow-list is checked against the IRI
    #: written in the query, and an IRI without an entry is called as it is
    service_endpoint_map: tuple[str, ...] = ()
    #: seconds a SERVICE call may take
    service_timeout: float = 20.0
    #: most bytes one SERVICE answer may have; a longer one fails the query (502) as it is read
    service_max_bytes: int = 16 * 2**20
    #: most SERVICE endpoints one query may call; a query with more is refused (400) before any call
    service_max_calls: int = 8
    #: the gate's limits (`ecokg validate`, `ecokg add`); their flags override them (`kg.gate.limits.GateLimits`)
    max_file_bytes: int = DEFAULT_MAX_BYTES
    gate_stage_seconds: float = DEFAULT_STAGE_SECONDS
    gate_memory_mb: int = DEFAULT_MEMORY_MB
    gate_max_prefixes: int = DEFAULT_MAX_PREFIXES
    gate_max_problems: int = DEFAULT_MAX_PROBLEMS
    #: skip the gate's OWL stage (`ecokg validate`, `ecokg add`, `POST /update`), for quick local runs
    no_owl: bool = False
    #: SPARQL Update on the server: off unless a token is set and this is true
    update_enabled: bool = False
    update_token: str | None = field(default=None, repr=False)
    #: `ecokg publish`: the bearer token (--auth bearer) and the password (--auth basic|digest) for the target store
    publish_token: str | None = field(default=None, repr=False)
    publish_password: str | None = field(default=None, repr=False)
    #: the public base the graph's IRIs use; the server maps it onto its own address
    public_base: str = BASE
    #: the address the service is reached at by the public (http(s), no query or fragment), the base of every
    #: IRI it writes about itself (VoID, DCAT, Service Description, sitemap, robots.txt, Link headers);
    #: "": http://host:port/ as configured. Never taken from a request's Host header, which the client writes
    public_url: str = ""
    #: print the trace of an internal error (the command line otherwise prints one line)
    debug: bool = False
    #: the researcher's project (`kg.project.Project`, from its ecokg.toml) whose files the build adds to the
    #: packaged graph, and whose namespaces new subjects may use; found by the command line, upward from the
    #: working directory, or named by ECOKG_PROJECT (a folder in the project); None in ECO-KG's own checkout
    project: Project | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.public_url:
            object.__setattr__(self, "public_url", checked_public_url(self.public_url))

    @property
    def service_url(self) -> str:
        """The base of every IRI the service writes about itself, ending in "/": `public_url`, else the
        configured host and port."""
        if self.public_url:
            return self.public_url
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> "Settings":
        """Defaults, then ``ECOKG_*`` variables, then ``overrides``; a malformed value is a `SettingsError`."""
        environ = os.environ if environ is None else environ
        base = cls()
        values: dict = {}
        for name, current in base.__dict__.items():
            variable = "ECOKG_" + name.upper()
            raw = environ.get(variable)
            if raw is None or name == "extra":
                continue
            if name == "project":  # the folder of a project (the WSGI entry point has no working directory to use)
                values[name] = project_at(Path(raw))
                values.setdefault("build_dir", values[name].build_dir)
                continue
            if isinstance(current, bool):
                values[name] = raw.strip().lower() in {"1", "true", "yes", "on"}
            elif isinstance(current, (int, float)):
                if not raw.strip() and name in MUST_BE_POSITIVE:
                    continue  # an empty limit means "the default", as it did when the gate read its own variables
                try:
                    values[name] = type(current)(raw)
                except ValueError:
                    raise SettingsError(f"bad setting in the environment: {variable}={raw!r} is not a number",
                                        term=variable, hint="give a number") from None
                if name in MUST_BE_POSITIVE and values[name] <= 0:
                    raise SettingsError(f"bad setting in the environment: {variable}={raw!r} must be positive",
                                        term=variable, hint="give a positive number")
            elif isinstance(current, tuple):
                values[name] = tuple(x.strip() for x in raw.split(",") if x.strip())
            elif isinstance(current, Path):
                values[name] = Path(raw)
            else:
                values[name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(base, **values)


def checked_public_url(url: str) -> str:
    """``url`` as the service's public base, ending in "/"; a `SettingsError` saying what is wrong otherwise."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (reading it checks the port's digits and range)
    except ValueError as error:
        parts, problem = None, str(error)
    if parts is not None:
        problem = ("it is not http or https" if parts.scheme.lower() not in ("http", "https")
                   else "it names no host" if not parts.hostname
                   else "it has a query (?…)" if parts.query or url.rstrip().endswith("?")
                   else "it has a fragment (#…)" if parts.fragment or "#" in url
                   else "it holds a space or a control character" if re.search(r"[\s\x00-\x1f\x7f]", url.strip())
                   else None)
    if problem:
        raise SettingsError(f"the public URL {url!r} cannot be used: {problem} (setting public_url, --public-url, "
                            "ECOKG_PUBLIC_URL)", term="public_url",
                            hint="give the address clients reach the service at, e.g. https://kg.example.org/ "
                                 "(http or https, a host, an optional path; no query or fragment)")
    url = url.strip()
    return url if url.endswith("/") else url + "/"


#: settings where zero or less makes no sense (a limit of nothing); the environment may not set them so
MUST_BE_POSITIVE = frozenset({"max_file_bytes", "gate_stage_seconds", "gate_memory_mb", "gate_max_prefixes",
                              "gate_max_problems", "query_memory_total_mb", "service_max_bytes"})
