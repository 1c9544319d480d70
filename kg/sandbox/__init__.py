"""Run untrusted work in forked processes that cannot reach the network, with a deadline and a memory cap.

The isolation that makes the service's limits real, one module a part: `confine` (the seccomp filter
that denies IPv4/IPv6 sockets, the memory cap), `pipes` (messages between parent and child, the
outcomes `Late`, `ChildFailed`, `OutOfMemory`, `Busy`), `isolated` (`run_isolated`: one function in a
throwaway child) and `pool` (`WorkerPool`: forked workers that evaluate queries). It knows nothing
about SPARQL or RDF.
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
