"""A query time limit is real: a late worker process is killed at the deadline; answers come back intact."""
from __future__ import annotations

import os
import time

import pytest

from kg.sandbox import Busy, ChildFailed, Late, OutOfMemory, WorkerPool, run_isolated


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


@pytest.mark.slow
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


@pytest.mark.slow
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


# ------------------------------------------------------------------ confinement: network, memory, admission

def _connect_to(port: int) -> str:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return "connected"
    except OSError as error:
        return f"refused: {error.errno}"


def _listening_port():
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    return server, server.getsockname()[1]


def test_a_pool_worker_cannot_open_a_network_socket(pool_of):
    server, port = _listening_port()
    with server:
        answer = pool_of(lambda request: _connect_to(request)).run(port, soon())
        assert answer.startswith("refused"), answer
        assert _connect_to(port) == "connected"  # the parent still can


def test_an_isolated_function_cannot_open_a_network_socket():
    server, port = _listening_port()
    with server:
        assert run_isolated(_connect_to, port, timeout=10).startswith("refused")
        assert run_isolated(_connect_to, port, timeout=10, network=True) == "connected"


def test_an_isolated_function_returns_and_raises_like_a_call():
    assert run_isolated(sum, [1, 2, 3], timeout=10) == 6
    with pytest.raises(ZeroDivisionError):
        run_isolated(lambda: 1 / 0, timeout=10)


@pytest.mark.slow
def test_an_isolated_function_past_its_time_is_killed_with_its_children():
    import subprocess

    def spawn_and_wait(marker):
        subprocess.Popen(["sleep", "30", marker])
        time.sleep(60)

    started = time.monotonic()
    with pytest.raises(Late):
        run_isolated(spawn_and_wait, "ecokg-sandbox-marker-9417", timeout=0.5)
    assert time.monotonic() - started < 5
    time.sleep(0.2)
    survivors = subprocess.run(["pgrep", "-f", "ecokg-sandbox-marker-9417"], capture_output=True, text=True)
    assert survivors.stdout.strip() == ""


def _grab(megabytes: int) -> int:
    return len(bytearray(megabytes * 2**20))


@pytest.mark.slow
def test_memory_beyond_the_cap_stops_the_work_not_the_caller(pool_of):
    with pytest.raises(OutOfMemory):
        run_isolated(_grab, 800, timeout=20, memory_bytes=200 * 2**20)
    assert run_isolated(_grab, 50, timeout=20, memory_bytes=200 * 2**20) == 50 * 2**20
    pool = pool_of(_grab)
    pool._memory_bytes = 200 * 2**20
    with pytest.raises(OutOfMemory):
        pool.run(800, soon())
    assert pool.run(10, soon()) == 10 * 2**20


@pytest.mark.slow
class _NoRoomToReport(Exception):
    """An error that cannot be written back without memory: as when the cap is hit while the child reports."""

    def __reduce__(self):
        raise MemoryError()

    def __str__(self):
        raise MemoryError()


def _fail_without_room():
    raise _NoRoomToReport()


def _return_without_room():
    return _NoRoomToReport()


@pytest.mark.parametrize("work", [_fail_without_room, _return_without_room])
def test_running_out_of_memory_while_reporting_is_out_of_memory_not_a_silent_death(work):
    # a child that hit its cap while writing its answer used to exit 0 unheard: "the worker process died"
    with pytest.raises(OutOfMemory):
        run_isolated(work, timeout=20)


@pytest.mark.parametrize("work", [_fail_without_room, _return_without_room])
def test_a_pool_worker_out_of_memory_while_reporting_is_out_of_memory(pool_of, work):
    with pytest.raises(OutOfMemory):
        pool_of(lambda request: work()).run(None, soon(20))


class _Mute(Exception):
    """An error that can be neither written back nor said."""

    def __reduce__(self):
        raise TypeError("cannot be pickled")

    def __str__(self):
        raise TypeError("cannot be said")


def _fail_mute():
    raise _Mute()


def test_an_error_that_cannot_be_written_back_is_named_by_its_type():
    with pytest.raises(ChildFailed, match="_Mute"):
        run_isolated(_fail_mute, timeout=20)


def _stuck_where_no_handler_runs():
    # as a C extension waiting on a lock for ever: no signal handler of the child's own runs meanwhile
    import signal

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGINT})
    time.sleep(600)


def test_a_child_stuck_past_what_its_watchdog_allows_is_ended_early():
    started = time.monotonic()
    with pytest.raises(Late):
        run_isolated(_stuck_where_no_handler_runs, timeout=300, overdue=lambda: time.monotonic() > started + 1)
    assert time.monotonic() - started < 30  # not the 300 s of its whole deadline


def test_a_confined_child_prints_no_rust_backtrace():
    # a pyoxigraph panic at the memory cap that prints a backtrace deadlocks on the backtrace lock
    def rust_sees() -> bytes | None:  # what Rust reads: the C environment, not Python's copy of it
        import ctypes

        getenv = ctypes.CDLL(None).getenv
        getenv.restype = ctypes.c_char_p
        return getenv(b"RUST_BACKTRACE")

    assert run_isolated(rust_sees, timeout=20) == b"0"


def test_the_gates_progress_says_when_a_stage_is_overdue():
    from kg.gate.limits import Progress

    progress = Progress()
    assert progress.stage is None and not progress.overdue(0, grace=0)
    progress.enter("shacl")
    assert progress.stage == "shacl" and not progress.overdue(60)
    time.sleep(0.05)
    assert progress.overdue(0.01, grace=0)


def test_a_full_pool_refuses_at_once_instead_of_stalling(pool_of):
    import threading

    pool = WorkerPool(lambda seconds: time.sleep(seconds) or "slept", 1, admission_wait=0.1)
    try:
        runner = threading.Thread(target=pool.run, args=(2, soon()))
        runner.start()
        time.sleep(0.3)
        started = time.monotonic()
        with pytest.raises(Busy):
            pool.run(0, soon())
        assert time.monotonic() - started < 1
        runner.join()
        assert pool.run(0, soon()) == "slept"
    finally:
        pool.close()


def test_a_worker_killed_from_outside_costs_the_caller_nothing(pool_of):
    import signal

    pool = pool_of(lambda request: os.getpid())
    first = pool.run(None, soon())
    os.kill(first, signal.SIGKILL)
    time.sleep(0.1)
    second = pool.run(None, soon())  # the dead worker is found dead, replaced, and the request retried
    assert second != first


@pytest.mark.slow
def test_a_long_request_is_deprioritised_and_its_worker_then_serves_at_full_priority():
    pool = WorkerPool(lambda seconds: (time.sleep(seconds), os.getpid(), os.getpriority(os.PRIO_PROCESS, 0))[1:],
                      1, deprioritise_after=0.1)
    try:
        pid, nice = pool.run(0.4, soon())
        assert nice == 19
        next_pid, next_nice = pool.run(0, soon())
        assert next_nice == os.getpriority(os.PRIO_PROCESS, 0)
        # with the privilege to raise a priority again the worker is kept; without it, it is replaced
        assert (next_pid == pid) == (os.geteuid() == 0)
    finally:
        pool.close()
