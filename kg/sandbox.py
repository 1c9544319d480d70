"""Run untrusted work in forked processes that cannot reach the network, with a deadline and a memory cap.

Owns the isolation that makes the service's limits real: `WorkerPool` keeps forked workers that
evaluate queries (killed at the deadline, deprioritised once they run long, refused at once when all
are busy), `run_isolated` runs one function in a throwaway child (the gate, an update), and
`deny_network` is the seccomp filter both install so that no engine, parser or reasoner inside them
can open an IPv4 or IPv6 socket, whatever the text it was given asks for. Workers share the parent's
memory copy-on-write, so the store is not copied. It knows nothing about SPARQL or RDF.
"""
from __future__ import annotations

import ctypes
import errno
import os
import pickle
import platform
import resource
import select
import signal
import socket
import struct
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

CAN_FORK = hasattr(os, "fork")


class Late(Exception):
    """The child did not answer before the deadline; it has been killed."""


class ChildFailed(Exception):
    """The child died without an answer (killed by a signal, out of memory …)."""


class OutOfMemory(ChildFailed):
    """The child reached its memory cap and was stopped there."""


class Busy(Exception):
    """Every worker is busy: the request was refused at once instead of waiting."""


# --------------------------------------------------------------------------------------- no network

# seccomp: (AUDIT_ARCH_*, the socket(2) syscall number) for the architectures the filter knows
_SECCOMP_ARCH = {"x86_64": (0xC000003E, 41), "amd64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198),
                 "arm64": (0xC00000B7, 198)}
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000
_LD_ABS, _JEQ, _RET = 0x20, 0x15, 0x06


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _bpf(code: int, k: int, jump_true: int = 0, jump_false: int = 0) -> bytes:
    return struct.pack("HBBI", code, jump_true, jump_false, k)


def network_denial_supported() -> bool:
    """Whether `deny_network` can work on this machine (Linux on x86-64 or ARM64)."""
    return platform.system() == "Linux" and platform.machine().lower() in _SECCOMP_ARCH


def deny_network() -> bool:
    """From now on the calling thread, and every thread and process it starts, cannot open IPv4/IPv6 sockets.

    A seccomp filter makes socket(AF_INET | AF_INET6, …) fail with EACCES (Unix sockets stay
    available). It cannot be lifted. Returns False where seccomp filters are unavailable.
    """
    if not network_denial_supported():
        return False
    arch, socket_call = _SECCOMP_ARCH[platform.machine().lower()]
    refuse = _RET_ERRNO | errno.EACCES
    program = b"".join([
        _bpf(_LD_ABS, 4),                          # seccomp_data.arch
        _bpf(_JEQ, arch, 1, 0),
        _bpf(_RET, refuse),                        # a foreign calling convention: refuse everything
        _bpf(_LD_ABS, 0),                          # seccomp_data.nr
        _bpf(_JEQ, socket_call, 0, 3),
        _bpf(_LD_ABS, 16),                         # seccomp_data.args[0]: the address family
        _bpf(_JEQ, socket.AF_INET, 2, 0),
        _bpf(_JEQ, socket.AF_INET6, 1, 0),
        _bpf(_RET, _RET_ALLOW),
        _bpf(_RET, refuse),
    ])
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
        prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
        buffer = ctypes.create_string_buffer(program, len(program))
        fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
        if prctl(_PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
            return False
        return prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) == 0
    except (OSError, AttributeError):
        return False


# --------------------------------------------------------------------------------------- memory

def _address_space() -> int:
    """Bytes of virtual memory this process has mapped now (0 where unknown)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def limit_memory(extra_bytes: int | None) -> None:
    """Cap this process's address space at what it maps now plus ``extra_bytes`` (None: no cap).

    The soft limit is set: the process's own code may lift it around a program that caps its memory
    by other means (`program_memory`), such as a Java reasoner run with -Xmx.
    """
    if not extra_bytes:
        return
    limit = _address_space() + int(extra_bytes)
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass


@contextmanager
def program_memory() -> Iterator[None]:
    """Lift this process's address-space cap while it starts a program that caps its own memory.

    A Java virtual machine reserves far more address space than it uses (heap, class space, code
    cache), so a cap meant for Python would stop it from starting; its heap is capped by -Xmx instead.
    """
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    except (ValueError, OSError):
        yield
        return
    if soft == hard:
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _confine(memory_bytes: int | None, network: bool) -> None:
    """What a forked child does first: no network, capped memory, and no signal handlers of the parent's."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if not network:
        deny_network()
    limit_memory(memory_bytes)


def _died_of_memory(status: int | None, memory_bytes: int | None) -> bool:
    # a capped Rust allocation aborts the process; a capped Python one raises MemoryError (handled apart)
    return bool(memory_bytes) and status is not None and os.WIFSIGNALED(status) and \
        os.WTERMSIG(status) in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS)


# --------------------------------------------------------------------------------------- pipes

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


def _answer(fd: int, produce: Callable[[], Any]) -> None:
    """Write ``(True, produce())`` or ``(False, the exception)``, pickled, to ``fd``."""
    try:
        payload = pickle.dumps((True, produce()), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as error:  # noqa: BLE001 - every failure goes back to the caller
        try:
            payload = pickle.dumps((False, error), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            payload = pickle.dumps((False, ChildFailed(f"{type(error).__name__}: {error}")))
    _write_message(fd, payload)


def _unpack(payload: bytes) -> Any:
    ok, value = pickle.loads(payload)
    if ok:
        return value
    if isinstance(value, MemoryError):
        raise OutOfMemory("the work needed more memory than its cap allows") from None
    raise value


def _reap(pid: int, *, group: bool = False) -> int | None:
    """SIGKILL the child (its whole process group with ``group``) and collect its exit status."""
    try:
        if group:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return None


# --------------------------------------------------------------------------------------- one child

def run_isolated(function: Callable[..., Any], *args, timeout: float, memory_bytes: int | None = None,
                 network: bool = False, **kwargs) -> Any:
    """``function(*args, **kwargs)`` in a forked child without network access, capped in time and memory.

    Returns what it returned (it must be picklable) or raises what it raised. `Late` when it ran
    past ``timeout`` seconds (the child and every process it started are killed), `OutOfMemory`
    when it hit the cap of ``memory_bytes`` more than the parent maps, `ChildFailed` when it died.
    Where fork is unavailable the function runs in the calling thread, unconfined.
    """
    if not CAN_FORK:
        return function(*args, **kwargs)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            os.setpgid(0, 0)  # its own process group: a reasoner it starts dies with it
            _confine(memory_bytes, network)
            _answer(write_end, lambda: function(*args, **kwargs))
        finally:
            os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + timeout
    try:
        payload = _read_message(read_end, deadline)
    except Late:
        _reap(pid, group=True)
        raise Late(f"stopped after {timeout:g} s") from None
    except ChildFailed:
        status = _reap(pid, group=True)
        if _died_of_memory(status, memory_bytes):
            raise OutOfMemory(f"stopped at its memory cap of {memory_bytes // 2**20} MiB") from None
        raise ChildFailed(f"the worker process died ({_describe(status)})") from None
    finally:
        os.close(read_end)
    _reap(pid, group=True)
    return _unpack(payload)


def _describe(status: int | None) -> str:
    if status is None:
        return "exit status unknown"
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.WEXITSTATUS(status)}"


# --------------------------------------------------------------------------------------- the pool

#: tries of one request on successive fresh workers when a worker dies under it (not of memory)
ATTEMPTS = 3


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

    def __init__(self, pid: int, requests: int, answers: int, generation: int):
        self.pid, self.requests, self.answers, self.generation = pid, requests, answers, generation
        self.deprioritised = False
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
        return _reap(self.pid)


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
        _answer(answers, lambda: handler(request))


class WorkerPool:
    """Forked worker processes that evaluate requests, each killed and replaced when it runs late.

    ``handler(request)`` runs in a worker, with the memory the parent had when the worker was forked;
    call `refresh` after that memory changed (new workers are forked on demand). Up to ``size``
    requests run at once; another waits at most ``admission_wait`` seconds for a worker, then gets
    `Busy`. Workers cannot open network sockets (unless ``network``) and may map at most
    ``memory_bytes`` beyond the parent; a request still running after ``deprioritise_after`` seconds
    drops to the lowest CPU priority, so short requests keep their speed beside runaway ones.
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
        atexit.register(self.close)

    @property
    def size(self) -> int:
        return self._size

    def busy(self) -> int:
        """Workers evaluating a request now."""
        with self._lock:
            return len(self._workers) - self._idle.qsize()

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
                _confine(self._memory_bytes, self._network)
                _serve(self._handler, request_read, answer_write, parent)
            finally:
                os._exit(0)
        os.close(request_read)
        os.close(answer_write)
        return _Worker(pid, request_write, answer_read, self._generation)

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

    def _refusal(self, deadline: float) -> Exception:
        if time.monotonic() >= deadline:
            return Late()
        return Busy(f"all {self._size} workers are busy")

    def _call(self, worker: _Worker, request: Any, deadline: float) -> bytes:
        try:
            _write_message(worker.requests, pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:  # the worker is gone (a broken pipe): nothing was evaluated
            raise ChildFailed("the worker process had ended") from None
        if self._deprioritise_after is not None:
            patience = min(self._deprioritise_after, max(0.0, deadline - time.monotonic()))
            ready, _, _ = select.select([worker.answers], [], [], patience)
            if not ready and time.monotonic() < deadline:
                try:
                    os.setpriority(os.PRIO_PROCESS, worker.pid, 19)
                    worker.deprioritised = True
                except (OSError, AttributeError):
                    pass
        return _read_message(worker.answers, deadline)

    def run(self, request: Any, deadline: float) -> Any:
        """``handler(request)`` in a worker.

        `Late` (the worker is killed) when the deadline passes first; `Busy` when no worker came free
        in time; `OutOfMemory` when the worker hit its memory cap. A worker that dies for any other
        reason (killed from outside) is replaced and the request tried again on a fresh one (up to
        ``ATTEMPTS`` times in all, within the deadline).
        """
        if not CAN_FORK:
            return self._handler(request)
        for attempt in range(1, ATTEMPTS + 1):
            worker = self._checkout(deadline)
            try:
                payload = self._call(worker, request, deadline)
            except ChildFailed:
                status = self._retire(worker)
                if _died_of_memory(status, self._memory_bytes):
                    raise OutOfMemory(f"stopped at its memory cap of {self._memory_bytes // 2**20} MiB") from None
                if attempt == ATTEMPTS or time.monotonic() >= deadline:
                    raise ChildFailed(f"the worker process died ({_describe(status)})") from None
                continue
            except BaseException:
                self._retire(worker)
                raise
            try:
                return _unpack(payload)
            except OutOfMemory:
                self._retire(worker)  # a worker that ran out of memory is not trusted again
                raise
            finally:
                if worker.pid in self._workers and worker.deprioritised and not _restore_priority(worker):
                    self._retire(worker)  # its priority cannot be raised again without privileges
                elif worker.pid in self._workers:
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
