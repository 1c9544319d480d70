"""Reading RDF files strictly, with errors a person can act on; stable names for blank nodes.

Owns choosing the parser from the file extension, turning parser exceptions into `SeedParseError`
with file, line and column, the prefix bindings every written file carries, and skolemising a graph's
blank nodes into IRIs that are the same on every build. It does not decide what a file means; see `kg.build`.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from collections import defaultdict
from pathlib import Path

from rdflib import BNode, Graph, URIRef

from .errors import SeedParseError
from .namespaces import GENID, PREFIXES

#: rounds of colour refinement: blank nodes that differ within this many steps of each other get different IRIs
SKOLEM_ROUNDS = 4

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


def skolemise(graph: Graph, name: str) -> int:
    """Replace every blank node of ``graph`` by an IRI under ``<base>.well-known/genid/``; how many were replaced.

    A reload gives blank nodes new labels, so a removal journalled under the old ones would miss them after a
    restart. The IRI is a digest of ``name`` (the graph) and of what the graph says around the node (its
    statements both ways, other blank nodes by their own digests, refined a few rounds), not of a label or a
    position: the same content gets the same IRIs on every build, and unrelated edits rename nothing.
    """
    outgoing: dict = defaultdict(list)
    incoming: dict = defaultdict(list)
    for s, p, o in graph:
        if isinstance(s, BNode):
            outgoing[s].append((p, o))
        if isinstance(o, BNode):
            incoming[o].append((s, p))
    nodes = set(outgoing) | set(incoming)
    if not nodes:
        return 0
    colour = {node: "" for node in nodes}
    for _round in range(SKOLEM_ROUNDS):
        def shown(term, previous=colour):
            return "_:" + previous[term] if isinstance(term, BNode) else term.n3()

        colour = {node: hashlib.sha256("\n".join(
            [name, *sorted(f"> {p.n3()} {shown(o)}" for p, o in outgoing[node]),
             *sorted(f"< {shown(s)} {p.n3()}" for s, p in incoming[node])]).encode("utf-8")).hexdigest()
            for node in nodes}
    named: dict = {}
    seen: dict[str, int] = defaultdict(int)
    for node in sorted(nodes, key=lambda n: colour[n]):
        # nodes still alike after refinement are interchangeable: which gets which suffix changes nothing
        seen[colour[node]] += 1
        suffix = "" if seen[colour[node]] == 1 else f"-{seen[colour[node]]}"
        named[node] = URIRef(GENID[colour[node][:32] + suffix])
    changed = [(s, p, o) for s, p, o in graph if isinstance(s, BNode) or isinstance(o, BNode)]
    for s, p, o in changed:
        graph.remove((s, p, o))
        graph.add((named.get(s, s), p, named.get(o, o)))
    return len(nodes)


def skolemise_quads(quads: list[tuple]) -> list[tuple]:
    """``quads`` with each blank node replaced by a fresh IRI under ``<base>.well-known/genid/`` (one per label).

    For what an update adds: the store and the journal then hold the same name, which a later update can
    delete by, before and after a restart (a store reloading or re-inserting a blank node relabels it).
    """
    named: dict = {}

    def name(term):
        if not isinstance(term, BNode):
            return term
        if term not in named:
            named[term] = URIRef(GENID["u" + uuid.uuid4().hex])
        return named[term]

    return [(name(s), p, name(o), g) for s, p, o, g in quads]
