"""BCP 47 (RFC 5646) language tags: whether one is well-formed, and why not in words a person can act on.

Owns the tag grammar the gate's vocabulary stage (`kg.gate.wellformed`) and a source's registration
(`kg.sources`) both apply; which tags a graph may use is theirs to decide.
"""
from __future__ import annotations

import re

# the primary language is an ISO 639 code (2 or 3 letters): the 4- and 5-8-letter forms RFC 5646's grammar
# allows are reserved and unregistered, so "@english-united-kingdom" is a name written where a code belongs
_LANGUAGE = r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3})"
_LANGTAG = (rf"{_LANGUAGE}(?:-[a-z]{{4}})?(?:-(?:[a-z]{{2}}|\d{{3}}))?(?:-(?:[a-z\d]{{5,8}}|\d[a-z\d]{{3}}))*"
            r"(?:-[0-9a-wy-z](?:-[a-z\d]{2,8})+)*(?:-x(?:-[a-z\d]{1,8})+)?")
_BCP47 = re.compile(rf"^(?:{_LANGTAG}|x(?:-[a-z\d]{{1,8}})+|i-[a-z]{{3,8}}|en-gb-oed|sgn-[a-z]{{2}}-[a-z]{{2,3}})$",
                    re.IGNORECASE)


def well_formed_language_tag(tag: str) -> bool:
    return bool(_BCP47.match(tag))


def language_tag_problem(tag: str) -> str | None:
    """Why ``tag`` is not a usable BCP 47 language tag (None when it is)."""
    if well_formed_language_tag(tag):
        return None
    primary = tag.split("-", 1)[0]
    if primary.isalpha() and len(primary) > 3 and primary.lower() not in ("x", "i"):
        return (f"language tag @{tag} is not well-formed: its language {primary!r} is not a 2- or 3-letter "
                "ISO 639 code")
    return f"language tag @{tag} is not well-formed (BCP 47)"


__all__ = ["language_tag_problem", "well_formed_language_tag"]
