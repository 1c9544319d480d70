"""Latency of the local named queries in Virtuoso (through `RemoteStore`) against the embedded store.

Owns starting a throwaway Virtuoso on loopback ports, timing the bulk load of the built dump, and
timing each local named query (p50 of several runs) in Virtuoso and in the embedded pyoxigraph
store, the baseline measured in the same run, with their ratio. Not part of the test suite and
asserts nothing; run it by hand (needs `apt-get install virtuoso-opensource`):

    .venv/bin/python benchmarks/bench_bigstore.py [--runs 15]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.errors import EcoKGError  # noqa: E402
from kg.query import named_queries  # noqa: E402
from kg.stores.remote import RemoteStore  # noqa: E402
from kg.stores.virtuoso import LocalVirtuoso, load_dataset_into  # noqa: E402
from kg.settings import Settings  # noqa: E402
from kg.stores import OxigraphStore, open_store  # noqa: E402


def p50(store, text: str, runs: int) -> float:
    store.query(text)  # warm-up: caches, connections, Virtuoso's compiled query
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        store.query(text)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per query and store (default 15)")
    args = parser.parse_args()
    settings = Settings()
    queries = [q for q in named_queries(settings) if not q.name.startswith("wikidata-")]
    try:
        open_store(settings)  # builds first when the dump is out of date
        dump = settings.build_dir / "eco-kg.nq"
        started = time.perf_counter()
        embedded = OxigraphStore(settings, nquads_path=dump)
        embedded_load = time.perf_counter() - started
        with tempfile.TemporaryDirectory(prefix="eco-kg-virtuoso-") as directory:
            started = time.perf_counter()
            virtuoso = LocalVirtuoso(directory, dirs_allowed=[dump.parent]).start(timeout=120)
            start_up = time.perf_counter() - started
            try:
                report = load_dataset_into(virtuoso.isql, dump)
                remote = RemoteStore(settings, virtuoso.sparql_url)
                print(f"dataset: {len(embedded)} quads in {len(embedded.graph_names())} named graphs; "
                      f"{args.runs} runs per query, p50")
                print(f"Virtuoso start-up {start_up:.2f} s; bulk load (isql) {report.seconds:.3f} s; "
                      f"embedded load {embedded_load:.3f} s; load ratio "
                      f"{report.seconds / embedded_load:.0f}x")
                print(f"{'query':38} {'virtuoso ms':>12} {'oxigraph ms':>12} {'ratio':>7}")
                ratios = []
                for query in queries:
                    remote_time = p50(remote, query.text, args.runs)
                    embedded_time = p50(embedded, query.text, args.runs)
                    ratios.append(remote_time / embedded_time)
                    print(f"{query.name:38} {remote_time * 1000:12.2f} {embedded_time * 1000:12.2f} "
                          f"{ratios[-1]:6.1f}x")
                print(f"{'geometric mean ratio':38} {'':12} {'':12} "
                      f"{statistics.geometric_mean(ratios):6.1f}x")
            finally:
                virtuoso.stop()
    except EcoKGError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
