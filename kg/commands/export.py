"""The `export` sub-command: every claim as a nanopublication, written to a file or standard output.

Owns the options, where the file goes and what is printed; the nanopublications are `kg.export`'s, the
signing key `kg.trusty`'s.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import trusty
from ..build import load_dataset
from ..errors import EXIT_OK, EcoKGError
from ..export import claim_nanopublications, combined_trig, with_accepted_updates, write_nanopublications
from ..metadata import NANOPUBS_FILE, dump_path
from ..settings import Settings


def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--nanopub", action="store_true", required=True,
                        help="one nanopublication per claim (assertion, provenance, publication info), as TriG")
    parser.add_argument("--output", "-o", type=Path,
                        help=f"file to write (default: build/{NANOPUBS_FILE}; '-' for standard output)")
    parser.add_argument("--sign", type=Path, metavar="KEY",
                        help="sign each nanopublication with this RSA private key (PEM, without a passphrase)")


def command(args: argparse.Namespace, settings: Settings) -> int:
    key = trusty.load_private_key(args.sign) if args.sign is not None else None  # a bad key stops before any work
    dataset = with_accepted_updates(load_dataset(settings), settings)
    if str(args.output) == "-":
        sys.stdout.write(combined_trig(claim_nanopublications(dataset, key, settings.project)))
        return EXIT_OK
    output = args.output or dump_path(settings, NANOPUBS_FILE)
    try:
        count = write_nanopublications(dataset, output, key, settings.project)
    except OSError as error:
        raise EcoKGError(f"cannot write the nanopublications: {error.strerror or error}", file=output) from None
    print(f"wrote {count} {'signed ' if key is not None else ''}nanopublications to {output}")
    return EXIT_OK
