"""Fixtures for the validation gate: generated bad files, a shared stored graph, CLI runners, a project copy."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg import cli
from kg.gate.context import load_base
from kg.build import inputs_fingerprint, is_fresh
from kg.settings import PROJECT_ROOT, Settings

from gate_fixtures import GENERATED


@pytest.fixture(scope="session")
def generated_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("generated")
    for make in GENERATED.values():
        make(directory)
    return directory


@pytest.fixture(scope="session")
def gate_base(settings):
    """The stored graph, built once; the gate takes each change out again after checking it."""
    return load_base(settings)


@pytest.fixture
def run_cli(settings, monkeypatch, capsys):
    """Run ``ecokg ARGS`` in this process (the real argument parsing and exit codes)."""
    monkeypatch.setenv("ECOKG_BUILD_DIR", str(settings.build_dir))

    def run(*args) -> tuple[int, str, str]:
        code = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def run_json(run_cli):
    def run(*args) -> tuple[int, dict]:
        code, out, err = run_cli("validate", "--format", "json", *args)
        assert out.strip(), f"no report on stdout; stderr: {err}"
        return code, json.loads(out)

    return run


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A copy of the ontology and seeds, for commands that write; not built yet."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(PROJECT_ROOT / "ontology", root / "ontology")
    shutil.copytree(PROJECT_ROOT / "seeds", root / "seeds")
    (root / "queries").mkdir()
    return root


@pytest.fixture
def built_project_copy(project_copy, settings, built) -> Path:
    """`project_copy` with the session's build in its build/, and the fingerprint of the copy's inputs: the
    same bytes make the same dumps, so a command on the copy finds it up to date instead of building it again."""
    copy_settings = Settings().with_(root=project_copy, seeds_dir=project_copy / "seeds",
                                     ontology_dir=project_copy / "ontology", queries_dir=project_copy / "queries",
                                     build_dir=project_copy / "build")
    copy_settings.build_dir.mkdir()
    for path in settings.build_dir.iterdir():
        if path.is_file() and (path.name.startswith("eco-kg.") or path.name == "report.txt"):
            shutil.copy2(path, copy_settings.build_dir / path.name)
    (copy_settings.build_dir / "fingerprint").write_text(inputs_fingerprint(copy_settings), encoding="utf-8")
    assert is_fresh(copy_settings)
    return project_copy
