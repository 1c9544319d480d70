"""What a forked child of the sandbox may not do: open any socket but a Unix one, use io_uring, or map more memory
than its cap.

Owns `deny_network` (a seccomp filter that cannot be lifted), `limit_memory` and `program_memory` (the
address-space cap, lifted around a program that caps its own memory), `anonymous_resident` (what a child
holds), `confine`, which a child calls first, and telling a child that died of its cap (`died_of_memory`).
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import signal
import socket
import struct
from contextlib import contextmanager
from typing import Iterator

# seccomp: (AUDIT_ARCH_*, the socket(2) syscall number) for the architectures the filter knows
_SECCOMP_ARCH = {"x86_64": (0xC000003E, 41), "amd64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198),
                 "arm64": (0xC00000B7, 198)}
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000
_LD_ABS, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06
#: io_uring_setup, io_uring_enter, io_uring_register (the same numbers on x86-64 and ARM64): an io_uring
#: request opens and connects sockets inside the kernel, where no socket() call passes the filter
_IO_URING_CALLS = (425, 426, 427)
#: x86-64's x32 calling convention numbers its system calls from here, under the same arch value
_X32_SYSCALL_BIT = 0x40000000
#: the one address family a child may open: Unix sockets (pipes between processes). Every other is refused,
#: IPv4, IPv6 and raw packets first, and with them those that reach a host (vsock, XDP, RDS, TIPC, Bluetooth …)
_AF_UNIX = socket.AF_UNIX


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _bpf(code: int, k: int, jump_true: int = 0, jump_false: int = 0) -> bytes:
    return struct.pack("HBBI", code, jump_true, jump_false, k)


def network_denial_supported() -> bool:
    """Whether `deny_network` can work on this machine (Linux on x86-64 or ARM64)."""
    return platform.system() == "Linux" and platform.machine().lower() in _SECCOMP_ARCH


def deny_network() -> bool:
    """From now on the calling thread, and every thread and process it starts, cannot reach a network.

    A seccomp filter makes socket() of any family but AF_UNIX (AF_INET, AF_INET6, AF_PACKET …) fail with
    EACCES and io_uring fail with ENOSYS (as on a kernel without it, so that a library falls back to plain
    calls). It cannot be lifted. Returns False where seccomp filters are unavailable.
    """
    if not network_denial_supported():
        return False
    arch, socket_call = _SECCOMP_ARCH[platform.machine().lower()]
    refuse, absent = _RET_ERRNO | errno.EACCES, _RET_ERRNO | errno.ENOSYS
    setup, enter, register = _IO_URING_CALLS
    program = b"".join([                           # jumps count the instructions skipped
        _bpf(_LD_ABS, 4),                          # 0  seccomp_data.arch
        _bpf(_JEQ, arch, 1, 0),
        _bpf(_RET, refuse),                        # 2  a foreign calling convention: refuse everything
        _bpf(_LD_ABS, 0),                          # 3  seccomp_data.nr
        _bpf(_JGE, _X32_SYSCALL_BIT, 7, 0),        #    x32 numbering: refuse (to 12)
        _bpf(_JEQ, setup, 7, 0),                   # 5  io_uring: absent (to 13)
        _bpf(_JEQ, enter, 6, 0),
        _bpf(_JEQ, register, 5, 0),
        _bpf(_JEQ, socket_call, 0, 2),             # 8  anything but socket(): allowed (to 11)
        _bpf(_LD_ABS, 16),                         #    seccomp_data.args[0]: the address family
        _bpf(_JEQ, _AF_UNIX, 0, 1),                # 10 Unix: allowed; any other: refused
        _bpf(_RET, _RET_ALLOW),                    # 11
        _bpf(_RET, refuse),                        # 12
        _bpf(_RET, absent),                        # 13
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


def anonymous_resident(pid: int) -> int:
    """Bytes of anonymous memory process ``pid`` has resident now (0 where unknown).

    The address-space cap alone does not bound this: a forked child inherits the parent's mapped but
    untouched space (thread stacks, malloc arenas) and can fill it without mapping more, so a pool
    also watches this figure while a worker runs.
    """
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            fields = statm.read().split()
        return (int(fields[1]) - int(fields[2])) * resource.getpagesize()
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


def confine(memory_bytes: int | None, network: bool) -> None:
    """What a forked child does first: no network, capped memory, and no signal handlers of the parent's."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # a Rust panic at the memory cap (pyoxigraph) that prints a backtrace runs out of memory again while holding
    # the backtrace lock, and then waits on that lock for ever: with RUST_BACKTRACE set, a capped child hung.
    # Set where Rust reads it (the C environment); configuration is still read in kg/settings.py only
    os.putenv("RUST_BACKTRACE", "0")
    if not network:
        deny_network()
    limit_memory(memory_bytes)


def died_of_memory(status: int | None, memory_bytes: int | None) -> bool:
    # a capped Rust allocation aborts the process; a capped Python one raises MemoryError (handled apart)
    return bool(memory_bytes) and status is not None and os.WIFSIGNALED(status) and \
        os.WTERMSIG(status) in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS)
