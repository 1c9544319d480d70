"""Reading the endpoint's answers back, the way a client would: every result and RDF format."""
from __future__ import annotations

import csv
import io
import json

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.query import Result

#: media type -> rdflib parser name
RDF_PARSERS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}


def media_type(response) -> str:
    header = response.headers.get("Content-Type", "")
    return header.split(";")[0].strip().lower()


def body_text(response) -> str:
    data = response.data if hasattr(response, "data") else response.content
    return data.decode("utf-8")


def table(response) -> tuple[list[str], list[dict]]:
    """(variables, rows as {variable: text}) from any SELECT result format."""
    kind = media_type(response)
    text = body_text(response)
    if kind == "application/sparql-results+json":
        data = json.loads(text)
        return data["head"]["vars"], [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]
    if kind == "text/csv":
        rows = list(csv.reader(io.StringIO(text, newline="")))
        return rows[0], [{k: v for k, v in zip(rows[0], row) if v != ""} for row in rows[1:]]
    fmt = {"application/sparql-results+xml": "xml", "text/tab-separated-values": "tsv"}[kind]
    result = Result.parse(io.StringIO(text), format=fmt)
    variables = [str(v) for v in result.vars]
    return variables, [{str(k): str(v) for k, v in row.asdict().items()} for row in result]


def boolean(response) -> bool:
    """The answer of an ASK from a JSON, XML, CSV or TSV result."""
    kind = media_type(response)
    text = body_text(response)
    if kind == "application/sparql-results+json":
        return json.loads(text)["boolean"]
    if kind == "application/sparql-results+xml":
        return Result.parse(io.StringIO(text), format="xml").askAnswer
    lines = text.strip().splitlines()
    assert lines[0].strip().lstrip("?") == "_askResult"
    return {"true": True, "false": False}[lines[1].strip()]


def graph(response) -> Graph:
    """The triples of an RDF answer; for TriG and N-Quads, of all its graphs."""
    fmt = RDF_PARSERS[media_type(response)]
    if fmt in ("trig", "nquads"):
        dataset = Dataset(default_union=True)
        dataset.parse(data=body_text(response), format=fmt)
        parsed = Graph()
        for triple in dataset.triples((None, None, None)):
            parsed.add(triple)
        return parsed
    parsed = Graph()
    parsed.parse(data=body_text(response), format=fmt)
    return parsed


__all__ = ["table", "boolean", "graph", "media_type", "RDF_PARSERS", "URIRef", "Literal"]
