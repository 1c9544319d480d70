"""Pages for people: the query page, Linked Data pages and the picture of the graph.

Owns the `pages` blueprint: `/` (and `query_page`, which `/sparql` calls for a browser without a
query), every IRI under the public base dereferenced with content negotiation (HTML with links both
ways and evidence highlighted in the source text; Turtle, JSON-LD, N-Triples, RDF/XML), the
ontology's documentation at `/ontology`, and `/graph` with `/graph.svg`. It reads data only through
the store's `query` (`kg.stores`); the SPARQL protocol itself lives in `server.protocol`.

Dereferencing follows the 200-with-Content-Location practice: the IRI answers 200 with the
negotiated representation, `Vary: Accept`, a `Content-Location` naming that representation's own
URL (`?format=turtle` …) and `Link: rel="alternate"` headers for the others; no 303 round trip.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, g, render_template, request
from markupsafe import Markup, escape
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from kg.errors import EcoKGError, StoreError
from kg.namespaces import (DATASET_IRI, ECO, INFERRED_GRAPH, METADATA_GRAPH, ONTOLOGY_GRAPH, ONTOLOGY_IRI, PREFIXES,
                           sparql_prologue)
from kg.query import named_queries, term_text
from kg.rdfio import bind_prefixes
from kg.settings import Settings

blueprint = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/pages-static")

#: ?format= value -> (media type, rdflib serializer); "html" is the page itself
FORMATS = {
    "html": ("text/html", None),
    "turtle": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "ntriples": ("application/n-triples", "nt"),
    "rdfxml": ("application/rdf+xml", "xml"),
    # quads: a named graph's page keeps its contents in that graph (the description in the default graph)
    "trig": ("application/trig", "trig"),
    "nquads": ("application/n-quads", "nquads"),
}
FORMAT_ALIASES = {"ttl": "turtle", "json-ld": "jsonld", "json": "jsonld", "nt": "ntriples",
                  "n-triples": "ntriples", "xml": "rdfxml", "rdf": "rdfxml", "htm": "html", "n3": "turtle",
                  "owl": "rdfxml", "nq": "nquads", "n-quads": "nquads"}
FORMAT_NAMES = {"html": "HTML", "turtle": "Turtle", "jsonld": "JSON-LD", "ntriples": "N-Triples",
                "rdfxml": "RDF/XML", "trig": "TriG", "nquads": "N-Quads"}
#: media types a client may ask for, in the server's order of preference for equal quality
OFFERED = [("text/html", "html"), ("application/xhtml+xml", "html"), ("text/turtle", "turtle"),
           ("application/ld+json", "jsonld"), ("application/n-triples", "ntriples"),
           ("application/rdf+xml", "rdfxml"), ("application/x-turtle", "turtle"),
           ("text/plain", "ntriples"), ("application/json", "jsonld"), ("application/trig", "trig"),
           ("application/n-quads", "nquads"), ("text/n3", "turtle"), ("text/rdf+n3", "turtle")]
#: the whole ontology and the shapes as files: name -> format key
ONTOLOGY_FILES = {"eco.ttl": "turtle", "eco.owl": "rdfxml", "eco.rdf": "rdfxml", "eco.jsonld": "jsonld",
                  "eco.nt": "ntriples"}
SHAPES_FILES = {"shapes.ttl": "turtle", "shapes.rdf": "rdfxml", "shapes.jsonld": "jsonld", "shapes.nt": "ntriples"}
#: a version IRI of the ontology (owl:versionIRI, owl:priorVersion): …/ontology/1.1.0
VERSION_SEGMENT = re.compile(r"\d+\.\d+\.\d+")

#: most incoming statements a page lists (a class with many instances stays readable)
INCOMING_LIMIT = 2000
#: most rows the query page renders itself (the endpoint still returns them all)
PAGE_ROW_LIMIT = 2000
#: characters that may not appear in an IRI written between < > in SPARQL
UNSAFE_IRI = re.compile(r'[<>"{}|^`\\\s\x00-\x1f]')

LABEL_PREDICATES = [RDFS.label, SKOS.prefLabel, DCTERMS.title]
NOTE_PREDICATES = [SKOS.definition, RDFS.comment, DCTERMS.description, SKOS.scopeNote]
#: predicates shown first on a page, in this order; the rest follow by label
LEADING_PREDICATES = [RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, DCTERMS.title,
                      SKOS.definition, RDFS.comment, DCTERMS.description, SKOS.scopeNote]
SEGMENT_KINDS = {ECO.Question: "question", ECO.Answer: "answer", ECO.Heading: "heading"}
#: how a claim kind reads as a verb on an edge of the graph picture
CLAIM_VERBS = [(ECO.Proposal, "proposes"), (ECO.Stance, "takes a stance on"),
               (ECO.Assessment, "assesses"), (ECO.ReportedStatement, "speaks of"),
               (ECO.FactualStatement, "states"), (ECO.Claim, "says about")]


class BadRequest(Exception):
    """Input a person sent that the pages cannot use; shown with its status, never a traceback."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


# ---------------------------------------------------------------------------------------------
# Access to settings and the store
# ---------------------------------------------------------------------------------------------
def settings() -> Settings:
    return current_app.config.get("ECOKG_SETTINGS") or Settings()


def public_base() -> str:
    return settings().public_base


def store():
    return current_app.extensions["ecokg_store"]


def iri_ref(iri: str) -> str:
    """``<iri>`` for a SPARQL text; refuses characters that could end the IRI early."""
    if UNSAFE_IRI.search(iri):
        raise BadRequest(f"not a usable IRI: {iri!r}", 404)
    return f"<{iri}>"


def run(sparql: str):
    """Run one of the pages' own queries (the project's prefixes declared)."""
    return store().query(sparql_prologue() + sparql, timeout=settings().query_timeout)


def select(sparql: str) -> list[dict[str, Node | None]]:
    result = run(sparql)
    names = [str(v).lstrip("?$") for v in result.variables]
    return [dict(zip(names, row)) for row in result.rows]


def values_clause(variable: str, iris) -> str:
    return f"VALUES ?{variable} {{ {' '.join(iri_ref(str(i)) for i in iris)} }}"


def local_href(iri: str) -> str:
    """Where a browser should go for ``iri``: the local path for IRIs under the base, else the IRI."""
    base = public_base()
    if iri.startswith(base):
        return (request.script_root or "") + "/" + quote(iri[len(base):], safe="/:@!$&'()*+,;=-._~%")
    return iri


def iri_for_path(path: str) -> str:
    return public_base() + path.lstrip("/")


# ---------------------------------------------------------------------------------------------
# Labels and how terms look on a page
# ---------------------------------------------------------------------------------------------
def _label_rank(literal: Literal, predicate: URIRef) -> tuple:
    lang = (literal.language or "").lower()
    return (0 if lang == "en" else 1 if not lang else 2, LABEL_PREDICATES.index(predicate), str(literal))


def fetch_labels(iris) -> dict[str, str]:
    """Best label of each IRI (English first), fetched in batches; remembered for the request."""
    known: dict[str, str] = g.setdefault("ecokg_labels", {})
    wanted = sorted({str(i) for i in iris if isinstance(i, URIRef)} - set(known))
    for chunk_start in range(0, len(wanted), 200):
        chunk = [URIRef(i) for i in wanted[chunk_start:chunk_start + 200] if not UNSAFE_IRI.search(i)]
        if not chunk:
            continue
        rows = select(f"""SELECT ?x ?p ?label WHERE {{ {values_clause('x', chunk)}
            VALUES ?p {{ rdfs:label skos:prefLabel dcterms:title }}
            GRAPH ?g {{ ?x ?p ?label }} FILTER(isLiteral(?label)) }}""")
        best: dict[str, tuple] = {}
        for row in rows:
            rank = _label_rank(row["label"], row["p"])
            key = str(row["x"])
            if key not in best or rank < best[key][0]:
                best[key] = (rank, str(row["label"]))
        for key, (_rank, label) in best.items():
            known[key] = label
    for i in wanted:
        known.setdefault(i, "")
    return known


def label_of(term) -> str:
    labels = g.get("ecokg_labels", {})
    if isinstance(term, URIRef):
        return labels.get(str(term)) or compact(term)
    return str(term)


def compact(term) -> str:
    return term_text(term) if term is not None else ""


def term_html(term, *, with_curie: bool = True) -> Markup:
    """One RDF term as HTML: IRIs linked (locally when under the base), literals escaped."""
    if term is None:
        return Markup('<span class="unbound">—</span>')
    if isinstance(term, URIRef):
        label = label_of(term)
        curie = compact(term)
        external = "" if str(term).startswith(public_base()) else ' class="external"'
        link = Markup('<a href="{}" title="{}"{}>{}</a>').format(local_href(str(term)), str(term),
                                                                 Markup(external), label)
        if with_curie and label != curie:
            link += Markup(' <span class="curie">{}</span>').format(curie)
        return link
    if isinstance(term, BNode):
        return Markup('<span class="bnode">_:{}</span>').format(str(term)[:12])
    if isinstance(term, Literal):
        text = Markup('<span class="literal">{}</span>').format(str(term))
        if term.language:
            text += Markup('<span class="lang">@{}</span>').format(term.language)
        elif term.datatype and term.datatype != XSD.string:
            text += Markup('<span class="datatype">{}</span>').format(compact(term.datatype))
        return text
    return Markup(escape(str(term)))


# ---------------------------------------------------------------------------------------------
# Highlighting spans of text
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Highlight:
    """A span of a source text (absolute code-point offsets, end exclusive) and how to wrap it.

    ``layer`` orders nesting (lower is outer); ``after`` is written once after the span's end.
    """

    start: int
    end: int
    open: str
    close: str
    layer: int = 0
    after: str = ""


def mark_up(text: str, offset: int, highlights: list[Highlight]) -> Markup:
    """``text`` (which starts at ``offset`` in its source) as HTML with every highlight wrapped.

    Overlapping spans are nested properly: where an inner span outlives its outer one, it is
    closed and reopened, so the HTML is always well formed.
    """
    spans = [h for h in highlights if h.end > offset and h.start < offset + len(text) and h.end > h.start]
    cuts = {0, len(text)}
    for h in spans:
        cuts.add(max(0, h.start - offset))
        cuts.add(min(len(text), h.end - offset))
    bounds = sorted(cuts)
    out: list[str] = []
    stack: list[int] = []
    order = sorted(range(len(spans)), key=lambda i: (spans[i].layer, spans[i].start, -spans[i].end, i))
    for lo, hi in zip(bounds, bounds[1:]):
        active = [i for i in order if spans[i].start - offset <= lo and hi <= spans[i].end - offset]
        keep = 0
        while keep < len(stack) and keep < len(active) and stack[keep] == active[keep]:
            keep += 1
        for i in reversed(stack[keep:]):
            out.append(spans[i].close)
            if spans[i].end - offset <= lo:
                out.append(spans[i].after)
        out.extend(spans[i].open for i in active[keep:])
        stack = active
        out.append(str(escape(text[lo:hi])))
    for i in reversed(stack):
        out.append(spans[i].close + spans[i].after)
    return Markup("".join(out))


@dataclass(frozen=True)
class Segment:
    iri: URIRef
    source: URIRef
    index: int
    kind: str
    start: int
    end: int
    text: str


def source_segments(source: URIRef) -> list[Segment]:
    """The paragraphs of a source document, in order, as the build recorded them."""
    cache = g.setdefault("ecokg_segments", {})
    if source in cache:
        return cache[source]
    rows = select(f"""SELECT ?seg ?type ?index ?start ?end ?exact WHERE {{ GRAPH ?g {{
        ?seg dcterms:isPartOf {iri_ref(source)} ; a ?type ; eco:segmentIndex ?index ;
             oa:hasSelector ?ps , ?qs .
        ?ps a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
        ?qs a oa:TextQuoteSelector ; oa:exact ?exact .
        VALUES ?type {{ eco:Question eco:Answer eco:Heading }} }} }}""")
    segments = {}
    for row in rows:
        segments[row["seg"]] = Segment(row["seg"], source, int(row["index"]), SEGMENT_KINDS[row["type"]],
                                       int(row["start"]), int(row["end"]), str(row["exact"]))
    cache[source] = sorted(segments.values(), key=lambda s: s.index)
    return cache[source]


def segment_for(source: URIRef, start: int, end: int) -> Segment | None:
    for segment in source_segments(source):
        if segment.start <= start and end <= segment.end:
            return segment
    return None


@dataclass
class TextSpan:
    """A selected span of a source: what selects it (annotation, claim) and its offsets."""

    source: URIRef
    start: int
    end: int
    about: URIRef | None = None  # the claim or entity the span is evidence or a mention of
    annotation: URIRef | None = None
    exact: str = ""


def paragraphs_with(spans: list[TextSpan], make) -> list[dict]:
    """The paragraphs that contain ``spans``, each with its spans wrapped by ``make(span)``.

    Returns dicts for the templates: the segment, its HTML and the spans it holds. A span that
    fits no recorded paragraph (a source without segments) is shown on its own.
    """
    grouped: dict[Segment, list[TextSpan]] = defaultdict(list)
    loose: list[TextSpan] = []
    for span in spans:
        segment = segment_for(span.source, span.start, span.end)
        if segment is None:
            loose.append(span)
        else:
            grouped[segment].append(span)
    out = []
    for segment in sorted(grouped, key=lambda s: (str(s.source), s.index)):
        highlights = [make(span) for span in grouped[segment]]
        out.append({"segment": segment, "html": mark_up(segment.text, segment.start, highlights),
                    "spans": grouped[segment]})
    for span in loose:
        out.append({"segment": None, "html": Markup("<mark>{}</mark>").format(span.exact), "spans": [span]})
    return out


def evidence_mark(span: TextSpan) -> Highlight:
    title = label_of(span.about) if span.about is not None else "evidence"
    return Highlight(span.start, span.end,
                     str(Markup('<mark class="evidence" title="{}">').format(title)), "</mark>", 0)


def mention_mark(span: TextSpan) -> Highlight:
    return Highlight(span.start, span.end, '<mark class="mention">', "</mark>", 1)


_SELECTION = """?t oa:hasSource ?src ; oa:hasSelector ?ps .
    ?ps a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
    OPTIONAL { ?t oa:hasSelector ?qs . ?qs a oa:TextQuoteSelector ; oa:exact ?exact }"""


def _spans(rows, about_key: str | None) -> list[TextSpan]:
    seen, spans = set(), []
    for row in rows:
        key = (row["src"], int(row["start"]), int(row["end"]), row.get(about_key) if about_key else None)
        if key in seen:
            continue
        seen.add(key)
        spans.append(TextSpan(row["src"], int(row["start"]), int(row["end"]),
                              row.get(about_key) if about_key else None, row.get("ann"),
                              str(row.get("exact") or "")))
    return sorted(spans, key=lambda s: (str(s.source), s.start, s.end))


def claim_evidence(claims) -> list[TextSpan]:
    """The evidence spans of the given claims."""
    claims = list(claims)
    if not claims:
        return []
    rows = select(f"""SELECT ?claim ?ann ?src ?start ?end ?exact WHERE {{ {values_clause('claim', claims)}
        GRAPH ?g {{ ?claim eco:hasEvidence ?ann . ?ann oa:hasTarget ?t . {_SELECTION} }} }}""")
    return _spans(rows, "claim")


def entity_mentions(entity: URIRef) -> list[TextSpan]:
    rows = select(f"""SELECT ?ann ?src ?start ?end ?exact WHERE {{ GRAPH ?g {{
        ?ann oa:motivatedBy oa:identifying ; oa:hasBody {iri_ref(entity)} ; oa:hasTarget ?t . {_SELECTION} }} }}""")
    spans = _spans(rows, None)
    for span in spans:
        span.about = entity
    return spans


def selected_spans(resource: URIRef) -> list[TextSpan]:
    """Text that ``resource`` selects itself: an annotation, its target, a selector or a paragraph."""
    r = iri_ref(resource)
    rows = select(f"""SELECT ?src ?start ?end ?exact WHERE {{
        {{ GRAPH ?g {{ {r} oa:hasTarget ?t . {_SELECTION} }} }}
        UNION {{ GRAPH ?g {{ BIND({r} AS ?t) {_SELECTION} }} }}
        UNION {{ GRAPH ?g {{ ?t oa:hasSelector {r} . {_SELECTION} }} }} }}""")
    return _spans(rows, None)


def claims_about(entity: URIRef) -> list[dict]:
    """Claims that point at ``entity`` (as holder, what they are about, forum …), with the role."""
    rows = select(f"""SELECT DISTINCT ?claim ?p WHERE {{
        GRAPH ?g {{ ?claim ?p {iri_ref(entity)} . ?claim a ?type }}
        GRAPH ?o {{ ?type rdfs:subClassOf* eco:Claim }} }}""")
    by_claim: dict[URIRef, set] = defaultdict(set)
    for row in rows:
        by_claim[row["claim"]].add(row["p"])
    return [{"claim": c, "roles": sorted(ps, key=str)} for c, ps in sorted(by_claim.items(), key=lambda kv: str(kv[0]))]


def is_claim(types) -> bool:
    return any(t in claim_classes() for t in types)


def claim_classes() -> set[URIRef]:
    closure = class_closure()
    return {c for c, supers in closure.items() if ECO.Claim in supers} | {ECO.Claim}


def class_closure() -> dict[URIRef, set[URIRef]]:
    """Each class with all its superclasses (itself included), from the ontology."""
    if "ecokg_classes" in g:
        return g.ecokg_classes
    rows = select("SELECT ?c ?s WHERE { GRAPH ?g { ?c rdfs:subClassOf ?s } FILTER(isIRI(?c) && isIRI(?s)) }")
    direct: dict[URIRef, set] = defaultdict(set)
    for row in rows:
        direct[row["c"]].add(row["s"])
    closure: dict[URIRef, set] = {}

    def supers(cls, seen=()):
        if cls in closure:
            return closure[cls]
        found = {cls}
        for parent in direct.get(cls, ()):
            if parent not in seen:
                found |= supers(parent, seen + (cls,))
        closure[cls] = found
        return found

    for cls in list(direct):
        supers(cls)
    g.ecokg_classes = defaultdict(set, closure)
    return g.ecokg_classes


def ancestors(cls: URIRef) -> set[URIRef]:
    closure = class_closure()
    return closure[cls] if cls in closure else {cls}


# ---------------------------------------------------------------------------------------------
# Describing a resource
# ---------------------------------------------------------------------------------------------
@dataclass
class Description:
    """Everything the store says about one IRI: outgoing and incoming statements, per graph."""

    iri: URIRef
    outgoing: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    incoming: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    bnodes: dict = field(default_factory=lambda: defaultdict(list))
    graph: Graph = field(default_factory=lambda: bind_prefixes(Graph()))
    incoming_truncated: bool = False

    @property
    def exists(self) -> bool:
        return bool(len(self.graph))

    def values(self, predicate) -> list:
        return sorted(self.outgoing.get(predicate, {}), key=lambda v: (not isinstance(v, URIRef), str(v)))

    @property
    def types(self) -> list[URIRef]:
        return [t for t in self.values(RDF.type) if isinstance(t, URIRef)]


def describe(iri: URIRef) -> Description:
    """Outgoing statements (with blank-node detail such as OWL lists) and incoming ones."""
    r = iri_ref(iri)
    description = Description(iri)
    rows = select(f"""SELECT ?dir ?s ?p ?o ?g WHERE {{
        {{ GRAPH ?g {{ {r} ?p ?o }} BIND("out" AS ?dir) BIND({r} AS ?s) }}
        UNION {{ GRAPH ?g {{ {r} ?p0 ?b0 . FILTER(isBlank(?b0))
                 ?b0 (rdf:first|rdf:rest|owl:members|owl:unionOf|owl:intersectionOf|owl:oneOf|owl:someValuesFrom|owl:allValuesFrom)* ?s .
                 FILTER(isBlank(?s)) ?s ?p ?o }} BIND("bnode" AS ?dir) }} }}""")
    incoming = select(f"""SELECT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p {r} }} FILTER(!isBlank(?s)) }}
        ORDER BY ?p ?s LIMIT {INCOMING_LIMIT + 1}""")
    if len(incoming) > INCOMING_LIMIT:
        incoming = incoming[:INCOMING_LIMIT]
        description.incoming_truncated = True
    for row in rows:
        description.graph.add((row["s"], row["p"], row["o"]))
        if str(row["dir"]) == "out":
            description.outgoing[row["p"]][row["o"]].add(row["g"])
        else:
            description.bnodes[row["s"]].append((row["p"], row["o"]))
    for row in incoming:
        description.graph.add((row["s"], row["p"], iri))
        description.incoming[row["p"]][row["s"]].add(row["g"])
    return description


def predicate_order(predicate: URIRef) -> tuple:
    if predicate in LEADING_PREDICATES:
        return (0, LEADING_PREDICATES.index(predicate), "")
    return (1, 0, label_of(predicate).lower())


def property_rows(table: dict) -> list[dict]:
    rows = []
    for predicate in sorted(table, key=predicate_order):
        values = sorted(table[predicate], key=lambda v: (not isinstance(v, URIRef), label_of(v).lower(), str(v)))
        rows.append({"predicate": predicate,
                     "values": [{"term": v, "graphs": sorted(table[predicate][v], key=str)} for v in values]})
    return rows


def bnode_html(description: Description, node, depth: int = 0) -> Markup:
    """A blank node's own statements (an OWL axiom, an RDF list) as a nested list."""
    items = description.bnodes.get(node, [])
    if not items or depth > 6:
        return term_html(node)
    parts = []
    for predicate, value in sorted(items, key=lambda pv: (str(pv[0]), str(pv[1]))):
        shown = bnode_html(description, value, depth + 1) if isinstance(value, BNode) else term_html(value)
        parts.append(Markup("<li>{} {}</li>").format(term_html(predicate, with_curie=False), shown))
    return Markup('<ul class="bnode-detail">{}</ul>').format(Markup("").join(parts))


def value_html(description: Description, value) -> Markup:
    return bnode_html(description, value) if isinstance(value, BNode) else term_html(value)


def first_note(description: Description) -> list[tuple[str, Literal]]:
    notes = []
    for predicate in NOTE_PREDICATES:
        for value in description.values(predicate):
            if isinstance(value, Literal) and (not value.language or value.language.startswith("en")):
                notes.append((label_of(predicate), value))
    return notes


# ---------------------------------------------------------------------------------------------
# Content negotiation
# ---------------------------------------------------------------------------------------------
def negotiate() -> str:
    """The format key (see FORMATS) for this request: ?format= first, then the Accept header."""
    asked = request.args.get("format")
    if asked:
        key = FORMAT_ALIASES.get(asked.lower(), asked.lower())
        if key not in FORMATS:
            raise BadRequest(f"unknown format {asked!r}; use one of: {', '.join(FORMATS)}", 400)
        return key
    if not request.accept_mimetypes:
        return "html"
    best = request.accept_mimetypes.best_match([m for m, _k in OFFERED])
    if best is None:
        raise BadRequest("none of the requested media types can be served; available: "
                         + ", ".join(media for media, _ in FORMATS.values()), 406)
    return dict(OFFERED)[best]


def format_url(path: str, key: str) -> str:
    return f"{(request.script_root or '')}{path}?{urlencode({'format': key})}"


def alternates(path: str) -> list[dict]:
    return [{"key": k, "name": FORMAT_NAMES[k], "media": FORMATS[k][0], "href": format_url(path, k)}
            for k in FORMATS]


def negotiated_headers(response: Response, path: str, key: str) -> Response:
    response.headers["Vary"] = "Accept"
    response.headers["Content-Location"] = format_url(path, key)
    response.headers["Link"] = ", ".join(
        f'<{a["href"]}>; rel="alternate"; type="{a["media"]}"' for a in alternates(path) if a["key"] != key)
    return response


def rdf_response(graph: Graph, key: str, path: str, named: tuple[URIRef, Graph] | None = None) -> Response:
    """``graph`` in the format ``key``; for TriG and N-Quads, ``named`` (name, contents) goes in its own graph."""
    media, serializer = FORMATS[key]
    if serializer in ("trig", "nquads"):
        dataset = Dataset()
        for prefix, namespace in PREFIXES.items():
            dataset.bind(prefix, namespace)
        for triple in graph:
            dataset.default_context.add(triple) if hasattr(dataset, "default_context") else dataset.add(triple)
        if named is not None:
            target = dataset.graph(named[0])
            for triple in named[1]:
                target.add(triple)
        graph = dataset
    try:
        if serializer == "json-ld":
            body = graph.serialize(format="json-ld", context={p: ns for p, ns in PREFIXES.items()}, auto_compact=True)
        else:
            body = graph.serialize(format=serializer)
    except Exception as exc:  # e.g. RDF/XML cannot write a predicate without a namespace split
        raise BadRequest(f"cannot write this description as {FORMAT_NAMES[key]}: {exc}", 406) from None
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    response = Response(body, mimetype=media)
    if media.startswith("text/") or media.endswith("+xml") or media == "application/n-triples":
        response.headers["Content-Type"] = f"{media}; charset=utf-8"
    return negotiated_headers(response, path, key)


def html_response(body: str, path: str, status: int = 200) -> Response:
    response = Response(body, status=status, mimetype="text/html")
    return negotiated_headers(response, path, "html")


def problem(message: str, status: int) -> Response:
    """An error as a readable page for browsers, as plain text for everything else."""
    wants_html = (not request.accept_mimetypes
                  or request.accept_mimetypes.best_match(["text/html", "text/plain"]) == "text/html")
    titles = {400: "Bad request", 404: "Not found", 406: "Not acceptable", 500: "Server error",
              503: "Service unavailable"}
    if wants_html:
        body = render_template("error.html", status=status, title=titles.get(status, "Error"), message=message)
        return Response(body, status=status, mimetype="text/html")
    return Response(message + "\n", status=status, mimetype="text/plain")


@blueprint.app_context_processor
def _navigation():
    def nav_sources() -> list[dict]:
        """The source documents, for the navigation bar (none when the store cannot answer)."""
        if "ecokg_nav" not in g:
            try:
                rows = select("""SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s a ?t }
                    VALUES ?t { eco:Interview eco:SourceDocument } } ORDER BY ?s""")
            except Exception:  # an error page must render even when the store is the problem
                rows = []
            g.ecokg_nav = [{"href": local_href(str(r["s"])), "path": local_href(str(r["s"]))[len(request.script_root or ""):],
                            "name": "Interview" if len(rows) == 1 else str(r["s"]).rsplit("/", 1)[-1]} for r in rows]
        return g.ecokg_nav

    return {"nav_sources": nav_sources}


@blueprint.errorhandler(BadRequest)
def _bad_request(error: BadRequest):
    return problem(error.message, error.status)


@blueprint.errorhandler(EcoKGError)
def _library_error(error: EcoKGError):
    return problem(str(error), 503 if isinstance(error, StoreError) else 400)


# ---------------------------------------------------------------------------------------------
# The query page
# ---------------------------------------------------------------------------------------------
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


def with_prefixes(text: str) -> str:
    """``text`` with a PREFIX line for each project prefix it uses but does not declare."""
    declared = {m.group(1) for m in re.finditer(r"(?im)^\s*PREFIX\s+([\w\-.]*)\s*:", text)}
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


SCHEMA_CONTEXT = "https://schema.org/"


def dataset_jsonld() -> str:
    """schema.org `Dataset` markup of the dataset (for dataset search engines), from its DCAT record."""
    record = run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri_ref(METADATA_GRAPH)} {{ ?s ?p ?o }} }}").graph or Graph()
    dataset = URIRef(DATASET_IRI)
    dcat = "http://www.w3.org/ns/dcat#"

    def text(subject, predicate) -> str | None:
        value = record.value(subject, URIRef(predicate))
        return str(value) if value is not None else None

    def agent(iri) -> dict:
        name = record.value(iri, URIRef("http://xmlns.com/foaf/0.1/name"))
        return {"@type": "Organization", "@id": str(iri), "name": str(name or iri)}

    downloads = []
    for distribution in sorted(record.objects(dataset, URIRef(dcat + "distribution"))):
        url = record.value(distribution, URIRef(dcat + "downloadURL"))
        media = record.value(distribution, URIRef(dcat + "mediaType"))
        if url is not None:
            downloads.append({"@type": "DataDownload", "contentUrl": str(url),
                              "encodingFormat": str(media).rsplit("media-types/", 1)[-1] if media else None,
                              "name": text(distribution, str(DCTERMS.title))})
    markup = {
        "@context": SCHEMA_CONTEXT, "@type": "Dataset", "@id": DATASET_IRI, "url": public_base(),
        "identifier": DATASET_IRI, "name": text(dataset, str(DCTERMS.title)),
        "description": text(dataset, str(DCTERMS.description)), "license": text(dataset, str(DCTERMS.license)),
        "version": text(dataset, dcat + "version"), "datePublished": text(dataset, str(DCTERMS.issued)),
        "dateModified": text(dataset, str(DCTERMS.modified)), "isAccessibleForFree": True,
        "keywords": sorted(str(k) for k in record.objects(dataset, URIRef(dcat + "keyword"))),
        "creator": [agent(a) for a in sorted(record.objects(dataset, DCTERMS.creator))],
        "publisher": [agent(a) for a in sorted(record.objects(dataset, DCTERMS.publisher))],
        "distribution": downloads,
        "citation": "ECO-KG contributors. ECO-KG: a knowledge graph of Iran–Pakistan security cooperation within "
                    "the Economic Cooperation Organization.",
    }
    markup = {key: value for key, value in markup.items() if value not in (None, [], "")}
    # inside <script>, "</" would end the element: JSON allows "<\/" for it
    return json.dumps(markup, ensure_ascii=False, indent=1).replace("</", "<\\/")


def query_page(with_dataset_markup: bool = False):
    """The SPARQL editor with the named queries; runs ``?name=`` or ``?query=`` on the server too."""
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
                                   row_limit=settings().row_limit)
            table = results_table(result)
        except EcoKGError as exc:
            # a store that times out or a SERVICE that fails is not the person's mistake
            error, status = str(exc), 503 if isinstance(exc, StoreError) else 400
        except Exception as exc:  # backends raise their own parser/evaluation errors: all bad input here
            error, status = _readable(exc), 400
    elif text is not None and not text.strip():
        error, status = "the query is empty", 400
    named_json = [{"name": q.name, "title": q.title, "question": q.question, "text": q.text} for q in queries]
    body = render_template("query.html", queries=queries, chosen=chosen, named_json=named_json, text=text or DEFAULT_QUERY,
                           table=table, error=error, endpoint=(request.script_root or "") + "/sparql",
                           base=public_base(), prefixes=PREFIXES,
                           dataset_markup=dataset_jsonld() if with_dataset_markup else None)
    return Response(body, status=status, mimetype="text/html")


def _readable(exc: Exception) -> str:
    message = str(exc).strip() or type(exc).__name__
    return message.splitlines()[0] if len(message) > 400 else message


@blueprint.route("/")
def index():
    return query_page(with_dataset_markup=True)


# ---------------------------------------------------------------------------------------------
# Linked Data pages
# ---------------------------------------------------------------------------------------------
def resource(path: str):
    """Dereference the IRI ``public base + path``: a page, or RDF by content negotiation."""
    iri = URIRef(iri_for_path(path))
    iri_ref(iri)
    key = negotiate()
    description = describe(iri)
    is_named_graph = False
    graph_size = 0
    if str(iri).startswith(public_base() + "graph/"):
        graph_size = int(run(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {iri_ref(iri)} {{ ?s ?p ?o }} }}").rows[0][0] or 0)
        is_named_graph = graph_size > 0
    if not description.exists and not is_named_graph:
        raise BadRequest(f"nothing is known about <{iri}> in this dataset", 404)
    local = "/" + path.lstrip("/")
    if key != "html":
        graph = description.graph
        if is_named_graph:
            contents = run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri_ref(iri)} {{ ?s ?p ?o }} }}").graph
            if FORMATS[key][1] in ("trig", "nquads"):
                return rdf_response(graph, key, local, named=(iri, contents))
            graph = bind_prefixes(Graph())
            for triple in description.graph:
                graph.add(triple)
            for triple in contents:
                graph.add(triple)
        return rdf_response(graph, key, local)
    return html_response(render_resource(description, local, is_named_graph, graph_size), local)


def render_resource(description: Description, local: str, is_named_graph: bool, graph_size: int) -> str:
    iri = description.iri
    types = description.types
    mentioned = [iri, *description.outgoing, *description.incoming]
    for table in (description.outgoing, description.incoming):
        for values in table.values():
            mentioned += list(values)
            for graphs in values.values():
                mentioned += list(graphs)
    for items in description.bnodes.values():
        mentioned += [x for pv in items for x in pv]
    fetch_labels(mentioned)

    type_set = set()
    for t in types:
        type_set |= ancestors(t)
    sections: dict = {}
    is_source = ECO.SourceDocument in type_set or bool(source_segments(iri))
    if is_source:
        # the whole text, with every claim's evidence marked, says more than a list of its claims
        sections["source_text"] = source_text(iri)
    elif is_claim(types):
        spans = claim_evidence([iri])
        sections["evidence"] = paragraphs_with(spans, evidence_mark)
        sections["evidence_spans"] = spans
    else:
        about = claims_about(iri)
        if about:
            fetch_labels([c["claim"] for c in about] + [r for c in about for r in c["roles"]])
            spans = claim_evidence([c["claim"] for c in about])
            by_claim = defaultdict(list)
            for span in spans:
                by_claim[span.about].append(span)
            for item in about:
                item["paragraphs"] = paragraphs_with(by_claim.get(item["claim"], []), evidence_mark)
            sections["claims"] = about
        mentions = entity_mentions(iri)
        if mentions:
            sections["mentions"] = paragraphs_with(mentions, mention_mark)
            sections["mention_count"] = len(mentions)
        selected = selected_spans(iri)
        if selected:
            sections["selected"] = paragraphs_with(selected, evidence_mark)
    if is_named_graph:
        sections["graph_contents"] = graph_contents(iri)
        sections["graph_size"] = graph_size
    title = label_of(iri)
    return render_template(
        "resource.html", iri=iri, title=title, curie=compact(iri), types=types, notes=first_note(description),
        outgoing=property_rows(description.outgoing), incoming=property_rows(description.incoming),
        incoming_truncated=description.incoming_truncated, description=description,
        alternates=alternates(local), sections=sections, term_html=term_html, value_html=value_html,
        label_of=label_of, local_href=local_href, is_term=str(iri).startswith(str(ECO)))


def source_text(source: URIRef) -> list[dict]:
    """Every paragraph of a source with the claims' evidence marked and named entities linked."""
    segments = source_segments(source)
    s = iri_ref(source)
    evidence_rows = select(f"""SELECT ?claim ?ann ?src ?start ?end ?exact WHERE {{ GRAPH ?g {{
        ?claim eco:hasEvidence ?ann . ?ann oa:hasTarget ?t . ?t oa:hasSource {s} . BIND({s} AS ?src) {_SELECTION} }} }}""")
    evidence = _spans(evidence_rows, "claim")
    mention_rows = select(f"""SELECT ?entity ?ann ?src ?start ?end ?exact WHERE {{ GRAPH ?g {{
        ?ann oa:motivatedBy oa:identifying ; oa:hasBody ?entity ; oa:hasTarget ?t . ?t oa:hasSource {s} .
        BIND({s} AS ?src) {_SELECTION} }} }}""")
    mentions = _spans(mention_rows, "entity")
    fetch_labels([sp.about for sp in evidence + mentions if sp.about is not None])
    # links cannot nest: of overlapping mentions keep the outermost (longest, then earliest)
    outer: list[TextSpan] = []
    for span in sorted(mentions, key=lambda m: (-(m.end - m.start), m.start)):
        if not any(span.start < o.end and o.start < span.end for o in outer):
            outer.append(span)
    numbers = {claim: n for n, claim in enumerate(sorted({e.about for e in evidence}, key=str), 1)}
    # overlapping quotes of different claims become one mark, followed by the number of each claim
    clusters: list[list[TextSpan]] = []
    for span in sorted(evidence, key=lambda e: (e.start, e.end)):
        if clusters and span.start < max(e.end for e in clusters[-1]):
            clusters[-1].append(span)
        else:
            clusters.append([span])
    highlights = []
    for cluster in clusters:
        claims = sorted({e.about for e in cluster}, key=lambda c: numbers[c])
        notes = Markup("").join(Markup('<a class="claim-ref" href="{}" title="{}">{}</a>').format(
            local_href(str(c)), label_of(c), numbers[c]) for c in claims)
        title = " · ".join(label_of(c) for c in claims)
        highlights.append(Highlight(cluster[0].start, max(e.end for e in cluster),
                                    str(Markup('<mark class="evidence" title="{}">').format(title)),
                                    "</mark>", 0, str(Markup("<sup>{}</sup>").format(notes))))
    for span in outer:
        highlights.append(Highlight(span.start, span.end, str(Markup('<a class="mention" href="{}" title="{}">').format(
            local_href(str(span.about)), label_of(span.about))), "</a>", 1))
    paragraphs = []
    for segment in segments:
        paragraphs.append({"segment": segment, "html": mark_up(segment.text, segment.start, highlights),
                           "claims": sorted({e.about for e in evidence if segment.start <= e.start < segment.end},
                                            key=lambda c: numbers[c])})
    return paragraphs


def graph_contents(graph_iri: URIRef) -> list[dict]:
    rows = select(f"""SELECT ?s (COUNT(*) AS ?n) WHERE {{ GRAPH {iri_ref(graph_iri)} {{ ?s ?p ?o }} FILTER(isIRI(?s)) }}
        GROUP BY ?s ORDER BY ?s LIMIT 1000""")
    fetch_labels([r["s"] for r in rows])
    return [{"subject": r["s"], "count": int(r["n"])} for r in rows]


@blueprint.route("/id/<path:rest>")
def entity_page(rest: str):
    return resource("id/" + rest)


@blueprint.route("/graph/<path:rest>")
def named_graph_page(rest: str):
    return resource("graph/" + rest)


def shapes_graph() -> Graph:
    """The SHACL shapes (ontology/shapes.ttl), read once per server."""
    cache = current_app.extensions.setdefault("ecokg_shapes", {})
    if "graph" not in cache:
        path = settings().ontology_dir / "shapes.ttl"
        if not path.is_file():
            raise BadRequest("the shapes are not part of this installation", 404)
        cache["graph"] = bind_prefixes(Graph()).parse(path, format="turtle")
    return cache["graph"]


def _shapes_html(graph: Graph, title: str, path: str) -> Response:
    body = render_template("shapes.html", title=title, turtle=graph.serialize(format="turtle"),
                           files=list(SHAPES_FILES), alternates=alternates(path))
    return html_response(body, path)


@blueprint.route("/shapes")
@blueprint.route("/shapes/")
def shapes_index():
    """The shapes namespace: every shape, as a page or in RDF by content negotiation."""
    key = negotiate()
    path = request.path
    if key == "html":
        return _shapes_html(shapes_graph(), "ECO-KG SHACL shapes", path)
    return rdf_response(shapes_graph(), key, path)


@blueprint.route("/shapes/<path:rest>")
def shapes_page(rest: str):
    """One shape (its description, nested nodes included), or the shapes file named by ``rest``."""
    if rest in SHAPES_FILES:
        return download_response(shapes_graph(), SHAPES_FILES[rest], "/shapes/" + rest)
    shapes = shapes_graph()
    shape = URIRef(public_base() + "shapes/" + rest)
    if (shape, None, None) not in shapes:
        raise BadRequest(f"no shape <{shape}> in ontology/shapes.ttl", 404)
    description = bind_prefixes(Graph())
    pending, seen = [shape], set()
    while pending:  # the shape and the blank nodes it holds (property shapes, lists)
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in shapes.triples((node, None, None)):
            description.add(triple)
            if isinstance(triple[2], BNode):
                pending.append(triple[2])
    key = negotiate()
    if key == "html":
        return _shapes_html(description, compact(shape), "/shapes/" + rest)
    return rdf_response(description, key, "/shapes/" + rest)


def ontology_graph() -> Graph:
    graph = run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri_ref(ONTOLOGY_GRAPH)} {{ ?s ?p ?o }} }}").graph
    if graph is None or not len(graph):
        raise BadRequest("the ontology is not loaded", 404)
    return bind_prefixes(_copy(graph))


def download_response(graph: Graph, key: str, path: str) -> Response:
    """A whole file to save: one format, whatever Accept says, with a file name."""
    response = rdf_response(graph, key, path)
    response.headers["Content-Disposition"] = f'inline; filename="{path.rsplit("/", 1)[-1]}"'
    del response.headers["Vary"]
    return response


@blueprint.route("/dataset")
def dataset_page():
    # the protocol blueprint may answer /dataset first; this serves the description otherwise
    return resource(DATASET_IRI[len(public_base()):] if DATASET_IRI.startswith(public_base()) else "dataset")


@blueprint.route("/ontology/<path:term>")
def ontology_term_page(term: str):
    if term in ONTOLOGY_FILES:
        return download_response(ontology_graph(), ONTOLOGY_FILES[term], "/ontology/" + term)
    if VERSION_SEGMENT.fullmatch(term):  # a version IRI stands for the whole ontology of that release
        return ontology_page()
    return resource("ontology/" + term)


# ---------------------------------------------------------------------------------------------
# The ontology's documentation
# ---------------------------------------------------------------------------------------------
@blueprint.route("/ontology")
@blueprint.route("/ontology/")
def ontology_page():
    """The ontology IRI, its namespace (…/ontology/, what vann:preferredNamespaceUri names) and its version
    IRIs: the documentation page, or the whole ontology in RDF by content negotiation."""
    key = negotiate()
    if key != "html":
        return rdf_response(ontology_graph(), key, request.path)
    header = describe(URIRef(ONTOLOGY_IRI))
    if not header.exists:
        raise BadRequest("the ontology is not loaded", 404)
    namespace = str(ECO)
    classes = select(f"""SELECT ?c ?p ?v WHERE {{ GRAPH ?g {{ ?c a owl:Class . ?c ?p ?v }}
        FILTER(STRSTARTS(STR(?c), "{namespace}"))
        VALUES ?p {{ rdfs:label skos:definition rdfs:subClassOf owl:disjointWith }} }}""")
    properties = select(f"""SELECT ?x ?p ?v WHERE {{ GRAPH ?g {{ ?x a ?kind . ?x ?p ?v }}
        FILTER(STRSTARTS(STR(?x), "{namespace}"))
        VALUES ?kind {{ owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty }}
        VALUES ?p {{ rdf:type rdfs:label skos:definition rdfs:domain rdfs:range rdfs:subPropertyOf owl:inverseOf }} }}""")
    schemes = select("""SELECT ?scheme (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?scheme a skos:ConceptScheme .
        OPTIONAL { ?c skos:inScheme ?scheme } } } GROUP BY ?scheme ORDER BY ?scheme""")
    class_info = _terms(classes, "c")
    property_info = _terms(properties, "x")
    fetch_labels([URIRef(ONTOLOGY_IRI)] + [x for rows in (classes, properties) for r in rows for x in r.values()]
                 + [r["scheme"] for r in schemes] + list(header.outgoing))
    kinds = {OWL.ObjectProperty: "object", OWL.DatatypeProperty: "datatype", OWL.AnnotationProperty: "annotation"}
    traits = {OWL.FunctionalProperty: "functional", OWL.SymmetricProperty: "symmetric",
              OWL.TransitiveProperty: "transitive", OWL.InverseFunctionalProperty: "inverse functional"}
    for info in property_info:
        types = info["values"].get(RDF.type, [])
        info["kind"] = ", ".join(kinds[t] for t in types if t in kinds)
        info["traits"] = [traits[t] for t in types if t in traits]
    body = render_template(
        "ontology.html", header=header, title=label_of(URIRef(ONTOLOGY_IRI)), iri=ONTOLOGY_IRI,
        notes=first_note(header), outgoing=property_rows(header.outgoing), classes=class_info,
        properties=property_info, schemes=[{"scheme": r["scheme"], "count": int(r["n"])} for r in schemes],
        alternates=alternates("/ontology"), files=list(ONTOLOGY_FILES), shapes_files=list(SHAPES_FILES),
        term_html=term_html, label_of=label_of, local_href=local_href,
        compact=compact, RDFS=RDFS, SKOS=SKOS, OWL=OWL)
    return html_response(body, "/ontology")


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    return copy


def _terms(rows, key: str) -> list[dict]:
    terms: dict[URIRef, dict] = {}
    for row in rows:
        info = terms.setdefault(row[key], {"iri": row[key], "values": defaultdict(list)})
        if row["v"] not in info["values"][row["p"]] and not isinstance(row["v"], BNode):
            info["values"][row["p"]].append(row["v"])
    return sorted(terms.values(), key=lambda t: compact(t["iri"]).lower())


# ---------------------------------------------------------------------------------------------
# The picture of the graph
# ---------------------------------------------------------------------------------------------
#: node categories: key, legend text, the classes whose instances belong, colour
CATEGORIES = [
    ("state", "state", [ECO.State], "#2563eb"),
    ("organisation", "organisation", [ECO.Organisation], "#7c3aed"),
    ("group", "group of states", [ECO.StateGroup], "#0891b2"),
    ("person", "person", [ECO.Person], "#db2777"),
    ("region", "region", [ECO.Region], "#16a34a"),
    ("sea", "sea", [ECO.Sea], "#0284c7"),
    ("port", "port or economic zone", [ECO.Port, ECO.SpecialEconomicZone], "#0d9488"),
    ("corridor", "corridor or link", [ECO.Corridor], "#ea580c"),
    ("domain", "cooperation domain", [ECO.CooperationDomain], "#ca8a04"),
]
#: the layered picture's columns, left to right: where things are, how they connect, who acts, on what
COLUMNS = [("Places", {"region", "sea", "port"}), ("Corridors and links", {"corridor"}),
           ("Actors", {"state", "organisation", "group", "person"}), ("Cooperation domains", {"domain"})]
#: edge styles: predicate groups that read alike share a line style
EDGE_STYLES = {
    "claim": ("claim: holder → what it is about", "#b45309"),
    "geography": ("connects, passes through, located in", "#64748b"),
    "membership": ("member of", "#94a3b8"),
    "fact": ("other relation (labelled)", "#334155"),
}
EDGE_GROUP = {
    ECO.connects: "geography", ECO.passesThrough: "geography", ECO.locatedIn: "geography",
    ECO.partOfPlace: "geography", URIRef("http://www.w3.org/ns/org#memberOf"): "membership",
    ECO.groupMember: "membership",
}
#: relations left out of the picture: the domain hierarchy is shown by indentation instead, and
#: corridors' domains would cross every column
PICTURE_SKIPS = {SKOS.broader, SKOS.narrower, SKOS.related, SKOS.inScheme, SKOS.topConceptOf, ECO.domain}
ABOUT_PROPERTIES = [ECO.about, ECO.cooperationDomain, ECO.involves, ECO.concernsPlace, ECO.concernsMeasure,
                    ECO.identifiesObstacle, ECO.invokesPrinciple]
LABEL_CHARS = 44


@dataclass
class PictureNode:
    iri: URIRef
    label: str
    category: str
    column: int = 0
    depth: int = 0  # for a cooperation domain: how far below its top concept
    x: float = 0.0
    y: float = 0.0
    degree: int = 0


@dataclass
class PictureEdge:
    source: URIRef
    target: URIRef
    label: str
    group: str
    claims: list = field(default_factory=list)


def _category_of(types, closure) -> str | None:
    supers = set()
    for t in types:
        supers |= closure.get(t, {t})
    for key, _legend, classes, _colour in CATEGORIES:
        if any(c in supers for c in classes):
            return key
    return None


def picture_data() -> tuple[dict[URIRef, PictureNode], list[PictureEdge]]:
    """Nodes by category and the edges between them: relations, and claims merged per holder and topic."""
    base_id = public_base() + "id/"
    closure = class_closure()
    claim_set = claim_classes()
    types: dict[URIRef, set] = defaultdict(set)
    for row in select(f"""SELECT DISTINCT ?x ?t WHERE {{ GRAPH ?g {{ ?x a ?t }}
            FILTER(isIRI(?t) && STRSTARTS(STR(?x), "{base_id}")) }}"""):
        types[row["x"]].add(row["t"])
    category = {x: c for x, c in ((x, _category_of(ts, closure)) for x, ts in types.items()) if c}
    claims = {x: ts for x, ts in types.items() if ts & claim_set}
    # stated triples only: the entailments (graph/inferred) would draw every inverse and closure twice
    links = select(f"""SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
        FILTER(?g != <{INFERRED_GRAPH}>)
        FILTER(isIRI(?o) && STRSTARTS(STR(?s), "{base_id}") && STRSTARTS(STR(?o), "{base_id}")) }}""")
    about_props = set(ABOUT_PROPERTIES) | {r["p"] for r in select(
        "SELECT DISTINCT ?p WHERE { GRAPH ?g { ?p rdfs:subPropertyOf+ eco:about } }")}
    edges: dict[tuple, PictureEdge] = {}
    holders: dict[URIRef, set] = defaultdict(set)
    abouts: dict[URIRef, set] = defaultdict(set)
    broader: dict[URIRef, set] = defaultdict(set)
    for row in links:
        s, p, o = row["s"], row["p"], row["o"]
        if s in claims:
            if p == ECO.holder:
                holders[s].add(o)
            elif p in about_props:
                abouts[s].add(o)
        elif p == SKOS.broader:
            broader[s].add(o)
        elif s in category and o in category and s != o and p not in PICTURE_SKIPS:
            edges.setdefault((s, p, o), PictureEdge(s, o, p, EDGE_GROUP.get(p, "fact")))
    # one edge per holder and topic: "Pakistan — proposes ×3, assesses → border management"
    verbs: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for claim in sorted(holders, key=str):
        verb = _claim_verb(claims[claim], closure)
        for holder in holders[claim]:
            for target in abouts.get(claim, ()):
                if holder in category and target in category and holder != target:
                    verbs[(holder, target)][verb].append(claim)
    for (holder, target), by_verb in verbs.items():
        label = ", ".join(f"{v} ×{len(c)}" if len(c) > 1 else v for v, c in sorted(by_verb.items()))
        edges[(holder, "claim", target)] = PictureEdge(holder, target, label, "claim",
                                                       [c for cs in by_verb.values() for c in cs])
    edge_list = list(edges.values())
    connected = {e.source for e in edge_list} | {e.target for e in edge_list}
    # a domain in the picture brings its broader domains, so the hierarchy reads as a tree
    pending = [n for n in connected if category.get(n) == "domain"]
    while pending:
        for parent in broader.get(pending.pop(), ()):
            if parent in category and parent not in connected:
                connected.add(parent)
                pending.append(parent)
    fetch_labels(list(connected) + [e.label for e in edge_list if isinstance(e.label, URIRef)]
                 + [c for e in edge_list for c in e.claims])
    nodes = {}
    for iri in sorted(connected, key=str):
        column = next(i for i, (_t, cats) in enumerate(COLUMNS) if category[iri] in cats)
        nodes[iri] = PictureNode(iri, label_of(iri), category[iri], column)
    for edge in edge_list:
        nodes[edge.source].degree += 1
        nodes[edge.target].degree += 1
        if isinstance(edge.label, URIRef):
            edge.label = label_of(edge.label)
    _order_domains(nodes, broader)
    edge_list.sort(key=lambda e: (str(e.source), e.label, str(e.target)))
    return nodes, edge_list


def _order_domains(nodes: dict[URIRef, PictureNode], broader: dict[URIRef, set]) -> None:
    """Depth of each domain below its top concept, and a tree order (stored as ``y`` for now)."""
    domains = [n for n in nodes.values() if n.category == "domain"]

    def path(node: PictureNode, seen=()) -> list[str]:
        parents = sorted((nodes[p] for p in broader.get(node.iri, ()) if p in nodes and p not in seen),
                         key=lambda p: p.label.lower())
        return (path(parents[0], seen + (node.iri,)) if parents else []) + [node.label.lower()]

    for rank, (node, p) in enumerate(sorted(((n, path(n)) for n in domains), key=lambda np: np[1])):
        node.depth = len(p) - 1
        node.y = rank


def _cat_index(key: str) -> int:
    return next(i for i, c in enumerate(CATEGORIES) if c[0] == key)


def _claim_verb(types: set, closure) -> str:
    supers = set()
    for t in types:
        supers |= closure.get(t, {t})
    for cls, verb in CLAIM_VERBS:
        if cls in supers:
            return verb
    return "says about"


def layout(nodes: dict[URIRef, PictureNode], edges: list[PictureEdge]) -> tuple[float, float, list[float]]:
    """A deterministic layered layout: one column per kind of thing, rows ordered to cut crossings.

    Domains keep their tree order; the other columns are ordered by the mean row of their
    neighbours (barycentre sweeps), ties broken by category and label. Returns the picture's
    width and height and each column's x.
    """
    columns: list[list[PictureNode]] = [[] for _ in COLUMNS]
    for node in nodes.values():
        columns[node.column].append(node)
    neighbours: dict[URIRef, list[URIRef]] = defaultdict(list)
    for edge in edges:
        neighbours[edge.source].append(edge.target)
        neighbours[edge.target].append(edge.source)
    domain_column = next(i for i, (_t, cats) in enumerate(COLUMNS) if "domain" in cats)
    columns[domain_column].sort(key=lambda n: n.y)
    for i, column in enumerate(columns):
        if i != domain_column:
            column.sort(key=lambda n: (_cat_index(n.category), -n.degree, n.label.lower()))
    rank = {}
    for column in columns:
        for r, node in enumerate(column):
            rank[node.iri] = (r + 0.5) / max(1, len(column))
    for _sweep in range(6):
        for i in [2, 1, 0, 1, 2]:
            if i == domain_column:
                continue

            def centre(node: PictureNode) -> float:
                others = [rank[n] for n in neighbours[node.iri] if nodes[n].column != node.column]
                return sum(others) / len(others) if others else rank[node.iri]

            columns[i].sort(key=lambda n: (round(centre(n), 6), _cat_index(n.category), n.label.lower()))
            for r, node in enumerate(columns[i]):
                rank[node.iri] = (r + 0.5) / max(1, len(columns[i]))
    xs = [250.0, 600.0, 960.0, 1300.0]
    spacing = [30.0, 34.0, 34.0, 24.0]
    top = 70.0
    height = max(top + 30 + len(c) * s for c, s in zip(columns, spacing))
    height = max(height, 480.0)
    for i, column in enumerate(columns):
        block = len(column) * spacing[i]
        start = top + (height - top - 20 - block) / 2
        for r, node in enumerate(column):
            node.x = xs[i] + (node.depth * 14 if i == domain_column else 0)
            node.y = start + (r + 0.5) * spacing[i]
    width = xs[-1] + 300
    return width, height, xs


def node_radius(node: PictureNode) -> float:
    return 5 + min(9, 1.3 * math.sqrt(node.degree))


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1].rstrip() + "…"


_PICTURE_CACHE: dict[str, str] = {}


def graph_svg() -> str:
    """The picture as a standalone SVG document (remembered per distinct content)."""
    nodes, edges = picture_data()
    key = hashlib.sha256(repr(([(str(n.iri), n.label, n.category, n.depth, n.y) for n in nodes.values()],
                               [(str(e.source), e.label, str(e.target), len(e.claims)) for e in edges],
                               request.script_root)).encode()).hexdigest()
    if key not in _PICTURE_CACHE:
        if len(_PICTURE_CACHE) > 8:
            _PICTURE_CACHE.clear()
        _PICTURE_CACHE[key] = render_svg(nodes, edges)
    return _PICTURE_CACHE[key]


def render_svg(nodes: dict[URIRef, PictureNode], edges: list[PictureEdge]) -> str:
    width, height, xs = layout(nodes, edges)
    legend_width = 310.0
    colours = {key: colour for key, _legend, _classes, colour in CATEGORIES}
    legends = {key: legend for key, legend, _classes, _colour in CATEGORIES}
    used = [c for c in CATEGORIES if any(n.category == c[0] for n in nodes.values())]
    total_width = width + legend_width
    parts: list[str] = []
    add = parts.append
    add(f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="0 0 {total_width:.0f} {height:.0f}" width="{total_width:.0f}" height="{height:.0f}" '
        f'class="eco-graph" role="img" aria-labelledby="graph-title graph-desc" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif">')
    add('<title id="graph-title">ECO-KG: places, corridors, actors and cooperation domains, and how they connect</title>')
    add(f'<desc id="graph-desc">{len(nodes)} things and {len(edges)} relations: what corridors connect and pass '
        'through, memberships, and what each holder\'s claims are about.</desc>')
    add("<style>"
        ".node text{font-size:12.5px;fill:#0f172a;paint-order:stroke;stroke:#fbfcfe;stroke-width:4px;"
        "stroke-linejoin:round}"
        ".node circle{stroke:#fff;stroke-width:1.5}"
        ".node-link:hover circle{stroke:#0f172a;stroke-width:2.5}"
        ".node-link:hover text{font-weight:600;fill:#1d4ed8}"
        ".edge{fill:none}"
        ".edge:hover{stroke-width:4;opacity:1}"
        ".edge-label{font-size:10px;fill:#92400e;paint-order:stroke;stroke:#fbfcfe;stroke-width:3px;"
        "stroke-linejoin:round;pointer-events:none}"
        ".edge-label.fact{fill:#334155}"
        ".column-title{font-size:13px;font-weight:700;fill:#475569;letter-spacing:.06em;text-transform:uppercase}"
        ".legend text{font-size:12.5px;fill:#1e293b}"
        ".legend .heading{font-weight:700;font-size:13px}"
        "</style>")
    add("<defs>")
    for group, (_legend, colour) in EDGE_STYLES.items():
        add(f'<marker id="arrow-{group}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
            f'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    add("</defs>")
    add(f'<rect x="0" y="0" width="{total_width:.0f}" height="{height:.0f}" fill="#fbfcfe"/>')
    for x, (title, _cats) in zip(xs, COLUMNS):
        add(f'<text class="column-title" x="{x:.0f}" y="34" text-anchor="middle">{_x(title)}</text>')
    add('<g class="edges">')
    labels_layer = []
    for edge in sorted(edges, key=lambda e: (e.group == "claim", str(e.source), str(e.target))):
        a, b = nodes[edge.source], nodes[edge.target]
        path, label_at, anchor = _edge_path(a, b)
        _legend, colour = EDGE_STYLES[edge.group]
        dash = ' stroke-dasharray="2 4"' if edge.group == "membership" else ""
        stroke_width = 1.2 + min(2.5, 0.6 * len(edge.claims)) if edge.group == "claim" else 1.2
        tooltip = f"{a.label} — {edge.label} → {b.label}"
        if edge.claims:
            tooltip += "\n" + "\n".join("• " + label_of(c) for c in sorted(edge.claims, key=str))
        add(f'<path class="edge edge-{edge.group}" d="{path}" stroke="{colour}" stroke-width="{stroke_width:.1f}"'
            f'{dash} marker-end="url(#arrow-{edge.group})" opacity="0.55"><title>{_x(tooltip)}</title></path>')
        if edge.group in {"claim", "fact"} and anchor:
            labels_layer.append(f'<text class="edge-label {edge.group}" x="{label_at[0]:.1f}" y="{label_at[1]:.1f}" '
                                f'text-anchor="{anchor}" dy="-3">{_x(edge.label)}</text>')
    add("</g>")
    add('<g class="edge-labels">' + "".join(labels_layer) + "</g>")
    add('<g class="nodes">')
    for node in sorted(nodes.values(), key=lambda n: str(n.iri)):
        r = node_radius(node)
        href = _x(local_href(str(node.iri)))
        if node.column == 0:
            lx, anchor = node.x - r - 6, "end"
        else:
            lx, anchor = node.x + r + 6, "start"
        weight = ' font-weight="600"' if node.degree >= 8 or node.depth == 0 and node.category == "domain" else ""
        add(f'<a href="{href}" xlink:href="{href}" class="node-link"><g class="node node-{node.category}" '
            f'data-iri="{_x(str(node.iri))}"><title>{_x(node.label)} ({legends[node.category]})</title>'
            f'<circle cx="{node.x:.1f}" cy="{node.y:.1f}" r="{r:.1f}" fill="{colours[node.category]}"/>'
            f'<text x="{lx:.1f}" y="{node.y + 4:.1f}" text-anchor="{anchor}"{weight}>{_x(_short(node.label))}</text>'
            f'</g></a>')
    add("</g>")
    add(f'<g class="legend" transform="translate({width + 10:.0f},70)">')
    box_height = len(used) * 22 + len(EDGE_STYLES) * 22 + 84
    add(f'<rect x="-12" y="-24" width="{legend_width - 24:.0f}" height="{box_height}" rx="8" fill="#fff" stroke="#e2e8f0"/>')
    add('<text class="heading" x="0" y="0">Things</text>')
    y = 24
    for _key, legend, _classes, colour in used:
        add(f'<circle cx="7" cy="{y - 4}" r="6.5" fill="{colour}"/><text x="22" y="{y}">{_x(legend)}</text>')
        y += 22
    y += 12
    add(f'<text class="heading" x="0" y="{y}">Relations</text>')
    y += 24
    for group, (legend, colour) in EDGE_STYLES.items():
        dash = ' stroke-dasharray="2 4"' if group == "membership" else ""
        add(f'<line x1="0" y1="{y - 4}" x2="28" y2="{y - 4}" stroke="{colour}" stroke-width="2"{dash} '
            f'marker-end="url(#arrow-{group})"/><text x="36" y="{y}">{_x(legend)}</text>')
        y += 22
    add("</g>")
    add("</svg>")
    return "".join(parts)


def _edge_path(a: PictureNode, b: PictureNode) -> tuple[str, tuple[float, float], str]:
    """A horizontal S-curve between two columns, or an arc beside a column for edges within it.

    Also returns where the edge's label goes and its text-anchor ("" when it has no room for one).
    """
    ra, rb = node_radius(a) + 1, node_radius(b) + 3
    if a.column == b.column:
        # within a column: bulge to the left, further for rows further apart
        bulge = 30 + min(160, abs(b.y - a.y) * 0.35)
        sx, sy, tx, ty = a.x - ra, a.y, b.x - rb, b.y
        cx = min(sx, tx) - bulge
        path = f"M{sx:.1f},{sy:.1f} C{cx:.1f},{sy:.1f} {cx:.1f},{ty:.1f} {tx:.1f},{ty:.1f}"
        # arcs crowd beside the column: their words stay in the tooltip
        return path, (cx, (sy + ty) / 2), ""
    direction = 1 if b.x > a.x else -1
    sx, sy = a.x + direction * ra, a.y
    tx, ty = b.x - direction * rb, b.y
    span = abs(tx - sx)
    c1x, c2x = sx + direction * span * 0.5, tx - direction * span * 0.5
    path = f"M{sx:.1f},{sy:.1f} C{c1x:.1f},{sy:.1f} {c2x:.1f},{ty:.1f} {tx:.1f},{ty:.1f}"
    # the label goes near the target, where fanned-out edges are apart; where the target's own label
    # is on that side there is no room, and the edge's tooltip carries the words instead
    labels_left = b.column == 0
    t = 0.88
    mt = 1 - t
    lx = mt ** 3 * sx + 3 * mt * mt * t * c1x + 3 * mt * t * t * c2x + t ** 3 * tx
    ly = mt ** 3 * sy + 3 * mt * mt * t * sy + 3 * mt * t * t * ty + t ** 3 * ty
    anchor = ("end" if direction > 0 else "start") if (direction > 0) != labels_left else ""
    return path, (lx, ly), anchor


def _x(text: str) -> str:
    """Escape for XML text and attribute values."""
    return str(escape(text))


@blueprint.route("/graph")
def graph_page():
    svg = graph_svg()
    body = render_template("graph.html", svg=Markup(svg), categories=CATEGORIES)
    return Response(body, mimetype="text/html")


@blueprint.route("/graph.svg")
def graph_svg_file():
    return Response(graph_svg(), mimetype="image/svg+xml")


__all__ = ["blueprint", "query_page", "mark_up", "Highlight"]
