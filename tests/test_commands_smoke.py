"""Every sub-command `ecokg --help` lists, started once the way the README shows it, as a process.

Where a command needs a service it is pointed at a closed loopback port, where it needs a folder it gets an
empty temporary one; each must end with the exit code documented for that case, never 3 (internal error).
A command `ecokg --help` lists without a case here fails `test_every_listed_command_has_a_smoke_case`.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kg.errors import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK

#: a port no service listens on: {closed} in a case's arguments (a bound socket that never listens refuses)
CLOSED = "{closed}"
#: a port something listens on: {taken} (for `serve`, which must say the port is in use)
TAKEN = "{taken}"

#: command -> (arguments after `ecokg`, the exit code documented for this case, what the output must say)
CASES: dict[str, tuple[list[str], int, str]] = {
    "build": (["build", "--quiet"], EXIT_OK, "report.txt"),
    "query": (["query", "working-group-domains"], EXIT_OK, "maritime safety"),
    "check": (["check", "--no-owl"], EXIT_OK, "SHACL: ok"),
    "validate": (["validate", "--no-owl", "my-claim.ttl"], EXIT_INPUT, "my-claim.ttl"),
    "add": (["add", "my-claim.ttl"], EXIT_INPUT, "nothing was added"),
    "link": (["link", "--report"], EXIT_OK, "without a Wikidata link"),
    "enrich": (["enrich", "--endpoint", "http://127.0.0.1:{closed}/sparql", "--output", "{tmp}/snapshot.ttl"],
               EXIT_INPUT, "cannot reach http://127.0.0.1:{closed}/sparql"),
    "load": (["load", "--isql-port", CLOSED], EXIT_INPUT, "127.0.0.1:{closed}"),
    "publish": (["publish", "--to", "http://127.0.0.1:{closed}/store"], EXIT_INPUT, "http://127.0.0.1:{closed}/store"),
    "journal": (["journal", "list", "--journal", "{tmp}/accepted-updates.jsonl"], EXIT_OK, "0 accepted update(s)"),
    "export": (["export", "--nanopub", "--output", "{tmp}/nanopubs.trig"], EXIT_OK, "nanopublications"),
    "init": (["init", "{tmp}/my-kg", "--namespace", "https://example.org/my-kg/"], EXIT_OK, "project ready"),
    "source": (["source", "list"], EXIT_OK, "iran-pakistan-eco-security-interview"),
    "extract": (["extract", "iran-pakistan-eco-security-interview", "--output", "{tmp}/draft.ttl"], EXIT_OK,
                "draft.ttl"),
    "serve": (["serve", "--port", TAKEN], EXIT_INPUT, "127.0.0.1:{taken}"),
}


def readme_exit_codes() -> dict[str, set[int]]:
    """The exit codes the README's table of commands documents for each command."""
    # a `\|` inside a cell (NAME\|FILE) is not a column
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8").replace("\\|", "/")
    rows = re.findall(r"^\| `ecokg ([a-z][\w-]*)[^|]*\|[^|]*\| ([\d, ]+) \|$", text, flags=re.MULTILINE)
    return {name: {int(code) for code in codes.split(",")} for name, codes in rows}


def listed_commands() -> list[str]:
    """The sub-commands `ecokg --help` names, in its order (a name indented by four spaces)."""
    done = subprocess.run([sys.executable, "-m", "kg", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == EXIT_OK, done.stderr
    section = done.stdout.split("positional arguments:", 1)[1].split("options:", 1)[0]
    return re.findall(r"^ {4}([a-z][\w-]*)(?: |$)", section, flags=re.MULTILINE)


def test_every_listed_command_has_a_smoke_case():
    listed = listed_commands()
    assert "build" in listed and "serve" in listed, listed  # the listing is read, not empty
    assert [name for name in listed if name not in CASES] == []


def test_each_case_ends_with_an_exit_code_the_readme_documents_for_its_command():
    documented = readme_exit_codes()
    assert {name: expected for name, (_args, expected, _says) in CASES.items()
            if expected not in documented.get(name, set())} == {}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_command_runs_as_the_readme_shows_it(name, settings, built, tmp_path):
    arguments, expected, says = CASES[name]
    folder = tmp_path / "empty"
    folder.mkdir()
    closed = socket.socket()
    taken = socket.socket()
    with closed, taken:
        closed.bind(("127.0.0.1", 0))  # bound and never listening: a connection to it is refused
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        values = {"closed": str(closed.getsockname()[1]), "taken": str(taken.getsockname()[1]),
                  "tmp": str(tmp_path)}
        # `build` writes a build of its own; the others read the session's build, as after `ecokg build`
        build_dir = tmp_path / "build" if name == "build" else settings.build_dir
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("ECOKG_") or key == "ECOKG_QUERY_ISOLATION"}
        env["ECOKG_BUILD_DIR"] = str(build_dir)
        done = subprocess.run([sys.executable, "-m", "kg", *(arg.format(**values) for arg in arguments)],
                              cwd=folder, env=env, capture_output=True, text=True, timeout=240)
    output = done.stdout + done.stderr
    assert done.returncode != EXIT_INTERNAL, output
    assert done.returncode == expected, output
    assert "Traceback" not in output
    assert says.format(**values) in output, output
