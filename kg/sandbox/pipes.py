"""How the sandbox's parent and its forked children talk: framed, pickled messages over pipes, and how it ends.

Owns the outcomes a caller sees (`Late`, `ChildFailed`, `OutOfMemory`, `Busy`), writing and reading a
length-framed message within a deadline, a child's answer (its value or its exception, pickled) and
reaping a child. Whether fork is available is `CAN_FORK`. It decides nothing about limits (`confine`).
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import stat
import time
from typing import Any, Callable

CAN_FORK = hasattr(os, "fork")


class Late(Exception):
    """The child did not answer before the deadline; it has been killed."""


class ChildFailed(Exception):
    """The child died without an answer (killed by a signal, out of memory …)."""


class OutOfMemory(ChildFailed):
    """The child reached its memory cap and was stopped there."""


class Busy(Exception):
    """Every worker is busy: the request was refused at once instead of waiting."""


_HEADER = 8  # bytes of the big-endian length that frames each message


def readable(fd: int, timeout: float) -> bool:
    """Whether ``fd`` has something to read (or its writer is gone) within ``timeout`` seconds."""
    # poll, not select: select cannot watch a descriptor numbered 1024 or more, and a server holding
    # many connections hands its workers' pipes such numbers
    watcher = select.poll()
    watcher.register(fd, select.POLLIN)
    return bool(watcher.poll(max(0, int(timeout * 1000 + 0.999))))  # in whole ms, never shorter


def close_inherited_sockets() -> None:
    """In a forked child: close the sockets it inherited (the server's listening socket, its clients'
    connections), so that a connection the server closes is closed, not held open by a worker."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return  # no /proc (not Linux): nothing to walk
    for name in names:
        try:
            if stat.S_ISSOCK(os.fstat(int(name)).st_mode):
                os.close(int(name))
        except OSError:
            pass  # the descriptor listdir itself used, already closed


def write_message(fd: int, payload: bytes) -> None:
    # the header apart: joining them would copy the payload, which a child at its memory cap cannot afford
    for part in (len(payload).to_bytes(_HEADER, "big"), payload):
        view = memoryview(part)
        while view:
            view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Late()
            if not readable(fd, remaining):
                continue
        chunk = os.read(fd, min(1 << 20, size - got))
        if not chunk:
            raise ChildFailed("the worker process ended without an answer")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_message(fd: int, deadline: float | None) -> bytes:
    size = int.from_bytes(_read_exactly(fd, _HEADER, deadline), "big")
    return _read_exactly(fd, size, deadline)


#: the answer of a child out of memory, written before any cap: sending it needs no memory the child lacks
_OUT_OF_MEMORY = pickle.dumps((False, MemoryError()), protocol=pickle.HIGHEST_PROTOCOL)


def answer(fd: int, produce: Callable[[], Any]) -> None:
    """Write ``(True, produce())`` or ``(False, the exception)``, pickled, to ``fd``; a child that runs out of
    memory while doing so (its cap reached while it reports) says so rather than dying unheard."""
    try:
        try:
            payload = pickle.dumps((True, produce()), protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            raise
        except BaseException as error:  # noqa: BLE001 - every failure goes back to the caller
            try:
                payload = pickle.dumps((False, error), protocol=pickle.HIGHEST_PROTOCOL)
            except MemoryError:
                raise
            except Exception:
                try:
                    said = f"{type(error).__name__}: {error}"
                except MemoryError:
                    raise
                except Exception:  # an exception that cannot even say what it is
                    said = type(error).__name__
                payload = pickle.dumps((False, ChildFailed(said)))
    except MemoryError:
        payload = _OUT_OF_MEMORY
    write_message(fd, payload)


def unpack(payload: bytes) -> Any:
    ok, value = pickle.loads(payload)
    if ok:
        return value
    if isinstance(value, MemoryError):
        raise OutOfMemory("the work needed more memory than its cap allows") from None
    raise value


def reap(pid: int, *, group: bool = False) -> int | None:
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


def describe_status(status: int | None) -> str:
    if status is None:
        return "exit status unknown"
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.WEXITSTATUS(status)}"
