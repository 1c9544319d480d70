"""The pages in real headless Chromium: named query → results → resource page → highlighted
evidence; the editor's keys; readable errors; the graph picture. Screenshots go to /tmp."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = pytest.mark.browser

SCREENSHOTS = "/tmp/ecokg-{}.png"


def wait(browser, seconds: float = 15):
    return WebDriverWait(browser, seconds)


def result_cells(browser) -> list[str]:
    return [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#results table.results td")]


def test_named_query_to_resource_page_to_highlighted_evidence(browser, live, facts):
    browser.get(live.url + "/")
    assert browser.find_element(By.ID, "query-text").is_displayed()
    browser.find_element(By.CSS_SELECTOR, 'a.named-query[data-query-name="eco-member-states"]').click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#results table.results tbody tr")))
    assert "ECO member states" in browser.title
    assert "org:memberOf ecoid:ECO" in browser.find_element(By.ID, "query-text").get_attribute("value")
    # clicking Run again runs the editor's text (the named query) once more
    browser.find_element(By.ID, "run-query").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "status"), "Done"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#results table.results tbody tr")
    assert len(rows) == 10
    # the server's table: an IRI by its label and its prefixed name, a literal with its language
    assert {"Pakistan ecoid:Pakistan", "Pakistan@en"} <= set(result_cells(browser))
    assert "10 results" in browser.find_element(By.CSS_SELECTOR, "#results .result-count").text
    assert "name=eco-member-states" in browser.current_url  # the page can be shared or reloaded
    browser.save_screenshot(SCREENSHOTS.format("query-page"))

    link = browser.find_element(By.CSS_SELECTOR, '#results a[href="/id/Pakistan"]')
    assert link.text == "Pakistan" and link.get_attribute("title") == "https://w3id.org/eco-kg/id/Pakistan"
    link.click()
    wait(browser).until(EC.title_contains("Pakistan"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Pakistan"
    marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#claims mark.evidence")]
    expected = {exact for claim, exact, *_ in facts["evidence"] if claim in facts["pakistan_claims"]}
    assert expected and expected <= set(marks)
    assert browser.find_elements(By.CSS_SELECTOR, "#mentions mark.mention")


def test_editor_keys_and_custom_query(browser, live):
    browser.get(live.url + "/")
    editor = browser.find_element(By.ID, "query-text")
    editor.clear()
    editor.send_keys("SELECT ?corridor WHERE {", Keys.ENTER, "?corridor a eco:EconomicCorridor", Keys.ENTER, "}")
    text = editor.get_attribute("value")
    assert "\n  ?corridor a eco:EconomicCorridor" in text  # Enter after "{" indents
    editor.send_keys(Keys.CONTROL, Keys.ENTER)
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#results table.results tbody tr")))
    assert any(cell.endswith(" ecoid:ChinaPakistanEconomicCorridor") for cell in result_cells(browser))


def test_ask_and_construct_render_in_the_browser(browser, live):
    browser.get(live.url + "/")
    browser.find_element(By.CSS_SELECTOR, 'a.named-query[data-query-name="is-pakistan-a-state"]').click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#results .boolean.yes")))
    editor = browser.find_element(By.ID, "query-text")
    browser.execute_script("arguments[0].value = arguments[1]", editor,
                           "CONSTRUCT { ecoid:Iran ?p ?o } WHERE { ecoid:Iran ?p ?o }")
    browser.find_element(By.ID, "run-query").click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#results table.results tbody tr")))
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#results th")]
    assert headers == ["subject", "predicate", "object"]
    assert "Iran ecoid:Iran" in result_cells(browser)


@pytest.mark.parametrize("text", ["SELECT ?state ?label WHERE { ?state org:memberOf ecoid:ECO ; rdfs:label ?label } "
                                  "ORDER BY ?label",
                                  "CONSTRUCT { ecoid:Iran ?p ?o } WHERE { ecoid:Iran ?p ?o }", "ASK { ?s ?p ?o }"])
def test_the_table_run_in_the_page_is_the_one_the_server_renders(browser, live, text):
    # one renderer: what Run shows is the HTML the server writes for /?query= (no table built in script)
    from urllib.parse import urlencode

    browser.get(live.url + "/?" + urlencode({"query": text}))
    served = browser.find_element(By.ID, "results").get_attribute("innerHTML")
    browser.find_element(By.ID, "run-query").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "status"), "Done"))
    ran = browser.find_element(By.ID, "results").get_attribute("innerHTML")

    def shape(html: str) -> str:
        return " ".join(html.split())

    assert shape(ran) == shape(served)
    assert "<table" in ran or "boolean yes" in ran


def test_errors_are_shown_readably(browser, live):
    browser.get(live.url + "/")
    editor = browser.find_element(By.ID, "query-text")
    browser.execute_script("arguments[0].value = arguments[1]", editor, "SELECT ?x WHERE { ?x ")
    browser.find_element(By.ID, "run-query").click()
    box = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#results .error-box")))
    assert "could not run (400" in box.text
    assert len(box.text) > 40  # the endpoint's explanation is shown, not just a status


def test_source_page_in_the_browser(browser, live, facts):
    claim, exact, *_ = facts["evidence"][0]
    browser.get(live.url + "/id/source/iran-pakistan-eco-security-interview")
    questions = browser.find_elements(By.CSS_SELECTOR, ".seg-block.seg-question")
    answers = browser.find_elements(By.CSS_SELECTOR, ".seg-block.seg-answer")
    assert len(questions) == facts["segments"]["Question"] and len(answers) == facts["segments"]["Answer"]
    # questions look different from answers
    q_colour = questions[0].value_of_css_property("background-color")
    a_colour = answers[0].value_of_css_property("background-color")
    assert q_colour != a_colour
    marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, ".source-text mark.evidence")]
    assert any(exact in m for m in marks)


def test_graph_page_shows_the_picture(browser, live):
    browser.get(live.url + "/graph")
    svg = wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "figure.graph-figure svg")))
    assert svg.size["width"] > 600 and svg.size["height"] > 300
    nodes = browser.find_elements(By.CSS_SELECTOR, "svg g.node")
    assert len(nodes) >= 20
    assert browser.find_elements(By.CSS_SELECTOR, "svg path.edge-claim")
    browser.save_screenshot(SCREENSHOTS.format("graph-page"))
    pakistan = browser.find_element(By.CSS_SELECTOR, 'svg g.node[data-iri="https://w3id.org/eco-kg/id/Pakistan"]')
    browser.execute_script("arguments[0].closest('a').dispatchEvent(new MouseEvent('click', {bubbles: true}))",
                           pakistan)
    wait(browser).until(EC.url_contains("/id/Pakistan"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Pakistan"
