"""The query service over the real graph through Flask's test client: content negotiation, answers
read back from every format, the service description, VoID, dumps, CORS and error statuses."""
from __future__ import annotations

import pytest
from rdflib import URIRef
from rdflib.namespace import DCAT, RDF, VOID

from kg.namespaces import ECO, GRAPH, ID
from sparql_results import RDF_PARSERS, boolean, graph, media_type, table

SD = "http://www.w3.org/ns/sparql-service-description#"
PAKISTAN_IS_A_STATE = f"ASK {{ <{ID}Pakistan> a <{ECO}State> }}"
STATES = f"SELECT ?state ?label WHERE {{ ?state a <{ECO}State> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
DESCRIBE_PAKISTAN = f"DESCRIBE <{ID}Pakistan>"
CONSTRUCT_STATES = f"CONSTRUCT {{ ?s a <{ECO}State> }} WHERE {{ ?s a <{ECO}State> }}"

QUERIES = {"SELECT": STATES, "ASK": PAKISTAN_IS_A_STATE, "CONSTRUCT": CONSTRUCT_STATES, "DESCRIBE": DESCRIBE_PAKISTAN}

# (query form, Accept header) -> media type of the answer
NEGOTIATION = [
    ("SELECT", None, "application/sparql-results+json"),
    ("SELECT", "*/*", "application/sparql-results+json"),
    ("SELECT", "application/sparql-results+json", "application/sparql-results+json"),
    ("SELECT", "application/json", "application/sparql-results+json"),
    ("SELECT", "application/sparql-results+xml", "application/sparql-results+xml"),
    ("SELECT", "application/xml", "application/sparql-results+xml"),
    ("SELECT", "text/csv", "text/csv"),
    ("SELECT", "text/tab-separated-values", "text/tab-separated-values"),
    ("SELECT", "text/csv;q=0.5, text/tab-separated-values;q=0.9", "text/tab-separated-values"),
    ("SELECT", "application/sparql-results+xml;q=0.2, text/*;q=0.8", "text/csv"),
    ("SELECT", "*/*", "application/sparql-results+json"),
    ("ASK", None, "application/sparql-results+json"),
    ("ASK", "application/sparql-results+xml", "application/sparql-results+xml"),
    ("ASK", "text/csv", "text/csv"),
    ("ASK", "text/tab-separated-values", "text/tab-separated-values"),
    ("CONSTRUCT", None, "text/turtle"),
    ("CONSTRUCT", "*/*", "text/turtle"),
    ("CONSTRUCT", "text/turtle", "text/turtle"),
    ("CONSTRUCT", "application/n-triples", "application/n-triples"),
    ("CONSTRUCT", "text/plain", "application/n-triples"),
    ("CONSTRUCT", "application/ld+json", "application/ld+json"),
    ("CONSTRUCT", "application/rdf+xml", "application/rdf+xml"),
    ("CONSTRUCT", "application/trig", "application/trig"),
    ("CONSTRUCT", "application/n-quads", "application/n-quads"),
    ("CONSTRUCT", "application/rdf+xml;q=0.4, application/ld+json;q=0.7", "application/ld+json"),
    ("DESCRIBE", None, "text/turtle"),
    ("DESCRIBE", "application/ld+json", "application/ld+json"),
    ("DESCRIBE", "application/n-triples", "application/n-triples"),
    ("DESCRIBE", "application/rdf+xml", "application/rdf+xml"),
]


def check_answer(form: str, response) -> None:
    """The answer, read back from whatever format it came in, says what the interview says."""
    if form == "ASK":
        assert boolean(response) is True
    elif form == "SELECT":
        variables, rows = table(response)
        assert variables == ["state", "label"]
        labels = {row["label"] for row in rows}
        assert {"Pakistan", "Iran", "Afghanistan", "Turkey"} <= labels
        assert f"{ID}Pakistan" in {row["state"].strip("<>") for row in rows}
    else:
        parsed = graph(response)
        assert (URIRef(f"{ID}Pakistan"), RDF.type, URIRef(f"{ECO}State")) in parsed
        if form == "CONSTRUCT":
            assert (URIRef(f"{ID}Iran"), RDF.type, URIRef(f"{ECO}State")) in parsed


@pytest.mark.parametrize("form,accept,expected", NEGOTIATION)
def test_content_negotiation_gives_the_media_type_and_a_readable_answer(client, form, accept, expected):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": QUERIES[form]}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert media_type(response) == expected
    assert "Accept" in response.headers.get("Vary", "")
    check_answer(form, response)


@pytest.mark.parametrize("form,name,expected", [
    ("SELECT", "csv", "text/csv"), ("SELECT", "tsv", "text/tab-separated-values"),
    ("SELECT", "xml", "application/sparql-results+xml"), ("ASK", "json", "application/sparql-results+json"),
    ("CONSTRUCT", "ttl", "text/turtle"), ("CONSTRUCT", "jsonld", "application/ld+json"),
    ("DESCRIBE", "nt", "application/n-triples"), ("DESCRIBE", "xml", "application/rdf+xml"),
])
def test_format_parameter_overrides_accept(client, form, name, expected):
    response = client.get("/sparql", query_string={"query": QUERIES[form], "format": name},
                          headers={"Accept": "application/sparql-results+json, text/turtle"})
    assert media_type(response) == expected
    check_answer(form, response)


def test_unknown_format_parameter_is_a_bad_request(client):
    response = client.get("/sparql", query_string={"query": STATES, "format": "yaml"})
    assert response.status_code == 400
    assert "format='yaml'" in response.get_data(as_text=True)


@pytest.mark.parametrize("form,accept", [("SELECT", "image/png"), ("CONSTRUCT", "image/png"),
                                         ("DESCRIBE", "application/pdf"), ("ASK", "image/png")])
def test_accept_that_nothing_satisfies_is_406(client, form, accept):
    response = client.get("/sparql", query_string={"query": QUERIES[form]}, headers={"Accept": accept})
    assert response.status_code == 406
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "available" in response.get_data(as_text=True)


@pytest.mark.parametrize("form,accept,expected", [
    ("CONSTRUCT", "application/sparql-results+json", "text/turtle"),
    ("DESCRIBE", "text/csv", "text/turtle"), ("SELECT", "text/turtle", "application/sparql-results+json"),
    ("ASK", "application/ld+json", "application/sparql-results+json"),
    ("CONSTRUCT", "text/n3", "text/turtle"), ("DESCRIBE", "text/rdf+n3", "text/turtle"),
])
def test_a_format_of_the_other_family_gets_the_forms_default_not_406(client, form, accept, expected):
    response = client.get("/sparql", query_string={"query": QUERIES[form]}, headers={"Accept": accept})
    assert response.status_code == 200
    assert media_type(response) == expected
    check_answer(form, response)


@pytest.mark.parametrize("form,name,expected", [("CONSTRUCT", "json", "application/ld+json"),
                                               ("CONSTRUCT", "csv", "text/turtle"), ("SELECT", "n3", "application/sparql-results+json"),
                                               ("CONSTRUCT", "n3", "text/turtle")])
def test_format_parameter_of_the_other_family_gets_the_forms_default(client, form, name, expected):
    response = client.get("/sparql", query_string={"query": QUERIES[form], "format": name})
    assert response.status_code == 200 and media_type(response) == expected


@pytest.mark.parametrize("accept", ["text/html", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"])
def test_a_browser_gets_select_results_as_an_html_table(client, accept):
    response = client.get("/sparql", query_string={"query": STATES}, headers={"Accept": accept})
    assert response.status_code == 200 and media_type(response) == "text/html"
    body = response.get_data(as_text=True)
    # the query page's table: the dataset's own IRIs open their pages on this server
    assert '<table class="results">' in body and ">Pakistan<" in body and 'href="/id/Pakistan"' in body


def test_query_by_get_form_post_and_direct_post_agree(client):
    answers = [
        client.get("/sparql", query_string={"query": STATES}),
        client.post("/sparql", data={"query": STATES}),
        client.post("/sparql", data=STATES.encode("utf-8"), content_type="application/sparql-query"),
        client.post("/sparql", data=STATES.encode("utf-8"), content_type="application/sparql-query; charset=utf-8"),
    ]
    tables = [table(r) for r in answers]
    assert all(r.status_code == 200 for r in answers)
    assert tables[0][1] and all(sorted(map(sorted, (x.items() for x in t[1]))) ==
                                sorted(map(sorted, (x.items() for x in tables[0][1]))) for t in tables)


def test_dataset_parameters_choose_local_graphs(client):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    whole = int(table(client.get("/sparql", query_string={"query": count}))[1][0]["n"])
    entities = int(table(client.get("/sparql", query_string={
        "query": count, "default-graph-uri": GRAPH + "entities"}))[1][0]["n"])
    assert 0 < entities < whole
    named = client.get("/sparql", query_string=[
        ("query", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"),
        ("named-graph-uri", GRAPH + "entities"), ("named-graph-uri", GRAPH + "ontology")])
    assert {row["g"] for row in table(named)[1]} == {GRAPH + "entities", GRAPH + "ontology"}


def test_dataset_parameter_naming_no_local_graph_is_an_empty_graph(client):
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }",
                                                   "default-graph-uri": "http://example.org/remote.ttl"})
    assert response.status_code == 200
    assert response.get_json()["boolean"] is False


@pytest.mark.parametrize("request_kwargs,status,words", [
    (dict(method="GET", query_string={"query": "SELEC * WHERE { ?s ?p ?o }"}), 400, "line 1, column 1"),
    (dict(method="GET", query_string={"query": "SELECT * WHERE {\n  ?s ?p ?o\n  FILTR(?o) }"}), 400, "line 3"),
    (dict(method="GET", query_string={"query": "   "}), 400, "empty"),
    (dict(method="GET", query_string=[("query", "ASK {}"), ("query", "ASK {}")]), 400, "2 times"),
    (dict(method="POST", data={"default-graph-uri": GRAPH + "entities"}), 400, "no query"),
    (dict(method="POST", data="ASK {}", content_type="application/json"), 415, "unsupported Content-Type"),
    (dict(method="POST", data=b"ASK { \xff }", content_type="application/sparql-query"), 400, "not valid UTF-8"),
    (dict(method="POST", data=b"query=ASK%20%7B%20%FF%20%7D", content_type="application/x-www-form-urlencoded"),
     400, "not valid URL-encoded UTF-8"),
    (dict(method="DELETE"), 405, "not allowed"),
    (dict(method="PATCH", data="ASK {}"), 405, "not allowed"),
    (dict(method="GET", query_string={"query": "INSERT DATA { <a:s> <a:p> <a:o> }"}), 400, "SPARQL Update"),
    (dict(method="GET", query_string={"query": "LOAD <http://example.org/data.ttl>"}), 400, "SPARQL Update"),
    (dict(method="POST", data="DROP ALL", content_type="application/sparql-update"), 400, "read-only"),
    (dict(method="GET", query_string={"default-graph-uri": "https://w3id.org/eco-kg/graph/entities"}), 400,
     "no query"),
    (dict(method="GET", query_string={"querry": "ASK {}"}), 400, "no query"),
])
def test_bad_requests_get_a_status_and_a_readable_message(client, request_kwargs, status, words):
    response = client.open("/sparql", **request_kwargs)
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert response.headers["Content-Type"].startswith("text/plain")
    assert words in text
    assert "Traceback" not in text
    if status == 405:
        assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_update_refused_leaves_the_graph_as_it_was(client):
    before = table(client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}))
    client.post("/sparql", data={"query": f"DELETE WHERE {{ <{ID}Pakistan> ?p ?o }}"})
    client.post("/sparql", data="CLEAR ALL", content_type="application/sparql-update")
    assert table(client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})) == before
    assert boolean(client.get("/sparql", query_string={"query": PAKISTAN_IS_A_STATE})) is True


def test_relative_iris_resolve_against_the_public_base(client):
    response = client.get("/sparql", query_string={"query": "ASK { <id/Pakistan> a <ontology/State> }"})
    assert boolean(response) is True
    based = client.get("/sparql", query_string={"query": "BASE <https://w3id.org/eco-kg/id/> ASK { <Iran> a ?t }"})
    assert boolean(based) is True


def test_row_limit_cuts_and_says_so(settings, oxigraph_store):
    from server.app import create_app

    small = create_app(settings.with_(row_limit=3), oxigraph_store).test_client()
    response = small.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    assert len(table(response)[1]) == 3
    assert "row limit 3" in response.headers["X-ECOKG-Truncated"]


def test_timeout_answers_503_with_a_message(settings, oxigraph_store):
    from server.app import create_app

    hurried = create_app(settings.with_(query_timeout=0.2), oxigraph_store).test_client()
    response = hurried.get("/sparql", query_string={
        "query": "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?f ?i"})
    assert response.status_code == 503
    assert "did not finish within 0.2 s" in response.get_data(as_text=True)
    assert response.headers["Retry-After"]


def test_cors_on_queries_and_preflight(client):
    answer = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    error = client.get("/sparql", query_string={"query": "ASK {"}, headers={"Origin": "https://example.org"})
    assert error.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/sparql", headers={"Origin": "https://example.org",
                                                   "Access-Control-Request-Method": "POST",
                                                   "Access-Control-Request-Headers": "Content-Type"})
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


# ------------------------------------------------------------------ service description, VoID, dumps

def test_service_description_describes_this_endpoint(client, oxigraph_store):
    response = client.get("/sparql")
    assert response.status_code == 200 and media_type(response) == "text/turtle"
    description = graph(response)
    sd = lambda name: URIRef(SD + name)  # noqa: E731
    service = description.value(None, RDF.type, sd("Service"))
    assert description.value(service, sd("endpoint")) == URIRef("http://127.0.0.1:8000/sparql")  # as configured
    assert (service, sd("supportedLanguage"), sd("SPARQL11Query")) in description
    assert {sd("UnionDefaultGraph"), sd("BasicFederatedQuery")} <= set(description.objects(service, sd("feature")))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in set(description.objects(service, sd("resultFormat")))
    dataset = description.value(service, sd("defaultDataset"))
    names = {description.value(ng, sd("name")): int(description.value(description.value(ng, sd("graph")), VOID.triples))
             for ng in description.objects(dataset, sd("namedGraph"))}
    assert set(names) == set(oxigraph_store.graph_names())
    assert names[URIRef(GRAPH + "entities")] > 0
    default_triples = int(description.value(description.value(dataset, sd("defaultGraph")), VOID.triples))
    assert max(names.values()) < default_triples <= sum(names.values())


@pytest.mark.parametrize("accept", list(RDF_PARSERS))
def test_service_description_in_every_rdf_format(client, accept):
    response = client.get("/sparql", headers={"Accept": accept})
    assert media_type(response) == accept
    assert (None, RDF.type, URIRef(SD + "Service")) in graph(response)


def test_a_browser_without_a_query_gets_the_query_page_not_rdf(client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": browser})
    assert response.status_code == 200
    assert media_type(response) == "text/html"


def test_void_points_at_this_server(client):
    response = client.get("/.well-known/void")
    assert response.status_code == 200 and media_type(response) == "text/turtle"
    void = graph(response)
    dataset = URIRef("https://w3id.org/eco-kg/dataset")
    assert (dataset, RDF.type, VOID.Dataset) in void
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef("http://127.0.0.1:8000/sparql")  # as configured
    downloads = {str(u) for u in void.objects(None, DCAT.downloadURL)}
    assert "http://127.0.0.1:8000/download/eco-kg.trig" in downloads
    assert int(void.value(dataset, VOID.triples)) > 1000


@pytest.mark.parametrize("name,expected,parser", [
    ("eco-kg.trig", "application/trig", "TRIG"), ("eco-kg.nq", "application/n-quads", "N_QUADS"),
    ("eco-kg.ttl", "text/turtle", "TURTLE"), ("eco-kg.jsonld", "application/ld+json", "JSON_LD"),
])
def test_downloads_have_their_media_types_and_parse(client, name, expected, parser):
    import pyoxigraph as ox  # a second, independent parser: the dumps are large for rdflib's

    response = client.get(f"/download/{name}")
    assert response.status_code == 200
    assert media_type(response) == expected
    quads = ox.parse(response.data, format=getattr(ox.RdfFormat, parser))
    wanted = (ox.NamedNode(f"{ID}Pakistan"), ox.NamedNode(str(RDF.type)), ox.NamedNode(f"{ECO}State"))
    assert any((q.subject, q.predicate, q.object) == wanted for q in quads)


@pytest.mark.parametrize("name", ["report.txt", "..%2Fpyproject.toml", "eco-kg.exe"])
def test_only_dumps_are_downloadable(client, name):
    response = client.get(f"/download/{name}")
    assert response.status_code == 404
