"""`kg.picture.lay_out`: bands by kind, names wrapped but never cut, nothing drawn over anything else,
and the same picture for the same graph whatever order it comes in."""
from __future__ import annotations

import random

from kg.picture import Edge, Node, lay_out, text_width, wrap

GULF = "between the ECO region and the Persian Gulf"


def fan(domains: int = 30, places: int = 12) -> tuple[list[Node], list[Edge]]:
    """One actor with claims about many domains and places, three corridors alike but for their first words."""
    nodes = [Node("pk", "Pakistan", "state"), Node("ir", "Iran", "state"), Node("eco", "Economic Cooperation Organization",
                                                                             "organisation"),
             Node("top", "economic and connectivity cooperation", "domain")]
    nodes += [Node(f"d{i}", f"cooperation domain number {i}", "domain", parent="top" if i % 3 else None)
              for i in range(domains)]
    nodes += [Node(f"p{i}", f"place {i}", "region") for i in range(places)]
    nodes += [Node(f"c{i}", f"{first} {GULF}", "corridor") for i, first in
              enumerate(["energy flows", "investment corridors", "trade routes"])]
    edges = [Edge("pk", n.key, "mixed", "claim", [("proposes ×2", "proposal"), (", ", ""), ("assesses", "assessment")],
                  f"Pakistan — proposes → {n.label}", 3) for n in nodes if n.kind in ("domain", "region", "corridor")]
    edges += [Edge("ir", n.key, "stance", "claim", [("takes a stance on", "stance")]) for n in nodes[4:12]]
    edges += [Edge("pk", "eco", "membership", "membership"), Edge("ir", "eco", "membership", "membership"),
              Edge("pk", "ir", "fact", "fact", [("has defence relationship with", "fact")])]
    return nodes, edges


def test_each_kind_has_its_band_left_to_right():
    picture = lay_out(*fan())
    x = {n.key: n.x for n in picture.nodes}
    assert x["c0"] == x["p0"] < x["pk"] == x["eco"] < min(x[f"d{i}"] for i in range(30))
    corridors = [n.y for n in picture.nodes if n.kind == "corridor"]
    places = [n.y for n in picture.nodes if n.kind == "region"]
    assert max(corridors) < min(places)  # corridors and places in their own sections of the band


def test_long_names_are_wrapped_never_cut():
    picture = lay_out(*fan())
    corridors = [n for n in picture.nodes if n.kind == "corridor"]
    assert len(corridors) == 3
    for node in corridors:
        assert " ".join(node.lines) == node.label
        assert len(node.lines) > 1
    assert len({tuple(n.lines) for n in corridors}) == 3


def test_no_name_dot_or_words_overlap_another():
    picture = lay_out(*fan())
    drawn = [n.box for n in picture.nodes] + [e.label.box for e in picture.edges if e.label]
    assert sum(1 for e in picture.edges if e.label) > 30
    for i, a in enumerate(drawn):
        for b in drawn[i + 1:]:
            assert not a.overlaps(b), (a, b)


def test_words_that_fit_nowhere_are_left_to_the_hover_title():
    nodes, edges = fan(domains=3, places=0)
    edges.append(Edge("pk", "d1", "claim", "claim", [("x" * 400, "claim")], "the whole story"))
    picture = lay_out(nodes, edges)
    crowded = next(e for e in picture.edges if e.words and e.words[0][0].startswith("xxx"))
    assert crowded.label is None and picture.unlabelled >= 1 and crowded.title == "the whole story"


def test_domains_follow_their_hierarchy_indented():
    picture = lay_out(*fan(domains=6))
    by_key = {n.key: n for n in picture.nodes}
    assert by_key["d1"].depth == 1 and by_key["d0"].depth == 0
    assert by_key["d1"].x > by_key["top"].x
    assert by_key["top"].y < by_key["d1"].y < by_key["d2"].y


def test_the_same_graph_in_any_order_gives_the_same_picture():
    def drawing(seed: int):
        nodes, edges = fan()
        random.Random(seed).shuffle(nodes)
        random.Random(seed).shuffle(edges)
        picture = lay_out(nodes, edges)
        return (sorted((n.key, n.x, n.y, tuple(n.lines)) for n in picture.nodes),
                sorted((e.source, e.target, e.path, e.label and (e.label.x, e.label.baseline)) for e in picture.edges),
                picture.width, picture.height)

    assert drawing(1) == drawing(2) == drawing(3)


def test_relations_to_things_not_drawn_are_dropped():
    nodes, edges = fan(domains=2, places=0)
    edges.append(Edge("pk", "nowhere", "claim", "claim"))
    picture = lay_out(nodes, edges)
    assert all(e.target != "nowhere" for e in picture.edges)


def test_text_width_grows_with_text_and_weight_and_wrap_respects_it():
    assert text_width("mmmm", 12) > text_width("iiii", 12)
    assert text_width("Pakistan", 12, bold=True) > text_width("Pakistan", 12)
    lines = wrap("investment corridors between the ECO region and the Persian Gulf", 200)
    assert all(text_width(line, 12.5) <= 200 for line in lines)
    assert wrap("Supercalifragilisticexpialidocious", 20) == ["Supercalifragilisticexpialidocious"]
