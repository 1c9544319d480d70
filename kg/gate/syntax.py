"""Stage 2, syntax: strict parsing in the serialisation the file's extension names.

Owns parsing a file against a sentinel base IRI (so that relative IRIs stay detectable instead of
being resolved against the file's location), recognising a file written in another serialisation
than its extension says (TriG in a .ttl, Turtle in a .nt, RDF/XML or JSON-LD under a Turtle name;
JSON is recognised without an RDF parser, so recognising it fetches nothing). Every parse runs after
the checks of `kg.gate.untrusted` and under its `no_dereferencing` guard. Parser errors become
problems with line and column through `kg.rdfio.parse_error`. It does not judge what the triples say.
"""
from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re

import rdflib
from rdflib import BNode, Dataset, Graph, Literal, URIRef

from ..rdfio import FORMAT_BY_SUFFIX, parse_error
from ..terms import rdflib_term
from .limits import DEFAULT_MAX_PREFIXES
from .locate import SourceFile
from .report import Problem
from .untrusted import CHECKS, Refused, looks_like_json, no_dereferencing

#: relative IRIs resolve against this; anything starting with it was relative in the file
SENTINEL_BASE = "http://relative-iri.ecokg.invalid/"

QUAD_FORMATS = {"trig", "nquads"}
_PARSES = itertools.count()

EXTENSION_FOR = {"turtle": ".ttl", "trig": ".trig", "nt": ".nt", "nquads": ".nq", "json-ld": ".jsonld", "xml": ".rdf"}


@contextlib.contextmanager
def _lexical_forms_as_written():
    """rdflib rewrites literals it can read ("2024-05-01 12:00"^^xsd:dateTime becomes valid); the gate
    must see what the file says, so normalisation is off while it parses."""
    previous = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    term_log = logging.getLogger("rdflib.term")
    level = term_log.level
    term_log.setLevel(logging.ERROR)  # "does not look like a valid URI": the vocabulary stage says it better
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = previous
        term_log.setLevel(level)


def _parse(text: str, fmt: str) -> Graph:
    """All triples of ``text`` (named graphs merged), with the file's prefix bindings."""
    with _lexical_forms_as_written(), no_dereferencing():
        return _parse_as_written(text, fmt)


#: the serialisations pyoxigraph reads; a file it rejects is parsed again by rdflib, whose messages the
#: gate reports (pyoxigraph is strict where rdflib is lenient, e.g. spaces in IRIs, which the vocabulary
#: stage explains better)
_OXIGRAPH_FORMATS = {"turtle": "TURTLE", "trig": "TRIG", "nt": "N_TRIPLES", "nquads": "N_QUADS"}


def _parse_with_oxigraph(text: str, fmt: str) -> Graph | None:
    """All triples of ``text`` read by pyoxigraph (tens of times faster than rdflib on large files), or None
    when pyoxigraph rejects it."""
    try:
        import pyoxigraph as ox
    except ImportError:  # pragma: no cover - a dependency
        return None
    try:
        quads = ox.parse(text.encode("utf-8"), format=getattr(ox.RdfFormat, _OXIGRAPH_FORMATS[fmt]),
                         base_iri=SENTINEL_BASE)
        graph = Graph()
        iris: dict = {}
        scope = f"p{os.getpid()}x{next(_PARSES)}"  # blank nodes of two files never meet

        def term(node):
            return rdflib_term(node, iris=iris, blank_prefix=scope)

        add = graph.add
        for quad in quads:
            add((term(quad.subject), term(quad.predicate), term(quad.object)))
        return graph
    except SyntaxError:
        return None


def _parse_as_written(text: str, fmt: str) -> Graph:
    if fmt in _OXIGRAPH_FORMATS:
        graph = _parse_with_oxigraph(text, fmt)
        if graph is not None:
            return graph
    if fmt in QUAD_FORMATS:
        dataset = Dataset()
        dataset.parse(data=text, format=fmt, publicID=SENTINEL_BASE)
        graph = Graph()
        for prefix, namespace in dataset.namespaces():
            graph.bind(prefix, namespace, override=True)
        for s, p, o, _g in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
        return graph
    graph = Graph()
    graph.parse(data=text, format=fmt, publicID=SENTINEL_BASE)
    return graph


def _looks_like(text: str, declared: str) -> str | None:
    """The serialisation ``text`` is really in, when it is not ``declared`` (None when unsure)."""
    head = text.lstrip()[:200]
    if declared != "xml" and (head.startswith("<?xml") or head.startswith("<rdf:RDF")):
        return "xml"
    if declared != "json-ld" and looks_like_json(text):
        return "json-ld"
    candidates = {"turtle": ["trig"], "nt": ["turtle", "trig"], "nquads": ["trig"], "trig": [],
                  "xml": ["turtle", "trig"], "json-ld": ["turtle", "trig"]}.get(declared, [])
    for other in candidates:
        try:
            _parse(text, other)
            return other
        except Exception:
            continue
    return None


def parse_checked(source: SourceFile, max_prefixes: int = DEFAULT_MAX_PREFIXES) -> tuple[Graph | None, list[Problem]]:
    """(graph, problems). The graph is None when the file does not parse or may not be parsed."""
    name = source.name
    fmt = FORMAT_BY_SUFFIX.get(source.path.suffix.lower())
    if fmt is None:
        return None, [Problem("input", "unknown-extension", f"unknown RDF file extension {source.path.suffix!r}",
                              file=name, value=source.path.suffix,
                              hint="name the file .ttl (Turtle) or .trig (TriG); .nt, .nq, .jsonld and .rdf are also read")]
    refusals = CHECKS[fmt](source.text, name, max_prefixes)
    if not refusals:  # what the content really is decides too: a .ttl may hold JSON-LD or RDF/XML
        head = source.text.lstrip()[:200]
        if fmt != "json-ld" and looks_like_json(source.text):
            refusals = CHECKS["json-ld"](source.text, name, max_prefixes)
        elif fmt != "xml" and (head.startswith("<?xml") or head.startswith("<rdf:RDF") or "<!DOCTYPE" in head):
            refusals = CHECKS["xml"](source.text, name, max_prefixes)
    if refusals:
        return None, refusals
    try:
        graph = _parse(source.text, fmt)
    except MemoryError:
        raise  # a limit, not a syntax error: the stage runner reports it
    except Refused as exc:
        return None, [Problem("syntax", "refused", f"refused: {exc}", file=name,
                              hint="write everything the file needs into the file itself (inline contexts, no "
                                   "entities)")]
    except Exception as exc:  # parsers raise many types; all mean "bad input" here
        error = parse_error(name, exc, source.text)
        really = _looks_like(source.text, fmt)
        if really is not None:
            named = {"trig": "TriG (it has named graphs in { … })", "turtle": "Turtle (it uses prefixes or abbreviations)",
                     "xml": "RDF/XML", "json-ld": "JSON-LD"}.get(really, really)
            return None, [Problem("syntax", "wrong-serialization",
                                  f"the file is {named}, but its extension {source.path.suffix} means {fmt}",
                                  file=name, line=error.line, column=error.column, value=source.path.suffix,
                                  hint=f"rename it to {source.path.stem}{EXTENSION_FOR.get(really, '')} "
                                       f"or rewrite it as {fmt}")]
        message = error.message
        hint = error.hint
        if "prefix" in message.lower() and ("not bound" in message.lower() or "undeclared" in message.lower()
                                            or "Prefix" in str(exc)):
            match = re.search(r'Prefix "?([\w-]*):?"? not bound', str(exc))
            prefix = match.group(1) if match else None
            message = f"syntax error: undeclared prefix {prefix + ':' if prefix is not None else ''}".rstrip()
            hint = (f"declare it at the top: @prefix {prefix}: <…> ." if prefix is not None
                    else "declare every prefix with @prefix before using it")
        return None, [Problem("syntax", "syntax-error", message, file=name, line=error.line,
                              column=error.column, hint=hint)]
    for prefix, namespace in source.prefixes.items():
        graph.bind(prefix, namespace, override=True)
    return graph, []
