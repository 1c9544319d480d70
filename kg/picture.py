"""The picture of the graph as data: the band of each thing, where it is drawn, where words fit.

Owns the layout: places and corridors, actors, and cooperation domains in three bands, rows ordered to cut
crossings, long names wrapped (never cut), relations routed and their words put where they overlap
nothing (else left to the hover title). Pure: no store, no Flask, no SVG (the `graph.svg` template).
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: kinds of things: key -> (legend text, band, section of the band)
KINDS = {
    "corridor": ("corridor or link", 0, 0),
    "region": ("region", 0, 1), "sea": ("sea", 0, 1), "port": ("port or economic zone", 0, 1),
    "state": ("state", 1, 0), "organisation": ("organisation", 1, 0), "group": ("group of states", 1, 0),
    "person": ("person", 1, 0),
    "domain": ("cooperation domain", 2, 0),
}
BAND_TITLES = ["Corridors and places", "Actors", "Cooperation domains"]
SECTION_TITLES = {(0, 0): "corridors and links", (0, 1): "places"}
#: how a relation is drawn: key -> legend text; claim styles first, in the order the legend lists them
STYLES = {
    "proposal": "proposes", "stance": "takes a stance on", "assessment": "assesses",
    "reported": "speaks of", "factual": "states", "claim": "says about", "mixed": "several kinds of claim",
    "geography": "located in, connects, passes through", "membership": "member of", "fact": "other stated relation",
}
CLAIM_STYLES = ["proposal", "stance", "assessment", "reported", "factual", "claim", "mixed"]
QUIET = {"membership", "geography"}  # relations whose line style the legend names: words only in the title

NAME_SIZE, NAME_LINE = 12.5, 15.0  # px: names of things
WORD_SIZE = 10.5  # px: the words on a relation
MARGIN, ROW, PILL_PAD = 16.0, 22.0, 10.0
WRAP = [210.0, 190.0, 270.0]  # widest line of a name, per band
GAPS = [280.0, 310.0]  # room for relations between bands 0|1 and 1|2
INDENT = 16.0  # per level of a domain below its top concept

#: advance widths of DejaVu Sans (the fallback of system-ui on Debian) in hundredths of an em; a bold
#: name is about 12% wider. Unknown characters count as 0.72 em, wider than most.
_ADVANCE = {27: "'", 28: "ijl", 29: "IJ", 32: " ,.·‘’", 34: ":;/|\\", 35: "f", 36: "-", 39: "()[]t", 40: "!",
            41: "r", 46: '"', 50: "*_`–", 52: "sz“”", 53: "?", 55: "c", 56: "L", 58: "kF", 59: "vxy", 60: "P",
            61: "aoTY", 62: "eé", 63: "bdghnpquES", 64: "0123456789${}", 66: "K", 68: "AV", 69: "BRXZ", 70: "C",
            73: "U", 75: "HN", 77: "DG", 78: "&", 79: "OQ", 82: "w", 84: "#+<=>^~×→", 86: "M", 95: "%", 97: "m",
            99: "W", 100: "@—…"}
_WIDTH = {ch: units for units, chars in _ADVANCE.items() for ch in chars}


def text_width(text: str, size: float, bold: bool = False) -> float:
    """How wide ``text`` is drawn at ``size`` px (a slight overestimate, so that boxes never touch)."""
    return sum(_WIDTH.get(ch, 72) for ch in text) / 100 * size * (1.12 if bold else 1.0) + 1


def wrap(text: str, width: float, size: float = NAME_SIZE, bold: bool = False) -> list[str]:
    """``text`` in lines no wider than ``width`` where it has spaces; words are never cut."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [text]


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return (self.left < other.right and other.left < self.right
                and self.top < other.bottom and other.top < self.bottom)

    def grown(self, by: float) -> Box:
        return Box(self.left - by, self.top - by, self.right + by, self.bottom + by)


@dataclass
class Node:
    """A thing in the picture; ``parent`` is a broader thing of the same band (a domain's broader domain)."""

    key: str
    label: str
    kind: str
    title: str = ""
    href: str = ""
    parent: str | None = None
    # filled in by `lay_out`
    band: int = 0
    depth: int = 0
    degree: int = 0
    x: float = 0.0  # the dot's centre; for an actor, the pill's left edge
    y: float = 0.0  # vertical centre
    radius: float = 0.0
    lines: list[str] = field(default_factory=list)
    label_x: float = 0.0
    baseline: float = 0.0  # of the first line
    anchor: str = "start"
    strong: bool = False
    pill: Box | None = None
    box: Box | None = None  # all that is drawn for it


@dataclass
class Label:
    x: float
    baseline: float
    anchor: str
    box: Box


@dataclass
class Edge:
    """A relation from ``source`` to ``target`` (node keys); ``words`` say it, as (text, style) parts."""

    source: str
    target: str
    style: str
    group: str
    words: list[tuple[str, str]] = field(default_factory=list)
    title: str = ""
    weight: int = 1
    # filled in by `lay_out`
    path: str = ""
    width: float = 1.2
    label: Label | None = None


@dataclass(frozen=True)
class Text:
    """A heading, a caption or a legend entry; ``swatch`` is "dot" (a kind) or "line" (a style) or ""."""

    text: str
    x: float
    baseline: float
    anchor: str = "start"
    css: str = ""
    swatch: str = ""
    key: str = ""


@dataclass
class Picture:
    width: float
    height: float
    nodes: list[Node]
    edges: list[Edge]
    headings: list[Text]
    legend: list[Text]
    unlabelled: int  # relations whose words only their hover title carries


def lay_out(nodes: list[Node], edges: list[Edge]) -> Picture:
    """Place ``nodes`` and route ``edges`` (both changed in place) and return the whole picture."""
    by_key = {node.key: node for node in nodes}
    edges = [e for e in edges if e.source in by_key and e.target in by_key and e.source != e.target]
    for node in nodes:
        node.band, node.degree = KINDS[node.kind][1], 0
    for edge in edges:
        by_key[edge.source].degree += 1
        by_key[edge.target].degree += 1
        edge.width = 1.2 + min(2.8, 0.55 * (edge.weight - 1))
    sections = _order(nodes, edges, by_key)
    for node in nodes:
        node.strong = node.degree >= 10 or (node.kind == "domain" and node.depth == 0)
        node.lines = wrap(node.label, WRAP[node.band], bold=node.strong)
        node.radius = 4.5 + min(5.5, 1.1 * node.degree ** 0.5)
    widths = {n.key: max(text_width(line, NAME_SIZE, n.strong) for line in n.lines) for n in nodes}
    x0 = MARGIN + max([widths[n.key] for n in nodes if n.band == 0] + [text_width(BAND_TITLES[0], 12, True)]) + 18
    x1 = x0 + GAPS[0]
    pill_width = max([widths[n.key] + 2 * PILL_PAD for n in nodes if n.band == 1] + [120.0])
    x2 = x1 + pill_width + GAPS[1]
    width = max([x2 + n.depth * INDENT + 16 + widths[n.key] for n in nodes if n.band == 2] + [x2 + 180]) + MARGIN
    legend, legend_bottom = _legend(nodes, edges, width)
    band_top = legend_bottom + 30
    headings = [Text(BAND_TITLES[0], x0 + 10, band_top, "end", "band-title"),
                Text(BAND_TITLES[1], x1 + pill_width / 2, band_top, "middle", "band-title"),
                Text(BAND_TITLES[2], x2 - 10, band_top, "start", "band-title")]
    top = band_top + 22
    heights = [list(_rows(band, sections[band], 0.0))[-1][1] for band in range(3)]
    tallest = max(heights)
    for band in range(3):
        for row, y in _rows(band, sections[band], top + (tallest - heights[band]) / 2):
            if isinstance(row, Node):
                row.y = y
                _place_node(row, x0, x1, x2, pill_width, widths[row.key])
            elif row:
                headings.append(Text(row, x0 + 10, y, "end", "section-title"))
    boxes = [node.box for node in nodes] + [_text_box(h) for h in headings]
    for edge in edges:
        _route(edge, by_key[edge.source], by_key[edge.target])
    unlabelled = _place_labels(edges, by_key, boxes, width)
    return Picture(width, top + tallest + MARGIN, nodes, edges, headings, legend, unlabelled)


def _order(nodes, edges, by_key) -> list[list[list[Node]]]:
    """Rows of each band by section: domains in tree order, the rest by where their neighbours are."""
    children: dict[str | None, list[Node]] = {}
    for node in nodes:
        parent = node.parent if node.parent in by_key and by_key[node.parent].band == node.band else None
        children.setdefault(parent, []).append(node)
    tree: list[Node] = []

    def visit(node: Node, depth: int, seen: frozenset) -> None:
        node.depth = depth
        tree.append(node)
        for child in sorted(children.get(node.key, []), key=lambda n: n.label.lower()):
            if child.key not in seen:
                visit(child, depth + 1, seen | {child.key})

    for root in sorted((n for n in children.get(None, []) if n.band == 2), key=lambda n: n.label.lower()):
        visit(root, 0, frozenset({root.key}))
    placed = {n.key for n in tree}
    tree += sorted((n for n in nodes if n.band == 2 and n.key not in placed), key=lambda n: n.label.lower())  # cycles
    kind_order = list(KINDS)
    sections = [[[], []], [[]], [tree]]
    for node in sorted(nodes, key=lambda n: (kind_order.index(n.kind), n.label.lower())):
        if node.band != 2:
            sections[node.band][KINDS[node.kind][2]].append(node)
    neighbours: dict[str, list[str]] = {n.key: [] for n in nodes}
    for edge in edges:
        if by_key[edge.source].band != by_key[edge.target].band:
            neighbours[edge.source].append(edge.target)
            neighbours[edge.target].append(edge.source)
    def centre(node: Node, rank: dict[str, float]) -> float:
        found = [rank[k] for k in neighbours[node.key]]
        return round(sum(found) / len(found), 6) if found else rank[node.key]

    for _sweep in range(4):  # barycentre sweeps; the domains keep their tree order
        for band in (1, 0, 1):
            rank = {n.key: i / max(1, len(rows) - 1) for rows in ([n for s in b for n in s] for b in sections)
                    for i, n in enumerate(rows)}
            for section in sections[band]:
                section.sort(key=lambda n: (kind_order.index(n.kind) if band == 1 else 0, centre(n, rank),
                                            n.label.lower()))
    return sections


def _row_height(node: Node) -> float:
    if node.band == 1:
        return len(node.lines) * NAME_LINE + 2 * 5 + 8
    return max(ROW, len(node.lines) * NAME_LINE + 7)


def _rows(band: int, sections: list[list[Node]], y: float):
    """Down one band from ``y``: (node, its centre) and (caption, its baseline); last (None, the end)."""
    captions = band == 0 and sum(1 for s in sections if s) > 1
    for number, section in enumerate(sections):
        if section and captions:
            y += 6 if number else 0
            yield SECTION_TITLES[(0, number)], y + 12
            y += 20
        for i, node in enumerate(section):
            y += 10 if band == 1 and i and section[i - 1].kind != node.kind else 0
            yield node, y + _row_height(node) / 2
            y += _row_height(node)
    yield None, y


def _place_node(node: Node, x0: float, x1: float, x2: float, pill_width: float, label_width: float) -> None:
    text_height = len(node.lines) * NAME_LINE
    node.baseline = node.y - text_height / 2 + NAME_LINE * 0.74
    if node.band == 1:
        node.x = x1
        node.pill = Box(x1, node.y - text_height / 2 - 5, x1 + pill_width, node.y + text_height / 2 + 5)
        node.label_x, node.anchor = x1 + pill_width / 2, "middle"
        node.box = node.pill
        return
    r = node.radius
    if node.band == 0:
        node.x = x0
        node.label_x, node.anchor = x0 - r - 6, "end"
        left, right = node.label_x - label_width, x0 + r
    else:
        node.x = x2 + node.depth * INDENT
        node.label_x, node.anchor = node.x + r + 6, "start"
        left, right = node.x - r, node.label_x + label_width
    half = max(r, text_height / 2)
    node.box = Box(left, node.y - half, right, node.y + half)


def _attach(node: Node, towards_right: bool) -> tuple[float, float]:
    """Where a relation meets ``node``: the side of its dot or pill that faces the other end."""
    if node.pill is not None:
        return (node.pill.right if towards_right else node.pill.left), node.y
    return node.x + (node.radius + 1.5) * (1 if towards_right else -1), node.y


LANE = 0.55  # of the gap between two bands: the straight end of a relation, where its words go


def _route(edge: Edge, a: Node, b: Node) -> None:
    """A curve between bands that ends in a straight lane at the dot's row (where its words go), or an
    arc beside the band for a relation within one band."""
    if a.band == b.band:
        right = a.band == 0  # arcs bulge into the gap next to the band
        (sx, sy), (tx, ty) = _attach(a, right), _attach(b, right)
        cx = (max(sx, tx) if right else min(sx, tx)) + _bulge(sy, ty) * (1 if right else -1)
        edge.path = f"M{sx:.1f},{sy:.1f} C{cx:.1f},{sy:.1f} {cx:.1f},{ty:.1f} {tx:.1f},{ty:.1f}"
        return
    rightwards = b.x > a.x
    (sx, sy), (tx, ty) = _attach(a, rightwards), _attach(b, not rightwards)
    step = 1 if rightwards else -1
    lane = LANE * abs(tx - sx)
    if b.band != 1:  # the lane runs into the target
        mx = tx - step * lane
        half = abs(mx - sx) / 2
        edge.path = (f"M{sx:.1f},{sy:.1f} C{sx + step * half:.1f},{sy:.1f} {mx - step * half:.1f},{ty:.1f} "
                     f"{mx:.1f},{ty:.1f} L{tx:.1f},{ty:.1f}")
    else:  # out of a place's lane into an actor
        mx = sx + step * lane
        half = abs(tx - mx) / 2
        edge.path = (f"M{sx:.1f},{sy:.1f} L{mx:.1f},{sy:.1f} C{mx + step * half:.1f},{sy:.1f} "
                     f"{tx - step * half:.1f},{ty:.1f} {tx:.1f},{ty:.1f}")


def _bulge(sy: float, ty: float) -> float:
    return 24 + min(GAPS[0] * 0.45, abs(ty - sy) * 0.3)


def _candidates(a: Node, b: Node, text_w: float) -> list[tuple[float, float, str]]:
    """Points (x, centre y, anchor) for the words, best first: along the lane from the dot's end, or
    beside the top of an arc. A relation whose words fit nowhere there keeps them in its hover title."""
    if a.band == b.band:  # across the arc's far side, else just outside it
        right = a.band == 0
        (sx, sy), (tx, ty) = _attach(a, right), _attach(b, right)
        apex = (max(sx, tx) if right else min(sx, tx)) + _bulge(sy, ty) * 0.75 * (1 if right else -1)
        outside = ("start", apex + 4) if right else ("end", apex - 4)
        return [(x, (sy + ty) / 2 + dy, anchor) for anchor, x in (("middle", apex), outside)
                for dy in (0, -14, 14, -28, 28)]
    rightwards = b.x > a.x
    (sx, sy), (tx, ty) = _attach(a, rightwards), _attach(b, not rightwards)
    into_target = b.band != 1
    end_x, y = (tx, ty) if into_target else (sx, sy)
    away = -1 if rightwards == into_target else 1  # from the lane's dot end towards the curve
    room = 0.85 * abs(tx - sx)  # words may run from the lane into the curve, under their background
    anchor = "end" if away < 0 else "start"
    points, offset = [], 12.0
    while offset + text_w <= room:
        points.append((end_x + away * offset, y, anchor))
        offset += 16
    return points
def _place_labels(edges: list[Edge], by_key: dict[str, Node], boxes: list[Box], width: float) -> int:
    """Words of each relation at its first candidate point that overlaps no name, dot or other words."""
    obstacles = [box.grown(2) for box in boxes]
    unlabelled = 0
    order = sorted((e for e in edges if e.words and e.group not in QUIET),
                   key=lambda e: (e.group != "claim", -e.weight, by_key[e.target].y, by_key[e.source].y))
    for edge in order:
        a, b = by_key[edge.source], by_key[edge.target]
        text = "".join(part for part, _style in edge.words)
        text_w = text_width(text, WORD_SIZE) + 4  # and the background's margin
        for x, y, anchor in _candidates(a, b, text_w):
            left = x - text_w if anchor == "end" else x - text_w / 2 if anchor == "middle" else x
            box = Box(left, y - WORD_SIZE * 0.65, left + text_w, y + WORD_SIZE * 0.65)
            if box.left < 2 or box.right > width - 2 or any(box.overlaps(o) for o in obstacles):
                continue
            text_x = x - 2 if anchor == "end" else x + 2 if anchor == "start" else x
            edge.label = Label(text_x, y + WORD_SIZE * 0.36, anchor, box)
            obstacles.append(box)
            break
        else:
            unlabelled += 1
    return unlabelled


def _text_box(text: Text) -> Box:
    size = 12.0
    w = text_width(text.text.upper() if text.css == "band-title" else text.text, size, True) * 1.1
    left = text.x - w if text.anchor == "end" else text.x - w / 2 if text.anchor == "middle" else text.x
    return Box(left, text.baseline - size, left + w, text.baseline + 4)


def _legend(nodes: list[Node], edges: list[Edge], width: float) -> tuple[list[Text], float]:
    """The key at the top: kinds of things in use, then the claim styles, then the other relations."""
    kinds = [k for k in KINDS if any(n.kind == k for n in nodes)]
    styles = [s for s in STYLES if any(e.style == s for e in edges)]
    rows = [("Things", [("dot", k, KINDS[k][0]) for k in kinds]),
            ("Claims: holder → what it is about", [("line", s, STYLES[s]) for s in styles if s in CLAIM_STYLES]),
            ("Stated relations", [("line", s, STYLES[s]) for s in styles if s not in CLAIM_STYLES])]
    entries: list[Text] = []
    y = MARGIN + 12
    for heading, items in rows:
        if not items:
            continue
        entries.append(Text(heading, MARGIN, y, css="legend-heading"))
        x = MARGIN + text_width(heading, 12, True) + 14
        for swatch, key, text in items:
            needed = (26 if swatch == "line" else 16) + text_width(text, 12)
            if x + needed > width - MARGIN:
                x, y = MARGIN + 24, y + 20
            entries.append(Text(text, x, y, swatch=swatch, key=key))
            x += needed + 18
        y += 22
    return entries, y - 10


__all__ = ["Box", "Edge", "Label", "Node", "Picture", "Text", "KINDS", "STYLES", "CLAIM_STYLES", "lay_out",
           "text_width", "wrap"]
