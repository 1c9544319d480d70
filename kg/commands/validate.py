"""The `validate` and `add` sub-commands: their options, limits and exit codes, and the report they print.

Owns only the command-line surface of the gate: the work is `kg.validate`'s (the stages) and `kg.add`'s
(merging an accepted file into seeds/).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..add import add_file
from ..build import seed_files
from ..errors import EcoKGError
from ..gate.limits import (DEFAULT_MAX_BYTES, DEFAULT_MAX_PREFIXES, DEFAULT_MAX_PROBLEMS, DEFAULT_MEMORY_MB,
                          DEFAULT_STAGE_SECONDS, GateLimits)
from ..gate.report import FORMATS, STAGE_TITLES, render
from ..settings import Settings
from ..validate import validate_files

EPILOG = """stages (each stops the run when it finds a problem):
""" + "".join(f"  {i}. {name:<10} {STAGE_TITLES[name]}\n" for i, name in enumerate(
    ["bytes", "syntax", "vocabulary", "shacl", "evidence", "owl", "graph"], 1)) + f"""
exit codes:
  0  the files pass every stage
  1  violations found (stages vocabulary, shacl, evidence, owl, graph)
  2  unreadable input or usage error (missing file, unknown extension, not UTF-8, control
     characters, over the size limit, syntax errors, wrong serialisation for the extension,
     a context or entity the file would make the gate read, a stage past its time or memory
     limit, a symbolic link leading outside the repository; for add: seeds/ not writable,
     disk full)
  3  internal error (including: HermiT cannot run with --owl hermit, e.g. no Java)

limits (flag, environment variable, default):
  --max-bytes      ECOKG_MAX_FILE_BYTES      {DEFAULT_MAX_BYTES} bytes (5 MiB) per file
  --stage-seconds  ECOKG_GATE_STAGE_SECONDS  {DEFAULT_STAGE_SECONDS:g} s per stage
  --memory-mb      ECOKG_GATE_MEMORY_MB      {DEFAULT_MEMORY_MB} MiB for the gate's process
  --max-prefixes   ECOKG_GATE_MAX_PREFIXES   {DEFAULT_MAX_PREFIXES} prefix declarations per file
  --max-problems   ECOKG_GATE_MAX_PROBLEMS   {DEFAULT_MAX_PROBLEMS} problems listed per stage ("and N more")
  The stages run in a child process that cannot open network connections; nothing a file
  points to (JSON-LD contexts, XML entities or DTDs) is read.

environment:
  ECOKG_NO_OWL=1        same as --no-owl"""


def _limits_from(args: argparse.Namespace, settings: Settings) -> GateLimits:
    """Defaults, then the environment (both in ``settings``), then the flags."""
    limits = GateLimits.from_settings(settings).with_(
        max_bytes=args.max_bytes, stage_seconds=args.stage_seconds, memory_mb=args.memory_mb,
        max_prefixes=args.max_prefixes, max_problems=args.max_problems)
    for name in ("max_bytes", "stage_seconds", "memory_mb", "max_prefixes", "max_problems"):
        if getattr(limits, name) <= 0:
            raise EcoKGError(f"--{name.replace('_', '-')} must be positive", hint="give a positive number")
    return limits


def _report_target(text: str) -> tuple[str, Path]:
    fmt, sep, path = text.partition("=")
    if not sep or fmt not in FORMATS or not path:
        raise argparse.ArgumentTypeError(f"expected FORMAT=PATH with FORMAT one of {', '.join(FORMATS)}")
    return fmt, Path(path)


def configure_parser(parser: argparse.ArgumentParser, name: str) -> None:
    parser.epilog = EPILOG
    if name == "validate":
        parser.description = ("Validate files of new assertions (Turtle .ttl or TriG .trig) against the ontology, "
                              "the shapes, the sources and the graph. With no file, validate the project's own seeds.")
        parser.add_argument("files", nargs="*", type=Path, metavar="FILE",
                            help="RDF files to validate (default: every seed file)")
    else:
        parser.description = ("Validate a file of new assertions and, if it passes, append it to the seed file it "
                              "belongs to (the source its claims quote, else seeds/entities.ttl). A rejected file "
                              "changes nothing.")
        parser.add_argument("file", type=Path, metavar="FILE", help="the RDF file to add")
    parser.add_argument("--format", choices=list(FORMATS), default="text",
                        help="output format on stdout (default: text)")
    parser.add_argument("--report", action="append", type=_report_target, default=[], metavar="FORMAT=PATH",
                        help="also write the report in FORMAT to PATH (repeatable), e.g. sarif=ecokg.sarif")
    parser.add_argument("--owl", choices=["rl", "hermit"], default="rl",
                        help="the OWL consistency stage's reasoner: rl, the OWL 2 RL rules that derive false, on the "
                             "change's neighbourhood (default, fast), or hermit (complete OWL 2 DL, needs Java)")
    parser.add_argument("--no-owl", action="store_true", help="skip the OWL consistency stage")
    parser.add_argument("--max-bytes", type=int, default=None, metavar="N",
                        help=f"largest file accepted, in bytes (default {DEFAULT_MAX_BYTES}, i.e. 5 MiB)")
    parser.add_argument("--stage-seconds", type=float, default=None, metavar="S",
                        help=f"time limit of each stage, in seconds (default {DEFAULT_STAGE_SECONDS:g})")
    parser.add_argument("--memory-mb", type=int, default=None, metavar="MB",
                        help=f"memory the gate may use beyond what it starts with, in MiB (default {DEFAULT_MEMORY_MB})")
    parser.add_argument("--max-prefixes", type=int, default=None, metavar="N",
                        help=f"most prefix declarations in one file (default {DEFAULT_MAX_PREFIXES})")
    parser.add_argument("--max-problems", type=int, default=None, metavar="N",
                        help=f"most problems listed per stage (default {DEFAULT_MAX_PROBLEMS})")


def default_files(settings: Settings) -> list[Path]:
    groups = seed_files(settings)
    if settings.project is not None:  # a project's own files: the packaged ones passed the gate when released
        return [p for name in ("project-entities", "project-background", "project-sources", "project-claims")
                for p in groups[name]]
    files = [p for name in ("entities", "background", "links", "enrichment", "sources") for p in groups[name]]
    files += sorted(settings.seeds_dir.glob("**/*.trig"))
    return files


def command(args: argparse.Namespace, settings: Settings) -> int:
    off = args.no_owl or settings.no_owl
    owl = False if off else args.owl
    limits = _limits_from(args, settings)
    written = None
    if args.command == "add":
        report, written = add_file(args.file, settings, owl=owl, limits=limits)
    else:
        files = list(args.files) or default_files(settings)
        report = validate_files(files, settings, owl=owl, limits=limits)
    sys.stdout.write(render(report, args.format, settings.root))
    for fmt, path in args.report:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(report, fmt, settings.root), encoding="utf-8")
        except OSError as error:
            raise EcoKGError(f"the {fmt} report cannot be written: {error.strerror or error}", file=path,
                             hint="give --report FORMAT=PATH a file in a folder that exists and can be "
                                  "written") from None
    if args.command == "add":
        if written is not None:
            print(f"added {report.triples} triples to {written}", file=sys.stderr)
        elif report.ok:
            print("nothing was added: every triple of the file is already in the graph", file=sys.stderr)
        else:
            print("nothing was added: the file did not pass the gate", file=sys.stderr)
    return report.exit_code
