"""What is decided in one place stays there: a dump's path is made only by `kg.metadata.dump_path`, and the kinds
of claim the pages show are the ontology's (`kg.ontology.claim_kinds`), so a kind added there reaches the pages."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.metadata import DUMPS, NANOPUBS_FILE, dump_path
from kg.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DUMP_NAME = re.compile(r"""["']eco-kg(?:-nanopubs)?\.(?:nq|trig|ttl|jsonld)["']""")


def test_no_module_but_kg_metadata_names_a_dump_file():
    named = [f"{path.relative_to(ROOT).as_posix()}:{number}"
             for folder in ("kg", "server") for path in sorted((ROOT / folder).rglob("*.py"))
             if path.relative_to(ROOT).as_posix() != "kg/metadata.py"
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if DUMP_NAME.search(line) and not line.lstrip().startswith("#")]
    assert named == []


def test_every_dump_lies_in_the_build_folder(tmp_path):
    settings = Settings(root=tmp_path, build_dir=tmp_path / "out")
    assert dump_path(settings) == tmp_path / "out" / "eco-kg.nq"
    for name in [*DUMPS, NANOPUBS_FILE]:
        assert dump_path(settings, name) == tmp_path / "out" / name


def test_a_name_that_is_no_dump_is_refused_with_the_names_there_are(tmp_path):
    with pytest.raises(ValueError, match=r"no dump named \.\./secret; the dumps are eco-kg\.trig"):
        dump_path(Settings(root=tmp_path), "../secret")


KIND_NAMES = ("Proposal", "Stance", "Assessment", "ReportedStatement", "FactualStatement")


def test_no_server_module_names_a_kind_of_claim():
    named = [f"{path.relative_to(ROOT).as_posix()}:{number}"
             for path in sorted((ROOT / "server").rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"\b(?:ECO\.|eco:)(?:%s)\b" % "|".join(KIND_NAMES), line)]
    assert named == []


def _kinds_shown(settings):
    from flask import Flask

    from server.pages.terms import CLAIM_KINDS

    app = Flask("kinds")
    app.config["ECOKG_SETTINGS"] = settings
    with app.app_context():
        return [(kind.cls.split("#")[-1].split("/")[-1], kind.key, kind.plural) for kind in CLAIM_KINDS]


def test_the_pages_show_the_ontologys_kinds_in_its_order_then_a_claim_of_no_kind():
    assert _kinds_shown(Settings()) == [
        ("Proposal", "proposal", "Proposals"), ("Stance", "stance", "Stances"),
        ("Assessment", "assessment", "Assessments"), ("ReportedStatement", "reported", "Reported statements"),
        ("FactualStatement", "factual", "Factual statements"), ("Claim", "claim", "Other claims")]


def test_a_kind_added_to_the_ontology_reaches_the_pages(tmp_path):
    ontology = tmp_path / "ontology"
    ontology.mkdir()
    for path in Settings().ontology_dir.glob("*.ttl"):
        (ontology / path.name).write_bytes(path.read_bytes())
    (ontology / "zz-warning.ttl").write_text(
        "@prefix eco: <https://w3id.org/eco-kg/ontology/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'eco:Warning rdfs:subClassOf eco:Claim ; rdfs:label "warning"@en .\n', encoding="utf-8")
    shown = _kinds_shown(Settings(ontology_dir=ontology))
    assert ("Warning", "warning", "Warnings") in shown
    assert shown[-1][0] == "Claim"
