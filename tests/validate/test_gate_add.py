"""`ecokg add FILE`: an accepted file joins the seeds and the build picks it up; a rejected one changes nothing."""
from __future__ import annotations

import pytest
from rdflib import URIRef

from kg.build import build_dataset
from kg.namespaces import CLAIM, ECO, ID
from kg.settings import Settings

from gate_fixtures import BAD, GOOD, tree_digest


def _settings(root):
    return Settings().with_(root=root, seeds_dir=root / "seeds", ontology_dir=root / "ontology",
                            queries_dir=root / "queries", build_dir=root / "build")


@pytest.mark.slow
def test_rejected_add_leaves_seeds_byte_for_byte(run_cli, built_project_copy):
    before = tree_digest(built_project_copy / "seeds")
    for bad in ("quote-not-in-source.ttl", "unknown-class.ttl", "malformed-turtle.ttl", "dangling-iri.ttl"):
        code, out, err = run_cli("--root", built_project_copy, "add", "--no-owl", BAD / bad)
        assert code in (1, 2), (bad, out, err)
        assert "nothing was added" in err
    assert tree_digest(built_project_copy / "seeds") == before


@pytest.mark.slow
def test_accepted_claim_is_appended_to_its_source_and_built_with_evidence(run_cli, built_project_copy):
    seed = built_project_copy / "seeds" / "iran-pakistan-eco-security-interview.ttl"
    entities_before = (built_project_copy / "seeds" / "entities.ttl").read_bytes()
    old_text = seed.read_text(encoding="utf-8")
    code, _out, err = run_cli("--root", built_project_copy, "add", "--no-owl", GOOD / "new-position.ttl")
    assert code == 0, err
    assert f"added 7 triples to {seed}" in err
    new_text = seed.read_text(encoding="utf-8")
    assert new_text.startswith(old_text.rstrip("\n")), "the seed file is only appended to"
    assert "Added with `ecokg add` from new-position.ttl" in new_text
    assert (built_project_copy / "seeds" / "entities.ttl").read_bytes() == entities_before

    dataset = build_dataset(_settings(built_project_copy)).dataset
    claim = CLAIM["pk-eco-stabilising-architecture"]
    evidence = list(dataset.objects(claim, ECO.hasEvidence))
    assert len(evidence) == 1, "the build resolves the added quote into evidence"
    assert (claim, ECO.holder, ID.Pakistan) in dataset


@pytest.mark.slow
def test_accepted_entity_goes_to_the_entity_register(run_cli, project_copy):
    """On a project never built: the add builds it first."""
    code, _out, err = run_cli("--root", project_copy, "add", "--no-owl", GOOD / "unicode-labels.ttl")
    assert code == 0, err
    assert (project_copy / "build" / "eco-kg.nq").is_file()
    register = (project_copy / "seeds" / "entities.ttl").read_text(encoding="utf-8")
    assert '"کوئٹہ"@ur' in register
    dataset = build_dataset(_settings(project_copy)).dataset
    assert (URIRef(ID.Quetta), ECO.locatedIn, ID.Pakistan) in dataset


@pytest.mark.slow
def test_adding_the_same_file_twice_writes_it_once(run_cli, built_project_copy):
    assert run_cli("--root", built_project_copy, "add", "--no-owl", GOOD / "subclass-instance.ttl")[0] == 0
    before = tree_digest(built_project_copy / "seeds")
    code, _out, err = run_cli("--root", built_project_copy, "add", "--no-owl", GOOD / "subclass-instance.ttl")
    assert code == 0 and "already in the graph" in err
    assert tree_digest(built_project_copy / "seeds") == before


def test_a_seed_file_cannot_be_added_to_itself(run_cli, built_project_copy):
    code, _out, err = run_cli("--root", built_project_copy, "add", built_project_copy / "seeds" / "entities.ttl")
    assert code == 2 and "already in seeds/" in err


# ------------------------------------------------------------------------------------------------
# Nothing acknowledged is lost
# ------------------------------------------------------------------------------------------------

def _entity_file(directory, slug: str, label: str):
    path = directory / f"{slug}.ttl"
    path.write_text("@prefix eco: <https://w3id.org/eco-kg/ontology/> .\n"
                    "@prefix ecoid: <https://w3id.org/eco-kg/id/> .\n"
                    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n"
                    f'ecoid:{slug} a eco:Region ;\n    rdfs:label "{label}"@en .\n', encoding="utf-8")
    return path


def _spawn_adds(project, files):
    import os
    import subprocess

    from gate_fixtures import ECOKG

    env = dict(os.environ, ECOKG_BUILD_DIR=str(project / "build"))
    running = [subprocess.Popen([str(ECOKG), "--root", str(project), "add", "--no-owl", str(f)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in files]
    return [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in running]


@pytest.mark.slow
def test_four_concurrent_adds_all_land(built_project_copy, tmp_path):
    files = [_entity_file(tmp_path, slug, label) for slug, label in
             (("Bandar", "Bandar"), ("Chitral", "Chitral"), ("Zahedan", "Zahedan"), ("Turbat", "Turbat"))]
    outcomes = _spawn_adds(built_project_copy, files)
    assert [code for code, _out, _err in outcomes] == [0, 0, 0, 0], outcomes
    register = (built_project_copy / "seeds" / "entities.ttl").read_text(encoding="utf-8")
    for slug in ("Bandar", "Chitral", "Zahedan", "Turbat"):
        assert f'"{slug}"@en' in register, slug
    dataset = build_dataset(_settings(built_project_copy)).dataset
    assert all((URIRef(ID[slug]), None, None) in dataset for slug in ("Bandar", "Chitral", "Zahedan", "Turbat"))


@pytest.mark.slow
def test_two_conflicting_adds_the_second_fails(built_project_copy, tmp_path):
    first, second = (tmp_path / "a", tmp_path / "b")
    first.mkdir()
    second.mkdir()
    files = [_entity_file(first, "Oman", "Oman"), _entity_file(second, "OmanState", "Oman")]
    outcomes = _spawn_adds(built_project_copy, files)
    codes = sorted(code for code, _out, _err in outcomes)
    assert codes == [0, 1], outcomes
    rejected = next(out for code, out, _err in outcomes if code == 1)
    assert "[graph/duplicate-label]" in rejected and "'Oman'" in rejected
    assert (built_project_copy / "seeds" / "entities.ttl").read_text(encoding="utf-8").count('"Oman"@en') == 1


def test_add_keeps_the_seed_file_mode(run_cli, built_project_copy):
    register = built_project_copy / "seeds" / "entities.ttl"
    register.chmod(0o640)
    code, _out, err = run_cli("--root", built_project_copy, "add", "--no-owl", GOOD / "unicode-labels.ttl")
    assert code == 0, err
    assert register.stat().st_mode & 0o777 == 0o640
    assert not list((built_project_copy / "seeds").glob(".*.tmp")), "no temporary file is left behind"


@pytest.mark.slow
@pytest.mark.parametrize("errno_name, reason", [("ENOSPC", "No space left on device"),
                                                ("EROFS", "Read-only file system")])
def test_an_unwritable_seed_folder_is_a_clear_input_error(run_cli, built_project_copy, monkeypatch, errno_name, reason):
    import errno
    import os

    before = tree_digest(built_project_copy / "seeds")

    def failing_fsync(fd):
        raise OSError(getattr(errno, errno_name), os.strerror(getattr(errno, errno_name)))

    monkeypatch.setattr("kg.seedwrite.os.fsync", failing_fsync)
    code, _out, err = run_cli("--root", built_project_copy, "add", "--no-owl", GOOD / "unicode-labels.ttl")
    assert code == 2, err
    register = built_project_copy / "seeds" / "entities.ttl"
    assert f"{register}: cannot write the seed file: {reason}; nothing was changed" in err
    assert "bug in ecokg" not in err
    assert tree_digest(built_project_copy / "seeds") == before
