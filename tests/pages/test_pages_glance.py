"""What a person sees at a glance, in real headless Chromium at a desktop and at a phone size: the graph's
names and words never overlap, its filters and zoom change what is shown, hover titles carry full names;
an entity page leads with its Wikidata link and stays a short scroll. Screenshots go to build/screenshots/."""
from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from kg.namespaces import BASE

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
DESKTOP, PHONE = (1400, 1000), (390, 844)
#: /id/Pakistan was 15,400 px tall at the desktop size and 34,900 px on a phone, one claim after another
PAGE_HEIGHT_LIMIT = {DESKTOP: 5000, PHONE: 11000}
PAKISTAN = BASE + "id/Pakistan"
IRAN = BASE + "id/Iran"

#: the rectangles of every visible name and word in the picture, as the browser lays them out
LABEL_BOXES = """
return Array.from(document.querySelectorAll('svg.eco-graph g.node text, svg.eco-graph text.edge-label'))
  .map(function (element) {
    var r = element.getBoundingClientRect();
    return {text: element.textContent, left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  }).filter(function (box) { return box.right - box.left > 0 && box.bottom - box.top > 0; });
"""


@pytest.fixture()
def sized(browser):
    """Set the viewport to (width, height) exactly, as a phone or a desktop has it; restored afterwards."""
    def size(width: int, height: int) -> None:
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    yield size
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def wait(browser, seconds: float = 15):
    return WebDriverWait(browser, seconds)


def screenshot(browser, name: str, size: tuple[int, int]) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"{name}-{size[0]}x{size[1]}.png"))


def overlapping(boxes: list[dict], tolerance: float = 0.5) -> list[tuple[str, str]]:
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if (a["left"] + tolerance < b["right"] and b["left"] + tolerance < a["right"]
                    and a["top"] + tolerance < b["bottom"] and b["top"] + tolerance < a["bottom"]):
                pairs.append((a["text"], b["text"]))
    return pairs


def open_graph(browser, url: str):
    browser.get(url)
    return wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "figure.graph-figure svg")))


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_two_names_or_words_in_the_picture_overlap(browser, live, sized, size):
    sized(*size)
    open_graph(browser, live.url + "/graph")
    screenshot(browser, "graph", size)
    boxes = browser.execute_script(LABEL_BOXES)
    assert len(boxes) > 100  # every thing's name and most relations' words are drawn
    assert overlapping(boxes) == []


@pytest.mark.parametrize("path", ["/graph?kind=relations", "/graph?actor=Iran", "/graph?kind=proposal&zoom=200"])
def test_no_overlap_in_a_filtered_or_zoomed_picture(browser, live, sized, path):
    sized(*DESKTOP)
    open_graph(browser, live.url + path)
    boxes = browser.execute_script(LABEL_BOXES)
    assert boxes and overlapping(boxes) == []


def test_hover_titles_carry_the_full_names_shown(browser, live, sized):
    sized(*DESKTOP)
    open_graph(browser, live.url + "/graph")
    names = browser.execute_script("""
        return Array.from(document.querySelectorAll('svg.eco-graph g.node')).map(function (node) {
          return {title: node.querySelector('title').textContent,
                  shown: Array.from(node.querySelectorAll('text tspan')).map(function (t) {
                    return t.textContent; }).join(' ')};
        });""")
    for name in names:
        assert name["title"].startswith(name["shown"] + " ("), name  # the whole name, wrapped but never cut
        assert "…" not in name["shown"]
    shown = [name["shown"] for name in names]
    assert len(shown) == len(set(shown))
    persian_gulf = sorted(s for s in shown if s.endswith("between the ECO region and the Persian Gulf"))
    assert persian_gulf == ["energy flows between the ECO region and the Persian Gulf",
                            "investment corridors between the ECO region and the Persian Gulf",
                            "trade routes between the ECO region and the Persian Gulf"]
    edge_titles = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg.eco-graph path.edge title')).map(t => t.textContent)")
    assert any(t.startswith("Pakistan — ") and "→ border management" in t for t in edge_titles)


def test_claim_kind_filter_shows_only_that_kind(browser, live, sized):
    sized(*DESKTOP)
    open_graph(browser, live.url + "/graph")
    before = len(browser.find_elements(By.CSS_SELECTOR, "svg.eco-graph g.node"))
    browser.find_element(By.CSS_SELECTOR, '.graph-filters a[data-kind="proposal"]').click()
    wait(browser).until(EC.url_contains("kind=proposal"))
    styles = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg.eco-graph path.edge')).map(p => p.getAttribute('class'))")
    assert styles and all("edge-claim" in s and "style-proposal" in s for s in styles)
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.eco-graph g.node")) < before
    chip = browser.find_element(By.CSS_SELECTOR, '.graph-filters a[data-kind="proposal"]')
    assert chip.get_attribute("aria-current") == "true"


def test_actor_filter_shows_that_actors_claims(browser, live, sized):
    sized(*DESKTOP)
    open_graph(browser, live.url + "/graph")
    Select(browser.find_element(By.ID, "actor")).select_by_value("Iran")  # the page submits the choice itself
    wait(browser).until(EC.url_contains("actor=Iran"))
    sources = browser.execute_script("""return Array.from(document.querySelectorAll(
        'svg.eco-graph path.edge-claim')).map(p => p.dataset.source)""")
    assert sources and set(sources) == {IRAN}
    others = browser.execute_script("""return Array.from(document.querySelectorAll(
        'svg.eco-graph path.edge:not(.edge-claim)')).map(p => [p.dataset.source, p.dataset.target])""")
    assert all(IRAN in pair for pair in others)
    screenshot(browser, "graph-actor-iran", DESKTOP)


def test_zoom_enlarges_the_picture_inside_its_frame(browser, live, sized):
    sized(*PHONE)
    svg = open_graph(browser, live.url + "/graph")
    fit = svg.size["width"]
    browser.find_element(By.CSS_SELECTOR, '.graph-filters .zoom a[data-zoom="2.0"]').click()
    wait(browser).until(lambda b: b.find_element(By.CSS_SELECTOR, "figure.graph-figure svg").size["width"] > 3 * fit)
    frame = browser.execute_script("""var f = document.querySelector('figure.graph-figure');
        return [f.scrollWidth, f.clientWidth, document.documentElement.scrollWidth, window.innerWidth]""")
    assert frame[0] > frame[1]  # the picture scrolls inside its frame…
    assert frame[2] <= frame[3] + 1  # …and the page itself does not
    assert "zoom=200" in browser.current_url
    screenshot(browser, "graph-zoom-200", PHONE)


def test_hovering_a_name_lights_up_its_relations(browser, live, sized):
    from selenium.webdriver.common.action_chains import ActionChains

    sized(*DESKTOP)
    open_graph(browser, live.url + "/graph?actor=Iran")
    node = browser.find_element(By.CSS_SELECTOR, f'svg.eco-graph g.node[data-iri="{IRAN}"] rect')
    ActionChains(browser).move_to_element(node).perform()
    lit = browser.execute_script("return document.querySelectorAll('svg.eco-graph path.edge.lit').length")
    assert lit == len(browser.find_elements(By.CSS_SELECTOR, "svg.eco-graph path.edge"))


def claims_pointing_at(store, entity: str) -> int:
    """Claims naming ``entity`` in any role, or in a role of a linkage they state: what the page counts."""
    rows = store.query(f"""PREFIX eco: <https://w3id.org/eco-kg/ontology/>
        SELECT (COUNT(DISTINCT ?claim) AS ?n) WHERE {{
          {{ ?claim ?p <{entity}> }} UNION {{ ?claim eco:statesLinkage ?link . ?link ?p <{entity}> }}
          ?claim a eco:Claim }}""").rows
    return int(rows[0][0])


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_entity_page_leads_with_wikidata_and_is_a_short_scroll(browser, live, sized, size, pages_store):
    sized(*size)
    browser.get(live.url + "/id/Pakistan")
    link = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "a.same-thing.wikidata")))
    screenshot(browser, "id-Pakistan", size)
    assert link.get_attribute("href") == "http://www.wikidata.org/entity/Q843"
    bottom, screen = browser.execute_script(
        "return [arguments[0].getBoundingClientRect().bottom, window.innerHeight]", link)
    assert bottom <= screen  # on the first screen, without scrolling
    glance = browser.find_element(By.CSS_SELECTOR, "ul.glance")
    expected = claims_pointing_at(pages_store, BASE + "id/Pakistan")
    assert f"{expected} claims" in glance.text and "assessments" in glance.text
    height = browser.execute_script("return document.documentElement.scrollHeight")
    assert height < PAGE_HEIGHT_LIMIT[size]


def test_entity_page_folds_long_lists_under_their_counts(browser, live, sized, facts):
    sized(*DESKTOP)
    browser.get(live.url + "/id/Pakistan")
    mentions = browser.find_element(By.CSS_SELECTOR, "#mentions details")
    assert mentions.get_attribute("open") is None
    assert f'{facts["pakistan_mentions_counted"]}×' in mentions.find_element(By.TAG_NAME, "summary").text
    assert not browser.find_element(By.CSS_SELECTOR, "#mentions mark.mention").is_displayed()
    mentions.find_element(By.TAG_NAME, "summary").click()
    assert browser.find_element(By.CSS_SELECTOR, "#mentions mark.mention").is_displayed()
    links = browser.find_element(By.CSS_SELECTOR, "#incoming details")
    assert links.get_attribute("open") is None and "holder" in links.find_element(By.TAG_NAME, "summary").text
