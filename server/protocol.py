"""The read-only SPARQL 1.1 Protocol service: `/sparql` (queries, Service Description), VoID, dumps, sitemap.

Owns reading query requests (`read_operation`, shared with `server.update`), dataset parameters, plain-text
errors with the right status, CORS, and the dataset's description, dumps, robots.txt and sitemap. Updates are
`server.update`'s, media types `server.formats`', evaluation `kg.stores`'.
"""
from __future__ import annotations

import time
from urllib.parse import parse_qsl, quote
from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, request, send_file
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD
from werkzeug.exceptions import HTTPException

from kg.errors import EcoKGError
from kg.metadata import DUMPS, dump_path, served_record
from kg.namespaces import ECO, ENTITIES_GRAPH, INFERRED_GRAPH, METADATA_GRAPH, PREFIXES, SD
from kg.ontology import CLAIM_CLASS, claim_kinds
from kg.results import well_formed_xml
from kg.settings import Settings
from kg.stores import Store

from . import caching, formats
from .errors import retry_after, status_for

blueprint = Blueprint("protocol", __name__)

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
#: methods /sparql answers; anything else gets 405 with this list in Allow
ALLOWED_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
#: largest request body accepted (a query, not a data upload)
MAX_BODY_BYTES = 1024 * 1024
CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}


class ProtocolError(Exception):
    """A request the service answers with ``status`` and a plain-text explanation."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def text_response(status: int, message: str, headers: dict | None = None) -> Response:
    body = message if message.endswith("\n") else message + "\n"
    response = Response(body, status=status, mimetype="text/plain")
    response.headers.update(headers or {})
    return response


def settings() -> Settings:
    return current_app.config["ECOKG_SETTINGS"]


def store() -> Store:
    return current_app.extensions["ecokg_store"]


# --------------------------------------------------------------------------------------- errors

@blueprint.errorhandler(ProtocolError)
def _protocol_error(error: ProtocolError):
    return text_response(error.status, error.message, error.headers)


def install_error_handlers(target: Blueprint, internal_message: str) -> None:
    """Plain-text answers for library errors (their status from `server.errors`), HTTP errors and internal
    failures."""

    @target.errorhandler(EcoKGError)
    def _library_error(error: EcoKGError):
        return text_response(status_for(error), str(error), retry_after(error))

    @target.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return text_response(error.code or 500, f"{error.code} {error.name}: {error.description}")

    @target.errorhandler(Exception)
    def _internal_error(error: Exception):
        current_app.logger.exception("internal error answering %s", request.path)
        return text_response(500, internal_message)


install_error_handlers(blueprint, "internal error: the query service failed; the server log has the details")


@blueprint.before_app_request
def _refuse_absurd_accept():
    """On every path: an Accept header no client needs is refused before anything parses or matches it."""
    problem = formats.accept_problem(request.headers.get("Accept", ""))
    if problem is not None:
        return text_response(400, problem)
    return None


@blueprint.after_request
def _cors(response: Response) -> Response:
    response.headers.update(CORS_HEADERS)
    return response


# --------------------------------------------------------------------------------------- reading requests

def _form_fields(body: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(400, "the form body is not valid URL-encoded UTF-8") from None


def _body() -> bytes:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise ProtocolError(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
    data = request.get_data(cache=True)
    if len(data) > MAX_BODY_BYTES:
        raise ProtocolError(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
    return data


def read_operation(field: str = "query", direct_type: str = QUERY_TYPE) -> tuple[list[str], dict[str, list[str]]]:
    """The operation texts and the other parameters of a SPARQL Protocol request.

    ``field`` is "query" (or "update", for an update service); ``direct_type`` the media type of a
    direct POST. Raises `ProtocolError` for a POST with a missing or unsupported Content-Type or a
    body that is not UTF-8. Parameters from the URL and a form body are merged.
    """
    params: dict[str, list[str]] = {}
    for key, value in request.args.items(multi=True):
        params.setdefault(key, []).append(value)
    operations = list(params.pop(field, []))
    if request.method != "POST":
        return operations, params
    media_type = (request.mimetype or "").lower()
    if media_type == FORM_TYPE:
        for key, value in _form_fields(_body()):
            (operations if key == field else params.setdefault(key, [])).append(value)
        return operations, params
    if media_type == direct_type:
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise ProtocolError(415, f"a {direct_type} body must be UTF-8, not {charset}")
        try:
            text = _body().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(400, f"the {field} is not valid UTF-8 (byte {exc.start})") from None
        operations.append(text.removeprefix("\ufeff"))
        return operations, params
    if media_type == UPDATE_TYPE or (media_type == QUERY_TYPE and field != "query"):
        raise ProtocolError(400 if field == "query" else 415, _update_refusal() if field == "query"
                            else f"use Content-Type {direct_type} here")
    if not media_type:
        raise ProtocolError(415, f"a POST needs a Content-Type: {FORM_TYPE} or {direct_type}")
    raise ProtocolError(415, f"unsupported Content-Type {media_type}; use {FORM_TYPE} or {direct_type}")


def _update_refusal() -> str:
    return ("SPARQL Update is not accepted by the query service at /sparql: it is read-only. "
            "Updates go to POST /update when the server enables them (setting update_enabled with update_token).")


def _negotiate(form: str, format_values: list[str]):
    """The answer's format. Clients such as SPARQLWrapper send ``format`` twice (a short name and a
    media type), so the first value this service knows wins; Accept decides when there is none."""
    if not format_values:
        return formats.negotiate(request.accept_mimetypes, form)
    problems = []
    for value in format_values:
        try:
            return formats.negotiate(request.accept_mimetypes, form, value)
        except formats.UnknownFormat as exc:
            problems.append(str(exc))
    raise ProtocolError(400, problems[0])


# --------------------------------------------------------------------------------------- /sparql

@blueprint.route("/sparql", methods=["GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"],
                 provide_automatic_options=False)
def sparql():
    """The SPARQL 1.1 query operation, or the service description when there is no query."""
    arrived = time.monotonic()  # the time limit covers reading the request and its text too
    if request.method == "OPTIONS":
        return preflight()
    if request.method not in ALLOWED_METHODS:
        raise ProtocolError(405, f"{request.method} is not allowed on /sparql; query with GET or POST",
                            {"Allow": ", ".join(ALLOWED_METHODS)})
    queries, params = read_operation("query", QUERY_TYPE)
    if params.get("update"):
        raise ProtocolError(400, _update_refusal())
    if len(queries) > 1:
        raise ProtocolError(400, f"the query parameter is given {len(queries)} times; send one query per request")
    if not queries:
        if request.method == "POST":
            raise ProtocolError(400, "no query: send it as the query form field or as an "
                                     f"{QUERY_TYPE} body")
        stray = sorted(name for name in params if name != "format")
        if stray:
            raise ProtocolError(400, f"no query: the request has {', '.join(stray)} but no query parameter; "
                                     "send the query as ?query=… (GET /sparql alone returns the service description)")
        return no_query()
    text = queries[0]
    if not text.strip():
        raise ProtocolError(400, "the query is empty")
    if len(text) > settings().max_query_length:
        raise ProtocolError(400, f"the query is {len(text):,} characters long; at most "
                                 f"{settings().max_query_length:,} are accepted (setting max_query_length)")
    current = settings()
    deadline = arrived + current.query_timeout
    shape = store().analyse(text, deadline=deadline)  # the store's own analysis, which `query` then reuses
    form = shape.form if shape.form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") else "SELECT"
    chosen = _negotiate(form, params.get("format", []))
    if chosen is None:
        available = ", ".join(formats.offered(form)[0])
        raise ProtocolError(406, f"no acceptable format for a {form} result; available: {available}")
    kept_as = caching.answer_key(text, params.get("default-graph-uri", []), params.get("named-graph-uri", []),
                                 chosen.media_type, shape)
    kept = caching.kept_answer(kept_as) if kept_as is not None else None
    if kept is not None:
        return kept  # the dataset has not changed since this answer was written
    result = store().query(text, default_graph_uris=params.get("default-graph-uri", []),
                           named_graph_uris=params.get("named-graph-uri", []),
                           timeout=current.query_timeout, row_limit=current.row_limit,
                           result_format=chosen.media_type, deadline=deadline)
    if result.payload is not None and result.payload_type == chosen.media_type:
        body, replaced = formats.well_formed(result.payload, chosen.media_type)  # the store's own serialiser
    else:
        if formats.is_graph_form(result.form) != formats.is_graph_form(form):
            # the text's form was misread; answer in the result's own default rather than a mismatched format
            chosen = formats.negotiate(None, result.form)
        try:
            body, replaced = (_results_page(result), 0) if chosen is formats.HTML_RESULTS \
                else formats.written(result, chosen)
        except formats.Unwritable as exc:
            raise ProtocolError(406, str(exc), {"Vary": "Accept"}) from None
    response = Response(body, content_type=formats.content_type(chosen.media_type))
    response.headers["Vary"] = "Accept"
    if replaced:
        response.headers["X-ECOKG-Replaced"] = (f"{replaced} character(s) that XML 1.0 cannot carry are written as "
                                                "U+FFFD; ask for JSON results or N-Triples to receive them as they are")
    if result.truncated:
        response.headers["X-ECOKG-Truncated"] = f"row limit {result.row_limit} reached; the answer is incomplete"
    return caching.keep(kept_as, response)


def _results_page(result) -> str:
    """HTML results: the query page's table (`server.pages.query.results_document`), one renderer for both."""
    from .pages.query import results_document

    return results_document(result)


def preflight() -> Response:
    """CORS preflight: any origin may query, from a page on any site."""
    response = Response(status=204, mimetype="text/plain")
    response.headers["Allow"] = ", ".join(ALLOWED_METHODS)
    response.headers["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
    response.headers["Access-Control-Allow-Headers"] = (request.headers.get("Access-Control-Request-Headers")
                                                        or "Accept, Content-Type")
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def no_query():
    """A browser (Accept preferring text/html) gets the query page when there is one; anyone else the
    service description."""
    from . import pages

    page = getattr(pages, "query_page", None)
    # ties go to RDF: `*/*` is not a browser
    if page is not None and formats.negotiate(request.accept_mimetypes, "service") is formats.HTML_RESULTS:
        return page()
    return rdf_response(service_description(), request.args.get("format"))


def rdf_response(graph: Graph, format_param: str | None = None) -> Response:
    try:
        chosen = formats.negotiate(request.accept_mimetypes, "description", format_param)
    except formats.UnknownFormat as exc:
        raise ProtocolError(400, str(exc)) from None
    try:
        body = formats.serialize_graph(graph, chosen)
    except formats.Unwritable as exc:
        raise ProtocolError(406, str(exc), {"Vary": "Accept"}) from None
    response = Response(body, content_type=formats.content_type(chosen.media_type))
    response.headers["Vary"] = "Accept"
    return response


def _graph_sizes() -> tuple[int, dict[str, int]]:
    """(distinct triples of the union default graph, {named graph: triples}), cached per store size."""
    cache = current_app.extensions.setdefault("ecokg_graph_sizes", {})
    current = store()
    key = (id(current), len(current))
    sizes = cache.get(key)
    if sizes is None:
        total = current.query("SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }")
        named = current.query("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        sizes = (int(total.rows[0][0]), {str(g): int(n) for g, n in named.rows})
        # another request may clear the cache between these lines: this one answers with what it counted
        cache.clear()
        cache[key] = sizes
    return sizes


def service_description() -> Graph:
    """SPARQL 1.1 Service Description of this endpoint, at the service's public address (`Settings.service_url`)."""
    graph = Graph(bind_namespaces="none")
    for prefix in ("sd", "void", "dcterms", "xsd"):
        graph.bind(prefix, PREFIXES[prefix])
    graph.bind("formats", "http://www.w3.org/ns/formats/")
    endpoint = URIRef(settings().service_url + "sparql")
    service = URIRef(settings().service_url + "sparql#service")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, endpoint))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.feature, SD.BasicFederatedQuery))
    graph.add((service, DCTERMS.title, Literal("ECO-KG SPARQL 1.1 query service", lang="en")))
    graph.add((service, DCTERMS.description, Literal(
        "Read-only. The default graph is the union of all named graphs. SERVICE may call only: "
        + (", ".join(settings().service_allowlist) or "no endpoint") + ".", lang="en")))
    for fmt in [*formats.RESULT_FORMATS.values(), *formats.GRAPH_FORMATS.values()]:
        graph.add((service, SD.resultFormat, URIRef(fmt.w3c)))
    total, named = _graph_sizes()
    dataset = BNode("defaultDataset")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, VOID.sparqlEndpoint, endpoint))
    default_graph = BNode("defaultGraph")
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    graph.add((default_graph, VOID.triples, Literal(total, datatype=XSD.integer)))
    for name, size in sorted(named.items()):
        named_graph = BNode("named-" + name.rsplit("/", 1)[-1])
        description = BNode("graph-" + name.rsplit("/", 1)[-1])
        graph.add((dataset, SD.namedGraph, named_graph))
        graph.add((named_graph, RDF.type, SD.NamedGraph))
        graph.add((named_graph, SD.name, URIRef(name)))
        graph.add((named_graph, SD.graph, description))
        graph.add((description, RDF.type, SD.Graph))
        graph.add((description, VOID.triples, Literal(size, datatype=XSD.integer)))
    return graph


# --------------------------------------------------------------------------------------- VoID, dumps

@blueprint.route("/.well-known/void")
def void_description():
    """The dataset's VoID/DCAT record; its endpoint and download IRIs name the service's public address."""
    result = store().query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{METADATA_GRAPH}> {{ ?s ?p ?o }} }}")
    record = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        record.bind(prefix, namespace)
    for triple in result.graph or Graph():
        record.add(triple)
    # never the request's Host: the record must not depend on who asked
    graph = served_record(record, settings().public_base, settings().service_url)
    return rdf_response(graph, request.args.get("format"))


@blueprint.route("/robots.txt")
def robots_txt():
    """Crawlers may read every page; the query service is for people and programs, not for crawling."""
    body = (f"User-agent: *\nAllow: /\nDisallow: /sparql\nDisallow: /update\n\n"
            f"Sitemap: {settings().service_url}sitemap.xml\n")
    return Response(body, mimetype="text/plain")


def sitemap_query(settings: Settings) -> str:
    """The pages a search engine should know about: every entity, every claim (of each kind the ontology
    defines, `kg.ontology.claim_kinds`) and every interview."""
    kinds = [CLAIM_CLASS, *(kind.iri for kind in claim_kinds(settings)), ECO.Interview]
    return f"""SELECT DISTINCT ?s WHERE {{
  {{ GRAPH <{ENTITIES_GRAPH}> {{ ?s ?p ?o }} }}
  UNION {{ GRAPH ?g {{ ?s a ?kind }} VALUES ?kind {{ {" ".join(f"<{kind}>" for kind in kinds)} }}
        FILTER(?g != <{INFERRED_GRAPH}>) }}
  FILTER(isIRI(?s))
}} ORDER BY ?s"""


@blueprint.route("/sitemap.xml")
def sitemap_xml():
    """The sitemaps.org list of the pages, at the service's public address."""
    public = settings().public_base
    here = settings().service_url
    paths = ["", "dataset", "ontology", "graph", "shapes/"]
    for (iri,) in store().query(sitemap_query(settings()), timeout=settings().query_timeout).rows:
        if str(iri).startswith(public):
            paths.append(quote(str(iri)[len(public):], safe="/:@!$&'()*+,;=-._~"))
    entries = "\n".join(f"  <url><loc>{escape(here + path)}</loc></url>" for path in dict.fromkeys(paths))
    body, _replaced = well_formed_xml('<?xml version="1.0" encoding="UTF-8"?>\n'
                                      '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + entries
                                      + "\n</urlset>\n")  # the data's IRIs may hold anything
    return Response(body, mimetype="application/xml")


@blueprint.route("/download/<name>")
def download(name: str):
    """A dump of the dataset, in the media type its extension names."""
    if name not in DUMPS:
        raise ProtocolError(404, f"no dump named {name}; available: {', '.join(DUMPS)}")
    path = dump_path(settings(), name)
    if not path.is_file():
        raise ProtocolError(404, f"{name} has not been built; run `ecokg build`")
    media_type = formats.by_file(name).media_type
    response = send_file(path, mimetype=formats.content_type(media_type), conditional=True, max_age=60)
    return response
