"""Media types: the one registry of formats, the one content negotiation, and writing answers.

Owns `REGISTRY` (each format's media types, file extension, ``format=`` names, what it carries, its writer),
`negotiate` (Accept with q-values, or a ``format`` parameter) for /sparql, the pages, the ontology and the
nanopublications, and writing a `kg.stores.QueryResult` or a graph (XML always well-formed, JSON-LD one way,
a graph RDF/XML cannot write an `Unwritable`). It does not read requests or run queries (`server.protocol`).
"""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Dataset, Graph
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from kg import results
from kg.namespaces import PREFIXES
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
_W3 = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    media_type: str  # what the response says it is
    writer: str  # results: json/xml/csv/tsv/html; graphs: the rdflib serializer name
    w3c: str = ""  # the format's IRI in http://www.w3.org/ns/formats/ (for the service description)
    key: str = ""  # its ``format=`` value in the links the service writes (Content-Location, alternates)
    title: str = ""  # the name people read
    extension: str = ""  # a file of it ends in this
    names: tuple[str, ...] = ()  # other ``format=`` values that choose it
    aliases: tuple[str, ...] = ()  # media types clients send for it, answered with ``media_type``
    carries: str = "graph"  # "results" (SELECT, ASK), "graph" (CONSTRUCT, DESCRIBE, descriptions) or "page"
    quads: bool = False  # keeps named graphs (a nanopublication is four)


#: every format the service writes, once: negotiation, links, file names and writers all read this
REGISTRY = (
    Format(SPARQL_JSON, "json", _W3 + "SPARQL_Results_JSON", "json", "SPARQL JSON", "srj", ("srj",),
           ("application/json",), "results"),
    Format(SPARQL_XML, "xml", _W3 + "SPARQL_Results_XML", "xml", "SPARQL XML", "srx", ("srx",),
           ("application/xml", "text/xml"), "results"),
    Format(CSV, "csv", _W3 + "SPARQL_Results_CSV", "csv", "CSV", "csv", (), (), "results"),
    Format(TSV, "tsv", _W3 + "SPARQL_Results_TSV", "tsv", "TSV", "tsv", (), (), "results"),
    # N3 clients (SPARQLWrapper's returnFormat=N3) read Turtle, which is N3 without its extensions
    Format(TURTLE, "turtle", _W3 + "Turtle", "turtle", "Turtle", "ttl", ("ttl", "n3"),
           ("application/x-turtle", "text/n3", "text/rdf+n3", "application/n3")),
    Format(NTRIPLES, "nt", _W3 + "N-Triples", "ntriples", "N-Triples", "nt", ("nt", "n-triples"), ("text/plain",)),
    Format(JSONLD, "json-ld", _W3 + "JSON-LD", "jsonld", "JSON-LD", "jsonld", ("json-ld", "json"),
           ("application/json",), quads=True),
    # "owl": Protégé's habit of naming RDF/XML ontologies .owl
    Format(RDFXML, "xml", _W3 + "RDF_XML", "rdfxml", "RDF/XML", "rdf", ("rdf", "xml", "owl"),
           ("application/xml", "text/xml")),
    Format(TRIG, "trig", _W3 + "TriG", "trig", "TriG", "trig", (), (), quads=True),
    Format(NQUADS, "nquads", _W3 + "N-Quads", "nquads", "N-Quads", "nq", ("nq", "n-quads"), (), quads=True),
    Format(HTML, "html", "", "html", "HTML", "html", ("htm", "xhtml"), ("application/xhtml+xml",), "page"),
)
RESULT_FORMATS = {fmt.media_type: fmt for fmt in REGISTRY if fmt.carries == "results"}
GRAPH_FORMATS = {fmt.media_type: fmt for fmt in REGISTRY if fmt.carries == "graph"}
#: SELECT/ASK for a browser that follows a query link, and every page: HTML
HTML_RESULTS = REGISTRY[-1]
BY_KEY = {fmt.key: fmt for fmt in REGISTRY if fmt.carries != "results"}
#: media types clients commonly send for the same thing, answered with the canonical type
RESULT_ALIASES = {alias: fmt.media_type for fmt in RESULT_FORMATS.values() for alias in fmt.aliases}
GRAPH_ALIASES = {alias: fmt.media_type for fmt in GRAPH_FORMATS.values() for alias in fmt.aliases}
#: short names for the ``format`` parameter
RESULT_NAMES = {name: fmt.media_type for fmt in RESULT_FORMATS.values() for name in (fmt.key, *fmt.names)}
GRAPH_NAMES = {name: fmt.media_type for fmt in GRAPH_FORMATS.values() for name in (fmt.key, *fmt.names)}



def by_file(name: str) -> Format | None:
    """The format a file's name says it holds (eco.ttl, eco-kg.nq, eco.owl …), or None."""
    extension = name.rpartition(".")[2].lower()
    return next((fmt for fmt in REGISTRY if extension == fmt.extension or extension in fmt.names), None)


TEXTUAL = {fmt.media_type for fmt in REGISTRY}


@dataclass(frozen=True)
class Offer:
    """What one kind of answer can be written in, and what it gets when the request does not decide."""
    carries: str  # "results" or "graph"
    default: str  # the media type without an Accept header or a ``format`` parameter
    html: str | None = None  # "first": a tie (``*/*``) is a browser (pages); "last": only text/html preferred
    quads_only: bool = False  # only formats that keep named graphs
    #: Accept names nothing offered: "none" (406), "default", or "family" (the default when Accept names a
    #: format of the other family, a results format for CONSTRUCT or a graph format for SELECT)
    unmatched: str = "none"


OFFERS = {
    "SELECT": Offer("results", SPARQL_JSON, html="last", unmatched="family"),
    "ASK": Offer("results", SPARQL_JSON, html="last", unmatched="family"),
    # HTML (the results table, as for SELECT) only when text/html is preferred: the query page asks for it
    "CONSTRUCT": Offer("graph", TURTLE, html="last", unmatched="family"),
    "DESCRIBE": Offer("graph", TURTLE, html="last", unmatched="family"),
    # a description (the service's, VoID): better in Turtle than a 406 for a browser
    "description": Offer("graph", TURTLE, unmatched="default"),
    # /sparql without a query: the query page for a browser, else the service description
    "service": Offer("graph", TURTLE, html="last", unmatched="default"),
    "page": Offer("graph", HTML, html="first"),
    # the ontology's own IRIs: a client that sends no Accept header there is an OWL tool (owlready2 reads
    # with urllib, which sends none), and OWL tools read RDF/XML
    "ontology": Offer("graph", RDFXML, html="first"),
    # a program asking for nothing in particular gets the nanopublication itself; Turtle, N-Triples and
    # RDF/XML cannot keep its graphs: TriG rather than 406, as HTTP allows
    "nanopub": Offer("graph", TRIG, html="first", quads_only=True, unmatched="default"),
}


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
    return OFFERS[form].carries == "graph" if form in OFFERS else False


def offered(form: str) -> tuple[dict[str, Format], dict[str, str], dict[str, str]]:
    """The formats an answer of ``form`` can be written in, the media types sent for them, their short names."""
    offer = OFFERS.get(form, OFFERS["SELECT"])
    formats = {media: fmt for media, fmt in (GRAPH_FORMATS if offer.carries == "graph" else RESULT_FORMATS).items()
               if fmt.quads or not offer.quads_only}
    aliases = {alias: media for media in formats for alias in formats[media].aliases}
    names = {name: media for media in formats for name in (formats[media].key, *formats[media].names)}
    if offer.html is not None:
        aliases.update({alias: HTML for alias in HTML_RESULTS.aliases})
        names.update({name: HTML for name in (HTML_RESULTS.key, HTML, *HTML_RESULTS.names)})
    return formats, aliases, names


def _other_family(form: str) -> tuple[dict, dict, dict]:
    return offered("SELECT" if is_graph_form(form) else "CONSTRUCT")


def _known(key: str, formats: dict, aliases: dict, names: dict) -> str | None:
    return names.get(key) or (key if key in formats else aliases.get(key))


def _format(media_type: str) -> Format:
    return HTML_RESULTS if media_type == HTML else {**RESULT_FORMATS, **GRAPH_FORMATS}[media_type]


def _quality(accept, media_type: str) -> tuple[float, int] | None:
    """The quality the client gives ``media_type`` and how specific the range that gave it is: the most
    specific range that matches decides (RFC 9110 12.5.1), so ``text/turtle;q=0, text/*`` refuses Turtle."""
    kind = media_type.partition("/")[0]
    found = None
    for value, quality in accept:
        media_range = value.split(";", 1)[0].strip().lower()
        if media_range == media_type:
            specificity = 2
        elif media_range == kind + "/*":
            specificity = 1
        elif media_range in ("*/*", "*"):
            specificity = 0
        else:
            continue
        if found is None or (specificity, quality) > (found[1], found[0]):
            found = (quality, specificity)
    return found


def _best_match(accept, candidates: list[str], aliases: dict[str, str]) -> str | None:
    """The candidate with the highest quality, then the most specific range; ties go to the earlier one. An
    alias counts only when the client does not name the type it is answered in (``text/turtle;q=0, text/*``
    refuses ``text/n3`` too)."""
    best, best_rank = None, (0.0, -1)
    for candidate in candidates:
        rank = _quality(accept, candidate)
        canonical = aliases.get(candidate, candidate)
        if canonical != candidate and (_quality(accept, canonical) or (0, 0))[1] == 2:
            continue  # the client named the type this alias is answered in: that quality holds, q=0 too
        if rank is not None and rank[0] > 0 and rank > best_rank:
            best, best_rank = candidate, rank
    return best


def negotiate(accept, form: str, format_param: str | None = None) -> Format | None:
    """The format to answer ``form`` in (a query form, or one of `OFFERS`' kinds of page), or None when
    nothing acceptable can be made (406).

    ``accept`` is the Accept header (its text or werkzeug's MIMEAccept), read with its q-values, wildcards
    and specificity. A ``format`` parameter (short name or media type) wins over Accept; one that names no
    format this answer can be written in raises `UnknownFormat`. HTML, where it is not offered, gets the
    default; so does a format of the other family where the offer says so.
    """
    offer = OFFERS[form]
    formats, aliases, names = offered(form)
    default = _format(offer.default)
    if format_param:
        key = format_param.strip().lower()
        media_type = _known(key, formats, aliases, names)
        if media_type is not None:
            return _format(media_type)
        if key in (HTML, HTML_RESULTS.key, *HTML_RESULTS.names, *HTML_RESULTS.aliases) and offer.html is None:
            return default
        if offer.unmatched == "family" and _known(key, *_other_family(form)) is not None:
            return default
        choices = ", ".join(sorted(set(names) | set(formats)))
        what = f"a {form} query" if form.isupper() else f"the {form}"
        raise UnknownFormat(f"format={format_param!r} cannot be used for {what}; use one of: {choices}")
    if isinstance(accept, str):
        accept = parse_accept_header(accept, MIMEAccept)
    if not accept or not list(accept.values()):
        return default
    candidates = list(formats) + [alias for alias in aliases if aliases[alias] != HTML]  # ties: the canonical first
    if offer.html == "first":
        candidates = [HTML, *HTML_RESULTS.aliases, *candidates]
    elif offer.html == "last":
        candidates.append(HTML)  # last: ties (*/*) never choose it
    chosen = _best_match(accept, candidates, {**aliases, **{alias: HTML for alias in HTML_RESULTS.aliases}})
    if chosen is not None:
        return _format(aliases.get(chosen, chosen))
    if offer.unmatched == "default":
        return default
    if offer.unmatched == "family":
        other_formats, other_aliases, _names = _other_family(form)
        if _best_match(accept, list(other_formats) + list(other_aliases), other_aliases) is not None:
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


# --------------------------------------------------------------------------------------- writing

#: the results formats written here; HTML results are the query page's table (`server.pages.query`)
RESULT_WRITERS = results.WRITERS


def serialize_graph(graph: Graph, fmt: Format) -> str:
    """``graph`` in ``fmt``; RDF/XML well-formed (`kg.results.well_formed_xml`) or `Unwritable`."""
    if fmt.writer == "json-ld":
        return json_ld(graph)
    if fmt.writer == "nquads":
        return graph.serialize(format="nt")  # a graph's N-Triples are N-Quads in the default graph
    if fmt.writer == "xml":
        return results.well_formed_xml(_rdf_xml(graph))[0]
    return graph.serialize(format=fmt.writer)


def json_ld(graph: Graph | Dataset) -> str:
    """The one JSON-LD writer (/sparql, the pages, the nanopublications): the project's prefixes as its
    context, so that the same graph is the same document everywhere and reads like the Turtle."""
    return graph.serialize(format="json-ld", context=dict(PREFIXES), auto_compact=True)


def serialize_dataset(dataset: Dataset, fmt: Format) -> str:
    """``dataset`` (named graphs kept) in TriG, N-Quads or JSON-LD."""
    return json_ld(dataset) if fmt.writer == "json-ld" else dataset.serialize(format=fmt.writer)


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
           "load_writers", "UnknownFormat", "Unwritable", "RESULT_FORMATS", "GRAPH_FORMATS", "is_graph_form",
           "REGISTRY", "OFFERS", "BY_KEY", "by_file", "json_ld", "serialize_dataset"]
