"""`mark_up`: spans of a paragraph wrapped in well-formed, escaped HTML at code-point offsets."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from server.pages import Highlight, mark_up


def mark(start, end, layer=0, name="m", after=""):
    return Highlight(start, end, f'<{name}>', f"</{name}>", layer, after)


class _WellFormed(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()


def well_formed(html: str) -> bool:
    parser = _WellFormed()
    parser.feed(html)
    return not parser.stack


def test_plain_text_is_escaped():
    assert mark_up('a <b> & "c"', 0, []) == 'a &lt;b&gt; &amp; &#34;c&#34;'


def test_offsets_are_relative_to_the_paragraph_start():
    assert mark_up("hello world", 100, [mark(106, 111)]) == "hello <m>world</m>"


def test_code_point_offsets_with_characters_outside_the_bmp():
    text = "a 🇵🇰 b’s “quote”"
    start = text.index("“")
    html = mark_up(text, 0, [mark(start, len(text))])
    assert html.endswith("<m>“quote”</m>")


def test_nested_spans_stay_nested():
    html = mark_up("Persian Gulf Arab states", 0, [mark(0, 24, 1, "a"), mark(0, 12, 1, "b")])
    assert html == "<a><b>Persian Gulf</b> Arab states</a>"


def test_outer_layer_wraps_inner_layer():
    html = mark_up("one two three", 0, [mark(4, 7, layer=1, name="i"), mark(0, 13, layer=0, name="o")])
    assert html == "<o>one <i>two</i> three</o>"


def test_partly_overlapping_spans_split_the_inner_one_and_stay_well_formed():
    html = mark_up("abcdefgh", 0, [mark(0, 5, 0, "o"), mark(3, 8, 1, "i")])
    assert html == "<o>abc<i>de</i></o><i>fgh</i>"
    assert well_formed(html)


def test_after_is_written_once_at_the_real_end():
    html = mark_up("abcdefgh", 0, [mark(2, 6, 0, "o", after="<sup>1</sup>"), mark(4, 8, 1, "i")])
    assert html.count("<sup>1</sup>") == 1
    assert html.index("<sup>1</sup>") == html.index("</o>") + len("</o>")


def test_spans_outside_the_paragraph_are_ignored_or_clipped():
    assert mark_up("abc", 10, [mark(0, 5), mark(20, 30)]) == "abc"
    assert mark_up("abc", 10, [mark(8, 11)]) == "<m>a</m>bc"


@pytest.mark.parametrize("seed", range(20))
def test_random_spans_always_give_well_formed_html_with_the_text_intact(seed):
    import random
    import re

    rng = random.Random(seed)
    text = "".join(rng.choice("ab <&>") for _ in range(40))
    spans = []
    for _ in range(rng.randint(1, 6)):
        start = rng.randint(0, 39)
        spans.append(mark(start, rng.randint(start, 40), rng.randint(0, 2), rng.choice("xyz")))
    html = mark_up(text, 0, spans)
    assert well_formed(html)
    from html import unescape
    assert unescape(re.sub(r"</?[xyz]>", "", html)) == text
