"""The gate for new assertions: `ecokg validate FILE…`, `ecokg add FILE`, and the same gate for a graph change.

Owns running the stages of `kg.gate` in order, stopping at the first that finds problems (then again on the
files that had none, so every failing file is reported), on files (`validate_files`, in a sandboxed child) or on
a change (`validate_graph_change`), each check on a private copy of the stored graph around its change. The
commands' options are `kg.commands.validate`'s; merging into seeds/ is `kg.add`'s.
"""
from __future__ import annotations

import time
from pathlib import Path

from rdflib import Graph, URIRef

from . import sandbox
from .gate.bytes import read_checked
from .gate.context import Base, Change, base_from_view, cached_base, load_base
from .gate.destructive import check_change
from .gate.view import StoredGraph
from .gate.evidence import check_evidence, resolve_change
from .gate.facts import check_facts
from .gate.graph import check_graph
from .gate.limits import GateLimits, Progress, StageLimitHit, limit_problem, stage_deadline
from .gate.locate import SourceFile
from .gate.paths import leads_outside
from .gate.owl import check_owl
from .gate.report import STAGES, GateRejected, Problem, Report, StageRun, cap_problems, shortened
from .gate.shacl import check_shapes
from .gate.syntax import parse_checked
from .gate.vocabulary import check_vocabulary, literal_flood
from .namespaces import BASE, ECO
from .rdfio import FORMAT_BY_SUFFIX
from .settings import Settings

__all__ = ["validate_files", "validate_graph_change", "GateLimits", "GateRejected", "Report", "Problem"]


class _Stages:
    """Runs stages in order and records each one's outcome and time; stops at the first that fails.

    Each stage's problems are cut to the first ``limits.max_problems``. With ``deadlines`` (in the
    gate's child process), a stage past ``limits.stage_seconds`` is stopped and becomes a
    time-limit problem; a stage that runs out of memory becomes a memory-limit problem.
    """

    def __init__(self, report: Report, limits: GateLimits | None = None, *, files: list[str] = (),
                 progress: Progress | None = None, deadlines: bool = False):
        self.report = report
        self.stopped = False
        self.limits = limits or GateLimits()
        self.files = list(files)
        self.progress = progress
        self.deadlines = deadlines

    def run(self, name: str, check, *, skip_note: str | None = None):
        if self.stopped or skip_note:
            self.report.stages.append(StageRun(name, "skipped", 0.0, skip_note or ""))
            return None
        if self.progress is not None:
            self.progress.enter(name)
        started = time.perf_counter()
        try:
            with stage_deadline(name, self.limits.stage_seconds if self.deadlines else None):
                outcome = check()
        except StageLimitHit as hit:
            outcome = [limit_problem(hit.stage, hit.kind, self.limits, self.files)]
        except MemoryError:
            outcome = [limit_problem(name, "memory", self.limits, self.files)]
        problems = outcome[0] if isinstance(outcome, tuple) else outcome
        seconds = time.perf_counter() - started
        self.report.stages.append(StageRun(name, "failed" if problems else "passed", seconds))
        if problems:
            self.report.problems.extend(shortened(p) for p in cap_problems(list(problems), self.limits.max_problems))
            self.stopped = True
        return outcome


#: the named graph the change is put in while the gate checks it
CHANGE_GRAPH = URIRef(BASE + "graph/change-under-validation")


def _add_change(scoped: Base, change: Change, derived: Graph) -> None:
    """Put the change into a scoped base's private copy of the stored graph: its removed triples out, its
    triples and what the build derives from them in `CHANGE_GRAPH`."""
    for triple in change.removed:
        scoped.graph.remove(triple)
    target = scoped.graph.graph(CHANGE_GRAPH)
    for triple in change.graph:
        target.add(triple)
    for triple in derived:
        target.add(triple)


def owl_engine(owl) -> str | None:
    """The OWL stage's engine for an ``owl`` argument: True or "rl" (OWL 2 RL), "hermit", or None (off)."""
    if owl is True:
        return "rl"
    if owl in (False, None, ""):
        return None
    if owl not in ("rl", "hermit"):
        raise ValueError(f"unknown OWL engine {owl!r}: use rl or hermit")
    return owl


def _check_change(change: Change, base: Base, report: Report, stages: _Stages, *, owl, quads=None) -> Report:
    """The stages after syntax on a parsed change against ``base``; ``quads`` (added, removed quads with their
    graphs) when an update made the change."""
    engine = owl_engine(owl)
    report.triples = len(change.graph)
    # first: it is cheap, and a graph dropped whole would otherwise keep the later stages busy for long
    stages.run("change", lambda: check_change(change, base, quads),
               skip_note=None if quads is not None or len(change.removed) else "nothing is removed")
    stages.run("vocabulary", lambda: check_vocabulary(change, base))
    resolution = None
    data = None
    scoped = base

    def shapes():
        nonlocal resolution, data, scoped
        scoped = base.scoped(change)  # a private copy of the stored graph around the change: ``base`` stays as it is
        resolution = resolve_change(change, scoped)
        change.derived = resolution.derived
        scoped.include(set(resolution.derived.objects()) - set(change.graph.subjects()))
        _add_change(scoped, change, resolution.derived)
        data = scoped.graph
        focus = set(change.graph.subjects()) | set(resolution.derived.subjects())
        focus |= {o for o in change.graph.objects() if base.is_own(o)}
        focus |= {s for s in change.removed.subjects() if (s, None, None) in data}
        focus |= {o for o in change.removed.objects() if isinstance(o, URIRef) and (o, None, None) in data}
        skip = set()
        for claim in resolution.unresolved:
            for path in (ECO.hasEvidence, URIRef("http://www.w3.org/ns/prov#wasAttributedTo"),
                         URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")):
                skip.add((claim, path))
        return check_shapes(change, scoped, data, focus, skip)

    stages.run("shacl", shapes)
    stages.run("evidence", lambda: check_evidence(change, scoped, resolution))
    stages.run("owl", lambda: check_owl(change, data, scoped, engine),
               skip_note=None if engine else "turned off (--no-owl)")
    stages.run("graph", lambda: check_graph(change, scoped.graph, resolution.derived if resolution else Graph(),
                                            own=base.is_own, entities=base.entity_namespaces)
               + check_facts(change, scoped, quads))
    return report


def validate_files(paths: list[Path], settings: Settings, *, owl: bool | str = True, max_bytes: int | None = None,
                   base: Base | None = None, limits: GateLimits | None = None) -> Report:
    """Run the gate on files of new assertions; returns the `Report` (never raises for bad input).

    With ``limits.isolate`` (the default) the stages run in a forked child process that cannot open
    network connections and whose memory is capped (`kg.sandbox.run_isolated`); each stage has
    ``limits.stage_seconds``. A limit that is hit is a problem of the stage that hit it (exit code 2).
    """
    limits = (limits or GateLimits.from_settings(settings)).with_(max_bytes=max_bytes)
    paths = [Path(p) for p in paths]
    if base is None:  # loaded by an earlier run in this process: the child inherits it
        # a path that cannot be resolved (a symlink loop) is no seed file; the input stage reports it
        base = cached_base(settings, [path for path in paths if _resolvable(path)])
    if not (limits.isolate and sandbox.CAN_FORK):
        return _validate_files(paths, settings, owl, limits, base, progress=None, isolated=False)
    _load_stage_modules()
    progress = Progress()
    started = time.perf_counter()
    # the child's own per-stage deadlines come first; this one also covers loading the stored graph
    timeout = limits.stage_seconds * (len(STAGES) + 1)
    try:
        report, derived = sandbox.run_isolated(_validate_files, paths, settings, owl, limits, base,
                                               progress=progress, isolated=True, timeout=timeout,
                                               memory_bytes=limits.memory_bytes,
                                               overdue=(lambda: progress.overdue(limits.stage_seconds))
                                               if limits.stage_seconds else None)
    except sandbox.Late:
        return _limit_report(paths, progress.stage or "input", "time", limits, started)
    except sandbox.OutOfMemory:
        return _limit_report(paths, progress.stage or "input", "memory", limits, started)
    report.derived = Graph()
    for triple in derived:
        report.derived.add(triple)
    return report


def _load_stage_modules() -> None:
    """Import what the stages import on first use, here, once: each forked child then inherits them instead of
    importing them again at every check (a server checks every update in a new child)."""
    import rdflib.plugins.sparql  # noqa: F401
    import reasonable  # noqa: F401

    from . import entailment, shacl, stores  # noqa: F401
    from .gate import owl_rl  # noqa: F401

    shacl.load()


def _resolvable(path: Path) -> bool:
    try:
        path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, before Python 3.13
        return False
    return True


def _limit_report(paths: list[Path], stage: str, kind: str, limits: GateLimits, started: float) -> Report:
    report = Report(files=[str(p) for p in paths])
    for name in STAGES:
        before = STAGES.index(name) < STAGES.index(stage)
        report.stages.append(StageRun(name, "passed" if before else "failed" if name == stage else "skipped"))
    report.problems.append(limit_problem(stage, kind, limits, report.files))
    report.seconds = time.perf_counter() - started
    return report


def _validate_files(paths: list[Path], settings: Settings, owl: bool, limits: GateLimits, base: Base | None, *,
                    progress: Progress | None, isolated: bool):
    """The stages on ``paths``: the `Report` in this process; (report, derived triples) in the gate's child."""
    started = time.perf_counter()
    report = Report(files=[str(p) for p in paths])
    stages = _Stages(report, limits, files=report.files, progress=progress, deadlines=isolated)

    def readable():
        problems = []
        for path in paths:
            if path.suffix.lower() not in FORMAT_BY_SUFFIX:
                problems.append(Problem("input", "unknown-extension", f"unknown RDF file extension {path.suffix!r}",
                                        file=str(path), value=path.suffix or "(none)",
                                        hint="name the file .ttl (Turtle) or .trig (TriG); .nt, .nq, .jsonld "
                                             "and .rdf are read too"))
            elif not path.is_file():
                what = ("a symbolic link that loops or leads to nothing" if path.is_symlink() and not path.exists()
                        else "no such file" if not path.exists() else "not a regular file")
                problems.append(Problem("input", "file-not-found", what, file=str(path), hint="check the path"))
            elif (target := leads_outside(path, [Path.cwd(), settings.root])) is not None:
                problems.append(Problem("input", "link-outside", f"a symbolic link on the way leads outside the "
                                        f"repository, to {target}; the gate does not read it", file=str(path),
                                        hint="put the file itself in the repository (a link may only lead to a "
                                             "file inside it), or name the file where it really is"))
        return problems

    texts: dict[Path, str] = {}

    def encoding():
        problems = []
        for path in paths:
            text, found = read_checked(path, limits.max_bytes)
            problems += found
            if text is not None:
                texts[path] = text
        return problems

    change = Change(max_located=limits.max_problems)
    flood: list[Problem] = []

    def syntax():
        problems = []
        for path in paths:
            fmt = FORMAT_BY_SUFFIX.get(path.suffix.lower())
            found_flood = literal_flood(texts[path], fmt, str(path), limits.max_problems) if fmt else None
            if found_flood:
                flood.extend(found_flood)  # the vocabulary stage's verdict, reached without a slow parse
                continue
            source = SourceFile.from_text(path, texts[path])
            graph, found = parse_checked(source, limits.max_prefixes)
            problems += found
            if graph is not None:
                change.add_file(source, graph)
        return problems

    stages.run("input", readable)
    stages.run("bytes", encoding)
    stages.run("syntax", syntax)
    if flood and not stages.stopped:
        stages.run("vocabulary", lambda: flood)
    judged = not stages.stopped
    if stages.stopped:
        for name in ("change", "vocabulary", "shacl", "evidence", "owl", "graph"):
            stages.run(name, lambda: [])
    else:
        if base is None:
            base = load_base(settings, replacing=paths)
        _check_change(change, base, report, stages, owl=owl)
    if report.problems and change.files:
        _check_the_rest(change, base or load_base(settings, replacing=paths), report, limits, owl, judged)
    report.seconds = time.perf_counter() - started
    if not isolated:
        report.derived = change.derived
        return report
    report.derived = None  # sent apart, as plain triples
    return report, list(change.derived)


def _check_the_rest(change: Change, base: Base, report: Report, limits: GateLimits, owl, judged: bool) -> None:
    """Run the stages again on the files without problems so far (``judged``: the change went past syntax), until
    none is left or all pass: each failing file is reported, not only those of the first stage that failed (a
    file that needs what a failing one describes is reported for that too)."""
    while True:
        failing = {p.file for p in report.problems}
        rest = [(f, g) for f, g in zip(change.files, change.file_graphs) if f.name not in failing]
        if None in failing or not rest or (judged and len(rest) == len(change.files)):
            return
        judged = True
        change = Change(max_located=limits.max_problems)
        for source, graph in rest:
            change.add_file(source, graph)
        again = Report(files=[source.name for source, _graph in rest])
        _check_change(change, base, again, _Stages(again, limits, files=again.files), owl=owl)
        report.problems.extend(again.problems)
        for run in (r for r in again.stages if r.status == "failed"):
            for mine in (r for r in report.stages if r.name == run.name and r.status != "failed"):
                mine.status, mine.seconds, mine.note = "failed", run.seconds, "on the files that passed before"
        if not again.problems:
            return


def validate_graph_change(added: Graph, removed: Graph, settings: Settings, base_dataset,
                          *, owl: bool | str = True, quads: tuple[list, list] | None = None) -> Report:
    """The gate for a change to the stored graph (e.g. a SPARQL Update): ``added`` and ``removed`` triples.

    ``base_dataset`` is the stored graph before the change: a `Base` (`load_base`, `base_from_view`),
    a pyoxigraph store or the embedded backend (read through a view: only the neighbourhood of the
    change is copied out), or an rdflib `Dataset` or `Graph`. It is not modified. ``quads``, the (added,
    removed) quads with their named graphs, lets the change stage judge graphs emptied or copied. A caller applies
    the change only when ``report.ok``; ``report.to_error()`` gives the exception to raise otherwise.
    """
    started = time.perf_counter()
    base = base_dataset if isinstance(base_dataset, Base) else base_from_view(StoredGraph.of(base_dataset), settings)
    change = Change(graph=added, removed=removed)
    report = Report(files=[])
    stages = _Stages(report)
    for name in ("input", "bytes", "syntax"):
        report.stages.append(StageRun(name, "skipped", 0.0, "already parsed"))
    _check_change(change, base, report, stages, owl=owl, quads=quads)
    report.derived = change.derived
    report.seconds = time.perf_counter() - started
    return report
