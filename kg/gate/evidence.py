"""Stage 5, evidence: every quote of the change is in its source, word for word.

Owns giving the change's claims the evidence the build would give them (by calling
`kg.annotations.resolve_claims` and `kg.build.assert_facts` on each claim, so the gate and the build
cannot disagree), collecting what fails (quote absent, ambiguous, empty, across paragraphs, source
unknown), and checking selectors a contributor wrote by hand: oa:exact occurs in the source and
oa:start/oa:end slice to it. It does not locate quotes itself (`kg.evidence`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from ..annotations import add_segments, resolve_claims
from ..build import assert_facts
from ..errors import EcoKGError
from ..namespaces import ECO, OA
from ..ontology import CLAIM_CLASS, claim_kinds
from ..terms import short
from .context import Base, Change
from .report import Problem

STAGE = "evidence"

_CLAIM_KEYS = (RDF.type, ECO.quote, ECO.quotePrefix, PROV.wasDerivedFrom, PROV.wasAttributedTo,
               ECO.assertsFact, ECO.negatedFact)


@dataclass
class Resolution:
    """What resolving the change's claims produced."""

    derived: Graph = field(default_factory=Graph)
    problems: list[Problem] = field(default_factory=list)
    unresolved: set = field(default_factory=set)


def _source_for(claim, change: Change, base: Base, record: Graph) -> tuple[URIRef | None, str | None]:
    docs = base.source_documents(record)
    named = [d for d in change.graph.objects(claim, PROV.wasDerivedFrom)]
    if named:
        known = [d for d in named if d in docs]
        if not known:
            return None, (f"{short(named[0])} is not a known source document "
                          f"(known: {', '.join(short(d) for d in docs) or 'none'})")
        return known[0], None
    if len(docs) == 1:
        return docs[0], None
    return None, ("the claim does not say which source it quotes" if docs else "there is no source document to quote")


def resolve_change(change: Change, base: Base) -> Resolution:
    """Evidence, attribution and fact triples for every claim of the change, as the build makes them."""
    outcome = Resolution()
    record = Graph()
    for triple in change.graph:
        record.add(triple)
    for doc in base.source_documents(record):
        if (doc, RDF.type, None) in change.graph and (doc, ECO.textFile, None) in change.graph:
            # the change brings a source record itself (a seed file): its paragraphs, as the build makes them
            try:
                add_segments(outcome.derived, base.source_text(doc, record))
            except EcoKGError as error:
                outcome.problems.append(change.problem(STAGE, "source-unreadable", f"source {short(doc)}: "
                                                       f"{error.message}", node=doc, prop=ECO.textFile,
                                                       hint=error.hint))
    claims = sorted({c for c in change.graph.subjects(ECO.quote, None) if isinstance(c, URIRef)}, key=str)
    for claim in claims:
        doc, why = _source_for(claim, change, base, record)
        if doc is None:
            outcome.unresolved.add(claim)
            outcome.problems.append(change.problem(
                STAGE, "unknown-source", f"cannot resolve the quote of {short(claim)}: {why}", node=claim,
                prop=PROV.wasDerivedFrom, hint="add prov:wasDerivedFrom source:<slug> naming the source it quotes"))
            continue
        try:
            source = base.source_text(doc, record)
        except EcoKGError as error:
            outcome.unresolved.add(claim)
            outcome.problems.append(change.problem(STAGE, "source-unreadable", f"source {short(doc)}: {error.message}",
                                                   node=claim, prop=PROV.wasDerivedFrom, value=doc, hint=error.hint))
            continue
        scratch = Graph()
        for key in _CLAIM_KEYS:
            for value in change.graph.objects(claim, key):
                scratch.add((claim, key, value))
        for fact in change.graph.objects(claim, ECO.assertsFact):
            for key, value in change.graph.predicate_objects(fact):
                scratch.add((fact, key, value))
        for key in (ECO.speaker, ECO.interviewer, PROV.wasAttributedTo):  # whom the source's words are by
            for graph in (record, base.graph):
                for value in graph.objects(doc, key):
                    scratch.add((doc, key, value))
        before = set(scratch)
        where = change.file_of(claim, ECO.quote)
        try:
            resolve_claims(scratch, source, where.path if where else base.settings.seeds_dir / "change.ttl")
            assert_facts(scratch)
        except EcoKGError as error:
            outcome.unresolved.add(claim)
            quote = change.graph.value(claim, ECO.quote)
            rule = ("quote-ambiguous" if "times in source" in error.message else
                    "quote-empty" if "empty quote" in error.message else
                    "quote-across-paragraphs" if "across paragraphs" in error.message else "quote-not-found")
            outcome.problems.append(change.problem(STAGE, rule, error.message, node=claim, prop=ECO.quote,
                                                   value=quote, hint=error.hint))
            continue
        for triple in scratch:
            if triple not in before:
                outcome.derived.add(triple)
    return outcome


def check_selectors(change: Change, base: Base) -> list[Problem]:
    """Hand-written selectors: oa:exact is in the source; oa:start/oa:end slice to oa:exact."""
    problems = []
    graph = change.graph
    record = Graph()
    for triple in graph:
        record.add(triple)
    for target in sorted(set(graph.subjects(OA.hasSelector, None)), key=str):
        doc = graph.value(target, OA.hasSource) or base.graph.value(target, OA.hasSource)
        if doc is None:
            continue
        try:
            text = base.source_text(doc, record).text
        except EcoKGError as error:
            problems.append(change.problem(STAGE, "source-unreadable", f"source {short(doc)}: {error.message}",
                                           node=target, prop=OA.hasSource, value=doc, hint=error.hint))
            continue
        selectors = list(graph.objects(target, OA.hasSelector))
        exact = None
        for sel in selectors:
            value = graph.value(sel, OA.exact)
            if value is not None:
                exact = str(value)
                if exact not in text:
                    problems.append(change.problem(STAGE, "exact-not-found",
                                                   f"the quoted words are not in {short(doc)}: {exact[:80]!r}",
                                                   node=target, prop=OA.exact, value=value,
                                                   hint="copy the words exactly as they are in the source"))
        for sel in selectors:
            start, end = graph.value(sel, OA.start), graph.value(sel, OA.end)
            if start is None or end is None:
                continue
            try:
                s, e = int(start), int(end)
            except (TypeError, ValueError):
                continue  # ill-typed offsets are the vocabulary stage's to report
            sliced = text[s:e] if 0 <= s <= e <= len(text) else None
            if sliced is None:
                problems.append(change.problem(STAGE, "offsets-out-of-range",
                                               f"oa:start {s} / oa:end {e} lie outside {short(doc)} "
                                               f"({len(text)} characters)", node=sel, prop=OA.start,
                                               value=start, hint="offsets are code-point indices into the source text"))
            elif exact is not None and sliced != exact:
                problems.append(change.problem(
                    STAGE, "offsets-mismatch", f"text[{s}:{e}] of {short(doc)} is {sliced[:60]!r}, not the quoted "
                    f"{exact[:60]!r}", node=sel, prop=OA.start, value=start,
                    hint=f"the quote is at offset {text.find(exact)}" if exact in text else
                    "fix oa:exact first, then the offsets (end is exclusive)"))
    return problems


def check_evidence(change: Change, base: Base, resolution: Resolution) -> list[Problem]:
    problems = list(resolution.problems)
    problems += check_selectors(change, base)
    claim_classes = {CLAIM_CLASS, *(kind.iri for kind in claim_kinds(base.ontology))}
    for claim in sorted({s for s, o in change.graph.subject_objects(RDF.type) if o in claim_classes}, key=str):
        if claim in resolution.unresolved:
            continue
        has_quote = any(isinstance(q, Literal) for q in change.graph.objects(claim, ECO.quote))
        has_evidence = any(True for _ in change.graph.objects(claim, ECO.hasEvidence)) or \
            any(True for _ in base.graph.objects(claim, ECO.hasEvidence))
        if not has_quote and not has_evidence:
            problems.append(change.problem(STAGE, "missing-evidence",
                                           f"claim {short(claim)} has no evidence: no eco:quote", node=claim,
                                           prop=ECO.quote, hint="add eco:quote with the exact words of the source"))
    return problems
