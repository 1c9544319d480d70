"""Reading SPARQL text as tokens, and decoding its \\u escapes, each in time linear in the text.

Owns `tokenize` (the significant tokens, enough to find keywords safely), `scan` (whitespace and comments
too), `unescape_codepoints` (SPARQL's one decoding pass) and `decode_fully` (until no escape is left).
No step reads a run of characters that an earlier failed step has already read to its end, so no text
costs more than a bounded number of reads per character. What the tokens mean is `kg.stores.query_text`'s.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Iterator

from .interface import QuerySyntaxError, QueryTimeout

_LOCAL = r"(?:[\w.:%\-]|\\[_~.\-!$&'()*+,;=/?\#@%])*"
# one step of the scan: every alternative consumes what it reads, or fails at its first character, except
# two: a quote (strings are read by `_string`, which remembers where an unclosed one ran out) and "<", an
# IRI, whose failed reads stop at the next "<" and so never overlap. A name (letters, digits, ".", "-")
# is read once to its end: a prefixed name when a colon follows, else split into words and single
# characters, as a prefixed-name pattern tried at each of its letters would have found, one read each.
_STEP = re.compile(rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<quote>["'])
  | (?P<iri><[^<>"{{}}|^`\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<name>[^\W\d][\w.\-]*(?::{_LOCAL})?)
  | (?P<pname>:{_LOCAL})
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
_PIECE = re.compile(r"(?P<word>[^\W\d]\w*)|(?P<other>.)", re.DOTALL)
_LONG_STRING = {q: re.compile(q * 3 + rf"(?:[^{q}\\]|\\.|{q}(?!{q}{q}))*" + q * 3, re.DOTALL) for q in "\"'"}
_SHORT_BODY = {q: re.compile(rf"(?:[^{q}\\\n\r]|\\.)*", re.DOTALL) for q in "\"'"}
#: steps between two looks at the clock when a deadline is given
_CLOCK_EVERY = 1024


@dataclass(slots=True)  # not frozen: a frozen dataclass costs several times as much to make, per token
class Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def scan(text: str, deadline: float | None = None) -> Iterator[tuple[str, int, int]]:
    """(kind, start, end) of every token of ``text``, whitespace ("ws") and comments included.

    Kinds: ws, comment, string, iri, var, pname, word, other (one character). Raises `QueryTimeout`
    when ``deadline`` (a `time.monotonic` value) passes first.
    """
    length = len(text)
    # a long string opened after this position never closes (its read ran to the end of the text)
    long_unclosed = {'"': length, "'": length}
    # a short string opened before this position runs into the end of its line (its read stopped there)
    short_unclosed = {'"': -1, "'": -1}
    step = _STEP.match
    position = steps = 0
    while position < length:
        steps += 1
        if deadline is not None and steps % _CLOCK_EVERY == 0 and time.monotonic() > deadline:
            raise QueryTimeout("the query did not finish within its time limit: reading its text took longer",
                               hint="shorten the query, or raise query_timeout")
        match = step(text, position)
        kind, end = match.lastgroup, match.end()
        if kind == "quote":
            kind, end = _string(text, position, long_unclosed, short_unclosed)
        elif kind == "name" and text.find(":", position, end) < 0:
            for piece in _PIECE.finditer(text, position, end):
                yield piece.lastgroup, piece.start(), piece.end()
            position = end
            continue
        elif kind == "name":
            kind = "pname"
        yield kind, position, end
        position = end


def _string(text: str, start: int, long_unclosed: dict, short_unclosed: dict) -> tuple[str, int]:
    """("string", end) for the string opened at ``start``, or ("other", start + 1) when it never closes.

    A failed read is remembered: any later string of the same quote opened inside what it read fails the
    same way (it starts on a quote the failed read saw escaped, and reads the same characters after it).
    """
    quote = text[start]
    if start < long_unclosed[quote] and text.startswith(quote * 3, start):
        found = _LONG_STRING[quote].match(text, start)
        if found:
            return "string", found.end()
        long_unclosed[quote] = start
    if start >= short_unclosed[quote]:
        stop = _SHORT_BODY[quote].match(text, start + 1).end()
        if stop < len(text) and text[stop] == quote:
            return "string", stop + 1
        short_unclosed[quote] = stop
    return "other", start + 1


def tokenize(text: str, deadline: float | None = None) -> list[Token]:
    """The query's significant tokens (no whitespace or comments): enough to find keywords safely."""
    return [Token(kind, text[start:end], start, end) for kind, start, end in scan(text, deadline)
            if kind != "ws" and kind != "comment"]


# --------------------------------------------------------------------------------------- escapes

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_HEX = frozenset("0123456789abcdefABCDEF")


def unescape_codepoints(text: str) -> str:
    """Apply SPARQL's \\u and \\U escapes, which the grammar processes before parsing (SPARQL 1.1 §19.2)."""
    if "\\u" not in text and "\\U" not in text:
        return text

    def decode(match: re.Match) -> str:
        return _character(int(match.group(1) or match.group(2), 16), match.group(), text, match.start())

    return _CODEPOINT.sub(decode, text)


def decode_fully(text: str) -> str:
    """``text`` with \\u and \\U escapes decoded until none is left, as `unescape_codepoints` applied again
    and again would leave it, in one pass: an escape that decoding reveals is decoded as soon as its last
    character is written, so escapes nested a thousand deep cost no thousand passes."""
    if "\\u" not in text and "\\U" not in text:
        return text
    out: list[str] = []
    position, length = 0, len(text)
    while position < length:
        if "\\" not in out[-9:]:  # nothing written can still become an escape: copy up to the next backslash
            following = text.find("\\", position)
            if following < 0:
                out.extend(text[position:])
                break
            out.extend(text[position:following])
            position = following
        out.append(text[position])
        _decode_tail(out, text, position)
        position += 1
    return "".join(out)


def _decode_tail(out: list[str], text: str, position: int) -> None:
    """Decode the escape that ends ``out``, and the one its character completes, and so on."""
    while True:
        if len(out) >= 6 and out[-6] == "\\" and out[-5] == "u" and all(c in _HEX for c in out[-4:]):
            size = 6
        elif len(out) >= 10 and out[-10] == "\\" and out[-9] == "U" and all(c in _HEX for c in out[-8:]):
            size = 10
        else:
            return
        escape = "".join(out[-size:])
        del out[-size:]
        out.append(_character(int(escape[2:], 16), escape, text, position))


def _character(code: int, escape: str, text: str, offset: int) -> str:
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise QuerySyntaxError(f"the escape {escape} names no Unicode character", term=escape,
                               **where(text, offset))
    return chr(code)


def where(text: str, offset: int) -> dict:
    """The line and column (1-based) of ``offset`` in ``text``, as error keyword arguments."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return {"line": line, "column": column}
