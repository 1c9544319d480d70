"""The `build` and `query` sub-commands: argument definitions and the calls they make.

Owns only the command-line surface of `kg.build` and `kg.query`; the work happens there.
"""
from __future__ import annotations

import argparse
import sys

from .build import build
from .errors import EXIT_OK
from .query import find_query, format_result, named_queries, run_query
from .settings import Settings


def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    if name == "build":
        parser.add_argument("--quiet", action="store_true", help="print only the output paths")
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
