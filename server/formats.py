"""Media types of the SPARQL endpoint: content negotiation and serialising results.

Owns which media types answer which query form (SPARQL JSON/XML/CSV/TSV results for SELECT and ASK;
Turtle, N-Triples, JSON-LD, RDF/XML, TriG, N-Quads for graphs), choosing one from the Accept header
(q-values) or a ``format`` parameter, and writing a `kg.stores.QueryResult` in it. It does not read
requests or run queries (`server.protocol`).
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

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
                 "application/xml": RDFXML, "text/xml": RDFXML}
#: short names for the ``format`` parameter
RESULT_NAMES = {"json": SPARQL_JSON, "srj": SPARQL_JSON, "xml": SPARQL_XML, "srx": SPARQL_XML, "csv": CSV, "tsv": TSV}
GRAPH_NAMES = {"turtle": TURTLE, "ttl": TURTLE, "nt": NTRIPLES, "ntriples": NTRIPLES, "n-triples": NTRIPLES,
               "jsonld": JSONLD, "json-ld": JSONLD, "json": JSONLD, "rdfxml": RDFXML, "rdf": RDFXML,
               "xml": RDFXML, "trig": TRIG, "nq": NQUADS, "nquads": NQUADS, "n-quads": NQUADS}

TEXTUAL = {SPARQL_JSON, SPARQL_XML, CSV, TSV, TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS}


class UnknownFormat(ValueError):
    """A ``format`` parameter that names no format this query form can be written in."""


def is_graph_form(form: str) -> bool:
    return form in ("CONSTRUCT", "DESCRIBE")


def offered(form: str) -> tuple[dict[str, Format], dict[str, str], dict[str, str]]:
    if is_graph_form(form):
        return GRAPH_FORMATS, GRAPH_ALIASES, GRAPH_NAMES
    return RESULT_FORMATS, RESULT_ALIASES, RESULT_NAMES


def negotiate(form: str, accept, format_param: str | None = None) -> Format | None:
    """The format to answer ``form`` in, or None when nothing acceptable can be made (406).

    ``accept`` is werkzeug's MIMEAccept. A ``format`` parameter (short name or media type) wins over
    Accept; an unknown one raises `UnknownFormat`. No Accept header: JSON results, Turtle graphs.
    """
    formats, aliases, names = offered(form)
    if format_param:
        key = format_param.strip().lower()
        media_type = names.get(key) or (key if key in formats else aliases.get(key))
        if media_type is None:
            choices = ", ".join(sorted(set(names) | set(formats)))
            raise UnknownFormat(f"format={format_param!r} cannot be used for a {form} query; use one of: {choices}")
        return formats[media_type]
    candidates = list(formats) + list(aliases)  # order breaks ties: the canonical default comes first
    if not accept or not accept.provided or not list(accept.values()):
        return formats[candidates[0]]
    chosen = accept.best_match(candidates)
    if chosen is None:
        return None
    return formats[aliases.get(chosen, chosen)]


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type in TEXTUAL or media_type.startswith("text/") else media_type


# --------------------------------------------------------------------------------------- results

def _json_term(term) -> dict:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        value = {"type": "literal", "value": str(term)}
        if term.language:
            value["xml:lang"] = term.language
        elif term.datatype is not None and term.datatype != XSD.string:
            value["datatype"] = str(term.datatype)
        return value
    return {"type": "literal", "value": str(term)}


def results_json(result: QueryResult) -> str:
    if result.form == "ASK":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)})
    bindings = []
    for row in result.rows:
        bindings.append({name: _json_term(term) for name, term in zip(result.variables, row) if term is not None})
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}}, ensure_ascii=False)


def _xml_term(term) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(str(term))}</literal>"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"<literal datatype={quoteattr(str(term.datatype))}>{escape(str(term))}</literal>"
        return f"<literal>{escape(str(term))}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def results_xml(result: QueryResult) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n  <head>']
    for name in result.variables:
        out.append(f"    <variable name={quoteattr(name)}/>")
    out.append("  </head>")
    if result.form == "ASK":
        out.append(f"  <boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        out.append("  <results>")
        for row in result.rows:
            out.append("    <result>")
            for name, term in zip(result.variables, row):
                if term is not None:
                    out.append(f"      <binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
            out.append("    </result>")
        out.append("  </results>")
    out.append("</sparql>\n")
    return "\n".join(out)


def _csv_text(term) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return "_:" + str(term)
    return str(term)


def results_csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV: plain values, RFC 4180 quoting, CRLF line ends. ASK answers a `_askResult` column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if result.form == "ASK":
        writer.writerows([["_askResult"], ["true" if result.boolean else "false"]])
        return buffer.getvalue()
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([_csv_text(term) for term in row])
    return buffer.getvalue()


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _tsv_term(term) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        text = '"' + str(term).translate(_TSV_ESCAPES) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{text}^^<{term.datatype}>"
        return text
    return str(term)


def results_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 TSV: terms in SPARQL syntax, variables with their ``?``."""
    if result.form == "ASK":
        return "?_askResult\n" + ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join("?" + name for name in result.variables)]
    lines += ["\t".join(_tsv_term(term) for term in row) for row in result.rows]
    return "\n".join(lines) + "\n"


RESULT_WRITERS = {"json": results_json, "xml": results_xml, "csv": results_csv, "tsv": results_tsv}


def serialize_graph(graph: Graph, fmt: Format) -> str:
    if fmt.writer == "json-ld":
        return graph.serialize(format="json-ld", auto_compact=True)
    if fmt.writer == "nquads":
        return graph.serialize(format="nt")  # a graph's N-Triples are N-Quads in the default graph
    return graph.serialize(format=fmt.writer)


def serialize(result: QueryResult, fmt: Format) -> str:
    """``result`` written in ``fmt`` (chosen by `negotiate` for the same form)."""
    if is_graph_form(result.form):
        return serialize_graph(result.graph if result.graph is not None else Graph(), fmt)
    return RESULT_WRITERS[fmt.writer](result)


__all__ = ["Format", "negotiate", "serialize", "serialize_graph", "content_type", "UnknownFormat",
           "RESULT_FORMATS", "GRAPH_FORMATS", "is_graph_form"]
