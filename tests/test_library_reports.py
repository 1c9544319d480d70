"""The library reports through logging and never prints: the command line decides what a person sees
(`kg.commands.ProgressHandler`: a progress line rewritten on a terminal, nothing of it in a pipe)."""
from __future__ import annotations

import ast
import io
import logging
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from kg.commands import ProgressHandler

ROOT = Path(__file__).resolve().parent.parent
#: the modules that talk to a person: the dispatcher and the commands (the server's CLI lives in server/)
TALKERS = ("kg/cli.py", "kg/commands/")


def writes_to_a_stream(path: Path) -> list[str]:
    """Where ``path`` calls print() or writes to sys.stdout / sys.stderr."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "print":
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: print()")
        elif (isinstance(func, ast.Attribute) and func.attr in {"write", "writelines"}
              and isinstance(func.value, ast.Attribute) and func.value.attr in {"stdout", "stderr"}):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: sys.{func.value.attr}.{func.attr}()")
    return found


def test_no_library_module_prints():
    library = [path for path in sorted((ROOT / "kg").rglob("*.py"))
               if not str(path.relative_to(ROOT)).startswith(TALKERS)]
    assert [hit for path in library for hit in writes_to_a_stream(path)] == []


def test_the_check_finds_prints_and_stream_writes(tmp_path):
    sample = ROOT / "kg" / "_sample_for_the_check.py"
    try:
        sample.write_text('import sys\nprint("x")\nsys.stderr.write("y")\nsys.stdout.writelines([])\n'
                          'log = open("f").write("fine")\n', encoding="utf-8")
        assert [hit.split(": ")[1] for hit in writes_to_a_stream(sample)] == [
            "print()", "sys.stderr.write()", "sys.stdout.writelines()"]
    finally:
        sample.unlink()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def records(handler: logging.Handler) -> None:
    logger = logging.getLogger("kg.test-reports")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.info("  a.nt: %s lines", "1,000", extra={"progress": True})
    logger.info("  a.nt: %s lines", "2,000", extra={"progress": True})
    logger.info("  a.nt: %s lines loaded", "2,500", extra={"progress": "done"})
    logger.info("  b.nt: 10 lines", extra={"progress": True})
    logger.warning("set aside a torn line in %s", "journal.torn-1")


def test_progress_rewrites_one_line_on_a_terminal():
    screen = Terminal()
    records(ProgressHandler(screen))
    lines = screen.getvalue().split("\n")
    assert lines[0].split("\r")[1:] == ["  a.nt: 1,000 lines" + " " * 8, "  a.nt: 2,000 lines" + " " * 8,
                                        "  a.nt: 2,500 lines loaded" + " " * 8]
    # an open progress line is ended before a warning, which stands on a line of its own
    assert lines[1].strip() == "b.nt: 10 lines" and lines[2] == "set aside a torn line in journal.torn-1"


def test_a_pipe_gets_the_warning_and_no_progress():
    pipe = io.StringIO()
    records(ProgressHandler(pipe))
    assert pipe.getvalue() == "set aside a torn line in journal.torn-1\n"


@pytest.mark.slow
def test_loading_bulk_data_shows_its_count_on_a_terminal_and_nothing_in_a_pipe(tmp_path):
    data = tmp_path / "extra.nt"
    data.write_text("".join(f"<urn:x:{i}> <urn:x:p> \"{i}\" .\n" for i in range(3)), encoding="utf-8")
    command = [sys.executable, "-m", "kg", "build", "--quiet", "--data", str(data)]
    env = dict(os.environ, ECOKG_BUILD_DIR=str(tmp_path / "build"))
    piped = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=ROOT, env=env)
    assert piped.returncode == 0, piped.stderr
    assert "lines loaded" not in piped.stderr
    # the same command with standard error on a terminal
    leader, follower = pty.openpty()
    shown = subprocess.run(command, stdout=subprocess.PIPE, stderr=follower, text=True, timeout=180, cwd=ROOT,
                           env=env)
    os.close(follower)
    screen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
    os.close(leader)
    assert shown.returncode == 0
    assert "extra.nt: 3 lines loaded" in screen.decode("utf-8")
