"""The `enrich` sub-command: fetch labels and facts for the linked entities into the Wikidata snapshot.

Owns the options and the summary printed; the query, the snapshot and its provenance are `kg.enrich`'s.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..enrich import LANGUAGES, SNAPSHOT_FILE, enrich
from ..errors import EXIT_OK, LinkError
from ..settings import WIKIDATA_SPARQL, Settings


def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--endpoint", default=WIKIDATA_SPARQL,
                        help=f"SPARQL endpoint to ask (default {WIKIDATA_SPARQL})")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the answer (default 60)")
    parser.add_argument("--output", type=Path, help=f"snapshot file (default seeds/{SNAPSHOT_FILE})")
    parser.epilog = (parser.epilog or "") + (
        "\n\nexits 2 when the endpoint cannot be reached, times out, answers an error or nothing usable.")


def command(args: argparse.Namespace, settings: Settings) -> int:
    if args.timeout <= 0:
        raise LinkError("--timeout must be positive")
    path, snapshot = enrich(settings, args.endpoint, args.timeout, args.output)
    total = len(snapshot.items)
    print(f"wrote {path}: {len(snapshot.graph)} triples for {total} linked items")
    print("  labels: " + ", ".join(f"{lang} {snapshot.labels.get(lang, 0)}" for lang in LANGUAGES))
    print(f"  ISO 3166-1 alpha-3 codes {snapshot.iso_codes}, capitals {snapshot.capitals}, "
          f"ECO members {snapshot.eco_members}")
    if snapshot.items_without_data:
        print("  no data for: " + ", ".join(snapshot.items_without_data))
    if snapshot.skipped:
        print(f"  skipped {len(snapshot.skipped)} values of an unexpected form, e.g. {snapshot.skipped[0]}")
    print("review the snapshot before committing it")
    return EXIT_OK
