"""Rules the gate applies to single terms: language tags, XSD lexical forms, IRIs, Wikidata IDs."""
from __future__ import annotations

import pytest
from rdflib import Literal
from rdflib.namespace import XSD

from kg.gate.syntax import SENTINEL_BASE
from kg.gate.vocabulary import iri_problem, lexical_problem, well_formed_language_tag, wikidata_suggestion


@pytest.mark.parametrize("tag", ["en", "fa", "ur", "en-GB", "zh-Hans", "zh-Hans-CN", "sr-Latn-RS", "de-CH-1996",
                                 "es-419", "x-private", "en-x-ecokg"])
def test_well_formed_language_tags(tag):
    assert well_formed_language_tag(tag)


@pytest.mark.parametrize("tag", ["e", "en-", "en-toolongsubtag", "en-portcitysubtag", "en--gb", "123", "en_GB"])
def test_malformed_language_tags(tag):
    assert not well_formed_language_tag(tag)


@pytest.mark.parametrize("lexical,datatype,ok", [
    ("2024", XSD.gYear, True), ("20x4", XSD.gYear, False), ("-0044", XSD.gYear, True),
    ("2024-02-29", XSD.date, True), ("2023-02-29", XSD.date, False), ("2024-13-01", XSD.date, False),
    ("42", XSD.integer, True), ("4.2", XSD.integer, False), ("-1", XSD.nonNegativeInteger, False),
    ("300", XSD.byte, False), ("true", XSD.boolean, True), ("yes", XSD.boolean, False),
    ("2024-05-01T12:00:00Z", XSD.dateTime, True), ("2024-05-01 12:00", XSD.dateTime, False),
    ("P1Y2M", XSD.duration, True), ("P", XSD.duration, False),
])
def test_xsd_lexical_forms(lexical, datatype, ok):
    assert (lexical_problem(Literal(lexical, datatype=datatype, normalize=False)) is None) == ok


@pytest.mark.parametrize("iri,rule", [
    ("https://w3id.org/eco-kg/id/Pakistan", None),
    ("http://www.wikidata.org/entity/Q843", None),
    ("https://w3id.org/eco-kg/id/Gwadar Port", "iri-malformed"),
    ("file:///etc/passwd", "iri-scheme"),
    ("javascript:alert(1)", "iri-scheme"),
    ("urn:isbn:0451450523", "iri-scheme"),
    ("https://w3id.org/eco-kg/id/100%", "iri-malformed"),
    (SENTINEL_BASE + "Gwadar", "relative-iri"),
])
def test_iri_rules(iri, rule):
    found = iri_problem(iri)
    assert (found[0] if found else None) == rule


def test_wikidata_suggestions():
    assert wikidata_suggestion("https://www.wikidata.org/wiki/Q843") == "http://www.wikidata.org/entity/Q843"
    assert wikidata_suggestion("https://www.wikidata.org/wiki/Property:P31") is None
