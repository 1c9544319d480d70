"""Finding where in a file a node, a property or a value is written, for line numbers in messages.

Owns the `SourceFile` (path, text, prefixes it declares) and a forgiving search for a term in its
prefixed or full form, limited to the statement block of a subject. It does not parse RDF.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Literal, URIRef

from ..terms import short

_NEWLINE = re.compile(r"\r\n|\n|\r")
_PREFIX_DECL = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)


@dataclass
class SourceFile:
    """A file under validation: where it is and what it says, line by line.

    Finding a term searches the whole text once per term (regular expressions over the text, line
    numbers by bisection over the line starts), so locating a bounded number of problems costs time
    linear in the file's size, however many lines or prefixes it has.
    """

    path: Path
    text: str = ""
    prefixes: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    _starts: list[int] | None = field(default=None, repr=False)
    _block_ends: list[int] | None = field(default=None, repr=False)
    _by_namespace: dict[str, list[str]] | None = field(default=None, repr=False)

    @classmethod
    def from_text(cls, path: Path, text: str) -> "SourceFile":
        prefixes = {m.group(1) or "": m.group(2) for m in _PREFIX_DECL.finditer(text)}
        lines = _NEWLINE.split(text)  # the parsers' lines: U+2028 and the like inside a literal start none
        if lines and lines[-1] == "":
            lines.pop()
        return cls(path, text, prefixes, lines)

    @property
    def name(self) -> str:
        return str(self.path)

    # -- positions -----------------------------------------------------------------------------

    def _line_starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in _NEWLINE.finditer(self.text)]
        return self._starts

    def _offset(self, line: int) -> int:
        starts = self._line_starts()
        return starts[line - 1] if line <= len(starts) else len(self.text)

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column), 1-based, of a character offset into the text."""
        starts = self._line_starts()
        index = bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index] + 1

    def _in_comment_line(self, line: int) -> bool:
        return line <= len(self.lines) and self.lines[line - 1].lstrip().startswith("#")

    # -- the written forms of a term -----------------------------------------------------------

    def _namespaces(self) -> dict[str, list[str]]:
        if self._by_namespace is None:
            self._by_namespace = {}
            for prefix, namespace in self.prefixes.items():
                if namespace:
                    self._by_namespace.setdefault(namespace, []).append(prefix)
        return self._by_namespace

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
        namespaces = self._namespaces()
        for cut in range(len(iri), 0, -1):  # every namespace the IRI starts with: one lookup per length
            for prefix in namespaces.get(iri[:cut], ()):
                local = iri[cut:]
                if re.fullmatch(r"[\w.\-]*", local) and not local.endswith("."):
                    forms.append(re.compile(r"(?<![\w:/<-])" + re.escape(f"{prefix}:{local}") + r"(?![\w\-:])"))
        if iri == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
            forms.append(re.compile(r"(?<![\w:])a(?=\s)"))
        return forms

    # -- finding -------------------------------------------------------------------------------

    def find(self, term, start: int = 1, stop: int | None = None) -> tuple[int, int] | None:
        """(line, column), both 1-based, of the first writing of ``term`` at or after line ``start``."""
        forms = self._forms(term)
        if not forms:
            return None
        begin = self._offset(max(start, 1))
        end = len(self.text) if stop is None else self._offset(stop + 1)
        best = None
        for form in forms:
            position = begin
            while True:
                match = form.search(self.text, position, end)
                if match is None:
                    break
                line, column = self.position(match.start())
                if not self._in_comment_line(line):
                    if best is None or match.start() < best[0]:
                        best = (match.start(), line, column)
                    break
                position = self._offset(line + 1)  # the rest of a comment line cannot count
        return (best[1], best[2]) if best else None

    def block_end(self, line: int) -> int:
        """The last line of the statement that starts at ``line`` (Turtle: until a line ending in '.')."""
        if self._block_ends is None:
            ends = [0] * (len(self.lines) + 1)
            last = len(self.lines)
            for number in range(len(self.lines), 0, -1):  # one pass, from the end
                stripped = re.sub(r'"[^"]*"', '""', self.lines[number - 1]).split("#", 1)[0].rstrip()
                if stripped.endswith(".") or stripped.endswith("}"):
                    last = number
                ends[number] = last
            self._block_ends = ends
        if 1 <= line <= len(self.lines):
            return self._block_ends[line]
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
        best = None
        for form in self._forms(node):
            match = re.compile(r"^(?:" + form.pattern + ")", re.MULTILINE).search(self.text)
            if match and (best is None or match.start() < best):
                best = match.start()
        if best is not None:
            return self.position(best)[0], 1
        return self.find(node)

    def column_of(self, line: int, needle: str, after: int = 1) -> int | None:
        """The column of ``needle`` on ``line`` at or after column ``after`` (None when absent)."""
        if not 1 <= line <= len(self.lines):
            return None
        found = self.lines[line - 1].find(needle, max(after - 1, 0))
        return found + 1 if found >= 0 else None


def show(term) -> str | None:
    """A term as a message shows it (prefixed IRI, quoted literal)."""
    if term is None:
        return None
    if isinstance(term, (URIRef, BNode, Literal)):
        if isinstance(term, Literal) and term.language:
            return f'"{term}"@{term.language}'
        return short(term)
    return str(term)
