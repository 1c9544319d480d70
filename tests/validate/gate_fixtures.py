"""Helpers for the gate's tests: where the corpus is, generated fixtures, running the real executable."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def fixture_path(name: str, generated_dir: Path | None) -> Path:
    if name in GENERATED and generated_dir is not None:
        return generated_dir / name
    for folder in (BAD, GOOD):
        if (folder / name).exists():
            return folder / name
    return BAD / name  # a path that does not exist, for the missing-file case


def run_subprocess(*args, env_build_dir: Path, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, ECOKG_BUILD_DIR=str(env_build_dir))
    return subprocess.run([str(ECOKG), *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120)


def tree_digest(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
