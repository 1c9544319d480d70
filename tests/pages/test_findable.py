"""What dataset search engines read: schema.org Dataset markup on the home page, robots.txt and a
sitemap whose every address answers."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import kg

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def dataset_markup(client) -> dict:
    body = client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', body, flags=re.S)
    assert len(found) == 1
    return json.loads(found[0])


def test_the_home_page_carries_schema_org_dataset_markup(client):
    markup = dataset_markup(client)
    assert markup["@context"] == "https://schema.org/" and markup["@type"] == "Dataset"
    assert markup["name"].startswith("ECO-KG") and len(markup["description"]) > 50
    assert markup["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert markup["version"] == kg.__version__ and markup["datePublished"] == "2026-11-26"
    assert {agent["name"] for agent in markup["creator"]} == {"ECO-KG contributors"}
    downloads = {item["contentUrl"]: item["encodingFormat"] for item in markup["distribution"]}
    assert downloads["http://127.0.0.1:8000/download/eco-kg.trig"] == "application/trig"  # the configured address


def test_robots_txt_allows_pages_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "Allow: /" in lines and "Disallow: /sparql" in lines
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in lines  # the configured address, not the Host asked


def test_every_sitemap_address_answers(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    locations = [element.text for element in ET.fromstring(response.data).iter(SITEMAP_NS + "loc")]
    assert "http://127.0.0.1:8000/id/Pakistan" in locations and "http://127.0.0.1:8000/ontology" in locations
    assert any("/id/claim/" in location for location in locations)
    for location in locations:
        page = client.get(location.removeprefix("http://127.0.0.1:8000"), headers={"Accept": "text/html"})
        assert page.status_code == 200, location
