"""Multi-process serving over one on-disk store: throughput of `ecokg serve` against gunicorn with 1, 2 and 4
processes sharing the store read-only (`server.wsgi`), 8 clients sending the local named queries.

Usage: .venv/bin/python benchmarks/bench_processes.py [--triples 100000] [--seconds 15]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_scale import throughput  # noqa: E402

BIN = Path(sys.executable).parent


def main() -> int:
    from kg.build import build
    from kg.query import named_queries
    from kg.settings import Settings
    from served import Served, free_port, wait_for_sparql
    from synthetic import generate

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=100_000, help="synthetic triples beside the seeds")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ecokg-processes-"))
    try:
        settings = Settings().with_(build_dir=work / "build")
        build(settings)
        data = work / "synthetic.nq"
        generate(args.triples, data, settings.build_dir / "eco-kg.nq")
        env = dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir))
        store = work / "store"
        subprocess.run([str(BIN / "ecokg"), "build", "--quiet", "--data", str(data), "--store-path", str(store)],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        texts = [q.text for q in named_queries(settings) if "SERVICE" not in q.text]
        rows = []
        with Served(settings.build_dir, "--store-path", str(store), "--data", str(data)) as served:
            rows.append(("ecokg serve (1 process, query workers)", throughput(f"{served.url}/sparql", texts,
                                                                            args.clients, args.seconds)))
        for processes in (1, 2, 4):
            port = free_port()
            shared = dict(env, ECOKG_STORE_PATH=str(store), ECOKG_STORE_READ_ONLY="1", ECOKG_DATA_FILES=str(data))
            server = subprocess.Popen([str(BIN / "gunicorn"), "-w", str(processes), "--threads", "8", "-b",
                                       f"127.0.0.1:{port}", "--chdir", str(ROOT), "server.wsgi:app"], env=shared,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                wait_for_sparql(f"http://127.0.0.1:{port}/sparql", server, timeout=300)
                rows.append((f"gunicorn -w {processes} (read-only store)",
                             throughput(f"http://127.0.0.1:{port}/sparql", texts, args.clients, args.seconds)))
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base = rows[1][1]
    print(f"{args.clients} clients, {len(texts)} named queries, {args.triples:,} synthetic triples beside the seeds, "
          f"{os.cpu_count()} cores")
    print("| server | req/s | vs gunicorn -w 1 |\n|---|---|---|")
    for name, rate in rows:
        print(f"| {name} | {rate:.0f} | {rate / base:.2f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
