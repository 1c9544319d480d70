"""Query latency of the two store backends, in process and over HTTP, and the cold start of `ecokg serve`.

Prints the p50 latency of every named query in queries/*.rq (federated ones, which call Wikidata,
are skipped unless --federated) and of a few representative queries, through OxigraphStore and
RdflibStore in process and through the HTTP endpoint on 127.0.0.1, with the rdflib/oxigraph ratio
measured in the same run. Then the time from starting `ecokg serve` until /sparql answers.
Usage: .venv/bin/python benchmarks/bench_store.py [--repeat 15] [--no-serve] [--federated]
"""
from __future__ import annotations

import argparse
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import requests  # noqa: E402

from kg.build import build  # noqa: E402
from kg.query import named_queries  # noqa: E402
from kg.settings import Settings  # noqa: E402
from kg.errors import StoreError  # noqa: E402
from kg.stores import QueryTimeout, open_store  # noqa: E402
from liveserver import LiveServer  # noqa: E402
from server.app import create_app  # noqa: E402

#: queries that stand for what people ask: a lookup, a join with a filter, an aggregate, a DESCRIBE
REPRESENTATIVE = {
    "ask-pakistan-state": "ASK { <https://w3id.org/eco-kg/id/Pakistan> a eco:State }",
    "states-with-labels": "SELECT ?s ?l { ?s a eco:State ; rdfs:label ?l FILTER(lang(?l) = 'en') } ORDER BY ?l",
    "triples-per-graph": "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY DESC(?n)",
    "describe-pakistan": "DESCRIBE <https://w3id.org/eco-kg/id/Pakistan>",
    "all-triples": "SELECT * { ?s ?p ?o }",
}


def p50(action, repeat: int) -> float:
    """Median milliseconds of ``action``; infinity when its first run overruns the time cap."""
    try:
        action()  # warm caches (parsers, term conversions) so the median is the steady state
    except (QueryTimeout, requests.HTTPError) as exc:
        if isinstance(exc, QueryTimeout) or exc.response.status_code == 503:
            return math.inf
        return math.nan  # the engine answered with an error: reported, not timed
    except StoreError:
        return math.nan
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def queries(include_federated: bool) -> dict[str, str]:
    chosen = {}
    for named in named_queries(Settings()):
        if "SERVICE" in named.text.upper() and not include_federated:
            continue
        chosen[named.name] = named.text
    chosen.update(REPRESENTATIVE)
    return chosen


def measure(settings: Settings, repeat: int, include_federated: bool) -> None:
    stores = {name: open_store(settings.with_(store=name)) for name in ("oxigraph", "rdflib")}
    servers = {name: LiveServer(create_app(settings.with_(store=name), store)).start() for name, store in stores.items()}
    session = requests.Session()
    session.trust_env = False  # loopback only: no proxy in the way
    rows = []
    try:
        for name, text in queries(include_federated).items():
            timing = {}
            print(f"  timing {name} …", file=sys.stderr, flush=True)
            for backend, store in stores.items():
                timing[backend] = p50(lambda: store.query(text), repeat)

                def over_http(url=servers[backend].url):
                    response = session.post(url + "/sparql", data={"query": text}, timeout=120)
                    response.raise_for_status()

                timing[backend + "/http"] = p50(over_http, repeat)
            rows.append((name, timing))
    finally:
        for server in servers.values():
            server.stop()
    header = f"{'query':34} {'oxigraph':>9} {'rdflib':>9} {'ratio':>6} | {'ox http':>9} {'rdf http':>9} {'ratio':>6}"
    print(f"p50 latency in ms over {repeat} runs (ratio = rdflib / oxigraph, same run)")
    print(header)
    print("-" * len(header))
    def ms(value: float) -> str:
        if math.isnan(value):
            return f"{'error':>9}"
        return f"{value:9.2f}" if math.isfinite(value) else f"{'timeout':>9}"

    def ratio(slow: float, fast: float) -> str:
        return f"{slow / fast:6.1f}" if math.isfinite(slow) and math.isfinite(fast) else f"{'-':>6}"

    for name, t in rows:
        print(f"{name[:34]:34} {ms(t['oxigraph'])} {ms(t['rdflib'])} {ratio(t['rdflib'], t['oxigraph'])} | "
              f"{ms(t['oxigraph/http'])} {ms(t['rdflib/http'])} {ratio(t['rdflib/http'], t['oxigraph/http'])}")
    finite = [t for _, t in rows if all(math.isfinite(v) for v in t.values())]
    if finite:
        ratios = [t["rdflib"] / t["oxigraph"] for t in finite]
        http_ratios = [t["rdflib/http"] / t["oxigraph/http"] for t in finite]
        print(f"median ratio over the {len(finite)} queries both finished: in process "
              f"{statistics.median(ratios):.1f}x, over HTTP {statistics.median(http_ratios):.1f}x")
    timeouts = [name for name, t in rows if math.isinf(t["rdflib"])]
    if timeouts:
        print("rdflib did not finish within the cap: " + ", ".join(timeouts))
    errors = [f"{name} ({backend})" for name, t in rows for backend, value in t.items() if math.isnan(value)]
    if errors:
        print("answered with an error: " + ", ".join(errors))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cold_start(backend: str, build_dir: Path) -> float:
    """Seconds from launching `ecokg serve` until /sparql answers an ASK (the dataset already built)."""
    port = free_port()
    executable = Path(sys.executable).parent / "ecokg"
    command = [str(executable) if executable.exists() else sys.executable, "serve", "--port", str(port),
               "--store", backend]
    if not executable.exists():
        command[1:1] = ["-m", "kg.cli"]
    env = dict(os.environ, ECOKG_BUILD_DIR=str(build_dir))
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 60:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=1,
                                        proxies={"http": None})
                if response.status_code == 200:
                    return time.perf_counter() - started
            except requests.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError("ecokg serve did not answer within 60 s")
    finally:
        process.terminate()
        process.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per query (default 15)")
    parser.add_argument("--cap", type=float, default=10.0,
                        help="seconds a query may take before it is reported as a timeout (default 10)")
    parser.add_argument("--no-serve", action="store_true", help="skip the cold start of ecokg serve")
    parser.add_argument("--federated", action="store_true", help="include named queries that call Wikidata")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # a generous limit: the point is to measure slow queries, not to cut them off
        settings = Settings().with_(build_dir=Path(tmp), query_timeout=args.cap)
        build(settings)
        measure(settings, args.repeat, args.federated)
        if not args.no_serve:
            for backend in ("oxigraph", "rdflib"):
                runs = [cold_start(backend, settings.build_dir) for _ in range(3)]
                print(f"cold start of `ecokg serve --store {backend}` until /sparql answers: "
                      f"median {statistics.median(runs):.2f} s (runs: {', '.join(f'{r:.2f}' for r in runs)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
