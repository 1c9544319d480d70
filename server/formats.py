"""Media types of the SPARQL endpoint: content negotiation and serialising results.

Owns which media types answer which query form (SPARQL JSON/XML/CSV/TSV results for SELECT and ASK;
Turtle, N-Triples, JSON-LD, RDF/XML, TriG, N-Quads for graphs), choosing one from the Accept header
(q-values) or a ``format`` parameter, and writing a `kg.stores.QueryResult` in it (XML always well-formed,
a graph RDF/XML cannot write an `Unwritable`). It does not read requests or run queries (`server.protocol`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from rdflib import Graph, Literal, URIRef

from kg import results
from kg.stores import QueryResult

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
TRIG = "application/trig"
NQUADS = "application/n-quads"
HTML = "text/html"


@dataclass(frozen=True)
class Format:
    media_type: str  # what the response says it is
    writer: str  # results: json/xml/csv/tsv; graphs: the rdflib serializer name
    w3c: str  # the format's IRI in http://www.w3.org/ns/formats/ (for the service description)


RESULT_FORMATS = {
    SPARQL_JSON: Format(SPARQL_JSON, "json", "http://www.w3.org/ns/formats/SPARQL_Results_JSON"),
    SPARQL_XML: Format(SPARQL_XML, "xml", "http://www.w3.org/ns/formats/SPARQL_Results_XML"),
    CSV: Format(CSV, "csv", "http://www.w3.org/ns/formats/SPARQL_Results_CSV"),
    TSV: Format(TSV, "tsv", "http://www.w3.org/ns/formats/SPARQL_Results_TSV"),
}
#: SELECT/ASK for a browser that follows a query link: a table (never chosen by */*)
HTML_RESULTS = Format(HTML, "html", "")
GRAPH_FORMATS = {
    TURTLE: Format(TURTLE, "turtle", "http://www.w3.org/ns/formats/Turtle"),
    NTRIPLES: Format(NTRIPLES, "nt", "http://www.w3.org/ns/formats/N-Triples"),
    JSONLD: Format(JSONLD, "json-ld", "http://www.w3.org/ns/formats/JSON-LD"),
    RDFXML: Format(RDFXML, "xml", "http://www.w3.org/ns/formats/RDF_XML"),
    TRIG: Format(TRIG, "trig", "http://www.w3.org/ns/formats/TriG"),
    NQUADS: Format(NQUADS, "nquads", "http://www.w3.org/ns/formats/N-Quads"),
}
#: media types clients commonly send for the same thing, answered with the canonical type
RESULT_ALIASES = {"application/json": SPARQL_JSON, "application/xml": SPARQL_XML, "text/xml": SPARQL_XML}
GRAPH_ALIASES = {"application/x-turtle": TURTLE, "text/plain": NTRIPLES, "application/json": JSONLD,
                 "application/xml": RDFXML, "text/xml": RDFXML,
                 # N3 clients (SPARQLWrapper's returnFormat=N3) read Turtle, which is N3 without its extensions
                 "text/n3": TURTLE, "text/rdf+n3": TURTLE, "application/n3": TURTLE}
#: short names for the ``format`` parameter
RESULT_NAMES = {"json": SPARQL_JSON, "srj": SPARQL_JSON, "xml": SPARQL_XML, "srx": SPARQL_XML, "csv": CSV, "tsv": TSV}
GRAPH_NAMES = {"turtle": TURTLE, "ttl": TURTLE, "nt": NTRIPLES, "ntriples": NTRIPLES, "n-triples": NTRIPLES,
               "jsonld": JSONLD, "json-ld": JSONLD, "json": JSONLD, "rdfxml": RDFXML, "rdf": RDFXML,
               "xml": RDFXML, "trig": TRIG, "nq": NQUADS, "nquads": NQUADS, "n-quads": NQUADS, "n3": TURTLE}

#: the IRIs an HTML answer links: anything else (javascript:, data:, urn: …) is text
WEB_IRI = re.compile(r"^https?://", re.IGNORECASE)

TEXTUAL = {SPARQL_JSON, SPARQL_XML, CSV, TSV, TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS, HTML}


#: longest Accept header read, and most media ranges in it (browsers send a few hundred bytes, a dozen ranges):
#: matching costs the ranges times the types offered, so a longer one is refused unread (400)
MAX_ACCEPT_BYTES = 8192
MAX_ACCEPT_RANGES = 64


def accept_problem(header: str) -> str | None:
    """Why an Accept header is refused unread (too long, too many media ranges), or None when it is read."""
    ranges = header.count(",") + 1
    if len(header) <= MAX_ACCEPT_BYTES and ranges <= MAX_ACCEPT_RANGES:
        return None
    return (f"the Accept header is {len(header):,} characters long with {ranges:,} media ranges; at most "
            f"{MAX_ACCEPT_BYTES:,} characters and {MAX_ACCEPT_RANGES} ranges are read: list the types you can use")


class UnknownFormat(ValueError):
    """A ``format`` parameter that names no format this query form can be written in."""


class Unwritable(ValueError):
    """A graph the chosen format cannot write (RDF/XML: a predicate with no namespace and local name), 406."""


def is_graph_form(form: str) -> bool:
    return form in ("CONSTRUCT", "DESCRIBE")


def offered(form: str) -> tuple[dict[str, Format], dict[str, str], dict[str, str]]:
    if is_graph_form(form):
        return GRAPH_FORMATS, GRAPH_ALIASES, GRAPH_NAMES
    return RESULT_FORMATS, RESULT_ALIASES, RESULT_NAMES


def _known(key: str, formats: dict, aliases: dict, names: dict) -> str | None:
    return names.get(key) or (key if key in formats else aliases.get(key))


def _other_family(form: str) -> tuple[dict, dict, dict]:
    return offered("SELECT" if is_graph_form(form) else "CONSTRUCT")


def negotiate(form: str, accept, format_param: str | None = None) -> Format | None:
    """The format to answer ``form`` in, or None when nothing acceptable can be made (406).

    ``accept`` is werkzeug's MIMEAccept. A ``format`` parameter (short name or media type) wins over
    Accept; one that names no format at all raises `UnknownFormat`. No Accept header: JSON results,
    Turtle graphs. A format of the other family (a graph format for SELECT, a results format for
    CONSTRUCT) gets the form's default; text/html preferred over the others gets an HTML table of results.
    """
    formats, aliases, names = offered(form)
    default = formats[next(iter(formats))]
    if format_param:
        key = format_param.strip().lower()
        if key == "html" or key == HTML:
            return HTML_RESULTS if not is_graph_form(form) else default
        media_type = _known(key, formats, aliases, names)
        if media_type is not None:
            return formats[media_type]
        if _known(key, *_other_family(form)) is not None:
            return default
        choices = ", ".join(sorted(set(names) | set(formats)))
        raise UnknownFormat(f"format={format_param!r} cannot be used for a {form} query; use one of: {choices}")
    candidates = list(formats) + list(aliases)  # order breaks ties: the canonical default comes first
    if not accept or not accept.provided or not list(accept.values()):
        return default
    if not is_graph_form(form):
        candidates.append(HTML)  # last: ties (*/*) never choose it
    chosen = accept.best_match(candidates)
    if chosen == HTML:
        return HTML_RESULTS
    if chosen is not None:
        return formats[aliases.get(chosen, chosen)]
    other_formats, other_aliases, _names = _other_family(form)
    if accept.best_match(list(other_formats) + list(other_aliases)) is not None:
        return default
    return None


def load_writers() -> None:
    """Import every writer and codec an answer may need now, at start: the first requests after a start
    would otherwise import them at once from several threads, and one may see a module half made."""
    import codecs

    from rdflib import plugin
    from rdflib.parser import Parser
    from rdflib.serializer import Serializer
    from rdflib.store import Store

    for name in {fmt.writer for fmt in GRAPH_FORMATS.values()} | {"nt", "json-ld", "trig", "nquads"}:
        plugin.get(name, Serializer)
    for name in ("turtle", "json-ld", "xml", "nt"):  # the pages read the shapes; tests and clients read answers
        plugin.get(name, Parser)
    plugin.get("default", Store)  # every Graph() made while answering
    for codec in ("idna", "unicode_escape", "raw_unicode_escape", "utf-8", "latin-1", "ascii"):
        codecs.lookup(codec)  # host names, the picture's text


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type in TEXTUAL or media_type.startswith("text/") else media_type


# --------------------------------------------------------------------------------------- results

def results_html(result: QueryResult) -> str:
    """A standalone HTML table of the results, http(s) IRIs as links (what a browser following a query link
    shows)."""
    def cell(term) -> str:
        if term is None:
            return "<td></td>"
        if isinstance(term, URIRef) and WEB_IRI.match(term):
            return f"<td><a href={quoteattr(str(term))}>{escape(str(term))}</a></td>"
        if isinstance(term, URIRef):  # javascript:, data:, urn: …: shown, never a link
            return f"<td>{escape(str(term))}</td>"
        if isinstance(term, Literal) and term.language:
            return f"<td lang={quoteattr(term.language)}>{escape(str(term))}</td>"
        return f"<td>{escape(str(term))}</td>"

    head = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>ECO-KG query results</title>'
            "</head><body>\n")
    if result.form == "ASK":
        return head + f"<p>{'true' if result.boolean else 'false'}</p>\n</body></html>\n"
    rows = ["<tr>" + "".join(cell(term) for term in row) + "</tr>" for row in result.rows]
    header = "".join(f"<th>?{escape(name)}</th>" for name in result.variables)
    return (head + f"<table>\n<thead><tr>{header}</tr></thead>\n<tbody>\n" + "\n".join(rows)
            + f"\n</tbody>\n</table>\n<p>{len(result.rows)} result(s)</p>\n</body></html>\n")


RESULT_WRITERS = {**results.WRITERS, "html": results_html}


def serialize_graph(graph: Graph, fmt: Format) -> str:
    """``graph`` in ``fmt``; RDF/XML well-formed (`kg.results.well_formed_xml`) or `Unwritable`."""
    if fmt.writer == "json-ld":
        return graph.serialize(format="json-ld", auto_compact=True)
    if fmt.writer == "nquads":
        return graph.serialize(format="nt")  # a graph's N-Triples are N-Quads in the default graph
    if fmt.writer == "xml":
        return results.well_formed_xml(_rdf_xml(graph))[0]
    return graph.serialize(format=fmt.writer)


def _rdf_xml(graph: Graph) -> str:
    try:
        return graph.serialize(format="xml")
    except ValueError:
        # a predicate becomes an element name, so it must end in an XML name after a namespace: name it
        names = graph.namespace_manager
        for predicate in sorted(set(graph.predicates())):
            try:
                names.compute_qname_strict(predicate)
            except ValueError:
                raise Unwritable(f"the predicate <{predicate}> does not end in a name an XML element can have, so "
                                 "RDF/XML cannot write it; ask for Turtle (Accept: text/turtle or format=turtle), "
                                 "N-Triples or JSON-LD instead") from None
        raise


def serialize(result: QueryResult, fmt: Format) -> str:
    """``result`` written in ``fmt`` (chosen by `negotiate` for the same form)."""
    return written(result, fmt)[0]


def written(result: QueryResult, fmt: Format) -> tuple[str, int]:
    """``result`` written in ``fmt``, and how many characters XML 1.0 cannot carry were written as U+FFFD."""
    if is_graph_form(result.form):
        graph = result.graph if result.graph is not None else Graph()
        if fmt.writer == "xml":
            return results.well_formed_xml(_rdf_xml(graph))
        return serialize_graph(graph, fmt), 0
    if fmt.writer == "xml":
        return results.well_formed_xml(results.xml_document(result))
    return RESULT_WRITERS[fmt.writer](result), 0


def well_formed(body: str | bytes, media_type: str) -> tuple[str | bytes, int]:
    """An answer another writer made (pyoxigraph's), well-formed when its format is XML; with the count."""
    if media_type in (SPARQL_XML, RDFXML):
        return results.well_formed_xml(body)
    return body, 0


__all__ = ["Format", "negotiate", "serialize", "serialize_graph", "written", "well_formed", "content_type",
           "load_writers", "UnknownFormat", "Unwritable", "RESULT_FORMATS", "GRAPH_FORMATS", "is_graph_form"]
