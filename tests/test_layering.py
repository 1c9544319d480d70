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


#: the command line: the dispatcher, `python -m kg` and the package of sub-commands (paths from the checkout)
COMMAND_LINE = ("kg/cli.py", "kg/__main__.py", "kg/commands/")


def command_line_code(path: Path) -> list[str]:
    """Where ``path`` holds command-line code: argparse, a sub-command's ``configure_parser`` or ``command``,
    or a ``__main__`` block."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import) and any(alias.name == "argparse" for alias in node.names) or (
                isinstance(node, ast.ImportFrom) and node.module == "argparse"):
            found.append(f"{path.name}:{node.lineno}: imports argparse")
        elif isinstance(node, ast.FunctionDef) and node.name in ("configure_parser", "command"):
            found.append(f"{path.name}:{node.lineno}: def {node.name}")
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == "__name__":
            found.append(f"{path.name}:{node.lineno}: a __main__ block")
    return found


def test_library_modules_define_no_command_line_code():
    """Each sub-command's options and entry function are in `kg.commands`; the library only returns results."""
    found = [f"{path.parent.relative_to(ROOT)}/{hit}" for path in sorted((ROOT / "kg").rglob("*.py"))
             if not str(path.relative_to(ROOT)).startswith(COMMAND_LINE) for hit in command_line_code(path)]
    assert found == [], "move these into a module of kg/commands/:\n" + "\n".join(found)


def test_every_library_command_is_a_module_of_the_commands_package():
    assert {module for module, _help in cli.LIBRARY_COMMANDS.values()
            if not module.startswith("kg.commands.")} == set()


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


# ------------------------------------------------------------------------------------------------
# Import circles and the layer order, counting imports inside functions too
# ------------------------------------------------------------------------------------------------

#: the layers, lowest first, each a list of module-name patterns (fnmatch); a module may import its own
#: layer and those below. A library module no pattern names is a feature; a server module is the server.
LAYERS: list[tuple[str, list[str]]] = [
    ("base", ["kg.errors", "kg.namespaces", "kg.project", "kg.settings", "kg.version"]),
    ("reading", ["kg.rdfio", "kg.terms", "kg.evidence", "kg.results", "kg.http", "kg.sandbox", "kg.sandbox.*",
                 "kg.shacl", "kg.entailment", "kg.reasoner", "kg.picture", "kg.trusty", "kg.seedwrite",
                 "kg.extract_text", "kg.gazetteer", "kg.langtags"]),
    ("dataset", ["kg.annotations", "kg.ontology", "kg.metadata", "kg.sources", "kg.build"]),
    ("stores", ["kg.stores", "kg.stores.*"]),
    ("gate", ["kg.gate", "kg.gate.*"]),
    ("features", ["kg.*"]),
    ("commands", ["kg", "kg.__main__", "kg.cli", "kg.commands", "kg.commands.*"]),
    ("server", ["server", "server.*"]),
]
#: most imports that may run back up the layers (each a pair of modules, however often it imports)
MAX_ARROWS_UP = 3


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path = ROOT, packages=("kg", "server")) -> dict[str, dict[str, int]]:
    """Each module of ``packages`` -> the modules of them it imports -> the first line doing so: at module
    level, inside functions and classes and under ``if TYPE_CHECKING``; relative imports resolved, and a name
    imported from a package counted as its submodule when there is one."""
    paths = {module_name(path, root): path for package in packages for path in sorted((root / package).rglob("*.py"))}
    graph: dict[str, dict[str, int]] = {}
    for module, path in paths.items():
        edges: dict[str, int] = {}
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in paths else base for alias in node.names]
            else:
                continue
            for target in targets:
                while target and target not in paths:
                    target = target.rpartition(".")[0]
                if target and target != module:
                    edges.setdefault(target, node.lineno)
        graph[module] = edges
    return graph


def circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The import circles: the groups of two or more modules that each reach the others (sorted)."""
    reach = {module: set() for module in graph}
    for start in graph:
        stack = list(graph[start])
        while stack:
            module = stack.pop()
            if module not in reach[start]:
                reach[start].add(module)
                stack.extend(graph.get(module, ()))
    groups = {tuple(sorted({m for m in reach[start] if start in reach[m]} | {start})) for start in graph
              if start in reach[start]}
    return sorted(list(group) for group in groups)


def layer_of(module: str) -> int:
    from fnmatch import fnmatchcase

    ranked = sorted(enumerate(LAYERS), key=lambda item: item[1][0] == "features")  # the catch-all matches last
    for index, (_name, patterns) in ranked:
        if any(fnmatchcase(module, pattern) for pattern in patterns):
            return index
    raise AssertionError(f"{module} is in no layer: name it in LAYERS")


def arrows_up(graph: dict[str, dict[str, int]]) -> list[str]:
    return sorted(f"{module} ({LAYERS[layer_of(module)][0]}) -> {target} ({LAYERS[layer_of(target)][0]}), "
                  f"line {line}" for module, edges in graph.items() for target, line in edges.items()
                  if layer_of(target) > layer_of(module))


def test_no_import_circles_counting_imports_inside_functions():
    graph = import_graph()
    found = circles(graph)
    assert found == [], "import circles (move what both sides need into a lower module):\n" + "\n".join(
        " <-> ".join(group) + ": " + ", ".join(f"{m} -> {t} line {graph[m][t]}" for m in group for t in graph[m]
                                                if t in group) for group in found)


def test_few_imports_run_back_up_the_layers():
    up = arrows_up(import_graph())
    assert len(up) <= MAX_ARROWS_UP, ("imports running back up the layers (move the shared piece down, or name a "
                                      "new module's layer in LAYERS):\n" + "\n".join(up))


def test_the_foundation_layers_import_nothing_above_them():
    """base, reading and dataset are what every feature and store stands on: none of their imports runs up."""
    foundation = {name for name, _patterns in LAYERS[:3]}
    up = [arrow for arrow in arrows_up(import_graph()) if arrow.split(" (", 2)[1].split(")")[0] in foundation]
    assert up == [], "move the piece they share down into the lower module's layer:\n" + "\n".join(up)


def test_the_import_reading_sees_lazy_and_relative_imports_and_finds_a_circle(tmp_path):
    """The checks above can fail: an import inside a function and a relative one close a circle, and a
    library module importing the command line is an arrow up."""
    package = tmp_path / "kg"
    (package / "gate").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "gate" / "__init__.py").write_text("", encoding="utf-8")
    (package / "settings.py").write_text("def defaults():\n    from .gate import limits\n", encoding="utf-8")
    (package / "gate" / "limits.py").write_text("from ..settings import defaults\n", encoding="utf-8")
    (package / "cli.py").write_text("import kg.settings\n", encoding="utf-8")
    (package / "rdfio.py").write_text("if True:\n    from kg import cli\n", encoding="utf-8")
    graph = import_graph(tmp_path, packages=("kg",))
    assert graph["kg.settings"] == {"kg.gate.limits": 2} and graph["kg.gate.limits"] == {"kg.settings": 1}
    assert circles(graph) == [["kg.gate.limits", "kg.settings"]]
    assert arrows_up(graph) == ["kg.rdfio (reading) -> kg.cli (commands), line 2",
                                "kg.settings (base) -> kg.gate.limits (gate), line 2"]
