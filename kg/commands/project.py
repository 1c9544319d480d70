"""The `init` and `source` sub-commands: a researcher's project and its sources, on the command line.

Owns only their arguments and what they print; the work is `kg.project`'s (the project file, `ecokg init`) and
`kg.sources`' (registering and listing sources).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import EXIT_OK
from ..settings import Settings


def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    if name == "init":
        parser.add_argument("directory", type=Path, help="the project folder (created when missing)")
        parser.add_argument("--namespace", required=True, metavar="IRI",
                            help="the namespace the project mints its IRIs in, e.g. https://example.org/my-kg/")
        parser.add_argument("--title", default="", help="the project's title (default: the folder's name)")
        parser.add_argument("--licence", "--license", dest="licence", default="CC-BY-4.0",
                            help="the licence of the project's own assertions (default: CC-BY-4.0)")
        for role, default in (("sources", "sources"), ("claims", "claims"), ("entities", "entities"),
                              ("background", "background")):
            parser.add_argument(f"--{role}", metavar="FOLDER", default=default,
                                help=f"the folder of the project's {role} (default: {default})")
        return
    actions = parser.add_subparsers(dest="source_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="register a text: copied byte for byte, with its sha256 and a record")
    add.add_argument("file", type=Path, help="the text (UTF-8); its stem becomes the source's slug")
    add.add_argument("--title", required=True, help="the title as the source gives it")
    add.add_argument("--holder", help="label or IRI of the known entity whose positions the text states by default")
    add.add_argument("--speaker", metavar="LABEL", help="the person the words are attributed to (minted in the "
                                                        "project's namespace)")
    add.add_argument("--date", metavar="YYYY-MM-DD", help="the date of the text")
    add.add_argument("--publisher", metavar="TEXT", help="who published it")
    add.add_argument("--licence", "--license", dest="licence", metavar="SPDX-or-IRI",
                     help="the text's own licence (leave out when unknown: all rights reserved is recorded)")
    add.add_argument("--language", metavar="TAG", help="BCP 47 language tag of the text (default: und)")
    actions.add_parser("list", help="list the registered sources, packaged and the project's")


def command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "init":
        from ..project import init_project

        layout = {role: getattr(args, role) for role in ("sources", "claims", "entities", "background")}
        for path in init_project(args.directory, args.namespace, title=args.title, licence=args.licence,
                                 layout=layout):
            print(f"wrote {path}")
        print(f"project ready in {args.directory}: run `ecokg source add FILE --title TEXT` inside it")
        return EXIT_OK
    from ..sources import add_source, registry

    if args.source_action == "add":
        source = add_source(settings, args.file, title=args.title, holder=args.holder, speaker=args.speaker,
                            date=args.date, publisher=args.publisher, licence=args.licence, language=args.language)
        print(f"registered {source.slug}: {source.iri}")
        print(f"  text   {source.text}")
        print(f"  record {source.record}")
        print(f"  graph  {source.graph}")
        if source.holder:
            print(f"  holder {source.holder}")
        return EXIT_OK
    for source in registry(settings).values():
        where = "packaged" if source.packaged else "project"
        print(f"{source.slug:<40} {where:<9} {source.iri}")
    return EXIT_OK
