"""Run one function in a forked child process with a deadline, and kill the child when it is late.

Owns the isolation that makes a query time limit real for engines that cannot be interrupted
(pyoxigraph evaluates ORDER BY, GROUP BY and aggregates to the end once started): the parent waits
on a pipe until the deadline, then SIGKILLs the child, so no runaway evaluation keeps a CPU or
memory after its caller has been answered. The child shares the parent's memory copy-on-write, so
the store is not copied. Where fork is unavailable, the function runs in the calling thread.
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


def run_isolated(function: Callable[[], Any], deadline: float) -> Any:
    """``function()``'s return value (or exception), computed in a child process.

    ``deadline`` is a `time.monotonic()` value. The result and any exception must be picklable.
    Raises `Late` when the deadline passes first, `ChildFailed` when the child dies.
    """
    if not CAN_FORK:
        return function()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, leave without running the parent's cleanup
        os.close(read_end)
        try:
            try:
                payload = pickle.dumps((True, function()), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent
                try:
                    payload = pickle.dumps((False, error), protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:
                    payload = pickle.dumps((False, ChildFailed(f"{type(error).__name__}: {error}")))
            view = memoryview(payload)
            while view:
                written = os.write(write_end, view)
                view = view[written:]
        finally:
            os._exit(0)
    os.close(write_end)
    chunks: list[bytes] = []
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Late()
            ready, _, _ = select.select([read_end], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(read_end, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    except BaseException:
        _kill(pid)
        raise
    finally:
        os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        raise ChildFailed(f"the evaluating process ended without an answer (status {status})")
    ok, value = pickle.loads(b"".join(chunks))
    if ok:
        return value
    raise value


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
