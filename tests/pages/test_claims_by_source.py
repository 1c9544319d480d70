"""An entity's page groups its claims by source, each under the source's title, in the order of the titles: on
a project holding a fictional second source beside the interview, and on the interview alone."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from kg.stores import open_store
from pagehtml import texts
from server.app import create_app
from test_cross_source import CLAIM, INTERVIEW, TITLE, make_two_source_project, project_settings

pytestmark = pytest.mark.slow  # a project drafted, curated, added and built through `ecokg`


@pytest.fixture(scope="module")
def project_client(tmp_path_factory):
    settings = project_settings(make_two_source_project(tmp_path_factory.mktemp("work") / "transit"))
    app = create_app(settings, store=open_store(settings))
    app.config["TESTING"] = True
    return app.test_client()


def claims_section(client, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    start = html.index('id="claims"')
    return html[start:re.compile(r'<section class="(?!claim-source)').search(html, start).start()]


def by_source(section: str) -> dict[str, str]:
    """The claims section cut at each source heading: {source title: its part of the section}."""
    parts = re.split(r'(?=<section class="claim-source")', section)[1:]
    return {texts(part, "span", "source-title")[0]: part for part in parts}


def test_the_claims_of_each_source_stand_under_its_title_in_the_order_of_the_titles(project_client):
    section = claims_section(project_client, "/id/Turkey")
    assert texts(section, "span", "source-title") == [INTERVIEW, TITLE]
    parts = by_source(section)
    fictional = parts[TITLE]
    assert fictional.count('<li class="claim">') == 4
    # a project's claim is linked to its page on this service (its own IRI need not resolve)
    assert ['href="/describe?' + urlencode({"iri": f"{CLAIM}00{n}"}) + '"' in fictional
            for n in (2, 3, 4, 5)] == [True] * 4
    assert "For Turkey, gas pipeline options are not a priority." in texts(fictional, "mark", "evidence")
    interview = parts[INTERVIEW]
    assert CLAIM not in interview and interview.count('<li class="claim">') >= 1
    assert all(href.startswith("/id/claim/") for href in re.findall(r'class="claim-title" href="([^"]+)"', interview))
    total = int(re.search(r'<span class="count">(\d+)</span>', section).group(1))
    assert total == section.count('<li class="claim">')


def test_within_a_source_the_claims_keep_their_kinds(project_client):
    fictional = by_source(claims_section(project_client, "/id/Turkey"))[TITLE]
    kinds = [re.sub(r"\s+", " ", k).strip() for k in texts(fictional, "summary")]
    assert kinds == ["Stances 3", "Factual statements 1"]


def test_on_the_interview_alone_one_source_heads_the_claims(client):
    section = claims_section(client, "/id/Pakistan")
    assert texts(section, "span", "source-title") == [INTERVIEW]


def test_the_glance_says_how_many_sources_the_claims_come_from_when_there_are_several(project_client, client):
    def glance(html: str) -> str:
        start = html.index('<ul class="glance">')
        return re.sub(r"<[^>]+>", "", html[start:html.index("</ul>", start)])

    several = project_client.get("/id/Turkey", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "from 2 sources" in glance(several)
    one = client.get("/id/Pakistan", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "sources" not in glance(one)
