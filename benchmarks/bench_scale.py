"""ECO-KG with a group's own data at 10k / 100k / 1M triples, against the physical floor and Oxigraph's server.

For each size, in one run on one machine: synthetic data in the project's ontology (`synthetic.py`);
the floor, pyoxigraph's `bulk_load` of the seeds' dump and that file into an on-disk store (time, peak
memory); `ecokg build --data FILE --store-path DIR` (time, peak memory, ratio to the floor); the cold
start of `ecokg serve --store-path DIR` until /sparql answers; each local named query in process (p50,
p99); HTTP throughput over the named queries with 1 and 8 clients against `ecokg serve` and `oxigraph
serve --union-default-graph` on the floor's store (same queries, same row limit: every named query
returns fewer rows than either limit; both servers run without a time limit that a named query could
reach), as first queries (each text made unique by a trailing comment; ours a second server without a result
cache, holding the data in memory, which makes it faster than an on-disk store)
and as repeated ones (ours answers them from its result cache), and the median time of a conditional GET
(If-None-Match: a 304 from ours; Oxigraph's server gives no validators and answers in full); with
--rdflib-endpoint, rdflib-endpoint serving the same files (load time, throughput; reported as not measured
where it does not answer within ten minutes); and `ecokg validate` of a 100-triple change against the on-disk
store (start-up included). Throughput is measured in alternating slices
while every server is up, so that a busy spell on a shared machine weighs on all alike.

Usage: .venv/bin/python benchmarks/bench_scale.py [--sizes 10000 100000 1000000] [--seconds 10]
           [--rdflib-endpoint /path/to/rdflib-endpoint]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import requests  # noqa: E402

BIN = Path(sys.executable).parent
#: slices each throughput measurement is cut into, alternating between the servers
ROUNDS = 4
#: how long rdflib-endpoint may take to load the files before it is reported as not measured
RDFLIB_ENDPOINT_LOAD_LIMIT = 600


def measured(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """(seconds, peak resident MiB) of a command run to the end."""
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def floor_load(store_dir: Path, files: list[Path]) -> list[str]:
    code = ("import sys, pyoxigraph as ox\ns = ox.Store(sys.argv[1])\n"
            "for f in sys.argv[2:]:\n    s.bulk_load(path=f, format=ox.RdfFormat.N_QUADS)\ns.flush()\n")
    return [sys.executable, "-c", code, str(store_dir), *map(str, files)]


def throughput(url: str, queries: list[str], clients: int, seconds: float, *, fresh: bool = False) -> float:
    """Answers per second: ``clients`` threads sending ``queries`` in turn for ``seconds`` (requests still
    running then are waited for and counted, over the time they took). With ``fresh``, each request's text
    ends in a comment no other request has, so no answer is ever asked twice (a first, uncached query)."""
    started = time.monotonic()
    stop = started + seconds
    done = [0]
    lock = threading.Lock()
    run = f"{os.getpid()}-{time.monotonic_ns()}"

    def client(offset: int):
        session = requests.Session()
        index = offset
        while time.monotonic() < stop:
            text = queries[index % len(queries)] + (f"\n# {run}-{offset}-{index}\n" if fresh else "")
            try:
                response = session.get(url, params={"query": text},
                                       headers={"Accept": "application/sparql-results+json"}, timeout=120)
            except requests.RequestException:
                response = None  # no answer within two minutes (rdflib's engine on the largest queries)
            index += 1
            if response is not None and response.ok:
                with lock:
                    done[0] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / (time.monotonic() - started)


def revalidation_p50(url: str, queries: list[str], repeats: int = 20) -> float:
    """Median milliseconds of a GET of each query carrying the ETag of its last answer (a 304 where the server
    gives validators; the whole answer again where it gives none), from a lean client (http.client on one
    kept-alive connection), so that the figure is the server's rather than the client library's."""
    import http.client
    from urllib.parse import urlencode, urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    times = []
    for text in queries:
        path = f"{parts.path}?{urlencode({'query': text})}"
        headers = {"Accept": "application/sparql-results+json"}
        connection.request("GET", path, headers=headers)
        first = connection.getresponse()
        first.read()
        if first.getheader("ETag"):
            headers["If-None-Match"] = first.getheader("ETag")
        enough = time.monotonic() + 5  # the slowest queries at 1M, answered whole again, are asked fewer times
        for _ in range(repeats):
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            connection.getresponse().read()
            times.append(time.perf_counter() - started)
            if time.monotonic() > enough:
                break
    connection.close()
    return statistics.median(times) * 1000


def measure_rdflib_endpoint(program: str, files: list[Path], texts: list[str], seconds: float) -> dict:
    """rdflib-endpoint serving the same files (its default store, rdflib's memory store): load time and
    throughput with 1 and 8 clients, or None where it does not answer within ten minutes."""
    from kg.namespaces import PREFIXES
    from served import free_port, wait_for_sparql

    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen([program, "serve", "--host", "127.0.0.1", "--port", str(port), *map(str, files)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        try:
            wait_for_sparql(url, process, timeout=RDFLIB_ENDPOINT_LOAD_LIMIT)
        except RuntimeError:
            return {"rdflib_load_s": None, "rdflib_1": None, "rdflib_8": None}
        load = time.monotonic() - started
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
        queries = [prologue + t for t in texts]
        return {"rdflib_load_s": load, "rdflib_1": throughput(url, queries, 1, seconds),
                "rdflib_8": throughput(url, queries, 8, seconds)}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # still evaluating a query it will never be asked for again
            process.kill()
            process.wait(timeout=30)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_size(size: int, work: Path, seconds: float, rdflib_endpoint: str | None = None) -> dict:
    from bench_validate import make_change
    from kg.build import build
    from kg.query import named_queries
    from kg.settings import Settings
    from kg.stores import open_store
    from served import Served, free_port, wait_for_sparql
    from synthetic import generate

    build_dir = work / "build"
    settings = Settings().with_(build_dir=build_dir)
    build(settings)
    data = work / f"synthetic-{size}.nq"
    made = generate(size, data, build_dir / "eco-kg.nq")
    figures: dict = {"size": made}
    figures["floor_s"], figures["floor_mb"] = measured(floor_load(work / "floor", [build_dir / "eco-kg.nq", data]))
    env = dict(os.environ, ECOKG_BUILD_DIR=str(build_dir))
    store_dir = work / "store"
    figures["build_s"], figures["build_mb"] = measured(
        [str(BIN / "ecokg"), "build", "--quiet", "--data", str(data), "--store-path", str(store_dir)], env=env)
    queries = [q for q in named_queries(settings) if "SERVICE" not in q.text]
    disk = settings.with_(store_path=store_dir, data_files=(str(data),))
    store = open_store(disk)
    from kg.stores import QueryTimeout
    from kg.stores.interface import QueryTooLarge

    per_query, too_slow = {}, []
    for query in queries:
        times = []
        try:
            for _ in range(5):
                started = time.perf_counter()
                store.query(query.text, timeout=60)
                times.append(time.perf_counter() - started)
        except (QueryTimeout, QueryTooLarge) as stopped:  # left out of the HTTP mix too, where it would fail
            too_slow.append(f"{query.name} ({'over 60 s' if isinstance(stopped, QueryTimeout) else 'over its memory'})")
            continue
        per_query[query.name] = (statistics.median(times) * 1000, percentile(times, 0.99) * 1000)
    store.close()
    figures["queries"], figures["too_slow"] = per_query, too_slow
    if too_slow:
        print(f"{made:,} triples: stopped in process, left out: {', '.join(too_slow)}", file=sys.stderr, flush=True)
    texts = [q.text for q in queries if q.name in per_query]
    # Oxigraph's server has no time limit: ours gets one longer than any named query takes here
    unlimited = {"ECOKG_QUERY_TIMEOUT": "600"}
    with Served(build_dir, "--store-path", str(store_dir), "--data", str(data), env=unlimited) as server:
        pass  # built and loaded once; the cold start is measured on the next start
    served = Served(build_dir, "--store-path", str(store_dir), "--data", str(data), env=unlimited)
    started = time.monotonic()
    served.start()
    figures["cold_s"] = time.monotonic() - started
    # first queries are measured on a server without a result cache (the data in memory: the on-disk store is
    # the other one's), so that the unique texts sent there do not push the named queries out of this one's
    uncached = Served(build_dir, "--data", str(data), env=dict(unlimited, ECOKG_RESULT_CACHE_MB="0")).start()
    port = free_port()
    oxigraph = subprocess.Popen([str(BIN / "oxigraph"), "serve-read-only", "--location", str(work / "floor"),
                                 "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_sparql(f"http://127.0.0.1:{port}/query", oxigraph, timeout=300)
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in __import__("kg.namespaces").namespaces.PREFIXES.items())
        ours = (f"{served.url}/sparql", texts)
        first = (f"{uncached.url}/sparql", texts)
        for text in texts:  # each named query once, as the server's own warming does after a start
            requests.get(ours[0], params={"query": text}, headers={"Accept": "application/sparql-results+json"},
                         timeout=600)
        theirs = (f"http://127.0.0.1:{port}/query", [prologue + t for t in texts])
        # both servers up at once and measured in alternating slices, so that a busy spell on a shared
        # machine weighs on both alike
        # a first query (each text asked once, ours without a result cache), then the named queries as they
        # are, asked again and again (ours answers them from its result cache)
        totals = {f"{who}_{kind}{clients}": 0.0 for who in ("ours", "oxigraph") for kind in ("", "repeated_")
                  for clients in (1, 8)}
        for _round in range(ROUNDS):
            for clients in (1, 8):
                totals[f"ours_{clients}"] += throughput(*first, clients, seconds / ROUNDS, fresh=True)
                totals[f"oxigraph_{clients}"] += throughput(*theirs, clients, seconds / ROUNDS, fresh=True)
                totals[f"ours_repeated_{clients}"] += throughput(*ours, clients, seconds / ROUNDS)
                totals[f"oxigraph_repeated_{clients}"] += throughput(*theirs, clients, seconds / ROUNDS)
        figures.update({key: value / ROUNDS for key, value in totals.items()})
        figures["ours_304_ms"] = revalidation_p50(*ours)
        figures["oxigraph_again_ms"] = revalidation_p50(*theirs)
    finally:
        served.stop()
        uncached.stop()
        oxigraph.terminate()
        oxigraph.wait(timeout=30)
    if rdflib_endpoint:
        figures.update(measure_rdflib_endpoint(rdflib_endpoint, [build_dir / "eco-kg.nq", data], texts, seconds))
    change, _triples = make_change(work)
    gate_env = dict(env, ECOKG_STORE_PATH=str(store_dir))
    try:
        figures["gate_s"], _ = measured([str(BIN / "ecokg"), "validate", str(change)], env=gate_env)
    except SystemExit as failed:  # the other figures of this size still stand; say why this one is missing
        print(failed, file=sys.stderr)
        figures["gate_s"] = None
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per throughput measurement")
    parser.add_argument("--rdflib-endpoint", metavar="PROGRAM",
                        help="the rdflib-endpoint command (e.g. from `pip install 'rdflib-endpoint[cli]'` in a venv "
                             "of its own), to measure it too on the same files")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        work = Path(tempfile.mkdtemp(prefix=f"ecokg-scale-{size}-"))
        try:
            rows.append(run_size(size, work, args.seconds, args.rdflib_endpoint))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)  # the figures so far, should a later size fail
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(f"done: {size:,}", file=sys.stderr, flush=True)
    print("| triples | floor load (s, MiB) | ecokg build (s, MiB) | build / floor | cold start (s) "
          "| named queries p50 / p99 (median, ms) | first query, req/s 1 client: ours (no cache, in memory) / "
          "oxigraph | 8 clients: ours / oxigraph | repeated named query, req/s 1 client: ours / oxigraph "
          "| 8 clients: ours / oxigraph "
          "| conditional request (304) p50, ms: ours (oxigraph, the whole answer again) "
          "| rdflib-endpoint: load (s), req/s 1 / 8 clients | gate, 100-triple change (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for f in rows:
        p50 = statistics.median(v[0] for v in f["queries"].values())
        p99 = statistics.median(v[1] for v in f["queries"].values())
        if "rdflib_load_s" not in f:
            rdflib = "not run"
        elif f["rdflib_load_s"] is None:
            rdflib = f"did not load within {RDFLIB_ENDPOINT_LOAD_LIMIT // 60} minutes"
        else:
            rdflib = f"{f['rdflib_load_s']:.0f}, {f['rdflib_1']:.1f} / {f['rdflib_8']:.1f}"
        print(f"| {f['size']:,} | {f['floor_s']:.1f}, {f['floor_mb']:.0f} | {f['build_s']:.1f}, {f['build_mb']:.0f} "
              f"| {f['build_s'] / f['floor_s']:.2f}× | {f['cold_s']:.2f} | {p50:.1f} / {p99:.1f} "
              f"| {f['ours_1']:.1f} / {f['oxigraph_1']:.1f} ({f['ours_1'] / f['oxigraph_1']:.2f}×) "
              f"| {f['ours_8']:.1f} / {f['oxigraph_8']:.1f} ({f['ours_8'] / f['oxigraph_8']:.2f}×) "
              f"| {f['ours_repeated_1']:.0f} / {f['oxigraph_repeated_1']:.1f} "
              f"({f['ours_repeated_1'] / f['oxigraph_repeated_1']:.1f}×) "
              f"| {f['ours_repeated_8']:.0f} / {f['oxigraph_repeated_8']:.1f} "
              f"({f['ours_repeated_8'] / f['oxigraph_repeated_8']:.1f}×) "
              f"| {f['ours_304_ms']:.2f} ({f['oxigraph_again_ms']:.1f}) | {rdflib} "
              f"| {'failed' if f['gate_s'] is None else format(f['gate_s'], '.1f')} |")
    slowest = {name: max(f["queries"].get(name, (0,))[0] for f in rows) for name in rows[-1]["queries"]}
    print("\nslowest named queries at the largest size (p50 ms): "
          + ", ".join(f"{n} {v:.0f}" for n, v in sorted(slowest.items(), key=lambda kv: -kv[1])[:5]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
