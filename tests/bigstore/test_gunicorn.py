"""Multi-process serving as the README shows it, run as written: gunicorn workers of `server.wsgi` over one
on-disk store opened read-only, started for real on 127.0.0.1, answering concurrent clients."""
from __future__ import annotations

import concurrent.futures
import gzip
import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from served import free_port, wait_for_sparql  # noqa: E402

pytestmark = pytest.mark.slow

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent
EX = "https://example.org/group/"


def readme_lines() -> list[str]:
    section = README[README.index("### Several processes over one store"):]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def split_env(line: str) -> tuple[dict, list[str]]:
    """``VAR=value … program args`` as (the variables, the command with the program from this venv)."""
    words = shlex.split(line)
    env = {}
    while "=" in words[0] and not words[0].startswith("-"):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    return env, [str(BIN / words[0]), *words[1:]]


def test_the_readme_gunicorn_example_serves_from_every_worker(settings, built, tmp_path):
    build_line, serve_line = readme_lines()
    with gzip.open(tmp_path / "our-data.nt.gz", "wt", encoding="utf-8") as out:
        for n in range(300):
            out.write(f'<{EX}person/{n}> <http://www.w3.org/2000/01/rdf-schema#label> "Person {n}"@en .\n')
    env = dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir))
    _none, build = split_env(build_line)
    done = subprocess.run(build, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    port = free_port()
    variables, serve = split_env(serve_line.replace("127.0.0.1:8000", f"127.0.0.1:{port}"))
    assert variables["ECOKG_STORE_READ_ONLY"] == "1" and "server.wsgi:app" in serve
    master = subprocess.Popen(serve, cwd=tmp_path, env={**env, **variables, "ECOKG_QUERY_WORKERS": "2"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/sparql"
        wait_for_sparql(url, master, timeout=180)
        workers = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout.split()
        assert len(workers) == 2
        query = (f'SELECT (COUNT(*) AS ?n) WHERE {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l '
                 f'FILTER(STRSTARTS(STR(?s), "{EX}")) }}')

        def ask(_):
            response = requests.get(url, params={"query": query}, timeout=60,
                                    headers={"Accept": "application/sparql-results+json"})
            return response.status_code, response.json()["results"]["bindings"][0]["n"]["value"]

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, range(40)))
        assert answers == [(200, "300")] * 40
        pakistan = requests.get(url, params={"query": "ASK { ecoid:Pakistan a eco:State }"}, timeout=30)
        assert pakistan.json()["boolean"] is True
        update = requests.post(f"http://127.0.0.1:{port}/update", data="INSERT DATA {}", timeout=30,
                               headers={"Content-Type": "application/sparql-update"})
        assert update.status_code == 403  # updates need the single `ecokg serve`
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
