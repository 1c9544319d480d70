"""The `journal` sub-command: list the accepted updates, seal the checked ones, fold them into seeds/.

Owns the options and what each action prints; reading and verifying the journal is `kg.journal`'s, sealing
and folding `kg.journal_fold`'s.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .. import journal
from ..errors import EXIT_OK, EXIT_VIOLATIONS
from ..journal import JournalError
from ..journal_fold import fold, seal
from ..settings import Settings


def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("action", choices=["list", "fold", "seal"],
                        help="list: the accepted updates not yet in seeds/; fold: write their additions into the seed "
                             "files of their graphs; seal: vouch for entries a person has checked (after `list`)")
    parser.add_argument("--journal", type=Path, metavar="PATH",
                        help=f"the journal to read (default: the setting update_journal, else build/{journal.JOURNAL_NAME})")
    parser.add_argument("--no-owl", action="store_true", help="fold without the gate's OWL stage")
    parser.add_argument("--quads", action="store_true", help="list: also each quad added (+) and removed (-)")


def command(args: argparse.Namespace, settings: Settings) -> int:
    path = args.journal if getattr(args, "journal", None) is not None else journal.journal_path(settings)
    if path is None:
        raise JournalError("the journal is turned off (setting update_journal is empty)", term="update_journal",
                           hint="name the journal with --journal PATH")
    if args.action == "list":
        entries = journal.read(path, verify=False)
        for entry in entries:
            print(f"{entry.number}\t{entry.accepted}\t+{len(entry.added)} -{len(entry.removed)}\t"
                  + " ".join(entry.update.split())[:100])
            if getattr(args, "quads", False):  # what replay would apply, which the update text may not show
                for sign, quads in (("-", entry.removed), ("+", entry.added)):
                    for s, p, o, g in quads:
                        print(f"\t{sign} {s.n3()} {p.n3()} {o.n3()} {g.n3() if g is not None else ''}".rstrip())
        print(f"{len(entries)} accepted update(s) in {path}")
        try:
            journal.read(path)
        except JournalError as error:
            print(f"NOT verified: {error}")
            return EXIT_VIOLATIONS
        return EXIT_OK
    if args.action == "seal":
        set_aside, sealed = seal(path)
        for aside in set_aside:
            print(f"set aside a line cut short by a crash (never acknowledged) in {aside}")
        print(f"{sealed} journal entr{'y' if sealed == 1 else 'ies'} sealed in {path}")
        return EXIT_OK
    written, notes = fold(path, settings, owl=not args.no_owl)
    for note in notes:
        print(note)
    print(f"{written} triple(s) folded into seeds/")
    return EXIT_VIOLATIONS if any(" by hand" in n or "rejects" in n or "not folded" in n for n in notes) else EXIT_OK
