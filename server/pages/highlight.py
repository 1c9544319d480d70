"""Marking spans of a paragraph in HTML: well formed however the spans overlap, text always escaped.

Owns `Highlight` (a span at code-point offsets and the tags that wrap it) and `mark_up`. Pure: it
knows nothing of the store or of which spans are evidence (`server.pages.evidence` decides that).
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Highlight:
    """A span of a source text (absolute code-point offsets, end exclusive) and how to wrap it.

    ``layer`` orders nesting (lower is outer); ``after`` is written once after the span's end.
    """

    start: int
    end: int
    open: str
    close: str
    layer: int = 0
    after: str = ""


def mark_up(text: str, offset: int, highlights: list[Highlight]) -> Markup:
    """``text`` (which starts at ``offset`` in its source) as HTML with every highlight wrapped.

    Overlapping spans are nested properly: where an inner span outlives its outer one, it is
    closed and reopened, so the HTML is always well formed.
    """
    spans = [h for h in highlights if h.end > offset and h.start < offset + len(text) and h.end > h.start]
    cuts = {0, len(text)}
    for h in spans:
        cuts.add(max(0, h.start - offset))
        cuts.add(min(len(text), h.end - offset))
    bounds = sorted(cuts)
    out: list[str] = []
    stack: list[int] = []
    order = sorted(range(len(spans)), key=lambda i: (spans[i].layer, spans[i].start, -spans[i].end, i))
    for lo, hi in zip(bounds, bounds[1:]):
        active = [i for i in order if spans[i].start - offset <= lo and hi <= spans[i].end - offset]
        keep = 0
        while keep < len(stack) and keep < len(active) and stack[keep] == active[keep]:
            keep += 1
        for i in reversed(stack[keep:]):
            out.append(spans[i].close)
            if spans[i].end - offset <= lo:
                out.append(spans[i].after)
        out.extend(spans[i].open for i in active[keep:])
        stack = active
        out.append(str(escape(text[lo:hi])))
    for i in reversed(stack):
        out.append(spans[i].close + spans[i].after)
    return Markup("".join(out))
