"""A query time limit is real: a late worker process is killed at the deadline; answers come back intact."""
from __future__ import annotations

import os
import time

import pytest

from kg.sandbox import ChildFailed, Late, WorkerPool


@pytest.fixture()
def pool_of():
    pools = []

    def make(handler, size=1):
        pools.append(WorkerPool(handler, size))
        return pools[-1]

    yield make
    for pool in pools:
        pool.close()


def soon(seconds: float = 10) -> float:
    return time.monotonic() + seconds


def test_answers_come_back_from_another_process(pool_of):
    pool = pool_of(lambda request: (os.getpid(), {"rows": [request], "text": "Pakistan’s"}))
    pid, value = pool.run(3, soon())
    assert value == {"rows": [3], "text": "Pakistan’s"}
    assert pid != os.getpid()


def test_a_large_answer_comes_back_whole(pool_of):
    big = "x" * (5 * 1024 * 1024)
    assert pool_of(lambda request: big).run(None, soon(20)) == big


def test_an_exception_is_raised_in_the_caller(pool_of):
    def fail(request):
        raise ValueError(f"bad query {request}")

    with pytest.raises(ValueError, match="bad query 7"):
        pool_of(fail).run(7, soon())


def test_one_idle_worker_serves_requests_in_turn(pool_of):
    pool = pool_of(lambda request: (os.getpid(), request * 2), size=2)
    answers = [pool.run(n, soon()) for n in range(20)]
    assert [value for _pid, value in answers] == [n * 2 for n in range(20)]
    assert len({pid for pid, _ in answers}) == 1


def test_a_late_worker_is_killed_and_replaced(pool_of):
    def handler(request):
        if request == "spin":
            while True:
                pass
        return os.getpid()

    pool = pool_of(handler)
    first = pool.run("ok", soon())
    started = time.monotonic()
    with pytest.raises(Late):
        pool.run("spin", started + 0.5)
    assert time.monotonic() - started < 5
    with pytest.raises(ProcessLookupError):  # gone, not left spinning
        os.kill(first, 0)
    assert pool.run("ok", soon()) != first


def test_a_worker_that_dies_is_reported_and_replaced(pool_of):
    pool = pool_of(lambda request: os._exit(3) if request == "die" else "alive")
    with pytest.raises(ChildFailed):
        pool.run("die", soon())
    assert pool.run("again", soon()) == "alive"


def test_a_refreshed_pool_sees_new_data(pool_of):
    data = {"version": 1}
    pool = pool_of(lambda request: data["version"])
    assert pool.run(None, soon()) == 1
    data["version"] = 2
    assert pool.run(None, soon()) == 1  # the worker still has the copy it was forked with
    pool.refresh()
    assert pool.run(None, soon()) == 2
