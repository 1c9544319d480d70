"""The layers stay in order: the library (`kg`) never names the HTTP face (`server`), which registers
its `serve` command with the command line through an entry point instead."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from kg import cli

ROOT = Path(__file__).resolve().parent.parent
#: a string that is a module path into the server package: "server", "server.app", "server.cli:command"
SERVER_MODULE = re.compile(r"server(\.\w+)*(:\w+)?")


def server_mentions(path: Path) -> list[str]:
    """Where ``path`` imports `server` or holds its module path as a string (prose in docstrings is not one)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value.strip()]
        else:
            continue
        found += [f"{path.name}:{node.lineno}: {name}" for name in names
                  if name == "server" or name.startswith("server.") and SERVER_MODULE.fullmatch(name)]
    return found


def test_no_library_module_names_the_server_package():
    mentions = [f"{path.parent.relative_to(ROOT)}/{hit}" for path in sorted((ROOT / "kg").rglob("*.py"))
                for hit in server_mentions(path)]
    assert mentions == []


def test_the_check_finds_an_import_and_a_module_string(tmp_path):
    """The check above can fail: each way of reaching the server from the library is caught."""
    sample = tmp_path / "sample.py"
    sample.write_text('import server.app\nfrom server import pages\nimport importlib\n'
                      'importlib.import_module("server.cli")\n"""The server answers."""\n', encoding="utf-8")
    assert [hit.split(": ")[1] for hit in server_mentions(sample)] == ["server.app", "server", "server.cli"]


def test_serve_is_registered_by_the_server_package_through_an_entry_point():
    registered = {entry.name: entry.value for entry in entry_points(group=cli.COMMAND_GROUP)}
    assert registered.get("serve") == "server.cli"
    assert "serve" not in cli.LIBRARY_COMMANDS
    assert cli.commands()["serve"][0] == "server.cli"


def test_listing_the_commands_does_not_import_flask():
    probe = "import sys, kg.cli; kg.cli.make_parser(); print('flask' in sys.modules, 'server.cli' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "True"], done.stderr


#: modules besides `kg.shacl` that may import pySHACL, and why
PYSHACL_IMPORTERS = {
    # imports it before forking the update gate's children, so each child inherits it loaded; runs nothing
    "server/update.py": "warm-up",
}


def test_pyshacl_is_run_from_one_module():
    importers = []
    for package in ("kg", "server"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                if any(name.split(".")[0] == "pyshacl" for name in names):
                    importers.append(str(path.relative_to(ROOT)))
    assert sorted(set(importers) - set(PYSHACL_IMPORTERS)) == ["kg/shacl.py"]
