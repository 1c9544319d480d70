"""How much the gate may spend on one run, and stopping a stage that goes past it.

Owns `GateLimits` (file size, seconds and memory per stage, prefix declarations, problems listed; their
defaults are `kg.settings`', which carries them, from ``ECOKG_*`` variables), `StageLimitHit` and
`limit_problem` (the problem a stage that hit a limit becomes: exit code 2, naming the file and the limit),
and `stage_deadline`, which interrupts a stage that runs past its time in the process that runs it.
Isolating the stages in a child process is `kg.validate`'s, with `kg.sandbox`.
"""
from __future__ import annotations

import contextlib
import mmap
import signal
import struct
import threading
import time
from dataclasses import dataclass, replace

from ..settings import (DEFAULT_MAX_BYTES, DEFAULT_MAX_PREFIXES, DEFAULT_MAX_PROBLEMS, DEFAULT_MEMORY_MB,
                        DEFAULT_STAGE_SECONDS, Settings)
from .report import Problem

# the defaults are the settings' (kg.settings), named here too for the stages and the command line
__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_PREFIXES", "DEFAULT_MAX_PROBLEMS", "DEFAULT_MEMORY_MB",
           "DEFAULT_STAGE_SECONDS", "GateLimits", "Progress", "StageLimitHit", "limit_problem", "stage_deadline"]


@dataclass(frozen=True)
class GateLimits:
    """What one gate run may spend. ``isolate``: run the stages in a child process without network access."""

    max_bytes: int = DEFAULT_MAX_BYTES
    stage_seconds: float = DEFAULT_STAGE_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB
    max_prefixes: int = DEFAULT_MAX_PREFIXES
    max_problems: int = DEFAULT_MAX_PROBLEMS
    isolate: bool = True

    @property
    def memory_bytes(self) -> int:
        return int(self.memory_mb) * 2**20

    def with_(self, **changes) -> "GateLimits":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_settings(cls, settings: Settings) -> "GateLimits":
        """The limits ``settings`` carries (defaults, or ``ECOKG_MAX_FILE_BYTES`` and ``ECOKG_GATE_*``)."""
        return cls(max_bytes=settings.max_file_bytes, stage_seconds=settings.gate_stage_seconds,
                   memory_mb=settings.gate_memory_mb, max_prefixes=settings.gate_max_prefixes,
                   max_problems=settings.gate_max_problems)


class StageLimitHit(BaseException):
    """A stage went past its time or memory limit (a BaseException: no `except Exception` in a parser hides it)."""

    def __init__(self, stage: str, kind: str, limit: str):
        super().__init__(f"{stage}: {kind} limit of {limit}")
        self.stage, self.kind, self.limit = stage, kind, limit


class Progress:
    """Which stage is running, readable by the parent after its child was killed (shared memory)."""

    _SIZE = 64  # the stage's name, then (the last 8 bytes) when it began, on the clock every process shares
    _NAME = _SIZE - 8

    def __init__(self):
        self._map = mmap.mmap(-1, self._SIZE)

    def enter(self, stage: str) -> None:
        encoded = stage.encode("ascii", "replace")[: self._NAME - 1]
        self._map.seek(0)
        self._map.write(encoded + b"\0" * (self._NAME - len(encoded)) + struct.pack("d", time.monotonic()))

    def overdue(self, seconds: float, grace: float = 5.0) -> bool:
        """Whether the running stage began more than ``seconds`` + ``grace`` ago: its own deadline should have
        stopped it by then, so the child is stuck where a signal handler cannot run."""
        if not self.stage:
            return False
        began = struct.unpack("d", self._map[self._NAME:])[0]
        return time.monotonic() - began > seconds + grace

    @property
    def stage(self) -> str | None:
        raw = self._map[:self._NAME].split(b"\0", 1)[0]
        return raw.decode("ascii") or None


@contextlib.contextmanager
def stage_deadline(stage: str, seconds: float | None):
    """Raise `StageLimitHit` in the running code when ``stage`` takes longer than ``seconds``.

    Uses SIGALRM, so it works in the main thread only (elsewhere the stage runs unbounded here,
    and the parent's deadline on the whole child still holds). Code inside a C extension is
    interrupted when it returns to Python.
    """
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def late(_signum, _frame):
        raise StageLimitHit(stage, "time", f"{seconds:g} s")

    previous = signal.signal(signal.SIGALRM, late)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def limit_problem(stage: str, kind: str, limits: GateLimits, files: list[str]) -> Problem:
    """The problem a stage that went past a limit becomes (exit code 2)."""
    named = ", ".join(files) or "the change"
    if kind == "time":
        message = f"stage {stage} went past its time limit of {limits.stage_seconds:g} s on {named}"
        hint = ("split the file into smaller ones, or raise the limit with --stage-seconds "
                "(ECOKG_GATE_STAGE_SECONDS) if the file is meant to be this large")
    else:
        message = f"stage {stage} went past its memory limit of {limits.memory_mb:,} MiB on {named}"
        hint = "split the file into smaller ones, or raise the limit with --memory-mb (ECOKG_GATE_MEMORY_MB)"
    return Problem(stage, f"{kind}-limit", message, file=files[0] if files else None, hint=hint)
