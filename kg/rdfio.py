"""Reading RDF files strictly, with errors a person can act on.

Owns choosing the parser from the file extension, turning parser exceptions into `SeedParseError`
with file, line and column, and the prefix bindings every written file carries. It does not decide
what a file means; see `kg.build`.
"""
from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph

from .errors import SeedParseError
from .namespaces import PREFIXES

#: file extension -> rdflib parser name
FORMAT_BY_SUFFIX = {
    ".ttl": "turtle",
    ".trig": "trig",
    ".nt": "nt",
    ".nq": "nquads",
    ".jsonld": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
}


def bind_prefixes(graph: Graph) -> Graph:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def format_for(path: Path) -> str:
    fmt = FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise SeedParseError(f"unknown RDF file extension {path.suffix!r}", file=path,
                             hint="use one of " + ", ".join(sorted(FORMAT_BY_SUFFIX)))
    return fmt


def parse_error(path: Path | str, exc: Exception, text: str | None = None) -> SeedParseError:
    """Turn whatever a parser raised into a `SeedParseError` with a line (and column when known)."""
    message = str(exc)
    line = column = None
    lines_attr = getattr(exc, "lines", None)
    if isinstance(lines_attr, int):
        line = lines_attr + 1
    match = re.search(r"at line (\d+)", message)
    if match:
        line = int(match.group(1))
    position = getattr(exc, "_i", None)
    argstr = getattr(exc, "_str", None)
    if isinstance(argstr, bytes):
        # rdflib keeps the text as UTF-8 bytes but the position as a character index
        argstr = argstr.decode("utf-8", "replace")
    if isinstance(position, int) and isinstance(argstr, str) and 0 <= position <= len(argstr):
        line = argstr.count("\n", 0, position) + 1
        column = position - (argstr.rfind("\n", 0, position) + 1) + 1
    why = getattr(exc, "_why", None) or message.splitlines()[0] if message else type(exc).__name__
    why = re.sub(r"^at line \d+ of <[^>]*>:\s*", "", str(why)).strip()
    return SeedParseError(f"syntax error: {why}", file=path, line=line, column=column,
                          hint="fix the syntax at that line; every prefix must be declared with @prefix")


def parse_file(path: Path, graph: Graph | None = None) -> Graph:
    """Parse one Turtle/N-Triples/RDF file into ``graph`` (a new one by default)."""
    graph = Graph() if graph is None else graph
    fmt = format_for(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SeedParseError(f"not UTF-8: undecodable byte at offset {exc.start}", file=path,
                             hint="save the file as UTF-8") from None
    except OSError as exc:
        raise SeedParseError(f"cannot read file: {exc.strerror}", file=path) from None
    try:
        graph.parse(data=text, format=fmt, publicID=path.resolve().as_uri())
    except Exception as exc:  # parsers raise many types; all mean "bad input" here
        raise parse_error(path, exc, text) from None
    return graph
