"""The W3C SPARQL 1.0 and 1.1 query syntax tests (tests/fixtures/w3c-sparql-syntax/, from w3c/rdf-tests)
sent through `/sparql`: the endpoint's own reading of query text refuses no query pyoxigraph accepts.

Each query is first given to pyoxigraph's parser on its own (what `kg.stores.check_syntax` runs, with the
prefixes the endpoint predeclares and its base IRI; in this process, as these are the W3C's texts, not a
client's: `check_syntax` in its throwaway process is checked on one case of each verdict). A query the parser
accepts must be answered (200), unless it calls a SERVICE outside the allow-list (400 saying so); a query the
engine refuses (its parser, or its evaluation on an empty store, e.g. an unknown custom function) must be a 400.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, RDF
from rdflib.collection import Collection

from kg.stores import QuerySyntaxError, check_syntax
from kg.stores.base import _parse_with_oxigraph

pytestmark = pytest.mark.slow  # about 300 queries, most of them answered over the whole graph

SUITE = Path(__file__).resolve().parent.parent / "fixtures" / "w3c-sparql-syntax"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
POSITIVE = {MF.PositiveSyntaxTest, MF.PositiveSyntaxTest11}
NEGATIVE = {MF.NegativeSyntaxTest, MF.NegativeSyntaxTest11}


def syntax_tests() -> list[tuple[str, bool, Path]]:
    """(name, positive?, query file) for every syntax test the manifests list, in their order."""
    found = []
    for manifest in sorted(SUITE.glob("*/*/manifest.ttl")):
        graph = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
        for root in graph.subjects(MF.entries, None):
            for entry in Collection(graph, graph.value(root, MF.entries)):
                kinds = set(graph.objects(entry, RDF.type))
                if not kinds & (POSITIVE | NEGATIVE):
                    continue
                action = Path(str(graph.value(entry, MF.action)).removeprefix("file://"))
                name = f"{manifest.parent.parent.name}/{manifest.parent.name}/{action.name}"
                found.append((name, bool(kinds & POSITIVE), action))
    return found


def engine_accepts(text: str, base: str) -> bool:
    """pyoxigraph's verdict: parsed, and evaluated on an empty store without an error."""
    try:
        _parse_with_oxigraph(text, base)
    except QuerySyntaxError:
        return False
    except RuntimeError:  # parsed, then refused on an empty store (e.g. a custom function it does not know)
        return False
    return True


TESTS = syntax_tests()
#: what each test came to, for the summary at the end: (positive?, outcome)
OUTCOMES: Counter = Counter()


def test_the_suite_is_all_there():
    positive = [t for t in TESTS if t[1]]
    negative = [t for t in TESTS if not t[1]]
    assert (len(positive), len(negative)) == (215, 81)
    assert all(path.is_file() for _name, _positive, path in TESTS)


@pytest.mark.parametrize("name,positive,path", TESTS, ids=[t[0] for t in TESTS])
def test_the_endpoint_reads_the_query_as_the_engine_does(client, settings, name, positive, path):
    text = path.read_text(encoding="utf-8")
    response = client.post("/sparql", data={"query": text}, headers={"Accept": "application/sparql-results+json"})
    answer = response.get_data(as_text=True)
    if not engine_accepts(text, settings.public_base):
        OUTCOMES[positive, "engine refuses: 400"] += 1
        assert response.status_code == 400, answer
        return
    if response.status_code == 400 and "allow" in answer and "SERVICE" in answer:
        OUTCOMES[positive, "SERVICE outside the allow-list: 400"] += 1
        assert "SERVICE" in text.upper()
        return
    OUTCOMES[positive, "answered"] += 1
    assert response.status_code == 200, answer


@pytest.mark.parametrize("name,refusal", [("sparql10/syntax-sparql1/syntax-basic-01.rq", None),
                                          ("sparql10/syntax-sparql3/syn-bad-01.rq", QuerySyntaxError),
                                          ("sparql10/syntax-sparql2/syntax-function-01.rq", RuntimeError)])
def test_check_syntax_in_its_throwaway_process_gives_the_engines_verdict(settings, name, refusal):
    """One query accepted, one the parser refuses, one refused on evaluation (a custom function)."""
    text = {t[0]: t[2] for t in TESTS}[name].read_text(encoding="utf-8")
    assert engine_accepts(text, settings.public_base) is (refusal is None)
    if refusal is None:
        check_syntax(text, settings.public_base, timeout=30)
    else:
        with pytest.raises(refusal):
            check_syntax(text, settings.public_base, timeout=30)


def test_summary(capsys):
    """Prints the counts (run with -s to see them); each test above has already checked its own case."""
    if not OUTCOMES:
        pytest.skip("run with the tests above")
    with capsys.disabled():
        for (positive, outcome), count in sorted(OUTCOMES.items()):
            print(f"\n{'positive' if positive else 'negative'} syntax tests, {outcome}: {count}", end="")
        print()
