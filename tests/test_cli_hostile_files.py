"""`ecokg validate` on files made to break it: each is exit 2 (unreadable input) with a message that names
the file and stays short, never exit 3 ("internal error") and never a traceback. The same for a report
that cannot be written where --report points."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from kg.cli import main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")

#: longest output a rejection may print: the problem, not the file echoed back
MOST_OUTPUT = 4000


def _brackets(path: Path) -> None:
    path.write_text("[" * 10_000_000)


#: nesting ten times deeper than the interpreter's recursion limit, which every recursive parser runs into
#: long before (each level takes a few frames); deeper files only take longer to refuse
DEEPER_THAN_THE_STACK = 10 * sys.getrecursionlimit()

#: a line longer than a rejection may print many times over, and longer than any read buffer
HUGE_LINE = 200_000


def _deep_blank_nodes(path: Path) -> None:
    depth = DEEPER_THAN_THE_STACK
    path.write_text("@prefix : <https://w3id.org/eco-kg/id/> .\n:a :b " + "[ :p " * depth + "]" * depth + " .\n")


def _deep_lists(path: Path) -> None:  # never closed
    path.write_text("@prefix : <https://w3id.org/eco-kg/id/> .\n:a :b " + "(" * DEEPER_THAN_THE_STACK + " .\n")


def _not_utf8(path: Path) -> None:
    path.write_bytes(b'@prefix : <https://w3id.org/eco-kg/id/> .\n:a :b "\xff\xfe" .\n')


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _directory(path: Path) -> None:
    path.mkdir()


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _symlink_loop(path: Path) -> None:
    partner = path.with_name("partner-" + path.name)
    path.symlink_to(partner)
    partner.symlink_to(path)


def _dangling(path: Path) -> None:
    path.symlink_to(path.with_name("no-such-target.ttl"))


def _huge_line_nt(path: Path) -> None:
    path.write_text("<https://w3id.org/eco-kg/id/a> <https://w3id.org/eco-kg/id/b> " + "<" * HUGE_LINE + " .\n")


def _huge_line_ttl(path: Path) -> None:
    path.write_text("@prefix : <https://w3id.org/eco-kg/id/> . :a :b " + ":c , " * (HUGE_LINE // 5) + "{ .\n")


HOSTILE = {
    "ten-megabytes-of-brackets.ttl": _brackets,
    "deep-blank-nodes.ttl": _deep_blank_nodes,
    "deep-lists.ttl": _deep_lists,
    "not-utf8.ttl": _not_utf8,
    "a-fifo.ttl": _fifo,
    "a-directory.ttl": _directory,
    "dev-zero.ttl": _dev_zero,
    "symlink-loop.ttl": _symlink_loop,
    "dangling-link.ttl": _dangling,
    "huge-line.nt": _huge_line_nt,
    "huge-line.ttl": _huge_line_ttl,
}


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(["validate", "--no-owl", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.slow
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_file_is_exit_2_naming_it(tmp_path, capsys, name):
    path = tmp_path / name
    HOSTILE[name](path)
    code, output = run(capsys, str(path))
    assert code == 2, output[:MOST_OUTPUT]
    assert name in output
    assert "internal error" not in output and "Traceback" not in output
    assert len(output) < MOST_OUTPUT, output[:MOST_OUTPUT]


@pytest.mark.slow
def test_a_report_that_cannot_be_written_is_exit_2_naming_where(tmp_path, capsys):
    good = tmp_path / "not-utf8.ttl"
    _not_utf8(good)
    target = tmp_path / "reports-folder"
    target.mkdir()
    code, output = run(capsys, "--report", f"text={target}", str(good))
    assert code == 2, output
    assert str(target) in output and "internal error" not in output


#: a name longer than any file system allows for one path component (ENAMETOOLONG when looked up)
TOO_LONG = "n" * 300


@pytest.mark.parametrize("argv", [["validate", "--no-owl", TOO_LONG + ".ttl"], ["query", TOO_LONG + ".rq"],
                                  ["build", "--quiet", "--root", TOO_LONG]], ids=["validate", "query", "build"])
def test_a_name_the_file_system_refuses_is_exit_2_naming_it(tmp_path, monkeypatch, capsys, argv):
    monkeypatch.chdir(tmp_path)
    code = main(argv)
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert code == 2, output[:MOST_OUTPUT]
    assert TOO_LONG in output and "internal error" not in output
