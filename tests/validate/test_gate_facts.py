"""The gate holds new input to the rule that positions are not facts: a plain triple between two entities
passes `ecokg validate`, `ecokg add` and `POST /update` only when a factual statement with its words asserts
it, or when a background file cites the source it comes from."""
from __future__ import annotations

import pytest
import requests

from kg.namespaces import GRAPH
from kg.stores import open_store
from liveserver import LiveServer
from server.app import create_app
from server.update import OWL_CONFIG

from gate_fixtures import tree_digest

PREFIXES = """@prefix eco: <https://w3id.org/eco-kg/ontology/> .
@prefix ecoid: <https://w3id.org/eco-kg/id/> .
@prefix claim: <https://w3id.org/eco-kg/id/claim/> .
@prefix modality: <https://w3id.org/eco-kg/id/modality/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""
COOPERATION = PREFIXES + "ecoid:Pakistan eco:cooperatesWith ecoid:Turkey .\n"
TOKEN = "test-update-token-3f9a-0123456789abcdef"
SOURCE = f"<{GRAPH}source/iran-pakistan-eco-security-interview>"


def write(folder, name, text):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def unsupported(report: dict) -> list[dict]:
    return [p for p in report["problems"] if p["rule"] == "unsupported-fact"]


def test_a_plain_triple_between_entities_without_a_fact_is_refused(run_json, tmp_path):
    code, report = run_json("--no-owl", write(tmp_path, "cooperation.ttl", COOPERATION))
    assert code == 1
    [problem] = unsupported(report)
    assert problem["stage"] == "graph"
    assert (problem["node"], problem["property"], problem["value"]) == ("ecoid:Pakistan", "eco:cooperatesWith",
                                                                        "ecoid:Turkey")
    assert "no factual statement asserts" in problem["message"]
    assert "eco:FactualStatement" in problem["hint"] and "eco:assertsFact" in problem["hint"]
    assert problem["line"] == 8


def test_the_text_reports_the_rule_the_triple_and_the_fix(run_cli, tmp_path):
    code, out, _err = run_cli("validate", "--no-owl", write(tmp_path, "cooperation.ttl", COOPERATION))
    assert code == 1
    assert "graph/unsupported-fact" in out
    assert "ecoid:Pakistan eco:cooperatesWith ecoid:Turkey" in out
    assert "fix:" in out


def test_a_triple_that_a_stored_factual_statement_asserts_passes(run_json, tmp_path):
    text = PREFIXES + "ecoid:Pakistan eco:hasDefenceRelationshipWith ecoid:Iran .\n"
    code, report = run_json("--no-owl", write(tmp_path, "stated.ttl", text))
    assert code == 0, report["problems"]


def test_a_new_factual_statement_with_its_words_supports_its_triple(run_json, tmp_path):
    text = PREFIXES + """
claim:fact-test-electricity a eco:FactualStatement ;
    rdfs:label "Pakistan and Iran cooperate on cross-border electricity (restated)"@en ;
    eco:holder ecoid:Pakistan ;
    eco:modality modality:Existing ;
    eco:assertsFact [ eco:factSubject ecoid:Pakistan ; eco:factPredicate eco:cooperatesWith ; eco:factObject ecoid:Iran ] ;
    eco:quote "In energy, Pakistan and Iran already cooperate on cross-border electricity" .
ecoid:Pakistan eco:cooperatesWith ecoid:Iran .
"""
    code, report = run_json("--no-owl", write(tmp_path, "fact.ttl", text))
    assert not unsupported(report), report["problems"]


def test_a_negated_fact_does_not_support_the_triple(run_json, tmp_path):
    text = PREFIXES + "ecoid:PersianGulfArabStates org:memberOf ecoid:ECO .\n"
    code, report = run_json("--no-owl", write(tmp_path, "negated.ttl", text))
    assert code == 1
    assert [p["property"] for p in unsupported(report)] == ["org:memberOf"]


def test_the_entities_register_may_place_its_entities(run_json, tmp_path):
    text = PREFIXES + """
ecoid:Quetta a eco:Region ; rdfs:label "Quetta"@en ; eco:locatedIn ecoid:Pakistan .
"""
    code, report = run_json("--no-owl", write(tmp_path, "place.ttl", text))
    assert not unsupported(report), report["problems"]


@pytest.mark.slow
def test_a_background_file_passes_only_with_its_source(run_cli, built_project_copy):
    background = built_project_copy / "seeds" / "background"
    bare = write(background, "bare.ttl", PREFIXES + "ecoid:Turkey eco:cooperatesWith ecoid:Pakistan .\n")
    code, out, _err = run_cli("--root", built_project_copy, "validate", "--no-owl", bare)
    assert code == 1 and "graph/unsupported-fact" in out, out
    bare.unlink()
    cited = write(background, "cited.ttl", PREFIXES + """
ecoid:statement-Turkey-Pakistan a rdf:Statement ;
    rdfs:label "Turkey cooperates with Pakistan"@en ;
    rdf:subject ecoid:Turkey ; rdf:predicate eco:cooperatesWith ; rdf:object ecoid:Pakistan ;
    dcterms:source <http://www.wikidata.org/entity/Q43> .
ecoid:Turkey eco:cooperatesWith ecoid:Pakistan .
""".replace("@prefix dcterms:", "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n@prefix dcterms:"))
    code, out, _err = run_cli("--root", built_project_copy, "validate", "--no-owl", cited)
    assert "unsupported-fact" not in out, out


@pytest.mark.slow
def test_add_refuses_the_plain_triple_and_changes_nothing(run_cli, built_project_copy, tmp_path):
    before = tree_digest(built_project_copy / "seeds")
    code, out, err = run_cli("--root", built_project_copy, "add", "--no-owl",
                             write(tmp_path, "cooperation.ttl", COOPERATION))
    assert code == 1
    assert "graph/unsupported-fact" in out
    assert "nothing was added" in err
    assert tree_digest(built_project_copy / "seeds") == before


@pytest.mark.slow
def test_update_refuses_a_defence_relationship_no_words_state(settings, built, tmp_path):
    store = open_store(settings.with_(store="oxigraph"))
    app = create_app(settings.with_(update_enabled=True, update_token=TOKEN,
                                    update_journal=str(tmp_path / "journal.jsonl")), store)
    app.config[OWL_CONFIG] = False
    partners = "SELECT ?o WHERE { ecoid:Pakistan eco:hasDefenceRelationshipWith ?o } ORDER BY ?o"
    with LiveServer(app) as server:
        answer = requests.post(server.url + "/update", timeout=120, headers={
            "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}",
            "Accept": "application/json"},
            data=f"INSERT DATA {{ GRAPH {SOURCE} {{ ecoid:Pakistan eco:hasDefenceRelationshipWith ecoid:Turkey }} }}")
        assert answer.status_code == 422, answer.text
        assert [p["rule"] for p in answer.json()["problems"]] == ["unsupported-fact"]
        rows = requests.get(server.url + "/sparql", params={"query": partners}, timeout=60,
                            headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    served = [row["o"]["value"].rsplit("/", 1)[-1] for row in rows]
    assert "Turkey" not in served and {"Iran", "SaudiArabia"} <= set(served)


LINKAGE = PREFIXES + """
claim:pk-test-land-bridge a eco:Proposal ;
    rdfs:label "ECO as a land bridge between the Persian Gulf and Eurasia (restated)"@en ;
    eco:holder ecoid:Pakistan ;
    eco:modality modality:Offered ;
    eco:statesLinkage ecoid:TestLandBridge ;
    eco:quote "positioning ECO as a land bridge between the Persian Gulf and Eurasia" .
ecoid:TestLandBridge a eco:Linkage ;
    rdfs:label "a land bridge from the Persian Gulf to Eurasia (restated)"@en ;
    MODALITY
    eco:from ecoid:PersianGulf ;
    eco:to ecoid:Eurasia .
"""


@pytest.mark.parametrize("modality, message", [
    ("", "a linkage carries the modality of the claim that states it"),
    ("eco:modality modality:Existing ;", "a linkage's eco:modality is that of the claim that states it"),
], ids=["no-modality", "existing-for-an-offer"])
def test_a_linkage_carries_its_claims_modality(run_json, tmp_path, modality, message):
    code, report = run_json("--no-owl", write(tmp_path, "link.ttl", LINKAGE.replace("MODALITY", modality)))
    assert code == 1
    assert any(message in p["message"] for p in report["problems"]), report["problems"]


def test_a_linkage_with_its_claims_modality_passes(run_json, tmp_path):
    code, report = run_json("--no-owl", write(tmp_path, "link.ttl",
                                              LINKAGE.replace("MODALITY", "eco:modality modality:Offered ;")))
    assert code == 0, report["problems"]


def test_every_failing_file_is_reported_not_only_those_of_the_first_failing_stage(run_json, tmp_path):
    from gate_fixtures import BAD

    unknown_class = BAD / "unknown-class.ttl"  # rejected by the vocabulary stage
    plain = write(tmp_path, "cooperation.ttl", COOPERATION)  # would pass every stage up to graph
    good = write(tmp_path, "stated.ttl", PREFIXES + "ecoid:Pakistan eco:hasDefenceRelationshipWith ecoid:Iran .\n")
    code, report = run_json("--no-owl", unknown_class, plain, good)
    assert code == 1
    by_file = {(p["file"].rsplit("/", 1)[-1], p["stage"]) for p in report["problems"]}
    assert ("unknown-class.ttl", "vocabulary") in by_file
    assert ("cooperation.ttl", "graph") in by_file
    assert not any(name == "stated.ttl" for name, _stage in by_file)


def test_a_file_that_does_not_parse_does_not_hide_the_others(run_json, tmp_path):
    broken = write(tmp_path, "broken.ttl", PREFIXES + "ecoid:Pakistan eco:cooperatesWith .\n")
    plain = write(tmp_path, "cooperation.ttl", COOPERATION)
    code, report = run_json("--no-owl", broken, plain)
    assert code == 2  # a file that cannot be read as RDF decides the exit code
    stages = {(p["file"].rsplit("/", 1)[-1], p["stage"]) for p in report["problems"]}
    assert ("broken.ttl", "syntax") in stages and ("cooperation.ttl", "graph") in stages


@pytest.mark.slow
def test_in_a_project_a_background_fact_needs_its_source(run_json, run_cli, tmp_path, monkeypatch):
    code, _out, err = run_cli("init", tmp_path / "project", "--namespace", "https://example.org/t/")
    assert code == 0, err
    background = tmp_path / "project" / "background"
    write(background, "bare.ttl", PREFIXES + "ecoid:Turkey eco:cooperatesWith ecoid:Pakistan .\n")
    write(background, "cited.ttl", PREFIXES + """@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
<https://example.org/t/id/statement-1> a rdf:Statement ; rdfs:label "Iran cooperates with Turkey"@en ;
    rdf:subject ecoid:Iran ; rdf:predicate eco:cooperatesWith ; rdf:object ecoid:Turkey ;
    dcterms:source <https://example.org/report> .
ecoid:Iran eco:cooperatesWith ecoid:Turkey .
""")
    monkeypatch.chdir(tmp_path / "project")
    code, report = run_json("--no-owl")
    assert code == 1
    assert [(p["file"].rsplit("/", 1)[-1], p["node"]) for p in unsupported(report)] == [("bare.ttl", "ecoid:Turkey")]
