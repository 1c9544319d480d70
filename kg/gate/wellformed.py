"""Whether a term is well-formed on its own: IRIs, language tags, XSD literals, invisible characters.

Owns the term-by-term tests of the vocabulary stage, each saying why a term is not usable (or None):
`iri_problem` (absolute http(s), a host, no spaces or invisible characters), `lexical_problem` (XSD forms
and ranges), and Wikidata's entity IRIs; `language_tag_problem` (BCP 47) is `kg.langtags`', used here too.
It knows nothing of the ontology.
"""
from __future__ import annotations

import datetime as _dt
import re
from urllib.parse import urlsplit

from rdflib import Literal
from rdflib.namespace import XSD

from ..langtags import language_tag_problem, well_formed_language_tag
from ..namespaces import BASE
from .syntax import SENTINEL_BASE

# ------------------------------------------------------------------------------------------------
# Invisible characters
# ------------------------------------------------------------------------------------------------
#: Unicode's format characters (category Cf) and the Hangul fillers, as a character class: they render
#: as nothing, so a label with one looks like another but differs
INVISIBLE = re.compile("[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u180e"
                       "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
                       "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
                       "\U000e0001\U000e0020-\U000e007f]")


def invisible_characters(text: str, *, allowed=frozenset()) -> list[str]:
    """The invisible format characters in ``text`` (U+200B ZERO WIDTH SPACE, U+FEFF, bidi controls …)."""
    return [c for c in INVISIBLE.findall(text) if c not in allowed]


def describe_character(char: str) -> str:
    import unicodedata

    return f"U+{ord(char):04X} ({unicodedata.name(char, 'unnamed character')})"


# ------------------------------------------------------------------------------------------------
# XSD lexical forms
# ------------------------------------------------------------------------------------------------
_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?"
XSD_LEXICAL = {
    "integer": r"[+-]?\d+", "int": r"[+-]?\d+", "long": r"[+-]?\d+", "short": r"[+-]?\d+", "byte": r"[+-]?\d+",
    "nonNegativeInteger": r"\+?\d+|-0+", "positiveInteger": r"\+?0*[1-9]\d*",
    "negativeInteger": r"-0*[1-9]\d*", "nonPositiveInteger": r"-\d+|\+?0+",
    "unsignedLong": r"\+?\d+", "unsignedInt": r"\+?\d+", "unsignedShort": r"\+?\d+", "unsignedByte": r"\+?\d+",
    "decimal": r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)",
    "double": r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|INF)|NaN",
    "float": r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|INF)|NaN",
    "boolean": r"true|false|1|0",
    "date": rf"-?\d{{4,}}-\d{{2}}-\d{{2}}{_TZ}",
    "dateTime": rf"-?\d{{4,}}-\d{{2}}-\d{{2}}T(?:[01]\d|2[0-4]):[0-5]\d:[0-5]\d(?:\.\d+)?{_TZ}",
    "dateTimeStamp": r"-?\d{4,}-\d{2}-\d{2}T(?:[01]\d|2[0-4]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})",
    "time": rf"(?:[01]\d|2[0-4]):[0-5]\d:[0-5]\d(?:\.\d+)?{_TZ}",
    "gYear": rf"-?(?:[1-9]\d{{4,}}|\d{{4}}){_TZ}",
    "gYearMonth": rf"-?\d{{4,}}-(?:0[1-9]|1[0-2]){_TZ}",
    "gMonth": rf"--(?:0[1-9]|1[0-2]){_TZ}",
    "gDay": rf"---(?:0[1-9]|[12]\d|3[01]){_TZ}",
    "gMonthDay": rf"--(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]){_TZ}",
    "duration": r"-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?",
    "anyURI": r"[^\s]*",
    "hexBinary": r"(?:[0-9a-fA-F]{2})*",
    "base64Binary": r"[A-Za-z0-9+/=\s]*",
}
_RANGES = {"int": (-2**31, 2**31 - 1), "long": (-2**63, 2**63 - 1), "short": (-2**15, 2**15 - 1),
           "byte": (-128, 127), "unsignedLong": (0, 2**64 - 1), "unsignedInt": (0, 2**32 - 1),
           "unsignedShort": (0, 65535), "unsignedByte": (0, 255)}
XSD_EXAMPLES = {"gYear": '"2024"^^xsd:gYear', "date": '"2024-05-01"^^xsd:date', "integer": '"42"^^xsd:integer',
                "nonNegativeInteger": '"0"^^xsd:nonNegativeInteger', "boolean": '"true"^^xsd:boolean',
                "dateTime": '"2024-05-01T12:00:00Z"^^xsd:dateTime', "decimal": '"3.14"^^xsd:decimal',
                "gYearMonth": '"2024-05"^^xsd:gYearMonth'}


_LEXICAL_RE = {name: re.compile(pattern) for name, pattern in XSD_LEXICAL.items()}
_XSD = str(XSD)


def lexical_problem(literal: Literal) -> str | None:
    """Why ``literal`` is not a valid value of its XSD datatype (None when it is, or is not XSD)."""
    datatype = literal.datatype
    if datatype is None or not datatype.startswith(_XSD):
        return "not a value of its datatype" if getattr(literal, "ill_typed", False) else None
    name = datatype[len(_XSD):]
    found = xsd_lexical_problem(name, str(literal))
    # rdflib's own reading decides only where the gate knows no lexical rule: it rejects valid forms
    # Python cannot represent (a negative xsd:gYear)
    if found is None and name not in _LEXICAL_RE and getattr(literal, "ill_typed", False):
        return f"not a valid xsd:{name}"
    return found


def xsd_lexical_problem(name: str, text: str) -> str | None:
    """Why ``text`` is not a valid lexical form of the XSD datatype ``name`` (None when it is, or unknown)."""
    if name == "language":
        return None if well_formed_language_tag(text) else "not a well-formed language tag"
    pattern = _LEXICAL_RE.get(name)
    if pattern is not None:
        stripped = text if name in ("string", "anyURI") else text.strip()
        if not pattern.fullmatch(stripped):
            return f"not a valid xsd:{name}"
        if name in _RANGES:
            low, high = _RANGES[name]
            if not low <= int(stripped) <= high:
                return f"out of range for xsd:{name}"
        if name in ("date", "dateTime", "dateTimeStamp") and re.match(r"\d{4}-", stripped):
            try:
                _dt.date(int(stripped[0:4]), int(stripped[5:7]), int(stripped[8:10]))
            except ValueError:
                return f"not a real calendar date for xsd:{name}"
    return None


# ------------------------------------------------------------------------------------------------
# IRIs
# ------------------------------------------------------------------------------------------------
BAD_IRI_CHARS = re.compile(r'[\s<>"{}|\\^`\x00-\x1f\x7f]')


def iri_problem(iri: str) -> tuple[str, str, str] | None:
    """(rule, message, hint) when ``iri`` may not appear in the graph."""
    if iri.startswith(SENTINEL_BASE):
        written = iri[len(SENTINEL_BASE):]
        return ("relative-iri", f"relative IRI <{written}>: it would resolve against wherever the file happens to be",
                f"write the full IRI, e.g. <{BASE}id/{written.lstrip('#/')}> or use a prefix such as ecoid:")
    match = BAD_IRI_CHARS.search(iri)
    if match:
        char = match.group()
        what = "a space" if char == " " else f"the character {char!r} {describe_character(char)}"
        return ("iri-malformed", f"IRI contains {what} at character {match.start() + 1}: <{iri}>",
                "IRIs may not contain spaces, control characters or any of < > \" { } | \\ ^ `; "
                "use - or _ or percent-encode it (a space is %20, | is %7C)")
    hidden = invisible_characters(iri)
    if hidden:
        return ("iri-malformed", f"IRI contains the invisible character {describe_character(hidden[0])} at character "
                f"{iri.index(hidden[0]) + 1}: <{iri}>", "remove it: an IRI with it looks like another but is not")
    scheme = iri.split(":", 1)[0].lower() if ":" in iri else ""
    if scheme not in ("http", "https"):
        return ("iri-scheme", f"IRI scheme {scheme + ':' if scheme else '(none)'} is not allowed: <{iri}>",
                "only http: and https: IRIs may be used (no file:, javascript:, urn:, mailto:)")
    parts = urlsplit(iri)
    if not parts.netloc or not re.fullmatch(r"[A-Za-z0-9.\-:@\[\]_~%!$&'()*+,;=]+", parts.netloc):
        return ("iri-malformed", f"IRI has no valid host: <{iri}>", "write http(s)://host/path")
    if re.search(r"%(?![0-9A-Fa-f]{2})", iri):
        return ("iri-malformed", f"IRI has a malformed percent-escape: <{iri}>", "a % must be followed by two hex digits")
    return None


# ------------------------------------------------------------------------------------------------
# Wikidata IRIs
# ------------------------------------------------------------------------------------------------
#: an item as links must name it
WIKIDATA_ENTITY = re.compile(r"^http://www\.wikidata\.org/entity/Q[1-9][0-9]*$")


def wikidata_suggestion(iri: str) -> str | None:
    """The entity IRI of the item another Wikidata address names (a wiki page, an https form), if any."""
    match = re.search(r"(?:entity/|wiki/|Special:EntityPage/|^)(Q[1-9]\d*)\b", iri)
    return f"http://www.wikidata.org/entity/{match.group(1)}" if match else None


__all__ = ["BAD_IRI_CHARS", "INVISIBLE", "WIKIDATA_ENTITY", "XSD_EXAMPLES", "XSD_LEXICAL", "describe_character",
           "invisible_characters", "iri_problem", "language_tag_problem", "lexical_problem", "well_formed_language_tag",
           "wikidata_suggestion", "xsd_lexical_problem"]
