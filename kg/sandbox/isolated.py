"""One function run in a throwaway forked child: no network, a deadline, a memory cap.

Owns `run_isolated`, which the validation gate, the query syntax check and an update's change use.
The child's confinement is `kg.sandbox.confine`'s, the messages `kg.sandbox.pipes`'; a pool of
long-lived workers is `kg.sandbox.pool`.
"""
from __future__ import annotations

import gc
import os
import time
from typing import Any, Callable

from .confine import confine, died_of_memory
from .pipes import (
    CAN_FORK, ChildFailed, Late, OutOfMemory, answer, close_inherited_sockets, describe_status, read_message, readable,
    reap, unpack,
)


def run_isolated(function: Callable[..., Any], *args, timeout: float, memory_bytes: int | None = None,
                 network: bool = False, overdue: Callable[[], bool] | None = None, **kwargs) -> Any:
    """``function(*args, **kwargs)`` in a forked child without network access, capped in time and memory.

    Returns what it returned (it must be picklable) or raises what it raised. `Late` when it ran
    past ``timeout`` seconds (the child and every process it started are killed), `OutOfMemory`
    when it hit the cap of ``memory_bytes`` more than the parent maps, `ChildFailed` when it died. ``overdue``,
    asked twice a second while the child has not answered, ends it early as `Late` (a child stuck where its own
    deadlines cannot reach, such as a lock inside a C extension).
    Where fork is unavailable the function runs in the calling thread, unconfined.
    """
    if not CAN_FORK:
        return function(*args, **kwargs)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            gc.freeze()  # what the parent made stays shared: no collection in here walks (and copies) it
            close_inherited_sockets()
            os.close(read_end)
            os.setpgid(0, 0)  # its own process group: a reasoner it starts dies with it
            confine(memory_bytes, network)
            answer(write_end, lambda: function(*args, **kwargs))
        finally:
            os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + timeout
    try:
        if overdue is not None:
            while not readable(read_end, min(0.5, max(0.0, deadline - time.monotonic()))):
                if overdue():
                    raise Late()
                if time.monotonic() >= deadline:
                    break
        payload = read_message(read_end, deadline)
    except Late:
        reap(pid, group=True)
        raise Late(f"stopped after {timeout:g} s") from None
    except ChildFailed:
        status = reap(pid, group=True)
        if died_of_memory(status, memory_bytes):
            raise OutOfMemory(f"stopped at its memory cap of {memory_bytes // 2**20} MiB") from None
        raise ChildFailed(f"the worker process died ({describe_status(status)})") from None
    finally:
        os.close(read_end)
    reap(pid, group=True)
    return unpack(payload)
