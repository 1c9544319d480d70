"""A bounded load run against `ecokg serve`: named queries from many clients, with and without runaway queries.

Starts `ecokg serve` (the default settings) on 127.0.0.1, then for each phase runs ``--clients``
threads that send the local named queries in turn for ``--seconds``; in the second phase
``--runaway`` more clients keep sending queries that would run for ever (a cross join) or blow up
memory (string doubling). Prints, per phase, throughput, p50/p99 latency of the named queries and
the count of each status, and the ratio of the p50 with runaways to the p50 without.
Usage: .venv/bin/python benchmarks/bench_load.py [--clients 16] [--seconds 60] [--runaway 8]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import requests  # noqa: E402

from kg.build import build  # noqa: E402
from kg.query import named_queries  # noqa: E402
from kg.settings import Settings  # noqa: E402
from served import Served  # noqa: E402

RUNAWAY = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    'SELECT (STRLEN(?s27) AS ?n) WHERE { BIND("ab" AS ?s0) '
    + " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(27)) + " }",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def phase(url: str, queries: list[str], clients: int, seconds: float, runaway: int) -> dict:
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    statuses: Counter = Counter()
    runaway_statuses: Counter = Counter()
    lock = threading.Lock()

    def client(offset: int) -> None:
        session = requests.Session()
        index = offset
        while time.monotonic() < stop:
            query = queries[index % len(queries)]
            index += 1
            started = time.perf_counter()
            try:
                status = session.get(f"{url}/sparql", params={"query": query}, timeout=60).status_code
            except requests.RequestException:
                status = "error"
            with lock:
                statuses[status] += 1
                if status == 200:
                    latencies.append(time.perf_counter() - started)

    def runaway_client(offset: int) -> None:
        session = requests.Session()
        index = offset
        while time.monotonic() < stop:
            try:
                status = session.get(f"{url}/sparql", params={"query": RUNAWAY[index % len(RUNAWAY)]},
                                     timeout=60).status_code
            except requests.RequestException:
                status = "error"
            index += 1
            with lock:
                runaway_statuses[status] += 1
            if status == 503:
                time.sleep(0.2)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    threads += [threading.Thread(target=runaway_client, args=(n,)) for n in range(runaway)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"throughput": statuses[200] / seconds, "p50": percentile(latencies, 0.5) * 1000,
            "p99": percentile(latencies, 0.99) * 1000, "statuses": dict(statuses),
            "runaway": dict(runaway_statuses)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--runaway", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ecokg-load-") as tmp:
        settings = Settings().with_(build_dir=Path(tmp) / "build")
        build(settings)
        queries = [q.text for q in named_queries(settings) if "SERVICE" not in q.text]
        with Served(settings.build_dir) as server:
            calm = phase(server.url, queries, args.clients, args.seconds, 0)
            loaded = phase(server.url, queries, args.clients, args.seconds, args.runaway)
            alive = server.alive()
    print(f"{len(queries)} named queries, {args.clients} clients, {args.seconds:g} s per phase, default settings")
    print(f"{'phase':<28}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}  statuses (named queries) | runaway queries")
    for name, figures in ((f"no runaway", calm), (f"{args.runaway} runaway clients", loaded)):
        print(f"{name:<28}{figures['throughput']:>8.1f}{figures['p50']:>9.1f}{figures['p99']:>9.1f}  "
              f"{figures['statuses']} | {figures['runaway']}")
    print(f"p50 with runaways / p50 without: {loaded['p50'] / calm['p50']:.2f}x; "
          f"throughput ratio {loaded['throughput'] / calm['throughput']:.2f}; server alive after: {alive}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
