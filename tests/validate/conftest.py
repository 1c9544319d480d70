"""Fixtures for the validation gate: the corpus of contributions, a shared stored graph, CLI runners."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg import cli
from kg.gate.context import load_base
from kg.settings import PROJECT_ROOT

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"
GOOD = DATA / "good"
ECOKG = Path(sys.executable).parent / "ecokg"

HEADER = (b"@prefix eco: <https://w3id.org/eco-kg/ontology/> .\n"
          b"@prefix ecoid: <https://w3id.org/eco-kg/id/> .\n"
          b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n")


def make_latin1(directory: Path) -> Path:
    path = directory / "latin1.ttl"
    path.write_bytes(HEADER + 'ecoid:Peshawar a eco:Region ;\n    rdfs:label "Peshawar café"@en .\n'.encode("latin-1"))
    return path


def make_nul(directory: Path) -> Path:
    path = directory / "nul-byte.ttl"
    path.write_bytes(HEADER + b'ecoid:Peshawar a eco:Region ;\n    rdfs:label "Pesha\x00war"@en .\n')
    return path


def make_oversized(directory: Path) -> Path:
    """A syntactically fine file of a little over 5 MiB (the default limit)."""
    path = directory / "oversized.ttl"
    filler = b"# " + b"x" * 1021 + b"\n"
    with path.open("wb") as out:
        out.write(HEADER)
        for _ in range(5 * 1024 + 16):
            out.write(filler)
        out.write(b'ecoid:Peshawar a eco:Region ; rdfs:label "Peshawar"@en .\n')
    return path


GENERATED = {"latin1.ttl": make_latin1, "nul-byte.ttl": make_nul, "oversized.ttl": make_oversized}


@pytest.fixture(scope="session")
def generated_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("generated")
    for make in GENERATED.values():
        make(directory)
    return directory


def fixture_path(name: str, generated_dir: Path) -> Path:
    if name in GENERATED:
        return generated_dir / name
    for folder in (BAD, GOOD):
        if (folder / name).exists():
            return folder / name
    return BAD / name  # a path that does not exist, for the missing-file case


@pytest.fixture(scope="session")
def gate_base(settings):
    """The stored graph, built once; the gate takes each change out again after checking it."""
    return load_base(settings)


@pytest.fixture
def run_cli(settings, monkeypatch, capsys):
    """Run ``ecokg ARGS`` in this process (the real argument parsing and exit codes)."""
    monkeypatch.setenv("ECOKG_BUILD_DIR", str(settings.build_dir))

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def run_json(run_cli):
    def run(*args: str) -> tuple[int, dict]:
        code, out, err = run_cli("validate", "--format", "json", *args)
        assert out.strip(), f"no report on stdout; stderr: {err}"
        return code, json.loads(out)

    return run


def run_subprocess(*args: str, env_build_dir: Path, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ, ECOKG_BUILD_DIR=str(env_build_dir))
    return subprocess.run([str(ECOKG), *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120)


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A copy of the ontology and seeds, for commands that write."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(PROJECT_ROOT / "ontology", root / "ontology")
    shutil.copytree(PROJECT_ROOT / "seeds", root / "seeds")
    (root / "queries").mkdir()
    return root


def tree_digest(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
