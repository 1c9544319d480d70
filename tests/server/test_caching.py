"""Validators and the result cache, as a browser, a proxy or a client library sees them over real HTTP on
127.0.0.1: strong ETags and Last-Modified on query answers, pages, VoID and dumps, 304 with no body,
Cache-Control and Vary, a new ETag after an accepted update; the cache's answers byte for byte those of an
uncached server, and its byte bound (the cache object itself)."""
from __future__ import annotations

from email.utils import formatdate, parsedate_to_datetime

import pytest
import requests

from kg.namespaces import GRAPH
from kg.query import named_queries
from kg.stores import open_store
from liveserver import LiveServer
from server.app import create_app
from server.update import OWL_CONFIG

JSON = "application/sparql-results+json"
STATES = "SELECT ?s ?label WHERE { ?s a eco:State ; rdfs:label ?label } ORDER BY ?s ?label"
GERMAN = 'SELECT ?label WHERE { ecoid:Pakistan rdfs:label ?label FILTER(lang(?label) = "de") }'
TOKEN = "test-update-token-3f9a-0123456789abcdef"
ADD_GERMAN_LABEL = f'INSERT DATA {{ GRAPH <{GRAPH}entities> {{ ecoid:Pakistan rdfs:label "Pakistan"@de }} }}'


def get(live, query: str, accept: str = JSON, **headers) -> requests.Response:
    return requests.get(f"{live.url}/sparql", params={"query": query}, headers={"Accept": accept, **headers},
                        timeout=30)


# --------------------------------------------------------------------------------------- /sparql

def test_a_query_answer_has_a_strong_etag_that_stays_the_same(live):
    first, second = get(live, STATES), get(live, STATES)
    assert first.status_code == second.status_code == 200
    etag = first.headers.get("ETag")
    assert etag and etag.startswith('"') and etag.endswith('"'), first.headers  # strong: not W/"…"
    assert second.headers["ETag"] == etag
    assert second.content == first.content
    assert "Accept" in first.headers["Vary"]
    control = first.headers["Cache-Control"]
    assert "public" in control and "max-age=60" in control and "must-revalidate" in control
    assert parsedate_to_datetime(first.headers["Last-Modified"])


def test_if_none_match_answers_304_with_no_body(live):
    etag = get(live, STATES).headers["ETag"]
    answer = get(live, STATES, **{"If-None-Match": etag})
    assert answer.status_code == 304
    assert answer.content == b""
    assert answer.headers["ETag"] == etag
    assert "Accept" in answer.headers["Vary"]
    assert "max-age=60" in answer.headers["Cache-Control"]
    other = get(live, STATES, **{"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200 and other.content


def test_if_modified_since_answers_304_and_an_older_date_gets_the_answer(live):
    modified = get(live, STATES).headers["Last-Modified"]
    assert get(live, STATES, **{"If-Modified-Since": modified}).status_code == 304
    earlier = formatdate(parsedate_to_datetime(modified).timestamp() - 86400, usegmt=True)
    answer = get(live, STATES, **{"If-Modified-Since": earlier})
    assert answer.status_code == 200 and answer.content


def test_each_format_and_dataset_has_its_own_etag(live):
    etags = {accept: get(live, STATES, accept).headers["ETag"]
             for accept in (JSON, "application/sparql-results+xml", "text/csv", "text/tab-separated-values")}
    assert len(set(etags.values())) == 4, etags
    named = requests.get(f"{live.url}/sparql", params={"query": STATES, "default-graph-uri": GRAPH + "entities"},
                         headers={"Accept": JSON}, timeout=30)
    assert named.status_code == 200
    assert named.headers["ETag"] not in etags.values()
    # an ETag of one format does not validate another
    assert get(live, STATES, "text/csv", **{"If-None-Match": etags[JSON]}).status_code == 200


def test_post_queries_answer_the_same_bytes_as_get(live):
    by_get = get(live, STATES)
    for _ in range(2):
        by_post = requests.post(f"{live.url}/sparql", data={"query": STATES}, headers={"Accept": JSON}, timeout=30)
        assert by_post.status_code == 200
        assert by_post.content == by_get.content


def test_errors_and_changing_answers_carry_no_validators(live):
    bad = get(live, "SELECT ?s WHERE { ?s")
    assert bad.status_code == 400
    assert "ETag" not in bad.headers and "public" not in bad.headers.get("Cache-Control", "")
    now = "SELECT (STRUUID() AS ?id) (NOW() AS ?t) WHERE {}"
    first, second = get(live, now), get(live, now)
    assert first.status_code == second.status_code == 200
    assert first.content != second.content  # asked again, evaluated again
    assert "ETag" not in first.headers


# --------------------------------------------------------------------------------------- pages, VoID, dumps

@pytest.mark.parametrize(("path", "other"), [("/id/Pakistan", "text/html"), ("/ontology/", "text/html"),
                                             ("/.well-known/void", "application/n-triples")])
def test_pages_and_the_dataset_description_answer_304(live, path, other):
    html = requests.get(live.url + path, headers={"Accept": other}, timeout=30)
    turtle = requests.get(live.url + path, headers={"Accept": "text/turtle"}, timeout=30)
    assert html.status_code == turtle.status_code == 200
    assert html.headers["ETag"] != turtle.headers["ETag"]
    assert "Accept" in turtle.headers["Vary"]
    assert "must-revalidate" in turtle.headers["Cache-Control"]
    again = requests.get(live.url + path, headers={"Accept": "text/turtle", "If-None-Match": turtle.headers["ETag"]},
                         timeout=30)
    assert again.status_code == 304 and again.content == b""
    since = requests.get(live.url + path, headers={"Accept": "text/turtle",
                                                   "If-Modified-Since": turtle.headers["Last-Modified"]}, timeout=30)
    assert since.status_code == 304


def test_a_dump_answers_304_with_the_same_cache_control(live):
    dump = requests.get(f"{live.url}/download/eco-kg.nq", timeout=30)
    assert dump.status_code == 200 and dump.headers["ETag"]
    assert "must-revalidate" in dump.headers["Cache-Control"] and "public" in dump.headers["Cache-Control"]
    again = requests.get(f"{live.url}/download/eco-kg.nq", headers={"If-None-Match": dump.headers["ETag"]},
                         timeout=30)
    assert again.status_code == 304 and again.content == b""


# --------------------------------------------------------------------------------------- an accepted update

@pytest.fixture()
def updatable(settings, built, tmp_path):
    update_settings = settings.with_(update_enabled=True, update_token=TOKEN,
                                     update_journal=str(tmp_path / "journal.jsonl"))
    app = create_app(update_settings, open_store(update_settings.with_(store="oxigraph")))
    app.config[OWL_CONFIG] = False  # the OWL stage (HermiT) is not what is tested here
    with LiveServer(app) as server:
        yield server


@pytest.mark.slow
def test_after_an_accepted_update_the_same_request_gets_the_new_answer_and_a_new_etag(updatable):
    before = get(updatable, GERMAN)
    page = requests.get(f"{updatable.url}/id/Pakistan", headers={"Accept": "text/turtle"}, timeout=30)
    assert before.status_code == page.status_code == 200
    assert before.json()["results"]["bindings"] == []
    assert get(updatable, GERMAN, **{"If-None-Match": before.headers["ETag"]}).status_code == 304
    update = requests.post(f"{updatable.url}/update", data=ADD_GERMAN_LABEL.encode(),
                           headers={"Content-Type": "application/sparql-update",
                                    "Authorization": f"Bearer {TOKEN}"}, timeout=120)
    assert update.status_code == 200, update.text
    assert "public" not in update.headers.get("Cache-Control", "") and "ETag" not in update.headers
    after = get(updatable, GERMAN, **{"If-None-Match": before.headers["ETag"],
                                      "If-Modified-Since": before.headers["Last-Modified"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert [b["label"]["value"] for b in after.json()["results"]["bindings"]] == ["Pakistan"]
    page_after = requests.get(f"{updatable.url}/id/Pakistan",
                              headers={"Accept": "text/turtle", "If-None-Match": page.headers["ETag"]}, timeout=30)
    assert page_after.status_code == 200 and '"Pakistan"@de' in page_after.text
    assert page_after.headers["ETag"] != page.headers["ETag"]


# --------------------------------------------------------------------------------------- the result cache

@pytest.mark.slow
def test_cached_answers_are_the_bytes_an_uncached_server_writes(settings, oxigraph_store):
    cached = create_app(settings, oxigraph_store).test_client()
    uncached = create_app(settings.with_(result_cache_mb=0), oxigraph_store).test_client()
    formats = {"SELECT": [JSON, "application/sparql-results+xml", "text/csv"],
               "CONSTRUCT": ["text/turtle", "application/n-triples"]}
    compared = 0
    for query in named_queries(settings):
        if "SERVICE" in query.text:
            continue
        form = "CONSTRUCT" if "CONSTRUCT" in query.text.upper().split("WHERE")[0] else "SELECT"
        for accept in formats[form]:
            headers = {"Accept": accept}
            first = cached.get("/sparql", query_string={"query": query.text}, headers=headers)
            again = cached.get("/sparql", query_string={"query": query.text}, headers=headers)
            plain = uncached.get("/sparql", query_string={"query": query.text}, headers=headers)
            assert first.status_code == again.status_code == plain.status_code == 200, query.name
            assert again.data == first.data == plain.data, (query.name, accept)
            assert again.headers["Content-Type"] == plain.headers["Content-Type"]
            compared += 1
    assert compared > 40
    assert len(cached.application.extensions["ecokg_result_cache"]) > 0
    assert len(uncached.application.extensions["ecokg_result_cache"]) == 0


def test_the_cache_of_a_server_holds_no_more_than_its_bound(settings, oxigraph_store):
    app = create_app(settings.with_(result_cache_mb=1), oxigraph_store)
    client = app.test_client()
    cache = app.extensions["ecokg_result_cache"]
    assert cache.max_bytes == 2**20
    for n in range(60):  # distinct queries, each answer some KiB
        query = f"SELECT ?s ?p ?o (STR({n}) AS ?n) WHERE {{ ?s ?p ?o }} LIMIT 400"
        assert client.get("/sparql", query_string={"query": query}, headers={"Accept": JSON}).status_code == 200
        assert cache.held_bytes <= cache.max_bytes
    assert 0 < len(cache) < 60


def test_the_cache_object_keeps_its_byte_bound_and_drops_the_least_recently_used():
    from server.caching import ResultCache

    cache = ResultCache(10_000)
    for n in range(100):
        cache.put(("query", n), b"x" * 500, {"Content-Type": "text/csv"})
        assert cache.held_bytes <= 10_000
    assert ("query", 99) in cache and ("query", 0) not in cache
    oldest = min(n for n in range(100) if ("query", n) in cache)
    assert cache.get(("query", oldest)) is not None  # asked again: kept over the ones after it
    cache.put(("query", 100), b"y" * 500, {})
    assert ("query", oldest) in cache and ("query", oldest + 1) not in cache
    cache.put(("big",), b"z" * 5_000, {})  # more than a fraction of the whole: answered, not kept
    assert cache.get(("big",)) is None and cache.held_bytes <= 10_000
    assert ResultCache(0).put(("any",), b"a", {}) is False


@pytest.mark.slow
def test_the_named_queries_are_warmed_into_the_cache(settings, oxigraph_store):
    from server.caching import warm

    app = create_app(settings, oxigraph_store)
    warm(app, follow=False).join(timeout=120)
    cache = app.extensions["ecokg_result_cache"]
    local = [query for query in named_queries(settings) if "SERVICE" not in query.text.upper()]
    assert len(cache) == len(local)
    client = app.test_client()
    answer = client.get("/sparql", query_string={"query": local[0].text}, headers={"Accept": JSON})
    assert answer.status_code == 200 and len(cache) == len(local)  # answered from what was warmed


@pytest.mark.parametrize("name", ["result_cache_mb", "cache_max_age"])
def test_a_negative_cache_setting_stops_the_start_with_what_to_give(settings, oxigraph_store, name):
    from kg.errors import SettingsError

    with pytest.raises(SettingsError, match=name) as caught:
        create_app(settings.with_(**{name: -1}), oxigraph_store)
    assert "0 or more" in caught.value.hint
