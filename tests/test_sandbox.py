"""A query time limit is real: the evaluating process is killed at the deadline, answers come back intact."""
from __future__ import annotations

import os
import time

import pytest

from kg.sandbox import ChildFailed, Late, run_isolated


def test_the_answer_comes_back():
    assert run_isolated(lambda: {"rows": [1, 2, 3], "text": "Pakistan’s"}, time.monotonic() + 10) == {
        "rows": [1, 2, 3], "text": "Pakistan’s"}


def test_a_large_answer_comes_back_whole():
    big = "x" * (5 * 1024 * 1024)
    assert run_isolated(lambda: big, time.monotonic() + 20) == big


def test_an_exception_is_raised_in_the_caller():
    def fail():
        raise ValueError("bad query")

    with pytest.raises(ValueError, match="bad query"):
        run_isolated(fail, time.monotonic() + 10)


def test_a_late_child_is_killed_at_the_deadline(tmp_path):
    marker = tmp_path / "pid"

    def spin():
        marker.write_text(str(os.getpid()))
        while True:
            pass

    started = time.monotonic()
    with pytest.raises(Late):
        run_isolated(spin, started + 0.5)
    assert time.monotonic() - started < 5
    pid = int(marker.read_text())
    with pytest.raises(ProcessLookupError):  # gone, not left spinning
        os.kill(pid, 0)


def test_a_child_that_dies_is_reported():
    with pytest.raises(ChildFailed):
        run_isolated(lambda: os._exit(3), time.monotonic() + 10)


def test_a_pool_answers_many_requests_with_few_processes():
    from kg.sandbox import WorkerPool

    pool = WorkerPool(lambda request: (os.getpid(), request * 2), size=2)
    try:
        answers = [pool.run(n, time.monotonic() + 10) for n in range(20)]
        assert [value for _pid, value in answers] == [n * 2 for n in range(20)]
        assert len({pid for pid, _ in answers}) == 1  # one idle worker served them all, in turn
        assert os.getpid() not in {pid for pid, _ in answers}
    finally:
        pool.close()


def test_a_pool_kills_a_late_worker_and_carries_on():
    from kg.sandbox import WorkerPool

    def handler(request):
        if request == "spin":
            while True:
                pass
        return os.getpid()

    pool = WorkerPool(handler, size=1)
    try:
        first = pool.run("ok", time.monotonic() + 10)
        with pytest.raises(Late):
            pool.run("spin", time.monotonic() + 0.5)
        with pytest.raises(ProcessLookupError):
            os.kill(first, 0)
        assert pool.run("ok", time.monotonic() + 10) != first  # a fresh worker took its place
    finally:
        pool.close()


def test_a_refreshed_pool_sees_new_data():
    from kg.sandbox import WorkerPool

    data = {"version": 1}
    pool = WorkerPool(lambda request: data["version"], size=1)
    try:
        assert pool.run(None, time.monotonic() + 10) == 1
        data["version"] = 2
        assert pool.run(None, time.monotonic() + 10) == 1  # the worker still has the old copy
        pool.refresh()
        assert pool.run(None, time.monotonic() + 10) == 2
    finally:
        pool.close()
