"""The `ecokg` command line: parse arguments, build `Settings`, call a real function, map errors.

Owns the sub-command table, the shared options and the exit-code contract:
0 success, 1 violations found, 2 bad input or usage, 3 internal error. Bad input never shows a
traceback (set ECOKG_DEBUG=1 to see one). The library's own commands are listed here; other
packages add theirs through the ``ecokg.commands`` entry-point group (the HTTP server adds `serve`
that way), so the command line sits above every package without the library naming any of them.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from functools import lru_cache
from pathlib import Path

from .commands import show_library_reports
from .errors import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EcoKGError
from .settings import Settings

#: the library's sub-commands: name -> (module of `kg.commands` that implements it, one-line help). Each module
#: defines ``configure_parser(parser, name)`` and ``command(args, settings) -> int``.
LIBRARY_COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("kg.commands.build", "build the dataset from ontology/ and seeds/ into build/ and print the report"),
    "query": ("kg.commands.build", "run a named query from queries/ (or a .rq file) and print the result"),
    "check": ("kg.commands.check", "check the built graph: SHACL shapes, OWL consistency (HermiT), evidence offsets"),
    "validate": ("kg.commands.validate", "validate new assertion files (the CI gate)"),
    "add": ("kg.commands.validate", "merge a file of new assertions into seeds/ if it passes the gate"),
    "link": ("kg.commands.link", "Wikidata links: gap report, reconcile candidates, accept reviewed links"),
    "enrich": ("kg.commands.enrich", "fetch multilingual labels and facts for linked entities into a snapshot"),
    "load": ("kg.commands.load", "bulk-load the built dataset into a running Virtuoso (the bigger-store path)"),
    "publish": ("kg.commands.publish", "push every named graph to any SPARQL 1.1 store (Graph Store Protocol)"),
    "journal": ("kg.commands.journal", "list the updates the server accepted, fold their additions into the seed "
                                        "files of their graphs, or seal entries a person has checked"),
    "export": ("kg.commands.export", "export every claim as a nanopublication (assertion, provenance, "
                                      "publication info)"),
    "extract": ("kg.commands.extract", "draft claims from a registered source for a curator, or score a draft"),
    "init": ("kg.commands.project", "start a project of your own: ecokg.toml, folders, pre-commit hook and CI"),
    "source": ("kg.commands.project", "register a source text in the project (source add FILE), or list them"),
}

#: the entry-point group of sub-commands other packages provide. Each entry point names a module
#: that defines ``HELP`` (one line), ``configure_parser(parser, name)`` and ``command(args, settings)``;
#: it should import little at module level, since listing the commands imports it
COMMAND_GROUP = "ecokg.commands"


@lru_cache(maxsize=1)
def commands() -> dict[str, tuple[str, str]]:
    """Every sub-command: the library's, then those registered in ``COMMAND_GROUP`` (sorted by name).

    A registered module that cannot be imported is left out: its command is not offered."""
    from importlib.metadata import entry_points  # scans every installed package: only when needed

    table = dict(LIBRARY_COMMANDS)
    for entry in sorted(entry_points(group=COMMAND_GROUP), key=lambda entry: entry.name):
        if entry.name in table:
            continue  # the library's own command wins over a package that registers the same name
        try:
            module = importlib.import_module(entry.module)
        except ImportError:
            continue
        table[entry.name] = (entry.module, getattr(module, "HELP", ""))
    return table


EXIT_CODES_HELP = """exit codes:
  0  success (or: the data conforms)
  1  violations found
  2  unreadable input or usage error
  3  internal error"""


def make_parser(selected: str | None = None, table: dict[str, tuple[str, str]] | None = None) -> argparse.ArgumentParser:
    """The argument parser for the commands in ``table`` (default: every command). Only ``selected``'s
    module is imported (to add its options): start-up stays fast because a command never pays for
    another command's imports (Flask, pySHACL, owlready2)."""
    parser = argparse.ArgumentParser(
        prog="ecokg", description="ECO-KG: build, check, query and serve the ECO knowledge graph.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, help="project directory (default: this checkout)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in (table or commands()).items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text, epilog=EXIT_CODES_HELP,
                                        formatter_class=argparse.RawDescriptionHelpFormatter)
        command_parser.set_defaults(module_name=module_name)
        # --root after the command too, so a hook can append it to `ecokg validate` (pre-commit `args:`)
        command_parser.add_argument("--root", type=Path, default=argparse.SUPPRESS,
                                    help="project directory (default: this checkout, or the installed data)")
        if name != selected:
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue  # a command whose module is absent is listed but reports itself unavailable
        configure = getattr(module, "configure_parser", None)
        if configure is not None:
            configure(command_parser, name)
    return parser


def settings_for(args: argparse.Namespace) -> Settings:
    overrides = {}
    from .project import discover

    # a project (ecokg.toml here or above, or in --root) adds its files to the packaged graph, which stays as it is
    project = discover(args.root if getattr(args, "root", None) else _working_directory())
    if project is not None:
        overrides.update(project=project, build_dir=project.build_dir)
    elif getattr(args, "root", None):
        root = args.root.resolve()
        overrides.update(root=root, seeds_dir=root / "seeds", ontology_dir=root / "ontology",
                         queries_dir=root / "queries", build_dir=root / "build")
        # a researcher's own data folder may hold only seeds: the installed ontology and queries serve then
        defaults = Settings()
        for name, folder in (("ontology_dir", "ontology"), ("queries_dir", "queries")):
            if not (root / folder).is_dir():
                overrides[name] = getattr(defaults, name)
    for name in ("host", "port", "store", "query_timeout", "row_limit", "remote_endpoint", "service_timeout",
                 "update_journal", "query_workers", "query_memory_mb", "max_query_length", "max_query_depth",
                 "update_timeout", "query_memory_total_mb", "service_max_bytes", "service_max_calls",
                 "analysis_cache_mb", "result_cache_mb", "cache_max_age"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    if getattr(args, "store_path", None) is not None:
        overrides["store_path"] = args.store_path
    if getattr(args, "data_files", None):
        overrides["data_files"] = tuple(str(path) for path in args.data_files)
    for name in ("service_allowlist", "service_endpoint_map"):
        if getattr(args, name, None) is not None:
            overrides[name] = tuple(getattr(args, name))
    if getattr(args, "enable_update", False):
        overrides["update_enabled"] = True
    return Settings.from_env(**overrides)


def _working_directory() -> Path:
    try:
        return Path.cwd()
    except OSError:  # removed under the shell: no project can be found from it
        return Path("/")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # a library command needs no look at the other packages' entry points (they cost start-up time)
    library = next((arg for arg in argv if arg in LIBRARY_COMMANDS), None)
    if library is not None:
        parser = make_parser(library, LIBRARY_COMMANDS)
    else:
        parser = make_parser(next((arg for arg in argv if arg in commands()), None))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not args.command:
        parser.print_help()
        return EXIT_INPUT
    settings = None
    show_library_reports()
    try:
        module = importlib.import_module(args.module_name)
        settings = settings_for(args)
        return int(module.command(args, settings) or EXIT_OK)
    except EcoKGError as error:
        print(f"ecokg {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as error:
        if error.filename is None:  # not about a path a person gave
            return _internal_error(args.command, settings, error)
        # a path the system refuses (too long, a loop, not a folder …) that no check before caught: still the input
        print(f"ecokg {args.command}: error: {error.filename}: {error.strerror or error}\n"
              "  fix: check the path (it must exist and be readable, each of its parts at most 255 bytes)",
              file=sys.stderr)
        return EXIT_INPUT
    except Exception as error:
        return _internal_error(args.command, settings, error)


def _internal_error(command: str, settings: Settings | None, error: Exception) -> int:
    """Say plainly that this is a bug, and keep the trace for debugging."""
    if _debugging(settings):
        traceback.print_exc()
    print(f"ecokg {command}: internal error: {type(error).__name__}: {error}\n"
          "  this is a bug in ecokg, not in your input; run with ECOKG_DEBUG=1 for the trace",
          file=sys.stderr)
    return EXIT_INTERNAL


def _debugging(settings: Settings | None) -> bool:
    """ECOKG_DEBUG, from the settings, or read now when the error came before they were built."""
    if settings is None:
        try:
            settings = Settings.from_env()
        except EcoKGError:
            return False
    return settings.debug


def entry_point() -> None:
    sys.exit(main())
