"""Reading the pages' HTML in tests: the text inside elements of a class, and every link."""
from __future__ import annotations

from html.parser import HTMLParser

from kg.namespaces import BASE

#: the slug of the interview, as in its IRI and named graph
SOURCE_SLUG = "iran-pakistan-eco-security-interview"


def local(iri: str) -> str:
    """The server path of an IRI under the public base."""
    assert iri.startswith(BASE), iri
    return "/" + iri[len(BASE):]


class _Collector(HTMLParser):
    def __init__(self, tag: str, css_class: str | None):
        super().__init__(convert_charrefs=True)
        self.tag, self.css_class = tag, css_class
        self.open: list[list[str]] = []  # one buffer per matching element still open
        self.depths: list[int] = []
        self.depth = 0
        self.found: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag in {"br", "img", "meta", "link", "input", "hr"}:
            return
        self.depth += 1
        classes = (attributes.get("class") or "").split()
        if tag == self.tag and (self.css_class is None or self.css_class in classes):
            self.open.append([])
            self.depths.append(self.depth)

    def handle_endtag(self, tag):
        if self.depths and self.depths[-1] == self.depth:
            self.depths.pop()
            self.found.append("".join(self.open.pop()))
        self.depth -= 1

    def handle_data(self, data):
        for buffer in self.open:
            buffer.append(data)


def texts(html: str, tag: str, css_class: str | None = None) -> list[str]:
    """The text content of every ``tag`` element (with ``css_class``), in document order of their ends."""
    collector = _Collector(tag, css_class)
    collector.feed(html)
    return collector.found


def links(html: str) -> list[str]:
    collector = _Collector("a", None)
    collector.feed(html)
    return collector.links
