"""The pages on a phone (390×844 CSS pixels, headless Chromium emulating a touch screen): no page scrolls
sideways or cuts what it shows (a wide table or text scrolls inside its own box), the query editor and a named
query's answer are on the first screen, a claim page shows its kind, holder, modality and evidence before
anything inferred, and the interview numbers its claims in reading order. Screenshots go to a temporary
folder named in the test's output."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from pagehtml import SOURCE_SLUG, local

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
#: a claim with one of the longest titles, so that its facts have the least room on the first screen
LONG_CLAIM = "/id/claim/pk-first-step-non-controversial-areas"
#: every kind of page: query, picture, a source, the ontology and its terms, versions and shapes, an entity, a
#: claim, a named graph, the dataset's records and two error pages (an unknown thing, an address no route serves)
PAGES = ["/", "/?name=mentions-per-entity", "/graph", "/graph?zoom=100", f"/id/source/{SOURCE_SLUG}", "/ontology",
         "/ontology/State", "/ontology/holder", "/ontology/1.0.0", "/shapes/", "/shapes/ClaimShape", "/id/Pakistan",
         "/id/ECO", "/id/domain/BorderManagement", LONG_CLAIM, "{evidence}", "/graph/entities", "/catalog", "/dataset",
         "/?query=SELECT+*+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D+LIMIT+40", "/graph?actor=Pakistan", "/id/no-such-thing",
         "/an/address/no-route-serves/" + "withoutanyspaceswhereitcouldbreak" * 8]

#: elements that reach past the screen's edges without a box that scrolls sideways (and fits) around them
CUT_OFF = """
const width = document.documentElement.clientWidth, cut = [];
const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
for (const e of document.body.querySelectorAll('*')) {
  const box = e.getBoundingClientRect();
  if (!box.width || !box.height || (box.left >= -0.5 && box.right <= width + 0.5)) continue;
  let up = e.parentElement;
  while (up && up !== document.body && !scrolls(up)) up = up.parentElement;
  const holder = up && up !== document.body ? up.getBoundingClientRect() : null;
  if (holder && holder.left >= -0.5 && holder.right <= width + 0.5) continue;
  cut.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
           (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
           ' to ' + Math.round(box.right) + 'px');
}
return {inner: window.innerWidth, scroll: document.documentElement.scrollWidth, width: width, cut: cut.slice(0, 8)};
"""


@pytest.fixture(scope="module")
def phone():
    """Headless Debian Chromium emulating a 390×844 phone (touch, device pixel ratio 2)."""
    from chromium import headless_chromium

    with headless_chromium("--hide-scrollbars", device_metrics={**PHONE, "pixelRatio": 2.0}) as driver:
        yield driver


@pytest.fixture(scope="module")
def site(project_queries_app):
    """The pages with the project's own named queries (the long list the query page offers)."""
    from liveserver import LiveServer

    with LiveServer(project_queries_app) as server:
        yield server.url


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("phone-screenshots")
    print(f"phone screenshots in {folder}")
    return folder


def shot_name(path: str) -> str:
    # cut to a length every file system takes (a long address would make save_screenshot fail quietly)
    return (re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")[:120] or "query") + ".png"


def top_of(phone, selector: str) -> float | None:
    """Where the first element matching ``selector`` starts, from the top of the page, in CSS pixels."""
    return phone.execute_script("""const e = document.querySelector(arguments[0]);
        return e ? e.getBoundingClientRect().top + window.scrollY : null;""", selector)


def bottom_of(phone, selector: str) -> float | None:
    return phone.execute_script("""const e = document.querySelector(arguments[0]);
        return e ? e.getBoundingClientRect().bottom + window.scrollY : null;""", selector)


@pytest.mark.parametrize("path", PAGES)
def test_no_page_scrolls_sideways_or_cuts_its_content(phone, site, screenshots, facts, path):
    path = path.format(evidence=local(facts["evidence"][0][4]))  # an annotation: the words of a claim
    phone.get(site + path)
    phone.save_screenshot(str(screenshots / shot_name(path)))
    found = phone.execute_script(CUT_OFF)
    assert found["cut"] == [], f"{path} reaches past a 390 px screen: {found}"
    assert found["inner"] == PHONE["width"] and found["scroll"] <= found["width"], f"{path} scrolls sideways: {found}"


@pytest.mark.parametrize("path", ["/", "/?name=mentions-per-entity"])
def test_the_query_editor_is_on_the_first_screen(phone, site, path):
    phone.get(site + path)
    assert top_of(phone, "#query-text") < PHONE["height"] / 2, "the editor should start in the first half screen"
    assert bottom_of(phone, "#run-query") <= PHONE["height"], "the Run button should be on the first screen"


def test_a_named_querys_answer_starts_on_the_first_screen(phone, site):
    phone.get(site + "/?name=mentions-per-entity")
    assert bottom_of(phone, "#results table.results tbody tr") <= PHONE["height"]
    assert top_of(phone, ".named-queries") > top_of(phone, "#results"), "the list of questions comes after the answer"


def test_a_question_chosen_from_the_list_below_brings_the_editor_and_its_answer_into_view(phone, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    phone.get(site + "/")
    link = phone.find_element(By.CSS_SELECTOR, 'a.named-query[data-query-name="claims-by-kind"]')
    phone.execute_script("arguments[0].scrollIntoView()", link)
    link.click()
    WebDriverWait(phone, 15).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#results table.results tbody tr")))
    on_screen = phone.execute_script("""const box = document.getElementById('query-text').getBoundingClientRect();
        return [box.top, box.bottom];""")
    assert 0 <= on_screen[0] < PHONE["height"] / 2, on_screen
    assert "How many proposals" in phone.find_element(By.ID, "chosen-question").text


def test_a_claim_page_leads_with_kind_holder_modality_and_evidence(phone, site):
    phone.get(site + LONG_CLAIM)
    phone.save_screenshot(str(phone_shot := Path(tempfile.gettempdir()) / "ecokg-phone-claim.png"))
    facts = {name: bottom_of(phone, f".claim-facts .{name}") for name in ("kind", "holder", "modality", "evidence")}
    assert all(bottom is not None and bottom <= PHONE["height"] for bottom in facts.values()), (facts, phone_shot)
    text = phone.execute_script("return document.querySelector('.claim-facts').innerText")
    assert "Proposal" in text and "Pakistan" in text and "proposed" in text, text


def test_a_claim_pages_statements_put_holder_and_modality_above_what_is_inferred(project_queries_app):
    html = project_queries_app.test_client().get(LONG_CLAIM, headers={"Accept": "text/html"}).get_data(as_text=True)
    table = html.split('id="properties"', 1)[1].split("</table>", 1)[0]
    rows = [re.sub(r"<[^>]+>", "", row).strip() for row in re.findall(r'<th scope="row">(.*?)</th>', table, re.S)]
    assert {"holder", "has modality", "about"} <= set(rows), rows
    assert rows.index("holder") < rows.index("about") and rows.index("has modality") < rows.index("about"), rows


def test_the_interviews_claim_numbers_follow_the_text(project_queries_app, facts):
    html = project_queries_app.test_client().get(f"/id/source/{SOURCE_SLUG}",
                                                 headers={"Accept": "text/html"}).get_data(as_text=True)
    refs = re.findall(r'<a class="claim-ref" href="([^"]+)"[^>]*>(\d+)</a>', html)
    first_seen: dict[str, int] = {}
    for href, number in refs:
        first_seen.setdefault(href, int(number))
    numbers = list(first_seen.values())
    assert numbers == list(range(1, len(numbers) + 1)), numbers[:20]
    # the claim numbered 1 is the one whose words come first in the text
    earliest = min(facts["evidence"], key=lambda row: (row[2], row[3]))[0]
    assert next(href for href, number in refs if number == "1") == local(earliest)
