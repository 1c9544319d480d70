"""The `build` and `query` sub-commands: argument definitions and the calls they make.

Owns only the command-line surface of `kg.build` and `kg.query`; the work happens there.
"""
from __future__ import annotations

import argparse
import sys
import time

from . import add_store_options
from ..build import build
from ..errors import EXIT_OK
from ..metadata import dump_path
from ..query import find_query, format_result, named_queries, run_query
from ..settings import Settings


def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    if name == "build":
        parser.add_argument("--quiet", action="store_true", help="print only the output paths")
        add_store_options(parser)
    elif name == "query":
        parser.add_argument("query", nargs="?", help="name of a query in queries/ or a .rq file")
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
        parser.add_argument("--list", action="store_true", help="list the named queries and their questions")


def command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "build":
        result, written = build(settings)
        if not args.quiet:
            print(written["report.txt"].read_text(encoding="utf-8"))
        for name, path in written.items():
            print(f"wrote {path}")
        _build_store(settings, quiet=args.quiet)
        return EXIT_OK
    if args.list or not args.query:
        for query in named_queries(settings):
            print(f"{query.name:<34} {query.title}")
            if query.question:
                print(f"{'':<34} {query.question}")
        return EXIT_OK
    query = find_query(args.query, settings)
    result = run_query(query.text, settings, source=str(query.path))
    sys.stdout.write(format_result(result, args.format))
    return EXIT_OK


def _build_store(settings: Settings, *, quiet: bool) -> None:
    """With bulk data or an on-disk store: load it now and say how big it is and how long it took."""
    from ..stores.bulk import data_files, load_files, open_disk_store

    files = data_files(settings)
    if settings.store_path is None and not files:
        return
    started = time.monotonic()
    if settings.store_path is not None:
        store, reloaded = open_disk_store(settings, dump_path(settings))
        what = f"on-disk store {settings.store_path}" + ("" if reloaded else " (unchanged, not reloaded)")
    else:
        import pyoxigraph as ox

        store = ox.Store()  # loaded to check the files; `ecokg serve` loads them again (use --store-path to keep it)
        store.bulk_load(path=str(dump_path(settings)), format=ox.RdfFormat.N_QUADS)
        load_files(store, files)
        what = "bulk data checked (in memory; give --store-path DIR to keep a loaded store)"
    if not quiet:
        print(f"{what}: {len(store):,} quads, {len(files)} data file(s), {time.monotonic() - started:.1f} s")
