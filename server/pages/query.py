"""The query page: `/` (and what `/sparql` shows a browser), with the named questions to ask.

Owns the SPARQL editor page, running ``?name=`` or ``?query=`` on the server so that results show
without JavaScript, rendering results as an HTML table (the one renderer: /sparql's HTML answer too), and the schema.org Dataset markup on the home
page for dataset search engines. The SPARQL protocol itself is `server.protocol`.
"""
from __future__ import annotations

import json
import re
import time

from flask import Response, render_template, request
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from kg.errors import EcoKGError
from kg.metadata import served_record
from kg.namespaces import DATASET_IRI, METADATA_GRAPH, PREFIXES
from kg.query import named_queries
from server.errors import status_for

from .site import blueprint, iri_ref, public_base, run, settings, store
from .terms import fetch_labels, term_html

#: most rows the query page renders itself (the endpoint still returns them all)
PAGE_ROW_LIMIT = 2000
SCHEMA_CONTEXT = "https://schema.org/"
DCAT = "http://www.w3.org/ns/dcat#"
DEFAULT_QUERY = """# Which states are members of ECO?
PREFIX ecoid: <https://w3id.org/eco-kg/id/>
PREFIX org:   <http://www.w3.org/ns/org#>
PREFIX rdfs:  <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?state ?label WHERE {
  GRAPH ?g1 { ?state org:memberOf ecoid:ECO }
  GRAPH ?g2 { ?state rdfs:label ?label }
}
ORDER BY ?label
"""


#: a PREFIX declaration: tried only where the word PREFIX stands, each try reading no further than the name
#: after it, so the scan is linear (a pattern anchored at every line start re-read runs of blank lines, and
#: blanks on both sides of an empty name would be split every way: both quadratic)
_DECLARED = re.compile(r"(?<![\w:])PREFIX\s+([\w\-.]*):", re.IGNORECASE)


def with_prefixes(text: str) -> str:
    """``text`` with a PREFIX line for each project prefix it uses but does not declare."""
    declared = {m.group(1) for m in _DECLARED.finditer(text)}
    missing = [p for p in PREFIXES if p not in declared]
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in missing) + text


def results_table(result) -> dict:
    """A store result as rows of HTML cells for the template."""
    if result.form == "ASK":
        return {"form": "ASK", "boolean": bool(result.boolean)}
    if result.form in {"CONSTRUCT", "DESCRIBE"}:
        variables = ["subject", "predicate", "object"]
        rows = sorted(result.graph, key=lambda t: tuple(str(x) for x in t))
    else:
        variables = [str(v).lstrip("?$") for v in result.variables]
        rows = result.rows
    shown = rows[:PAGE_ROW_LIMIT]
    fetch_labels([t for row in shown for t in row if isinstance(t, URIRef)])
    return {"form": result.form, "variables": variables, "count": len(rows),
            "truncated": bool(getattr(result, "truncated", False)) or len(rows) > PAGE_ROW_LIMIT,
            "rows": [[term_html(t) for t in row] for row in shown]}


def results_document(result) -> str:
    """SELECT or ASK results as a page of their own (what /sparql answers a browser following a query link):
    the query page's table, written by the same template."""
    return render_template("results.html", table=results_table(result))


def dataset_jsonld() -> str:
    """schema.org `Dataset` markup of the dataset (for dataset search engines), from its DCAT record."""
    stored = run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri_ref(METADATA_GRAPH)} {{ ?s ?p ?o }} }}").graph or Graph()
    record = served_record(stored, public_base(), settings().service_url)  # the downloads /.well-known/void names
    dataset = URIRef(DATASET_IRI)

    def text(subject, predicate) -> str | None:
        value = record.value(subject, URIRef(predicate))
        return str(value) if value is not None else None

    def agent(iri) -> dict:
        name = record.value(iri, URIRef("http://xmlns.com/foaf/0.1/name"))
        return {"@type": "Organization", "@id": str(iri), "name": str(name or iri)}

    downloads = []
    for distribution in sorted(record.objects(dataset, URIRef(DCAT + "distribution"))):
        url = record.value(distribution, URIRef(DCAT + "downloadURL"))
        media = record.value(distribution, URIRef(DCAT + "mediaType"))
        if url is not None:
            downloads.append({"@type": "DataDownload", "contentUrl": str(url),
                              "encodingFormat": str(media).rsplit("media-types/", 1)[-1] if media else None,
                              "name": text(distribution, str(DCTERMS.title))})
    markup = {
        "@context": SCHEMA_CONTEXT, "@type": "Dataset", "@id": DATASET_IRI, "url": settings().service_url,
        "identifier": DATASET_IRI, "name": text(dataset, str(DCTERMS.title)),
        "description": text(dataset, str(DCTERMS.description)), "license": text(dataset, str(DCTERMS.license)),
        "version": text(dataset, DCAT + "version"), "datePublished": text(dataset, str(DCTERMS.issued)),
        "dateModified": text(dataset, str(DCTERMS.modified)), "isAccessibleForFree": True,
        "keywords": sorted(str(k) for k in record.objects(dataset, URIRef(DCAT + "keyword"))),
        "creator": [agent(a) for a in sorted(record.objects(dataset, DCTERMS.creator))],
        "publisher": [agent(a) for a in sorted(record.objects(dataset, DCTERMS.publisher))],
        "distribution": downloads,
        "citation": "ECO-KG contributors. ECO-KG: a knowledge graph of Iran–Pakistan security cooperation within "
                    "the Economic Cooperation Organization.",
    }
    markup = {key: value for key, value in markup.items() if value not in (None, [], "")}
    # inside <script>, "</" would end the element: JSON allows "<\/" for it
    return json.dumps(markup, ensure_ascii=False, indent=1).replace("</", "<\\/")


def _readable(exc: Exception) -> str:
    message = str(exc).strip() or type(exc).__name__
    return message.splitlines()[0] if len(message) > 400 else message


def query_page(with_dataset_markup: bool = False):
    """The SPARQL editor with the named queries; runs ``?name=`` or ``?query=`` on the server too."""
    arrived = time.monotonic()  # the time limit covers reading the text too
    queries = named_queries(settings())
    name = request.args.get("name")
    text = request.args.get("query")
    chosen = None
    error = None
    status = 200
    table = None
    if name:
        chosen = next((q for q in queries if q.name == name), None)
        if chosen is None:
            error = f"no named query {name!r}; choose one from the list"
            status = 404
        else:
            text = chosen.text
    if text is not None and text.strip() and error is None:
        try:
            result = store().query(with_prefixes(text), timeout=settings().query_timeout,
                                   deadline=arrived + settings().query_timeout,
                                   row_limit=settings().row_limit)
            table = results_table(result)
        except EcoKGError as exc:
            # a store that times out or a SERVICE that fails is not the person's mistake: the status /sparql gives
            error, status = str(exc), status_for(exc)
        except Exception as exc:  # backends raise their own parser/evaluation errors: all bad input here
            error, status = _readable(exc), 400
    elif text is not None and not text.strip():
        error, status = "the query is empty", 400
    named_json = [{"name": q.name, "title": q.title, "question": q.question, "text": q.text} for q in queries]
    body = render_template("query.html", queries=queries, chosen=chosen, named_json=named_json, text=text or DEFAULT_QUERY,
                           table=table, error=error, endpoint=(request.script_root or "") + "/sparql",
                           dataset_markup=dataset_jsonld() if with_dataset_markup else None)
    return Response(body, status=status, mimetype="text/html")


@blueprint.route("/")
def index():
    return query_page(with_dataset_markup=True)
