"""Run untrusted work in forked processes that cannot reach the network, with a deadline and a memory cap.

One module a part: `confine` (no sockets, the memory cap), `pipes` (messages between parent and child, and
the outcomes `Late`, `ChildFailed`, `OutOfMemory`, `Busy`), `isolated` (`run_isolated`: one function in a
throwaway child), `pool` (`WorkerPool`: workers that evaluate queries). It knows nothing of SPARQL or RDF.
"""
from __future__ import annotations

from .confine import deny_network, limit_memory, network_denial_supported, program_memory
from .isolated import run_isolated
from .pipes import CAN_FORK, Busy, ChildFailed, Late, OutOfMemory
from .pool import ATTEMPTS, WorkerPool

__all__ = [
    "ATTEMPTS", "CAN_FORK", "Busy", "ChildFailed", "Late", "OutOfMemory", "WorkerPool", "deny_network",
    "limit_memory", "network_denial_supported", "program_memory", "run_isolated",
]
