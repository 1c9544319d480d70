"""The network filter of the sandbox's children (`kg.sandbox.confine.deny_network`), from inside a real
confined child: sockets of every family but Unix (IPv4, IPv6, raw packets, vsock, XDP …) and io_uring
(whose requests open sockets without the socket() call the filter sees) are refused; Unix sockets and
files still work."""
from __future__ import annotations

import ctypes
import errno
import os
import socket

import pytest

from kg.sandbox import network_denial_supported, run_isolated

pytestmark = pytest.mark.skipif(not network_denial_supported(), reason="the filter needs Linux on x86-64 or ARM64")

#: io_uring_setup, io_uring_enter, io_uring_register: the same numbers on x86-64 and ARM64
IO_URING_SETUP, IO_URING_ENTER, IO_URING_REGISTER = 425, 426, 427


def _syscall_errno(number: int, *args: int) -> int:
    """0 when the call succeeded (its descriptor closed), else its errno."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    result = libc.syscall(ctypes.c_long(number), *(ctypes.c_long(a) for a in args))
    if result < 0:
        return ctypes.get_errno()
    if number == IO_URING_SETUP:
        os.close(result)
    return 0


def _io_uring_setup() -> int:
    params = ctypes.create_string_buffer(120)  # struct io_uring_params, zeroed
    return _syscall_errno(IO_URING_SETUP, 4, ctypes.addressof(params))


def _open_socket(family: int, kind: int) -> str:
    try:
        socket.socket(family, kind).close()
        return "opened"
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno))


def _inside_the_filter():
    return {
        "packet": _open_socket(socket.AF_PACKET, socket.SOCK_RAW),
        "packet-dgram": _open_socket(socket.AF_PACKET, socket.SOCK_DGRAM),
        "inet": _open_socket(socket.AF_INET, socket.SOCK_STREAM),
        "inet6": _open_socket(socket.AF_INET6, socket.SOCK_DGRAM),
        "unix": _open_socket(socket.AF_UNIX, socket.SOCK_STREAM),
        # families that reach a host without IP: to the hypervisor, raw frames, reliable datagrams
        "others": {family: _open_socket(family, kind) for family, kind in
                   [(40, socket.SOCK_STREAM), (44, socket.SOCK_RAW), (21, socket.SOCK_SEQPACKET),
                    (16, socket.SOCK_RAW), (30, socket.SOCK_RDM)]},
        "io_uring_setup": _io_uring_setup(),
        "io_uring_enter": _syscall_errno(IO_URING_ENTER, -1, 0, 0, 0, 0, 0),
        "io_uring_register": _syscall_errno(IO_URING_REGISTER, -1, 0, 0, 0),
        "file": len(open(__file__, "rb").read(10)),
    }


def test_a_confined_child_can_open_no_packet_socket_and_no_io_uring():
    seen = run_isolated(_inside_the_filter, timeout=20)
    assert seen["inet"] == seen["inet6"] == "EACCES"
    assert seen["packet"] == seen["packet-dgram"] == "EACCES"
    assert {seen["io_uring_setup"], seen["io_uring_enter"], seen["io_uring_register"]} == {errno.ENOSYS}
    assert seen["unix"] == "opened" and seen["file"] == 10
    assert set(seen["others"].values()) == {"EACCES"}, seen["others"]

