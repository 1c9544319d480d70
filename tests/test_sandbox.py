"""A query time limit is real: the evaluating process is killed at the deadline, answers come back intact."""
from __future__ import annotations

import os
import time

import pytest

from kg.sandbox import ChildFailed, Late, run_isolated


def test_the_answer_comes_back():
    assert run_isolated(lambda: {"rows": [1, 2, 3], "text": "Pakistan’s"}, time.monotonic() + 10) == {
        "rows": [1, 2, 3], "text": "Pakistan’s"}


def test_a_large_answer_comes_back_whole():
    big = "x" * (5 * 1024 * 1024)
    assert run_isolated(lambda: big, time.monotonic() + 20) == big


def test_an_exception_is_raised_in_the_caller():
    def fail():
        raise ValueError("bad query")

    with pytest.raises(ValueError, match="bad query"):
        run_isolated(fail, time.monotonic() + 10)


def test_a_late_child_is_killed_at_the_deadline(tmp_path):
    marker = tmp_path / "pid"

    def spin():
        marker.write_text(str(os.getpid()))
        while True:
            pass

    started = time.monotonic()
    with pytest.raises(Late):
        run_isolated(spin, started + 0.5)
    assert time.monotonic() - started < 5
    pid = int(marker.read_text())
    with pytest.raises(ProcessLookupError):  # gone, not left spinning
        os.kill(pid, 0)


def test_a_child_that_dies_is_reported():
    with pytest.raises(ChildFailed):
        run_isolated(lambda: os._exit(3), time.monotonic() + 10)
