"""The `load` sub-command: bulk-load the built dump into a running Virtuoso through its isql client.

Owns the options, the summary printed and `python -m kg.commands.load` (also `virtuoso DIR`: a throwaway
Virtuoso with the dataset loaded, until Ctrl-C); the loader and the local server are `kg.stores.virtuoso`'s.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from ..build import ensure_built
from ..errors import EcoKGError
from ..metadata import dump_path
from ..settings import Settings
from ..stores.virtuoso import LocalVirtuoso, VirtuosoIsql, load_dataset_into


def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    """Arguments of `ecokg load` (and `python -m kg.commands.load load`)."""
    parser.add_argument("dump", type=Path, nargs="?", default=None,
                        help="the dump to load (default: build/eco-kg.nq, built first if needed)")
    parser.add_argument("--isql-port", type=int, default=1111, help="Virtuoso's SQL port (default 1111)")
    parser.add_argument("--isql-host", default="127.0.0.1")
    parser.add_argument("--user", default="dba")
    parser.add_argument("--password", default="dba")
    parser.add_argument("--keep", action="store_true", help="add to the graphs instead of replacing them")


def command(args: argparse.Namespace, settings: Settings) -> int:
    """`ecokg load`: bulk-load the built dump into a running Virtuoso."""
    dump = args.dump
    if dump is None:
        dump = ensure_built(settings)
    report = load_dataset_into(VirtuosoIsql(args.isql_port, args.isql_host, args.user, args.password),
                               dump, replace=not args.keep)
    print(f"loaded {report.path} ({len(report.graphs)} graphs) in {report.seconds:.2f} s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kg.commands.load",
                                     description="Load ECO-KG into Virtuoso, or run a throwaway Virtuoso with it.")
    commands = parser.add_subparsers(dest="command", required=True)
    configure_parser(commands.add_parser("load", help="bulk-load a .nq or .trig dump into a running Virtuoso"), "load")
    local = commands.add_parser("virtuoso", help="start a throwaway Virtuoso in DIRECTORY, load the dump, "
                                                 "serve until interrupted")
    local.add_argument("directory", type=Path)
    local.add_argument("--dump", type=Path, default=dump_path(Settings()))
    args = parser.parse_args(argv)
    try:
        if args.command == "load":
            return command(args, Settings.from_env())
        with LocalVirtuoso(args.directory, dirs_allowed=[args.dump.resolve().parent]) as virtuoso:
            report = load_dataset_into(virtuoso.isql, args.dump)
            print(f"Virtuoso: SPARQL {virtuoso.sparql_url}, SQL {virtuoso.host}:{virtuoso.sql_port} (dba/dba); "
                  f"loaded {len(report.graphs)} graphs in {report.seconds:.2f} s. Ctrl-C stops it.", flush=True)
            try:
                virtuoso.process.wait()
            except KeyboardInterrupt:
                pass
        return 0
    except EcoKGError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
