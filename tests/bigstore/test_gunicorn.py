"""Multi-process serving as the README documents it: gunicorn workers of `server.wsgi` over one on-disk store
opened read-only, started for real on 127.0.0.1, answering concurrent clients from every worker."""
from __future__ import annotations

import concurrent.futures
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from served import free_port, wait_for_sparql  # noqa: E402

pytestmark = pytest.mark.slow

EX = "https://example.org/group/"


@pytest.fixture()
def loaded_store(settings, built, tmp_path):
    """A store loaded once by `ecokg build --store-path DIR --data FILE`, the writer."""
    data = tmp_path / "people.nt"
    data.write_text("".join(f'<{EX}person/{n}> <http://www.w3.org/2000/01/rdf-schema#label> "Person {n}"@en .\n'
                            for n in range(300)), encoding="utf-8")
    store = tmp_path / "store"
    env = dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir))
    done = subprocess.run([str(Path(sys.executable).parent / "ecokg"), "build", "--quiet", "--store-path", str(store),
                           "--data", str(data)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return store, data


def test_gunicorn_workers_share_a_read_only_store(settings, loaded_store):
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    assert gunicorn, "gunicorn is installed with the test extra"
    store, data = loaded_store
    port = free_port()
    env = dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir), ECOKG_STORE_PATH=str(store),
               ECOKG_STORE_READ_ONLY="1", ECOKG_DATA_FILES=str(data), ECOKG_QUERY_WORKERS="2")
    master = subprocess.Popen([gunicorn, "--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "120",
                               "server.wsgi:app"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/sparql"
        wait_for_sparql(url, master, timeout=180)
        workers = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout.split()
        assert len(workers) == 2
        query = f'SELECT (COUNT(*) AS ?n) WHERE {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(STRSTARTS(STR(?s), "{EX}")) }}'

        def ask(_):
            response = requests.get(url, params={"query": query}, timeout=60,
                                    headers={"Accept": "application/sparql-results+json"})
            return response.status_code, response.json()["results"]["bindings"][0]["n"]["value"]

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, range(40)))
        assert answers == [(200, "300")] * 40
        pakistan = requests.get(url, params={"query": "ASK { ecoid:Pakistan a eco:State }"}, timeout=30)
        assert pakistan.json()["boolean"] is True
        assert master.poll() is None
    finally:
        if master.poll() is None:
            os.killpg(master.pid, signal.SIGTERM)
            try:
                master.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(master.pid, signal.SIGKILL)
                master.wait(timeout=30)
        else:
            print("gunicorn exited early:", master.stderr.read().decode(errors="replace")[-3000:])
