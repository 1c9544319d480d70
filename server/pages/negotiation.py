"""Content negotiation for every page: HTML for people, RDF for programs, decided in one place.

Owns asking `server.formats.negotiate` (the registry and the one choice every route makes) for a page,
the headers that tell it (`Vary`, `Content-Location`, `Link: rel="alternate"`) and writing
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

HTML = formats.HTML_RESULTS.key
#: the pages' formats, in the order their links list them: key (as in ``?format=`` and Content-Location) ->
#: (media type, name people read); quads: a named graph's page keeps its contents in that graph
FORMATS = {key: (formats.BY_KEY[key].media_type, formats.BY_KEY[key].title)
           for key in (HTML, "turtle", "jsonld", "ntriples", "rdfxml", "trig", "nquads")}
#: the ontology's own IRIs (the ontology, its namespace, its version IRIs): RDF/XML without an Accept header
ONTOLOGY_DOCUMENTS = re.compile(r"/ontology/?|/ontology/\d+\.\d+\.\d+[0-9A-Za-z.]*")


def negotiate() -> str:
    """The format key (see `FORMATS`) for this request: ``?format=`` first, then the Accept header
    (`server.formats.negotiate`, the one every route uses)."""
    asked = request.args.get("format")
    kind = "ontology" if ONTOLOGY_DOCUMENTS.fullmatch(request.path) else "page"
    try:
        chosen = formats.negotiate(request.accept_mimetypes, kind, asked)
    except formats.UnknownFormat:
        raise BadRequest(f"unknown format {asked!r}; use one of: {', '.join(FORMATS)}", 400) from None
    if chosen is None:
        raise BadRequest("none of the requested media types can be served; available: "
                         + ", ".join(media for media, _name in FORMATS.values()), 406)
    return chosen.key


def format_url(path: str, key: str) -> str:
    # a page addressed with a query string (/describe?iri=…) keeps it
    return f"{(request.script_root or '')}{path}{'&' if '?' in path else '?'}{urlencode({'format': key})}"


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
    fmt = formats.BY_KEY[key]
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
        return formats.serialize_dataset(dataset, fmt)
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
