"""`ecokg add FILE`: an accepted file joins the seeds and the build picks it up; a rejected one changes nothing."""
from __future__ import annotations

from rdflib import URIRef

from kg.build import build_dataset
from kg.namespaces import CLAIM, ECO, ID
from kg.settings import Settings

from gate_fixtures import BAD, GOOD, tree_digest


def _settings(root):
    return Settings().with_(root=root, seeds_dir=root / "seeds", ontology_dir=root / "ontology",
                            queries_dir=root / "queries", build_dir=root / "build")


def test_rejected_add_leaves_seeds_byte_for_byte(run_cli, project_copy):
    before = tree_digest(project_copy / "seeds")
    for bad in ("quote-not-in-source.ttl", "unknown-class.ttl", "malformed-turtle.ttl", "dangling-iri.ttl"):
        code, out, err = run_cli("--root", project_copy, "add", "--no-owl", BAD / bad)
        assert code in (1, 2), (bad, out, err)
        assert "nothing was added" in err
    assert tree_digest(project_copy / "seeds") == before


def test_accepted_claim_is_appended_to_its_source_and_built_with_evidence(run_cli, project_copy):
    seed = project_copy / "seeds" / "iran-pakistan-eco-security-interview.ttl"
    entities_before = (project_copy / "seeds" / "entities.ttl").read_bytes()
    old_text = seed.read_text(encoding="utf-8")
    code, _out, err = run_cli("--root", project_copy, "add", "--no-owl", GOOD / "new-position.ttl")
    assert code == 0, err
    assert f"added 7 triples to {seed}" in err
    new_text = seed.read_text(encoding="utf-8")
    assert new_text.startswith(old_text.rstrip("\n")), "the seed file is only appended to"
    assert "Added with `ecokg add` from new-position.ttl" in new_text
    assert (project_copy / "seeds" / "entities.ttl").read_bytes() == entities_before

    dataset = build_dataset(_settings(project_copy)).dataset
    claim = CLAIM["pk-eco-stabilising-architecture"]
    evidence = list(dataset.objects(claim, ECO.hasEvidence))
    assert len(evidence) == 1, "the build resolves the added quote into evidence"
    assert (claim, ECO.holder, ID.Pakistan) in dataset


def test_accepted_entity_goes_to_the_entity_register(run_cli, project_copy):
    code, _out, err = run_cli("--root", project_copy, "add", "--no-owl", GOOD / "unicode-labels.ttl")
    assert code == 0, err
    register = (project_copy / "seeds" / "entities.ttl").read_text(encoding="utf-8")
    assert '"کوئٹہ"@ur' in register
    dataset = build_dataset(_settings(project_copy)).dataset
    assert (URIRef(ID.Quetta), ECO.locatedIn, ID.Pakistan) in dataset


def test_adding_the_same_file_twice_writes_it_once(run_cli, project_copy):
    assert run_cli("--root", project_copy, "add", "--no-owl", GOOD / "subclass-instance.ttl")[0] == 0
    before = tree_digest(project_copy / "seeds")
    code, _out, err = run_cli("--root", project_copy, "add", "--no-owl", GOOD / "subclass-instance.ttl")
    assert code == 0 and "already in the graph" in err
    assert tree_digest(project_copy / "seeds") == before


def test_a_seed_file_cannot_be_added_to_itself(run_cli, project_copy):
    code, _out, err = run_cli("--root", project_copy, "add", project_copy / "seeds" / "entities.ttl")
    assert code == 2 and "already in seeds/" in err
