"""Stage 1, bytes: the file is small enough, UTF-8, and free of control characters.

Owns reading a file's bytes once, the size limit, decoding (reporting the byte offset of the first
undecodable byte) and finding raw control characters (NUL, C0 other than tab/newline/return,
DEL, C1). Escaped control characters inside literals (``\\u0000``) are found after parsing, in
`kg.gate.vocabulary`. It does not parse RDF.
"""
from __future__ import annotations

import re
from pathlib import Path

from .limits import DEFAULT_MAX_BYTES
from .report import Problem

__all__ = ["DEFAULT_MAX_BYTES", "read_checked", "control_name"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")


def control_name(char: str) -> str:
    code = ord(char)
    names = {0: "NUL", 0x7F: "DEL", 0x1B: "ESC", 0x08: "BACKSPACE", 0x0C: "FORM FEED", 0x0B: "VERTICAL TAB"}
    return f"U+{code:04X}" + (f" ({names[code]})" if code in names else "")


def read_checked(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str | None, list[Problem]]:
    """(decoded text, problems). The text is None when a problem makes it unusable."""
    name = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None, [Problem("input", "file-not-found", "no such file", file=name,
                              hint="check the path; give .ttl or .trig files")]
    except OSError as exc:
        return None, [Problem("input", "unreadable-file", f"cannot read file: {exc.strerror}", file=name)]
    if path.is_dir():
        return None, [Problem("input", "not-a-file", "is a directory, not a file", file=name,
                              hint="give the RDF files themselves (a shell glob such as dir/*.ttl works)")]
    if size > max_bytes:
        return None, [Problem("bytes", "file-too-large",
                              f"file is {size:,} bytes, more than the limit of {max_bytes:,} bytes",
                              file=name, value=f"{size} bytes",
                              hint="split the change into smaller files, or raise the limit with --max-bytes")]
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)  # a file that grew since stat() is not read past the limit
    except OSError as exc:
        return None, [Problem("input", "unreadable-file", f"cannot read file: {exc.strerror}", file=name)]
    if len(raw) > max_bytes:
        return None, [Problem("bytes", "file-too-large", f"file is more than the limit of {max_bytes:,} bytes",
                              file=name, hint="split the change into smaller files, or raise the limit with --max-bytes")]
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, [Problem("bytes", "byte-order-mark", "the file starts with a byte order mark (bytes EF BB BF)",
                              file=name, line=1, column=1, value="U+FEFF",
                              hint="save the file as UTF-8 without BOM (the build's parsers read the mark as text)")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = raw[:exc.start]
        line = head.count(b"\n") + 1
        column = len(head[head.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        return None, [Problem("bytes", "not-utf8",
                              f"not UTF-8: byte 0x{raw[exc.start]:02X} at byte offset {exc.start} cannot be decoded",
                              file=name, line=line, column=column, value=f"0x{raw[exc.start]:02X}",
                              hint="save the file as UTF-8 (it looks like Latin-1 or Windows-1252 if the byte "
                                   "is an accented letter)")]
    problems = []
    for match in _CONTROL.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        offset = len(text[:match.start()].encode("utf-8"))
        problems.append(Problem("bytes", "control-character",
                                f"control character {control_name(match.group())} at byte offset {offset}",
                                file=name, line=line, column=column, value=control_name(match.group()),
                                hint="remove it; only tab, newline and carriage return may appear in the text"))
        if len(problems) >= 20:
            break
    return (None if problems else text), problems
