"""Forked worker processes that answer query requests, each killed and replaced when it runs late.

Owns `WorkerPool`: workers forked on demand (sharing the parent's memory copy-on-write), refused at once when
all are busy, deprioritised once a request runs long, killed at the deadline, replaced after `refresh`; a
request that needs the network gets a worker of its own, in a place of the pool. Their confinement is
`kg.sandbox.confine`'s, their messages `kg.sandbox.pipes`'.
"""
from __future__ import annotations

import gc
import os
import pickle
import threading
import time
from typing import Any, Callable

from .confine import anonymous_resident, confine, died_of_memory
from .pipes import (
    CAN_FORK, Busy, ChildFailed, Late, OutOfMemory, answer, close_inherited_sockets, describe_status, read_message,
    readable, reap, unpack, write_message,
)


#: tries of one request on successive fresh workers when a worker dies under it (not of memory)
ATTEMPTS = 3
#: seconds between two looks at a running worker's memory
WATCH_INTERVAL = 0.02


def _restore_priority(worker: "_Worker") -> bool:
    """Give a deprioritised worker the parent's priority again; False where that needs privileges we lack."""
    try:
        os.setpriority(os.PRIO_PROCESS, worker.pid, os.getpriority(os.PRIO_PROCESS, 0))
    except (OSError, AttributeError):
        return False
    worker.deprioritised = False
    return True


class _Worker:
    """One forked process that answers requests with the handler it inherited."""

    def __init__(self, pid: int, requests: int, answers: int, generation: int, baseline: int = 0):
        self.pid, self.requests, self.answers, self.generation = pid, requests, answers, generation
        self.baseline = baseline  # anonymous memory resident at the fork, all of it shared with the parent
        self.deprioritised = False
        self.networked = False  # forked with network access for one request: never reused
        self.status: int | None = None  # the exit status, once reaped

    def alive(self) -> bool:
        """False once the process has ended (it is then reaped here)."""
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True
        self.status = status
        return False

    def stop(self) -> int | None:
        if self.status is not None:
            for fd in (self.requests, self.answers):
                try:
                    os.close(fd)
                except OSError:
                    pass
            return self.status
        for fd in (self.requests, self.answers):
            try:
                os.close(fd)
            except OSError:
                pass
        return reap(self.pid)


def _serve(handler: Callable[[Any], Any], requests: int, answers: int, parent: int) -> None:
    """The worker's loop: one request in, one pickled (ok, value) out; leave when the parent is gone."""
    while True:
        ready = readable(requests, 1.0)
        if os.getppid() != parent:
            return
        if not ready:
            continue
        try:
            request = pickle.loads(read_message(requests, None))
        except ChildFailed:
            return  # the parent closed the pipe
        answer(answers, lambda: handler(request))


class WorkerPool:
    """Forked worker processes that evaluate requests, each killed and replaced when it runs late.

    ``handler(request)`` runs in a worker, with the memory the parent had when the worker was forked;
    call `refresh` after that memory changed (new workers are forked on demand). Up to ``size``
    requests run at once; another waits at most ``admission_wait`` seconds for a worker, then gets
    `Busy`. Workers cannot open network sockets (unless ``network``), may map at most ``memory_bytes``
    beyond the parent and hold at most that much anonymous memory beyond what they shared with it at the
    fork (watched while they run, so the total of ``size`` workers is bounded too); a request still
    running after ``deprioritise_after`` seconds drops to the lowest CPU priority, so short requests keep
    their speed beside runaway ones. A request
    run with ``network=True`` gets a worker forked for it alone, with network access, which takes one of
    the ``size`` places (at most half of them at once) and is ended after it.
    """

    def __init__(self, handler: Callable[[Any], Any], size: int, *, memory_bytes: int | None = None,
                 admission_wait: float | None = None, deprioritise_after: float | None = 0.5,
                 network: bool = False):
        import atexit
        import queue

        self._handler = handler
        self._size = max(1, int(size))
        self._memory_bytes = memory_bytes
        self._admission_wait = admission_wait
        self._deprioritise_after = deprioritise_after
        self._network = network
        self._idle: "queue.LifoQueue[_Worker]" = queue.LifoQueue()
        self._empty = queue.Empty
        self._lock = threading.Lock()
        self._workers: dict[int, _Worker] = {}
        self._generation = 0
        #: places that workers with network access may hold at once: the other half stays for the rest
        self._networked_places = max(1, self._size // 2)
        atexit.register(self.close)

    @property
    def size(self) -> int:
        return self._size

    def busy(self) -> int:
        """Workers evaluating a request now."""
        with self._lock:
            return len(self._workers) - self._idle.qsize()

    def _fork(self, network: bool = False) -> _Worker:
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        parent = os.getpid()
        baseline = anonymous_resident(parent)
        pid = os.fork()
        if pid == 0:
            try:
                gc.freeze()  # the parent's objects stay shared with it: collections here skip them
                close_inherited_sockets()
                for other in list(self._workers.values()):  # keep no pipe of another worker open
                    for fd in (other.requests, other.answers):
                        try:
                            os.close(fd)
                        except OSError:
                            pass
                os.close(request_write)
                os.close(answer_read)
                confine(self._memory_bytes, self._network or network)
                _serve(self._handler, request_read, answer_write, parent)
            finally:
                os._exit(0)
        os.close(request_read)
        os.close(answer_write)
        worker = _Worker(pid, request_write, answer_read, self._generation, baseline)
        worker.networked = network
        return worker

    def _retire(self, worker: _Worker) -> int | None:
        with self._lock:
            self._workers.pop(worker.pid, None)
        return worker.stop()

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
                wait = deadline - time.monotonic()
                if self._admission_wait is not None:
                    wait = min(wait, self._admission_wait)
                if wait <= 0:
                    raise self._refusal(deadline)
                try:
                    worker = self._idle.get(timeout=wait)
                except self._empty:
                    raise self._refusal(deadline) from None
            if worker.generation == self._generation and worker.alive():
                return worker
            self._retire(worker)

    def _checkout_networked(self, deadline: float) -> _Worker:
        """A worker forked now with network access, in a place of the pool: an idle worker gives up its place."""
        admitted_by = deadline if self._admission_wait is None else min(deadline,
                                                                         time.monotonic() + self._admission_wait)
        while True:
            with self._lock:
                if sum(w.networked for w in self._workers.values()) >= self._networked_places:
                    busy = True
                elif len(self._workers) < self._size:
                    worker = self._fork(network=True)
                    self._workers[worker.pid] = worker
                    return worker
                else:
                    busy = False
            wait = admitted_by - time.monotonic()
            if wait <= 0:
                raise self._refusal(deadline)
            if busy:  # a networked worker is ended, never handed back: look again shortly
                time.sleep(min(wait, 0.05))
                continue
            try:
                idle = self._idle.get(timeout=wait)
            except self._empty:
                raise self._refusal(deadline) from None
            self._retire(idle)

    def _refusal(self, deadline: float) -> Exception:
        if time.monotonic() >= deadline:
            return Late()
        return Busy(f"all {self._size} workers are busy")

    def _call(self, worker: _Worker, request: Any, deadline: float) -> bytes:
        try:
            write_message(worker.requests, pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:  # the worker is gone (a broken pipe): nothing was evaluated
            raise ChildFailed("the worker process had ended") from None
        started, lowered = time.monotonic(), self._deprioritise_after is None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Late()
            if readable(worker.answers, min(remaining, WATCH_INTERVAL)):
                return read_message(worker.answers, deadline)
            if not lowered and time.monotonic() - started >= self._deprioritise_after:
                lowered = True
                try:
                    os.setpriority(os.PRIO_PROCESS, worker.pid, 19)
                    worker.deprioritised = True
                except (OSError, AttributeError):
                    pass
            if self._over_memory(worker, self._memory_bytes):
                raise OutOfMemory(f"stopped at its memory cap of {self._memory_bytes // 2**20} MiB")

    @staticmethod
    def _over_memory(worker: _Worker, limit: int | None) -> bool:
        """Whether the worker holds more than ``limit`` bytes of anonymous memory beyond its fork."""
        return bool(limit) and anonymous_resident(worker.pid) - worker.baseline > limit

    def run(self, request: Any, deadline: float, *, network: bool = False) -> Any:
        """``handler(request)`` in a worker (with ``network``, one forked for it with network access).

        `Late` (the worker is killed) when the deadline passes first; `Busy` when no worker came free
        in time; `OutOfMemory` when the worker hit its memory cap. A worker that dies for any other
        reason (killed from outside) is replaced and the request tried again on a fresh one (up to
        ``ATTEMPTS`` times in all, within the deadline; a request with ``network`` is not tried again).
        """
        if not CAN_FORK:
            return self._handler(request)
        attempts = 1 if network else ATTEMPTS
        for attempt in range(1, attempts + 1):
            worker = self._checkout_networked(deadline) if network else self._checkout(deadline)
            try:
                payload = self._call(worker, request, deadline)
            except OutOfMemory:
                self._retire(worker)
                raise
            except ChildFailed:
                status = self._retire(worker)
                if died_of_memory(status, self._memory_bytes):
                    raise OutOfMemory(f"stopped at its memory cap of {self._memory_bytes // 2**20} MiB") from None
                if attempt == attempts or time.monotonic() >= deadline:
                    raise ChildFailed(f"the worker process died ({describe_status(status)})") from None
                continue
            except BaseException:
                self._retire(worker)
                raise
            try:
                return unpack(payload)
            except OutOfMemory:
                self._retire(worker)  # a worker that ran out of memory is not trusted again
                raise
            finally:
                if worker.pid not in self._workers:
                    pass  # already ended
                elif worker.networked or self._over_memory(worker, (self._memory_bytes or 0) // 2):
                    self._retire(worker)  # what a request left behind counts against the next one: start afresh
                elif worker.deprioritised and not _restore_priority(worker):
                    self._retire(worker)  # its priority cannot be raised again without privileges
                else:
                    self._idle.put(worker)
        raise AssertionError("unreachable")

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
