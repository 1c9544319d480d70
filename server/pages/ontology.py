"""The ontology: /ontology (its namespace and version IRIs too), its documentation and its files.

Owns the documentation page (classes, properties, concept schemes, metadata), the whole ontology in RDF
by negotiation or as a file (eco.ttl, eco.owl …), each archived release at its version IRI (404 for any
other version), and sending a term's IRI to its page (`server.pages.resource`). Shapes: `server.pages.shapes`.
"""
from __future__ import annotations

import re
from collections import defaultdict

from flask import render_template, request
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.namespaces import ECO, ONTOLOGY_GRAPH, ONTOLOGY_IRI
from kg.ontology import released_ontology, released_versions
from kg.rdfio import bind_prefixes
from server import formats

from . import negotiation
from .describe import describe, first_note, property_rows
from .resource import resource
from .shapes import SHAPES_FILES
from .site import BadRequest, blueprint, iri_ref, local_href, run, select, settings
from .terms import compact, fetch_labels, label_of, term_html

#: the whole ontology as files: name -> format key
ONTOLOGY_FILES = ("eco.ttl", "eco.owl", "eco.rdf", "eco.jsonld", "eco.nt")
#: a version IRI of the ontology (owl:versionIRI, owl:priorVersion): …/ontology/1.1.0, or an unreleased
#: tree's …/ontology/1.2.0.dev0
VERSION_SEGMENT = re.compile(r"\d+\.\d+\.\d+(?:\.?(?:dev|a|b|rc)\d+)?")
PROPERTY_KINDS = {OWL.ObjectProperty: "object", OWL.DatatypeProperty: "datatype", OWL.AnnotationProperty: "annotation"}
PROPERTY_TRAITS = {OWL.FunctionalProperty: "functional", OWL.SymmetricProperty: "symmetric",
                   OWL.TransitiveProperty: "transitive", OWL.InverseFunctionalProperty: "inverse functional"}


def ontology_graph() -> Graph:
    graph = run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri_ref(ONTOLOGY_GRAPH)} {{ ?s ?p ?o }} }}").graph
    if graph is None or not len(graph):
        raise BadRequest("the ontology is not loaded", 404)
    copy = bind_prefixes(Graph())
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


@blueprint.route("/ontology")
@blueprint.route("/ontology/")
def ontology_page():
    """The ontology IRI, its namespace (…/ontology/, what vann:preferredNamespaceUri names) and its version
    IRIs: the documentation page, or the whole ontology in RDF by content negotiation."""
    key = negotiation.negotiate()
    if key != negotiation.HTML:
        return negotiation.rdf_response(ontology_graph(), key, request.path)
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
    for info in property_info:
        types = info["values"].get(RDF.type, [])
        info["kind"] = ", ".join(PROPERTY_KINDS[t] for t in types if t in PROPERTY_KINDS)
        info["traits"] = [PROPERTY_TRAITS[t] for t in types if t in PROPERTY_TRAITS]
    body = render_template(
        "ontology.html", header=header, title=label_of(URIRef(ONTOLOGY_IRI)), iri=ONTOLOGY_IRI,
        notes=first_note(header), outgoing=property_rows(header.outgoing), classes=class_info,
        properties=property_info, schemes=[{"scheme": r["scheme"], "count": int(r["n"])} for r in schemes],
        alternates=negotiation.alternates("/ontology"), files=list(ONTOLOGY_FILES), shapes_files=list(SHAPES_FILES),
        term_html=term_html, label_of=label_of, local_href=local_href,
        compact=compact, RDFS=RDFS, SKOS=SKOS, OWL=OWL)
    return negotiation.html_response(body, "/ontology")


@blueprint.route("/ontology/<path:term>")
def ontology_term_page(term: str):
    if term in ONTOLOGY_FILES:
        return negotiation.download_response(ontology_graph(), formats.by_file(term).key, "/ontology/" + term)
    if VERSION_SEGMENT.fullmatch(term):  # a version IRI stands for the whole ontology of that release
        return version_page(term)
    return resource("ontology/" + term)


def version_page(version: str):
    """The ontology as ``version`` published it: the current one at its own version IRI, an archived release
    (ontology/versions/X.Y.Z/) as it was; any other version is a 404 naming those that exist."""
    current = select(f"""SELECT ?v WHERE {{ GRAPH {iri_ref(ONTOLOGY_GRAPH)} {{
        {iri_ref(ONTOLOGY_IRI)} owl:versionIRI ?v }} }}""")
    current_versions = [str(row["v"]).rsplit("/", 1)[-1] for row in current]
    if version in current_versions:
        return ontology_page()
    graph = released_ontology(version, settings())
    if graph is None:
        known = ", ".join([*released_versions(settings()), *current_versions])
        raise BadRequest(f"the ontology has no version {version}; the versions that exist are {known} "
                         f"(at {ONTOLOGY_IRI}/VERSION)", 404)
    key = negotiation.negotiate()
    if key != negotiation.HTML:
        return negotiation.rdf_response(bind_prefixes(graph + Graph()), key, request.path)
    body = render_template("ontology_version.html", version=version, iri=f"{ONTOLOGY_IRI}/{version}",
                           current=current_versions, alternates=negotiation.alternates(request.path))
    return negotiation.html_response(body, request.path)
