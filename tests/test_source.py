"""The interview is kept byte for byte, with a truthful metadata record, and split into questions and answers."""
from __future__ import annotations

import hashlib

from rdflib import Literal
from rdflib.namespace import DCTERMS, RDF, RDFS

from kg.namespaces import ECO, ID, SOURCE

INTERVIEW = SOURCE["iran-pakistan-eco-security-interview"]
SHA256 = "e5ee8f7a40552035565d9c10faacca07e71f681444905083b8c4a5fe35cb8931"


def test_interview_text_is_byte_for_byte(settings):
    data = (settings.seeds_dir / "iran-pakistan-eco-security-interview.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == SHA256
    assert len(data) == 6349


def test_metadata_record_says_what_is_known_and_invents_nothing(dataset):
    assert (INTERVIEW, RDF.type, ECO.Interview) in dataset
    assert dataset.value(INTERVIEW, DCTERMS.title) == Literal("Iran-Pakistan security ...")
    assert dataset.value(INTERVIEW, DCTERMS.language) == Literal("en")
    assert dataset.value(INTERVIEW, ECO.sha256) == Literal(SHA256)
    speaker = dataset.value(INTERVIEW, ECO.speaker)
    assert speaker == ID.UnnamedPakistaniOfficial
    assert dataset.value(speaker, RDFS.label) == Literal("unnamed Pakistani official", lang="en")
    assert dataset.value(INTERVIEW, ECO.interviewer) == ID.UnknownInterviewer
    # interviewer and date are unknown: no date, no creator, no names are recorded
    for unknown in (DCTERMS.date, DCTERMS.created, DCTERMS.issued, DCTERMS.creator):
        assert dataset.value(INTERVIEW, unknown) is None
    from rdflib.namespace import FOAF
    assert dataset.value(speaker, FOAF.name) is None


def test_questions_and_answers_are_distinguishable(dataset):
    questions = set(dataset.subjects(RDF.type, ECO.Question))
    answers = set(dataset.subjects(RDF.type, ECO.Answer))
    assert len(questions) == 4
    assert len(answers) == 15
    first_question = {int(dataset.value(q, ECO.segmentIndex)) for q in questions}
    assert first_question == {3, 6, 11, 16}
    # the first answer paragraph (line 2) has no question before it in the text
    orphan = [a for a in answers if dataset.value(a, ECO.answers) is None]
    assert [int(dataset.value(a, ECO.segmentIndex)) for a in orphan] == [2]
    # every other answer points at the question just before it
    for answer in answers:
        question = dataset.value(answer, ECO.answers)
        if question is not None:
            assert int(dataset.value(question, ECO.segmentIndex)) < int(dataset.value(answer, ECO.segmentIndex))


def test_araghchi_statement_is_reported_inside_a_question(dataset):
    from kg.namespaces import CLAIM, OA
    from rdflib.namespace import PROV

    claim = CLAIM["araghchi-eco-dynamic-region"]
    assert (claim, RDF.type, ECO.ReportedStatement) in dataset
    assert dataset.value(claim, ECO.holder) == ID.Araghchi
    # the words are the interviewer's, reported in a question, not the speaker's position
    assert dataset.value(claim, PROV.wasAttributedTo) == ID.UnknownInterviewer
    target = dataset.value(dataset.value(claim, ECO.hasEvidence), OA.hasTarget)
    assert (dataset.value(target, ECO.inSegment), RDF.type, ECO.Question) in dataset
