"""The `ecokg serve` command: its options, and reading the update token; registered with the command line.

Owns the ``serve`` sub-command, which `pyproject.toml` adds to `ecokg` through the ``ecokg.commands``
entry-point group (the library's command line never names this package). Building the app and
serving it are `server.app`'s (`create_app`, `run_server`), imported only when the command runs,
so listing the commands does not import Flask.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from kg.errors import EcoKGError, SettingsError
from kg.settings import Settings

#: the one-line help `ecokg --help` shows for this command
HELP = "build if needed and serve the graph over HTTP (SPARQL endpoint, pages)"


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
    parser.add_argument("--service-max-bytes", type=int, dest="service_max_bytes",
                        help="most bytes one SERVICE answer may have (default 16777216, 16 MiB)")
    parser.add_argument("--service-max-calls", type=int, dest="service_max_calls",
                        help="most SERVICE endpoints one query may call (default 8)")
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
    parser.add_argument("--query-memory-total-mb", type=int, dest="query_memory_total_mb",
                        help="MiB all query workers together may use; each gets at most its share (default 4096)")
    parser.add_argument("--max-query-length", type=int, dest="max_query_length",
                        help="longest query text in characters (default 200000)")
    parser.add_argument("--max-query-depth", type=int, dest="max_query_depth",
                        help="deepest nesting of groups and expressions (default 64)")
    parser.add_argument("--analysis-cache-mb", type=int, dest="analysis_cache_mb",
                        help="MiB the cache of analysed query texts may hold; 0: no cache (default 32)")
    parser.add_argument("--result-cache-mb", type=int, dest="result_cache_mb",
                        help="MiB the cache of query answers may hold; 0: no cache (default 64)")
    parser.add_argument("--cache-max-age", type=int, dest="cache_max_age",
                        help="seconds clients and proxies may reuse an answer before revalidating it (default 60)")
    parser.add_argument("--update-timeout", type=float, dest="update_timeout",
                        help="seconds an update and its validation may take (default 60)")
    parser.add_argument("--max-connections", type=int, dest="max_connections",
                        help="connections held open at once; at the limit the longest-idle one makes room "
                             "(default 4000)")
    parser.add_argument("--max-connections-per-client", type=int, dest="max_connections_per_client",
                        help="connections one client address may hold; then a new one replaces its longest-idle one, "
                             "or gets 503 when all are busy (default 100; 0: no cap, as behind a reverse proxy)")
    parser.add_argument("--header-timeout", type=float, dest="header_timeout",
                        help="seconds a request's headers may take to arrive, from its first byte (default 10; 408)")
    parser.add_argument("--body-timeout", type=float, dest="body_timeout",
                        help="seconds a request's body may take to arrive, after its headers (default 30; 408)")
    parser.add_argument("--idle-timeout", type=float, dest="idle_timeout",
                        help="seconds a connection is kept without a request (default 15; 1 when half the "
                             "connections are in use)")
    parser.add_argument("--public-url", dest="public_url", metavar="URL",
                        help="the address clients reach the service at, named in its VoID/DCAT record, Service "
                             "Description, sitemap and links (default http://HOST:PORT/; never the request's Host)")
    parser.add_argument("--send-timeout", type=float, dest="send_timeout",
                        help="seconds an answer waits for the client to read any of it (default 60)")


#: the serving layer's settings (`server.serving`): their flags override the ``ECOKG_*`` variables
SERVING = ("max_connections", "max_connections_per_client", "header_timeout", "body_timeout", "idle_timeout",
           "send_timeout")


def serving_settings(args: argparse.Namespace, settings: Settings) -> Settings:
    """``settings`` with the serving flags given; a limit that would shut every client out is a SettingsError."""
    given = {name: getattr(args, name) for name in SERVING if getattr(args, name, None) is not None}
    settings = settings.with_(**given)
    for name in SERVING:
        value = getattr(settings, name)
        if value < 0 or (value == 0 and name != "max_connections_per_client"):
            flag = "--" + name.replace("_", "-")
            raise SettingsError(f"{flag} {value:g} would shut every client out", term=flag,
                                hint="give a positive number" + (" (0 turns the cap off)"
                                                                  if name == "max_connections_per_client" else ""))
    return settings


def command(args: argparse.Namespace, settings: Settings) -> int:
    settings = serving_settings(args, settings)
    if getattr(args, "public_url", None) is not None:
        settings = settings.with_(public_url=args.public_url)  # checked by Settings: a bad one is exit 2
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
    from .app import run_server

    run_server(settings)
    return 0
