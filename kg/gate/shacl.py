"""Stage 4, SHACL: the new nodes conform to the shapes, checked against the stored graph around them.

Owns running pySHACL (`kg.shacl.run_shacl`) on the change's neighbourhood plus the change plus what the build
derives from it, focused on the nodes the change touches; the shapes are ontology/shapes.ttl plus those derived
from the ontology's domains, ranges and functional properties (`kg.gate.shapes`), checked closed-world.
"""
from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from ..namespaces import SHAPES
from ..shacl import run_shacl
from ..terms import local_name, short
from .context import Base, Change
from .report import Problem

STAGE = "shacl"

_HINTS = {
    "MinCountConstraintComponent": "add the missing {path}",
    "MaxCountConstraintComponent": "keep only one value of {path} (or as many as the shape allows)",
    "ClassConstraintComponent": "the value of {path} must be an instance of the class the shape names: "
                                "link to such an entity, or type it",
    "DatatypeConstraintComponent": "write the value with the datatype the shape names (e.g. a language-tagged "
                                   "string \"…\"@en, or \"…\"^^xsd:…)",
    "NodeKindConstraintComponent": "use an IRI (or a literal) as the shape requires",
    "PatternConstraintComponent": "change the value to match the required pattern",
    "InConstraintComponent": "use one of the allowed values",
    "UniqueLangConstraintComponent": "give one value per language",
    "MinLengthConstraintComponent": "the value may not be empty",
    "LessThanConstraintComponent": "oa:start must be less than oa:end",
    "NotConstraintComponent": "the value is one the shape rules out: do what the message says",
}


def _parent_shape(shapes: Graph, shape) -> URIRef | None:
    if isinstance(shape, URIRef):
        return shape
    for parent in shapes.subjects(SH.property, shape):
        return parent if isinstance(parent, URIRef) else _parent_shape(shapes, parent)
    return None


def check_shapes(change: Change, base: Base, data: Graph, focus: set,
                 skip: set | None = None) -> list[Problem]:
    """Validate ``focus`` nodes of ``data`` (the union, built by the caller) against the shapes.

    ``skip`` holds (focus node, path) pairs whose violations another stage explains better.
    """
    shapes = base.schema.all_shapes  # ontology/shapes.ttl and the shapes derived from the ontology
    focus_nodes = sorted((n for n in focus if isinstance(n, URIRef)), key=str)
    if not focus_nodes:
        return []
    _conforms, results = run_shacl(data, shapes, focus_nodes=focus_nodes)
    problems: list[Problem] = []
    seen = set()
    def from_derived(result) -> bool:
        shape = _parent_shape(shapes, results.value(result, SH.sourceShape))
        return shape is not None and str(shape).startswith(str(SHAPES["derived/"]))

    # the project's own shapes speak first; a derived shape's result on the same value is a repeat
    ordered = sorted(results.subjects(RDF.type, SH.ValidationResult), key=lambda r: (from_derived(r), str(r)))
    for result in ordered:
        node = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        component = results.value(result, SH.sourceConstraintComponent)
        source_shape = results.value(result, SH.sourceShape)
        message = results.value(result, SH.resultMessage)
        if skip and (node, path) in skip:
            continue
        key = (node, path, value, component)
        if key in seen:
            continue
        seen.add(key)
        component_name = local_name(component) if component else "Constraint"
        shape = _parent_shape(shapes, source_shape)
        shape_name = ("shape:" + str(shape)[len(str(SHAPES)):]) if shape is not None and str(shape).startswith(
            str(SHAPES)) else (short(shape) if shape is not None else "shape")
        rule = f"{shape_name.split(':', 1)[-1].replace('/', '-')}-{component_name.replace('ConstraintComponent', '')}"
        constraint = _constraint_text(shapes, source_shape, component_name)
        text = str(message) if message else f"{component_name.replace('ConstraintComponent', '')} violated"
        text = f"{text} [{shape_name}{', ' + constraint if constraint else ''}]"
        hint = _HINTS.get(component_name, "change the data so the node conforms to the shape").format(
            path=short(path) if path is not None else "property")
        if value is not None and node is not None and value == node:
            value = None
        problems.append(change.problem(STAGE, rule, text, node=node, prop=path, value=value, hint=hint))
    return sorted(problems, key=lambda p: (p.file or "", p.line or 0, p.node or "", p.property or ""))


def _constraint_text(shapes: Graph, shape, component: str) -> str:
    if shape is None:
        return ""
    for predicate in (SH["class"], SH.datatype, SH.minCount, SH.maxCount, SH.nodeKind, SH.pattern):
        value = shapes.value(shape, predicate)
        if value is not None and predicate.split("#")[-1].lower() in component.lower():
            return f"sh:{predicate.split('#')[-1]} {short(value) if not isinstance(value, Literal) else value}"
    return ""
