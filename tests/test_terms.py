"""How the library writes a term for people (`kg.terms`): in messages and in query tables."""
from __future__ import annotations

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from kg.namespaces import BASE, CLAIM, ECO, ID
from kg.terms import base_relative, local_name, short, term_text


@pytest.mark.parametrize(("term", "expected"), [
    (ECO.State, "eco:State"),
    (ID.Pakistan, "ecoid:Pakistan"),
    (CLAIM["pk-x"], "claim:pk-x"),  # the longest namespace wins over ecoid:
    (URIRef("http://example.org/x"), "<http://example.org/x>"),
    (Literal("Oman"), "'Oman'"),
    (Literal("3", datatype=XSD.integer), '"3"^^xsd:integer'),
    (BNode("b0"), "_:b0"),
])
def test_short_writes_a_term_for_a_message(term, expected):
    assert short(term) == expected


@pytest.mark.parametrize(("term", "compact", "expected"), [
    (ID.Pakistan, True, "ecoid:Pakistan"),
    (ID.Pakistan, False, str(ID.Pakistan)),
    (URIRef(str(ID) + "a/b"), True, str(ID) + "a/b"),  # "a/b" is no prefixed name Turtle reads back
    (Literal("Oman", lang="en"), True, "Oman"),
    (None, True, ""),
])
def test_term_text_writes_a_table_cell(term, compact, expected):
    assert term_text(term, compact) == expected


def test_local_name_and_base_relative():
    assert local_name(ID.Pakistan) == "Pakistan" and local_name("http://www.w3.org/2000/01/rdf-schema#label") == "label"
    assert base_relative(CLAIM["pk-x"]) == "id/claim/pk-x" and BASE not in base_relative(ECO.State)
    assert base_relative("http://example.org/x") == "http://example.org/x"
