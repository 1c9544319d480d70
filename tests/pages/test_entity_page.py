"""What an entity page leads with, through the Flask test client: its kind, the Wikidata link before
everything else, its claims counted by kind (the counts agree with the lists), and long lists folded
under their counts."""
from __future__ import annotations

import re

from pagehtml import links, texts


def page(client, path: str = "/id/Pakistan") -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_most_specific_kind_leads(client):
    html = page(client)
    assert texts(html, "a", "type-badge") == ["state"]
    assert "also" in texts(html, "span", "other-types")[0]


def test_the_wikidata_link_comes_before_the_claims(client, dataset):
    html = page(client)
    assert texts(html, "a", "wikidata") == ["Wikidata Q843 ↗"]
    assert 'href="http://www.wikidata.org/entity/Q843"' in html
    assert html.index("wikidata.org/entity/Q843") < html.index('id="claims"') < html.index('id="properties"')
    assert "also called Islamic Republic of Pakistan" in html


def test_claim_counts_by_kind_agree_with_the_lists(client, facts):
    html = page(client)
    glance = html[html.index('<ul class="glance">'):]
    glance = glance[:glance.index("</ul>")]
    counts = {kind: int(n) for kind, n in re.findall(r'href="#claims-(\w+)"><strong>(\d+)</strong>', glance)}
    assert set(counts) == {"proposal", "stance", "assessment", "factual"}
    for kind, count in counts.items():
        group = html[html.index(f'id="claims-{kind}"'):]
        group = group[:group.index("</details>")]
        assert group.count('<li class="claim">') == count, kind
    total = int(re.search(r"<strong>(\d+)</strong> claims", glance).group(1))
    assert total == sum(counts.values()) == html.count('<li class="claim">')
    assert {f"/id/claim/{c.rsplit('/', 1)[-1]}" for c in facts["pakistan_claims"]} <= set(links(html))


def test_every_claim_shows_its_exact_words(client, facts):
    html = page(client)
    claims = html[html.index('id="claims"'):html.index('id="mentions"')]
    exacts = {e for c, e, *_ in facts["evidence"] if c in facts["pakistan_claims"]}
    assert exacts <= set(texts(claims, "mark", "evidence"))


def test_long_lists_are_folded_under_their_counts(client, facts, pages_store):
    held = pages_store.query("""PREFIX eco: <https://w3id.org/eco-kg/ontology/>
        SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c eco:holder <https://w3id.org/eco-kg/id/Pakistan> }""").rows
    html = page(client)
    mentions = html[html.index('id="mentions"'):]
    assert mentions.index("<details >") < mentions.index(f'{facts["pakistan_mentions_counted"]}×')
    incoming = html[html.index('id="incoming"'):]
    summary = incoming[incoming.index("<summary>"):incoming.index("</summary>")]
    assert incoming.startswith('id="incoming">\n    <details >') and f"holder {int(held[0][0])}" in summary


def test_a_short_list_stays_open(client):
    html = page(client, "/id/domain/BorderManagement")
    incoming = html[html.index('id="incoming"'):]
    assert "<details open>" in incoming[:120]


def test_a_place_a_link_runs_via_lists_the_claim_that_says_so(client):
    # "tap into Chinese and global markets via Pakistan’s ports": the ports are the way of a linkage of the claim
    html = page(client, "/id/PakistaniPorts")
    claims = html[html.index('id="claims"'):html.index('id="properties"')]
    assert "/id/claim/pk-cpec-alignment-opens-markets" in claims
