"""The SHACL shapes: /shapes (every shape), /shapes/<Shape> (one) and the shapes files.

Owns reading ontology/shapes.ttl once per server (kept on the app, not in the module) and answering a
shape's IRI with its description — nested property shapes and lists included — as a page or RDF.
The ontology's own pages are `server.pages.ontology`.
"""
from __future__ import annotations

from flask import current_app, render_template, request
from rdflib import BNode, Graph, URIRef

from kg.rdfio import bind_prefixes

from . import negotiation
from .site import BadRequest, blueprint, public_base, settings
from .terms import compact

#: the shapes as files: name -> format key
SHAPES_FILES = {"shapes.ttl": "turtle", "shapes.rdf": "rdfxml", "shapes.jsonld": "jsonld", "shapes.nt": "ntriples"}


def shapes_graph() -> Graph:
    """The SHACL shapes (ontology/shapes.ttl), read once per server."""
    cache = current_app.extensions.setdefault("ecokg_shapes", {})
    if "graph" not in cache:
        path = settings().ontology_dir / "shapes.ttl"
        if not path.is_file():
            raise BadRequest("the shapes are not part of this installation", 404)
        cache["graph"] = bind_prefixes(Graph()).parse(path, format="turtle")
    return cache["graph"]


def _answer(graph: Graph, title: str, path: str):
    key = negotiation.negotiate()
    if key != negotiation.HTML:
        return negotiation.rdf_response(graph, key, path)
    body = render_template("shapes.html", title=title, turtle=graph.serialize(format="turtle"),
                           files=list(SHAPES_FILES), alternates=negotiation.alternates(path))
    return negotiation.html_response(body, path)


@blueprint.route("/shapes")
@blueprint.route("/shapes/")
def shapes_index():
    """The shapes namespace: every shape, as a page or in RDF by content negotiation."""
    return _answer(shapes_graph(), "ECO-KG SHACL shapes", request.path)


@blueprint.route("/shapes/<path:rest>")
def shapes_page(rest: str):
    """One shape (its description, nested nodes included), or the shapes file named by ``rest``."""
    if rest in SHAPES_FILES:
        return negotiation.download_response(shapes_graph(), SHAPES_FILES[rest], "/shapes/" + rest)
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
    return _answer(description, compact(shape), "/shapes/" + rest)
