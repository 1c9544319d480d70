"""Fixtures for the Wikidata link, enrichment and federation tests: a Wikidata stand-in on
127.0.0.1, a writable copy of the project, and running `ecokg` in process."""
from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from liveserver import LiveServer  # noqa: E402
from wikidata_standin import create_standin  # noqa: E402

from kg.cli import main  # noqa: E402
from kg.settings import PROJECT_ROOT, Settings  # noqa: E402


@pytest.fixture(scope="session")
def standin():
    """The Wikidata stand-in, serving until the session ends; ``.url`` is its base URL."""
    server = LiveServer(create_standin()).start()
    yield server
    server.stop()


@pytest.fixture()
def standin_requests(standin):
    """The requests the stand-in receives during one test."""
    recorded = standin._server.app.config["REQUESTS"]
    recorded.clear()
    return recorded


@pytest.fixture()
def project(tmp_path) -> Settings:
    """A writable copy of the project's ontology, seeds and queries, with its own build directory."""
    for name in ("ontology", "seeds", "queries"):
        if (PROJECT_ROOT / name).exists():
            shutil.copytree(PROJECT_ROOT / name, tmp_path / name)
    return Settings().with_(root=tmp_path, seeds_dir=tmp_path / "seeds", ontology_dir=tmp_path / "ontology",
                            queries_dir=tmp_path / "queries", build_dir=tmp_path / "build")


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture()
def ecokg(capsys):
    """Run the `ecokg` command line in process: ``ecokg("link", "--report", root=path)``."""
    def run(*argv: str, root: Path | None = None) -> Run:
        capsys.readouterr()
        prefix = ["--root", str(root)] if root else []
        code = main(prefix + [str(a) for a in argv])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)
    return run
