"""Content negotiation for every page: HTML for people, RDF for programs, decided in one place.

Owns the choice (``?format=`` first, then Accept as werkzeug reads it, with `server.formats`' media types
and aliases), the headers that tell it (`Vary`, `Content-Location`, `Link: rel="alternate"`) and writing
a description in the chosen RDF format. It builds no descriptions or pages.
"""
from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Response, request
from rdflib import Dataset, Graph, URIRef

from kg.namespaces import PREFIXES
from server import formats

from .site import BadRequest, settings

HTML = "html"
#: the pages' formats: key (as in ``?format=`` and Content-Location) -> (media type, name people read)
FORMATS = {
    HTML: (formats.HTML, "HTML"),
    "turtle": (formats.TURTLE, "Turtle"),
    "jsonld": (formats.JSONLD, "JSON-LD"),
    "ntriples": (formats.NTRIPLES, "N-Triples"),
    "rdfxml": (formats.RDFXML, "RDF/XML"),
    # quads: a named graph's page keeps its contents in that graph (the description in the default graph)
    "trig": (formats.TRIG, "TriG"),
    "nquads": (formats.NQUADS, "N-Quads"),
}
KEY_OF_MEDIA = {media: key for key, (media, _name) in FORMATS.items()}
HTML_NAMES = {"html", "htm", "xhtml", formats.HTML, "application/xhtml+xml"}
#: ``format`` names the pages accept beyond `server.formats`' own (Protégé's habit of ".owl")
EXTRA_NAMES = {"owl": formats.RDFXML}
#: the ontology's own IRIs (the ontology, its namespace, its version IRIs): a client that sends no Accept header
#: there is an OWL tool (owlready2 reads with urllib, which sends none), and OWL tools read RDF/XML
ONTOLOGY_DOCUMENTS = re.compile(r"/ontology/?|/ontology/\d+\.\d+\.\d+[0-9A-Za-z.]*")
#: browsers first: a tie (``*/*``) is a person with a browser
OFFERED = [formats.HTML, "application/xhtml+xml", *formats.GRAPH_FORMATS, *formats.GRAPH_ALIASES]


def _media_of(name: str) -> str | None:
    media = EXTRA_NAMES.get(name) or formats.GRAPH_NAMES.get(name) or name
    media = formats.GRAPH_ALIASES.get(media, media)
    return media if media in formats.GRAPH_FORMATS else None


def negotiate() -> str:
    """The format key (see `FORMATS`) for this request: ``?format=`` first, then the Accept header."""
    asked = request.args.get("format")
    if asked:
        name = asked.strip().lower()
        media = formats.HTML if name in HTML_NAMES else _media_of(name)
        if media is None:
            raise BadRequest(f"unknown format {asked!r}; use one of: {', '.join(FORMATS)}", 400)
        return KEY_OF_MEDIA[media]
    accept = request.accept_mimetypes
    if not accept or not list(accept.values()):
        return "rdfxml" if ONTOLOGY_DOCUMENTS.fullmatch(request.path) else HTML
    best = accept.best_match(OFFERED)
    if best is None:
        raise BadRequest("none of the requested media types can be served; available: "
                         + ", ".join(media for media, _name in FORMATS.values()), 406)
    if best in (formats.HTML, "application/xhtml+xml"):
        return HTML
    return KEY_OF_MEDIA[formats.GRAPH_ALIASES.get(best, best)]


def format_url(path: str, key: str) -> str:
    return f"{(request.script_root or '')}{path}?{urlencode({'format': key})}"


def alternates(path: str) -> list[dict]:
    return [{"key": key, "name": name, "media": media, "href": format_url(path, key)}
            for key, (media, name) in FORMATS.items()]


def negotiated_headers(response: Response, path: str, key: str) -> Response:
    response.headers["Vary"] = "Accept"
    response.headers["Content-Location"] = format_url(path, key)
    # the other formats at the service's public address, never at the Host the request named
    public = settings().service_url.rstrip("/")
    response.headers["Link"] = ", ".join(
        f'<{public}{a["href"][len(request.script_root or ""):]}>; rel="alternate"; type="{a["media"]}"'
        for a in alternates(path) if a["key"] != key)
    return response


def _rdf_text(graph: Graph, key: str, named: tuple[URIRef, Graph] | None) -> str:
    fmt = formats.GRAPH_FORMATS[FORMATS[key][0]]
    if fmt.writer in ("trig", "nquads"):
        dataset = Dataset()
        for prefix, namespace in PREFIXES.items():
            dataset.bind(prefix, namespace)
        for triple in graph:
            dataset.default_context.add(triple)
        if named is not None:
            target = dataset.graph(named[0])
            for triple in named[1]:
                target.add(triple)
        return dataset.serialize(format=fmt.writer)
    if fmt.writer == "json-ld":  # with the project's prefixes as its context, so that it reads like the Turtle
        return graph.serialize(format="json-ld", context=dict(PREFIXES), auto_compact=True)
    return formats.serialize_graph(graph, fmt)


def rdf_response(graph: Graph, key: str, path: str, named: tuple[URIRef, Graph] | None = None) -> Response:
    """``graph`` in the format ``key``; for TriG and N-Quads, ``named`` (name, contents) goes in its own graph."""
    try:
        body = _rdf_text(graph, key, named)
    except Exception as exc:  # e.g. RDF/XML cannot write a predicate without a namespace split
        raise BadRequest(f"cannot write this description as {FORMATS[key][1]}: {exc}", 406) from None
    media = FORMATS[key][0]
    response = Response(body, content_type=formats.content_type(media))
    return negotiated_headers(response, path, key)


def html_response(body: str, path: str, status: int = 200) -> Response:
    return negotiated_headers(Response(body, status=status, mimetype="text/html"), path, HTML)


def download_response(graph: Graph, key: str, path: str) -> Response:
    """A whole file to save: one format, whatever Accept says, with a file name."""
    response = rdf_response(graph, key, path)
    response.headers["Content-Disposition"] = f'inline; filename="{path.rsplit("/", 1)[-1]}"'
    del response.headers["Vary"]
    return response
