"""`ecokg link --accept FILE`: reviewed candidates become links, through the validation gate."""
from __future__ import annotations

import importlib

import pytest
from rdflib import Graph
from rdflib.namespace import OWL

import kg.link
import kg.validate
from kg.namespaces import ID, WD
from kg.validate import Problem, Report

HEADER = ("entity\tentity_label\tentity_type\tcandidate_qid\tcandidate_label\tcandidate_description\tscore\t"
          "label_similarity\ttype_match\tp31\tdecision\n")


@pytest.fixture()
def passing_gate(monkeypatch):
    """A validation gate that accepts every change, without building a base dataset for it
    (the real gate runs in test_real_gate_accepts_a_reviewed_link)."""
    build_module = importlib.import_module("kg.build")  # the name kg.build is also the function build()
    monkeypatch.setattr(kg.validate, "validate_graph_change", lambda *a, **k: Report())
    monkeypatch.setattr(build_module, "load_dataset", lambda settings: None)


def review(path, *rows):
    """A review file with rows (entity, qid, decision)."""
    body = "".join(f"{e}\t-\t-\t{q}\tlabel\tdescription\t0.9\t1.0\t1.0\t-\t{d}\n" for e, q, d in rows)
    path.write_text("# reviewed\n" + HEADER + body, encoding="utf-8")
    return path


def unlink(settings, name):
    mapping = settings.seeds_dir / "links" / "mapping.tsv"
    mapping.write_text("".join(line for line in mapping.read_text(encoding="utf-8").splitlines(True)
                               if not line.startswith(name + "\t")), encoding="utf-8")
    kg.link.write_linkset(settings)


def linkset(settings) -> Graph:
    return Graph().parse(settings.seeds_dir / "links" / "wikidata.ttl", format="turtle")


def test_reconcile_review_accept_round_trip(project, ecokg, standin, passing_gate):
    unlink(project, "Pakistan")
    out = project.root / "review.tsv"
    assert ecokg("link", "--reconcile", "--entity", "Pakistan", "--endpoint", f"{standin.url}/w/api.php",
                 "--output", out, root=project.root).code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    out.write_text("\n".join(l + "accept" if l.startswith("ecoid:Pakistan\t") and "\tQ843\t" in l else l
                             for l in lines) + "\n", encoding="utf-8")
    result = ecokg("link", "--accept", out, "--reviewer", "R. Reviewer", root=project.root)
    assert result.code == 0, result.err
    assert "linked ecoid:Pakistan owl:sameAs wd:Q843" in result.out
    assert (ID.Pakistan, OWL.sameAs, WD.Q843) in linkset(project)
    assert ecokg("link", "--check", root=project.root).code == 0
    mapping = (project.seeds_dir / "links" / "mapping.tsv").read_text(encoding="utf-8")
    assert "reviewed by R. Reviewer" in mapping.splitlines()[-1]
    assert "ecoid:Pakistan " not in ecokg("link", "--report", root=project.root).out


def test_accepted_entity_leaves_the_unlinked_list(project, ecokg, passing_gate):
    result = ecokg("link", "--accept", review(project.root / "r.tsv", ("ecoid:GlobalSouth", "Q999999999501", "accept")),
                   root=project.root)
    assert result.code == 0, result.err
    unlinked = (project.seeds_dir / "links" / "unlinked.tsv").read_text(encoding="utf-8")
    assert "\nGlobalSouth\t" not in unlinked
    assert (ID.GlobalSouth, OWL.sameAs, WD.Q999999999501) in linkset(project)
    report = ecokg("link", "--report", "--format", "csv", root=project.root).out
    assert "ecoid:GlobalSouth" not in report


def test_rows_not_marked_accept_change_nothing(project, ecokg):
    before = (project.seeds_dir / "links" / "wikidata.ttl").read_bytes()
    result = ecokg("link", "--accept", review(project.root / "r.tsv", ("ecoid:GlobalSouth", "Q999999999501", ""),
                                              ("ecoid:TIRSystem", "Q999999999201", "reject")), root=project.root)
    assert result.code == 0
    assert "no new links" in result.out
    assert (project.seeds_dir / "links" / "wikidata.ttl").read_bytes() == before


@pytest.mark.parametrize("rows, message", [
    ([("ecoid:GlobalSouth", "Q0123", "accept")], "malformed Wikidata item ID 'Q0123'"),
    ([("ecoid:GlobalSouth", "wd:Q5", "accept")], "malformed Wikidata item ID 'wd:Q5'"),
    ([("ecoid:GlobalSouth", "Q999999999501", "yes")], "unknown decision 'yes'"),
    ([("ecoid:GlobalSouth", "Q999999999501", "accept"), ("ecoid:GlobalSouth", "Q999999999502", "accept")],
     "two candidates accepted for ecoid:GlobalSouth"),
    ([("ecoid:Atlantis", "Q999999999501", "accept")], "ecoid:Atlantis is not an entity"),
    ([("ecoid:WesternChina", "Q843", "accept")], "Q843 is already linked from ecoid:Pakistan"),
    ([("ecoid:Pakistan", "Q794", "accept")], "ecoid:Pakistan is already linked to Q843"),
])
def test_bad_review_rows_exit_2_and_write_nothing(project, ecokg, rows, message):
    mapping = project.seeds_dir / "links" / "mapping.tsv"
    before = mapping.read_bytes()
    result = ecokg("link", "--accept", review(project.root / "r.tsv", *rows), root=project.root)
    assert result.code == 2
    assert message in result.err
    assert "r.tsv:" in result.err or "already linked" in result.err
    assert "Traceback" not in result.err
    assert mapping.read_bytes() == before


def test_missing_review_file_exits_2(project, ecokg):
    result = ecokg("link", "--accept", project.root / "nope.tsv", root=project.root)
    assert result.code == 2
    assert "nope.tsv: file not found" in result.err


def test_gate_rejection_exits_1_and_writes_nothing(project, ecokg, monkeypatch, passing_gate):
    seen = {}

    def rejecting_gate(added, removed, settings, base_dataset):
        seen["added"] = added
        return Report(problems=[Problem("graph", "same-as-type", "owl:sameAs to an item of another type")])

    monkeypatch.setattr(kg.validate, "validate_graph_change", rejecting_gate)
    mapping = project.seeds_dir / "links" / "mapping.tsv"
    before = mapping.read_bytes()
    result = ecokg("link", "--accept", review(project.root / "r.tsv", ("ecoid:GlobalSouth", "Q999999999501", "accept")),
                   root=project.root)
    assert result.code == 1
    assert "owl:sameAs to an item of another type" in result.err
    assert mapping.read_bytes() == before
    assert (ID.GlobalSouth, OWL.sameAs, WD.Q999999999501) in seen["added"]


def test_gate_acceptance_lets_the_link_through(project, ecokg, passing_gate):
    result = ecokg("link", "--accept", review(project.root / "r.tsv", ("ecoid:GlobalSouth", "Q999999999501", "accept")),
                   root=project.root)
    assert result.code == 0, result.err


@pytest.mark.reasoner
def test_real_gate_accepts_a_reviewed_link(project, ecokg):
    result = ecokg("link", "--accept", review(project.root / "r.tsv", ("ecoid:GlobalSouth", "Q999999999501", "accept")),
                   root=project.root)
    assert result.code == 0, result.err
    assert (ID.GlobalSouth, OWL.sameAs, WD.Q999999999501) in linkset(project)

