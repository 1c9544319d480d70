"""Checks of the whole built graph: SHACL shapes, evidence offsets, OWL consistency.

Owns the checks `ecokg check` (`kg.commands.check`), tests and CI call: `shacl_check` (pySHACL through
`kg.shacl.run_shacl`, against ontology/shapes.ttl), `evidence_check` (every oa:TextPositionSelector slices
its source to exactly its oa:exact) and `owl_check` (HermiT via `kg.reasoner`). Checks of a
*change* before it enters the graph belong to `kg.validate`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF, SH

from .namespaces import ECO, OA
from .rdfio import parse_file
from .settings import Settings
from .sources import text_folder
from .shacl import run_shacl
from .terms import local_name


@dataclass
class CheckReport:
    name: str
    conforms: bool
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    checked: int = 0

    def summary(self) -> str:
        status = "ok" if self.conforms else f"{len(self.problems)} problem(s)"
        lines = [f"{self.name}: {status} ({self.seconds:.2f} s)"]
        lines += [f"  - {p}" for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"  … and {len(self.problems) - 50} more")
        return "\n".join(lines)


def shapes_graph(settings: Settings) -> Graph:
    from .project import widen_shapes

    shapes = parse_file(settings.ontology_dir / "shapes.ttl")
    widen_shapes(shapes, settings.project)
    return shapes


def union_graph(dataset: Dataset) -> Graph:
    """All triples of all named graphs (and the default graph) in one plain graph."""
    union = Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def shacl_results(data: Graph, shapes: Graph, ontology: Graph | None = None,
                  focus_nodes: list | None = None) -> tuple[bool, list[dict]]:
    """Run pySHACL (`kg.shacl.run_shacl`); return (conforms, results as dicts)."""
    conforms, report = run_shacl(data, shapes, ontology=ontology, focus_nodes=focus_nodes)
    results = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        results.append({
            "focus": report.value(result, SH.focusNode),
            "path": report.value(result, SH.resultPath),
            "value": report.value(result, SH.value),
            "shape": report.value(result, SH.sourceShape),
            "component": report.value(result, SH.sourceConstraintComponent),
            "message": str(report.value(result, SH.resultMessage) or ""),
            "severity": report.value(result, SH.resultSeverity),
        })
    return bool(conforms), results


def shape_name(shape, shapes: Graph) -> str:
    """The named node shape a (possibly blank-node property) shape belongs to."""
    if isinstance(shape, URIRef):
        return local_name(shape)
    for parent in shapes.subjects(SH.property, shape):
        return shape_name(parent, shapes)
    return str(shape)


def shacl_check(dataset: Dataset, settings: Settings) -> CheckReport:
    started = time.perf_counter()
    shapes = shapes_graph(settings)
    conforms, results = shacl_results(union_graph(dataset), shapes)
    problems = [f"{shape_name(r['shape'], shapes)}: {r['focus']} {r['path'] or ''} {r['value'] or ''} — {r['message']}"
                for r in results]
    return CheckReport("SHACL", conforms, problems, time.perf_counter() - started)


def evidence_check(dataset: Dataset, settings: Settings) -> CheckReport:
    """Every position selector slices the source text to exactly the quote selector's oa:exact."""
    started = time.perf_counter()
    problems: list[str] = []
    texts: dict[URIRef, str] = {}
    checked = 0
    for target in set(dataset.subjects(OA.hasSource, None)):
        source = dataset.value(target, OA.hasSource)
        if source not in texts:
            file_name = dataset.value(source, ECO.textFile)
            path = text_folder(settings, source) / str(file_name) if file_name else None
            if path is None or not path.is_file():
                problems.append(f"{source}: source text {file_name} not found")
                texts[source] = None
                continue
            texts[source] = path.read_bytes().decode("utf-8")  # as the build reads it: line ends untranslated
        text = texts[source]
        if text is None:
            continue
        exact = start = end = None
        for selector in dataset.objects(target, OA.hasSelector):
            if (selector, RDF.type, OA.TextQuoteSelector) in dataset:
                exact = dataset.value(selector, OA.exact)
            if (selector, RDF.type, OA.TextPositionSelector) in dataset:
                start, end = dataset.value(selector, OA.start), dataset.value(selector, OA.end)
        if start is None or end is None:
            continue
        checked += 1
        sliced = text[int(start):int(end)]
        if exact is not None and sliced != str(exact):
            problems.append(f"{target}: text[{start}:{end}] is {sliced!r}, not oa:exact {str(exact)!r}")
    return CheckReport("evidence offsets", not problems, problems, time.perf_counter() - started, checked)


def owl_check(dataset: Dataset, settings: Settings) -> CheckReport:
    from .reasoner import check_consistency

    result = check_consistency(union_graph(dataset))
    problems = list(result.explanation)
    problems += [f"unsatisfiable class: {c}" for c in result.unsatisfiable_classes]
    return CheckReport("OWL (HermiT)", result.consistent and not result.unsatisfiable_classes, problems,
                       result.seconds)
