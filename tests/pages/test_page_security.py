"""What a browser is told to refuse, over real HTTP on 127.0.0.1: every response says nosniff and a
referrer policy; every page and HTML answer sends a Content-Security-Policy that allows no script but
the site's own files (inline data blocks aside) and no framing; only http(s) IRIs become links, on
the pages, in the query page's table, in `format=html` answers and in the table the query page shows after Run."""
from __future__ import annotations

import base64
import hashlib
import re
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDFS

from kg.namespaces import BASE
from kg.stores import open_store
from liveserver import LiveServer
from server.app import create_app

HOSTILE = 'SELECT ?x WHERE { BIND(IRI("javascript:alert(1)") AS ?x) }'
#: pages and answers of every kind a browser may open
PATHS = ["/", "/?" + urllib.parse.urlencode({"query": HOSTILE}), "/id/Pakistan", "/graph", "/graph.svg", "/ontology",
         "/ontology/State", "/shapes/", "/dataset", "/id/Atlantis", "/?name=no-such-query",
         "/sparql?" + urllib.parse.urlencode({"query": HOSTILE, "format": "html"}),
         "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"}), "/sparql", "/sitemap.xml", "/robots.txt",
         "/pages-static/query.js", "/pages-static/style.css", "/sparql?query=SELECT"]
#: inline <script> blocks that hold data, not code (script-src does not apply to them)
DATA_SCRIPTS = {"application/ld+json", "application/json"}


def fetch(url: str, accept: str = "text/html"):
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


class _Page(HTMLParser):
    """The links (<a>), the inline scripts (type, text) and the event-handler attributes of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.scripts: list[list] = []
        self.handlers: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [name for name, _value in attrs if name.startswith("on")]
        if tag == "a" and ("href" in attributes or "xlink:href" in attributes):
            self.hrefs.append(attributes.get("href") or attributes.get("xlink:href") or "")
        if tag == "script" and "src" not in attributes:
            self.scripts.append([(attributes.get("type") or "").lower(), ""])
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1][1] += data


def parse(body: str) -> _Page:
    page = _Page()
    page.feed(body)
    return page


def policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def unsafe_links(hrefs: list[str]) -> list[str]:
    """Links whose scheme is neither http nor https (relative links and fragments are the site's own)."""
    found = []
    for href in hrefs:
        cleaned = re.sub(r"[\t\n\r]", "", href).strip().lower()  # as a browser reads an href
        scheme = re.match(r"^([a-z][a-z0-9+.\-]*):", cleaned)
        if scheme and scheme.group(1) not in ("http", "https"):
            found.append(href)
    return found


@pytest.mark.parametrize("path", PATHS)
def test_every_response_says_nosniff_and_keeps_the_referrer_to_the_origin(live, path):
    status, headers, _body = fetch(live.url + path)
    assert status < 500, path
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "no-referrer", "same-origin")


@pytest.mark.parametrize("path", [p for p in PATHS if not p.startswith(("/pages-static", "/robots", "/sitemap"))])
def test_every_page_has_a_policy_that_runs_only_the_sites_own_scripts(live, path):
    status, headers, body = fetch(live.url + path)
    csp = headers.get("Content-Security-Policy")
    assert csp, f"{path} ({status}) sends no Content-Security-Policy"
    directives = policy(csp)
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts is not None and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert "*" not in scripts and not any(s.endswith(":") for s in scripts)  # no scheme-wide sources (data:, https:)
    if headers.get_content_type() != "text/html":
        return
    page = parse(body)
    assert page.handlers == [], f"{path}: inline event handlers {page.handlers}"
    for kind, text in page.scripts:
        if kind in DATA_SCRIPTS:
            continue
        digest = "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
        assert digest in scripts, f"{path}: an inline script the policy does not name by its hash"


def test_a_javascript_iri_in_the_answer_is_text_on_the_query_page(live):
    status, _headers, body = fetch(live.url + "/?" + urllib.parse.urlencode({"query": HOSTILE}))
    assert status == 200
    assert "javascript:alert(1)" in body  # shown, so the person sees what the query returned
    assert unsafe_links(parse(body).hrefs) == []


def test_a_javascript_iri_in_an_html_answer_is_text(live):
    status, headers, body = fetch(live.url + "/sparql?" + urllib.parse.urlencode({"query": HOSTILE, "format": "html"}))
    assert status == 200 and headers.get_content_type() == "text/html"
    assert "javascript:alert(1)" in body
    assert unsafe_links(parse(body).hrefs) == []


def test_http_iris_still_become_links(live):
    query = 'SELECT ?x WHERE { BIND(IRI("https://www.wikidata.org/entity/Q843") AS ?x) }'
    for url in (live.url + "/?" + urllib.parse.urlencode({"query": query}),
                live.url + "/sparql?" + urllib.parse.urlencode({"query": query, "format": "html"})):
        _status, _headers, body = fetch(url)
        assert "https://www.wikidata.org/entity/Q843" in parse(body).hrefs


@pytest.fixture(scope="module")
def hostile_data_server(settings):
    """A store whose data links a resource to IRIs of other schemes (as a stored update could)."""
    dataset = Dataset(default_union=True)
    graph = dataset.graph(URIRef(BASE + "graph/entities"))
    thing = URIRef(BASE + "id/Hostile")
    graph.add((thing, RDFS.label, Literal("Hostile", lang="en")))
    graph.add((thing, RDFS.seeAlso, URIRef("javascript:alert(document.domain)")))
    graph.add((thing, RDFS.seeAlso, URIRef("data:text/html,%3Cscript%3Ealert(1)%3C/script%3E")))
    graph.add((thing, URIRef("javascript:alert(3)"), Literal("a predicate")))
    graph.add((thing, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef("vbscript:msgbox(4)")))
    graph.add((thing, RDFS.seeAlso, URIRef("https://example.org/fine")))
    app = create_app(settings, open_store(settings, dataset))
    with LiveServer(app) as server:
        yield server


def test_iris_of_other_schemes_in_the_data_are_text_on_a_resource_page(hostile_data_server):
    status, headers, body = fetch(hostile_data_server.url + "/id/Hostile")
    assert status == 200 and "Content-Security-Policy" in headers
    hrefs = parse(body).hrefs
    assert unsafe_links(hrefs) == []
    assert "https://example.org/fine" in hrefs
    assert "javascript:alert(document.domain)" in body  # as text


@pytest.mark.browser
def test_the_table_run_shows_links_only_http_iris(browser, live):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(live.url + "/")
    editor = browser.find_element(By.ID, "query-text")
    browser.execute_script("arguments[0].value = arguments[1]", editor,
                           'SELECT ?x WHERE { VALUES ?x { <javascript:alert(1)> <https://example.org/a> } }')
    browser.find_element(By.ID, "run-query").click()
    WebDriverWait(browser, 15).until(EC.text_to_be_present_in_element((By.ID, "status"), "Done"))
    cells = browser.find_elements(By.CSS_SELECTOR, "#results table.results td")
    assert any("javascript:alert(1)" in cell.text for cell in cells)
    hrefs = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#results table.results a")]
    assert hrefs == ["https://example.org/a"]
