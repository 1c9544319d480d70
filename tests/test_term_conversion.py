"""One conversion of pyoxigraph terms to rdflib terms (`kg.terms.rdflib_term`), whoever reads pyoxigraph: a query's
answer, the stored quads, the gate's view of the store and the gate's parse of a submission give the same terms for
IRIs, blank nodes, language tags, typed and plain literals; RDF 1.2 terms rdflib cannot hold (a quoted triple, a
literal with a base direction) are refused where data is kept and shown as their text in an answer."""
from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD

from kg.errors import UnsupportedTerm
from kg.gate.syntax import _parse_as_written
from kg.gate.view import StoredGraph
from kg.settings import Settings
from kg.stores import OxigraphStore
from kg.terms import rdflib_term

S, P = "http://example.org/s", "http://example.org/p"
TURTLE = f"""<{S}> <{P}> <http://example.org/o> , "plain" , "Ünïcode"@en-GB , "01"^^<{XSD.integer}> ,
    "2.50"^^<{XSD.decimal}> , "<b>x</b>"^^<{RDF.HTML}> , "tagged"@de , [] ."""
EXPECTED = {URIRef("http://example.org/o"), Literal("plain"), Literal("Ünïcode", lang="en-gb"),
            Literal("01", datatype=XSD.integer, normalize=False),
            Literal("2.50", datatype=XSD.decimal, normalize=False),
            Literal("<b>x</b>", datatype=RDF.HTML, normalize=False), Literal("tagged", lang="de")}


def _objects(terms) -> set:
    """The terms, a blank node stood for by the word "blank" (labels are each reader's own)."""
    return {"blank" if isinstance(term, BNode) else term for term in terms}


def _key(term):
    return (type(term).__name__, str(term), getattr(term, "language", None), getattr(term, "datatype", None))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    dump = tmp_path_factory.mktemp("terms") / "data.nq"
    dump.write_bytes(ox.serialize(ox.parse(TURTLE.encode(), format=ox.RdfFormat.TURTLE),
                                  format=ox.RdfFormat.N_TRIPLES))
    settings = Settings().with_(query_isolation=False)
    return OxigraphStore(settings, nquads_path=dump)


def test_every_reader_of_pyoxigraph_gives_the_same_terms(store):
    answered = [row[0] for row in store.query(f"SELECT ?o WHERE {{ <{S}> <{P}> ?o }}").rows]
    stored = [o for _s, _p, o, _g in store.quads()]
    viewed = [o for _s, _p, o, _g in StoredGraph.of(store).quads(URIRef(S), URIRef(P))]
    parsed = [o for _s, _p, o in _parse_as_written(TURTLE, "turtle")]
    converted = [rdflib_term(q.object) for q in ox.parse(TURTLE.encode(), format=ox.RdfFormat.TURTLE)]
    # the store keeps a number's value, not its lexical form: "01" is stored as 1 (pyoxigraph's, not a conversion)
    in_store = EXPECTED - {Literal("01", datatype=XSD.integer, normalize=False),
                           Literal("2.50", datatype=XSD.decimal, normalize=False)}
    in_store |= {Literal("1", datatype=XSD.integer), Literal("2.5", datatype=XSD.decimal)}
    for terms, expected in ((answered, in_store), (stored, in_store), (viewed, in_store), (parsed, EXPECTED),
                            (converted, EXPECTED)):
        assert _objects(terms) == expected | {"blank"}
        assert sorted(map(_key, (t for t in terms if not isinstance(t, BNode)))) == sorted(map(_key, expected))


def test_the_default_graph_is_none_and_a_blank_node_keeps_its_label_with_the_prefix_asked():
    assert rdflib_term(ox.DefaultGraph()) is None
    assert rdflib_term(ox.BlankNode("b1")) == BNode("b1")
    assert rdflib_term(ox.BlankNode("b1"), blank_prefix="p7x") == BNode("p7xb1")


def test_iris_are_remembered_when_asked():
    iris: dict = {}
    first = rdflib_term(ox.NamedNode(S), iris=iris)
    assert rdflib_term(ox.NamedNode(S), iris=iris) is first and iris == {S: first}


QUOTED = ox.Triple(ox.NamedNode(S), ox.NamedNode(P), ox.NamedNode("http://example.org/o"))
#: pyoxigraph 0.5 reads base directions (RDF 1.2); 0.4 has none to convert
DIRECTIONS = hasattr(ox, "BaseDirection")
needs_directions = pytest.mark.skipif(not DIRECTIONS, reason="pyoxigraph before 0.5 has no base directions")


@pytest.mark.parametrize("term, text", [
    (QUOTED, f"<<( <{S}> <{P}> <http://example.org/o> )>>"),
    pytest.param("directional", '"مرحبا"@ar--rtl', marks=needs_directions)])
def test_a_term_rdflib_cannot_hold_is_refused_or_shown_as_its_text(term, text):
    if term == "directional":
        term = ox.Literal("مرحبا", language="ar", direction=ox.BaseDirection.RTL)
    with pytest.raises(UnsupportedTerm, match="rdflib cannot hold"):
        rdflib_term(term)
    assert rdflib_term(term, rdf12_as_text=True) == Literal(text)


@needs_directions
def test_a_directional_literal_in_an_answer_is_shown_with_its_direction(store):
    rows = store.query('SELECT ?x WHERE { BIND("مرحبا"@ar--rtl AS ?x) }').rows
    assert rows[0][0] == Literal('"مرحبا"@ar--rtl')


def test_a_submission_with_a_quoted_triple_is_refused_by_name_not_with_a_traceback():
    with pytest.raises(UnsupportedTerm, match="quoted triple"):
        _parse_as_written(f"<{S}> <{P}> <<( <{S}> <{P}> <{S}> )>> .", "turtle")
