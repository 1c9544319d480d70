"""Evaluate requests in forked worker processes with a deadline, and kill a worker that is late.

Owns the isolation that makes a query time limit real for engines that cannot be interrupted
(pyoxigraph evaluates ORDER BY, GROUP BY and aggregates to the end once started): the parent waits
on a pipe until the deadline, then SIGKILLs the worker, so no runaway evaluation keeps a CPU or
memory after its caller has been answered. Workers share the parent's memory copy-on-write, so the
store is not copied. Where fork is unavailable, requests run in the calling thread.
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import time
from typing import Any, Callable

CAN_FORK = hasattr(os, "fork")


class Late(Exception):
    """The child did not answer before the deadline; it has been killed."""


class ChildFailed(Exception):
    """The child died without an answer (killed by a signal, out of memory …)."""


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


_HEADER = 8  # bytes of the big-endian length that frames each message


def _write_message(fd: int, payload: bytes) -> None:
    view = memoryview(len(payload).to_bytes(_HEADER, "big") + payload)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Late()
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
        chunk = os.read(fd, min(1 << 20, size - got))
        if not chunk:
            raise ChildFailed("the worker process ended without an answer")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _read_message(fd: int, deadline: float | None) -> bytes:
    size = int.from_bytes(_read_exactly(fd, _HEADER, deadline), "big")
    return _read_exactly(fd, size, deadline)


class _Worker:
    """One forked process that answers requests with the handler it inherited."""

    def __init__(self, pid: int, requests: int, answers: int, generation: int):
        self.pid, self.requests, self.answers, self.generation = pid, requests, answers, generation

    def call(self, request: Any, deadline: float) -> tuple[bool, Any]:
        _write_message(self.requests, pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
        return pickle.loads(_read_message(self.answers, deadline))

    def stop(self) -> None:
        for fd in (self.requests, self.answers):
            try:
                os.close(fd)
            except OSError:
                pass
        _kill(self.pid)


def _serve(handler: Callable[[Any], Any], requests: int, answers: int, parent: int) -> None:
    """The worker's loop: one request in, one pickled (ok, value) out; leave when the parent is gone."""
    while True:
        ready, _, _ = select.select([requests], [], [], 1.0)
        if os.getppid() != parent:
            return
        if not ready:
            continue
        try:
            request = pickle.loads(_read_message(requests, None))
        except ChildFailed:
            return  # the parent closed the pipe
        try:
            payload = pickle.dumps((True, handler(request)), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as error:  # noqa: BLE001 - every failure goes back to the caller
            try:
                payload = pickle.dumps((False, error), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                payload = pickle.dumps((False, ChildFailed(f"{type(error).__name__}: {error}")))
        _write_message(answers, payload)


class WorkerPool:
    """Forked worker processes that evaluate requests, each killed and replaced when it runs late.

    ``handler(request)`` runs in a worker, with the memory the parent had when the worker was forked;
    call `refresh` after that memory changed (new workers are forked on demand). Up to ``size``
    requests run at once; more wait for a worker until their deadline.
    """

    def __init__(self, handler: Callable[[Any], Any], size: int):
        import atexit
        import queue
        import threading

        self._handler = handler
        self._size = size
        self._idle: "queue.LifoQueue[_Worker]" = queue.LifoQueue()
        self._empty = queue.Empty
        self._lock = threading.Lock()
        self._workers: dict[int, _Worker] = {}
        self._generation = 0
        atexit.register(self.close)

    def _fork(self) -> _Worker:
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            try:
                for other in list(self._workers.values()):  # keep no pipe of another worker open
                    for fd in (other.requests, other.answers):
                        try:
                            os.close(fd)
                        except OSError:
                            pass
                os.close(request_write)
                os.close(answer_read)
                _serve(self._handler, request_read, answer_write, parent)
            finally:
                os._exit(0)
        os.close(request_read)
        os.close(answer_write)
        return _Worker(pid, request_write, answer_read, self._generation)

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            self._workers.pop(worker.pid, None)
        worker.stop()

    def _checkout(self, deadline: float) -> _Worker:
        while True:
            try:
                worker = self._idle.get_nowait()
            except self._empty:
                with self._lock:
                    if len(self._workers) < self._size:
                        worker = self._fork()
                        self._workers[worker.pid] = worker
                        return worker
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Late() from None
                try:
                    worker = self._idle.get(timeout=remaining)
                except self._empty:
                    raise Late() from None
            if worker.generation == self._generation:
                return worker
            self._retire(worker)

    def run(self, request: Any, deadline: float) -> Any:
        """``handler(request)`` in a worker; `Late` (the worker is killed) when the deadline passes first."""
        if not CAN_FORK:
            return self._handler(request)
        worker = self._checkout(deadline)
        try:
            ok, value = worker.call(request, deadline)
        except BaseException:
            self._retire(worker)
            raise
        self._idle.put(worker)
        if ok:
            return value
        raise value

    def refresh(self) -> None:
        """The parent's data changed: workers forked before now are replaced as they come back."""
        with self._lock:
            self._generation += 1
        while True:
            try:
                worker = self._idle.get_nowait()
            except self._empty:
                return
            self._retire(worker)

    def close(self) -> None:
        with self._lock:
            workers = list(self._workers.values())
            self._workers.clear()
        for worker in workers:
            worker.stop()
