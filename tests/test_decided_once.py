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
