"""The shapes the gate derives from the ontology: closed-world checks of its domains, ranges and functional
properties, added to ontology/shapes.ttl once per schema (`kg.gate.context`). Running SHACL with them, and
telling their results from the project's own shapes, is `kg.gate.shacl`'s.
"""
from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD

from ..namespaces import BASE, SHAPES
from ..terms import short


def derived_shapes(ontology: Graph) -> Graph:
    """Closed-world shapes for the ontology's domains, ranges and functional properties."""
    shapes = Graph()
    for prop in sorted(set(ontology.subjects(RDF.type, None)), key=str):
        if not isinstance(prop, URIRef) or not str(prop).startswith(BASE):
            continue
        kinds = set(ontology.objects(prop, RDF.type))
        if not kinds & {OWL.ObjectProperty, OWL.DatatypeProperty}:
            continue
        local = short(prop).replace(":", "-")
        for domain in ontology.objects(prop, RDFS.domain):
            if isinstance(domain, URIRef) and domain != OWL.Thing:
                node = SHAPES[f"derived/domain/{local}"]
                shapes.add((node, RDF.type, SH.NodeShape))
                shapes.add((node, SH.targetSubjectsOf, prop))
                shapes.add((node, SH["class"], domain))
                shapes.add((node, SH.message, Literal(f"only a {short(domain)} may have {short(prop)} "
                                                      f"(its rdfs:domain)")))
        ranges = [r for r in ontology.objects(prop, RDFS.range) if isinstance(r, URIRef) and r != OWL.Thing]
        for rng in ranges:
            prop_shape = _property_shape(shapes, SHAPES[f"derived/range/{local}"], prop)
            if OWL.DatatypeProperty in kinds or str(rng).startswith(str(XSD)) or rng == RDF.langString:
                shapes.add((prop_shape, SH.datatype, rng))
                shapes.add((prop_shape, SH.message, Literal(f"the value of {short(prop)} must be a literal of "
                                                            f"type {short(rng)} (its rdfs:range)")))
            else:
                shapes.add((prop_shape, SH["class"], rng))
                shapes.add((prop_shape, SH.message, Literal(f"the value of {short(prop)} must be a "
                                                            f"{short(rng)} (its rdfs:range)")))
        if OWL.FunctionalProperty in kinds:
            prop_shape = _property_shape(shapes, SHAPES[f"derived/functional/{local}"], prop)
            shapes.add((prop_shape, SH.maxCount, Literal(1)))
            shapes.add((prop_shape, SH.message, Literal(f"{short(prop)} is functional: at most one value")))
    return shapes


def _property_shape(shapes: Graph, node: URIRef, prop: URIRef) -> BNode:
    """A node shape targeting the subjects of ``prop``, and its (returned) property shape on ``prop``."""
    prop_shape = BNode()
    shapes.add((node, RDF.type, SH.NodeShape))
    shapes.add((node, SH.targetSubjectsOf, prop))
    shapes.add((node, SH.property, prop_shape))
    shapes.add((prop_shape, SH.path, prop))
    return prop_shape
