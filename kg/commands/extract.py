"""The `extract` sub-command: its options, and the calls to `kg.extract` and `kg.extract_eval`.

Owns only the command-line surface: where the draft goes (stdout or --output) and how an evaluation is
printed (text or JSON). Drafting is `kg.extract`'s, scoring `kg.extract_eval`'s.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import EXIT_OK, EcoKGError
from ..settings import Settings

HELP = "draft claims from a registered source as Turtle for a curator, or score a draft against curated claims"


def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    parser.description = (
        "Draft the claims of a registered source: paragraphs and sentences, every mention of a known entity "
        "(Web Annotations), a candidate claim for each sentence that mentions one (kind and modality from its "
        "cue words, holder and attribution from the source's defaults), and capitalised names no entity knows. "
        "Every drafted claim carries `eco:curationStatus eco:Draft` on a line of its own: the gate refuses it "
        "until a curator deletes that line. The same source gives the same bytes.")
    parser.add_argument("slug", metavar="SLUG", help="the source: the stem of its text file in seeds/")
    parser.add_argument("--output", type=Path, metavar="FILE",
                        help="write the draft (or the scores) to FILE (default: stdout)")
    parser.add_argument("--evaluate", action="store_true",
                        help="compare the draft with the source's curated claims instead of printing it: mention "
                             "precision and recall, sentence recall of the claims, modality agreement")
    parser.add_argument("--format", choices=["text", "json"], default="text",
                        help="how --evaluate prints its scores (json: nested objects, e.g. mentions.precision "
                             "is {\"mentions\": {\"precision\": …}})")


def command(args: argparse.Namespace, settings: Settings) -> int:
    if args.evaluate:
        from ..extract import write_text
        from ..extract_eval import evaluate, render

        scores = render(evaluate(args.slug, settings), args.format)
        if args.output is None:
            sys.stdout.write(scores)
        else:
            write_text(args.output, scores)
            print(f"wrote {args.output}", file=sys.stderr)
        return EXIT_OK
    if args.format != "text":
        raise EcoKGError(f"--format {args.format} is for the scores of --evaluate; a draft is always Turtle",
                         hint="add --evaluate to score the draft, or leave --format out to get the draft")
    from ..extract import write_draft

    text = write_draft(args.slug, settings, args.output)
    if args.output is None:
        sys.stdout.write(text)
    else:
        print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK
