"""`./run serve` and `ecokg serve` as a user starts them: a second start skips pip and answers at once,
and a port already in use is a clear usage error (exit 2), not an internal error."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
ECOKG = str(Path(sys.executable).parent / "ecokg")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_and_wait(port: int, trace: Path) -> tuple[subprocess.Popen, float]:
    started = time.monotonic()
    process = subprocess.Popen(["bash", "-x", str(CHECKOUT / "run"), "serve", "--port", str(port)], cwd=CHECKOUT,
                               stdout=subprocess.DEVNULL, stderr=trace.open("w"), start_new_session=True)
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", timeout=5).read()
            return process, time.monotonic() - started
        except OSError:
            assert process.poll() is None, trace.read_text()
            assert time.monotonic() - started < 600
            time.sleep(0.05)


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, 15)
    process.wait(timeout=30)


@pytest.mark.slow
def test_a_second_run_serve_skips_pip_and_answers_quickly(tmp_path):
    first, _ = start_and_wait(free_port(), tmp_path / "first.trace")
    stop(first)
    second, seconds = start_and_wait(free_port(), tmp_path / "second.trace")
    stop(second)
    trace = (tmp_path / "second.trace").read_text()
    print(f"second ./run serve answered after {seconds:.2f} s")
    assert "pip install" not in trace
    assert "ecokg serve" in trace


@pytest.mark.slow
def test_a_port_in_use_is_a_usage_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        completed = subprocess.run([ECOKG, "serve", "--port", str(port)], capture_output=True, text=True,
                                   timeout=120)
    assert completed.returncode == 2
    assert "serving on" not in completed.stdout
    assert f"cannot listen on 127.0.0.1:{port}" in completed.stderr and "--port" in completed.stderr
    assert "internal error" not in completed.stderr and "Traceback" not in completed.stderr
