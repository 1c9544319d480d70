"""Finding where in a file a node, a property or a value is written, for line numbers in messages.

Owns the `SourceFile` (path, text, prefixes it declares) and a forgiving search for a term in its
prefixed or full form, limited to the statement block of a subject. It does not parse RDF.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Literal, URIRef

from ..reasoner import short

_PREFIX_DECL = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)


@dataclass
class SourceFile:
    """A file under validation: where it is and what it says, line by line."""

    path: Path
    text: str = ""
    prefixes: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    @classmethod
    def from_text(cls, path: Path, text: str) -> "SourceFile":
        prefixes = {m.group(1) or "": m.group(2) for m in _PREFIX_DECL.finditer(text)}
        return cls(path, text, prefixes, text.splitlines())

    @property
    def name(self) -> str:
        return str(self.path)

    def _forms(self, term) -> list[re.Pattern]:
        if isinstance(term, Literal):
            lexical = str(term)
            probe = lexical.splitlines()[0][:40] if lexical else ""
            if not probe:
                return []
            escaped = probe.replace("\\", "\\\\").replace('"', '\\"')
            return [re.compile(re.escape(escaped))]
        if isinstance(term, BNode):
            return []
        iri = str(term)
        forms = [re.compile(re.escape(f"<{iri}>"))]
        for prefix, namespace in self.prefixes.items():
            if namespace and iri.startswith(namespace):
                local = iri[len(namespace):]
                if re.fullmatch(r"[\w.\-]*", local) and not local.endswith("."):
                    forms.append(re.compile(r"(?<![\w:/<-])" + re.escape(f"{prefix}:{local}") + r"(?![\w\-:])"))
        if iri == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
            forms.append(re.compile(r"(?<![\w:])a(?=\s)"))
        return forms

    def find(self, term, start: int = 1, stop: int | None = None) -> tuple[int, int] | None:
        """(line, column), both 1-based, of the first writing of ``term`` at or after line ``start``."""
        forms = self._forms(term)
        if not forms:
            return None
        end = len(self.lines) if stop is None else min(stop, len(self.lines))
        for number in range(max(start, 1), end + 1):
            line = self.lines[number - 1]
            if line.lstrip().startswith("#"):
                continue
            for form in forms:
                match = form.search(line)
                if match:
                    return number, match.start() + 1
        return None

    def block_end(self, line: int) -> int:
        """The last line of the statement that starts at ``line`` (Turtle: until a line ending in '.')."""
        for number in range(line, len(self.lines) + 1):
            stripped = re.sub(r'"[^"]*"', '""', self.lines[number - 1]).split("#", 1)[0].rstrip()
            if stripped.endswith(".") or stripped.endswith("}"):
                return number
        return len(self.lines)

    def locate(self, node=None, prop=None, value=None) -> tuple[int | None, int | None]:
        """Best (line, column) for a problem about ``node`` / ``prop`` / ``value``."""
        where = None
        start, stop = 1, None
        if node is not None:
            where = self._subject_line(node)
            if where:
                start, stop = where[0], self.block_end(where[0])
        for term in (prop, value):
            if term is None:
                continue
            found = self.find(term, start, stop)
            if found:
                where = found
                start = found[0]
        if where is None and value is not None:
            where = self.find(value)
        return (where[0], where[1]) if where else (None, None)

    def _subject_line(self, node) -> tuple[int, int] | None:
        """Prefer a line where the node is written first (as a subject)."""
        forms = self._forms(node)
        for number, line in enumerate(self.lines, 1):
            for form in forms:
                match = form.match(line)
                if match:
                    return number, 1
        return self.find(node)


def show(term) -> str | None:
    """A term as a message shows it (prefixed IRI, quoted literal)."""
    if term is None:
        return None
    if isinstance(term, (URIRef, BNode, Literal)):
        if isinstance(term, Literal) and term.language:
            return f'"{term}"@{term.language}'
        return short(term)
    return str(term)
