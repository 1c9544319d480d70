"""The `publish` sub-command: its options, the credentials it reads, and the summary it prints.

Owns only the command-line surface of `kg.stores.publish`, which sends every named graph to a store through the
Graph Store Protocol.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from . import add_store_options
from ..errors import EXIT_OK
from ..settings import Settings
from ..stores import open_store
from ..stores.publish import BATCH, PublishError, client_for, publish


def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--to", required=True, metavar="URL",
                        help="the store's Graph Store Protocol URL, e.g. http://127.0.0.1:7878/store (Oxigraph), "
                             "http://127.0.0.1:3030/ds/data (Fuseki), http://127.0.0.1:8890/sparql-graph-crud-auth "
                             "(Virtuoso)")
    parser.add_argument("--auth", choices=["none", "basic", "digest", "bearer"], default="none")
    parser.add_argument("--user", help="user for basic or digest authentication (password: ECOKG_PUBLISH_PASSWORD)")
    parser.add_argument("--token-file", type=Path, help="file holding the bearer token (or ECOKG_PUBLISH_TOKEN)")
    parser.add_argument("--batch", type=int, default=BATCH, help=f"triples per request (default {BATCH:,})")
    parser.add_argument("--graph", action="append", dest="graphs", metavar="IRI",
                        help="publish only this named graph (repeatable)")
    add_store_options(parser)


def command(args: argparse.Namespace, settings: Settings) -> int:
    token = settings.publish_token
    if args.token_file is not None:
        try:
            token = args.token_file.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise PublishError(f"the token file cannot be read: {error.strerror}", file=args.token_file) from None
    session = client_for(None if args.auth == "none" else args.auth, args.user,
                         settings.publish_password, token)
    if args.batch < 1:
        raise PublishError("--batch must be at least 1", term=str(args.batch))
    store = open_store(settings.with_(store="oxigraph"))
    report = publish(store, args.to.rstrip("/") if args.to.endswith("/") else args.to, session=session,
                     batch=args.batch, graphs=args.graphs)
    for name, count in report.graphs.items():
        print(f"{count:>10,}  <{name}>")
    total = sum(report.graphs.values())
    print(f"published {total:,} triples in {len(report.graphs)} graphs to {args.to} "
          f"({report.requests} requests, {report.seconds:.1f} s)")
    return EXIT_OK
