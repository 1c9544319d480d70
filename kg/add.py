"""`ecokg add`: a file that passes the gate, merged into the seed file it belongs to.

Owns `add_file`: the gate run against the seeds as they are, under the lock on seeds/, then the new triples
appended to the seed file of the source the claims quote (else seeds/entities.ttl) as Turtle that parses back
to the old triples plus the new. The gate is `kg.validate`'s; locking and atomic writes `kg.seedwrite`'s.
"""
from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import PROV

from .errors import EcoKGError
from .gate.context import Base, load_base
from .gate.limits import GateLimits
from .gate.locate import SourceFile
from .gate.report import Report
from .gate.syntax import parse_checked
from .namespaces import ECO, PREFIXES
from .seedwrite import replace_atomically, seeds_locked
from .settings import Settings
from .validate import validate_files

__all__ = ["add_file", "target_seed_file"]


def target_seed_file(change_graph: Graph, base: Base, settings: Settings) -> Path:
    """Where an accepted file goes: the seed file of the source its claims quote, else seeds/entities.ttl; in a
    project, its claims/<slug>.ttl, else its entities/entities.ttl (the packaged seeds are never written)."""
    project = settings.project
    if any(True for _ in change_graph.subjects(ECO.quote, None)):
        named = set(change_graph.objects(None, PROV.wasDerivedFrom))
        docs = base.source_documents(change_graph)
        doc = next((d for d in docs if d in named), docs[0] if len(docs) == 1 else None)
        if doc is not None:
            text_file = base.value(doc, ECO.textFile) or change_graph.value(doc, ECO.textFile)
            if project is not None and not project.owns(str(doc)):
                raise EcoKGError(f"{doc} is a packaged source: a project adds claims on its own sources only",
                                 term=str(doc), hint="register the text in the project with `ecokg source add`, "
                                                     "or add claims on packaged sources in ECO-KG's own clone")
            if text_file is not None:
                folder = project.claims_dir if project is not None else settings.seeds_dir
                return folder / (Path(str(text_file)).stem + ".ttl")
    return (project.entities_dir if project is not None else settings.seeds_dir) / "entities.ttl"


def _turtle_block(change_graph: Graph, existing_text: str, origin: str) -> str:
    declared = SourceFile.from_text(Path("x.ttl"), existing_text).prefixes
    out = Graph(bind_namespaces="none")
    for prefix, namespace in declared.items():
        out.bind(prefix, namespace, override=True)
    for prefix, namespace in PREFIXES.items():
        if prefix not in declared and namespace not in declared.values():
            out.bind(prefix, namespace, override=True)
    for triple in change_graph:
        out.add(triple)
    body = out.serialize(format="turtle")
    kept = []
    for line in body.splitlines():
        match = re.match(r"@prefix\s+([\w.-]*):\s*<([^>]*)>\s*\.", line)
        if match and declared.get(match.group(1)) == match.group(2):
            continue
        kept.append(line)
    body = "\n".join(kept).strip("\n")
    return (f"\n\n# ---------------------------------------------------------------------------------------------\n"
            f"# Added with `ecokg add` from {origin} ({len(change_graph)} triples)\n"
            f"# ---------------------------------------------------------------------------------------------\n"
            f"{body}\n")


def add_file(path: Path, settings: Settings, *, owl: bool | str = True, max_bytes: int | None = None,
             limits: GateLimits | None = None, into: Path | None = None) -> tuple[Report, Path | None]:
    """Validate ``path``; when it passes, append its triples to the seed file they belong to.

    Only triples not already stored are written. Returns (report, the seed file written, or None
    when the file was rejected or brought nothing new). Nothing acknowledged is lost: the whole
    add holds the lock on seeds/ (`kg.seedwrite.seeds_locked`), so the gate runs against the seeds
    as they are at that moment, including what another add wrote just before; the seed file is
    replaced atomically with its mode kept, and only after the merged text has been parsed back to
    exactly the old triples plus the new ones. A rejected file changes nothing; an unwritable
    folder or a full disk is an `EcoKGError` naming the path and the reason. ``into`` names the seed file
    instead of `target_seed_file` (a journal fold knows the graph each triple was accepted into).
    """
    path = Path(path)
    if path.exists() and path.resolve().is_relative_to(settings.seeds_dir.resolve()):
        raise EcoKGError(f"{path} is already in seeds/", file=path,
                         hint="`ecokg add` takes a file from outside seeds/; validate seed files with `ecokg validate`")
    limits = (limits or GateLimits.from_settings(settings)).with_(max_bytes=max_bytes)
    with seeds_locked(settings.project.root if settings.project is not None else settings.seeds_dir):
        base = load_base(settings)  # the seeds as they are now, under the lock
        report = validate_files([path], settings, owl=owl, base=base, limits=limits)
        if not report.ok:
            return report, None
        target = _merge_into_seeds(path, report, base, settings, limits, into)
    return report, target


def _merge_into_seeds(path: Path, report: Report, base: Base, settings: Settings, limits: GateLimits,
                      into: Path | None = None) -> Path | None:
    text = path.read_text(encoding="utf-8")
    source = SourceFile.from_text(path, text)
    parsed, problems = parse_checked(source, limits.max_prefixes)
    if parsed is None:  # the file changed since the gate read it
        raise EcoKGError("the file changed while it was being added; nothing was written", file=path,
                         hint="run the command again")
    change_graph = Graph()
    for prefix, namespace in parsed.namespaces():
        change_graph.bind(prefix, namespace, override=True)
    for triple in parsed:
        if not base.holds(triple):
            change_graph.add(triple)
    report.triples = len(change_graph)
    if not len(change_graph):
        return None
    target = into or target_seed_file(change_graph, base, settings)
    try:
        existing = target.read_text(encoding="utf-8") if target.exists() else ""
    except OSError as error:
        raise EcoKGError(f"cannot read the seed file: {error.strerror}; nothing was changed", file=target) from None
    merged = existing.rstrip("\n") + _turtle_block(change_graph, existing, path.name)
    expected = Graph()
    if existing:
        expected.parse(data=existing, format="turtle", publicID=target.resolve().as_uri())
    for triple in change_graph:
        expected.add(triple)
    check = Graph().parse(data=merged, format="turtle", publicID=target.resolve().as_uri())
    if set(check) != set(expected):
        raise EcoKGError("merging would change the seed file's meaning; nothing was written", file=target,
                         hint="add the triples by hand, or report this as a bug")
    replace_atomically(target, merged)
    return target
