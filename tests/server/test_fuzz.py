"""Property-based fuzzing of the SPARQL endpoint: generated and mutated requests never get a 5xx other
than the documented 502 (a SERVICE endpoint failed) and 503 (limits), never a stack trace, and never
take the server down.

Requests go through the real app (Flask's client; the embedded store with its worker pool) and a
sample of them over real HTTP. ECOKG_FUZZ_EXAMPLES sets how many are generated (default 5,000; the long
run: `ECOKG_FUZZ_EXAMPLES=100000 .venv/bin/python -m pytest tests/server/test_fuzz.py`).
"""
from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import requests
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from canary import Canary

#: the default is what the whole suite can afford on two cores: an example's time is mostly Hypothesis making it
#: (over 1 ms) rather than the app answering it (under 0.5 ms), and drawing several requests per example would make
#: them alike (mostly empty queries); a longer run only needs the variable
EXAMPLES = int(os.environ.get("ECOKG_FUZZ_EXAMPLES", "5000"))
DOCUMENTED_5XX = {502, 503}

SEEDS = [
    "SELECT ?s WHERE { ?s a eco:State }",
    "SELECT * WHERE { ?c eco:holder ecoid:Pakistan ; eco:modality ?m } LIMIT 5",
    "ASK { ecoid:Pakistan ?p ?o }",
    "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l } LIMIT 3",
    "DESCRIBE ecoid:Iran",
    'SELECT ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(?l), "pak")) }',
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "PREFIX x: <http://example.org/> SELECT * FROM x:g WHERE { ?s ?p ?o }",
    "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<http://a/\\u005Cu0041#> AS ?x) SERVICE <{canary}/x> { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?x { 1 2 3 } BIND(?x * 2 AS ?y) } ORDER BY DESC(?y)",
    "INSERT DATA { <a:s> <a:p> <a:o> }",
    "LOAD <{canary}/data.ttl>",
]
FRAGMENTS = ["{", "}", "(", ")", "[", "]", "SERVICE", "SILENT", "LOAD", "FROM", "NAMED", "BASE", "PREFIX",
             "SELECT", "ASK", "CONSTRUCT", "WHERE", "FILTER", "EXISTS", "BIND", "VALUES", "OPTIONAL", "UNION",
             "GRAPH", "<{canary}/x>", "<http://127.0.0.1:1/>", "<file:///etc/passwd>", "<>", "<#>", "<\\u0041>",
             "\\u005C", "\\u0023", "\\U0001F600", "#", "\n", '"', "'", '"""', "?x", "$y", "eco:", "ecoid:Pakistan",
             "_:b", "[]", "1", "1e999", '"x"@en-US', '"1"^^xsd:integer', ";", ",", ".", "*", "a", "\x00", "\ufeff",
             "\u200b", "ｓｅｒｖｉｃｅ", "%", "\\", "|", "^^", "@", "LIMIT 1", "ORDER BY ?x", "GROUP BY ?x"]
ACCEPTS = ["*/*", "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values", "text/turtle", "application/ld+json", "application/n-triples",
           "text/html", "application/json;q=0.1, text/csv;q=0.9", "garbage", "text/*;q=abc", ""]
CONTENT_TYPES = ["application/x-www-form-urlencoded", "application/sparql-query", "application/sparql-update",
                 "text/plain", "application/sparql-query; charset=latin-1", "multipart/form-data", ""]


def _mutate(text: str, edits: list[tuple[int, int, str]]) -> str:
    for position, kind, fragment in edits:
        at = position % (len(text) + 1)
        if kind == 0:
            text = text[:at] + fragment + text[at:]
        elif kind == 1:
            text = text[:at] + text[at + len(fragment):]
        else:
            text = text[:at] + fragment + text[at + len(fragment):]
    return text


queries = st.one_of(
    st.builds(_mutate, st.sampled_from(SEEDS),
              st.lists(st.tuples(st.integers(0, 400), st.integers(0, 2), st.sampled_from(FRAGMENTS)), max_size=6)),
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(" ".join),
    st.text(max_size=200),
)
requests_ = st.fixed_dictionaries({
    "query": queries,
    "method": st.sampled_from(["GET", "POST-form", "POST-direct", "POST-raw"]),
    "accept": st.sampled_from(ACCEPTS),
    "content_type": st.sampled_from(CONTENT_TYPES),
    "extra": st.dictionaries(st.sampled_from(["default-graph-uri", "named-graph-uri", "format", "timeout", "update"]),
                             st.sampled_from(["http://127.0.0.1:1/g", "json", "ttl", "nonsense", "",
                                              "https://w3id.org/eco-kg/graph/entities"]), max_size=2),
    "raw": st.binary(max_size=64),
})


@pytest.fixture(scope="module")
def canary():
    with Canary() as running:
        yield running


@pytest.fixture(scope="module")
def fuzz_app(settings, built):
    from kg.stores import open_store
    from server.app import create_app

    fuzz_settings = settings.with_(query_timeout=3.0, service_timeout=1.0, query_workers=4)
    return create_app(fuzz_settings, open_store(fuzz_settings))


@pytest.mark.slow
def test_generated_requests_get_documented_answers(fuzz_app, canary):
    client = fuzz_app.test_client()
    statuses: Counter = Counter()
    failures: list[str] = []

    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))
    @given(requests_)
    def check(case):
        query = case["query"].replace("{canary}", canary.url)
        headers = {"Accept": case["accept"]} if case["accept"] else {}
        params = dict(case["extra"])
        if case["method"] == "GET":
            response = client.get("/sparql", query_string={**params, "query": query}, headers=headers)
        elif case["method"] == "POST-form":
            response = client.post("/sparql", data={**params, "query": query}, headers=headers)
        elif case["method"] == "POST-direct":
            response = client.post("/sparql", data=query.encode("utf-8", "surrogatepass"), query_string=params,
                                   headers={**headers, "Content-Type": case["content_type"] or "application/sparql-query"})
        else:
            response = client.post("/sparql", data=case["raw"], headers={**headers, "Content-Type": case["content_type"]})
        body = response.get_data(as_text=True)
        statuses[response.status_code] += 1
        if (response.status_code >= 500 and response.status_code not in DOCUMENTED_5XX) or "Traceback" in body:
            failures.append(f"{response.status_code} for {case!r}: {body[:300]}")

    started = time.monotonic()
    check()
    seconds = time.monotonic() - started
    print(f"\nfuzz: {sum(statuses.values())} requests in {seconds:.0f} s; statuses {dict(sorted(statuses.items()))}; "
          f"canary hits {len(canary.hits)}")
    assert failures == [], failures[:5]
    assert canary.hits == []


@pytest.mark.slow
def test_generated_requests_over_real_http_leave_the_server_serving(settings, built, canary):
    """A sample over a real socket: the server process answers every one and is still up afterwards."""
    from served import Served

    samples = []

    @hypothesis_settings(max_examples=max(500, EXAMPLES // 20), deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))
    @given(queries)
    def collect(query):
        samples.append(query.replace("{canary}", canary.url))

    collect()
    bad = []
    with Served(settings.build_dir, env={"ECOKG_QUERY_TIMEOUT": "3", "ECOKG_SERVICE_TIMEOUT": "1"}) as server:
        session = requests.Session()
        for query in samples:
            response = session.post(f"{server.url}/sparql", data={"query": query.encode("utf-8", "surrogatepass")},
                                    timeout=30)
            if (response.status_code >= 500 and response.status_code not in DOCUMENTED_5XX) \
                    or "Traceback" in response.text:
                bad.append((response.status_code, query, response.text[:200]))
        assert server.alive()
    print(f"\nfuzz over HTTP: {len(samples)} requests, {len(bad)} undocumented answers, canary hits {len(canary.hits)}")
    assert bad == []
    assert canary.hits == []
