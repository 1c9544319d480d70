"""`ecokg link --reconcile` against a Wikidata stand-in on 127.0.0.1: candidates, ranking, failures."""
from __future__ import annotations

import csv
import io

import pytest


def review_rows(path):
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t"))


def unlink_pakistan(settings):
    """Make Pakistan unlinked in a project copy, so reconciliation has a state to find."""
    mapping = settings.seeds_dir / "links" / "mapping.tsv"
    mapping.write_text("".join(line for line in mapping.read_text(encoding="utf-8").splitlines(True)
                               if not line.startswith("Pakistan\t")), encoding="utf-8")


def test_state_candidate_of_the_expected_type_ranks_first(project, ecokg, standin):
    unlink_pakistan(project)
    out = project.root / "review.tsv"
    result = ecokg("link", "--reconcile", "--entity", "Pakistan", "--endpoint", f"{standin.url}/w/api.php",
                   "--output", out, root=project.root)
    assert result.code == 0, result.err
    rows = review_rows(out)
    assert [r["candidate_qid"] for r in rows] == ["Q843", "Q999999999301"]
    first, second = rows
    assert first["type_match"] == "1.0" and "Q3624078 sovereign state" in first["p31"]
    assert second["type_match"] == "0.0" and "newspaper" in second["p31"]
    assert float(first["score"]) > float(second["score"])
    assert all(r["decision"] == "" for r in rows)
    assert first["candidate_description"] == "country in South Asia"


def test_review_file_columns_are_those_a_reviewer_needs(project, ecokg, standin):
    unlink_pakistan(project)
    out = project.root / "review.tsv"
    ecokg("link", "--reconcile", "--entity", "Pakistan", "--endpoint", f"{standin.url}/w/api.php",
          "--output", out, root=project.root)
    header = next(l for l in out.read_text(encoding="utf-8").splitlines() if not l.startswith("#")).split("\t")
    assert header == ["entity", "entity_label", "entity_type", "candidate_qid", "candidate_label",
                      "candidate_description", "score", "label_similarity", "type_match", "p31", "decision"]


def test_near_matches_are_offered_for_review_not_linked(ecokg, standin, tmp_path, settings):
    out = tmp_path / "review.tsv"
    result = ecokg("link", "--reconcile", "--entity", "PersianGulfArabStates",
                   "--endpoint", f"{standin.url}/w/api.php", "--output", out)
    assert result.code == 0, result.err
    rows = review_rows(out)
    assert {r["candidate_qid"] for r in rows} == {"Q217172", "Q34675"}
    assert all(r["entity"] == "ecoid:PersianGulfArabStates" and r["decision"] == "" for r in rows)
    assert "Q217172" not in (settings.seeds_dir / "links" / "wikidata.ttl").read_text(encoding="utf-8")


def test_all_unconfirmed_entities_are_looked_up_and_empty_answers_reported(ecokg, standin, standin_requests,
                                                                           tmp_path):
    out = tmp_path / "review.tsv"
    result = ecokg("link", "--reconcile", "--endpoint", f"{standin.url}/w/api.php", "--output", out)
    assert result.code == 0, result.err
    searched = {r[2]["search"] for r in standin_requests if r[2].get("action") == "wbsearchentities"}
    assert {"Global South", "TIR system", "TIR Convention", "Araghchi", "CPEC"} <= searched
    assert "unnamed Pakistani official" not in searched  # no-counterpart entities are skipped
    assert "no candidates: ecoid:GlobalSouth (Global South)" in result.out
    assert "# no candidates: ecoid:GlobalSouth (Global South)" in out.read_text(encoding="utf-8")
    tir = [r for r in review_rows(out) if r["entity"] == "ecoid:TIRSystem"]
    assert [r["candidate_qid"] for r in tir] == ["Q999999999201"] and tir[0]["type_match"] == "1.0"


def test_entity_with_no_candidates_writes_a_review_without_rows(ecokg, standin, tmp_path):
    out = tmp_path / "review.tsv"
    result = ecokg("link", "--reconcile", "--entity", "GlobalSouth", "--endpoint", f"{standin.url}/w/api.php",
                   "--output", out)
    assert result.code == 0
    assert "0 candidates for 0 entities; 1 entities without candidates" in result.out
    assert review_rows(out) == []


@pytest.mark.parametrize("mode, timeout, message", [
    ("slow", "0.5", "did not answer within 0.5 s"),
    ("broken", "5", "answered HTTP 500"),
    ("garbled", "5", "not JSON"),
    ("apierror", "5", "Wikidata API error badvalue"),
])
def test_endpoint_failures_exit_2_with_a_clear_message(ecokg, standin, tmp_path, mode, timeout, message):
    out = tmp_path / "review.tsv"
    result = ecokg("link", "--reconcile", "--entity", "GlobalSouth", "--endpoint", f"{standin.url}/{mode}/w/api.php",
                   "--timeout", timeout, "--output", out)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert not out.exists()


def test_unreachable_endpoint_exits_2(ecokg, tmp_path):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = ecokg("link", "--reconcile", "--entity", "GlobalSouth", "--endpoint",
                   f"http://127.0.0.1:{port}/w/api.php", "--timeout", "2", "--output", tmp_path / "r.tsv")
    assert result.code == 2
    assert f"cannot reach http://127.0.0.1:{port}/w/api.php" in result.err


def test_reconciling_an_unknown_entity_is_a_usage_error(ecokg, standin, tmp_path):
    result = ecokg("link", "--reconcile", "--entity", "Atlantis", "--endpoint", f"{standin.url}/w/api.php",
                   "--output", tmp_path / "r.tsv")
    assert result.code == 2
    assert "Atlantis is not an entity of seeds/entities.ttl" in result.err


def test_reconciling_a_linked_entity_is_refused(ecokg, standin, tmp_path):
    result = ecokg("link", "--reconcile", "--entity", "Pakistan", "--endpoint", f"{standin.url}/w/api.php",
                   "--output", tmp_path / "r.tsv")
    assert result.code == 2
    assert "Pakistan is already linked" in result.err
