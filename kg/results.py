"""SPARQL query results as rdflib terms: the one reader of SPARQL JSON results and the one writer of each
results format (JSON, XML, CSV, TSV; W3C SPARQL 1.1 Query Results).

Owns how a term is written in each format (a plain ``xsd:string`` literal carries no datatype anywhere;
XML gets U+FFFD for what XML 1.0 cannot carry) and how a JSON binding becomes a term. Results are any
object with ``form``, ``variables``, ``rows`` and ``boolean`` (`kg.stores.QueryResult`). It does not
choose a format (`server.formats`) and is not used where pyoxigraph writes the answer itself (the
embedded store's fast path).
"""
from __future__ import annotations

import csv
import io
import json
import re
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

_XSD_STRING = str(XSD.string)


# --------------------------------------------------------------------------------------- reading

def term_from_json(value: dict):
    """One SPARQL JSON binding (``{"type": …, "value": …}``) as an rdflib term; ValueError when malformed."""
    kind = value.get("type")
    text = value.get("value", "")
    if not isinstance(text, str):
        raise ValueError(f"a binding's value must be a string, not {type(text).__name__}")
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in value:
            return Literal(text, lang=value["xml:lang"])
        datatype = value.get("datatype")
        if datatype and datatype != _XSD_STRING:
            return Literal(text, datatype=URIRef(datatype), normalize=False)
        return Literal(text)
    raise ValueError(f"unknown term type {kind!r}")


def read_json(data: dict) -> tuple[list[str], list[dict]]:
    """The variables and the rows (variable → term) of parsed SPARQL JSON SELECT results; ValueError when
    the document is not SPARQL JSON results."""
    try:
        variables = list(data["head"].get("vars", []))
        rows = [{name: term_from_json(binding) for name, binding in row.items()}
                for row in data["results"]["bindings"]]
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not SPARQL JSON results ({exc.__class__.__name__}: {exc})") from None
    return variables, rows


# --------------------------------------------------------------------------------------- writing

def json_term(term) -> dict:
    """A term as a SPARQL JSON binding."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        value = {"type": "literal", "value": str(term)}
        if term.language:
            value["xml:lang"] = term.language
        elif term.datatype is not None and str(term.datatype) != _XSD_STRING:
            value["datatype"] = str(term.datatype)
        return value
    return {"type": "literal", "value": str(term)}


def results_json(result, *, indent: int | None = None) -> str:
    if result.form == "ASK":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)}, indent=indent)
    bindings = [{name: json_term(term) for name, term in zip(result.variables, row) if term is not None}
                for row in result.rows]
    return json.dumps({"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}},
                      ensure_ascii=False, indent=indent)


#: characters XML 1.0 cannot carry, not even as references: C0 controls other than tab, newline and
#: carriage return, lone surrogates, U+FFFE and U+FFFF. XML answers write each as U+FFFD.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NOT_XML_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
_REPLACEMENT = "\ufffd"


def well_formed_xml(document: str | bytes) -> tuple[str | bytes, int]:
    """``document`` (XML, as text or UTF-8) with every character XML 1.0 cannot carry written as U+FFFD, and
    how many were; a carriage return in text becomes ``&#13;``, so that a parser keeps it (it would read a
    raw one as a newline). Safe on a whole document: such characters can only be in text and attributes."""
    if isinstance(document, bytes):
        document, replaced = _NOT_XML_BYTES.subn(_REPLACEMENT.encode("utf-8"), document)
        return document.replace(b"\r", b"&#13;"), replaced
    document, replaced = NOT_XML.subn(_REPLACEMENT, document)
    return document.replace("\r", "&#13;"), replaced


def _xml_term(term) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(str(term))}</literal>"
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return f"<literal datatype={quoteattr(str(term.datatype))}>{escape(str(term))}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def results_xml(result) -> str:
    """SPARQL XML results, well-formed whatever the terms hold (`well_formed_xml`)."""
    return well_formed_xml(xml_document(result))[0]


def xml_document(result) -> str:
    """SPARQL XML results as the terms are, before `well_formed_xml` (which a caller that reports how many
    characters were replaced applies itself)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n  <head>']
    out += [f"    <variable name={quoteattr(name)}/>" for name in result.variables]
    out.append("  </head>")
    if result.form == "ASK":
        out.append(f"  <boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        out.append("  <results>")
        for row in result.rows:
            out.append("    <result>")
            out += [f"      <binding name={quoteattr(name)}>{_xml_term(term)}</binding>"
                    for name, term in zip(result.variables, row) if term is not None]
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


def results_csv(result) -> str:
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


def tsv_term(term) -> str:
    """A term in SPARQL (N-Triples-like) syntax, as TSV results write it."""
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
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return f"{text}^^<{term.datatype}>"
        return text
    return str(term)


def results_tsv(result) -> str:
    """SPARQL 1.1 TSV: terms in SPARQL syntax, variables with their ``?``."""
    if result.form == "ASK":
        return "?_askResult\n" + ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join("?" + name for name in result.variables)]
    lines += ["\t".join(tsv_term(term) for term in row) for row in result.rows]
    return "\n".join(lines) + "\n"


WRITERS = {"json": results_json, "xml": results_xml, "csv": results_csv, "tsv": results_tsv}

__all__ = ["term_from_json", "read_json", "json_term", "results_json", "results_xml", "results_csv",
           "results_tsv", "tsv_term", "well_formed_xml", "xml_document", "NOT_XML", "WRITERS"]
