"""Reading a file under review without dereferencing anything it points to, or expanding anything it defines.

Owns the checks made on the text before any RDF parser sees it — JSON-LD contexts that would be
fetched (remote, `file:`, relative; `@import`; contexts nested anywhere, in arrays or in term
definitions), XML document type declarations with entities or external identifiers, more prefix
declarations than the limit — and `no_dereferencing`, which makes rdflib's JSON-LD context loader,
its URL opener and its RDF/XML reader refuse instead of fetching or expanding, should a case slip
past the checks. It does not parse RDF (`kg.gate.syntax`).
"""
from __future__ import annotations

import contextlib
import json
import re
import threading
from xml.sax.expatreader import ExpatParser

from .report import Problem

STAGE = "syntax"


class Refused(Exception):
    """A parser asked for something the gate never does (fetch a context, expand an entity)."""


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# ------------------------------------------------------------------------------------------------
# JSON-LD
# ------------------------------------------------------------------------------------------------

def _context_references(document) -> list[tuple[str, str]]:
    """(key, reference) for every context the document would load from elsewhere, found anywhere in it."""
    found = []
    stack = [document]
    while stack:  # iterative: a deeply nested document must not exhaust the stack
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in ("@context", "@import"):
                    values = value if isinstance(value, list) else [value]
                    found.extend((key, v) for v in values if isinstance(v, str))
                    stack.extend(v for v in values if isinstance(v, (dict, list)))
                elif isinstance(value, (dict, list)):
                    stack.append(value)
    return found


def _context_terms(document) -> int:
    """How many terms the document's contexts define (each becomes a prefix binding in rdflib)."""
    count = 0
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@context":
                    for context in value if isinstance(value, list) else [value]:
                        if isinstance(context, dict):
                            count += sum(1 for term in context if not term.startswith("@"))
                if isinstance(value, (dict, list)):
                    stack.append(value)
    return count


def jsonld_problems(text: str, name: str, max_prefixes: int) -> list[Problem]:
    """Problems that stop a JSON-LD text from being parsed: not JSON, or contexts from elsewhere."""
    try:
        document = json.loads(text)
    except RecursionError:
        return [Problem(STAGE, "too-deeply-nested", "the JSON is nested too deeply to read", file=name,
                        hint="flatten the document; JSON-LD for the graph needs only a few levels")]
    except ValueError as exc:
        line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        return [Problem(STAGE, "syntax-error", f"syntax error: not JSON: {getattr(exc, 'msg', exc)}", file=name,
                        line=line, column=column, hint="fix the JSON at that place")]
    problems = []
    seen = set()
    for key, reference in _context_references(document):
        if reference in seen:
            continue
        seen.add(reference)
        at = text.find(json.dumps(reference))
        line, column = _position(text, at) if at >= 0 else (None, None)
        what = "@import of" if key == "@import" else "context"
        problems.append(Problem(
            STAGE, "remote-context", f"the JSON-LD {what} {reference!r} would be read from elsewhere; "
            "the gate reads nothing but the file itself", file=name, line=line, column=column, value=reference,
            hint="write the context inline, as a JSON object under \"@context\" (or give the file as Turtle)"))
    terms = _context_terms(document)
    if not problems and terms > max_prefixes:
        problems.append(_too_many_prefixes(name, terms, max_prefixes, "context terms"))
    return problems


# ------------------------------------------------------------------------------------------------
# RDF/XML
# ------------------------------------------------------------------------------------------------

_DOCTYPE = re.compile(r"<!DOCTYPE\b", re.IGNORECASE)
_ENTITY = re.compile(r"<!ENTITY\b", re.IGNORECASE)
_EXTERNAL_ID = re.compile(r"<!DOCTYPE\s+[^\s>\[]+\s+(?:SYSTEM|PUBLIC)\b", re.IGNORECASE)


def xml_problems(text: str, name: str, max_prefixes: int) -> list[Problem]:
    """Problems that stop an RDF/XML text from being parsed: entity declarations, external DTDs."""
    problems = []
    entity = _ENTITY.search(text)
    if entity:
        line, column = _position(text, entity.start())
        problems.append(Problem(
            STAGE, "xml-entity", "the file declares an XML entity (<!ENTITY …>); the gate expands no entities",
            file=name, line=line, column=column, value=text[entity.start():entity.start() + 40].split("\n")[0],
            hint="remove the DOCTYPE and write every IRI and value out in full (or give the file as Turtle)"))
    external = _EXTERNAL_ID.search(text)
    if external:
        line, column = _position(text, external.start())
        problems.append(Problem(
            STAGE, "xml-external-dtd", "the file's DOCTYPE names an external DTD; the gate reads nothing but the "
            "file itself", file=name, line=line, column=column,
            value=text[external.start():text.find(">", external.start()) + 1][:200].split("\n")[0],
            hint="remove the DOCTYPE declaration"))
    declarations = len(re.findall(r"\bxmlns(?::[\w.-]+)?\s*=", text))
    if not problems and declarations > max_prefixes:
        problems.append(_too_many_prefixes(name, declarations, max_prefixes, "xmlns declarations"))
    return problems


# ------------------------------------------------------------------------------------------------
# Turtle family
# ------------------------------------------------------------------------------------------------

_TURTLE_PREFIX = re.compile(r"@prefix\b|(?<![\w:@-])PREFIX\b", re.IGNORECASE)


def turtle_problems(text: str, name: str, max_prefixes: int) -> list[Problem]:
    declarations = sum(1 for _ in _TURTLE_PREFIX.finditer(text))
    if declarations > max_prefixes:
        return [_too_many_prefixes(name, declarations, max_prefixes, "prefix declarations")]
    return []


def _too_many_prefixes(name: str, found: int, limit: int, what: str) -> Problem:
    return Problem(STAGE, "too-many-prefixes", f"the file has {found:,} {what}, more than the limit of {limit:,}",
                   file=name, value=str(found),
                   hint="declare only the prefixes the file uses, or raise the limit with --max-prefixes "
                        "(ECOKG_GATE_MAX_PREFIXES)")


#: rdflib parser name -> the check its input gets before parsing
CHECKS = {"json-ld": jsonld_problems, "xml": xml_problems, "turtle": turtle_problems, "trig": turtle_problems,
          "nt": lambda text, name, limit: [], "nquads": lambda text, name, limit: []}


def looks_like_json(text: str) -> bool:
    """Whether ``text`` is a JSON object or array (a JSON-LD document), decided without any RDF parser."""
    head = text.lstrip()[:1]
    if head not in ("{", "["):
        return False
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


# ------------------------------------------------------------------------------------------------
# Parser guards
# ------------------------------------------------------------------------------------------------

class _RefusingExpatParser(ExpatParser):
    """The SAX reader rdflib's RDF/XML parser uses, refusing DTD entities and anything external."""

    def reset(self):
        super().reset()
        parser = self._parser

        def entity(name, *_args):
            raise Refused(f"XML entity {name!r}: the gate expands no entities")

        def external(*_args):
            raise Refused("an external XML resource: the gate reads nothing but the file itself")

        parser.EntityDeclHandler = entity
        parser.UnparsedEntityDeclHandler = entity
        parser.ExternalEntityRefHandler = external


def _refuse_context(source, *_args, **_kwargs):
    raise Refused(f"JSON-LD context {str(source)!r}: the gate reads nothing but the file itself")


def _refuse_url(request, *_args, **_kwargs):
    url = getattr(request, "full_url", request)
    raise Refused(f"{url!r}: the gate reads nothing but the file itself")


_GUARD = threading.RLock()


@contextlib.contextmanager
def no_dereferencing():
    """While it is active, rdflib fetches no JSON-LD context, opens no URL and expands no XML entity.

    It swaps module attributes of rdflib, so it holds a lock: two gate runs in threads do not undo
    each other's guard.
    """
    from rdflib import parser as rdflib_parser
    from rdflib.plugins.parsers import rdfxml
    from rdflib.plugins.shared.jsonld import context as jsonld_context

    with _GUARD:
        saved = (jsonld_context.source_to_json, rdflib_parser._urlopen, rdfxml.make_parser)
        jsonld_context.source_to_json = _refuse_context
        rdflib_parser._urlopen = _refuse_url
        rdfxml.make_parser = lambda *a, **k: _RefusingExpatParser()
        try:
            yield
        finally:
            jsonld_context.source_to_json, rdflib_parser._urlopen, rdfxml.make_parser = saved
