"""The Flask application factory and `run_server`.

Owns assembling the app from its blueprints (`server.protocol`: the SPARQL 1.1 endpoint, service
description, dataset description and dumps; `server.update`: the guarded SPARQL Update route, off by
default; `server.pages`: the query page and Linked Data pages),
opening the store once, and the `ecokg serve` command. It calls `kg`; `kg` never calls it.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from flask import Flask

from kg.settings import Settings


def create_app(settings: Settings | None = None, store=None) -> Flask:
    """Build the app. ``store`` (a `kg.stores.Store`) is opened from the built dataset when not given."""
    settings = settings or Settings()
    app = Flask(__name__)
    app.config["ECOKG_SETTINGS"] = settings
    if store is None:
        from kg.stores import open_store
        store = open_store(settings)
    app.extensions["ecokg_store"] = store
    if settings.update_enabled and hasattr(store, "apply_change"):
        from kg import journal
        app.extensions["ecokg_replayed"] = journal.replay(store, journal.journal_path(settings))
    from . import pages, protocol, update
    app.register_blueprint(protocol.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(update.blueprint)
    return app


def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8000)")
    parser.add_argument("--store", choices=["oxigraph", "rdflib", "remote"],
                        help="store backend (default oxigraph, embedded; remote needs --remote-endpoint)")
    parser.add_argument("--remote-endpoint", dest="remote_endpoint",
                        help="SPARQL query URL of the remote store, e.g. Virtuoso's http://127.0.0.1:8890/sparql")
    parser.add_argument("--query-timeout", type=float, dest="query_timeout", help="seconds per query (default 10)")
    parser.add_argument("--row-limit", type=int, dest="row_limit", help="most rows a SELECT returns (default 10000)")
    parser.add_argument("--service-allowlist", nargs="*", dest="service_allowlist",
                        help="SERVICE endpoints the server may call (default: Wikidata's)")
    parser.add_argument("--service-timeout", type=float, dest="service_timeout",
                        help="seconds a SERVICE call may take (default 20)")
    parser.add_argument("--service-endpoint-map", nargs="*", dest="service_endpoint_map", metavar="IRI=URL",
                        help="call an allow-listed SERVICE IRI at another URL, e.g. a Wikidata mirror")
    from kg.commands import add_store_options

    add_store_options(parser)
    parser.add_argument("--enable-update", action="store_true",
                        help="accept SPARQL Update, guarded by the token in ECOKG_UPDATE_TOKEN or --update-token-file")
    parser.add_argument("--update-token-file", dest="update_token_file", type=Path,
                        help="file holding the bearer token for SPARQL Update (at least 32 characters)")
    parser.add_argument("--update-token", dest="update_token_on_command_line", help=argparse.SUPPRESS)
    parser.add_argument("--update-journal", dest="update_journal",
                        help="file of accepted updates, replayed on start (default build/accepted-updates.jsonl; "
                             "empty: off)")
    parser.add_argument("--query-workers", type=int, dest="query_workers",
                        help="queries evaluated at once; more get 503 with Retry-After (default 16)")
    parser.add_argument("--query-memory-mb", type=int, dest="query_memory_mb",
                        help="MiB one query may use (default 512)")
    parser.add_argument("--max-query-length", type=int, dest="max_query_length",
                        help="longest query text in characters (default 200000)")
    parser.add_argument("--max-query-depth", type=int, dest="max_query_depth",
                        help="deepest nesting of groups and expressions (default 64)")
    parser.add_argument("--update-timeout", type=float, dest="update_timeout",
                        help="seconds an update and its validation may take (default 60)")


def run_server(settings: Settings) -> None:
    """Build if needed, open the store and serve until interrupted (the `ecokg serve` command)."""
    from waitress.server import create_server

    from kg.errors import EcoKGError

    app = create_app(settings)
    bracketed = f"[{settings.host}]" if ":" in settings.host else settings.host
    # waitress: a production WSGI server (Flask's own is for development); more threads than query workers,
    # so that when every worker is busy the server still answers "busy" (503) at once instead of stalling
    threads = settings.server_threads or settings.query_workers + 8
    try:  # bind first, so "serving on" is printed only when it is true
        server = create_server(app, host=settings.host, port=settings.port, threads=threads, ident="ECO-KG",
                               max_request_body_size=2 * 1024 * 1024, channel_timeout=60)
    except OSError as error:
        raise EcoKGError(f"cannot listen on {bracketed}:{settings.port}: {error.strerror or error}",
                         hint="another program (perhaps another ecokg serve) uses that port; "
                              "stop it or choose another with --port N") from None
    print(f"ECO-KG serving on http://{bracketed}:{settings.port}/  (SPARQL: /sparql)", flush=True)
    try:
        server.run()
    finally:
        server.close()


def command(args: argparse.Namespace, settings: Settings) -> int:
    from kg.errors import EcoKGError

    if getattr(args, "update_token_on_command_line", None) is not None:
        raise EcoKGError("the update token is not taken from the command line, where `ps` shows it to every user",
                         term="--update-token",
                         hint="set ECOKG_UPDATE_TOKEN in the environment or give --update-token-file FILE")
    if getattr(args, "update_token_file", None) is not None:
        try:
            token = args.update_token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise EcoKGError(f"the update token file cannot be read: {error}", file=args.update_token_file) from None
        settings = settings.with_(update_token=token)
    run_server(settings)
    return 0
