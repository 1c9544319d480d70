"""The total memory of the query workers is capped: heavy queries at once keep the service (server and
workers, proportional set sizes summed from /proc) under the server's own size plus
query_memory_total_mb, and a normal client is answered meanwhile."""
from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import time

import pytest
import requests

from served import PeakSampler, Served, free_port

pytestmark = pytest.mark.slow  # a real `ecokg serve` process, its workers filled on purpose

#: a cross join sorted in full: each worker's memory grows until its cap or the deadline stops it
HEAVY = "SELECT ?a ?c ?d ?f { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


def proportional_set_size(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def service_size(pid: int) -> int:
    return sum(proportional_set_size(p) for p in [pid, *children(pid)])


def test_heavy_queries_keep_the_service_under_its_total_cap_and_a_normal_client_is_answered(settings, built):
    total_mb = 1024  # 64 MiB for each of the 16 workers, where query_memory_mb alone would let them take 8 GiB
    env = {"ECOKG_QUERY_MEMORY_TOTAL_MB": str(total_mb)}
    with Served(settings.build_dir, "--query-workers", "16", "--query-memory-mb", "512", env=env) as served:
        url = served.url + "/sparql"
        pid = served.process.pid
        with PeakSampler(lambda: service_size(pid)) as memory:
            with concurrent.futures.ThreadPoolExecutor(16) as pool:
                heavy = [pool.submit(requests.get, url, params={"query": HEAVY}, timeout=60) for _ in range(16)]
                time.sleep(2)  # the heavy queries are running and growing
                normal = requests.get(url, params={"query": "ASK {}"}, timeout=20)
                answers = [f.result() for f in heavy]
        grown = memory.grown
        # workers are watched every 20 ms: each may overshoot by what it allocates in that time
        assert grown < (total_mb + 64) * 2**20, f"the service grew by {grown // 2**20} MiB past {total_mb} MiB"
        assert normal.status_code == 200 or (normal.status_code == 503 and normal.headers.get("Retry-After"))
        for answer in answers:
            assert answer.status_code == 503 and answer.headers.get("Retry-After"), answer.text
        stopped = [a.text for a in answers if "MiB" in a.text]
        assert stopped and all("query_memory_total_mb" in text for text in stopped)


def test_a_total_too_small_for_the_workers_stops_the_start_with_a_message(settings, built):
    env = dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir))
    try:
        run = subprocess.run([sys.executable, "-m", "kg", "serve", "--port", str(free_port()), "--query-workers", "16",
                              "--query-memory-total-mb", "100"], env=env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the server started with 6 MiB for each query worker")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "query_memory_total_mb" in run.stderr and "16 query workers" in run.stderr
    assert "Traceback" not in run.stderr
