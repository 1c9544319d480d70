"""Quotes resolve to exact, unique spans; selectors slice the source to their words; mentions are found."""
from __future__ import annotations

import pytest
from rdflib.namespace import RDF

from kg.checks import evidence_check
from kg.errors import EvidenceError
from kg.evidence import find_mentions, locate_quote, segment_interview
from kg.namespaces import CLAIM, ECO, ID, OA

TEXT = "Alpha beta. Gamma beta delta.\nIs it so?\nIt is, Alpha said."


def test_locate_quote_gives_offsets_prefix_and_suffix():
    span = locate_quote(TEXT, "Gamma beta")
    assert TEXT[span.start:span.end] == "Gamma beta"
    assert span.prefix == "Alpha beta. "
    assert span.suffix.startswith(" delta.")


def test_a_quote_not_in_the_source_is_an_error_with_a_hint():
    with pytest.raises(EvidenceError) as caught:
        locate_quote(TEXT, "Gamma  beta", source_name="t.txt", subject="claim/x", file="x.ttl", line=7)
    message = str(caught.value)
    assert "x.ttl:7" in message and "not found" in message and "claim/x" in message


def test_an_ambiguous_quote_is_an_error_unless_a_prefix_disambiguates():
    with pytest.raises(EvidenceError, match="occurs 2 times"):
        locate_quote(TEXT, "beta")
    span = locate_quote(TEXT, "beta", prefix="Gamma ")
    assert span.start == TEXT.index("Gamma beta") + len("Gamma ")


def test_code_point_offsets_count_characters_not_bytes():
    text = "Pakistan’s “eastern strategic depth” here"
    span = locate_quote(text, "here")
    assert (span.start, span.end) == (37, 41)
    assert len(text.encode("utf-8")) > span.end


def test_segments_are_headings_questions_and_answers():
    kinds = [s.kind for s in segment_interview("Title\nPage 1\nAnswer first.\nA question?\nAn answer.\n")]
    assert kinds == ["heading", "heading", "answer", "question", "answer"]


def test_mentions_respect_word_boundaries_and_nest_across_entities():
    mentions = find_mentions("Iran-Pakistan, Iranian ports and the Persian Gulf Arab states.",
                             {"iran": ["Iran"], "ports": ["Iranian ports"], "gulf": ["Persian Gulf"],
                              "group": ["Persian Gulf Arab states", "Persian Gulf"]})
    found = [(entity, span.exact) for entity, span in mentions]
    assert ("iran", "Iran") in found
    assert ("ports", "Iranian ports") in found
    assert ("group", "Persian Gulf Arab states") in found
    assert ("gulf", "Persian Gulf") in found          # nested mention of another entity
    assert ("group", "Persian Gulf") not in found      # the same entity keeps only the longer name
    assert sum(1 for e, _ in found if e == "iran") == 1  # not inside "Iranian"


def test_every_position_selector_slices_the_source_to_its_exact(dataset, settings):
    report = evidence_check(dataset, settings)
    assert report.conforms, report.summary()
    assert report.checked > 250


def test_every_claim_has_resolved_evidence(dataset):
    claims = {c for c in dataset.subjects(ECO.quote, None)}
    assert len(claims) >= 50
    for claim in claims:
        annotation = dataset.value(claim, ECO.hasEvidence)
        assert annotation is not None, claim
        assert (annotation, OA.hasBody, claim) in dataset
        selectors = list(dataset.objects(dataset.value(annotation, OA.hasTarget), OA.hasSelector))
        kinds = {dataset.value(s, RDF.type) for s in selectors}
        assert kinds == {OA.TextQuoteSelector, OA.TextPositionSelector}


def test_every_answer_paragraph_is_covered_by_claims(dataset):
    answers = set(dataset.subjects(RDF.type, ECO.Answer))
    with_claims = {dataset.value(t, ECO.inSegment) for a in dataset.subjects(OA.motivatedBy, OA.describing)
                   for t in dataset.objects(a, OA.hasTarget)}
    assert answers <= with_claims


def test_where_the_text_mentions_cpec(dataset, settings):
    text = (settings.seeds_dir / "iran-pakistan-eco-security-interview.txt").read_text(encoding="utf-8")
    spans = []
    for annotation in dataset.subjects(OA.hasBody, ID.ChinaPakistanEconomicCorridor):
        if (annotation, OA.motivatedBy, OA.identifying) not in dataset:
            continue
        for selector in dataset.objects(dataset.value(annotation, OA.hasTarget), OA.hasSelector):
            if dataset.value(selector, OA.start) is not None:
                spans.append((int(dataset.value(selector, OA.start)), int(dataset.value(selector, OA.end))))
    assert sorted(text[s:e] for s, e in spans) == ["CPEC", "China-Pakistan Economic Corridor"]


def test_every_surface_form_occurrence_is_annotated(dataset, settings):
    import re

    text = (settings.seeds_dir / "iran-pakistan-eco-security-interview.txt").read_text(encoding="utf-8")
    mentioned = {}
    for annotation in dataset.subjects(OA.motivatedBy, OA.identifying):
        body = dataset.value(annotation, OA.hasBody)
        mentioned.setdefault(body, 0)
        mentioned[body] += 1
    pakistan_occurrences = len(re.findall(r"(?<!\w)Pakistan(?!\w)", text)) + text.count("Islamabad")
    assert mentioned[ID.Pakistan] == pakistan_occurrences == 26
    assert mentioned[ID.ECO] >= 20
    assert mentioned[ID.Araghchi] == 1


def test_quote_prefix_names_a_claim_that_repeats_words(dataset):
    two = [CLAIM["fact-pakistan-iran-defence-relationship"], CLAIM["fact-pakistan-saudi-defence-relationship"]]
    annotations = {dataset.value(c, ECO.hasEvidence) for c in two}
    assert len(annotations) == 1  # the same words are evidence for both facts: one annotation, two bodies
