"""The `ecokg link` command: its options, and which function each mode calls.

Owns parsing and printing only; the work is `gap_report`, `reconcile`, `accept` and `write_linkset`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import EXIT_OK, EXIT_VIOLATIONS, LinkError
from ..link.acceptance import accept
from ..link.gaps import format_rows, gap_report
from ..link.linkset import linkset_is_current, linkset_path, write_linkset
from ..link.reconciliation import reconcile, write_review
from ..link.tables import load_mapping
from ..link.wikidata import WIKIDATA_API, WikidataClient
from ..settings import Settings
from ..terms import short


def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--report", action="store_true",
                      help="list the entities without a Wikidata link, with type, label and reason (default)")
    mode.add_argument("--reconcile", action="store_true",
                      help="ask Wikidata for candidates for unlinked entities and write a review file (network)")
    mode.add_argument("--accept", metavar="FILE", type=Path,
                      help="turn the rows of a reviewed file marked 'accept' into links")
    mode.add_argument("--write", action="store_true",
                      help="regenerate seeds/links/wikidata.ttl from mapping.tsv and wikidata-links.tsv")
    mode.add_argument("--check", action="store_true",
                      help="exit 1 when seeds/links/wikidata.ttl is not what the tables generate")
    parser.add_argument("--format", choices=["table", "csv", "json"], default="table",
                        help="output of --report (default table)")
    parser.add_argument("--endpoint", default=WIKIDATA_API,
                        help=f"Wikidata API for --reconcile (default {WIKIDATA_API})")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per request (default 20)")
    parser.add_argument("--entity", action="append", metavar="NAME",
                        help="reconcile only this entity (local name, ecoid:Name or IRI); repeatable")
    parser.add_argument("--limit", type=int, default=5, help="candidates per entity (default 5)")
    parser.add_argument("--language", default="en", help="search language (default en)")
    parser.add_argument("--output", type=Path, help="review file of --reconcile (default build/wikidata-review.tsv)")
    parser.add_argument("--reviewer", help="name recorded with links made by --accept")
    parser.epilog = (parser.epilog or "") + (
        "\n\n--reconcile exits 2 when Wikidata cannot be reached, times out or answers an error;"
        "\n--accept exits 2 for a malformed review file, 1 when the validation gate rejects the links;"
        "\n--check exits 1 when the linkset is out of date.")


def command(args: argparse.Namespace, settings: Settings) -> int:
    if args.write:
        path = write_linkset(settings)
        print(f"wrote {path} ({len(load_mapping(settings))} links)")
        return EXIT_OK
    if args.check:
        if linkset_is_current(settings):
            print(f"{linkset_path(settings)} is up to date ({len(load_mapping(settings))} links)")
            return EXIT_OK
        print(f"{linkset_path(settings)} is out of date: run `ecokg link --write`", file=sys.stderr)
        return EXIT_VIOLATIONS
    if args.reconcile:
        if args.timeout <= 0 or args.limit <= 0:
            raise LinkError("--timeout and --limit must be positive")
        client = WikidataClient(args.endpoint, args.timeout)
        candidates, without = reconcile(settings, client, args.entity, args.limit, args.language)
        output = args.output or settings.build_dir / "wikidata-review.tsv"
        write_review(candidates, without, output, args.endpoint)
        entities = len({c.entity for c in candidates})
        print(f"wrote {output}: {len(candidates)} candidates for {entities} entities; "
              f"{len(without)} entities without candidates")
        for entity in without:
            print(f"  no candidates: {short(entity.iri)} ({entity.label})")
        print(f"next: mark the right rows 'accept', then run: ecokg link --accept {output}")
        return EXIT_OK
    if args.accept:
        added = accept(settings, args.accept, args.reviewer)
        if not added:
            print(f"no new links: no row of {args.accept} is marked accept (or all are linked already)")
            return EXIT_OK
        for record in added:
            print(f"linked {short(record.entity)} owl:sameAs wd:{record.wikidata_id}")
        print(f"wrote {linkset_path(settings)} ({len(load_mapping(settings))} links)")
        return EXIT_OK
    rows = gap_report(settings)
    sys.stdout.write(format_rows(rows, ["entity", "type", "label", "status", "reason"], args.format))
    if args.format == "table":
        linked = len(load_mapping(settings))
        print(f"({len(rows)} entities without a Wikidata link; {linked} linked)")
    return EXIT_OK
