"""A researcher's own project as its user meets it: `ecokg init`, the project found from any folder inside it,
the packaged graph kept beside the project's files, and the gate's namespace rule for the project."""
from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = "https://example.org/speeches/"
SPEECH = ("Remarks at the trade forum\n"
          "Pakistan favours closer ties with Turkey in trade and transit.\n"
          "Both sides already meet every year.\n")


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def ecokg(*args, cwd: Path) -> Ran:
    """`ecokg ARGS` as typed in ``cwd``: the real command line, run in this process (no ECOKG_* variables)."""
    from kg.cli import main

    out, err = io.StringIO(), io.StringIO()
    before = os.getcwd()
    saved = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith("ECOKG_")}
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(arg) for arg in args])
    finally:
        os.chdir(before)
        os.environ.update(saved)
    return Ran(code, out.getvalue(), err.getvalue())


def make_project(folder: Path) -> Path:
    """A project with one registered source, its speaker, and Pakistan as its holder."""
    done = ecokg("init", str(folder), "--namespace", NAMESPACE, "--title", "Speeches", cwd=folder.parent)
    assert done.returncode == 0, done.stderr
    text = folder.parent / "trade-forum.txt"
    text.write_text(SPEECH, encoding="utf-8")
    done = ecokg("source", "add", str(text), "--title", "Remarks at the trade forum", "--speaker", "Jane Doe",
                 "--holder", "Pakistan", "--date", "2024-05-01", "--licence", "CC-BY-4.0", "--language", "en",
                 cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder


CLAIM = """\
@prefix eco: <https://w3id.org/eco-kg/ontology/> .
@prefix ecoid: <https://w3id.org/eco-kg/id/> .
@prefix modality: <https://w3id.org/eco-kg/id/modality/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{subject}> a eco:Stance ;
    rdfs:label "Pakistan favours closer ties with Turkey in trade and transit"@en ;
    eco:holder ecoid:Pakistan ;
    eco:modality modality:Favoured ;
    eco:involves ecoid:Turkey ;
    prov:wasDerivedFrom <https://example.org/speeches/id/source/trade-forum> ;
    eco:quote "{quote}" .
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("work") / "speeches")


def test_init_writes_the_project_file_folders_hook_and_workflow(tmp_path):
    folder = tmp_path / "mine"
    done = ecokg("init", str(folder), "--namespace", NAMESPACE, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    config = tomllib.loads((folder / "ecokg.toml").read_text(encoding="utf-8"))
    assert config["project"]["namespaces"] == [NAMESPACE]
    assert config["project"]["licence"] == "CC-BY-4.0"
    assert config["layout"]["sources"] == "sources" and config["layout"]["claims"] == "claims"
    for name in ("sources", "claims", "entities", "background"):
        assert (folder / name).is_dir()
    hook = yaml.safe_load((folder / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert hook["repos"][0]["hooks"][0]["id"] == "ecokg-validate"
    workflow = (folder / ".github" / "workflows" / "ecokg.yml").read_text(encoding="utf-8")
    steps = yaml.safe_load(workflow)["jobs"]["gate"]["steps"]
    assert any(step.get("uses", "").endswith("@COMMIT_SHA") for step in steps)
    assert "COMMIT_SHA" in workflow.split("name:")[0]  # the comment on top says what to put there
    assert NAMESPACE in (folder / "README.md").read_text(encoding="utf-8")


def test_init_refuses_a_folder_that_already_holds_a_project_and_a_bad_namespace(tmp_path):
    assert ecokg("init", str(tmp_path / "a"), "--namespace", NAMESPACE, cwd=tmp_path).returncode == 0
    before = (tmp_path / "a" / "ecokg.toml").read_bytes()
    again = ecokg("init", str(tmp_path / "a"), "--namespace", "https://example.org/other/", cwd=tmp_path)
    assert again.returncode == 2 and "already holds a project" in again.stderr
    assert (tmp_path / "a" / "ecokg.toml").read_bytes() == before
    bad = ecokg("init", str(tmp_path / "b"), "--namespace", "example.org/kg", cwd=tmp_path)
    assert bad.returncode == 2 and "is not a namespace IRI" in bad.stderr and "Traceback" not in bad.stderr
    theirs = ecokg("init", str(tmp_path / "c"), "--namespace", "https://w3id.org/eco-kg/mine/", cwd=tmp_path)
    assert theirs.returncode == 2 and "overlaps ECO-KG's own namespace" in theirs.stderr
    licence = ecokg("init", str(tmp_path / "d"), "--namespace", NAMESPACE, "--licence", "CC-BY-5", cwd=tmp_path)
    assert licence.returncode == 2 and "did you mean CC-BY-4.0" in licence.stderr
    assert not (tmp_path / "d").exists()


def test_a_command_in_a_subfolder_finds_the_project(project):
    listed = ecokg("source", "list", cwd=project / "claims")
    assert listed.returncode == 0, listed.stderr
    assert f"{NAMESPACE}id/source/trade-forum" in listed.stdout
    assert "iran-pakistan-eco-security-interview" in listed.stdout  # the packaged source stays


def test_the_project_is_not_looked_for_past_the_top_of_a_repository_or_an_eco_kg_checkout(tmp_path):
    make_project(tmp_path / "outer")
    inner = tmp_path / "outer" / "checkout"
    (inner / ".git").mkdir(parents=True)
    listed = ecokg("source", "list", cwd=inner)
    assert listed.returncode == 0, listed.stderr
    assert "trade-forum" not in listed.stdout
    unpacked = tmp_path / "outer" / "eco-kg-1.1.0"  # a copy of ECO-KG without .git, e.g. an unpacked sdist
    (unpacked / "ontology").mkdir(parents=True)
    (unpacked / "ontology" / "eco.ttl").write_bytes((ROOT / "ontology" / "eco.ttl").read_bytes())
    listed = ecokg("source", "list", cwd=unpacked)
    assert listed.returncode == 0, listed.stderr
    assert "trade-forum" not in listed.stdout


def test_root_names_a_project_from_anywhere(project, tmp_path):
    listed = ecokg("--root", str(project), "source", "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert f"{NAMESPACE}id/source/trade-forum" in listed.stdout


def test_a_malformed_project_file_is_exit_2_naming_it(tmp_path):
    (tmp_path / "ecokg.toml").write_text("[project]\nnamespaces = 3\n", encoding="utf-8")
    done = ecokg("source", "list", cwd=tmp_path)
    assert done.returncode == 2
    assert "ecokg.toml" in done.stderr and "names no namespace" in done.stderr and "Traceback" not in done.stderr
    (tmp_path / "ecokg.toml").write_text(f'[project]\nnamespaces = ["{NAMESPACE}"]\nlicence = "CC BY"\n',
                                          encoding="utf-8")
    done = ecokg("source", "list", cwd=tmp_path)
    assert done.returncode == 2 and "project.licence 'CC BY'" in done.stderr and "ecokg.toml" in done.stderr


@pytest.mark.slow
def test_a_claim_in_the_projects_namespace_quoting_its_own_source_passes_the_gate(project):
    claim = project / "new-claim.ttl"
    claim.write_text(CLAIM.format(subject=NAMESPACE + "id/claim/pk-turkey-trade-ties",
                                  quote="Pakistan favours closer ties with Turkey in trade and transit."),
                     encoding="utf-8")
    done = ecokg("validate", "--no-owl", "new-claim.ttl", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_a_quote_that_is_not_in_the_named_project_source_is_refused(project):
    claim = project / "misquoted.ttl"
    claim.write_text(CLAIM.format(subject=NAMESPACE + "id/claim/pk-turkey-misquoted",
                                  quote="Pakistan favours an alliance with Turkey."), encoding="utf-8")
    done = ecokg("validate", "--no-owl", "misquoted.ttl", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[evidence/quote-not-found]" in done.stdout and "trade-forum.txt" in done.stdout


@pytest.mark.slow
def test_a_claim_outside_every_namespace_is_refused_in_the_project(project):
    claim = project / "elsewhere.ttl"
    claim.write_text(CLAIM.format(subject="https://elsewhere.example/claim/pk-turkey",
                                  quote="Pakistan favours closer ties with Turkey in trade and transit."),
                     encoding="utf-8")
    done = ecokg("validate", "--no-owl", "elsewhere.ttl", cwd=project)
    assert done.returncode == 1
    assert "[vocabulary/subject-outside-namespace]" in done.stdout and NAMESPACE in done.stdout


ENTITY = """\
@prefix eco: <https://w3id.org/eco-kg/ontology/> .
@prefix ecoid: <https://w3id.org/eco-kg/id/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{ns}id/{name}> a eco:{kind} ; rdfs:label "{label}"@en{more} .
"""


def refused_by_the_gate(project: Path, name: str, text: str) -> str:
    """What `ecokg validate` says of a new file ``name`` holding ``text`` in ``project``; it must refuse it."""
    (project / name).write_text(text, encoding="utf-8")
    done = ecokg("validate", "--no-owl", name, cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_an_iri_of_the_project_that_nothing_describes_is_dangling(project):
    said = refused_by_the_gate(project, "dangling.ttl", ENTITY.format(
        ns=NAMESPACE, name="TradeForum", kind="Organisation", label="Trade Forum",
        more=f" ; rdfs:seeAlso <{NAMESPACE}id/Turkiye>"))
    assert "[graph/dangling-iri]" in said and "id/Turkiye" in said


@pytest.mark.slow
def test_two_entities_of_the_project_made_one_by_an_identity_link_are_refused(project):
    entities = project / "entities" / "forums.ttl"
    entities.write_text(ENTITY.format(ns=NAMESPACE, name="TradeForum", kind="Organisation", label="Trade Forum",
                                      more="") + f'<{NAMESPACE}id/TransitForum> a eco:Organisation ; '
                                                 'rdfs:label "Transit Forum"@en .\n', encoding="utf-8")
    try:
        said = refused_by_the_gate(project, "same.ttl", ENTITY.format(
            ns=NAMESPACE, name="TradeForum", kind="Organisation", label="Trade Forum",
            more=f" ; owl:sameAs <{NAMESPACE}id/TransitForum>"))
        assert "[graph/entities-made-same]" in said and "TransitForum" in said
    finally:
        entities.unlink()


@pytest.mark.slow
def test_journal_fold_writes_the_projects_graphs_into_the_projects_files(tmp_path):
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDF, RDFS

    from kg import journal

    folder = make_project(tmp_path / "speeches")
    source, forum = URIRef(NAMESPACE + "id/source/trade-forum"), URIRef(NAMESPACE + "id/TradeForum")
    comment = (source, RDFS.comment, Literal("Recorded at the forum's second day."),
               URIRef(NAMESPACE + "graph/source/trade-forum"))
    entity = [(forum, RDF.type, URIRef("https://w3id.org/eco-kg/ontology/Organisation"), URIRef(NAMESPACE + "graph/entities")),
              (forum, RDFS.label, Literal("Trade Forum", lang="en"), URIRef(NAMESPACE + "graph/entities"))]
    path = tmp_path / "accepted-updates.jsonl"
    journal.append(path, "INSERT DATA { … }", [comment, *entity], [])
    done = ecokg("journal", "fold", "--no-owl", "--journal", str(path), cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not folded" not in done.stdout + done.stderr
    assert "Recorded at the forum's second day." in (folder / "claims" / "trade-forum.ttl").read_text(encoding="utf-8")
    assert '"Trade Forum"@en' in (folder / "entities" / "accepted-updates.ttl").read_text(encoding="utf-8")
    assert journal.read(path) == []
    listed = ecokg("journal", "list", "--journal", str(path), cwd=folder)
    assert listed.returncode == 0


def test_outside_a_project_the_namespace_stays_eco_kgs(tmp_path):
    claim = tmp_path / "claim.ttl"
    claim.write_text(CLAIM.format(subject=NAMESPACE + "id/claim/pk-turkey-trade-ties", quote="x"), encoding="utf-8")
    done = ecokg("validate", "--no-owl", str(claim), cwd=ROOT)
    assert done.returncode == 1
    assert "[vocabulary/subject-outside-namespace]" in done.stdout and "https://w3id.org/eco-kg/" in done.stdout


@pytest.mark.slow
def test_add_in_a_project_writes_the_claims_file_of_its_source_and_never_the_packaged_seeds(project):
    seeds_before = sorted(p.name for p in (ROOT / "seeds").iterdir())
    claim = project / "to-add.ttl"
    claim.write_text(CLAIM.format(subject=NAMESPACE + "id/claim/pk-meets-turkey-yearly",
                                  quote="Both sides already meet every year.").replace("eco:Stance", "eco:Assessment")
                     .replace("modality:Favoured", "modality:Existing"), encoding="utf-8")
    done = ecokg("add", "--no-owl", "to-add.ttl", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    written = project / "claims" / "trade-forum.ttl"
    assert f"added 7 triples to {written}" in done.stderr
    assert "pk-meets-turkey-yearly" in written.read_text(encoding="utf-8")
    assert sorted(p.name for p in (ROOT / "seeds").iterdir()) == seeds_before
    again = ecokg("validate", "--no-owl", cwd=project)  # the project's own files, the added claim included
    assert again.returncode == 0, again.stdout + again.stderr


def test_init_takes_a_layout_of_ones_choice_and_the_commands_follow_it(tmp_path):
    folder = tmp_path / "mine"
    done = ecokg("init", str(folder), "--namespace", NAMESPACE, "--sources", "texts", "--claims", "seeds", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (folder / "texts").is_dir() and (folder / "seeds").is_dir() and not (folder / "sources").exists()
    text = tmp_path / "trade-forum.txt"
    text.write_text(SPEECH, encoding="utf-8")
    done = ecokg("source", "add", str(text), "--title", "Remarks", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert (folder / "texts" / "trade-forum.txt").read_text(encoding="utf-8") == SPEECH
    bad = ecokg("init", str(tmp_path / "other"), "--namespace", NAMESPACE, "--claims", "../outside", cwd=tmp_path)
    assert bad.returncode == 2 and "is not a folder of the project" in bad.stderr


def test_the_wsgi_entry_point_finds_the_project_named_by_ecokg_project(tmp_path):
    from kg.errors import EcoKGError
    from kg.settings import Settings

    ecokg("init", str(tmp_path / "mine"), "--namespace", NAMESPACE, cwd=tmp_path)
    settings = Settings.from_env({"ECOKG_PROJECT": str(tmp_path / "mine" / "claims")})
    assert settings.project.namespaces == (NAMESPACE,)
    assert settings.project.root == (tmp_path / "mine").resolve()
    assert Settings.from_env({}).project is None
    with pytest.raises(EcoKGError, match="no ecokg.toml"):
        Settings.from_env({"ECOKG_PROJECT": str(tmp_path)})
