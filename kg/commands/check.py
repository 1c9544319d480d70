"""The `check` sub-command: SHACL shapes, evidence offsets and OWL consistency of the built graph.

Owns the option and the summary printed; each check is `kg.checks`'.
"""
from __future__ import annotations

import argparse

from ..build import load_dataset
from ..checks import evidence_check, owl_check, shacl_check
from ..errors import EXIT_OK, EXIT_VIOLATIONS
from ..settings import Settings


def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--no-owl", action="store_true", help="skip the HermiT consistency check (needs Java)")


def command(args: argparse.Namespace, settings: Settings) -> int:
    dataset = load_dataset(settings)
    reports = [shacl_check(dataset, settings), evidence_check(dataset, settings)]
    if not args.no_owl:
        reports.append(owl_check(dataset, settings))
    for report in reports:
        print(report.summary())
    return EXIT_OK if all(r.conforms for r in reports) else EXIT_VIOLATIONS
