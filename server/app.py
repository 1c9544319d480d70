"""The Flask application factory and `run_server`.

Owns assembling the app from its blueprints (`server.protocol`: the SPARQL 1.1 endpoint, service
description, dataset description and dumps; `server.update`: the guarded SPARQL Update route, off by
default; `server.pages`: the query page and Linked Data pages),
opening the store once, and the `ecokg serve` command. It calls `kg`; `kg` never calls it.
"""
from __future__ import annotations

import argparse

from flask import Flask

from kg.settings import Settings


def create_app(settings: Settings | None = None, store=None) -> Flask:
    """Build the app. ``store`` (a `kg.store.Store`) is opened from the built dataset when not given."""
    settings = settings or Settings()
    app = Flask(__name__)
    app.config["ECOKG_SETTINGS"] = settings
    if store is None:
        from kg.store import open_store
        store = open_store(settings)
    app.extensions["ecokg_store"] = store
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
    parser.add_argument("--enable-update", action="store_true", help="accept SPARQL Update with a token")
    parser.add_argument("--update-token", dest="update_token", help="bearer token for SPARQL Update")


def run_server(settings: Settings) -> None:
    """Build if needed, open the store and serve until interrupted (the `ecokg serve` command)."""
    from waitress import serve

    app = create_app(settings)
    bracketed = f"[{settings.host}]" if ":" in settings.host else settings.host
    print(f"ECO-KG serving on http://{bracketed}:{settings.port}/  (SPARQL: /sparql)", flush=True)
    # waitress: a production WSGI server (Flask's own is for development); one thread per query worker
    serve(app, host=settings.host, port=settings.port, threads=8, ident="ECO-KG")


def command(args: argparse.Namespace, settings: Settings) -> int:
    run_server(settings)
    return 0
