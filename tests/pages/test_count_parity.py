"""Every count a page shows is the answer of the named query that asks the same question: an entity's
"mentioned N×" is `mentions-per-entity`'s, the picture's claims of each kind `claims-by-kind`'s, an actor's
proposals `who-proposes-what`'s and the interview's numbered claims `claims-by-source`'s. The named query runs
at /sparql, as a person would paste it, beside the page."""
from __future__ import annotations

import re
from collections import defaultdict

import pytest

from pagehtml import SOURCE_SLUG

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def client(project_queries_app):
    return project_queries_app.test_client()


@pytest.fixture(scope="module")
def named(client, settings):
    """name -> the rows of that named query (from queries/) asked at /sparql, as {variable: value} dicts."""
    def ask(name: str) -> list[dict]:
        text = (settings.queries_dir / f"{name}.rq").read_text(encoding="utf-8")
        answer = client.post("/sparql", data={"query": text}, headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return [{k: v["value"] for k, v in row.items()} for row in answer.get_json()["results"]["bindings"]]
    return ask


def page(client, path: str) -> str:
    answer = client.get(path, headers=HTML)
    assert answer.status_code == 200, path
    return answer.get_data(as_text=True)


def entity_with_label(client, label: str) -> str:
    query = (f'SELECT ?e WHERE {{ ?e rdfs:label "{label}"@en '
             f'FILTER(STRSTARTS(STR(?e), "https://w3id.org/eco-kg/id/")) }}')
    rows = client.post("/sparql", data={"query": query},
                       headers={"Accept": "application/sparql-results+json"}).get_json()["results"]["bindings"]
    assert len(rows) == 1, (label, rows)
    return "/" + rows[0]["e"]["value"].split("https://w3id.org/eco-kg/", 1)[1]


def test_an_entitys_mentions_are_counted_as_mentions_per_entity_counts_them(client, named):
    rows = named("mentions-per-entity")
    assert rows and rows[0]["entity"] == "Pakistan"
    for row in rows:
        html = page(client, entity_with_label(client, row["entity"]))
        glance = re.search(r'href="#mentions">mentioned <strong>(\d+)×</strong>', html)
        heading = re.search(r'Mentioned in the text <span class="count">(\d+)×</span>', html)
        assert glance and heading, row
        assert (row["entity"], int(glance.group(1)), int(heading.group(1))) == (
            row["entity"], int(row["mentions"]), int(row["mentions"]))


def graph_chips(html: str) -> dict[str, int]:
    """The picture's kind filters: the name of each kind and the number it shows."""
    chips = re.findall(r'<a class="chip chip-[\w-]+"[^>]*>([^<]+?) <span class="n">(\d+)</span>', html)
    return {name.strip(): int(n) for name, n in chips}


def test_the_pictures_claims_of_each_kind_are_claims_by_kind(client, named):
    expected = {row["kind"]: int(row["claims"]) for row in named("claims-by-kind")}
    chips = graph_chips(page(client, "/graph"))
    # a chip names its kind in the plural ("assessments" for the class labelled "assessment")
    shown = {kind: next((n for name, n in chips.items() if name == kind + "s"), None) for kind in expected}
    assert shown == expected, chips


def test_an_actors_proposals_in_the_picture_are_who_proposes_whats(client, named):
    proposals = defaultdict(set)
    for row in named("who-proposes-what"):
        proposals[row["holder"]].add(row["proposal"])
    html = page(client, "/graph?kind=proposal")
    options = dict(re.findall(r'<option value="[^"]+"\s*(?:selected)?>([^<(]+?)(?: \((\d+)\))?</option>', html))
    assert proposals
    for holder, titles in proposals.items():
        assert int(options.get(holder) or 0) == len(titles), (holder, options)


def test_the_interviews_numbered_claims_are_claims_by_source(client, named):
    interview = f"https://w3id.org/eco-kg/id/source/{SOURCE_SLUG}"
    expected = sum(int(row["claims"]) for row in named("claims-by-source") if row["source"] == interview)
    html = page(client, f"/id/source/{SOURCE_SLUG}")
    numbers = {int(n) for n in re.findall(r'<a class="claim-ref" [^>]*>(\d+)</a>', html)}
    assert numbers == set(range(1, expected + 1))
